#!/usr/bin/env python3
"""Brunel (2000) panel C over many seeds: spikejit against Brian2, by distribution.

    tests/reference/brunel_study.py run       [--seeds 1-60] [--sides spikejit,brian2]
    tests/reference/brunel_study.py structure [--seeds 1-60] [--sides spikejit,brian2]
    tests/reference/brunel_study.py report    [--print]

Run it with the Python of the Brian2 venv (brian2 2.9.0, numpy, scipy), after
`cargo build --release`, with the runner's path where it is not
../shared/brian2-runner/spikejit_brian2.py (relative to the repository root):

    export BRIAN2_RUNNER=/work/shared/brian2-runner/spikejit_brian2.py
    PY=/work/main/.venv/bin/python
    $PY tests/reference/brunel_study.py run --seeds 1-60        # ~50 min
    $PY tests/reference/brunel_study.py structure --seeds 1-60  # ~10 min
    $PY tests/reference/brunel_study.py report   # tables into brunel_study.md

The model is examples/brunel_2000.toml (Fig. 8C of Brunel 2000: g = 5,
nu_ext/nu_thr = 2, 10000 + 2500 LIF neurons, p = 0.1, D = 1.5 ms, PoissonInput
of 1000 sources) with two changes, made here on the text and checked: the
duration is 1 s instead of 150 ms, and the spike monitor records all 12500
neurons instead of the first 50. Each seed is run once on each side:

    spikejit  target/release/spikejit run MODEL --out DIR --seed S -q
    Brian2    spikejit_brian2.py run MODEL --out DIR --seed S   (runtime device,
              numpy target; it runs with this script's Python)

(about 10 s and 30 s per run on the 2-core development machine.) Both read the
same model file, so the semantics are the same by construction; only the random
numbers differ. Runs are sequential, niced, and alternate between the sides (so
that changes in the machine's load hit both alike); every finished run's
statistics are added at once to the results file (default
tests/reference/expected/brunel_study.json, section "runs"), so a command may be
interrupted and rerun: seeds already there are skipped. Output directories are
deleted after each run.

Statistics of one run (N = 12500, dt = 0.1 ms, T = 1 s; the window is the
stationary part t in [0.2 s, 1 s), after the synchronous start-up wave):

  spikes          all spikes of the run (what the benchmark reports)
  rate_hz         spikes / (N T)
  startup_spikes  spikes at t < 20 ms (the first, synchronous wave at ~10-14 ms)
  late_rate_hz    spikes in the window / (N * 0.8 s)
  cv_isi          mean over the neurons with >= 3 spikes in the window of the
                  CV (std/mean, ddof=0) of their inter-spike intervals in the window
  cv_neurons      how many neurons that is (not compared)
  fano_1ms        Fano factor (variance / mean) of the population's spike count in
                  1 ms bins over the window (1 for independent Poisson neurons;
                  synchrony makes it larger)
  peak_hz         frequency of the largest peak, in 50-400 Hz, of the population
                  rate's power spectrum: the rate is the spike count per step over
                  N dt (Hz), the spectrum Welch's (scipy.signal.welch, 10 kHz,
                  2000-sample Hann segments, half overlap: 5 Hz resolution), one-sided
                  density in Hz^2/Hz
  peak_psd        the density at that peak (Hz^2/Hz)
  band_power      the integral of the density over 50-400 Hz (Hz^2): the variance
                  of the rate carried by the network oscillation
  synapses        exc_synapses + inhib_synapses
  startup_ms      spikes per 1 ms bin over the first 30 ms (a list; not compared)
  wall_seconds    the run's wall-clock time, start-up included (not compared)

`structure` runs the same model for one step (0.1 ms) with --dump-state and
measures the connectivity that the seed draws (section "structure"): per target
neuron the recurrent in-degrees kE (from the excitatory) and kI (from the
inhibitory neurons) and its net recurrent weight in units of J, kE - g kI;
net_in_E and net_in_I are its means over the excitatory and inhibitory neurons,
net_sd its SD over all neurons; exc_synapses and inhib_synapses the counts.

`report` compares the two sides statistic by statistic: mean, SD (ddof=1), range,
Welch's t-test, Mann-Whitney U and two-sample Kolmogorov-Smirnov p-values (do
the distributions differ in location or shape?) and the Brown-Forsythe-Levene
p-value (do the spreads differ?), all scipy.stats; the same for the
connectivity; then, for the seeds with both, a least-squares fit of each statistic
on net_in_I, net_in_E and a spikejit/Brian2 term (the difference at equal
connectivity, with its standard error and p-value) and the same fit on each
side alone. It writes the tables into tests/reference/brunel_study.md between
its markers (the text around them is kept), or prints them with --print.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLE = os.path.join(REPO, "examples", "brunel_2000.toml")
RESULTS = os.path.join(REPO, "tests", "reference", "expected", "brunel_study.json")
REPORT = os.path.join(REPO, "tests", "reference", "brunel_study.md")
SPIKEJIT = os.path.join(REPO, "target", "release", "spikejit")
RUNNER = os.environ.get(
    "BRIAN2_RUNNER", os.path.join(REPO, "..", "shared", "brian2-runner", "spikejit_brian2.py")
)

N = 12500
N_E = 10000
G = 5
DT = 1e-4
T = 1.0
WINDOW = (0.2, 1.0)
BAND = (50.0, 400.0)
SIDES = ("spikejit", "brian2")
COMPARED = ("spikes", "rate_hz", "startup_spikes", "late_rate_hz", "cv_isi", "fano_1ms",
            "peak_hz", "peak_psd", "band_power", "synapses")
STRUCTURE = ("exc_synapses", "inhib_synapses", "net_in_E", "net_in_I", "net_sd")
ADJUSTED = ("spikes", "late_rate_hz", "startup_spikes", "cv_isi", "fano_1ms", "peak_hz",
            "band_power")
BEGIN, END = "<!-- begin tables (brunel_study.py report) -->", "<!-- end tables -->"


def study_model(text, duration="1*second"):
    """The example with `duration` (1 s) and all neurons recorded; fails if the example
    changed shape."""
    for key, want in (("g", "5"), ("nu_ext_over_nu_thr", "2"), ("N_E", "10000")):
        if not re.search(rf"^{key} = {want}\b", text, re.M):
            raise SystemExit(f"{EXAMPLE}: expected '{key} = {want}' (panel C)")
    out, n1 = re.subn(r'^duration = "150\*ms"$', f'duration = "{duration}"', text, flags=re.M)
    out, n2 = re.subn(r'^source = "neurons\[0:50\]"$', 'source = "neurons"', out, flags=re.M)
    if (n1, n2) != (1, 1):
        raise SystemExit(f"{EXAMPLE}: the duration or the spike monitor's source changed")
    return out


def statistics(outdir):
    """The statistics of one run (module docstring) from its output directory."""
    from scipy.signal import welch

    with open(os.path.join(outdir, "summary.json")) as f:
        summary = json.load(f)
    m = np.load(os.path.join(outdir, "spike_monitor.npz"))
    i, t = m["i"].astype(np.int64), m["t"]
    steps = np.round(t / DT).astype(np.int64)
    nsteps = int(round(T / DT))
    per_step = np.bincount(steps, minlength=nsteps)[:nsteps]
    lo, hi = (int(round(w / DT)) for w in WINDOW)
    win = per_step[lo:hi]
    # CV of the inter-spike intervals, per neuron, in the window
    sel = (steps >= lo) & (steps < hi)
    wi, ws = i[sel], steps[sel]
    order = np.lexsort((ws, wi))
    wi, ws = wi[order], ws[order]
    same = wi[1:] == wi[:-1]
    isi, owner = np.diff(ws)[same].astype(float), wi[1:][same]
    n_isi = np.bincount(owner, minlength=N)
    s1 = np.bincount(owner, weights=isi, minlength=N)
    s2 = np.bincount(owner, weights=isi * isi, minlength=N)
    ok = n_isi >= 2  # >= 3 spikes
    mean_isi = s1[ok] / n_isi[ok]
    var_isi = np.maximum(s2[ok] / n_isi[ok] - mean_isi**2, 0.0)
    cv = np.sqrt(var_isi) / mean_isi
    # population rate: Fano factor in 1 ms bins, power spectrum at dt
    per_ms = win.reshape(-1, 10).sum(1)
    rate = win / (N * DT)
    f, psd = welch(rate, fs=1.0 / DT, nperseg=2000, detrend="constant")
    band = (f >= BAND[0]) & (f <= BAND[1])
    k = np.argmax(psd[band])
    df = f[1] - f[0]
    counts = summary["synapse_counts"]
    return {
        "spikes": int(len(t)),
        "rate_hz": len(t) / (N * T),
        "startup_spikes": int(per_step[:200].sum()),
        "late_rate_hz": float(win.sum()) / (N * (WINDOW[1] - WINDOW[0])),
        "cv_isi": float(np.mean(cv)),
        "cv_neurons": int(ok.sum()),
        "fano_1ms": float(np.var(per_ms) / np.mean(per_ms)),
        "peak_hz": float(f[band][k]),
        "peak_psd": float(psd[band][k]),
        "band_power": float(psd[band].sum() * df),
        "synapses": int(counts["exc_synapses"] + counts["inhib_synapses"]),
        "startup_ms": [int(x) for x in per_step[:300].reshape(-1, 10).sum(1)],
    }


def structure(outdir):
    """Connectivity features of one realization, from the state dump of a 0.1 ms run:
    per target neuron the recurrent in-degree kE (from excitatory) and kI (from
    inhibitory neurons), and its net weight in units of J, kE - g kI."""
    k = {}
    for obj in ("exc_synapses", "inhib_synapses"):
        j = np.load(os.path.join(outdir, "state", obj + ".npz"))["j"]
        k[obj] = np.bincount(j.astype(np.int64), minlength=N)
    net = k["exc_synapses"] - G * k["inhib_synapses"]
    return {
        "exc_synapses": int(k["exc_synapses"].sum()),
        "inhib_synapses": int(k["inhib_synapses"].sum()),
        "net_in_E": float(net[:N_E].mean()),
        "net_in_I": float(net[N_E:].mean()),
        "net_sd": float(net.std()),
    }


def load_results(path):
    if os.path.exists(path):
        with open(path) as f:
            return json.load(f)
    return {"definition": "tests/reference/brunel_study.py (docstring)"}


def record(path, section, side, seed, value):
    """Adds one run's statistics to the results file (re-read first, so that two
    invocations on different sections do not undo each other)."""
    res = load_results(path)
    res.setdefault(section, {}).setdefault(side, {})[str(seed)] = value
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(dumps(res))
    os.replace(tmp, path)


def dumps(res):
    """JSON with one line per run."""
    out = [f'{{"definition": {json.dumps(res["definition"])}']
    for section in sorted(k for k in res if k != "definition"):
        sides = []
        for side in sorted(res[section]):
            seeds = sorted(res[section][side], key=int)
            rows = ",\n".join(f'   "{k}": {json.dumps(res[section][side][k], sort_keys=True)}'
                              for k in seeds)
            sides.append(f'  "{side}": {{\n{rows}\n  }}')
        out.append(f' "{section}": {{\n' + ",\n".join(sides) + "\n }")
    return ",\n".join(out) + "\n}\n"


def parse_seeds(spec):
    seeds = []
    for part in spec.split(","):
        a, _, b = part.partition("-")
        seeds.extend(range(int(a), int(b or a) + 1))
    return seeds


def command(side, model, out, seed, dump):
    nice = ["nice", "-n", "19"] if shutil.which("nice") else []
    extra = ["--dump-state"] if dump else []
    if side == "spikejit":
        return nice + [SPIKEJIT, "run", model, "--out", out, "--seed", str(seed), "-q"] + extra
    return nice + [sys.executable, RUNNER, "run", model, "--out", out, "--seed", str(seed)] + extra


def run_seeds(args, section, duration, dump, measure, line):
    """Runs every seed of args.seeds on every side of args.sides not yet in `section`
    of the results file, measures it and records it at once."""
    done = load_results(args.results).get(section, {})
    sides = args.sides.split(",")
    for s in sides:
        if s not in SIDES:
            raise SystemExit(f"unknown side {s!r} (spikejit, brian2)")
    work = tempfile.mkdtemp(prefix="brunel_study_")
    try:
        with open(EXAMPLE) as f:
            model_text = study_model(f.read(), duration)
        model = os.path.join(work, "brunel_2000.toml")
        with open(model, "w") as f:
            f.write(model_text)
        for seed in parse_seeds(args.seeds):
            for side in sides:  # alternate, so that machine load hits both sides alike
                if str(seed) in done.get(side, {}):
                    continue
                out = os.path.join(work, f"{side}_{seed}")
                t0 = time.time()
                p = subprocess.run(command(side, model, out, seed, dump), capture_output=True, text=True)
                wall = time.time() - t0
                if p.returncode != 0:
                    raise SystemExit(f"{side} seed {seed} failed ({p.returncode}):\n{p.stderr}")
                st = measure(out)
                st["wall_seconds"] = round(wall, 1)
                record(args.results, section, side, seed, st)
                shutil.rmtree(out)
                print(f"{side} seed {seed}: {line(st)}, {wall:.0f} s", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def cmd_run(args):
    run_seeds(args, "runs", "1*second", False, statistics,
              lambda st: f"{st['spikes']} spikes, late {st['late_rate_hz']:.2f} Hz, "
                         f"CV {st['cv_isi']:.3f}, peak {st['peak_hz']:.0f} Hz")


def cmd_structure(args):
    run_seeds(args, "structure", "0.1*ms", True, structure,
              lambda st: f"net input onto I {st['net_in_I']:.2f} J, onto E {st['net_in_E']:.2f} J")


def fmt(x, key):
    if key in ("spikes", "startup_spikes", "synapses", "exc_synapses", "inhib_synapses"):
        return f"{x:,.0f}"
    if key in ("peak_hz",):
        return f"{x:.0f}"
    if key in ("peak_psd", "band_power"):
        return f"{x:.3g}"
    if key in ("net_in_E", "net_in_I", "net_sd", "late_rate_hz", "rate_hz"):
        return f"{x:.2f}"
    return f"{x:.3f}"


def compare_table(per_side, keys):
    """Markdown rows: each statistic's distribution on both sides and the tests."""
    from scipy import stats

    lines = ["| statistic | spikejit mean | SD | range | Brian2 mean | SD | range "
             "| Welch t | p (Welch) | p (Mann-Whitney) | p (KS) | p (Levene) |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for key in keys:
        a = np.array([r[key] for r in per_side["spikejit"].values()], float)
        b = np.array([r[key] for r in per_side["brian2"].values()], float)
        w = stats.ttest_ind(a, b, equal_var=False)
        mw = stats.mannwhitneyu(a, b, alternative="two-sided")
        ks = stats.ks_2samp(a, b)
        lev = stats.levene(a, b, center="median")
        lines.append(
            f"| {key} | {fmt(a.mean(), key)} | {fmt(a.std(ddof=1), key)} | "
            f"{fmt(a.min(), key)} to {fmt(a.max(), key)} | {fmt(b.mean(), key)} | "
            f"{fmt(b.std(ddof=1), key)} | {fmt(b.min(), key)} to {fmt(b.max(), key)} | "
            f"{w.statistic:.2f} | {w.pvalue:.3g} | {mw.pvalue:.3g} | {ks.pvalue:.3g} | {lev.pvalue:.3g} |")
    return lines


def adjusted_table(runs, struct, keys):
    """Markdown rows: the difference between the sides once the connectivity is
    accounted for. Per statistic, least squares over the runs of both sides of
    y = b0 + b1 net_in_I + b2 net_in_E + d [spikejit]; d is spikejit's offset at
    equal connectivity, with its standard error and two-sided t-test p-value."""
    from scipy import stats

    rows = [(side, seed) for side in SIDES for seed in runs[side] if seed in struct.get(side, {})]
    x = np.array([[1.0, struct[s][k]["net_in_I"], struct[s][k]["net_in_E"], float(s == "spikejit")]
                  for s, k in rows])
    lines = [f"Least squares over {len(rows)} runs with both measurements "
             f"({sum(s == 'spikejit' for s, _ in rows)} spikejit, "
             f"{sum(s == 'brian2' for s, _ in rows)} Brian2):\n",
             "| statistic | R^2 | slope on net_in_I (per J) | slope on net_in_E (per J) "
             "| residual SD | spikejit - Brian2 at equal connectivity | SE | p |",
             "|---|---|---|---|---|---|---|---|"]
    for key in keys:
        y = np.array([runs[s][k][key] for s, k in rows], float)
        coef, *_ = np.linalg.lstsq(x, y, rcond=None)
        resid = y - x @ coef
        dof = len(y) - x.shape[1]
        s2 = resid @ resid / dof
        se = np.sqrt(np.diag(s2 * np.linalg.inv(x.T @ x)))
        p = 2 * stats.t.sf(abs(coef[3] / se[3]), dof)
        r2 = 1 - resid @ resid / np.sum((y - y.mean()) ** 2)
        lines.append(f"| {key} | {r2:.2f} | {fmt(coef[1], key)} | {fmt(coef[2], key)} | "
                     f"{fmt(np.sqrt(s2), key)} | {fmt(coef[3], key)} | {fmt(se[3], key)} | {p:.3g} |")
    return lines


def side_fits(runs, struct, keys):
    """Markdown rows: the same fit on each side alone (without the side term)."""
    lines = ["The same fit on each side alone:\n",
             "| statistic | side | runs | R^2 | slope on net_in_I (per J) | slope on net_in_E (per J) "
             "| residual SD |",
             "|---|---|---|---|---|---|---|"]
    for key in keys:
        for side in SIDES:
            seeds = [k for k in runs[side] if k in struct.get(side, {})]
            x = np.array([[1.0, struct[side][k]["net_in_I"], struct[side][k]["net_in_E"]] for k in seeds])
            y = np.array([runs[side][k][key] for k in seeds], float)
            coef, *_ = np.linalg.lstsq(x, y, rcond=None)
            resid = y - x @ coef
            r2 = 1 - resid @ resid / np.sum((y - y.mean()) ** 2)
            sd = np.sqrt(resid @ resid / (len(y) - 3))
            lines.append(f"| {key} | {side} | {len(y)} | {r2:.2f} | {fmt(coef[1], key)} | "
                         f"{fmt(coef[2], key)} | {fmt(sd, key)} |")
    return lines


def tables(res):
    runs, struct = res["runs"], res.get("structure", {})
    lines = []
    common = sorted(set(runs["spikejit"]) & set(runs["brian2"]), key=int)
    n = {s: len(runs[s]) for s in SIDES}
    lines.append(f"Runs of 1 s: {n['spikejit']} spikejit, {n['brian2']} Brian2 (seeds "
                 f"{min(common, key=int)}-{max(common, key=int)} on both sides).\n")
    lines += compare_table(runs, COMPARED)
    lines.append("")
    if all(struct.get(s) for s in SIDES):
        ns = {s: len(struct[s]) for s in SIDES}
        lines.append(f"Connectivity ({ns['spikejit']} spikejit, {ns['brian2']} Brian2 "
                     "realizations; net input in units of J):\n")
        lines += compare_table(struct, STRUCTURE)
        lines.append("")
        lines += adjusted_table(runs, struct, ADJUSTED)
        lines.append("")
        lines += side_fits(runs, struct, ("spikes", "late_rate_hz"))
        lines.append("")
    cols = ("spikes", "startup_spikes", "late_rate_hz", "cv_isi", "fano_1ms", "peak_hz",
            "band_power", "synapses")
    for side, title in (("spikejit", "spikejit"), ("brian2", "Brian2")):
        extra = ("net_in_I", "net_in_E") if struct.get(side) else ()
        lines.append(f"Per seed, {title}:\n")
        lines.append("| seed | " + " | ".join(cols + extra) + " |")
        lines.append("|---" * (len(cols) + len(extra) + 1) + "|")
        for seed in sorted(runs[side], key=int):
            r = runs[side][seed]
            st = struct.get(side, {}).get(seed)
            cells = [fmt(r[c], c) for c in cols]
            cells += [fmt(st[c], c) if st else "" for c in extra]
            lines.append(f"| {seed} | " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


def cmd_report(args):
    text = tables(load_results(args.results))
    if args.print:
        print(text)
        return
    with open(args.md) as f:
        doc = f.read()
    a, b = doc.find(BEGIN), doc.find(END)
    if a < 0 or b < a:
        raise SystemExit(f"{args.md}: markers {BEGIN!r} ... {END!r} not found")
    with open(args.md, "w") as f:
        f.write(doc[: a + len(BEGIN)] + "\n\n" + text + "\n" + doc[b:])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="run the seeds not yet in the results file")
    r.add_argument("--seeds", default="1-60", help="e.g. 1-60 or 1,2,5-9 (default 1-60)")
    r.add_argument("--sides", default="spikejit,brian2")
    r.add_argument("--results", default=RESULTS)
    p = sub.add_parser("report", help="compare the two sides")
    p.add_argument("--results", default=RESULTS)
    p.add_argument("--md", default=REPORT)
    p.add_argument("--print", action="store_true", help="print the tables instead")
    st = sub.add_parser("structure", help="connectivity features of the seeds not yet measured")
    st.add_argument("--seeds", default="1-60", help="as for run")
    st.add_argument("--sides", default="spikejit,brian2")
    st.add_argument("--results", default=RESULTS)
    args = ap.parse_args()
    {"run": cmd_run, "structure": cmd_structure, "report": cmd_report}[args.cmd](args)


if __name__ == "__main__":
    main()
