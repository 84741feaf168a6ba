"""spikejit: Brian2's string-model language, JIT-compiled, with a Brian2-like Python API.

>>> from brian2 import ms, mV            # optional: plain numbers are SI values
>>> import spikejit as sj
>>> G = sj.NeuronGroup(10, 'dv/dt = (1.1 - v)/(10*ms) : 1', threshold='v > 1', reset='v = 0')
>>> M = sj.SpikeMonitor(G)
>>> sj.run(100*ms)

Objects join the current scope's network when they are created (see
:func:`start_scope`); :func:`run` runs all of them. Values are Brian2
quantities when brian2 is installed (their dimensions checked), plain SI
numbers otherwise; ``spikejit.units`` has plain-float unit constants.
:func:`run_file` runs a model file. Errors of the models are
:class:`SpikejitError` with the located message of the command line.
"""

from . import units
from ._core import SpikejitError, __version__
from ._monitors import EventMonitor, PopulationRateMonitor, SpikeMonitor, StateMonitor
from ._namespace import TimedArray
from ._objects import NeuronGroup, PoissonGroup, PoissonInput, SpikeGeneratorGroup, Subgroup, Synapses
from ._run_file import RunResult, run_file
from ._scope import (Clock, Network, collect, defaultclock, restore, run, scheduling_summary, seed, start_scope,
                     store)
from ._units import HAVE_BRIAN2, DimensionMismatchError
from ._views import linked_var

__all__ = [
    "SpikejitError", "DimensionMismatchError", "__version__", "HAVE_BRIAN2", "units",
    "NeuronGroup", "Subgroup", "Synapses", "PoissonGroup", "SpikeGeneratorGroup", "PoissonInput", "TimedArray",
    "linked_var", "SpikeMonitor", "EventMonitor", "StateMonitor", "PopulationRateMonitor",
    "Network", "Clock", "defaultclock", "start_scope", "seed", "run", "store", "restore", "collect",
    "scheduling_summary", "run_file", "RunResult",
]
