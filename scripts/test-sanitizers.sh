#!/usr/bin/env bash
# The sanitizer half of the test command (scripts/test.sh runs it after the
# plain build's tests):
#  1. clang with AddressSanitizer + UndefinedBehaviorSanitizer (and
#     libFuzzer's coverage instrumentation): every test of the suite, then
#     each libFuzzer target for ARGUS_FUZZ_SECONDS (default 20) on its
#     committed corpus. Any report fails the run (no recovery).
#  2. clang with ThreadSanitizer: the server's suite and the tests of the
#     exporter loop, the incremental engine, serve (reload, signals),
#     several pipelines, and the PostgreSQL source's concurrent reads.
# Build folders: build-asan/ and build-tsan/ (or $ASAN_BUILD_DIR, $TSAN_BUILD_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
asan=${ASAN_BUILD_DIR:-build-asan} tsan=${TSAN_BUILD_DIR:-build-tsan}
jobs=$(nproc)
common=(-G Ninja -DCMAKE_BUILD_TYPE=Sanitize -DARGUS_BENCH=OFF
        -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++)
flags="-O1 -gline-tables-only -fno-omit-frame-pointer"

echo "== AddressSanitizer + UndefinedBehaviorSanitizer: build"
cmake -S . -B "$asan" "${common[@]}" -DARGUS_FUZZ=ON \
  -DARGUS_FUZZ_SECONDS="${ARGUS_FUZZ_SECONDS:-20}" \
  -DCMAKE_CXX_FLAGS="$flags -fsanitize=address,undefined,fuzzer-no-link -fno-sanitize-recover=all" \
  >/dev/null
cmake --build "$asan" -j"$jobs"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
echo "== AddressSanitizer + UndefinedBehaviorSanitizer: every test, then the fuzz targets"
# Not rerun here: the dashboard's type check and the package (they run no
# Argus code the plain build's run did not).
ctest --test-dir "$asan" -j"$jobs" --output-on-failure --timeout 300 \
  -E '^(GrafanaDashboardSchema|DebianPackage)$'

echo "== ThreadSanitizer: build"
cmake -S . -B "$tsan" "${common[@]}" -DCMAKE_CXX_FLAGS="$flags -fsanitize=thread" >/dev/null
cmake --build "$tsan" -j"$jobs" --target argus_server_tests argus_tests argus_exporter argus_postgres_tests
export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
echo "== ThreadSanitizer: the server, the exporter loop, the engine, serve"
"$tsan/tests/argus_server_tests"
"$tsan/tests/argus_tests" --gtest_filter='ExporterTest.*:Incremental*:WindowState*:CliTest.Serve*:CliTest.Sighup*:SqliteSource*:RowFeed.*:FeedDatabaseTest.*:Metrics.*:TwoPipelines.*'
"$tsan/tests/argus_postgres_tests" --gtest_filter='PostgresDifferential.*:PostgresBadInput.*:PostgresConcurrentWriters.*'
