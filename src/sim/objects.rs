//! What a network keeps of each object it was given: neuron groups (and the
//! Poisson groups and spike generators that behave like them), subgroups,
//! synapses with their pathways, monitors with their recordings, inputs,
//! and the states `store` keeps. Plain data, below every room: what each
//! kind of object does is in that kind's room.

use std::collections::HashMap;
use std::sync::Arc;

use spikejit_runtime::queue;

use super::arrays::Array;
use super::schedule::ClockRef;
use super::spec::Handle;
use crate::diag::Source;
use crate::integrate::Method;
use crate::model::equations::Equations;
use crate::model::scope::{ArrayKey, TableFn};
use crate::syntax::ast::{Expr, Statement};
use crate::units::Dim;

pub(crate) struct Group {
    pub name: String,
    pub n: usize,
    pub eqs: Equations,
    pub threshold: Option<(Arc<Source>, Expr)>,
    pub reset: Option<(Arc<Source>, Vec<Statement>)>,
    pub refractory: Option<(Arc<Source>, Expr)>,
    pub methods: Vec<Method>,
    /// The method as given (integration errors point at it); `None` when chosen automatically.
    pub method_src: Option<Arc<Source>>,
    pub dt: f64,
    /// The clock `dt` comes from (a change of that clock's dt moves it).
    pub clock: ClockRef,
    pub order: i32,
    pub when: i32,
    pub kind: GroupKind,
    pub namespace: Vec<(String, f64, Dim)>,
    /// Brian2's `method_options`, checked against the method chosen.
    pub method_options: Box<[(String, bool)]>,
    /// Custom events (name, source, condition) and their code (event, source, statements).
    pub events: Vec<(String, Arc<Source>, Expr)>,
    pub event_code: Vec<(String, Arc<Source>, Vec<Statement>)>,
    /// A spatial neuron's morphology (its compartments are the group's elements).
    pub spatial: Option<Arc<crate::morphology::FlatMorphology>>,
}

/// What kind of group a [`Group`] is: neurons, or an input that behaves like one.
pub(crate) enum GroupKind {
    Neurons,
    /// A PoissonGroup: a group whose threshold is `rand() < rates*dt`.
    Poisson,
    /// A SpikeGeneratorGroup: spikes from a list.
    Generator(Box<GeneratorState>),
}

/// The spikes of a SpikeGeneratorGroup, sorted by (step, index).
#[derive(Clone, Debug, Default)]
pub(crate) struct GeneratorState {
    pub steps: Vec<i64>,
    pub indices: Vec<i32>,
    /// The period in steps (0: no period).
    pub period: i64,
    pub next: usize,
    /// The spikes as given: (indices, times in seconds, period in seconds),
    /// to make the table again for another dt.
    pub spikes: (Vec<i64>, Vec<f64>, f64),
    /// The dt the steps are counted in.
    pub dt: f64,
}

impl Group {
    /// Whether the group emits spikes (has a threshold or is a spike source).
    pub fn spikes(&self) -> bool {
        self.threshold.is_some() || matches!(self.kind, GroupKind::Generator(_))
    }

    /// Whether the group emits `event`.
    pub fn has_event(&self, event: &str) -> bool {
        if event == "spike" {
            self.spikes()
        } else {
            self.events.iter().any(|e| e.0 == event)
        }
    }
}

/// The array holding the indices of the elements that had `event` this step.
pub(crate) fn space_key(event: &str) -> String {
    if event == "spike" {
        "_spikespace".to_string()
    } else {
        format!("_{event}space")
    }
}

/// What a linked variable reads.
#[derive(Clone, Debug)]
pub(crate) struct Link {
    /// The array read (a neuron group's variable; for a link to a linked
    /// variable, the array that one reads).
    pub array: ArrayKey,
    /// The element of `array` read for an element of the linking object
    /// (`IndexSel::Item` stands for that element).
    pub index: crate::model::scope::IndexSel,
    /// The number of elements of `array`, for the checks of index variables.
    pub len: usize,
    /// The dimension and type of the variable linked to.
    pub dim: Dim,
    pub ty: crate::model::scope::ValTy,
    /// What it links to as written (`G.v`), for messages.
    pub shown: String,
    /// The linking object's integer variable that indexes the link, if any.
    pub index_var: Option<String>,
}

pub(crate) struct Pathway {
    pub name: String,
    pub code: Arc<Source>,
    pub stmts: Vec<Statement>,
    pub is_post: bool,
    /// Scalar delay in seconds, or `None` for per-synapse delays (array `NAME.delay`).
    pub scalar_delay: Option<f64>,
    pub queue: queue::SpikeQueue,
    /// The event of the emitting group this pathway reacts to.
    pub event: String,
}

pub(crate) struct Syn {
    pub namespace: Vec<(String, f64, Dim)>,
    pub multisynaptic_index: Option<String>,
    pub when: i32,
    pub name: String,
    pub source: GroupRange,
    pub target: GroupRange,
    /// Brian2's `order` of the source and of the target as given (a subgroup's
    /// is its group's + 1): summed variables are updated at the order before.
    pub source_order: i32,
    pub target_order: i32,
    /// The slots of summed variables' updaters moved out of `groups`: (variable, slot rank).
    pub summed_when: Vec<(String, i32)>,
    pub eqs: Equations,
    pub pathways: Vec<Pathway>,
    pub connected: bool,
    pub n: usize,
    pub methods: Vec<Method>,
    /// The method as given (integration errors point at it); `None` when chosen automatically.
    pub method_src: Option<Arc<Source>>,
    /// Brian2's `method_options`, checked against the method chosen.
    pub method_options: Box<[(String, bool)]>,
    pub dt: f64,
    /// The clock `dt` comes from.
    pub clock: ClockRef,
    pub order: i32,
}

/// A contiguous range of a neuron group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GroupRange {
    /// The index of the group among the network's objects.
    pub group: usize,
    /// The first neuron of the range.
    pub start: usize,
    /// One past the last neuron of the range.
    pub stop: usize,
}

impl GroupRange {
    /// The number of neurons in the range.
    pub fn len(&self) -> usize {
        self.stop - self.start
    }
    /// Whether the range holds no neuron.
    pub fn is_empty(&self) -> bool {
        self.stop == self.start
    }
}

pub(crate) struct SpikeMon {
    pub name: String,
    pub source: GroupRange,
    pub record: bool,
    pub event: String,
    pub variables: Vec<String>,
    pub values: Vec<Vec<f64>>,
    pub when: i32,
    pub order: i32,
    pub i: Vec<i32>,
    pub t: Vec<f64>,
    pub count: Vec<i32>,
}

pub(crate) struct StateMon {
    pub name: String,
    pub source: Handle,
    pub variables: Vec<String>,
    pub indices: Vec<usize>,
    /// On a partitioned network: the positions in `indices` of the elements
    /// this rank records (those it owns); `data` then holds these columns
    /// only, until rank 0 gathers them all.
    pub columns: Option<Vec<usize>>,
    pub dt: f64,
    /// The clock `dt` comes from.
    pub clock: ClockRef,
    pub when: i32,
    pub order: i32,
    pub t: Vec<f64>,
    /// Per variable: time-major samples (`t.len() × indices.len()`).
    pub data: Vec<Vec<f64>>,
}

pub(crate) enum Object {
    Group(Group),
    Subgroup { name: String, range: GroupRange },
    Synapses(Box<Syn>),
    SpikeMon(SpikeMon),
    StateMon(StateMon),
    RateMon(RateMon),
    TimedArray(TimedArrayObj),
    PoissonInput(PoissonInputObj),
}

impl Object {
    pub(crate) fn name(&self) -> &str {
        match self {
            Object::Group(g) => &g.name,
            Object::Subgroup { name, .. } => name,
            Object::Synapses(s) => &s.name,
            Object::SpikeMon(m) => &m.name,
            Object::StateMon(m) => &m.name,
            Object::RateMon(m) => &m.name,
            Object::TimedArray(t) => &t.name,
            Object::PoissonInput(p) => &p.name,
        }
    }
}

pub(crate) struct RateMon {
    pub name: String,
    pub source: GroupRange,
    pub when: i32,
    pub order: i32,
    pub t: Vec<f64>,
    pub rate: Vec<f64>,
    /// On a partitioned network: this rank's events at each step (`rate`
    /// then holds its part of the rate, until rank 0 sums the counts).
    pub own_counts: Vec<u32>,
}

pub(crate) struct TimedArrayObj {
    pub name: String,
    pub table: TableFn,
}

pub(crate) struct PoissonInputObj {
    pub name: String,
    pub target: Handle,
    pub var: String,
    pub n: usize,
    pub rate: f64,
    pub weight_expr: Expr,
}

pub(crate) struct Regular {
    pub name: String,
    pub owner: Handle,
    pub code: Arc<Source>,
    pub stmts: Vec<Statement>,
    pub dt: f64,
    /// The clock `dt` comes from.
    pub clock: ClockRef,
    pub when: i32,
    pub order: i32,
}

/// A spike monitor's recorded data: (object, i, t, count, values).
pub(crate) type SpikeMonState = (usize, Vec<i32>, Vec<f64>, Vec<i32>, Vec<Vec<f64>>);

/// A stored network state (Brian2's `Network.store()`).
#[derive(Clone)]
pub(crate) struct Snapshot {
    pub arrays: HashMap<ArrayKey, Array>,
    pub spike_mons: Vec<SpikeMonState>,
    pub state_mons: Vec<(usize, Vec<f64>, Vec<Vec<f64>>)>,
    pub rate_mons: Vec<(usize, Vec<f64>, Vec<f64>)>,
    /// A partitioned network's rate monitors' own counts, and its exchanges of
    /// events (the last one's events are what a pathway that runs before its
    /// emitter's threshold reads next).
    pub rate_counts: Vec<(usize, Vec<u32>)>,
    pub event_exchanges: Vec<super::partition::EventExchange>,
    pub queues: Vec<(usize, usize, queue::SpikeQueue)>,
    pub generators: Vec<(usize, usize)>,
    pub t: f64,
    pub clock_steps: HashMap<u64, i64>,
    pub spikes: HashMap<String, u64>,
    /// The random state: the seed and the number of random streams drawn
    /// (every stream is `Rng::seed(seed, n)`), brought back only when asked
    /// (Brian2's `restore_random_state=True`).
    pub seed: u64,
    pub rng_streams: u64,
}
