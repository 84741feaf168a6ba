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
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// Overrides `simulation.seed`.
    pub seed: Option<u64>,
    /// Also write `DIR/state/GROUP.npz`.
    pub dump_state: bool,
}

/// `spikejit run FILE --out DIR`: loads, builds and runs a model file and writes
/// its outputs into `out`. Returns the summary written to `summary.json`.
pub fn run_model_file(path: &Path, out: &Path, opts: &RunOptions) -> Result<Summary> {
    let t0 = Instant::now();
    let model = load_model(path)?;
    let parse_seconds = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let (mut net, protocol) = build(&model, &BuildOptions { seed: opts.seed })?;
    let build_seconds = t1.elapsed().as_secs_f64();
    let times = protocol.run(&mut net)?;
    let timings = Timings {
        parse_seconds,
        compile_seconds: build_seconds + times.compile_seconds,
        run_seconds: times.run_seconds,
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
