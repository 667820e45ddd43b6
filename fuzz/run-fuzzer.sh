#!/usr/bin/env bash
# Runs one libFuzzer target for a bounded time: FUZZER CORPUS_DIR SECONDS.
# The committed corpus is only read; new inputs go to a scratch folder, and a
# crash leaves its input in the build folder (printed) to add to the corpus
# once fixed.
set -euo pipefail
fuzzer=$1 corpus=$2 seconds=$3
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
artifacts=$(dirname "$fuzzer")/fuzz-artifacts/$(basename "$fuzzer")/
mkdir -p "$artifacts"
# -timeout: an input that takes 10 s is a hang; -rss_limit_mb: memory bounded.
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
  -print_final_stats=1 -artifact_prefix="$artifacts" "$scratch" "$corpus" 2>&1 | tail -25
exit "${PIPESTATUS[0]}"
