//! The steps of a run: one [`Op`] for each thing that runs in a time step
//! (a kernel, a spike generator, a monitor's recording), with its clock and
//! its key in the schedule.

use spikejit_runtime::queue::{BySource, SpikeQueue};

use super::exec::{Bound, Prepared, SplitPlan};
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
    StateUpdate {
        group: usize,
        n: usize,
    },
    Threshold {
        group: usize,
        n: usize,
        /// `spike` for the threshold (its spikes are counted), else a custom event.
        event: String,
    },
    Reset {
        n: usize,
    },
    Pathway {
        event: String,
        syn: usize,
        p: usize,
        emitter: GroupRange,
        queue: SpikeQueue,
        by_source: BySource,
    },
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
        /// Arrays of the recorded variables (shared ones have one element).
        vars: Vec<ArrayKey>,
    },
    StateMon {
        mon: usize,
        /// The monitor's recording buffers (`_rec_VAR`), one per variable.
        rec_keys: Vec<ArrayKey>,
    },
    /// An object Brian2 schedules that has nothing to do here (a state updater
    /// without equations, synapses without pathways): listed by
    /// [`Network::schedule`], dropped before a run.
    Idle,
}

pub(crate) struct Op {
    pub kind: OpKind,
    pub kernel: Option<Prepared>,
    /// The kernel's array pointers, resolved when the run starts.
    pub bound: Option<Bound>,
    /// How the kernel runs on several threads, when it does.
    pub split: Option<SplitPlan>,
    /// The event space this op reads (its group's elements + 1 entries), resolved
    /// when the run starts: spikes are read without a lookup on every step.
    pub space: (*const i32, usize),
    pub ctx: spikejit_runtime::Context,
    pub dt: f64,
    /// (slot rank, order, name): Brian2's sort key.
    pub key: (i32, i32, String),
    pub rng: spikejit_runtime::Rng,
    /// Brian2's class of the object this op stands for (`StateUpdater`,
    /// `SynapticPathway`, ...), for [`Network::schedule`].
    pub class: &'static str,
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
            kernel,
            bound: None,
            split: None,
            space: (std::ptr::null(), 0),
            ctx: spikejit_runtime::Context::new(),
            dt,
            key,
            rng,
            class,
        }
    }
}

/// An op's schedule key as a checkpoint keeps it.
pub(crate) fn op_key(op: &Op) -> String {
    format!("{}/{}/{}", op.key.0, op.key.1, op.key.2)
}
