"""Brian2's side of custom_schedule.toml (a custom `Network.schedule`).

    .venv/bin/python tests/reference/custom_schedule/brian2_schedule.py

The contract's runner has no `schedule`, so this script builds the same
network with Brian2 2.9.0 (runtime device, numpy target) and writes what
`spikejit run custom_schedule.toml --out DIR` writes for its monitors into
tests/reference/expected/custom_schedule/ (spikes.npz: i, t, count;
trace.npz: t, v; received.npz: t, x), and what
`Network.scheduling_summary()` lists, in running order, into schedule.json
([when, order, dt, name, type] rows, as tests/reference/schedules.py).
"""
import json
import os

import numpy as np
import brian2 as b2

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
OUT = os.path.join(ROOT, "tests", "reference", "expected", "custom_schedule")

b2.prefs.codegen.target = "numpy"
b2.defaultclock.dt = 0.1 * b2.ms
G = b2.NeuronGroup(2, """dv/dt = rate : 1
                         rate : Hz""", threshold="v > 1", reset="v = 0", method="euler", name="G")
G.rate = [2000, 3500] * b2.Hz
H = b2.NeuronGroup(1, "x : 1", name="H")
S = b2.Synapses(G, H, on_pre="x_post += 1 + i", name="S")
S.connect(p=1)
spikes = b2.SpikeMonitor(G, name="spikes")
trace = b2.StateMonitor(G, "v", record=True, name="trace")
received = b2.StateMonitor(H, "x", record=True, name="received")
net = b2.Network(G, H, S, spikes, trace, received)
net.schedule = ["start", "groups", "synapses", "resets", "thresholds", "end"]
net.run(3 * b2.ms)

os.makedirs(OUT, exist_ok=True)
np.savez(os.path.join(OUT, "spikes.npz"), i=np.asarray(spikes.i[:]), t=np.asarray(spikes.t_[:], dtype=np.float64),
         count=np.asarray(spikes.count[:]))
np.savez(os.path.join(OUT, "trace.npz"), t=np.asarray(trace.t_[:], dtype=np.float64), v=np.asarray(trace.v_))
np.savez(os.path.join(OUT, "received.npz"), t=np.asarray(received.t_[:], dtype=np.float64),
         x=np.asarray(received.x_))
rows = [[e.when, int(e.order), float(e.dt), e.name, e.type] for e in net.scheduling_summary().entries]
with open(os.path.join(OUT, "schedule.json"), "w") as f:
    json.dump(rows, f, indent=1)
print(f"{len(spikes.i)} spikes, x = {received.x_[0, -1]} -> {OUT}")
