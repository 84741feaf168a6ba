"""Brian2's schedule of every model file of spikejit's examples and fixtures.

    .venv/bin/python tests/reference/schedules.py [FILE.toml ...]

Builds each model with the contract's executable reference (the Brian2 runner,
../shared/brian2-runner/spikejit_brian2.py, or $BRIAN2_RUNNER) and writes what
Brian2's `Network.scheduling_summary()` lists, in Brian2's running order, to
tests/reference/expected/schedules.json:

    {"examples/cuba.toml": [[when, order, dt, name, type], ...], ...}

`when` is the slot, `order` the order within it, `dt` the clock's dt in seconds,
`name` Brian2's name of the object (`G_stateupdater`, `S_pre`, ...) and `type`
its class. The runner's spike counters (`_spikecount_*`, SpikeMonitors it adds
to count spikes for summary.json) are left out: they are not in the model.
Without FILE arguments: every model of examples/ and tests/reference/models/
(the default set, which tests/schedule.rs compares `spikejit check --schedule`
with). Models the runner rejects are skipped with a note on stderr.
"""
import glob
import importlib.util
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RUNNER = os.environ.get("BRIAN2_RUNNER",
                        os.path.join(ROOT, "..", "shared", "brian2-runner", "spikejit_brian2.py"))
OUT = os.path.join(ROOT, "tests", "reference", "expected", "schedules.json")


def load_runner():
    spec = importlib.util.spec_from_file_location("spikejit_brian2", RUNNER)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def schedule(runner, path):
    doc = runner.load(path)
    model = runner.Model(doc, path)
    model.build()
    rows = []
    for e in model.net.scheduling_summary().entries:
        if e.name.startswith("_spikecount_"):
            continue
        rows.append([e.when, int(e.order), float(e.dt), e.name, e.type])
    return rows


def main(argv):
    os.chdir(ROOT)
    files = argv or sorted(glob.glob("examples/*.toml") + glob.glob("tests/reference/models/*.toml")
                           + glob.glob("tests/reference/models/examples/*.toml"))
    runner = load_runner()
    out = {}
    if argv and os.path.exists(OUT):
        with open(OUT) as f:
            out = json.load(f)
    for path in files:
        try:
            out[path] = schedule(runner, path)
            print(f"{path}: {len(out[path])} objects", file=sys.stderr)
        except Exception as e:  # noqa: BLE001 - report and go on
            print(f"{path}: skipped ({type(e).__name__}: {e})", file=sys.stderr)
    with open(OUT, "w") as f:
        f.write("{\n")
        items = sorted(out.items())
        for n, (path, rows) in enumerate(items):
            f.write(f"  {json.dumps(path)}: [\n")
            f.write(",\n".join("    " + json.dumps(r) for r in rows))
            f.write("\n  ]" + ("," if n + 1 < len(items) else "") + "\n")
        f.write("}\n")


if __name__ == "__main__":
    main(sys.argv[1:])
