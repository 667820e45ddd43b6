#!/usr/bin/env bash
# TLS termination as docs/deployment.md shows it: nginx (from Debian) with a
# self-signed certificate runs deploy/nginx/argus-tls.conf on loopback in
# front of `argus_exporter serve` (with basic auth), and Prometheus-style
# scrapes go through it. Usage: tls_nginx_test.sh ARGUS_EXPORTER NGINX SOURCE_DIR
set -euo pipefail
exporter=$1 nginx=$2 src=$3
work=$(mktemp -d)
chmod 755 "$work"
argus_pid= nginx_pid=
cleanup() {
  set +e  # a signal during a wait must not end the cleanup early
  [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null
  [ -n "$argus_pid" ] && kill "$argus_pid" 2>/dev/null && wait "$argus_pid" 2>/dev/null
  [ -n "$sub_pid" ] && kill "$sub_pid" 2>/dev/null && wait "$sub_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; for f in "$work"/*.log; do echo "== $f"; cat "$f"; done >&2; exit 1; }

# A certificate for localhost and 127.0.0.1, valid for a day.
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
  -keyout "$work/argus.key" -out "$work/argus.pem" 2>/dev/null

# Argus on a port it picks, with one user (htpasswd -nbBC 4 prom scrape-me).
"$exporter" demo --db "$work/demo.db" --now 2026-11-28T10:00:00Z >/dev/null
cat > "$work/web.yml" <<YAML
basic_auth_users:
  prom: '\$2y\$04\$N.OT5/EV/6dMsR2eJwxhQO18G0J6mmyekjKHRhS/1tJJ/cBEJEz/u'
YAML
"$exporter" serve --db "$work/demo.db" --now 2026-11-28T10:00:00Z --interval 1h \
  --web.listen-address 127.0.0.1:0 --web.config.file "$work/web.yml" 2>"$work/argus.log" &
argus_pid=$!
# A second Argus, reached under the sub-path /argus/ of the same site
# (deploy/nginx/argus-subpath.conf); its external URL is only known once
# nginx has its port, so it starts after the port is chosen, below.
sub_pid=
port_of() {
  local port=
  for _ in $(seq 100); do
    port=$(sed -n 's/.*msg=listening .*port=\([0-9]*\).*/\1/p' "$1")
    [ -n "$port" ] && break
    sleep 0.05
  done
  echo "$port"
}
argus_port=$(port_of "$work/argus.log")
[ -n "$argus_port" ] || fail "argus did not start"

# nginx with the shipped site file, its ports and paths pointed at the test.
for attempt in 1 2 3 4 5; do
  tls_port=$((20000 + RANDOM % 20000))
  if [ -n "$sub_pid" ]; then kill "$sub_pid" 2>/dev/null; wait "$sub_pid" 2>/dev/null || true; fi
  "$exporter" serve --db "$work/demo.db" --now 2026-11-28T10:00:00Z --interval 1h \
    --web.listen-address 127.0.0.1:0 --web.external-url "https://localhost:$tls_port/argus/" \
    2>"$work/argus-sub.log" &
  sub_pid=$!
  sub_port=$(port_of "$work/argus-sub.log")
  [ -n "$sub_port" ] || fail "the sub-path argus did not start"
  sed -e "s|http://127.0.0.1:27487|http://127.0.0.1:$sub_port|" "$src/deploy/nginx/argus-subpath.conf" \
    > "$work/argus-subpath.conf"
  grep -q "127.0.0.1:$sub_port" "$work/argus-subpath.conf" || fail "sub-path file no longer has the expected lines"
  sed -e "s|listen 9443 ssl;|listen 127.0.0.1:$tls_port ssl;|" \
      -e "s|/etc/ssl/certs/argus.pem|$work/argus.pem|" \
      -e "s|/etc/ssl/private/argus.key|$work/argus.key|" \
      -e "s|http://127.0.0.1:27487|http://127.0.0.1:$argus_port|" \
      -e "\$i include $work/argus-subpath.conf;" \
      "$src/deploy/nginx/argus-tls.conf" > "$work/argus-site.conf"
  grep -q "127.0.0.1:$argus_port" "$work/argus-site.conf" || fail "site file no longer has the expected lines"
  cat > "$work/nginx.conf" <<CONF
daemon off;
pid $work/nginx.pid;
error_log $work/nginx.log warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path $work/body;
  proxy_temp_path $work/proxy;
  include $work/argus-site.conf;
}
CONF
  "$nginx" -c "$work/nginx.conf" -p "$work" 2>>"$work/nginx.log" &
  nginx_pid=$!
  up=
  for _ in $(seq 50); do
    if curl -s -o /dev/null --cacert "$work/argus.pem" "https://localhost:$tls_port/-/healthy"; then up=1; break; fi
    kill -0 "$nginx_pid" 2>/dev/null || break
    sleep 0.1
  done
  [ -n "$up" ] && break
  kill "$nginx_pid" 2>/dev/null; wait "$nginx_pid" 2>/dev/null || true; nginx_pid=
done
[ -n "$nginx_pid" ] || fail "nginx did not start"

url="https://localhost:$tls_port"
for _ in $(seq 100); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$work/argus.pem" -u prom:scrape-me "$url/-/ready")" = 200 ] && break
  sleep 0.05
done
# A scrape through TLS, verified against the certificate, with credentials.
code=$(curl -s -o "$work/metrics.txt" -w '%{http_code}' --cacert "$work/argus.pem" -u prom:scrape-me "$url/metrics")
[ "$code" = 200 ] || fail "scrape through nginx: HTTP $code"
grep -q '^argus_up 1$' "$work/metrics.txt" || fail "scrape body has no argus_up 1"
# Without credentials Argus answers 401 through the proxy; /-/healthy needs none.
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$work/argus.pem" "$url/metrics")
[ "$code" = 401 ] || fail "no credentials: HTTP $code, expected 401"
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$work/argus.pem" -u prom:wrong "$url/api/alerts")
[ "$code" = 401 ] || fail "wrong password: HTTP $code, expected 401"
code=$(curl -s -o "$work/alerts.json" -w '%{http_code}' --cacert "$work/argus.pem" -u prom:scrape-me "$url/api/alerts?severity=critical")
[ "$code" = 200 ] || fail "alerts through nginx: HTTP $code"
grep -q '"alerts"' "$work/alerts.json" || fail "alerts body"
# The certificate is checked: an unknown CA is refused, and plain HTTP on
# the TLS port gets no Argus answer.
if curl -s -o /dev/null "$url/-/healthy"; then fail "curl accepted a self-signed certificate without --cacert"; fi
code=$(curl -s -o /dev/null -w '%{http_code}' "http://localhost:$tls_port/metrics" || true)
[ "$code" = 400 ] || fail "plain HTTP on the TLS port: HTTP $code, expected nginx's 400"

# Under the sub-path: the status page and every link on it (and on an
# agent's page) resolve through nginx, all under /argus/; nothing links
# outside it; the endpoints answer there.
sub="$url/argus"
get() { curl -s -o "$2" -w '%{http_code}' --cacert "$work/argus.pem" "$1"; }
for page in / /agents/dax; do
  code=$(get "$sub$page" "$work/page.html")
  [ "$code" = 200 ] || fail "$sub$page through nginx: HTTP $code"
  links=$(grep -o 'href="[^"]*"' "$work/page.html" | sed 's/^href="//; s/"$//; s/&amp;/\&/g' |
          grep -v '^http' | grep -v '^file:' | grep -v '^data:' | sort -u)
  [ "$(echo "$links" | wc -l)" -ge 4 ] || fail "$page has too few links: $links"
  for link in $links; do
    case "$link" in /argus/*) ;; *) fail "$page links outside /argus/: $link" ;; esac
    code=$(get "https://localhost:$tls_port$link" /dev/null)
    [ "$code" = 200 ] || fail "$page links to $link, which answers HTTP $code through nginx"
  done
done
code=$(get "$sub/metrics" "$work/metrics-sub.txt")
[ "$code" = 200 ] && grep -q '^argus_up 1$' "$work/metrics-sub.txt" || fail "sub-path scrape: HTTP $code"
# The rules link to the same place.
"$exporter" rules --web.external-url "https://localhost:$tls_port/argus/" > "$work/rules.yml"
grep -q "status_url: https://localhost:$tls_port/argus/{{ with \$labels.pipeline }}pipelines/{{ . }}/{{ end }}{{ if \$labels.agent }}agents/" "$work/rules.yml" ||
  fail "rules: no status_url under the sub-path"

echo "PASS: TLS via nginx on 127.0.0.1:$tls_port in front of Argus on 127.0.0.1:$argus_port, and of Argus under /argus/ on 127.0.0.1:$sub_port"
