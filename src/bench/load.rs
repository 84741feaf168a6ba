//! How busy the machine was beside a benchmark run: the CPU time every other
//! process used during it.
//!
//! The 1-minute load average lags by a minute and counts the benchmark itself,
//! so it cannot say whether a 0.1 s run had the machine to itself. Instead a
//! [`Window`] reads the busy CPU time of all CPUs (`/proc/stat`) and the CPU
//! time of this process and its reaped children (`getrusage`) before and after
//! the run: the machine's busy time minus the run's own is what the others
//! used, and divided by the wall time it is the cores they kept busy
//! ([`LoadSample::other_cores`]). `bench/brian2/brian2_bench.py` measures its
//! own runs the same way and writes the same fields.

use std::time::Instant;

use serde::{Deserialize, Serialize};

/// The default threshold of `--busy-threshold`: a run beside more than this
/// many cores of other work is marked busy.
pub const DEFAULT_BUSY_THRESHOLD: f64 = 0.2;

/// CPU seconds a window's figure may be off by: `/proc/stat` counts in clock
/// ticks (1/100 s), rounding down each of its fields at each read, and
/// attributes whole kernel ticks to whatever ran in them, so a short run's
/// `other_cpu_s` is only known to about this. A run is busy when the others'
/// CPU time exceeds the threshold by more than this slack
/// (`bench/brian2/brian2_bench.py` uses the same figure).
pub const TICK_SLACK_S: f64 = 0.03;

/// The machine's load during one run.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct LoadSample {
    /// Wall seconds of the window.
    pub wall_s: f64,
    /// CPU seconds all CPUs were busy during the window (`/proc/stat`: user,
    /// nice, system, irq, softirq, steal).
    pub machine_cpu_s: f64,
    /// CPU seconds of the run itself (user + system of the measured processes).
    pub own_cpu_s: f64,
    /// `machine_cpu_s - own_cpu_s`: what everything else used (may come out
    /// slightly negative: see [`TICK_SLACK_S`]).
    pub other_cpu_s: f64,
    /// `other_cpu_s / wall_s`: the cores other work kept busy, on average.
    pub other_cores: f64,
    /// The 1-minute load average before the run (it lags, and counts the run).
    pub load1_before: Option<f64>,
    /// The 1-minute load average after the run.
    pub load1_after: Option<f64>,
}

impl LoadSample {
    /// The sample of a window from its measurements.
    pub fn new(wall_s: f64, machine_cpu_s: f64, own_cpu_s: f64) -> LoadSample {
        let other_cpu_s = machine_cpu_s - own_cpu_s;
        LoadSample {
            wall_s,
            machine_cpu_s,
            own_cpu_s,
            other_cpu_s,
            other_cores: if wall_s > 0.0 { other_cpu_s / wall_s } else { 0.0 },
            load1_before: None,
            load1_after: None,
        }
    }

    /// Whether other work used more than `threshold_cores` during the run,
    /// beyond the measurement's rounding ([`TICK_SLACK_S`]).
    pub fn is_busy(&self, threshold_cores: f64) -> bool {
        self.other_cpu_s - TICK_SLACK_S > threshold_cores * self.wall_s
    }
}

/// The busy CPU time of all CPUs, in clock ticks, from the text of
/// `/proc/stat` (its first line, `cpu  user nice system idle iowait irq
/// softirq steal guest guest_nice`; guest time is already in user and nice).
pub fn parse_proc_stat(text: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.split_whitespace().next() == Some("cpu"))?;
    let fields: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    // user nice system [idle iowait] irq softirq steal; kernels before 2.6.11 stop earlier.
    let at = |k: usize| fields.get(k).copied().unwrap_or(0);
    if fields.len() < 4 {
        return None;
    }
    Some(at(0) + at(1) + at(2) + at(5) + at(6) + at(7))
}

/// Clock ticks per second of `/proc/stat` (`sysconf(_SC_CLK_TCK)`).
fn ticks_per_second() -> f64 {
    // SAFETY: sysconf only reads a configuration value.
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if t > 0 { t as f64 } else { 100.0 }
}

/// Busy CPU seconds of all CPUs since boot (`None` without `/proc/stat`).
fn machine_busy_seconds() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/stat").ok()?;
    Some(parse_proc_stat(&text)? as f64 / ticks_per_second())
}

/// User + system CPU seconds of this process and of its children that have
/// been waited for (a child's own reaped children included).
fn own_cpu_seconds() -> f64 {
    let secs = |who| {
        // SAFETY: getrusage fills the zeroed struct it is given and reads nothing else.
        let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
        if unsafe { libc::getrusage(who, &mut ru) } != 0 {
            return 0.0;
        }
        let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
        tv(ru.ru_utime) + tv(ru.ru_stime)
    };
    secs(libc::RUSAGE_SELF) + secs(libc::RUSAGE_CHILDREN)
}

/// The 1-minute load average (Linux).
pub fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// A measurement window around one run: open it before starting the child,
/// [`Window::close`] it after the child has been waited for.
pub struct Window {
    start: Instant,
    machine_s: Option<f64>,
    own_s: f64,
    load1: Option<f64>,
}

impl Window {
    /// Starts a window.
    pub fn open() -> Window {
        Window {
            load1: load_average(),
            own_s: own_cpu_seconds(),
            machine_s: machine_busy_seconds(),
            start: Instant::now(),
        }
    }

    /// Ends the window (`None` where `/proc/stat` cannot be read).
    pub fn close(self) -> Option<LoadSample> {
        let wall = self.start.elapsed().as_secs_f64();
        let machine = machine_busy_seconds()? - self.machine_s?;
        let own = own_cpu_seconds() - self.own_s;
        Some(LoadSample {
            load1_before: self.load1,
            load1_after: load_average(),
            ..LoadSample::new(wall, machine, own)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_stat_busy_ticks() {
        let text = "cpu  619357 2017682 176096 677338 3872 10 657 2301 500 7\n\
                    cpu0 324638 936690 83103 401215 1396 0 46 1154 0 0\nintr 1 2 3\n";
        // user + nice + system + irq + softirq + steal; idle, iowait and guest left out
        assert_eq!(parse_proc_stat(text), Some(619357 + 2017682 + 176096 + 10 + 657 + 2301));
        // an old kernel's four fields
        assert_eq!(parse_proc_stat("cpu 1 2 3 4\n"), Some(6));
        assert_eq!(parse_proc_stat("cpu0 1 2 3 4\n"), None);
        assert_eq!(parse_proc_stat("cpu 1 x 3 4\n"), None);
        assert_eq!(parse_proc_stat("cpu 1 2\n"), None);
        assert_eq!(parse_proc_stat(""), None);
    }

    #[test]
    fn busy_beyond_the_rounding() {
        // 1 s run: others used 0.5 s = 0.5 cores
        let s = LoadSample::new(1.0, 1.5, 1.0);
        assert!((s.other_cores - 0.5).abs() < 1e-12);
        assert!(s.is_busy(0.2));
        assert!(!s.is_busy(0.5));
        // a 0.1 s run with 0.04 s of others: 0.4 cores, but within the rounding of 0.2 cores
        let short = LoadSample::new(0.1, 0.14, 0.1);
        assert!(!short.is_busy(0.2));
        assert!(LoadSample::new(0.1, 0.16, 0.1).is_busy(0.2));
        // a negative figure (rounding) is quiet
        assert!(!LoadSample::new(1.0, 0.98, 1.0).is_busy(0.0));
        assert_eq!(LoadSample::new(0.0, 1.0, 0.0).other_cores, 0.0);
    }

    #[test]
    fn a_window_counts_its_own_work_as_its_own() {
        let Some(before) = machine_busy_seconds() else {
            return; // no /proc/stat on this system
        };
        let w = Window::open();
        // spin until this process has used 0.2 CPU seconds (however busy the machine):
        // its own time, not others'
        let (t, cpu0) = (Instant::now(), own_cpu_seconds());
        let mut x = 0u64;
        while own_cpu_seconds() - cpu0 < 0.2 && t.elapsed().as_secs_f64() < 20.0 {
            for _ in 0..10_000 {
                x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(7));
            }
        }
        let s = w.close().expect("the window closes where /proc/stat is readable");
        assert!(s.own_cpu_s >= 0.2, "{s:?}");
        assert!(s.wall_s > 0.0, "{s:?}");
        // /proc/stat saw that work (its tick sampling and rounding aside)
        assert!(s.machine_cpu_s >= 0.5 * s.own_cpu_s, "{s:?}");
        assert!(machine_busy_seconds().unwrap_or(0.0) >= before);
        assert_eq!(s.other_cpu_s, s.machine_cpu_s - s.own_cpu_s);
    }
}
