//! Markdown reports of benchmark runs: spikejit alone (`spikejit bench`), and
//! spikejit beside Brian2's devices (`docs/benchmarks.md`).

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::Deserialize;

use super::{BenchRun, Stat};

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

/// Groups Brian2's lines by (model, N) and device.
pub fn aggregate_brian2(lines: &[Brian2Line]) -> BTreeMap<(String, usize), Vec<Brian2Result>> {
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

/// The markdown table of spikejit's results alone.
pub fn spikejit_table(run: &BenchRun) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "| model | N | synapses | spikes | parse s | JIT s | connect s | build s | run s median [min–max] | whole process s | peak MiB | synaptic events/s | slowest kernel JIT ms |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for r in &run.results {
        let slowest = r.kernels.iter().map(|k| k.seconds).fold(0.0, f64::max);
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.2} |",
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

/// `docs/benchmarks.md`: spikejit beside each Brian2 device, per model and size.
pub fn comparison(
    run: &BenchRun,
    brian2: &BTreeMap<(String, usize), Vec<Brian2Result>>,
    brian2_note: &str,
    plot_file: Option<&str>,
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
        let _ = writeln!(
            s,
            "| {} | {} | {} | **{}** | {} | {} | **{}** | {} | {} |",
            label(r),
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
        let _ = writeln!(
            s,
            "| simulator | reps | build s | run s | time to result s | peak MiB | spikes | run ratio | time-to-result ratio |"
        );
        let _ = writeln!(s, "|---|---|---|---|---|---|---|---|---|");
        let _ = writeln!(
            s,
            "| **spikejit**{} | {} | {} | {} | {} | {} | {} | | |",
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
        );
        if let Some(v) = brian2.get(&(r.model.clone(), r.n)) {
            for x in v {
                let _ = writeln!(
                    s,
                    "| Brian2 {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                    x.device,
                    x.reps,
                    spread(&x.build_s),
                    spread(&x.run_s),
                    spread(&x.total_s),
                    mib(x.peak_memory_bytes.median),
                    count(x.spikes),
                    ratio(r.run_s.median, x.run_s.median),
                    ratio(r.total_s.median, x.total_s.median),
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
    s.push_str(&spikejit_table(run));
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
        let agg = aggregate_brian2(&lines);
        let v = &agg[&("cuba".to_string(), 4000)];
        assert_eq!(v[0].device, "cpp_standalone");
        assert_eq!(v[0].reps, 2);
        assert!((v[0].run_s.median - 0.2).abs() < 1e-12);
        assert_eq!(v[1].device, "numpy");
        assert!(parse_brian2("{not json").is_err());
    }

    #[test]
    fn thousands() {
        assert_eq!(count(320588), "320,588");
        assert_eq!(count(12), "12");
    }
}
