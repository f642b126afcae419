#!/usr/bin/env bash
# Analysis benchmark (not a test): `throughline analyze-file` and the Python peer an analyst
# would use (vaderSentiment + scikit-learn TfidfVectorizer/KMeans, installed by this script into
# bench/.venv) on the same comments, side by side, with time ratios and peak memory. The machine
# is shared and noisy: compare the ratios.
#
# DATA=realistic (the headline) assembles real sentences from ../shared/data into comments of
# real feedback's lengths (bench/realistic_comments.py); DATA=synthetic (the default, for
# planted effects) uses `throughline demo-data`.
#
#   DATA=realistic SIZES="200000 1000000" bench/analyze.sh
#   bench/analyze.sh                    # 100,000 synthetic comments
#   SIZES="100000 1000000" bench/analyze.sh
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=${SIZES:-100000}
DATA=${DATA:-synthetic}
THEMES=${THEMES:-20}
OUT=bench/out
BIN=target/release/throughline
mkdir -p "$OUT"

cargo build --release --quiet
if [ ! -x bench/.venv/bin/python ]; then
    python3 -m venv bench/.venv
    bench/.venv/bin/pip install --quiet scikit-learn==1.9.1 vaderSentiment==3.3.2
fi

measure() {
    local label=$1
    shift
    /usr/bin/time -f "%e %M" -o "$OUT/time.txt" "$@" > "$OUT/last.log" 2>&1
    read -r SECS PEAK_KB < "$OUT/time.txt"
    printf '  %-52s %8.2f s %8s MB peak\n' "$label" "$SECS" "$(( PEAK_KB / 1024 ))"
}

for n in $SIZES; do
    if [ "$DATA" = realistic ]; then
        python3 bench/realistic_comments.py "$n" "$OUT/comments-$n.csv"
    else
        # (the synthetic file keeps its name: docs/analytics.md's parity run reads it)
        "$BIN" demo-data --records "$n" --seed 3 --out "$OUT/comments-$n.csv" > /dev/null
    fi
    echo "$n $DATA comments, $THEMES themes"
    measure "throughline analyze-file (sentiment, themes, stages, Top Ten…)" \
        "$BIN" analyze-file "$OUT/comments-$n.csv" --themes "$THEMES" --out "$OUT/analysis-$n"
    OURS=$SECS
    measure "peer: vaderSentiment + TfidfVectorizer + KMeans" \
        bench/.venv/bin/python bench/peer_analyze.py "$OUT/comments-$n.csv" "$OUT/peer-$n.jsonl" "$THEMES"
    echo "  throughline is $(python3 -c "print(f'{$SECS / $OURS:.1f}')")x as fast as the peer"
    echo
done
