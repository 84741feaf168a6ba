"""Brian2's examples/compartmental/bipolar_cell.py, run by Brian2 2.9.0 (numpy target).

A pseudo MSO neuron: a soma (30 um), an axon (300 um, 100 compartments) and
two dendrites L (100 um, 50) and R (150 um, 50); 1 ms at rest, 0.2 nA into L
at 50 um for 5 ms, then 50 ms of decay (dt 0.1 ms, Brian2's default). The
example records v of the soma, of every compartment of L and of R at 75 um.
Fixture: mon_soma.*, mon_L.*, mon_R.* (the example's monitors, whole),
state.* (v at the end, the morphology), extra.L50 / extra.R75 (the absolute
indices of L[50*um] and R[75*um]). Deterministic.
"""
from brian2 import *

import spatial_fixture as fx

fx.setup()

# Morphology
morpho = Soma(30*um)
morpho.axon = Cylinder(diameter=1*um, length=300*um, n=100)
morpho.L = Cylinder(diameter=1*um, length=100*um, n=50)
morpho.R = Cylinder(diameter=1*um, length=150*um, n=50)

# Passive channels
gL = 1e-4*siemens/cm**2
EL = -70*mV
eqs='''
Im = gL * (EL - v) : amp/meter**2
I : amp (point current)
'''

neuron = SpatialNeuron(morphology=morpho, model=eqs,
                       Cm=1*uF/cm**2, Ri=100*ohm*cm, method='exponential_euler')
neuron.v = EL
neuron.I = 0*amp

# Monitors
mon_soma = StateMonitor(neuron, 'v', record=[0])
mon_L = StateMonitor(neuron.L, 'v', record=True)
mon_R = StateMonitor(neuron, 'v', record=morpho.R[75*um])

fx.timed_run(1*ms)
neuron.I[morpho.L[50*um]] = 0.2*nA  # injecting in the left dendrite
fx.timed_run(5*ms)
neuron.I = 0*amp
fx.timed_run(50*ms)

fx.save("bipolar_cell",
        mon_soma=fx.monitor(mon_soma, ["v"]),
        mon_L=fx.monitor(mon_L, ["v"]),
        mon_R=fx.monitor(mon_R, ["v"]),
        state=fx.state(neuron, ["v", "I"]),
        extra={"L50": int(morpho.L.indices[50*um]), "R75": int(morpho.R.indices[75*um])})
