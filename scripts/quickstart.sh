#!/usr/bin/env bash
# The main job: installs what is missing, builds schedlab and runs the example graph on every
# scheduler, so you can compare their wall times.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release
bin=build/release/cli/schedlab
graph=examples/graphs/slow_arithmetic.json
echo "Graph: $graph ((1 + 3) * (2 - 4) / 5, every op sleeping 100 ms)"
"$bin" graph "$graph" --rankdir LR > build/release/slow_arithmetic.dot
command -v dot >/dev/null && dot -Tsvg build/release/slow_arithmetic.dot -o build/release/slow_arithmetic.svg \
  && echo "Picture: build/release/slow_arithmetic.svg"
for scheduler in $("$bin" list | awk '/^Schedulers:/{on=1;next} /^$/{on=0} on{print $1}'); do
  for workers in 1 2; do
    printf '%-10s %d worker(s): ' "$scheduler" "$workers"
    "$bin" compute "$graph" --scheduler "$scheduler" --workers "$workers"
  done
done
