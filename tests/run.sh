#!/usr/bin/env bash
# run.sh - install, build and run every test: the normal build, then the
# AddressSanitizer + UBSan build, then the libFuzzer targets (clang), each
# fuzzed for a bounded time from its seed corpus.  This is what CI runs
# (.ci/run).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/tests/setup.sh" build
ctest --test-dir "$root/build" --output-on-failure -j2
"$root/tests/setup.sh" build-asan -DHOTRUN_SANITIZE=ON
ctest --test-dir "$root/build-asan" --output-on-failure -j2
"$root/tests/setup.sh" build-fuzz -DCMAKE_C_COMPILER=clang \
    -DCMAKE_CXX_COMPILER=clang++ -DHOTRUN_FUZZ=ON \
    -DHOTRUN_TESTS=OFF
ctest --test-dir "$root/build-fuzz" --output-on-failure -j2
