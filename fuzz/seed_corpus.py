#!/usr/bin/env python3
"""Seeds the fuzz corpora from the bundled model files.

    python3 fuzz/seed_corpus.py        # writes fuzz/corpus/<target>/seed_*

Every model string of examples/*.toml and bench/models/*.toml goes to the
target that parses its kind (equations, statements, expression, generator),
and each whole file to model_file; model_run gets the whole files of
examples/, tests/reference/models/ (its examples too) and
fuzz/regressions/model_run/ (the models it runs are stopped after a few
steps, and networks over its element cap are built but not run).
"""
import hashlib
import pathlib
import tomllib

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPUS = ROOT / "fuzz" / "corpus"


def put(target, text):
    d = CORPUS / target
    d.mkdir(parents=True, exist_ok=True)
    data = text.encode()
    (d / ("seed_" + hashlib.sha1(data).hexdigest()[:16])).write_bytes(data)


def strings(table, keys):
    for k in keys:
        v = table.get(k)
        if isinstance(v, str):
            yield v


files = sorted(ROOT.glob("examples/*.toml")) + sorted(ROOT.glob("bench/models/*.toml"))
for f in files:
    text = f.read_text()
    put("model_file", text)
    m = tomllib.loads(text)
    for g in m.get("neurons", []):
        for s in strings(g, ["model"]):
            put("equations", s)
        for s in strings(g, ["threshold", "refractory"]):
            put("expression", s)
        for s in strings(g, ["reset"]):
            put("statements", s)
        for ev in (g.get("events") or {}).values():
            if isinstance(ev, str):
                put("expression", ev)
    for syn in m.get("synapses", []):
        for s in strings(syn, ["model"]):
            put("equations", s)
        for s in strings(syn, ["on_pre", "on_post"]):
            put("statements", s)
        for k in ("on_pre", "on_post"):
            if isinstance(syn.get(k), dict):
                for s in syn[k].values():
                    put("statements", s)
        for c in syn.get("connect", []):
            for s in strings(c, ["condition", "p"]):
                put("expression", s)
            for s in strings(c, ["i", "j"]):
                put("generator", s)
def neurons_in(model):
    """The neurons of a model file, where its N are numbers or arithmetic of
    numeric constants (None when one cannot be worked out here)."""
    names = {}
    for k, v in (model.get("constants") or {}).items():
        try:
            names[k] = float(eval(str(v), {"__builtins__": {}}, dict(names)))
        except Exception:
            pass
    total = 0
    for g in model.get("neurons", []) + model.get("poisson", []) + model.get("spike_generators", []):
        try:
            total += float(eval(str(g.get("N", 0)), {"__builtins__": {}}, dict(names)))
        except Exception:
            return None
    return total


# Networks of more than a few thousand neurons take seconds to connect (and
# model_run does not run them): left out, so that executions stay fast.
runnable = (sorted(ROOT.glob("examples/*.toml")) + sorted(ROOT.glob("tests/reference/models/**/*.toml"))
            + sorted(ROOT.glob("fuzz/regressions/model_run/*")))
for f in runnable:
    text = f.read_text()
    try:
        n = neurons_in(tomllib.loads(text))
    except Exception:
        n = 0
    if n is not None and n <= 4000:
        put("model_run", text)
# Generator forms of Brian2's connect docstring (few examples use them).
for g in ["k for k in range(N_post) if k != i", "k for k in sample(N_post, p=0.1)",
          "i+k for k in range(-2, 3) if i+k >= 0 and i+k < N_post",
          "k for k in sample(0, N_post, 2, size=3) if k != i", "i", "(i+1) % N_post",
          "k for k in range(i, N_post, 2)", "k for k in sample(N_pre, size=5) if rand() < 0.5"]:
    put("generator", g)
print("seeded", {d.name: len(list(d.iterdir())) for d in CORPUS.iterdir()})
