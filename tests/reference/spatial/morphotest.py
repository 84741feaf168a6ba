"""Brian2's examples/compartmental/morphotest.py, run by Brian2 2.9.0 (numpy target).

Demonstrates Morphology addressing: a soma with L (5 compartments), L.L (2,
set as `morpho.LL`) and R (5); v set to 0, 1, ..., 12 volt in the flat
order, then printed for the whole neuron, neuron.L (the subtree: L and L.L),
neuron.LL and neuron.L.main (the section L alone). No run.
Fixture: v_neuron.*, v_L.*, v_LL.*, v_L_main.* (the printed v of each group,
shaped as a state monitor sampling once at t = 0 records it), state.* (the
morphology only: the model file runs one step, after which v differs),
extra.sections (start, stop of soma, L, L.L, R in the flat order).
Deterministic.
"""
from brian2 import *

import spatial_fixture as fx

fx.setup()

# Morphology
morpho = Soma(30*um)
morpho.L = Cylinder(diameter=1*um, length=100*um, n=5)
morpho.LL = Cylinder(diameter=1*um, length=20*um, n=2)
morpho.R = Cylinder(diameter=1*um, length=100*um, n=5)

# Passive channels
gL = 1e-4*siemens/cm**2
EL = -70*mV
eqs = '''
Im = gL * (EL-v) : amp/meter**2
'''

neuron = SpatialNeuron(morphology=morpho, model=eqs,
                       Cm=1*uF/cm**2, Ri=100*ohm*cm, method='exponential_euler')
neuron.v = arange(0, 13)*volt

print(neuron.v)
print(neuron.L.v)
print(neuron.LL.v)
print(neuron.L.main.v)

# What the four prints show, as a state monitor of each group sampling once at
# t = 0 (in the model file: a run of one step, whose monitors sample the
# initial state in the `start` slot) would give them: t = [0], v (n, 1).
def at_start(values):
    return {"t": np.zeros(1), "v": asarray(values)[:, None]}


fx.save("morphotest",
        v_neuron=at_start(neuron.v), v_L=at_start(neuron.L.v), v_LL=at_start(neuron.LL.v),
        v_L_main=at_start(neuron.L.main.v),
        state=fx.state(neuron, []),
        extra={"sections": np.array([[0, 1], [morpho.L.indices[0], morpho.L.indices[-1] + 1],
                                     [morpho.LL.indices[0], morpho.LL.indices[-1] + 1],
                                     [morpho.R.indices[0], morpho.R.indices[-1] + 1]], dtype=np.int32)})
