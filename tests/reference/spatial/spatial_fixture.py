"""What the Brian2 reference scripts of tests/reference/spatial/ share.

Each script NAME.py runs one of Brian2's multicompartment examples as Brian2
2.9.0 ships it (runtime device, numpy target: exact IEEE arithmetic, no
compiler), and calls `save` with what the example's plots show. The fixture is
tests/reference/spatial/expected/NAME.npz (np.savez_compressed), its arrays
named `MONITOR.VAR` after the monitors of examples/compartmental/NAME.toml
(`spikejit run NAME.toml --out DIR` writes DIR/MONITOR.npz with array VAR),
`state.VAR` for what `--dump-state` writes to DIR/state/neuron.npz (the values
at the end of the run, and the morphology's per-compartment constants), and
`extra.NAME` for derived values (a theory curve, a velocity) the script
computes as the example does. Values are SI (volt, second, metre, ...).
"""
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
EXPECTED = os.path.join(HERE, "expected")
MORPHOLOGY_VARS = ("length", "distance", "area", "diameter", "volume", "r_length_1", "r_length_2")

_start = time.perf_counter()
_run_seconds = 0.0


def setup():
    """numpy target, Brian2's defaults otherwise (called before the example's code)."""
    import brian2

    assert brian2.__version__ == "2.9.0", brian2.__version__
    brian2.prefs.codegen.target = "numpy"
    brian2.prefs.logging.std_redirection = False
    # print Brian2's choice of integration method where the example gives none
    import logging

    class MethodChoice(logging.Handler):
        def emit(self, record):
            message = record.getMessage()
            if "using method" in message:
                print("brian2:", message)

    logging.getLogger("brian2").addHandler(MethodChoice(level=logging.INFO))


def timed_run(duration, **kwds):
    """brian2.run, the time spent in it added to the reported run time."""
    import brian2

    global _run_seconds
    t0 = time.perf_counter()
    brian2.run(duration, level=kwds.pop("level", 0) + 1, **kwds)
    _run_seconds += time.perf_counter() - t0


def monitor(mon, variables, record=None, every=1):
    """The arrays of a StateMonitor: t and each variable (recorded index, time),
    of the recorded indices at positions `record` (all when None), every
    `every`-th sample (what a monitor with record=... and dt=every*dt gives)."""
    out = {"t": np.asarray(mon.t_)[::every].astype(np.float64)}
    for var in variables:
        values = np.asarray(getattr(mon, var + "_"), dtype=np.float64)
        if values.ndim == 1:  # a shared variable: one row
            values = values[None, :]
        if record is not None:
            values = values[record]
        out[var] = values[:, ::every]
    return out


def spikes(mon, n):
    """The arrays of a SpikeMonitor as spikejit writes them: i (int32), t, count."""
    i = np.asarray(mon.i[:], dtype=np.int32)
    return {"i": i, "t": np.asarray(mon.t_[:], dtype=np.float64),
            "count": np.bincount(i, minlength=n).astype(np.int32)}


def state(neuron, variables):
    """Final values of `variables` and the morphology's per-compartment constants
    (x, y, z too when the morphology has coordinates)."""
    out = {var: np.asarray(getattr(neuron, var + "_")[:], dtype=np.float64) for var in variables}
    names = list(MORPHOLOGY_VARS)
    if "x" in neuron.variables:
        names += ["x", "y", "z"]
    for var in names:
        out[var] = np.asarray(getattr(neuron, var + "_")[:], dtype=np.float64)
    return out


def save(name, **groups):
    """Writes expected/NAME.npz: each keyword is a prefix (a monitor's name,
    `state`, `extra`) and a dict of arrays; prints the sizes and times."""
    os.makedirs(EXPECTED, exist_ok=True)
    arrays = {}
    for prefix, group in groups.items():
        for key, value in group.items():
            arrays[f"{prefix}.{key}"] = np.asarray(value)
    path = os.path.join(EXPECTED, name + ".npz")
    np.savez_compressed(path, **arrays)
    total = time.perf_counter() - _start
    print(f"{name}: run {_run_seconds:.2f} s, script {total:.2f} s, "
          f"{os.path.getsize(path) / 1024:.0f} KiB -> {os.path.relpath(path)}")
    for key, value in arrays.items():
        print(f"  {key}: {value.dtype} {value.shape}")
    sys.stdout.flush()
