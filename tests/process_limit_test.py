#!/usr/bin/python3
"""A local cluster under a process limit (#31, finding 7). With `ulimit -u` too low for Open
MPI's daemon and the ranks, MPI_Comm_spawn never returned: schedlab waited its whole spawn
timeout (60 s) and then blamed Open MPI's known spawn hang. Now the room is checked first: exit
3 at once, naming the limit and what to raise it to. Run as a user id no account has (root is
exempt from the limit; `nobody` may run processes in other containers of the host, which the
kernel counts and this process cannot see), from a copy of the binary in a folder that user
can read; skipped unless run as root."""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

schedlab = sys.argv[1]
slowdown = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
if os.geteuid() != 0 or not shutil.which("setpriv"):
    print("skipped: needs root and setpriv to run as another user under a process limit")
    sys.exit(77)
UID = 54321  # no account: nothing else runs as it


def tasks_of_uid():
    total = 0
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/status") as f:
                fields = dict(line.split(":", 1) for line in f if ":" in line)
            if int(fields["Uid"].split()[0]) == UID:
                total += int(fields["Threads"])
        except (OSError, KeyError, ValueError):
            pass
    return total


def wait_for_uid_to_leave():
    """Open MPI's daemon leaves a moment after the process that started it."""
    deadline = time.monotonic() + 10 * slowdown
    while tasks_of_uid() and time.monotonic() < deadline:
        time.sleep(0.05)
    return tasks_of_uid()


home = tempfile.mkdtemp(prefix="schedlab_nproc_")
failures = []
try:
    os.chmod(home, 0o777)
    binary = os.path.join(home, "schedlab")
    shutil.copy(schedlab, binary)
    graph = os.path.join(home, "g.json")
    with open(graph, "w") as f:
        f.write('{"tasks": {"a": {"op": "inc", "args": [1]}}}')
    os.chmod(graph, 0o644)
    if wait_for_uid_to_leave():
        print(f"skipped: user id {UID} runs processes here already")
        sys.exit(77)
    env = dict(os.environ, HOME=home, TMPDIR=home, SCHEDLAB_SPAWN_TIMEOUT="120s")
    # A sanitizer build reads its suppressions as that user: from a copy it can read.
    for name in ("LSAN_OPTIONS", "TSAN_OPTIONS"):
        options = env.get(name, "")
        if "suppressions=" in options:
            supp = re.split("[: ]", options.split("suppressions=", 1)[1])[0]
            copy = os.path.join(home, name + ".supp")
            shutil.copy(supp, copy)
            os.chmod(copy, 0o644)
            env[name] = options.replace(supp, copy)

    def run(limit):
        command = (f"ulimit -u {limit} && exec {binary} compute {graph} -s distributed -w 2")
        start = time.monotonic()
        r = subprocess.run(["setpriv", f"--reuid={UID}", f"--regid={UID}",
                            "--clear-groups", "bash", "-c", command], env=env, cwd=home,
                           capture_output=True, text=True, timeout=100 * slowdown)
        return r, time.monotonic() - start

    # Room for Open MPI's daemon (the singleton's MPI_Init failed: exit 1 without a word) or
    # the ranks (the spawn hung: exit 3 after the timeout), each case once.
    for limit in (6, 14):
        r, seconds = run(limit)
        if (r.returncode != 3 or "schedlab: error: the process limit leaves no room" not in r.stderr
                or "ulimit -u" not in r.stderr or seconds > 10 * slowdown):
            failures.append(f"ulimit -u {limit}: exit {r.returncode} after {seconds:.1f} s, "
                            f"stderr: {r.stderr[-600:]}")
        if "MPI_Init" in r.stderr or "ORTE_ERROR_LOG" in r.stderr:
            failures.append(f"ulimit -u {limit}: Open MPI was started: {r.stderr[-600:]}")
        if wait_for_uid_to_leave():
            failures.append(f"ulimit -u {limit}: processes of the test user left behind")
    # Enough room: the same command runs.
    r, seconds = run(200)
    if r.returncode != 0 or '"results":{"a":2}' not in r.stdout.replace(" ", ""):
        failures.append(f"ulimit -u 200: exit {r.returncode}, stdout {r.stdout!r}, "
                        f"stderr: {r.stderr[-600:]}")
    if wait_for_uid_to_leave():
        failures.append("ulimit -u 200: processes of the test user left behind")
finally:
    shutil.rmtree(home, ignore_errors=True)

for f in failures:
    print("FAIL:", f)
sys.exit(1 if failures else 0)
