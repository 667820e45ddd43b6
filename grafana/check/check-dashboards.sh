#!/usr/bin/env bash
# Type-checks every dashboard in grafana/dashboards against the Dashboard
# type of @grafana/schema: each JSON file becomes a typed TypeScript
# constant, so a wrong type or an unknown property fails `tsc --strict`.
# dashboard-json.ts reads the type as JSON spells it (string enums by their
# values) and adds what a Prometheus annotation query holds.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=${ARGUS_DASHBOARD_CHECK_DIR:-$here/../../build/dashboard-check}
mkdir -p "$work/src"
cp "$here/package.json" "$work/"
if [ ! -d "$work/node_modules/@grafana/schema" ] || [ ! -x "$work/node_modules/.bin/tsc" ]; then
  (cd "$work" && npm install --no-audit --no-fund --loglevel=error)
fi
rm -f "$work"/src/*.ts
cp "$here/dashboard-json.ts" "$work/src/dashboard-json.ts"
count=0
for json in "$here"/../dashboards/*.json; do
  name=$(basename "$json" .json | tr -c 'a-zA-Z0-9\n' '_')
  { echo "import type { DashboardJson } from './dashboard-json';"
    printf 'export const %s: DashboardJson = ' "$name"
    cat "$json"
    echo ';'
  } > "$work/src/$name.ts"
  count=$((count + 1))
done
cd "$work"
node_modules/.bin/tsc --strict --noEmit --skipLibCheck --moduleResolution node --target es2020 src/*.ts
echo "dashboards match @grafana/schema: $count checked"
