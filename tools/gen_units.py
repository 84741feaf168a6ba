#!/usr/bin/env python3
"""Generate src/units/table.rs from Brian2's own unit tables.

Regenerate (from the repository root, with Brian2 2.9.0 installed in .venv):

    .venv/bin/python tools/gen_units.py            # writes src/units/table.rs
    .venv/bin/python tools/gen_units.py --check    # exits 1 if the file is stale

What is extracted:

* UNITS: every entry of ``brian2.core.namespace.DEFAULT_UNITS`` (the unit names
  usable in expressions), as (name, scale to SI, dimension exponents), sorted by
  name (byte order) for binary search. Scales are written with Python's repr(),
  which round-trips exactly through Rust's float parser.
* BASE_UNITS and BASE_UNITS_ALLOWED: the names accepted in a unit specification
  after the colon of an equation, computed exactly as
  ``brian2.equations.equations.dimensions_and_type_from_string`` computes them,
  and the human-readable list it prints in its error message.
* REGISTERED_STANDARD / REGISTERED_ADDITIONAL: the unscaled units that ``brian2.units.fundamentalunits.get_unit``
  can return from Brian2's two built-in registers (it looks at the standard one
  first, then user-registered units, then the additional one), as
  (dimension, repr, str). repr is "volt",
  str is "V" (what ``get_unit_for_display`` prints).
"""

import os
import sys

import brian2
from brian2.core.namespace import DEFAULT_UNITS
from brian2.units.fundamentalunits import (
    additional_unit_register,
    standard_unit_register,
    user_unit_register,
)

EXPECTED_VERSION = "2.9.0"
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "units", "table.rs")


def dims_of(unit):
    dims = unit.dim._dims
    out = []
    for x in dims:
        if float(x) != int(x):
            raise SystemExit(f"non-integral exponent in {unit!r}: {dims}")
        v = int(x)
        if not -128 <= v <= 127:
            raise SystemExit(f"exponent out of i8 range in {unit!r}: {dims}")
        out.append(v)
    return out


def fmt_dims(d):
    return "[" + ", ".join(str(x) for x in d) + "]"


def rust_str(s):
    if not s.isascii() or '"' in s or "\\" in s:
        raise SystemExit(f"unexpected characters in {s!r}")
    return '"' + s + '"'


def base_units():
    """Mirror of the lazy initialisation in dimensions_and_type_from_string."""
    base_units_for_dims = {}
    for unit_name, unit in reversed(DEFAULT_UNITS.items()):
        if float(unit) == 1.0 and repr(unit)[-1] not in ["2", "3"]:
            if unit.dim in base_units_for_dims:
                if unit_name not in base_units_for_dims[unit.dim]:
                    base_units_for_dims[unit.dim].append(unit_name)
            else:
                base_units_for_dims[unit.dim] = [repr(unit)]
                if unit_name != repr(unit):
                    base_units_for_dims[unit.dim].append(unit_name)
    alternatives = sorted([tuple(values) for values in base_units_for_dims.values()])
    names = [v for values in alternatives for v in values]
    alternative_strings = []
    for units in alternatives:
        string = units[0]
        if len(units) > 1:
            string += f" ({', '.join(units[1:])})"
        alternative_strings.append(string)
    return names, ", ".join(alternative_strings)


def registered():
    if any(1.0 in v for v in user_unit_register.units_for_dimensions.values()):
        raise SystemExit("user unit register is not empty")
    seen = []
    out = []
    for register in (standard_unit_register, additional_unit_register):
        rows = []
        for dim, by_scale in register.units_for_dimensions.items():
            if 1.0 not in by_scale:
                continue
            u = by_scale[1.0]
            d = dims_of(u)
            # get_unit looks at the standard register first: an additional unit
            # with a standard unit's dimension is never returned.
            if d in seen:
                continue
            seen.append(d)
            rows.append((d, repr(u), str(u)))
        out.append(rows)
    return out


def generate():
    if brian2.__version__ != EXPECTED_VERSION:
        raise SystemExit(f"expected Brian2 {EXPECTED_VERSION}, found {brian2.__version__}")
    units = []
    for name, unit in DEFAULT_UNITS.items():
        if not name.isascii():
            raise SystemExit(f"non-ASCII unit name {name!r}")
        scale = float(unit)
        if float(repr(scale)) != scale or scale != scale or scale in (float("inf"), 0.0):
            raise SystemExit(f"odd scale for {name}: {scale!r}")
        units.append((name, repr(scale), dims_of(unit)))
    units.sort(key=lambda t: t[0].encode())
    names = [u[0] for u in units]
    if len(set(names)) != len(names):
        raise SystemExit("duplicate unit names")

    bases, allowed = base_units()
    base_rows = sorted(
        ((n, repr(DEFAULT_UNITS[n]), str(DEFAULT_UNITS[n]), dims_of(DEFAULT_UNITS[n])) for n in bases),
        key=lambda t: t[0].encode(),
    )
    for n, *_ in base_rows:
        if float(DEFAULT_UNITS[n]) != 1.0 or DEFAULT_UNITS[n].iscompound:
            raise SystemExit(f"base unit {n} is scaled or compound")
    std, add = registered()

    out = []
    w = out.append
    w(f"// @generated by tools/gen_units.py from Brian2 {brian2.__version__}. Do not edit by hand.")
    w("// Regenerate from the repository root: `.venv/bin/python tools/gen_units.py`")
    w("// (`--check` verifies that this file is up to date).")
    w("")
    w("/// Every name in Brian2's `DEFAULT_UNITS`: (name, scale to SI, exponents of")
    w("/// m, kg, s, A, K, mol, cd). Sorted by name (byte order) for binary search.")
    w(f"pub(super) static UNITS: [(&str, f64, [i8; 7]); {len(units)}] = [")
    for name, scale, d in units:
        w(f"    ({rust_str(name)}, {scale}, {fmt_dims(d)}),")
    w("];")
    w("")
    w("/// The names allowed in a unit specification (Brian2's `_base_units`), sorted")
    w("/// by name (byte order), with the repr and str of the unit object each names")
    w("/// (`mM` names the object `mmolar`, displayed `mM`). All have scale 1.")
    w(f"pub(super) static BASE_UNITS: [(&str, &str, &str, [i8; 7]); {len(base_rows)}] = [")
    for name, r, s, d in base_rows:
        w(f"    ({rust_str(name)}, {rust_str(r)}, {rust_str(s)}, {fmt_dims(d)}),")
    w("];")
    w("")
    w("/// Brian2's list of allowed base units, as printed in its error message.")
    w(f"pub(super) const BASE_UNITS_ALLOWED: &str = {rust_str(allowed)};")
    w("")
    for label, rows, doc in (
        ("REGISTERED_STANDARD", std, "Brian2's standard unit register"),
        ("REGISTERED_ADDITIONAL", add, "Brian2's additional unit register (compound units)"),
    ):
        w(f"/// The unscaled units of {doc}: (exponents, repr, str).")
        w("/// One per dimension, the one `get_unit` returns.")
        w(f"pub(super) static {label}: [([i8; 7], &str, &str); {len(rows)}] = [")
        for d, r, s in rows:
            w(f"    ({fmt_dims(d)}, {rust_str(r)}, {rust_str(s)}),")
        w("];")
        w("")
    while out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n"


def main():
    text = generate()
    if "--check" in sys.argv[1:]:
        with open(OUT) as f:
            if f.read() != text:
                print(f"{OUT} is out of date; rerun tools/gen_units.py", file=sys.stderr)
                sys.exit(1)
        return
    with open(OUT, "w") as f:
        f.write(text)
    print(f"wrote {os.path.normpath(OUT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
