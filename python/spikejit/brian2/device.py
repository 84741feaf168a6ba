"""``set_device('spikejit')``: Brian2's runtime device, with the runs on spikejit.

Brian2 itself creates the objects, evaluates initial values and ``connect``
(with its numpy target, so connectivity and initial values are exactly what
Brian2's runtime computes for the same seed). A ``run()`` then translates the
network's objects into a ``spikejit._core.Network`` (:mod:`.translate`),
writes Brian2's state variables into it, runs it, and copies state variables,
clocks and monitors back into Brian2's arrays (:mod:`.readback`), so the rest
of the script is unchanged.

The spikejit network is kept between runs of an unchanged set of objects (in
flight spikes in synaptic queues survive); the state variables are written
again before each run, since the script may have changed them. ``store`` and
``restore`` also store and restore the spikejit network's state.

Refused with ``NotImplementedError('spikejit device: ... is not supported')``
before anything runs: ``NetworkOperation`` and other Python code run between
steps, user functions in Python, ``SpatialNeuron``, inactive objects,
``method_options``, lists of integration methods, synaptic ``(constant over
dt)`` subexpressions, a name that resolves to different values for different
objects, thresholds/resets/pathways moved to another slot, ``when``/``order``
of Poisson groups, spike generators and PoissonInput, and continuing a
simulation at t > 0 with a network whose objects, code or external values
changed since the last run (that needs a new spikejit network, which starts at
t = 0). Not reproduced: ``profile=True`` (no profiling information), Brian2's
check for NaN values after a run (spikejit has its own checks).
"""

import sys
import time
import weakref

import numpy as np

from brian2.codegen.runtime.numpy_rt import NumpyCodeObject
from brian2.core.namespace import get_local_namespace
from brian2.core.network import Network, TextReport
from brian2.core.preferences import prefs
from brian2.devices.device import RuntimeDevice
from brian2.units import second
from brian2.utils.logger import get_logger

from .. import _core
from . import readback, translate


logger = get_logger(__name__)


class _Built:
    """A spikejit network made for a Brian2 network, and how to use it again."""

    def __init__(self, net, plan, handles, key, prefixes):
        self.net = net
        self.plan = plan
        self.handles = handles
        self.key = key
        self.prefixes = prefixes
        self.stored = set()  # names stored in the spikejit network
        self.warned = False
        self.generator_spikes = {}  # spike generator -> the spikes it was given


class SpikejitDevice(RuntimeDevice):
    """Brian2's runtime device whose ``run`` runs on spikejit.

    Initial values and ``connect`` are computed by Brian2 (with the numpy
    target, whatever ``prefs.codegen.target`` says: spikejit replaces the
    generated code of the runs, and numpy makes the set-up identical to the
    runtime device's for the same seed). What spikejit cannot run raises
    ``NotImplementedError('spikejit device: ... is not supported')`` before
    anything runs; spikejit's own errors (``spikejit.SpikejitError``) carry
    spikejit's message.
    """

    def __init__(self):
        super().__init__()
        # One spikejit network per Brian2 network (weakly: a Brian2 network
        # that goes away takes its spikejit network with it).
        self._built = weakref.WeakKeyDictionary()
        self.threads = None

    # --- code objects: numpy for the set-up Brian2 does itself --------------
    def code_object_class(self, codeobj_class=None, fallback_pref="codegen.target"):
        if codeobj_class is not None:
            return codeobj_class
        return NumpyCodeObject

    # --- runs ---------------------------------------------------------------
    def network_run(self, net, duration, report=None, report_period=10 * second, namespace=None, profile=None,
                    level=0, **kwds):
        if kwds:
            raise TypeError(f"unexpected arguments of run: {', '.join(kwds)}")
        duration = float(duration)
        if duration < 0:
            raise ValueError(f"Function 'run' expected a non-negative duration but got '{duration * second}'")
        if namespace is None:
            namespace = get_local_namespace(level=level + 2)
        all_objects = net.sorted_objects
        _check_names(net, all_objects)
        for obj in all_objects:
            if obj._network is None:
                obj._network = net.id
            elif obj._network != net.id:
                raise RuntimeError(f"'{obj.name}' has already been run in the context of another network. Use "
                                   "add/remove to change the objects in a simulated network instead of creating "
                                   "a new one.")
        net._clocks = {obj.clock for obj in all_objects}
        t_start = float(net.t_)
        t_end = t_start + duration
        for clock in net._clocks:
            clock.set_interval(net.t, t_end * second)
        if not all_objects:
            return

        plan = translate.plan_network(all_objects, namespace)
        built = self._network_for(net, plan, all_objects, t_start)
        sj = built.net
        readback.push_state(sj, built.handles, plan)
        self._update_generators(built)

        reporter = _Reporter(report, report_period, t_start, duration)
        start = time.time()
        try:
            sj.run(duration, reporter.callback if reporter.active else None)
        finally:
            self._last_run_time = time.time() - start
        reporter.finish()
        if not built.warned:
            # spikejit's checks of the model code (what Brian2 would silently accept)
            for text in sj.warnings():
                logger.warn(text, name_suffix="model_warning")
            built.warned = True

        readback.pull_state(sj, built.handles, plan)
        readback.pull_monitors(sj, built.handles, plan, built.prefixes)
        # Time: the network's and every clock's, as Network.run leaves them
        for clock in net._clocks:
            clock.variables["timestep"].set_value(clock._i_end)
            clock.variables["t"].set_value(clock._i_end * float(clock.dt_))
        net.t_ = t_end
        self._last_run_completed_fraction = 1.0
        net._profiling_info = None
        net.after_run()

    def _network_for(self, net, plan, objects, t_start):
        """The cached spikejit network of ``net`` when its objects and their
        code are unchanged, else a new one."""
        key = (net.id, frozenset(o.id for o in objects), plan.signature)
        built = self._built.get(net)
        if built is not None and built.key == key and abs(built.net.t - t_start) < 1e-12 + 1e-9 * abs(t_start):
            built.plan = plan
            plan.resolver.apply_constants(built.net)
            from brian2.core.clocks import defaultclock

            if float(defaultclock.dt_) != built.dt:
                # defaultclock.dt = ... between runs: spikejit changes the dt of
                # the objects on the default clock as Brian2 does
                built.net.set_dt(float(defaultclock.dt_))
                built.dt = float(defaultclock.dt_)
            return built
        if t_start != 0.0:
            raise translate.unsupported(
                "continuing a run at t > 0 after the network's objects, their code or the values of its "
                "external names changed, or after a restore of a state not stored during a spikejit run,", net)
        built = self._build(net, plan, key)
        self._built[net] = built
        return built

    def _build(self, net, plan, key):
        from brian2.core.clocks import defaultclock

        sj = _core.Network()
        sj.set_seed(int(np.random.randint(2**31)))
        sj.set_dt(float(defaultclock.dt_))
        if prefs.core.default_float_dtype == np.float32:
            sj.set_float32(True)
        if self.threads is not None:
            sj.set_threads(int(self.threads))
        if list(net.schedule) != list(prefs.core.network.default_schedule):
            sj.set_schedule(list(net.schedule))
        plan.resolver.apply(sj)
        handles = {}
        for method, args, kwargs, hkey in plan.steps:
            args = [handles[a.name] if isinstance(a, translate.Ref) else a for a in args]
            result = getattr(sj, method)(*args, **kwargs)
            if hkey is not None:
                handles[hkey] = result
        prefixes = {mkey: readback.MonitorPrefix(kind, mon) for kind, mon, mkey in plan.monitors}
        built = _Built(sj, plan, handles, key, prefixes)
        built.dt = float(defaultclock.dt_)
        return built

    def _update_generators(self, built):
        """``SpikeGeneratorGroup.set_spikes`` between runs."""
        for sg, hkey in built.plan.spike_generators:
            indices = np.asarray(sg.variables["neuron_index"].get_value(), dtype=np.int64)
            times = np.asarray(sg.variables["spike_time"].get_value(), dtype=np.float64)
            period = float(np.asarray(sg.variables["period"].get_value()).ravel()[0])
            last = built.generator_spikes.get(hkey)
            current = (indices.tobytes(), times.tobytes(), period)
            if last is not None and last != current:
                built.net.set_spikes(built.handles[hkey], indices, times, period)
            built.generator_spikes[hkey] = current

    # --- store and restore --------------------------------------------------
    def network_store(self, net, name="default", filename=None, **kwds):
        Network.store.original_function(net, name=name, filename=filename, **kwds)
        built = self._built.get(net)
        if built is not None and filename is None and abs(built.net.t - float(net.t_)) < 1e-12 + 1e-9 * float(net.t_):
            built.net.store(name)
            built.stored.add(name)

    def network_restore(self, net, name="default", filename=None, restore_random_state=False, **kwds):
        Network.restore.original_function(net, name=name, filename=filename,
                                          restore_random_state=restore_random_state, **kwds)
        built = self._built.get(net)
        if built is None:
            return
        if filename is None and name in built.stored:
            built.net.restore(name, restore_random_state)
        else:
            # Brian2's arrays are restored; the spikejit network cannot be:
            # the next run builds a new one (from t = 0 only).
            del self._built[net]


def _check_names(net, objects):
    from collections import Counter

    names = [obj.name for obj in objects]
    twice = [n for n, c in Counter(names).items() if c > 1]
    if twice:
        formatted = ", ".join(f"'{n}'" for n in twice)
        raise ValueError(f"All objects in a network need to have unique names, the following name(s) were used "
                         f"more than once: {formatted}")


class _Reporter:
    """Brian2's ``report=`` (``'text'``, ``'stdout'``, ``'stderr'`` or a
    callable ``f(elapsed, completed, start, duration)``), fed by spikejit's
    progress callback with the simulated time."""

    def __init__(self, report, report_period, t_start, duration):
        self.active = report is not None
        if not self.active:
            return
        if report in ("text", "stdout"):
            self.report = TextReport(sys.stdout)
        elif report == "stderr":
            self.report = TextReport(sys.stderr)
        elif isinstance(report, str):
            raise ValueError(f'Do not know how to handle report argument "{report}".')
        elif callable(report):
            self.report = report
        else:
            raise TypeError("Do not know how to handle report argument, it has to be one of 'text', 'stdout', "
                            f"'stderr', or a callable function/object, but it is of type {type(report)}")
        self.period = float(report_period)
        self.t_start = t_start
        self.duration = duration
        self.start = time.time()
        self.next_report = self.start + self.period
        self.report(0 * second, 0.0, t_start * second, duration * second)

    def callback(self, t):
        now = time.time()
        if now > self.next_report:
            completed = (t - self.t_start) / self.duration if self.duration > 0 else 1.0
            self.report((now - self.start) * second, completed, self.t_start * second, self.duration * second)
            self.next_report = now + self.period

    def finish(self):
        if self.active:
            self.report((time.time() - self.start) * second, 1.0, self.t_start * second, self.duration * second)
