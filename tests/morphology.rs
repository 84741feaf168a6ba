//! Morphologies (`spikejit::morphology`) against Brian2 2.9.0: Brian2's
//! test_morphology.py cases built the same way here and in
//! tests/reference/morphology/brian2_reference.py, which saved Brian2's
//! FlatMorphology arrays and `neuron.PATH[...]` selections to
//! brian2_reference.json; every derived array must agree within rtol 1e-12.
//! Also the naming of children, SWC errors at their line and column, and the
//! errors of malformed morphologies.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;
use spikejit::diag::Source;
use spikejit::morphology::{FlatMorphology, Morphology, Shape};

const UM: f64 = 1e-6;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/reference/morphology")
}

fn reference() -> Value {
    let text = std::fs::read_to_string(dir().join("brian2_reference.json")).expect("the fixture is there");
    serde_json::from_str(&text).expect("the fixture is JSON")
}

fn um(v: &[f64]) -> Vec<f64> {
    v.iter().map(|x| x * UM).collect()
}

/// NumPy's linspace(a, b, n) as Brian2's test writes it (then scaled).
fn linspace(a: f64, b: f64, n: usize) -> Vec<f64> {
    let step = (b - a) / (n - 1) as f64;
    let mut v: Vec<f64> = (0..n).map(|i| i as f64 * step + a).collect();
    v[n - 1] = b;
    v
}

fn swc(name: &str, spherical_soma: bool) -> spikejit::diag::Result<Morphology> {
    let text = std::fs::read_to_string(dir().join(name.split(':').next().unwrap_or(name))).expect("fixture");
    Morphology::from_swc(&text, Source::new(name, text.clone()), spherical_soma)
}

fn soma_tree(coordinates: bool) -> Morphology {
    let s2 = 2f64.sqrt();
    let (mut soma, l, r) = if coordinates {
        let xs: Vec<f64> = linspace(0.0, 100.0, 6).iter().map(|x| x / s2 * UM).collect();
        (
            Morphology::soma_at(30.0 * UM, Some(100.0 * UM), None, None).unwrap(),
            Morphology::section_through(um(&[8.0, 8.0, 6.0, 4.0, 2.0, 0.0]), Some(xs.clone()), Some(xs), None).unwrap(),
            Morphology::cylinder_between(
                5,
                5.0 * UM,
                Some([0.0, 50.0 * UM / s2]),
                Some([0.0, -50.0 * UM / s2]),
                None,
            )
            .unwrap(),
        )
    } else {
        (
            Morphology::soma(30.0 * UM).unwrap(),
            Morphology::section(um(&[8.0, 8.0, 6.0, 4.0, 2.0, 0.0]), vec![20.0 * UM; 5]).unwrap(),
            Morphology::cylinder(5, 5.0 * UM, 50.0 * UM).unwrap(),
        )
    };
    soma.add_child("L", l).unwrap();
    soma.add_child("R", r).unwrap();
    soma
}

fn cable_tree(coordinates: bool) -> Morphology {
    let s2 = 2f64.sqrt();
    let mut cable;
    let parts: [(&str, Morphology); 4];
    if coordinates {
        cable = Morphology::cylinder_between(10, 10.0 * UM, Some([0.0, 100.0 * UM]), None, None).unwrap();
        let l: Vec<f64> = linspace(0.0, 100.0, 6).iter().map(|x| x / s2 * UM).collect();
        let rr_x: Vec<f64> = linspace(0.0, 50.0, 6).iter().map(|x| x * UM / s2).collect();
        let rr_z: Vec<f64> = linspace(0.0, -50.0, 6).iter().map(|x| x * UM / s2).collect();
        parts = [
            (
                "L",
                Morphology::section_through(um(&[10.0, 8.0, 6.0, 4.0, 2.0, 0.0]), Some(l.clone()), Some(l), None)
                    .unwrap(),
            ),
            (
                "R",
                Morphology::cylinder_between(
                    5,
                    5.0 * UM,
                    Some([0.0, 50.0 * UM / s2]),
                    Some([0.0, -50.0 * UM / s2]),
                    None,
                )
                .unwrap(),
            ),
            (
                "RL",
                Morphology::cylinder_between(
                    5,
                    2.5 * UM,
                    Some([0.0, 50.0 * UM / s2]),
                    None,
                    Some([0.0, 50.0 * UM / s2]),
                )
                .unwrap(),
            ),
            (
                "RR",
                Morphology::section_through(um(&[5.0, 4.0, 3.0, 2.0, 1.0, 0.0]), Some(rr_x), None, Some(rr_z)).unwrap(),
            ),
        ];
    } else {
        cable = Morphology::cylinder(10, 10.0 * UM, 100.0 * UM).unwrap();
        parts = [
            (
                "L",
                Morphology::section(um(&[10.0, 8.0, 6.0, 4.0, 2.0, 0.0]), vec![20.0 * UM; 5]).unwrap(),
            ),
            ("R", Morphology::cylinder(5, 5.0 * UM, 50.0 * UM).unwrap()),
            ("RL", Morphology::cylinder(5, 2.5 * UM, 50.0 * UM).unwrap()),
            (
                "RR",
                Morphology::section(um(&[5.0, 4.0, 3.0, 2.0, 1.0, 0.0]), vec![10.0 * UM; 5]).unwrap(),
            ),
        ];
    }
    for (name, m) in parts {
        cable.add_child(name, m).unwrap();
    }
    cable
}

fn neuron_tree() -> Morphology {
    let mut soma = Morphology::soma(30.0 * UM).unwrap();
    let mut axon = Morphology::cylinder(10, 1.0 * UM, 100.0 * UM).unwrap();
    axon.add_child("L", Morphology::cylinder(5, 0.5 * UM, 50.0 * UM).unwrap())
        .unwrap();
    axon.add_child(
        "R",
        Morphology::section(um(&[1.0, 0.8, 0.6, 0.4]), um(&[10.0, 20.0, 30.0])).unwrap(),
    )
    .unwrap();
    soma.add_child("axon", axon).unwrap();
    soma.add_child("dend", Morphology::cylinder(4, 2.0 * UM, 40.0 * UM).unwrap())
        .unwrap();
    soma
}

fn mixed_tree() -> Morphology {
    let mut soma = Morphology::soma_at(20.0 * UM, Some(5.0 * UM), Some(-3.0 * UM), None).unwrap();
    let mut axon = Morphology::cylinder(4, 1.0 * UM, 40.0 * UM).unwrap();
    axon.add_child(
        "L",
        Morphology::section_through(
            um(&[1.0, 1.0, 0.5]),
            Some(um(&[0.0, 5.0, 10.0])),
            Some(um(&[0.0, 5.0, 10.0])),
            None,
        )
        .unwrap(),
    )
    .unwrap();
    soma.add_child("axon", axon).unwrap();
    soma.add_child(
        "dend",
        Morphology::section_through(
            um(&[3.0, 2.0, 2.0, 1.0]),
            Some(um(&[0.0, 5.0, 10.0, 20.0])),
            None,
            Some(um(&[1.0, 2.0, 3.0, 4.0])),
        )
        .unwrap(),
    )
    .unwrap();
    soma
}

/// The morphologies of the fixture, built here (an SWC case may fail, as in Brian2).
fn cases() -> BTreeMap<String, Result<Morphology, String>> {
    let v = 200.0 / 3f64.sqrt() * UM;
    let mut out: BTreeMap<String, Result<Morphology, String>> = BTreeMap::new();
    let mut put = |k: &str, m: Morphology| {
        out.insert(k.to_string(), Ok(m));
    };
    put("soma", Morphology::soma(10.0 * UM).unwrap());
    put(
        "soma_xyz",
        Morphology::soma_at(10.0 * UM, Some(UM), Some(2.0 * UM), Some(3.0 * UM)).unwrap(),
    );
    put("cylinder", Morphology::cylinder(10, 10.0 * UM, 200.0 * UM).unwrap());
    put(
        "cylinder_xyz",
        Morphology::cylinder_between(10, 10.0 * UM, Some([0.0, v]), Some([0.0, v]), Some([0.0, v])).unwrap(),
    );
    put(
        "section_all",
        Morphology::section_through(
            um(&[10.0; 4]),
            Some(um(&[10.0, 11.0, 11.0, 11.0])),
            Some(um(&[100.0, 100.0, 101.0, 101.0])),
            Some(um(&[1000.0, 1000.0, 1000.0, 1001.0])),
        )
        .unwrap(),
    );
    put(
        "section_cones",
        Morphology::section_through(
            um(&[20.0, 10.0, 5.0, 2.5]),
            Some(um(&[0.0, 1.0, 1.0, 1.0])),
            Some(um(&[0.0, 0.0, 1.0, 1.0])),
            Some(um(&[0.0, 0.0, 0.0, 1.0])),
        )
        .unwrap(),
    );
    put("cables_schematic", cable_tree(false));
    put("cables_coordinates", cable_tree(true));
    put("soma_schematic", soma_tree(false));
    put("soma_coordinates", soma_tree(true));
    put("neuron", neuron_tree());
    put("mixed", mixed_tree());
    put("generated_soma", soma_tree(false).generate_coordinates(false).unwrap());
    put("generated_neuron", neuron_tree().generate_coordinates(false).unwrap());
    put("generated_mixed", mixed_tree().generate_coordinates(false).unwrap());
    put(
        "generated_mixed_overwrite",
        mixed_tree().generate_coordinates(true).unwrap(),
    );
    for name in ["tree_cables.swc", "three_point_soma.swc", "mp_ma_40984_gc2.CNG.swc"] {
        for (suffix, spherical) in [("", true), (":cylindrical_soma", false)] {
            let key = format!("{name}{suffix}");
            out.insert(
                key.clone(),
                swc(&key, spherical).map_err(|e| format!("{:?}", e.0[0].message)),
            );
        }
    }
    out
}

fn numbers(v: &Value) -> Vec<Option<f64>> {
    v.as_array().expect("an array").iter().map(Value::as_f64).collect()
}

fn close(what: &str, ours: &[f64], theirs: &Value) {
    let theirs = numbers(theirs);
    assert_eq!(ours.len(), theirs.len(), "{what}: length");
    for (k, (a, b)) in ours.iter().zip(&theirs).enumerate() {
        match b {
            None => assert!(a.is_nan(), "{what}[{k}]: {a}, Brian2 NaN"),
            Some(b) => assert!(
                (a - b).abs() <= 1e-12 * b.abs().max(a.abs()) || a == b,
                "{what}[{k}]: {a:e}, Brian2 {b:e} (relative difference {:e})",
                (a - b).abs() / b.abs()
            ),
        }
    }
}

fn check_flat(name: &str, f: &FlatMorphology, r: &Value) {
    assert_eq!(f.n as u64, r["n"].as_u64().unwrap(), "{name}: n");
    assert_eq!(
        f.sections.len() as u64,
        r["total_sections"].as_u64().unwrap(),
        "{name}: sections"
    );
    for (k, ours) in [
        ("length", &f.length),
        ("distance", &f.distance),
        ("area", &f.area),
        ("diameter", &f.diameter),
        ("volume", &f.volume),
        ("r_length_1", &f.r_length_1),
        ("r_length_2", &f.r_length_2),
    ] {
        close(&format!("{name}.{k}"), ours, &r[k]);
    }
    let ends: Vec<f64> = f.sections.iter().map(|s| s.end_distance).collect();
    close(&format!("{name}.end_distance"), &ends, &r["end_distance"]);
    let ints = |v: &Value| -> Vec<i64> { v.as_array().unwrap().iter().map(|x| x.as_i64().unwrap()).collect() };
    assert_eq!(
        f.depth.iter().map(|&d| d as i64).collect::<Vec<_>>(),
        ints(&r["depth"]),
        "{name}: depth"
    );
    assert_eq!(
        f.sections.iter().map(|s| s.start as i64).collect::<Vec<_>>(),
        ints(&r["starts"]),
        "{name}: starts"
    );
    assert_eq!(
        f.sections.iter().map(|s| s.end as i64).collect::<Vec<_>>(),
        ints(&r["ends"]),
        "{name}: ends"
    );
    let parents: Vec<i64> = f.sections.iter().map(|s| s.parent.map_or(-1, |p| p as i64)).collect();
    assert_eq!(parents, ints(&r["parent"]), "{name}: parents");
    match &f.coordinates {
        None => assert!(r["x"].is_null(), "{name}: Brian2 has coordinates"),
        Some(c) => {
            for (k, ours) in [
                ("start_x", &c.start_x),
                ("start_y", &c.start_y),
                ("start_z", &c.start_z),
                ("x", &c.x),
                ("y", &c.y),
                ("z", &c.z),
                ("end_x", &c.end_x),
                ("end_y", &c.end_y),
                ("end_z", &c.end_z),
            ] {
                close(&format!("{name}.{k}"), ours, &r[k]);
            }
        }
    }
}

#[test]
fn derived_values_match_brian2() {
    let r = reference();
    let refs = r["morphologies"].as_object().unwrap();
    let ours = cases();
    assert_eq!(ours.len(), refs.len(), "the same cases as the fixture");
    for (name, m) in &ours {
        let rr = &refs[name];
        match (m, rr.get("error")) {
            (Ok(m), None) => {
                assert_eq!(m.total_compartments() as u64, rr["n"].as_u64().unwrap(), "{name}");
                check_flat(name, &m.flatten(), rr);
            }
            (Err(e), Some(b)) => eprintln!("{name}: fails as in Brian2 ({e}; Brian2: {b})"),
            (Ok(_), Some(b)) => panic!("{name}: Brian2 fails ({b}), spikejit does not"),
            (Err(e), None) => panic!("{name}: {e}"),
        }
    }
}

#[test]
fn locations_match_brian2() {
    let r = reference();
    let ours = cases();
    let mut checked = 0;
    for (name, locs) in r["locations"].as_object().unwrap() {
        let flat = ours[name].as_ref().unwrap().flatten();
        for l in locs.as_array().unwrap() {
            let spec = l[0].as_str().unwrap();
            let got = flat.locate(spec);
            match &l[1] {
                Value::Null => assert!(got.is_err(), "{name}: '{spec}' selects {got:?}; Brian2 refuses it"),
                v => {
                    let want = v[0].as_u64().unwrap() as usize..v[1].as_u64().unwrap() as usize;
                    assert_eq!(got, Ok(want), "{name}: '{spec}'");
                }
            }
            checked += 1;
        }
    }
    assert!(checked > 50, "{checked}");
}

#[test]
fn soma_attributes() {
    let soma = Morphology::soma(10.0 * UM).unwrap();
    assert_eq!((soma.n(), soma.total_sections(), soma.total_compartments()), (1, 1, 1));
    let f = soma.flatten();
    assert_eq!(f.diameter, vec![10.0 * UM]);
    assert_eq!(f.length, vec![10.0 * UM]);
    assert_eq!(f.distance, vec![0.0]);
    assert_eq!(f.sections[0].end_distance, 0.0);
    assert!(f.r_length_1[0] > 0.01 && f.r_length_2[0] > 0.01);
    assert_eq!(f.area, vec![std::f64::consts::PI * (10.0 * UM) * (10.0 * UM)]);
    assert!(f.coordinates.is_none());
    // one coordinate given: the others are 0
    let f = Morphology::soma_at(10.0 * UM, None, Some(5.0 * UM), None)
        .unwrap()
        .flatten();
    let c = f.coordinates.unwrap();
    assert_eq!((c.start_x[0], c.y[0], c.end_z[0]), (0.0, 5.0 * UM, 0.0));
    assert_eq!(f.length, vec![10.0 * UM]);
}

#[test]
fn cylinder_and_section_attributes() {
    let c = Morphology::cylinder(10, 10.0 * UM, 200.0 * UM).unwrap();
    assert_eq!(
        c.shape(),
        &Shape::Cylinder {
            diameter: 10.0 * UM,
            length: 200.0 * UM
        }
    );
    let f = c.flatten();
    for k in 0..10 {
        assert!((f.distance[k] - (k as f64 * 20.0 + 10.0) * UM).abs() < 1e-18);
        assert!((f.length[k] - 20.0 * UM).abs() < 1e-18);
    }
    assert!((f.sections[0].end_distance - 200.0 * UM).abs() < 1e-18);
    // a section of equal diameters is a cylinder
    let s = Morphology::section(vec![10.0 * UM; 11], vec![20.0 * UM; 10])
        .unwrap()
        .flatten();
    for k in 0..10 {
        assert!((s.area[k] - f.area[k]).abs() <= 1e-12 * f.area[k]);
        assert!((s.volume[k] - f.volume[k]).abs() <= 1e-12 * f.volume[k]);
        assert!((s.r_length_1[k] - f.r_length_1[k]).abs() <= 1e-12 * f.r_length_1[k]);
    }
}

#[test]
fn children_are_named_and_numbered() {
    let cable = cable_tree(false);
    assert_eq!(cable.total_compartments(), 30);
    assert_eq!(cable.total_sections(), 5);
    for (path, n, total) in [
        ("1", 5, 5),
        ("L", 5, 5),
        ("2", 5, 15),
        ("R", 5, 15),
        ("21", 5, 5),
        ("RL", 5, 5),
        ("R.2", 5, 5),
        ("2.R", 5, 5),
    ] {
        let c = cable.child(path).unwrap_or_else(|| panic!("{path}"));
        assert_eq!((c.n(), c.total_compartments()), (n, total), "{path}");
    }
    assert!(cable.child("3").is_none() && cable.child("axon").is_none() && cable.child("R.R.L").is_none());
    let names: Vec<Option<&str>> = cable.children().map(|(n, _)| n).collect();
    assert_eq!(names, vec![Some("L"), Some("R")]);
    // paths in the flat morphology, in Brian2's order
    let paths: Vec<String> = cable.flatten().sections.iter().map(|s| s.path.clone()).collect();
    assert_eq!(paths, ["", "L", "R", "R.L", "R.R"]);
    // a name is used once; compound names need their first part
    let mut m = Morphology::soma(10.0 * UM).unwrap();
    m.add_child("axon", Morphology::cylinder(2, UM, 10.0 * UM).unwrap())
        .unwrap();
    let e = m
        .add_child("axon", Morphology::cylinder(2, UM, 10.0 * UM).unwrap())
        .unwrap_err();
    assert!(e.contains("already used"), "{e}");
    let e = m
        .add_child("LR", Morphology::cylinder(2, UM, 10.0 * UM).unwrap())
        .unwrap_err();
    assert!(e.contains("'L' does not exist"), "{e}");
    assert!(
        m.add_child("1", Morphology::cylinder(2, UM, 10.0 * UM).unwrap())
            .is_err(),
        "'1' is the axon"
    );
    assert!(
        m.add_child("main", Morphology::cylinder(2, UM, 10.0 * UM).unwrap())
            .is_err()
    );
    assert!(
        m.add_child("a b", Morphology::cylinder(2, UM, 10.0 * UM).unwrap())
            .is_err()
    );
}

#[test]
fn swc_sections_are_named_as_in_brian2() {
    let m = swc("three_point_soma.swc", true).unwrap();
    assert!(matches!(m.shape(), Shape::Soma { .. }));
    let names: Vec<Option<&str>> = m.children().map(|(n, _)| n).collect();
    assert_eq!(names, vec![Some("dend"), Some("apic"), Some("axon")]);
    assert_eq!(m.child("dend").unwrap().kind(), Some("dend"));
    let dend_children: Vec<Option<&str>> = m.child("dend").unwrap().children().map(|(n, _)| n).collect();
    assert_eq!(dend_children, vec![Some("dend"), Some("dend2"), Some("dend3")]);
    assert_eq!(m.child("axon.L").unwrap().kind(), None);
    let paths: Vec<String> = m.flatten().sections.iter().map(|s| s.path.clone()).collect();
    assert_eq!(
        paths,
        [
            "",
            "dend",
            "dend.dend",
            "dend.dend2",
            "dend.dend3",
            "apic",
            "axon",
            "axon.1"
        ]
    );
    let cables = swc("tree_cables.swc", true).unwrap();
    assert_eq!(cables.child("R.L").unwrap().n(), 5);
}

fn swc_error(text: &str) -> (String, usize, usize) {
    let src = Source::new("cell.swc", text);
    let e = Morphology::from_swc(text, src, true).expect_err("an error");
    let d = &e.0[0];
    assert_eq!(d.code, "bad-swc");
    let (line, col) = spikejit::diag::line_col(text, d.span.start);
    (d.message.clone(), line, col)
}

#[test]
fn swc_errors_point_at_line_and_column() {
    let ok = "# c\n1 1 0 0 0 5 -1\n2 3 10 0 0 1 1\n";
    assert!(Morphology::from_swc(ok, Source::new("ok.swc", ok), true).is_ok());
    for (text, line, col, phrase) in [
        ("1 1 0 0 0 5 -1\n2 3 10 0 0 1\n", 2, 13, "7 entries"),
        ("1 1 0 0 0 5 -1\n2 3 10 0 0 1 1 9\n", 2, 16, "has 8"),
        (
            "1 1 0 0 0 5 -1\n2 3 1O 0 0 1 1\n",
            2,
            5,
            "x coordinate must be a finite number, got '1O'",
        ),
        ("1 1 0 0 0 5 -1\n2.5 3 10 0 0 1 1\n", 2, 1, "index must be an integer"),
        ("1 1 0 0 0 5 -1\n2 3 10 0 0 1 7\n", 2, 14, "not listed before it"),
        (
            "1 1 0 0 0 5 -1\n2 3 10 0 0 1 3\n3 3 20 0 0 1 2\n",
            2,
            14,
            "not listed before it",
        ),
        ("1 1 0 0 0 5 -1\n2 3 10 0 0 1 2\n", 2, 14, "names itself as its parent"),
        ("1 1 0 0 0 5 -1\n1 3 10 0 0 1 1\n", 2, 1, "two points have the index 1"),
        ("1 1 0 0 0 5 -1\n2 3 10 0 0 1 -1\n", 2, 14, "a second root"),
        ("1 1 0 0 0 5 4\n", 1, 13, "the first point must be the root"),
        (
            "1 1 0 0 0 5 -1\n2 3 10 0 0 -1 1\n",
            2,
            12,
            "radius must not be negative",
        ),
        ("# only a comment\n", 1, 1, "no points"),
        ("1 3 0 0 0 5 -1\n2 1 10 0 0 1 1\n", 1, 1, "single point"),
        (
            "1 1 0 0 0 5 -1\n2 1 0 5 0 5 1\n3 1 0 -5 0 4 1\n",
            2,
            1,
            "not all its diameters are the same",
        ),
        (
            "1 1 0 0 0 5 -1\n2 1 0 5 0 5 1\n3 1 0 -7 0 5 1\n",
            3,
            1,
            "one radius away",
        ),
    ] {
        let (msg, l, c) = swc_error(text);
        assert!(msg.contains(phrase), "{text:?}: {msg}");
        assert_eq!((l, c), (line, col), "{text:?}: {msg}");
    }
}

#[test]
fn malformed_morphologies_are_refused() {
    assert!(Morphology::cylinder(0, UM, UM).is_err());
    assert!(Morphology::soma(-1.0).is_err());
    assert!(Morphology::soma(f64::NAN).is_err());
    let e = Morphology::section(vec![UM; 3], vec![UM; 3]).unwrap_err();
    assert!(e.contains("needs 4 diameters"), "{e}");
    assert!(Morphology::section(vec![UM], vec![]).is_err());
    let e = Morphology::section_through(vec![UM; 3], Some(vec![0.0, 1.0]), None, None).unwrap_err();
    assert!(e.contains("'x' needs 3 values"), "{e}");
    assert!(Morphology::section_through(vec![UM; 3], None, None, None).is_err());
    assert!(Morphology::cylinder_between(2, UM, None, None, None).is_err());
    // Brian2 needs a soma (or coordinates) at the root to generate coordinates
    assert!(
        Morphology::cylinder(2, UM, UM)
            .unwrap()
            .generate_coordinates(false)
            .is_err()
    );
}

#[test]
fn locate_errors_point_into_the_string() {
    let f = neuron_tree().flatten();
    for (spec, at, phrase) in [
        (
            "axno",
            0,
            "no section 'axno' under the root section (its children are axon, dend)",
        ),
        ("axon.X", 5, "no section 'X' under 'axon'"),
        ("axon[", 5, "expected ']'"),
        ("axon[3*mV]", 5, "not a length"),
        ("axon[x]", 5, "expected a compartment index or a length"),
        ("axon[18]", 5, "out of range"),
        ("axon[3:2]", 5, "selects no compartment"),
        ("main.axon", 0, "'main' (the section itself) must come last"),
    ] {
        let (o, msg) = f.locate(spec).expect_err(spec);
        assert!(msg.contains(phrase), "{spec}: {msg}");
        assert_eq!(o, at, "{spec}: {msg}");
    }
    assert_eq!(f.locate(""), Ok(0..23));
}

/// Model files: a `morphology` table (with constants and units) and an SWC file.
#[test]
fn model_files_read_morphologies() {
    use spikejit::io::model_file::{CountSpec, ThresholdLocationSpec, parse_model};
    let text = r#"
[simulation]
duration = "1*ms"

[constants]
d_axon = "1*um"

[[neurons]]
name = "neuron"
model = "Im = -v*1*siemens/meter**2 : amp/meter**2"
Cm = "1*uF/cm**2"
Ri = "100*ohm*cm"
threshold = "v > 0*mV"
threshold_location = "axon[30*um]"
init = [{ var = "v", value = "1*mV", section = "axon[0*um:30*um]" }]

[neurons.morphology]
shape = "soma"
diameter = "30*um"

[neurons.morphology.axon]
shape = "cylinder"
n = 10
diameter = "d_axon"
length = "100*um"

[neurons.morphology.axon.L]
shape = "section"
n = 3
diameter = ["2*um", "1.5*um", "1*um", 1e-6]
length = ["10*um", "10*um", "10*um"]

[neurons.morphology.dend]
shape = "cylinder"
n = 2
diameter = "2*um"
x = ["0*um", "20*um"]
"#;
    let m = parse_model("m.toml", text.to_string()).unwrap_or_else(|e| panic!("{:?}", e.0));
    let g = &m.neurons[0];
    let s = g.spatial.as_ref().expect("a spatial neuron");
    assert!(matches!(g.n, CountSpec::Int(16, _)), "{:?}", g.n);
    assert_eq!(s.morphology.total_sections(), 4);
    assert_eq!(
        s.morphology.child("axon").unwrap().shape(),
        &Shape::Cylinder {
            diameter: 1e-6,
            length: 100.0 * UM
        }
    );
    assert_eq!(
        s.morphology.child("axon.L").unwrap().shape(),
        &Shape::Section {
            diameters: vec![2.0 * UM, 1.5 * UM, UM, 1e-6],
            lengths: vec![10.0 * UM; 3]
        }
    );
    assert!(s.morphology.child("dend").unwrap().has_coordinates());
    assert_eq!(s.cm.as_ref().unwrap().text, "1*uF/cm**2");
    assert_eq!(s.ri.as_ref().unwrap().text, "100*ohm*cm");
    assert!(matches!(&s.threshold_location, Some(ThresholdLocationSpec::Location(l)) if l.text == "axon[30*um]"));
    assert_eq!(g.init[0].section.as_ref().unwrap().text, "axon[0*um:30*um]");
    assert_eq!(s.morphology.flatten().locate("axon[30*um]"), Ok(4..5));

    // an SWC file, relative to the model file
    let dir = std::env::temp_dir().join(format!("spikejit-morpho-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(self::dir().join("mp_ma_40984_gc2.CNG.swc"), dir.join("cell.swc")).unwrap();
    let model = |extra: &str| {
        format!(
            "[simulation]\nduration = \"1*ms\"\n\n[[neurons]]\nname = \"n\"\nmodel = \"Im = -v*1*siemens/meter**2 : amp/meter**2\"\nmorphology = {{ file = \"cell.swc\"{extra} }}\nthreshold_location = 352\n"
        )
    };
    let path = dir.join("m.toml");
    std::fs::write(&path, model("")).unwrap();
    let m = spikejit::io::model_file::load_model(path.to_str().unwrap()).unwrap_or_else(|e| panic!("{:?}", e.0));
    assert!(matches!(m.neurons[0].n, CountSpec::Int(353, _)));
    let want = swc("mp_ma_40984_gc2.CNG.swc", true).unwrap().flatten();
    assert_eq!(m.neurons[0].spatial.as_ref().unwrap().morphology.flatten(), want);
    // Brian2 cannot make a section of its one-point soma either
    std::fs::write(&path, model(", spherical_soma = false")).unwrap();
    let e = spikejit::io::model_file::load_model(path.to_str().unwrap()).unwrap_err();
    assert_eq!(e.0[0].code, "bad-swc", "{:?}", e.0);
    std::fs::remove_dir_all(&dir).ok();
}
