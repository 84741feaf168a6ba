"""Groups, synapses and inputs with Brian2's names and arguments.

Each object joins the current scope's network when it is created (see
``_scope``), so its variables can be set and read at once.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from ._namespace import (caller_namespace, classify, explicit_or_caller, object_namespace, register_timed_array,
                         resolve_codes)
from ._scope import Clock, _DefaultClock, current_scope
from ._units import dims_of, is_quantity, quantity_code, same_dims, to_hertz, to_seconds, to_si
from ._views import StateObject, subexpression_types

_SECOND = (0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0)
_HERTZ = (0.0, 0.0, -1.0, 0.0, 0.0, 0.0, 0.0)
_DTYPE_NAMES = {"float64", "float32", "int32", "int64", "bool"}


def _code(value: Any, what: str) -> Optional[str]:
    """A code string: a str, or a Brian2 ``Equations`` (its text); None stays None."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if type(value).__name__ == "Equations":
        return str(value)
    raise TypeError(f"{what}: expected a string, got {type(value).__name__}")


def _name(name: Optional[str]) -> Optional[str]:
    """Brian2's default names end with ``*`` (``neurongroup*``): spikejit numbers them itself."""
    if name is None or name.endswith("*"):
        return None
    return name


def _method(method: Any) -> Optional[str]:
    if method is None or isinstance(method, tuple):
        return None  # Brian2's default ('exact', 'euler', 'heun'): spikejit's default too
    if isinstance(method, str):
        return method
    raise TypeError(f"method must be a string, got {type(method).__name__}")


def _clock(dt: Any, clock: Any) -> Tuple[Optional[float], Optional[str]]:
    if clock is not None and not isinstance(clock, _DefaultClock):
        if not isinstance(clock, Clock):
            raise TypeError(f"clock must be a spikejit.Clock, got {type(clock).__name__}")
        if dt is not None:
            raise ValueError("give dt or clock, not both")
        return None, clock.name
    return (None if dt is None else to_seconds(dt, "dt")), None


def _dtypes(dtype: Any) -> List[Tuple[str, str]]:
    if dtype is None:
        return []
    if not isinstance(dtype, Mapping):
        raise NotImplementedError(
            "dtype: spikejit takes a dict of dtypes per variable ({'v': float32}); for float32 everywhere "
            "use the model file's simulation.dtype"
        )
    out = []
    for var, dt in dtype.items():
        name = "bool" if dt is bool else np.dtype(dt).name
        if name not in _DTYPE_NAMES:
            raise ValueError(f"dtype of '{var}': {name} is not one of {sorted(_DTYPE_NAMES)}")
        out.append((var, name))
    return out


def _literal(scope: Any, si: float, dims: Sequence[float]) -> str:
    """A code string for a value: ``0.005*second``, or a hidden constant for other dimensions."""
    code = quantity_code(si, dims)
    if code is not None:
        return code
    name = f"spikejit_literal_{len(scope.constants)}"
    scope.net.constant(name, float(si), [float(d) for d in dims])
    scope.constants[name] = (float(si), tuple(dims), False)
    return name


def _handle_of(obj: Any, what: str, scope: Any) -> int:
    handle = getattr(obj, "_handle", None)
    if handle is None:
        raise TypeError(f"{what}: expected a spikejit group, got {type(obj).__name__}")
    if obj._scope is not scope:
        raise ValueError(f"{what}: '{obj.name}' belongs to another scope (created before start_scope())")
    return handle


class _Group(StateObject):
    """Groups of neurons (and inputs): subgroups and ``run_regularly``."""

    def _init_common(self, namespace: Optional[Dict[str, Any]]) -> None:
        object.__setattr__(self, "_scope", current_scope())
        object.__setattr__(self, "_namespace", dict(namespace) if namespace is not None else None)
        object.__setattr__(self, "_codes", [])
        object.__setattr__(self, "_subexpression_types", {})
        object.__setattr__(self, "_offset", 0)
        object.__setattr__(self, "_root", self)

    def __getitem__(self, key: Union[int, slice]) -> "Subgroup":
        """``G[a:b]``: a subgroup of contiguous elements."""
        n = self.N
        if isinstance(key, (int, np.integer)):
            k = int(key) + (n if key < 0 else 0)
            if not 0 <= k < n:
                raise IndexError(f"index {key} out of range for '{self.name}' of size {n}")
            start, stop = k, k + 1
        elif isinstance(key, slice):
            start, stop, step = key.indices(n)
            if step != 1:
                raise IndexError("subgroups must be contiguous (G[a:b] without a step)")
            if stop <= start:
                raise IndexError(f"the subgroup [{key.start}:{key.stop}] of '{self.name}' is empty")
        else:
            raise TypeError(f"subgroups are made with G[a:b] or G[k], got {key!r}")
        return Subgroup(self, start, stop)

    def run_regularly(self, code: str, dt: Any = None, clock: Any = None, when: str = "start", order: int = 0,
                      name: Optional[str] = None, codeobj_class: Any = None) -> None:
        """Runs ``code`` (statements) every ``dt`` (default: the group's clock), as Brian2's ``run_regularly``."""
        code = _code(code, "run_regularly code")
        if clock is not None:
            raise NotImplementedError("run_regularly(clock=...): spikejit takes dt= for run_regularly")
        seconds = None if dt is None else to_seconds(dt, "run_regularly dt")
        self._root._codes.append(code)
        resolve_codes(self._scope, [code], explicit_or_caller(self._namespace))
        self._scope.net.run_regularly(self._handle, code, seconds, when, int(order))


class NeuronGroup(_Group):
    """A group of neurons, as Brian2's ``NeuronGroup``.

    Parameters
    ----------
    N : int
        The number of neurons.
    model : str or Equations
        The model equations in Brian2's syntax.
    method : str, optional
        The integration method (``'exact'``, ``'euler'``, ``'rk4'``, ...).
    threshold, reset : str, optional
        The spike condition and the code run after a spike.
    refractory : bool, Quantity, float or str
        The refractory period (seconds when a number) or a condition.
    events : dict, optional
        Custom events: name to condition.
    namespace : dict, optional
        The names the model uses (else the caller's, at each run).
    dtype : dict, optional
        dtypes of variables (``{'n': int64}``).
    dt, clock : optional
        The group's time step (seconds when a number) or a ``Clock``.
    order : int
        The order within the schedule slots.
    name : str, optional
        A unique name (``neurongroup``, ``neurongroup_1``, ... by default).
    """

    def __init__(self, N: int, model: Any, method: Any = ("exact", "euler", "heun"), method_options: Any = None,
                 threshold: Optional[str] = None, reset: Optional[str] = None, refractory: Any = False,
                 events: Optional[Dict[str, str]] = None, namespace: Optional[Dict[str, Any]] = None,
                 dtype: Any = None, dt: Any = None, clock: Any = None, order: int = 0, name: Optional[str] = None,
                 codeobj_class: Any = None) -> None:
        self._init_common(namespace)
        scope = self._scope
        if isinstance(N, bool) or not isinstance(N, (int, np.integer)) or N < 1:
            raise ValueError(f"NeuronGroup: N must be a positive integer, got {N!r}")
        if method_options:
            raise NotImplementedError("NeuronGroup(method_options=...): not available in the Python API yet")
        model_code = _code(model, "NeuronGroup model") or ""
        threshold = _code(threshold, "threshold")
        reset = _code(reset, "reset")
        if refractory is False or refractory is None:
            refractory_code = None
        elif isinstance(refractory, str):
            refractory_code = refractory
        else:
            refractory_code = _literal(scope, to_seconds(refractory, "refractory"), _SECOND)
        event_pairs = [(str(k), _code(v, f"event '{k}'")) for k, v in (events or {}).items()]
        ns_list = object_namespace(scope, namespace) if namespace is not None else []
        dt_s, clock_name = _clock(dt, clock)
        codes = [model_code, threshold, reset, refractory_code, *(c for _, c in event_pairs)]
        self._codes.extend(c for c in codes if c)
        self._subexpression_types.update(subexpression_types(model_code))
        object.__setattr__(self, "_handle", scope.net.add_neurons(
            int(N), model_code, threshold, reset, refractory_code, _method(method), _name(name), dt_s, clock_name,
            int(order), None, event_pairs, [], ns_list, _dtypes(dtype)))
        scope.register(self)
        resolve_codes(scope, self._codes, explicit_or_caller(self._namespace))


class Subgroup(_Group):
    """``G[a:b]``: contiguous elements of a group, to set, read, record and connect."""

    _top_level = False

    def __init__(self, group: _Group, start: int, stop: int, name: Optional[str] = None) -> None:
        root = group._root
        offset = group._offset + start
        object.__setattr__(self, "_scope", group._scope)
        object.__setattr__(self, "_namespace", root._namespace)
        object.__setattr__(self, "_codes", [])
        object.__setattr__(self, "_subexpression_types", root._subexpression_types)
        object.__setattr__(self, "_root", root)
        object.__setattr__(self, "_offset", offset)
        object.__setattr__(self, "_handle", self._scope.net.subgroup(root._handle, offset, offset + (stop - start),
                                                                     _name(name)))
        self._scope.register(self)


class PoissonGroup(_Group):
    """Neurons firing as Poisson processes, as Brian2's ``PoissonGroup``.

    Parameters
    ----------
    N : int
        The number of neurons.
    rates : Quantity, float, array or str
        The rate (Hz when a number), one rate per neuron, or an expression
        (``'10*Hz + i*Hz'``, may use ``t``).
    """

    def __init__(self, N: int, rates: Any, dt: Any = None, clock: Any = None, when: str = "thresholds",
                 order: int = 0, namespace: Optional[Dict[str, Any]] = None, name: Optional[str] = None,
                 codeobj_class: Any = None) -> None:
        self._init_common(None)
        scope = self._scope
        if isinstance(N, bool) or not isinstance(N, (int, np.integer)) or N < 1:
            raise ValueError(f"PoissonGroup: N must be a positive integer, got {N!r}")
        if dt is not None or clock is not None or when != "thresholds" or order != 0:
            raise NotImplementedError("PoissonGroup(dt=, clock=, when=, order=): not available in the Python API yet")
        rates_code: Optional[str] = None
        if isinstance(rates, str):
            rates_code = rates
            rates_arg: Any = rates
        else:
            hz = to_si(rates, _HERTZ, "PoissonGroup rates")
            if isinstance(hz, np.ndarray):
                if hz.shape != (N,):
                    raise ValueError(f"PoissonGroup: {hz.shape[0]} rates for {N} neurons")
                rates_arg = hz  # one rate per neuron, in Hz (the binding makes them a table)
            else:
                rates_code = _literal(scope, hz, _HERTZ)
                rates_arg = rates_code
        if namespace is not None:
            # the binding has no per-object namespace for Poisson groups: the names become global
            if not isinstance(namespace, Mapping):
                raise TypeError(f"namespace must be a dict, got {type(namespace).__name__}")
            for const, value in namespace.items():
                kind = classify(value, const)
                if kind is not None and kind[0] == "const":
                    si, dims, integer = kind[1]
                    scope.net.constant(const, si, dims, integer)
                elif kind is not None:
                    register_timed_array(scope, const, kind[1])
        elif rates_code is not None:
            self._codes.append(rates_code)
        object.__setattr__(self, "_handle", scope.net.add_poisson_group(int(N), rates_arg, _name(name)))
        scope.register(self)
        if rates_code is not None:
            resolve_codes(scope, [rates_code], explicit_or_caller(namespace))


class SpikeGeneratorGroup(_Group):
    """Neurons that spike at given times, as Brian2's ``SpikeGeneratorGroup``.

    Parameters
    ----------
    N : int
        The number of neurons.
    indices : array of int
        The neuron of each spike.
    times : Quantity or array
        The time of each spike (seconds when numbers).
    period : Quantity or float
        Repeat the spikes with this period (0: no repetition).
    """

    def __init__(self, N: int, indices: Any, times: Any, dt: Any = None, clock: Any = None, period: Any = 0.0,
                 when: str = "thresholds", order: int = 0, sorted: bool = False, name: Optional[str] = None,
                 codeobj_class: Any = None) -> None:
        self._init_common(None)
        scope = self._scope
        if dt is not None or clock is not None or when != "thresholds" or order != 0:
            raise NotImplementedError(
                "SpikeGeneratorGroup(dt=, clock=, when=, order=): not available in the Python API yet")
        idx, secs = _spikes(indices, times)
        object.__setattr__(self, "_handle", scope.net.add_spike_generator(
            int(N), idx, secs, to_seconds(period, "period"), _name(name)))
        scope.register(self)

    def set_spikes(self, indices: Any, times: Any, period: Any = 0.0, sorted: bool = False) -> None:
        """Replaces the spikes (the next run fires those not before its start)."""
        idx, secs = _spikes(indices, times)
        self._scope.net.set_spikes(self._handle, idx, secs, to_seconds(period, "period"))


def _spikes(indices: Any, times: Any) -> Tuple[np.ndarray, np.ndarray]:
    idx = np.asarray(indices)
    if idx.dtype.kind not in "iu" and idx.size:
        raise TypeError("SpikeGeneratorGroup: indices must be integers")
    secs = np.atleast_1d(to_si(times, _SECOND, "SpikeGeneratorGroup times"))
    idx = np.atleast_1d(idx).astype(np.int64)
    if idx.shape != secs.shape:
        raise ValueError(f"SpikeGeneratorGroup: {idx.size} indices but {secs.size} times")
    return idx, np.asarray(secs, dtype=float)


class Synapses(StateObject):
    """Synapses between two groups, as Brian2's ``Synapses``.

    Parameters
    ----------
    source, target : group
        The presynaptic and postsynaptic groups (target defaults to source).
    model : str or Equations, optional
        The synaptic variables and equations.
    on_pre, on_post : str or dict, optional
        The code run on presynaptic / postsynaptic spikes, or a dict of named pathways.
    delay : Quantity, float or dict, optional
        The delay of the ``pre`` pathway (seconds when a number) or one per pathway.
    on_event : str or dict
        The event that triggers the pathways (``'spike'``), or one per pathway.
    multisynaptic_index : str, optional
        A variable holding each synapse's index among those of its pair.
    namespace : dict, optional
        The names the code uses (else the caller's, at each run).
    dtype, dt, clock, order, method, name : optional
        As for NeuronGroup.
    """

    _is_synapses = True

    def __init__(self, source: Any, target: Any = None, model: Any = None, on_pre: Any = None, pre: Any = None,
                 on_post: Any = None, post: Any = None, connect: Any = None, delay: Any = None,
                 on_event: Any = "spike", multisynaptic_index: Optional[str] = None,
                 namespace: Optional[Dict[str, Any]] = None, dtype: Any = None, codeobj_class: Any = None,
                 dt: Any = None, clock: Any = None, order: int = 0, method: Any = ("exact", "euler", "heun"),
                 method_options: Any = None, name: Optional[str] = None) -> None:
        scope = current_scope()
        object.__setattr__(self, "_scope", scope)
        object.__setattr__(self, "_namespace", dict(namespace) if namespace is not None else None)
        object.__setattr__(self, "_multisynaptic", multisynaptic_index)
        if method_options:
            raise NotImplementedError("Synapses(method_options=...): not available in the Python API yet")
        target = source if target is None else target
        src = _handle_of(source, "Synapses source", scope)
        tgt = _handle_of(target, "Synapses target", scope)
        model_code = _code(model, "Synapses model") or ""
        pathways = _pathways(on_pre if on_pre is not None else pre, "pre", False)
        pathways += _pathways(on_post if on_post is not None else post, "post", True)
        names = [p[0] for p in pathways]
        delays = _delays(delay, names)
        if isinstance(on_event, str):
            events = [(p, on_event) for p in names] if on_event != "spike" else []
        elif isinstance(on_event, Mapping):
            events = [(str(p), str(e)) for p, e in on_event.items()]
        else:
            raise TypeError("on_event must be a string or a dict of pathway names to events")
        ns_list = object_namespace(scope, namespace) if namespace is not None else []
        dt_s, clock_name = _clock(dt, clock)
        object.__setattr__(self, "_codes", [model_code, *(p[1] for p in pathways)])
        object.__setattr__(self, "_subexpression_types", subexpression_types(model_code))
        object.__setattr__(self, "_pathways", tuple(names))
        object.__setattr__(self, "source", source)
        object.__setattr__(self, "target", target)
        object.__setattr__(self, "_handle", scope.net.add_synapses(
            src, tgt, model_code, pathways, delays, _method(method), _name(name), dt_s, clock_name, int(order), None,
            events, multisynaptic_index, ns_list, _dtypes(dtype), []))
        scope.register(self)
        resolve_codes(scope, self._codes, explicit_or_caller(self._namespace))
        if connect is not None and connect is not False:
            if connect is True:
                self.connect()
            elif isinstance(connect, str):
                self.connect(connect)
            else:
                raise TypeError("Synapses(connect=...): True or a condition string")

    def connect(self, condition: Any = None, i: Any = None, j: Any = None, p: Any = 1.0, n: Any = 1,
                skip_if_invalid: bool = False, namespace: Optional[Dict[str, Any]] = None, level: int = 0) -> None:
        """Creates synapses, as Brian2's ``connect``.

        Parameters
        ----------
        condition : str or bool, optional
            Which pairs to connect (``'i != j'``); True for all pairs.
        i, j : int, array or str, optional
            Explicit indices, or a generator expression for ``j``
            (``'k for k in range(i-3, i+4)'``) or ``i``.
        p : float or str
            The probability of each pair.
        n : int or str
            Synapses per pair.
        skip_if_invalid : bool
            Skip pairs a generator makes outside the target.
        """
        if condition is False:
            return
        if condition is True:
            condition = None
        if condition is not None and not isinstance(condition, str):
            raise TypeError(f"connect: condition must be a string or a bool, got {type(condition).__name__}")
        if i is not None and j is None and condition is None and not isinstance(i, str):
            if np.ndim(i) == 0:
                raise TypeError("connect(i=...): give j= with explicit indices i")
        strings = [s for s in (condition, i, j, p, n) if isinstance(s, str)]
        if strings:
            ns = namespace if namespace is not None else (
                caller_namespace(level) if self._namespace is None else None)
            resolve_codes(self._scope, strings, ns)
        if not isinstance(p, str):
            p = float(p)
            if p == 1.0:
                p = None
        if not isinstance(n, str):
            if isinstance(n, bool) or int(n) != n:
                raise TypeError(f"connect: n must be an integer or a string, got {n!r}")
            n = None if int(n) == 1 else int(n)
        i = _connect_indices(i, "i")
        j = _connect_indices(j, "j")
        self._scope.net.connect(self._handle, condition, i, j, p, n, bool(skip_if_invalid))


def _connect_indices(value: Any, what: str) -> Any:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, np.integer)):
        return int(value)
    arr = np.asarray(value)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"connect: {what} must be integers or a string, got an array of {arr.dtype}")
    return arr.astype(np.int64).reshape(-1)


def _pathways(code: Any, default: str, on_post: bool) -> List[Tuple[str, str, bool]]:
    if code is None:
        return []
    if isinstance(code, Mapping):
        return [(str(name), _code(c, f"pathway '{name}'") or "", on_post) for name, c in code.items()]
    return [(default, _code(code, f"on_{default}") or "", on_post)]


def _delays(delay: Any, pathways: Sequence[str]) -> List[Tuple[str, float]]:
    if delay is None:
        return []
    if isinstance(delay, Mapping):
        return [(str(pw), to_seconds(d, f"delay of '{pw}'")) for pw, d in delay.items()]
    if isinstance(delay, str):
        raise TypeError("Synapses(delay=...): a time or a dict; set per-synapse delays with S.delay = '...'")
    return [("pre", to_seconds(delay, "delay"))]


class PoissonInput:
    """Independent Poisson inputs added to a variable, as Brian2's ``PoissonInput``.

    Parameters
    ----------
    target : group
        The group whose variable gets the inputs.
    target_var : str
        The variable (``'v'``).
    N : int
        The number of inputs per neuron.
    rate : Quantity or float
        The rate of each input (Hz when a number).
    weight : Quantity, float or str
        What each input event adds (in the variable's unit; SI when a number) or an expression.
    """

    _has_variables = False
    _top_level = True
    _namespace = None

    def __init__(self, target: Any, target_var: str, N: int, rate: Any, weight: Any, when: str = "synapses",
                 order: int = 0, name: Optional[str] = None) -> None:
        scope = current_scope()
        self._scope = scope
        tgt = _handle_of(target, "PoissonInput target", scope)
        if when != "synapses" or order != 0:
            raise NotImplementedError("PoissonInput(when=, order=): not available in the Python API yet")
        hz = to_hertz(rate, "PoissonInput rate")
        if isinstance(weight, str):
            weight_code = weight
        else:
            dims = tuple(scope.net.unit_of(tgt, target_var))
            if is_quantity(weight) and not same_dims(dims_of(weight), dims):
                to_si(weight, dims, f"PoissonInput weight for '{target_var}'")  # raises the mismatch
            weight_code = _literal(scope, float(to_si(weight, None, "PoissonInput weight")), dims)
        self._codes = [weight_code]
        self._handle = scope.net.add_poisson_input(tgt, target_var, int(N), hz, weight_code, _name(name))
        self.target, self.target_var, self.N_inputs = target, target_var, int(N)
        scope.register(self)
        resolve_codes(scope, self._codes, caller_namespace())

    @property
    def name(self) -> str:
        """The input's name in the network."""
        return self._scope.net.name_of(self._handle)

    def __repr__(self) -> str:
        return f"<PoissonInput {self.name!r} onto {self.target_var!r}>"
