//! The spikejit command line: `spikejit run MODEL.toml --out DIR`,
//! `spikejit check MODEL.toml`.

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use spikejit::diag::Errors;
use spikejit::io;

mod bench;

/// Brian2's string-model language, JIT-compiled with Cranelift.
#[derive(Parser, Debug)]
#[command(name = "spikejit", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Build and run a model file, write its outputs
    ///
    /// Writes DIR/NAME.npz per monitor (spike: i, t, count; state: t and one
    /// (indices x times) array per variable), DIR/summary.json and, with
    /// --dump-state, DIR/state/GROUP.npz for every neuron group and synapses.
    /// A progress bar shows simulated time when stderr is a terminal. Ctrl-C
    /// stops the run at the end of the current time step, writes what the
    /// monitors recorded until then (summary.json: "interrupted": true) and
    /// exits with code 130; with --checkpoint CK it also writes the whole state
    /// to CK, and `--resume CK` later goes on from there, to the outputs of a
    /// run never stopped. Integer faults (division and modulo by zero,
    /// overflow) and NaN or infinities stored by statements are found at the
    /// step they happen; state variables are checked for NaN and infinities
    /// every 100 steps (--nan, --nan-check-every).
    Run {
        /// The model file (TOML)
        file: PathBuf,
        /// Output directory (created if needed)
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        #[command(flatten)]
        args: RunArgs,
    },
    /// Draw the monitors of a finished run from its npz files
    ///
    /// A raster plot per spike or event monitor, the traces of each state
    /// monitor variable and the rate of each rate monitor, written next to the
    /// npz files as NAME.png and NAME.svg (NAME_VAR.* for state monitors).
    Plot {
        /// The output directory of `spikejit run ... --out DIR`
        dir: PathBuf,
    },
    /// Time the bundled benchmark models, optionally beside Brian2
    ///
    /// Runs each model (CUBA at N = 4000, 16000, 64000, 256000; COBAHH; STDP;
    /// Brunel 2000; a 1000-compartment HH axon; 16 multicompartment neurons) as separate `spikejit run` processes, --reps times each, and
    /// reports parse, JIT, connect, run and whole-process seconds (median
    /// [min-max]), peak memory, spikes, synaptic events per second and the
    /// other processes' load beside each run (/proc/stat's busy CPU time minus
    /// the run's own). Writes DIR/spikejit.json and DIR/spikejit.md. With
    /// --compare each spikejit run is followed by Brian2's of the same model
    /// (bench/brian2/run.sh: Brian2 2.9.0 in cpp_standalone, cython and numpy
    /// modes, in a virtual environment it creates; cpp_standalone with as
    /// many OpenMP threads as spikejit's --threads, cython and numpy on one),
    /// then it writes the side-by-side report, DIR/comparison.json and a
    /// scaling figure; it refuses to write the report when runs were busy,
    /// unless --allow-busy. With --probe it runs no model and measures the
    /// machine instead: memory bandwidth (STREAM), f64 flop rate and the cost
    /// of `exp`, the floor under each model's run (DIR/probe.json).
    Bench {
        #[command(flatten)]
        args: bench::Args,
    },
    /// Build a model file and compile every kernel without running it
    ///
    /// Reports every error (unknown keys, unit mismatches, ...) with its file,
    /// line and column; exit code 1 if there is any.
    Check {
        /// The model file (TOML)
        file: PathBuf,
        /// Also print the schedule: every object that runs in a time step, in
        /// the order it runs, with Brian2's names, slots (`when`) and orders
        /// (as Brian2's `scheduling_summary()`)
        #[arg(long)]
        schedule: bool,
    },
}

/// `--nan`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum NanArg {
    Warn,
    Error,
    Off,
}

/// What `spikejit run` was asked beyond the file and the output directory.
#[derive(clap::Args, Debug)]
struct RunArgs {
    /// Also write DIR/state/GROUP.npz with every state variable at the end
    #[arg(long)]
    dump_state: bool,
    /// Random seed (overrides simulation.seed)
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// Print nothing on success and show no progress bar (the bar is only
    /// shown when stderr is a terminal)
    #[arg(long, short)]
    quiet: bool,
    /// Also draw every monitor as DIR/NAME.png and DIR/NAME.svg (as `spikejit plot DIR`)
    #[arg(long)]
    plot: bool,
    /// Write the whole network state to CK when the run ends or is stopped
    /// (Ctrl-C, --stop-after-steps), to go on later with --resume CK
    #[arg(long, value_name = "CK")]
    checkpoint: Option<PathBuf>,
    /// Load the checkpoint CK (written from the same model file) and go on
    /// from where its run stopped
    #[arg(long, value_name = "CK")]
    resume: Option<PathBuf>,
    /// Stop, as Ctrl-C does, after N time steps in all (counting those
    /// before the checkpoint with --resume); exit code 130
    #[arg(long, value_name = "N")]
    stop_after_steps: Option<u64>,
    /// What the run-time checks do about a NaN or infinite state variable,
    /// an integer division or modulo by zero, an integer overflow or an
    /// invalid float-to-integer conversion: warn (once per variable and
    /// kind, on stderr, with the statement), error (stop at the end of the
    /// step and exit 1, outputs still written) or off (no checks)
    #[arg(long, value_name = "MODE", value_enum, default_value_t = NanArg::Warn)]
    nan: NanArg,
    /// Check state variables for NaN and infinities every N time steps (and
    /// at the end of each run); 1 names the exact step
    #[arg(long, value_name = "N", default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..))]
    nan_check_every: u64,
    /// Threads: a neuron group's state update and threshold are split over
    /// element ranges (groups of 16384 neurons or more); 0 means one per
    /// core; one by default. Results are identical for any number
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    /// Time each object of the schedule (state updates, thresholds, resets,
    /// pathways, monitors) and print where the run time went, as Brian2's
    /// profiling_summary(); also in summary.json as `profile`
    #[arg(long)]
    profile: bool,
}

fn stderr_color() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

fn report(errors: &Errors) -> ExitCode {
    eprint!("{}", io::render(errors, stderr_color()));
    ExitCode::from(1)
}

/// Shows warnings on stderr (they do not change the exit code).
fn warn(warnings: &[spikejit::diag::Diagnostic]) {
    if !warnings.is_empty() {
        eprint!("{}", io::render_warnings(warnings, stderr_color()));
    }
}

fn plot_dir(dir: &std::path::Path, quiet: bool) -> Result<(), ExitCode> {
    match spikejit::plot::monitors::plot_dir(dir) {
        Ok(files) => {
            if !quiet {
                println!("{} figures in {}", files.len(), dir.display());
            }
            Ok(())
        }
        Err(e) => {
            eprintln!("error[plot]: {e}");
            Err(ExitCode::from(1))
        }
    }
}

/// Exit code of a run stopped by Ctrl-C (128 + SIGINT, the shell convention).
const EXIT_INTERRUPTED: u8 = 130;

fn run(file: &std::path::Path, out: &std::path::Path, args: RunArgs) -> ExitCode {
    let RunArgs {
        seed,
        dump_state,
        quiet,
        plot,
        checkpoint,
        resume,
        stop_after_steps,
        nan,
        nan_check_every,
        threads,
        profile,
    } = args;
    // Under mpirun: one of several ranks. Only rank 0 writes and tells.
    let ranks = match spikejit::dist::Ranks::launched() {
        Ok(r) => r,
        Err(e) => return report(&Errors::one(e.into())),
    };
    let rank = ranks.rank();
    let quiet = quiet || rank != 0;
    let plot = plot && rank == 0;
    if ranks.size() > 1 {
        // A rank that panicked alone would leave the others waiting in their
        // next exchange: stop them all.
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            default(info);
            if let Ok(r) = spikejit::dist::Ranks::world() {
                r.abort(101);
            }
        }));
    }
    let ranks = (ranks.size() > 1).then(|| {
        Box::new(spikejit::sim::partition::MpiExchange::new(ranks)) as Box<dyn spikejit::sim::partition::Exchange>
    });
    // Ctrl-C sets the flag; the run stops at the end of the step and the outputs
    // recorded so far are written.
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let _ = ctrlc::set_handler(move || flag.store(true, Ordering::Relaxed));
    let bar = (!quiet && std::io::stderr().is_terminal()).then(progress_bar);
    let progress = bar.clone().map(|bar| {
        Box::new(move |t: f64, total: f64| {
            // Simulated time in ms as the position: the bar's ETA follows it.
            bar.set_length((total * 1e3).round().max(1.0) as u64);
            bar.set_position((t * 1e3).round() as u64);
        }) as Box<dyn FnMut(f64, f64) + Send>
    });
    // Warnings of the run-time checks, rendered as errors are (the place and
    // a caret under the statement), above the progress bar.
    let color = stderr_color();
    let warn_bar = bar.clone();
    let on_warning = Box::new(move |d: &spikejit::diag::Diagnostic| {
        let text = io::render_warning(d, color);
        match &warn_bar {
            Some(bar) => bar.suspend(|| eprint!("{text}")),
            None => eprint!("{text}"),
        }
    }) as spikejit::sim::WarningHandler;
    let opts = io::RunOptions {
        seed,
        dump_state,
        stop: Some(stop),
        progress,
        max_steps: stop_after_steps,
        checkpoint: checkpoint.clone(),
        resume,
        nan: spikejit::sim::NanCheck {
            mode: match nan {
                NanArg::Warn => spikejit::sim::NanMode::Warn,
                NanArg::Error => spikejit::sim::NanMode::Error,
                NanArg::Off => spikejit::sim::NanMode::Off,
            },
            every: nan_check_every,
        },
        on_warning: Some(on_warning),
        threads,
        profile,
        ranks,
    };
    let result = io::run_model_file(file, out, opts);
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    match result {
        Ok(s) => {
            warn(&s.warnings);
            if !quiet {
                println!(
                    "{}: {} spikes, {} synapses; parse {:.3} s, compile {:.3} s, run {:.3} s -> {}",
                    file.display(),
                    s.total_spikes(),
                    s.total_synapses(),
                    s.parse_seconds,
                    s.compile_seconds,
                    s.run_seconds,
                    out.display()
                );
            }
            if profile {
                print!("{}", profile_table(&s.profile, s.run_seconds));
            }
            let has_monitors = std::fs::read_dir(out)
                .map(|d| {
                    d.filter_map(|e| e.ok())
                        .any(|e| e.path().extension().is_some_and(|x| x == "npz"))
                })
                .unwrap_or(false);
            if plot && !has_monitors {
                eprintln!("--plot: the model has no monitors, nothing to draw");
            } else if plot && let Err(code) = plot_dir(out, quiet) {
                return code;
            }
            if s.interrupted {
                eprintln!(
                    "interrupted at t = {} s: the outputs in {} hold what was recorded until then",
                    s.t_end,
                    out.display()
                );
                if let Some(ck) = &checkpoint {
                    eprintln!(
                        "the state is in {}: `spikejit run {} --out DIR --resume {}` goes on from there",
                        ck.display(),
                        file.display(),
                        ck.display()
                    );
                }
                return ExitCode::from(EXIT_INTERRUPTED);
            }
            ExitCode::SUCCESS
        }
        // Another rank failed and reported it.
        Err(e) if spikejit::sim::partition::is_failed_elsewhere(&e) => ExitCode::FAILURE,
        Err(e) => report(&e),
    }
}

/// `--profile`'s table: each object of the schedule by the time it took,
/// largest first, with its share of the run, its steps and the time per step,
/// and what the run loop itself took around them (Brian2's
/// `profiling_summary()` has the same rows, by code object).
fn profile_table(profile: &[spikejit::sim::OpTime], run_seconds: f64) -> String {
    let mut rows: Vec<&spikejit::sim::OpTime> = profile.iter().collect();
    rows.sort_by(|a, b| b.seconds.total_cmp(&a.seconds));
    let in_ops: f64 = profile.iter().map(|p| p.seconds).sum();
    let share = |s: f64| {
        if run_seconds > 0.0 {
            100.0 * s / run_seconds
        } else {
            0.0
        }
    };
    let width = rows
        .iter()
        .map(|p| p.name.len() + p.class.len() + 3)
        .max()
        .unwrap_or(0)
        .max(30);
    let mut t = format!(
        "Profiling summary (run {run_seconds:.3} s)\n{:<width$}  {:>9}  {:>6}  {:>9}  {:>10}\n",
        "object", "seconds", "%", "steps", "us/step"
    );
    for p in rows {
        let per = if p.calls > 0 {
            1e6 * p.seconds / p.calls as f64
        } else {
            0.0
        };
        let name = format!("{} ({})", p.name, p.class);
        t += &format!(
            "{name:<width$}  {:>9.4}  {:>6.1}  {:>9}  {per:>10.3}\n",
            p.seconds,
            share(p.seconds),
            p.calls
        );
    }
    let rest = (run_seconds - in_ops).max(0.0);
    t += &format!(
        "{:<width$}  {rest:>9.4}  {:>6.1}\n",
        "(run loop, checks, set steps)",
        share(rest)
    );
    t
}

/// Brian2's `report='text'`, as a bar: simulated time, wall time, estimate.
fn progress_bar() -> ProgressBar {
    let bar = ProgressBar::new(1);
    let style = ProgressStyle::with_template(
        "{spinner} [{bar:40}] {pos}/{len} ms simulated, {elapsed_precise} elapsed, about {eta} left",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar())
    .progress_chars("=> ");
    bar.set_style(style);
    bar
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // SPIKEJIT_DUMP_IR=1, SPIKEJIT_DUMP_ASM=1: each kernel's IR, machine
    // code, on stderr as it is compiled (for profiling).
    let (ir, asm) = (
        std::env::var_os("SPIKEJIT_DUMP_IR").is_some(),
        std::env::var_os("SPIKEJIT_DUMP_ASM").is_some(),
    );
    if ir || asm {
        let _ = spikejit::sim::dump_kernels(spikejit::sim::KernelDumps {
            ir,
            asm,
            sink: Box::new(|text| eprintln!("{text}")),
        });
    }
    match cli.cmd {
        Cmd::Run { file, out, args } => run(&file, &out, args),
        Cmd::Plot { dir } => match plot_dir(&dir, false) {
            Ok(()) => ExitCode::SUCCESS,
            Err(code) => code,
        },
        Cmd::Bench { args } => bench::main(&args),
        Cmd::Check { file, schedule: false } => match io::check_model_file(&file) {
            Ok(warnings) => {
                warn(&warnings);
                println!("{}: ok", file.display());
                ExitCode::SUCCESS
            }
            Err(e) => report(&e),
        },
        Cmd::Check { file, schedule: true } => match io::model_file_schedule(&file) {
            Ok(entries) => {
                print!("{}", io::format_schedule(&entries));
                ExitCode::SUCCESS
            }
            Err(e) => report(&e),
        },
    }
}
