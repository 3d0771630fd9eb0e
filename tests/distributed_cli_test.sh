#!/usr/bin/env bash
# The distributed scheduler from the command line, both ways of starting it:
#   - a local cluster (no launcher), over Open MPI's default transport and forced onto TCP
#     (--mca btl tcp,self: what crosses machines);
#   - under mpirun (shared memory, and TCP), whose ranks it uses as given (too few ranks is a
#     usage error);
# and its exit codes: a crash is exit 3 within 2 s, Ctrl-C exit 130 within 2 s (while ranks
# start too), a spawn that does not finish exit 3; after each, no worker rank of ours is left. Usage: distributed_cli_test.sh SCHEDLAB_BIN [SLOWDOWN]
# (SLOWDOWN multiplies the time bounds, for sanitized builds.)
set -euo pipefail
bin=$1
slow=${2:-1}
work=$(mktemp -d "${TMPDIR:-/tmp}/schedlab_distributed.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "FAIL: $*"; exit 1; }
"$bin" list > list.txt
if ! grep -q "^  distributed" list.txt; then echo "built without MPI"; exit 77; fi
# mpirun refuses root unless told; a classroom machine has fewer cores than ranks.
if [ "$(id -u)" = 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
export OMPI_MCA_rmaps_base_oversubscribe=1

# Our workers carry this in their environment (ranks inherit it), so that workers of tests
# running beside this one are not counted.
export SCHEDLAB_TEST_TAG="distributed_cli_$$"
ms() { date +%s%3N; }
# Processes with SCHEDLAB_TEST_TAG=$1 in their environment: our worker ranks, or with "any",
# every process (Open MPI's daemon too).
tagged() {
  local pids
  if [ "${2:-}" = any ]; then
    pids=$(ls /proc | grep -x '[0-9]*' || true)
  else
    pids=$(pgrep -x schedlab-worker || true)
  fi
  for pid in $pids; do
    if tr '\0' '\n' 2>/dev/null <"/proc/$pid/environ" | grep -qx "SCHEDLAB_TEST_TAG=$1"; then
      echo "$pid"
    fi
  done
}
ours() { tagged "$SCHEDLAB_TEST_TAG"; }
# no_leftovers WHAT [TAG any]: what the command killed as it exited gets 2 s to be gone.
no_leftovers() {
  local deadline=$(( $(ms) + 2000 )) left
  while left=$(tagged "${2:-$SCHEDLAB_TEST_TAG}" "${3:-}"); [ -n "$left" ] && [ "$(ms)" -lt "$deadline" ]; do
    sleep 0.05
  done
  [ -z "$left" ] && return 0
  ps -o pid,ppid,stat,etime,args -p "$(echo $left | tr ' ' ',')"
  fail "processes left after: $1"
}
# ctrl_c WHAT: Ctrl-C to the command started as $pid: exit 130 within 2 s.
ctrl_c() {
  local t0 code
  t0=$(ms)
  kill -INT "$pid"
  set +e
  wait "$pid"
  code=$?
  set -e
  [ "$code" = 130 ] || fail "$1: exit $code, $(cat err.txt)"
  [ $(( $(ms) - t0 )) -lt $(( 2000 * slow )) ] || fail "$1: took $(( $(ms) - t0 )) ms"
}
expect_result() {  # expect_result WHAT OUTPUT
  echo "$2" | grep -q '"result":-1.6' || fail "$1: got $2"
}

# A local cluster, default transport and TCP.
out=$("$bin" compute slow-arithmetic -s distributed -w 2 --unit 5ms)
expect_result "local cluster" "$out"
no_leftovers "local cluster"
out=$(OMPI_MCA_btl=tcp,self "$bin" compute random-dag -s mpi -w 2 --threads-per-worker 2 --unit 1ms)
ref=$("$bin" compute random-dag -s sync --unit 1ms)
[ "$(echo "$out" | grep -o '"results":{[^}]*}')" = "$(echo "$ref" | grep -o '"results":{[^}]*}')" ] ||
  fail "TCP: $out differs from sync: $ref"
no_leftovers "TCP"

# Seed 001's cluster as a lesson: Dask's client summary, the cluster's shape in the table.
out=$("$bin" lesson slow-arithmetic -s distributed -w 2 --threads-per-worker 2 --memory-limit 1GB \
  --unit 5ms --no-input --svg lesson.svg)
for want in "Cluster: distributed: 2 worker processes x 2 threads = 4 threads, memory limit 1 GB each (2 GB)" \
  "distributed      2x2" "Result: result = -1.6" "distributed with 2 workers of 2 threads:"; do
  echo "$out" | grep -qF "$want" || fail "lesson on a cluster: no '$want' in: $out"
done
no_leftovers "lesson on a cluster"

# Under mpirun: rank 0 schedules, ranks 1 and 2 work.
out=$(timeout 60 mpirun -n 3 "$bin" compute slow-arithmetic -s distributed -w 2 --unit 5ms)
expect_result "mpirun" "$out"
out=$(timeout 60 mpirun --mca btl tcp,self -n 3 "$bin" compute slow-arithmetic -s distributed \
  -w 2 --unit 5ms)
expect_result "mpirun over TCP" "$out"
set +e
err=$(timeout 60 mpirun -n 2 "$bin" compute slow-arithmetic -s distributed -w 2 --unit 5ms 2>&1)
code=$?
set -e
[ "$code" = 2 ] || fail "too few ranks: exit $code, $err"
echo "$err" | grep -q "at most --workers 1" || fail "too few ranks: $err"
no_leftovers "mpirun"

# A crash: exit 3, naming the signal, within 3 s of starting (the cluster starts in about
# 0.4 s, the crash comes 0.1 s after; distributed_test times the report itself: under 2 s).
cat > crash.json <<'JSON'
{"tasks": {"slow": {"op": "inc", "args": [1], "sleep_ms": 5000},
           "boom": {"op": "crash", "args": [], "sleep_ms": 100}}}
JSON
t0=$(ms)
set +e
# (In a TMPDIR of its own, where Open MPI keeps its session folders, to look at them after.)
mkdir crash_tmp
err=$(TMPDIR="$work/crash_tmp" "$bin" compute crash.json -s distributed -w 2 2>&1)
code=$?
set -e
[ "$code" = 3 ] || fail "crash: exit $code, $err"
echo "$err" | grep -q "signal 6" || fail "crash: $err"
[ $(( $(ms) - t0 )) -lt $(( 3000 * slow )) ] || fail "crash: took $(( $(ms) - t0 )) ms"
no_leftovers "crash" "$SCHEDLAB_TEST_TAG" any  # Open MPI's daemon too
left=$(find crash_tmp -mindepth 2 -maxdepth 2 -name 'jf.*')
[ -z "$left" ] || fail "crash: Open MPI's session folder is left: $left"

# Ctrl-C: exit 130 within 2 s, nothing printed on standard output.
cat > sleep.json <<'JSON'
{"tasks": {"a": {"op": "inc", "args": [1], "sleep_ms": 5000},
           "b": {"op": "inc", "args": [2], "sleep_ms": 5000}}}
JSON
"$bin" compute sleep.json -s distributed -w 2 > out.txt 2> err.txt &
pid=$!
for _ in $(seq 1 100); do [ "$(ours | wc -l)" -ge 2 ] && break; sleep 0.05; done
sleep 0.3
ctrl_c "Ctrl-C"
[ ! -s out.txt ] || fail "Ctrl-C: printed $(cat out.txt)"
no_leftovers "Ctrl-C"

# Ctrl-C while Open MPI starts many ranks (seconds on 2 cores; the spawn cannot be cut short):
# the stop watchdog ends it after its grace, exit 130 saying so, the reports of the cells before
# written, and nothing left: ranks, the daemon, or its session folder.
"$bin" run -S sleeplock -s sync -s distributed -w 32 -r 1 --unit 1ms -q -o reports \
  > out.txt 2> err.txt &
pid=$!
# The daemon: our child that has children (the first ranks); found by parent pid, not by name.
daemon=
for _ in $(seq 1 1000); do
  for child in $(pgrep -P "$pid" || true); do
    if [ -n "$(pgrep -P "$child" || true)" ]; then daemon=$child; break; fi
  done
  [ -n "$daemon" ] && break
  sleep 0.01
done
[ -n "$daemon" ] || fail "Ctrl-C during a spawn: no Open MPI daemon started ranks"
ctrl_c "Ctrl-C during a spawn"
grep -q "cannot be cut short" err.txt || fail "Ctrl-C during a spawn: $(cat err.txt)"
grep -q '"scheduler": "sync"' reports/results.json || fail "Ctrl-C during a spawn: no reports"
no_leftovers "Ctrl-C during a spawn" "$SCHEDLAB_TEST_TAG" any
session="${TMPDIR:-/tmp}/ompi.$(hostname).$(id -u)/pid.$daemon"
[ ! -e "$session" ] || fail "Ctrl-C during a spawn: Open MPI's session folder $session is left"

# A spawn that does not finish (Open MPI 4.1 hangs in it now and then; a 1 ms patience stands
# in for that): exit 3 saying so, and nothing of that command left (ranks, Open MPI's daemon).
set +e
err=$(SCHEDLAB_TEST_TAG="spawn_$$" SCHEDLAB_SPAWN_TIMEOUT=1ms "$bin" compute sleep.json \
  -s distributed -w 2 2>&1)
code=$?
set -e
[ "$code" = 3 ] || fail "hung spawn: exit $code, $err"
echo "$err" | grep -q "did not start the 2 worker ranks" || fail "hung spawn: $err"
no_leftovers "hung spawn" "spawn_$$" any
echo "ok"
