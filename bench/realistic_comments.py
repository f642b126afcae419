"""Realistic comments for the analysis benchmark (bench/analyze.sh with DATA=realistic): real
customer and review sentences from ../shared/data (tweets to airlines, the VADER ground-truth
tweets and Amazon, movie and editorial snippets, BANKING77 queries) assembled into comments
whose length follows real feedback — most a line, a long tail of reviews of 5–15 sentences —
with an NPS that leans with the sentences' own labels, and dates over a year. Deterministic for
a seed. The output is benchmark input only: the data's licences (see each SOURCE.txt) allow this
use, not shipping it.

    python3 bench/realistic_comments.py N OUT.csv [SEED]
"""

import csv
import random
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def sentences():
    """(text, polarity in -1..1) for every unit of real text."""
    units = []
    with open(DATA / "airline_tweets_dev" / "tweets_dev.csv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            pol = {"negative": -1.0, "neutral": 0.0, "positive": 1.0}[row["airline_sentiment"]]
            units.append((row["text"].replace("\n", " "), pol))
    for name in [
        "tweets_GroundTruth.txt",
        "amazonReviewSnippets_GroundTruth.txt",
        "movieReviewSnippets_GroundTruth.txt",
        "nytEditorialSnippets_GroundTruth.txt",
    ]:
        path = DATA / "vader_groundtruth" / name
        for line in path.read_bytes().decode("utf-8", "replace").splitlines():
            parts = line.split("\t", 2)
            if len(parts) == 3:
                try:
                    units.append((parts[2].strip(), max(-1.0, min(1.0, float(parts[1]) / 3))))
                except ValueError:
                    pass
    for name in ["train.csv", "test.csv"]:
        with open(DATA / "banking77" / name, newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                units.append((row["text"], -0.3))
    return [u for u in units if u[0]]


def main():
    n, out = int(sys.argv[1]), sys.argv[2]
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 7)
    units = sentences()
    with open(out, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "date", "nps", "comment"])
        for i in range(n):
            r = rng.random()
            count = 1 if r < 0.55 else rng.randint(2, 4) if r < 0.85 else rng.randint(5, 15)
            picked = [units[rng.randrange(len(units))] for _ in range(count)]
            text = " ".join(t for t, _ in picked)
            pol = sum(p for _, p in picked) / count
            nps = max(0, min(10, round(6.5 + 3.5 * pol + rng.gauss(0, 1.5))))
            day = 1 + (i * 7919) % 365
            w.writerow([f"R-{i:07d}", f"2026-{1 + (day - 1) // 31 % 12:02d}-{1 + (day - 1) % 28:02d}", nps, text])


if __name__ == "__main__":
    main()
