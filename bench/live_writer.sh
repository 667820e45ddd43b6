#!/usr/bin/env bash
# Benchmark: does Argus slow a pipeline that writes as fast as it can?
# For WAL and rollback-journal mode: a writer process appends a submission
# and its review per transaction (busy timeout 1 s) for N seconds alone,
# then again while `argus_exporter serve` runs a cycle every second on the
# same file. Prints the writer's commit latency percentiles and failed
# writes, its commit rate and the WAL's largest size for each run, and, while
# Argus runs, how many of its cycles succeeded and the longest time between
# two successful ones. Usage: bench/live_writer.sh [seconds]
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
  build/argus_exporter serve --db "$db" --web.listen-address 127.0.0.1:0 --interval 1s 2>"$dir/argus.log" &
  argus=$!
  # The writer starts as Argus does: its first (cold) read of the whole
  # history overlaps the writes, the worst case for the write-ahead log.
  sleep 0.3
  port=$(grep -o 'port=[0-9]*' "$dir/argus.log" | head -1 | cut -d= -f2 || true)
  echo "== journal_mode=$mode, writer with Argus starting and cycling every second (${secs}s)"
  : >"$dir/success"
  ( end=$((SECONDS + secs)); while [ $SECONDS -lt $end ]; do
      curl -s --max-time 2 "http://127.0.0.1:$port/metrics" | awk '/^argus_last_success_timestamp_seconds /{print $2}' >>"$dir/success"
      sleep 1
    done ) &
  poller=$!
  build/argus_bench_incremental writer "$db" "$secs"
  wait $poller
  sort -u -g "$dir/success" | awk -v n="$secs" '
    { if (NR > 1 && $1 - prev > gap) gap = $1 - prev; prev = $1; count++ }
    END { printf "argus: %d successful cycles seen in %d s; longest gap between successes %.1f s\n", count, n, gap }'
  kill $argus; wait $argus 2>/dev/null || true
  argus=
  echo "argus errors logged: $(grep -c "level=error" "$dir/argus.log" || true)"; grep "level=error" "$dir/argus.log" | head -3 | cut -c1-300 || true
done
