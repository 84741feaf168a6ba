//! How a caller watches, stops and measures the runs of a network
//! ([`RunControl`], [`RunStats`]), and what a run stopped early keeps to go
//! on ([`PendingRun`]): data the network holds, below the run loop that
//! reads and fills it.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

/// What the runs of a network cost and produced.
#[derive(Clone, Debug, Default)]
pub struct RunStats {
    /// Seconds spent building kernels (unit checks, integration, lowering, JIT).
    pub compile_seconds: f64,
    /// Seconds spent in the time-step loop.
    pub run_seconds: f64,
    /// Kernels compiled, and the JIT time of each (name, seconds).
    pub kernels: Vec<(String, f64)>,
    /// Spikes per group over all runs.
    pub spikes: HashMap<String, u64>,
    /// Time steps simulated (of the default clock).
    pub steps: u64,
    /// Seconds spent creating synapses (`connect`), kernels included.
    pub connect_seconds: f64,
    /// Synaptic events delivered by all pathways (one per synapse and event).
    pub synaptic_events: u64,
    /// On a partitioned network: the steps at whose end the ranks exchanged
    /// their events and agreed on stopping, over all runs.
    pub exchange_steps: u64,
    /// On a partitioned network: the longest epoch (steps from one exchange
    /// to the next) a run had.
    pub longest_epoch: u64,
    /// The kernels that ran split over threads ([`Network::set_threads`](crate::sim::Network::set_threads)).
    pub threaded_kernels: Vec<String>,
    /// With profiling on ([`Network::set_profiling`](crate::sim::Network::set_profiling)): the
    /// wall time of each object of the schedule over all runs, in schedule
    /// order (Brian2's `profiling_summary()`); empty otherwise.
    pub profile: Vec<OpTime>,
}

/// The wall time one object of the schedule took over the runs of a network
/// (Brian2's `profiling_summary()` lists the same, by code object).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct OpTime {
    /// The object's name as [`Network::schedule`](crate::sim::Network::schedule) lists it
    /// (`P_stateupdater`, `Ce_pre`, `spikes`); a state update that runs
    /// fused with its group's threshold names both (`P_stateupdater+P_spike_thresholder`).
    pub name: String,
    /// Brian2's class of the object (`StateUpdater`, `SynapticPathway`, ...).
    pub class: String,
    /// Seconds spent in the object's steps, summed over all its calls.
    pub seconds: f64,
    /// The time steps it ran.
    pub calls: u64,
}

/// How a caller watches and stops runs (a progress bar, Ctrl-C).
#[derive(Default)]
pub struct RunControl {
    /// Checked after every time step: when set, the run stops at the end of the
    /// step, as if its duration had ended there ([`Network::interrupted`](crate::sim::Network::interrupted)).
    pub stop: Option<Arc<AtomicBool>>,
    /// Called about every 0.1 s of wall time with the simulated time (seconds).
    pub progress: Option<Box<dyn FnMut(f64) + Send>>,
    /// Whether the last run stopped early.
    pub interrupted: bool,
    /// Stops the run, as `stop` does, once this many time steps have been
    /// simulated in all ([`RunStats::steps`], counted over every run of the
    /// network, and over the runs before a checkpoint it was loaded from).
    pub max_steps: Option<u64>,
    /// Called with each finding of the run-time checks in
    /// [`NanMode::Warn`](super::NanMode::Warn), as a warning to show (the CLI
    /// renders it with the statement's place); without it, they are only
    /// kept ([`Network::findings`](crate::sim::Network::findings)).
    pub on_warning: Option<WarningHandler>,
}

/// What shows a warning of the run-time checks ([`RunControl::on_warning`]).
pub type WarningHandler = Box<dyn FnMut(&crate::diag::Diagnostic) + Send>;

/// What a run stopped early needs to go on exactly as if it had not stopped
/// ([`Network::continue_run`](crate::sim::Network::continue_run)): where it was to end, and its kernels' random
/// streams.
#[derive(Clone, Debug)]
pub(crate) struct PendingRun {
    /// The time the run was to end at.
    pub t_end: f64,
    /// The kernels of the run, in schedule order (`when/order/name`).
    pub keys: Vec<String>,
    /// Their random streams where the run stopped.
    pub rngs: Vec<spikejit_runtime::Rng>,
    /// The network's stream counter after the run's kernels took theirs.
    pub streams: u64,
}

impl std::fmt::Debug for RunControl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunControl")
            .field("stop", &self.stop)
            .field("progress", &self.progress.is_some())
            .field("interrupted", &self.interrupted)
            .field("max_steps", &self.max_steps)
            .field("on_warning", &self.on_warning.is_some())
            .finish()
    }
}
