//! Spatial neurons against Brian2 2.9.0: the same morphology and model run by
//! Brian2 (the scripts next to the fixtures in tests/spatial/ regenerate them).

use ndarray_npy::NpzReader;
use spikejit::morphology::Morphology;
use spikejit::sim::{Network, Record, Selection, SpatialNeuron, SpikeMonitor, StateMonitor, ThresholdLocation, Value};
use spikejit::units::Dim;

fn fixture(name: &str) -> NpzReader<std::fs::File> {
    let path = format!("{}/tests/spatial/{name}", env!("CARGO_MANIFEST_DIR"));
    NpzReader::new(std::fs::File::open(&path).unwrap_or_else(|e| panic!("{path}: {e}"))).expect("npz")
}

fn array1(r: &mut NpzReader<std::fs::File>, name: &str) -> ndarray::Array1<f64> {
    r.by_name(&format!("{name}.npy"))
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn array2(r: &mut NpzReader<std::fs::File>, name: &str) -> ndarray::Array2<f64> {
    r.by_name(&format!("{name}.npy"))
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn assert_close(what: &str, got: &[f64], want: &[f64], rtol: f64, atol: f64) {
    assert_eq!(got.len(), want.len(), "{what}: lengths");
    for (k, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= atol + rtol * w.abs(),
            "{what}[{k}]: spikejit {g} vs Brian2 {w}"
        );
    }
}

/// A Hodgkin–Huxley soma with a branched axon and a dendrite (tests/spatial/hh_tree.py):
/// v, m and Ic at nine compartments and the spikes at the soma, for 20 ms.
#[test]
fn hodgkin_huxley_tree_matches_brian2() {
    let um = 1e-6;
    let mut morpho = Morphology::soma(30.0 * um).unwrap();
    let mut axon = Morphology::cylinder(50, 1.0 * um, 300.0 * um).unwrap();
    axon.add_child("br", Morphology::cylinder(10, 0.5 * um, 50.0 * um).unwrap())
        .unwrap();
    morpho.add_child("axon", axon).unwrap();
    morpho
        .add_child("dend", Morphology::cylinder(20, 2.0 * um, 100.0 * um).unwrap())
        .unwrap();

    let mut net = Network::new();
    net.set_dt(0.025e-3);
    let (ms, mv, msiemens_cm2) = (1e-3, 1e-3, 10.0);
    let conductance = Dim::SIEMENS / (Dim::METRE * Dim::METRE);
    for (n, v, d) in [
        ("gL", 1.0, conductance),
        ("EL", -70.0 * mv, Dim::VOLT),
        ("ENa", 50.0 * mv, Dim::VOLT),
        ("EK", -77.0 * mv, Dim::VOLT),
        ("gK", 36.0 * msiemens_cm2, conductance),
    ] {
        net.constant(n, v, d).unwrap();
    }
    let model = "
Im = gL*(EL-v) + gNa*m**3*h*(ENa-v) + gK*n**4*(EK-v) : amp/meter**2
I : amp (point current)
gNa : siemens/meter**2
dm/dt = alpham * (1-m) - betam * m : 1
dn/dt = alphan * (1-n) - betan * n : 1
dh/dt = alphah * (1-h) - betah * h : 1
alpham = (0.1/mV) * 10*mV/exprel((-v+25*mV+EL)/(10*mV))/ms : Hz
betam = 4 * exp(-(v-EL)/(18*mV))/ms : Hz
alphah = 0.07 * exp(-(v-EL)/(20*mV))/ms : Hz
betah = 1/(exp((-v+30*mV+EL) / (10*mV)) + 1)/ms : Hz
alphan = (0.01/mV) * 10*mV/exprel((-v+10*mV+EL)/(10*mV))/ms : Hz
betan = 0.125*exp(-(v-EL)/(80*mV))/ms : Hz
";
    let h = net
        .add_spatial_neuron(
            SpatialNeuron::new(morpho, model)
                .cm(1e-2)
                .ri(1.0)
                .method("exponential_euler")
                .threshold("v > 0*mV")
                .threshold_location(ThresholdLocation::Compartment(0))
                .refractory("v > -10*mV"),
        )
        .unwrap();
    net.set(h, "v", Value::Scalar(-70.0 * mv), Selection::All).unwrap();
    net.set(h, "h", Value::Scalar(1.0), Selection::All).unwrap();
    net.set(h, "gNa", Value::Scalar(120.0 * msiemens_cm2), Selection::All)
        .unwrap();
    net.set(h, "I", Value::Expr("0.5*nA * (i == 0)".into()), Selection::All)
        .unwrap();
    let rec = [0, 1, 25, 50, 51, 60, 70, 75, 80];
    let m = net
        .add_state_monitor(StateMonitor::new(h, &["v", "m", "Ic"], Record::Indices(rec.to_vec())))
        .unwrap();
    let s = net.add_spike_monitor(SpikeMonitor::new(h)).unwrap();
    net.run(20.0 * ms).unwrap();

    let mut f = fixture("hh_tree.npz");
    for var in ["area", "length", "distance", "volume"] {
        let got = net.get(h, var).unwrap();
        assert_close(
            var,
            got.as_slice().unwrap(),
            array1(&mut f, var).as_slice().unwrap(),
            1e-12,
            0.0,
        );
    }
    let st = net.state_monitor(m).unwrap();
    for var in ["v", "m", "Ic"] {
        let want = array2(&mut f, var);
        let got = st.variable(var).unwrap();
        assert_eq!(got.shape(), want.shape(), "{var}");
        let scale = want.iter().fold(0.0f64, |a, x| a.max(x.abs()));
        for (r, _) in rec.iter().enumerate() {
            let g = got.row(r).to_vec();
            let w = want.row(r).to_vec();
            assert_close(&format!("{var} of row {r}"), &g, &w, 1e-6, 1e-6 * scale);
        }
    }
    let sp = net.spike_monitor(s).unwrap();
    assert_close(
        "spike times",
        sp.t.as_slice().unwrap(),
        array1(&mut f, "st").as_slice().unwrap(),
        0.0,
        1e-9,
    );
}
