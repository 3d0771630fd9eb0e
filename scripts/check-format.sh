#!/usr/bin/env bash
# Fails when a C++ file drifts from the committed .clang-format (clang-format 14, Debian's).
# Pass --fix to reformat the files in place instead.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.cpp' '*.hpp')
if [ "${1:-}" = "--fix" ]; then
  clang-format -i "${files[@]}"
  exit 0
fi
if ! clang-format --dry-run --Werror "${files[@]}"; then
  echo "schedlab: files above drift from .clang-format; run scripts/check-format.sh --fix" >&2
  exit 1
fi
echo "format: ${#files[@]} files match .clang-format"
