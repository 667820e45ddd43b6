#!/usr/bin/env bash
# Benchmark of the incremental engine: a cold cycle, then 50 steady cycles
# with 1,000 new rows each and 50 with none, on copies of the demo
# databases of 1M reviews (140 days) and 10M reviews (1,400 days, the same
# rate: only the history grows). Usage: bench/incremental.sh [1m|10m|both]
set -euo pipefail
cd "$(dirname "$0")/.."
which=${1:-both}
now=2026-11-28T12:00:00Z
[ -x build/argus_bench_incremental ] || scripts/build.sh
run() {
  local name=$1 days=$2 db=build/bench-$1.db copy
  if [ ! -f "$db" ]; then
    echo "generating $db (100 agents, $days days) ..."
    build/argus_exporter demo --db "$db" --agents 100 --days "$days" --rate 2.5 --now "$now" --force
  fi
  echo "== $name: $(sqlite3 "$db" 'SELECT count(*) FROM reviews') reviews"
  copy=$(mktemp -d)/bench.db
  cp "$db" "$copy"
  build/argus_bench_incremental cycles "$copy" "$now"
  rm -rf "$(dirname "$copy")"
}
case $which in
  1m) run 1m 140 ;;
  10m) run 10m 1400 ;;
  *) run 1m 140; run 10m 1400 ;;
esac
