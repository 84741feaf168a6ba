"""Brian2 dimensions and quantities as spikejit model code and dims lists."""

import numpy as np

# Brian2's base units, in the order of its dimension exponents.
BASE_UNITS = ("metre", "kilogram", "second", "amp", "kelvin", "mole", "candela")


def dims_list(dim):
    """A Brian2 ``Dimension`` as the 7 exponents spikejit takes (None:
    dimensionless)."""
    exps = [float(x) for x in np.asarray(getattr(dim, "_dims", np.zeros(7)))]
    return None if not any(exps) else exps


def _power(name, e):
    if e == 1:
        return name
    if float(e).is_integer():
        return f"{name}**{int(e)}"
    return f"{name}**{float(e)!r}"


def unit_code(dim):
    """A Brian2 ``Dimension`` as a unit of spikejit's (and Brian2's) model
    language, in base units (scale 1, so values need no conversion):
    ``metre**2*kilogram/second**3/amp``; ``1`` when dimensionless."""
    exps = [float(x) for x in np.asarray(getattr(dim, "_dims", np.zeros(7)))]
    num = [_power(n, e) for n, e in zip(BASE_UNITS, exps) if e > 0]
    den = [_power(n, -e) for n, e in zip(BASE_UNITS, exps) if e < 0]
    if not num and not den:
        return "1"
    # no parentheses: spikejit's unit grammar is a product of powers
    # (``metre**2*kilogram/second**3/amp``)
    return ("*".join(num) if num else "1") + "".join("/" + d for d in den)


def quantity_code(value):
    """A scalar Brian2 quantity (or number) as an exact expression of model
    code: its SI value (``repr`` round-trips the float) times its unit."""
    v = float(np.asarray(value))
    dim = getattr(value, "dim", None)
    unit = unit_code(dim) if dim is not None else "1"
    return repr(v) if unit == "1" else f"({v!r}*{unit})"
