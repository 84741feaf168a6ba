"""Part 3 of Brian2's tutorial, the last cell ("reads in some data from a
file"), run in Brian2 2.9.0 (numpy target) over seeds 1..5 with the image as
docs/tutorials/3-simulations/brian.npy holds it, for tests/tutorials.rs to
compare docs/tutorials/3-simulations/07_brian_png.toml with (random: by the
total number of spikes and the fraction of spikes where the image is dark).

    brian_png.py --npy docs/tutorials/3-simulations/brian.npy --out brian_png.json
"""
import json
import sys

import numpy as np
from brian2 import NeuronGroup, SpikeMonitor, TimedArray, ms, prefs, run, seed, start_scope

prefs.codegen.target = "numpy"
img = np.load(sys.argv[sys.argv.index("--npy") + 1])
out = sys.argv[sys.argv.index("--out") + 1]

totals, dark = [], []
for s in range(1, 6):
    start_scope()
    seed(s)
    num_samples, N = img.shape
    ta = TimedArray(img, dt=1 * ms)
    A = 1.5
    tau = 2 * ms
    eqs = """
    dv/dt = (A*ta(t, i)-v)/tau+0.8*xi*tau**-0.5 : 1
    """
    G = NeuronGroup(N, eqs, threshold="v>1", reset="v=0", method="euler")
    M = SpikeMonitor(G)
    run(num_samples * ms)
    t_ms = np.floor(np.asarray(M.t / ms)).astype(int)
    idx = np.asarray(M.i)
    totals.append(int(len(idx)))
    dark.append(float(np.mean(img[np.minimum(t_ms, num_samples - 1), idx] > 0.5)))
with open(out, "w") as f:
    json.dump({"totals": totals, "dark_fraction": dark}, f, indent=2)
    f.write("\n")
print(totals, dark)
