//! The entry points the fuzz targets (`fuzz/fuzz_targets/`) and their regression
//! tests (`tests/fuzz_regressions.rs`) drive: each takes arbitrary bytes, runs
//! one layer on them and renders any diagnostics, so that a panic anywhere in
//! parsing, checking or caret placement is found. None of them may panic.

use crate::diag::{Errors, Source};

fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

fn render(e: &Errors) {
    let _ = crate::io::render(e, false);
}

/// Model equations (`dv/dt = ... : volt (unless refractory)`): parsing, then
/// the checks of names, flags, units and definitions, as for a neuron group and
/// as for synapses.
pub fn equations(data: &[u8]) {
    use crate::model::equations::{Equations, Owner};
    let Some(t) = text(data) else { return };
    for owner in [Owner::NeuronGroup, Owner::Synapses] {
        if let Err(e) = Equations::parse(Source::new("model", t), owner) {
            render(&e);
        }
    }
}

/// Statements (`v = Vr`, `ge += we`).
pub fn statements(data: &[u8]) {
    let Some(t) = text(data) else { return };
    if let Err(e) = crate::syntax::parse_statements(&Source::new("reset", t)) {
        render(&e);
    }
}

/// Expressions (`v > Vt`).
pub fn expression(data: &[u8]) {
    let Some(t) = text(data) else { return };
    if let Err(e) = crate::syntax::parse_expression(&Source::new("threshold", t)) {
        render(&e);
    }
}

/// Generator expressions (`k for k in sample(N_post, p=0.1) if k != i`).
pub fn generator(data: &[u8]) {
    let Some(t) = text(data) else { return };
    if let Err(e) = crate::syntax::parse_generator(&Source::new("connect.j", t)) {
        render(&e);
    }
}

/// A whole model file, through the loader (shape, keys, every model string).
pub fn model_file(data: &[u8]) {
    let Some(t) = text(data) else { return };
    if let Err(e) = crate::io::parse_model("fuzz.toml", t.to_string()) {
        render(&e);
    }
}
