//! The spike queue of a synaptic pathway (Brian2's `SpikeQueue`, §2.5): a circular
//! array of `max_delay + 1` buckets of synapse indices. A spike is never dropped:
//! the ring is sized for the longest delay when the run starts.

/// Synapses grouped by the neuron whose events they receive (CSR).
#[derive(Clone, Debug, Default)]
pub struct BySource {
    /// `offsets[n]..offsets[n+1]` are the synapses of source neuron `n` (relative).
    pub offsets: Vec<usize>,
    /// Synapse indices (within the pathway's `Synapses` object), grouped by source neuron.
    pub synapses: Vec<i32>,
}

impl BySource {
    /// Groups synapses by `source[s] - start` for sources in `[start, start+n)`,
    /// each group in ascending synapse order.
    pub fn build(source: &[i32], start: usize, n: usize) -> BySource {
        let mut counts = vec![0usize; n + 1];
        for &s in source {
            let r = s as usize - start;
            counts[r + 1] += 1;
        }
        for k in 0..n {
            counts[k + 1] += counts[k];
        }
        let mut fill = counts.clone();
        let mut synapses = vec![0i32; source.len()];
        for (syn, &s) in source.iter().enumerate() {
            let r = s as usize - start;
            synapses[fill[r]] = syn as i32;
            fill[r] += 1;
        }
        BySource {
            offsets: counts,
            synapses,
        }
    }

    /// The synapses of source neuron `n` (relative to `start` of [`BySource::build`]), ascending.
    pub fn of(&self, n: usize) -> &[i32] {
        &self.synapses[self.offsets[n]..self.offsets[n + 1]]
    }
}

/// The delay buckets of one pathway.
#[derive(Clone, Debug, Default)]
pub struct SpikeQueue {
    buckets: Vec<Vec<i32>>,
    offset: usize,
    /// Per-synapse delay in steps, or empty when all synapses share `homogeneous`.
    delays: Vec<usize>,
    homogeneous: usize,
}

impl SpikeQueue {
    /// Prepares the queue for a run (delays in steps); keeps queued events,
    /// growing the ring if the new delays are longer.
    pub fn prepare(&mut self, delays: Vec<usize>, homogeneous: usize) {
        let max = delays.iter().copied().max().unwrap_or(0).max(homogeneous);
        let need = max + 1;
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
        }
        self.delays = delays;
        self.homogeneous = homogeneous;
    }

    /// Drops the current bucket's events and moves to the next step.
    pub fn advance(&mut self) {
        if self.buckets.is_empty() {
            return;
        }
        self.buckets[self.offset].clear();
        self.offset = (self.offset + 1) % self.buckets.len();
    }

    /// Queues the synapses of the neurons that emitted events this step.
    pub fn push(&mut self, sources: impl Iterator<Item = usize>, by_source: &BySource) {
        let len = self.buckets.len();
        if len == 0 {
            return;
        }
        if self.delays.is_empty() {
            let b = &mut self.buckets[(self.offset + self.homogeneous) % len];
            for n in sources {
                b.extend_from_slice(by_source.of(n));
            }
        } else {
            for n in sources {
                for &s in by_source.of(n) {
                    let d = self.delays[s as usize];
                    self.buckets[(self.offset + d) % len].push(s);
                }
            }
        }
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_and_order() {
        let pre = [0, 1, 0, 2];
        let by = BySource::build(&pre, 0, 3);
        assert_eq!(by.of(0), &[0, 2]);
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
}
