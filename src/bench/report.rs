//! Markdown reports of benchmark runs: spikejit alone (`spikejit bench`), and
//! spikejit beside Brian2's devices (`docs/benchmarks.md`).

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::{Deserialize, Serialize};

use super::{BenchResult, BenchRun, LoadSample, Machine, Stat};

/// One Brian2 run, a line of `bench/brian2/brian2_bench.py`'s output.
#[derive(Clone, Debug, Deserialize)]
pub struct Brian2Line {
    /// The model family (`cuba`, `cobahh`, `stdp`, `brunel`).
    pub model: String,
    /// Neurons of the main population.
    #[serde(rename = "N")]
    pub n: usize,
    /// Brian2's device: `cpp_standalone`, `cython` or `numpy`.
    pub device: String,
    /// Threads (`cpp_standalone`: 1 without OpenMP, N > 1 with `openmp_threads = N`;
    /// 1 in lines written before Brian2 ran on several).
    #[serde(default = "super::one")]
    pub threads: usize,
    /// Synapses created, all synapses objects together.
    #[serde(default)]
    pub synapses: u64,
    /// Spikes of the model's spiking groups (how each model counts them: see `brian2_bench.py`).
    #[serde(default)]
    pub spikes: u64,
    /// The phases' times.
    pub timings: Brian2Timings,
    /// The process's peak resident memory, in bytes.
    #[serde(default)]
    pub max_rss_bytes: u64,
    /// The Brian2 version that ran.
    #[serde(default)]
    pub brian2_version: String,
    /// The repetition (from 0).
    #[serde(default)]
    pub rep: usize,
    /// Other processes' load during the whole process (absent in lines written
    /// before it was measured, or without `/proc/stat`).
    #[serde(default)]
    pub load: Option<LoadSample>,
    /// Other processes' load during the simulation loop (cpp_standalone: the
    /// generated program; cython, numpy: `Network.run` after `before_run`).
    #[serde(default)]
    pub load_run: Option<LoadSample>,
}

impl Brian2Line {
    /// Whether other load above `threshold_cores` ran beside the whole process
    /// or its simulation loop.
    pub fn is_busy(&self, threshold_cores: f64) -> bool {
        [self.load, self.load_run]
            .iter()
            .flatten()
            .any(|l| l.is_busy(threshold_cores))
    }
}

/// The load beside one simulator's runs of one model.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct LoadNote {
    /// Runs.
    pub runs: usize,
    /// Runs with a load measurement.
    pub measured: usize,
    /// Runs marked busy.
    pub busy: usize,
    /// The largest other load of a run, in cores (whole-process windows).
    pub max_other_cores: f64,
}

impl LoadNote {
    fn add(&mut self, sample: Option<&LoadSample>, busy: bool) {
        self.runs += 1;
        if let Some(s) = sample {
            self.measured += 1;
            self.max_other_cores = self.max_other_cores.max(s.other_cores);
        }
        self.busy += usize::from(busy);
    }

    /// spikejit's runs of a result, marked with `threshold_cores`.
    pub fn of_spikejit(r: &BenchResult, threshold_cores: f64) -> LoadNote {
        let mut n = LoadNote::default();
        for run in &r.runs {
            n.add(run.load.as_ref(), run.load.is_some_and(|l| l.is_busy(threshold_cores)));
        }
        if r.runs.is_empty() {
            n.runs = r.reps;
        }
        n
    }

    /// The table cell: the largest other load, and how many runs were busy.
    fn cell(&self) -> String {
        if self.measured == 0 {
            return "not measured".into();
        }
        let mut s = format!("{:.2}", self.max_other_cores.max(0.0));
        if self.busy > 0 {
            let _ = write!(s, " ⚠ {} of {} busy", self.busy, self.runs);
        }
        if self.measured < self.runs {
            let _ = write!(s, " ({} not measured)", self.runs - self.measured);
        }
        s
    }
}

/// The timings of one Brian2 run, in seconds (as `brian2_bench.py` defines them).
#[derive(Clone, Debug, Deserialize)]
pub struct Brian2Timings {
    /// Wall time from the end of `import brian2` until the simulation loop can start (objects, synapses, code
    /// generation, compilation).
    #[serde(default)]
    pub build_s: f64,
    /// CPU seconds of the simulation loop only.
    pub run_s: f64,
    /// Wall time of the whole process, from before `import brian2` to the results read back.
    pub total_s: f64,
}

/// Brian2's runs of one model, size, device and thread count, aggregated.
#[derive(Clone, Debug, Serialize)]
pub struct Brian2Result {
    /// Brian2's device: `cpp_standalone`, `cython` or `numpy`.
    pub device: String,
    /// Threads (see [`Brian2Line::threads`]).
    pub threads: usize,
    /// How many runs were aggregated.
    pub reps: usize,
    /// Synapses created (of the last run).
    pub synapses: u64,
    /// Spikes (median over the runs).
    pub spikes: u64,
    /// Build time (see [`Brian2Timings::build_s`]).
    pub build_s: Stat,
    /// Simulation-loop time (see [`Brian2Timings::run_s`]).
    pub run_s: Stat,
    /// Whole-process time (see [`Brian2Timings::total_s`]).
    pub total_s: Stat,
    /// Peak resident memory in bytes.
    pub peak_memory_bytes: Stat,
    /// The Brian2 version (of the last run).
    pub version: String,
    /// The load beside the runs.
    pub load: LoadNote,
}

/// Brian2's devices in report order.
pub const DEVICES: &[&str] = &["cpp_standalone", "cython", "numpy"];

/// A device's place in [`DEVICES`] (unknown ones last).
pub fn device_order(device: &str) -> usize {
    DEVICES.iter().position(|d| *d == device).unwrap_or(DEVICES.len())
}

/// `, N threads` after a simulator's name, nothing for one thread.
pub fn threads_suffix(threads: usize) -> String {
    if threads > 1 {
        format!(", {threads} threads")
    } else {
        String::new()
    }
}

/// A Brian2 result's name in tables: `Brian2 cpp_standalone`, with its
/// OpenMP threads when more than one.
fn brian2_name(x: &Brian2Result) -> String {
    if x.threads > 1 {
        format!("Brian2 {} ({} OpenMP threads)", x.device, x.threads)
    } else {
        format!("Brian2 {}", x.device)
    }
}

/// Parses Brian2's JSON lines (blank lines and lines that are not JSON objects
/// of the expected shape are reported, not skipped silently).
pub fn parse_brian2(text: &str) -> Result<Vec<Brian2Line>, String> {
    let mut out = Vec::new();
    for (k, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let l: Brian2Line = serde_json::from_str(line).map_err(|e| format!("line {}: {e}", k + 1))?;
        out.push(l);
    }
    Ok(out)
}

/// Groups Brian2's lines by (model, N), device and thread count (each
/// model's results in device order, then by threads); a run with other
/// load above `threshold_cores` counts as busy.
pub fn aggregate_brian2(lines: &[Brian2Line], threshold_cores: f64) -> BTreeMap<(String, usize), Vec<Brian2Result>> {
    let mut groups: BTreeMap<(String, usize, String, usize), Vec<&Brian2Line>> = BTreeMap::new();
    for l in lines {
        groups
            .entry((l.model.clone(), l.n, l.device.clone(), l.threads))
            .or_default()
            .push(l);
    }
    let mut out: BTreeMap<(String, usize), Vec<Brian2Result>> = BTreeMap::new();
    for ((model, n, device, threads), ls) in groups {
        let stat = |f: &dyn Fn(&Brian2Line) -> f64| Stat::of(&ls.iter().map(|l| f(l)).collect::<Vec<_>>());
        let last = ls[ls.len() - 1];
        let mut load = LoadNote::default();
        for l in &ls {
            load.add(l.load.as_ref(), l.is_busy(threshold_cores));
        }
        out.entry((model, n)).or_default().push(Brian2Result {
            device: device.clone(),
            threads,
            reps: ls.len(),
            synapses: last.synapses,
            spikes: Stat::of(&ls.iter().map(|l| l.spikes as f64).collect::<Vec<_>>()).median as u64,
            build_s: stat(&|l| l.timings.build_s),
            run_s: stat(&|l| l.timings.run_s),
            total_s: stat(&|l| l.timings.total_s),
            peak_memory_bytes: stat(&|l| l.max_rss_bytes as f64),
            version: last.brian2_version.clone(),
            load,
        });
    }
    for v in out.values_mut() {
        v.sort_by_key(|r| (device_order(&r.device), r.threads));
    }
    out
}

fn secs(x: f64) -> String {
    if x >= 100.0 {
        format!("{x:.0}")
    } else if x >= 10.0 {
        format!("{x:.1}")
    } else if x >= 0.1 {
        format!("{x:.2}")
    } else {
        format!("{x:.3}")
    }
}

fn spread(s: &Stat) -> String {
    format!("{} [{}–{}]", secs(s.median), secs(s.min), secs(s.max))
}

fn mib(bytes: f64) -> String {
    format!("{:.0}", bytes / (1024.0 * 1024.0))
}

fn count(x: u64) -> String {
    let s = x.to_string();
    let mut out = String::new();
    for (k, c) in s.chars().enumerate() {
        if k > 0 && (s.len() - k).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn rate(x: f64) -> String {
    if x >= 1e9 {
        format!("{:.2} G", x / 1e9)
    } else if x >= 1e6 {
        format!("{:.1} M", x / 1e6)
    } else if x >= 1e3 {
        format!("{:.1} k", x / 1e3)
    } else {
        format!("{x:.0}")
    }
}

/// The markdown table of spikejit's results alone; runs beside more than
/// `threshold_cores` of other load are marked busy.
pub fn spikejit_table(run: &BenchRun, threshold_cores: f64) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "| model | N | synapses | spikes | parse s | JIT s | connect s | build s | run s median [min–max] | whole process s | peak MiB | synaptic events/s | slowest kernel JIT ms | other load, cores (max) |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for r in &run.results {
        let slowest = r.kernels.iter().map(|k| k.seconds).fold(0.0, f64::max);
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.2} | {} |",
            label(&r.model, r.threads),
            r.n,
            count(r.synapses),
            count(r.spikes),
            secs(r.parse_s.median),
            secs(r.jit_s.median),
            secs(r.connect_s.median),
            secs(r.build_s.median),
            spread(&r.run_s),
            spread(&r.total_s),
            mib(r.peak_memory_bytes.median),
            rate(r.events_per_s),
            slowest * 1e3,
            LoadNote::of_spikejit(r, threshold_cores).cell(),
        );
    }
    s
}

/// The model's name in tables: its family, and the threads when more than one.
fn label(model: &str, threads: usize) -> String {
    if threads > 1 {
        format!("{model} ({threads} threads)")
    } else {
        model.to_string()
    }
}

/// `a ÷ b`, or `None` when `b` is not positive.
fn over(a: f64, b: f64) -> Option<f64> {
    (b > 0.0).then(|| a / b)
}

/// A ratio's table cell (`–` when there is none).
fn ratio_cell(x: Option<f64>) -> String {
    x.map_or_else(|| "–".into(), |x| format!("{x:.2}×"))
}

/// A Brian2 result listed in a row of the comparison, with spikejit ÷ it.
#[derive(Clone, Debug, Serialize)]
pub struct Brian2Beside {
    /// Brian2's figures.
    #[serde(flatten)]
    pub result: Brian2Result,
    /// spikejit's median run time ÷ this result's, when both ran on the same
    /// number of threads (`None` otherwise).
    pub run_ratio: Option<f64>,
    /// The same for the whole process (time to result).
    pub total_ratio: Option<f64>,
}

/// One row of the comparison: a spikejit result (model, size, thread
/// count) and the Brian2 results listed with it.
#[derive(Clone, Debug, Serialize)]
pub struct ComparisonRow {
    /// The bundled model's name (`cuba_4000`).
    pub name: String,
    /// The model family.
    pub model: String,
    /// Neurons of the main population.
    #[serde(rename = "N")]
    pub n: usize,
    /// spikejit's threads (`spikejit run --threads`).
    pub threads: usize,
    /// Synapses created (spikejit's).
    pub synapses: u64,
    /// spikejit's time-step loop, seconds.
    pub run_s: Stat,
    /// spikejit's whole process, seconds.
    pub total_s: Stat,
    /// spikejit's median run time on these threads ÷ its one-thread run of
    /// the same model and size (`None` on one thread, or without such a run).
    pub run_over_one_thread: Option<f64>,
    /// The load beside spikejit's runs.
    pub load: LoadNote,
    /// Brian2's results of the same model and size on as many threads as
    /// spikejit here (`cpp_standalone` with `openmp_threads` = threads; the
    /// runtime devices only at one thread), and, in the model's first row,
    /// those at a thread count spikejit did not run, without ratios: each
    /// Brian2 result is in exactly one row.
    pub brian2: Vec<Brian2Beside>,
}

impl ComparisonRow {
    /// The Brian2 result of `device` on as many threads as spikejit here.
    fn at_same_threads(&self, device: &str) -> Option<&Brian2Beside> {
        self.brian2
            .iter()
            .find(|x| x.result.device == device && x.result.threads == self.threads)
    }

    /// The load beside each side's runs: spikejit's, then each Brian2 result's.
    fn loads(&self) -> Vec<(String, LoadNote)> {
        let mut v = vec![("spikejit".to_string(), self.load)];
        v.extend(self.brian2.iter().map(|x| (brian2_name(&x.result), x.result.load)));
        v
    }

    /// The busy runs of each side, as `1 of 3 spikejit runs` (empty when quiet).
    fn busy_runs(&self) -> Vec<String> {
        self.loads()
            .iter()
            .filter(|(_, n)| n.busy > 0)
            .map(|(side, n)| format!("{} of {} {side} runs", n.busy, n.runs))
            .collect()
    }
}

/// The rows of the comparison, one per spikejit result in `run`'s order,
/// each with the Brian2 results of its model, size and thread count.
pub fn comparison_rows(
    run: &BenchRun,
    brian2: &BTreeMap<(String, usize), Vec<Brian2Result>>,
    threshold_cores: f64,
) -> Vec<ComparisonRow> {
    let mut seen = std::collections::BTreeSet::new();
    run.results
        .iter()
        .map(|r| {
            let key = (r.model.clone(), r.n);
            let first_of_model = seen.insert(key.clone());
            let same_model = || run.results.iter().filter(|o| o.model == r.model && o.n == r.n);
            let one_thread = same_model().find(|o| o.threads == 1);
            let listed = brian2.get(&key).into_iter().flatten().filter(|x| {
                x.threads == r.threads || (first_of_model && !same_model().any(|o| o.threads == x.threads))
            });
            ComparisonRow {
                name: r.name.clone(),
                model: r.model.clone(),
                n: r.n,
                threads: r.threads,
                synapses: r.synapses,
                run_s: r.run_s,
                total_s: r.total_s,
                run_over_one_thread: one_thread
                    .filter(|_| r.threads > 1)
                    .and_then(|o| over(r.run_s.median, o.run_s.median)),
                load: LoadNote::of_spikejit(r, threshold_cores),
                brian2: listed
                    .map(|x| {
                        let same = x.threads == r.threads;
                        Brian2Beside {
                            result: x.clone(),
                            run_ratio: over(r.run_s.median, x.run_s.median).filter(|_| same),
                            total_ratio: over(r.total_s.median, x.total_s.median).filter(|_| same),
                        }
                    })
                    .collect(),
            }
        })
        .collect()
}

/// The models with busy runs (other load above `threshold_cores`), one line
/// per spikejit result naming the busy runs of each side listed with it:
/// empty on a quiet machine.
pub fn busy_models(
    run: &BenchRun,
    brian2: &BTreeMap<(String, usize), Vec<Brian2Result>>,
    threshold_cores: f64,
) -> Vec<String> {
    busy_lines(&comparison_rows(run, brian2, threshold_cores))
}

fn busy_lines(rows: &[ComparisonRow]) -> Vec<String> {
    rows.iter()
        .filter_map(|row| {
            let busy = row.busy_runs();
            (!busy.is_empty()).then(|| {
                format!(
                    "{} (N = {}): {}",
                    label(&row.model, row.threads),
                    row.n,
                    busy.join(", ")
                )
            })
        })
        .collect()
}

/// Every run of the report together (each Brian2 result is in one row).
fn all_loads(rows: &[ComparisonRow]) -> LoadNote {
    let mut all = LoadNote::default();
    for (_, n) in rows.iter().flat_map(ComparisonRow::loads) {
        all.runs += n.runs;
        all.measured += n.measured;
        all.busy += n.busy;
        all.max_other_cores = all.max_other_cores.max(n.max_other_cores);
    }
    all
}

/// `DIR/comparison.json`: the rows of the comparison report (spikejit's and
/// Brian2's figures per thread count, the ratios at equal thread counts and
/// spikejit's run over its own one-thread run), with the machine and command.
#[derive(Serialize)]
pub struct ComparisonJson<'a> {
    /// The version of the `spikejit` that ran the benchmarks.
    pub spikejit_version: &'a str,
    /// The machine the benchmarks ran on.
    pub machine: &'a Machine,
    /// The command line of spikejit's side.
    pub command: &'a str,
    /// The other load (cores) above which a run counts as busy.
    pub busy_threshold_cores: f64,
    /// One row per spikejit result.
    pub rows: Vec<ComparisonRow>,
}

/// The comparison as pretty JSON (see [`ComparisonJson`]).
pub fn comparison_json(
    run: &BenchRun,
    brian2: &BTreeMap<(String, usize), Vec<Brian2Result>>,
    threshold_cores: f64,
) -> Result<String, String> {
    serde_json::to_string_pretty(&ComparisonJson {
        spikejit_version: &run.spikejit_version,
        machine: &run.machine,
        command: &run.command,
        busy_threshold_cores: threshold_cores,
        rows: comparison_rows(run, brian2, threshold_cores),
    })
    .map_err(|e| e.to_string())
}

/// The threads section: for each model run on several thread counts, each
/// side's run time per thread count and over its own one-thread run, and
/// spikejit ÷ Brian2's C++ standalone at equal thread counts.
fn threads_table(rows: &[ComparisonRow], brian2: &BTreeMap<(String, usize), Vec<Brian2Result>>) -> String {
    let mut s = String::new();
    let threaded = |row: &ComparisonRow| {
        rows.iter()
            .any(|o| o.model == row.model && o.n == row.n && o.threads > 1)
    };
    if !rows.iter().any(threaded) {
        return s;
    }
    let _ = writeln!(s, "## Threads: spikejit beside Brian2's C++ standalone with OpenMP\n");
    let _ = writeln!(
        s,
        "spikejit with `--threads N` beside Brian2's C++ standalone with `prefs.devices.cpp_standalone.openmp_threads = N` \
         (one thread: Brian2's build without OpenMP, `openmp_threads = 0`). Brian2's run time is `device._last_run_time`: \
         with OpenMP the loop's wall time (`omp_get_wtime`), without it the loop's CPU time (`std::clock`). \
         Medians of the run phase, seconds.\n"
    );
    let _ = writeln!(
        s,
        "| model | N | threads | spikejit run s | spikejit ÷ its 1 thread | Brian2 C++ run s | Brian2 C++ ÷ its 1 thread | spikejit ÷ Brian2 C++ |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|---|---|---|");
    for row in rows.iter().filter(|r| threaded(r)) {
        let cpp = |threads: usize| {
            brian2
                .get(&(row.model.clone(), row.n))
                .into_iter()
                .flatten()
                .find(|x| x.device == "cpp_standalone" && x.threads == threads)
        };
        let here = cpp(row.threads);
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} | **{}** |",
            row.model,
            row.n,
            row.threads,
            spread(&row.run_s),
            if row.threads > 1 {
                ratio_cell(row.run_over_one_thread)
            } else {
                String::new()
            },
            here.map_or_else(|| "–".into(), |x| spread(&x.run_s)),
            if row.threads > 1 {
                ratio_cell(
                    here.zip(cpp(1))
                        .and_then(|(x, one)| over(x.run_s.median, one.run_s.median)),
                )
            } else {
                String::new()
            },
            ratio_cell(here.and_then(|x| over(row.run_s.median, x.run_s.median))),
        );
    }
    let _ = writeln!(s);
    s
}

/// `docs/benchmarks.md`: spikejit beside each Brian2 device, per model,
/// size and thread count, with the load beside every run; runs beside more
/// than `threshold_cores` of other load are marked busy, and a warning
/// heads the report when there are any.
pub fn comparison(
    run: &BenchRun,
    brian2: &BTreeMap<(String, usize), Vec<Brian2Result>>,
    brian2_note: &str,
    plot_file: Option<&str>,
    threshold_cores: f64,
) -> String {
    let rows = comparison_rows(run, brian2, threshold_cores);
    let mut s = String::new();
    let m = &run.machine;
    let _ = writeln!(s, "# Benchmarks: spikejit beside Brian2\n");
    let _ = writeln!(
        s,
        "Generated by `{}` on {} ({} cores, {:.0} GiB, {}), {}; 1-minute load average {} at the start, {} at the end. \
         spikejit {}; Brian2 {}.\n",
        run.command,
        m.cpu,
        m.cores,
        m.memory_gib,
        m.os,
        m.date,
        m.load_start.map_or("?".into(), |x| format!("{x:.2}")),
        m.load_end.map_or("?".into(), |x| format!("{x:.2}")),
        run.spikejit_version,
        brian2
            .values()
            .flatten()
            .map(|r| r.version.as_str())
            .find(|v| !v.is_empty())
            .unwrap_or("not run"),
    );
    let _ = writeln!(
        s,
        "Both sides ran in the same session on the same machine, the same model (equations, sizes, \
         connection probabilities, durations: `bench/models/*.toml` for spikejit, `bench/brian2/brian2_bench.py` \
         for Brian2). Times are wall-clock seconds, medians of the repetitions with [min–max]. \
         **run** is the simulation loop alone; **time to result** is the whole process (start-up, parsing, \
         code generation and compilation, synapse creation, the run, writing results). \
         The ratios are spikejit ÷ Brian2 at equal thread counts: spikejit with `--threads N` against Brian2's \
         C++ standalone with N OpenMP threads; Brian2's cython and numpy run on one thread, so they have ratios \
         in the one-thread rows only. Below 1 means spikejit is faster.\n"
    );
    let all = all_loads(&rows);
    let busy = busy_lines(&rows);
    if !busy.is_empty() {
        let _ = writeln!(
            s,
            "> **Warning: the machine was busy.** {} of {} runs ran beside more than {threshold_cores} cores of \
             other work (marked ⚠ below); their times are not a quiet machine's and the ratios may misstate the \
             comparison. Written with `--allow-busy`.\n>",
            all.busy, all.runs
        );
        for b in &busy {
            let _ = writeln!(s, "> - {b}");
        }
        let _ = writeln!(s);
    }
    let _ = writeln!(
        s,
        "**Other load** is what other processes used beside each run: the busy CPU time of all CPUs \
         (`/proc/stat`) during the run minus the run's own (user + system time of its processes), in cores. \
         A run beside more than {threshold_cores} cores (beyond the {} s rounding of `/proc/stat`) is marked busy.{}{}\n",
        super::load::TICK_SLACK_S,
        if all.measured > 0 {
            format!(
                " The largest other load of any run here: {:.2} cores.",
                all.max_other_cores.max(0.0)
            )
        } else {
            String::new()
        },
        if all.measured < all.runs {
            format!(
                " **{} of {} runs have no load measurement** (results from before it was recorded, or no `/proc/stat`): \
                 whether the machine was quiet is not known.",
                all.runs - all.measured,
                all.runs
            )
        } else {
            String::new()
        }
    );
    if !brian2_note.is_empty() {
        let _ = writeln!(s, "{brian2_note}\n");
    }
    let _ = writeln!(s, "## Headline: ratios spikejit ÷ Brian2\n");
    let _ = writeln!(
        s,
        "| model | N | synapses | run ÷ C++ standalone | run ÷ cython | run ÷ numpy | time to result ÷ C++ standalone | time to result ÷ cython | time to result ÷ numpy | run ÷ spikejit on 1 thread |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|---|---|---|---|---|");
    for row in &rows {
        let run_cell = |dev: &str| ratio_cell(row.at_same_threads(dev).and_then(|x| x.run_ratio));
        let total_cell = |dev: &str| ratio_cell(row.at_same_threads(dev).and_then(|x| x.total_ratio));
        let _ = writeln!(
            s,
            "| {}{} | {} | {} | **{}** | {} | {} | **{}** | {} | {} | {} |",
            label(&row.model, row.threads),
            if row.busy_runs().is_empty() { "" } else { " ⚠ busy" },
            row.n,
            count(row.synapses),
            run_cell("cpp_standalone"),
            run_cell("cython"),
            run_cell("numpy"),
            total_cell("cpp_standalone"),
            total_cell("cython"),
            total_cell("numpy"),
            if row.threads > 1 {
                ratio_cell(row.run_over_one_thread)
            } else {
                String::new()
            },
        );
    }
    if let Some(p) = plot_file {
        let _ = writeln!(
            s,
            "\n![Run time against the number of synapses, spikejit and Brian2's C++ standalone]({p})\n"
        );
    }
    let _ = writeln!(s);
    s.push_str(&threads_table(&rows, brian2));
    let _ = writeln!(s, "## Per model and size\n");
    for (r, row) in run.results.iter().zip(&rows) {
        let _ = writeln!(
            s,
            "### {} (N = {}, {} synapses)\n",
            label(&r.model, r.threads),
            r.n,
            count(r.synapses)
        );
        let busy = row.busy_runs();
        if !busy.is_empty() {
            let _ = writeln!(
                s,
                "⚠ **Busy machine:** {} ran beside more than {threshold_cores} cores of other work.\n",
                busy.join(", ")
            );
        }
        let _ = writeln!(
            s,
            "| simulator | reps | build s | run s | time to result s | peak MiB | spikes | run ratio | time-to-result ratio | other load, cores (max) |"
        );
        let _ = writeln!(s, "|---|---|---|---|---|---|---|---|---|---|");
        let _ = writeln!(
            s,
            "| **spikejit**{} | {} | {} | {} | {} | {} | {} | | | {} |",
            threads_suffix(r.threads),
            r.reps,
            spread(&r.build_s),
            spread(&r.run_s),
            spread(&r.total_s),
            mib(r.peak_memory_bytes.median),
            count(r.spikes),
            row.load.cell(),
        );
        for b in &row.brian2 {
            let x = &b.result;
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                brian2_name(x),
                x.reps,
                spread(&x.build_s),
                spread(&x.run_s),
                spread(&x.total_s),
                mib(x.peak_memory_bytes.median),
                count(x.spikes),
                ratio_cell(b.run_ratio),
                ratio_cell(b.total_ratio),
                x.load.cell(),
            );
        }
        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "spikejit phases (medians): parse {} s, JIT of {} kernels {} s (slowest {:.2} ms), connect {} s; \
             {} synaptic events ({}/s of run time).{}\n",
            secs(r.parse_s.median),
            r.kernels.len(),
            secs(r.jit_s.median),
            r.kernels.iter().map(|k| k.seconds).fold(0.0, f64::max) * 1e3,
            secs(r.connect_s.median),
            count(r.synaptic_events),
            rate(r.events_per_s),
            row.run_over_one_thread
                .map(|x| format!(" Run on {} threads ÷ on 1 thread: {x:.2}×.", r.threads))
                .unwrap_or_default(),
        );
    }
    let _ = writeln!(s, "## spikejit alone\n");
    s.push_str(&spikejit_table(run, threshold_cores));
    s
}

#[cfg(test)]
mod tests;
