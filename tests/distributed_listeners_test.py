#!/usr/bin/python3
"""A local cluster's listening sockets (#31, finding 10): Open MPI's daemon and every rank
listen on all interfaces, and none of the parameters that would restrict them moved them in
Open MPI 4.1 (README, "Network"). So a run must shrug off what reaches them: while
`compute -s distributed -w 2` runs, this finds every TCP socket listening in the run's own
process tree (processes found by parent pid, never by name), sends each 4 KiB of random bytes
and expects the run to end as usual, with its result, leaving no process behind. (A connection
to the daemon that never speaks stalls the run: README says so; not tested, not fixed.)"""
import os
import random
import socket
import subprocess
import sys
import time

schedlab = sys.argv[1]
slowdown = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0


def stat_of(pid):
    """(state, parent pid) of a process, or (None, None) once it has gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return fields[0], int(fields[1])
    except (OSError, IndexError, ValueError):
        return None, None


def tree(root):
    pids = {root}
    grew = True
    while grew:
        grew = False
        for entry in os.listdir("/proc"):
            if entry.isdigit() and int(entry) not in pids and stat_of(entry)[1] in pids:
                pids.add(int(entry))
                grew = True
    return pids


def sockets(pids, state):
    """(family, local port, pid) of every TCP socket in `state` held by one of pids."""
    owner = {}
    for pid in pids:
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                try:
                    target = os.readlink(f"/proc/{pid}/fd/{fd}")
                except OSError:
                    continue
                if target.startswith("socket:["):
                    owner[target[len("socket:["):-1]] = pid
        except OSError:
            pass
    found = []
    for table, family in (("/proc/net/tcp", socket.AF_INET), ("/proc/net/tcp6", socket.AF_INET6)):
        try:
            with open(table) as f:
                rows = f.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            cols = row.split()
            if cols[3] == state and cols[9] in owner:
                found.append((family, int(cols[1].split(":")[1], 16), owner[cols[9]]))
    return found


LISTEN, ESTABLISHED = "0A", "01"

listed = subprocess.run([schedlab, "list"], capture_output=True, text=True).stdout
if "\n  distributed" not in listed:
    print("built without MPI")
    sys.exit(77)

# 3 units on 2 workers: time to find the sockets and write to them while it runs.
unit = f"{int(1000 * slowdown)}ms"
run = subprocess.Popen(
    [schedlab, "compute", "slow-arithmetic", "-s", "distributed", "-w", "2", "--unit", unit],
    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
# Wait until both ranks (the children of our child, Open MPI's daemon) listen and are connected.
found, seen = [], set()
deadline = time.monotonic() + 60 * slowdown
while time.monotonic() < deadline and run.poll() is None:
    seen |= tree(run.pid)
    daemons = {p for p in seen if p != run.pid and stat_of(p)[1] == run.pid}
    ranks = {p for p in seen if stat_of(p)[1] in daemons}
    listening = {pid for _, _, pid in sockets(ranks, LISTEN)}
    connected = {pid for _, _, pid in sockets(ranks, ESTABLISHED)}
    if len(ranks) >= 2 and ranks <= listening and ranks <= connected:
        found = sockets(seen, LISTEN)
        break
    time.sleep(0.05)


def end_run():
    """Whatever is left of the run, so that its pipes close."""
    for pid in seen | {run.pid}:
        try:
            os.kill(pid, 9)
        except OSError:
            pass
    return run.communicate()


if run.poll() is not None or not found:
    running = run.poll() is None
    out, err = end_run()
    print(f"no cluster listening and connected within {60 * slowdown:.0f} s" if running else
          f"the run ended (exit {run.returncode}) before its ranks listened and connected:"
          f"\n{err.decode()}")
    sys.exit(1)

failures = []
for family, port, pid in found:
    host = "127.0.0.1" if family == socket.AF_INET else "::1"
    try:
        with socket.create_connection((host, port), timeout=2) as s:
            s.sendall(random.randbytes(4096))
        print(f"sent 4096 random bytes to {host} port {port} (pid {pid})")
    except OSError as e:
        failures.append(f"could not reach {host} port {port} (pid {pid}): {e}")
if run.poll() is not None:
    failures.append("the run ended before the last bytes were sent: nothing was tested")

try:
    out, err = run.communicate(timeout=30 * slowdown)
except subprocess.TimeoutExpired:
    out, err = end_run()
    failures.append(f"the run's output did not end within {30 * slowdown:.0f} s")
left_by = time.monotonic() + 2 * slowdown  # Open MPI's daemon ends after us
while True:
    left = [p for p in seen if p != run.pid and stat_of(p)[0] not in (None, "Z")]
    if not left or time.monotonic() > left_by:
        break
    time.sleep(0.05)
if left:
    failures.append(f"processes of the run left behind: {left}")
if run.returncode != 0:
    failures.append(f"exit {run.returncode}")
if b'"result":-1.6' not in out:
    failures.append(f"result: {out.decode()!r}")
if failures:
    print("FAILED:", "; ".join(failures), "\nstderr:", err.decode()[-3000:])
    sys.exit(1)
print(f"the run ended as usual after garbage to {len(found)} listening sockets")
