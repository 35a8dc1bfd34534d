#!/usr/bin/env bash
# run.sh - install, build and run every test: the normal build, then the
# AddressSanitizer + UBSan build.  This is what CI runs (.ci/run).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/tests/setup.sh" build
ctest --test-dir "$root/build" --output-on-failure -j2
"$root/tests/setup.sh" build-asan -DHOTRUN_SANITIZE=ON
ASAN_OPTIONS=detect_leaks=1:handle_segv=0:handle_sigbus=0:handle_sigfpe=0:handle_sigill=0:handle_abort=0:allow_user_segv_handler=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir "$root/build-asan" --output-on-failure -j2
