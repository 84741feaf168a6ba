"""External names of model strings (Brian2's namespace) and TimedArray.

Brian2 resolves an identifier of a model string that the model does not
define from the object's ``namespace=`` dict or else from the locals and
globals of the frame that called ``run()`` (or the constructor, ``set``,
``connect``). spikejit does the same: it extracts the identifiers of the code
strings with a regex and defines those bound to a number or a Brian2
Quantity as constants of the core network (re-set before every run, so later
changes count), and those bound to a TimedArray as timed arrays. A Python or
numpy int (not a bool) becomes an integer constant, as in Brian2: ``i // n``
and ``i % n`` stay integers and ``range(i - n, i + n)`` takes it.
"""

from __future__ import annotations

import keyword
import numbers
import re
import sys
from collections import ChainMap
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Set, Tuple

import numpy as np

from ._units import dims_of, is_quantity, is_unit, to_seconds

_IDENTIFIER = re.compile(r"(?<![\w.])([A-Za-z_][A-Za-z0-9_]*)")
_COMMENT = re.compile(r"#[^\n]*")

# Names with a meaning in every model string: never taken from the caller.
SPECIAL_NAMES = frozenset(
    {
        "t", "dt", "i", "j", "N", "N_pre", "N_post", "N_incoming", "N_outgoing", "xi",
        "lastspike", "not_refractory", "t_in_timesteps", "unless", "refractory", "event",
        "driven", "constant", "over", "shared", "linked", "summed", "range", "int", "float",
        "bool", "integer", "boolean", "True", "False", "rand", "randn", "exp", "log", "sqrt",
        "clip", "abs", "sin", "cos", "tan", "pi", "e", "inf",
    }
    | set(keyword.kwlist)
)

Constant = Tuple[str, float, Optional[List[float]]]
# The largest magnitude an integer constant keeps exactly (the binding takes a float64).
_EXACT_INT_LIMIT = 2**53


def identifiers(codes: Iterable[Optional[str]]) -> Set[str]:
    """The identifiers of code strings (comments removed, ``x.y`` attribute parts skipped)."""
    found: Set[str] = set()
    for code in codes:
        if code:
            found.update(_IDENTIFIER.findall(_COMMENT.sub("", code)))
    return found


def _is_internal(frame: Any) -> bool:
    name = frame.f_globals.get("__name__", "")
    return name == "spikejit" or name.startswith("spikejit._")


def caller_namespace(level: int = 0) -> Mapping[str, Any]:
    """The locals over the globals of the first frame outside spikejit's own modules, ``level`` frames up.

    This is what Brian2's ``get_local_namespace`` gives: the names a model
    string may use without defining them.
    """
    frame = sys._getframe(1)
    while frame is not None and _is_internal(frame):
        frame = frame.f_back
    for _ in range(level):
        if frame is None:
            break
        frame = frame.f_back
    if frame is None:
        return {}
    try:
        return ChainMap(dict(frame.f_locals), frame.f_globals)
    finally:
        del frame


class TimedArray:
    """Brian2's TimedArray: values over time, called in model strings by the name it is bound to.

    Parameters
    ----------
    values : array or Quantity
        One-dimensional (``name(t)``) or two-dimensional, of shape
        (time steps, columns) (``name(t, i)``).
    dt : Quantity or float
        The time between two values (seconds when a number).
    name : str, optional
        Kept for Brian2 compatibility; model strings use the Python name the
        TimedArray is bound to (in the caller's namespace or ``namespace=``).
    """

    def __init__(self, values: Any, dt: Any, name: Optional[str] = None) -> None:
        self.dims: Tuple[float, ...] = dims_of(values)
        arr = np.array(np.asarray(values), dtype=float)
        if arr.ndim not in (1, 2):
            raise ValueError(f"TimedArray: values must be one- or two-dimensional, got shape {arr.shape}")
        if arr.shape[0] == 0:
            raise ValueError("TimedArray: values are empty")
        self.values_si: np.ndarray = arr
        self.dt: float = to_seconds(dt, "TimedArray dt")
        self.name = name

    def __call__(self, t: Any, i: Any = None) -> Any:
        """The values at time ``t`` (and column ``i``), as Brian2's TimedArray computes them in Python."""
        from ._units import with_unit

        seconds = np.asarray(t, dtype=float)
        # the step t falls in (Brian2 rounds t/dt to a fine grid first, so that t = k*dt is step k)
        index = np.clip(np.floor(seconds / self.dt + 1e-9).astype(int), 0, self.values_si.shape[0] - 1)
        out = self.values_si[index] if i is None else self.values_si[index, np.asarray(i)]
        return with_unit(out, self.dims)

    def __repr__(self) -> str:
        return f"TimedArray(shape={self.values_si.shape}, dt={self.dt!r})"


def classify(value: Any, name: str = "") -> Optional[Tuple[str, Any]]:
    """What an external name's value gives the core: ``("const", (si, dims, integer))``, ``("timed", ta)`` or None."""
    if isinstance(value, TimedArray):
        return ("timed", value)
    if is_unit(value):
        return None  # spikejit knows Brian2's units by name
    if is_quantity(value):
        arr = np.asarray(value)
        if arr.ndim != 0:
            return None
        dims = dims_of(value)
        return ("const", (float(arr), [float(d) for d in dims], False))
    if isinstance(value, (bool, np.bool_)):
        return ("const", (float(value), None, False))
    if isinstance(value, (numbers.Integral, np.integer)):
        # Brian2 keeps an int an integer in code (integer division, %, range())
        if abs(int(value)) > _EXACT_INT_LIMIT:
            raise ValueError(
                f"the integer '{name}' = {int(value)} is beyond 2**53: spikejit takes integer constants as "
                "float64 values and cannot keep it exact (use a float, or a smaller integer)"
            )
        return ("const", (float(value), None, True))
    if isinstance(value, numbers.Real):
        return ("const", (float(value), None, False))
    return None


def object_namespace(scope: Any, namespace: Mapping[str, Any]) -> List[Constant]:
    """An object's ``namespace=`` dict as the core's per-object constants (TimedArrays registered in the scope)."""
    if not isinstance(namespace, Mapping):
        raise TypeError(f"namespace must be a dict, got {type(namespace).__name__}")
    out: List[Constant] = []
    for name, value in namespace.items():
        kind = classify(value, name)
        if kind is None:
            continue
        if kind[0] == "timed":
            register_timed_array(scope, name, kind[1])
        else:
            # the binding's per-object namespace has no integer flag: an int is a float constant here
            # (the same values for // and %, but range() in a generator needs int(n))
            si, dims, _integer = kind[1]
            out.append((name, si, dims))
    return out


def register_timed_array(scope: Any, name: str, ta: TimedArray) -> None:
    """Adds ``ta`` to the scope's network under ``name`` (once)."""
    known = scope.timed_arrays.get(name)
    if known is ta:
        return
    if known is not None:
        raise ValueError(
            f"the name '{name}' already refers to another TimedArray in this scope: spikejit cannot "
            "redefine a TimedArray (use another name, or start_scope() for a new network)"
        )
    values = ta.values_si
    cols = values.shape[1] if values.ndim == 2 else None
    scope.net.add_timed_array(name, values.reshape(-1), ta.dt, list(ta.dims), cols)
    scope.timed_arrays[name] = ta


def define_external(scope: Any, names: Iterable[str], namespace: Mapping[str, Any]) -> None:
    """Defines the names that ``namespace`` binds to numbers, quantities or TimedArrays on the scope's network.

    Names that are variables of an object of the scope, names with a meaning
    in every model string (``t``, ``i``, ``N``, ...) and names the core
    reserves (units, functions) are left alone.
    """
    candidates = [n for n in names if n not in SPECIAL_NAMES and n in namespace]
    if not candidates:
        return
    variables = scope.variable_names()
    for name in candidates:
        if name in variables or name in scope.rejected_names:
            continue
        kind = classify(namespace[name], name)
        if kind is None:
            continue
        if kind[0] == "timed":
            register_timed_array(scope, name, kind[1])
            continue
        si, dims, integer = kind[1]
        defined = (si, tuple(dims) if dims else None, integer)
        before = scope.constants.get(name)
        if before == defined:
            continue
        try:
            scope.net.constant(name, si, dims, integer)
        except scope.core.SpikejitError as e:
            if "bad-name" in getattr(e, "codes", []):
                # a unit, function or constant spikejit knows (pi, e, exp):
                # the model string means that one
                scope.rejected_names.add(name)
                continue
            raise
        scope.constants[name] = defined


def resolve_codes(scope: Any, codes: Sequence[Optional[str]], namespace: Optional[Mapping[str, Any]]) -> None:
    """Defines the external names of ``codes`` from ``namespace`` (nothing when None)."""
    if namespace is None:
        return
    define_external(scope, identifiers(codes), namespace)


def explicit_or_caller(obj_namespace: Optional[Dict[str, Any]]) -> Optional[Mapping[str, Any]]:
    """The namespace a string evaluated now on an object uses: None when the object has its own."""
    if obj_namespace is not None:
        return None
    return caller_namespace()
