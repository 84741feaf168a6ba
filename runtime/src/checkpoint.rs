//! What a checkpoint needs from the runtime: the state of a random-number
//! stream, and the pending events of a spike queue.
//!
//! A spike queue is read and rebuilt through its public methods only
//! ([`SpikeQueue::current`], [`SpikeQueue::advance`], [`SpikeQueue::prepare`],
//! [`SpikeQueue::push`]): its events are listed by their distance (in steps)
//! from the current bucket, which is all that decides when and in which order
//! they are delivered. The absolute position of the ring (its offset) and its
//! length are not kept: a rebuilt queue delivers the same events at the same
//! steps, in the same order.

use serde::{Deserialize, Serialize};

use crate::Rng;
use crate::queue::{BySource, SpikeQueue};

/// The state of one random-number stream ([`Rng`]): its generator. The cached
/// set-ups of the binomial and Poisson distributions are not part of it (they
/// do not change the numbers drawn).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RngState(rand_pcg::Pcg64Mcg);

impl Rng {
    /// The stream's state: [`Rng::from_state`] gives a stream that draws the
    /// same numbers from here on.
    ///
    /// ```
    /// use spikejit_runtime::Rng;
    /// let mut a = Rng::seed(1, 2);
    /// a.uniform();
    /// let mut b = Rng::from_state(a.state());
    /// assert_eq!(a.uniform().to_bits(), b.uniform().to_bits());
    /// assert_eq!(a.binomial(10, 0.3), b.binomial(10, 0.3));
    /// ```
    pub fn state(&self) -> RngState {
        RngState(self.pcg.clone())
    }

    /// A stream continuing from `state` (see [`Rng::state`]).
    pub fn from_state(state: RngState) -> Rng {
        Rng {
            pcg: state.0,
            binomial: None,
            poisson: None,
        }
    }
}

/// The events a queue holds, by distance from its current bucket: element `d`
/// holds the synapses delivered `d` steps from now (element 0: the bucket of
/// the current step, already delivered when a step has ended), each in
/// delivery order. Trailing empty buckets are left out.
///
/// `ring_bound` must be at least the queue's ring length (the longest delay in
/// steps plus one, over every [`SpikeQueue::prepare`] the queue has seen);
/// reading past the ring only finds empty buckets, so a larger bound is
/// harmless.
pub fn queue_events(queue: &SpikeQueue, ring_bound: usize) -> Vec<Vec<i32>> {
    if !queue.is_ready() {
        return Vec::new();
    }
    let mut q = queue.clone();
    let mut out = Vec::new();
    for _ in 0..ring_bound {
        out.push(std::mem::take(q.current()));
        q.advance();
    }
    while out.last().is_some_and(|b| b.is_empty()) {
        out.pop();
    }
    out
}

/// A queue holding `events` (as [`queue_events`] lists them). Its delays are
/// set by the next [`SpikeQueue::prepare`], as at the start of every run.
pub fn queue_from_events(events: &[Vec<i32>]) -> SpikeQueue {
    let mut q = SpikeQueue::default();
    if events.is_empty() {
        return q;
    }
    q.prepare(Vec::new(), events.len() - 1);
    for (d, bucket) in events.iter().enumerate() {
        if bucket.is_empty() {
            continue;
        }
        // A homogeneous delay of `d` puts what one source pushes `d` buckets ahead.
        q.prepare(Vec::new(), d);
        let one = BySource {
            offsets: vec![0, bucket.len()],
            synapses: bucket.clone(),
            contiguous: false,
        };
        q.push(std::iter::once(0), &one);
    }
    q.prepare(Vec::new(), 0);
    q
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_round_trip() {
        let pre = [0, 1, 0, 2, 1];
        let by = BySource::build(&pre, 0, 3);
        let mut q = SpikeQueue::default();
        q.prepare(vec![3, 0, 1, 3, 2], 0);
        for step in 0..3 {
            q.advance();
            q.push([step % 3, (step + 1) % 3].into_iter(), &by);
        }
        let events = queue_events(&q, 10);
        assert_eq!(events, queue_events(&q, 4));
        let mut r = queue_from_events(&events);
        r.prepare(vec![3, 0, 1, 3, 2], 0);
        for step in 0..8 {
            assert_eq!(q.current(), r.current(), "step {step}");
            q.advance();
            r.advance();
            if step < 2 {
                q.push([step].into_iter(), &by);
                r.push([step].into_iter(), &by);
            }
        }
        assert!(queue_events(&SpikeQueue::default(), 5).is_empty());
    }
}
