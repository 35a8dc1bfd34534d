#!/usr/bin/env bash
# setup.sh - install what hotrun needs on Debian (when missing) and build it.
#   tests/setup.sh [BUILD_DIR [CMAKE_ARGS...]]      default BUILD_DIR: build
# Sourced or run by examples/demo.sh and tests/run.sh.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-build}
shift || true

packages=(cmake make gcc g++ binutils libc6-dev pkg-config libtcc-dev tcc
          libreadline-dev libcmocka-dev python3 python3-numpy
          libminizip-dev zlib1g-dev libhdf5-dev libcsv-dev libfast-float-dev
          python3-h5py libcjson-dev libdw-dev libelf-dev libopenmpi-dev openmpi-bin
          clang libclang-rt-14-dev libfuzzer-14-dev)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
        missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}" >&2
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
        --no-install-recommends "${missing[@]}" >&2
fi

cmake -S "$root" -B "$root/$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >&2
cmake --build "$root/$build" -j"$(nproc)" >&2
