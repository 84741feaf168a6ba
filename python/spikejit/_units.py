"""Values in and out: Brian2 quantities when brian2 is installed, SI numbers otherwise.

spikejit's core takes SI floats and dimensions as Brian2's seven exponents
(metre, kilogram, second, amp, kelvin, mole, candela). This module turns a
user's value (a Brian2 ``Quantity``, a number, an array) into SI floats after
checking its dimension, and the core's SI arrays back into quantities.
"""

from __future__ import annotations

import numbers
import sys
from typing import Any, Optional, Sequence, Tuple

import numpy as np

# Importing brian2 installs its sys.excepthook ("Brian 2 encountered an
# unexpected error ... report it to Brian2"): when spikejit is what imports
# it, spikejit's own errors must not be reported that way.
_brian2_imported_before = "brian2" in sys.modules
_excepthook = sys.excepthook
try:  # brian2 is optional: without it, values are plain SI numbers
    from brian2.units.fundamentalunits import DimensionMismatchError as _Brian2DimensionMismatchError
    from brian2.units.fundamentalunits import Quantity as _Quantity
    from brian2.units.fundamentalunits import Unit as _Unit
    from brian2.units.fundamentalunits import get_or_create_dimension as _get_or_create_dimension

    HAVE_BRIAN2 = True
except ImportError:  # brian2 missing, or hidden with sys.modules['brian2'] = None
    _Quantity = None
    _Unit = None
    _get_or_create_dimension = None
    _Brian2DimensionMismatchError = None
    HAVE_BRIAN2 = False
if not _brian2_imported_before:
    sys.excepthook = _excepthook

Dims = Tuple[float, ...]
DIMENSIONLESS: Dims = (0.0,) * 7

# Named units for writing a quantity into a code string (`5.0*mV` as
# `0.005*volt`); dimensions not listed here go through a hidden constant.
_NAMED_UNITS = {
    (0, 0, 1, 0, 0, 0, 0): "second",
    (0, 0, -1, 0, 0, 0, 0): "Hz",
    (2, 1, -3, -1, 0, 0, 0): "volt",
    (0, 0, 0, 1, 0, 0, 0): "amp",
    (-2, -1, 3, 2, 0, 0, 0): "siemens",
    (2, 1, -3, -2, 0, 0, 0): "ohm",
    (-2, -1, 4, 2, 0, 0, 0): "farad",
    (1, 0, 0, 0, 0, 0, 0): "metre",
    (0, 1, 0, 0, 0, 0, 0): "kilogram",
}


class UnitFloat(float):
    """A float (the SI value) that remembers its dimension: ``spikejit.units``' constants and products of them.

    ``10*ms`` is ``0.01`` and a time; ``*``, ``/``, ``**``, unary ``-`` and
    ``+``/``-`` of equal dimensions keep the dimension, anything else gives a
    plain float. This lets names a model string uses carry their unit
    without brian2.
    """

    dims: Tuple[float, ...]
    is_unit: bool

    def __new__(cls, value: float, dims: Sequence[float] = DIMENSIONLESS, is_unit: bool = False) -> "UnitFloat":
        obj = float.__new__(cls, value)
        obj.dims = tuple(float(d) for d in dims)
        obj.is_unit = is_unit
        return obj

    def __reduce__(self) -> Any:
        return (UnitFloat, (float(self), self.dims))

    def _combine(self, other: Any, sign: float, value: float) -> Any:
        if isinstance(other, UnitFloat):
            return unit_float(value, [a + sign * b for a, b in zip(self.dims, other.dims)])
        if isinstance(other, numbers.Real) and not isinstance(other, bool):
            return unit_float(value, self.dims)
        return NotImplemented

    def __mul__(self, other: Any) -> Any:
        if not isinstance(other, numbers.Real):
            return NotImplemented
        return self._combine(other, 1.0, float(self) * float(other))

    __rmul__ = __mul__

    def __truediv__(self, other: Any) -> Any:
        if not isinstance(other, numbers.Real):
            return NotImplemented
        return self._combine(other, -1.0, float(self) / float(other))

    def __rtruediv__(self, other: Any) -> Any:
        if not isinstance(other, numbers.Real):
            return NotImplemented
        if isinstance(other, UnitFloat):
            return other._combine(self, -1.0, float(other) / float(self))
        return unit_float(float(other) / float(self), [-d for d in self.dims])

    def __pow__(self, power: Any) -> Any:  # type: ignore[override]
        if not isinstance(power, numbers.Real) or isinstance(power, UnitFloat):
            return float(self) ** power
        return unit_float(float(self) ** float(power), [d * float(power) for d in self.dims])

    def __neg__(self) -> Any:
        return unit_float(-float(self), self.dims)

    def __pos__(self) -> Any:
        return unit_float(float(self), self.dims)

    def __abs__(self) -> Any:
        return unit_float(abs(float(self)), self.dims)

    def _same(self, other: Any, value: float) -> Any:
        if isinstance(other, UnitFloat) and other.dims == self.dims:
            return unit_float(value, self.dims)
        return value

    def __add__(self, other: Any) -> Any:
        if not isinstance(other, numbers.Real):
            return NotImplemented
        return self._same(other, float(self) + float(other))

    __radd__ = __add__

    def __sub__(self, other: Any) -> Any:
        if not isinstance(other, numbers.Real):
            return NotImplemented
        return self._same(other, float(self) - float(other))

    def __rsub__(self, other: Any) -> Any:
        if not isinstance(other, numbers.Real):
            return NotImplemented
        return self._same(other, float(other) - float(self))


def unit_float(value: float, dims: Sequence[float], is_unit: bool = False) -> Any:
    """``value`` with dimension ``dims`` (a plain float when dimensionless)."""
    if all(d == 0 for d in dims) and not is_unit:
        return float(value)
    return UnitFloat(value, dims, is_unit)


def _make_error_class() -> type:
    bases: tuple = (ValueError,)
    if _Brian2DimensionMismatchError is not None:
        bases = (ValueError, _Brian2DimensionMismatchError)

    class DimensionMismatchError(*bases):  # type: ignore[misc]
        """A value of the wrong physical dimension (also a Brian2 DimensionMismatchError when brian2 is installed)."""

        def __init__(self, message: str) -> None:
            Exception.__init__(self, message)
            self.desc = message
            self.dims = ()

        def __str__(self) -> str:
            return self.desc

    DimensionMismatchError.__module__ = "spikejit"
    return DimensionMismatchError


DimensionMismatchError = _make_error_class()


def dims_of(value: Any) -> Dims:
    """The dimension exponents of a value (dimensionless for anything but a Quantity or UnitFloat)."""
    if _Quantity is not None and isinstance(value, _Quantity):
        return tuple(float(x) for x in value.dim._dims)
    if isinstance(value, UnitFloat):
        return value.dims
    return DIMENSIONLESS


def is_quantity(value: Any) -> bool:
    """Whether ``value`` has a dimension: a Brian2 Quantity (a Unit included) or a UnitFloat."""
    return (_Quantity is not None and isinstance(value, _Quantity)) or isinstance(value, UnitFloat)


def is_unit(value: Any) -> bool:
    """Whether ``value`` is a unit (``ms``, ``mV``), Brian2's or spikejit.units': spikejit knows units by name."""
    return (_Unit is not None and isinstance(value, _Unit)) or (isinstance(value, UnitFloat) and value.is_unit)


def dims_text(dims: Sequence[float]) -> str:
    """A dimension as text (``m^2 kg s^-3 A^-1``, or ``1``)."""
    parts = []
    for name, e in zip(("m", "kg", "s", "A", "K", "mol", "cd"), dims):
        if e == 0:
            continue
        e_txt = str(int(e)) if float(e).is_integer() else str(e)
        parts.append(name if e == 1 else f"{name}^{e_txt}")
    return " ".join(parts) if parts else "1 (dimensionless)"


def same_dims(a: Sequence[float], b: Sequence[float]) -> bool:
    return all(abs(float(x) - float(y)) < 1e-12 for x, y in zip(a, b))


def to_si(value: Any, expected: Optional[Sequence[float]], what: str) -> Any:
    """A number or array in SI units, after checking a Quantity's dimension.

    Plain numbers and arrays are taken as SI values (no check possible).
    ``expected`` None skips the check.
    """
    if is_quantity(value):
        got = dims_of(value)
        if expected is not None and not same_dims(got, expected):
            raise DimensionMismatchError(
                f"{what}: expected a value of dimension {dims_text(expected)}, got {value!r} ({dims_text(got)})"
            )
        arr = np.asarray(value)  # a Quantity's array holds the SI values
        return float(arr) if arr.ndim == 0 else np.array(arr, dtype=float)
    if isinstance(value, (bool, np.bool_)):
        return float(value)
    if isinstance(value, numbers.Number):
        return float(value)  # type: ignore[arg-type]
    if isinstance(value, (list, tuple, np.ndarray)):
        if isinstance(value, (list, tuple)) and any(is_quantity(x) for x in value):
            if _Quantity is not None and not any(isinstance(x, UnitFloat) for x in value):
                return to_si(_Quantity(value), expected, what)  # type: ignore[misc]
            dims = {dims_of(x) for x in value}
            if len(dims) == 1 and expected is not None and not same_dims(dims.pop(), expected):
                raise DimensionMismatchError(f"{what}: expected values of dimension {dims_text(expected)}, "
                                             f"got {dims_text(dims_of(value[0]))}")
        arr = np.asarray(value, dtype=float)
        return float(arr) if arr.ndim == 0 else arr
    raise TypeError(f"{what}: expected a number, an array or a Quantity, got {type(value).__name__}")


def to_seconds(value: Any, what: str) -> float:
    """A duration or time step in seconds: a Quantity of time, or a number of seconds."""
    if value is None:
        raise TypeError(f"{what}: expected a time, got None")
    si = to_si(value, (0, 0, 1, 0, 0, 0, 0), what)
    if not isinstance(si, float):
        raise TypeError(f"{what}: expected one time, got an array")
    return si


def to_hertz(value: Any, what: str) -> float:
    """A rate in Hz: a Quantity of frequency, or a number of hertz."""
    si = to_si(value, (0, 0, -1, 0, 0, 0, 0), what)
    if not isinstance(si, float):
        raise TypeError(f"{what}: expected one rate, got an array")
    return si


def with_unit(values: Any, dims: Sequence[float]) -> Any:
    """SI values as a Brian2 Quantity of dimension ``dims`` (brian2 installed), else unchanged."""
    if _Quantity is None or all(d == 0 for d in dims):
        return values
    return _Quantity(values, dim=_get_or_create_dimension(list(dims)))


def quantity_code(si: float, dims: Sequence[float]) -> Optional[str]:
    """A code string for an SI value of dimension ``dims`` (``0.005*second``), or None if no named unit fits."""
    key = tuple(int(d) if float(d).is_integer() else d for d in dims)
    if all(d == 0 for d in key):
        return repr(float(si))
    if key == (-3, 0, 0, 0, 0, 1, 0):
        return f"{float(si)!r}*mmolar"  # mol/m**3 = 1 mmolar
    name = _NAMED_UNITS.get(key)
    if name is None:
        return None
    return f"{float(si)!r}*{name}"
