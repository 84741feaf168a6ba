//! `smooth_rate` against Brian2's `PopulationRateMonitor.smooth_rate` on the same
//! rates (tests/reference/smooth_rate.py writes the fixture).

use spikejit::sim::{Window, smooth};

#[test]
fn smooth_rate_matches_brian2() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/reference/expected/smooth_rate.json");
    let d: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let vec = |k: &str| -> Vec<f64> { d[k].as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect() };
    let rate = vec("rate");
    let dt = d["dt"].as_f64().unwrap();
    for (got, want) in [
        (smooth(&rate, dt, Window::Gaussian, 1e-3), vec("gaussian_1ms")),
        (smooth(&rate, dt, Window::Flat, 2e-3), vec("flat_2ms")),
    ] {
        assert_eq!(got.len(), want.len());
        for (k, (a, b)) in got.iter().zip(&want).enumerate() {
            assert!((a - b).abs() <= 1e-9 * b.abs().max(1.0), "element {k}: {a} vs {b}");
        }
    }
}
