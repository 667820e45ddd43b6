#!/usr/bin/env bash
# Benchmark: the status page of a pipeline of 100 agents and 20 domains —
# its size, the first view of a cycle (which renders it) and the latency of
# views under load — and /metrics scraped alone and while the page is being
# viewed, with wrk from Debian (keep-alive connections).
# Usage: bench/pages.sh [seconds] [connections]   (10, 4)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
secs=${1:-10}
conns=${2:-4}
scripts/install-deps.sh wrk
[ -x build/argus_exporter ] || scripts/build.sh
db=build/bench-pages.db
log=build/bench-pages.log
if [ ! -f "$db" ]; then
  # The demo's 100 agents over 8 days, and 16 more domains: half of the
  # health domain's work moves to area-00 .. area-15.
  build/argus_exporter demo --db "$db" --force --now 2026-11-28T12:00:00Z --agents 100 --days 8 \
    --rate 2.5 >/dev/null
  sqlite3 "$db" "UPDATE submissions SET domain = printf('area-%02d', (id / 2) % 16)
                 WHERE domain = 'health' AND id % 2 = 0"
fi
echo "pipeline: $(sqlite3 "$db" 'SELECT count(DISTINCT agent) FROM submissions') agents," \
     "$(sqlite3 "$db" 'SELECT count(DISTINCT domain) FROM submissions') domains," \
     "$(sqlite3 "$db" 'SELECT count(*) FROM reviews') reviews"
serve_in_background "$log" 200 --db "$db" --now 2026-11-28T12:00:00Z --interval 1h --log.level info
base="http://127.0.0.1:$port"
echo "first view of the cycle (renders the page): $(curl -s -o "build/bench-page.html" -w '%{time_total}' "$base/") s," \
     "$(wc -c < build/bench-page.html) bytes;" \
     "an agent page: $(curl -s -o /dev/null -w '%{time_total} s, %{size_download} bytes' "$base/agents/agent-042")"
wrk_run() {
  wrk -t1 -c"$conns" -d"${secs}s" --latency ${2:+-H "$2"} "$base$1" |
    grep -E 'Requests/sec|  Latency|50%|99%|Non-2xx|Socket errors' | sed "s|^|  $1 |"
}
echo "== / alone ($conns connections, ${secs}s)"
wrk_run /
echo "== /metrics alone (gzip, as Prometheus asks)"
wrk_run /metrics "Accept-Encoding: gzip"
echo "== /metrics while / is viewed at the same time"
wrk_run / > build/bench-pages-views.txt &
views=$!
wrk_run /metrics "Accept-Encoding: gzip"
wait $views
cat build/bench-pages-views.txt
