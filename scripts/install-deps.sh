#!/usr/bin/env bash
# Installs the Debian packages tablm builds against, if any is missing. Safe to run again.
set -euo pipefail

# C/C++ libraries the project links: SentencePiece (tokenizer), OpenBLAS (matrix products),
# OpenSSL's libcrypto (the ChaCha20 keystream behind DP noise and sampling).
packages=(libsentencepiece-dev libopenblas-dev libssl-dev)
missing=()
for package in "${packages[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if ((${#missing[@]})); then
    echo "installing: ${missing[*]}" >&2
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    # apt's own output goes to a log, not the terminal; it is shown if the install fails.
    log=$(mktemp -t tablm-apt.XXXXXX)
    if ! { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"; } >"$log" 2>&1; then
        tail -n 20 "$log" >&2
        echo "error: apt-get could not install ${missing[*]} (full log: $log)" >&2
        exit 1
    fi
    rm -f "$log"
    echo "installed: ${missing[*]}" >&2
fi
# Swift 6 or newer (the package uses Swift 6 language mode).
command -v swift >/dev/null || { echo "error: swift is not on PATH; tablm needs a Swift 6 toolchain (https://swift.org/install)" >&2; exit 1; }
version=$(swift --version 2>/dev/null | grep -oE 'Swift version [0-9]+(\.[0-9]+)*' | head -n 1 | grep -oE '[0-9]+(\.[0-9]+)*' || true)
if [ -z "$version" ] || [ "${version%%.*}" -lt 6 ]; then
    echo "error: tablm needs Swift 6 or newer; this machine has ${version:-an unknown version} ($(command -v swift))" >&2
    exit 1
fi
