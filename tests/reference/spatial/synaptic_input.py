"""Synapses onto compartments: models/synaptic_input.toml in Brian2 2.9.0
(numpy target). See the model file's header. Fixture: M.t, M.v, M.gs,
spikes.i/t/count, state.v, state.gs (expected/synaptic_input.npz)."""
from brian2 import *

import spatial_fixture as fx
from ball_and_stick import ball_and_stick

fx.setup()
defaultclock.dt = 0.025*ms
morpho, neuron = ball_and_stick()
inp = SpikeGeneratorGroup(3, [0, 1, 2, 0, 1, 2, 2], [1, 2, 3, 10, 10, 10, 10.5]*ms)
near = Synapses(inp, neuron[morpho.dend[100*um]], on_pre='gs += 3*nS')
near.connect(i=0, j=0)
middle = Synapses(inp, neuron[morpho.dend[250*um]], on_pre='gs += 3*nS')
middle.connect(i=1, j=0)
far = Synapses(inp, neuron[morpho.dend[400*um:420*um]], on_pre='gs += 2*nS', delay=0.5*ms)
far.connect(i=2, j=[0, 1])
M = StateMonitor(neuron, ['v', 'gs'], record=[0, 10, 25, 40, 41, 42])
spikes = SpikeMonitor(neuron)
fx.timed_run(30*ms)
print(f"{len(spikes.i)} spikes at {spikes.t[:]}; far targets {far.j[:]}")
fx.save("synaptic_input",
        M=fx.monitor(M, ["v", "gs"]),
        spikes=fx.spikes(spikes, len(neuron)),
        state=fx.state(neuron, ["v", "gs"]))
