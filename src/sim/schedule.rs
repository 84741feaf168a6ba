//! Brian2's schedule: the slots of a time step and their order, what the
//! schedule lists of each object, the time step of a time on a clock, and
//! the clocks of a run. Below every room that puts something in the
//! schedule. (A custom order of the slots is set in `clocks`.)

use std::collections::HashMap;

/// The schedule slots of Brian2's default schedule.
pub const SLOTS: [&str; 6] = ["start", "groups", "thresholds", "synapses", "resets", "end"];

/// The slot at a position of the schedule ([`slot_rank`]'s inverse).
pub fn slot_name(rank: i32) -> &'static str {
    const NAMES: [&str; 18] = [
        "before_start",
        "start",
        "after_start",
        "before_groups",
        "groups",
        "after_groups",
        "before_thresholds",
        "thresholds",
        "after_thresholds",
        "before_synapses",
        "synapses",
        "after_synapses",
        "before_resets",
        "resets",
        "after_resets",
        "before_end",
        "end",
        "after_end",
    ];
    usize::try_from(rank)
        .ok()
        .and_then(|k| NAMES.get(k))
        .copied()
        .unwrap_or("?")
}

/// Position of a slot (`before_X`, `X`, `after_X`) in the schedule.
pub fn slot_rank(when: &str) -> Option<i32> {
    let (pre, base) = if let Some(b) = when.strip_prefix("before_") {
        (0, b)
    } else if let Some(b) = when.strip_prefix("after_") {
        (2, b)
    } else {
        (1, when)
    };
    SLOTS.iter().position(|s| *s == base).map(|k| k as i32 * 3 + pre)
}

/// A schedule's slot ranks: `order[k]` is the position in the schedule of
/// the default slot `SLOTS[k]` (`None`: not in it). A rank computed by
/// [`slot_rank`] (the default schedule's) becomes the custom schedule's.
pub(crate) fn reorder_rank(schedule: &[usize], rank: i32) -> Option<i32> {
    let (base, pre) = (rank.div_euclid(3), rank.rem_euclid(3));
    let pos = schedule.iter().position(|&k| k as i32 == base)?;
    Some(pos as i32 * 3 + pre)
}

/// The name of a rank of a custom schedule ([`reorder_rank`]'s result).
pub(crate) fn custom_slot_name(schedule: &[usize], rank: i32) -> &'static str {
    let (pos, pre) = (rank.div_euclid(3), rank.rem_euclid(3));
    match usize::try_from(pos).ok().and_then(|p| schedule.get(p)) {
        Some(&k) => slot_name(k as i32 * 3 + pre),
        None => "?",
    }
}

/// One object of the schedule ([`Network::schedule`](crate::sim::Network::schedule)), in Brian2's terms.
#[derive(Clone, Debug, PartialEq)]
pub struct ScheduleEntry {
    /// The slot (`start`, `groups`, `after_thresholds`, ...).
    pub when: &'static str,
    /// The order within the slot.
    pub order: i32,
    /// The dt of the object's clock, in seconds.
    pub dt: f64,
    /// Brian2's name of the object: `G_stateupdater`, `S_pre`,
    /// `S_summed_variable_I_post`, a monitor's own name, ...
    pub name: String,
    /// Brian2's class of the object: `StateUpdater`, `Thresholder`,
    /// `SynapticPathway`, `SpikeMonitor`, ...
    pub class: String,
}

/// `timestep` of a time on a clock: Brian2 rounds to the nearest step when the time
/// is within 1e-4 dt of it, and up otherwise.
pub(crate) fn to_step(t: f64, dt: f64) -> i64 {
    let x = t / dt;
    let r = x.round();
    if (x - r).abs() < 1e-4 {
        r as i64
    } else {
        x.ceil() as i64
    }
}

/// The clocks of a run: one per dt of its ops, each with its current step and
/// the step the run ends at, and which of them tick in the current time step.
pub(crate) struct Clocks {
    /// (dt, current step, end step) of each clock, in the order the ops
    /// first use them.
    clocks: Vec<(f64, i64, i64)>,
    /// Whether each clock ticks in the current time step.
    active: Vec<bool>,
    /// The clock of each op.
    of_op: Vec<usize>,
    /// The finest dt.
    pub min_dt: f64,
}

impl Clocks {
    /// The clocks of ops whose dts are `dts` (in op order), from the time
    /// `t` (or the step a clock reached in an earlier run, `steps`, if
    /// later) to `t_end`.
    pub(crate) fn new(dts: &[f64], steps: &HashMap<u64, i64>, t: f64, t_end: f64) -> Clocks {
        let mut clocks: Vec<(f64, i64, i64)> = Vec::new();
        for &dt in dts {
            if !clocks.iter().any(|c| c.0 == dt) {
                let cur = *steps.get(&dt.to_bits()).unwrap_or(&to_step(t, dt));
                let cur = cur.max(to_step(t, dt));
                clocks.push((dt, cur, to_step(t_end, dt)));
            }
        }
        let min_dt = clocks.iter().map(|c| c.0).fold(f64::INFINITY, f64::min);
        let active = vec![false; clocks.len()];
        let of_op = dts
            .iter()
            .map(|&dt| clocks.iter().position(|c| c.0 == dt).unwrap_or(0))
            .collect();
        Clocks {
            clocks,
            active,
            of_op,
            min_dt,
        }
    }

    /// The time of the next time step (the earliest among the clocks not at
    /// their end), with the clocks that tick then marked; `None` when every
    /// clock is at its end.
    #[inline]
    pub(crate) fn next(&mut self) -> Option<f64> {
        let mut tmin = f64::INFINITY;
        for c in &self.clocks {
            if c.1 < c.2 {
                tmin = tmin.min(c.1 as f64 * c.0);
            }
        }
        if !tmin.is_finite() {
            return None;
        }
        for (k, c) in self.clocks.iter().enumerate() {
            self.active[k] = c.1 < c.2 && ((c.1 as f64 * c.0) - tmin).abs() / self.min_dt < 1e-4;
        }
        Some(tmin)
    }

    /// Whether a time step is left (some clock not at its end).
    #[inline]
    pub(crate) fn has_next(&self) -> bool {
        self.clocks.iter().any(|c| c.1 < c.2)
    }

    /// The step and time of op `op` when its clock ticks in this time step.
    #[inline]
    pub(crate) fn tick(&self, op: usize) -> Option<(i64, f64)> {
        let ck = self.of_op[op];
        if !self.active[ck] {
            return None;
        }
        let (dt, step, _) = self.clocks[ck];
        Some((step, step as f64 * dt))
    }

    /// Whether the current time step is the run's last: no clock has a step
    /// left once the ticking ones move on.
    #[inline]
    pub(crate) fn is_last(&self) -> bool {
        self.clocks
            .iter()
            .zip(&self.active)
            .all(|(c, &a)| c.1 + i64::from(a) >= c.2)
    }

    /// Moves the clocks that ticked on to their next step.
    #[inline]
    pub(crate) fn advance(&mut self) {
        for (k, c) in self.clocks.iter_mut().enumerate() {
            if self.active[k] {
                c.1 += 1;
            }
        }
    }

    /// The step of time `t` on the finest clock (the step findings name).
    pub(crate) fn finest_step(&self, t: f64) -> i64 {
        to_step(t, self.min_dt)
    }

    /// The time the clocks are at before the first step (the earliest
    /// clock's).
    pub(crate) fn start(&self) -> f64 {
        self.clocks
            .iter()
            .map(|c| c.1 as f64 * c.0)
            .fold(f64::INFINITY, f64::min)
    }

    /// Keeps the step of each clock, where the next run starts.
    pub(crate) fn save(&self, steps: &mut HashMap<u64, i64>) {
        for c in &self.clocks {
            steps.insert(c.0.to_bits(), c.1);
        }
    }
}

/// The clock an object runs on: Brian2's `defaultclock`, a named clock of the
/// network ([`Network::add_clock`](crate::sim::Network::add_clock)), or a
/// clock of its own (`dt=`). A change of the default or a named clock's dt
/// between runs moves every object on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ClockRef {
    /// `defaultclock` ([`Network::set_dt`](crate::sim::Network::set_dt)).
    Default,
    /// The named clock at this index of the network's clocks.
    Named(u32),
    /// The object's own clock, given by its `dt`.
    Own,
}
