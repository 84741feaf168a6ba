//! Model files and outputs: the `spikejit run` / `spikejit check` side of the
//! project (DESIGN.md, "Model files (the contract)").
//!
//! - [`load_model`] reads a TOML model file and checks its shape as the
//!   contract's reference does, keeping every string's place in the file;
//! - [`build`] turns it into a [`Network`](crate::sim::Network) and a
//!   [`Protocol`] in the contract's build order;
//! - [`write_outputs`] writes the monitors' npz files, `summary.json` and the
//!   state dump;
//! - [`render`] renders diagnostics with the offending line and a caret.
//!
//! ```no_run
//! use spikejit::io;
//! let model = io::load_model("model.toml").unwrap();
//! let (mut net, protocol) = io::build(&model, &io::BuildOptions::default()).unwrap();
//! protocol.run(&mut net).unwrap();
//! ```
//!
//! A model file given as text, run, its monitor read back through the
//! network, and an error rendered as the CLI shows it:
//!
//! ```
//! use spikejit::io;
//!
//! let text = r#"
//! [simulation]
//! duration = "100*ms"
//!
//! [[neurons]]
//! name = "G"
//! N = 2
//! model = "dv/dt = (2 - v)/(10*ms) : 1"
//! threshold = "v > 1"
//! reset = "v = 0"
//!
//! [[monitors]]
//! name = "spikes"
//! kind = "spike"
//! source = "G"
//! "#;
//! let model = io::parse_model("inline.toml", text.to_string())?;
//! let mut options = io::BuildOptions::default();
//! options.seed = Some(1); // as `spikejit run --seed 1`
//! let (mut net, protocol) = io::build(&model, &options)?;
//! protocol.run(&mut net)?;
//! let m = net.handle("spikes").ok_or("no monitor")?;
//! assert_eq!(net.spike_monitor(m).ok_or("not a spike monitor")?.count.len(), 2);
//!
//! let bad = text.replace("threshold", "threshhold");
//! let errors = io::parse_model("bad.toml", bad).err().ok_or("expected an error")?;
//! let shown = io::render(&errors, false);
//! assert!(shown.contains("unknown key 'threshhold'") && shown.contains("did you mean 'threshold'?"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod build;
pub mod model_file;
mod output;
mod render;
mod strings;

use std::path::Path;
use std::time::Instant;

pub use build::{BuildOptions, Protocol, RunTimes, Step, build};
pub use model_file::{LoadedModel, load_model, parse_model};
pub use output::{
    KernelTime, Ordered, Summary, Timings, peak_memory_bytes, write_atomic, write_monitors, write_outputs, write_state,
    write_summary,
};
pub use render::{file_source, render};
pub use strings::decode_toml_string;

use crate::diag::Result;

/// What `spikejit run` does beyond reading the file.
#[derive(Default)]
pub struct RunOptions {
    /// Overrides `simulation.seed`.
    pub seed: Option<u64>,
    /// Also write `DIR/state/GROUP.npz`.
    pub dump_state: bool,
    /// When set (Ctrl-C), the run stops at the end of the current time step.
    pub stop: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
    /// Told `(simulated time, total simulated time of the protocol)` in seconds,
    /// about ten times a second.
    pub progress: Option<Box<dyn FnMut(f64, f64) + Send>>,
}

/// `spikejit run FILE --out DIR`: loads, builds and runs a model file and writes
/// its outputs into `out`. Returns the summary written to `summary.json`. A run
/// stopped through `opts.control` still writes everything recorded until then
/// (`summary.interrupted` is set).
pub fn run_model_file(path: &Path, out: &Path, opts: RunOptions) -> Result<Summary> {
    let t0 = Instant::now();
    let model = load_model(path)?;
    let parse_seconds = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let (mut net, protocol) = build(&model, &BuildOptions { seed: opts.seed })?;
    let build_seconds = t1.elapsed().as_secs_f64();
    let total = protocol.duration();
    net.set_control(crate::sim::RunControl {
        stop: opts.stop,
        progress: opts
            .progress
            .map(|mut p| Box::new(move |t: f64| p(t, total)) as Box<dyn FnMut(f64) + Send>),
        interrupted: false,
    });
    let times = protocol.run(&mut net)?;
    let timings = Timings {
        parse_seconds,
        compile_seconds: build_seconds + times.compile_seconds,
        run_seconds: times.run_seconds,
        interrupted: times.interrupted,
    };
    write_outputs(&net, &protocol, &model.path, out, opts.dump_state, &timings)
}

/// `spikejit check FILE`: loads and builds a model file and builds every kernel
/// without running it, so that all unit and code errors surface.
pub fn check_model_file(path: &Path) -> Result<()> {
    let model = load_model(path)?;
    let (mut net, _protocol) = build(&model, &BuildOptions::default())?;
    net.check()
}
