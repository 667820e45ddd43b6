#!/usr/bin/env bash
# The README's run command: installs what is missing, builds, writes a demo
# pipeline (one planted case of each detection, up to now) and serves it.
# Ctrl-C stops the exporter. ARGUS_PORT picks another port (default 27487).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
db=${ARGUS_DEMO_DB:-build/demo.db}
port=${ARGUS_PORT:-27487}
build/argus_exporter demo --db "$db" --force
cat <<MSG

Argus is starting on the demo pipeline $db.
  Status page:  http://localhost:$port/
  Metrics:      http://localhost:$port/metrics
  Alerts (API): http://localhost:$port/api/alerts
  An agent:     http://localhost:$port/agents/dax
  A report:     http://localhost:$port/api/failure-report/dax
Stop it with Ctrl-C.

MSG
exec build/argus_exporter serve --db "$db" --web.listen-address ":$port" --interval 15s
