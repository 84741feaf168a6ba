"""Brian2's side of views.toml (synapse views in init and in a set step).

    .venv/bin/python tests/reference/views/brian2_views.py

The contract's runner takes only [i, j] pairs as an index, so this script
builds the same network with Brian2 2.9.0 (runtime device, numpy target) and
writes what `spikejit run views.toml --out DIR` writes for its monitor into
tests/reference/expected/views/weights.npz (t, w).
"""
import os

import numpy as np
import brian2 as b2

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
OUT = os.path.join(ROOT, "tests", "reference", "expected", "views")

b2.prefs.codegen.target = "numpy"
b2.defaultclock.dt = 0.1 * b2.ms
src = b2.NeuronGroup(6, "v : 1", name="src")
tgt = b2.NeuronGroup(4, "v : 1", name="tgt")
S = b2.Synapses(src[1:6], tgt, "w : 1", multisynaptic_index="k", name="S")
S.connect(n=2)
S.w[3, :] = 1
S.w[:, 2] = 2
S.w[1:4:2, 0:2] = 3
S.w[::3, 3] = "w + 10"
S.w[0, :, 1] = 4
weights = b2.StateMonitor(S, "w", record=True, name="weights")
net = b2.Network(src, tgt, S, weights)
net.run(0.1 * b2.ms)
S.w[:, :, 0] = "w + 100"
S.w[2:, :3] = "w + 1000"
net.run(0.1 * b2.ms)

os.makedirs(OUT, exist_ok=True)
np.savez(os.path.join(OUT, "weights.npz"), t=np.asarray(weights.t_[:], dtype=np.float64),
         w=np.asarray(weights.w_, dtype=np.float64))
print(np.asarray(S.w[:]).astype(int).tolist(), "->", OUT)
