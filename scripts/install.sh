#!/usr/bin/env bash
# Builds tablm in release mode and links it into a bin folder so that `tablm` runs by name:
#   bash scripts/install.sh [BIN]      (default BIN: ~/.local/bin, or $TABLM_BIN)
# The binary itself stays at .build/release/tablm; the link points at it, so a rebuild updates it.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-${TABLM_BIN:-$HOME/.local/bin}}
echo "building tablm (release; about 2 minutes on 2 cores the first time)..." >&2
# Progress every tenth compiled file, errors and warnings in full; pipefail stops on a failed build.
swift build -c release 2>&1 | grep --line-buffered -E "error|warning: |Compiling|Build complete" | awk '
    /Compiling/ { n++; if (n % 10 == 1) printf "  compiling (%d files so far)\n", n > "/dev/stderr"; next }
    { print > "/dev/stderr" }'
mkdir -p "$bin"
ln -sf "$PWD/.build/release/tablm" "$bin/tablm"
echo "tablm: $PWD/.build/release/tablm, linked as $bin/tablm" >&2
case ":$PATH:" in
    *":$bin:"*) ;;
    *) echo "note: $bin is not on PATH; add it with: export PATH=\"$bin:\$PATH\"" >&2 ;;
esac
