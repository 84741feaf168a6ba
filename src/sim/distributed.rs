//! What a network does as one of several ranks, beyond its run loop: the
//! code it refuses (reads of another rank's neurons), the columns of a state
//! monitor it records, and what rank 0 gathers for the outputs: the state of
//! the neurons each rank owns, every rank's synapses in their order among all
//! ranks', the columns of the state monitors and the values the spike
//! monitors took from the neurons' owners. Afterwards rank 0's network holds
//! what one rank alone would hold, and writes the outputs as it would.

use super::arrays::{Array, ArrayExt};
use super::network::Network;
use super::objects::Object;
use super::partition::Exchange;
use crate::diag::Result;
use crate::model::equations::VarFlag;
use crate::model::scope::ArrayKey;

impl Network {
    /// The columns of a state monitor of `source` recording `indices` (of the
    /// source, `offset` its first element in its group) that this rank
    /// records, and the elements they read: all of them when it runs alone;
    /// on a partitioned network, the neurons it owns, or the synapses it
    /// holds (as their index among its own).
    pub(crate) fn owned_columns(&self, source: usize, indices: &[usize], offset: usize) -> (Vec<usize>, Vec<i32>) {
        let all = || {
            (
                (0..indices.len()).collect(),
                indices.iter().map(|&k| (k + offset) as i32).collect(),
            )
        };
        if self.ranks.is_none() {
            return all();
        }
        let mut columns = Vec::new();
        let mut local = Vec::new();
        match self.objects.get(source) {
            Some(Object::Synapses(_)) => {
                let held = self.global_synapses.get(&source).map_or(&[][..], |g| &g.local[..]);
                for (c, &k) in indices.iter().enumerate() {
                    if let Ok(pos) = held.binary_search(&(k as u64)) {
                        columns.push(c);
                        local.push(pos as i32);
                    }
                }
            }
            _ => {
                let Ok(range) = self.range(super::spec::Handle(source)) else {
                    return all();
                };
                let owned = self.owned(self.group(range.group).n);
                for (c, &k) in indices.iter().enumerate() {
                    if owned.contains(&(k + offset)) {
                        columns.push(c);
                        local.push((k + offset) as i32);
                    }
                }
            }
        }
        (columns, local)
    }

    /// On a partitioned network, gathers to rank 0 what the outputs read
    /// (see the module's text): the recordings of the monitors, and with
    /// `state` the state of every neuron and synapse (for `--dump-state`;
    /// without it, rank 0 never holds all synapses). Every rank must call it,
    /// after its last run. Rank 0's network then holds the whole model's
    /// recordings (and state); it is not run again. The other ranks' are left
    /// as they were. One rank: nothing to do.
    pub fn gather_to_root(&mut self, state: bool) {
        let Some(mut ranks) = self.ranks.take() else { return };
        if state {
            self.gather_groups(ranks.as_mut());
            self.gather_synapses(ranks.as_mut());
        }
        self.gather_state_monitors(ranks.as_mut());
        self.gather_spike_monitors(ranks.as_mut());
        self.gather_rate_monitors(ranks.as_mut());
        self.gather_spike_counts(ranks.as_mut());
        let mut events = [self.stats.synaptic_events];
        ranks.sum_u64(&mut events);
        self.stats.synaptic_events = events[0];
        self.gathered = state;
        self.ranks = Some(ranks);
    }

    /// `r`, once the ranks agree: on several ranks, an `Ok` becomes the
    /// error of a rank that stopped because another failed when any did, so
    /// that all go on, or stop, together (no rank waits in an exchange the
    /// others left). One rank: `r`.
    pub fn agree<T>(&mut self, r: Result<T>) -> Result<T> {
        let failed = r.is_err();
        if self.any_rank(failed) && !failed {
            return Err(super::partition::failed_elsewhere());
        }
        r
    }

    /// Whether `flag` holds on any rank (every rank must call it); `flag`
    /// on one rank.
    pub fn any_rank(&mut self, flag: bool) -> bool {
        match self.ranks.as_mut() {
            Some(ranks) => ranks.any(flag),
            None => flag,
        }
    }

    /// The ranks this network runs among, taken from it (it runs alone after).
    pub fn take_ranks(&mut self) -> Option<Box<dyn Exchange>> {
        self.ranks.take()
    }

    /// What each rank held and the time it spent exchanging, at rank 0 (an
    /// empty list elsewhere and on one rank); every rank must call it.
    pub fn rank_summaries(&mut self, peak_memory_bytes: Option<u64>) -> Vec<super::partition::RankSummary> {
        let Some(mut ranks) = self.ranks.take() else {
            return Vec::new();
        };
        let (rank, size) = (ranks.rank(), ranks.size());
        let neurons: usize = self
            .objects
            .iter()
            .filter_map(|o| match o {
                Object::Group(g) => Some(super::partition::owned(g.n, rank, size).len()),
                _ => None,
            })
            .sum();
        let synapses: usize = self.global_synapses.values().map(|g| g.local.len()).sum();
        let bytes: usize = self.store.arrays.values().map(|a| a.len() * a.elem_bytes()).sum();
        let mine = [
            neurons as f64,
            synapses as f64,
            bytes as f64,
            peak_memory_bytes.unwrap_or(0) as f64,
            ranks.exchange_time().as_secs_f64(),
            self.stats.exchange_steps as f64,
            self.stats.longest_epoch as f64,
        ];
        let all = ranks.gather_f64(&mine);
        self.ranks = Some(ranks);
        all.iter()
            .enumerate()
            .map(|(rank, v)| super::partition::RankSummary {
                rank,
                neurons: v[0] as u64,
                synapses: v[1] as u64,
                array_bytes: v[2] as u64,
                peak_memory_bytes: v[3] as u64,
                exchange_seconds: v[4],
                exchange_steps: v.get(5).map_or(0, |&x| x as u64),
                epoch_steps: v.get(6).map_or(0, |&x| x as u64),
            })
            .collect()
    }

    /// The keys of the arrays of object `id` for which `keep` holds, in one
    /// order on every rank.
    fn sorted_keys(&self, id: usize, keep: impl Fn(&ArrayKey) -> bool) -> Vec<ArrayKey> {
        let mut keys: Vec<ArrayKey> = self
            .store
            .arrays
            .keys()
            .filter(|k| k.object == id && keep(k))
            .cloned()
            .collect();
        keys.sort_by(|a, b| a.var.cmp(&b.var));
        keys
    }

    /// Each group's per-neuron arrays (rank-local): every rank's to rank 0,
    /// whose arrays become whole.
    fn gather_groups(&mut self, ranks: &mut dyn Exchange) {
        for id in 0..self.objects.len() {
            if !matches!(self.objects.get(id), Some(Object::Group(_))) {
                continue;
            }
            let keys = self.sorted_keys(id, |k| self.store.first.contains_key(k));
            for key in keys {
                let Some(a) = self.store.get(&key) else { continue };
                // Ranks hold their neurons in rank order, which is neuron order.
                let parts = ranks.gather_f64(&a.to_f64());
                if ranks.rank() != 0 {
                    continue;
                }
                let whole = whole_array(a.elem(), &parts.concat());
                self.store.first.remove(&key);
                self.store.insert(key, whole);
            }
        }
    }

    /// Runs `f` with each rank-local array that kernel `k` reads and does
    /// not write bound to a whole copy, gathered from every rank, and the
    /// rank's own arrays back after: for the one-off kernels that may read
    /// any neuron of a group (a `connect` condition or a synapse's value
    /// reading `x_pre`, or `x_post` of another rank's candidate). Every rank
    /// must call it with the same kernel (as every rank makes the same
    /// connects and sets). One rank, or no such array: `f` alone.
    pub(crate) fn with_whole_arrays<T>(
        &mut self,
        k: &super::exec::Prepared,
        f: impl FnOnce(&mut Network, &super::exec::Prepared) -> T,
    ) -> T {
        let (mut loaded, mut stored) = (Vec::new(), Vec::new());
        crate::ir::fuse::walk_block(
            &k.kernel.body,
            &mut |e| {
                crate::ir::fuse::walk_expr(e, &mut |x| {
                    if let crate::ir::Expr::Load(a, _) = x {
                        loaded.push(*a);
                    }
                })
            },
            &mut |a, _| stored.push(a),
        );
        let mut keys: Vec<ArrayKey> = Vec::new();
        for (a, key) in k.bindings.iter().enumerate() {
            if loaded.contains(&a) && !stored.contains(&a) && self.store.first.contains_key(key) && !keys.contains(key)
            {
                keys.push(key.clone());
            }
        }
        if keys.is_empty() {
            return f(self, k);
        }
        let Some(mut ranks) = self.ranks.take() else {
            return f(self, k);
        };
        let mut own = Vec::new();
        let mut values = Vec::new();
        for key in keys {
            let Some(a) = self.store.get(&key) else { continue };
            ranks.all_gather_f64(&a.to_f64(), &mut values);
            let whole = whole_array(a.elem(), &values);
            let first = self.store.first.remove(&key).unwrap_or(0);
            if let Some(local) = self.store.arrays.insert(key.clone(), whole) {
                own.push((key, first, local));
            }
        }
        self.ranks = Some(ranks);
        // On the interpreter, which checks a rank's arrays against the
        // neurons it holds, the whole copies hold every neuron.
        let mut whole_kernel = None;
        if let crate::codegen::Executable::Interpreted(ir) = &k.exe {
            let mut ir = (**ir).clone();
            for (a, key) in k.bindings.iter().enumerate() {
                if own.iter().any(|(o, _, _)| o == key)
                    && let Some(decl) = ir.arrays.get_mut(a)
                {
                    decl.held = None;
                }
            }
            whole_kernel = Some(super::exec::Prepared {
                exe: crate::codegen::Executable::Interpreted(std::sync::Arc::new(ir)),
                ..k.clone()
            });
        }
        let out = f(self, whole_kernel.as_ref().unwrap_or(k));
        for (key, first, local) in own {
            self.store.insert_local(key, first, local);
        }
        out
    }

    /// Each synapses object's per-synapse arrays: rank 0's become those of all
    /// synapses, in their order among all ranks'.
    fn gather_synapses(&mut self, ranks: &mut dyn Exchange) {
        for id in 0..self.objects.len() {
            let Some(Object::Synapses(s)) = self.objects.get(id) else {
                continue;
            };
            let eqs = s.eqs.clone();
            let n_local = s.n;
            let g = self.global_synapses.get(&id).cloned().unwrap_or_default();
            let parts = ranks.gather_u64(&g.local);
            let shared = |k: &ArrayKey| eqs.get(&k.var).is_some_and(|v| v.has_flag(VarFlag::Shared));
            let keys = self.sorted_keys(id, |k| {
                !shared(k) && !super::network::SYNAPSE_COUNTS.contains(&k.var.as_str())
            });
            let total = g.total as usize;
            for key in keys {
                let Some(a) = self.store.get(&key) else { continue };
                if a.len() != n_local {
                    continue;
                }
                let values = ranks.gather_f64(&a.to_f64());
                if ranks.rank() != 0 {
                    continue;
                }
                let mut whole = Array::zeros(a.elem(), total);
                for (index, part) in parts.iter().zip(&values) {
                    for (&k, &x) in index.iter().zip(part) {
                        if (k as usize) < total {
                            whole.set(k as usize, x);
                        }
                    }
                }
                self.store.insert(key, whole);
            }
            if ranks.rank() == 0 {
                for key in super::network::SYNAPSE_COUNTS {
                    self.store.arrays.remove(&ArrayKey::new(id, key));
                }
                if let Some(Object::Synapses(s)) = self.objects.get_mut(id) {
                    s.n = total;
                }
            }
        }
    }

    /// Each state monitor's columns, from the rank that recorded each.
    fn gather_state_monitors(&mut self, ranks: &mut dyn Exchange) {
        for id in 0..self.objects.len() {
            let Some(Object::StateMon(m)) = self.objects.get(id) else {
                continue;
            };
            let columns: Vec<u64> = m
                .columns
                .as_ref()
                .map_or(Vec::new(), |c| c.iter().map(|&x| x as u64).collect());
            let width = m.indices.len();
            let steps = m.t.len();
            let all_columns = ranks.gather_u64(&columns);
            let mut whole: Vec<Vec<f64>> = Vec::new();
            for d in &m.data {
                let parts = ranks.gather_f64(d);
                if ranks.rank() != 0 {
                    continue;
                }
                let mut out = vec![0.0; steps * width];
                for (cols, part) in all_columns.iter().zip(&parts) {
                    let w = cols.len();
                    if w == 0 {
                        continue;
                    }
                    for (step, row) in part.chunks_exact(w).enumerate().take(steps) {
                        for (&c, &x) in cols.iter().zip(row) {
                            out[step * width + c as usize] = x;
                        }
                    }
                }
                whole.push(out);
            }
            if ranks.rank() == 0
                && let Some(Object::StateMon(m)) = self.objects.get_mut(id)
            {
                m.data = whole;
                m.columns = None;
            }
        }
    }

    /// Each spike monitor's recording: every rank recorded its own neurons'
    /// events (with their values); rank 0 merges them step by step, in rank
    /// order within a step, which is the order of the neurons, as one rank
    /// records them. The counts per neuron are summed.
    fn gather_spike_monitors(&mut self, ranks: &mut dyn Exchange) {
        for id in 0..self.objects.len() {
            let Some(Object::SpikeMon(m)) = self.objects.get(id) else {
                continue;
            };
            // (`events_are_own` would say no: the ranks are taken out.)
            if !self.finds_own_events(m.source.group) {
                // Every rank recorded every event, rank 0 too.
                continue;
            }
            let i: Vec<u64> = m.i.iter().map(|&x| x as u64).collect();
            let count: Vec<u64> = m.count.iter().map(|&x| x as u64).collect();
            let all_i = ranks.gather_u64(&i);
            let all_t = ranks.gather_f64(&m.t);
            let all_count = ranks.gather_u64(&count);
            let all_values: Vec<Vec<Vec<f64>>> = m.values.iter().map(|d| ranks.gather_f64(d)).collect();
            if ranks.rank() != 0 {
                continue;
            }
            let total: usize = all_i.iter().map(Vec::len).sum();
            let mut merged_i = Vec::with_capacity(total);
            let mut merged_t = Vec::with_capacity(total);
            let mut merged_values: Vec<Vec<f64>> = vec![Vec::with_capacity(total); all_values.len()];
            let mut at = vec![0usize; all_t.len()];
            loop {
                // The earliest step any rank has left, then each rank's
                // events of that step, rank after rank.
                let step_t = all_t
                    .iter()
                    .zip(&at)
                    .filter_map(|(t, &k)| t.get(k).copied())
                    .fold(f64::INFINITY, f64::min);
                if !step_t.is_finite() {
                    break;
                }
                for r in 0..all_t.len() {
                    while let Some(&t) = all_t[r].get(at[r])
                        && t == step_t
                    {
                        let k = at[r];
                        merged_i.push(all_i[r].get(k).map_or(0, |&x| x as i32));
                        merged_t.push(t);
                        for (d, parts) in merged_values.iter_mut().zip(&all_values) {
                            d.push(parts.get(r).and_then(|p| p.get(k)).copied().unwrap_or(f64::NAN));
                        }
                        at[r] += 1;
                    }
                }
            }
            if let Some(Object::SpikeMon(m)) = self.objects.get_mut(id) {
                m.i = merged_i;
                m.t = merged_t;
                m.values = merged_values;
                for (k, c) in m.count.iter_mut().enumerate() {
                    *c = all_count.iter().map(|p| p.get(k).copied().unwrap_or(0)).sum::<u64>() as i32;
                }
            }
        }
    }

    /// Each rate monitor's rate from the ranks' counts of their own events.
    fn gather_rate_monitors(&mut self, ranks: &mut dyn Exchange) {
        for id in 0..self.objects.len() {
            let Some(Object::RateMon(m)) = self.objects.get(id) else {
                continue;
            };
            if !self.finds_own_events(m.source.group) {
                continue;
            }
            let mut counts: Vec<u64> = m.own_counts.iter().map(|&c| u64::from(c)).collect();
            ranks.sum_u64(&mut counts);
            let (source, dt) = (m.source, self.group(m.source.group).dt);
            if ranks.rank() == 0
                && let Some(Object::RateMon(m)) = self.objects.get_mut(id)
            {
                m.rate = counts
                    .iter()
                    .map(|&c| super::recording::rate_of(c, source, dt))
                    .collect();
                m.own_counts.clear();
            }
        }
    }

    /// The spikes each group fired, summed over the ranks (each counted its own).
    fn gather_spike_counts(&mut self, ranks: &mut dyn Exchange) {
        let mut names: Vec<String> = self.stats.spikes.keys().cloned().collect();
        // Every rank has the same groups, but may not have counted each.
        for o in &self.objects {
            if let Object::Group(g) = o
                && !names.contains(&g.name)
            {
                names.push(g.name.clone());
            }
        }
        names.sort();
        let mut counts: Vec<u64> = names
            .iter()
            .map(|n| self.stats.spikes.get(n).copied().unwrap_or(0))
            .collect();
        ranks.sum_u64(&mut counts);
        for (name, c) in names.into_iter().zip(counts) {
            if c > 0 || self.stats.spikes.contains_key(&name) {
                self.stats.spikes.insert(name, c);
            }
        }
    }
}

/// An array of `elem` elements holding `values` (converted as
/// [`Array::set`] does: exactly, for values that came from such an array).
fn whole_array(elem: crate::ir::ElemTy, values: &[f64]) -> Array {
    let mut whole = <Array as ArrayExt>::zeros(elem, values.len());
    for (k, &x) in values.iter().enumerate() {
        whole.set(k, x);
    }
    whole
}

impl Network {
    /// Refuses, on several ranks, ops that would read or write a neuron
    /// through a synapse's presynaptic index (`v_pre` in `on_pre`, a summed
    /// variable onto the source, gap junctions): the source neuron may be
    /// another rank's, whose state this rank does not hold (its arrays hold
    /// its own neurons only: such an index would reach past them).
    pub(crate) fn check_distributable(&self, ops: &[super::ops::Op]) -> crate::diag::Result<()> {
        let mut errors = Vec::new();
        for op in ops {
            if let super::ops::OpKind::Operation { .. } = op.kind {
                errors.push(
                    crate::diag::Diagnostic::new(
                        "not-supported-distributed",
                        format!(
                            "network operation '{}' cannot run on several ranks: a rank holds the state \
                             of its own neurons only, and the operation would see a part of each group",
                            op.key.2
                        ),
                    )
                    .with_help("run a network with network operations on one rank (with --threads for speed)"),
                );
                continue;
            }
            let Some(k) = &op.call.kernel else { continue };
            if let Some((syn, key)) = super::partition::presynaptic_access(&k.kernel, &k.bindings, &|id| {
                matches!(self.objects.get(id), Some(Object::Synapses(_)))
            }) {
                let syn_name = self.objects.get(syn).map_or("?", |o| o.name());
                let group = self.objects.get(key.object).map_or("?", |o| o.name());
                errors.push(
                    crate::diag::Diagnostic::new(
                        "not-supported-distributed",
                        format!(
                            "'{}' reads or writes '{}' of {group} through the presynaptic index \
                             (as '{}_pre'): on several ranks the source neuron may be another rank's",
                            op.key.2, key.var, key.var
                        ),
                    )
                    .with_context(format!("synapses '{syn_name}'"))
                    .with_help(
                        "on several ranks, synapse code may read and write its own variables and its \
                         target's (_post), not its source's; run on one rank (the results are the same)",
                    ),
                );
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(crate::diag::Errors(errors))
        }
    }
}
