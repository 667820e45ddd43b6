#!/usr/bin/env bash
# Benchmark: requests/s and latency percentiles of /metrics (plain and
# gzip, as Prometheus asks) and /api/alerts on the demo database, with wrk
# from Debian (2 threads, keep-alive connections).
# Usage: bench/http.sh [seconds] [connections] [agents]   (10, 8, 8)
# With 100 agents and 140 days (bench/check_1m.sh's pipeline) /metrics is
# about 300 KB.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
secs=${1:-10}
conns=${2:-8}
agents=${3:-8}
scripts/install-deps.sh wrk
[ -x build/argus_exporter ] || scripts/build.sh
db=build/bench-http-$agents.db
log=build/bench-http.log
if [ ! -f "$db" ]; then
  days=8; [ "$agents" -gt 8 ] && days=140
  build/argus_exporter demo --db "$db" --force --now 2026-11-28T12:00:00Z --agents "$agents" \
    --days "$days" --rate 2.5 >/dev/null
fi
serve_in_background "$log" 100 --db "$db" --now 2026-11-28T12:00:00Z --interval 1h --log.level warn
echo "metrics body: $(curl -s "http://127.0.0.1:$port/metrics" | wc -c) bytes plain," \
     "$(curl -s -H 'Accept-Encoding: gzip' "http://127.0.0.1:$port/metrics" | wc -c) bytes gzip;" \
     "alerts body: $(curl -s "http://127.0.0.1:$port/api/alerts" | wc -c) bytes"
run() {
  local header=${2:-}
  echo "== GET $1 $header ($conns connections, ${secs}s)"
  wrk -t2 -c"$conns" -d"${secs}s" --latency ${header:+-H "$header"} "http://127.0.0.1:$port$1" |
    grep -E 'Requests/sec|Transfer/sec|Latency|50%|90%|99%|Non-2xx|Socket errors'
}
run /metrics
run /metrics "Accept-Encoding: gzip"
run /api/alerts
