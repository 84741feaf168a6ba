"""Brian2's examples/frompapers/Brette_2012/Fig3AB.py, run by Brian2 2.9.0 (numpy target).

Brette R (2013), PLoS Comp Biol 10.1371/journal.pcbi.1003338, Fig 3A-B: the
kink at spike initiation with only Nav1.6 channels (at 40 um on the axon of
a ball and stick: soma 50 um, axon 300 um of 300 compartments); 20 ms at
rest, then a current step gL*20mV*area into the soma for 80 ms (dt 0.025 ms).
(The example's `codegen.target='numpy'` sets an attribute of the module
brian2.codegen, not the preference; this script sets the preference.)
The example plots v at the soma and at the Na compartment, m there, and the
phase plots dv/dt against v (differences of successive samples).
Fixture: M.t, M.v, M.m (compartments 0 and 41, every sample: a monitor with
record=[0, 41]), state.*, extra.compartment, extra.Iin (the step's
current). Deterministic.
"""
from brian2 import *
from params import *

import spatial_fixture as fx

fx.setup()

codegen.target='numpy'

defaultclock.dt = 0.025*ms

# Morphology
morpho = Soma(50*um)  # chosen for a target Rm
morpho.axon = Cylinder(diameter=1*um, length=300*um, n=300)

location = 40*um  # where Na channels are placed

# Channels
eqs='''
Im = gL*(EL - v) + gNa*m*(ENa - v) : amp/meter**2
dm/dt = (minf - m) / taum : 1 # simplified Na channel
minf = 1 / (1 + exp((va - v) / ka)) : 1
gNa : siemens/meter**2
Iin : amp (point current)
'''

neuron = SpatialNeuron(morphology=morpho, model=eqs, Cm=Cm, Ri=Ri,
                       method="exponential_euler")

compartment = morpho.axon[location]
neuron.v = EL
neuron.gNa[compartment] = gNa_0/neuron.area[compartment]
M = StateMonitor(neuron, ['v', 'm'], record=True)

fx.timed_run(20*ms)
neuron.Iin[0] = gL * 20*mV * neuron.area[0]
fx.timed_run(80*ms)

index = int(morpho.axon.indices[location])
fx.save("brette_2012_fig3ab",
        M=fx.monitor(M, ["v", "m"], record=[0, index]),
        state=fx.state(neuron, ["v", "m", "gNa", "Iin"]),
        extra={"compartment": index, "Iin": float(neuron.Iin[0])})
