"""Brian2's examples/compartmental/cylinder.py, run by Brian2 2.9.0 (numpy target).

A short cylinder (300 um, 200 compartments), a constant 0.02 nA into its left
end, 100 ms to steady state; the example plots v along the cylinder at the end
against cable theory (a sealed finite cable).
Fixture: state.* (v at the end, the morphology), extra.theory,
extra.space_constant. Deterministic.
"""
from brian2 import *

import spatial_fixture as fx

fx.setup()

defaultclock.dt = 0.01*ms

# Morphology
diameter = 1*um
length = 300*um
Cm = 1*uF/cm**2
Ri = 150*ohm*cm
N = 200
morpho = Cylinder(diameter=diameter, length=length, n=N)

# Passive channels
gL = 1e-4*siemens/cm**2
EL = -70*mV
eqs = '''
Im = gL * (EL - v) : amp/meter**2
I : amp (point current)
'''

neuron = SpatialNeuron(morphology=morpho, model=eqs, Cm=Cm, Ri=Ri,
                       method='exponential_euler')
neuron.v = EL

la = neuron.space_constant[0]

neuron.I[0] = 0.02*nA # injecting at the left end
fx.timed_run(100*ms)

x = neuron.distance
ra = la * 4 * Ri / (pi * diameter**2)
theory = EL + ra * neuron.I[0] * cosh((length - x) / la) / sinh(length / la)

fx.save("cylinder",
        state=fx.state(neuron, ["v", "I"]),
        extra={"theory": asarray(theory), "space_constant": float(la)})
