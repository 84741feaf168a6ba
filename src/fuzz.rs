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

/// Limits the address space of this process to `bytes` (`RLIMIT_AS`, as
/// `ulimit -v` does), so that an allocation beyond it fails at once instead of
/// swapping, and [`model_run`]'s memory checks see the limit. Returns false
/// when the limit could not be set (or on systems without one).
pub fn limit_address_space(bytes: u64) -> bool {
    #[cfg(unix)]
    {
        let limit = libc::rlimit {
            rlim_cur: bytes as libc::rlim_t,
            rlim_max: libc::RLIM_INFINITY,
        };
        // SAFETY: setrlimit reads the struct passed by reference, nothing else.
        unsafe { libc::setrlimit(libc::RLIMIT_AS, &limit) == 0 }
    }
    #[cfg(not(unix))]
    {
        let _ = bytes;
        false
    }
}

/// The address-space limit of the `model_run` fuzz target and its
/// regression test: 4 GiB.
pub const MODEL_RUN_ADDRESS_SPACE: u64 = 4 << 30;

/// The most time steps [`model_run`] simulates of a model's protocol.
pub const RUN_STEPS: u64 = 20;

/// The most neurons and synapses (all objects together) [`model_run`] runs;
/// a bigger network is built (its sizes checked) but not run, so that one
/// execution stays fast.
pub const RUN_ELEMENTS: usize = 100_000;

/// A whole model file, built and run for at most [`RUN_STEPS`] time steps,
/// then checkpointed, restored and its monitors read. Every size the model
/// asks for (neurons, synapses, delays, monitors over the whole protocol,
/// timed arrays) is checked before it is allocated, so this must neither
/// panic nor abort for memory; the fuzz target runs it under an address-space
/// limit (`RLIMIT_AS`), so that an unchecked allocation fails at once.
pub fn model_run(data: &[u8]) {
    use crate::io::{BuildOptions, build, parse_model};
    use crate::sim::{Checkpoint, RunControl};
    let Some(t) = text(data) else { return };
    let model = match parse_model("fuzz.toml", t.to_string()) {
        Ok(m) => m,
        Err(e) => return render(&e),
    };
    let (mut net, protocol) = match build(&model, &BuildOptions::default()) {
        Ok(x) => x,
        Err(e) => return render(&e),
    };
    let groups = model
        .neurons
        .iter()
        .map(|g| &g.name)
        .chain(model.spike_generators.iter().map(|g| &g.name))
        .chain(model.poisson.iter().map(|g| &g.name));
    let neurons: usize = groups
        .filter_map(|name| net.handle(name))
        .map(|h| net.size_of(h).unwrap_or(0))
        .sum();
    let synapses: usize = net.synapse_counts().iter().map(|s| s.1).sum();
    if neurons.saturating_add(synapses) > RUN_ELEMENTS {
        return;
    }
    net.set_control(RunControl {
        max_steps: Some(RUN_STEPS),
        ..RunControl::default()
    });
    if let Err(e) = protocol.run(&mut net) {
        render(&e);
    }
    for (h, _) in net.monitors() {
        let _ = (net.spike_monitor(h), net.state_monitor(h), net.rate_monitor(h));
    }
    // A network's own checkpoint always loads back into it.
    if let Err(e) = Checkpoint::from_bytes(&net.checkpoint().to_bytes()).and_then(|ck| net.restore_checkpoint(ck)) {
        panic!(
            "a network's own checkpoint was refused: {}",
            crate::io::render(&e, false)
        );
    }
}
