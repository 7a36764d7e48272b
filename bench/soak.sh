#!/usr/bin/env bash
# The load test of test/load-faults.test.ts for longer (the suite runs 12 s): 32 MD sessions plus
# descriptor and Predict clients against one daemon; prints steps/s, step latency p50/p99 and the
# daemon's RSS in the middle and last thirds, and fails on any error or memory growth; then the
# file's fault checks (a few seconds).
#   bench/soak.sh [SECONDS]        default 600 (the 10-minute soak)
set -euo pipefail
cd "$(dirname "$0")/.."
export HAMD_LOAD_SECONDS="${1:-600}"
npx tap test/load-faults.test.ts --reporter=tap --timeout=0 --disable-coverage | grep -E "^\s*(#|ok|not ok)"
