//! Markdown reports of benchmark runs: spikejit alone (`spikejit bench`), and
//! spikejit beside Brian2's devices (`docs/benchmarks.md`).

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::Deserialize;

use super::{BenchResult, BenchRun, LoadSample, Stat};

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
#[derive(Clone, Copy, Debug, Default, PartialEq)]
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

/// Brian2's runs of one model, size and device, aggregated.
#[derive(Clone, Debug)]
pub struct Brian2Result {
    /// Brian2's device: `cpp_standalone`, `cython` or `numpy`.
    pub device: String,
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

/// Groups Brian2's lines by (model, N) and device; a run with other load
/// above `threshold_cores` counts as busy.
pub fn aggregate_brian2(lines: &[Brian2Line], threshold_cores: f64) -> BTreeMap<(String, usize), Vec<Brian2Result>> {
    let mut groups: BTreeMap<(String, usize, String), Vec<&Brian2Line>> = BTreeMap::new();
    for l in lines {
        groups
            .entry((l.model.clone(), l.n, l.device.clone()))
            .or_default()
            .push(l);
    }
    let mut out: BTreeMap<(String, usize), Vec<Brian2Result>> = BTreeMap::new();
    for ((model, n, device), ls) in groups {
        let stat = |f: &dyn Fn(&Brian2Line) -> f64| Stat::of(&ls.iter().map(|l| f(l)).collect::<Vec<_>>());
        let last = ls[ls.len() - 1];
        let mut load = LoadNote::default();
        for l in &ls {
            load.add(l.load.as_ref(), l.is_busy(threshold_cores));
        }
        out.entry((model, n)).or_default().push(Brian2Result {
            device: device.clone(),
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
        v.sort_by_key(|r| DEVICES.iter().position(|d| *d == r.device).unwrap_or(DEVICES.len()));
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
            label(r),
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
fn label(r: &super::BenchResult) -> String {
    if r.threads > 1 {
        format!("{} ({} threads)", r.model, r.threads)
    } else {
        r.model.clone()
    }
}

fn ratio(a: f64, b: f64) -> String {
    if b > 0.0 {
        format!("{:.2}×", a / b)
    } else {
        "–".into()
    }
}

/// The load beside each simulator's runs of one result: spikejit's, then
/// each Brian2 device's (of the same model and size).
fn model_loads(
    r: &BenchResult,
    brian2: &BTreeMap<(String, usize), Vec<Brian2Result>>,
    threshold_cores: f64,
) -> Vec<(String, LoadNote)> {
    let mut v = vec![("spikejit".to_string(), LoadNote::of_spikejit(r, threshold_cores))];
    if let Some(bs) = brian2.get(&(r.model.clone(), r.n)) {
        v.extend(bs.iter().map(|x| (format!("Brian2 {}", x.device), x.load)));
    }
    v
}

/// The models with busy runs (other load above `threshold_cores`), one line
/// each naming the busy runs of each side: empty on a quiet machine.
pub fn busy_models(
    run: &BenchRun,
    brian2: &BTreeMap<(String, usize), Vec<Brian2Result>>,
    threshold_cores: f64,
) -> Vec<String> {
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for r in &run.results {
        // Brian2's runs of a model are listed once, with its first thread count.
        let first = seen.insert((r.model.clone(), r.n));
        let busy: Vec<String> = model_loads(r, brian2, threshold_cores)
            .iter()
            .filter(|(side, n)| n.busy > 0 && (first || side == "spikejit"))
            .map(|(side, n)| format!("{} of {} {side} runs", n.busy, n.runs))
            .collect();
        if !busy.is_empty() {
            out.push(format!("{} (N = {}): {}", label(r), r.n, busy.join(", ")));
        }
    }
    out
}

/// Every run of the report together: (runs, measured, busy, largest other load).
fn all_loads(run: &BenchRun, brian2: &BTreeMap<(String, usize), Vec<Brian2Result>>, threshold_cores: f64) -> LoadNote {
    let mut seen = std::collections::BTreeSet::new();
    let mut all = LoadNote::default();
    for r in &run.results {
        let first = seen.insert((r.model.clone(), r.n));
        for (side, n) in model_loads(r, brian2, threshold_cores) {
            if first || side == "spikejit" {
                all.runs += n.runs;
                all.measured += n.measured;
                all.busy += n.busy;
                all.max_other_cores = all.max_other_cores.max(n.max_other_cores);
            }
        }
    }
    all
}

/// `docs/benchmarks.md`: spikejit beside each Brian2 device, per model and
/// size, with the load beside every run; runs beside more than
/// `threshold_cores` of other load are marked busy, and a warning heads the
/// report when there are any.
pub fn comparison(
    run: &BenchRun,
    brian2: &BTreeMap<(String, usize), Vec<Brian2Result>>,
    brian2_note: &str,
    plot_file: Option<&str>,
    threshold_cores: f64,
) -> String {
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
         The ratios are spikejit ÷ Brian2: below 1 means spikejit is faster.\n"
    );
    let all = all_loads(run, brian2, threshold_cores);
    let busy = busy_models(run, brian2, threshold_cores);
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
        "| model | N | synapses | run ÷ C++ standalone | run ÷ cython | run ÷ numpy | time to result ÷ C++ standalone | time to result ÷ cython | time to result ÷ numpy |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|---|---|---|---|");
    for r in &run.results {
        let b = brian2.get(&(r.model.clone(), r.n));
        let cell = |dev: &str, f: &dyn Fn(&Brian2Result) -> f64, ours: f64| -> String {
            b.and_then(|v| v.iter().find(|x| x.device == dev))
                .map(|x| ratio(ours, f(x)))
                .unwrap_or_else(|| "–".into())
        };
        let marked = model_loads(r, brian2, threshold_cores).iter().any(|(_, n)| n.busy > 0);
        let _ = writeln!(
            s,
            "| {}{} | {} | {} | **{}** | {} | {} | **{}** | {} | {} |",
            label(r),
            if marked { " ⚠ busy" } else { "" },
            r.n,
            count(r.synapses),
            cell("cpp_standalone", &|x| x.run_s.median, r.run_s.median),
            cell("cython", &|x| x.run_s.median, r.run_s.median),
            cell("numpy", &|x| x.run_s.median, r.run_s.median),
            cell("cpp_standalone", &|x| x.total_s.median, r.total_s.median),
            cell("cython", &|x| x.total_s.median, r.total_s.median),
            cell("numpy", &|x| x.total_s.median, r.total_s.median),
        );
    }
    if let Some(p) = plot_file {
        let _ = writeln!(
            s,
            "\n![Run time against the number of synapses, spikejit and Brian2's C++ standalone]({p})\n"
        );
    }
    let _ = writeln!(s, "\n## Per model and size\n");
    for r in &run.results {
        let _ = writeln!(s, "### {} (N = {}, {} synapses)\n", label(r), r.n, count(r.synapses));
        let loads = model_loads(r, brian2, threshold_cores);
        let busy: Vec<String> = loads
            .iter()
            .filter(|(_, n)| n.busy > 0)
            .map(|(side, n)| format!("{} of {} {side} runs", n.busy, n.runs))
            .collect();
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
            if r.threads > 1 {
                format!(", {} threads", r.threads)
            } else {
                String::new()
            },
            r.reps,
            spread(&r.build_s),
            spread(&r.run_s),
            spread(&r.total_s),
            mib(r.peak_memory_bytes.median),
            count(r.spikes),
            loads[0].1.cell(),
        );
        if let Some(v) = brian2.get(&(r.model.clone(), r.n)) {
            for x in v {
                let _ = writeln!(
                    s,
                    "| Brian2 {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                    x.device,
                    x.reps,
                    spread(&x.build_s),
                    spread(&x.run_s),
                    spread(&x.total_s),
                    mib(x.peak_memory_bytes.median),
                    count(x.spikes),
                    ratio(r.run_s.median, x.run_s.median),
                    ratio(r.total_s.median, x.total_s.median),
                    x.load.cell(),
                );
            }
        }
        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "spikejit phases (medians): parse {} s, JIT of {} kernels {} s (slowest {:.2} ms), connect {} s; \
             {} synaptic events ({}/s of run time).\n",
            secs(r.parse_s.median),
            r.kernels.len(),
            secs(r.jit_s.median),
            r.kernels.iter().map(|k| k.seconds).fold(0.0, f64::max) * 1e3,
            secs(r.connect_s.median),
            count(r.synaptic_events),
            rate(r.events_per_s),
        );
    }
    let _ = writeln!(s, "## spikejit alone\n");
    s.push_str(&spikejit_table(run, threshold_cores));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brian2_lines_aggregate_by_device() {
        let text = r#"{"model":"cuba","N":4000,"device":"numpy","rep":0,"synapses":10,"spikes":5,"timings":{"build_s":1,"run_s":2,"total_s":4}}
{"model":"cuba","N":4000,"device":"cpp_standalone","rep":0,"synapses":10,"spikes":5,"timings":{"build_s":1,"run_s":0.1,"total_s":9}}
{"model":"cuba","N":4000,"device":"cpp_standalone","rep":1,"synapses":10,"spikes":7,"timings":{"build_s":1,"run_s":0.3,"total_s":11}}
"#;
        let lines = parse_brian2(text).unwrap_or_default();
        let agg = aggregate_brian2(&lines, 0.2);
        let v = &agg[&("cuba".to_string(), 4000)];
        assert_eq!(v[0].device, "cpp_standalone");
        assert_eq!(v[0].reps, 2);
        assert!((v[0].run_s.median - 0.2).abs() < 1e-12);
        assert_eq!(v[1].device, "numpy");
        assert!(parse_brian2("{not json").is_err());
    }

    fn result(name: &str, model: &str, n: usize, loads: &[Option<LoadSample>], threshold: f64) -> BenchResult {
        let runs: Vec<super::super::RunRecord> = loads
            .iter()
            .enumerate()
            .map(|(rep, &load)| super::super::RunRecord {
                rep,
                total_s: 1.0,
                run_s: 0.5,
                busy: load.is_some_and(|l| l.is_busy(threshold)),
                load,
            })
            .collect();
        BenchResult {
            name: name.into(),
            model: model.into(),
            n,
            threads: 1,
            reps: runs.len(),
            synapses: 100,
            spikes: 10,
            synaptic_events: 1000,
            duration: 1.0,
            parse_s: Stat::default(),
            jit_s: Stat::default(),
            connect_s: Stat::default(),
            build_s: Stat::default(),
            run_s: Stat::of(&[0.5]),
            total_s: Stat::of(&[1.0]),
            peak_memory_bytes: Stat::default(),
            events_per_s: 2000.0,
            kernels: Vec::new(),
            runs,
        }
    }

    fn bench_run(results: Vec<BenchResult>) -> BenchRun {
        BenchRun {
            spikejit_version: "0".into(),
            machine: super::super::machine(),
            command: "spikejit bench".into(),
            results,
            busy_threshold_cores: Some(0.2),
        }
    }

    const QUIET: Option<LoadSample> = Some(LoadSample {
        wall_s: 1.0,
        machine_cpu_s: 1.05,
        own_cpu_s: 1.0,
        other_cpu_s: 0.05,
        other_cores: 0.05,
        load1_before: None,
        load1_after: None,
    });

    #[test]
    fn busy_runs_are_marked_per_model() {
        let busy = Some(LoadSample::new(1.0, 1.9, 1.0)); // 0.9 cores of others
        let run = bench_run(vec![
            result("cuba_4000", "cuba", 4000, &[QUIET, busy, QUIET], 0.2),
            result("stdp", "stdp", 1000, &[QUIET, QUIET, QUIET], 0.2),
        ]);
        // Brian2: stdp's cpp_standalone run busy in its simulation loop only
        let text = r#"{"model":"stdp","N":1000,"device":"cpp_standalone","rep":0,"timings":{"run_s":0.4,"total_s":9},"load":{"wall_s":9,"machine_cpu_s":9.1,"own_cpu_s":9,"other_cpu_s":0.1,"other_cores":0.011},"load_run":{"wall_s":0.5,"machine_cpu_s":1.0,"own_cpu_s":0.5,"other_cpu_s":0.5,"other_cores":1.0}}
{"model":"cuba","N":4000,"device":"cpp_standalone","rep":0,"timings":{"run_s":0.1,"total_s":9}}
"#;
        let lines = parse_brian2(text).unwrap_or_default();
        assert!(lines[0].is_busy(0.2) && !lines[0].is_busy(1.0) && !lines[1].is_busy(0.0));
        let agg = aggregate_brian2(&lines, 0.2);
        let busy = busy_models(&run, &agg, 0.2);
        assert_eq!(
            busy,
            vec![
                "cuba (N = 4000): 1 of 3 spikejit runs".to_string(),
                "stdp (N = 1000): 1 of 1 Brian2 cpp_standalone runs".to_string()
            ]
        );
        // a higher threshold: nothing busy
        assert!(busy_models(&run, &aggregate_brian2(&lines, 1.0), 1.0).is_empty());

        let md = comparison(&run, &agg, "", None, 0.2);
        assert!(md.contains("**Warning: the machine was busy.** 2 of 8 runs"), "{md}");
        assert!(md.contains("> - cuba (N = 4000): 1 of 3 spikejit runs"), "{md}");
        assert!(md.contains("| cuba ⚠ busy | 4000 |"), "{md}");
        assert!(md.contains("| stdp ⚠ busy | 1000 |"), "{md}");
        assert!(
            md.contains("⚠ **Busy machine:** 1 of 3 spikejit runs ran beside"),
            "{md}"
        );
        // the load columns: the largest other load and the busy count; Brian2's unmeasured line
        assert!(md.contains("| 0.90 ⚠ 1 of 3 busy |"), "{md}");
        assert!(md.contains("| 0.01 ⚠ 1 of 1 busy |"), "{md}");
        assert!(md.contains("| not measured |"), "{md}");
        assert!(md.contains("1 of 8 runs have no load measurement"), "{md}");

        let quiet = bench_run(vec![result("stdp", "stdp", 1000, &[QUIET], 0.2)]);
        let md = comparison(&quiet, &BTreeMap::new(), "", None, 0.2);
        assert!(!md.contains("Warning") && !md.contains('⚠'), "{md}");
        assert!(
            md.contains("The largest other load of any run here: 0.05 cores."),
            "{md}"
        );
        assert!(spikejit_table(&quiet, 0.2).contains("| 0.05 |"));
        assert!(spikejit_table(&run, 0.2).contains("| 0.90 ⚠ 1 of 3 busy |"));
    }

    #[test]
    fn thousands() {
        assert_eq!(count(320588), "320,588");
        assert_eq!(count(12), "12");
    }
}
