# Sourced by the benchmark scripts (from the repository root).

# Starts `build/argus_exporter serve ARGS...` in the background on a free
# port of 127.0.0.1, its log in LOG, and waits up to TRIES tenths of a
# second for it to be ready. Sets `pid` and `port`; the server is stopped
# when the script exits. Usage: serve_in_background LOG TRIES ARGS...
serve_in_background() {
  local log=$1 tries=$2
  shift 2
  build/argus_exporter serve --web.listen-address 127.0.0.1:0 "$@" 2>"$log" &
  pid=$!
  trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null' EXIT
  port=""
  for _ in $(seq "$tries"); do
    port=$(ss -ltnp 2>/dev/null | grep "pid=$pid," | grep -o '127.0.0.1:[0-9]*' | head -1 | cut -d: -f2 || true)
    [ -n "$port" ] && curl -sf "http://127.0.0.1:$port/-/ready" >/dev/null && return 0
    sleep 0.1
  done
  echo "exporter did not start"
  cat "$log"
  exit 1
}
