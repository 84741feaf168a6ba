#!/usr/bin/env python3
"""Where the run time goes, object by object: spikejit's `--profile` beside
Brian2 cpp_standalone's `profile=True`, for each bundled benchmark model.

    bench/profile.py [--reps N] [--models cuba_4000 brunel_12500 ...] [--out DIR]

For each model and repetition it runs `spikejit run bench/models/MODEL.toml
--profile` and then bench/brian2/brian2_bench.py --device cpp_standalone
--profile (the two sides alternate, so a burst of load hits both), keeps the
median seconds of each object over the repetitions, and writes DIR/profile.json
and DIR/profile.md (default bench/results): one table per model with a row per
object of the schedule (state update, threshold, reset, each pathway, each
monitor, inputs), spikejit's seconds, Brian2's and their ratio, and the rest
of each side's run (spikejit: its run loop, clocks and checks; Brian2: the
run's time outside the code objects).

Brian2 names a code object `OBJECT_codeobject`; a pathway also has
`OBJECT_push_spikes`, the spike queue, which spikejit does inside the pathway:
both go to the pathway's row. A PoissonInput takes no name in Brian2 (it is
`poissoninput`, `poissoninput_1`, ... in the order made): spikejit's row shows
both names. spikejit names the object, and a state update fused with its
threshold `UPDATER+THRESHOLDER` (Brian2's two rows go to that one). Needs the spikejit binary (`cargo build --release`) and Brian2
2.9.0 in BRIAN2_VENV (default bench/brian2/.venv, as bench/brian2/run.sh makes
it). Profiling costs a clock read around every object and step on both sides:
for the run times themselves, use `spikejit bench --compare`.
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
MODELS = ["cuba_4000", "cuba_16000", "cuba_64000", "cobahh_4000", "stdp", "brunel_12500"]


def brian2_args(model):
    """brian2_bench.py's --model and --N of a bundled model file's name."""
    if model == "stdp":
        return ["--model", "stdp", "--N", "1000"]
    family, n = model.rsplit("_", 1)
    return ["--model", family, "--N", n]


def object_of(code_object):
    """The Brian2 object a code object belongs to (`Ce_pre_codeobject_1` -> `Ce_pre`)."""
    name = re.sub(r"_codeobject(_\d+)?$", "", code_object)
    return re.sub(r"_push_spikes$", "", name)


def spikejit_profile(binary, model):
    """(run seconds, {object: seconds}) of one `spikejit run --profile`."""
    with tempfile.TemporaryDirectory(prefix="spikejit_profile_") as out:
        subprocess.run(
            [binary, "run", os.path.join(REPO, "bench", "models", model + ".toml"),
             "--out", out, "--quiet", "--profile"],
            check=True, stdout=subprocess.DEVNULL)
        with open(os.path.join(out, "summary.json")) as f:
            summary = json.load(f)
    objects, inputs = {}, 0
    for p in summary["profile"]:
        name = p["name"]
        if p["class"] == "PoissonInput":
            # Brian2's PoissonInput takes no name: poissoninput, poissoninput_1, ...
            # in the order they were made, which is the model file's.
            name = f"{name} (poissoninput{'_' + str(inputs) if inputs else ''})"
            inputs += 1
        objects[name] = p["seconds"]
    return summary["run_seconds"], objects


def brian2_profile(python, model):
    """(run seconds, {object: seconds}) of one profiled cpp_standalone run."""
    line = subprocess.run(
        [python, os.path.join(HERE, "brian2", "brian2_bench.py"), "--device", "cpp_standalone",
         "--profile"] + brian2_args(model),
        check=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout
    result = json.loads(line.strip().splitlines()[-1])
    objects = {}
    for code_object, seconds in result["profile"]:
        name = object_of(code_object)
        objects[name] = objects.get(name, 0.0) + seconds
    return result["timings"]["run_s"], objects


def medians(runs):
    """The median run seconds and the median seconds of each object over repetitions."""
    names = []
    for _, objects in runs:
        names += [n for n in objects if n not in names]
    return (statistics.median(r for r, _ in runs),
            {n: statistics.median(o.get(n, 0.0) for _, o in runs) for n in names})


def rows(ours, theirs):
    """One row per spikejit object (a fused one takes Brian2's parts), then
    Brian2's objects spikejit has not: (name, spikejit s or None, Brian2 s or None)."""
    out, taken = [], set()
    for name, seconds in sorted(ours.items(), key=lambda kv: -kv[1]):
        brian2_names = re.sub(r"^.* \((poissoninput\S*)\)$", r"\1", name)
        parts = [p for p in brian2_names.split("+") if p in theirs]
        taken.update(parts)
        out.append((name, seconds, sum(theirs[p] for p in parts) if parts else None))
    for name, seconds in sorted(theirs.items(), key=lambda kv: -kv[1]):
        if name not in taken:
            out.append((name, None, seconds))
    return out


def table(model, ours, theirs):
    (run_ours, obj_ours), (run_theirs, obj_theirs) = ours, theirs
    fmt = lambda s: "—" if s is None else f"{s:.4f}"
    lines = [f"### {model}", "",
             "| object | spikejit s | Brian2 C++ s | ratio |", "|---|---:|---:|---:|"]
    for name, a, b in rows(obj_ours, obj_theirs):
        ratio = f"{a / b:.2f}" if a is not None and b else "—"
        lines.append(f"| {name} | {fmt(a)} | {fmt(b)} | {ratio} |")
    rest_ours = max(run_ours - sum(obj_ours.values()), 0.0)
    rest_theirs = max(run_theirs - sum(obj_theirs.values()), 0.0)
    rest_ratio = f"{rest_ours / rest_theirs:.2f}" if rest_theirs else "—"
    lines.append(f"| (the rest of the run) | {rest_ours:.4f} | {rest_theirs:.4f} | {rest_ratio} |")
    lines.append(f"| **run** | **{run_ours:.3f}** | **{run_theirs:.3f}** | "
                 f"**{run_ours / run_theirs:.2f}** |")
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--models", nargs="*", default=MODELS)
    ap.add_argument("--out", default=os.path.join(REPO, "bench", "results"))
    ap.add_argument("--spikejit", default=os.path.join(REPO, "target", "release", "spikejit"))
    ap.add_argument("--python", default=os.path.join(
        os.environ.get("BRIAN2_VENV", os.path.join(HERE, "brian2", ".venv")), "bin", "python"))
    args = ap.parse_args()
    for path, what in [(args.spikejit, "cargo build --release"), (args.python, "bench/brian2/run.sh")]:
        if not os.path.exists(path):
            sys.exit(f"{path} not found (made by {what})")
    load_start = os.getloadavg()[0]
    results = {}
    for model in args.models:
        ours, theirs = [], []
        for rep in range(args.reps):
            print(f"{model} {rep + 1}/{args.reps}", file=sys.stderr)
            ours.append(spikejit_profile(args.spikejit, model))
            theirs.append(brian2_profile(args.python, model))
        results[model] = {"spikejit": medians(ours), "brian2": medians(theirs)}
    load_end = os.getloadavg()[0]
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "profile.json"), "w") as f:
        json.dump({"load_start": load_start, "load_end": load_end, "reps": args.reps,
                   "models": results}, f, indent=1)
    md = [f"Medians of {args.reps} profiled runs of each side, alternating; 1-minute load "
          f"average {load_start:.2f} at the start, {load_end:.2f} at the end. Seconds of "
          f"each object over the whole run, largest of spikejit's first.", ""]
    for model, r in results.items():
        md.append(table(model, r["spikejit"], r["brian2"]))
    with open(os.path.join(args.out, "profile.md"), "w") as f:
        f.write("\n".join(md))
    print(f"written: {args.out}/profile.json and {args.out}/profile.md", file=sys.stderr)


if __name__ == "__main__":
    main()
