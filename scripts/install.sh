#!/usr/bin/env bash
# Builds tablm in release mode and links it into a bin folder so that `tablm` runs by name:
#   bash scripts/install.sh [BIN]      (default BIN: ~/.local/bin, or $TABLM_BIN)
# The binary itself stays at .build/release/tablm; the link points at it, so a rebuild updates it.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-${TABLM_BIN:-$HOME/.local/bin}}
echo "building tablm (release; about 2 minutes on 2 cores the first time)..." >&2
# The build's own output goes to a log; a line every 15 s says it is still going, and a failed
# build shows its errors and the log's path.
log=$(mktemp -t tablm-build.XXXXXX)
swift build -c release >"$log" 2>&1 &
build=$!
started=$SECONDS
while kill -0 "$build" 2>/dev/null; do
    sleep 1
    elapsed=$((SECONDS - started))
    if ((elapsed % 15 == 0)) && kill -0 "$build" 2>/dev/null; then echo "  still building (${elapsed} s)" >&2; fi
done
if ! wait "$build"; then
    grep -E "error" "$log" | head -n 40 >&2
    echo "error: the build failed (full log: $log)" >&2
    exit 1
fi
grep -E "warning: " "$log" >&2 || true
tail -n 1 "$log" >&2
rm -f "$log"
mkdir -p "$bin"
ln -sf "$PWD/.build/release/tablm" "$bin/tablm"
echo "tablm: $PWD/.build/release/tablm, linked as $bin/tablm" >&2
case ":$PATH:" in
    *":$bin:"*) ;;
    *) echo "note: $bin is not on PATH; add it with: export PATH=\"$bin:\$PATH\"" >&2 ;;
esac
