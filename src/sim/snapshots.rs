//! The state of a network as data: `store` and `restore` (Brian2's stored
//! states), the state dump of `--dump-state`, and the memory a stored state
//! takes.

use super::arrays::Array;
use super::memory;
use super::network::{Network, SYNAPSE_COUNTS, err};
use super::objects::{GroupKind, Object, Snapshot};
use crate::diag::Result;
use crate::model::equations::VarFlag;
use crate::model::scope::ArrayKey;

/// One object's state dump: (name, [(variable, values, is_scalar)]).
pub type StateDump = (String, Vec<(String, Array, bool)>);

impl Network {
    /// Stores the whole state under `name` (variables, spike queues, monitors,
    /// time, and the random state: the seed and the random streams drawn so
    /// far), as Brian2's `store(name)`. [`Network::restore`] leaves the random
    /// state as it is (Brian2's default `restore_random_state=False`),
    /// [`Network::restore_with_random_state`] brings it back too.
    ///
    /// An example is in the module's guide: [`sim`](crate::sim#running-store-and-restore).
    ///
    /// An error, with nothing stored, when the copy would not fit in the
    /// memory available.
    pub fn store(&mut self, name: &str) -> Result<()> {
        memory::check_state_copy(&format!("store '{name}'"), self.state_bytes())?;
        let snap = self.snapshot();
        self.snapshots.insert(name.to_string(), Box::new(snap));
        Ok(())
    }

    /// The state [`Network::store`] stores.
    pub(crate) fn snapshot(&self) -> Snapshot {
        let mut snap = Snapshot {
            arrays: self.store.arrays.clone(),
            spike_mons: Vec::new(),
            state_mons: Vec::new(),
            rate_mons: Vec::new(),
            rate_counts: Vec::new(),
            event_exchanges: self.event_exchanges.clone(),
            queues: Vec::new(),
            generators: Vec::new(),
            t: self.t,
            clock_steps: self.clock_steps.clone(),
            spikes: self.stats.spikes.clone(),
            seed: self.seed,
            rng_streams: self.rng_streams,
        };
        for (id, o) in self.objects.iter().enumerate() {
            match o {
                Object::SpikeMon(m) => {
                    snap.spike_mons
                        .push((id, m.i.clone(), m.t.clone(), m.count.clone(), m.values.clone()))
                }
                Object::StateMon(m) => snap.state_mons.push((id, m.t.clone(), m.data.clone())),
                Object::RateMon(m) => {
                    snap.rate_mons.push((id, m.t.clone(), m.rate.clone()));
                    snap.rate_counts.push((id, m.own_counts.clone()));
                }
                Object::Synapses(s) => {
                    for (k, p) in s.pathways.iter().enumerate() {
                        snap.queues.push((id, k, p.queue.clone()));
                    }
                }
                Object::Group(g) => {
                    if let GroupKind::Generator(gs) = &g.kind {
                        snap.generators.push((id, gs.next));
                    }
                }
                _ => {}
            }
        }
        snap
    }

    /// Restores the state stored under `name` (Brian2's `restore(name)`); an
    /// error if nothing was stored under it. Objects added after the store
    /// keep their state. The random numbers drawn after it are new ones, as
    /// with Brian2's default `restore_random_state=False`: a stochastic
    /// model goes on differently than it did after the store.
    ///
    /// An example is in the module's guide: [`sim`](crate::sim#running-store-and-restore).
    pub fn restore(&mut self, name: &str) -> Result<()> {
        self.restore_stored(name, false)
    }

    /// [`Network::restore`], and the random state too (Brian2's
    /// `restore(name, restore_random_state=True)`): the runs after it draw the
    /// very random numbers the runs after the store drew, so a stochastic
    /// model goes on exactly as it did.
    ///
    /// ```
    /// use spikejit::sim::{Network, NeuronGroup};
    ///
    /// let mut net = Network::new();
    /// let g = net.add_neurons(NeuronGroup::new(5, "dv/dt = -v/(10*ms) + xi/sqrt(ms) : 1").method("euler"))?;
    /// net.store("start")?;
    /// net.run(0.01)?;
    /// let first = net.get(g, "v")?;
    /// net.restore_with_random_state("start")?;
    /// net.run(0.01)?;
    /// assert_eq!(net.get(g, "v")?, first); // the same noise
    /// net.restore("start")?;
    /// net.run(0.01)?;
    /// assert_ne!(net.get(g, "v")?, first); // new noise
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn restore_with_random_state(&mut self, name: &str) -> Result<()> {
        self.restore_stored(name, true)
    }

    fn restore_stored(&mut self, name: &str, random_state: bool) -> Result<()> {
        let Some(stored) = self.snapshots.get(name) else {
            return Err(err(
                "restore",
                "restore",
                format!("nothing was stored under the name '{name}'"),
            ));
        };
        // The stored state is kept (it may be restored again): it is copied.
        memory::check_state_copy(&format!("restore '{name}'"), snapshot_bytes(stored))?;
        let snap = stored.clone();
        self.restore_snapshot(*snap, random_state);
        Ok(())
    }

    /// Brings back a stored state, and its random state when `random_state`.
    pub(crate) fn restore_snapshot(&mut self, snap: Snapshot, random_state: bool) {
        if random_state {
            self.seed = snap.seed;
            self.rng_streams = snap.rng_streams;
        }
        self.apply_snapshot(snap);
    }

    /// Brings back the state of a [`Snapshot`].
    pub(crate) fn apply_snapshot(&mut self, snap: Snapshot) {
        self.store.arrays = snap.arrays;
        self.t = snap.t;
        self.clock_steps = snap.clock_steps;
        self.stats.spikes = snap.spikes;
        for (id, i, t, count, values) in snap.spike_mons {
            if let Object::SpikeMon(m) = &mut self.objects[id] {
                (m.i, m.t, m.count, m.values) = (i, t, count, values);
            }
        }
        for (id, t, data) in snap.state_mons {
            if let Object::StateMon(m) = &mut self.objects[id] {
                (m.t, m.data) = (t, data);
            }
        }
        for (id, t, rate) in snap.rate_mons {
            if let Object::RateMon(m) = &mut self.objects[id] {
                (m.t, m.rate) = (t, rate);
            }
        }
        for (id, counts) in snap.rate_counts {
            if let Object::RateMon(m) = &mut self.objects[id] {
                m.own_counts = counts;
            }
        }
        self.event_exchanges = snap.event_exchanges;
        for (id, k, q) in snap.queues {
            if let Object::Synapses(s) = &mut self.objects[id] {
                s.pathways[k].queue = q;
            }
        }
        for (id, next) in snap.generators {
            if let Object::Group(g) = &mut self.objects[id]
                && let GroupKind::Generator(gs) = &mut g.kind
            {
                gs.next = next;
            }
        }
    }

    /// Every state variable of every neuron group and synapses object, as Brian2's
    /// `--dump-state` writes them: (object, [(name, values, is_scalar)]).
    pub fn state_dump(&self) -> Vec<StateDump> {
        let mut out = Vec::new();
        for (id, o) in self.objects.iter().enumerate() {
            let (name, eqs) = match o {
                Object::Group(g) if matches!(g.kind, GroupKind::Neurons) => (&g.name, &g.eqs),
                Object::Synapses(s) => (&s.name, &s.eqs),
                _ => continue,
            };
            let mut vars: Vec<(String, Array, bool)> = Vec::new();
            for v in &eqs.vars {
                if !v.is_stored() {
                    continue;
                }
                if let Some(a) = self.store.get(&ArrayKey::new(id, v.name())) {
                    vars.push((v.name().to_string(), a.clone(), v.has_flag(VarFlag::Shared)));
                }
            }
            if let Object::Synapses(s) = o
                && let Some(k) = &s.multisynaptic_index
                && let Some(a) = self.store.get(&ArrayKey::new(id, k.clone()))
            {
                vars.push((k.clone(), a.clone(), false));
            }
            for extra in ["lastspike", "not_refractory", "lastupdate"] {
                if let Some(a) = self.store.get(&ArrayKey::new(id, extra)) {
                    vars.push((extra.to_string(), a.clone(), false));
                }
            }
            if let Object::Synapses(s) = o {
                let rel = |key: &str, off: usize| -> Array {
                    match self.store.get(&ArrayKey::new(id, key)) {
                        Some(Array::I32(v)) => Array::I32(v.iter().map(|x| x - off as i32).collect()),
                        _ => Array::I32(vec![]),
                    }
                };
                vars.push(("i".into(), rel("_pre", s.source.start), false));
                vars.push(("j".into(), rel("_post", s.target.start), false));
                for k in SYNAPSE_COUNTS {
                    if let Some(v) = self.per_synapse_counts(id, k) {
                        vars.push((k.into(), Array::I32(v), false));
                    }
                }
                for p in &s.pathways {
                    match p.scalar_delay {
                        Some(d) => vars.push((format!("{}.delay", p.name), Array::F64(vec![d]), true)),
                        None => {
                            if let Some(a) = self.store.get(&ArrayKey::new(id, format!("{}.delay", p.name))) {
                                vars.push((format!("{}.delay", p.name), a.clone(), false));
                            }
                        }
                    }
                }
            }
            vars.sort_by(|a, b| a.0.cmp(&b.0));
            out.push((name.clone(), vars));
        }
        out
    }

    /// The bytes a stored state of the network would hold now
    /// ([`snapshot_bytes`] of what [`Network::store`] copies).
    pub(crate) fn state_bytes(&self) -> f64 {
        let f64s = |v: &[f64]| 8.0 * v.len() as f64;
        let objects: f64 = self
            .objects
            .iter()
            .map(|o| match o {
                Object::SpikeMon(m) => {
                    4.0 * (m.i.len() + m.count.len()) as f64
                        + f64s(&m.t)
                        + m.values.iter().map(|v| f64s(v)).sum::<f64>()
                }
                Object::StateMon(m) => f64s(&m.t) + m.data.iter().map(|v| f64s(v)).sum::<f64>(),
                Object::RateMon(m) => f64s(&m.t) + f64s(&m.rate),
                Object::Synapses(s) => s.pathways.iter().map(|p| p.queue.heap_bytes() as f64).sum(),
                _ => 0.0,
            })
            .sum();
        self.store.arrays.values().map(array_bytes).sum::<f64>() + objects
    }
}

/// The bytes of an array's elements.
fn array_bytes(a: &Array) -> f64 {
    use Array;
    let each = match a {
        Array::F64(_) => 8.0,
        Array::F32(_) | Array::I32(_) => 4.0,
        Array::U8(_) => 1.0,
    };
    a.len() as f64 * each
}

/// The bytes a stored state holds: its arrays, monitor recordings and spike queues.
pub(crate) fn snapshot_bytes(s: &Snapshot) -> f64 {
    let f64s = |v: &[f64]| 8.0 * v.len() as f64;
    s.arrays.values().map(array_bytes).sum::<f64>()
        + s.spike_mons
            .iter()
            .map(|(_, i, t, count, values)| {
                4.0 * (i.len() + count.len()) as f64 + f64s(t) + values.iter().map(|v| f64s(v)).sum::<f64>()
            })
            .sum::<f64>()
        + s.state_mons
            .iter()
            .map(|(_, t, data)| f64s(t) + data.iter().map(|v| f64s(v)).sum::<f64>())
            .sum::<f64>()
        + s.rate_mons.iter().map(|(_, t, r)| f64s(t) + f64s(r)).sum::<f64>()
        + s.queues.iter().map(|(_, _, q)| q.heap_bytes() as f64).sum::<f64>()
}
