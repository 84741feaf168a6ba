"""Brian2's side of protocol.toml (constants changed between runs).

    .venv/bin/python tests/reference/constants/brian2_reference.py

The contract's runner has no protocol step for constants, so this script builds
the same network with Brian2 2.9.0 (runtime device, numpy target) directly,
runs 20 ms, changes the namespace, runs 20 ms more, and writes what
`spikejit run protocol.toml --out DIR` writes for its monitors into
tests/reference/expected/constants_protocol/ (spikes.npz: i, t, count;
trace.npz: t, v, x).
"""
import os

import numpy as np
import brian2 as b2

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
OUT = os.path.join(ROOT, "tests", "reference", "expected", "constants_protocol")

b2.prefs.codegen.target = "numpy"
b2.defaultclock.dt = 0.1 * b2.ms
ns = {"tau": 10 * b2.ms, "Vt": 1.0, "Vr": 0.0, "w": 0.2, "I0": 1.5, "tref": 2 * b2.ms, "k": 0.99}
G = b2.NeuronGroup(3, """dv/dt = (I0*(1 + 0.1*i) - v)/tau : 1 (unless refractory)
                         x : 1""", threshold="v > Vt", reset="v = Vr", refractory="tref",
                   method="exact", name="G", namespace=None)
G.run_regularly("x = x*k + 1", dt=1 * b2.ms)
S = b2.Synapses(G, G, on_pre="v_post += w", name="S")
S.connect(condition="i != j")
spikes = b2.SpikeMonitor(G, name="spikes")
trace = b2.StateMonitor(G, ["v", "x"], record=True, name="trace")
net = b2.Network(G, S, spikes, trace)
net.run(20 * b2.ms, namespace=ns)
ns.update(tau=5 * b2.ms, Vr=0.3, w=0.1, tref=4 * b2.ms, k=0.5, I0=2.0)
net.run(20 * b2.ms, namespace=ns)

os.makedirs(OUT, exist_ok=True)
np.savez(os.path.join(OUT, "spikes.npz"), i=np.asarray(spikes.i[:]), t=np.asarray(spikes.t_[:], dtype=np.float64),
         count=np.asarray(spikes.count[:]))
np.savez(os.path.join(OUT, "trace.npz"), t=np.asarray(trace.t_[:], dtype=np.float64), v=np.asarray(trace.v_),
         x=np.asarray(trace.x_))
print(f"{len(spikes.i)} spikes -> {OUT}")
