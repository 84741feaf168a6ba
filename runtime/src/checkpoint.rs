//! What a checkpoint needs from the runtime: the state of a random-number
//! stream, and the pending events of a spike queue.
//!
//! A spike queue's events are listed by their distance (in steps) from the
//! current bucket, which is all that decides when and in which order they are
//! delivered ([`SpikeQueue::pending`]). The absolute position of the ring (its
//! offset), its length and how events far ahead wait are not kept: a rebuilt
//! queue ([`SpikeQueue::from_pending`]) delivers the same events at the same
//! steps, in the same order.

use serde::{Deserialize, Serialize};

use crate::Rng;
use crate::queue::{RING_CAP, SpikeQueue};

/// The state of one random-number stream ([`Rng`]): its two generators and
/// its keys. The cached set-ups of the binomial and Poisson distributions are
/// not part of it (they do not change the numbers drawn).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RngState {
    pcg: rand_pcg::Pcg64Mcg,
    jumps: rand_pcg::Pcg64Mcg,
    key: u64,
    step_key: u64,
}

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
        RngState {
            pcg: self.pcg.clone(),
            jumps: self.jumps.clone(),
            key: self.key,
            step_key: self.step_key,
        }
    }

    /// A stream continuing from `state` (see [`Rng::state`]).
    pub fn from_state(state: RngState) -> Rng {
        Rng {
            pcg: state.pcg,
            jumps: state.jumps,
            key: state.key,
            step_key: state.step_key,
            map: None,
            next: i64::MIN,
            runs: true,
            binomial: None,
            poisson: None,
        }
    }
}

/// The events a queue holds, by distance from its current bucket: `(d, list)`
/// holds the synapses delivered `d` steps from now (`d = 0`: the bucket of
/// the current step, already delivered when a step has ended), in delivery
/// order, ascending in `d`; steps without events are left out, so that a
/// spike due in 10^10 steps is one entry.
pub fn queue_events(queue: &SpikeQueue) -> Vec<(u64, Vec<i32>)> {
    queue.pending()
}

/// A queue holding `events` (as [`queue_events`] lists them). Its delays are
/// set by the next [`SpikeQueue::prepare`], as at the start of every run.
pub fn queue_from_events(events: &[(u64, Vec<i32>)]) -> SpikeQueue {
    SpikeQueue::from_pending(events, RING_CAP)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::queue::BySource;

    #[test]
    fn queue_round_trip() {
        let pre = [0, 1, 0, 2, 1];
        let by = BySource::build(&pre, 0, 3).expect("memory");
        let mut q = SpikeQueue::default();
        q.prepare(vec![3, 0, 1, 3, 2], 0);
        for step in 0..3 {
            q.advance();
            q.push([step % 3, (step + 1) % 3].into_iter(), &by);
        }
        let events = queue_events(&q);
        assert_eq!(events.iter().map(|e| e.0).collect::<Vec<_>>(), [0, 1, 2, 3]);
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
        assert!(queue_events(&SpikeQueue::default()).is_empty());
    }
}
