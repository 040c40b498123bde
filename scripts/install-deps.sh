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
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >&2
fi
command -v swift >/dev/null || { echo "swift is not on PATH (Swift 6 toolchain needed)" >&2; exit 1; }
