#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
ctest --test-dir "${BUILD_DIR:-build}" -j"$(nproc)" --output-on-failure --timeout 300
# The same suite again under AddressSanitizer + UndefinedBehaviorSanitizer,
# the libFuzzer targets for a bounded time, and the server and engine under
# ThreadSanitizer. ARGUS_SANITIZERS=0 skips them (a quicker local loop; CI
# never sets it).
if [ "${ARGUS_SANITIZERS:-1}" != 0 ]; then
  scripts/test-sanitizers.sh
fi
