#!/usr/bin/env bash
# demo.sh - install, build and start hotrun on the demo array (5000 x 5000
# float64, made once and cached), with tasks/demo.c loaded.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/tests/setup.sh" build
exec "$root/build/hotrun" --demo "$@"
