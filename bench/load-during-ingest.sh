#!/usr/bin/env bash
# Topic feeds under load while feedsieve ingests a farm of feeds (issue 9,
# RELIABILITY.md "Load"): the farm benchmark's generated outlets on loopback
# (examples/farm), `feedsieve run` on a fresh database polling all of them,
# and wrk asking for one topic's Atom feed the whole time. Prints wrk's
# latency distribution and how many articles were stored while it ran.
#
#   bench/load-during-ingest.sh [FEEDS] [SECONDS] [CONNECTIONS]
#   (defaults: 1000 feeds of 20 items, 60 s, 8 connections)
#
# The first polls of a fresh daemon are spread over its first minute, so a
# 60 s wrk run covers the ingest. wrk is Debian's; installed if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
FEEDS=${1:-1000}
DURATION=${2:-60}
CONNECTIONS=${3:-8}

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
cargo build --release --bin feedsieve --example farm

OUT=$(mktemp -d)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

target/release/examples/farm serve --feeds "$FEEDS" --items 20 --out "$OUT" >"$OUT/farm.log" 2>&1 &
PIDS+=($!)
CONFIG=$OUT/serve/feedsieve.toml
for _ in $(seq 600); do [ -s "$CONFIG" ] && grep -q '^serving' "$OUT/farm.log" && break; sleep 0.1; done
[ -s "$CONFIG" ] || { echo "the farm did not start"; cat "$OUT/farm.log"; exit 1; }
LISTEN=$(sed -n 's/^listen = "\(.*\)"$/\1/p' "$CONFIG")
SLUG=$(sed -n 's/^slug = "\(.*\)"$/\1/p' "$CONFIG" | head -1)
DB=$OUT/serve/feedsieve.db

target/release/feedsieve --config "$CONFIG" run >"$OUT/daemon.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 300); do curl -fsS -o /dev/null "http://$LISTEN/healthz" 2>/dev/null && break; sleep 0.1; done

articles() {
    python3 -c 'import sqlite3,sys; print(sqlite3.connect("file:"+sys.argv[1]+"?mode=ro", uri=True).execute("select count(*) from articles").fetchone()[0])' "$DB" 2>/dev/null || echo 0
}
before=$(articles)
wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency "http://$LISTEN/feeds/$SLUG.atom" | tee "$OUT/wrk.txt"
after=$(articles)
p50=$(awk '$1 == "50%" { print $2 }' "$OUT/wrk.txt")
p99=$(awk '$1 == "99%" { print $2 }' "$OUT/wrk.txt")
rps=$(awk '/^Requests\/sec/ { print $2 }' "$OUT/wrk.txt")
echo
echo "topic feed /feeds/$SLUG.atom under wrk ($CONNECTIONS connections, ${DURATION}s) while ingesting $FEEDS feeds:"
echo "  p50 $p50, p99 $p99, $rps requests/s; articles stored during the run: $before -> $after"
echo "  (target: p99 under 50 ms)   files: $OUT"
