#!/usr/bin/python3
"""Workers default to the cores this process may use: a cgroup's CPU quota counts, set on the
process's own cgroup or on one above it (as a container runtime or a systemd slice sets it).
Makes a cgroup with a quota of half a CPU and a child cgroup in it, runs `compute -s threads`
in the child and expects 1 worker; with 1.5 CPUs, 2 (or the cores there are, if fewer).
Skipped where no cgroup can be made (not root, or cgroups mounted read-only)."""
import json
import os
import subprocess
import sys
import tempfile

schedlab = sys.argv[1]

if os.path.exists("/sys/fs/cgroup/cgroup.controllers"):  # v2
    root = "/sys/fs/cgroup"
    quota_file = "cpu.max"

    def quota_text(cpus):
        return f"{int(cpus * 100000)} 100000"
else:  # v1
    root = "/sys/fs/cgroup/cpu"
    quota_file = "cpu.cfs_quota_us"

    def quota_text(cpus):
        return str(int(cpus * 100000))  # the period is 100000 us unless changed

parent = os.path.join(root, f"schedlab-test-{os.getpid()}")
child = os.path.join(parent, "inner")
try:
    os.makedirs(child)
    if root == "/sys/fs/cgroup":
        with open(os.path.join(parent, "cgroup.subtree_control"), "w") as f:
            f.write("+cpu")
except OSError as e:
    print(f"skipped: cannot make a cgroup with a CPU quota here: {e}")
    for d in (child, parent):
        try:
            os.rmdir(d)
        except OSError:
            pass
    sys.exit(77)

failures = []
try:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as g:
        g.write('{"tasks": {"a": {"op": "inc", "args": [1]}}}')
    for cpus, expected in ((0.5, 1), (1.5, min(2, os.cpu_count() or 1))):
        with open(os.path.join(parent, quota_file), "w") as f:
            f.write(quota_text(cpus))
        r = subprocess.run(["sh", "-c", f'echo $$ > {child}/cgroup.procs && exec "$0" compute '
                            f'"$1" -s threads', schedlab, g.name],
                           capture_output=True, text=True, timeout=60)
        workers = json.loads(r.stdout)["workers"] if r.returncode == 0 else None
        if workers != expected:
            failures.append(f"quota {cpus} CPUs: {workers} workers, expected {expected} "
                            f"(exit {r.returncode}, stderr {r.stderr[-300:]!r})")
    os.unlink(g.name)
finally:
    for d in (child, parent):
        try:
            os.rmdir(d)
        except OSError as e:
            failures.append(f"cannot remove {d}: {e}")

for f in failures:
    print("FAIL:", f)
sys.exit(1 if failures else 0)
