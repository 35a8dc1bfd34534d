#!/usr/bin/env bash
# run.sh - install, build and run every test: the normal build, then the
# AddressSanitizer + UBSan build.  This is what CI runs (.ci/run).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/tests/setup.sh" build
ctest --test-dir "$root/build" --output-on-failure -j2
"$root/tests/setup.sh" build-asan -DHOTRUN_SANITIZE=ON
ctest --test-dir "$root/build-asan" --output-on-failure -j2
