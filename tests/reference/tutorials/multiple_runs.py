"""Part 3 of Brian2's tutorial ("Multiple runs"), the notebook's cells run in
Brian2 2.9.0 (numpy target, seed 1), for tests/tutorials.rs to compare the Rust
programs docs/tutorials/3-simulations/{multiple_runs,tau_per_neuron}.rs with:

- spikes_i, spikes_t: a PoissonGroup(100, 10*Hz) recorded for 1 s (cell 3);
- rates_replayed: those spikes replayed by a SpikeGeneratorGroup into one
  output neuron, stored once and restored for each tau (cell 3): deterministic
  given the spikes, compared exactly;
- per_neuron_count, isi_mu, isi_std: one output neuron per tau (cell 4 and the
  ISI cell), driven by the same recorded spikes: compared exactly;
- rates_store_restore, rates_rebuilt: cells 2 and 1 with Poisson input (random:
  compared by their totals).

    multiple_runs.py --out multiple_runs.npz
"""
import sys

import numpy as np
from brian2 import (Hz, Network, NeuronGroup, PoissonGroup, SpikeGeneratorGroup, SpikeMonitor, Synapses,
                    linspace, ms, prefs, second, seed)

prefs.codegen.target = "numpy"
out = sys.argv[sys.argv.index("--out") + 1]

num_inputs = 100
input_rate = 10 * Hz
weight = 0.1
tau_range = linspace(1, 10, 30) * ms
eqs = "dv/dt = -v/tau : 1"

# cell 3: the Poisson spikes recorded once
seed(1)
P = PoissonGroup(num_inputs, rates=input_rate)
MP = SpikeMonitor(P)
net = Network(P, MP)
net.run(1 * second)
spikes_i, spikes_t = np.array(MP.i[:]), np.array(MP.t[:])


def replayed():
    SGG = SpikeGeneratorGroup(num_inputs, spikes_i, spikes_t * second)
    G = NeuronGroup(1, eqs, threshold="v>1", reset="v=0", method="exact")
    S = Synapses(SGG, G, on_pre="v += weight")
    S.connect()
    M = SpikeMonitor(G)
    net = Network(SGG, G, S, M)
    net.store()
    rates = []
    for tau in tau_range:
        net.restore()
        net.run(1 * second, namespace={"tau": tau, "weight": weight})
        rates.append(M.num_spikes / second)
    return np.array(rates, dtype=float)


def per_neuron():
    SGG = SpikeGeneratorGroup(num_inputs, spikes_i, spikes_t * second)
    G = NeuronGroup(len(tau_range), "dv/dt = -v/tau : 1\ntau : second", threshold="v>1", reset="v=0",
                    method="exact")
    G.tau = tau_range
    S = Synapses(SGG, G, on_pre="v += weight")
    S.connect()
    M = SpikeMonitor(G)
    net = Network(SGG, G, S, M)
    net.run(1 * second, namespace={"weight": weight})
    trains = M.spike_trains()
    mu = np.full(len(tau_range), np.nan)
    sd = np.full(len(tau_range), np.nan)
    for idx in range(len(tau_range)):
        train = np.diff(np.asarray(trains[idx]))
        if len(train) > 1:
            mu[idx] = np.mean(train)
            sd[idx] = np.std(train)
    return np.array(M.count[:], dtype=float), mu, sd


def store_restore():
    seed(1)
    P = PoissonGroup(num_inputs, rates=input_rate)
    G = NeuronGroup(1, eqs, threshold="v>1", reset="v=0", method="exact")
    S = Synapses(P, G, on_pre="v += weight")
    S.connect()
    M = SpikeMonitor(G)
    net = Network(P, G, S, M)
    net.store()
    rates = []
    for tau in tau_range:
        net.restore()
        net.run(1 * second, namespace={"tau": tau, "weight": weight})
        rates.append(M.num_spikes / second)
    return np.array(rates, dtype=float)


def rebuilt():
    seed(1)
    rates = []
    for tau in tau_range:
        P = PoissonGroup(num_inputs, rates=input_rate)
        G = NeuronGroup(1, eqs, threshold="v>1", reset="v=0", method="exact")
        S = Synapses(P, G, on_pre="v += weight")
        S.connect()
        M = SpikeMonitor(G)
        net = Network(P, G, S, M)
        net.run(1 * second, namespace={"tau": tau, "weight": weight})
        rates.append(M.num_spikes / second)
    return np.array(rates, dtype=float)


count, mu, sd = per_neuron()
np.savez(out, tau_range=np.asarray(tau_range), spikes_i=spikes_i, spikes_t=spikes_t,
         rates_replayed=replayed(), per_neuron_count=count, isi_mu=mu, isi_std=sd,
         rates_store_restore=store_restore(), rates_rebuilt=rebuilt())
print(out)
