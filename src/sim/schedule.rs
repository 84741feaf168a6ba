//! Brian2's schedule: the slots of a time step and their order, what the
//! schedule lists of each object, and the time step of a time on a clock.
//! Below every room that puts something in the schedule.

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
