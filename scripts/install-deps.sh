#!/usr/bin/env bash
# Installs what Argus needs from Debian 12's archive; installs nothing that
# is already there, downloads nothing else.
set -euo pipefail

packages=(
  cmake ninja-build g++ pkg-config
  prometheus-cpp-dev libcivetweb-dev libyaml-cpp-dev nlohmann-json3-dev libsqlite3-dev libpq-dev
  libcli11-dev libgtest-dev libssl-dev libcrypt-dev zlib1g-dev dpkg-dev
  sqlite3 util-linux time curl prometheus prometheus-alertmanager
  apache2-utils nginx openssl
  # The PostgreSQL tests start a throwaway cluster of their own.
  postgresql-15
  clang libclang-rt-14-dev help2man lintian
  # The browser test drives Chromium; the fonts draw the CJK and emoji
  # agent names in its screenshots.
  chromium fonts-wqy-microhei fonts-noto-color-emoji
)
packages+=("$@")
# The dashboard check runs TypeScript from the npm registry: Node.js and npm
# come with the machine, or from Debian when missing.
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
