#!/usr/bin/env bash
# The README's run command: installs what is missing, builds, writes a demo
# pipeline (one planted case of each detection) and checks it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
db=${ARGUS_DEMO_DB:-build/demo.db}
build/argus_exporter demo --db "$db" --force
build/argus_exporter check --db "$db" --format text || true
