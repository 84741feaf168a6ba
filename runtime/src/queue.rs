//! The spike queue of a synaptic pathway (Brian2's `SpikeQueue`, §2.5): a circular
//! array of `max_delay + 1` buckets of synapse indices. A spike is never dropped:
//! the ring is sized for the longest delay when the run starts.

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
        if source.is_sorted() {
            return BySource {
                offsets: counts,
                synapses: Vec::new(),
                contiguous: true,
            };
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
            contiguous: false,
        }
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
                by_source.extend(n, b);
            }
        } else {
            for n in sources {
                for k in by_source.offsets[n]..by_source.offsets[n + 1] {
                    let s = by_source.at(k);
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

    /// Synapses made in source order keep no list: each source's synapses are
    /// a range, pushed as such, with homogeneous and per-synapse delays.
    #[test]
    fn sorted_sources_are_ranges() {
        let pre = [5, 5, 6, 8, 8, 8];
        let by = BySource::build(&pre, 5, 4);
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
}
