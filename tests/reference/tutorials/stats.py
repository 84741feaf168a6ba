"""Statistics of the tutorials' random model files over Brian2's seeds, for
tests/tutorials.rs (run by tests/reference/tutorials.sh):

    stats.py --out random_stats.json MODEL SEED=DIR ... -- MODEL SEED=DIR ... --

Per model: the total number of spikes of each seed's run and, for
1-neurons/08_multiple_neurons, the interspike intervals after the first spike
(the same for every neuron: v starts at 0 after each reset), in time steps.
"""
import json
import sys

import numpy as np

DT = 1e-4


def spikes(d, monitor):
    f = np.load(f"{d}/{monitor}.npz")
    return f["i"], f["t"]


args = sys.argv[1:]
out = args[args.index("--out") + 1]
del args[args.index("--out"):args.index("--out") + 2]
result = {}
while args:
    model = args.pop(0)
    runs = []
    while args[0] != "--":
        runs.append(args.pop(0).split("=", 1)[1])
    args.pop(0)
    monitor = {"1-neurons/10_stochastic": "M"}.get(model, "spikemon")
    entry = {"total_spikes": []}
    isis = set()
    for d in runs:
        i, t = spikes(d, monitor)
        entry["total_spikes"].append(int(len(i)))
        if model == "1-neurons/08_multiple_neurons":
            for n in np.unique(i):
                steps = np.round(np.diff(t[i == n]) / DT).astype(int)
                isis.update(int(s) for s in steps)
    if isis:
        entry["isi_steps"] = sorted(isis)
    result[model] = entry
with open(out, "w") as f:
    json.dump(result, f, indent=2, sort_keys=True)
    f.write("\n")
print(out, json.dumps(result))
