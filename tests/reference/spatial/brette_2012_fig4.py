"""Brian2's examples/frompapers/Brette_2012/Fig4.py, run by Brian2 2.9.0 (numpy target).

Brette R (2013), PLoS Comp Biol 10.1371/journal.pcbi.1003338, Fig 4E-F:
Na channels spread over 35-50 um of an axon tapering from 4 to 1 um over its
first 10 um (a Section of 300 compartments of 1 um), with a linearly
decreasing density (panel F), under a somatic voltage clamp ramping from EL
to EL + 50 mV over 500 ms (dt 0.025 ms).
The example plots v along compartments 0-99 at five commands (-64, -61, -58,
-55, -52 mV: samples 4400, 5600, 6800, 8000, 9200, multiples of 400 = 10 ms).
Fixture: profile.t, profile.v (compartments 0-99, every 400th sample: a
monitor of neuron[0:100] with dt = 10 ms), soma.t, soma.v (compartment 0,
every 10th sample: dt = 0.25 ms), state.* (gNa included: the profile),
extra.compartments (the Na compartments). Deterministic.
"""
from brian2 import *
from params import *

import spatial_fixture as fx

fx.setup()

defaultclock.dt = 0.025*ms

# Morphology
morpho = Soma(50*um) # chosen for a target Rm
# Tapering (change this for the other figure panels)
diameters = hstack([linspace(4, 1, 11), ones(290)])*um
morpho.axon = Section(diameter=diameters, length=ones(300)*um, n=300)

# Na channels
Na_start = (25 + 10)*um
Na_end = (40 + 10)*um
linear_distribution = True  # True is F, False is E

duration = 500*ms

# Channels
eqs='''
Im = gL*(EL - v) + gclamp*(vc - v) + gNa*m*(ENa - v) : amp/meter**2
dm/dt = (minf - m) / taum: 1  # simplified Na channel
minf = 1 / (1 + exp((va - v) / ka)) : 1
gclamp : siemens/meter**2
gNa : siemens/meter**2
vc = EL + 50*mV * t / duration : volt (shared)  # Voltage clamp with a ramping voltage command
'''

neuron = SpatialNeuron(morphology=morpho, model=eqs, Cm=Cm, Ri=Ri,
                       method="exponential_euler")
compartments = morpho.axon[Na_start:Na_end]
neuron.v = EL
neuron.gclamp[0] = gL*500

if linear_distribution:
    profile = linspace(1, 0, len(compartments))
else:
    profile = ones(len(compartments))
profile = profile / sum(profile)  # normalization

neuron.gNa[compartments] = gNa_0 * profile / neuron.area[compartments]

# Monitors
mon = StateMonitor(neuron, 'v', record=True)

fx.timed_run(duration)

fx.save("brette_2012_fig4",
        profile=fx.monitor(mon, ["v"], record=np.arange(100), every=400),
        soma=fx.monitor(mon, ["v"], record=[0], every=10),
        state=fx.state(neuron, ["v", "m", "gclamp", "gNa"]),
        extra={"compartments": np.asarray(morpho.axon.indices[Na_start:Na_end], dtype=np.int32)})
