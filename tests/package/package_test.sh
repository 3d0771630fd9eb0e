#!/usr/bin/env bash
# Installs the build into a temporary prefix, then builds and runs the README's first C++
# example against it as a separate project (tests/package/CMakeLists.txt), the way a user would.
# Usage: package_test.sh BUILD_DIR SOURCE_DIR CXX_COMPILER CXX_FLAGS LINKER_FLAGS
set -euo pipefail
build=$1 source=$2 cxx=$3 cxx_flags=$4 linker_flags=$5
work=$(mktemp -d "${TMPDIR:-/tmp}/schedlab_package.XXXXXX")
trap 'rm -rf "$work"' EXIT

cmake --install "$build" --prefix "$work/prefix" >/dev/null
test -f "$work/prefix/lib/cmake/schedlab/schedlabConfigVersion.cmake"
test -f "$work/prefix/include/schedlab/core/delayed.hpp"
test -x "$work/prefix/bin/schedlab"

consumer=$work/consumer
mkdir -p "$consumer/core" "$consumer/schedulers" "$consumer/reports"
cp "$source/tests/package/CMakeLists.txt" "$consumer/"
# The consumer's own headers with schedlab's names: including one is a compile error.
for h in core/delayed.hpp core/graph.hpp core/value.hpp schedulers/compute.hpp \
         reports/results.hpp; do
  echo "#error \"the consumer's own $h was included instead of schedlab's\"" > "$consumer/$h"
done
# The README's first C++ block, exactly as a reader would copy it.
awk '/^```cpp$/ { inside = 1; next } inside && /^```$/ { exit } inside' \
  "$source/README.md" > "$consumer/example.cpp"
test -s "$consumer/example.cpp"

cmake -S "$consumer" -B "$consumer/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_CXX_COMPILER="$cxx" \
  -DCMAKE_CXX_FLAGS="$cxx_flags" -DCMAKE_EXE_LINKER_FLAGS="$linker_flags" >/dev/null
cmake --build "$consumer/build" >/dev/null
output=$("$consumer/build/example")
echo "example printed: $output"
case "$output" in
  "-1.6 after "*" ms") ;;
  *) echo "expected '-1.6 after N ms'" >&2; exit 1 ;;
esac

# A scheduler of one's own in the whole command (examples/own_scheduler), built as its README
# says: the program registers `gq` and calls cli_main; every command then takes it by name.
own=$work/own_scheduler
cp -r "$source/examples/own_scheduler" "$own"
cmake -S "$own" -B "$own/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_CXX_COMPILER="$cxx" \
  -DCMAKE_CXX_FLAGS="$cxx_flags" -DCMAKE_EXE_LINKER_FLAGS="$linker_flags" >/dev/null
cmake --build "$own/build" >/dev/null
mine=$own/build/my_schedlab
listed=$("$mine" list)  # whole: grep -q on a pipe would close it early (schedlab: EPIPE, exit 2)
grep -q '^ *gq ' <<<"$listed" || { echo "list does not show gq" >&2; echo "$listed" >&2; exit 1; }
printf '%s\n' '{"tasks": {"a": {"op": "inc", "args": [1]}, "b": {"op": "add", "args": [{"ref": "a"}, 2]}}}' \
  > "$work/graph.json"
output=$("$mine" compute -s global-queue -w 2 --target b "$work/graph.json")
echo "my_schedlab compute printed: $output"
grep -q '"results": *\[ *4 *\]\|"b": *4' <<<"$output" || { echo "expected b = 4" >&2; exit 1; }
grep -q '"scheduler": *"gq"' <<<"$output" || { echo "expected scheduler gq" >&2; exit 1; }
"$mine" run -s gq -s threads -w 2 -S inc-dec-add -p n=4 -u 1ms -r 3 --out "$work/reports" \
  >/dev/null 2>&1 || { echo "my_schedlab run failed" >&2; exit 1; }
grep -q '"scheduler": "gq"' "$work/reports/results.json"
grep -q '>gq<\|>gq,\|>gq ' "$work/reports/report.html" || {
  echo "report.html does not name gq" >&2; exit 1; }
# The cases that time nothing (a loaded sanitizer build runs this too).
"$mine" conformance -s gq -w 1 -w 2 --filter 'SlowArithmetic,Lists*,Nested*,RandomDag*,Standard*,TaskError*,IntermediatesAreReleased,TraceHasEveryTaskOnce,ObserverSeesEveryTask,EmptyTargets*,ComputesFromSeveralThreads*' \
  > "$work/conformance.txt" || {
  echo "my_schedlab conformance -s gq failed:" >&2; cat "$work/conformance.txt" >&2; exit 1; }
tail -1 "$work/conformance.txt"
grep -q '^ok  *SlowArithmetic  *gq w=2 ' "$work/conformance.txt"
# bench: gq beside threads (and the tbb scheduler where schedlab has oneTBB) and the baselines on
# two small shapes, its JSON read by report gbench.
with_tbb=()
if grep -q '^ *tbb ' <<<"$listed"; then with_tbb=(-s tbb); fi
"$mine" bench -s gq -s threads "${with_tbb[@]}" --tasks 2000 --shape chain --shape dag \
  --benchmark_min_time=0.001 --benchmark_out_format=json --benchmark_out="$work/bench.json" \
  > "$work/bench.txt" 2>&1 || { echo "my_schedlab bench failed:" >&2; cat "$work/bench.txt" >&2; exit 1; }
table=$("$mine" report gbench "$work/bench.json")
grep -q '| gq | dag |' <<<"$table" || { echo "bench has no gq row:" >&2; echo "$table" >&2; exit 1; }
if [[ ${#with_tbb[@]} -gt 0 ]] && ! grep -q '| tbb | dag |' <<<"$table"; then
  echo "bench has no tbb row:" >&2; echo "$table" >&2; exit 1
fi
echo "my_schedlab ran gq through compute, run, conformance and bench"
