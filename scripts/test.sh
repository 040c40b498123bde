#!/usr/bin/env bash
# The test command (README and .ci/run): install what is missing, then run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
# Optional: Python's sentencepiece lets a test check that it reads our models with the same ids.
# Without it (no pip, no network) that one test is skipped.
python3 -c 'import sentencepiece' 2>/dev/null \
    || python3 -m pip install -q --disable-pip-version-check sentencepiece >/dev/null 2>&1 \
    || echo "note: Python's sentencepiece is not installed; its cross-check test will be skipped" >&2
swift test 2>&1
