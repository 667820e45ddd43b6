#!/usr/bin/env bash
# Benchmark: one exporter watching 20 pipelines of about 50,000 reviews each
# (20 agents, 35 days; 20 SQLite files, cached in build/bench-pipelines/):
# the first (cold) cycles, steady cycles, memory, /metrics size and scrape
# latency (wrk from Debian, Accept-Encoding gzip as Prometheus asks).
# Usage: bench/pipelines.sh [pipelines] [seconds]   (20, 10)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
n=${1:-20}
secs=${2:-10}
now=2026-11-28T12:00:00Z
scripts/install-deps.sh wrk >/dev/null
[ -x build/argus_exporter ] || scripts/build.sh
dir=build/bench-pipelines
mkdir -p "$dir"
config=$dir/argus-$n.yml
echo "pipelines:" > "$config"
for i in $(seq -w 1 "$n"); do
  db=$dir/p$i.db
  [ -f "$db" ] || build/argus_exporter demo --db "$db" --agents 20 --days 35 --rate 2.5 --seed "1$i" \
    --now "$now" --force >/dev/null
  echo "  - {name: p$i, database: $db}" >> "$config"
done
echo "$n pipelines, $(sqlite3 "$dir/p01.db" 'SELECT count(*) FROM reviews') reviews in the first"
log=$dir/serve.log
start=$(date +%s%N)
serve_in_background "$log" 600 --config "$config" --now "$now" --interval 1h --log.level warn
echo "ready (every pipeline's first cycle done) after $(( ($(date +%s%N) - start) / 1000000 )) ms"
curl -s "http://127.0.0.1:$port/metrics" > "$dir/metrics.txt"
awk '/^argus_cycle_duration_seconds/ {s += $2; if ($2 > m) m = $2} END {printf "first cycles: %.0f ms in all, the longest %.0f ms\n", s * 1000, m * 1000}' "$dir/metrics.txt"
echo "after the first cycles: $(grep -E '^(VmRSS|VmHWM)' /proc/$pid/status | tr -s ' \t' ' ' | tr '\n' ' ')"
# Steady cycles: /check runs one cycle of every pipeline (no new rows).
for i in 1 2 3 4 5; do
  t=$(date +%s%N)
  curl -s "http://127.0.0.1:$port/check" > /dev/null
  echo "steady cycle of all $n pipelines (/check): $(( ($(date +%s%N) - t) / 1000 )) us"
done
echo "metrics body: $(wc -c < "$dir/metrics.txt") bytes plain," \
     "$(curl -s -H 'Accept-Encoding: gzip' "http://127.0.0.1:$port/metrics" | wc -c) bytes gzip," \
     "$(grep -vc '^#' "$dir/metrics.txt") series"
echo "== GET /metrics, Accept-Encoding: gzip (2 connections, ${secs}s)"
wrk -t2 -c2 -d"${secs}s" --latency -H 'Accept-Encoding: gzip' "http://127.0.0.1:$port/metrics" |
  grep -E 'Requests/sec|Latency|50%|90%|99%|Non-2xx|Socket errors'
echo "at the end: $(grep -E '^(VmRSS|VmHWM)' /proc/$pid/status | tr -s ' \t' ' ' | tr '\n' ' ')"
