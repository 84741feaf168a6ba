"""Brian2's examples/frompapers/Brette_2012/Fig1.py, run by Brian2 2.9.0 (numpy target).

Brette R (2013), PLoS Comp Biol 10.1371/journal.pcbi.1003338, Fig 1C-E:
somatic voltage clamp (a command ramping from EL to EL + 50 mV over 500 ms)
of a ball and stick (soma 50 um, axon 300 um of 300 compartments) with Na
channels only at 40 um on the axon (dt 0.025 ms, 500 ms). Method: not given,
Brian2's SpatialNeuron picks exact.
The example plots the I-V curve at the soma (from v and vc of compartment 0),
m(V) at the Na compartment, v along compartments 0-99 at four commands
(-64, -61, -58, -55 mV: samples 4400, 5600, 6800, 8000, all multiples of
400 = 10 ms), and v at the Na compartment against v at the soma.
Fixture: soma.t, soma.v, soma.vc (compartment 0), ais.t, ais.v, ais.m (the
Na compartment, 41), both every 10th sample (monitors with dt = 0.25 ms);
profile.t, profile.v (compartments 0-99 every 400th sample: dt = 10 ms);
state.*; extra.compartment, extra.I_clamp (the I-V curve's current at
soma.t). Deterministic.
"""
from brian2 import *
from params import *

import spatial_fixture as fx

fx.setup()

defaultclock.dt = 0.025*ms

# Morphology
morpho = Soma(50*um)  # chosen for a target Rm
morpho.axon = Cylinder(diameter=1*um, length=300*um, n=300)

location = 40*um # where Na channels are placed
duration = 500*ms

# Channels
eqs='''
Im = gL*(EL - v) + gclamp*(vc - v) + gNa*m*(ENa - v) : amp/meter**2
dm/dt = (minf - m) / taum: 1  # simplified Na channel
minf = 1 / (1 + exp((va - v) / ka)) : 1
gclamp : siemens/meter**2
gNa : siemens/meter**2
vc = EL + 50*mV * t/duration : volt (shared)  # Voltage clamp with a ramping voltage command
'''

neuron = SpatialNeuron(morphology=morpho, model=eqs, Cm=Cm, Ri=Ri)
compartment = morpho.axon[location]
neuron.v = EL
neuron.gclamp[0] = gL*500
neuron.gNa[compartment] = gNa_0/neuron.area[compartment]

# Monitors
mon = StateMonitor(neuron, ['v', 'vc', 'm'], record=True)

fx.timed_run(duration)

index = int(morpho.axon.indices[location])
soma = fx.monitor(mon, ["v", "vc"], record=[0], every=10)
I_clamp = -((soma["vc"][0] - soma["v"][0]) * float(neuron.gclamp[0])) * float(neuron.area[0])
fx.save("brette_2012_fig1",
        soma=soma,
        ais=fx.monitor(mon, ["v", "m"], record=[index], every=10),
        profile=fx.monitor(mon, ["v"], record=np.arange(100), every=400),
        state=fx.state(neuron, ["v", "m", "gclamp", "gNa"]),
        extra={"compartment": index, "I_clamp": I_clamp})
