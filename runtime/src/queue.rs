//! The spike queue of a synaptic pathway (Brian2's `SpikeQueue`, §2.5): a circular
//! array of delay buckets of synapse indices, and a map of the events due
//! further ahead than the ring reaches. A spike is never dropped.
//!
//! The ring has one bucket per step of the longest delay, up to a cap
//! ([`RING_CAP`] buckets): a spike due later waits in the far-future map,
//! keyed by the step it is delivered at, and moves into the ring's bucket of
//! that step when the ring reaches it. Memory is so bounded by the events
//! pending, not by the steps of delay: a delay of 10^6 s at dt = 0.1 ms (10^10
//! steps) costs one map entry per step that has spikes in flight.
//!
//! Order within a step is Brian2's: events in the order they were pushed (a
//! step's pushes: by source neuron, then synapse index), whichever way they
//! waited. An event waits in the map only when it was pushed at least a
//! ring's length before its delivery, so before every event pushed into that
//! bucket; the map's events move into their bucket when it is emptied for
//! reuse ([`SpikeQueue::advance`]), ahead of any push into it.

use std::collections::BTreeMap;

/// The most buckets the ring of a [`SpikeQueue::default`] queue has (delays of
/// up to `RING_CAP - 1` steps go straight into it: 1.6 s at dt = 0.1 ms).
/// 24 bytes each: 384 KiB at most per pathway.
pub const RING_CAP: usize = 1 << 14;

/// The longest delay a queue takes, in steps: 2^53, beyond which a step count
/// held as a float (a delay divided by dt) is no longer exact. A longer delay
/// is an error before the run.
pub const MAX_DELAY_STEPS: u64 = 1 << 53;

/// A delay of `delay` seconds in steps of `dt`, rounded half up (Brian2 rounds
/// delays to the nearest step): `None` when it is negative, not finite, or
/// longer than [`MAX_DELAY_STEPS`].
///
/// ```
/// use spikejit_runtime::queue::{delay_steps, MAX_DELAY_STEPS};
/// assert_eq!(delay_steps(1.5e-3, 1e-4), Some(15));
/// assert_eq!(delay_steps(1e6, 1e-4), Some(10_000_000_000));
/// assert_eq!(delay_steps(1e300, 1e-4), None);
/// assert_eq!(delay_steps(-1.0, 1e-4), None);
/// assert_eq!(delay_steps(MAX_DELAY_STEPS as f64 * 1e-4, 1e-4), Some(MAX_DELAY_STEPS));
/// ```
pub fn delay_steps(delay: f64, dt: f64) -> Option<u64> {
    let steps = (delay / dt + 0.5).floor();
    // NaN is in no range.
    let ok = (0.0..=f64::MAX).contains(&delay) && (0.0..=MAX_DELAY_STEPS as f64).contains(&steps);
    ok.then_some(steps as u64)
}

/// Synapses grouped by the neuron whose events they receive (CSR).
#[derive(Clone, Debug, Default)]
pub struct BySource {
    /// `offsets[n]..offsets[n+1]` index the synapses of source neuron `n`
    /// (relative) in `synapses`, or are those synapses when `contiguous`.
    pub offsets: Vec<usize>,
    /// Synapse indices (within the pathway's `Synapses` object) grouped by source
    /// neuron (empty when `contiguous`).
    pub synapses: Vec<i32>,
    /// The synapses were made in source order (as `connect` makes them), so
    /// each source's synapses are a range of synapse indices: no list is kept,
    /// which saves 4 bytes per synapse and per pathway.
    pub contiguous: bool,
}

impl BySource {
    /// Groups synapses by `source[s] - start` for sources in `[start, start+n)`,
    /// each group in ascending synapse order. An error, with nothing
    /// allocated for good, when the grouping does not fit in memory.
    pub fn build(source: &[i32], start: usize, n: usize) -> Result<BySource, std::collections::TryReserveError> {
        let mut counts = Vec::new();
        counts.try_reserve_exact(n + 1)?;
        counts.resize(n + 1, 0usize);
        for &s in source {
            let r = s as usize - start;
            counts[r + 1] += 1;
        }
        for k in 0..n {
            counts[k + 1] += counts[k];
        }
        if source.is_sorted() {
            return Ok(BySource {
                offsets: counts,
                synapses: Vec::new(),
                contiguous: true,
            });
        }
        let mut fill = Vec::new();
        fill.try_reserve_exact(n + 1)?;
        fill.extend_from_slice(&counts);
        let mut synapses = Vec::new();
        synapses.try_reserve_exact(source.len())?;
        synapses.resize(source.len(), 0i32);
        for (syn, &s) in source.iter().enumerate() {
            let r = s as usize - start;
            synapses[fill[r]] = syn as i32;
            fill[r] += 1;
        }
        Ok(BySource {
            offsets: counts,
            synapses,
            contiguous: false,
        })
    }

    /// Appends the synapses of source `n` to `out`, in ascending order.
    pub fn extend(&self, n: usize, out: &mut Vec<i32>) {
        let (a, b) = (self.offsets[n], self.offsets[n + 1]);
        if self.contiguous {
            out.extend(a as i32..b as i32);
        } else {
            out.extend_from_slice(&self.synapses[a..b]);
        }
    }

    /// The synapse at position `k` of the grouping (`offsets[n] <= k < offsets[n+1]`
    /// for source `n`).
    #[inline]
    pub fn at(&self, k: usize) -> i32 {
        if self.contiguous { k as i32 } else { self.synapses[k] }
    }
}

/// The delay buckets of one pathway, and its events due beyond them.
#[derive(Clone, Debug)]
pub struct SpikeQueue {
    /// The ring: `buckets[(offset + d) % len]` holds the events delivered `d`
    /// steps from now, for `d < len`.
    buckets: Vec<Vec<i32>>,
    offset: usize,
    /// Steps advanced so far: the step of the current bucket, on the queue's own count.
    now: u64,
    /// Events due `len` or more steps ahead, by the step they are delivered at
    /// (on the count of `now`), each list in delivery order.
    far: BTreeMap<u64, Vec<i32>>,
    /// Emptied lists, reused for the far map's entries.
    spare: Vec<Vec<i32>>,
    /// Per-synapse delay in steps, or empty when all synapses share `homogeneous`.
    delays: Vec<u64>,
    homogeneous: u64,
    /// The longest delay of `delays` and `homogeneous`.
    max_delay: u64,
    /// The shortest delay (`homogeneous` when there are no per-synapse delays).
    min_delay: u64,
    /// The most buckets the ring may have.
    cap: usize,
    /// The clock step the events are binned by, in seconds (0 until
    /// [`SpikeQueue::bin_for`] first sets it).
    dt: f64,
}

impl Default for SpikeQueue {
    fn default() -> Self {
        SpikeQueue::with_ring_cap(RING_CAP)
    }
}

impl SpikeQueue {
    /// An empty queue whose ring has at most `cap` buckets (at least 1); the
    /// default is [`RING_CAP`]. A small cap sends short delays through the
    /// far-future map, which the tests use.
    pub fn with_ring_cap(cap: usize) -> SpikeQueue {
        SpikeQueue {
            buckets: Vec::new(),
            offset: 0,
            now: 0,
            far: BTreeMap::new(),
            spare: Vec::new(),
            delays: Vec::new(),
            homogeneous: 0,
            max_delay: 0,
            min_delay: 0,
            cap: cap.max(1),
            dt: 0.0,
        }
    }

    /// Prepares the queue for a run (delays in steps, each at most
    /// [`MAX_DELAY_STEPS`]); keeps queued events, growing the ring (up to its
    /// cap) if the new delays are longer.
    pub fn prepare(&mut self, delays: Vec<u64>, homogeneous: u64) {
        let max = delays.iter().copied().max().unwrap_or(0).max(homogeneous);
        debug_assert!(max <= MAX_DELAY_STEPS);
        let need = usize::try_from(max).map_or(self.cap, |m| m.saturating_add(1).min(self.cap));
        if self.buckets.len() < need {
            // Re-lay the ring so that existing events keep their distance from `offset`.
            let old = std::mem::take(&mut self.buckets);
            let len = old.len();
            let mut fresh = vec![Vec::new(); need];
            for (k, b) in old.into_iter().enumerate() {
                let dist = (k + len - self.offset) % len.max(1);
                fresh[dist] = b;
            }
            self.buckets = fresh;
            self.offset = 0;
            // Far events the longer ring now reaches move into their (empty) buckets.
            self.take_due();
        }
        self.delays = delays;
        self.homogeneous = homogeneous;
        self.max_delay = max;
        self.min_delay = self.delays.iter().copied().min().unwrap_or(homogeneous);
    }

    /// Moves the far events the ring reaches into their buckets.
    fn take_due(&mut self) {
        let len = self.buckets.len() as u64;
        while let Some(entry) = self.far.first_entry() {
            let d = entry.key().saturating_sub(self.now);
            if d >= len {
                break;
            }
            let events = entry.remove();
            let b = &mut self.buckets[(self.offset + d as usize) % len as usize];
            // The bucket is empty: it was just added or emptied, before any push into it.
            debug_assert!(b.is_empty());
            let emptied = std::mem::replace(b, events);
            self.spare.push(emptied);
        }
    }

    /// Drops the current bucket's events and moves to the next step.
    pub fn advance(&mut self) {
        if self.buckets.is_empty() {
            return;
        }
        self.buckets[self.offset].clear();
        self.offset = (self.offset + 1) % self.buckets.len();
        self.now += 1;
        if !self.far.is_empty() {
            self.take_due();
        }
    }

    /// Queues the synapses of the neurons that emitted events this step.
    pub fn push(&mut self, sources: impl Iterator<Item = usize>, by_source: &BySource) {
        self.push_late(sources, by_source, 0);
    }

    /// Queues the synapses of the neurons that emitted events `lag` steps
    /// ago, each where a push in that step would have put it: `lag` steps
    /// sooner than its delay from now. Pushes in the order their events were
    /// emitted leave every bucket as those pushes would have. Every delay must
    /// be at least `lag` (one shorter would have been delivered already; it
    /// is delivered now).
    pub fn push_late(&mut self, sources: impl Iterator<Item = usize>, by_source: &BySource, lag: u64) {
        let len = self.buckets.len();
        if len == 0 {
            return;
        }
        if self.delays.is_empty() {
            let d = self.homogeneous.saturating_sub(lag);
            if d < len as u64 {
                let b = &mut self.buckets[(self.offset + d as usize) % len];
                for n in sources {
                    by_source.extend(n, b);
                }
            } else {
                let mut sources = sources.peekable();
                if sources.peek().is_some() {
                    let b = far_list(&mut self.far, &mut self.spare, self.now + d);
                    for n in sources {
                        by_source.extend(n, b);
                    }
                }
            }
        } else if self.max_delay < len as u64 {
            for n in sources {
                for k in by_source.offsets[n]..by_source.offsets[n + 1] {
                    let s = by_source.at(k);
                    let d = self.delays[s as usize].saturating_sub(lag) as usize;
                    self.buckets[(self.offset + d) % len].push(s);
                }
            }
        } else {
            for n in sources {
                for k in by_source.offsets[n]..by_source.offsets[n + 1] {
                    let s = by_source.at(k);
                    let d = self.delays[s as usize].saturating_sub(lag);
                    if d < len as u64 {
                        self.buckets[(self.offset + d as usize) % len].push(s);
                    } else {
                        far_list(&mut self.far, &mut self.spare, self.now + d).push(s);
                    }
                }
            }
        }
    }

    /// The shortest delay, in steps, of the synapses the queue was prepared for.
    pub fn min_delay(&self) -> u64 {
        self.min_delay
    }

    /// The synapses whose events are delivered this step, in bucket order.
    pub fn current(&mut self) -> &mut Vec<i32> {
        let o = self.offset;
        &mut self.buckets[o]
    }

    /// True once [`SpikeQueue::prepare`] has sized the ring; an unprepared queue ignores pushes.
    pub fn is_ready(&self) -> bool {
        !self.buckets.is_empty()
    }

    /// The number of buckets of the ring.
    pub fn ring_len(&self) -> usize {
        self.buckets.len()
    }

    /// The events waiting, by how many steps from now they are delivered
    /// (0: the current bucket, delivered this step), ascending, each list in
    /// delivery order; empty steps are left out.
    pub fn pending(&self) -> Vec<(u64, Vec<i32>)> {
        let len = self.buckets.len();
        let mut out: Vec<(u64, Vec<i32>)> = (0..len)
            .map(|d| (d as u64, &self.buckets[(self.offset + d) % len]))
            .filter(|(_, b)| !b.is_empty())
            .map(|(d, b)| (d, b.clone()))
            .collect();
        out.extend(
            self.far
                .iter()
                .filter(|(_, b)| !b.is_empty())
                .map(|(&at, b)| (at - self.now, b.clone())),
        );
        out
    }

    /// A queue holding `events` (as [`SpikeQueue::pending`] lists them: by
    /// distance, ascending, each at most [`MAX_DELAY_STEPS`]), with a ring of
    /// at most `cap` buckets. Its delays are set by the next
    /// [`SpikeQueue::prepare`], as at the start of every run.
    pub fn from_pending(events: &[(u64, Vec<i32>)], cap: usize) -> SpikeQueue {
        let mut q = SpikeQueue::with_ring_cap(cap);
        let Some(&(last, _)) = events.last() else {
            return q;
        };
        q.prepare(Vec::new(), last.min(MAX_DELAY_STEPS));
        let len = q.buckets.len() as u64;
        for (d, bucket) in events {
            let d = (*d).min(MAX_DELAY_STEPS);
            if d < len {
                q.buckets[d as usize].extend_from_slice(bucket);
            } else {
                q.far.entry(d).or_default().extend_from_slice(bucket);
            }
        }
        q.prepare(Vec::new(), 0);
        q
    }

    /// Re-bins the queued events after the clock's dt changed by `factor`
    /// (old dt / new dt), as Brian2's `SpikeQueue.prepare` does: the events
    /// due `k` steps after the next one move to `(k*factor + 0.5)` steps
    /// (rounded down) after it, so that each keeps its delivery time to the
    /// nearest new step (the next step itself stays the next step). Where
    /// Brian2 lets a later row overwrite an earlier one that lands on the
    /// same step, the rows are merged here, in delivery order: no event is
    /// lost. The delays are set by the next [`SpikeQueue::prepare`].
    pub fn rescale(&mut self, factor: f64) {
        let dt = self.dt;
        let mut rows: Vec<(u64, Vec<i32>)> = Vec::new();
        for (d, events) in self.pending() {
            // `d` counts from the current bucket, already delivered: the
            // next step is `d = 1` (Brian2's row 0).
            let moved = if d == 0 {
                0
            } else {
                (1 + ((d - 1) as f64 * factor + 0.5) as u64).min(MAX_DELAY_STEPS)
            };
            match rows.last_mut() {
                Some(last) if last.0 == moved => last.1.extend(events),
                _ => rows.push((moved, events)),
            }
        }
        *self = SpikeQueue::from_pending(&rows, self.cap);
        self.dt = dt;
    }

    /// Bins the queue by the clock step `dt` (seconds), before a run:
    /// [`SpikeQueue::rescale`]s the events queued when they were binned by
    /// another one.
    pub fn bin_for(&mut self, dt: f64) {
        if self.dt > 0.0 && self.dt.to_bits() != dt.to_bits() {
            self.rescale(self.dt / dt);
        }
        self.dt = dt;
    }

    /// The bytes the queue holds on the heap (its lists' capacities): what
    /// the events pending and the ring cost, not the steps of delay.
    pub fn heap_bytes(&self) -> usize {
        let list = std::mem::size_of::<Vec<i32>>();
        let lists = |v: &[Vec<i32>]| v.iter().map(|b| list + 4 * b.capacity()).sum::<usize>();
        lists(&self.buckets)
            + lists(&self.spare)
            + self.far.values().map(|b| list + 8 + 4 * b.capacity()).sum::<usize>()
            + 8 * self.delays.capacity()
    }
}

/// The far map's list of the events delivered at step `at`.
fn far_list<'a>(far: &'a mut BTreeMap<u64, Vec<i32>>, spare: &mut Vec<Vec<i32>>, at: u64) -> &'a mut Vec<i32> {
    far.entry(at).or_insert_with(|| spare.pop().unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_and_order() {
        let pre = [0, 1, 0, 2];
        let by = BySource::build(&pre, 0, 3).expect("memory");
        assert!(!by.contiguous);
        let mut of0 = Vec::new();
        by.extend(0, &mut of0);
        assert_eq!(of0, [0, 2]);
        let mut q = SpikeQueue::default();
        q.prepare(vec![2, 0, 1, 0], 0);
        q.advance();
        q.push([0usize, 1].into_iter(), &by);
        assert_eq!(q.current().as_slice(), &[1]);
        q.advance();
        assert_eq!(q.current().as_slice(), &[2]);
        q.advance();
        assert_eq!(q.current().as_slice(), &[0]);
    }

    /// A change of dt re-bins the queued events to their delivery times
    /// (Brian2's rows counted from the next step): halving the step count
    /// merges neighbouring rows, in order, where Brian2 keeps the later;
    /// a far event moves too.
    #[test]
    fn rescale_keeps_delivery_times_and_every_event() {
        // Events 1, 2 (the next step), 3, 4 (the two after), 6 (twelve after).
        let events = [(1, vec![1, 2]), (2, vec![3]), (3, vec![4]), (13, vec![6])];
        let mut q = SpikeQueue::from_pending(&events, 8);
        q.bin_for(1e-4);
        q.bin_for(2e-4);
        assert_eq!(q.pending(), [(1, vec![1, 2]), (2, vec![3, 4]), (7, vec![6])]);
        q.bin_for(1e-4);
        assert_eq!(q.pending(), [(1, vec![1, 2]), (3, vec![3, 4]), (13, vec![6])]);
    }

    /// Events pushed `lag` steps late, in the order they were emitted, leave
    /// every bucket as pushes in their own steps do, for homogeneous and
    /// per-synapse delays, in the ring and in the far-future map (a ring of
    /// 4 buckets).
    #[test]
    fn late_pushes_deliver_what_pushes_on_time_do() {
        let pre = [0, 1, 2, 0, 1, 2, 0];
        let by = BySource::build(&pre, 0, 3).expect("memory");
        // Each step's emitting sources, for 12 steps.
        let emitted: Vec<Vec<usize>> = (0..12)
            .map(|s| (0..3).filter(|n| (s * 7 + n * 3) % 4 != 0).collect())
            .collect();
        for (delays, homogeneous) in [(vec![], 3u64), (vec![3, 5, 4, 9, 3, 6, 3], 0)] {
            let epoch = 4; // the shortest delay is 3 steps: epochs of 4
            let (mut on_time, mut late) = (SpikeQueue::with_ring_cap(4), SpikeQueue::with_ring_cap(4));
            on_time.prepare(delays.clone(), homogeneous);
            late.prepare(delays.clone(), homogeneous);
            for step in 0..24 {
                on_time.advance();
                late.advance();
                if let Some(sources) = emitted.get(step) {
                    on_time.push(sources.iter().copied(), &by);
                }
                if step % epoch == epoch - 1 {
                    for s in step + 1 - epoch..=step {
                        if let Some(sources) = emitted.get(s) {
                            late.push_late(sources.iter().copied(), &by, (step - s) as u64);
                        }
                    }
                }
                assert_eq!(on_time.current(), late.current(), "step {step}, delays {delays:?}");
            }
        }
    }

    /// Synapses made in source order keep no list: each source's synapses are
    /// a range, pushed as such, with homogeneous and per-synapse delays.
    #[test]
    fn sorted_sources_are_ranges() {
        let pre = [5, 5, 6, 8, 8, 8];
        let by = BySource::build(&pre, 5, 4).expect("memory");
        assert!(by.contiguous && by.synapses.is_empty());
        let of = |n: usize| {
            let mut v = Vec::new();
            by.extend(n, &mut v);
            v
        };
        assert_eq!(
            (of(0), of(1), of(2), of(3)),
            (vec![0, 1], vec![2], vec![], vec![3, 4, 5])
        );
        let mut q = SpikeQueue::default();
        q.prepare(vec![1, 0, 0, 1, 0, 1], 0);
        q.advance();
        q.push([3usize, 0].into_iter(), &by);
        assert_eq!(q.current().as_slice(), &[4, 1]);
        q.advance();
        assert_eq!(q.current().as_slice(), &[3, 5, 0]);
    }

    /// What a queue delivers at each of `steps` steps, pushing
    /// `pushes(step)` (sources) after each advance.
    fn deliveries(
        q: &mut SpikeQueue,
        by: &BySource,
        steps: usize,
        pushes: impl Fn(usize) -> Vec<usize>,
    ) -> Vec<Vec<i32>> {
        (0..steps)
            .map(|step| {
                q.advance();
                q.push(pushes(step).into_iter(), by);
                q.current().clone()
            })
            .collect()
    }

    /// A few sources per step, chosen by a fixed hash of the step.
    fn some_sources(step: usize, n: usize) -> Vec<usize> {
        let h = (step as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 33;
        let mut v: Vec<usize> = (0..n).filter(|k| (h >> k) & 1 == 1).collect();
        v.sort_unstable();
        v
    }

    /// Spikes due beyond the ring wait in the far map and come out at the
    /// same step, in the same order, as through a ring long enough for every
    /// delay: a ring of 4 buckets with delays up to 13, per synapse and
    /// homogeneous, against the default ring.
    #[test]
    fn far_future_spikes_cross_the_ring_boundary_in_order() {
        let pre = [0, 1, 0, 2, 1, 3, 3, 3, 4, 2];
        let by = BySource::build(&pre, 0, 5).expect("memory");
        let delays: Vec<u64> = vec![10, 3, 0, 13, 4, 10, 2, 11, 7, 10];
        let run = |cap: usize, delays: Vec<u64>, homogeneous: u64| {
            let mut q = SpikeQueue::with_ring_cap(cap);
            q.prepare(delays, homogeneous);
            let out = deliveries(
                &mut q,
                &by,
                80,
                |step| if step < 50 { some_sources(step, 5) } else { vec![] },
            );
            (out, q.ring_len())
        };
        let (wide, wide_len) = run(RING_CAP, delays.clone(), 0);
        let (narrow, narrow_len) = run(4, delays.clone(), 0);
        assert_eq!((wide_len, narrow_len), (14, 4));
        assert_eq!(narrow, wide);
        // Events arrive through the far map from several earlier steps into one
        // step (delays 10, 11 and 13 meeting), behind none of the ring's.
        assert!(wide.iter().any(|b| b.len() >= 4));
        assert_eq!(wide.iter().map(Vec::len).sum::<usize>(), {
            let pushed: usize = (0..50)
                .map(|s| {
                    some_sources(s, 5)
                        .iter()
                        .map(|&n| pre.iter().filter(|&&p| p == n as i32).count())
                        .sum::<usize>()
                })
                .sum();
            pushed
        });
        for d in [0, 3, 4, 10] {
            let (wide, _) = run(RING_CAP, Vec::new(), d);
            let (narrow, _) = run(4, Vec::new(), d);
            assert_eq!(narrow, wide, "homogeneous delay {d}");
        }
        // A ring of one bucket: every delay but 0 waits in the map.
        assert_eq!(run(1, delays.clone(), 0).0, wide);
    }

    /// A spike due after 10^10 steps costs one map entry, not a bucket per step.
    #[test]
    fn a_far_delay_costs_memory_per_pending_step_only() {
        let pre = [0, 0, 1];
        let by = BySource::build(&pre, 0, 2).expect("memory");
        let mut q = SpikeQueue::default();
        q.prepare(Vec::new(), 10_000_000_000);
        assert_eq!(q.ring_len(), RING_CAP);
        for step in 0..1000 {
            q.advance();
            q.push([0usize, 1].into_iter().filter(|_| step % 100 == 0), &by);
            assert!(q.current().is_empty());
        }
        let pending = q.pending();
        assert_eq!(pending.len(), 10);
        assert_eq!(pending[0], (10_000_000_000 - 999, vec![0, 1, 2]));
        assert!(q.heap_bytes() < RING_CAP * 24 + 10 * 256, "{} bytes", q.heap_bytes());
        // Rebuilt from its events, the queue delivers them at the same distance.
        let mut r = SpikeQueue::from_pending(&pending, 4);
        r.prepare(Vec::new(), 10_000_000_000);
        assert_eq!(r.pending(), pending);
        assert_eq!(r.ring_len(), 4);
        let mut s = SpikeQueue::from_pending(&[(0, vec![5]), (2, vec![7, 6]), (9, vec![1])], 4);
        s.prepare(Vec::new(), 0);
        let got: Vec<Vec<i32>> = (0..11)
            .map(|_| {
                let b = s.current().clone();
                s.advance();
                b
            })
            .collect();
        let mut want = vec![Vec::new(); 11];
        want[0] = vec![5];
        want[2] = vec![7, 6];
        want[9] = vec![1];
        assert_eq!(got, want);
    }

    #[test]
    fn delay_steps_are_checked() {
        assert_eq!(delay_steps(0.0, 1e-4), Some(0));
        assert_eq!(delay_steps(0.26e-4, 1e-4), Some(0));
        assert_eq!(delay_steps(0.5e-4, 1e-4), Some(1));
        assert_eq!(delay_steps(f64::INFINITY, 1e-4), None);
        assert_eq!(delay_steps(f64::NAN, 1e-4), None);
        assert_eq!(delay_steps(2.0 * MAX_DELAY_STEPS as f64, 1.0), None);
    }
}
