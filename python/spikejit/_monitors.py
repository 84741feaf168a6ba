"""Monitors with Brian2's names: SpikeMonitor, EventMonitor, StateMonitor, PopulationRateMonitor.

A monitor joins the current scope's network when it is created; its data is
read from the network when an attribute is accessed (after a run).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from ._objects import _clock, _handle_of, _name
from ._scope import current_scope
from ._units import DIMENSIONLESS, to_seconds, with_unit

_SECOND = (0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0)
_HERTZ = (0.0, 0.0, -1.0, 0.0, 0.0, 0.0, 0.0)


def _variable_list(variables: Any) -> List[str]:
    if variables is None:
        return []
    if isinstance(variables, str):
        return [variables]
    return [str(v) for v in variables]


class _Monitor:
    _has_variables = False
    _top_level = True
    _namespace = None
    _codes: Tuple[str, ...] = ()

    def _start(self, source: Any, what: str) -> int:
        self._scope = current_scope()
        self.source = source
        return _handle_of(source, what, self._scope)

    @property
    def name(self) -> str:
        """The monitor's name in the network."""
        return self._scope.net.name_of(self._handle)

    def _dims(self, var: str) -> Tuple[float, ...]:
        try:
            return tuple(self._scope.net.unit_of(self.source._handle, var))
        except self._scope.core.SpikejitError:
            return DIMENSIONLESS

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} of {self.source.name!r}>"

    def __getattr__(self, name: str) -> Any:
        """A recorded variable (``M.v``, with its unit; ``M.v_`` without)."""
        if name.startswith("_"):
            raise AttributeError(name)
        raw = name.endswith("_")
        var = name[:-1] if raw else name
        if var not in self.__dict__.get("record_variables", ()):
            raise AttributeError(f"'{type(self).__name__}' has no attribute '{name}' (recorded: "
                                 f"{self.__dict__.get('record_variables', [])})")
        values = self._data()[var]
        return values if raw else with_unit(values, self._dims(var))


class EventMonitor(_Monitor):
    """Records the events of a group (Brian2's ``EventMonitor``): ``i``, ``t``, ``count`` and variables.

    Parameters
    ----------
    source : group
        The recorded group.
    event : str
        The event (``'spike'`` or a custom event of the group).
    variables : str or list of str, optional
        Variables recorded at each event.
    record : bool
        False keeps only the counts.
    """

    def __init__(self, source: Any, event: str, variables: Any = None, record: bool = True,
                 when: Optional[str] = None, order: Optional[int] = None, name: Optional[str] = None,
                 codeobj_class: Any = None) -> None:
        src = self._start(source, f"{type(self).__name__} source")
        if not isinstance(record, (bool, np.bool_)):
            raise TypeError(f"{type(self).__name__}: record must be True or False, got {record!r}")
        self.event = event
        self.record_variables = _variable_list(variables)
        self.record = bool(record)
        self._handle = self._scope.net.add_spike_monitor(
            src, event, bool(record), self.record_variables, when, None if order is None else int(order), _name(name))
        self._scope.register(self)

    def _data(self) -> Dict[str, np.ndarray]:
        return self._scope.net.spike_monitor(self._handle)

    @property
    def i(self) -> np.ndarray:
        """The index of the neuron of each event (relative to the source)."""
        return self._data()["i"].astype(np.int32)

    @property
    def t(self) -> Any:
        """The time of each event."""
        return with_unit(self._data()["t"], _SECOND)

    @property
    def t_(self) -> np.ndarray:
        """The time of each event, in seconds."""
        return self._data()["t"]

    @property
    def count(self) -> np.ndarray:
        """The number of events per neuron."""
        return self._data()["count"].astype(np.int32)

    @property
    def num_events(self) -> int:
        """The total number of events."""
        return int(self._data()["count"].sum())

    @property
    def it(self) -> Tuple[np.ndarray, Any]:
        """``(i, t)``."""
        data = self._data()
        return data["i"].astype(np.int32), with_unit(data["t"], _SECOND)

    @property
    def it_(self) -> Tuple[np.ndarray, np.ndarray]:
        """``(i, t)`` with times in seconds."""
        data = self._data()
        return data["i"].astype(np.int32), data["t"]

    def values(self, var: str) -> Dict[int, Any]:
        """The values of ``var`` at each neuron's events, per neuron index."""
        data = self._data()
        if var not in data or var in ("i", "t", "count"):
            raise KeyError(f"'{var}' is not recorded by {self.name!r}")
        return self._per_neuron(data, data[var], self._dims(var))

    def event_trains(self) -> Dict[int, Any]:
        """The times of each neuron's events, per neuron index."""
        data = self._data()
        return self._per_neuron(data, data["t"], _SECOND)

    def _per_neuron(self, data: Dict[str, np.ndarray], values: np.ndarray, dims: Sequence[float]) -> Dict[int, Any]:
        indices = data["i"].astype(np.int64)
        order = np.argsort(indices, kind="stable")
        n = len(data["count"])
        bounds = np.searchsorted(indices[order], np.arange(n + 1))
        return {k: with_unit(values[order[bounds[k]:bounds[k + 1]]], dims) for k in range(n)}


class SpikeMonitor(EventMonitor):
    """Records spikes (Brian2's ``SpikeMonitor``): ``i``, ``t``, ``count``, ``spike_trains()``.

    Parameters
    ----------
    source : group
        The recorded group.
    variables : str or list of str, optional
        Variables recorded at each spike.
    record : bool
        False keeps only the counts.
    """

    def __init__(self, source: Any, variables: Any = None, record: bool = True, when: Optional[str] = None,
                 order: Optional[int] = None, name: Optional[str] = None, codeobj_class: Any = None) -> None:
        super().__init__(source, "spike", variables, record, when, order, name)

    @property
    def num_spikes(self) -> int:
        """The total number of spikes."""
        return self.num_events

    def spike_trains(self) -> Dict[int, Any]:
        """The spike times of each neuron, per neuron index."""
        return self.event_trains()


class StateMonitor(_Monitor):
    """Records variables over time (Brian2's ``StateMonitor``): ``M.t``, ``M.v`` of shape (indices, times).

    Parameters
    ----------
    source : group or synapses
        The recorded object.
    variables : str, list of str or True
        The variables (True: every variable).
    record : bool, int or array of int
        Which elements: True (all), False (none) or indices.
    dt, clock : optional
        The sampling interval (default: the source's clock).
    when : str
        The schedule slot (``'start'``).
    order : int
        The order within the slot.
    """

    def __init__(self, source: Any, variables: Any, record: Any, dt: Any = None, clock: Any = None,
                 when: str = "start", order: int = 0, name: Optional[str] = None, codeobj_class: Any = None) -> None:
        src = self._start(source, "StateMonitor source")
        net = self._scope.net
        if variables is True:
            names = list(net.all_variables(src))
        else:
            names = _variable_list(variables)
        if not names:
            raise ValueError("StateMonitor: no variables to record")
        if record is True or record is False:
            indices = np.arange(net.size_of(src)) if record else np.zeros(0, dtype=np.int64)
            core_record: Any = bool(record)
        else:
            indices = np.atleast_1d(np.asarray(record))
            if indices.dtype.kind not in "iu":
                raise TypeError(f"StateMonitor: record must be True, False or indices, got {record!r}")
            indices = indices.astype(np.int64)
            core_record = indices
        self.record_variables = names
        self.record = indices
        dt_s, clock_name = _clock(dt, clock)
        self._handle = net.add_state_monitor(src, names, core_record, dt_s, clock_name, when, int(order), _name(name))
        self._scope.register(self)

    def _data(self) -> Dict[str, np.ndarray]:
        return self._scope.net.state_monitor(self._handle)

    @property
    def t(self) -> Any:
        """The sample times."""
        return with_unit(self._data()["t"], _SECOND)

    @property
    def t_(self) -> np.ndarray:
        """The sample times in seconds."""
        return self._data()["t"]

    def __getitem__(self, item: Union[int, Sequence[int], np.ndarray]) -> "_StateMonitorView":
        """``M[k]``: the recording of element ``k`` (or of several elements)."""
        return _StateMonitorView(self, item)

    def get_states(self, vars: Optional[Sequence[str]] = None, units: bool = True) -> Dict[str, Any]:
        """The recorded values as a dict (``t`` and every variable)."""
        data = self._data()
        names = list(vars) if vars is not None else ["t", *self.record_variables]
        out = {}
        for var in names:
            dims = _SECOND if var == "t" else self._dims(var)
            out[var] = with_unit(data[var], dims) if units else data[var]
        return out


class _StateMonitorView:
    """``M[k]``: the rows of the recording for element(s) ``k``: ``M[k].v``, ``M[k].t``."""

    def __init__(self, monitor: StateMonitor, item: Any) -> None:
        wanted = np.atleast_1d(np.asarray(item))
        if wanted.dtype.kind not in "iu":
            raise IndexError(f"StateMonitor[...] takes element indices, got {item!r}")
        rows = []
        for k in wanted:
            found = np.nonzero(monitor.record == k)[0]
            if found.size == 0:
                raise IndexError(f"element {int(k)} is not recorded by {monitor.name!r}")
            rows.append(int(found[0]))
        self._monitor = monitor
        self._rows: Any = rows[0] if np.ndim(item) == 0 else np.asarray(rows)

    @property
    def t(self) -> Any:
        return self._monitor.t

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        values = getattr(self._monitor, name)
        return values[self._rows]


class PopulationRateMonitor(_Monitor):
    """The rate of a group per time step (Brian2's ``PopulationRateMonitor``): ``t``, ``rate``, ``smooth_rate``."""

    def __init__(self, source: Any, name: Optional[str] = None, codeobj_class: Any = None, dtype: Any = None,
                 when: Optional[str] = None, order: int = 0) -> None:
        src = self._start(source, "PopulationRateMonitor source")
        self._handle = self._scope.net.add_rate_monitor(src, _name(name), when, int(order))
        self._scope.register(self)

    @property
    def t(self) -> Any:
        """The time of each step."""
        return with_unit(self._scope.net.rate_monitor(self._handle)[0], _SECOND)

    @property
    def t_(self) -> np.ndarray:
        """The time of each step in seconds."""
        return self._scope.net.rate_monitor(self._handle)[0]

    @property
    def rate(self) -> Any:
        """The fraction of the group that fired in each step, per second (Hz)."""
        return with_unit(self._scope.net.rate_monitor(self._handle)[1], _HERTZ)

    @property
    def rate_(self) -> np.ndarray:
        """The rate in Hz."""
        return self._scope.net.rate_monitor(self._handle)[1]

    def smooth_rate(self, window: str = "gaussian", width: Any = None) -> Any:
        """The rate smoothed with a ``'gaussian'`` (width: its standard deviation) or ``'flat'`` window."""
        if width is None:
            raise TypeError("smooth_rate: give the width of the window (width=5*ms)")
        if not isinstance(window, str):
            raise NotImplementedError("smooth_rate: custom window arrays are not supported ('gaussian' or 'flat')")
        seconds = to_seconds(width, "smooth_rate width")
        return with_unit(self._scope.net.smooth_rate(self._handle, window, seconds), _HERTZ)
