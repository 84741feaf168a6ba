"""Brian2's examples/compartmental/lfp.py, run by Brian2 2.9.0 (numpy target).

The Hodgkin-Huxley axon of hodgkin_huxley_1952.py (with coordinates: x from
0 to 10 cm; no Na channels from 5 to 10 cm; dt 0.01 ms), and the
extracellular potential it makes at 5 electrodes (a NeuronGroup at x = 7 cm,
y = 1, 2, 4, 8, 16 mm), computed by summed synapses from every compartment to
every electrode: v_post = w*(Ic_pre - Im_pre), w = area/(4 pi sigma r). Brian2
moves the summed updater to the 'after_groups' slot so that it reads this
step's Ic. 50 ms at rest, 1 uA into one end for 3 ms, 100 ms more.
Fixture: M.t, M.v (compartments 0, 100, ..., 900, what the example plots;
every 10th sample: record=[0, 100, ...], dt = 0.1 ms), Mlfp.t, Mlfp.v (the 5
electrodes, every 10th sample), state.* (the neuron at the end, the
morphology with coordinates), extra.w (the 5000 weights, synapse order i*5+j).
Deterministic.
"""
from brian2 import *

import spatial_fixture as fx

fx.setup()

defaultclock.dt = 0.01*ms
morpho = Cylinder(x=[0, 10]*cm, diameter=2*238*um, n=1000, type='axon')

El = 10.613* mV
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

# LFP recorder
Ne = 5 # Number of electrodes
sigma = 0.3*siemens/meter # Resistivity of extracellular field (0.3-0.4 S/m)
lfp = NeuronGroup(Ne, model='''v : volt
                               x : meter
                               y : meter
                               z : meter''')
lfp.x = 7*cm # Off center (to be far from stimulating electrode)
lfp.y = [1*mm, 2*mm, 4*mm, 8*mm, 16*mm]
S = Synapses(neuron, lfp, model='''w : ohm*meter**2 (constant) # Weight in the LFP calculation
                                   v_post = w*(Ic_pre-Im_pre) : volt (summed)''')
S.summed_updaters['v_post'].when = 'after_groups'  # otherwise Ic has not yet been updated for the current time step.
S.connect()
S.w = 'area_pre/(4*pi*sigma)/((x_pre-x_post)**2+(y_pre-y_post)**2+(z_pre-z_post)**2)**.5'

Mlfp = StateMonitor(lfp, 'v', record=True)

fx.timed_run(50*ms)
neuron.I[0] = 1*uA  # current injection at one end
fx.timed_run(3*ms)
neuron.I = 0*amp
fx.timed_run(100*ms)

order = np.lexsort((np.asarray(S.j[:]), np.asarray(S.i[:])))
fx.save("lfp",
        M=fx.monitor(M, ["v"], record=np.arange(0, 1000, 100), every=10),
        Mlfp=fx.monitor(Mlfp, ["v"], every=10),
        state=fx.state(neuron, ["v", "m", "h", "n", "gNa"]),
        extra={"w": np.asarray(S.w_[:])[order]})
