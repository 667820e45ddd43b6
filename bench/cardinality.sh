#!/usr/bin/env bash
# Benchmark: a pipeline whose framework names agents per run — 5,000
# run-NNNN-ROLE agents, 200 domains, 500 reasons, 31 models, 200,000
# reviews over 8 days — served with the default labels: settings and with
# a relabel rule (run-\d+-(.*) -> $1). Prints /metrics' size and series,
# the exporter's memory, the first cycle's time and the alerts raised.
# Usage: bench/cardinality.sh
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x build/argus_exporter ] || scripts/build.sh
now=2026-11-28T12:00:00Z
db=build/bench-cardinality.db
if [ ! -f "$db" ]; then
  build/argus_exporter demo --db "$db" --force --now "$now" --agents 6 --days 8 --no-plants >/dev/null
  sqlite3 "$db" <<'SQL'
DELETE FROM reviews; DELETE FROM submissions; DELETE FROM costs;
-- 200,000 submissions: run r (0..4999) of role r % 5 does 40 items in
-- about 2 hours, runs spread over the 8 days before 2026-11-28T12:00Z.
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 199999)
INSERT INTO submissions (id, created_at, agent, domain, item)
SELECT i + 1,
       strftime('%Y-%m-%dT%H:%M:%fZ', julianday('2026-11-20T12:00:00Z')
                + ((i / 40) * 8.0 / 5000) + (i % 40) * 3.0 / 1440),
       printf('run-%04d-%s', i / 40, CASE (i / 40) % 5 WHEN 0 THEN 'researcher' WHEN 1 THEN 'writer'
              WHEN 2 THEN 'coder' WHEN 3 THEN 'critic' ELSE 'planner' END),
       printf('domain-%03d', (i * 7919) % 200), printf('item-%d', i)
FROM n;
INSERT INTO reviews (id, submission_id, reviewed_at, verdict, reason, score, note)
SELECT id, id, strftime('%Y-%m-%dT%H:%M:%fZ', julianday(created_at) + 2.0 / 1440),
       CASE WHEN id % 5 = 0 THEN 'rejected' ELSE 'approved' END,
       CASE WHEN id % 5 = 0 THEN printf('reason-%03d', ((id / 5) * 104729) % 500) END, 0.8, NULL
FROM submissions;
INSERT INTO costs (id, incurred_at, agent, model, usd)
SELECT id, created_at, agent, printf('model-%02d', id % 31), 0.01 * (1 + id % 7) FROM submissions;
SQL
fi
echo "pipeline: $(sqlite3 "$db" 'SELECT count(DISTINCT agent) FROM submissions') agents," \
     "$(sqlite3 "$db" 'SELECT count(DISTINCT domain) FROM submissions') domains," \
     "$(sqlite3 "$db" 'SELECT count(DISTINCT reason) FROM reviews') reasons," \
     "$(sqlite3 "$db" 'SELECT count(DISTINCT model) FROM costs') models," \
     "$(sqlite3 "$db" 'SELECT count(*) FROM reviews') reviews"
run() {
  local name=$1 config=$2 log=build/bench-cardinality.log
  build/argus_exporter serve --db "$db" --config "$config" --web.listen-address 127.0.0.1:0 \
    --now "$now" --interval 1h 2>"$log" &
  local pid=$! port=
  for _ in $(seq 600); do
    port=$(sed -n 's/.*msg=listening .*port=\([0-9]*\).*/\1/p' "$log")
    [ -n "$port" ] && curl -sf "http://127.0.0.1:$port/-/ready" >/dev/null && break
    sleep 0.1
  done
  local metrics
  metrics=$(curl -s "http://127.0.0.1:$port/metrics")
  echo "== $name"
  echo "  /metrics: $(printf '%s\n' "$metrics" | wc -c) bytes, $(printf '%s\n' "$metrics" | grep -vc '^#') series;" \
       "first cycle $(printf '%s\n' "$metrics" | sed -n 's/^argus_cycle_duration_seconds //p') s;" \
       "RSS $(awk '/VmRSS/ {print $2 " " $3}' /proc/$pid/status), peak $(awk '/VmHWM/ {print $2 " " $3}' /proc/$pid/status)"
  echo "  alerts: $(curl -s "http://127.0.0.1:$port/api/alerts" | python3 -c '
import json, sys, collections
a = json.load(sys.stdin)["alerts"]
print(len(a), dict(collections.Counter(x["check"] + "/" + x["severity"] for x in a)))')"
  echo "  labels: $(printf '%s\n' "$metrics" | grep -E '^argus_label_values(_folded_total)?\{' | tr '\n' ' ')"
  grep -o 'msg="more distinct names[^"]*".*' "$log" | head -4 | sed 's/^/  log: /' || true
  kill $pid; wait $pid 2>/dev/null || true
}
printf 'labels:\n  max_values: {agent: 0, domain: 0, reason: 0, model: 0}\n' > build/bench-card-unbounded.yml
printf '{}\n' > build/bench-card-default.yml
printf 'labels:\n  relabel:\n    - {label: agent, regex: '"'"'run-\\d+-(.*)'"'"', replacement: "$1"}\n' > build/bench-card-relabel.yml
run "no limits (labels.max_values all 0: as before)" build/bench-card-unbounded.yml
run "default labels: settings" build/bench-card-default.yml
run "relabel run-\\d+-(.*) -> \$1" build/bench-card-relabel.yml
