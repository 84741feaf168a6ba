"""Synapses onto compartments: models/synaptic_input.toml in Brian2 2.9.0
(numpy target). See the model file's header. Fixture: M.t, M.v, M.gs,
spikes.i/t/count, state.v, state.gs (expected/synaptic_input.npz)."""
from brian2 import *

import spatial_fixture as fx

fx.setup()
defaultclock.dt = 0.025*ms
gL = 1e-4*siemens/cm**2
EL = -65*mV
ENa = 50*mV
EK = -90*mV
Es = 0*mV
taus = 2*ms
gNa_soma = 50*msiemens/cm**2
gK_soma = 20*msiemens/cm**2

morpho = Soma(20*um)
morpho.dend = Cylinder(diameter=1*um, length=500*um, n=50)
eqs = '''
Im = gL*(EL - v) + gNa*m**3*h*(ENa - v) + gK*n**4*(EK - v) : amp/meter**2
Is = gs*(Es - v) : amp (point current)
dgs/dt = -gs/taus : siemens
dm/dt = (1/(1 + exp(-(v + 40*mV)/(6*mV))) - m)/(0.1*ms) : 1
dn/dt = (1/(1 + exp(-(v + 45*mV)/(10*mV))) - n)/(2*ms) : 1
dh/dt = (1/(1 + exp((v + 55*mV)/(6*mV))) - h)/(1*ms) : 1
gNa : siemens/meter**2
gK : siemens/meter**2
'''
neuron = SpatialNeuron(morpho, eqs, Cm=1*uF/cm**2, Ri=150*ohm*cm, threshold='v > -20*mV',
                       threshold_location=0, refractory='v > -40*mV', method='exponential_euler')
neuron.v = EL
neuron.h = 1
neuron.main.gNa = gNa_soma
neuron.main.gK = gK_soma
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
