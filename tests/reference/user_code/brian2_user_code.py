"""Brian2's side of tests/user_code.rs: a network with user functions
(`Function` with `@check_units`, numpy target) and two `@network_operation`s,
run with Brian2 2.9.0; writes expected.json next to this script.

Regenerate with: /work/main/.venv/bin/python tests/reference/user_code/brian2_user_code.py
"""
import json
import os

import numpy as np
from brian2 import (NeuronGroup, Synapses, SpikeMonitor, StateMonitor, Network, network_operation,
                    check_units, Function, defaultclock, prefs, ms, mV, nA, Mohm, volt, amp, exp, sin, cos)

prefs.codegen.target = 'numpy'
defaultclock.dt = 0.1 * ms


@check_units(v=volt, result=amp)
def _I_of(v):
    # a sigmoid current of the membrane potential
    return 0.5 * nA / (1 + exp(-(v + 55 * mV) / (4 * mV)))


@check_units(x=1, y=1, result=1)
def _shift(x, y):
    return sin(x) * y


@check_units(x=1, y=1, result=1)
def _pair(x, y):
    return cos(x + 2 * y)


@check_units(result=1)
def _half():
    return 0.5


# Brian2's Function is stateless by default (a plain Python function in the
# namespace is not), as spikejit assumes of a user's function.
I_of, shift, pair, half = (Function(f) for f in (_I_of, _shift, _pair, _half))

N = 5
G = NeuronGroup(N, '''dv/dt = (-65*mV - v + 20*Mohm*(I_in + I_ext))/(10*ms) : volt
                      I_in = I_of(v) : amp
                      I_ext : amp''',
                 threshold='v > -50*mV + shift(i*1.0, 2.0)*mV',
                 reset='v = -65*mV + half()*shift(i*1.0, 4.0)*mV',
                 method='euler', name='G')
G.v = '-65*mV + i*mV'
S = Synapses(G, G, 'w : volt', on_pre='v_post += w*shift(i*1.0, 1.0)', name='S')
S.connect(condition='pair(i*1.0, j*1.0) > 0')
S.w = 'pair(i*1.0, j*1.0)*2*mV'

mean_v = []


@network_operation(dt=10 * ms)
def step_input(t):
    k = int(round(float(np.asarray(t)) / 0.01))
    G.I_ext = 0.4 * nA * (k % 3) * (1 + 0.1 * np.arange(N))


@network_operation(dt=2 * ms, when='end')
def record_mean(t):
    mean_v.append([float(np.asarray(t)), float(np.mean(np.asarray(G.v[:])))])


spikes = SpikeMonitor(G)
state = StateMonitor(G, 'v', record=True)
net = Network(G, S, step_input, record_mean, spikes, state)
net.run(60 * ms)

out = {
    'syn_i': [int(x) for x in S.i[:]],
    'syn_j': [int(x) for x in S.j[:]],
    'w': [float(x) for x in S.w[:]],
    'spike_i': [int(x) for x in spikes.i[:]],
    'spike_t': [float(x) for x in spikes.t[:]],
    'v': [[float(x) for x in row] for row in state.v[:]],
    'mean_v': mean_v,
    'I_ext_end': [float(x) for x in G.I_ext[:]],
}
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'expected.json'), 'w') as f:
    json.dump(out, f)
print(len(out['syn_i']), 'synapses,', len(out['spike_i']), 'spikes,', len(mean_v), 'means')
