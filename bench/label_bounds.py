"""What the labels of the development data allow: reference points for issues 20 and 21.

Not a benchmark of Throughline: standard scikit-learn models on the same labelled tweets, so the
goals can be read against what the labels themselves permit.

1. Airline complaint reasons (issue 20's "NMI >= 0.30 on negative tweets, 10 themes"):
   - unsupervised: TF-IDF (words and word pairs) + k-means with k = 10, three seeds — what the
     analysis peer in bench/analyze.sh would find;
   - supervised: a logistic regression *trained on the reasons themselves* (5-fold
     cross-validation), its predictions' NMI against the reasons. Unsupervised themes cannot be
     expected to agree with the labellers more than a classifier taught by them.
2. Sentiment held out by airline (issue 21's "macro-F1 >= 0.70 on every held-out airline"):
   TF-IDF logistic regression trained on the other two airlines (its penalty chosen on the
   held-out airline itself, which flatters it), and trained on the held-out airline itself
   (5-fold cross-validation).

Run from the repository root, with the venv bench/analyze.sh makes:

    bench/.venv/bin/python bench/label_bounds.py
"""

import csv
import re

import numpy as np
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.metrics import normalized_mutual_info_score as nmi
from sklearn.model_selection import cross_val_predict

TWEETS = "../shared/data/airline_tweets_dev/tweets_dev.csv"


def clean(text):
    # @handles and links are no words (as in Throughline's themes and sentiment).
    return re.sub(r"@\w+|http\S+", " ", text)


def tfidf(stop_words=None):
    return TfidfVectorizer(
        stop_words=stop_words, min_df=2, ngram_range=(1, 2), sublinear_tf=True
    )


rows = list(csv.DictReader(open(TWEETS, newline="", encoding="utf-8")))

negative = [r for r in rows if r["airline_sentiment"] == "negative"]
texts = [clean(r["text"]) for r in negative]
reasons = [r["negativereason"] for r in negative]
x = tfidf("english").fit_transform(texts)
print(f"Airline complaint reasons: {len(negative)} negative tweets, {len(set(reasons))} reasons")
for seed in (0, 1, 2):
    found = KMeans(10, n_init=10, random_state=seed).fit(x).labels_
    print(f"  TF-IDF + k-means (k = 10, seed {seed}): NMI {nmi(reasons, found):.4f}")
predicted = cross_val_predict(LogisticRegression(C=5, max_iter=3000), x, reasons, cv=5)
accuracy = np.mean(np.array(predicted) == np.array(reasons))
print(
    f"  logistic regression trained on the reasons (5-fold): NMI {nmi(reasons, predicted):.4f}, "
    f"accuracy {accuracy:.3f}, macro-F1 {f1_score(reasons, predicted, average='macro'):.3f}"
)

print("Sentiment held out by airline (macro-F1):")
for held in sorted({r["airline"] for r in rows}):
    train = [r for r in rows if r["airline"] != held]
    test = [r for r in rows if r["airline"] == held]
    vectoriser = tfidf()
    x_train = vectoriser.fit_transform([clean(r["text"]) for r in train])
    x_test = vectoriser.transform([clean(r["text"]) for r in test])
    y_train = [r["airline_sentiment"] for r in train]
    y_test = [r["airline_sentiment"] for r in test]
    across = max(
        f1_score(
            y_test,
            LogisticRegression(C=c, max_iter=3000, class_weight="balanced")
            .fit(x_train, y_train)
            .predict(x_test),
            average="macro",
        )
        for c in (1, 3, 10)
    )
    x_own = tfidf().fit_transform([clean(r["text"]) for r in test])
    own = cross_val_predict(
        LogisticRegression(C=3, max_iter=3000, class_weight="balanced"), x_own, y_test, cv=5
    )
    print(
        f"  {held}: TF-IDF LR trained on the other two {across:.3f} (penalty chosen on {held}); "
        f"trained on {held} itself (5-fold) {f1_score(y_test, own, average='macro'):.3f}"
    )
