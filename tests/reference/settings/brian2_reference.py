"""Brian2's side of settings.toml (per-object settings, dt and spikes changed
between runs).

    .venv/bin/python tests/reference/settings/brian2_reference.py

The contract's runner has no `[clocks]`, `namespace`, `dtype`,
`method_options`, `set_dt` or `set_spikes`, so this script builds the same
network with Brian2 2.9.0 (runtime device, numpy target) directly and writes
what `spikejit run settings.toml --out DIR` writes for its monitors into
tests/reference/expected/settings/ (spikes.npz and input_spikes.npz: i, t,
count; trace.npz: t, x; fine.npz: t, v).
"""
import os

import numpy as np
import brian2 as b2

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
OUT = os.path.join(ROOT, "tests", "reference", "expected", "settings")

b2.prefs.codegen.target = "numpy"
b2.defaultclock.dt = 0.1 * b2.ms
ns = {"tau": 10 * b2.ms}
slow = b2.Clock(0.5 * b2.ms, name="slow")
G = b2.NeuronGroup(3, """dv/dt = (I - v)/tau : 1
                         I : 1""", threshold="v > 1", reset="v = 0", method="exact",
                   method_options={"simplify": False}, namespace={"tau": 5 * b2.ms},
                   dtype={"v": np.float32}, name="G")
G.I = [1.5, 2.0, 3.0]
H = b2.NeuronGroup(2, "dx/dt = -x/tau : 1", method="exact", clock=slow, name="H")
H.x = 1.0
inp = b2.SpikeGeneratorGroup(2, [0, 1, 1], [1, 2, 4.4] * b2.ms, name="input")
S = b2.Synapses(inp, H, on_pre="x_post += 0.5", delay=3 * b2.ms, name="S")
S.connect(i=[0, 1], j=[0, 1])
spikes = b2.SpikeMonitor(G, name="spikes")
input_spikes = b2.SpikeMonitor(inp, name="input_spikes")
trace = b2.StateMonitor(H, "x", record=True, name="trace")
fine = b2.StateMonitor(G, "v", record=[0], name="fine")
net = b2.Network(G, H, inp, S, spikes, input_spikes, trace, fine)
net.run(5 * b2.ms, namespace=ns)
b2.defaultclock.dt = 0.2 * b2.ms
slow.dt = 1 * b2.ms
inp.set_spikes([1, 0], [6, 7.6] * b2.ms)
net.run(6 * b2.ms, namespace=ns)

os.makedirs(OUT, exist_ok=True)
for name, m in (("spikes", spikes), ("input_spikes", input_spikes)):
    np.savez(os.path.join(OUT, name + ".npz"), i=np.asarray(m.i[:]), t=np.asarray(m.t_[:], dtype=np.float64),
             count=np.asarray(m.count[:]))
np.savez(os.path.join(OUT, "trace.npz"), t=np.asarray(trace.t_[:], dtype=np.float64), x=np.asarray(trace.x_))
np.savez(os.path.join(OUT, "fine.npz"), t=np.asarray(fine.t_[:], dtype=np.float64),
         v=np.asarray(fine.v_, dtype=np.float64))
print(f"{len(spikes.i)} spikes of G, {len(input_spikes.i)} of input -> {OUT}")
