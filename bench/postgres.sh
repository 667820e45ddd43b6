#!/usr/bin/env bash
# Benchmark: the PostgreSQL source beside SQLite's on the same pipeline of
# about 1,000,000 reviews over 140 days (100 agents): a cold cycle (what
# `check` does), steady cycles with no new rows and with 1,000 new rows an
# hour. Starts a throwaway PostgreSQL 15 cluster of its own (needs
# postgresql-15; as root, the cluster runs as the postgres user).
# Usage: bench/postgres.sh   (builds first; the database is cached in build/)
set -euo pipefail
cd "$(dirname "$0")/.."
now=2026-11-28T12:00:00Z
db=build/bench-1m.db
[ -x build/argus_bench_postgres ] || scripts/build.sh
if [ ! -f "$db" ]; then
  echo "generating $db ..."
  build/argus_exporter demo --db "$db" --agents 100 --days 140 --rate 2.5 --now "$now" --force
fi
build/argus_bench_postgres "$db" "$now"
