#!/usr/bin/env bash
# The interactive lesson in a real terminal: tmux runs `schedlab lesson`, the test types the
# class's guesses when asked, then reads the pane. Usage: lesson_tmux_test.sh SCHEDLAB_BIN
set -euo pipefail
bin=$1
work=$(mktemp -d "${TMPDIR:-/tmp}/schedlab_lesson.XXXXXX")
sessions=()
trap 'for s in "${sessions[@]}"; do tmux kill-session -t "$s" 2>/dev/null || true; done; rm -rf "$work"' EXIT
mkdir "$work/tmp"
# start NAME ARGS...: `schedlab lesson ARGS` in a tmux session of its own, the current one.
start() {
  session=schedlab_lesson_${1}_$$
  sessions+=("$session")
  shift
  tmux new-session -d -s "$session" -x 130 -y 80 \
    "cd '$work' && TMPDIR='$work/tmp' '$bin' lesson $*; echo LESSON-EXIT=\$?; sleep 60"
}
# guess ANSWER: types a guess into the current session.
guess() { tmux send-keys -t "$session" "$1" Enter; }

start slow_arithmetic slow-arithmetic --unit 250ms
pane() { tmux capture-pane -p -t "$session" -S -300; }
wait_for() {
  for _ in $(seq 1 300); do
    pane | grep -qF -- "$1" && return 0
    sleep 0.1
  done
  echo "never saw: $1"; pane; exit 1
}
wait_for "how long on sync with 1 worker? (seconds, Enter to skip)"
# The lesson asks before it tells: nothing of its paragraph is on screen yet.
if pane | grep -qF "3 units instead of 4"; then echo "the answer was shown before the guesses"; pane; exit 1; fi
# A guess that is not a number of seconds is asked again; "4 seconds" is how people answer.
guess abc
wait_for "'abc' is not a number of seconds"
guess "4 seconds"
wait_for "how long on threads with 2 workers?"
guess 2
wait_for "how long on processes with 2 workers?"
guess ""  # skipped
# Progress while a case runs: which one, tasks done out of all, the time so far.
wait_for "/4 tasks, "
wait_for "sync with 1 worker: done"
wait_for "LESSON-EXIT="
out=$(pane)
echo "$out" | tail -25
grep -qF "LESSON-EXIT=0" <<<"$out"
# Predictions add the calibrated compute time: microseconds on a quiet release build, up to a
# tenth of a unit (2 ms) seen under a sanitizer on a loaded machine; allow half a unit.
grep -qE "sync +1 +4.00s +4\.[0-4][0-9]s" <<<"$out"
grep -qE "threads +2 +2.00s +3\.[0-4][0-9]s" <<<"$out"
grep -qE "processes +2 +- +3\.[0-4][0-9]s" <<<"$out"
grep -qF "Your guess for threads with 2 workers was 2.00s" <<<"$out"
# Told after the run: what it shows, and what to remember.
grep -qF "What it shows:" <<<"$out"
grep -qF "To remember:" <<<"$out"
# x and y differ by microseconds of computing: either can be on the critical path.
grep -qE "critical path 3\.[0-4][0-9]s: [xy] -> z -> result" <<<"$out"
grep -qE "the longest chain, [xy] -> z -> result, takes 3\.[0-4][0-9]s: no number of workers shortens it" <<<"$out"
# Under the system's temporary folder, not in the folder the class is in.
test -s "$work/tmp/schedlab-lessons/slow-arithmetic.svg"
test ! -e "$work/reports"

# Seed 003's sleeplock, as a class meets it: the lock's lesson is not told before the guesses,
# and a guess that is not a duration is asked again.
start sleeplock sleeplock --unit 100ms
wait_for "how long on sync with 1 worker? (seconds, Enter to skip)"
if pane | grep -qF "take turns"; then echo "sleeplock: the answer was shown before the guesses"; pane; exit 1; fi
guess 4
wait_for "how long on threads with 2 workers?"
guess two
wait_for "'two' is not a number of seconds"
guess 2
wait_for "how long on processes with 2 workers?"
guess 3
wait_for "LESSON-EXIT="
out=$(pane)
grep -qF "LESSON-EXIT=0" <<<"$out"
grep -qE "threads +2 +2.00s +4\.[0-4][0-9]s" <<<"$out"  # the class guessed 2: the lock makes it 4
grep -qE "processes +2 +3.00s +3\.[0-4][0-9]s" <<<"$out"
grep -qF "Result: result = -1.6" <<<"$out"
grep -qF "the threads of one process take turns" <<<"$out"

# Seed 000's first question: the chain of adds Python's sum makes.
start inc_dbl inc-dbl -p reduce=chain --unit 100ms
wait_for "how long on sync with 1 worker? (seconds, Enter to skip)"
if pane | grep -qF "4 units on 2 workers"; then echo "inc-dbl: the answer was shown before the guesses"; pane; exit 1; fi
grep -qF "add-10 = add(add-9, inc-3)" <<<"$(pane)"  # the chain is in the graph shown
guess 8
wait_for "how long on threads with 2 workers?"
guess 4
wait_for "how long on processes with 2 workers?"
guess ""
wait_for "LESSON-EXIT="
out=$(pane)
grep -qF "LESSON-EXIT=0" <<<"$out"
grep -qE "sync +1 +8.00s +8\.[0-4][0-9]s" <<<"$out"
grep -qE "threads +2 +4.00s +4\.[0-4][0-9]s" <<<"$out"
grep -qF "Result: add-10 = 38" <<<"$out"
grep -qF "4 units on 2 workers" <<<"$out"
