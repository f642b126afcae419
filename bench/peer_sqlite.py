"""The peer for bench/import.sh: the SQLite load an analyst would script with the standard
library. Same table, same unique key and indexes as Throughline's, the same checks (scores in
range, ISO dates), one transaction, INSERT OR IGNORE for idempotency."""

import csv
import datetime
import json
import sqlite3
import sys

path, db = sys.argv[1], sys.argv[2]
conn = sqlite3.connect(db)
conn.execute("PRAGMA journal_mode = WAL")
conn.execute("PRAGMA synchronous = NORMAL")
conn.executescript(
    """
    CREATE TABLE feedback (
        id INTEGER PRIMARY KEY, source TEXT NOT NULL, dedup_key TEXT NOT NULL,
        external_id TEXT, received_at INTEGER NOT NULL, customer TEXT, channel TEXT,
        stage_key TEXT, nps INTEGER, csat INTEGER, comment TEXT, metadata TEXT NOT NULL,
        UNIQUE (source, dedup_key));
    CREATE INDEX feedback_received_at ON feedback (received_at);
    """
)


def rows():
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            nps = int(row["nps"]) if row["nps"] else None
            csat = int(row["csat"]) if row["csat"] else None
            if nps is not None and not 0 <= nps <= 10:
                continue
            if csat is not None and not 1 <= csat <= 5:
                continue
            when = datetime.datetime.fromisoformat(row["received_at"].replace("Z", "+00:00"))
            yield (
                "feedback", "id:" + row["id"], row["id"], int(when.timestamp() * 1000),
                row["customer"] or None, row["channel"] or None, row["stage"] or None,
                nps, csat, row["comment"] or None, json.dumps({"dataset": row["dataset"]}),
            )


with conn:
    conn.executemany(
        "INSERT OR IGNORE INTO feedback (source, dedup_key, external_id, received_at, customer, "
        "channel, stage_key, nps, csat, comment, metadata) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        rows(),
    )
conn.close()
