//! Clocks shared by name (Brian2's `Clock(dt, name=...)` given as `clock=`)
//! and changes of a clock's dt between runs (`defaultclock.dt = ...`): the
//! objects on a clock follow its dt; the next run checks that the current
//! time is a step of the new dt, and the spike queues re-bin what they hold
//! (`synapse_steps`). And the order of a step's slots (Brian2's
//! `Network.schedule = [...]`).

use super::network::{Network, check_dt, err};
use super::objects::Object;
use super::schedule::{ClockRef, SLOTS};
use crate::diag::Result;

/// Brian2's `Clock.epsilon_dt`: how far (in new steps) a time may be from a
/// step of a new dt.
const EPSILON_DT: f64 = 1e-4;

/// Whether a clock at time `t` (seconds) may change its dt from `old` to
/// `new` (Brian2's `check_dt`): `t` is a step of the new dt, to within 0.01 %
/// of it.
pub(crate) fn dt_change_fits(t: f64, old: f64, new: f64) -> bool {
    let old_t = (t / old).round() * old;
    let new_t = (t / new).round() * new;
    (new_t - old_t).abs() / new <= EPSILON_DT
}

impl Network {
    /// Adds a clock that objects share by name (Brian2's `Clock(dt,
    /// name='slow')` passed as `clock=`): a group, synapses or state monitor
    /// given `.clock("slow")` runs every `dt` seconds, and
    /// [`Network::set_clock_dt`] changes the dt of all of them at once. An
    /// error for a name taken by another clock (or `defaultclock`) and for a
    /// dt that is not a positive, finite time.
    ///
    /// ```
    /// use spikejit::sim::{Network, NeuronGroup};
    ///
    /// let mut net = Network::new();
    /// net.add_clock("slow", 1e-3)?;
    /// net.add_neurons(NeuronGroup::new(1, "dv/dt = -v/(10*ms) : 1").clock("slow").name("G"))?;
    /// assert_eq!(net.schedule()?[0].dt, 1e-3);
    /// net.set_clock_dt("slow", 2e-3)?;
    /// assert_eq!(net.schedule()?[0].dt, 2e-3);
    /// # Ok::<(), spikejit::diag::Errors>(())
    /// ```
    pub fn add_clock(&mut self, name: &str, dt: f64) -> Result<()> {
        let ctx = format!("clocks '{name}'");
        check_dt(dt, &format!("{ctx}.dt"))?;
        if name == "defaultclock" || self.named_clocks.iter().any(|(n, _)| n == name) {
            return Err(err(
                "duplicate-name",
                &ctx,
                format!("there is already a clock named '{name}'"),
            ));
        }
        self.named_clocks.push((name.to_string(), dt));
        Ok(())
    }

    /// Sets the dt of the clock `name` (`defaultclock`: [`Network::set_dt`])
    /// and of every object on it, as Brian2's `clock.dt = ...`. Between runs,
    /// the next run starts at the current time on the new dt (an error then
    /// when the time is no multiple of the new dt, as in Brian2), and each
    /// spike queued keeps its delivery time, to the nearest step of the new
    /// dt (rounded half up, as Brian2's `SpikeQueue.prepare`); spikes that
    /// land in one step are delivered together, in the order they were
    /// queued, where Brian2 keeps only the last of them, and a spike due
    /// later than now is delivered one step later at the earliest.
    pub fn set_clock_dt(&mut self, name: &str, dt: f64) -> Result<()> {
        check_dt(dt, &format!("clocks '{name}'.dt"))?;
        if name == "defaultclock" {
            self.set_dt(dt);
            return Ok(());
        }
        let Some(k) = self.named_clocks.iter().position(|(n, _)| n == name) else {
            return Err(self.unknown_clock(name, "set_clock_dt"));
        };
        let old = self.named_clocks[k].1;
        self.named_clocks[k].1 = dt;
        self.retime(ClockRef::Named(k as u32), old, dt);
        Ok(())
    }

    /// The dt of the clock `name` (`defaultclock` or one added by
    /// [`Network::add_clock`]).
    pub fn clock_dt(&self, name: &str) -> Option<f64> {
        if name == "defaultclock" {
            return Some(self.dt);
        }
        self.named_clocks.iter().find(|(n, _)| n == name).map(|c| c.1)
    }

    fn unknown_clock(&self, name: &str, ctx: &str) -> crate::diag::Errors {
        let names = self.named_clocks.iter().map(|(n, _)| n.as_str());
        let help = match crate::model::scope::suggest(name, names) {
            Some(s) => format!(" (did you mean '{s}'?)"),
            None => String::new(),
        };
        err(
            "unknown-clock",
            ctx,
            format!("there is no clock named '{name}'{help}; add it first (Network::add_clock)"),
        )
    }

    /// The dt and clock of an object given `dt` (its own clock) or `clock`
    /// (a named one), or neither (the default clock); both is an error, as in
    /// Brian2.
    pub(crate) fn resolve_clock(&self, dt: Option<f64>, clock: Option<&str>, ctx: &str) -> Result<(f64, ClockRef)> {
        match (dt, clock) {
            (Some(_), Some(_)) => Err(err("dt-and-clock", ctx, "give either a dt or a clock, not both")),
            (Some(dt), None) => {
                check_dt(dt, &format!("{ctx}.dt"))?;
                Ok((dt, ClockRef::Own))
            }
            (None, Some("defaultclock")) | (None, None) => {
                check_dt(self.dt, "the default clock")?;
                Ok((self.dt, ClockRef::Default))
            }
            (None, Some(name)) => match self.named_clocks.iter().position(|(n, _)| n == name) {
                Some(k) => Ok((self.named_clocks[k].1, ClockRef::Named(k as u32))),
                None => Err(self.unknown_clock(name, &format!("{ctx}.clock"))),
            },
        }
    }

    /// Moves every object on `clock` from dt `old` to `new`, and remembers
    /// the change for the next run's check.
    pub(crate) fn retime(&mut self, clock: ClockRef, old: f64, new: f64) {
        if old.to_bits() == new.to_bits() {
            return;
        }
        if !self.retimed.iter().any(|(c, _)| *c == clock) {
            self.retimed.push((clock, old));
        }
        for o in &mut self.objects {
            match o {
                Object::Group(g) if g.clock == clock => g.dt = new,
                Object::Synapses(s) if s.clock == clock => s.dt = new,
                Object::StateMon(m) if m.clock == clock => m.dt = new,
                _ => {}
            }
        }
        for r in &mut self.regular {
            if r.clock == clock {
                r.dt = new;
            }
        }
    }

    /// Brian2's `check_dt` at the start of a run: the current time must be a
    /// step (to within 0.01 % of it) of every clock whose dt changed.
    pub(crate) fn check_retimed(&mut self) -> Result<()> {
        let t = self.t;
        for &(clock, old) in &self.retimed {
            let (name, new) = match clock {
                ClockRef::Named(k) => (self.named_clocks[k as usize].0.clone(), self.named_clocks[k as usize].1),
                _ => ("defaultclock".to_string(), self.dt),
            };
            if !dt_change_fits(t, old, new) {
                return Err(err(
                    "bad-dt",
                    &format!("clocks '{name}'.dt"),
                    format!("cannot set dt from {old} s to {new} s: the time {t} s is not a multiple of {new} s"),
                ));
            }
        }
        self.retimed.clear();
        Ok(())
    }
}

impl Network {
    /// Sets the order of the slots of a time step (Brian2's
    /// `Network.schedule = [...]`): a reordering of Brian2's default slots
    /// [`SLOTS`], or a part of them. `before_X` and `after_X` follow `X`. An
    /// object whose slot is not in the schedule makes the next run (and
    /// [`Network::schedule`], [`Network::check`]) fail, as in Brian2.
    ///
    /// ```
    /// use spikejit::sim::{Network, NeuronGroup};
    /// let mut net = Network::new();
    /// net.add_neurons(NeuronGroup::new(1, "v : 1").threshold("v > 1").reset("v = 0").name("G"))?;
    /// net.set_schedule(&["start", "groups", "resets", "thresholds", "synapses", "end"])?;
    /// let names: Vec<String> = net.schedule()?.into_iter().map(|e| e.name).collect();
    /// assert_eq!(names, ["G_stateupdater", "G_spike_resetter", "G_spike_thresholder"]);
    /// # Ok::<(), spikejit::diag::Errors>(())
    /// ```
    pub fn set_schedule(&mut self, slots: &[&str]) -> Result<()> {
        let ctx = "the schedule";
        let mut order = Vec::with_capacity(slots.len());
        for slot in slots {
            if slot.starts_with("before_") || slot.starts_with("after_") {
                return Err(err(
                    "bad-slot",
                    ctx,
                    format!(
                        "slot names may not start with 'before_' or 'after_' ('{slot}'): such slots come with each slot of the schedule"
                    ),
                ));
            }
            let Some(k) = SLOTS.iter().position(|s| s == slot) else {
                return Err(err(
                    "bad-slot",
                    ctx,
                    format!(
                        "unknown schedule slot '{slot}': spikejit's objects run in Brian2's slots {}, and a schedule orders those",
                        SLOTS.join(", ")
                    ),
                ));
            };
            if order.contains(&k) {
                return Err(err(
                    "bad-slot",
                    ctx,
                    format!("the slot '{slot}' is in the schedule twice"),
                ));
            }
            order.push(k);
        }
        self.schedule = (order != [0, 1, 2, 3, 4, 5]).then_some(order);
        Ok(())
    }

    /// The schedule's slots, in order (Brian2's `Network.schedule`).
    pub fn schedule_slots(&self) -> Vec<&'static str> {
        match &self.schedule {
            Some(order) => order.iter().map(|&k| SLOTS[k]).collect(),
            None => SLOTS.to_vec(),
        }
    }
}
