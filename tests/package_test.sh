#!/usr/bin/env bash
# The Debian package, as an operator gets it: cpack builds it from the build
# folder, `apt-get install ./argus-exporter_*.deb` installs it on this
# machine, the installed binary checks a demo database (also as the
# unprivileged `argus` user the unit runs as), the shipped files are where
# the docs say, and `apt-get purge` removes it cleanly.
# Usage: package_test.sh BUILD_DIR SOURCE_DIR. Needs root (or sudo -n);
# exits 77 (skipped) without it, or when argus-exporter is already
# installed here (an operator's installation is never touched).
set -euo pipefail
build=$1 src=$2
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  if sudo -n true 2>/dev/null; then sudo_cmd=(sudo -n); else echo "SKIP: needs root"; exit 77; fi
fi
if dpkg-query -W -f='${Status}' argus-exporter 2>/dev/null | grep -q "install ok installed"; then
  echo "SKIP: argus-exporter is installed on this machine; not touching it"
  exit 77
fi
work=$(mktemp -d)
chmod 755 "$work"
installed=
cleanup() {
  if [ -n "$installed" ]; then
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get purge -y -qq argus-exporter >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# `cmake --install` lays out the same tree (staged, not on this machine).
DESTDIR="$work/stage" cmake --install "$build" >/dev/null || fail "cmake --install"
for f in usr/bin/argus_exporter etc/argus/argus.yml usr/lib/systemd/system/argus-exporter.service \
         usr/share/argus/rules/argus-alerts.yml usr/share/argus/grafana/dashboards/argus-overview.json \
         usr/share/doc/argus-exporter/migration.md; do
  [ -f "$work/stage/$f" ] || fail "cmake --install did not lay out /$f"
done

# The package, built into the work folder from the build folder's install
# rules (configured with the /usr prefix).
grep -q '^CMAKE_INSTALL_PREFIX:PATH=/usr$' "$build/CMakeCache.txt" ||
  fail "the build folder must be configured with the default prefix /usr"
(cd "$build" && cpack -G DEB -B "$work/pkg" >"$work/cpack.log" 2>&1) || { cat "$work/cpack.log"; fail "cpack"; }
deb=$(ls "$work"/pkg/argus-exporter_*.deb)
dpkg-deb -c "$deb" >"$work/contents.txt"
grep -q ' ./etc/argus/argus.yml$' "$work/contents.txt" || fail "no /etc/argus/argus.yml in the package"
# Debian's own checker: no error, no warning.
lintian --fail-on error,warning "$deb" >"$work/lintian.log" 2>&1 || { cat "$work/lintian.log"; fail "lintian"; }
! grep -qE '^[EW]: ' "$work/lintian.log" || { cat "$work/lintian.log"; fail "lintian has something to say"; }

installed=1
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "$deb" \
  >"$work/apt.log" 2>&1 || { cat "$work/apt.log"; fail "apt-get install"; }

# Where the docs say.
for f in /usr/bin/argus_exporter /etc/argus/argus.yml /usr/lib/systemd/system/argus-exporter.service \
         /usr/share/argus/rules/argus-alerts.yml /usr/share/argus/rules/alertmanager.yml \
         /usr/share/argus/grafana/dashboards/argus-overview.json \
         /usr/share/argus/nginx/argus-tls.conf /usr/share/argus/nginx/argus-subpath.conf /usr/share/doc/argus-exporter/deployment.md \
         /usr/share/doc/argus-exporter/copyright /usr/share/doc/argus-exporter/changelog.gz \
         /usr/share/man/man1/argus_exporter.1.gz; do
  [ -f "$f" ] || fail "$f is not installed"
done
dpkg-query -W -f='${Conffiles}\n' argus-exporter >"$work/conffiles.txt"
grep -q /etc/argus/argus.yml "$work/conffiles.txt" || fail "argus.yml is not a conffile"
getent passwd argus >/dev/null || fail "no argus user"
[ "$(getent passwd argus | cut -d: -f7)" != /bin/bash ] || fail "the argus user has a login shell"

# The installed binary on a demo database, with the installed config (its
# database: overridden by --db), as root and as the argus user on a file it
# may only read.
/usr/bin/argus_exporter demo --db "$work/demo.db" --now 2026-11-28T10:00:00Z >/dev/null
chmod 644 "$work/demo.db"
set +e
/usr/bin/argus_exporter check --config /etc/argus/argus.yml --db "$work/demo.db" \
  --now 2026-11-28T10:00:00Z --format text >"$work/check.txt" 2>&1
status=$?
runuser -u argus -- /usr/bin/argus_exporter check --config /etc/argus/argus.yml --db "$work/demo.db" \
  --now 2026-11-28T10:00:00Z >"$work/check-argus.json" 2>&1
status_argus=$?
set -e
[ "$status" = 2 ] || { cat "$work/check.txt"; fail "check exited $status, expected 2 (critical alerts)"; }
grep -q '^ARGUS CRITICAL - 7 alerts' "$work/check.txt" || { cat "$work/check.txt"; fail "check output"; }
[ "$status_argus" = 2 ] || { cat "$work/check-argus.json"; fail "check as argus exited $status_argus"; }
# The installed rules are those of the installed binary's defaults.
/usr/bin/argus_exporter rules | cmp -s - /usr/share/argus/rules/argus-alerts.yml || fail "installed rules differ"
if command -v systemd-analyze >/dev/null; then
  # Any complaint (even one systemd would ignore) fails the test.
  systemd-analyze verify /usr/lib/systemd/system/argus-exporter.service >"$work/verify.log" 2>&1 &&
    [ ! -s "$work/verify.log" ] || { cat "$work/verify.log"; fail "systemd-analyze verify"; }
fi

# Removed (the unit is masked meanwhile, as debhelper does) and installed
# again: the unit must not stay masked.
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get remove -y -qq argus-exporter >/dev/null 2>&1 ||
  fail "apt-get remove"
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "$deb" \
  >"$work/apt.log" 2>&1 || { cat "$work/apt.log"; fail "apt-get install after remove"; }
[ ! -e /etc/systemd/system/argus-exporter.service ] || fail "the unit stays masked after a reinstall"

# Removed cleanly: nothing of the package is left after a purge.
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get purge -y -qq argus-exporter >/dev/null 2>&1 ||
  fail "apt-get purge"
installed=
for f in /usr/bin/argus_exporter /etc/argus /usr/share/argus /usr/lib/systemd/system/argus-exporter.service \
         /usr/share/doc/argus-exporter /etc/systemd/system/argus-exporter.service \
         /var/lib/systemd/deb-systemd-helper-enabled/argus-exporter.service.dsh-also; do
  [ ! -e "$f" ] || fail "$f is left after purge"
done
echo "PASS: $(basename "$deb") installed, checked a demo database, purged"
