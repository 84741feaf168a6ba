"""Brian2's side of model.toml (data and equations from files).

    .venv/bin/python tests/reference/files/brian2_reference.py

Writes the data files beside model.toml (deterministic: numpy's RandomState(18)),
then makes the same model with every `{ file = ... }` replaced by what the
file holds, as the contract's runner takes it (an array as a TOML list of SI
numbers: the file's numbers times their `unit`; an equation file as its text),
and runs it with the runner (`../shared/brian2-runner/spikejit_brian2.py`, or
BRIAN2_RUNNER) into tests/reference/expected/files/ (`--dump-state`, the
timings of summary.json removed). The runner has no file values: this
inlining is the whole of what they mean.
"""
import json
import os
import subprocess
import sys
import tempfile
import tomllib

import numpy as np
import brian2

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
OUT = os.path.join(ROOT, "tests", "reference", "expected", "files")
RUNNER = os.environ.get("BRIAN2_RUNNER", os.path.join(ROOT, "..", "shared", "brian2-runner", "spikejit_brian2.py"))


def write_data():
    rs = np.random.RandomState(18)
    np.savez(os.path.join(HERE, "data.npz"),
             stim=rs.uniform(0.0, 1.5, size=(20, 5)),                       # (t, i): 100 ms at 5 ms
             spike_i=np.array([0, 2, 1, 0, 2, 1, 0], dtype=np.int32),
             spike_t=np.array([3.0, 7.5, 12.25, 20.0, 33.3, 47.0, 71.0]),  # ms
             pre=np.array([0, 0, 1, 2, 2], dtype=np.int64),
             post=np.array([0, 3, 1, 2, 4], dtype=np.int64))
    np.save(os.path.join(HERE, "drive.npy"), rs.uniform(-0.5, 1.0, size=50).astype(np.float32))
    np.save(os.path.join(HERE, "v0.npy"), np.array([-65.0, -60.0, -55.5, -52.0, -70.0]))   # mV
    np.save(os.path.join(HERE, "w.npy"), np.array([6.0, 4.5, 12.0, 9.0, 3.0]))            # mV


def load(spec):
    path = os.path.join(HERE, spec["file"])
    if path.endswith(".npz"):
        return np.load(path)[spec["array"]]
    return np.load(path)


def si(spec):
    """The numbers of a file value in SI units (TOML floats)."""
    scale = float(eval(spec["unit"], vars(brian2))) if "unit" in spec else 1.0
    return (load(spec).astype(np.float64) * scale).tolist()


def inline(value, ints=False):
    if not (isinstance(value, dict) and "file" in value):
        return value
    return load(value).astype(np.int64).tolist() if ints else si(value)


def code(value):
    if isinstance(value, dict) and "file" in value:
        with open(os.path.join(HERE, value["file"])) as f:
            return f.read()
    return value


def inlined(doc):
    for t in doc.get("timed_arrays", []):
        t["values"] = inline(t["values"])
    for g in doc.get("neurons", []):
        g["model"] = code(g["model"])
        g["init"] = {k: inline(v) for k, v in g.get("init", {}).items()}
    for g in doc.get("spike_generators", []):
        g["indices"] = inline(g["indices"], ints=True)
        g["times"] = inline(g["times"])
    for s in doc.get("synapses", []):
        if "model" in s:
            s["model"] = code(s["model"])
        for c in s.get("connect", []):
            for k in ("i", "j"):
                if k in c:
                    c[k] = inline(c[k], ints=True)
        for step in s.get("init", []):
            step["value"] = inline(step["value"])
    for step in doc.get("protocol", []):
        if "value" in step:
            step["value"] = inline(step["value"])
    return doc


def toml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {toml_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(v)


def toml_text(doc):
    lines = []
    for key, section in doc.items():
        tables = section if isinstance(section, list) else [section]
        for table in tables:
            lines.append(f"[[{key}]]" if isinstance(section, list) else f"[{key}]")
            lines += [f"{json.dumps(k)} = {toml_value(v)}" for k, v in table.items()]
    return "\n".join(lines) + "\n"


def main():
    write_data()
    with open(os.path.join(HERE, "model.toml"), "rb") as f:
        doc = inlined(tomllib.load(f))
    with tempfile.TemporaryDirectory() as tmp:
        model = os.path.join(tmp, "model.toml")
        with open(model, "w") as f:
            f.write(toml_text(doc))
        subprocess.run([sys.executable, RUNNER, "run", model, "--out", OUT, "--dump-state"], check=True)
    summary = os.path.join(OUT, "summary.json")
    with open(summary) as f:
        s = {k: v for k, v in json.load(f).items() if not k.endswith("_seconds")}
    with open(summary, "w") as f:
        json.dump(s, f, indent=2, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
