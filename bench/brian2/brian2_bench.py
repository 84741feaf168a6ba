#!/usr/bin/env python3
"""Brian2 side of the spikejit benchmarks: the models of bench/models/*.toml as Brian2 scripts.

    python brian2_bench.py --model cuba --N 4000 --device cpp_standalone|cython|numpy [--rep K]
                           [--threads N]

One function per model, with the same equations, sizes, durations, connection
probabilities, seed (1) and monitors as the TOML files in bench/models/ (see the
header comment of each file and bench/README.md for what differs from the Brian2
examples). Prints ONE JSON line on stdout (everything else, Brian2's and the
compiler's output included, goes to stderr):

  model, N, device, threads, rep, synapses (all synapses), spikes (all spikes of the model's
  spiking groups: see SPIKES below), spike_counts {group: n}, synapse_counts
  {synapses: n} (named as in the TOML file), duration_s (bio seconds), steps,
  rate_hz (spikes / (neurons * duration)), timings {...}, max_rss_bytes,
  brian2_version, python_version, numpy_version, loadavg_start, loadavg_end
  (1-minute load average), load, load_run, busy, busy_threshold_cores, timestamp.

load / load_run: how busy the machine was beside the run, as `spikejit bench`
measures its own runs (src/bench/load.rs): the busy CPU time of all CPUs
(/proc/stat: user, nice, system, irq, softirq, steal) during a window minus this
process's own (user + system of itself and its children, resource.getrusage) is
what other processes used; over the wall time, the cores they kept busy.
Fields: wall_s, machine_cpu_s, own_cpu_s, other_cpu_s, other_cores,
load1_before, load1_after. `load` spans the whole process (from before `import
brian2`), `load_run` the simulation loop (cpp_standalone: the generated program;
cython / numpy: Network.run after before_run). Both null without /proc/stat.
busy: other_cpu_s - TICK_SLACK_S > busy_threshold_cores * wall_s in either window
(--busy-threshold, default 0.2 cores; TICK_SLACK_S is /proc/stat's rounding).

timings (seconds):
  import_s   wall, `import brian2`.
  build_s    wall, from the end of the import until the simulation loop can start:
             cpp_standalone: object creation + Brian2's code generation (during
             `Network.run` and `device.build`) + `make` of a fresh project;
             cython / numpy: object creation (synapse creation included, it runs
             during `connect`) + `Network.before_run` (code generation, compilation
             or cache lookup).
  run_s      the simulation loop only: cpp_standalone: Brian2's own measure
             `device._last_run_time` around the loop in the generated Network::run:
             with one thread (no OpenMP) std::clock(), CPU seconds of the single
             thread; with --threads N > 1 omp_get_wtime(), wall seconds (Brian2's
             template divides std::clock() by the thread count only without
             OpenMP); cython / numpy: time.process_time() from the end of
             `Network.before_run` to the end of `Network.run` (one thread).
  total_s    wall, from before `import brian2` to the results read back (the
             temporary standalone project is deleted after this point).
  extra:     codegen_s and compile_s (cpp_standalone: build_s split at the start
             of `make`; compile_s is Brian2's own timer of `make`), binary_s
             (cpp_standalone: wall of the generated program, loading and writing
             results included), run_wall_s (cython / numpy: wall of the same loop,
             = Brian2's device._last_run_time there).

SPIKES: cuba: the SpikeMonitor on all neurons; cobahh: sum of the counts of the
record=False SpikeMonitor; stdp: input spikes (s_mon) + output spikes; brunel:
sum(rate) * dt * N from the PopulationRateMonitor (exact: the rate of each step is
spikes / (N dt)). compartmental_hh: the SpikeMonitor on all 1000 compartments;
compartmental_net: the count-only SpikeMonitors s<k> of the neurons n<k> + sP of the
PoissonGroup P (rate_hz: the neurons' mean).

threads: --threads N (default 1). cpp_standalone: 1 is Brian2's build without
OpenMP (`prefs.devices.cpp_standalone.openmp_threads = 0`), N > 1 sets
`openmp_threads = N` (the generated code is built with -fopenmp and runs on N
threads). cython and numpy run on one thread only: N > 1 is refused with them.

cpp_standalone: fresh temporary project directory per run (always a full `make`,
`make -j<cores>` instead of Brian2's unbounded `-j`), Brian2's default compiler flags. cython: cache directory
bench/brian2/work/cython-cache (or --cache-dir); run once untimed first to warm it.
"""
import time

T0 = time.perf_counter()  # before `import brian2` (and everything else)

import os  # noqa: E402
import resource  # noqa: E402

# CPU seconds a window's figure may be off by (/proc/stat counts in rounded clock
# ticks): the same as TICK_SLACK_S in src/bench/load.rs.
TICK_SLACK_S = 0.03


def machine_busy_s():
    """Busy CPU seconds of all CPUs since boot (/proc/stat), or None."""
    try:
        with open("/proc/stat") as f:
            for line in f:
                fields = line.split()
                if fields and fields[0] == "cpu":
                    v = [int(x) for x in fields[1:]] + [0] * 8
                    return (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError):
        pass
    return None


def own_cpu_s():
    """User + system CPU seconds of this process and its waited-for children."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        ru = resource.getrusage(who)
        total += ru.ru_utime + ru.ru_stime
    return total


class LoadWindow:
    """What other processes used between open (construction) and close()."""

    def __init__(self):
        self.load1 = os.getloadavg()[0]
        self.own = own_cpu_s()
        self.machine = machine_busy_s()
        self.t = time.perf_counter()

    def close(self):
        wall = time.perf_counter() - self.t
        machine = machine_busy_s()
        if machine is None or self.machine is None:
            return None
        machine -= self.machine
        own = own_cpu_s() - self.own
        other = machine - own
        return {"wall_s": wall, "machine_cpu_s": machine, "own_cpu_s": own, "other_cpu_s": other,
                "other_cores": other / wall if wall > 0 else 0.0,
                "load1_before": self.load1, "load1_after": os.getloadavg()[0]}


def is_busy(sample, threshold_cores):
    return sample is not None and sample["other_cpu_s"] - TICK_SLACK_S > threshold_cores * sample["wall_s"]


WHOLE = LoadWindow()  # the whole process's window, from before `import brian2`

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import shutil  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_N = {"cuba": 4000, "cobahh": 4000, "stdp": 1000, "brunel": 12500,
             "compartmental_hh": 1000, "compartmental_net": 16}
DEVICES = ("cpp_standalone", "cython", "numpy")
SEED = 1  # the seed of the TOML files


# --------------------------------------------------------------------------- models
# Each model function builds its objects in the order of the TOML file and returns
#   (objects, duration, spike_counts(), synapse_counts())
# spike_counts / synapse_counts are callables evaluated after the run.


def cuba(b, N, duration):
    """bench/models/cuba_<N>.toml: examples/CUBA.py scaled, NE = 0.8 N, p = 80/N."""
    ms, mV, second = b.ms, b.mV, b.second
    NE = N * 4 // 5
    p = 80.0 / N  # 0.02 at N = 4000
    ns = dict(taum=20 * ms, taue=5 * ms, taui=10 * ms, Vt=-50 * mV, Vr=-60 * mV,
              El=-49 * mV, we=(60 * 0.27 / 10) * mV, wi=(-20 * 4.5 / 10) * mV)
    eqs = """
    dv/dt  = (ge+gi-(v-El))/taum : volt (unless refractory)
    dge/dt = -ge/taue : volt
    dgi/dt = -gi/taui : volt
    """
    P = b.NeuronGroup(N, eqs, threshold="v>Vt", reset="v = Vr", refractory=5 * ms,
                      method="exact", namespace=ns, name="P")
    P.v = "Vr + rand() * (Vt - Vr)"
    P.ge = 0 * mV
    P.gi = 0 * mV
    Ce = b.Synapses(P[0:NE], P, on_pre="ge += we", namespace=ns, name="Ce")
    Ce.connect(p=p)
    Ci = b.Synapses(P[NE:N], P, on_pre="gi += wi", namespace=ns, name="Ci")
    Ci.connect(p=p)
    spikes = b.SpikeMonitor(P, name="spikes")
    return ([P, Ce, Ci, spikes], duration or 1 * second,
            lambda: {"P": int(spikes.num_spikes)},
            lambda: {"Ce": len(Ce), "Ci": len(Ci)})


def cobahh(b, N, duration):
    """bench/models/cobahh_4000.toml: examples/COBAHH.py (+ p = 80/N if N != 4000)."""
    ms, mV, nS, second = b.ms, b.mV, b.nS, b.second
    umetre, cm, ufarad, siemens, msiemens = b.umetre, b.cm, b.ufarad, b.siemens, b.msiemens
    NE = N * 4 // 5
    p = 80.0 / N  # 0.02 at N = 4000, as in the example
    area = 20000 * umetre ** 2
    ns = dict(
        area=area,
        Cm=(1 * ufarad * cm ** -2) * area,
        gl=(5e-5 * siemens * cm ** -2) * area,
        El=-60 * mV, EK=-90 * mV, ENa=50 * mV,
        g_na=(100 * msiemens * cm ** -2) * area,
        g_kd=(30 * msiemens * cm ** -2) * area,
        VT=-63 * mV, taue=5 * ms, taui=10 * ms, Ee=0 * mV, Ei=-80 * mV,
        we=6 * nS, wi=67 * nS,
    )
    eqs = b.Equations("""
    dv/dt = (gl*(El-v)+ge*(Ee-v)+gi*(Ei-v)-
             g_na*(m*m*m)*h*(v-ENa)-
             g_kd*(n*n*n*n)*(v-EK))/Cm : volt
    dm/dt = alpha_m*(1-m)-beta_m*m : 1
    dn/dt = alpha_n*(1-n)-beta_n*n : 1
    dh/dt = alpha_h*(1-h)-beta_h*h : 1
    dge/dt = -ge*(1./taue) : siemens
    dgi/dt = -gi*(1./taui) : siemens
    alpha_m = 0.32*(mV**-1)*(13*mV-v+VT)/
             (exp((13*mV-v+VT)/(4*mV))-1.)/ms : Hz
    beta_m = 0.28*(mV**-1)*(v-VT-40*mV)/
            (exp((v-VT-40*mV)/(5*mV))-1)/ms : Hz
    alpha_h = 0.128*exp((17*mV-v+VT)/(18*mV))/ms : Hz
    beta_h = 4./(1+exp((40*mV-v+VT)/(5*mV)))/ms : Hz
    alpha_n = 0.032*(mV**-1)*(15*mV-v+VT)/
             (exp((15*mV-v+VT)/(5*mV))-1.)/ms : Hz
    beta_n = .5*exp((10*mV-v+VT)/(40*mV))/ms : Hz
    """)
    P = b.NeuronGroup(N, model=eqs, threshold="v>-20*mV", refractory=3 * ms,
                      method="exponential_euler", namespace=ns, name="P")
    # initial state before connect, as in the TOML file (the example sets it after)
    P.v = "El + (randn() * 5 - 5)*mV"
    P.ge = "(randn() * 1.5 + 4) * 10.*nS"
    P.gi = "(randn() * 12 + 20) * 10.*nS"
    Pe = P[:NE]
    Pi = P[NE:]
    Ce = b.Synapses(Pe, P, on_pre="ge+=we", namespace=ns, name="Ce")
    Ce.connect(p=p)
    Ci = b.Synapses(Pi, P, on_pre="gi+=wi", namespace=ns, name="Ci")
    Ci.connect(p=p)
    trace = b.StateMonitor(P, "v", record=[1, 10, 100], name="trace")
    spikes = b.SpikeMonitor(P, record=False, name="spikes")
    return ([P, Ce, Ci, trace, spikes], duration or 1 * second,
            lambda: {"P": int(b.np.sum(spikes.count[:]))},
            lambda: {"Ce": len(Ce), "Ci": len(Ci)})


def stdp(b, N, duration):
    """bench/models/stdp.toml: examples/synapses/STDP.py, 10 s, N Poisson inputs."""
    ms, mV, Hz, second = b.ms, b.mV, b.Hz, b.second
    taupre = 20 * ms
    taupost = taupre
    gmax = 0.01
    dApre = 0.01
    dApost = -dApre * taupre / taupost * 1.05
    dApost *= gmax
    dApre *= gmax
    ns = dict(taum=10 * ms, taupre=taupre, taupost=taupost, Ee=0 * mV, vt=-54 * mV,
              vr=-60 * mV, El=-74 * mV, taue=5 * ms, gmax=gmax, dApre=dApre, dApost=dApost)
    F = 15 * Hz
    eqs_neurons = """
    dv/dt = (ge * (Ee-vr) + El - v) / taum : volt
    dge/dt = -ge / taue : 1
    """
    inp = b.PoissonGroup(N, rates=F, name="input")
    neurons = b.NeuronGroup(1, eqs_neurons, threshold="v>vt", reset="v = vr",
                            method="exact", namespace=ns, name="neurons")
    S = b.Synapses(inp, neurons,
                   """w : 1
                      dApre/dt = -Apre / taupre : 1 (event-driven)
                      dApost/dt = -Apost / taupost : 1 (event-driven)""",
                   on_pre="""ge += w
                          Apre += dApre
                          w = clip(w + Apost, 0, gmax)""",
                   on_post="""Apost += dApost
                           w = clip(w + Apre, 0, gmax)""",
                   namespace=ns, name="S")
    S.connect()
    S.w = "rand() * gmax"
    mon = b.StateMonitor(S, "w", record=[0, 1], name="mon")
    s_mon = b.SpikeMonitor(inp, name="s_mon")
    out_spikes = b.SpikeMonitor(neurons, record=False, name="out_spikes")
    return ([inp, neurons, S, mon, s_mon, out_spikes], duration or 10 * second,
            lambda: {"neurons": int(b.np.sum(out_spikes.count[:])),
                     "input": int(s_mon.num_spikes)},
            lambda: {"S": len(S)})


def brunel(b, N, duration):
    """bench/models/brunel_12500.toml: frompapers/Brunel_2000.py sim(), panel C, 1 s."""
    ms, mV, second = b.ms, b.mV, b.second
    if N != 12500:
        raise SystemExit("brunel: only N = 12500 (10000 E + 2500 I) is defined")
    g = 5
    nu_ext_over_nu_thr = 2
    N_E = 10000
    gamma = 0.25
    N_I = round(gamma * N_E)
    N = N_E + N_I
    epsilon = 0.1
    C_E = epsilon * N_E
    C_ext = int(C_E)
    tau = 20 * ms
    theta = 20 * mV
    V_r = 10 * mV
    tau_rp = 2 * ms
    J = 0.1 * mV
    D = 1.5 * ms
    nu_thr = theta / (J * C_E * tau)
    nu_ext = nu_ext_over_nu_thr * nu_thr
    ns = dict(g=g, tau=tau, theta=theta, V_r=V_r, J=J)
    # the example's `index : integer (constant)` variable (filled by a shuffle and
    # never used) is left out, as in the TOML file
    neurons = b.NeuronGroup(N, "dv/dt = -v/tau : volt (unless refractory)",
                            threshold="v > theta", reset="v = V_r", refractory=tau_rp,
                            method="exact", namespace=ns, name="neurons")
    exc = b.Synapses(neurons[0:N_E], neurons, on_pre="v += J", delay=D, namespace=ns,
                     name="exc_synapses")
    exc.connect(p=epsilon)
    inh = b.Synapses(neurons[N_E:N], neurons, on_pre="v += -g*J", delay=D, namespace=ns,
                     name="inhib_synapses")
    inh.connect(p=epsilon)
    # (Brian2's PoissonInput takes no name; it is called poissoninput*)
    ext = b.PoissonInput(target=neurons, target_var="v", N=C_ext, rate=nu_ext, weight=J)
    rate_monitor = b.PopulationRateMonitor(neurons, name="rate_monitor")
    first50 = neurons[0:50]
    spike_monitor = b.SpikeMonitor(first50, name="spike_monitor")
    dur = duration or 1 * second

    def spike_counts():
        dt = float(b.defaultclock.dt)
        total = float(b.np.sum(rate_monitor.rate_[:])) * dt * N
        return {"neurons": int(round(total))}

    return ([neurons, exc, inh, ext, rate_monitor, spike_monitor], dur, spike_counts,
            lambda: {"exc_synapses": len(exc), "inhib_synapses": len(inh)})


HH_AXON_EQS = """
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
"""


def compartmental_hh(b, N, duration):
    """bench/models/compartmental_hh_1000.toml: compartmental/hh_with_spikes.py, one 50 ms run."""
    ms, mV, um, cm, uA, amp = b.ms, b.mV, b.um, b.cm, b.uA, b.amp
    msiemens, uF, ohm = b.msiemens, b.uF, b.ohm
    b.defaultclock.dt = 0.01 * ms
    ns = dict(El=10.613 * mV, ENa=115 * mV, EK=-12 * mV, gl=0.3 * msiemens / cm ** 2,
              gNa0=120 * msiemens / cm ** 2, gK=36 * msiemens / cm ** 2)
    morpho = b.Cylinder(diameter=2 * 238 * um, length=10 * cm, n=N)
    neuron = b.SpatialNeuron(morphology=morpho, model=HH_AXON_EQS, Cm=1 * uF / cm ** 2,
                             Ri=35.4 * ohm * cm, threshold="m > 0.5", refractory="m > 0.4",
                             method="exponential_euler", namespace=ns, name="neuron")
    neuron.v = 0 * mV
    neuron.h = 1
    neuron.m = 0
    neuron.n = 0.5
    neuron.I = 0 * amp
    neuron.main[0].I = 1 * uA  # current injection at one end, for the whole run
    neuron.gNa = ns["gNa0"]
    M = b.StateMonitor(neuron, "v", record=list(range(0, N, N // 10)), dt=0.1 * ms, name="M")
    spikes = b.SpikeMonitor(neuron, name="spikes")
    return ([neuron, M, spikes], duration or 50 * ms,
            lambda: {"neuron": int(spikes.num_spikes)},
            lambda: {})


BALL_AND_STICK_EQS = """
Im = gL*(EL-v) + gNa*m**3*h*(ENa-v) + gK*n**4*(EK-v) : amp/meter**2
Is = gs*(Es-v) : amp (point current)
dgs/dt = -gs/taus : siemens
dm/dt = alpha_m*(1-m)-beta_m*m : 1
dn/dt = alpha_n*(1-n)-beta_n*n : 1
dh/dt = alpha_h*(1-h)-beta_h*h : 1
alpha_m = 0.32*(mV**-1)*(13*mV-v+VT)/(exp((13*mV-v+VT)/(4*mV))-1.)/ms : Hz
beta_m = 0.28*(mV**-1)*(v-VT-40*mV)/(exp((v-VT-40*mV)/(5*mV))-1)/ms : Hz
alpha_h = 0.128*exp((17*mV-v+VT)/(18*mV))/ms : Hz
beta_h = 4./(1+exp((40*mV-v+VT)/(5*mV)))/ms : Hz
alpha_n = 0.032*(mV**-1)*(15*mV-v+VT)/(exp((15*mV-v+VT)/(5*mV))-1.)/ms : Hz
beta_n = .5*exp((10*mV-v+VT)/(40*mV))/ms : Hz
gNa : siemens/meter**2
gK : siemens/meter**2
"""
NET_INPUTS_PER_NEURON = 20  # K of bench/models/make_compartmental.py
NET_RING = (1, 3)  # RING of make_compartmental.py


def compartmental_net(b, N, duration):
    """bench/models/compartmental_net_<N>.toml (make_compartmental.py): N ball-and-stick
    spatial neurons, Poisson inputs onto the dendrites, a ring of soma-to-soma synapses."""
    ms, mV, um, cm, nS, Hz = b.ms, b.mV, b.um, b.cm, b.nS, b.Hz
    siemens, msiemens, uF, ohm = b.siemens, b.msiemens, b.uF, b.ohm
    K = NET_INPUTS_PER_NEURON
    b.defaultclock.dt = 0.025 * ms
    ns = dict(EL=-65 * mV, EK=-90 * mV, ENa=50 * mV, VT=-63 * mV, gL=5e-5 * siemens / cm ** 2,
              gNa_soma=100 * msiemens / cm ** 2, gK_soma=30 * msiemens / cm ** 2,
              Es=0 * mV, taus=5 * ms, w_in=0.01 * nS, w_rec=0.2 * nS)
    neurons = []
    for k in range(N):
        morpho = b.Soma(diameter=20 * um)
        morpho.dend = b.Cylinder(diameter=1 * um, length=500 * um, n=50)
        n = b.SpatialNeuron(morphology=morpho, model=BALL_AND_STICK_EQS, Cm=1 * uF / cm ** 2,
                            Ri=100 * ohm * cm, threshold="v > -20*mV", threshold_location=0,
                            refractory=3 * ms, method="exponential_euler", namespace=ns,
                            name=f"n{k}")
        n.v = ns["EL"]
        n.h = 1
        n.main.gNa = ns["gNa_soma"]
        n.main.gK = ns["gK_soma"]
        neurons.append(n)
    P = b.PoissonGroup(N * K, rates=20 * Hz, name="P")
    inputs = []
    for k, n in enumerate(neurons):
        s = b.Synapses(P[k * K:(k + 1) * K], n.dend[100 * um:300 * um], on_pre="gs_post += w_in",
                       namespace=ns, name=f"in{k}")
        s.connect(p=0.25)
        inputs.append(s)
    rec = []
    for k in range(N):
        for r in NET_RING:
            m = (k + r) % N
            s = b.Synapses(neurons[k].main, neurons[m].main, on_pre="gs_post += w_rec",
                           delay=2 * ms, namespace=ns, name=f"rec{k}_{m}")
            s.connect()
            rec.append(s)
    mons = [b.SpikeMonitor(n, record=False, name=f"s{k}") for k, n in enumerate(neurons)]
    sP = b.SpikeMonitor(P, record=False, name="sP")
    trace = b.StateMonitor(neurons[0], "v", record=[0, 50], name="trace")

    def spike_counts():
        counts = {f"n{k}": int(b.np.sum(m.count[:])) for k, m in enumerate(mons)}
        counts["P"] = int(b.np.sum(sP.count[:]))
        return counts

    return (neurons + [P] + inputs + rec + mons + [sP, trace], duration or 1 * b.second, spike_counts,
            lambda: {s.name: len(s) for s in inputs + rec})


MODELS = {"cuba": cuba, "cobahh": cobahh, "stdp": stdp, "brunel": brunel,
          "compartmental_hh": compartmental_hh, "compartmental_net": compartmental_net}


# --------------------------------------------------------------------------- main


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True, choices=sorted(MODELS))
    ap.add_argument("--N", type=int, default=None,
                    help="neurons (cuba, cobahh: p = 80/N; stdp: Poisson inputs; brunel: 12500; "
                         "compartmental_hh: compartments of the axon; compartmental_net: "
                         "multicompartment neurons)")
    ap.add_argument("--device", required=True, choices=DEVICES)
    ap.add_argument("--rep", type=int, default=0, help="repetition index (recorded only)")
    ap.add_argument("--threads", type=int, default=1,
                    help="cpp_standalone: OpenMP threads (1, the default: Brian2's build without "
                         "OpenMP, openmp_threads = 0; N > 1: openmp_threads = N); cython and numpy: 1 only")
    ap.add_argument("--duration", type=float, default=None,
                    help="override the bio duration in seconds (for quick checks)")
    ap.add_argument("--seed", type=int, default=SEED, help="Brian2 seed (default 1)")
    ap.add_argument("--cache-dir", default=os.path.join(HERE, "work", "cython-cache"),
                    help="cython cache directory (default bench/brian2/work/cython-cache)")
    ap.add_argument("--keep-project", action="store_true",
                    help="cpp_standalone: keep the temporary project directory")
    ap.add_argument("--busy-threshold", type=float, default=0.2,
                    help="cores of other load above which the run is marked busy (default 0.2)")
    ap.add_argument("--profile", action="store_true",
                    help="run with profile=True and add Brian2's profiling_info (seconds per "
                         "code object) to the JSON line as \"profile\" (its timings then include "
                         "the profiling's own cost: time with and without it apart)")
    args = ap.parse_args()
    if args.threads < 1:
        ap.error(f"--threads must be 1 or more (got {args.threads})")
    if args.threads > 1 and args.device != "cpp_standalone":
        ap.error(f"--threads {args.threads}: only cpp_standalone runs on several (OpenMP) threads; "
                 f"Brian2's runtime device {args.device} runs on one thread (leave --threads out)")
    N = args.N if args.N is not None else DEFAULT_N[args.model]

    # Everything written to fd 1 (Brian2, make, the standalone binary, Cython) goes to
    # stderr; the JSON line goes to the saved stdout at the end.
    json_out = os.fdopen(os.dup(1), "w")
    sys.stdout.flush()
    os.dup2(2, 1)

    load_start = os.getloadavg()[0]
    t_imp = time.perf_counter()
    import brian2 as b
    import numpy as np
    t_imported = time.perf_counter()

    b.prefs.logging.console_log_level = "WARNING"
    project_dir = None
    if args.device == "cpp_standalone":
        project_dir = tempfile.mkdtemp(prefix="brian2_bench_")
        b.set_device("cpp_standalone", directory=project_dir, build_on_run=False)
        # 0: Brian2's build without OpenMP (one thread); N > 1: N OpenMP threads
        b.prefs.devices.cpp_standalone.openmp_threads = args.threads if args.threads > 1 else 0
        # Brian2's default `make -j` starts one compiler per source file at once: some
        # 250 for compartmental_net_16 (10 GB, load average near 300 on 2 cores); one
        # job per core builds as fast without swamping a shared machine
        b.prefs.devices.cpp_standalone.extra_make_args_unix = ["-j", str(os.cpu_count() or 1)]
    else:
        b.prefs.codegen.target = args.device
        if args.device == "cython":
            os.makedirs(args.cache_dir, exist_ok=True)
            b.prefs.codegen.runtime.cython.cache_dir = args.cache_dir
        marks = {}
        orig_before_run = b.Network.before_run

        def before_run_hook(self, run_namespace):
            orig_before_run(self, run_namespace)
            marks["wall"] = time.perf_counter()
            marks["cpu"] = time.process_time()
            marks["load"] = LoadWindow()

        b.Network.before_run = before_run_hook

    b.defaultclock.dt = 0.1 * b.ms
    b.seed(args.seed)
    duration = args.duration * b.second if args.duration is not None else None
    objects, duration, spike_counts_fn, synapse_counts_fn = MODELS[args.model](b, N, duration)
    net = b.Network(*objects)
    timings = {"import_s": t_imported - t_imp}

    if args.device == "cpp_standalone":
        net.run(duration, profile=args.profile)  # records the run, generates the code objects
        b.device.build(directory=project_dir, compile=True, run=False, with_output=False)
        t_built = time.perf_counter()
        run_window = LoadWindow()
        b.device.run(project_dir, "results", with_output=False, run_args=[])
        load_run = run_window.close()
        compile_s = b.device.timers["compile"]["make"]
        timings["build_s"] = t_built - t_imported
        timings["run_s"] = float(b.device._last_run_time)
        timings["codegen_s"] = timings["build_s"] - compile_s
        timings["compile_s"] = compile_s
        timings["binary_s"] = b.device.timers["run_binary"]
    else:
        net.run(duration, profile=args.profile)
        t_run_wall, t_run_cpu = time.perf_counter(), time.process_time()
        load_run = marks["load"].close()
        timings["build_s"] = marks["wall"] - t_imported
        timings["run_s"] = t_run_cpu - marks["cpu"]
        timings["run_wall_s"] = t_run_wall - marks["wall"]

    spike_counts = spike_counts_fn()
    synapse_counts = synapse_counts_fn()
    timings["total_s"] = time.perf_counter() - T0
    load = WHOLE.close()
    dur_s = float(duration)
    spikes = sum(spike_counts.values())
    main_group = {"cuba": "P", "cobahh": "P", "stdp": "input", "brunel": "neurons",
                  "compartmental_hh": "neuron"}.get(args.model)
    ru_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    ru_children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result = {
        "model": args.model,
        "N": N,
        "device": args.device,
        "threads": args.threads,
        "rep": args.rep,
        "synapses": int(sum(synapse_counts.values())),
        "spikes": int(spikes),
        "duration_s": dur_s,
        "steps": int(round(dur_s / float(b.defaultclock.dt))),
        # compartmental_net: the mean over its N neurons (n0 ... n<N-1>)
        "rate_hz": (spike_counts[main_group] if main_group
                    else sum(spike_counts[f"n{k}"] for k in range(N))) / (N * dur_s),
        "spike_counts": spike_counts,
        "synapse_counts": synapse_counts,
        "timings": timings,
        "max_rss_bytes": int((ru_self + ru_children) * 1024),
        "brian2_version": b.__version__,
        "python_version": platform.python_version(),
        "numpy_version": np.__version__,
        "seed": args.seed,
        "loadavg_start": load_start,
        "loadavg_end": os.getloadavg()[0],
        "load": load,
        "load_run": load_run,
        "busy": is_busy(load, args.busy_threshold) or is_busy(load_run, args.busy_threshold),
        "busy_threshold_cores": args.busy_threshold,
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    if args.profile:
        result["profile"] = [[name, float(seconds)] for name, seconds in net.profiling_info]
    json_out.write(json.dumps(result) + "\n")
    json_out.flush()
    if project_dir is not None and not args.keep_project:
        shutil.rmtree(project_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
