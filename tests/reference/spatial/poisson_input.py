"""PoissonGroup inputs to compartments: models/poisson_input.toml in Brian2
2.9.0 (numpy target) over seeds 1..5; writes the statistics (synapses,
spikes, the soma's mean and standard deviation of v) to
expected/poisson_input_stats.json."""
import json
import os

from brian2 import *

import spatial_fixture as fx

fx.setup()
stats = []
for s in range(1, 6):
    start_scope()
    seed(s)
    defaultclock.dt = 0.025*ms
    gL = 1e-4*siemens/cm**2
    EL = -65*mV
    ENa = 50*mV
    EK = -90*mV
    Es = 0*mV
    taus = 2*ms
    gNa_soma = 50*msiemens/cm**2
    gK_soma = 20*msiemens/cm**2
    morpho = Soma(20*um)
    morpho.dend = Cylinder(diameter=1*um, length=500*um, n=50)
    eqs = '''
    Im = gL*(EL - v) + gNa*m**3*h*(ENa - v) + gK*n**4*(EK - v) : amp/meter**2
    Is = gs*(Es - v) : amp (point current)
    dgs/dt = -gs/taus : siemens
    dm/dt = (1/(1 + exp(-(v + 40*mV)/(6*mV))) - m)/(0.1*ms) : 1
    dn/dt = (1/(1 + exp(-(v + 45*mV)/(10*mV))) - n)/(2*ms) : 1
    dh/dt = (1/(1 + exp((v + 55*mV)/(6*mV))) - h)/(1*ms) : 1
    gNa : siemens/meter**2
    gK : siemens/meter**2
    '''
    neuron = SpatialNeuron(morpho, eqs, Cm=1*uF/cm**2, Ri=150*ohm*cm, threshold='v > -20*mV',
                           threshold_location=0, refractory='v > -40*mV', method='exponential_euler')
    neuron.v = EL
    neuron.h = 1
    neuron.main.gNa = gNa_soma
    neuron.main.gK = gK_soma
    inputs = PoissonGroup(200, rates=20*Hz)
    S = Synapses(inputs, neuron.dend, on_pre='gs += 0.2*nS')
    S.connect(p=0.05)
    soma = StateMonitor(neuron.main, 'v', record=True)
    spikes = SpikeMonitor(neuron)
    run(200*ms)
    vs = soma.v[0]/mV
    stats.append({"seed": s, "synapses": int(len(S)), "spikes": int(len(spikes.i)),
                  "v_mean_mV": float(mean(vs)), "v_sd_mV": float(std(vs))})
    print(stats[-1])
with open(os.path.join(fx.EXPECTED, "poisson_input_stats.json"), "w") as f:
    json.dump(stats, f, indent=1)
