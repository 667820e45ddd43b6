#!/usr/bin/env bash
# Benchmark: requests/s and latency percentiles of /metrics and /api/alerts
# on the demo database, with wrk from Debian (2 threads, keep-alive
# connections). Usage: bench/http.sh [seconds] [connections]   (10, 8)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
conns=${2:-8}
scripts/install-deps.sh wrk
[ -x build/argus_exporter ] || scripts/build.sh
db=build/bench-http.db
log=build/bench-http.log
build/argus_exporter demo --db "$db" --force --now 2026-11-28T12:00:00Z >/dev/null
build/argus_exporter serve --db "$db" --web.listen-address 127.0.0.1:0 --now 2026-11-28T12:00:00Z \
  --interval 1h --log.level warn 2>"$log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null' EXIT
port=""
for _ in $(seq 100); do
  port=$(ss -ltnp 2>/dev/null | grep "pid=$pid," | grep -o '127.0.0.1:[0-9]*' | head -1 | cut -d: -f2)
  [ -n "$port" ] && curl -sf "http://127.0.0.1:$port/-/ready" >/dev/null && break
  sleep 0.1
done
[ -n "$port" ] || { echo "exporter did not start"; cat "$log"; exit 1; }
echo "metrics body: $(curl -s "http://127.0.0.1:$port/metrics" | wc -c) bytes," \
     "alerts body: $(curl -s "http://127.0.0.1:$port/api/alerts" | wc -c) bytes"
for path in /metrics /api/alerts; do
  echo "== GET $path ($conns connections, ${secs}s)"
  wrk -t2 -c"$conns" -d"${secs}s" --latency "http://127.0.0.1:$port$path" | grep -E 'Requests/sec|Latency|50%|90%|99%|Non-2xx|Socket errors'
done
