# %% [markdown]
# # CUBA with spikejit's Python API
#
# Brian2's CUBA example (brian-team/brian2 `examples/CUBA.py`): 4000
# current-based leaky integrate-and-fire neurons, 3200 excitatory and 800
# inhibitory, connected at random with probability 0.02, run for one second.
# The script is Brian2's with `import spikejit as sj` in front of the names:
# the objects join spikejit's network when they are created, and `sj.run`
# runs them. With seed 42 and this order of calls, the spikes are those of
# `spikejit run examples/cuba.toml` (checked at the end).
#
# Run it as a script (`python python/examples/cuba.py` from the repository
# root) or cell by cell (`# %%` cells, in VS Code or Jupyter with jupytext).

# %%
import tempfile
import time
from pathlib import Path

import numpy as np
from brian2 import Hz, mV, ms, second

import spikejit as sj

sj.start_scope()
sj.seed(42)  # before creating objects: initial values and connections draw random numbers
sj.defaultclock.dt = 0.1 * ms

# %% [markdown]
# ## The model
# The names the equations use (`taum`, `El`, `Vt`, ...) are read from this
# script's namespace at each run, as Brian2 does.

# %%
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

P = sj.NeuronGroup(4000, eqs, threshold='v>Vt', reset='v = Vr', refractory=5 * ms, method='exact')
P.v = 'Vr + rand() * (Vt - Vr)'
P.ge = 0 * mV
P.gi = 0 * mV
print(P, "initial v from", P.v.min(), "to", P.v.max())

# %% [markdown]
# ## Synapses
# Excitatory synapses from the first 3200 neurons, inhibitory from the last
# 800 (subgroups, as in the model file `examples/cuba.toml`).

# %%
we = (60 * 0.27 / 10) * mV  # excitatory synaptic weight (voltage)
wi = (-20 * 4.5 / 10) * mV  # inhibitory synaptic weight
Ce = sj.Synapses(P[0:3200], P, on_pre='ge += we')
Ce.connect(p=0.02)
Ci = sj.Synapses(P[3200:4000], P, on_pre='gi += wi')
Ci.connect(p=0.02)
print(len(Ce), "excitatory and", len(Ci), "inhibitory synapses")

# %% [markdown]
# ## Run

# %%
s_mon = sj.SpikeMonitor(P)
rate_mon = sj.PopulationRateMonitor(P)
trace = sj.StateMonitor(P, 'v', record=[0, 1, 2])

start = time.perf_counter()
sj.run(1 * second, report='text')
print(f"simulated 1 s in {time.perf_counter() - start:.2f} s of wall-clock time (kernels compiled included)")

# %% [markdown]
# ## Results
# Monitors give Brian2 quantities: `s_mon.t` in seconds, `trace.v` in volts
# with shape (recorded neurons, time steps), `rate_mon.rate` in hertz.

# %%
print(s_mon.num_spikes, "spikes;", "mean rate", s_mon.num_spikes / len(P) / (1 * second))
print("first spikes:", list(zip(s_mon.i[:5], s_mon.t[:5])))
print("v of neuron 0: shape", trace.v.shape, "first values", trace[0].v[:3])
smooth = rate_mon.smooth_rate(window='gaussian', width=5 * ms)
print("population rate: peak", np.max(smooth), "mean", np.mean(rate_mon.rate))

# %% [markdown]
# ## Plots (when matplotlib is installed)

# %%
try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    plt = None
if plt is not None:
    fig, (ax1, ax2) = plt.subplots(2, 1, sharex=True, figsize=(8, 6))
    ax1.plot(s_mon.t / ms, s_mon.i, ',k')
    ax1.set_ylabel('Neuron index')
    ax2.plot(rate_mon.t / ms, smooth / Hz)
    ax2.set_xlabel('Time (ms)')
    ax2.set_ylabel('Rate (Hz)')
    figure_path = Path(tempfile.gettempdir()) / "cuba_python_api.png"
    fig.savefig(figure_path)
    print("wrote", figure_path)

# %% [markdown]
# ## The same network from the model file
# `sj.run_file` runs `examples/cuba.toml` as `spikejit run` does: same seed,
# same order of random draws, so the same spikes.

# %%
model_file = Path(__file__).resolve().parents[2] / "examples" / "cuba.toml" if "__file__" in globals() \
    else Path("examples/cuba.toml")
if model_file.exists():
    result = sj.run_file(model_file)
    spikes = result.spikes("spikes")
    same = np.array_equal(spikes["i"], s_mon.i) and np.array_equal(spikes["t"], s_mon.t_)
    print("model file:", len(spikes["t"]), "spikes; identical to the Python API's:", same)
    assert same, "the Python API and the model file disagree"
