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
