"""Brian2 2.9.0's values for the morphologies of tests/morphology.rs.

Builds each morphology the Rust test builds (Brian2's test_morphology.py cases,
SWC files, Brian2's own mp_ma_40984_gc2.CNG.swc), flattens it with Brian2's
FlatMorphology and writes every derived array to brian2_reference.json; and
records which compartments Brian2's `neuron.PATH[...]` addressing selects.

Run: /work/main/.venv/bin/python tests/reference/morphology/brian2_reference.py
"""

import json
import math
import os

import numpy as np
from brian2 import SpatialNeuron, um, prefs
from brian2.spatialneuron import Cylinder, Morphology, Section, Soma
from brian2.spatialneuron.spatialneuron import FlatMorphology

HERE = os.path.dirname(os.path.abspath(__file__))
prefs.codegen.target = "numpy"

S2 = np.sqrt(2)

# SWC texts (written next to this script for the Rust test to load).
SWC = {
    # test_tree_cables_from_swc: the cable tree, types 0 (unnamed) and 2 (axon)
    "tree_cables.swc": """
# Test file
1   0  0  0  0  5  -1
2   0  10  0  0  5  1
3   0  20  0  0  5  2
4   0  30  0  0  5  3
5   0  40  0  0  5  4
6   0  50  0  0  5  5
7   0  60  0  0  5  6
8   0  70  0  0  5  7
9   0  80  0  0  5  8
10   0  90  0  0  5  9
11   0  100  0  0  5  10
12   2  114.14213562373095  14.142135623730949  0  4  11
13   2  128.2842712474619  28.284271247461898  0  3  12
14   2  142.42640687119285  42.426406871192846  0  2  13
15   2  156.5685424949238  56.568542494923797  0  1  14
16   2  170.71067811865476  70.710678118654741  0  0  15
17   2  107.07106781186548  -7.0710678118654746  0  2.5  11
18   2  114.14213562373095  -14.142135623730949  0  2.5  17
19   2  121.21320343559643  -21.213203435596423  0  2.5  18
20   2  128.2842712474619  -28.284271247461898  0  2.5  19
21   2  135.35533905932738  -35.35533905932737  0  2.5  20
22   2  142.42640687119285  -35.35533905932737  7.0710678118654746  1.25  21
23   2  149.49747468305833  -35.35533905932737  14.142135623730949  1.25  22
24   2  156.5685424949238  -35.35533905932737  21.213203435596423  1.25  23
25   2  163.63961030678928  -35.35533905932737  28.284271247461898  1.25  24
26   2  170.71067811865476  -35.35533905932737  35.35533905932737  1.25  25
27   2  142.42640687119285  -35.35533905932737  -7.0710678118654746  2  21
28   2  149.49747468305833  -35.35533905932737  -14.142135623730949  1.5  27
29   2  156.5685424949238  -35.35533905932737  -21.213203435596423  1  28
30   2  163.63961030678928  -35.35533905932737  -28.284271247461898  0.5  29
31   2  170.71067811865476  -35.35533905932737  -35.35533905932737  0  30
""",
    # a three-point soma (types 1), a dendrite with three children (numbered
    # 1, 2, 3) and an apical dendrite
    "three_point_soma.swc": """# soma of three points, one radius apart
1 1 100 0 0 15 -1
2 1 100 15 0 15 1
3 1 100 -15 0 15 1
4 3 110 10 0 4 1
5 3 120 20 0 3 4
6 3 130 30 0 2 5
7 3 135 40 0 1 6
8 3 140 30 5 1 6
9 3 140 30 -5 1 6
10 4 100 -20 0 2 1
11 4 100 -40 0 1.5 10
12 2 90 0 0 1 1
13 7 80 0 0 1 12
14 7 70 0 0 1 13
""",
}


def soma_tree(coordinates):
    if coordinates:
        soma = Soma(diameter=30 * um, x=100 * um)
        soma.L = Section(n=5, diameter=[8, 8, 6, 4, 2, 0] * um,
                         x=np.linspace(0, 100, 6) / S2 * um, y=np.linspace(0, 100, 6) / S2 * um)
        soma.R = Cylinder(n=5, diameter=5 * um, x=[0, 50] * um / S2, y=[0, -50] * um / S2)
    else:
        soma = Soma(diameter=30 * um)
        soma.L = Section(n=5, diameter=[8, 8, 6, 4, 2, 0] * um, length=np.ones(5) * 20 * um)
        soma.R = Cylinder(n=5, diameter=5 * um, length=50 * um)
    return soma


def cable_tree(coordinates):
    if coordinates:
        cable = Cylinder(n=10, x=[0, 100] * um, diameter=10 * um)
        cable.L = Section(n=5, diameter=[10, 8, 6, 4, 2, 0] * um,
                          x=np.linspace(0, 100, 6) / S2 * um, y=np.linspace(0, 100, 6) / S2 * um)
        cable.R = Cylinder(n=5, diameter=5 * um, x=[0, 50] * um / S2, y=[0, -50] * um / S2)
        cable.RL = Cylinder(n=5, diameter=2.5 * um, x=[0, 50] * um / S2, z=[0, 50] * um / S2)
        cable.RR = Section(n=5, diameter=[5, 4, 3, 2, 1, 0] * um,
                           x=np.linspace(0, 50, 6) * um / S2, z=np.linspace(0, -50, 6) * um / S2)
    else:
        cable = Cylinder(n=10, diameter=10 * um, length=100 * um)
        cable.L = Section(n=5, diameter=[10, 8, 6, 4, 2, 0] * um, length=np.ones(5) * 20 * um)
        cable.R = Cylinder(n=5, diameter=5 * um, length=50 * um)
        cable.RL = Cylinder(n=5, diameter=2.5 * um, length=50 * um)
        cable.RR = Section(n=5, diameter=[5, 4, 3, 2, 1, 0] * um, length=np.ones(5) * 10 * um)
    return cable


def neuron_tree():
    """The tree of the addressing cases: soma, axon (with L and R), dend."""
    soma = Soma(diameter=30 * um)
    soma.axon = Cylinder(n=10, diameter=1 * um, length=100 * um)
    soma.axon.L = Cylinder(n=5, diameter=0.5 * um, length=50 * um)
    soma.axon.R = Section(n=3, diameter=[1, 0.8, 0.6, 0.4] * um, length=[10, 20, 30] * um)
    soma.dend = Cylinder(n=4, diameter=2 * um, length=40 * um)
    return soma


def mixed_tree():
    """Sections with and without coordinates (NaN where none)."""
    soma = Soma(diameter=20 * um, x=5 * um, y=-3 * um)
    soma.axon = Cylinder(n=4, diameter=1 * um, length=40 * um)
    # (a Section: Brian2 cannot copy a Cylinder with coordinates in generate_coordinates)
    soma.axon.L = Section(n=2, diameter=[1, 1, 0.5] * um, x=[0, 5, 10] * um, y=[0, 5, 10] * um)
    soma.dend = Section(n=3, diameter=[3, 2, 2, 1] * um, x=[0, 5, 10, 20] * um, z=[1, 2, 3, 4] * um)
    return soma


def cases():
    out = {}
    out["soma"] = Soma(diameter=10 * um)
    out["soma_xyz"] = Soma(diameter=10 * um, x=1 * um, y=2 * um, z=3 * um)
    out["cylinder"] = Cylinder(n=10, diameter=10 * um, length=200 * um)
    val = [0, 200.0 / np.sqrt(3.0)] * um
    out["cylinder_xyz"] = Cylinder(n=10, diameter=10 * um, x=val, y=val, z=val)
    out["section_all"] = Section(n=3, diameter=[10, 10, 10, 10] * um, x=[10, 11, 11, 11] * um,
                                 y=[100, 100, 101, 101] * um, z=[1000, 1000, 1000, 1001] * um)
    out["section_cones"] = Section(n=3, diameter=[20, 10, 5, 2.5] * um, x=[0, 1, 1, 1] * um,
                                   y=[0, 0, 1, 1] * um, z=[0, 0, 0, 1] * um)
    out["cables_schematic"] = cable_tree(False)
    out["cables_coordinates"] = cable_tree(True)
    out["soma_schematic"] = soma_tree(False)
    out["soma_coordinates"] = soma_tree(True)
    out["neuron"] = neuron_tree()
    out["mixed"] = mixed_tree()
    out["generated_soma"] = soma_tree(False).generate_coordinates()
    out["generated_neuron"] = neuron_tree().generate_coordinates()
    out["generated_mixed"] = mixed_tree().generate_coordinates()
    out["generated_mixed_overwrite"] = mixed_tree().generate_coordinates(overwrite_existing=True)
    for name in list(SWC) + ["mp_ma_40984_gc2.CNG.swc"]:
        path = os.path.join(HERE, name)
        for suffix, spherical in [("", True), (":cylindrical_soma", False)]:
            try:
                out[name + suffix] = Morphology.from_swc_file(path, spherical_soma=spherical)
            except Exception as e:  # the Rust test expects an error too
                out[name + suffix] = e
    return out


def arr(a):
    if a is None:
        return None
    return [None if math.isnan(float(x)) else float(x) for x in np.asarray(a, dtype=float)]


def flat_dict(m):
    if isinstance(m, Exception):
        return {"error": str(m)}
    f = FlatMorphology(m)
    d = {k: arr(getattr(f, k)) for k in
         ["length", "distance", "area", "diameter", "volume", "r_length_1", "r_length_2",
          "start_x", "start_y", "start_z", "x", "y", "z", "end_x", "end_y", "end_z", "end_distance"]}
    d["n"] = int(f.n)
    d["total_sections"] = int(m.total_sections)
    d["depth"] = [int(x) for x in f.depth]
    d["starts"] = [int(x) for x in f.starts]
    d["ends"] = [int(x) for x in f.ends]
    # Brian2 counts parents from 1 (0: no parent)
    d["parent"] = [int(x) - 1 for x in f.morph_parent_i]
    return d


# Locations: (spikejit string, Brian2 expression on the SpatialNeuron `n`)
LOCATIONS = {
    "neuron": [
        ("main", "n.main"), ("main[0]", "n.main[0]"), ("axon", "n.axon"), ("axon.main", "n.axon.main"),
        ("axon.L", "n.axon.L"), ("axon.R", "n.axon.R"), ("dend", "n.dend"), ("1", "getattr(n, '1')"),
        ("2", "getattr(n, '2')"), ("L", None), ("axon[3]", "n.axon[3]"), ("axon[12]", "n.axon[12]"),
        ("axon[2:5]", "n.axon[2:5]"), ("axon[-5:-1]", "n.axon[-5:-1]"), ("axon[:]", "n.axon[:]"),
        ("axon[3:30]", "n.axon[3:30]"), ("axon[3:2]", "n.axon[3:2]"), ("axon[18]", "n.axon[18]"),
        ("axon[10*um:50*um]", "n.axon[10*um:50*um]"), ("axon[0*um:10*um]", "n.axon[0*um:10*um]"),
        ("axon[5*um:95*um]", "n.axon[5*um:95*um]"), ("axon[95*um:100*um]", "n.axon[95*um:100*um]"),
        ("axon[0*um:0*um]", "n.axon[0*um:0*um]"), ("axon.R[10*um:30*um]", "n.axon.R[10*um:30*um]"),
        ("axon.R[15*um:16*um]", "n.axon.R[15*um:16*um]"), ("axon.main[2:4]", "n.axon.main[2:4]"),
        ("dend[5 * um : 25 * um]", "n.dend[5*um:25*um]"), ("[0:3]", "n[0:3]"), ("[2]", "n[2]"),
        ("axon.LR", None), ("AXON", None), ("axon[", None), ("axon[1:2:3]", None), ("axon[3*mV]", None),
        ("axon[-1]", "n.axon[-1]"),
        # the compartment at a distance along the section (Brian2's morpho.axon[10*um])
        ("axon[10*um]", "morpho.axon[10*um]"), ("axon[15*um]", "morpho.axon[15*um]"),
        ("axon[0*um]", "morpho.axon[0*um]"), ("axon.R[30*um]", "morpho.axon.R[30*um]"),
        ("axon[150*um]", "morpho.axon[150*um]"), ("main[10*um]", "morpho[10*um]"),
    ],
    "cables_schematic": [
        ("L", "n.L"), ("R", "n.R"), ("RL", "n.RL"), ("R.R", "n.R.R"), ("2.1", "getattr(n, '2').L"), ("21", "getattr(n, '21')"),
        ("R[5:7]", "n.R[5:7]"), ("R[10*um:30*um]", "n.R[10*um:30*um]"), ("main[25*um:45*um]", "n[25*um:45*um]"),
    ],
    "three_point_soma.swc": [
        ("dend", "n.dend"), ("L", "n.L"), ("dend.1", "getattr(n.dend, '1')"), ("dend.2", "getattr(n.dend, '2')"),
        ("dend.3", "getattr(n.dend, '3')"), ("apic", "n.apic"), ("axon", "n.axon"), ("axon.L", "n.axon.L"),
        ("3", "getattr(n, '3')"), ("R", None), ("axon.1", "getattr(n.axon, '1')"),
    ],
}


def located(n, morpho, expr):
    if expr is None:
        return None
    try:
        g = eval(expr, {"n": n, "morpho": morpho, "um": um})
    except Exception:
        return None
    if hasattr(g, "start"):
        return [int(g.start), int(g.stop)]
    idx = np.atleast_1d(g.indices[:])
    return [int(idx[0]), int(idx[-1]) + 1]


def main():
    for name, text in SWC.items():
        with open(os.path.join(HERE, name), "w") as f:
            f.write(text)
    ms = cases()
    result = {"morphologies": {k: flat_dict(m) for k, m in ms.items()}, "locations": {}}
    for name, locs in LOCATIONS.items():
        morpho = ms[name]
        n = SpatialNeuron(morpho, "Im = 0*amp/meter**2 : amp/meter**2")
        result["locations"][name] = [[spec, located(n, morpho, expr)] for spec, expr in locs]
    with open(os.path.join(HERE, "brian2_reference.json"), "w") as f:
        json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
