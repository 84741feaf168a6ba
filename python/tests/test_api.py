"""The Brian2-like Python API of spikejit: results against the model files, units, errors, inputs, monitors.

Run: cd /work/main && PYTHONPATH=python .venv/bin/python -m pytest python/tests/test_api.py -q
"""

import _thread
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from brian2 import Hz, Quantity, mV, ms, second, volt
from brian2.units.fundamentalunits import DimensionMismatchError as Brian2DimensionMismatchError

import spikejit as sj
from spikejit import (EventMonitor, Network, NeuronGroup, PoissonGroup, PoissonInput, PopulationRateMonitor,
                      SpikeGeneratorGroup, SpikeMonitor, StateMonitor, Synapses, TimedArray)
from spikejit._scope import current_scope

pytestmark = pytest.mark.usefixtures("fresh_scope")


# --- the model files' networks, written with the Python API ---------------------------------------

def test_cuba_matches_model_file(repo):
    """Brian2's CUBA.py with seed 42, in examples/cuba.toml's order: the same spikes as the model file."""
    sj.seed(42)
    sj.defaultclock.dt = 0.1 * ms
    taum = 20 * ms
    taue = 5 * ms
    taui = 10 * ms
    Vt = -50 * mV
    Vr = -60 * mV
    El = -49 * mV
    eqs = '''
    dv/dt  = (ge+gi-(v-El))/taum : volt (unless refractory)
    dge/dt = -ge/taue : volt
    dgi/dt = -gi/taui : volt
    '''
    P = NeuronGroup(4000, eqs, threshold='v>Vt', reset='v = Vr', refractory=5 * ms, method='exact')
    P.v = 'Vr + rand() * (Vt - Vr)'
    P.ge = 0 * mV
    P.gi = 0 * mV
    we = (60 * 0.27 / 10) * mV  # excitatory synaptic weight (voltage)
    wi = (-20 * 4.5 / 10) * mV  # inhibitory synaptic weight
    Ce = Synapses(P[0:3200], P, on_pre='ge += we')
    Ce.connect(p=0.02)
    Ci = Synapses(P[3200:4000], P, on_pre='gi += wi')
    Ci.connect(p=0.02)
    s_mon = SpikeMonitor(P)
    sj.run(1 * second)

    ref = sj.run_file(repo / "examples" / "cuba.toml")
    spikes = ref.spikes("spikes")
    assert ref.summary["synapse_counts"]["Ce"] == len(Ce)
    assert ref.summary["synapse_counts"]["Ci"] == len(Ci)
    assert s_mon.num_spikes > 1000
    np.testing.assert_array_equal(s_mon.i, spikes["i"])
    np.testing.assert_array_equal(s_mon.t_, spikes["t"])
    np.testing.assert_array_equal(s_mon.count, spikes["count"])
    assert isinstance(s_mon.t, Quantity)


def test_stdp_matches_model_file(repo):
    """Brian2's STDP.py (1 s, seed 42), in examples/stdp.toml's order: the same weights and monitors."""
    sj.seed(42)
    N = 1000
    taum = 10 * ms
    taupre = 20 * ms
    taupost = taupre
    Ee = 0 * mV
    vt = -54 * mV
    vr = -60 * mV
    El = -74 * mV
    taue = 5 * ms
    F = 15 * Hz
    gmax = .01
    dApre = .01
    dApost = -dApre * taupre / taupost * 1.05
    dApost *= gmax
    dApre *= gmax
    eqs_neurons = '''
    dv/dt = (ge * (Ee-vr) + El - v) / taum : volt
    dge/dt = -ge / taue : 1
    '''
    # the model file lists [[neurons]] before [[poisson]]: the order of creation is the order of the
    # random streams, so the neurons come first here (Brian2's script creates the input first)
    neurons = NeuronGroup(1, eqs_neurons, threshold='v>vt', reset='v = vr', method='exact')
    poisson_input = PoissonGroup(N, rates=F)
    S = Synapses(poisson_input, neurons,
                 '''w : 1
                    dApre/dt = -Apre / taupre : 1 (event-driven)
                    dApost/dt = -Apost / taupost : 1 (event-driven)''',
                 on_pre='''ge += w
                    Apre += dApre
                    w = clip(w + Apost, 0, gmax)''',
                 on_post='''Apost += dApost
                    w = clip(w + Apre, 0, gmax)''')
    S.connect()
    S.w = 'rand() * gmax'
    mon = StateMonitor(S, 'w', record=[0, 1])
    s_mon = SpikeMonitor(poisson_input)
    out_spikes = SpikeMonitor(neurons)
    sj.run(1 * second)

    ref = sj.run_file(repo / "examples" / "stdp.toml", dump_state=True)
    w_end = ref.final_state("S")["w"]
    assert len(S) == N
    np.testing.assert_array_equal(S.w_, w_end)
    assert np.std(S.w_) > 0
    ref_mon = ref.state("mon")
    np.testing.assert_array_equal(mon.t_, ref_mon["t"])
    np.testing.assert_array_equal(mon.w, ref_mon["w"])
    for monitor, name in ((s_mon, "s_mon"), (out_spikes, "out_spikes")):
        data = ref.spikes(name)
        np.testing.assert_array_equal(monitor.i, data["i"])
        np.testing.assert_array_equal(monitor.t_, data["t"])
    assert s_mon.num_spikes > 10000


# --- units and errors ------------------------------------------------------------------------------

def test_variables_carry_units():
    G = NeuronGroup(5, '''dv/dt = -v/(10*ms) : volt
                          x : 1
                          n : integer''')
    G.v = -70 * mV
    assert isinstance(G.v, Quantity)
    assert G.v.dim == volt.dim
    np.testing.assert_allclose(np.asarray(G.v), -0.07)
    np.testing.assert_allclose(G.v_, -0.07)
    assert not isinstance(G.x, Quantity)
    G.x = [1, 2, 3, 4, 5]
    G.n = 'i * 2'
    assert G.n.dtype == np.int32
    np.testing.assert_array_equal(G.n, [0, 2, 4, 6, 8])
    np.testing.assert_array_equal(G.x, [1, 2, 3, 4, 5])


def test_variables_have_the_core_dtypes():
    G = NeuronGroup(4, '''dv/dt = -v/(10*ms) : 1 (unless refractory)
                          n : integer
                          big : integer
                          flag : boolean
                          low : 1
                          above = v > 0.5 : boolean
                          third = i // 3 : integer''',
                    threshold='v > 1', reset='v = 0', refractory=1 * ms, dtype={'low': np.float32})
    G.v = 'i * 0.3'
    G.flag = 'i > 1'
    G.low = 'i / 4'
    G.big = 'i'
    expected = {'v': np.float64, 'n': np.int32, 'big': np.int32, 'flag': np.bool_, 'low': np.float32,
                'above': np.bool_, 'third': np.int32, 'not_refractory': np.bool_, 'lastspike': np.float64,
                'i': np.int32, 'N': np.int32}
    for var, dtype in expected.items():
        assert getattr(G, var + '_').dtype == dtype, var
    np.testing.assert_array_equal(G.flag_, [False, False, True, True])
    np.testing.assert_array_equal(G.above_, [False, False, True, True])
    np.testing.assert_array_equal(G.third_, [0, 0, 0, 1])
    np.testing.assert_array_equal(G[2:].big_, [2, 3])
    H = NeuronGroup(4, 'm : integer (linked)')
    H.m = sj.linked_var(G, 'big')
    assert H.m_.dtype == np.int32
    np.testing.assert_array_equal(H.m_, [0, 1, 2, 3])
    S = Synapses(G, G, 'k : integer\nw : 1')
    S.connect()
    for var in ('i', 'j', 'k', 'N_incoming', 'N_outgoing'):
        assert getattr(S, var + '_').dtype == np.int32, var
    assert S.w_.dtype == np.float64


def test_wrong_dimension_is_an_error():
    G = NeuronGroup(3, 'v : volt')
    with pytest.raises(sj.DimensionMismatchError) as info:
        G.v = 5 * ms
    assert isinstance(info.value, Brian2DimensionMismatchError)
    assert isinstance(info.value, ValueError)
    assert ".v" in str(info.value)
    with pytest.raises(sj.DimensionMismatchError):
        sj.run(10 * mV)
    with pytest.raises(sj.DimensionMismatchError):
        sj.defaultclock.dt = 1 * Hz


def test_bad_equation_gives_located_error():
    with pytest.raises(sj.SpikejitError) as info:
        G = NeuronGroup(1, 'dv/dt = (1 - v/(10*ms) : 1')
        sj.run(1 * ms)
    message = str(info.value)
    assert "dv/dt = (1 - v/(10*ms) : 1" in message
    assert "^" in message
    assert isinstance(info.value.codes, list) and info.value.codes


def test_unit_error_in_model_points_at_it():
    with pytest.raises(sj.SpikejitError) as info:
        NeuronGroup(1, 'dv/dt = (-70*mV - v)/(10*ms) : 1')
        sj.run(1 * ms)
    assert "^" in str(info.value)
    assert info.value.codes


def test_misuse_raises_python_errors():
    with pytest.raises(ValueError):
        NeuronGroup(0, 'v : 1')
    G = NeuronGroup(3, 'v : 1')
    with pytest.raises(AttributeError):
        G.not_a_variable = 3
    with pytest.raises(AttributeError):
        G.not_a_variable
    with pytest.raises(TypeError):
        Synapses(object(), G)
    with pytest.raises(ValueError):
        G.v['i > 0'] = np.array([1.0, 2.0])


def test_spikejit_error_is_shown_as_spikejit_error():
    with pytest.raises(sj.SpikejitError) as info:
        NeuronGroup(1, 'dv/dt = (1 - v/(10*ms) : 1')
    assert str(type(info.value)) == "<class 'spikejit.SpikejitError'>"
    assert type(info.value) is sj.SpikejitError


# --- integer constants, as Brian2 -------------------------------------------------------------------

# The same script for Brian2's runtime (numpy target, in a subprocess) and for spikejit: Python ints
# in the namespace are integers in code (// and % integer, range() in a generator takes them).
INT_CONSTANT_SCRIPT = '''
half = 3
two = np.int32(2)
G = NeuronGroup(8, """n : integer
                      m : integer
                      x : 1""")
G.n = 'i // half'
G.m = '(-i) % half + i // two'
G.x = 'i / half + (-i) // half'
G.run_regularly('m = (m + half) % 5')
S = Synapses(G, G, 'w : 1')
S.connect(j='k for k in range(i - half, i + half + 1) if k != i', skip_if_invalid=True)
S.w = 'j // half + (i - j) % two'
run(3*defaultclock.dt)
result = {name: np.asarray(value) for name, value in
          dict(n=G.n[:], m=G.m[:], x=G.x[:], i=S.i[:], j=S.j[:], w=S.w[:]).items()}
'''


def _brian2_runtime_result(tmp_path):
    """INT_CONSTANT_SCRIPT's result on Brian2's runtime device (numpy target), in a fresh process."""
    out = tmp_path / "brian2.npz"
    code = "\n".join([
        "from brian2 import *",
        "prefs.codegen.target = 'numpy'",
        f"exec({INT_CONSTANT_SCRIPT!r})",
        f"np.savez({str(out)!r}, **result)",
    ])
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    with np.load(out) as data:
        return {k: data[k] for k in data.files}


def test_int_constants_behave_as_in_brian2(tmp_path):
    expected = _brian2_runtime_result(tmp_path)
    script_globals = {"__name__": "int_constant_script", "np": np,
                      **{name: getattr(sj, name) for name in ("NeuronGroup", "Synapses", "run", "defaultclock")}}
    exec(INT_CONSTANT_SCRIPT, script_globals)
    got = script_globals["result"]
    np.testing.assert_array_equal(got["n"], [0, 0, 0, 1, 1, 1, 2, 2])  # a known value too
    for name in ("n", "m"):
        assert got[name].dtype == np.int32
        np.testing.assert_array_equal(got[name], expected[name])
    i = np.arange(8)
    np.testing.assert_array_equal(got["x"], i / 3 + (-i) // 3)  # Python's semantics, exactly
    # Brian2 computes i / half as i * (1 / half) (its loop-invariant optimisation): one ulp apart
    np.testing.assert_allclose(got["x"], expected["x"], rtol=1e-15, atol=1e-15)
    assert len(got["i"]) == len(expected["i"]) > 0
    order, brian2_order = np.lexsort((got["j"], got["i"])), np.lexsort((expected["j"], expected["i"]))
    for name in ("i", "j", "w"):
        np.testing.assert_array_equal(got[name][order], expected[name][brian2_order])


def test_bools_and_floats_stay_floats_and_huge_ints_are_refused():
    G = NeuronGroup(4, 'x : 1\nn : integer')
    flag, third = True, 3.0
    G.x = 'flag / 2 + i // third'
    np.testing.assert_array_equal(G.x_, [0.5, 0.5, 0.5, 1.5])
    huge = 2**60
    with pytest.raises(ValueError, match=r"beyond 2\*\*53"):
        G.n = 'huge'


def test_int_constant_may_become_a_float():
    rate = 3
    G = NeuronGroup(1, 'dv/dt = rate/second : 1')
    sj.run(1 * ms)
    rate = 2.5  # Brian2 takes the new value (a float) at the next run
    sj.run(1 * ms)
    np.testing.assert_allclose(G.v_, 0.0055, rtol=1e-9)


# --- setting and reading ----------------------------------------------------------------------------

def test_indexing_and_conditions():
    G = NeuronGroup(10, 'v : volt')
    G.v = -70 * mV
    G.v['i >= 5'] = -50 * mV
    G.v[0:2] = -60 * mV
    G.v[[2, 3]] = [-1, -2] * mV
    np.testing.assert_allclose(G.v_, [-0.06, -0.06, -0.001, -0.002, -0.07] + [-0.05] * 5)
    np.testing.assert_allclose(np.asarray(G.v['i >= 5']), -0.05)
    G.v[7:] = 'i*mV'
    np.testing.assert_allclose(G.v_[7:], [0.007, 0.008, 0.009])
    first = G.v[:2]
    first[0] = 0 * mV  # a derived array is a plain copy
    np.testing.assert_allclose(G.v_[0], -0.06)


def test_synapse_indexing():
    G = NeuronGroup(4, 'v : 1')
    S = Synapses(G, G, 'w : 1')
    S.connect(condition='i != j')
    assert len(S) == 12
    S.w = 'i + 10*j'
    np.testing.assert_array_equal(S.w_, S.i * 1.0 + 10 * S.j)
    S.w[0, 1] = 100
    assert S.w[0, 1] == [100]
    S.w['i > j'] = 0
    np.testing.assert_array_equal(S.w_[S.i > S.j], 0)
    S.w[2, :] = -1
    np.testing.assert_array_equal(S.w_[S.i == 2], -1)


def test_synapse_indices_count_from_subgroups():
    G = NeuronGroup(10, 'v : 1')
    S = Synapses(G[2:6], G[5:9], 'w : 1')
    S.connect(i=[0, 1, 3, 3], j=[2, 0, 1, 3])
    np.testing.assert_array_equal(S.i, [0, 1, 3, 3])
    np.testing.assert_array_equal(S.j, [2, 0, 1, 3])
    S.w = 'i + 10*j'  # the code's i, j are the same subgroup-relative indices
    np.testing.assert_array_equal(S.w_, [20, 1, 13, 33])
    np.testing.assert_array_equal(S.w[3, 1], [13])


def test_delays_read_back_per_synapse():
    G = NeuronGroup(3, 'v : 1', threshold='v > 1')
    none_given = Synapses(G, G, on_pre='v_post += 1')
    none_given.connect(j='i')
    np.testing.assert_array_equal(none_given.delay_, [0, 0, 0])
    both = Synapses(G, G, 'w : 1', on_pre='v_post += w', on_post='w += 1', delay={'pre': 1 * ms, 'post': 2 * ms})
    both.connect()
    assert isinstance(both.delay, Quantity) and both.delay.dim == second.dim
    np.testing.assert_allclose(both.delay_, np.full(9, 1e-3))
    np.testing.assert_allclose(np.asarray(both.post.delay), np.full(9, 2e-3))
    both.delay = 4 * ms  # one value for all synapses: still one value per synapse when read
    both.post.delay = 5 * ms
    np.testing.assert_allclose(np.asarray(both.pre.delay), np.full(9, 4e-3))
    np.testing.assert_allclose(np.asarray(both.post.delay), np.full(9, 5e-3))


def test_clocks_read_the_network():
    assert float(sj.defaultclock.dt) == pytest.approx(1e-4, abs=0)
    sj.defaultclock.dt = 0.05 * ms
    assert sj.defaultclock.dt_ == 5e-5 and isinstance(sj.defaultclock.dt, Quantity)
    current_scope().net.set_dt(2e-5)  # defaultclock reads the network's clock
    assert sj.defaultclock.dt_ == 2e-5
    clock = sj.Clock(1 * ms)
    clock.dt = 2 * ms
    assert clock.dt_ == 2e-3 and float(clock.dt) == 2e-3
    G = NeuronGroup(1, 'dv/dt = 1/second : 1', clock=clock)
    sj.run(10 * ms)
    np.testing.assert_allclose(G.v_, 0.01, rtol=1e-9)
    sj.start_scope()  # a new scope has the default time step again
    assert sj.defaultclock.dt_ == 1e-4


def test_external_names_are_read_at_each_run():
    tau = 10 * ms
    G = NeuronGroup(1, 'dv/dt = 1/tau : 1')
    sj.run(1 * ms)
    np.testing.assert_allclose(G.v_, 0.1, rtol=1e-9)
    tau = 1 * ms  # Brian2 reads the namespace again at the next run
    sj.run(1 * ms)
    np.testing.assert_allclose(G.v_, 1.1, rtol=1e-9)


def test_namespace_argument():
    G = NeuronGroup(1, 'dv/dt = rate_of_v : 1', namespace={'rate_of_v': 100 * Hz})
    rate_of_v = 1 * Hz  # not used: the group has its own namespace
    sj.run(10 * ms)
    np.testing.assert_allclose(G.v_, 1.0, rtol=1e-9)


# --- runs -------------------------------------------------------------------------------------------

def test_store_restore_and_multiple_runs():
    G = NeuronGroup(3, 'dv/dt = (1.5 - v)/(10*ms) : 1', threshold='v > 1', reset='v = 0', method='exact')
    G.v = [0.0, 0.3, 0.6]
    M = SpikeMonitor(G)
    sj.store()
    sj.run(20 * ms)
    sj.run(30 * ms)
    assert abs(float(sj.defaultclock.t) - 0.05) < 1e-12
    v_end, spikes = G.v_.copy(), M.num_spikes
    assert spikes > 0
    sj.restore()
    assert float(sj.defaultclock.t) == 0.0
    assert M.num_spikes == 0
    np.testing.assert_array_equal(G.v_, [0.0, 0.3, 0.6])
    sj.run(50 * ms)
    np.testing.assert_array_equal(G.v_, v_end)
    assert M.num_spikes == spikes


def test_network_view():
    G = NeuronGroup(1, 'dv/dt = 100*Hz : 1', threshold='v > 1', reset='v = 0')
    M = SpikeMonitor(G)
    net = Network(G)
    with pytest.raises(NotImplementedError, match="spikejit runs every object"):
        net.run(1 * ms)
    net.add(M)
    net.run(100 * ms)
    assert M.num_spikes == 9 or M.num_spikes == 10
    net2 = Network(sj.collect())
    net2.store('x')
    net2.run(10 * ms)
    net2.restore('x')
    assert abs(float(net2.t) - 0.1) < 1e-12
    sj.start_scope()
    with pytest.raises(ValueError, match="another scope"):
        Network(G)


def test_run_regularly():
    G = NeuronGroup(2, 'dv/dt = 1/ms : 1')
    G.run_regularly('v = 0', dt=1 * ms)
    sj.run(1.5 * ms)
    np.testing.assert_allclose(G.v_, 0.5, rtol=1e-9)


def test_subgroups():
    G = NeuronGroup(10, 'v : 1\nx : 1', threshold='v > 1', reset='v = 0')
    first, rest = G[:4], G[4:]
    first.v = 2
    rest.x = 'i'
    np.testing.assert_array_equal(G.v_, [2] * 4 + [0] * 6)
    np.testing.assert_array_equal(G.x_, [0] * 4 + list(range(6)))
    assert len(rest) == 6
    assert len(G[3]) == 1
    M = SpikeMonitor(rest)
    H = NeuronGroup(10, 'y : 1')
    S = Synapses(first, H, on_pre='y += 1')
    S.connect(j='i')
    sj.run(0.2 * ms)
    assert M.num_spikes == 0
    np.testing.assert_array_equal(H.y_, [1] * 4 + [0] * 6)


def test_delays():
    src = SpikeGeneratorGroup(2, [0, 1], [1, 1] * ms)
    G = NeuronGroup(2, 'v : 1\nlast : second')
    fixed = Synapses(src, G, on_pre='v_post += 1', delay=2 * ms)
    fixed.connect(j='i')
    np.testing.assert_allclose(np.asarray(fixed.delay), [2e-3, 2e-3])
    per_pathway = Synapses(src, G, on_pre={'early': 'last_post = t', 'late': 'v_post += 10'},
                           delay={'early': 0.5 * ms, 'late': 3 * ms})
    per_pathway.connect(j='i')
    np.testing.assert_allclose(np.asarray(per_pathway.late.delay), [3e-3, 3e-3])
    varying = Synapses(src, G, on_pre='v_post += 100')
    varying.connect(j='i')
    varying.delay = '(1 + 3*i)*ms'
    np.testing.assert_allclose(varying.delay_, [1e-3, 4e-3])
    with pytest.raises(sj.SpikejitError, match="scalar-delay|one value for all synapses"):
        fixed.delay = '(1 + i)*ms'
    M = StateMonitor(G, 'v', record=True)
    sj.run(6 * ms)
    np.testing.assert_allclose(G.last_, [1.5e-3, 1.5e-3])
    v = M.v_
    step = lambda t: int(round(t / 1e-4))  # the sample of the step after the delivery
    assert v[0, step(2e-3) + 1] == 100 and v[1, step(5e-3) + 1] == 100 + 1 + 10


def test_poisson_group_rates_per_neuron():
    P = PoissonGroup(3, rates=[10, 100, 1000] * Hz)
    M = SpikeMonitor(P)
    sj.run(2 * second)
    expected = np.array([20, 200, 2000])
    assert np.all(np.abs(M.count - expected) < 5 * np.sqrt(expected))


def test_poisson_input():
    G = NeuronGroup(200, 'v : volt')
    PoissonInput(G, 'v', N=100, rate=10 * Hz, weight=0.1 * mV)
    sj.run(1 * second)
    # 1000 inputs per neuron expected, each 0.1 mV: 100 mV, standard deviation 1 mV per neuron
    mean = float(np.mean(G.v_))
    assert abs(mean - 0.1) < 5 * 0.1 * np.sqrt(1000) / 1000 / np.sqrt(200)
    assert np.std(G.v_) > 0


def test_spike_generator_group_and_set_spikes():
    gen = SpikeGeneratorGroup(3, [0, 1, 2, 1], [1, 2, 3, 4] * ms)
    M = SpikeMonitor(gen)
    sj.run(5 * ms)
    np.testing.assert_array_equal(M.i, [0, 1, 2, 1])
    np.testing.assert_allclose(M.t_, [1e-3, 2e-3, 3e-3, 4e-3])
    np.testing.assert_array_equal(M.count, [1, 2, 1])
    gen.set_spikes([2], [7] * ms)
    sj.run(5 * ms)
    np.testing.assert_array_equal(M.i, [0, 1, 2, 1, 2])
    trains = M.spike_trains()
    np.testing.assert_allclose(np.asarray(trains[2]), [3e-3, 7e-3])
    i, t = M.it
    assert len(i) == len(t) == 5


def test_timed_array_in_model():
    stimulus = TimedArray([0, 1, 2] * mV, dt=1 * ms)
    G = NeuronGroup(1, 'x = stimulus(t) : volt\nv : volt')
    M = StateMonitor(G, 'x', record=0)
    sj.run(3 * ms)
    np.testing.assert_allclose(M.x_[0], np.repeat([0, 1e-3, 2e-3], 10), rtol=1e-12)
    np.testing.assert_allclose(np.asarray(stimulus(1.5 * ms)), 1e-3)


def test_state_monitor_records():
    G = NeuronGroup(5, 'dv/dt = -v/(10*ms) : volt', method='exact')
    G.v = 'i*mV'
    everything = StateMonitor(G, 'v', record=True)
    some = StateMonitor(G, ['v'], record=[1, 3], dt=1 * ms)
    sj.run(10 * ms)
    assert everything.v.shape == (5, 100)
    assert some.v.shape == (2, 10)
    assert isinstance(some.v, Quantity)
    np.testing.assert_allclose(everything.v_[:, 0], [0, 1e-3, 2e-3, 3e-3, 4e-3])
    np.testing.assert_array_equal(np.asarray(some[3].v), np.asarray(some.v)[1])
    np.testing.assert_array_equal(np.asarray(everything[3].v), everything.v_[3])
    np.testing.assert_allclose(some.t_, np.arange(10) * 1e-3, atol=1e-15)
    with pytest.raises(IndexError):
        some[0]


def test_population_rate_monitor():
    gen = SpikeGeneratorGroup(4, [0, 1, 2, 3, 0], [1, 1, 1, 1, 2] * ms)
    R = PopulationRateMonitor(gen)
    sj.run(3 * ms)
    rate = R.rate_
    dt = 1e-4
    assert len(rate) == len(R.t) == 30
    np.testing.assert_allclose(rate[10], 1.0 / dt)
    np.testing.assert_allclose(rate[20], 0.25 / dt)
    assert rate.sum() == pytest.approx(1.25 / dt)
    smooth = R.smooth_rate(window='flat', width=0.5 * ms)
    assert isinstance(smooth, Quantity) and len(smooth) == 30
    assert float(np.sum(smooth)) == pytest.approx(1.25 / dt, rel=1e-6)


def test_event_monitor_with_variables():
    G = NeuronGroup(2, 'dv/dt = (1 + i)*100*Hz : 1', threshold='v > 1', reset='v = 0',
                    events={'half': 'v > 0.5 and v < 0.5 + (1 + i)*100*Hz*dt'})
    E = EventMonitor(G, 'half', variables='v')
    S = SpikeMonitor(G, variables=['v'])
    sj.run(20 * ms)
    assert E.num_events > 0 and S.num_spikes > 0
    assert np.all(E.v > 0.5)
    values = S.values('v')
    assert set(values) == {0, 1}


def test_linked_variable():
    G1 = NeuronGroup(3, 'v : volt')
    G1.v = [1, 2, 3] * mV
    G2 = NeuronGroup(3, 'x : volt (linked)')
    G2.x = sj.linked_var(G1, 'v')
    np.testing.assert_allclose(G2.x_, [1e-3, 2e-3, 3e-3])


def test_ctrl_c_stops_a_long_run():
    G = NeuronGroup(1000, 'dv/dt = (2 - v)/(10*ms) : 1', threshold='v > 1', reset='v = 0', method='exact')
    timer = threading.Timer(1.0, _thread.interrupt_main)
    start = time.time()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            sj.run(10000 * second)
    finally:
        timer.cancel()
    assert time.time() - start < 5.0
    assert 0 < float(sj.defaultclock.t) < 10000


def test_report_callback():
    calls = []
    NeuronGroup(1, 'dv/dt = 1/second : 1')
    sj.run(10 * ms, report=lambda elapsed, fraction, start, duration: calls.append(fraction))
    assert calls[0] == 0.0 and calls[-1] == 1.0


def test_run_file_result(repo, tmp_path):
    result = sj.run_file(repo / "examples" / "cuba.toml", out=tmp_path / "cuba", seed=1)
    assert result.summary["seed"] == 1
    assert "spikes" in result.monitors
    assert set(result.spikes("spikes")) >= {"i", "t", "count"}
    with pytest.raises(KeyError):
        result.load("missing")
    bad = tmp_path / "bad.toml"
    bad.write_text('[simulation]\nduration = "1*ms"\n\n[[neurons]]\nname = "G"\nN = 1\n'
                   'model = "dv/dt = (1 - v/(10*ms) : 1"\n')
    with pytest.raises(sj.SpikejitError) as info:
        sj.run_file(bad)
    assert "^" in str(info.value)


def test_without_brian2():
    """With brian2 hidden, plain SI numbers go in and plain arrays come out."""
    code = textwrap.dedent('''
        import sys
        sys.modules['brian2'] = None
        import numpy as np
        import spikejit as sj
        from spikejit.units import ms, mV, Hz
        assert not sj.HAVE_BRIAN2
        tau = 10*ms
        G = sj.NeuronGroup(2, 'dv/dt = (-70*mV - v)/tau : volt', method='exact')
        G.v = [-60*mV, -50*mV]
        M = sj.StateMonitor(G, 'v', record=True)
        sj.run(10*ms)
        assert type(G.v_) is np.ndarray and not hasattr(G.v, 'dim')
        expected = -0.07 + np.array([0.01, 0.02])*np.exp(-1)
        assert np.allclose(G.v_, expected, rtol=1e-9), G.v_
        assert M.v.shape == (2, 100)
        assert abs(float(sj.defaultclock.t) - 0.01) < 1e-12
        try:
            G.v = 5*ms
        except sj.DimensionMismatchError:
            pass
        else:
            raise AssertionError('a time set on a voltage was accepted')
        assert ms == 0.001 and isinstance(tau, float)
        print('ok')
    ''')
    env = dict(os.environ, PYTHONPATH=str(Path(sj.__file__).resolve().parents[1]))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
