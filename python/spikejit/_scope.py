"""The current scope: one core network that every object joins at creation.

Brian2 collects the objects visible from the frame that calls ``run()``;
spikejit instead adds every object to the current scope's network when it is
created, so that ``G.v = ...``, ``S.connect(...)`` and reading ``G.v`` act at
once, and ``run()`` runs every object of the scope. ``start_scope()`` begins
a new scope (a new, empty network).
"""

from __future__ import annotations

import sys
import time
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Set, Tuple

import numpy as np

from . import _core
from ._namespace import caller_namespace, define_external, identifiers
from ._units import to_seconds, with_unit

_SECOND = (0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0)


class _Scope:
    """A core network with the Python objects added to it and the names defined on it."""

    core = _core

    def __init__(self) -> None:
        self.net = _core.Network()
        self.objects: List[Any] = []  # every object, in creation order (subgroups included)
        # the names defined on the core: (SI value, dimension exponents or None, integer), to skip
        # redefining a name whose value did not change since the last run
        self.constants: Dict[str, Tuple[float, Optional[Tuple[float, ...]], bool]] = {}
        self.rejected_names: Set[str] = set()
        self.timed_arrays: Dict[str, Any] = {}
        self.clock_names: Set[str] = set()
        self.seed_value: Optional[int] = None
        self._variables: Optional[Set[str]] = None

    def register(self, obj: Any) -> None:
        self.objects.append(obj)
        self._variables = None

    def top_level(self) -> List[Any]:
        """The objects a Network must hold (all but subgroups)."""
        return [o for o in self.objects if getattr(o, "_top_level", True)]

    def variable_names(self) -> Set[str]:
        """Every variable name of every group and synapses object (and its ``_pre``/``_post`` forms)."""
        if self._variables is None:
            names: Set[str] = set()
            for obj in self.objects:
                if getattr(obj, "_has_variables", False) and getattr(obj, "_top_level", True):
                    try:
                        variables = self.net.all_variables(obj._handle)
                    except _core.SpikejitError:
                        continue  # an input without state variables
                    for var in variables:
                        names.update((var, var + "_pre", var + "_post"))
            self._variables = names
        return self._variables

    def resolve_all(self, namespace: Mapping[str, Any]) -> None:
        """Defines the external names of every object without its own namespace (before a run)."""
        codes: List[Optional[str]] = []
        for obj in self.objects:
            if getattr(obj, "_namespace", None) is None:
                codes.extend(getattr(obj, "_codes", ()))
        # a name defined before is defined again if its value changed
        # (Brian2 reads the namespace at every run)
        define_external(self, identifiers(codes), namespace)

    def run(self, duration: Any, report: Any, report_period: Any, namespace: Optional[Mapping[str, Any]],
            profile: Any, level: int) -> None:
        seconds = to_seconds(duration, "run duration")
        if profile:
            raise NotImplementedError("run(profile=True): the Python API of spikejit has no profiling yet")
        ns = namespace if namespace is not None else caller_namespace(level)
        self.resolve_all(ns)
        callback, finish = _reporter(report, report_period, self.net.t, seconds)
        self.net.run(seconds, callback)
        if finish is not None:
            finish()


_current: List[_Scope] = [_Scope()]


def current_scope() -> _Scope:
    """The scope new objects join."""
    return _current[0]


def start_scope() -> None:
    """Begins a new scope: objects created from now on join a new, empty network.

    As in Brian2, objects created before are not run by later ``run()`` calls.
    The seed and ``defaultclock.dt`` return to their defaults (no seed, 0.1 ms).
    """
    _current[0] = _Scope()


def seed(seed: Optional[int] = None) -> None:
    """Sets the seed of the random numbers of the current scope (and numpy's, as Brian2's ``seed``).

    Call it before creating the objects whose initial values or connections
    draw random numbers: every random draw (``rand()`` in a ``set``, ``p`` of
    ``connect``, noise, Poisson inputs) takes the next stream of this seed, in
    the order the calls are made and the objects created (so a script gives
    a model file's results when it creates objects and draws in the file's
    build order). ``None`` picks a random seed.
    """
    if seed is None:
        seed = int(np.random.SeedSequence().entropy % (2**63))
        np.random.seed(None)
    else:
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise TypeError(f"seed must be a non-negative integer, got {seed!r}")
        np.random.seed(int(seed) % (2**32))
    scope = current_scope()
    scope.net.set_seed(int(seed))
    scope.seed_value = int(seed)


class _DefaultClock:
    """Brian2's ``defaultclock``: the time step of the current scope (``defaultclock.dt = 0.05*ms``)."""

    @property
    def dt(self) -> Any:
        """The default time step (a Quantity with brian2, else seconds)."""
        return with_unit(self.dt_, _SECOND)

    @dt.setter
    def dt(self, value: Any) -> None:
        current_scope().net.set_dt(to_seconds(value, "defaultclock.dt"))

    @property
    def dt_(self) -> float:
        """The default time step in seconds."""
        return float(current_scope().net.clock_dt())

    @property
    def t(self) -> Any:
        """The current time of the scope's network."""
        return with_unit(current_scope().net.t, _SECOND)

    @property
    def t_(self) -> float:
        """The current time in seconds."""
        return float(current_scope().net.t)

    def __repr__(self) -> str:
        return f"defaultclock(dt={self.dt_!r} s, t={self.t_!r} s)"


defaultclock = _DefaultClock()


class Clock:
    """A clock shared by name, as Brian2's ``Clock(dt)``; pass it as ``clock=`` to objects.

    Parameters
    ----------
    dt : Quantity or float
        The time step (seconds when a number).
    name : str, optional
        Unique in the scope; ``clock``, ``clock_1``, ... by default.
    """

    def __init__(self, dt: Any, name: Optional[str] = None) -> None:
        scope = current_scope()
        if name is None or name.endswith("*"):
            base = "clock" if name is None else name[:-1]
            name, k = base, 0
            while name in scope.clock_names:
                k += 1
                name = f"{base}_{k}"
        self._scope = scope
        self.name = name
        scope.net.add_clock(name, to_seconds(dt, "Clock dt"))
        scope.clock_names.add(name)

    @property
    def dt(self) -> Any:
        """The clock's time step."""
        return with_unit(self.dt_, _SECOND)

    @dt.setter
    def dt(self, value: Any) -> None:
        self._scope.net.set_clock_dt(self.name, to_seconds(value, f"{self.name}.dt"))

    @property
    def dt_(self) -> float:
        """The clock's time step in seconds."""
        return float(self._scope.net.clock_dt(self.name))

    @property
    def t(self) -> Any:
        """The current time of the network."""
        return with_unit(self._scope.net.t, _SECOND)

    def __repr__(self) -> str:
        return f"Clock(dt={self.dt_!r}, name={self.name!r})"


def _reporter(report: Any, report_period: Any, start: float, duration: float
              ) -> Tuple[Optional[Callable[[float], None]], Optional[Callable[[], None]]]:
    """The core's progress callback for Brian2's ``report`` argument, and what to call at the end."""
    if report is None:
        return None, None
    period = 10.0 if report_period is None else to_seconds(report_period, "report_period")
    wall_start = time.time()
    last = [wall_start]
    if isinstance(report, str):
        if report not in ("text", "stdout", "stderr"):
            raise ValueError(f"report must be 'text', 'stdout', 'stderr' or a function, got {report!r}")
        stream = sys.stderr if report == "stderr" else sys.stdout

        def emit(elapsed: float, fraction: float, t_start: float, length: float) -> None:
            if fraction == 0.0:
                print(f"Starting simulation at t={t_start} s for a duration of {length} s", file=stream)
                return
            remaining = elapsed / fraction - elapsed if fraction > 0 else float("nan")
            text = f"{fraction * length} s ({100 * fraction:.0f}%) simulated in {elapsed:.2f}s"
            if fraction < 1.0:
                text += f", estimated {remaining:.2f}s remaining."
            print(text, file=stream, flush=True)

    elif callable(report):
        def emit(elapsed: float, fraction: float, t_start: float, length: float) -> None:
            report(with_unit(elapsed, _SECOND), fraction, with_unit(t_start, _SECOND), with_unit(length, _SECOND))

    else:
        raise TypeError(f"report must be None, a string or a function, got {type(report).__name__}")

    emit(0.0, 0.0, start, duration)

    def progress(t: float) -> None:
        now = time.time()
        if now - last[0] >= period:
            last[0] = now
            fraction = (t - start) / duration if duration > 0 else 1.0
            if fraction < 1.0:  # the end is reported once, by finish()
                emit(now - wall_start, max(fraction, 0.0), start, duration)

    def finish() -> None:
        emit(time.time() - wall_start, 1.0, start, duration)

    return progress, finish


def run(duration: Any, report: Any = None, report_period: Any = 10.0, namespace: Optional[Mapping[str, Any]] = None,
        profile: Any = None, level: int = 0) -> None:
    """Runs every object of the current scope for ``duration``, as Brian2's ``run``.

    Parameters
    ----------
    duration : Quantity or float
        Simulated time (seconds when a number).
    report : None, 'text', 'stdout', 'stderr' or callable
        Progress reports, as Brian2's (a callable gets ``elapsed, completed, start, duration``).
    report_period : Quantity or float
        Wall-clock time between reports (default 10 s).
    namespace : dict, optional
        The names model strings use; by default the caller's locals and globals.
    level : int
        How many frames further up the namespace is taken from.

    Ctrl-C stops the run at the end of a time step and raises KeyboardInterrupt.
    """
    current_scope().run(duration, report, report_period, namespace, profile, level)


def store(name: str = "default", filename: Optional[str] = None) -> None:
    """Stores the state of the current scope (variables, queues, monitors, time, random state)."""
    net = current_scope().net
    if filename is None:
        net.store(name)
    else:
        net.store_to_file(name, str(filename))


def restore(name: str = "default", filename: Optional[str] = None, restore_random_state: bool = False) -> None:
    """Brings back a state stored with ``store`` (the random state too with ``restore_random_state=True``)."""
    net = current_scope().net
    if filename is None:
        net.restore(name, restore_random_state)
    else:
        net.restore_from_file(name, str(filename), restore_random_state)


def scheduling_summary() -> List[Tuple[str, str, str, int, float]]:
    """What runs in a time step of the current scope: (name, class, when, order, dt) per object."""
    return list(current_scope().net.schedule())


def collect(level: int = 0) -> List[Any]:
    """Every object of the current scope (Brian2's ``collect()`` gives the objects visible to the caller)."""
    return current_scope().top_level()


def _flatten(objects: Iterable[Any]) -> List[Any]:
    out: List[Any] = []
    for obj in objects:
        if isinstance(obj, (list, tuple, set, frozenset)):
            out.extend(_flatten(obj))
        elif isinstance(obj, dict):
            out.extend(_flatten(obj.values()))
        else:
            out.append(obj)
    return out


class Network:
    """A view of the current scope with Brian2's ``Network`` interface.

    spikejit runs every object of a scope together: the objects given must be
    the scope's, and ``run``/``store``/``restore`` raise NotImplementedError
    when the Network lacks any object of its scope (a Network that runs only
    some of the objects created is a limitation of spikejit; create the
    others after ``start_scope()`` for another network).

    Parameters
    ----------
    *objects
        Objects (or lists, tuples, dicts of them) of the current scope.
    name : str
        Kept for Brian2 compatibility.
    """

    def __init__(self, *objects: Any, name: str = "network") -> None:
        self._scope = current_scope()
        self._objects: List[Any] = []
        self.name = name
        self.add(*objects)

    def add(self, *objects: Any) -> None:
        """Adds objects of the scope (lists, tuples and dicts of them too)."""
        for obj in _flatten(objects):
            scope = getattr(obj, "_scope", None)
            if scope is None:
                raise TypeError(f"Network.add: {obj!r} is not a spikejit object")
            if scope is not self._scope:
                raise ValueError(
                    f"Network.add: {getattr(obj, 'name', obj)!r} belongs to another scope (created before a "
                    "start_scope() or for another Network): a spikejit Network holds the objects of one scope"
                )
            if not any(o is obj for o in self._objects):
                self._objects.append(obj)

    def remove(self, *objects: Any) -> None:
        """Not supported: spikejit runs every object of a scope."""
        raise NotImplementedError(
            "Network.remove: spikejit runs every object of a scope and cannot leave one out of a run"
        )

    @property
    def objects(self) -> List[Any]:
        """The objects added to this Network."""
        return list(self._objects)

    def __contains__(self, obj: Any) -> bool:
        return any(o is obj for o in self._objects)

    def __len__(self) -> int:
        return len(self._objects)

    def _check_complete(self, what: str) -> None:
        missing = [o for o in self._scope.top_level() if o not in self]
        if missing:
            names = ", ".join(repr(getattr(o, "name", o)) for o in missing)
            raise NotImplementedError(
                f"Network.{what}: this Network lacks {names} of its scope, and spikejit runs every object of "
                "a scope (it cannot leave objects out of a run): add them to the Network, or create objects "
                "that should not run after start_scope()"
            )

    def run(self, duration: Any, report: Any = None, report_period: Any = 10.0,
            namespace: Optional[Mapping[str, Any]] = None, profile: Any = None, level: int = 0) -> None:
        """Runs the network for ``duration`` (see :func:`spikejit.run`)."""
        self._check_complete("run")
        self._scope.run(duration, report, report_period, namespace, profile, level)

    def store(self, name: str = "default", filename: Optional[str] = None) -> None:
        """Stores the state of the network (see :func:`spikejit.store`)."""
        self._check_complete("store")
        if filename is None:
            self._scope.net.store(name)
        else:
            self._scope.net.store_to_file(name, str(filename))

    def restore(self, name: str = "default", filename: Optional[str] = None,
                restore_random_state: bool = False) -> None:
        """Restores a stored state (see :func:`spikejit.restore`)."""
        self._check_complete("restore")
        if filename is None:
            self._scope.net.restore(name, restore_random_state)
        else:
            self._scope.net.restore_from_file(name, str(filename), restore_random_state)

    @property
    def t(self) -> Any:
        """The network's current time."""
        return with_unit(self._scope.net.t, _SECOND)

    @property
    def t_(self) -> float:
        """The network's current time in seconds."""
        return float(self._scope.net.t)

    def scheduling_summary(self) -> List[Tuple[str, str, str, int, float]]:
        """What runs in a time step: (name, class, when, order, dt) per object."""
        return list(self._scope.net.schedule())

    def __repr__(self) -> str:
        return f"Network({', '.join(repr(getattr(o, 'name', o)) for o in self._objects)})"
