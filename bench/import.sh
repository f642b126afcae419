#!/usr/bin/env bash
# Import benchmark (not a test): RECORDS synthetic feedback records (default 1,000,000) imported
# by `throughline import` into SQLite and PostgreSQL, each side by side with a peer doing the
# same load the way an analyst would script it:
#   SQLite     — Python's csv + sqlite3: parse, check scores and dates, INSERT OR IGNORE into
#                the same table and indexes, one transaction (bench/peer_sqlite.py);
#   PostgreSQL — psql \copy into a plain table of text columns: no validation, no dedup, no
#                indexes, the raw bulk-load ceiling.
# Prints records/s, peak memory (/usr/bin/time) and the ratio to the peer; the machine is shared
# and noisy, so compare ratios, not absolute numbers, across runs.
#
#   bench/import.sh                       # 1M records, PostgreSQL at 127.0.0.1:5432
#   RECORDS=200000 bench/import.sh        # a quicker run
#   THROUGHLINE_BENCH_POSTGRES=postgres://USER@HOST:PORT bench/import.sh
set -euo pipefail
cd "$(dirname "$0")/.."

RECORDS=${RECORDS:-1000000}
PG_SERVER=${THROUGHLINE_BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432}
OUT=bench/out
BIN=target/release/throughline
mkdir -p "$OUT"

cargo build --release --quiet
"$BIN" demo-data --records "$RECORDS" --seed 1 --out "$OUT/feedback.csv" > /dev/null
SIZE_MB=$(( $(stat -c %s "$OUT/feedback.csv") / 1000000 ))
echo "Import benchmark: $RECORDS synthetic records ($SIZE_MB MB of CSV)"
echo

# measure LABEL COMMAND… : runs it, records seconds and peak RSS (MB) in SECS and PEAK_MB.
measure() {
    local label=$1
    shift
    /usr/bin/time -f "%e %M" -o "$OUT/time.txt" "$@" > "$OUT/last.log"
    read -r SECS PEAK_KB < "$OUT/time.txt"
    PEAK_MB=$(( PEAK_KB / 1024 ))
    RATE=$(python3 -c "print(round($RECORDS / max($SECS, 0.001)))")
    printf '  %-44s %8.2f s %10s records/s %6s MB peak\n' "$label" "$SECS" "$RATE" "$PEAK_MB"
}
ratio() { python3 -c "print(f'{$1 / $2:.2f}')"; }

echo "SQLite"
rm -f "$OUT"/bench.db* "$OUT"/peer.db*
measure "throughline import (new records)" \
    "$BIN" --database-url "sqlite://$OUT/bench.db" import "$OUT/feedback.csv" --json
OURS=$SECS
OURS_PEAK=$PEAK_MB
measure "throughline import again (all duplicates)" \
    "$BIN" --database-url "sqlite://$OUT/bench.db" import "$OUT/feedback.csv" --json
measure "peer: Python csv + sqlite3" python3 bench/peer_sqlite.py "$OUT/feedback.csv" "$OUT/peer.db"
echo "  throughline is $(ratio "$SECS" "$OURS")x the peer's speed; peak memory $OURS_PEAK MB"
echo

echo "PostgreSQL ($PG_SERVER)"
psql -q "$PG_SERVER/postgres" -c "DROP DATABASE IF EXISTS throughline_bench" \
    -c "CREATE DATABASE throughline_bench" 2> /dev/null
measure "throughline import (new records)" \
    "$BIN" --database-url "$PG_SERVER/throughline_bench" import "$OUT/feedback.csv" --json
OURS=$SECS
OURS_PEAK=$PEAK_MB
psql -q "$PG_SERVER/throughline_bench" -c "CREATE TABLE peer_copy (id text, received_at text, \
    customer text, channel text, stage text, nps text, csat text, comment text, dataset text)"
measure "peer: psql \\copy into a plain text table" \
    psql -q "$PG_SERVER/throughline_bench" -c "\\copy peer_copy FROM '$OUT/feedback.csv' CSV HEADER"
echo "  throughline is $(ratio "$SECS" "$OURS")x the peer's speed; peak memory $OURS_PEAK MB"
psql -q "$PG_SERVER/postgres" -c "DROP DATABASE throughline_bench"
