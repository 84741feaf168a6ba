#!/usr/bin/env python3
"""Summary statistics of the random example models (examples/*.toml), for
statistical comparison of spikejit with Brian2.

    examples_models_stats.py NAME --out expected/examples/NAME_stats.json SEED=OUTDIR ...

Each SEED=OUTDIR is the output directory of one run of examples/NAME.toml with
that seed (`run ... --out OUTDIR --seed SEED`, with `--dump-state` for the
models whose statistics read `state/`). spikejit's Rust tests
(tests/examples_models.rs) compute exactly the same numbers from their own
runs; the definitions are the functions below (times in seconds, rates in Hz,
voltages in mV, concentrations in uM; `count(G)` is summary.json's spike count
of G; a window [a, b) counts spikes with a <= t < b).

The JSON written has {"example", "definition", "seeds": {SEED: {stat: value}},
"min": {stat: min over seeds}, "max": {stat: max over seeds}}.
"""
import argparse
import json
import os

import numpy as np


def load(d, name):
    return np.load(os.path.join(d, name + ".npz"))


def summary(d):
    with open(os.path.join(d, "summary.json")) as f:
        return json.load(f)


def window(t, a, b):
    t = np.asarray(t)
    return int(np.count_nonzero((t >= a) & (t < b)))


def mean_cv(i, t):
    """mean over neurons with >= 3 spikes of std(isi, ddof=0)/mean(isi)"""
    i = np.asarray(i, dtype=np.int64)
    t = np.asarray(t, dtype=np.float64)
    order = np.lexsort((t, i))
    i_s, t_s = i[order], t[order]
    cvs = []
    for times in np.split(t_s, np.flatnonzero(np.diff(i_s)) + 1):
        if len(times) >= 3:
            isi = np.diff(times)
            cvs.append(np.std(isi) / np.mean(isi))
    return float(np.mean(cvs))


def binned_cv(t, t0, t1, width):
    """std/mean (ddof=0) of the spike counts in bins [t0 + k*width, t0 + (k+1)*width)"""
    nbins = int(round((t1 - t0) / width))
    k = np.floor((np.asarray(t) - t0) / width + 1e-9).astype(np.int64)
    k = k[(k >= 0) & (k < nbins)]
    c = np.bincount(k, minlength=nbins).astype(float)
    return float(np.std(c) / np.mean(c))


def adaptive_threshold(d):
    s = summary(d)["spike_counts"]
    return {
        "if_spikes": s["IF"],
        "pg_spikes": s["PG"],
        "v_cross_mv": float(np.mean(load(d, "M_crossings")["v"]) * 1e3),
        "vt_mean_mv": float(np.mean(load(d, "Mvt")["vt"]) * 1e3),
    }


def cuba_like(d, monitor, duration):
    m = load(d, monitor)
    syn = summary(d)["synapse_counts"]
    return {
        "rate_hz": len(m["i"]) / (4000 * duration),
        "cv": mean_cv(m["i"], m["t"]),
        "synapses": syn["Ce"] + syn["Ci"],
    }


def cuba_openmp(d):
    return cuba_like(d, "s_mon", 0.5)


def float_32_64_benchmark(d):
    return cuba_like(d, "spikes", 0.5)


def cobahh(d):
    m = load(d, "spikes")
    syn = summary(d)["synapse_counts"]
    return {
        "rate_hz": len(m["i"]) / (4000 * 0.1),
        "active": int(len(np.unique(m["i"]))),
        "v_mean_mv": float(np.mean(load(d, "trace")["v"]) * 1e3),
        "synapses": syn["Ce"] + syn["Ci"],
    }


def brunel_2000(d):
    s = summary(d)
    m = load(d, "spike_monitor")
    r = load(d, "rate_monitor")
    late = r["t"] >= 0.05 - 1e-9
    return {
        "rate_hz": s["spike_counts"]["neurons"] / (12500 * 0.15),
        "first50_spikes": int(len(m["i"])),
        "pop_rate_late_hz": float(np.mean(r["rate"][late])),
        "pop_rate_late_sd_hz": float(np.std(r["rate"][late])),
        "synapses": s["synapse_counts"]["exc_synapses"] + s["synapse_counts"]["inhib_synapses"],
    }


def brunel_hakim_1999(d):
    s = summary(d)
    m = load(d, "M")
    return {
        "rate_hz": s["spike_counts"]["group"] / (5000 * 0.1),
        "late_rate_hz": window(m["t"], 0.05, 0.1) / (5000 * 0.05),
        "late_binned_cv": binned_cv(m["t"], 0.05, 0.1, 1e-3),
        "synapses": s["synapse_counts"]["conn"],
    }


def diesmann_et_al_1999(d):
    m = load(d, "Mgp")
    i, t = m["i"], m["t"]
    last = (i >= 900) & (t >= 0.045) & (t < 0.07)
    return {
        "spikes": int(len(i)),
        "early_spikes": window(t, 0.0, 0.045),
        "group9_volley": int(np.count_nonzero(last)),
        "group9_median_ms": float(np.median(t[last]) * 1e3),
    }


def graupner_brunel_2012(d):
    st = np.load(os.path.join(d, "state", "synapses.npz"))
    rho, j = st["rho"], st["j"]
    down, up = rho[j < 250], rho[j >= 250]
    return {
        "rho_down_mean": float(np.mean(down)),
        "rho_down_sd": float(np.std(down)),
        "rho_up_mean": float(np.mean(up)),
        "rho_up_sd": float(np.std(up)),
    }


def izhikevich_2003(d):
    s = summary(d)["spike_counts"]
    return {
        "exc_rate_hz": s["N_exc"] / (800 * 1.0),
        "inh_rate_hz": s["N_inh"] / (200 * 1.0),
        # after the first 100 ms, whose synchronous start-up burst is sometimes huge
        "exc_binned_cv": binned_cv(load(d, "spikemon_exc")["t"], 0.1, 1.0, 10e-3),
    }


def sturzl_et_al_2000(d):
    s = summary(d)["spike_counts"]
    c = load(d, "spikes")["count"].astype(float)
    gamma = (22.5 + 45 * np.arange(8)) * 2 * np.pi / 360
    phi = np.degrees(np.arctan2(np.sum(c * np.sin(gamma)), np.sum(c * np.cos(gamma))))
    return {
        "legs_spikes": s["legs"],
        "neurons_spikes": s["neurons"],
        "phi_est_deg": float(phi),
    }


def vogels_et_al_2011(d):
    t = load(d, "sm")["t"]
    w = np.load(os.path.join(d, "state", "con_ie.npz"))["w"]
    return {
        "rate_before_hz": window(t, 0.0, 0.2) / (800 * 0.2),
        "rate_end_hz": window(t, 0.6, 0.8) / (800 * 0.2),
        "w_mean": float(np.mean(w)),
    }


def licklider(d):
    s = summary(d)["spike_counts"]
    i = load(d, "spikes")["i"]
    return {
        "neuron_spikes": s["neurons"],
        "receptor_spikes": s["receptors"],
        "index_mean": float(np.mean(i)),
    }


def stdp_standalone(d):
    s = summary(d)["spike_counts"]
    w = np.load(os.path.join(d, "state", "S.npz"))["w"] / 0.01
    return {
        "out_spikes": s["neurons"],
        "in_spikes": s["input"],
        "w_mean": float(np.mean(w)),
        "w_sd": float(np.std(w)),
    }


def stimberg_2018_gchi_astrocyte(d):
    m = load(d, "astro_mon")
    return {  # astrocyte 1, the stochastic one
        "C1_mean_um": float(np.mean(m["C"][1]) * 1e3),
        "C1_max_um": float(np.max(m["C"][1]) * 1e3),
        "I1_mean_um": float(np.mean(m["I"][1]) * 1e3),
        "h1_mean": float(np.mean(m["h"][1])),
    }


def stimberg_2018_coba_with_astro(d):
    te = load(d, "exc_mon")["t"]
    ti = load(d, "inh_mon")["t"]
    a = np.load(os.path.join(d, "state", "astrocytes.npz"))
    out = {f"exc_rate_phase{k + 1}_hz": window(te, 0.3 * k, 0.3 * (k + 1)) / (400 * 0.3)
           for k in range(4)}
    out["inh_rate_hz"] = len(ti) / (100 * 1.2)
    out["astro_C_mean_um"] = float(np.mean(a["C"]) * 1e3)
    out["astro_I_mean_um"] = float(np.mean(a["I"]) * 1e3)
    out["astro_Gamma_A_mean"] = float(np.mean(a["Gamma_A"]))
    return out


def brunel_wang_2001(d):
    e = load(d, "sp_E")
    i_e, t_e = e["i"], e["t"]
    t_i = load(d, "sp_I")["t"]
    sel1 = (i_e >= 80) & (i_e < 96)
    sel2 = (i_e >= 96) & (i_e < 112)
    return {
        "sel1_stim_hz": window(t_e[sel1], 0.25, 0.3) / (16 * 0.05),
        "sel1_after_hz": window(t_e[sel1], 0.3, 0.5) / (16 * 0.2),
        "sel2_stim_hz": window(t_e[sel2], 0.5, 0.55) / (16 * 0.05),
        "nonsel_hz": int(np.count_nonzero(i_e < 80)) / (80 * 1.0),
        "inh_hz": len(t_i) / (40 * 1.0),
        "reset_exc_hz": window(t_e, 0.75, 0.8) / (160 * 0.05),
    }


STATS = {f.__name__: f for f in (
    adaptive_threshold, cuba_openmp, float_32_64_benchmark, cobahh, brunel_2000,
    brunel_hakim_1999, diesmann_et_al_1999, graupner_brunel_2012, izhikevich_2003,
    sturzl_et_al_2000, vogels_et_al_2011, licklider, stdp_standalone,
    stimberg_2018_gchi_astrocyte, stimberg_2018_coba_with_astro, brunel_wang_2001)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("name", choices=sorted(STATS))
    ap.add_argument("--out", required=True)
    ap.add_argument("runs", nargs="+", help="SEED=OUTDIR")
    args = ap.parse_args()
    f = STATS[args.name]
    seeds = {}
    for r in args.runs:
        seed, d = r.split("=", 1)
        seeds[seed] = f(d)
    keys = list(next(iter(seeds.values())))
    doc = {
        "example": args.name,
        "definition": f"tests/reference/examples_models_stats.py, function {args.name}",
        "seeds": seeds,
        "min": {k: min(s[k] for s in seeds.values()) for k in keys},
        "max": {k: max(s[k] for s in seeds.values()) for k in keys},
    }
    with open(args.out, "w") as fh:
        json.dump(doc, fh, indent=2)
        fh.write("\n")


if __name__ == "__main__":
    main()
