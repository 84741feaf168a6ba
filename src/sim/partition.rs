//! One model over several ranks (issue 17): which neurons a rank integrates,
//! and the collectives it needs from the ranks it runs among.
//!
//! The partition (docs/distributed.md):
//! - each neuron group's neurons are split into contiguous blocks, whole
//!   blocks of [`JUMP_BLOCK`] neurons (so that a `rand() < P` threshold's
//!   jumps, block by block, are the same on any number of ranks), rank `r`
//!   integrating [`owned`]`(n, r, K)` and holding only these neurons' state:
//!   a group's per-neuron arrays are rank-local (`first..end`, see
//!   `sim::arrays::Store`), bound to kernels at a virtual base so that the
//!   group's neuron indices address them (`Network::bind`); a threshold's
//!   event space holds the rank's own events (`owned + 1` entries); shared
//!   variables stay whole. The one-off kernels that may read any
//!   neuron (`connect` conditions, synaptic values from `x_pre`) read whole
//!   copies all-gathered for the call ([`Exchange::all_gather_f64`]);
//! - a synapse lives on the rank of its target neuron (NEST's choice), so that
//!   `on_pre` writes only neurons its rank owns;
//! - a threshold finds the events of the rank's own neurons (what its
//!   resets, monitors and `on_post` pathways read); those of a group that
//!   `on_pre` pathways read are all-gathered once per epoch (the steps of
//!   the shortest delay plus one, [`EventExchange`]), in neuron order, and
//!   pushed into the queues as they would have been in their own steps.
//!
//! A draw is keyed by (seed, stream, step, element) (`spikejit_runtime::rng`),
//! so that a neuron or synapse draws the same numbers on whichever rank holds
//! it, and the outputs are the same for any number of ranks.

use std::ops::Range;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use spikejit_runtime::rng::JUMP_BLOCK;

/// The collectives of the ranks that run one model: every rank calls the same
/// ones in the same order; each puts the ranks' parts in rank order.
pub trait Exchange: Send {
    /// This rank, `0..size()`.
    fn rank(&self) -> usize;
    /// The number of ranks.
    fn size(&self) -> usize;
    /// Every rank's `local`, concatenated in rank order, into `out` (its
    /// allocation reused).
    fn all_gather_i32(&mut self, local: &[i32], out: &mut Vec<i32>);
    /// Every rank's `local`, concatenated in rank order, into `out` (its
    /// allocation reused).
    fn all_gather_f64(&mut self, local: &[f64], out: &mut Vec<f64>);
    /// Every rank's `local` at rank 0, one part a rank; empty elsewhere.
    fn gather_f64(&mut self, local: &[f64]) -> Vec<Vec<f64>>;
    /// Every rank's `local` at rank 0, one part a rank; empty elsewhere.
    fn gather_u64(&mut self, local: &[u64]) -> Vec<Vec<u64>>;
    /// The element-wise sum over the ranks, on every rank.
    fn sum_u64(&mut self, values: &mut [u64]);
    /// The element-wise sum over the lower ranks (0 on rank 0).
    fn exclusive_sum_u64(&mut self, values: &mut [u64]);
    /// The element-wise maximum over the ranks, on every rank.
    fn max_u64(&mut self, values: &mut [u64]);
    /// Whether `flag` holds on any rank.
    fn any(&mut self, flag: bool) -> bool;
    /// The time this rank spent in collectives.
    fn exchange_time(&self) -> Duration;
}

/// The synapses of one synapses object on a partitioned network.
#[derive(Clone, Debug, Default)]
pub(crate) struct GlobalSynapses {
    /// The synapses of all ranks: what one rank alone would hold.
    pub total: u64,
    /// The index, among all ranks' (the order one rank alone would make
    /// them in), of each synapse this rank holds, ascending.
    pub local: Vec<u64>,
    /// The synapses out of each source element over all ranks (a source's
    /// synapses are on the ranks of their targets): `N_outgoing`.
    pub outgoing: Vec<u64>,
}

/// What one rank held and how long it exchanged (`summary.json`'s `ranks`).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct RankSummary {
    /// The rank.
    pub rank: usize,
    /// The neurons it integrated (of every group).
    pub neurons: u64,
    /// The synapses it held.
    pub synapses: u64,
    /// The bytes of the state arrays it held (its own neurons' and synapses'
    /// arrays and event spaces, each group's shared variables).
    pub array_bytes: u64,
    /// Its process's peak resident memory, in bytes (0 where unknown).
    pub peak_memory_bytes: u64,
    /// Seconds in collectives (the events of each epoch, the agreement to
    /// stop, connect's agreement), before the outputs were gathered.
    pub exchange_seconds: f64,
    /// The steps at whose end the ranks exchanged events (one per epoch,
    /// and the last step of each run).
    pub exchange_steps: u64,
    /// The longest epoch of a run, in steps: the shortest delay of an
    /// `on_pre` pathway, in steps, plus one (1: an exchange every step).
    pub epoch_steps: u64,
}

/// Whether `e` is the error of a rank that stopped because another failed.
pub fn is_failed_elsewhere(e: &crate::diag::Errors) -> bool {
    !e.0.is_empty() && e.0.iter().all(|d| d.code == FAILED_ELSEWHERE)
}

/// The code of the error a rank returns when another rank failed: the rank
/// that found the failure reports it; the others exit non-zero without
/// repeating it.
pub const FAILED_ELSEWHERE: &str = "failed-on-another-rank";

/// The error of a rank whose run stopped because another rank failed.
pub(crate) fn failed_elsewhere() -> crate::diag::Errors {
    crate::diag::Errors::one(crate::diag::Diagnostic::new(
        FAILED_ELSEWHERE,
        "another rank failed (it reports the error)",
    ))
}

/// The neurons of a group of `n` that rank `rank` of `size` integrates:
/// contiguous, whole blocks of [`JUMP_BLOCK`] (the last one possibly short),
/// the first ranks one block more when the blocks do not divide evenly.
pub fn owned(n: usize, rank: usize, size: usize) -> Range<usize> {
    let blocks = n.div_ceil(JUMP_BLOCK);
    let (base, extra) = (blocks / size, blocks % size);
    let first = rank * base + rank.min(extra);
    let count = base + usize::from(rank < extra);
    (first * JUMP_BLOCK).min(n)..((first + count) * JUMP_BLOCK).min(n)
}

/// The rank that owns element `i` of a group of `n` (see [`owned`]).
pub fn owner(i: usize, n: usize, size: usize) -> usize {
    let blocks = n.div_ceil(JUMP_BLOCK);
    let block = i / JUMP_BLOCK;
    let (base, extra) = (blocks / size, blocks % size);
    // The first `extra` ranks hold base + 1 blocks each.
    let big = extra * (base + 1);
    if block < big {
        block / (base + 1)
    } else {
        // No block past the first `extra` ranks' when there are fewer
        // blocks than ranks (base 0): a neuron past the end is the last rank's.
        (block - big).checked_div(base).map_or(size - 1, |k| extra + k)
    }
}

/// A threshold's events on a partitioned network, exchanged once per epoch.
///
/// The threshold's kernel writes this rank's events into the group's event
/// space (its resets, monitors and `on_post` pathways read them there, and
/// nothing else: they concern only the rank's own neurons).
/// [`EventExchange::record`] keeps each call's events until the epoch's last
/// step, when [`EventExchange::exchange`] all-gathers every rank's: then
/// [`EventExchange::call`] gives, for each call of the epoch, the events of
/// all ranks in rank order, that is in element order, as one rank's threshold
/// would have found them. The `on_pre` pathways push them into their queues,
/// each call's with the lag since it was made (see `SpikeQueue::push_late`).
#[derive(Clone, Debug)]
pub(crate) struct EventExchange {
    /// The group and the event (the key the pathways find it by).
    pub group: usize,
    pub event: String,
    /// This epoch's calls so far: for each, its count, then its events.
    own: Vec<i32>,
    /// The calls recorded in `own`.
    calls: usize,
    /// The last exchange's events of all ranks, call after call.
    events: Vec<i32>,
    /// Where each call's events start in `events` (one more entry than calls).
    starts: Vec<usize>,
    /// The last exchange as every rank sent it (reused from epoch to epoch).
    gathered: Vec<i32>,
    /// Where each rank's part of each call is in `gathered`: (start, len),
    /// rank after rank (reused).
    parts: Vec<(usize, usize)>,
    /// The step of the last exchange (`None` before the first).
    pub exchanged_at: Option<i64>,
}

impl EventExchange {
    pub(crate) fn new(group: usize, event: &str) -> EventExchange {
        EventExchange {
            group,
            event: event.to_string(),
            own: Vec::new(),
            calls: 0,
            events: Vec::new(),
            starts: vec![0],
            gathered: Vec::new(),
            parts: Vec::new(),
            exchanged_at: None,
        }
    }

    /// Keeps this call's events of this rank (`own`, from the group's event space).
    pub(crate) fn record(&mut self, own: &[i32]) {
        self.own.push(own.len() as i32);
        self.own.extend_from_slice(own);
        self.calls += 1;
    }

    /// Every rank's events of the calls recorded since the last exchange, at
    /// step `step`: afterwards [`EventExchange::calls`] and
    /// [`EventExchange::call`] give them, and the next epoch starts empty.
    pub(crate) fn exchange(&mut self, ranks: &mut dyn Exchange, step: i64) {
        ranks.all_gather_i32(&self.own, &mut self.gathered);
        let calls = self.calls;
        // Every rank sent `calls` records: (count, events) each.
        self.parts.clear();
        let mut at = 0;
        while calls > 0 && at < self.gathered.len() {
            // A record: its count, then its events.
            let count = self.gathered[at].max(0) as usize;
            let start = at + 1;
            let len = count.min(self.gathered.len() - start);
            self.parts.push((start, len));
            at = start + len;
        }
        let ranks_seen = self.parts.len().checked_div(calls).unwrap_or(0);
        self.events.clear();
        self.starts.clear();
        self.starts.push(0);
        for c in 0..calls {
            for r in 0..ranks_seen {
                let (start, len) = self.parts[r * calls + c];
                self.events.extend_from_slice(&self.gathered[start..start + len]);
            }
            self.starts.push(self.events.len());
        }
        self.own.clear();
        self.calls = 0;
        self.exchanged_at = Some(step);
    }

    /// The calls of the last exchange.
    #[inline]
    pub(crate) fn calls(&self) -> usize {
        self.starts.len() - 1
    }

    /// The events of all ranks of call `c` of the last exchange, in element order.
    #[inline]
    pub(crate) fn call(&self, c: usize) -> &[i32] {
        &self.events[self.starts[c]..self.starts[c + 1]]
    }
}

/// The first array of a neuron group that kernel `k` (its arrays bound to
/// `bindings`) loads or stores at an index read from a synapses object's
/// `_pre` array (directly, or through locals assigned from it), with that
/// synapses object: what a rank cannot do when the source neuron may be
/// another rank's. `is_synapses` tells which objects are synapses.
pub(crate) fn presynaptic_access(
    k: &crate::ir::Kernel,
    bindings: &[crate::model::scope::ArrayKey],
    is_synapses: &dyn Fn(usize) -> bool,
) -> Option<(usize, crate::model::scope::ArrayKey)> {
    use crate::ir::{Expr, Stmt};
    use std::collections::HashSet;
    let pre: HashSet<usize> = bindings
        .iter()
        .enumerate()
        .filter(|(_, b)| b.var == "_pre" && is_synapses(b.object))
        .map(|(n, _)| n)
        .collect();
    if pre.is_empty() {
        return None;
    }
    let neuron_array = |a: usize| {
        bindings
            .get(a)
            .filter(|b| !is_synapses(b.object) && !b.var.starts_with('@'))
    };
    let syn_of = || {
        bindings
            .iter()
            .find(|b| b.var == "_pre" && is_synapses(b.object))
            .map(|b| b.object)
    };
    // Whether `e` holds a presynaptic index (reads `_pre`, or a local that does).
    fn presynaptic(e: &Expr, pre: &HashSet<usize>, tainted: &HashSet<usize>) -> bool {
        let mut found = false;
        crate::ir::fuse::walk_expr(e, &mut |x| match x {
            Expr::Load(a, _) if pre.contains(a) => found = true,
            Expr::Local(l) if tainted.contains(l) => found = true,
            _ => {}
        });
        found
    }
    let mut tainted: HashSet<usize> = HashSet::new();
    let mut hit: Option<usize> = None;
    // Assignments first (to a fixed point: loops may assign after use), then accesses.
    loop {
        let before = tainted.len();
        crate::ir::fuse::walk_stmts(&k.body, &mut |s| {
            if let Stmt::Assign(l, e) = s
                && presynaptic(e, &pre, &tainted)
            {
                tainted.insert(*l);
            }
        });
        if tainted.len() == before {
            break;
        }
    }
    crate::ir::fuse::walk_stmts(&k.body, &mut |s| {
        if let Stmt::Store { array, index, .. } = s
            && neuron_array(*array).is_some()
            && presynaptic(index, &pre, &tainted)
        {
            hit.get_or_insert(*array);
        }
        let mut check = |e: &Expr| {
            crate::ir::fuse::walk_expr(e, &mut |x| {
                if let Expr::Load(a, i) = x
                    && neuron_array(*a).is_some()
                    && presynaptic(i, &pre, &tainted)
                {
                    hit.get_or_insert(*a);
                }
            })
        };
        match s {
            Stmt::Store { index, value, .. } => {
                check(index);
                check(value);
            }
            Stmt::Assign(_, e) | Stmt::Eval(e) => check(e),
            Stmt::If { cond, .. } | Stmt::While { cond, .. } => check(cond),
            Stmt::For { start, end, .. } => {
                check(start);
                check(end);
            }
        }
    });
    let a = hit?;
    Some((syn_of()?, bindings[a].clone()))
}

/// The ranks of `mpirun` ([`crate::dist::Ranks`]) as an [`Exchange`], with the
/// buffers its collectives reuse from step to step (a step's all-gather of
/// events allocates nothing once they have grown).
pub struct MpiExchange {
    ranks: crate::dist::Ranks,
    indices: Vec<u32>,
    gathered: crate::dist::Gathered<u32>,
}

impl MpiExchange {
    /// The exchange over `ranks`.
    pub fn new(ranks: crate::dist::Ranks) -> MpiExchange {
        MpiExchange {
            ranks,
            indices: Vec::new(),
            gathered: crate::dist::Gathered::new(),
        }
    }
}

impl Exchange for MpiExchange {
    fn rank(&self) -> usize {
        self.ranks.rank()
    }

    fn size(&self) -> usize {
        self.ranks.size()
    }

    fn all_gather_i32(&mut self, local: &[i32], out: &mut Vec<i32>) {
        // Event indices are never negative: moved as u32.
        self.indices.clear();
        self.indices.extend(local.iter().map(|&x| x as u32));
        self.ranks.all_gather(&self.indices, &mut self.gathered);
        out.clear();
        out.extend(self.gathered.values().iter().map(|&x| x as i32));
    }

    fn all_gather_f64(&mut self, local: &[f64], out: &mut Vec<f64>) {
        let mut g = crate::dist::Gathered::new();
        self.ranks.all_gather(local, &mut g);
        out.clear();
        out.extend_from_slice(g.values());
    }

    fn gather_f64(&mut self, local: &[f64]) -> Vec<Vec<f64>> {
        let mut g = crate::dist::Gathered::new();
        self.ranks.gather_to_root(local, &mut g);
        if self.ranks.rank() != 0 {
            return Vec::new();
        }
        (0..g.parts()).map(|r| g.part(r).to_vec()).collect()
    }

    fn gather_u64(&mut self, local: &[u64]) -> Vec<Vec<u64>> {
        let mut g = crate::dist::Gathered::new();
        self.ranks.gather_to_root(local, &mut g);
        if self.ranks.rank() != 0 {
            return Vec::new();
        }
        (0..g.parts()).map(|r| g.part(r).to_vec()).collect()
    }

    fn sum_u64(&mut self, values: &mut [u64]) {
        self.ranks.sum_u64(values);
    }

    fn exclusive_sum_u64(&mut self, values: &mut [u64]) {
        self.ranks.exclusive_sum_u64(values);
    }

    fn max_u64(&mut self, values: &mut [u64]) {
        self.ranks.max_u64(values);
    }

    fn any(&mut self, flag: bool) -> bool {
        let mut v = [u64::from(flag)];
        self.ranks.max_u64(&mut v);
        v[0] != 0
    }

    fn exchange_time(&self) -> Duration {
        self.ranks.exchange_time()
    }
}

/// Ranks that are threads of one process: the same partitioned run as under
/// `mpirun`, without MPI (tests; a machine without MPI). [`LocalRanks::new`]
/// gives one handle a rank; each is moved to its own thread.
pub struct LocalRanks {
    rank: usize,
    shared: Arc<Shared>,
    time: Duration,
}

struct Shared {
    size: usize,
    rounds: Mutex<Rounds>,
    done: Condvar,
}

/// The collectives' rendezvous: each round, every rank puts its part and
/// waits until all have; the last one to arrive publishes the round.
struct Rounds {
    parts: Vec<Vec<u8>>,
    arrived: usize,
    /// Rounds completed so far.
    generation: u64,
    /// The parts of the last completed round, in rank order.
    published: Arc<Vec<Vec<u8>>>,
    /// A rank's handle was dropped (its thread returned or panicked): a
    /// round it does not join would never complete, so the ranks waiting for
    /// one panic instead of waiting forever.
    left: bool,
}

impl LocalRanks {
    /// `size` ranks (at least 1), one handle each, in rank order.
    pub fn new(size: usize) -> Vec<LocalRanks> {
        let size = size.max(1);
        let shared = Arc::new(Shared {
            size,
            rounds: Mutex::new(Rounds {
                parts: vec![Vec::new(); size],
                arrived: 0,
                generation: 0,
                published: Arc::new(Vec::new()),
                left: false,
            }),
            done: Condvar::new(),
        });
        (0..size)
            .map(|rank| LocalRanks {
                rank,
                shared: shared.clone(),
                time: Duration::ZERO,
            })
            .collect()
    }

    /// Every rank's bytes, in rank order, on every rank.
    fn round(&mut self, bytes: Vec<u8>) -> Vec<Vec<u8>> {
        let start = Instant::now();
        let shared = &self.shared;
        let mut r = shared.rounds.lock().unwrap_or_else(|p| p.into_inner());
        assert!(!r.left, "rank {}: another rank left before this collective", self.rank);
        r.parts[self.rank] = bytes;
        r.arrived += 1;
        let generation = r.generation;
        if r.arrived == shared.size {
            r.arrived = 0;
            r.generation += 1;
            r.published = Arc::new(std::mem::replace(&mut r.parts, vec![Vec::new(); shared.size]));
            shared.done.notify_all();
        } else {
            while r.generation == generation {
                assert!(!r.left, "rank {}: another rank left during a collective", self.rank);
                r = shared.done.wait(r).unwrap_or_else(|p| p.into_inner());
            }
        }
        // Complete rounds are published in order, and the next one cannot
        // complete before this rank joins it.
        let all = r.published.as_ref().clone();
        drop(r);
        self.time += start.elapsed();
        all
    }
}

impl Drop for LocalRanks {
    fn drop(&mut self) {
        let mut r = self.shared.rounds.lock().unwrap_or_else(|p| p.into_inner());
        r.left = true;
        self.shared.done.notify_all();
    }
}

impl LocalRanks {
    /// Every rank's `local`, one part a rank, on every rank.
    fn all_u64(&mut self, local: &[u64]) -> Vec<Vec<u64>> {
        let all = self.round(to_bytes(local, u64::to_le_bytes));
        all.iter().map(|p| from_bytes(p, u64::from_le_bytes)).collect()
    }

    /// Every rank's `local`, one part a rank, on every rank.
    fn all_f64(&mut self, local: &[f64]) -> Vec<Vec<f64>> {
        let all = self.round(to_bytes(local, f64::to_le_bytes));
        all.iter().map(|p| from_bytes(p, f64::from_le_bytes)).collect()
    }
}

/// `values` made the element-wise `op` of `parts` (0 where there are none).
fn fold_into(values: &mut [u64], parts: &[Vec<u64>], op: fn(u64, u64) -> u64) {
    values.fill(0);
    for part in parts {
        for (v, &x) in values.iter_mut().zip(part) {
            *v = op(*v, x);
        }
    }
}

fn to_bytes<T: Copy, const W: usize>(v: &[T], f: impl Fn(T) -> [u8; W]) -> Vec<u8> {
    v.iter().flat_map(|&x| f(x)).collect()
}

fn from_bytes<T, const W: usize>(b: &[u8], f: impl Fn([u8; W]) -> T) -> Vec<T> {
    b.chunks_exact(W)
        .map(|c| {
            let mut a = [0u8; W];
            a.copy_from_slice(c);
            f(a)
        })
        .collect()
}

impl Exchange for LocalRanks {
    fn rank(&self) -> usize {
        self.rank
    }

    fn size(&self) -> usize {
        self.shared.size
    }

    fn all_gather_i32(&mut self, local: &[i32], out: &mut Vec<i32>) {
        let all = self.round(to_bytes(local, i32::to_le_bytes));
        out.clear();
        for part in all {
            out.extend(from_bytes(&part, i32::from_le_bytes));
        }
    }

    fn all_gather_f64(&mut self, local: &[f64], out: &mut Vec<f64>) {
        out.clear();
        for part in self.all_f64(local) {
            out.extend(part);
        }
    }

    fn gather_f64(&mut self, local: &[f64]) -> Vec<Vec<f64>> {
        let all = self.all_f64(local);
        if self.rank != 0 {
            return Vec::new();
        }
        all
    }

    fn gather_u64(&mut self, local: &[u64]) -> Vec<Vec<u64>> {
        let all = self.all_u64(local);
        if self.rank != 0 {
            return Vec::new();
        }
        all
    }

    fn sum_u64(&mut self, values: &mut [u64]) {
        let all = self.all_u64(values);
        fold_into(values, &all, u64::wrapping_add);
    }

    fn exclusive_sum_u64(&mut self, values: &mut [u64]) {
        let all = self.all_u64(values);
        fold_into(values, &all[..self.rank], u64::wrapping_add);
    }

    fn max_u64(&mut self, values: &mut [u64]) {
        let all = self.all_u64(values);
        fold_into(values, &all, u64::max);
    }

    fn any(&mut self, flag: bool) -> bool {
        self.round(vec![u8::from(flag)]).iter().any(|p| p.first() == Some(&1))
    }

    fn exchange_time(&self) -> Duration {
        self.time
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owned_blocks_cover_the_group_once_and_owner_agrees() {
        for n in [0, 1, 63, 64, 65, 200, 1000, 4000, 64 * 7 + 3] {
            for size in 1..=9 {
                let mut next = 0;
                for rank in 0..size {
                    let r = owned(n, rank, size);
                    assert_eq!(r.start, next, "n {n} size {size} rank {rank}");
                    assert!(r.start.is_multiple_of(JUMP_BLOCK) || r.start == n);
                    for i in r.clone() {
                        assert_eq!(owner(i, n, size), rank, "n {n} size {size} i {i}");
                    }
                    next = r.end;
                }
                assert_eq!(next, n);
            }
        }
    }

    #[test]
    fn local_ranks_gather_in_rank_order() {
        let handles = LocalRanks::new(3);
        let results: Vec<_> = std::thread::scope(|s| {
            let joins: Vec<_> = handles
                .into_iter()
                .map(|mut h| {
                    s.spawn(move || {
                        let r = h.rank();
                        let local: Vec<i32> = (0..=r as i32).map(|k| 100 * r as i32 + k).collect();
                        let mut all = Vec::new();
                        h.all_gather_i32(&local, &mut all);
                        let mut sums = [r as u64 + 1, 10];
                        h.sum_u64(&mut sums);
                        let mut below = [r as u64 + 1];
                        h.exclusive_sum_u64(&mut below);
                        let gathered = h.gather_f64(&[r as f64; 2]);
                        let mut every = Vec::new();
                        h.all_gather_f64(&vec![r as f64 + 0.5; r], &mut every);
                        assert_eq!(every, [1.5, 2.5, 2.5]);
                        let any = h.any(r == 2);
                        let mut most = [r as u64, 7 - r as u64];
                        h.max_u64(&mut most);
                        assert_eq!(most, [2, 7]);
                        (all, sums, below, gathered, any)
                    })
                })
                .collect();
            joins.into_iter().map(|j| j.join().expect("rank thread")).collect()
        });
        for (r, (all, sums, below, gathered, any)) in results.into_iter().enumerate() {
            assert_eq!(all, [0, 100, 101, 200, 201, 202]);
            assert_eq!(sums, [6, 30]);
            assert_eq!(below, [[0], [1], [3]][r]);
            if r == 0 {
                assert_eq!(gathered, [vec![0.0; 2], vec![1.0; 2], vec![2.0; 2]]);
            } else {
                assert!(gathered.is_empty());
            }
            assert!(any);
        }
    }
}
