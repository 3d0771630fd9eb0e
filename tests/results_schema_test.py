#!/usr/bin/python3
"""results.json against the bundled JSON Schema (docs/results.schema.json): the golden file, a
fresh `schedlab run` (with an error cell and a graph file), and a tampered copy that must fail,
so that this test can fail."""
import copy
import json
import os
import subprocess
import sys
import tempfile

try:
    import jsonschema
except ImportError:
    print("python3-jsonschema is not installed (scripts/install-deps.sh installs it)")
    sys.exit(77)

schedlab, schema_path, golden_path = sys.argv[1:4]
with open(schema_path) as f:
    schema = json.load(f)
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)


def errors(doc):
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(doc)]


def check(name, doc):
    found = errors(doc)
    if found:
        print(f"FAIL {name}: " + "; ".join(found[:5]))
        sys.exit(1)
    print(f"ok   {name}")


with open(golden_path) as f:
    golden = json.load(f)
check("golden results.json", golden)

with tempfile.TemporaryDirectory() as out:
    graph = os.path.join(out, "failing.json")
    with open(graph, "w") as f:
        json.dump({"description": "one task fails", "tasks": {
            "a": {"op": "inc", "args": [1]}, "b": {"op": "fail", "args": ["no"]}}}, f)
    run = subprocess.run([schedlab, "run", "-S", "slow-arithmetic", "-S", graph, "-s", "sync",
                          "-s", "threads", "-w", "2", "-u", "2ms", "-r", "2", "-q",
                          "--context", "course=schema", "-o", out],
                         capture_output=True, text=True, timeout=120)
    if run.returncode not in (0, 1):
        print(f"FAIL schedlab run exited {run.returncode}: {run.stderr}")
        sys.exit(1)
    with open(os.path.join(out, "results.json")) as f:
        fresh = json.load(f)
    if not any(c.get("error") for c in fresh["cells"]):
        print("FAIL the failing graph produced no error cell")
        sys.exit(1)
    check("fresh results.json (with an error cell)", fresh)

    # Spans: each wait for the GIL (threads under --gil), encoding and decoding (processes).
    run = subprocess.run([schedlab, "run", "-S", "fib", "-s", "threads", "-s", "processes", "-w",
                          "2", "--gil", "-u", "20ms", "-r", "1", "-q", "-o",
                          os.path.join(out, "spans")], capture_output=True, text=True, timeout=120)
    if run.returncode != 0:
        print(f"FAIL schedlab run of fib under the GIL exited {run.returncode}: {run.stderr}")
        sys.exit(1)
    with open(os.path.join(out, "spans", "results.json")) as f:
        with_spans = json.load(f)
    kinds = {s["kind"] for c in with_spans["cells"] for s in c["profile"].get("spans", [])}
    if "gil_wait" not in kinds:
        print(f"FAIL fib on threads under the GIL has no gil_wait span (kinds: {kinds})")
        sys.exit(1)
    check("fresh results.json with spans", with_spans)

    # A graph beyond 20,000 tasks is kept as busy time per worker and op (occupancy).
    chain = {"t0": {"value": 0}}
    chain.update({f"t{i}": {"op": "inc", "args": [{"ref": f"t{i - 1}"}]} for i in range(1, 25001)})
    big = os.path.join(out, "chain.json")
    with open(big, "w") as f:
        json.dump({"tasks": chain}, f)
    run = subprocess.run([schedlab, "run", "-S", big, "-s", "threads", "-w", "2", "-r", "1", "-q",
                          "-o", os.path.join(out, "big")], capture_output=True, text=True,
                         timeout=120)
    if run.returncode != 0:
        print(f"FAIL schedlab run of a 25,000-task chain exited {run.returncode}: {run.stderr}")
        sys.exit(1)
    with open(os.path.join(out, "big", "results.json")) as f:
        big_results = json.load(f)
    if big_results["cells"][0]["profile"]["occupancy"]["tasks"] != 25000:
        print("FAIL the 25,000-task chain's profile has no occupancy of 25,000 tasks")
        sys.exit(1)
    check("fresh results.json of a 25,000-task graph (occupancy)", big_results)

tampered = copy.deepcopy(golden)
tampered["cells"][0]["workers"] = "2"
tampered["cells"][0]["surprise"] = True
if len(errors(tampered)) != 2:
    print(f"FAIL a tampered file gave {errors(tampered)}, expected 2 errors")
    sys.exit(1)
print("ok   a tampered file is refused")
