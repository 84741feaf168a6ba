"""Unit constants as floats (SI values), for use without brian2.

``from spikejit.units import *`` gives ``ms``, ``mV``, ``nS``, ``Hz``, ...:
``20*ms`` is ``0.02`` (seconds). spikejit takes plain numbers as SI values,
so these make scripts readable without brian2. The constants are floats
(``ms == 0.001``) that also remember their dimension through ``*``, ``/``
and ``**`` (``tau = 10*ms`` is a time): a name a model string uses gets its
unit, and setting a variable checks it. Arithmetic with other numbers gives
plain floats where the dimension is unknown (``+`` of different dimensions).
With brian2 installed, Brian2's units (``from brian2 import ms``) work too.
Names are Brian2's: a prefix and a short or long name (``mV``, ``mvolt``),
and ``um2``/``cm2``/``um3`` powers of lengths.
"""

from __future__ import annotations

from typing import Dict, List, Tuple

from ._units import UnitFloat, unit_float

_PREFIXES = {
    "y": ("yocto", 1e-24), "z": ("zepto", 1e-21), "a": ("atto", 1e-18), "f": ("femto", 1e-15),
    "p": ("pico", 1e-12), "n": ("nano", 1e-9), "u": ("micro", 1e-6), "m": ("milli", 1e-3),
    "c": ("centi", 1e-2), "d": ("deci", 1e-1), "da": ("deka", 1e1), "h": ("hecto", 1e2),
    "k": ("kilo", 1e3), "M": ("mega", 1e6), "G": ("giga", 1e9), "T": ("tera", 1e12),
    "P": ("peta", 1e15), "E": ("exa", 1e18), "Z": ("zetta", 1e21), "Y": ("yotta", 1e24),
}

# (short name, long names, SI value of one unit, dimension: m kg s A K mol cd)
_BASE_UNITS = [
    ("s", ("second",), 1.0, (0, 0, 1, 0, 0, 0, 0)),
    ("V", ("volt",), 1.0, (2, 1, -3, -1, 0, 0, 0)),
    ("A", ("amp", "ampere"), 1.0, (0, 0, 0, 1, 0, 0, 0)),
    ("S", ("siemens",), 1.0, (-2, -1, 3, 2, 0, 0, 0)),
    ("ohm", ("ohm",), 1.0, (2, 1, -3, -2, 0, 0, 0)),
    ("F", ("farad",), 1.0, (-2, -1, 4, 2, 0, 0, 0)),
    ("Hz", ("hertz",), 1.0, (0, 0, -1, 0, 0, 0, 0)),
    ("C", ("coulomb",), 1.0, (0, 0, 1, 1, 0, 0, 0)),
    ("N", ("newton",), 1.0, (1, 1, -2, 0, 0, 0, 0)),
    ("J", ("joule",), 1.0, (2, 1, -2, 0, 0, 0, 0)),
    ("W", ("watt",), 1.0, (2, 1, -3, 0, 0, 0, 0)),
    ("Pa", ("pascal",), 1.0, (-1, 1, -2, 0, 0, 0, 0)),
    ("K", ("kelvin",), 1.0, (0, 0, 0, 0, 1, 0, 0)),
    ("mol", ("mole",), 1.0, (0, 0, 0, 0, 0, 1, 0)),
    ("cd", ("candela",), 1.0, (0, 0, 0, 0, 0, 0, 1)),
    ("g", ("gram", "gramme"), 1e-3, (0, 1, 0, 0, 0, 0, 0)),
    ("m", ("metre", "meter"), 1.0, (1, 0, 0, 0, 0, 0, 0)),
    ("l", ("liter", "litre"), 1e-3, (3, 0, 0, 0, 0, 0, 0)),
    ("M", ("molar",), 1e3, (-3, 0, 0, 0, 0, 1, 0)),  # mol/l in mol/m**3
]

Unit = Tuple[float, Tuple[int, ...]]


def _build() -> Dict[str, Unit]:
    units: Dict[str, Unit] = {}
    lengths: List[Tuple[str, float]] = []
    for short, longs, value, dims in _BASE_UNITS:
        for name in (short,) + longs:
            units[name] = (value, dims)
        prefixed = [(p + short, f * value) for p, (_, f) in _PREFIXES.items()]
        # Brian2 prefixes long names with the short prefix: msecond, mvolt, kohm
        prefixed += [(p + n, f * value) for p, (_, f) in _PREFIXES.items() for n in longs]
        for name, v in prefixed:
            units.setdefault(name, (v, dims))
        if short == "m":
            lengths = [(n, value) for n in (short,) + longs] + prefixed
    for name, value in lengths:  # um2, cm2, metre3, ...
        units.setdefault(name + "2", (value**2, (2, 0, 0, 0, 0, 0, 0)))
        units.setdefault(name + "3", (value**3, (3, 0, 0, 0, 0, 0, 0)))
    return units


# Brian2's unit names (the Units `from brian2 import *` gives, brian2 2.9);
# other prefix combinations are left out so that `import *` shadows nothing
# Brian2 would not (El, EK, Em are common variable names).
_NAMES = """
    Gamp Gcoulomb Gfarad Ggram Ggramme Ghertz Gjoule Gliter Glitre Gmeter Gmetre Gmolar Gmole
    Gohm Gpascal Gsecond Gsiemens Gvolt Gwatt Hz MHz Mamp Mcoulomb Mfarad Mgram Mgramme Mhertz
    Mjoule Mliter Mlitre Mmeter Mmetre Mmolar Mmole Mohm Mpascal Msecond Msiemens Mvolt Mwatt
    Tamp Tcoulomb Tfarad Tgram Tgramme Thertz Tjoule Tliter Tlitre Tmeter Tmetre Tmolar Tmole
    Tohm Tpascal Tsecond Tsiemens Tvolt Twatt amp cm cm2 cm3 cmeter cmetre coulomb farad gram
    gramme hertz joule kHz kamp kcoulomb kelvin kfarad kgram kgramme khertz kilogram kjoule
    kliter klitre kmeter kmetre kmolar kmole kohm kpascal ksecond ksiemens kvolt kwatt liter
    litre mA mM mS mV mamp mcoulomb meter metre mfarad mgram mgramme mhertz mjoule mliter mlitre
    mm mm2 mm3 mmeter mmetre mmolar mmole mohm molar mole mpascal ms msecond msiemens mvolt
    mwatt nA nF nM nS namp ncoulomb nfarad ngram ngramme nhertz njoule nliter nlitre nmeter
    nmetre nmolar nmole nohm npascal nsecond nsiemens nvolt nwatt ohm pA pF pamp pascal pcoulomb
    pfarad pgram pgramme phertz pjoule pliter plitre pmeter pmetre pmolar pmole pohm ppascal
    psecond psiemens pvolt pwatt second siemens uA uF uM uS uamp ucoulomb ufarad ugram ugramme
    uhertz ujoule uliter ulitre um um2 um3 umeter umetre umolar umole uohm upascal us usecond
    usiemens uvolt uwatt volt watt
""".split()

_ALL_UNITS = _build()
_ALL_UNITS["kilogram"] = (1.0, (0, 1, 0, 0, 0, 0, 0))
_UNITS = {name: unit_float(*_ALL_UNITS[name], is_unit=True) for name in _NAMES}
globals().update(_UNITS)

# Names Brian2 users write most; listed explicitly for readers and type checkers.
second: UnitFloat
ms: UnitFloat
us: UnitFloat
msecond: UnitFloat
usecond: UnitFloat
volt: UnitFloat
mV: UnitFloat
mvolt: UnitFloat
amp: UnitFloat
mA: UnitFloat
uA: UnitFloat
nA: UnitFloat
pA: UnitFloat
namp: UnitFloat
pamp: UnitFloat
siemens: UnitFloat
mS: UnitFloat
uS: UnitFloat
nS: UnitFloat
msiemens: UnitFloat
nsiemens: UnitFloat
ohm: UnitFloat
kohm: UnitFloat
Mohm: UnitFloat
Gohm: UnitFloat
farad: UnitFloat
uF: UnitFloat
nF: UnitFloat
pF: UnitFloat
ufarad: UnitFloat
pfarad: UnitFloat
Hz: UnitFloat
kHz: UnitFloat
hertz: UnitFloat
metre: UnitFloat
meter: UnitFloat
cm: UnitFloat
mm: UnitFloat
um: UnitFloat
umetre: UnitFloat
cm2: UnitFloat
um2: UnitFloat
mM: UnitFloat
mmolar: UnitFloat
molar: UnitFloat
kilogram: UnitFloat
kelvin: UnitFloat
mole: UnitFloat

__all__ = sorted(_UNITS)
