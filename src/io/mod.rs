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
pub mod data_file;
pub mod model_file;
mod output;
pub mod render;
mod strings;

use std::path::{Path, PathBuf};
use std::time::Instant;

pub use build::{BuildOptions, Protocol, RunTimes, Step, build, build_in};
pub use model_file::{LoadedModel, load_model, parse_model};
pub use output::{
    KernelTime, Ordered, Summary, Timings, peak_memory_bytes, write_atomic, write_monitors, write_outputs, write_state,
    write_summary,
};
pub use render::{file_source, render, render_warning, render_warnings};
pub use strings::decode_toml_string;

use crate::diag::{Diagnostic, Errors, Result};
use crate::sim::{Checkpoint, Network};

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
    /// Stops the run, as Ctrl-C does, after this many time steps in all
    /// (`--stop-after-steps`).
    pub max_steps: Option<u64>,
    /// Writes the whole state to this file when the protocol ends or is
    /// stopped early (`--checkpoint`).
    pub checkpoint: Option<PathBuf>,
    /// Loads this checkpoint and goes on from where its protocol stopped
    /// (`--resume`).
    pub resume: Option<PathBuf>,
    /// The run-time checks: NaN and infinities, integer faults (`--nan`,
    /// `--nan-check-every`).
    pub nan: crate::sim::NanCheck,
    /// Shows each warning of the run-time checks (with `--nan=warn`) as it
    /// is found; without it they are only kept in the network's findings.
    pub on_warning: Option<crate::sim::WarningHandler>,
    /// Threads (`--threads N`; `Some(0)`: one per core; `None`: one), see
    /// [`Network::set_threads`](crate::sim::Network::set_threads).
    pub threads: Option<usize>,
    /// Times each object of the schedule (`--profile`): the summary's
    /// `profile` ([`Network::set_profiling`](crate::sim::Network::set_profiling)).
    pub profile: bool,
    /// The ranks that run the model together (under `mpirun`), when more
    /// than one: each integrates its share, rank 0 gathers and writes the
    /// outputs, and an error is returned by the rank that found it (the
    /// others return [`FAILED_ELSEWHERE`](crate::sim::partition::FAILED_ELSEWHERE)).
    pub ranks: Option<Box<dyn crate::sim::partition::Exchange>>,
}

/// The hash of a model file's text a checkpoint keeps (FNV-1a, 64 bits, and the length).
fn model_hash(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("fnv1a64:{h:016x}:{}", text.len())
}

/// Keys of [`crate::sim::Checkpoint::meta`] that `spikejit run` writes.
mod meta {
    pub const MODEL: &str = "model";
    pub const MODEL_HASH: &str = "model_hash";
    pub const SEED: &str = "seed_option";
    pub const STEP: &str = "protocol_step";
    pub const IN_RUN: &str = "protocol_in_run";
    pub const RUN_LEFT: &str = "run_left_seconds";
}

fn checkpoint_error(path: &Path, msg: impl Into<String>) -> Errors {
    Errors::one(Diagnostic::new("checkpoint", format!("{}: {}", path.display(), msg.into())).with_context("--resume"))
}

/// A checkpoint to resume from, checked against the model file and `--seed`.
struct Resume {
    ck: Checkpoint,
    seed: Option<u64>,
    step: usize,
    in_run: bool,
}

impl Resume {
    fn read(path: &Path, model: &LoadedModel, seed: Option<u64>) -> Result<Resume> {
        let ck = Checkpoint::load(path)?;
        let get = |k: &str| ck.meta.get(k).cloned().unwrap_or_default();
        if get(meta::MODEL_HASH) != model_hash(&model.file.text) {
            return Err(Errors::one(
                Diagnostic::new(
                    "checkpoint",
                    format!(
                        "{}: the checkpoint was written by a run of another model file ('{}'), not of '{}' as it is now",
                        path.display(),
                        get(meta::MODEL),
                        model.path
                    ),
                )
                .with_context("--resume")
                .with_help("resume with the very model file the checkpoint was written from (its text is checked, byte for byte)"),
            ));
        }
        let ck_seed = match get(meta::SEED).as_str() {
            "" => None,
            s => Some(
                s.parse::<u64>()
                    .map_err(|_| checkpoint_error(path, format!("the checkpoint's seed '{s}' is not a number")))?,
            ),
        };
        if let Some(s) = seed
            && Some(s) != ck_seed
        {
            return Err(checkpoint_error(
                path,
                format!(
                    "--seed {s} differs from the seed the checkpoint was written with ({})",
                    ck_seed.map_or("the model file's".to_string(), |x| x.to_string())
                ),
            ));
        }
        let step = get(meta::STEP)
            .parse::<usize>()
            .map_err(|_| checkpoint_error(path, "the checkpoint does not say where its protocol stopped"))?;
        let in_run = get(meta::IN_RUN) == "true";
        Ok(Resume {
            ck,
            seed: ck_seed,
            step,
            in_run,
        })
    }
}

/// `spikejit run FILE --out DIR`: loads, builds and runs a model file and writes
/// its outputs into `out`. Returns the summary written to `summary.json`. A run
/// stopped through `opts.stop` or `opts.max_steps` still writes everything
/// recorded until then (`summary.interrupted` is set). With `opts.checkpoint`
/// the whole state is written there when the protocol ends or is stopped; with
/// `opts.resume` a checkpoint of the same model file (checked by a hash of its
/// text) is loaded and the protocol goes on from where it stopped, to the
/// outputs of a run never stopped. A non-finite value with
/// [`NanMode::Error`](crate::sim::NanMode::Error) is an error, returned after
/// the outputs are written.
pub fn run_model_file(path: &Path, out: &Path, mut opts: RunOptions) -> Result<Summary> {
    let mut ranks = opts.ranks.take().filter(|r| r.size() > 1);
    if ranks.is_none() {
        return run_alone(path, out, opts);
    }
    let mut net = Network::new();
    let result = partitioned(path, out, opts, &mut net, &mut ranks);
    // The ranks tell each other who failed: the first rank with an error of
    // its own reports it, the others fail quietly.
    let Some(mut ranks) = net.take_ranks().or(ranks) else {
        return result;
    };
    let own = matches!(&result, Err(e) if !crate::sim::partition::is_failed_elsewhere(e));
    let mut failed = Vec::new();
    ranks.all_gather_i32(&[i32::from(own)], &mut failed);
    let first = failed.iter().position(|&f| f == 1);
    match result {
        Err(_) if first != Some(ranks.rank()) => Err(crate::sim::partition::failed_elsewhere()),
        Ok(_) if first.is_some() => Err(crate::sim::partition::failed_elsewhere()),
        r => r,
    }
}

/// A model file's run as one of several ranks (see [`RunOptions::ranks`]).
fn partitioned(
    path: &Path,
    out: &Path,
    mut opts: RunOptions,
    net: &mut Network,
    ranks: &mut Option<Box<dyn crate::sim::partition::Exchange>>,
) -> Result<Summary> {
    let t0 = Instant::now();
    let model = load_model(path)?;
    if opts.resume.is_some() || opts.checkpoint.is_some() {
        return Err(Errors::one(
            Diagnostic::new(
                "not-supported-distributed",
                "--checkpoint and --resume are not supported on several ranks yet",
            )
            .with_help("run on one rank to checkpoint (the results are the same)"),
        ));
    }
    let parse_seconds = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    if let Some(r) = ranks.take() {
        // A fresh network takes them (it has no object yet).
        net.set_ranks(r)?;
    }
    let protocol = build_in(net, &model, &BuildOptions { seed: opts.seed })?;
    set_checks(net, &opts);
    let build_seconds = t1.elapsed().as_secs_f64();
    hand_controls(net, &mut opts, protocol.duration());
    let times = match protocol.run_from(net, 0, false) {
        Ok(times) => times,
        Err(e) => {
            // Every rank is here (they stop a run together). A finding of the
            // checks with `--nan=error`, or a monitor out of memory, on any
            // rank: what was recorded is still written, as on one rank.
            let recorded = net.check_failed() || net.recording_failed();
            if net.any_rank(recorded) {
                let timings = failed_run_timings(parse_seconds, build_seconds, net);
                gather_and_write(net, &model, &protocol, out, opts.dump_state, &timings)?;
            }
            return Err(e);
        }
    };
    let timings = Timings {
        parse_seconds,
        compile_seconds: build_seconds + times.compile_seconds,
        run_seconds: times.run_seconds,
        interrupted: times.interrupted,
    };
    gather_and_write(net, &model, &protocol, out, opts.dump_state, &timings)
}

/// After the last run on several ranks: the ranks' summaries and recordings
/// gathered to rank 0, which writes the outputs (the others only return
/// the summary).
fn gather_and_write(
    net: &mut Network,
    model: &LoadedModel,
    protocol: &Protocol,
    out: &Path,
    dump_state: bool,
    timings: &Timings,
) -> Result<Summary> {
    let ranks_summary = net.rank_summaries(peak_memory_bytes());
    net.gather_to_root(dump_state);
    let mut summary = Summary::new(net, &model.path, protocol, timings);
    summary.ranks = ranks_summary;
    if net.rank() != 0 {
        return Ok(summary);
    }
    write_monitors(net, out)?;
    if dump_state {
        output::write_state(net, out)?;
    }
    write_summary(&summary, out)?;
    Ok(summary)
}

/// The timings of a protocol whose run failed (its recordings are written).
fn failed_run_timings(parse_seconds: f64, build_seconds: f64, net: &Network) -> Timings {
    Timings {
        parse_seconds,
        compile_seconds: build_seconds + net.stats().compile_seconds,
        run_seconds: net.stats().run_seconds,
        interrupted: true,
    }
}

/// Gives the network the run-time checks, threads and profiling of `opts`.
fn set_checks(net: &mut Network, opts: &RunOptions) {
    net.set_nan_check(opts.nan);
    if let Some(n) = opts.threads {
        net.set_threads(n);
    }
    net.set_profiling(opts.profile);
}

/// Gives the network the controls of `opts` (the stop flag, the progress
/// report, the step limit, the warnings' handler; taken out of `opts`) for a
/// protocol of `total` seconds.
fn hand_controls(net: &mut Network, opts: &mut RunOptions, total: f64) {
    net.set_control(crate::sim::RunControl {
        stop: opts.stop.take(),
        progress: opts
            .progress
            .take()
            .map(|mut p| Box::new(move |t: f64| p(t, total)) as Box<dyn FnMut(f64) + Send>),
        interrupted: false,
        max_steps: opts.max_steps,
        on_warning: opts.on_warning.take(),
    });
}

/// A model file's run on one rank.
fn run_alone(path: &Path, out: &Path, mut opts: RunOptions) -> Result<Summary> {
    let t0 = Instant::now();
    let model = load_model(path)?;
    let resume = match &opts.resume {
        Some(ck) => Some(Resume::read(ck, &model, opts.seed)?),
        None => None,
    };
    let parse_seconds = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let seed = opts.seed.or(resume.as_ref().and_then(|r| r.seed));
    let (mut net, protocol) = build(&model, &BuildOptions { seed })?;
    set_checks(&mut net, &opts);
    let (start, continue_first) = match resume {
        Some(r) => {
            let ck_path = opts.resume.as_deref().unwrap_or(Path::new(""));
            let run_step = matches!(protocol.steps.get(r.step), Some(Step::Run { .. }));
            if r.step > protocol.steps.len() || (r.in_run && !run_step) {
                return Err(checkpoint_error(
                    ck_path,
                    format!(
                        "the checkpoint stopped at protocol step {} of {}, which does not fit this model's protocol",
                        r.step + 1,
                        protocol.steps.len()
                    ),
                ));
            }
            net.restore_checkpoint(r.ck).map_err(|mut e| {
                for d in &mut e.0 {
                    d.message = format!("{}: {}", ck_path.display(), d.message);
                }
                e
            })?;
            (r.step, r.in_run)
        }
        None => (0, false),
    };
    let build_seconds = t1.elapsed().as_secs_f64();
    hand_controls(&mut net, &mut opts, protocol.duration());
    let times = match protocol.run_from(&mut net, start, continue_first) {
        Ok(times) => times,
        Err(e) => {
            // A finding of the checks with `--nan=error`, or a monitor out of
            // memory: what was recorded is still written.
            if net.check_failed() || net.recording_failed() {
                let timings = failed_run_timings(parse_seconds, build_seconds, &net);
                write_outputs(&net, &protocol, &model.path, out, opts.dump_state, &timings)?;
            }
            return Err(e);
        }
    };
    let timings = Timings {
        parse_seconds,
        compile_seconds: build_seconds + times.compile_seconds,
        run_seconds: times.run_seconds,
        interrupted: times.interrupted,
    };
    let summary = write_outputs(&net, &protocol, &model.path, out, opts.dump_state, &timings)?;
    if let Some(ck_path) = &opts.checkpoint {
        let mut ck = net.checkpoint();
        ck.meta.insert(meta::MODEL.into(), model.path.clone());
        ck.meta.insert(meta::MODEL_HASH.into(), model_hash(&model.file.text));
        ck.meta
            .insert(meta::SEED.into(), seed.map(|s| s.to_string()).unwrap_or_default());
        let (step, in_run) = match times.stopped_at {
            Some(k) => (k, net.run_left().is_some()),
            None => (protocol.steps.len(), false),
        };
        ck.meta.insert(meta::STEP.into(), step.to_string());
        ck.meta.insert(meta::IN_RUN.into(), in_run.to_string());
        if let Some(left) = net.run_left() {
            ck.meta.insert(meta::RUN_LEFT.into(), left.to_string());
        }
        ck.save(ck_path)?;
    }
    Ok(summary)
}

/// `spikejit check FILE`: loads and builds a model file and builds every kernel
/// without running it, so that all unit and code errors surface. Returns the
/// warnings ([`Network::warnings`](crate::sim::Network::warnings)): the model
/// is fine to run, but parts of it probably do not do what was meant.
pub fn check_model_file(path: &Path) -> Result<Vec<Diagnostic>> {
    let model = load_model(path)?;
    let (mut net, _protocol) = build(&model, &BuildOptions::default())?;
    net.check()?;
    Ok(net.warnings())
}

/// `spikejit check FILE --schedule`: what [`check_model_file`] checks, and the
/// schedule of the model's runs ([`Network::schedule`](crate::sim::Network::schedule)).
pub fn model_file_schedule(path: &Path) -> Result<Vec<crate::sim::ScheduleEntry>> {
    let model = load_model(path)?;
    let (mut net, _protocol) = build(&model, &BuildOptions::default())?;
    net.schedule()
}

/// A number with at most 6 decimals, without trailing zeros (`0.1`, `0.25`).
fn trimmed(x: f64) -> String {
    let s = format!("{x:.6}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A schedule as Brian2's `scheduling_summary()` prints it: one row per
/// object in running order, with its slot, order and clock.
pub fn format_schedule(entries: &[crate::sim::ScheduleEntry]) -> String {
    let rows: Vec<[String; 4]> = entries
        .iter()
        .map(|e| {
            [
                format!("{} ({})", e.name, e.class),
                format!("{} ms", trimmed(e.dt * 1e3)),
                e.when.to_string(),
                e.order.to_string(),
            ]
        })
        .collect();
    let head = ["object", "clock dt", "when", "order"];
    let width = |c: usize| {
        rows.iter()
            .map(|r| r[c].len())
            .chain([head[c].len()])
            .max()
            .unwrap_or(0)
    };
    let w = [width(0), width(1), width(2), width(3)];
    let line = |r: [&str; 4]| {
        format!(
            "{:<a$}  {:<b$}  {:<c$}  {:>d$}\n",
            r[0],
            r[1],
            r[2],
            r[3],
            a = w[0],
            b = w[1],
            c = w[2],
            d = w[3]
        )
    };
    let mut out = line(head);
    out.push_str(&line([
        "-".repeat(w[0]).as_str(),
        &"-".repeat(w[1]),
        &"-".repeat(w[2]),
        &"-".repeat(w[3]),
    ]));
    for r in &rows {
        out.push_str(&line([&r[0], &r[1], &r[2], &r[3]]));
    }
    out
}
