#!/usr/bin/env bash
# Argus's HTML pages in a real browser: Debian's headless Chromium, driven by
# puppeteer-core (tests/browser/check-pages.mjs), crawls `argus_exporter
# serve` over the demo pipeline plus agents with hostile names, and checks
# that nothing is fetched from elsewhere, no script runs, every link answers,
# the pages' numbers equal the API's and /metrics', hostile names show as
# text, and takes screenshots of / and of an agent page.
# Usage: browser_test.sh ARGUS_EXPORTER SOURCE_DIR [--screenshots DIR]
# npm installs puppeteer-core once into $ARGUS_BROWSER_TEST_DIR (default:
# browser-check beside ARGUS_EXPORTER, in the build dir).
set -euo pipefail
exporter=$1 src=$2
shift 2
shots=
while (($#)); do
  case $1 in
    --screenshots) shots=$2; shift 2 ;;
    *) echo "usage: $0 ARGUS_EXPORTER SOURCE_DIR [--screenshots DIR]" >&2; exit 2 ;;
  esac
done
chromium=/usr/bin/chromium
[ -x "$chromium" ] || { echo "FAIL: no $chromium (scripts/install-deps.sh installs it)" >&2; exit 1; }
exporter=$(cd "$(dirname "$exporter")" && pwd)/$(basename "$exporter")
cache=${ARGUS_BROWSER_TEST_DIR:-$(dirname "$exporter")/browser-check}
if [ -n "$shots" ]; then mkdir -p "$shots" && shots=$(cd "$shots" && pwd); fi

work=$(mktemp -d)
argus_pid= node_pid=
cleanup() {
  local rc=$?
  set +e  # a wait for a killed process fails; cleanup goes on regardless
  [ -n "$node_pid" ] && kill "$node_pid" 2>/dev/null && wait "$node_pid" 2>/dev/null
  # Chromium is its own process group (puppeteer starts it detached): the
  # script closes it, and if the script could not, it is killed here.
  [ -s "$work/chromium.pid" ] && kill -- -"$(cat "$work/chromium.pid")" 2>/dev/null
  [ -n "$argus_pid" ] && kill "$argus_pid" 2>/dev/null && wait "$argus_pid" 2>/dev/null
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 143' TERM INT HUP
fail() { echo "FAIL: $*" >&2; for f in "$work"/*.log; do [ -f "$f" ] && echo "== $f" && cat "$f"; done >&2; exit 1; }

# puppeteer-core, from the npm registry once (again when package.json
# changes); it never downloads a browser. npm's own cache stays in $cache.
mkdir -p "$cache"
cp "$src/tests/browser/package.json" "$src/tests/browser/check-pages.mjs" "$cache/"
if ! cmp -s "$cache/package.json" "$cache/node_modules/.argus-installed.json"; then
  rm -rf "$cache/node_modules" "$cache/package-lock.json"
  (cd "$cache" && npm install --no-audit --no-fund --loglevel=error --cache "$cache/.npm-cache") ||
    fail "npm install of puppeteer-core"
  rm -rf "$cache/.npm-cache"
  cp "$cache/package.json" "$cache/node_modules/.argus-installed.json"
fi

# The demo pipeline, and four agents with hostile names (made by the script,
# which checks for them) with reviews, rejections and costs in the last day.
"$exporter" demo --db "$work/demo.db" --now 2026-11-28T10:00:00Z >/dev/null
node "$cache/check-pages.mjs" seed-sql > "$work/hostile.sql"
sqlite3 "$work/demo.db" < "$work/hostile.sql" || fail "adding the hostile agents"

: > "$work/argus.log"
"$exporter" serve --db "$work/demo.db" --now 2026-11-28T10:00:00Z --interval 1h \
  --web.listen-address 127.0.0.1:0 2>"$work/argus.log" &
argus_pid=$!
argus_port=
for _ in $(seq 100); do
  argus_port=$(sed -n 's/.*msg=listening .*port=\([0-9]*\).*/\1/p' "$work/argus.log")
  [ -n "$argus_port" ] && break
  sleep 0.05
done
[ -n "$argus_port" ] || fail "argus did not start"
url="http://127.0.0.1:$argus_port"
for _ in $(seq 100); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "$url/-/ready")" = 200 ] && break
  sleep 0.05
done
[ "$(curl -s -o /dev/null -w '%{http_code}' "$url/-/ready")" = 200 ] || fail "argus is not ready"

# Chromium and node keep their profile, caches and temporary files in $work.
mkdir -p "$work/home" "$work/tmp" "$work/shots"
rc=0
HOME="$work/home" TMPDIR="$work/tmp" XDG_CONFIG_HOME="$work/home/.config" XDG_CACHE_HOME="$work/home/.cache" \
  node "$cache/check-pages.mjs" check --base "$url" --chromium "$chromium" \
    --profile "$work/chromium-profile" --screenshots "${shots:-$work/shots}" --pid-file "$work/chromium.pid" &
node_pid=$!
wait "$node_pid" || rc=$?
node_pid=
[ "$rc" = 1 ] && fail "the pages' check found problems (above)"
[ "$rc" = 0 ] || fail "check-pages.mjs exited with status $rc"
