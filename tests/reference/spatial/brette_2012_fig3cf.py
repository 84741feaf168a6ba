"""Brian2's examples/frompapers/Brette_2012/Fig3CF.py, run by Brian2 2.9.0 (numpy target).

Brette R (2013), PLoS Comp Biol 10.1371/journal.pcbi.1003338, Fig 3C-F: the
kink with Nav1.6 channels at 40 um and depolarized Nav1.2 channels (va + 15
mV, 20 times the conductance) at 15 um on the axon of a ball and stick (soma
50 um, axon 300 um of 300 compartments); 20 ms at rest, then a current step
gL*20mV*area into the soma for 80 ms (dt 0.01 ms).
The example plots v at the soma and at the Nav1.6 compartment, m there, m2
at the Nav1.2 compartment (against the soma's v), and phase plots.
Fixture: M.t, M.v, M.m, M.m2 (compartments 0, 16 (Nav1.2) and 41 (Nav1.6),
every 5th sample: a monitor with record=[0, 16, 41] and dt = 0.05 ms),
state.*, extra.compartment16, extra.compartment12. Deterministic.
"""
from brian2 import *
from params import *

import spatial_fixture as fx

fx.setup()

defaultclock.dt = 0.01*ms

# Morphology
morpho = Soma(50*um) # chosen for a target Rm
morpho.axon = Cylinder(diameter=1*um, length=300*um, n=300)

location16 = 40*um  # where Nav1.6 channels are placed
location12 = 15*um  # where Nav1.2 channels are placed

va2 = va + 15*mV  # depolarized Nav1.2

# Channels
duration = 100*ms
eqs='''
Im = gL * (EL - v) + gNa*m*(ENa - v) + gNa2*m2*(ENa - v) : amp/meter**2
dm/dt = (minf - m) / taum : 1  # simplified Na channel
minf = 1 / (1 + exp((va - v) / ka)) : 1
dm2/dt = (minf2 - m2) / taum : 1 # simplified Na channel, Nav1.2
minf2 = 1/(1 + exp((va2 - v) / ka)) : 1
gNa : siemens/meter**2
gNa2 : siemens/meter**2  # Nav1.2
Iin : amp (point current)
'''

neuron = SpatialNeuron(morphology=morpho, model=eqs, Cm=Cm, Ri=Ri,
                       method="exponential_euler")
compartment16 = morpho.axon[location16]
compartment12 = morpho.axon[location12]
neuron.v = EL
neuron.gNa[compartment16] = gNa_0/neuron.area[compartment16]
neuron.gNa2[compartment12] = 20*gNa_0/neuron.area[compartment12]
# Monitors
M = StateMonitor(neuron, ['v', 'm', 'm2'], record=True)

fx.timed_run(20*ms)
neuron.Iin[0] = gL * 20*mV * neuron.area[0]
fx.timed_run(80*ms)

i16 = int(morpho.axon.indices[location16])
i12 = int(morpho.axon.indices[location12])
fx.save("brette_2012_fig3cf",
        M=fx.monitor(M, ["v", "m", "m2"], record=[0, i12, i16], every=5),
        state=fx.state(neuron, ["v", "m", "m2", "gNa", "gNa2", "Iin"]),
        extra={"compartment16": i16, "compartment12": i12})
