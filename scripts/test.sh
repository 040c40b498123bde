#!/usr/bin/env bash
# The test command (README and .ci/run): install what is missing, then run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift test 2>&1
