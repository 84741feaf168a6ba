//! The benchmark harness behind `spikejit bench`: runs the bundled benchmark
//! models (`bench/models/*.toml`, compiled into the binary) as separate
//! `spikejit run` processes, several repetitions each, and reports every phase
//! (parse, JIT, connect, run, whole process), peak memory, spikes, synaptic
//! events per second and the compile time of each kernel.
//!
//! With Brian2 results beside them ([`report`]), it writes the side-by-side
//! comparison `docs/benchmarks.md` and the scaling figure ([`scaling_plot`]);
//! [`probe`] measures the machine's memory bandwidth, flop rate and `exp` cost.

pub mod load;
pub mod probe;
pub mod report;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use serde::{Deserialize, Serialize};

pub use load::{LoadSample, load_average};

/// A bundled benchmark model: a model file of the contract at one size.
#[derive(Clone, Copy, Debug)]
pub struct BenchModel {
    /// `cuba_4000`: the file's stem, what `--models` selects.
    pub name: &'static str,
    /// The model family (`cuba`, `cobahh`, `stdp`, `brunel`, `compartmental_hh`,
    /// `compartmental_net`): Brian2's side uses it.
    pub model: &'static str,
    /// Neurons of the main population (Brian2's side uses it as `--N`;
    /// `compartmental_hh`: compartments of its one neuron; `compartmental_net`:
    /// its multicompartment neurons).
    pub n: usize,
    /// The model file's text.
    pub source: &'static str,
}

macro_rules! bench_model {
    ($name:literal, $model:literal, $n:expr) => {
        BenchModel {
            name: $name,
            model: $model,
            n: $n,
            source: include_str!(concat!("../../bench/models/", $name, ".toml")),
        }
    };
}

/// Every bundled benchmark model, in report order.
pub const MODELS: &[BenchModel] = &[
    bench_model!("cuba_4000", "cuba", 4000),
    bench_model!("cuba_16000", "cuba", 16000),
    bench_model!("cuba_64000", "cuba", 64000),
    bench_model!("cuba_256000", "cuba", 256000),
    bench_model!("cobahh_4000", "cobahh", 4000),
    bench_model!("stdp", "stdp", 1000),
    bench_model!("brunel_12500", "brunel", 12500),
    bench_model!("compartmental_hh_1000", "compartmental_hh", 1000),
    bench_model!("compartmental_net_16", "compartmental_net", 16),
];

/// Median, minimum and maximum of repeated measurements.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Stat {
    /// The median (the mean of the middle two for an even count).
    pub median: f64,
    /// The smallest measurement.
    pub min: f64,
    /// The largest measurement.
    pub max: f64,
}

impl Stat {
    /// The statistics of `xs` (all zero when empty).
    pub fn of(xs: &[f64]) -> Stat {
        if xs.is_empty() {
            return Stat::default();
        }
        let mut v = xs.to_vec();
        v.sort_by(f64::total_cmp);
        let n = v.len();
        let median = if n % 2 == 1 {
            v[n / 2]
        } else {
            0.5 * (v[n / 2 - 1] + v[n / 2])
        };
        Stat {
            median,
            min: v[0],
            max: v[n - 1],
        }
    }
}

/// One kernel's JIT compile time (median over repetitions).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct KernelCompile {
    /// The kernel's name, as in `summary.json`'s `kernels`.
    pub name: String,
    /// Seconds of JIT compilation.
    pub seconds: f64,
}

/// What `spikejit bench` measured for one model.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BenchResult {
    /// The bundled model's name (`cuba_4000`).
    pub name: String,
    /// The model family (`cuba`, `cobahh`, `stdp`, `brunel`), to match Brian2's results.
    pub model: String,
    /// Neurons of the main population (`N` in the JSON, as Brian2's side writes it).
    #[serde(rename = "N")]
    pub n: usize,
    /// Threads the runs used (`spikejit run --threads`).
    #[serde(default = "one")]
    pub threads: usize,
    /// How many repetitions were aggregated.
    pub reps: usize,
    /// Synapses created, all synapses objects together (from the last repetition).
    pub synapses: u64,
    /// Spikes emitted, all spiking groups together (from the last repetition).
    pub spikes: u64,
    /// Synaptic events delivered (one per synapse and event), from the last repetition.
    pub synaptic_events: u64,
    /// Simulated seconds.
    pub duration: f64,
    /// Reading and checking the model file (`parse_seconds` of `summary.json`).
    pub parse_s: Stat,
    /// JIT compile of every kernel (part of `build_s`).
    pub jit_s: Stat,
    /// Synapse creation (part of `build_s`).
    pub connect_s: Stat,
    /// Everything between parsing and the first step: objects, connect,
    /// initial values, kernels.
    pub build_s: Stat,
    /// The time-step loop (`run_seconds` of `summary.json`).
    pub run_s: Stat,
    /// The whole `spikejit run` process, writing outputs included.
    pub total_s: Stat,
    /// The process's peak resident memory, in bytes (0 where unknown).
    pub peak_memory_bytes: Stat,
    /// Synaptic events per second of run time (median run).
    pub events_per_s: f64,
    /// Each kernel's compile time, in the order the last repetition compiled them.
    pub kernels: Vec<KernelCompile>,
    /// Every repetition, in the order run, with the machine's load beside it
    /// (empty in files written before the load was measured).
    #[serde(default)]
    pub runs: Vec<RunRecord>,
}

/// One `spikejit run` process of a benchmark.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RunRecord {
    /// The repetition (from 0).
    pub rep: usize,
    /// Wall seconds of the whole process.
    pub total_s: f64,
    /// The time-step loop's seconds (`run_seconds` of `summary.json`).
    pub run_s: f64,
    /// What other processes used beside it (`None` without `/proc/stat`).
    pub load: Option<LoadSample>,
    /// Other load above the run's busy threshold ([`LoadSample::is_busy`]).
    pub busy: bool,
}

fn one() -> usize {
    1
}

/// The machine and moment of a benchmark run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Machine {
    /// The CPU model (`model name` of `/proc/cpuinfo`, or the architecture).
    pub cpu: String,
    /// Logical cores available to the process.
    pub cores: usize,
    /// Total memory in GiB (`MemTotal` of `/proc/meminfo`; 0 where unknown).
    pub memory_gib: f64,
    /// The operating system (`linux`, `macos`, ...).
    pub os: String,
    /// When the run started, as `YYYY-MM-DD HH:MM UTC`.
    pub date: String,
    /// 1-minute load average at the start and the end.
    pub load_start: Option<f64>,
    /// The 1-minute load average at the end (see `load_start`).
    pub load_end: Option<f64>,
}

/// `spikejit.json`: the whole spikejit side of a benchmark run.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BenchRun {
    /// The version of the `spikejit` that ran the harness.
    pub spikejit_version: String,
    /// The machine the benchmarks ran on.
    pub machine: Machine,
    /// The command line that produced the run (for reproducing it).
    pub command: String,
    /// One result per model, in the order run.
    pub results: Vec<BenchResult>,
    /// The other load (cores) above which a run was marked busy (`None` in
    /// files written before the load was measured).
    #[serde(default)]
    pub busy_threshold_cores: Option<f64>,
}

/// Options of one benchmark run.
#[derive(Clone, Debug)]
pub struct BenchOptions {
    /// The `spikejit` executable to time (normally this one).
    pub exe: PathBuf,
    /// The models to run, in order.
    pub models: Vec<BenchModel>,
    /// Repetitions per model (at least 1).
    pub reps: usize,
    /// Where the model files and each run's outputs go.
    pub work_dir: PathBuf,
    /// The command line, recorded in the results.
    pub command: String,
    /// Each model runs once per thread count, in this order (`--threads 1,2`).
    pub threads: Vec<usize>,
    /// Other load (cores) above which a run is marked busy.
    pub busy_threshold: f64,
}

/// Brian2's side of a benchmark session: told each of its steps, with the
/// model, right after spikejit's run of the same model, repetition and
/// thread count (see [`run`] and [`schedule`]).
pub type Brian2Step<'a> = &'a mut dyn FnMut(&BenchModel, Brian2Run);

/// Which of Brian2's devices a benchmark session runs (none: spikejit alone).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Brian2Devices {
    /// `cpp_standalone`, which runs once per thread count (OpenMP threads).
    pub standalone: bool,
    /// The runtime devices (`cython`, `numpy`), which run on one thread only.
    pub runtime: bool,
}

impl Brian2Devices {
    /// No Brian2 device: spikejit alone.
    pub const NONE: Brian2Devices = Brian2Devices {
        standalone: false,
        runtime: false,
    };
}

/// One Brian2 step of a session: what runs, for one model and repetition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Brian2Run {
    /// The repetition (from 0).
    pub rep: usize,
    /// `cpp_standalone` with this many threads (1: Brian2's build without
    /// OpenMP; N > 1: `openmp_threads = N`), or not in this step.
    pub standalone_threads: Option<usize>,
    /// The runtime devices (`cython`, `numpy`, those the session runs), on one thread.
    pub runtime: bool,
}

/// One run of a benchmark session, in the order [`schedule`] gives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// `spikejit run` of a model with a thread count.
    Spikejit {
        /// An index into the session's models.
        model: usize,
        /// `spikejit run --threads`.
        threads: usize,
        /// The repetition (from 0).
        rep: usize,
    },
    /// Brian2's side of a model: one run of each device the step names.
    Brian2 {
        /// An index into the session's models.
        model: usize,
        /// What runs.
        run: Brian2Run,
    },
}

/// The order of a benchmark session: repetitions outermost, then the models,
/// then the thread counts; each spikejit run is followed by Brian2's
/// `cpp_standalone` on as many (OpenMP) threads, and the model's first
/// thread count also by Brian2's runtime devices (one thread), so that a
/// burst of load on a shared machine hits both sides at each thread count
/// and different models rather than all of one.
pub fn schedule(models: usize, threads: &[usize], reps: usize, brian2: Brian2Devices) -> Vec<Step> {
    let threads = thread_counts(threads);
    let mut out = Vec::new();
    for rep in 0..reps.max(1) {
        for model in 0..models {
            for (k, &t) in threads.iter().enumerate() {
                out.push(Step::Spikejit { model, threads: t, rep });
                let run = Brian2Run {
                    rep,
                    standalone_threads: brian2.standalone.then_some(t),
                    runtime: brian2.runtime && k == 0,
                };
                if run.standalone_threads.is_some() || run.runtime {
                    out.push(Step::Brian2 { model, run });
                }
            }
        }
    }
    out
}

/// The distinct thread counts in the order given (1 when none).
fn thread_counts(threads: &[usize]) -> Vec<usize> {
    let mut out: Vec<usize> = Vec::new();
    for &t in threads {
        if !out.contains(&t) {
            out.push(t);
        }
    }
    if out.is_empty() {
        out.push(1);
    }
    out
}

/// The models named in `names` (all when empty); an unknown name is an error
/// that lists the known ones.
pub fn select_models(names: &[String]) -> Result<Vec<BenchModel>, String> {
    if names.is_empty() {
        return Ok(MODELS.to_vec());
    }
    let mut out = Vec::new();
    for n in names {
        let hits: Vec<BenchModel> = MODELS.iter().filter(|m| m.name == n || m.model == n).copied().collect();
        if hits.is_empty() {
            let known: Vec<&str> = MODELS.iter().map(|m| m.name).collect();
            return Err(format!(
                "unknown benchmark model '{n}'; the bundled ones are: {}",
                known.join(", ")
            ));
        }
        out.extend(hits);
    }
    Ok(out)
}

/// The fields of a run's `summary.json` the harness reads.
#[derive(Deserialize)]
struct RunSummary {
    spike_counts: serde_json::Map<String, serde_json::Value>,
    synapse_counts: serde_json::Map<String, serde_json::Value>,
    parse_seconds: f64,
    compile_seconds: f64,
    run_seconds: f64,
    t_end: f64,
    kernel_compile_seconds: f64,
    kernels: Vec<KernelCompile>,
    #[serde(default)]
    connect_seconds: f64,
    #[serde(default)]
    synaptic_events: u64,
    #[serde(default)]
    peak_memory_bytes: Option<u64>,
}

fn sum_counts(m: &serde_json::Map<String, serde_json::Value>) -> u64 {
    m.values().filter_map(|v| v.as_u64()).sum()
}

/// Runs the session [`schedule`] gives: each model `reps` times with each
/// thread count, and, when `brian2` is given, its steps for the devices it
/// names, each after spikejit's run of the same model, repetition and thread
/// count. Each spikejit run is measured in a [`load::Window`]; `progress` is
/// told each finished run.
pub fn run(
    opts: &BenchOptions,
    mut brian2: Option<(Brian2Devices, Brian2Step)>,
    mut progress: impl FnMut(&str, &RunRecord),
) -> Result<BenchRun, String> {
    let load_start = load_average();
    std::fs::create_dir_all(&opts.work_dir).map_err(|e| format!("cannot create '{}': {e}", opts.work_dir.display()))?;
    let mut files = Vec::new();
    for m in &opts.models {
        let path = opts.work_dir.join(format!("{}.toml", m.name));
        std::fs::write(&path, m.source).map_err(|e| format!("cannot write '{}': {e}", path.display()))?;
        files.push(path);
    }
    let threads = thread_counts(&opts.threads);
    // One slot per (model, thread count), models outermost.
    let cases: Vec<(usize, usize)> = (0..opts.models.len())
        .flat_map(|k| threads.iter().map(move |&t| (k, t)))
        .collect();
    let mut samples: Vec<Vec<(RunRecord, RunSummary)>> = cases.iter().map(|_| Vec::new()).collect();
    let devices = brian2.as_ref().map_or(Brian2Devices::NONE, |b| b.0);
    for step in schedule(opts.models.len(), &threads, opts.reps, devices) {
        let (k, t, rep) = match step {
            Step::Spikejit { model, threads, rep } => (model, threads, rep),
            Step::Brian2 { model, run } => {
                if let Some((_, b)) = brian2.as_mut() {
                    b(&opts.models[model], run);
                }
                continue;
            }
        };
        let m = &opts.models[k];
        let out = opts.work_dir.join(format!("{}.out", m.name));
        let window = load::Window::open();
        let t0 = Instant::now();
        let status = Command::new(&opts.exe)
            .arg("run")
            .arg(&files[k])
            .arg("--out")
            .arg(&out)
            .arg("--quiet")
            .arg("--threads")
            .arg(t.to_string())
            .status()
            .map_err(|e| format!("cannot start '{}': {e}", opts.exe.display()))?;
        let wall = t0.elapsed().as_secs_f64();
        let load = window.close();
        if !status.success() {
            return Err(format!("'spikejit run {}' failed ({status})", files[k].display()));
        }
        let text = std::fs::read_to_string(out.join("summary.json"))
            .map_err(|e| format!("cannot read the summary of {}: {e}", m.name))?;
        let s: RunSummary = serde_json::from_str(&text).map_err(|e| format!("bad summary.json of {}: {e}", m.name))?;
        let record = RunRecord {
            rep,
            total_s: wall,
            run_s: s.run_seconds,
            busy: load.is_some_and(|l| l.is_busy(opts.busy_threshold)),
            load,
        };
        progress(m.name, &record);
        let c = cases.iter().position(|&x| x == (k, t)).unwrap_or(0);
        samples[c].push((record, s));
    }
    let results = cases
        .iter()
        .zip(samples)
        .map(|(&(k, t), runs)| aggregate(&opts.models[k], t, &runs))
        .collect();
    Ok(BenchRun {
        spikejit_version: env!("CARGO_PKG_VERSION").to_string(),
        machine: Machine {
            load_start,
            load_end: load_average(),
            ..machine()
        },
        command: opts.command.clone(),
        results,
        busy_threshold_cores: Some(opts.busy_threshold),
    })
}

fn aggregate(m: &BenchModel, threads: usize, runs: &[(RunRecord, RunSummary)]) -> BenchResult {
    let stat = |f: &dyn Fn(&(RunRecord, RunSummary)) -> f64| Stat::of(&runs.iter().map(f).collect::<Vec<_>>());
    let run_s = stat(&|r| r.1.run_seconds);
    let last = &runs[runs.len() - 1].1;
    let kernels = last
        .kernels
        .iter()
        .enumerate()
        .map(|(k, kc)| KernelCompile {
            name: kc.name.clone(),
            seconds: Stat::of(
                &runs
                    .iter()
                    .filter_map(|r| r.1.kernels.get(k).map(|x| x.seconds))
                    .collect::<Vec<_>>(),
            )
            .median,
        })
        .collect();
    let events = last.synaptic_events;
    BenchResult {
        name: m.name.to_string(),
        model: m.model.to_string(),
        n: m.n,
        threads,
        reps: runs.len(),
        synapses: sum_counts(&last.synapse_counts),
        spikes: sum_counts(&last.spike_counts),
        synaptic_events: events,
        duration: last.t_end,
        parse_s: stat(&|r| r.1.parse_seconds),
        jit_s: stat(&|r| r.1.kernel_compile_seconds),
        connect_s: stat(&|r| r.1.connect_seconds),
        build_s: stat(&|r| r.1.compile_seconds),
        run_s,
        total_s: stat(&|r| r.0.total_s),
        peak_memory_bytes: stat(&|r| r.1.peak_memory_bytes.unwrap_or(0) as f64),
        events_per_s: if run_s.median > 0.0 {
            events as f64 / run_s.median
        } else {
            0.0
        },
        kernels,
        runs: runs.iter().map(|r| r.0.clone()).collect(),
    }
}

/// What this machine is, for the report.
pub fn machine() -> Machine {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|x| x.trim().to_string())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_string());
    let memory_gib = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|x| x.parse::<f64>().ok())
        })
        .map(|kib| kib / (1024.0 * 1024.0))
        .unwrap_or(0.0);
    Machine {
        cpu,
        cores: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        memory_gib,
        os: std::env::consts::OS.to_string(),
        date: utc_now(),
        load_start: None,
        load_end: None,
    }
}

/// The current UTC time as `YYYY-MM-DD HH:MM UTC` (civil-from-days, no clock crate).
pub fn utc_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let (days, rem) = (secs.div_euclid(86400), secs.rem_euclid(86400));
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02} UTC", rem / 3600, (rem % 3600) / 60)
}

/// The scaling figure: CUBA's run time against its number of synapses, for
/// spikejit at each thread count and each Brian2 device and thread count
/// that ran it.
pub fn scaling_plot(
    run: &BenchRun,
    brian2: &std::collections::BTreeMap<(String, usize), Vec<report::Brian2Result>>,
    path: &Path,
) -> Result<(), String> {
    let mut series = Vec::new();
    let mut spikejit_threads: Vec<usize> = run
        .results
        .iter()
        .filter(|r| r.model == "cuba")
        .map(|r| r.threads)
        .collect();
    spikejit_threads.sort_unstable();
    spikejit_threads.dedup();
    for t in spikejit_threads {
        series.push(crate::plot::Series {
            label: format!("spikejit{}", report::threads_suffix(t)),
            points: run
                .results
                .iter()
                .filter(|r| r.model == "cuba" && r.threads == t)
                .map(|r| (r.synapses as f64, r.run_s.median / r.duration.max(1e-12)))
                .collect(),
        });
    }
    // Brian2's (device, threads) pairs in report order (aggregate_brian2 sorts each model's results so).
    let mut brian2_lines: Vec<(&str, usize)> = Vec::new();
    for x in brian2.iter().filter(|((m, _), _)| m == "cuba").flat_map(|(_, v)| v) {
        if !brian2_lines.contains(&(x.device.as_str(), x.threads)) {
            brian2_lines.push((x.device.as_str(), x.threads));
        }
    }
    brian2_lines.sort_by_key(|&(dev, t)| (report::device_order(dev), t));
    for (dev, t) in brian2_lines {
        let points: Vec<(f64, f64)> = brian2
            .iter()
            .filter(|((m, _), _)| m == "cuba")
            .filter_map(|((_, n), v)| {
                let x = v.iter().find(|x| x.device == dev && x.threads == t)?;
                let dur = run
                    .results
                    .iter()
                    .find(|r| r.model == "cuba" && r.n == *n)
                    .map_or(1.0, |r| r.duration);
                Some((x.synapses as f64, x.run_s.median / dur.max(1e-12)))
            })
            .collect();
        series.push(crate::plot::Series {
            label: format!("Brian2 {dev}{}", report::threads_suffix(t)),
            points,
        });
    }
    crate::plot::scaling(path, "CUBA: run time against synapses (p = 80/N)", &series)
}

/// Writes `run` as pretty JSON.
pub fn write_json(run: &BenchRun, path: &Path) -> Result<(), String> {
    let text = serde_json::to_string_pretty(run).map_err(|e| e.to_string())?;
    crate::io::write_atomic(path, text.as_bytes()).map_err(|e| format!("{e:?}"))
}

/// Reads a `spikejit.json` written by [`write_json`].
pub fn read_json(path: &Path) -> Result<BenchRun, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read '{}': {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("'{}' is not a spikejit benchmark file: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_min_max() {
        let s = Stat::of(&[3.0, 1.0, 2.0]);
        assert_eq!((s.median, s.min, s.max), (2.0, 1.0, 3.0));
        assert_eq!(Stat::of(&[4.0, 1.0]).median, 2.5);
        assert_eq!(Stat::of(&[]), Stat::default());
    }

    #[test]
    fn model_selection() {
        assert_eq!(select_models(&["cuba".into()]).map(|v| v.len()), Ok(4));
        assert_eq!(select_models(&["stdp".into()]).map(|v| v[0].name), Ok("stdp"));
        let e = select_models(&["cubaa".into()]).err().unwrap_or_default();
        assert!(e.contains("cuba_4000"), "{e}");
    }

    #[test]
    fn bundled_models_load() {
        for m in MODELS {
            if let Err(e) = crate::io::parse_model(&format!("{}.toml", m.name), m.source.to_string()) {
                panic!("{}: {}", m.name, crate::io::render(&e, false));
            }
        }
    }

    #[test]
    fn repetitions_alternate_spikejit_and_brian2() {
        use Step::*;
        let all = Brian2Devices {
            standalone: true,
            runtime: true,
        };
        let brian2 = |model, rep, standalone_threads, runtime| Brian2 {
            model,
            run: Brian2Run {
                rep,
                standalone_threads,
                runtime,
            },
        };
        // each thread count on both sides, Brian2's runtime devices once (one thread)
        let s = schedule(2, &[1, 2], 2, all);
        let mut want = Vec::new();
        for rep in 0..2 {
            for model in 0..2 {
                want.push(Spikejit { model, threads: 1, rep });
                want.push(brian2(model, rep, Some(1), true));
                want.push(Spikejit { model, threads: 2, rep });
                want.push(brian2(model, rep, Some(2), false));
            }
        }
        assert_eq!(s, want);
        // the runtime devices go with the first thread count, whichever it is
        assert_eq!(
            schedule(1, &[2, 1], 1, all),
            vec![
                Spikejit {
                    model: 0,
                    threads: 2,
                    rep: 0
                },
                brian2(0, 0, Some(2), true),
                Spikejit {
                    model: 0,
                    threads: 1,
                    rep: 0
                },
                brian2(0, 0, Some(1), false),
            ]
        );
        // without cpp_standalone, Brian2 runs once per model and repetition
        let runtime_only = Brian2Devices {
            standalone: false,
            runtime: true,
        };
        assert_eq!(
            schedule(1, &[1, 2], 1, runtime_only),
            vec![
                Spikejit {
                    model: 0,
                    threads: 1,
                    rep: 0
                },
                brian2(0, 0, None, true),
                Spikejit {
                    model: 0,
                    threads: 2,
                    rep: 0
                },
            ]
        );
        // cpp_standalone alone, two threads only
        let standalone_only = Brian2Devices {
            standalone: true,
            runtime: false,
        };
        assert_eq!(
            schedule(1, &[2], 1, standalone_only),
            vec![
                Spikejit {
                    model: 0,
                    threads: 2,
                    rep: 0
                },
                brian2(0, 0, Some(2), false),
            ]
        );
        // spikejit alone; no thread count is one; a repeated count runs once
        assert_eq!(
            schedule(1, &[], 2, Brian2Devices::NONE),
            vec![
                Spikejit {
                    model: 0,
                    threads: 1,
                    rep: 0
                },
                Spikejit {
                    model: 0,
                    threads: 1,
                    rep: 1
                }
            ]
        );
        assert_eq!(
            schedule(1, &[2, 2], 1, Brian2Devices::NONE),
            vec![Spikejit {
                model: 0,
                threads: 2,
                rep: 0
            }]
        );
    }

    #[test]
    fn civil_date() {
        let d = utc_now();
        assert!(d.ends_with(" UTC") && d.len() == 20, "{d}");
    }
}
