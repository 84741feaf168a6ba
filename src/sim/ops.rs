//! The steps of a run: one [`Op`] for each thing that runs in a time step
//! (a kernel, a spike generator, a monitor's recording), with its clock and
//! its key in the schedule. The room of each kind of object makes its ops
//! and does their steps; the run loop only walks them in schedule order.

use spikejit_runtime::queue::{BySource, SpikeQueue};

use super::exec::{EventSpace, KernelCall, Prepared};
use super::objects::GroupRange;
use crate::model::scope::ArrayKey;

pub(crate) enum OpKind {
    /// A kernel over `start..end` with extra scalar slots (synaptic state updates,
    /// summed variables).
    Range {
        start: usize,
        end: usize,
        extra: Vec<(&'static str, u64)>,
    },
    /// A group's state update over the elements this rank owns
    /// (`owned.0..owned.1`; all of them when it runs alone).
    StateUpdate {
        group: usize,
        owned: (usize, usize),
    },
    /// A group's threshold (or custom event) over the elements this rank
    /// owns, into its event space (the group's size + 1 entries).
    Threshold {
        group: usize,
        owned: (usize, usize),
        /// `spike` for the threshold (its spikes are counted), else a custom event.
        event: String,
    },
    Reset {
        n: usize,
    },
    /// A synaptic pathway: the events of its emitter into its spike queue,
    /// and its kernel over the events due.
    Pathway(PathwayStep),
    /// A SpikeGeneratorGroup's spikes for this step.
    Generator {
        group: usize,
        n: usize,
    },
    RateMon {
        mon: usize,
        range: GroupRange,
    },
    SpikeMon {
        mon: usize,
        group: usize,
        range: GroupRange,
        event: String,
        /// Arrays of the recorded variables (shared ones have one element),
        /// each with the element it reads for an event's neuron (`Item`: that
        /// neuron; a linked variable's link).
        vars: Vec<(ArrayKey, crate::model::scope::IndexSel)>,
    },
    StateMon {
        mon: usize,
        /// The monitor's recording buffers (`_rec_VAR`), one per variable.
        rec_keys: Vec<ArrayKey>,
    },
    /// A spatial neuron's cable equation: its kernel (the parts of the
    /// membrane current), then the solver over the tree of sections.
    Cable {
        group: usize,
        cable: Box<spikejit_runtime::cable::Cable>,
    },
    /// A network operation: entry `index` of `Network::operations`.
    Operation {
        index: usize,
    },
    /// An object Brian2 schedules that has nothing to do here (a state updater
    /// without equations, synapses without pathways): listed by
    /// [`Network::schedule`], dropped before a run.
    Idle,
}

/// What a pathway's op keeps: where its events come from, and the spike
/// queue (taken from the pathway for the run, given back after it).
pub(crate) struct PathwayStep {
    /// The event of the emitting group the pathway reacts to.
    pub event: String,
    /// The synapses object and the pathway's index in it.
    pub syn: usize,
    pub p: usize,
    /// The emitting group's range (its events outside it are not this pathway's).
    pub emitter: GroupRange,
    /// Boxed: a queue is large beside the other kinds of op.
    pub queue: Box<SpikeQueue>,
    /// The synapses of each emitting element.
    pub by_source: BySource,
    /// Whether the emitter is the synapses' target (`on_post`): its events
    /// are the rank's own, like its synapses' targets.
    pub is_post: bool,
    /// On a partitioned network, for an `on_pre` pathway whose emitter has a
    /// threshold: the network's exchange of that threshold's events
    /// (`Network::event_exchanges`), where it finds every rank's events.
    pub exchange: Option<usize>,
}

pub(crate) struct Op {
    pub kind: OpKind,
    /// The kernel the op calls (none for a spike generator or a spike or rate
    /// monitor), with its arguments, random stream and runtime context.
    pub call: KernelCall,
    /// The event space this op reads (its group's elements + 1 entries), resolved
    /// when the run starts: spikes are read without a lookup on every step.
    pub space: EventSpace,
    pub dt: f64,
    /// (slot rank, order, name): Brian2's sort key.
    pub key: (i32, i32, String),
    /// Brian2's class of the object this op stands for (`StateUpdater`,
    /// `SynapticPathway`, ...), for [`Network::schedule`](crate::sim::Network::schedule).
    pub class: &'static str,
    /// A threshold's exchange of events on a partitioned network (when an
    /// `on_pre` pathway reads them): its index in `Network::event_exchanges`.
    pub exchange: Option<usize>,
    /// The name of the op fused into this one (a group's threshold into its
    /// state update), for the profile.
    pub fused: Option<String>,
}

impl Op {
    /// An [`OpKind::Idle`] op. Its random stream is never drawn from, and it
    /// takes none of the network's streams, so that listing it changes no
    /// other op's stream.
    pub(crate) fn idle(dt: f64, key: (i32, i32, String), class: &'static str) -> Op {
        Op::new(OpKind::Idle, None, dt, key, class, spikejit_runtime::Rng::seed(0, 0))
    }

    /// An op as `before_run` makes it: nothing bound yet.
    pub(crate) fn new(
        kind: OpKind,
        kernel: Option<Prepared>,
        dt: f64,
        key: (i32, i32, String),
        class: &'static str,
        rng: spikejit_runtime::Rng,
    ) -> Op {
        Op {
            kind,
            call: KernelCall::new(kernel, rng),
            space: EventSpace::NONE,
            dt,
            key,
            exchange: None,
            class,
            fused: None,
        }
    }

    /// The op's name in a profile: its object's, and that of the op fused into it.
    pub(crate) fn profile_name(&self) -> String {
        match &self.fused {
            Some(other) => format!("{}+{other}", self.key.2),
            None => self.key.2.clone(),
        }
    }

    /// The op's schedule key as a checkpoint keeps it (`when/order/name`).
    pub(crate) fn key_text(&self) -> String {
        format!("{}/{}/{}", self.key.0, self.key.1, self.key.2)
    }

    /// The group and the event whose event space the op reads at each step.
    pub(crate) fn reads_events(&self) -> Option<(usize, &str)> {
        match &self.kind {
            OpKind::Threshold { group, event, .. } | OpKind::SpikeMon { group, event, .. } => {
                Some((*group, event.as_str()))
            }
            OpKind::Pathway(path) => Some((path.emitter.group, path.event.as_str())),
            OpKind::RateMon { range, .. } => Some((range.group, "spike")),
            _ => None,
        }
    }

    /// The elements of a kernel that may be split over threads (a neuron
    /// group's state update and thresholds, over the elements this rank owns).
    pub(crate) fn splittable_elements(&self) -> Option<(usize, usize)> {
        match self.kind {
            OpKind::StateUpdate { owned, .. } | OpKind::Threshold { owned, .. } => Some(owned),
            _ => None,
        }
    }
}
