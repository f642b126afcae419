"""The peer for bench/analyze.sh: what a data analyst would run on the same comments — VADER
sentiment (vaderSentiment) and themes by scikit-learn's TfidfVectorizer + KMeans — writing one
line per comment (sentiment and cluster) like analyze-file's records.jsonl."""

import csv
import json
import sys

from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import TfidfVectorizer
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

path, out, k = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(path, newline="", encoding="utf-8") as f:
    rows = list(csv.DictReader(f))
texts = [r["comment"] for r in rows]
analyzer = SentimentIntensityAnalyzer()
sentiment = [analyzer.polarity_scores(t)["compound"] for t in texts]
matrix = TfidfVectorizer(sublinear_tf=True, min_df=2).fit_transform(texts)
labels = KMeans(n_clusters=k, n_init=3, random_state=42).fit_predict(matrix)
with open(out, "w") as f:
    for row, s, label in zip(rows, sentiment, labels):
        f.write(json.dumps({"id": row["id"], "sentiment": s, "themes": [int(label)]}) + "\n")
