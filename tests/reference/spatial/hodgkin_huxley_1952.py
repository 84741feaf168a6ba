"""Brian2's examples/compartmental/hodgkin_huxley_1952.py, run by Brian2 2.9.0 (numpy target).

Hodgkin-Huxley (1952) squid axon: a cylinder of 10 cm, 476 um, 1000
compartments, with no Na channels in its second half (5 to 10 cm); 50 ms at
rest, 1 uA into one end for 3 ms, 100 ms more (dt 0.1 ms, Brian2's default).
The example plots v along the axon at the time samples 375, 380, ..., 620
(an action potential that travels and dies out in the passive half).
Fixture: M.t, M.v (compartments 0, 10, ..., 990, every 5th sample: a monitor
with record=[0, 10, ...] and dt = 0.5 ms; the plotted samples are multiples
of 5), state.* (v, m, h, n at the end, the morphology). Deterministic.
"""
from brian2 import *

import spatial_fixture as fx

fx.setup()

morpho = Cylinder(length=10*cm, diameter=2*238*um, n=1000, type='axon')

El = 10.613*mV
ENa = 115*mV
EK = -12*mV
gl = 0.3*msiemens/cm**2
gNa0 = 120*msiemens/cm**2
gK = 36*msiemens/cm**2

# Typical equations
eqs = '''
# The same equations for the whole neuron, but possibly different parameter values
# distributed transmembrane current
Im = gl * (El-v) + gNa * m**3 * h * (ENa-v) + gK * n**4 * (EK-v) : amp/meter**2
I : amp (point current) # applied current
dm/dt = alpham * (1-m) - betam * m : 1
dn/dt = alphan * (1-n) - betan * n : 1
dh/dt = alphah * (1-h) - betah * h : 1
alpham = (0.1/mV) * 10*mV/exprel((-v+25*mV)/(10*mV))/ms : Hz
betam = 4 * exp(-v/(18*mV))/ms : Hz
alphah = 0.07 * exp(-v/(20*mV))/ms : Hz
betah = 1/(exp((-v+30*mV) / (10*mV)) + 1)/ms : Hz
alphan = (0.01/mV) * 10*mV/exprel((-v+10*mV)/(10*mV))/ms : Hz
betan = 0.125*exp(-v/(80*mV))/ms : Hz
gNa : siemens/meter**2
'''

neuron = SpatialNeuron(morphology=morpho, model=eqs, Cm=1*uF/cm**2,
                       Ri=35.4*ohm*cm, method="exponential_euler")
neuron.v = 0*mV
neuron.h = 1
neuron.m = 0
neuron.n = .5
neuron.I = 0
neuron.gNa = gNa0
neuron[5*cm:10*cm].gNa = 0*siemens/cm**2
M = StateMonitor(neuron, 'v', record=True)

fx.timed_run(50*ms)
neuron.I[0] = 1*uA  # current injection at one end
fx.timed_run(3*ms)
neuron.I = 0*amp
fx.timed_run(100*ms)

fx.save("hodgkin_huxley_1952",
        M=fx.monitor(M, ["v"], record=np.arange(0, 1000, 10), every=5),
        state=fx.state(neuron, ["v", "m", "h", "n", "gNa"]))
