#!/usr/bin/env bash
# Benchmark: a cold `check` on a pipeline of about 1,000,000 reviews over 140
# days (100 agents). Prints wall time and peak RSS of each run.
# Usage: bench/check_1m.sh [runs]   (builds first; the database is cached in build/)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
bin=build/argus_exporter
db=build/bench-1m.db
now=2026-11-28T12:00:00Z
[ -x "$bin" ] || scripts/build.sh
if [ ! -f "$db" ]; then
  echo "generating $db ..."
  "$bin" demo --db "$db" --agents 100 --days 140 --rate 2.5 --now "$now" --force
fi
echo "reviews: $(sqlite3 "$db" 'SELECT count(*) FROM reviews')," \
     "submissions: $(sqlite3 "$db" 'SELECT count(*) FROM submissions')," \
     "costs: $(sqlite3 "$db" 'SELECT count(*) FROM costs')"
walls=()
for i in $(seq "$runs"); do
  # Drop the file from the page cache when allowed, so the first run is cold.
  if [ "$i" -eq 1 ] && [ -w /proc/sys/vm/drop_caches ]; then sync; echo 1 > /proc/sys/vm/drop_caches; fi
  start=$(date +%s%N)
  /usr/bin/time -f "%M" -o /tmp/argus-bench-$$ "$bin" check --db "$db" --now "$now" --format text >/dev/null || true
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  walls+=("$ms")
  echo "run $i: $ms ms wall, $(tail -1 /tmp/argus-bench-$$) KB peak RSS"
done
rm -f /tmp/argus-bench-$$
# The runs after the first (page cache warm): fastest and median.
printf '%s\n' "${walls[@]:1}" | sort -n |
  awk '{a[NR]=$1} END {if (NR) print "runs 2-" NR+1 ": fastest " a[1] " ms, median " a[int((NR+1)/2)] " ms"}'
