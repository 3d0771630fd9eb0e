#!/usr/bin/env bash
# The test command: installs what is missing, builds the release preset and runs every test.
# Pass "all" to also run the address+undefined and thread sanitizer builds (as CI does).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --workflow --preset release
if [ "${1:-}" = "all" ]; then
  cmake --workflow --preset asan
  cmake --workflow --preset tsan
fi
