//! Checkpoints: the whole state of a network in a file, to go on with later
//! (`spikejit run --checkpoint` / `--resume`).
//!
//! The file: the 8 bytes `SPKJITCK`, the format version (u32, little-endian),
//! the payload's length (u64) and CRC-32 (u32), then the payload, in
//! [postcard](https://docs.rs/postcard)'s encoding of serde data (floats as
//! their 8 or 4 bytes, so values come back bit for bit).

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::{Deserialize, Serialize};
use spikejit_runtime::checkpoint::{RngState, queue_events, queue_from_events};

use super::arrays::Array;
use super::control::PendingRun;
use super::findings::Finding;
use super::network::{Network, SYNAPSE_COUNTS};
use super::objects::{GroupKind, Object, Snapshot};
use crate::diag::{Diagnostic, Errors, Result};
use crate::model::scope::ArrayKey;

const MAGIC: &[u8; 8] = b"SPKJITCK";
/// The format version: a checkpoint of another version is refused (2: the
/// findings of the checks name their kind and statement; spike queues are
/// their events by distance, without the ring bounds of version 1; 4: stored
/// states hold their random state).
const VERSION: u32 = 4;
/// The [`Checkpoint::meta`] key and value that mark a file of stored states
/// ([`Network::store_to_file`]).
const CONTENTS: (&str, &str) = ("contents", "stored states");
const HEADER: usize = 8 + 4 + 8 + 4;

/// The whole state of a [`Network`] at the end of a run (or where a run was
/// stopped early), and the caller's own notes ([`Checkpoint::meta`]).
///
/// It holds every state array (variables of groups and synapses, synapse
/// indices, delays, event spaces, monitor buffers), the spike queues' pending
/// events, each clock's step and the time, the monitors' recorded data, the
/// states stored with [`Network::store`], the spike counts and step counts of
/// [`Network::stats`], what the non-finite checks found, the random-stream
/// counter, and for a run stopped early its end time and its kernels' random
/// streams ([`Network::continue_run`]). It does not hold the objects, their
/// equations or kernels: it is loaded into a network built the same way
/// ([`Network::restore_checkpoint`] checks the objects' kinds, names and sizes).
///
/// ```
/// use spikejit::sim::{Checkpoint, Network, NeuronGroup, Selection, Value};
///
/// let build = || -> Result<_, spikejit::diag::Errors> {
///     let mut net = Network::new();
///     let g = net.add_neurons(NeuronGroup::new(3, "dv/dt = (1 - v)/(10*ms) : 1"))?;
///     net.set(g, "v", Value::Array(vec![0.0, 0.5, 0.9]), Selection::All)?;
///     Ok((net, g))
/// };
/// let (mut net, g) = build()?;
/// net.run(0.01)?;
/// let mut ck = net.checkpoint();
/// ck.meta.insert("note".into(), "after 10 ms".into());
/// let bytes = ck.to_bytes();
///
/// let (mut later, _) = build()?;
/// let ck = Checkpoint::from_bytes(&bytes)?;
/// assert_eq!(ck.meta["note"], "after 10 ms");
/// later.restore_checkpoint(ck)?;
/// assert_eq!(later.t(), net.t());
/// net.run(0.01)?;
/// later.run(0.01)?;
/// assert_eq!(later.get(g, "v")?, net.get(g, "v")?);
/// assert!(Checkpoint::from_bytes(&bytes[..bytes.len() - 1]).is_err()); // truncated
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct Checkpoint {
    /// Notes of the caller, kept with the state (`spikejit run` keeps the model
    /// file's hash and where its protocol stopped).
    pub meta: BTreeMap<String, String>,
    state: NetState,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
enum ArrayData {
    F64(Vec<f64>),
    F32(Vec<f32>),
    I32(Vec<i32>),
    U8(Vec<u8>),
}

impl ArrayData {
    fn of(a: &Array) -> ArrayData {
        match a {
            Array::F64(v) => ArrayData::F64(v.clone()),
            Array::F32(v) => ArrayData::F32(v.clone()),
            Array::I32(v) => ArrayData::I32(v.clone()),
            Array::U8(v) => ArrayData::U8(v.clone()),
        }
    }

    fn into_array(self) -> Array {
        match self {
            ArrayData::F64(v) => Array::F64(v),
            ArrayData::F32(v) => Array::F32(v),
            ArrayData::I32(v) => Array::I32(v),
            ArrayData::U8(v) => Array::U8(v),
        }
    }

    fn len(&self) -> usize {
        match self {
            ArrayData::F64(v) => v.len(),
            ArrayData::F32(v) => v.len(),
            ArrayData::I32(v) => v.len(),
            ArrayData::U8(v) => v.len(),
        }
    }

    fn type_name(&self) -> &'static str {
        match self {
            ArrayData::F64(_) => "float64",
            ArrayData::F32(_) => "float32",
            ArrayData::I32(_) => "int32",
            ArrayData::U8(_) => "bool",
        }
    }
}

/// The numpy name of an array's element type.
fn type_name(a: &Array) -> &'static str {
    match a {
        Array::F64(_) => "float64",
        Array::F32(_) => "float32",
        Array::I32(_) => "int32",
        Array::U8(_) => "bool",
    }
}

/// A recorded spike monitor: (object, i, t, count, values).
type SpikeMonData = (usize, Vec<i32>, Vec<f64>, Vec<i32>, Vec<Vec<f64>>);

/// A spike queue as stored: (synapses, pathway, events by distance: [`queue_events`]).
type QueueData = (usize, usize, Vec<(u64, Vec<i32>)>);

/// A [`Snapshot`] as stored: queues as their events by distance.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct StateData {
    arrays: Vec<(usize, String, ArrayData)>,
    spike_mons: Vec<SpikeMonData>,
    state_mons: Vec<(usize, Vec<f64>, Vec<Vec<f64>>)>,
    rate_mons: Vec<(usize, Vec<f64>, Vec<f64>)>,
    queues: Vec<QueueData>,
    generators: Vec<(usize, usize)>,
    t: f64,
    clock_steps: Vec<(u64, i64)>,
    spikes: Vec<(String, u64)>,
    seed: u64,
    rng_streams: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct PendingData {
    t_end: f64,
    keys: Vec<String>,
    rngs: Vec<RngState>,
    streams: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct NetState {
    seed: u64,
    dt: f64,
    float32: bool,
    /// (kind, name, size) of every object, to refuse another network.
    objects: Vec<(String, String, usize)>,
    now: StateData,
    /// (synapses, number of synapses, connected).
    synapses: Vec<(usize, usize, bool)>,
    snapshots: Vec<(String, StateData)>,
    rng_streams: u64,
    steps: u64,
    synaptic_events: u64,
    pending: Option<PendingData>,
    findings: Vec<Finding>,
    nan_since: Option<(i64, f64)>,
}

#[derive(Serialize, Deserialize)]
struct FileData {
    meta: BTreeMap<String, String>,
    state: NetState,
}

fn sorted<K: Ord + Clone, V: Clone>(m: &HashMap<K, V>) -> Vec<(K, V)> {
    let mut v: Vec<(K, V)> = m.iter().map(|(k, x)| (k.clone(), x.clone())).collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

/// `e`, its messages starting with the file's path.
fn at_path(mut e: Errors, path: &Path) -> Errors {
    for d in &mut e.0 {
        d.message = format!("{}: {}", path.display(), d.message);
    }
    e
}

fn checkpoint_error(msg: impl Into<String>) -> Errors {
    Errors::one(Diagnostic::new("checkpoint", msg).with_context("checkpoint"))
}

impl StateData {
    fn of(snap: &Snapshot) -> StateData {
        let mut arrays: Vec<(usize, String, ArrayData)> = snap
            .arrays
            .iter()
            .map(|(k, a)| (k.object, k.var.clone(), ArrayData::of(a)))
            .collect();
        arrays.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
        StateData {
            arrays,
            spike_mons: snap.spike_mons.clone(),
            state_mons: snap.state_mons.clone(),
            rate_mons: snap.rate_mons.clone(),
            queues: snap
                .queues
                .iter()
                .map(|(id, p, q)| (*id, *p, queue_events(q)))
                .collect(),
            generators: snap.generators.clone(),
            t: snap.t,
            clock_steps: sorted(&snap.clock_steps),
            spikes: sorted(&snap.spikes),
            seed: snap.seed,
            rng_streams: snap.rng_streams,
        }
    }

    fn into_snapshot(self) -> Snapshot {
        Snapshot {
            arrays: self
                .arrays
                .into_iter()
                .map(|(o, v, a)| (ArrayKey::new(o, v), a.into_array()))
                .collect(),
            spike_mons: self.spike_mons,
            state_mons: self.state_mons,
            rate_mons: self.rate_mons,
            // Not kept in a checkpoint: a partitioned network refuses them.
            rate_counts: Vec::new(),
            event_exchanges: Vec::new(),
            queues: self
                .queues
                .into_iter()
                .map(|(id, p, ev)| (id, p, queue_from_events(&ev)))
                .collect(),
            generators: self.generators,
            t: self.t,
            clock_steps: self.clock_steps.into_iter().collect(),
            spikes: self.spikes.into_iter().collect(),
            seed: self.seed,
            rng_streams: self.rng_streams,
        }
    }
}

impl Network {
    /// (kind, name, size) of every object.
    fn object_list(&self) -> Vec<(String, String, usize)> {
        self.objects
            .iter()
            .map(|o| {
                let (kind, n) = match o {
                    Object::Group(g) => match g.kind {
                        GroupKind::Neurons => ("neurons", g.n),
                        GroupKind::Poisson => ("poisson", g.n),
                        GroupKind::Generator(_) => ("spike generator", g.n),
                    },
                    Object::Subgroup { range, .. } => ("subgroup", range.len()),
                    Object::Synapses(s) => ("synapses", s.n),
                    Object::SpikeMon(_) => ("spike monitor", 0),
                    Object::StateMon(_) => ("state monitor", 0),
                    Object::RateMon(_) => ("rate monitor", 0),
                    Object::TimedArray(_) => ("timed array", 0),
                    Object::PoissonInput(_) => ("poisson input", 0),
                };
                (kind.to_string(), o.name().to_string(), n)
            })
            .collect()
    }

    /// The whole state of the network, to save ([`Checkpoint::save`]) and load
    /// into a network built the same way ([`Network::restore_checkpoint`]).
    pub fn checkpoint(&self) -> Checkpoint {
        let mut snapshots: Vec<(String, StateData)> = self
            .snapshots
            .iter()
            .map(|(name, s)| (name.clone(), StateData::of(s)))
            .collect();
        snapshots.sort_by(|a, b| a.0.cmp(&b.0));
        let mut synapses = Vec::new();
        for (id, o) in self.objects.iter().enumerate() {
            if let Object::Synapses(s) = o {
                synapses.push((id, s.n, s.connected));
            }
        }
        let state = NetState {
            seed: self.seed,
            dt: self.dt,
            float32: self.float32,
            objects: self.object_list(),
            now: StateData::of(&self.snapshot()),
            synapses,
            snapshots,
            rng_streams: self.rng_streams,
            steps: self.stats.steps,
            synaptic_events: self.stats.synaptic_events,
            pending: self.pending.as_ref().map(|p| PendingData {
                t_end: p.t_end,
                keys: p.keys.clone(),
                rngs: p.rngs.iter().map(|r| r.state()).collect(),
                streams: p.streams,
            }),
            findings: self.findings.clone(),
            nan_since: self.nan_since,
        };
        Checkpoint {
            meta: BTreeMap::new(),
            state,
        }
    }

    /// Loads a checkpoint taken of a network built the same way (same objects,
    /// in the same order, of the same sizes, with the same arrays): every part
    /// of the state [`Checkpoint`] lists replaces this network's. A run stopped
    /// early when it was taken is then continued by [`Network::continue_run`].
    /// An error (and nothing changed) when the networks differ.
    pub fn restore_checkpoint(&mut self, ck: Checkpoint) -> Result<()> {
        let st = ck.state;
        self.check_fits(&st, &st.now, false)?;
        self.seed = st.seed;
        for (id, n, connected) in st.synapses {
            if let Some(Object::Synapses(s)) = self.objects.get_mut(id) {
                s.n = n;
                s.connected = connected;
            }
        }
        self.snapshots = st
            .snapshots
            .into_iter()
            .map(|(name, s)| (name, Box::new(s.into_snapshot())))
            .collect();
        let now = st.now.into_snapshot();
        // Stored states never hold every kind of object: start from empty monitors and queues.
        for o in &mut self.objects {
            match o {
                Object::SpikeMon(m) => {
                    m.i.clear();
                    m.t.clear();
                    m.count.iter_mut().for_each(|c| *c = 0);
                    m.values.iter_mut().for_each(Vec::clear);
                }
                Object::StateMon(m) => {
                    m.t.clear();
                    m.data.iter_mut().for_each(Vec::clear);
                }
                Object::RateMon(m) => {
                    m.t.clear();
                    m.rate.clear();
                    m.own_counts.clear();
                }
                Object::Synapses(s) => {
                    for p in &mut s.pathways {
                        p.queue = Default::default();
                    }
                }
                _ => {}
            }
        }
        self.apply_snapshot(now);
        self.rng_streams = st.rng_streams;
        self.stats.steps = st.steps;
        self.stats.synaptic_events = st.synaptic_events;
        self.pending = st.pending.map(|p| PendingRun {
            t_end: p.t_end,
            keys: p.keys,
            rngs: p.rngs.into_iter().map(spikejit_runtime::Rng::from_state).collect(),
            streams: p.streams,
        });
        self.control.interrupted = self.pending.is_some();
        self.findings = st.findings;
        self.nan_since = st.nan_since;
        self.nan_failed = false;
        Ok(())
    }

    /// An error unless `st` (and `state`, one of its states) is of a network
    /// built as this one: the same objects, dt, precision and arrays
    /// (`stored_state`: `state` is a stored one, which may lack the arrays
    /// of monitors).
    fn check_fits(&self, st: &NetState, state: &StateData, stored_state: bool) -> Result<()> {
        if self.ranks.is_some() {
            // A rank holds its own neurons' state only (its arrays start at
            // its first neuron): a checkpoint of another rank, or of one
            // rank alone, does not fit them.
            return Err(Errors::one(
                Diagnostic::new(
                    "not-supported-distributed",
                    "checkpoints are not supported on several ranks yet",
                )
                .with_help("run on one rank to checkpoint (the results are the same)"),
            ));
        }
        let here = self.object_list();
        if here != st.objects {
            let show = |o: &(String, String, usize)| format!("{} '{}' (size {})", o.0, o.1, o.2);
            let msg = match here.iter().zip(&st.objects).position(|(a, b)| a != b) {
                Some(k) => format!(
                    "object {k} is {} here but {} in the checkpoint",
                    show(&here[k]),
                    show(&st.objects[k])
                ),
                None => format!(
                    "the network has {} objects, the checkpoint {}",
                    here.len(),
                    st.objects.len()
                ),
            };
            return Err(checkpoint_error(format!("the checkpoint is of another network: {msg}")));
        }
        if st.dt.to_bits() != self.dt.to_bits() || st.float32 != self.float32 {
            return Err(checkpoint_error(format!(
                "the checkpoint is of another network: dt {} s ({}) there, {} s ({}) here",
                st.dt,
                if st.float32 { "float32" } else { "float64" },
                self.dt,
                if self.float32 { "float32" } else { "float64" }
            )));
        }
        // Every array of the network, with the same element type (arrays that
        // kernels make when a run starts may be there too).
        let mut theirs: HashMap<(usize, &str), &ArrayData> = HashMap::new();
        for (o, v, a) in &state.arrays {
            theirs.insert((*o, v.as_str()), a);
        }
        for (key, a) in &self.store.arrays {
            if SYNAPSE_COUNTS.contains(&key.var.as_str()) {
                // derived from the indices, and made when first used
                continue;
            }
            let name = self.objects.get(key.object).map(|o| o.name()).unwrap_or("?");
            match theirs.remove(&(key.object, key.var.as_str())) {
                // A monitor's arrays are made when a run starts: a state
                // stored before the first run has none (restoring it drops
                // them, as `restore` of a state stored in memory does).
                None if stored_state
                    && matches!(
                        self.objects.get(key.object),
                        Some(Object::SpikeMon(_) | Object::StateMon(_) | Object::RateMon(_))
                    ) => {}
                None => {
                    return Err(checkpoint_error(format!(
                        "the checkpoint is of another network: it has no array '{name}'.{}",
                        key.var
                    )));
                }
                Some(b) if b.type_name() != type_name(a) => {
                    return Err(checkpoint_error(format!(
                        "the checkpoint is of another network: array '{name}'.{} is {} there, {} here",
                        key.var,
                        b.type_name(),
                        type_name(a)
                    )));
                }
                // A neuron group's arrays of a rank (its own neurons) do not
                // fit a whole group's.
                Some(b) if matches!(self.objects.get(key.object), Some(Object::Group(_))) && b.len() != a.len() => {
                    return Err(checkpoint_error(format!(
                        "the checkpoint is of another network: array '{name}'.{} has {} elements there, {} here",
                        key.var,
                        b.len(),
                        a.len()
                    )));
                }
                Some(_) => {}
            }
        }
        Ok(())
    }

    /// Stores the whole state under `name` in the file `path` (Brian2's
    /// `store(name, filename=path)`): as [`Network::store`], in the file
    /// instead of in memory. The file holds several states by name: one
    /// stored under another name is kept, one under the same name replaced.
    /// It is a checkpoint file ([`Checkpoint`]; it also resumes with
    /// `spikejit run --resume`), read back by [`Network::restore_from_file`],
    /// in this process or another one that builds the same network.
    ///
    /// An error, with the file unchanged, when it exists and is not a file of
    /// stored states of this network, or cannot be written.
    ///
    /// ```
    /// use spikejit::sim::{Network, NeuronGroup};
    ///
    /// let build = || -> Result<_, spikejit::diag::Errors> {
    ///     let mut net = Network::new();
    ///     let g = net.add_neurons(NeuronGroup::new(4, "dv/dt = -v/(10*ms) + xi/sqrt(ms) : 1").method("euler"))?;
    ///     Ok((net, g))
    /// };
    /// let path = std::env::temp_dir().join(format!("spikejit-doc-store-{}.bin", std::process::id()));
    /// let (mut net, g) = build()?;
    /// net.run(0.005)?;
    /// net.store_to_file("half", &path)?;
    /// net.run(0.005)?;
    ///
    /// let (mut later, _) = build()?; // another network, as another process would build
    /// later.restore_from_file("half", &path, true)?;
    /// later.run(0.005)?;
    /// assert_eq!(later.get(g, "v")?, net.get(g, "v")?);
    /// assert!(later.restore_from_file("other", &path, true).is_err()); // no such state
    /// # std::fs::remove_file(&path)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn store_to_file(&mut self, name: &str, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        super::memory::check_state_copy(&format!("store '{name}'"), self.state_bytes())?;
        let mut states = if path.exists() {
            let ck = Checkpoint::load(path)?;
            if ck.meta.get(CONTENTS.0).map(String::as_str) != Some(CONTENTS.1) {
                return Err(checkpoint_error(format!(
                    "{}: the file is a checkpoint of a run, not a file of stored states: it is not overwritten",
                    path.display()
                )));
            }
            self.check_fits(&ck.state, &ck.state.now, true)
                .map_err(|e| at_path(e, path))?;
            ck.state.snapshots
        } else {
            Vec::new()
        };
        states.retain(|(n, _)| n != name);
        states.push((name.to_string(), StateData::of(&self.snapshot())));
        states.sort_by(|a, b| a.0.cmp(&b.0));
        let mut ck = self.checkpoint();
        ck.state.snapshots = states;
        ck.meta.insert(CONTENTS.0.into(), CONTENTS.1.into());
        ck.save(path)
    }

    /// Restores the state stored under `name` in the file `path` by
    /// [`Network::store_to_file`] (Brian2's `restore(name, filename=path,
    /// restore_random_state=random_state)`), into this network, built as the
    /// one that stored it: as [`Network::restore`], or with `random_state`
    /// as [`Network::restore_with_random_state`].
    ///
    /// An error, with the network unchanged, when the file cannot be read, is
    /// not a spikejit checkpoint, is truncated or corrupt, is of another
    /// network (other objects, sizes, dt, precision or arrays), or holds no
    /// state under `name`.
    pub fn restore_from_file(&mut self, name: &str, path: impl AsRef<Path>, random_state: bool) -> Result<()> {
        let state = self.stored_state_in_file(name, path.as_ref())?;
        self.restore_snapshot(state.into_snapshot(), random_state);
        Ok(())
    }

    /// The errors [`Network::restore_from_file`] would give now, without
    /// restoring anything (`spikejit check` checks a `restore` step's file
    /// with it).
    pub fn check_state_file(&self, name: &str, path: impl AsRef<Path>) -> Result<()> {
        self.stored_state_in_file(name, path.as_ref()).map(drop)
    }

    /// The state stored under `name` in the file `path`, checked to fit this network.
    fn stored_state_in_file(&self, name: &str, path: &Path) -> Result<StateData> {
        let mut st = Checkpoint::load(path)
            .map_err(|mut e| {
                for d in &mut e.0 {
                    d.help.get_or_insert_with(|| {
                        "restore from a file written by a store with a file (`Network::store_to_file`, a `store` step's `file`)".into()
                    });
                }
                e
            })?
            .state;
        let states = &mut st.snapshots;
        let Some(k) = states.iter().position(|(n, _)| n == name) else {
            let names: Vec<String> = states.iter().map(|(n, _)| format!("'{n}'")).collect();
            return Err(checkpoint_error(format!(
                "{}: nothing was stored under the name '{name}' in this file (it holds {})",
                path.display(),
                if names.is_empty() {
                    "no state".to_string()
                } else {
                    names.join(", ")
                }
            )));
        };
        let state = states.swap_remove(k).1;
        self.check_fits(&st, &state, true).map_err(|e| at_path(e, path))?;
        // The synapses made when the network was built must be those stored:
        // every per-synapse array is as long as the synapses are many.
        for (id, o) in self.objects.iter().enumerate() {
            if let Object::Synapses(s) = o {
                let there = state
                    .arrays
                    .iter()
                    .find(|(o, v, _)| *o == id && v == "_pre")
                    .map(|(_, _, a)| a.len());
                if let Some(there) = there
                    && there != s.n
                {
                    return Err(checkpoint_error(format!(
                        "{}: the state is of another network: synapses '{}' are {there} there, {} here",
                        path.display(),
                        s.name,
                        s.n
                    )));
                }
            }
        }
        Ok(state)
    }

    /// Writes [`Network::checkpoint`] to `path` (through a temporary file in the
    /// same directory, renamed over `path`).
    pub fn save_checkpoint(&self, path: impl AsRef<Path>) -> Result<()> {
        self.checkpoint().save(path)
    }

    /// Reads a checkpoint from `path` and loads it ([`Network::restore_checkpoint`]).
    /// A file that is not a checkpoint, is truncated or corrupt, or is of
    /// another network is an error; the network is then unchanged.
    pub fn load_checkpoint(&mut self, path: impl AsRef<Path>) -> Result<()> {
        let ck = Checkpoint::load(path)?;
        self.restore_checkpoint(ck)
    }
}

impl Checkpoint {
    /// The simulated time (seconds) the state is at.
    pub fn t(&self) -> f64 {
        self.state.now.t
    }

    /// For a checkpoint taken where a run was stopped early: the simulated
    /// seconds of that run left ([`Network::continue_run`]).
    pub fn run_left(&self) -> Option<f64> {
        self.state.pending.as_ref().map(|p| p.t_end - self.state.now.t)
    }

    /// The seed of the network.
    pub fn seed(&self) -> u64 {
        self.state.seed
    }

    /// The file's bytes (see the module's documentation for the layout).
    pub fn to_bytes(&self) -> Vec<u8> {
        #[derive(Serialize)]
        struct FileRef<'a> {
            meta: &'a BTreeMap<String, String>,
            state: &'a NetState,
        }
        let payload = postcard::to_stdvec(&FileRef {
            meta: &self.meta,
            state: &self.state,
        })
        .unwrap_or_default();
        let mut out = Vec::with_capacity(HEADER + payload.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&VERSION.to_le_bytes());
        out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        out.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
        out.extend_from_slice(&payload);
        out
    }

    /// Reads the bytes of [`Checkpoint::to_bytes`]; anything else (another
    /// file, another format version, a truncated or corrupt file) is an error.
    pub fn from_bytes(bytes: &[u8]) -> Result<Checkpoint> {
        if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
            return Err(checkpoint_error(
                "not a spikejit checkpoint (it does not start with 'SPKJITCK')",
            ));
        }
        if bytes.len() < HEADER {
            return Err(checkpoint_error(format!(
                "the checkpoint is truncated: {} bytes, shorter than its {HEADER}-byte header",
                bytes.len()
            )));
        }
        let u32_at = |k: usize| u32::from_le_bytes([bytes[k], bytes[k + 1], bytes[k + 2], bytes[k + 3]]);
        let version = u32_at(8);
        if version != VERSION {
            return Err(checkpoint_error(format!(
                "the checkpoint has format version {version}; this spikejit reads version {VERSION}"
            )));
        }
        let mut len = [0u8; 8];
        len.copy_from_slice(&bytes[12..20]);
        let len = u64::from_le_bytes(len);
        let crc = u32_at(20);
        let payload = &bytes[HEADER..];
        if (payload.len() as u64) < len {
            return Err(checkpoint_error(format!(
                "the checkpoint is truncated: {} bytes of data where its header says {len}",
                payload.len()
            )));
        }
        if payload.len() as u64 > len {
            return Err(checkpoint_error(format!(
                "the checkpoint is corrupt: {} bytes of data where its header says {len}",
                payload.len()
            )));
        }
        if crc32fast::hash(payload) != crc {
            return Err(checkpoint_error(
                "the checkpoint is corrupt (its checksum does not match)",
            ));
        }
        let file: FileData =
            postcard::from_bytes(payload).map_err(|e| checkpoint_error(format!("the checkpoint is corrupt: {e}")))?;
        Ok(Checkpoint {
            meta: file.meta,
            state: file.state,
        })
    }

    /// Writes the checkpoint to `path` through a temporary file in the same
    /// directory, renamed over `path`: a reader never sees half a checkpoint.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let io = |e: std::io::Error| checkpoint_error(format!("cannot write the checkpoint '{}': {e}", path.display()));
        crate::fs::write_atomic(path, &self.to_bytes()).map_err(io)
    }

    /// Reads a checkpoint file ([`Checkpoint::from_bytes`]).
    pub fn load(path: impl AsRef<Path>) -> Result<Checkpoint> {
        let path = path.as_ref();
        let bytes = std::fs::read(path)
            .map_err(|e| checkpoint_error(format!("cannot read the checkpoint '{}': {e}", path.display())))?;
        Checkpoint::from_bytes(&bytes).map_err(|e| at_path(e, path))
    }
}
