#!/usr/bin/env python3
"""Helper of bench/web.sh: signs in to a running Throughline, creates an API token, and times
batch ingest through POST /api/v1/feedback/batch. Standard library only.

  web_client.py login BASE EMAIL PASSWORD       -> prints the session cookie
  web_client.py token BASE COOKIE               -> prints a new API token
  web_client.py ingest BASE TOKEN BATCHES SIZE  -> prints records/s
"""
import http.cookiejar
import json
import re
import sys
import time
import urllib.parse
import urllib.request


def login(base, email, password):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/login").read().decode()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"email": email, "password": password, "csrf_token": csrf})
    opener.open(base + "/login", data.encode())
    for cookie in jar:
        if cookie.name == "throughline_session":
            return f"throughline_session={cookie.value}"
    sys.exit("sign-in failed")


def token(base, cookie):
    def get(path, data=None):
        req = urllib.request.Request(base + path, data=data, headers={"Cookie": cookie})
        return urllib.request.urlopen(req).read().decode()

    page = get("/account")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    reply = get("/account/tokens", urllib.parse.urlencode({"csrf_token": csrf, "name": "bench"}).encode())
    return re.search(r'id="new-token">([^<]+)<', reply).group(1)


def ingest(base, tok, batches, size):
    total = 0
    run = int(time.time())  # fresh ids each run: a re-run would otherwise be all duplicates
    started = time.perf_counter()
    for b in range(batches):
        records = [
            {
                "id": f"bench-{run}-{b}-{i}",
                "received_at": f"2026-10-{i % 28 + 1:02d}T10:00:00Z",
                "nps": i % 11,
                "comment": "The delivery was late again and nobody called" if i % 3 else "Lovely sofa, easy checkout",
                "channel": "web",
            }
            for i in range(size)
        ]
        body = json.dumps({"source": "bench-api", "records": records}).encode()
        req = urllib.request.Request(
            base + "/api/v1/feedback/batch",
            data=body,
            headers={"Authorization": f"Bearer {tok}", "Content-Type": "application/json"},
        )
        reply = json.loads(urllib.request.urlopen(req).read())
        total += reply["imported"]
    seconds = time.perf_counter() - started
    print(f"{total / seconds:.0f} {total} {seconds:.2f}")


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    if command == "login":
        print(login(*args))
    elif command == "token":
        print(token(*args))
    elif command == "ingest":
        ingest(args[0], args[1], int(args[2]), int(args[3]))
