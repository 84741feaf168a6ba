#!/usr/bin/env python3
"""Summary statistics of the random synapse examples, for statistical comparison with Brian2.

    examples_stats.py NAME --out expected/examples/NAME_stats.json SEED=OUTDIR ...

NAME is one of the random model files of examples/ (stdp, jeffress, spatial_connections,
state_variables, synapses, spike_based_homeostasis, custom_events); each SEED=OUTDIR is
the output directory of `run examples/NAME.toml --out OUTDIR --dump-state --seed SEED`.
The statistics per run (spikejit's tests/examples_synapses.rs computes exactly the same
from its own outputs; all times in seconds, as recorded):

  stdp                     input_spikes   len(s_mon.i) (1000 Poisson inputs at 15 Hz, 1 s)
                           output_spikes  len(out_spikes.i)
                           w_mean, w_std  mean and std (ddof=0) of state/S.w / gmax (0.01)
  jeffress                 spikes         len(spikes.i) (the 30 coincidence detectors)
                           ear_spikes     len(ear_spikes.i)
                           idx_early      mean neuron index of the detector spikes at t < 50 ms
                           idx_late       the same for t >= 100 ms (the source has moved:
                                          the preferred neuron index grows)
  spatial_connections      det_synapses   synapse_counts.S_deterministic (not random)
                           stoch_synapses synapse_counts.S_stochastic
  state_variables          v_resid_mean, v_resid_std
                                          mean and std (ddof=0) over the 100 neurons of
                                          r = state/G.v/mV - sin(2*pi*i/100) + 70 (N(0, 0.25))
                           w_sum          sum of state/S.w in volt (not random)
                           spikes         spike_counts.G (0: v stays near -70 mV)
  synapses                 synapses       synapse_counts.syn (Binomial(10, 0.75))
                           delay_resid_mean, delay_resid_sq
                                          over the synapses: d = pre.delay - (1 ms + i*1 ms),
                                          mean(d) and mean(d**2) in ms and ms**2 (N(0, 0.25 ms))
  spike_based_homeostasis  steady, varying, with, without
                                          spike counts of steady_poisson, varying_poisson,
                                          neuron_with_homeostasis, neuron_without_homeostasis
                           w_final        state/plastic_synapse.w
                           w_phase0..4    mean of M2.w over the samples with t in
                                          [0.4*k, 0.4*(k+1)) s (the five stimulus phases)
  custom_events            inp_spikes     spike_counts.inp (250 Hz, 500 ms)
                           g_spikes       spike_counts.G
                           gspike_events  len(Mgspike.i)

The JSON written has {"example", "definition", "seeds": {SEED: {...}}, "min", "max",
"mean", "std" (ddof=1, over the seeds)} for every statistic; `analytic` adds the expected
value and standard deviation where they are known in closed form.
"""
import argparse
import json
import os

import numpy as np


def _load(d, name):
    return np.load(os.path.join(d, name))


def _summary(d):
    with open(os.path.join(d, "summary.json")) as f:
        return json.load(f)


def stdp(d):
    w = _load(d, "state/S.npz")["w"] / 0.01
    return {
        "input_spikes": int(len(_load(d, "s_mon.npz")["i"])),
        "output_spikes": int(len(_load(d, "out_spikes.npz")["i"])),
        "w_mean": float(np.mean(w)),
        "w_std": float(np.std(w)),
    }


def jeffress(d):
    s = _load(d, "spikes.npz")
    i, t = s["i"].astype(float), s["t"]
    return {
        "spikes": int(len(i)),
        "ear_spikes": int(len(_load(d, "ear_spikes.npz")["i"])),
        "idx_early": float(np.mean(i[t < 0.05])) if np.any(t < 0.05) else float("nan"),
        "idx_late": float(np.mean(i[t >= 0.1])) if np.any(t >= 0.1) else float("nan"),
    }


def spatial_connections(d):
    c = _summary(d)["synapse_counts"]
    return {"det_synapses": c["S_deterministic"], "stoch_synapses": c["S_stochastic"]}


def state_variables(d):
    v = _load(d, "state/G.npz")["v"]
    i = np.arange(len(v))
    r = v / 1e-3 - np.sin(2 * np.pi * i / len(v)) + 70
    return {
        "v_resid_mean": float(np.mean(r)),
        "v_resid_std": float(np.std(r)),
        "w_sum": float(np.sum(_load(d, "state/S.npz")["w"])),
        "spikes": _summary(d)["spike_counts"]["G"],
    }


def synapses(d):
    s = _load(d, "state/syn.npz")
    r = (s["pre.delay"] - (1e-3 + s["i"] * 1e-3)) / 1e-3
    return {
        "synapses": _summary(d)["synapse_counts"]["syn"],
        "delay_resid_mean": float(np.mean(r)),
        "delay_resid_sq": float(np.mean(r ** 2)),
    }


def spike_based_homeostasis(d):
    c = _summary(d)["spike_counts"]
    m = _load(d, "M2.npz")
    w, t = m["w"][0], m["t"]
    out = {
        "steady": c["steady_poisson"],
        "varying": c["varying_poisson"],
        "with": c["neuron_with_homeostasis"],
        "without": c["neuron_without_homeostasis"],
        "w_final": float(_load(d, "state/plastic_synapse.npz")["w"][0]),
    }
    for k in range(5):
        sel = (t >= 0.4 * k - 1e-9) & (t < 0.4 * (k + 1) - 1e-9)
        out[f"w_phase{k}"] = float(np.mean(w[sel]))
    return out


def custom_events(d):
    c = _summary(d)["spike_counts"]
    return {
        "inp_spikes": c["inp"],
        "g_spikes": c["G"],
        "gspike_events": int(len(_load(d, "Mgspike.npz")["i"])),
    }


def analytic(name):
    """expected value and standard deviation where they follow from the model"""
    if name == "stdp":
        return {"input_spikes": [15000.0, 15000.0 ** 0.5]}
    if name == "custom_events":
        return {"inp_spikes": [125.0, 125.0 ** 0.5]}
    if name == "spatial_connections":
        i = np.arange(400)
        x = (i // 20) * 25e-6 - 10 * 25e-6
        y = (i % 20) * 25e-6 - 10 * 25e-6
        d2 = (x[:, None] - x[None, :]) ** 2 + (y[:, None] - y[None, :]) ** 2
        p = np.clip(1.5 * np.exp(-d2 / (2 * (60e-6) ** 2)), 0, 1)
        np.fill_diagonal(p, 0)
        return {"det_synapses": [float(np.sum(np.sqrt(d2) < 120e-6)), 0.0],
                "stoch_synapses": [float(p.sum()), float(np.sqrt((p * (1 - p)).sum()))]}
    if name == "synapses":
        return {"synapses": [7.5, (10 * 0.75 * 0.25) ** 0.5]}
    if name == "state_variables":
        return {"v_resid_mean": [0.0, 0.025]}
    return {}


FUNCS = {f.__name__: f for f in (stdp, jeffress, spatial_connections, state_variables, synapses,
                                  spike_based_homeostasis, custom_events)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("name", choices=sorted(FUNCS))
    ap.add_argument("--out", help="JSON file to write (else print)")
    ap.add_argument("runs", nargs="+", help="SEED=OUTDIR")
    args = ap.parse_args()
    seeds = {}
    for run in args.runs:
        seed, outdir = run.split("=", 1)
        seeds[seed] = FUNCS[args.name](outdir)
    keys = list(next(iter(seeds.values())))
    col = {k: np.array([s[k] for s in seeds.values()], dtype=float) for k in keys}
    out = {
        "example": args.name,
        "definition": "see tests/reference/examples_stats.py",
        "seeds": seeds,
        "min": {k: float(np.min(v)) for k, v in col.items()},
        "max": {k: float(np.max(v)) for k, v in col.items()},
        "mean": {k: float(np.mean(v)) for k, v in col.items()},
        "std": {k: float(np.std(v, ddof=1)) if len(v) > 1 else 0.0 for k, v in col.items()},
        "analytic": analytic(args.name),
    }
    text = json.dumps(out, indent=2) + "\n"
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
    for seed, s in seeds.items():
        print(f"{args.name} seed {seed}: " + ", ".join(
            f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}" for k, v in s.items()))
    if not args.out:
        print(text)


if __name__ == "__main__":
    main()
