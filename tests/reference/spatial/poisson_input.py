"""PoissonGroup inputs to compartments: models/poisson_input.toml in Brian2
2.9.0 (numpy target) over seeds 1..5; writes the statistics (synapses,
spikes, the soma's mean and standard deviation of v) to
expected/poisson_input_stats.json."""
import json
import os

from brian2 import *

import spatial_fixture as fx
from ball_and_stick import ball_and_stick

fx.setup()
stats = []
for s in range(1, 6):
    start_scope()
    seed(s)
    defaultclock.dt = 0.025*ms
    morpho, neuron = ball_and_stick()
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
