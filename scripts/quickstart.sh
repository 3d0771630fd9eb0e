#!/usr/bin/env bash
# The main job: installs what is missing, builds schedlab, and runs the classroom suite (every
# lesson on every scheduler at 1, 2 and 4 workers, about 2 minutes), writing the reports to
# reports/latest/. Extra arguments go to `schedlab run` (for example: --unit 50ms).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release
build/release/cli/schedlab run "$@"
echo "Open reports/latest/report.html in a browser (or read reports/latest/report.md)."
