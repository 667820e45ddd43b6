#!/usr/bin/env bash
# Benchmark: `argus_exporter backtest` over 7 months of a pipeline with about
# a million reviews (100 agents, 212 days, 2 submissions an hour each), one
# evaluation an hour after the first 8 days. Prints the wall time, the peak
# memory and the episodes per check. Usage: bench/backtest.sh
set -euo pipefail
cd "$(dirname "$0")/.."
now=2026-11-28T12:00:00Z
from=2026-05-08T12:00:00Z
[ -x build/argus_exporter ] || scripts/build.sh
db=build/bench-7m.db
[ -f "$db" ] || build/argus_exporter demo --db "$db" --agents 100 --days 212 --rate 2 --now "$now" --force >/dev/null
echo "reviews: $(sqlite3 "$db" 'SELECT count(*) FROM reviews'), from $(sqlite3 "$db" 'SELECT min(reviewed_at) FROM reviews')"
for run in 1 2 3; do
  /usr/bin/time -f "backtest $from .. $now every 1h: %e s, peak RSS %M KB" \
    build/argus_exporter backtest --db "$db" --from "$from" --to "$now" --format json >"build/backtest-7m.json"
done
python3 -c "
import json; d = json.load(open('build/backtest-7m.json'))
print(d['evaluations'], 'evaluations;', {k: v['episodes'] for k, v in d['by_check'].items()})"
