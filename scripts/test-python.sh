#!/usr/bin/env bash
# The Python package's tests (python/tests), against the real tablm binary.
# A virtual environment with the package and its pinned test dependencies is kept in
# ~/.cache/tablm between runs (keyed by python/pyproject.toml). Without pip or a network, the
# tests are skipped with a note (exit 0). The binary: $TABLM_BINARY, else .build/debug/tablm.
# Extra arguments go to pytest (e.g. -k sample, -x).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

binary=${TABLM_BINARY:-$root/.build/debug/tablm}
if [[ ! -x $binary ]]; then
    echo "python tests: skipped (no tablm binary at $binary; build it or set TABLM_BINARY)"
    exit 0
fi
export TABLM_BINARY=$binary

python=${PYTHON:-python3}
venv="$HOME/.cache/tablm/venv-python-$(sha256sum python/pyproject.toml | cut -c1-12)"
ready() { [[ -x $venv/bin/python ]] && "$venv/bin/python" -c "import tablm, pandas, pytest" 2>/dev/null; }
if ! ready; then
    echo "setting up $venv for the Python package's tests" >&2
    rm -rf "$venv"
    mkdir -p "$(dirname "$venv")"
    log=$(mktemp)
    # Installed from a copy, so that the build's files (tablm.egg-info, build/) stay out of the tree.
    copy=$(mktemp -d)
    cp -r python/pyproject.toml python/README.md python/tablm "$copy/"
    if ! { "$python" -m venv "$venv" \
            && "$venv/bin/pip" install -q --disable-pip-version-check "$copy[test]"; } >"$log" 2>&1; then
        rm -rf "$copy"
        echo "note: the Python package's test dependencies could not be installed (no pip or no network?):" >&2
        { grep -E "^ *(ERROR|error):" "$log" || tail -n 3 "$log"; } | tail -n 2 >&2
        rm -f "$log"
        rm -rf "$venv"
        echo "python tests: skipped"
        exit 0
    fi
    rm -rf "$copy" "$log"
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
# PYTHONPATH puts the working tree's package ahead of the installed copy: the tests check the code
# as it is now, without reinstalling it.
(cd python && PYTHONPATH=$root/python PYTHONDONTWRITEBYTECODE=1 \
    "$venv/bin/python" -m pytest -q -p no:cacheprovider "$@") 2>&1 | tee "$log" || status=$?
# pytest's last line: "N passed, F failed, S skipped ... in T s" (any part may be missing).
summary=$(grep -E "^=*\s*[0-9]+ (passed|failed|skipped|error)" "$log" | tail -n 1 || true)
count() { [[ $summary =~ ([0-9]+)\ $1 ]] && echo "${BASH_REMATCH[1]}" || echo 0; }
echo "python tests: $(count passed) passed, $(count failed) failed, $(count skipped) skipped"
exit "$status"
