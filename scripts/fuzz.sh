#!/usr/bin/env bash
# Runs every libFuzzer target in fuzz/ for SECONDS each (default 60) under address+undefined
# sanitizers, two at a time, from the seed corpus in tests/fuzz/<target>/ (copied into
# build/fuzz/corpus/, so the committed corpus grows only by hand: add each finding's input there
# once it is fixed). A finding fails the script and leaves its input in build/fuzz/findings/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
targets=(graph_file value_decode suite_file results_json)
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz --target "${targets[@]/#/fuzz_}"
mkdir -p build/fuzz/findings

fuzz() {
  local t=$1 corpus=build/fuzz/corpus/$1
  mkdir -p "$corpus"
  cp tests/fuzz/"$t"/* "$corpus"/
  # Every committed input (the seeds and each fixed finding) first: these must all pass.
  build/fuzz/fuzz/fuzz_"$t" -runs=0 tests/fuzz/"$t" >build/fuzz/"$t".replay.log 2>&1 || return 2
  # A fixed seed: a CI finding can be reproduced from the same corpus and the same time.
  build/fuzz/fuzz/fuzz_"$t" -seed=1 -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -max_len=65536 -artifact_prefix=build/fuzz/findings/"$t"- "$corpus" >build/fuzz/"$t".log 2>&1
}

failed=0
for pair in "0 1" "2 3"; do
  pids=()
  for i in $pair; do
    fuzz "${targets[$i]}" &
    pids+=($!)
  done
  for k in 0 1; do
    t=${targets[$(echo "$pair" | cut -d' ' -f$((k + 1)))]}
    if wait "${pids[$k]}"; then
      echo "fuzz: fuzz_$t ran ${seconds} s: $(grep -o 'Done [0-9]* runs' build/fuzz/"$t".log)," \
           "$(ls build/fuzz/corpus/"$t" | wc -l) inputs in its corpus, no finding"
    else
      tail -n 30 build/fuzz/"$t".replay.log build/fuzz/"$t".log 2>/dev/null || true  # (no .log when the replay failed)
      echo "fuzz: fuzz_$t found a problem; its input is in build/fuzz/findings/"
      failed=1
    fi
  done
done
exit $failed
