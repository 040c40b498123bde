#!/usr/bin/env bash
# The test command (README and .ci/run): install what is missing, then run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
# Optional: Python's sentencepiece and safetensors let tests check that other implementations read
# our tokenizers and checkpoints. Without them (no pip, no network) those tests are skipped.
for module in sentencepiece==0.2.3 safetensors==0.8.0; do
    python3 -c "import ${module%%=*}" 2>/dev/null \
        || python3 -m pip install -q --disable-pip-version-check "$module" >/dev/null 2>&1 \
        || echo "note: Python's ${module%%=*} is not installed; its cross-check test will be skipped" >&2
done
# Optional: the Opacus route's test (export → python/train_opacus.py → import) needs torch and
# Opacus, in a virtual environment kept in ~/.cache between runs (CPU wheels, about 200 MB once).
venv="$HOME/.cache/tablm/venv-opacus-$(sha256sum python/requirements.txt | cut -c1-12)"
if [[ ! -x $venv/bin/python ]] || ! "$venv/bin/python" -c "import torch, opacus, safetensors" 2>/dev/null; then
    echo "setting up $venv for the Opacus route's test" >&2
    { python3 -m venv "$venv" \
        && "$venv/bin/pip" install -q --disable-pip-version-check torch==2.13.0+cpu packaging==25.0 -r python/requirements.txt; } >/dev/null 2>&1 \
        || echo "note: torch and Opacus could not be installed; the Opacus route's test will be skipped" >&2
fi
"$venv/bin/python" -c "import torch, opacus, safetensors" 2>/dev/null && export TABLM_OPACUS_PYTHON="$venv/bin/python"

source scripts/blas-env.sh

log=$(mktemp)
trap 'rm -f "$log"' EXIT
# The tests are XCTest; Swift Testing's runner would only add a "0 tests" line.
status=0
swift test --disable-swift-testing 2>&1 | tee "$log" || status=$?
# XCTest's last line: "Executed N tests, with [K tests skipped and] F failures".
summary=$(grep -E "^[[:space:]]*Executed [0-9]+ tests?, with " "$log" | tail -n 1 || true)
if [[ $summary =~ Executed\ ([0-9]+)\ tests?,\ with\ (([0-9]+)\ tests?\ skipped\ and\ )?([0-9]+)\ failure ]]; then
    executed=${BASH_REMATCH[1]}
    skipped=${BASH_REMATCH[3]:-0}
    failed=${BASH_REMATCH[4]}
    echo "tests: $((executed - failed - skipped)) passed, $failed failed, $skipped skipped"
fi
# The Python package (python/tests, Examples/python_tour.py) against the binary just built.
python_status=0
bash scripts/test-python.sh || python_status=$?
[[ $status -ne 0 ]] || status=$python_status
exit "$status"
