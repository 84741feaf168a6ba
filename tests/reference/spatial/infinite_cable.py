"""Brian2's examples/compartmental/infinite_cable.py, run by Brian2 2.9.0 (numpy target).

An (almost) infinite cable (3 mm, 500 compartments), a 1 nA pulse of 0.02 ms
into the middle compartment, then 10 ms of decay; dt = 0.001 ms. The example
records v of compartments 0, 20, ..., 240 and plots them against the
infinite cable's Green's function.
Fixture: mon.t, mon.v (the example's 13 recorded compartments, every 10th
sample: a monitor with dt = 0.01 ms), extra.theory (the example's theory at
those samples), state.* (v at the end, the morphology), extra.space_constant.
Deterministic.
"""
from brian2 import *

import spatial_fixture as fx

fx.setup()

defaultclock.dt = 0.001*ms

# Morphology
diameter = 1*um
Cm = 1*uF/cm**2
Ri = 100*ohm*cm
N = 500
morpho = Cylinder(diameter=diameter, length=3*mm, n=N)

# Passive channels
gL = 1e-4*siemens/cm**2
EL = -70*mV
eqs = '''
Im = gL * (EL-v) : amp/meter**2
I : amp (point current)
'''

neuron = SpatialNeuron(morphology=morpho, model=eqs, Cm=Cm, Ri=Ri,
                       method = 'exponential_euler')
neuron.v = EL

taum = Cm  /gL  # membrane time constant
la = neuron.space_constant[0]

# Monitors
mon = StateMonitor(neuron, 'v', record=range(0, N//2, 20))

neuron.I[len(neuron) // 2] = 1*nA  # injecting in the middle
fx.timed_run(0.02*ms)
neuron.I = 0*amp
fx.timed_run(10*ms)

every = 10
t = mon.t[::every]
theory = []
for i in range(0, len(neuron)//2, 20):
    x = (len(neuron)/2 - i) * morpho.length[0]
    th = (1/(la*Cm*pi*diameter) * sqrt(taum / (4*pi*(t + defaultclock.dt))) *
          exp(-(t+defaultclock.dt)/taum -
              taum / (4*(t+defaultclock.dt))*(x/la)**2))
    theory.append(asarray(EL + th * 1*nA * 0.02*ms))

fx.save("infinite_cable",
        mon=fx.monitor(mon, ["v"], every=every),
        state=fx.state(neuron, ["v", "I"]),
        extra={"theory": np.array(theory), "space_constant": float(la),
               "record": np.arange(0, N//2, 20, dtype=np.int32)})
