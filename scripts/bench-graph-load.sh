#!/usr/bin/env bash
# Loading graph files, side by side: `schedlab compute --stats` (read + parse + validate + plan,
# from its own figures) against Python's json.load of the same file, RUNS times each
# (default 5), medians printed, with peak memory. Files from bench/make_graph_file.
# Needs a release build (scripts/test.sh or cmake --build --preset release) and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
bin=build/release/cli/schedlab
make=build/release/bench/make_graph_file
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'; }
for spec in "chain 1000000" "dag 300000"; do
  set -- $spec
  file=$dir/$1.json
  $make "$1" "$2" >"$file"
  ours=() rss=() py=() pyrss=()
  for _ in $(seq "$runs"); do
    out=$(/usr/bin/time -f '%M' "$bin" compute "$file" -s sync --stats 2>"$dir/time" >"$dir/out" && cat "$dir/out")
    ours+=("$(python3 -c 'import json,sys; s=json.load(sys.stdin)["stats"]; print(s["read_ms"]+s["parse_ms"]+s["validate_ms"]+s["plan_ms"])' <<<"$out")")
    rss+=("$(tail -1 "$dir/time")")
    # json.load alone, timed inside Python (its start-up is not counted, as ours is not).
    py+=("$(/usr/bin/time -f '%M' python3 -c 'import json, sys, time
t = time.perf_counter(); json.load(open(sys.argv[1])); print(round((time.perf_counter() - t) * 1000))' "$file" 2>"$dir/time")")
    pyrss+=("$(tail -1 "$dir/time")")
  done
  bytes=$(stat -c %s "$file")
  o=$(printf '%s\n' "${ours[@]}" | median); p=$(printf '%s\n' "${py[@]}" | median)
  r=$(printf '%s\n' "${rss[@]}" | median)
  printf '%s %s tasks, %s MB: schedlab load %.0f ms (runs: %s), python json.load %s ms (runs: %s): %.1fx; schedlab peak RSS %s KB = file + %.0f bytes/task (python %s KB)\n' \
    "$1" "$2" "$((bytes / 1000000))" "$o" "$(printf '%.0f ' "${ours[@]}")" "$p" "${py[*]}" \
    "$(echo "$p / $o" | bc -l)" "$r" "$(echo "($r * 1024 - $bytes) / $2" | bc -l)" \
    "$(printf '%s\n' "${pyrss[@]}" | median)"
done
