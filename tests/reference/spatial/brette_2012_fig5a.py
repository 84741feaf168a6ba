"""Brian2's examples/frompapers/Brette_2012/Fig5A.py, run by Brian2 2.9.0 (numpy target).

Brette R (2013), PLoS Comp Biol 10.1371/journal.pcbi.1003338, Fig 5A: a ball
and stick (soma 50 um, axon 300 um of 300 compartments) with Na channels at
compartment 40, driven at the soma by an Ornstein-Uhlenbeck conductance
input (xi: stochastic); threshold m > 0.5 at compartment 40, refractory 5
ms, and the whole neuron reset to EL at each spike by synapses from
compartment 40 to every compartment (on_pre 'v = EL'). 500 ms, dt 0.025 ms.
Method: not given, Brian2's SpatialNeuron picks heun (the only one of its
default list for a stochastic equation).
The example plots v at the soma with the spikes drawn in.
Fixture: M.t, M.v (compartment 0, every sample), S.i/t/count (the spike
monitor), state.*. Random: the example sets no seed; this script seeds
Brian2 with seed(19) so that the fixture is reproducible, and spikejit's
random numbers differ anyway: compare statistics (spike count, mean and
spread of v), not traces.
"""
import os

from brian2 import *
from params import *

import spatial_fixture as fx

fx.setup()
# FIG5A_SEED: brette_2012_fig5a_stats.py runs other seeds (without saving the fixture)
SEED = int(os.environ.get("FIG5A_SEED", "19"))
seed(SEED)

defaultclock.dt = 0.025*ms
duration = 500*ms

# Morphology
morpho = Soma(50*um)  # chosen for a target Rm
morpho.axon = Cylinder(diameter=1*um, length=300*um, n=300)

# Input
taux = 5*ms
sigmax = 12*mV
xx0 = 7*mV

compartment = 40

# Channels
eqs = '''
Im = gL * (EL - v) + gNa * m * (ENa - v) + gLx * (xx0 + xx) : amp/meter**2
dm/dt = (minf - m) / taum : 1  # simplified Na channel
minf = 1 / (1 + exp((va - v) / ka)) : 1
gNa : siemens/meter**2
gLx : siemens/meter**2
dxx/dt = -xx / taux + sigmax * (2 / taux)**.5 *xi : volt
'''

neuron = SpatialNeuron(morphology=morpho, model=eqs, Cm=Cm, Ri=Ri,
                       threshold='m>0.5', threshold_location=compartment,
                       refractory=5*ms)
neuron.v = EL
neuron.gLx[0] = gL
neuron.gNa[compartment] = gNa_0 / neuron.area[compartment]

# Reset the entire neuron when there is a spike
reset = Synapses(neuron, neuron, on_pre='v = EL')
reset.connect('i == compartment')  # Connects the spike initiation compartment to all compartments

# Monitors
S = SpikeMonitor(neuron)
M = StateMonitor(neuron, 'v', record=0)
fx.timed_run(duration)

print(f"{len(S.i)} spikes, soma v mean {mean(M.v[0])/mV:.2f} mV, sd {std(M.v[0])/mV:.2f} mV")
if SEED != 19:
    raise SystemExit(0)
fx.save("brette_2012_fig5a",
        M=fx.monitor(M, ["v"]),
        S=fx.spikes(S, len(neuron)),
        state=fx.state(neuron, ["v", "m", "xx", "gNa", "gLx"]),
        extra={"n_synapses": len(reset)})
