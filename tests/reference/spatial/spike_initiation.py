"""Brian2's examples/compartmental/spike_initiation.py, run by Brian2 2.9.0 (numpy target).

Ball and stick (soma 30 um, axon 300 um of 100 compartments) with Na and K
channels only in the axon from 30 to 60 um; 1 ms at rest, 0.15 nA into the
soma for 50 ms, 95 ms more (dt 0.025 ms). The example plots v of compartments
0, 20, 40, 60, 80.
Fixture: mon.t, mon.v (compartments 0, 20, 40, 60, 80, every 2nd sample: a
monitor with record=[0, 20, 40, 60, 80] and dt = 0.05 ms), state.* (v, m, h,
n, gNa at the end, the morphology). Deterministic.
"""
from brian2 import *

import spatial_fixture as fx

fx.setup()

defaultclock.dt = 0.025*ms

# Morphology
morpho = Soma(30*um)
morpho.axon = Cylinder(diameter=1*um, length=300*um, n=100)

# Channels
gL = 1e-4*siemens/cm**2
EL = -70*mV
ENa = 50*mV
ka = 6*mV
ki = 6*mV
va = -30*mV
vi = -50*mV
EK = -90*mV
vk = -20*mV
kk = 8*mV
eqs = '''
Im = gL*(EL-v)+gNa*m*h*(ENa-v)+gK*n*(EK-v) : amp/meter**2
dm/dt = (minf-m)/(0.3*ms) : 1 # simplified Na channel
dh/dt = (hinf-h)/(3*ms) : 1 # inactivation
dn/dt = (ninf-n)/(5*ms) : 1 # K+
minf = 1/(1+exp((va-v)/ka)) : 1
hinf = 1/(1+exp((v-vi)/ki)) : 1
ninf = 1/(1+exp((vk-v)/kk)) : 1
I : amp (point current)
gNa : siemens/meter**2
gK : siemens/meter**2
'''

neuron = SpatialNeuron(morphology=morpho, model=eqs,
                       Cm=1*uF/cm**2, Ri=100*ohm*cm, method='exponential_euler')
neuron.v = -65*mV
neuron.I = 0*amp
neuron.axon[30*um:60*um].gNa = 700*gL
neuron.axon[30*um:60*um].gK = 700*gL

# Monitors
mon=StateMonitor(neuron, 'v', record=True)

fx.timed_run(1*ms)
neuron.main.I = 0.15*nA
fx.timed_run(50*ms)
neuron.I = 0*amp
fx.timed_run(95*ms)

fx.save("spike_initiation",
        mon=fx.monitor(mon, ["v"], record=[0, 20, 40, 60, 80], every=2),
        state=fx.state(neuron, ["v", "m", "h", "n", "gNa", "gK"]),
        extra={"gNa_compartments": np.flatnonzero(np.asarray(neuron.gNa_[:])).astype(np.int32)})
