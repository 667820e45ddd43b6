#!/usr/bin/env bash
# Benchmark: does Argus slow a pipeline that writes as fast as it can?
# For WAL and rollback-journal mode: a writer process appends a submission
# and its review per transaction (busy timeout 1 s) for N seconds alone,
# then again while `argus_exporter serve` runs a cycle every second on the
# same file. Prints the writer's commit latency percentiles and failed
# writes for each run. Usage: bench/live_writer.sh [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-20}
now=2026-11-28T12:00:00Z
[ -x build/argus_bench_incremental ] || scripts/build.sh
[ -f build/bench-1m.db ] || build/argus_exporter demo --db build/bench-1m.db --agents 100 --days 140 --rate 2.5 --now "$now" --force
dir=$(mktemp -d)
trap 'kill $argus 2>/dev/null || true; rm -rf "$dir"' EXIT
argus=
for mode in wal delete; do
  db=$dir/pipeline-$mode.db
  cp build/bench-1m.db "$db"
  sqlite3 "$db" "PRAGMA journal_mode=$mode;" >/dev/null
  echo "== journal_mode=$mode, writer alone (${secs}s)"
  build/argus_bench_incremental writer "$db" "$secs"
  build/argus_exporter serve --db "$db" --web.listen-address 127.0.0.1:0 --interval 1s --log.level warn 2>"$dir/argus.log" &
  argus=$!
  sleep 3  # past the first (cold) cycle
  echo "== journal_mode=$mode, writer with Argus cycling every second (${secs}s)"
  build/argus_bench_incremental writer "$db" "$secs"
  kill $argus; wait $argus 2>/dev/null || true
  argus=
  echo "argus errors logged: $(grep -c "level=error" "$dir/argus.log" || true)"
done
