//! What monitors do in a time step: their ops, and their recordings, appended
//! in place (no per-step buffers). A buffer that cannot grow stops the run
//! with what was recorded, never aborts. Its own room so that the run loop
//! only hands each monitor its step.

use super::memory;
use super::network::Network;
use super::objects::{GroupKind, GroupRange, Object};
use super::ops::{Op, OpKind};
use crate::diag::Diagnostic;
use crate::model::scope::{ArrayKey, IndexSel};

impl Network {
    /// The op of monitor `id` (a spike, event, state or rate monitor; none
    /// for other objects). Errors go to `errors`.
    pub(crate) fn monitor_ops(&mut self, id: usize, ops: &mut Vec<Op>, errors: &mut Vec<Diagnostic>) {
        match &self.objects[id] {
            Object::SpikeMon(m) => {
                let g = self.group(m.source.group);
                ops.push(Op::new(
                    OpKind::SpikeMon {
                        mon: id,
                        group: m.source.group,
                        range: m.source,
                        event: m.event.clone(),
                        vars: m
                            .variables
                            .iter()
                            .map(|v| match self.links.get(&(m.source.group, v.clone())) {
                                Some(l) => (l.array.clone(), l.index.clone()),
                                None => (ArrayKey::new(m.source.group, v.clone()), IndexSel::Item),
                            })
                            .collect(),
                    },
                    None,
                    g.dt,
                    (m.when, m.order, m.name.clone()),
                    if m.event == "spike" {
                        "SpikeMonitor"
                    } else {
                        "EventMonitor"
                    },
                    self.next_rng(),
                ));
            }
            Object::StateMon(m) => {
                let (dt, key) = (m.dt, (m.when, m.order, m.name.clone()));
                let rec_keys: Vec<ArrayKey> = m
                    .variables
                    .iter()
                    .map(|v| ArrayKey::new(id, format!("_rec_{v}")))
                    .collect();
                match self.recorder_kernel(id) {
                    Ok(k) => ops.push(Op::new(
                        OpKind::StateMon { mon: id, rec_keys },
                        Some(k),
                        dt,
                        key,
                        "StateMonitor",
                        self.next_rng(),
                    )),
                    Err(e) => errors.extend(e.0),
                }
            }
            Object::RateMon(m) => {
                let g = self.group(m.source.group);
                ops.push(Op::new(
                    OpKind::RateMon {
                        mon: id,
                        range: m.source,
                    },
                    None,
                    g.dt,
                    (m.when, m.order, m.name.clone()),
                    "PopulationRateMonitor",
                    self.next_rng(),
                ));
            }
            _ => {}
        }
    }

    /// A rate monitor's step at time `t` (clock `dt`): the rate of the
    /// events `events` of its range.
    ///
    /// On a partitioned network the events are this rank's: it keeps their
    /// count too, and rank 0 sums the ranks' counts (`gather_to_root`).
    pub(crate) fn record_rate(&mut self, mon: usize, range: GroupRange, events: &[i32], t: f64, dt: f64) {
        let partitioned = self.events_are_own(range.group);
        let (start, stop) = self.own_range(range);
        let count = events
            .iter()
            .filter(|&&x| (x as usize) >= start && (x as usize) < stop)
            .count();
        if let Object::RateMon(m) = &mut self.objects[mon] {
            let room = memory::make_room(&mut m.t, 1)
                && memory::make_room(&mut m.rate, 1)
                && (!partitioned || memory::make_room(&mut m.own_counts, 1));
            if !room {
                let held = 16 * m.t.len();
                self.recording_failed = Some(memory::recording_failed(&m.name, held, t));
                return;
            }
            m.t.push(t);
            m.rate.push(rate_of(count as u64, range, dt));
            if partitioned {
                m.own_counts.push(count as u32);
            }
        }
    }

    /// The elements of `range` whose events this rank records: those it
    /// owns, when its group's event space holds only those (see
    /// [`Network::events_are_own`]), else all.
    pub(crate) fn own_range(&self, range: GroupRange) -> (usize, usize) {
        if self.events_are_own(range.group) {
            self.owned_part(range.group, range.start, range.stop)
        } else {
            (range.start, range.stop)
        }
    }

    /// Whether the event space of `group` holds only this rank's events
    /// (the events of the neurons it owns, found by its threshold), so that
    /// its monitors record those and rank 0 merges the ranks' recordings.
    /// Not on one rank, and not for a spike generator: every rank makes all
    /// its spikes, in the order of its list (not of the neurons), and its
    /// monitors record them all, as one rank does.
    pub(crate) fn events_are_own(&self, group: usize) -> bool {
        self.ranks.is_some() && self.finds_own_events(group)
    }

    /// Whether `group`'s events are found by each rank for its own neurons
    /// (a threshold), rather than made whole by every rank (a spike generator).
    pub(crate) fn finds_own_events(&self, group: usize) -> bool {
        !matches!(self.group(group).kind, GroupKind::Generator(_))
    }

    /// A spike (or event) monitor's step at time `t`: the events `ss` of its
    /// range counted, and, when it records, their indices, times and the
    /// values of `vars`.
    pub(crate) fn record_spikes(
        &mut self,
        mon: usize,
        range: GroupRange,
        vars: &[(ArrayKey, IndexSel)],
        ss: &[i32],
        t: f64,
    ) {
        // On a partitioned network, the rank's own events: a threshold's event
        // space holds only those (rank 0 merges the ranks' recordings in
        // `gather_to_root`); a spike generator's holds all.
        let (start, stop) = self.own_range(range);
        let store = &self.store;
        if let Object::SpikeMon(m) = &mut self.objects[mon] {
            let in_range = |x: &&i32| (**x as usize) >= start && (**x as usize) < stop;
            if m.record && !ss.is_empty() {
                // Room for this step's events first: a buffer that cannot grow
                // stops the run with what was recorded, never aborts.
                let k = ss.iter().filter(in_range).count();
                let room = memory::make_room(&mut m.i, k)
                    && memory::make_room(&mut m.t, k)
                    && m.values.iter_mut().all(|d| memory::make_room(d, k));
                if !room {
                    let held = 12 * m.i.len() + m.values.iter().map(|d| 8 * d.len()).sum::<usize>();
                    self.recording_failed = Some(memory::recording_failed(&m.name, held, t));
                    return;
                }
            }
            if m.record {
                // Appends the recorded values in place: no per-step buffers.
                for (d, (key, sel)) in m.values.iter_mut().zip(vars.iter()) {
                    if let Some(value) = store.reader(key) {
                        // On several ranks, the events are the rank's own
                        // (`own_range`), whose neurons its rank-local arrays
                        // hold: read by their index in the group. A linked
                        // variable reads the element its link designates.
                        let value = |x: usize| match sel {
                            IndexSel::Item => value(x),
                            sel => value(super::links::element_of(store, sel, x)?),
                        };
                        d.extend(ss.iter().filter(in_range).map(|&x| value(x as usize).unwrap_or(0.0)));
                    }
                }
            }
            for &x in ss {
                let x = x as usize;
                if x >= start && x < stop {
                    let r = x - range.start;
                    m.count[r] += 1;
                    if m.record {
                        m.i.push(r as i32);
                        m.t.push(t);
                    }
                }
            }
        }
    }

    /// The number of elements a state monitor samples.
    pub(crate) fn recorded_elements(&self, mon: usize) -> Option<usize> {
        match &self.objects[mon] {
            Object::StateMon(m) => Some(m.columns.as_ref().map_or(m.indices.len(), Vec::len)),
            _ => None,
        }
    }

    /// A state monitor's step at time `t`, after its kernel sampled the
    /// variables into `rec_keys`: the samples appended to its recordings.
    pub(crate) fn record_state(&mut self, mon: usize, rec_keys: &[ArrayKey], t: f64) {
        // Appends the recording buffers in place: no per-step copies.
        let store = &self.store;
        if let Object::StateMon(m) = &mut self.objects[mon] {
            let room = memory::make_room(&mut m.t, 1)
                && m.data
                    .iter_mut()
                    .zip(rec_keys.iter())
                    .all(|(d, key)| memory::make_room(d, store.get(key).map_or(0, |a| a.len())));
            if !room {
                let held = 8 * (m.t.len() + m.data.iter().map(Vec::len).sum::<usize>());
                self.recording_failed = Some(memory::recording_failed(&m.name, held, t));
                return;
            }
            m.t.push(t);
            for (d, key) in m.data.iter_mut().zip(rec_keys.iter()) {
                if let Some(a) = store.get(key) {
                    d.extend((0..a.len()).map(|k| a.get(k)));
                }
            }
        }
    }
}

/// The rate of `count` events of `range` in a step of `dt` (one formula for
/// a rate monitor's step and for the ranks' summed counts, so that they are
/// the same bits).
pub(crate) fn rate_of(count: u64, range: GroupRange, dt: f64) -> f64 {
    count as f64 / ((range.stop - range.start) as f64 * dt)
}
