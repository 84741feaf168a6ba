"""Brian2's examples/compartmental/rall.py, run by Brian2 2.9.0 (numpy target).

A cylinder plus two branches whose diameters follow Rall's 3/2 rule, a constant
current into the left end, 100 ms to steady state. The example plots v along
each section at the end against cable theory (an equivalent cylinder).
Fixture: state.* (v at the end, the morphology), extra.theory (the example's
theory curve for every compartment). Deterministic.
"""
from brian2 import *

import spatial_fixture as fx

fx.setup()

defaultclock.dt = 0.01*ms

# Passive channels
gL = 1e-4*siemens/cm**2
EL = -70*mV

# Morphology
diameter = 1*um
length = 300*um
Cm = 1*uF/cm**2
Ri = 150*ohm*cm
N = 500
rm = 1 / (gL * pi * diameter)  # membrane resistance per unit length
ra = (4 * Ri)/(pi * diameter**2)  # axial resistance per unit length
la = sqrt(rm / ra) # space length
morpho = Cylinder(diameter=diameter, length=length, n=N)
d1 = 0.5*um
L1 = 200*um
rm = 1 / (gL * pi * d1) # membrane resistance per unit length
ra = (4 * Ri) / (pi * d1**2) # axial resistance per unit length
l1 = sqrt(rm / ra) # space length
morpho.L = Cylinder(diameter=d1, length=L1, n=N)
d2 = (diameter**1.5 - d1**1.5)**(1. / 1.5)
rm = 1/(gL * pi * d2) # membrane resistance per unit length
ra = (4 * Ri) / (pi * d2**2) # axial resistance per unit length
l2 = sqrt(rm / ra) # space length
L2 = (L1 / l1) * l2
morpho.R = Cylinder(diameter=d2, length=L2, n=N)

eqs='''
Im = gL * (EL-v) : amp/meter**2
I : amp (point current)
'''

neuron = SpatialNeuron(morphology=morpho, model=eqs, Cm=Cm, Ri=Ri,
                       method='exponential_euler')
neuron.v = EL

neuron.I[0] = 0.02*nA # injecting at the left end
fx.timed_run(100*ms)

# Theory, as the example plots it (main, then L, then R: the flat order)
x = neuron.main.distance
ra = la * 4 * Ri/(pi * diameter**2)
l = length/la + L1/l1
theory_main = EL + ra*neuron.I[0]*cosh(l - x/la)/sinh(l)
x = neuron.L.distance
theory_L = (EL+ra*neuron.I[0]*cosh(l - neuron.main.distance[-1]/la -
                                   (x - neuron.main.distance[-1])/l1)/sinh(l))
x = neuron.R.distance
theory_R = (EL+ra*neuron.I[0]*cosh(l - neuron.main.distance[-1]/la -
                                   (x - neuron.main.distance[-1])/l2)/sinh(l))

fx.save("rall",
        state=fx.state(neuron, ["v", "I"]),
        extra={"theory": np.hstack([asarray(theory_main), asarray(theory_L), asarray(theory_R)]),
               "d2": float(d2), "L2": float(L2)})
