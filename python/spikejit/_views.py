"""State variables as attributes: ``G.v`` reads, ``G.v = ...`` and ``G.v[...] = ...`` write.

``G.v`` returns the values as an array (a Brian2 Quantity of the variable's
unit when brian2 is installed) that remembers where it came from: item
assignment on it (``G.v[0:10] = -70*mV``, ``G.v['i > 5'] = 'rand()*mV'``,
``S.w[0, 3] = 0.1``) writes the variable of the network. Arrays computed from
it (``G.v * 2``, ``G.v[:5]``) are ordinary arrays.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple

import numpy as np

from ._namespace import explicit_or_caller, resolve_codes
from ._units import DIMENSIONLESS, _Quantity, is_quantity, to_si, with_unit

# Brian2's int32 builtins that the core stores as float64 (elem_type_of says "float64").
_INTEGER_BUILTINS = {"N_incoming", "N_outgoing"}
_NUMPY_DTYPES = {"float64": np.float64, "float32": np.float32, "int32": np.int32, "int64": np.int64, "bool": bool}


def subexpression_types(model: Optional[str]) -> Dict[str, str]:
    """The subexpressions a model string declares ``integer`` or ``boolean`` (``x = i > 3 : boolean``).

    The core stores no subexpression, so ``elem_type_of`` does not know
    them; their values (computed by ``evaluate``) take this type when read.
    Stored variables take the core's type (``elem_type_of``).
    """
    out: Dict[str, str] = {}
    for line in (model or "").splitlines():
        code = line.split("#", 1)[0]
        m = re.match(r"\s*([A-Za-z_]\w*)\s*=[^:]*:\s*(integer|boolean)\b", code)
        if m:
            out[m.group(1)] = m.group(2)
    return out


class _Owned:
    """Item assignment writes through to the variable the array was read from."""

    _owner: Optional[Tuple[Any, str]] = None

    def __array_finalize__(self, obj: Any) -> None:
        finalize = getattr(super(), "__array_finalize__", None)
        if finalize is not None:
            finalize(obj)
        self._owner = None  # derived arrays are plain values

    def __setitem__(self, key: Any, value: Any) -> None:
        owner = self._owner
        if owner is None:
            super().__setitem__(key, value)  # type: ignore[misc]
            return
        group, var = owner
        group._set_item(var, key, value)
        # keep this array in step with the network
        fresh = np.asarray(group._read(var))
        if fresh.shape == np.shape(self):
            np.ndarray.__setitem__(self, slice(None), fresh)  # type: ignore[arg-type]

    def __getitem__(self, key: Any) -> Any:
        owner = self._owner
        if owner is not None and (isinstance(key, str) or _is_pair_key(owner[0], key)):
            group, var = owner
            return group._get_item(var, key)
        return super().__getitem__(key)  # type: ignore[misc]


class VariableView(_Owned, np.ndarray):
    """The values of a dimensionless state variable; item assignment writes the variable."""


_quantity_view_class: List[Any] = []


def _quantity_view() -> Any:
    if not _quantity_view_class:
        class VariableQuantity(_Owned, _Quantity):  # type: ignore[misc, valid-type]
            """The values of a state variable with its unit; item assignment writes the variable."""

        VariableQuantity.__module__ = __name__
        _quantity_view_class.append(VariableQuantity)
    return _quantity_view_class[0]


def make_view(group: Any, var: str, values: np.ndarray, dims: Sequence[float]) -> Any:
    """``values`` as a view that writes through to ``group.var``."""
    if _Quantity is not None and any(d != 0 for d in dims):
        view = with_unit(values, dims).view(_quantity_view())
    else:
        view = np.asarray(values).view(VariableView)
    view._owner = (group, var)
    return view


class linked_var:
    """Brian2's ``linked_var``: ``G2.v = linked_var(G1, 'v')`` or ``linked_var(G1.v)``.

    Parameters
    ----------
    group_or_variable : group or variable view
        The group (with ``name``) or a variable read from it (``G1.v``).
    name : str, optional
        The variable of the group.
    index : array or str, optional
        For each element of the linking group, the index into the linked
        group (an array, or the name of an integer variable).
    """

    def __init__(self, group_or_variable: Any, name: Optional[str] = None, index: Any = None) -> None:
        owner = getattr(group_or_variable, "_owner", None)
        if owner is not None:
            self.group, self.name = owner
        else:
            if name is None:
                raise TypeError("linked_var(group, name): the name of the linked variable is missing")
            self.group, self.name = group_or_variable, name
        if not hasattr(self.group, "_handle"):
            raise TypeError(f"linked_var: {self.group!r} is not a spikejit group")
        self.index = index


class _Pathway:
    """A pathway of synapses (``S.pre``): its ``delay``."""

    def __init__(self, synapses: Any, name: str) -> None:
        object.__setattr__(self, "_synapses", synapses)
        object.__setattr__(self, "_name", name)

    @property
    def delay(self) -> Any:
        return self._synapses._view(f"{self._name}.delay")

    @delay.setter
    def delay(self, value: Any) -> None:
        self._synapses._set_var(f"{self._name}.delay", value)


class StateObject:
    """What groups and synapses share: variables as attributes.

    Subclasses set ``_scope``, ``_handle``, ``_namespace`` and ``_subexpression_types``.
    """

    _is_synapses = False
    _has_variables = True
    _top_level = True
    _pathways: Tuple[str, ...] = ()

    # --- names ------------------------------------------------------------
    @property
    def name(self) -> str:
        """The object's name in the network."""
        return self._scope.net.name_of(self._handle)

    @property
    def N(self) -> int:
        """The number of elements (neurons, synapses)."""
        return int(self._scope.net.size_of(self._handle))

    def __len__(self) -> int:
        return self.N

    def _variables(self) -> Set[str]:
        names = set(self._scope.net.all_variables(self._handle))
        names.update(("i", "N"))
        if self._is_synapses:
            names.update(("j", "delay", "N_incoming", "N_outgoing", "lastupdate"))
        return names

    def _is_variable(self, var: str) -> bool:
        return var in self._variables()

    # --- reading ----------------------------------------------------------
    def _read(self, var: str) -> np.ndarray:
        """The SI values of ``var`` (a subexpression computed per element), with the variable's dtype."""
        net = self._scope.net
        SpikejitError = self._scope.core.SpikejitError
        try:
            # synapses' i, j come relative to the source/target (subgroup); delays per synapse
            values = net.get(self._handle, var)
        except SpikejitError:
            if var in ("i", "N"):  # a group's index and size are not stored
                n = self.N
                return np.arange(n, dtype=np.int32) if var == "i" else np.full(n, n, dtype=np.int32)
            if self._is_synapses:
                raise  # subexpressions of synapses cannot be computed from Python (the core evaluates groups only)
            values = net.evaluate(self._handle, var)
            kind = self._subexpression_types.get(var)
            if kind == "integer":
                return values.astype(np.int32)
            if kind == "boolean":
                return values.astype(bool)
            return values
        if var in _INTEGER_BUILTINS:
            return values.astype(np.int32)
        return values.astype(_NUMPY_DTYPES[self._elem_type(var)], copy=False)

    def _elem_type(self, var: str) -> str:
        """The dtype name of a stored variable (the core's ``elem_type_of``; a linked variable's from its target)."""
        try:
            return str(self._scope.net.elem_type_of(self._handle, var))
        except self._scope.core.SpikejitError:
            # elem_type_of does not follow links: ask the linked variable's group
            link = self.__dict__.get("_root", self).__dict__.get("_links", {}).get(var)
            if link is None:
                raise
            group, target_var = link
            return group._elem_type(target_var)

    def _dims(self, var: str) -> Tuple[float, ...]:
        try:
            return tuple(self._scope.net.unit_of(self._handle, var))
        except self._scope.core.SpikejitError:
            return DIMENSIONLESS

    def _view(self, var: str) -> Any:
        return make_view(self, var, self._read(var), self._dims(var))

    def __getattr__(self, name: str) -> Any:
        # only called when ordinary lookup fails: a state variable
        if name.startswith("__") or name.startswith("_"):
            raise AttributeError(name)
        if name in self._pathways:
            return _Pathway(self, name)
        raw = name.endswith("_")
        var = name[:-1] if raw else name
        if not self._is_variable(var):
            raise AttributeError(f"'{self.name}' has no attribute or state variable '{name}'")
        return self._read(var) if raw else self._view(var)

    # --- writing ----------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_") or hasattr(type(self), name) or name in self.__dict__:
            object.__setattr__(self, name, value)
            return
        var = name[:-1] if name.endswith("_") and not self._is_variable(name) else name
        if not self._is_variable(var):
            raise AttributeError(
                f"'{self.name}' has no state variable '{name}' (use add_attribute('{name}') for a Python attribute)"
            )
        self._set_var(var, value)

    def add_attribute(self, name: str) -> None:
        """Allows a Python attribute ``name`` on this object (as Brian2's ``add_attribute``)."""
        if self._is_variable(name):
            raise AttributeError(f"'{name}' is a state variable of '{self.name}'")
        object.__setattr__(self, name, None)

    def _value(self, var: str, value: Any, where_codes: Sequence[Optional[str]] = ()) -> Any:
        """A value for the core's ``set``: an expression (its names defined) or SI numbers."""
        if isinstance(value, str):
            resolve_codes(self._scope, [value, *where_codes], explicit_or_caller(self._namespace))
            return value
        if is_quantity(value) or not isinstance(value, (np.ndarray, list, tuple)):
            return to_si(value, self._dims(var), f"{self.name}.{var}")
        return to_si(value, self._dims(var), f"{self.name}.{var}")

    def _set_var(self, var: str, value: Any) -> None:
        if isinstance(value, linked_var):
            index = value.index
            if index is not None and not isinstance(index, str):
                index = np.asarray(index, dtype=np.int64)
            self._scope.net.link(self._handle, var, value.group._handle, value.name, index)
            # kept for the dtype of the values read (the core's elem_type_of does not follow links)
            self.__dict__.get("_root", self).__dict__.setdefault("_links", {})[var] = (value.group, value.name)
            return
        self._scope.net.set(self._handle, var, self._value(var, value))

    def _condition(self, key: Any) -> Optional[str]:
        """A condition string for an index: a string, or a synapse (pre, post) tuple, or a slice of neurons."""
        if isinstance(key, str):
            return key
        if _is_pair_key(self, key):
            names = ("i", "j", self._multisynaptic or "")
            parts = []
            for name, sub in zip(names, key):
                if not name:
                    raise IndexError("S.var[pre, post, k] needs the synapses' multisynaptic_index")
                part = _index_condition(name, sub)
                if part:
                    parts.append(part)
            return " and ".join(parts) if parts else "True"
        return None

    def _set_item(self, var: str, key: Any, value: Any) -> None:
        net = self._scope.net
        condition = self._condition(key)
        if condition is not None:
            if isinstance(value, (np.ndarray, list, tuple)) and np.ndim(value) > 0:
                raise ValueError(
                    f"{self.name}.{var}[{key!r}] = ...: with a condition the value must be one value or an "
                    "expression string, not an array"
                )
            net.set(self._handle, var, self._value(var, value, [condition]), condition)
            return
        if isinstance(key, slice) and key == slice(None):
            net.set(self._handle, var, self._value(var, value))
            return
        if isinstance(value, str):
            if self._is_synapses:
                raise NotImplementedError(
                    f"{self.name}.{var}[synapse indices] = '{value}': an expression on synapses takes all of them "
                    f"or a condition ({self.name}.{var}['i > j'] = ...) or S.{var}[pre, post] = ...")
            if isinstance(key, (int, np.integer, slice)):
                where = _index_condition("i", key, self.N)
                net.set(self._handle, var, self._value(var, value, [where]), where)
                return
            resolve_codes(self._scope, [value], explicit_or_caller(self._namespace))
            computed = net.evaluate(self._handle, value)
            full = self._read(var).astype(float)
            full[key] = computed[key]
            net.set(self._handle, var, full)
            return
        full = self._read(var).astype(float)
        full[key] = to_si(value, self._dims(var), f"{self.name}.{var}")
        net.set(self._handle, var, full)

    def _tuple_mask(self, key: Tuple[Any, ...]) -> np.ndarray:
        """The synapses selected by ``S.var[pre, post]`` or ``S.var[pre, post, k]``."""
        if not 2 <= len(key) <= 3:
            raise IndexError("synapses are indexed as S.var[pre, post] or S.var[pre, post, k]")
        mask = np.ones(self.N, dtype=bool)
        names = ["i", "j"] + ([self._multisynaptic] if len(key) == 3 else [])
        for name, sub in zip(names, key):
            if name is None:
                raise IndexError("S.var[pre, post, k] needs the synapses' multisynaptic_index")
            if isinstance(sub, slice) and sub == slice(None):
                continue
            index = self._read(name)
            if isinstance(sub, slice):
                if sub.step not in (None, 1) or any(x is not None and x < 0 for x in (sub.start, sub.stop)):
                    raise IndexError("S.var[pre, post]: slices of neurons need non-negative bounds and no step")
                lo = sub.start or 0
                mask &= (index >= lo) & ((index < sub.stop) if sub.stop is not None else True)
            else:
                mask &= np.isin(index, np.atleast_1d(np.asarray(sub)))
        return mask

    def _get_item(self, var: str, key: Any) -> Any:
        values = self._read(var)
        if _is_pair_key(self, key):
            return with_unit(values[self._tuple_mask(key)], self._dims(var))
        condition = self._condition(key)
        if condition is not None:
            if self._is_synapses:
                raise NotImplementedError(
                    f"reading {self.name}.{var}['{condition}']: spikejit evaluates conditions on synapses only "
                    f"when setting; select with the indices instead ({self.name}.{var}[{self.name}.i > "
                    f"{self.name}.j]) or with S.{var}[pre, post]")
            resolve_codes(self._scope, [condition], explicit_or_caller(self._namespace))
            mask = self._scope.net.evaluate(self._handle, condition) != 0
            values = values[mask]
        else:
            values = values[key]
        return with_unit(values, self._dims(var))

    def get_states(self, vars: Optional[Sequence[str]] = None, units: bool = True) -> Dict[str, Any]:
        """The values of several variables as a dict (all state variables by default)."""
        names = list(vars) if vars is not None else list(self._scope.net.all_variables(self._handle))
        return {v: (with_unit(self._read(v), self._dims(v)) if units else self._read(v)) for v in names}

    def set_states(self, values: Dict[str, Any], units: bool = True) -> None:
        """Sets several variables from a dict."""
        for var, value in values.items():
            self._set_var(var, value)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} of {self.N} elements>"


def _is_pair_key(obj: Any, key: Any) -> bool:
    """Whether ``key`` is Brian2's ``S.var[pre, post]`` or ``S.var[pre, post, k]`` (a 1-tuple is numpy's own)."""
    return bool(obj._is_synapses) and isinstance(key, tuple) and len(key) in (2, 3)


def _index_condition(name: str, key: Any, size: Optional[int] = None) -> str:
    """A condition on an index variable for an int, a slice or an array of indices."""
    if isinstance(key, (int, np.integer)):
        k = int(key)
        if k < 0:
            if size is None:
                raise IndexError("negative indices are not supported here")
            k += size
        return f"{name} == {k}"
    if isinstance(key, slice):
        if key == slice(None):
            return ""
        if size is not None:
            start, stop, step = key.indices(size)
        else:
            if any(x is not None and x < 0 for x in (key.start, key.stop, key.step)):
                raise IndexError("negative slice bounds are not supported for synapse indices")
            start, stop, step = key.start or 0, key.stop, key.step or 1
        parts = [f"{name} >= {start}"]
        if stop is not None:
            parts.append(f"{name} < {stop}")
        if step != 1:
            parts.append(f"({name} - {start}) % {step} == 0")
        return " and ".join(parts)
    indices = np.asarray(key)
    if indices.dtype.kind not in "iu":
        raise IndexError(f"indices must be integers, slices or a condition string, got {key!r}")
    if indices.size == 0:
        return "False"
    return "(" + " or ".join(f"{name} == {int(k)}" for k in indices.reshape(-1)) + ")"
