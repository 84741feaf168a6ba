"""Brian2's examples/compartmental/hh_with_spikes.py, run by Brian2 2.9.0 (numpy target).

Hodgkin-Huxley (1952) squid axon: a cylinder of 10 cm, 476 um, 1000
compartments; 50 ms at rest, 1 uA into one end for 3 ms, 50 ms more
(dt 0.01 ms). Threshold m > 0.5 with refractoriness m > 0.4: every
compartment "spikes" once as the action potential passes, and the example
fits the conduction velocity to the spike times against position.
Fixture: M.t, M.v (compartments 0, 100, ..., 900, what the example plots;
every 10th sample: a monitor with record=[0, 100, ...] and dt = 0.1 ms),
spikes.i/t/count (the spike monitor, whole), state.* (v, m, h, n at the end,
the morphology), extra.velocity (the example's linear regression, m/s).
Deterministic.
"""
from brian2 import *
from scipy import stats

import spatial_fixture as fx

fx.setup()

defaultclock.dt = 0.01*ms

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

neuron = SpatialNeuron(morphology=morpho, model=eqs, method="exponential_euler",
                       refractory="m > 0.4", threshold="m > 0.5",
                       Cm=1*uF/cm**2, Ri=35.4*ohm*cm)
neuron.v = 0*mV
neuron.h = 1
neuron.m = 0
neuron.n = .5
neuron.I = 0*amp
neuron.gNa = gNa0
M = StateMonitor(neuron, 'v', record=True)
spikes = SpikeMonitor(neuron)

fx.timed_run(50*ms)
neuron.I[0] = 1*uA # current injection at one end
fx.timed_run(3*ms)
neuron.I = 0*amp
fx.timed_run(50*ms)

# Calculation of velocity
slope, intercept, r_value, p_value, std_err = stats.linregress(spikes.t/second,
                                                neuron.distance[spikes.i]/meter)
print("Velocity = %.2f m/s" % slope)

fx.save("hh_with_spikes",
        M=fx.monitor(M, ["v"], record=np.arange(0, 1000, 100), every=10),
        spikes=fx.spikes(spikes, len(neuron)),
        state=fx.state(neuron, ["v", "m", "h", "n"]),
        extra={"velocity": slope, "intercept": intercept})
