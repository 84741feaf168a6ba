"""Runs examples/compartmental/NAME.toml with Brian2 2.9.0 and compares its
outputs with tests/reference/spatial/expected/NAME.npz.

    .venv/bin/python tests/reference/spatial/check_model_files.py [NAME...]

A check of the model files themselves (that each says what its Brian2
example does), while spikejit cannot run spatial neurons: it reads the
subset of the model-file format the compartmental examples use (constants,
one spatial `[[neurons]]` with its `morphology` table, plain neuron groups,
synapses with `connect` and `init`, state and spike monitors, `init`
entries with a `section`, a `[[protocol]]` of `run` and `set`), builds the
network with Brian2 (numpy target) and compares every fixture array
`MONITOR.VAR` and `state.VAR` (rtol 1e-9). It is not a general runner:
anything else in a file is an error here.
"""
import os
import sys
import tomllib

import numpy as np
import brian2
from brian2 import (Cylinder, Network, NeuronGroup, Section, Soma, SpatialNeuron, SpikeMonitor,
                    StateMonitor, Synapses, defaultclock, second)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
MODELS = os.path.join(ROOT, "examples", "compartmental")
BASE_NAMESPACE = {k: v for k, v in vars(brian2).items() if not k.startswith("_")}


def evaluate(value, ns):
    """A quantity string (in the file's namespace) or a number (SI)."""
    if isinstance(value, str):
        return eval(value, dict(BASE_NAMESPACE), dict(ns))
    return value


def morphology(table, ns):
    shape = table["shape"]
    children = [(k, v) for k, v in table.items() if isinstance(v, dict)]
    if shape == "soma":
        morpho = Soma(diameter=evaluate(table["diameter"], ns))
    elif shape == "cylinder":
        coords = {c: [evaluate(x, ns) for x in table[c]] for c in "xyz" if c in table}
        coords = {c: np.array([float(x) for x in xs]) * brian2.meter for c, xs in coords.items()}
        if "length" in table:
            coords["length"] = evaluate(table["length"], ns)
        morpho = Cylinder(diameter=evaluate(table["diameter"], ns), n=int(table["n"]), **coords)
    elif shape == "section":
        diameter = np.array([float(evaluate(d, ns)) for d in table["diameter"]]) * brian2.meter
        length = np.array([float(evaluate(d, ns)) for d in table["length"]]) * brian2.meter
        morpho = Section(diameter=diameter, length=length, n=int(table["n"]))
    else:
        raise ValueError(f"shape {shape!r}")
    for name, child in children:
        morpho[name] = morphology(child, ns)
    return morpho


def locate(spec, objects):
    """`"neuron"`, `"neuron.axon[40*um]"`, `"neuron[0:100]"`, ...: Brian2's own spelling,
    or (where Brian2's SpatialSubgroup takes no length index, `neuron.R[75*um]`)
    the neuron indexed by that part of its morphology, `neuron[morpho.R[75*um]]`."""
    try:
        return eval(spec, dict(BASE_NAMESPACE), dict(objects))
    except TypeError:
        name, _, path = spec.partition(".")
        morpho = eval("morpho." + path, dict(BASE_NAMESPACE), {"morpho": objects[name].morphology})
        return objects[name][morpho]


def assign(target, var, value):
    if isinstance(value, str):
        setattr(target, var, value)
    else:
        setattr(target, var + "_", np.asarray(value, dtype=float) if isinstance(value, list) else value)


def init(owner, name, entries, objects):
    if isinstance(entries, dict):
        entries = [{"var": k, "value": v} for k, v in entries.items()]
    for entry in entries:
        target = owner
        if "section" in entry:
            target = locate(f"{name}.{entry['section']}", objects)
        assign(target, entry["var"], entry["value"])


def run_model(path):
    spec = tomllib.load(open(path, "rb"))
    brian2.start_scope()
    sim = spec.get("simulation", {})
    ns = {}
    for key, value in spec.get("constants", {}).items():
        ns[key] = evaluate(value, ns)
    defaultclock.dt = evaluate(sim.get("dt", "0.1*ms"), ns)
    if "seed" in sim:
        brian2.seed(sim["seed"])
    objects = {}
    net = Network()
    for group in spec.get("neurons", []):
        name = group["name"]
        kwds = {k: group[k] for k in ("threshold", "refractory", "method") if k in group}
        if "morphology" in group:
            for key in ("Cm", "Ri"):
                if key in group:
                    kwds[key] = evaluate(group[key], ns)
            if "threshold_location" in group:
                kwds["threshold_location"] = group["threshold_location"]
            obj = SpatialNeuron(morphology=morphology(group["morphology"], ns), model=group["model"],
                                namespace=ns, name=name, **kwds)
        else:
            obj = NeuronGroup(int(group["N"]), group["model"], namespace=ns, name=name, **kwds)
        objects[name] = obj
        net.add(obj)
        init(obj, name, group.get("init", []), objects)
    for syn in spec.get("synapses", []):
        obj = Synapses(locate(syn["source"], objects), locate(syn["target"], objects), model=syn.get("model", ""),
                       on_pre=syn.get("on_pre"), namespace=ns, name=syn["name"])
        for entry in syn.get("connect", []):
            obj.connect(**entry)
        init(obj, syn["name"], syn.get("init", {}), objects)
        objects[syn["name"]] = obj
        net.add(obj)
    monitors = {}
    for mon in spec.get("monitors", []):
        source = locate(mon["source"], objects)
        if mon["kind"] == "state":
            kwds = {"dt": evaluate(mon["dt"], ns)} if "dt" in mon else {}
            obj = StateMonitor(source, mon["variables"], record=mon["record"], name=mon["name"], **kwds)
        elif mon["kind"] == "spike":
            obj = SpikeMonitor(source, name=mon["name"])
        else:
            raise ValueError(mon["kind"])
        monitors[mon["name"]] = (mon, obj)
        net.add(obj)
    protocol = spec.get("protocol") or [{"op": "run", "duration": sim["duration"]}]
    for step in protocol:
        if step["op"] == "run":
            net.run(evaluate(step["duration"], ns))
        elif step["op"] == "set":
            assign(locate(step["target"], objects), step["var"], step["value"])
        else:
            raise ValueError(step["op"])
    outputs = {}
    for name, (mon, obj) in monitors.items():
        if mon["kind"] == "state":
            outputs[f"{name}.t"] = np.asarray(obj.t_)
            for var in mon["variables"]:
                values = np.asarray(getattr(obj, var + "_"))
                outputs[f"{name}.{var}"] = values[None, :] if values.ndim == 1 else values
        else:
            n = len(obj.source)
            outputs[f"{name}.i"] = np.asarray(obj.i[:])
            outputs[f"{name}.t"] = np.asarray(obj.t_[:])
            outputs[f"{name}.count"] = np.bincount(np.asarray(obj.i[:]), minlength=n)
    neuron = objects["neuron"]
    return outputs, neuron


def check(name):
    outputs, neuron = run_model(os.path.join(MODELS, name + ".toml"))
    expected = np.load(os.path.join(HERE, "expected", name + ".npz"))
    bad = []
    for key in expected.files:
        if key.startswith("extra."):
            continue
        if key.startswith("state."):
            actual = np.asarray(getattr(neuron, key[len("state."):] + "_")[:])
        elif key in outputs:
            actual = outputs[key]
        else:
            bad.append(f"{key}: no such output")
            continue
        want = expected[key]
        if actual.shape != want.shape:
            bad.append(f"{key}: shape {actual.shape}, expected {want.shape}")
        elif not np.allclose(actual, want, rtol=1e-9, atol=0):
            err = np.max(np.abs(actual - want))
            bad.append(f"{key}: max |difference| {err:.3g} (max |expected| {np.max(np.abs(want)):.3g})")
    print(f"{name}: {'ok' if not bad else 'DIFFERS'} ({len(expected.files)} arrays)")
    for line in bad:
        print("  " + line)
    sys.stdout.flush()
    return not bad


if __name__ == "__main__":
    brian2.prefs.codegen.target = "numpy"
    names = sys.argv[1:] or sorted(f[:-5] for f in os.listdir(MODELS) if f.endswith(".toml"))
    results = [check(name) for name in names]
    sys.exit(0 if all(results) else 1)
