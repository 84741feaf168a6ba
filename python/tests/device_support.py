"""Running Brian2's example scripts unchanged, on a given device, and reading
what they computed.

The scripts in ``brian2_examples/`` are Brian2's examples as Brian2 ships them.
Each runs in its own Python process (``python device_support.py SCRIPT DEVICE
SEED OUT.npz``): a fresh Brian2 (default clock, magic network, device) for
every script, as ``python script.py`` has. The process selects the device
(``runtime`` with ``prefs.codegen.target = 'numpy'``: the reference; or
``spikejit``), seeds Brian2 (``seed(SEED)``, which seeds numpy too), executes
the script's text with matplotlib's Agg backend (``show()`` does nothing) and
saves what the script's own monitors and variables hold, through
:func:`extract`, into ``OUT.npz``. ``reference/generate.py`` writes the
fixtures with the runtime device; ``test_device.py`` runs the spikejit device
and compares.

What is saved per script (``EXTRACTORS``) is what the tests compare: full
arrays for the deterministic scripts, summaries (counts, means, histograms,
every k-th sample) for the random and the long ones, to keep the fixtures
small.
"""

import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLES = os.path.join(HERE, "brian2_examples")
REFERENCE = os.path.join(HERE, "reference")

# The example scripts (file names in brian2_examples/) and whether a run is
# deterministic once Brian2 has drawn the initial values and connectivity.
SCRIPTS = {
    "CUBA": True,
    "COBAHH": True,
    "gapjunctions": True,
    "nonlinear": True,
    "adaptive_threshold": False,
    "Brunel_2000": False,
    "Izhikevich_2003": False,
    "STDP": False,
    "jeffress": False,
    "spike_based_homeostasis": False,
}

# The seed every run of every script starts from (``seed(SEED)`` before it).
SEED = 4321


def script_path(name):
    return os.path.join(EXAMPLES, name + ".py")


def reference_path(name):
    return os.path.join(REFERENCE, name + ".npz")


def _units_stripped(q):
    """A Brian2 quantity or array as a plain float64 numpy array (SI)."""
    return np.asarray(q, dtype=np.float64)


def _every(a, k):
    return np.ascontiguousarray(np.asarray(a)[..., ::k])


def _figure_lines():
    """The (x, y) data of every line of every open figure, figure by figure."""
    import matplotlib.pyplot as plt

    out = []
    for num in plt.get_fignums():
        fig = plt.figure(num)
        out.append([[(np.asarray(l.get_xdata(), dtype=float), np.asarray(l.get_ydata(), dtype=float))
                     for l in ax.get_lines()] for ax in fig.axes])
    return out


def _spike_summary(prefix, i, t, n, duration, out):
    i = np.asarray(i, dtype=np.int64)
    t = np.asarray(t, dtype=np.float64)
    out[prefix + "count_per_neuron"] = np.bincount(i, minlength=n)
    out[prefix + "n_spikes"] = np.array(len(i))
    out[prefix + "duration"] = np.array(duration)


def extract_CUBA(ns):
    m = ns["s_mon"]
    return {"i": np.asarray(m.i[:]), "t": _units_stripped(m.t), "count": np.asarray(m.count[:]),
            "v": _units_stripped(ns["P"].v[:])}


def extract_COBAHH(ns):
    tr = ns["trace"]
    return {"t": _units_stripped(tr.t), "v": _units_stripped(tr.v), "record": np.asarray(tr.record)}


def extract_gapjunctions(ns):
    tr = ns["trace"]
    return {"t": _units_stripped(tr.t), "v": _units_stripped(tr.v), "Igap": _units_stripped(ns["neurons"].Igap[:])}


def extract_nonlinear(ns):
    return {"M_t": _units_stripped(ns["M"].t), "M_g": _units_stripped(ns["M"].g),
            "Mn_t": _units_stripped(ns["Mn"].t), "Mn_g": _units_stripped(ns["Mn"].g),
            "g_syn": _units_stripped(ns["S"].g_syn[:]), "x": _units_stripped(ns["S"].x[:])}


def extract_adaptive_threshold(ns):
    mv, mvt, mc = ns["Mv"], ns["Mvt"], ns["M_crossings"]
    return {"Mv_t": _units_stripped(mv.t), "v_mean": np.array(np.mean(mv.v[0])), "v_std": np.array(np.std(mv.v[0])),
            "vt_mean": np.array(np.mean(mvt.vt[0])), "vt_std": np.array(np.std(mvt.vt[0])),
            "vt_every100": _every(_units_stripped(mvt.vt[0]), 100),
            "n_crossings": np.array(len(mc.t)), "crossing_v": _units_stripped(mc.v),
            "crossing_t": _units_stripped(mc.t)}


def extract_Brunel_2000(ns):
    """The script's monitors are locals of ``sim()``: read them back from its
    figures (spike raster: t/ms, i; rates: t/ms, rate/Hz), one per panel."""
    out = {}
    for panel, fig in zip("ABCD", _figure_lines()):
        (st, si), = fig[0][:1]
        rt, rate = fig[1][0]
        out[panel + "_spike_i"] = si.astype(np.int64)
        out[panel + "_spike_t_ms"] = st
        out[panel + "_n_rate_samples"] = np.array(len(rt))
        out[panel + "_rate_t_ms_last"] = np.array(rt[-1])
        out[panel + "_rate_mean"] = np.array(rate.mean())
        out[panel + "_rate_std"] = np.array(rate.std())
        # the population rate in 1 ms bins (10 samples each): a few kB
        k = 10
        out[panel + "_rate_1ms"] = rate[: len(rate) // k * k].reshape(-1, k).mean(axis=1)
    return out


def extract_Izhikevich_2003(ns):
    sm, st = ns["spikemon"], ns["statemon"]
    i = np.asarray(sm.i[:])
    return {"count_per_neuron": np.bincount(i, minlength=1000), "n_spikes": np.array(len(i)),
            "spike_t": _units_stripped(sm.t), "spike_i": i,
            "statemon_t": _units_stripped(st.t), "statemon_v": _units_stripped(st.v)}


def extract_STDP(ns):
    s, mon, s_mon = ns["S"], ns["mon"], ns["s_mon"]
    gmax = float(ns["gmax"])
    w = _units_stripped(s.w[:])
    return {"w_final": w, "gmax": np.array(gmax),
            "mon_t_every1000": _every(_units_stripped(mon.t), 1000),
            "mon_w_every1000": _every(_units_stripped(mon.w), 1000), "mon_n_samples": np.array(len(mon.t)),
            "input_count": np.asarray(s_mon.count[:]), "input_n_spikes": np.array(s_mon.num_spikes),
            "v_final": _units_stripped(ns["neurons"].v[:])}


def extract_jeffress(ns):
    spikes, traces = ns["spikes"], ns["traces"]
    i = np.asarray(spikes.i[:])
    return {"spike_i": i, "spike_t": _units_stripped(spikes.t),
            "traces_t": _units_stripped(traces.t), "traces_delay_every10": _every(_units_stripped(traces.delay), 10),
            "synapse_delay": _units_stripped(ns["synapses"].delay[:])}


def extract_spike_based_homeostasis(ns):
    m, m2 = ns["M"], ns["M2"]
    r1, r2 = ns["M_rate_neuron_with_homeostasis"], ns["M_rate_neuron_without_homeostasis"]
    out = {"M_n_samples": np.array(len(m.t)), "M2_w_every100": _every(_units_stripped(m2.w[0]), 100),
           "M_v_every100": _every(_units_stripped(m.v[0]), 100), "rate_t_last": np.array(float(r1.t[-1]))}
    # spikes per 10 s stimulus segment, from the population rate (one neuron)
    dt = float(r1.t[1] - r1.t[0])
    for name, r in (("with", r1), ("without", r2)):
        rate = _units_stripped(r.rate)
        seg = rate.reshape(4, -1) if len(rate) % 4 == 0 else rate[: len(rate) // 4 * 4].reshape(4, -1)
        out[f"spikes_per_segment_{name}"] = np.round(seg.sum(axis=1) * dt).astype(np.int64)
    # the script's own smooth_rate plots
    lines = _figure_lines()[0]
    out["smooth_with_every100"] = _every(lines[2][0][1], 100)
    out["smooth_without_every100"] = _every(lines[2][1][1], 100)
    return out


EXTRACTORS = {name: globals()["extract_" + name] for name in SCRIPTS}


def run_script(name, device, seed=SEED):
    """Runs the example ``name`` on ``device`` ('runtime' or 'spikejit') in
    this process and returns (namespace, seconds of the exec)."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    import matplotlib

    matplotlib.use("Agg")
    import brian2

    if device == "runtime":
        brian2.prefs.codegen.target = "numpy"
        brian2.set_device("runtime")
    elif device == "spikejit":
        import spikejit.brian2  # noqa: F401  (registers the device)

        brian2.set_device("spikejit")
    else:
        raise ValueError(f"unknown device {device!r}")
    brian2.seed(seed)
    np.random.seed(seed)
    path = script_path(name)
    with open(path) as f:
        code = compile(f.read(), path, "exec")
    ns = {"__name__": "__main__", "__file__": path}
    start = time.perf_counter()
    exec(code, ns)
    return ns, time.perf_counter() - start


def main(argv):
    name, device, seed, out = argv[1], argv[2], int(argv[3]), argv[4]
    ns, seconds = run_script(name, device, seed)
    data = EXTRACTORS[name](ns)
    data["_exec_seconds"] = np.array(seconds)
    np.savez_compressed(out, **data)
    print(f"{name} on {device}: {seconds:.1f} s")


if __name__ == "__main__":
    main(sys.argv)
