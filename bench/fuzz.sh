#!/usr/bin/env bash
# A longer fuzz campaign than the test suite's (test/fuzz.test.ts runs 10 000 requests):
#   bench/fuzz.sh [COUNT] [SEED]      e.g. bench/fuzz.sh 200000 $RANDOM
# Prints the answers per method and code; fails on any INTERNAL/UNKNOWN answer or a hang.
set -euo pipefail
cd "$(dirname "$0")/.."
export HAMD_FUZZ_COUNT="${1:-100000}"
export HAMD_FUZZ_SEED="${2:-$(date +%s)}"
echo "fuzz: $HAMD_FUZZ_COUNT requests, seed $HAMD_FUZZ_SEED"
npx tap test/fuzz.test.ts --reporter=tap --timeout=0 --disable-coverage | grep -E "^\s*(#|ok|not ok)"
