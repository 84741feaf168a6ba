"""The network of linked.toml in Brian2 2.9.0 (numpy target): writes
linked_expected.json, which tests/linked_variables.rs compares with
spikejit's run of linked.toml. Run from this directory:
/work/main/.venv/bin/python linked_brian2.py"""
import json

import numpy as np
from brian2 import (NeuronGroup, Network, SpikeMonitor, StateMonitor, Synapses, defaultclock, linked_var, ms,
                    prefs)

prefs.codegen.target = "numpy"
defaultclock.dt = 0.1 * ms
tau = 10 * ms
G1 = NeuronGroup(4, "dv/dt = (1.2 - v)/tau : 1\nw : 1", threshold="v > 1", reset="v = 0", name="G1")
G1.v = [0.0, 0.3, 0.6, 0.9]
G1.w = [1.0, 2.0, 3.0, 4.0]
One = NeuronGroup(1, "z : 1", name="One")
One.z = 0.5
G2 = NeuronGroup(8, """dy/dt = (l - y)/tau : 1
l : 1 (linked)
m : 1 (linked)
c : 1 (linked)
s = 2*l + c : 1""", threshold="l > 0.95", reset="y += 1", refractory=1 * ms, name="G2")
G2.l = linked_var(G1, "v", index=[0, 0, 1, 1, 2, 2, 3, 3])
G2.m = linked_var(G1, "w", index=[3, 2, 1, 0, 3, 2, 1, 0])
G2.c = linked_var(One, "z")
T = NeuronGroup(4, "x : 1", name="T")
S = Synapses(G2, T, "lw : 1 (linked)\nk : integer", on_pre="x_post += y_pre + lw", name="S")
S.lw = linked_var(G1, "w", index="k")
S.connect(j="i // 2")
S.k = "(i + 1) % 4"
M_all = StateMonitor(G2, True, record=[0, 3, 6])
M_t = StateMonitor(T, "x", record=True)
M_sp = SpikeMonitor(G2)
net = Network(G1, One, G2, T, S, M_all, M_t, M_sp)
net.run(5 * ms)
out = {
    "all_variables": sorted(M_all.record_variables),
    "all": {v: np.asarray(getattr(M_all, v)).astype(float).tolist() for v in M_all.record_variables},
    "x": M_t.x.tolist(),
    "spike_i": M_sp.i[:].tolist(),
    "spike_t": (M_sp.t[:] / ms).tolist(),
}
with open("linked_expected.json", "w") as f:
    json.dump(out, f)
