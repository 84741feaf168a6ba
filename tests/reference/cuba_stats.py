#!/usr/bin/env python3
"""Summary statistics of a CUBA spike train, for statistical comparison with Brian2.

    cuba_stats.py --n 4000 --duration 1.0 --out expected/cuba_stats.json \
        1=OUTDIR1 2=OUTDIR2 ...

Each SEED=OUTDIR argument is the output directory of one run of models/cuba.toml
with that seed: OUTDIR/spikes.npz is the spike monitor (`i`, `t` in seconds) and
OUTDIR/summary.json gives the synapse counts. The statistics, per run (spikejit's Rust tests
compute exactly the same from their own spike monitor):

  spikes        the number of spikes: len(i).
  rate_hz       mean firing rate over the population and the whole run:
                spikes / (n * duration), n = number of neurons (4000),
                duration in seconds (1.0).
  cv            mean coefficient of variation of the inter-spike intervals:
                for every neuron with at least 3 spikes (so at least 2 intervals),
                take its spike times in increasing order (seconds, as recorded:
                multiples of dt), the intervals isi = t[k+1] - t[k], and
                CV = std(isi) / mean(isi), where std is the population standard
                deviation (divide by the number of intervals, numpy ddof=0);
                cv is the plain (unweighted) mean of these CVs over those neurons.
                Neurons with 0, 1 or 2 spikes are left out entirely.
  cv_neurons    how many neurons entered the CV mean.
  active        how many neurons spiked at least once.
  synapses      the number of synapses, all synapses objects together (Ce + Ci;
                expected value 0.02 * 4000 * 4000 = 320000), from summary.json.

The JSON written has {"n", "duration_s", "definition", "seeds": {SEED: {...}},
"min": {stat: min over seeds}, "max": {stat: max over seeds}} for spikes, rate_hz
and cv (and cv_neurons, active, synapses).
"""
import argparse
import json
import os

import numpy as np

STATS = ("spikes", "rate_hz", "cv", "cv_neurons", "active", "synapses")


def cuba_stats(i, t, n, duration):
    """the statistics above for spike indices i and times t (seconds)"""
    i = np.asarray(i, dtype=np.int64)
    t = np.asarray(t, dtype=np.float64)
    spikes = int(len(i))
    cvs = []
    order = np.lexsort((t, i))  # by neuron, then time (stable for equal keys)
    i_s, t_s = i[order], t[order]
    bounds = np.flatnonzero(np.diff(i_s)) + 1
    for times in np.split(t_s, bounds):
        if len(times) >= 3:
            isi = np.diff(times)
            cvs.append(float(np.std(isi) / np.mean(isi)))
    return {
        "spikes": spikes,
        "rate_hz": spikes / (n * duration),
        "cv": float(np.mean(cvs)) if cvs else float("nan"),
        "cv_neurons": len(cvs),
        "active": int(len(np.unique(i))),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, required=True, help="number of neurons")
    ap.add_argument("--duration", type=float, required=True, help="run length in seconds")
    ap.add_argument("--out", required=True, help="JSON file to write")
    ap.add_argument("runs", nargs="+", help="SEED=OUTDIR (with spikes.npz and summary.json)")
    args = ap.parse_args()
    seeds = {}
    for run in args.runs:
        seed, outdir = run.split("=", 1)
        d = np.load(os.path.join(outdir, "spikes.npz"))
        seeds[seed] = cuba_stats(d["i"], d["t"], args.n, args.duration)
        with open(os.path.join(outdir, "summary.json")) as f:
            seeds[seed]["synapses"] = sum(json.load(f)["synapse_counts"].values())
    out = {
        "n": args.n,
        "duration_s": args.duration,
        "definition": "see tests/reference/cuba_stats.py: rate_hz = spikes/(n*duration); "
                      "cv = mean over neurons with >= 3 spikes of std(isi, ddof=0)/mean(isi)",
        "seeds": seeds,
        "min": {k: min(s[k] for s in seeds.values()) for k in STATS},
        "max": {k: max(s[k] for s in seeds.values()) for k in STATS},
    }
    with open(args.out, "w") as f:
        json.dump(out, f, indent=2)
        f.write("\n")
    for seed, s in seeds.items():
        print(f"seed {seed}: {s['spikes']} spikes, {s['rate_hz']:.3f} Hz, CV {s['cv']:.4f} "
              f"({s['cv_neurons']} neurons), {s['active']} active, {s['synapses']} synapses")


if __name__ == "__main__":
    main()
