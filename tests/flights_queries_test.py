#!/usr/bin/python3
"""Seed 004's flights exercises (`compute flights -p query=NAME`) against the same numbers worked
out independently here, with Python's csv reader, from the files schedlab generated: every row,
the flights not cancelled, per airport the count and mean delay of those, and the mean delay per
day of the week (pandas' Date.dt.dayofweek, 0 = Monday; missing delays skipped). Also that the
generated DayOfWeek column is the weekday of Date (1 = Monday ... 7 = Sunday)."""
import csv
import datetime
import glob
import json
import math
import os
import subprocess
import sys
import tempfile
from collections import defaultdict

schedlab = sys.argv[1]
failures = []


def check(what, got, expected):
    if isinstance(expected, float):
        ok = isinstance(got, (int, float)) and math.isclose(got, expected, rel_tol=1e-9)
    elif isinstance(expected, list):
        ok = isinstance(got, list) and len(got) == len(expected) and all(
            g[0] == e[0] and math.isclose(g[1], e[1], rel_tol=1e-9) for g, e in zip(got, expected))
    else:
        ok = got == expected
    if not ok:
        failures.append(f"{what}: schedlab gives {got!r}, the csv reader {expected!r}")


with tempfile.TemporaryDirectory() as data:
    common = ["-p", "files=3", "-p", "rows=4000", "--data", data]

    def compute(query, scheduler):
        out = subprocess.run([schedlab, "compute", "flights", "-p", f"query={query}", "-s",
                              scheduler, "-w", "2"] + common,
                             capture_output=True, text=True, timeout=120)
        if out.returncode != 0:
            sys.exit(f"compute flights query={query} -s {scheduler} failed:\n{out.stderr}")
        return json.loads(out.stdout)["results"]

    first = compute("len", "sync")  # makes the files
    rows = []
    for path in sorted(glob.glob(os.path.join(data, "*", "*.csv"))):
        with open(path, newline="") as f:
            rows.extend(csv.DictReader(f))
    assert len(rows) == 12000, f"{len(rows)} rows in the generated files, expected 12000"

    wrong_days = [r for r in rows
                  if int(r["DayOfWeek"]) != datetime.date.fromisoformat(r["Date"]).isoweekday()]
    if wrong_days:
        failures.append(f"{len(wrong_days)} rows whose DayOfWeek is not the weekday of Date, "
                        f"e.g. {wrong_days[0]}")

    flying = [r for r in rows if r["Cancelled"] == "0"]
    by_origin = defaultdict(list)
    for r in flying:
        by_origin[r["Origin"]].append(r)
    delays = defaultdict(list)
    for r in rows:
        if r["DepDelay"] != "":
            delays[datetime.date.fromisoformat(r["Date"]).weekday()].append(float(r["DepDelay"]))

    def mean(xs):
        return sum(xs) / len(xs)

    expected = {
        "len": ("rows", len(rows)),
        "not_cancelled": ("not_cancelled", len(flying)),
        "count_by_origin": ("count_by_origin",
                            [[a, len(by_origin[a])] for a in sorted(by_origin)]),
        "mean_by_origin": ("mean_delay_by_origin",
                           [[a, mean([float(r["DepDelay"]) for r in by_origin[a]
                                      if r["DepDelay"] != ""])] for a in sorted(by_origin)]),
        "mean_by_dayofweek": ("mean_delay_by_dayofweek",
                              [[d, mean(delays[d])] for d in sorted(delays)]),
    }
    check("len (sync)", first.get("rows"), len(rows))
    for scheduler in ("sync", "threads", "processes"):
        for query, (target, value) in expected.items():
            got = compute(query, scheduler)
            check(f"{query} ({scheduler})", got.get(target), value)

if failures:
    print("\n".join(failures))
    sys.exit(1)
print("the five exercises agree with the csv reader on sync, threads and processes")
