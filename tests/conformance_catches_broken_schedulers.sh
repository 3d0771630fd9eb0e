#!/usr/bin/env bash
# `conformance` on schedulers broken on purpose (tests/broken_schedulers.cpp): each run exits 1
# (never a crash), and its failures say what the scheduler did wrong.
# Usage: conformance_catches_broken_schedulers.sh BROKEN_SCHEDULERS_BINARY
set -uo pipefail
bin=$1
status=0
check() {  # scheduler, pattern its output must hold
  local out code
  out=$("$bin" conformance -s "$1" -w 1 2>&1)
  code=$?
  if [[ $code -ne 1 ]]; then
    echo "conformance -s $1 exited $code, expected 1"; echo "$out" | tail -20; status=1
  elif ! grep -q -- "$2" <<<"$out"; then
    echo "conformance -s $1 did not say: $2"; echo "$out" | tail -20; status=1
  else
    echo "$1: $(grep -c '^FAIL' <<<"$out") cases failed, as they should; for instance:"
    grep -m1 -- "$2" <<<"$out"
  fi
}
check lost-task "returned after [0-9]* of [0-9]* tasks ran, with no failure or stop"
check early-return "returned after [0-9]* of [0-9]* tasks ran, with no failure or stop"
check ignored-stop "^FAIL  *NoNewTasksStartAfterAFailure"
check bad-worker-index "on worker 1, but it has 1 worker (numbered 0 to 0)"
# A scheduler that keeps its promises passes.
out=$("$bin" conformance -s sync -w 1 2>&1) || { echo "sync failed:"; echo "$out" | tail; status=1; }
exit $status
