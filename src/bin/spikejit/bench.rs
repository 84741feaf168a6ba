//! `spikejit bench`: the command-line side of the benchmark harness
//! (spikejit::bench does the measuring and the reports).

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use spikejit::bench::{self, BenchModel, BenchOptions, Brian2Devices, Brian2Run, Step, report};

/// Where the Brian2 side lives, relative to the working directory (the repository).
const BRIAN2_SCRIPT: &str = "bench/brian2/run.sh";

/// The options of `spikejit bench` (flattened into `Cmd::Bench` in main.rs).
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Models to run: names (cuba_4000) or families (cuba); all when omitted
    pub models: Vec<String>,
    /// Repetitions of each model
    #[arg(long, default_value_t = 3)]
    pub reps: usize,
    /// Where results go
    #[arg(long, value_name = "DIR", default_value = "bench/results")]
    pub out: PathBuf,
    /// Also run Brian2's side (bench/brian2/run.sh) and write the comparison report
    #[arg(long)]
    pub compare: bool,
    /// The comparison report (with --compare or --report-only)
    #[arg(long, value_name = "FILE", default_value = "docs/benchmarks.md")]
    pub report: PathBuf,
    /// Run nothing: rewrite the report from DIR/spikejit.json and DIR/brian2.jsonl
    #[arg(long)]
    pub report_only: bool,
    /// Thread counts: each model runs with each (`--threads 1,2`; default 1), and with
    /// --compare Brian2's cpp_standalone with as many OpenMP threads (cython and numpy on
    /// one). With --probe, the team sizes measured (default 1,2)
    #[arg(long, value_name = "N,...", value_delimiter = ',')]
    pub threads: Vec<usize>,
    /// Cores of other processes' load beside a run above which it is marked busy
    #[arg(long, value_name = "CORES", default_value_t = spikejit::bench::load::DEFAULT_BUSY_THRESHOLD)]
    pub busy_threshold: f64,
    /// Write the comparison report even when runs were busy (with a warning on top)
    #[arg(long)]
    pub allow_busy: bool,
    /// Print the runs in the order they would run, and run nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Run no model: measure this machine's memory bandwidth (STREAM, in caches
    /// and DRAM), f64 flop rate and cost of `exp` on each --threads team size,
    /// print them and write DIR/probe.json (a few seconds)
    #[arg(long, conflicts_with_all = ["models", "reps", "compare", "report", "report_only", "allow_busy", "dry_run"])]
    pub probe: bool,
}

fn fail(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("error[bench]: {msg}");
    ExitCode::from(1)
}

pub fn main(a: &Args) -> ExitCode {
    let selected = match bench::select_models(&a.models) {
        Ok(m) => m,
        Err(e) => return fail(e),
    };
    if !(a.busy_threshold.is_finite() && a.busy_threshold >= 0.0) {
        return fail(format!(
            "--busy-threshold must be a number of cores, 0 or more (got {})",
            a.busy_threshold
        ));
    }
    if a.probe {
        return probe(a);
    }
    if let Some(t) = a.threads.iter().find(|&&t| t == 0) {
        return fail(format!("--threads: a thread count must be 1 or more (got {t})"));
    }
    let devices = if a.compare {
        match brian2_devices() {
            Ok(d) => d,
            Err(e) => return fail(e),
        }
    } else {
        Vec::new()
    };
    if a.dry_run {
        print_schedule(&selected, a, &devices);
        return ExitCode::SUCCESS;
    }
    let json = a.out.join("spikejit.json");
    let brian2_file = a.out.join("brian2.jsonl");
    let mut note = String::new();
    let run = if a.report_only {
        match bench::read_json(&json) {
            Ok(r) => r,
            Err(e) => return fail(e),
        }
    } else {
        let exe = match std::env::current_exe() {
            Ok(e) => e,
            Err(e) => return fail(format!("cannot find this executable: {e}")),
        };
        let command = command_line();
        let opts = BenchOptions {
            exe,
            models: selected.clone(),
            reps: a.reps,
            work_dir: a.out.join("work"),
            command,
            threads: a.threads.clone(),
            busy_threshold: a.busy_threshold,
        };
        let mut brian2 = if a.compare {
            match Brian2Side::new(&brian2_file, a.busy_threshold, devices.clone()) {
                Ok(b) => Some(b),
                Err(msg) => {
                    eprintln!("{msg}");
                    note = format!("**Brian2 side skipped:** {msg}");
                    None
                }
            }
        } else {
            None
        };
        let total = bench::schedule(selected.len(), &a.threads, a.reps, Brian2Devices::NONE).len();
        let mut done = 0;
        eprintln!(
            "spikejit bench: {} models x {} repetitions{}, {}",
            selected.len(),
            a.reps.max(1),
            if brian2.is_some() {
                ", each spikejit run followed by Brian2's on as many threads"
            } else {
                ""
            },
            bench::utc_now()
        );
        let planned = brian2_plan(&devices);
        let mut brian2_step = |m: &BenchModel, step: Brian2Run| {
            if let Some(b) = brian2.as_mut() {
                b.run(m, step);
            }
        };
        let hook: Option<(Brian2Devices, bench::Brian2Step)> = if a.compare {
            Some((planned, &mut brian2_step))
        } else {
            None
        };
        let run = bench::run(&opts, hook, |name, r| {
            done += 1;
            let load = match &r.load {
                Some(l) => format!(
                    ", other load {:.2} cores{}",
                    l.other_cores.max(0.0),
                    if r.busy { " (busy)" } else { "" }
                ),
                None => String::new(),
            };
            eprintln!(
                "  [{done}/{total}] {name} (rep {}): {:.3} s{load}",
                r.rep + 1,
                r.total_s
            );
        });
        let run = match run {
            Ok(r) => r,
            Err(e) => return fail(e),
        };
        if let Some(b) = &brian2 {
            note = b.note();
        }
        if let Err(e) = bench::write_json(&run, &json) {
            return fail(e);
        }
        let md = report::spikejit_table(&run, a.busy_threshold);
        if let Err(e) = spikejit::io::write_atomic(&a.out.join("spikejit.md"), md.as_bytes()) {
            return fail(format!("{e:?}"));
        }
        println!("{md}");
        println!(
            "written: {} and {}",
            json.display(),
            a.out.join("spikejit.md").display()
        );
        run
    };
    if !a.compare && !a.report_only {
        warn_busy(
            &report::busy_models(&run, &Default::default(), a.busy_threshold),
            a.busy_threshold,
        );
        return ExitCode::SUCCESS;
    }
    let lines = match std::fs::read_to_string(&brian2_file) {
        Ok(text) => match report::parse_brian2(&text) {
            Ok(l) => l,
            Err(e) => return fail(format!("{}: {e}", brian2_file.display())),
        },
        Err(_) => {
            if note.is_empty() {
                note = format!("**Brian2 side missing:** no results in `{}`.", brian2_file.display());
            }
            Vec::new()
        }
    };
    let agg = report::aggregate_brian2(&lines, a.busy_threshold);
    let busy = report::busy_models(&run, &agg, a.busy_threshold);
    warn_busy(&busy, a.busy_threshold);
    if !busy.is_empty() && !a.allow_busy {
        return fail(format!(
            "{} not written: the machine was busy (see above). Rerun on a quiet machine, or write it with a \
             warning from these results: spikejit bench --report-only --allow-busy --out {}{}",
            a.report.display(),
            a.out.display(),
            if a.report != Path::new("docs/benchmarks.md") {
                format!(" --report {}", a.report.display())
            } else {
                String::new()
            }
        ));
    }
    let plot = a.report.with_file_name(format!(
        "{}-scaling.svg",
        a.report.file_stem().and_then(|s| s.to_str()).unwrap_or("benchmarks")
    ));
    let plot_name = plot.file_name().and_then(|s| s.to_str()).map(str::to_string);
    let has_cuba = run.results.iter().any(|r| r.model == "cuba");
    let plot_ref = if has_cuba {
        if let Some(parent) = plot.parent().filter(|p| !p.as_os_str().is_empty()) {
            let _ = std::fs::create_dir_all(parent);
        }
        // The SVG for the report, and a PNG of the same figure for viewers without SVG.
        let png = plot.with_extension("png");
        match bench::scaling_plot(&run, &agg, &plot).and_then(|()| bench::scaling_plot(&run, &agg, &png)) {
            Ok(()) => plot_name.as_deref(),
            Err(e) => return fail(format!("scaling plot: {e}")),
        }
    } else {
        None
    };
    let md = report::comparison(&run, &agg, &note, plot_ref, a.busy_threshold);
    let comparison_json = a.out.join("comparison.json");
    let written = report::comparison_json(&run, &agg, a.busy_threshold)
        .and_then(|text| spikejit::io::write_atomic(&comparison_json, text.as_bytes()).map_err(|e| format!("{e:?}")));
    if let Err(e) = written {
        return fail(format!("{}: {e}", comparison_json.display()));
    }
    if let Some(parent) = a.report.parent().filter(|p| !p.as_os_str().is_empty()) {
        let _ = std::fs::create_dir_all(parent);
    }
    if let Err(e) = spikejit::io::write_atomic(&a.report, md.as_bytes()) {
        return fail(format!("{e:?}"));
    }
    println!("written: {} and {}", a.report.display(), comparison_json.display());
    ExitCode::SUCCESS
}

/// `--probe`: the machine's limits, printed and written to DIR/probe.json.
fn probe(a: &Args) -> ExitCode {
    let opts = bench::probe::ProbeOptions::new(&a.threads, command_line(), a.busy_threshold);
    eprintln!("spikejit bench --probe: {}", bench::utc_now());
    let p = bench::probe::measure(&opts, |part| eprintln!("  {part}"));
    println!("{}", bench::probe::table(&p));
    let json = a.out.join("probe.json");
    if let Err(e) = std::fs::create_dir_all(&a.out) {
        return fail(format!("cannot create '{}': {e}", a.out.display()));
    }
    if let Err(e) = bench::probe::write_json(&p, &json) {
        return fail(e);
    }
    println!("written: {}", json.display());
    if p.busy {
        eprintln!(
            "warning[bench]: busy machine: other processes used {:.2} cores beside the probe (more than {}); \
             its figures are too low",
            p.load.map_or(0.0, |l| l.other_cores),
            a.busy_threshold
        );
    }
    ExitCode::SUCCESS
}

/// This process's command line, as `spikejit ...`, for the results.
fn command_line() -> String {
    std::iter::once("spikejit".to_string())
        .chain(std::env::args().skip(1))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Tells stderr which models ran beside other load.
fn warn_busy(busy: &[String], threshold: f64) {
    if busy.is_empty() {
        return;
    }
    eprintln!("warning[bench]: busy machine: these runs had more than {threshold} cores of other load beside them:");
    for b in busy {
        eprintln!("  {b}");
    }
}

/// Brian2's devices `bench/brian2/run.sh` is to run: the `DEVICES`
/// environment variable it reads (space-separated), all of them when unset.
fn brian2_devices() -> Result<Vec<String>, String> {
    let given = std::env::var("DEVICES").unwrap_or_default();
    if given.trim().is_empty() {
        return Ok(report::DEVICES.iter().map(|d| d.to_string()).collect());
    }
    let mut out: Vec<String> = Vec::new();
    for d in given.split_whitespace() {
        if !report::DEVICES.contains(&d) {
            return Err(format!(
                "DEVICES: unknown Brian2 device '{d}' (known: {})",
                report::DEVICES.join(", ")
            ));
        }
        if !out.iter().any(|x| x == d) {
            out.push(d.to_string());
        }
    }
    Ok(out)
}

/// Which kinds of Brian2 device `devices` holds.
fn brian2_plan(devices: &[String]) -> Brian2Devices {
    Brian2Devices {
        standalone: devices.iter().any(|d| d == "cpp_standalone"),
        runtime: devices.iter().any(|d| d != "cpp_standalone"),
    }
}

/// The devices one Brian2 step runs, as `run.sh`'s `DEVICES` wants them.
fn step_devices(devices: &[String], step: Brian2Run) -> Vec<&str> {
    devices
        .iter()
        .map(String::as_str)
        .filter(|&d| {
            if d == "cpp_standalone" {
                step.standalone_threads.is_some()
            } else {
                step.runtime
            }
        })
        .collect()
}

/// What a Brian2 step runs, in words: `cpp_standalone (2 OpenMP threads), cython, numpy`.
fn describe_step(devices: &[String], step: Brian2Run) -> String {
    step_devices(devices, step)
        .iter()
        .map(|&d| match step.standalone_threads {
            Some(t) if d == "cpp_standalone" && t > 1 => format!("{d} ({t} OpenMP threads)"),
            Some(_) if d == "cpp_standalone" => format!("{d} (1 thread, no OpenMP)"),
            _ => format!("{d} (1 thread)"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `--dry-run`: the runs in the order they would run.
fn print_schedule(models: &[BenchModel], a: &Args, devices: &[String]) {
    let steps = bench::schedule(models.len(), &a.threads, a.reps, brian2_plan(devices));
    println!(
        "spikejit bench --dry-run: {} steps, in this order (nothing is run)",
        steps.len()
    );
    for s in steps {
        match s {
            Step::Spikejit { model, threads, rep } => {
                println!("rep {}: spikejit {} --threads {threads}", rep + 1, models[model].name)
            }
            Step::Brian2 { model, run } => println!(
                "rep {}: brian2 {}:{} {} ({BRIAN2_SCRIPT})",
                run.rep + 1,
                models[model].model,
                models[model].n,
                describe_step(devices, run),
            ),
        }
    }
    if a.reps > 1 && brian2_plan(devices).runtime {
        println!(
            "({BRIAN2_SCRIPT} runs cython and numpy on its SLOW configurations, by default cuba:256000, \
             stdp:1000 and compartmental_net:16, in the first REPS_SLOW repetitions only, by default 1)"
        );
    }
}

/// Brian2's side, one `bench/brian2/run.sh` call per step of the schedule.
struct Brian2Side {
    script: PathBuf,
    out: PathBuf,
    busy_threshold: f64,
    /// The devices asked for (`DEVICES`), in its order.
    devices: Vec<String>,
    /// Why Brian2's side stopped (Python or Brian2 missing, a bad argument).
    stopped: Option<String>,
    /// Calls that reported a failed run.
    failed: usize,
}

impl Brian2Side {
    /// Brian2's side writing to `out` (emptied first); `Err` says why it cannot run.
    fn new(out: &Path, busy_threshold: f64, devices: Vec<String>) -> Result<Brian2Side, String> {
        let script = PathBuf::from(BRIAN2_SCRIPT);
        if !script.exists() {
            return Err(format!(
                "{BRIAN2_SCRIPT} not found (run `spikejit bench --compare` from the repository's root)"
            ));
        }
        let _ = std::fs::remove_file(out);
        Ok(Brian2Side {
            script,
            out: out.to_path_buf(),
            busy_threshold,
            devices,
            stopped: None,
            failed: 0,
        })
    }

    /// Runs the devices of `step` once on `m`: cpp_standalone on the step's
    /// threads, the runtime devices on one.
    fn run(&mut self, m: &BenchModel, step: Brian2Run) {
        if self.stopped.is_some() {
            return;
        }
        let devices = step_devices(&self.devices, step);
        if devices.is_empty() {
            return;
        }
        let status = Command::new("bash")
            .arg(&self.script)
            .arg(&self.out)
            .env("MODELS", format!("{}:{}", m.model, m.n))
            .env("DEVICES", devices.join(" "))
            .env("THREADS", step.standalone_threads.unwrap_or(1).to_string())
            .env("REPS", "1")
            .env("REP_FIRST", step.rep.to_string())
            // cython's untimed cache-filling run, before the model's first timed one
            .env("WARMUP", if step.rep == 0 && step.runtime { "1" } else { "0" })
            .env("BUSY_THRESHOLD", self.busy_threshold.to_string())
            .status();
        let lines = std::fs::read_to_string(&self.out).map_or(0, |t| t.lines().count());
        match status {
            Err(e) => self.stopped = Some(format!("cannot start bash for {BRIAN2_SCRIPT}: {e}")),
            Ok(st) if st.code() == Some(2) => self.stopped = Some(format!("{BRIAN2_SCRIPT} refused its arguments")),
            Ok(st) if !st.success() => self.failed += 1,
            // run.sh exits 0 without a line when Python, its venv or Brian2 is missing
            Ok(_) if lines == 0 => {
                self.stopped =
                    Some("Brian2 wrote no results (see the message above: Python or Brian2 unavailable)".into())
            }
            Ok(_) => {}
        }
        if let Some(msg) = &self.stopped {
            eprintln!("Brian2 side stopped: {msg}");
        }
    }

    /// The report's note on Brian2's side (empty when all went well).
    fn note(&self) -> String {
        match (&self.stopped, self.failed) {
            (Some(msg), _) => format!("**Brian2 side skipped:** {msg}"),
            (None, 0) => String::new(),
            (None, n) => format!(
                "**Brian2: {n} call(s) of `{BRIAN2_SCRIPT}` had a failed run** (logs in `bench/brian2/work/logs/`); \
                 those runs are missing from the tables."
            ),
        }
    }
}
