//! `spikejit bench --probe`: this machine's physical limits, the floor under
//! each benchmark model's run time (docs/performance.md, "Distance to the
//! physical floor").
//!
//! On each team size (`--threads`, 1 and 2 by default) it measures
//! - memory bandwidth, STREAM's way: copy, scale, add and triad over three
//!   arrays, and an update of all three in place (the access pattern of a
//!   state update: no write-allocate), at the working-set sizes of CUBA's
//!   state at N = 4000, 64000 and 256000 (cache-resident) and over arrays far
//!   larger than any cache (DRAM), best of several repetitions, bytes
//!   counted as STREAM counts them;
//! - the f64 flop rate of twelve independent multiply-add chains, scalar,
//!   on f64x2 (SSE2, what the JIT emits), with FMA on f64x2 and on f64x4,
//!   and of divisions, scalar and on f64x2;
//! - the cost of one call of `exp` (`spikejit_exp`) as scalar JIT code calls it,
//!   independent calls (throughput) and a dependent chain (latency).
//!
//! Each thread of a team works on its own arrays (made by the thread, so
//! their pages are its own) and all start each timed step together at a
//! barrier; a step's time is the wall time from that barrier to the one all
//! threads reach after it.

pub mod kernels;

use std::hint::black_box;
use std::path::Path;
use std::sync::Barrier;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::load::{LoadSample, Window};
use super::{Machine, load_average, machine};
pub use kernels::{FlopKind, StreamKernel};

/// Bytes of CUBA's state per neuron: `v`, `ge`, `gi`, `lastspike` (f64) and
/// `not_refractory` (one byte), what its fused update and threshold stream.
pub const CUBA_STATE_BYTES_PER_NEURON: u64 = 4 * 8 + 1;

/// A cache-resident working set the bandwidth is measured at.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkingSet {
    /// What it stands for (`CUBA-4000's state`).
    pub name: String,
    /// Bytes of the three arrays together, all threads of a team together.
    pub bytes: u64,
}

/// What to measure.
#[derive(Clone, Debug)]
pub struct ProbeOptions {
    /// Team sizes, in order (0: one thread per core); each is measured.
    pub threads: Vec<usize>,
    /// Cache-resident working sets.
    pub working_sets: Vec<WorkingSet>,
    /// Bytes of each of the three DRAM arrays (all threads together).
    pub dram_array_bytes: u64,
    /// Timed repetitions of each cache-resident measurement (the best counts).
    pub reps: usize,
    /// Timed repetitions of each DRAM measurement.
    pub dram_reps: usize,
    /// Bytes one timed cache-resident sample moves (passes are repeated to reach it).
    pub sample_bytes: u64,
    /// Steps of the multiply-add chains per timed sample (divisions make an eighth).
    pub flop_steps: u64,
    /// `exp` calls per thread per timed sample (independent calls; the chain makes a quarter).
    pub exp_calls: u64,
    /// The command line, recorded in the results.
    pub command: String,
    /// Other load (cores) above which the probe is marked busy.
    pub busy_threshold: f64,
}

impl ProbeOptions {
    /// What `spikejit bench --probe` measures: a few seconds in all.
    pub fn new(threads: &[usize], command: String, busy_threshold: f64) -> ProbeOptions {
        let cuba = |n: u64| WorkingSet {
            name: format!("CUBA-{n}'s state"),
            bytes: n * CUBA_STATE_BYTES_PER_NEURON,
        };
        ProbeOptions {
            threads: threads.to_vec(),
            working_sets: vec![cuba(4000), cuba(64000), cuba(256000)],
            dram_array_bytes: dram_array_bytes(mem_available()),
            reps: 10,
            dram_reps: 5,
            sample_bytes: 256 << 20,
            flop_steps: 1 << 20,
            exp_calls: 1 << 20,
            command,
            busy_threshold,
        }
    }
}

/// Bytes of each DRAM array: 256 MiB (three of them, 768 MiB, several times
/// any last-level cache a core sees), less where the machine has under 1.5
/// GiB available (a sixth of it, at least 32 MiB).
pub fn dram_array_bytes(mem_available: Option<u64>) -> u64 {
    const WANT: u64 = 256 << 20;
    match mem_available {
        Some(m) => (m / 6).clamp(32 << 20, WANT),
        None => WANT,
    }
}

/// `MemAvailable` of `/proc/meminfo`, in bytes.
fn mem_available() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let kib: u64 = text
        .lines()
        .find(|l| l.starts_with("MemAvailable:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(kib * 1024)
}

/// One cache of cpu0, from `/sys/devices/system/cpu/cpu0/cache`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CacheLevel {
    /// 1, 2, 3.
    pub level: u32,
    /// `Data`, `Instruction` or `Unified`.
    pub kind: String,
    /// Size in bytes.
    pub bytes: u64,
    /// How many CPUs share it (`shared_cpu_list`).
    pub shared_by: usize,
}

/// A cache size as sysfs writes it (`48K`, `2048K`, `16M`) in bytes.
pub fn parse_cache_size(text: &str) -> Option<u64> {
    let t = text.trim();
    let (digits, unit) = match t.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((k, _)) => t.split_at(k),
        None => (t, ""),
    };
    let n: u64 = digits.parse().ok()?;
    let scale = match unit {
        "" => 1,
        "K" => 1 << 10,
        "M" => 1 << 20,
        "G" => 1 << 30,
        _ => return None,
    };
    n.checked_mul(scale)
}

/// The number of CPUs in a sysfs CPU list (`0-3,8,10-11`).
pub fn cpu_list_len(text: &str) -> Option<usize> {
    let mut n = 0;
    for part in text.trim().split(',').filter(|p| !p.is_empty()) {
        n += match part.split_once('-') {
            Some((a, b)) => b.parse::<usize>().ok()?.checked_sub(a.parse::<usize>().ok()?)? + 1,
            None => part.parse::<usize>().map(|_| 1).ok()?,
        };
    }
    Some(n)
}

/// cpu0's caches, smallest level first (empty where sysfs does not say).
pub fn caches() -> Vec<CacheLevel> {
    let base = Path::new("/sys/devices/system/cpu/cpu0/cache");
    let mut out = Vec::new();
    for k in 0.. {
        let dir = base.join(format!("index{k}"));
        let read = |f: &str| std::fs::read_to_string(dir.join(f)).ok();
        let Some(level) = read("level") else { break };
        let (Ok(level), Some(kind), Some(bytes)) = (
            level.trim().parse(),
            read("type").map(|s| s.trim().to_string()),
            read("size").as_deref().and_then(parse_cache_size),
        ) else {
            continue;
        };
        let shared_by = read("shared_cpu_list").as_deref().and_then(cpu_list_len).unwrap_or(1);
        out.push(CacheLevel {
            level,
            kind,
            bytes,
            shared_by,
        });
    }
    out.sort_by_key(|c| c.level);
    out
}

/// Which cache holds a working set of `bytes` split over `threads` threads
/// (`L2`, or `DRAM` when none does): the smallest data cache that holds its
/// share, a private cache one thread's part and a shared one the parts of
/// the threads that share it.
pub fn cache_for(caches: &[CacheLevel], bytes: u64, threads: usize) -> String {
    let threads = threads.max(1) as u64;
    caches
        .iter()
        .filter(|c| c.kind != "Instruction")
        .find(|c| {
            let sharing = threads.min(c.shared_by.max(1) as u64);
            bytes / threads * sharing <= c.bytes
        })
        .map_or_else(|| "DRAM".to_string(), |c| format!("L{}", c.level))
}

/// Memory bandwidth of one STREAM kernel at one working set and team size.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Bandwidth {
    /// What the working set stands for (`CUBA-4000's state`, `DRAM`).
    pub working_set: String,
    /// Bytes of the three arrays, all threads together.
    pub working_set_bytes: u64,
    /// The cache that holds it by the sizes sysfs gives ([`cache_for`]).
    pub cache: String,
    /// Threads of the team.
    pub threads: usize,
    /// The kernel.
    pub kernel: StreamKernel,
    /// Bytes one pass moves, all threads together, as STREAM counts them
    /// ([`StreamKernel::bytes_per_element`]).
    pub bytes_per_pass: u64,
    /// Passes in one timed sample.
    pub passes: u64,
    /// Timed samples (the fastest counts).
    pub reps: usize,
    /// Seconds of the fastest sample.
    pub best_s: f64,
    /// `bytes_per_pass * passes / best_s`, in 10⁹ bytes per second.
    pub gb_per_s: f64,
}

/// The flop rate of one kind of instruction on one team size.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FlopRate {
    /// The instructions.
    pub kind: FlopKind,
    /// Threads of the team.
    pub threads: usize,
    /// Flops of one timed sample, all threads together.
    pub flops: u64,
    /// Timed samples (the fastest counts).
    pub reps: usize,
    /// Seconds of the fastest sample.
    pub best_s: f64,
    /// `flops / best_s`, in 10⁹ per second.
    pub gflop_per_s: f64,
}

/// How `exp` is called.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExpPattern {
    /// `out[i] = exp(x[i])` over an array: the throughput.
    Independent,
    /// x ← exp(-x): each call waits for the one before, the latency.
    Chain,
}

/// The cost of one `exp` call on one team size.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExpCost {
    /// Independent calls or a chain.
    pub pattern: ExpPattern,
    /// Threads of the team, each calling on its own.
    pub threads: usize,
    /// Calls of each thread in one timed sample.
    pub calls_per_thread: u64,
    /// Timed samples (the fastest counts).
    pub reps: usize,
    /// Seconds of the fastest sample.
    pub best_s: f64,
    /// `best_s / calls_per_thread` in nanoseconds: what one call costs a thread.
    pub ns_per_call: f64,
}

/// What the probe measured: `probe.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Probe {
    /// The version of the `spikejit` that measured.
    pub spikejit_version: String,
    /// The machine and the moment.
    pub machine: Machine,
    /// The command line.
    pub command: String,
    /// How the bandwidths count bytes.
    pub byte_counting: String,
    /// cpu0's caches as sysfs gives them.
    pub caches: Vec<CacheLevel>,
    /// Every working set, team size and kernel.
    pub bandwidth: Vec<Bandwidth>,
    /// Every kind of flop this CPU runs, on every team size.
    pub flops: Vec<FlopRate>,
    /// `exp`, both patterns, on every team size.
    pub exp: Vec<ExpCost>,
    /// What other processes used while the probe ran (`None` without `/proc/stat`).
    pub load: Option<LoadSample>,
    /// Other load above `busy_threshold_cores`: the figures are too low.
    pub busy: bool,
    /// The threshold of `busy`, in cores.
    pub busy_threshold_cores: f64,
}

/// What the JSON and the table say about the byte counting.
pub const BYTE_COUNTING: &str = "STREAM's: each pass counts every array it reads once and the array it writes \
     once (copy and scale 16 bytes per element, add and triad 24, update 48); the cache line a store first \
     reads (write-allocate) is not counted, so copy and scale move half as much again as counted, add and \
     triad a third; update (a, b, c = (a+b)/2, (b+c)/2, (c+a)/2 in place) writes only lines it has read: \
     its count is the traffic";

/// Runs `work(state, step)` for each of `steps` steps, `reps` times over
/// (after one untimed round), on `threads` threads at once, each on its own
/// state made by `init(thread)` in that thread; returns each step's
/// shortest wall time, from the barrier all threads leave together to the
/// one they all reach after it.
fn team_best<S>(
    threads: usize,
    reps: usize,
    steps: usize,
    init: &(dyn Fn(usize) -> S + Sync),
    work: &(dyn Fn(&mut S, usize) + Sync),
) -> Vec<f64> {
    let threads = threads.max(1);
    let barrier = Barrier::new(threads);
    let member = |id: usize| {
        let mut state = init(id);
        let mut best = vec![f64::INFINITY; steps];
        for round in 0..=reps {
            for (step, best) in best.iter_mut().enumerate() {
                barrier.wait();
                let t0 = Instant::now();
                work(&mut state, step);
                barrier.wait();
                if round > 0 {
                    *best = best.min(t0.elapsed().as_secs_f64());
                }
            }
        }
        black_box(&state);
        best
    };
    let member = &member;
    std::thread::scope(|s| {
        for id in 1..threads {
            s.spawn(move || {
                member(id);
            });
        }
        member(0)
    })
}

/// Splits `n` items over `threads` threads: thread `id`'s share (the first
/// `n % threads` threads take one more).
pub fn share(n: u64, threads: usize, id: usize) -> u64 {
    let t = threads.max(1) as u64;
    n / t + u64::from((id as u64) < n % t)
}

/// Bandwidth of the four kernels over three arrays of `array_bytes` each
/// (all threads together), `passes` passes per sample.
fn stream(
    working_set: &str,
    array_bytes: u64,
    threads: usize,
    reps: usize,
    passes: impl Fn(u64) -> u64,
    caches: &[CacheLevel],
) -> Vec<Bandwidth> {
    let elements: Vec<u64> = (0..threads)
        .map(|id| share(array_bytes / 8, threads, id) / 2 * 2)
        .collect();
    let total: u64 = elements.iter().sum();
    let per_pass_max = total * StreamKernel::Update.bytes_per_element();
    let passes = passes(per_pass_max).max(1);
    let init = |id: usize| kernels::StreamArrays::new(elements[id] as usize);
    let work = |s: &mut kernels::StreamArrays, step: usize| {
        for _ in 0..passes {
            s.run(StreamKernel::ALL[step]);
            black_box(s.arrays());
        }
    };
    let best = team_best(threads, reps, StreamKernel::ALL.len(), &init, &work);
    StreamKernel::ALL
        .iter()
        .zip(best)
        .map(|(&kernel, best_s)| {
            let bytes_per_pass = total * kernel.bytes_per_element();
            Bandwidth {
                working_set: working_set.to_string(),
                working_set_bytes: 3 * total * 8,
                cache: cache_for(caches, 3 * total * 8, threads),
                threads,
                kernel,
                bytes_per_pass,
                passes,
                reps,
                best_s,
                gb_per_s: rate(bytes_per_pass * passes, best_s),
            }
        })
        .collect()
}

/// `amount / seconds` in 10⁹ per second (0 for no time).
pub fn rate(amount: u64, seconds: f64) -> f64 {
    if seconds > 0.0 && seconds.is_finite() {
        amount as f64 / seconds * 1e-9
    } else {
        0.0
    }
}

fn flop_rates(threads: usize, reps: usize, steps: u64) -> Vec<FlopRate> {
    let kinds: Vec<FlopKind> = FlopKind::ALL.into_iter().filter(|k| k.available()).collect();
    // x ← 0.75 x + 0.125 stays near 0.5, x ← x / 0.75 / (1 / 0.75) near 1:
    // no overflow, no subnormals.
    let init = |_| {
        kinds
            .iter()
            .map(|k| vec![1.0; kernels::CHAINS * k.lanes()])
            .collect::<Vec<_>>()
    };
    let work = |x: &mut Vec<Vec<f64>>, step: usize| {
        let kind = kinds[step];
        let c = if kind.divides() { 1.0 / 0.75 } else { 0.125 };
        kind.run(kind.sample_steps(steps), &mut x[step], 0.75, c)
    };
    let best = team_best(threads, reps, kinds.len(), &init, &work);
    kinds
        .iter()
        .zip(best)
        .map(|(&kind, best_s)| {
            let flops = kind.flops_per_step() * kind.sample_steps(steps) * threads as u64;
            FlopRate {
                kind,
                threads,
                flops,
                reps,
                best_s,
                gflop_per_s: rate(flops, best_s),
            }
        })
        .collect()
}

fn exp_costs(threads: usize, reps: usize, calls: u64) -> Vec<ExpCost> {
    const ARRAY: usize = 2048;
    let passes = calls.div_ceil(ARRAY as u64).max(1);
    let chain = (calls / 4).max(1);
    let exp = spikejit_runtime::spikejit_exp;
    // Arguments in [-8, 0), the range of COBAHH's rate functions.
    let init = |_| {
        (
            (0..ARRAY).map(|k| -8.0 * k as f64 / ARRAY as f64).collect::<Vec<f64>>(),
            vec![0.0; ARRAY],
        )
    };
    let work = |(xs, out): &mut (Vec<f64>, Vec<f64>), step: usize| {
        if step == 0 {
            for _ in 0..passes {
                kernels::call_each(exp, xs, out);
                black_box(&out);
            }
        } else {
            out[0] = kernels::call_chain(exp, out[0], chain);
        }
    };
    let best = team_best(threads, reps, 2, &init, &work);
    [
        (ExpPattern::Independent, passes * ARRAY as u64),
        (ExpPattern::Chain, chain),
    ]
    .into_iter()
    .zip(best)
    .map(|((pattern, calls_per_thread), best_s)| ExpCost {
        pattern,
        threads,
        calls_per_thread,
        reps,
        best_s,
        ns_per_call: best_s / calls_per_thread as f64 * 1e9,
    })
    .collect()
}

/// The team sizes of `--threads` (1 and 2 when none; 0 is one per core),
/// each once, in the order given.
pub fn team_sizes(threads: &[usize]) -> Vec<usize> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let given = if threads.is_empty() { &[1, 2][..] } else { threads };
    distinct(given.iter().map(|&t| if t == 0 { cores } else { t }))
}

/// Each value once, in the order of first appearance.
fn distinct(xs: impl Iterator<Item = usize>) -> Vec<usize> {
    let mut out = Vec::new();
    for x in xs {
        if !out.contains(&x) {
            out.push(x);
        }
    }
    out
}

/// Measures everything `opts` names; `progress` is told each part as it starts.
pub fn measure(opts: &ProbeOptions, mut progress: impl FnMut(&str)) -> Probe {
    let load_start = load_average();
    let window = Window::open();
    let caches = caches();
    let teams = team_sizes(&opts.threads);
    let mut bandwidth = Vec::new();
    let mut flops = Vec::new();
    let mut exp = Vec::new();
    for &t in &teams {
        for ws in &opts.working_sets {
            progress(&format!("bandwidth, {}, {t} thread(s)", ws.name));
            let sample = opts.sample_bytes;
            bandwidth.extend(stream(
                &ws.name,
                ws.bytes / 3,
                t,
                opts.reps,
                |pass| sample / pass.max(1),
                &caches,
            ));
        }
        progress(&format!("bandwidth, DRAM, {t} thread(s)"));
        bandwidth.extend(stream("DRAM", opts.dram_array_bytes, t, opts.dram_reps, |_| 1, &caches));
        progress(&format!("flops, {t} thread(s)"));
        flops.extend(flop_rates(t, opts.reps, opts.flop_steps));
        progress(&format!("exp, {t} thread(s)"));
        exp.extend(exp_costs(t, opts.reps, opts.exp_calls));
    }
    let load = window.close();
    Probe {
        spikejit_version: env!("CARGO_PKG_VERSION").to_string(),
        machine: Machine {
            load_start,
            load_end: load_average(),
            ..machine()
        },
        command: opts.command.clone(),
        byte_counting: BYTE_COUNTING.to_string(),
        caches,
        bandwidth,
        flops,
        exp,
        busy: load.is_some_and(|l| l.is_busy(opts.busy_threshold)),
        load,
        busy_threshold_cores: opts.busy_threshold,
    }
}

/// Bytes for people: `129 KiB`, `2.0 MiB`, `768 MiB`.
pub fn human_bytes(b: u64) -> String {
    let b = b as f64;
    if b >= (1u64 << 30) as f64 {
        format!("{:.1} GiB", b / (1u64 << 30) as f64)
    } else if b >= (10u64 << 20) as f64 {
        format!("{:.0} MiB", b / (1u64 << 20) as f64)
    } else if b >= (1u64 << 20) as f64 {
        format!("{:.1} MiB", b / (1u64 << 20) as f64)
    } else {
        format!("{:.0} KiB", b / 1024.0)
    }
}

/// The probe's figures as Markdown tables (what `spikejit bench --probe` prints).
pub fn table(p: &Probe) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let m = &p.machine;
    let _ = writeln!(s, "Probe of {} ({} cores), {}", m.cpu, m.cores, m.date);
    let caches: Vec<String> = p
        .caches
        .iter()
        .map(|c| {
            let kind = match c.kind.as_str() {
                "Data" => "d",
                "Instruction" => "i",
                _ => "",
            };
            format!(
                "L{}{kind} {} (shared by {})",
                c.level,
                human_bytes(c.bytes),
                c.shared_by
            )
        })
        .collect();
    if !caches.is_empty() {
        let _ = writeln!(s, "Caches of cpu0: {}", caches.join(", "));
    }
    let teams = distinct(p.flops.iter().map(|f| f.threads).chain(p.exp.iter().map(|e| e.threads)));
    let reps = |f: &dyn Fn(&Bandwidth) -> bool| p.bandwidth.iter().find(|b| f(b)).map_or(0, |b| b.reps);
    let _ = writeln!(
        s,
        "\nMemory bandwidth, GB/s (best of {} samples in caches, {} in DRAM). Bytes counted as STREAM \
         counts them: what each kernel reads and writes, not the write-allocate reads of stores (copy and \
         scale move half as much again, add and triad a third; update, a, b, c = (a+b)/2, (b+c)/2, \
         (c+a)/2 in place, none).\n",
        reps(&|b| b.working_set != "DRAM"),
        reps(&|b| b.working_set == "DRAM"),
    );
    let _ = writeln!(
        s,
        "| working set | bytes | cache | threads | copy | scale | add | triad | update |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|---|---|---|---|");
    let mut rows: Vec<(&str, u64, usize)> = Vec::new();
    for b in &p.bandwidth {
        if !rows.contains(&(b.working_set.as_str(), b.working_set_bytes, b.threads)) {
            rows.push((&b.working_set, b.working_set_bytes, b.threads));
        }
    }
    for (ws, bytes, t) in rows {
        let of = |k: StreamKernel| {
            p.bandwidth
                .iter()
                .find(|b| b.working_set == ws && b.threads == t && b.kernel == k)
                .map_or("—".to_string(), |b| format!("{:.1}", b.gb_per_s))
        };
        let cache = p
            .bandwidth
            .iter()
            .find(|b| b.working_set == ws && b.threads == t)
            .map_or("", |b| b.cache.as_str());
        let _ = writeln!(
            s,
            "| {ws} | {} | {cache} | {t} | {} | {} | {} | {} | {} |",
            human_bytes(bytes),
            of(StreamKernel::Copy),
            of(StreamKernel::Scale),
            of(StreamKernel::Add),
            of(StreamKernel::Triad),
            of(StreamKernel::Update)
        );
    }
    let head: String = teams
        .iter()
        .map(|t| format!(" {t} thread{} |", if *t == 1 { "" } else { "s" }))
        .collect();
    let rule: String = teams.iter().map(|_| "---|").collect();
    let _ = writeln!(
        s,
        "\nf64 flop rate, GFLOP/s, all threads together ({} independent chains x ← x·m + c, a multiply and \
         an add or one FMA counting 2 flops per lane; divisions x ← x / m / c, 2 flops):\n",
        kernels::CHAINS
    );
    let _ = writeln!(s, "| instructions |{head}\n|---|{rule}");
    for kind in FlopKind::ALL {
        if !p.flops.iter().any(|f| f.kind == kind) {
            continue;
        }
        let cells: String = teams
            .iter()
            .map(|&t| {
                p.flops
                    .iter()
                    .find(|f| f.kind == kind && f.threads == t)
                    .map_or(" — |".to_string(), |f| format!(" {:.1} |", f.gflop_per_s))
            })
            .collect();
        let _ = writeln!(s, "| {} |{cells}", kind.name());
    }
    let _ = writeln!(
        s,
        "\nexp (spikejit_exp, glibc's algorithm, called as scalar JIT code calls it; vector loops inline a two-lane version), ns per call on each thread:\n"
    );
    let _ = writeln!(s, "| calls |{head}\n|---|{rule}");
    for (pattern, name) in [
        (ExpPattern::Independent, "independent (throughput)"),
        (ExpPattern::Chain, "x ← exp(-x) (latency)"),
    ] {
        let cells: String = teams
            .iter()
            .map(|&t| {
                p.exp
                    .iter()
                    .find(|e| e.pattern == pattern && e.threads == t)
                    .map_or(" — |".to_string(), |e| format!(" {:.2} |", e.ns_per_call))
            })
            .collect();
        let _ = writeln!(s, "| {name} |{cells}");
    }
    let _ = match &p.load {
        Some(l) => writeln!(
            s,
            "\nOther load beside the probe: {:.2} cores over {:.1} s{} (1-minute load average {} → {}).",
            l.other_cores.max(0.0),
            l.wall_s,
            if p.busy { ", busy: the figures are too low" } else { "" },
            l.load1_before.map_or("?".into(), |x| format!("{x:.2}")),
            l.load1_after.map_or("?".into(), |x| format!("{x:.2}")),
        ),
        None => writeln!(s, "\nOther load beside the probe: not measured (no /proc/stat)."),
    };
    s
}

/// Writes `p` as pretty JSON.
pub fn write_json(p: &Probe, path: &Path) -> Result<(), String> {
    let text = serde_json::to_string_pretty(p).map_err(|e| e.to_string())?;
    crate::io::write_atomic(path, text.as_bytes()).map_err(|e| format!("{e:?}"))
}

#[cfg(test)]
mod tests;
