//! The simulator and the Rust string-model API: objects (neuron groups,
//! synapses, inputs, monitors), the network schedule and the run loop.
//!
//! A model is built as in Brian2: model equations, thresholds, resets,
//! `on_pre`/`on_post` code and `connect` conditions are strings in Brian2's
//! syntax, unit-checked and compiled to native code when the network first
//! runs. Numbers passed from Rust are in SI units (seconds, volts, ...); the
//! unit constants of [`crate::units::si`] (`20.0 * ms`) give them with units.
//!
//! - [`Network`] owns every object; `add_*` methods return a [`Handle`].
//! - Specifications: [`NeuronGroup`], [`Synapses`] (then [`Network::connect`]
//!   with a [`Connect`]), [`PoissonGroup`], [`SpikeGeneratorGroup`],
//!   [`TimedArray`], [`PoissonInput`], [`RunRegularly`], [`SpikeMonitor`]
//!   (also an EventMonitor), [`StateMonitor`], and rate monitors
//!   ([`Network::add_rate_monitor`]).
//! - Variables are set with [`Network::set`] (a [`Value`] on a [`Selection`])
//!   and read with [`Network::get`]; recordings come back as `ndarray`
//!   arrays ([`SpikeData`], [`StateData`], [`Network::rate_monitor`]).
//! - [`Network::run`] runs; [`Network::store`] and [`Network::restore`] save
//!   and bring back the whole state.
//!
//! Every error is an [`Errors`](crate::diag::Errors) value (a list of
//! diagnostics), never a panic.
//!
//! ```
//! use spikejit::sim::{Connect, Network, NeuronGroup, Record, Selection, SpikeMonitor, StateMonitor, Synapses, Value};
//! use spikejit::units::si::*;
//!
//! let mut net = Network::new();
//! net.set_seed(1);
//! let tau = 10.0 * ms;
//! net.constant("tau", tau.value, tau.dim)?;
//! let g = net.add_neurons(
//!     NeuronGroup::new(100, "dv/dt = (1.1 - v)/tau : 1 (unless refractory)")
//!         .threshold("v > 1")
//!         .reset("v = 0")
//!         .refractory("2*ms"),
//! )?;
//! net.set(g, "v", Value::Expr("rand()".into()), Selection::All)?;
//! let s = net.add_synapses(Synapses::new(g, g, "w : 1").on_pre("v_post += w").delay((1.0 * ms).value))?;
//! net.connect(s, Connect::p(0.1))?;
//! net.set(s, "w", Value::Scalar(0.01), Selection::All)?;
//! let spikes = net.add_spike_monitor(SpikeMonitor::new(g))?;
//! let trace = net.add_state_monitor(StateMonitor::new(g, &["v"], Record::Indices(vec![0, 1])))?;
//! net.run((100.0 * ms).value)?;
//!
//! let sp = net.spike_monitor(spikes).ok_or("no such spike monitor")?;
//! println!("{} spikes, first at {:?} s", sp.t.len(), sp.t.first());
//! let st = net.state_monitor(trace).ok_or("no such state monitor")?;
//! assert_eq!(st.values[0].1.shape(), &[2, 1000]); // v: (recorded neurons, time steps)
//! # assert!(sp.t.len() > 0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The sections below are the guide to the API (`docs/rust-api.md` shows
//! them): [Network](#network), [NeuronGroup](#neurongroup),
//! [Synapses and connect](#synapses-and-connect),
//! [Setting and reading variables](#setting-and-reading-variables),
//! [Monitors](#monitors), [Running, store and restore](#running-store-and-restore),
//! [Inputs](#inputs); the last one, [The rooms of this module](#the-rooms-of-this-module),
//! is a map of the code.
//!
//! # Network
//!
//! [`Network::new`] makes an empty network: default clock dt 0.1 ms, seed 0,
//! float64, the JIT backend, time 0.
//!
//! ```
//! use spikejit::sim::Network;
//! use spikejit::units::Dim;
//!
//! let mut net = Network::new();
//! net.set_dt(0.1e-3); // defaultclock.dt = 0.1*ms (in seconds)
//! net.set_seed(42); // seed(42)
//! net.constant("tau", 10e-3, Dim::SECOND)?; // tau = 10*ms, for every model string
//! assert_eq!(net.t(), 0.0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`Network::warnings`] lists what the checks of the model's code found
//! that runs but likely does not do what was meant.
//!
//! ```
//! use spikejit::sim::{Network, NeuronGroup};
//!
//! let mut net = Network::new();
//! net.add_neurons(NeuronGroup::new(2, "dv/dt = 1/ms : 1").threshold("v > 1").reset("v = 0; u = 5"))?;
//! net.check()?;
//! let w = net.warnings();
//! assert_eq!(w.len(), 1);
//! assert_eq!(w[0].code, "unused-temporary");
//! assert!(w[0].message.contains("'u' is not a variable"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # NeuronGroup
//!
//! A [`NeuronGroup`] is built with [`NeuronGroup::new`] and builder methods
//! (or by setting its fields), and added with [`Network::add_neurons`].
//!
//! ```
//! use spikejit::sim::NeuronGroup;
//!
//! let lif = NeuronGroup::new(
//!     100,
//!     "dv/dt = (v0 - v)/(10*ms) : volt (unless refractory)
//!      v0 : volt",
//! )
//! .name("G")
//! .threshold("v > -50*mV")
//! .reset("v = -60*mV")
//! .refractory("5*ms")
//! .method("exact");
//! assert_eq!(lif.n, 100);
//! ```
//!
//! Added to a network, its variables start at 0 (`not_refractory` True,
//! `lastspike` -10000 s). The model strings are parsed then (syntax and
//! structure errors are returned there); units are checked when kernels are
//! built.
//!
//! ```
//! use spikejit::sim::{Network, NeuronGroup, Selection, Value};
//! use spikejit::units::si::*;
//!
//! let mut net = Network::new();
//! let tau = 10.0 * ms;
//! net.constant("tau", tau.value, tau.dim)?;
//! let g = net.add_neurons(NeuronGroup::new(10, "dv/dt = (1.1 - v)/tau : 1").threshold("v > 1").reset("v = 0"))?;
//! net.set(g, "v", Value::Expr("rand()".into()), Selection::All)?;
//! assert_eq!(net.size_of(g)?, 10);
//! assert_eq!(net.name_of(g), "neurongroup");
//! // a subgroup, as G[0:4]
//! let first = net.subgroup(g, 0, 4, Some("first"))?;
//! assert_eq!(net.get(first, "v")?.len(), 4);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Synapses and connect
//!
//! [`Synapses`] are built with [`Synapses::new`] and builder methods, and
//! added with [`Network::add_synapses`].
//!
//! ```
//! use spikejit::sim::{Network, NeuronGroup, Synapses};
//!
//! let mut net = Network::new();
//! let g = net.add_neurons(NeuronGroup::new(10, "v : volt"))?;
//! // Synapses(G, G, 'w : volt', on_pre='v_post += w', delay=2*ms)
//! let spec = Synapses::new(g, g, "w : volt").on_pre("v_post += w").delay(2e-3);
//! // two named pathways, one on presynaptic and one on postsynaptic spikes
//! let stdp = Synapses::new(g, g, "w : 1\ndapre/dt = -apre/(20*ms) : 1 (event-driven)")
//!     .pathway("pre", "apre += 0.01; w += apre", false)
//!     .pathway("post", "w -= 0.01", true);
//! assert_eq!(stdp.pathways.len(), 2);
//! # let _ = spec;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Added to a network, they have no synapse until [`Network::connect`]:
//!
//! ```
//! use spikejit::sim::{Connect, Network, NeuronGroup, Selection, Synapses, Value};
//!
//! let mut net = Network::new();
//! let g = net.add_neurons(NeuronGroup::new(10, "v : 1").threshold("v > 1"))?;
//! let s = net.add_synapses(Synapses::new(g, g, "w : 1").on_pre("v_post += w").delay(1e-3))?;
//! net.connect(s, Connect::condition("i != j"))?;
//! net.set(s, "w", Value::Expr("0.1*rand()".into()), Selection::All)?;
//! assert_eq!(net.size_of(s)?, 90);
//! assert_eq!(net.get(s, "w")?.len(), 90); // one weight per synapse
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`Network::connect`] takes a [`Connect`]: all-to-all, a probability, a
//! condition, index arrays, a generator expression, or any combination of
//! the fields (as Brian2's `S.connect(condition, i=, j=, p=, n=, skip_if_invalid=)`).
//!
//! ```
//! use spikejit::sim::{Connect, Count, Network, NeuronGroup, Prob, Synapses};
//!
//! let mut net = Network::new();
//! let g = net.add_neurons(NeuronGroup::new(10, "v : 1"))?;
//! let s = net.add_synapses(Synapses::new(g, g, "w : 1"))?;
//! // every call adds synapses, as repeated S.connect(...) calls do
//! net.connect(s, Connect::all())?; // S.connect()
//! net.connect(s, Connect::p(0.1))?; // S.connect(p=0.1)
//! net.connect(s, Connect::condition("i != j"))?; // S.connect('i != j')
//! net.connect(s, Connect::arrays(vec![0, 1], vec![2, 3]))?; // S.connect(i=[0, 1], j=[2, 3])
//! net.connect(s, Connect::j("k for k in range(i-3, i+4) if k >= 0 and k < N_post"))?;
//! // S.connect('abs(i-j) < 3', p=0.5, n=2)
//! let c = Connect {
//!     condition: Some("abs(i - j) < 3".into()),
//!     p: Some(Prob::Value(0.5)),
//!     n: Some(Count::Value(2)),
//!     ..Connect::default()
//! };
//! net.connect(s, c)?;
//! // S2.connect(j='i+1', skip_if_invalid=True): the last neuron has no i+1
//! let chain = net.add_synapses(Synapses::new(g, g, ""))?;
//! net.connect(chain, Connect { skip_if_invalid: true, ..Connect::j("i+1") })?;
//! assert_eq!(net.size_of(chain)?, 9);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Setting and reading variables
//!
//! [`Network::set`] writes a [`Value`] (a number, one number per element or
//! a string expression) to the elements a [`Selection`] picks, as Brian2's
//! `G.v = ...`, `S.w['i > j'] = ...` and `S.w[i, j] = ...`. Numbers are SI
//! values. Synaptic variables can be set only after `connect`; a pathway's
//! delay is the variable `delay` (`pre`) or `NAME.delay`.
//!
//! ```
//! use spikejit::sim::{Connect, Network, NeuronGroup, Selection, Slice, Synapses, Value};
//!
//! let mut net = Network::new();
//! let g = net.add_neurons(NeuronGroup::new(4, "v : volt\nI : amp").threshold("v > 0*mV"))?;
//! net.set(g, "v", Value::Scalar(-0.07), Selection::All)?; // G.v = -70*mV
//! net.set(g, "I", Value::Array(vec![0.0, 1e-9, 2e-9, 3e-9]), Selection::All)?; // G.I = [0, 1, 2, 3]*nA
//! net.set(g, "v", Value::Expr("-60*mV + i*mV".into()), Selection::Where("i >= 2".into()))?; // G.v['i >= 2'] = ...
//! let s = net.add_synapses(Synapses::new(g, g, "w : 1").on_pre("v_post += w*mV"))?;
//! net.connect(s, Connect::all())?;
//! net.set(s, "w", Value::Expr("rand()".into()), Selection::All)?; // S.w = 'rand()'
//! net.set(s, "w", Value::Scalar(0.0), Selection::Where("i == j".into()))?; // S.w['i == j'] = 0
//! net.set(s, "w", Value::Scalar(2.0), Selection::Pair(0, 1))?; // S.w[0, 1] = 2
//! let (pre, post, k) = (Slice::range(1, 3), Slice::All, Slice::All);
//! net.set(s, "w", Value::Scalar(3.0), Selection::Synapses { pre, post, k })?; // S.w[1:3, :] = 3
//! net.set(s, "delay", Value::Expr("(1 + j)*ms".into()), Selection::All)?; // S.delay = '(1 + j)*ms'
//! let v = net.get(g, "v")?;
//! assert!((v[3] + 0.057).abs() < 1e-12);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`Network::get`] reads a variable back, in SI units.
//!
//! ```
//! use spikejit::sim::{Network, NeuronGroup, Selection, Value};
//!
//! let mut net = Network::new();
//! let g = net.add_neurons(NeuronGroup::new(3, "dv/dt = -v/(10*ms) : volt"))?;
//! net.set(g, "v", Value::Array(vec![0.01, 0.02, 0.03]), Selection::All)?;
//! net.run(0.01)?;
//! let v = net.get(g, "v")?; // ndarray::Array1<f64>, in volts
//! assert!((v[0] - 0.01 * (-1.0f64).exp()).abs() < 1e-9);
//! assert!(net.get(g, "w").is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Monitors
//!
//! A [`SpikeMonitor`] records spikes (or, for a custom event, events);
//! [`Network::spike_monitor`] gives them back.
//!
//! ```
//! use spikejit::sim::{Network, NeuronGroup, SpikeMonitor};
//!
//! let mut net = Network::new();
//! let g = net.add_neurons(
//!     NeuronGroup::new(5, "dv/dt = 100*Hz : 1").threshold("v > 1").reset("v = 0").event("half", "v > 0.5"),
//! )?;
//! let spikes = net.add_spike_monitor(SpikeMonitor::new(g).name("spikes"))?;
//! // SpikeMonitor(G, record=False): only the counts
//! let mut counts = SpikeMonitor::new(g).name("counts");
//! counts.record = false;
//! net.add_spike_monitor(counts)?;
//! // EventMonitor(G, 'half', variables=['v'])
//! let mut half = SpikeMonitor::new(g).name("half");
//! half.event = "half".into();
//! half.variables = vec!["v".into()];
//! let half = net.add_spike_monitor(half)?;
//! net.run(0.1)?;
//! assert_eq!(net.spike_monitor(spikes).ok_or("no monitor")?.count.to_vec(), vec![10; 5]);
//! let v_at_half = &net.spike_monitor_values(half)[0];
//! assert_eq!(v_at_half.0, "v");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ```
//! use spikejit::sim::{Network, NeuronGroup, Selection, SpikeMonitor, Value};
//!
//! let mut net = Network::new();
//! let g = net.add_neurons(NeuronGroup::new(10, "dv/dt = rate : 1\nrate : hertz").threshold("v > 1").reset("v = 0"))?;
//! net.set(g, "rate", Value::Expr("(10 + 10*i)*Hz".into()), Selection::All)?;
//! let m = net.add_spike_monitor(SpikeMonitor::new(g))?;
//! net.run(1.0)?;
//! let spikes = net.spike_monitor(m).ok_or("not a spike monitor")?;
//! assert_eq!(spikes.i.len(), spikes.t.len());
//! assert_eq!(spikes.count.len(), 10);
//! assert_eq!(spikes.count.sum() as usize, spikes.i.len());
//! assert!(spikes.count[9] > spikes.count[0]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! A [`StateMonitor`] records variables; [`Network::state_monitor`] gives
//! them back.
//!
//! ```
//! use spikejit::sim::{Network, NeuronGroup, Record, StateMonitor};
//!
//! let mut net = Network::new();
//! let g = net.add_neurons(NeuronGroup::new(10, "dv/dt = -v/(10*ms) : 1\nI = 2*v : 1"))?;
//! let all = net.add_state_monitor(StateMonitor::new(g, &["v", "I"], Record::All))?;
//! // StateMonitor(G, 'v', record=[0, 5], dt=1*ms)
//! let mut spec = StateMonitor::new(g, &["v"], Record::Indices(vec![0, 5])).name("every_ms");
//! spec.dt = Some(1e-3);
//! let coarse = net.add_state_monitor(spec)?;
//! net.run(0.01)?;
//! assert_eq!(net.state_monitor(all).ok_or("no monitor")?.values[1].1.shape(), &[10, 100]);
//! assert_eq!(net.state_monitor(coarse).ok_or("no monitor")?.t.len(), 10);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ```
//! use spikejit::sim::{Network, NeuronGroup, Record, Selection, StateMonitor, Value};
//!
//! let mut net = Network::new();
//! let g = net.add_neurons(NeuronGroup::new(10, "dv/dt = -v/(10*ms) : volt"))?;
//! net.set(g, "v", Value::Scalar(0.01), Selection::All)?;
//! let m = net.add_state_monitor(StateMonitor::new(g, &["v"], Record::Indices(vec![0, 5])))?;
//! net.run(0.01)?;
//! let data = net.state_monitor(m).ok_or("not a state monitor")?;
//! let (name, v) = &data.values[0];
//! assert_eq!(name, "v");
//! assert_eq!(v.shape(), &[2, data.t.len()]); // (recorded indices, time points)
//! assert_eq!(data.t.len(), 100); // every 0.1 ms step of 10 ms
//! assert_eq!(v[[0, 0]], 0.01); // recorded at the start of the first step
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Running, store and restore
//!
//! [`Network::run`] advances the network by a duration in seconds; runs
//! continue one another, as consecutive `run()` calls in Brian2.
//!
//! ```
//! use spikejit::sim::{Network, NeuronGroup};
//!
//! let mut net = Network::new();
//! net.set_dt(0.05e-3); // defaultclock.dt = 0.05*ms
//! let g = net.add_neurons(NeuronGroup::new(1, "dv/dt = 1/(10*ms) : 1").threshold("v > 1").reset("v = 0"))?;
//! net.run(0.02)?; // run(20*ms)
//! net.run(0.01)?; // and 10 ms more
//! assert!((net.t() - 0.03).abs() < 1e-12);
//! assert_eq!(net.stats().steps, 600);
//! # let _ = g;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`Network::store`] keeps the whole state under a name and
//! [`Network::restore`] brings it back, as Brian2's `store()` and `restore()`;
//! [`Network::restore_with_random_state`] brings back the random state too
//! (Brian2's `restore_random_state=True`), and [`Network::store_to_file`] /
//! [`Network::restore_from_file`] go through a file (Brian2's `filename=`).
//!
//! ```
//! use spikejit::sim::{Network, NeuronGroup, Selection, Value};
//!
//! let mut net = Network::new();
//! let g = net.add_neurons(NeuronGroup::new(3, "dv/dt = (1 - v)/(10*ms) : 1"))?;
//! net.set(g, "v", Value::Array(vec![0.0, 0.5, 0.9]), Selection::All)?;
//! net.store("initial")?;
//! net.run(0.02)?;
//! let first = net.get(g, "v")?;
//! net.restore("initial")?;
//! assert_eq!(net.t(), 0.0);
//! net.run(0.02)?;
//! assert_eq!(net.get(g, "v")?, first); // the same deterministic trajectory
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ```
//! use spikejit::sim::{Network, NeuronGroup, SpikeMonitor};
//!
//! let mut net = Network::new();
//! let g = net.add_neurons(NeuronGroup::new(1, "dv/dt = 200*Hz : 1").threshold("v > 1").reset("v = 0"))?;
//! let m = net.add_spike_monitor(SpikeMonitor::new(g))?;
//! net.store("default")?;
//! let mut spikes = Vec::new();
//! for _trial in 0..3 {
//!     net.restore("default")?; // every trial starts from the stored state
//!     net.run(0.1)?;
//!     spikes.push(net.spike_monitor(m).ok_or("no monitor")?.t.len());
//! }
//! assert_eq!(spikes, [20, 20, 20]); // the monitor was restored too
//! assert!(net.restore("missing").is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Runs check what they compute ([`Network::set_nan_check`]): an integer
//! division or modulo by zero, an integer overflow, and a NaN or infinity
//! are found with the element, the step and the statement.
//!
//! ```
//! use spikejit::sim::{Fault, NanCheck, NanMode, Network, NeuronGroup, Selection, Value};
//!
//! let mut net = Network::new();
//! net.set_nan_check(NanCheck { mode: NanMode::Error, every: 100 });
//! let g = net.add_neurons(
//!     NeuronGroup::new(3, "dv/dt = 1/ms : 1\nn : integer")
//!         .threshold("v > 0.45")
//!         .reset("v = 0\nn = n*1000 + 1"),
//! )?;
//! net.set(g, "n", Value::Expr("i + 1".into()), Selection::All)?;
//! let e = net.run(0.002).err().ok_or("expected an error")?;
//! assert_eq!(e.0[0].code, "integer-overflow");
//! let found = &net.findings()[0];
//! assert_eq!((found.fault, found.index, found.step), (Fault::Overflow, 2, 14));
//! assert_eq!(found.value, "-1293966295"); // wrapped, as numpy's int32
//! let s = found.statement.as_ref().ok_or("no statement")?;
//! assert_eq!((s.code.as_str(), s.line, s.column), ("n = n*1000 + 1", 2, 1));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Inputs
//!
//! Inputs: a Poisson group, a spike generator, a timed array, a Poisson input
//! and code run regularly.
//!
//! ```
//! use spikejit::sim::{Connect, Network, NeuronGroup, PoissonGroup, PoissonInput, RunRegularly, SpikeGeneratorGroup, Synapses, TimedArray};
//! use spikejit::units::Dim;
//!
//! let mut net = Network::new();
//! // TimedArray([0, 1, 2]*nA, dt=10*ms): a function stim(t) of every expression
//! net.add_timed_array(TimedArray {
//!     name: "stim".into(),
//!     values: vec![0.0, 1e-9, 2e-9],
//!     cols: None, // Some(n) for a 2-D array called as stim(t, i)
//!     dt: 10e-3,
//!     dim: Dim::AMP,
//! })?;
//! let g = net.add_neurons(NeuronGroup::new(10, "dv/dt = (stim(t)*10*Mohm - v)/(10*ms) : volt"))?;
//! // PoissonGroup(20, rates='10*Hz + i*Hz')
//! let noise = net.add_poisson_group(PoissonGroup { name: Some("noise".into()), n: 20, rates: "10*Hz + i*Hz".into() })?;
//! // SpikeGeneratorGroup(2, [0, 1], [1, 2]*ms, period=5*ms)
//! let generator = net.add_spike_generator(SpikeGeneratorGroup {
//!     name: None,
//!     n: 2,
//!     indices: vec![0, 1],
//!     times: vec![1e-3, 2e-3],
//!     period: 5e-3,
//! })?;
//! for source in [noise, generator] {
//!     let s = net.add_synapses(Synapses::new(source, g, "").on_pre("v_post += 0.5*mV"))?;
//!     net.connect(s, Connect::p(0.5))?;
//! }
//! // PoissonInput(g, 'v', N=100, rate=5*Hz, weight=0.1*mV)
//! net.add_poisson_input(PoissonInput { name: None, target: g, var: "v".into(), n: 100, rate: 5.0, weight: "0.1*mV".into() })?;
//! // g.run_regularly('v = v*0.9', dt=1*ms)
//! net.run_regularly(g, RunRegularly { code: "v = v*0.9".into(), dt: Some(1e-3), when: None, order: 0 })?;
//! net.run(0.05)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # User functions and network operations
//!
//! A Rust `extern "C"` function with declared units, called from model
//! strings (Brian2's `Function` with a C++ implementation and
//! `@check_units`), and a Rust closure run at each tick of its own clock,
//! in a schedule slot, with the state variables to read and write (Brian2's
//! `@network_operation`). Neither can be named in a model file.
//!
//! ```
//! use std::sync::{Arc, Mutex};
//! use spikejit::sim::{Network, NetworkOperation, NeuronGroup, UserFunction};
//! use spikejit::units::Dim;
//!
//! // @implementation('cpp', ...) @check_units(v=volt, result=1) def gain(v): ...
//! extern "C" fn gain(v: f64) -> f64 {
//!     1.0 / (1.0 + (-(v + 0.055) / 0.004).exp())
//! }
//! let mut net = Network::new();
//! // Registered before the objects whose code calls it.
//! net.add_function(UserFunction::new("gain", &[Dim::VOLT], Dim::ONE, gain as extern "C" fn(f64) -> f64))?;
//! let g = net.add_neurons(NeuronGroup::new(10, "dv/dt = (-65*mV - v + gain(v)*100*Mohm*I)/(10*ms) : volt\nI : amp"))?;
//! // @network_operation(dt=20*ms) def pulse(t): G.I = 0.2*nA if int(t/(20*ms)) % 2 else 0*nA
//! let seen = Arc::new(Mutex::new(Vec::new()));
//! let log = Arc::clone(&seen);
//! net.network_operation(NetworkOperation { dt: Some(20e-3), ..Default::default() }, move |state| {
//!     let on = (state.t() / 20e-3).round() as i64 % 2 == 1;
//!     state.view_mut(g, "I")?.fill(if on { 0.2e-9 } else { 0.0 });
//!     log.lock().map_err(|_| "poisoned")?.push(state.t());
//!     Ok(())
//! })?;
//! net.run(0.1)?;
//! assert_eq!(seen.lock().map_err(|_| "poisoned")?.len(), 5); // at 0, 20, 40, 60 and 80 ms
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Spatial neurons
//!
//! A multicompartment neuron (Brian2's `SpatialNeuron`) is a neuron group
//! whose elements are the compartments of a [`Morphology`](crate::morphology::Morphology):
//! its model defines `Im`, the membrane current per area, and `(point
//! current)` variables in amp; `v` is solved by the cable equation (Brian2's
//! implicit scheme) after the channel variables' update. A location in the
//! morphology (`"axon"`, `"main"`, `"axon[10*um:50*um]"`, `"main[0]"`) is a
//! subgroup, to set, record or connect to.
//!
//! ```
//! use spikejit::morphology::Morphology;
//! use spikejit::sim::{Network, Record, Selection, SpatialNeuron, StateMonitor, Value};
//! use spikejit::units::Dim;
//!
//! let um = 1e-6;
//! // morpho = Soma(30*um); morpho.axon = Cylinder(diameter=1*um, length=300*um, n=100)
//! let mut morpho = Morphology::soma(30.0 * um)?;
//! morpho.add_child("axon", Morphology::cylinder(100, 1.0 * um, 300.0 * um)?)?;
//! let mut net = Network::new();
//! net.constant("gL", 1.0, Dim::SIEMENS / (Dim::METRE * Dim::METRE))?; // 1e-4*siemens/cm**2
//! let neuron = net.add_spatial_neuron(
//!     SpatialNeuron::new(morpho, "Im = gL*(-70*mV - v) : amp/meter**2\nI : amp (point current)")
//!         .cm(1e-2) // Cm = 1*uF/cm**2
//!         .ri(1.0), // Ri = 100*ohm*cm
//! )?;
//! net.set(neuron, "v", Value::Expr("-70*mV".into()), Selection::All)?;
//! let soma = net.spatial_subgroup(neuron, "main", None)?; // neuron.main
//! net.set(soma, "I", Value::Scalar(0.2e-9), Selection::All)?; // neuron.main.I = 0.2*nA
//! let far = net.spatial_subgroup(neuron, "axon[250*um:300*um]", None)?;
//! let m = net.add_state_monitor(StateMonitor::new(far, &["v"], Record::All))?;
//! net.run(0.01)?;
//! let v = net.get(neuron, "v")?;
//! assert!(v[0] > v[100] && v[100] > -0.070); // depolarised, less so far from the soma
//! assert_eq!(net.state_monitor(m).ok_or("no monitor")?.values[0].1.nrows(), 17);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # The rooms of this module
//!
//! One file per concern. A room uses only the rooms listed before it (no
//! two import each other), from plain data up to the run loop:
//!
//! 1. Data, with no behaviour of the network: `spec` (what users build),
//!    `schedule` (Brian2's slots, the time step of a time on a clock),
//!    `arrays` (the state arrays), `objects` (what the network keeps of each
//!    object it was given), `findings` (what the run-time checks find),
//!    `control` (how a caller watches, stops and measures runs), `memory`
//!    (the memory available and the checks of sizes before allocating),
//!    `team` (the threads a kernel is split over).
//! 2. `network`: the [`Network`], its settings, and the lookups every room
//!    uses.
//! 3. `constants` (the namespace), then `scopes` (what each name means in
//!    each kind of code).
//! 4. `exec` (a compiled kernel, its arguments bound to the arrays and
//!    called: the module's `unsafe` is there and in `team`), then `kernels`
//!    (building and compiling a kernel, the checks of user code every kind
//!    shares), and `nan` (the run-time checks).
//! 5. `ops`: the steps of a run, one `Op` for each thing that runs
//!    in a time step.
//! 6. The kinds of objects, each adding its objects, building its kernels
//!    and making its steps: `synapses` (and Brian2's rules about them),
//!    `variables` (setting and reading), `neurons`, `inputs`, `monitors`,
//!    `connect` and `connect_kernel`, `subexpressions`, `neuron_steps`,
//!    `synapse_steps`, `operations` (network operations), `spatial`
//!    (spatial neurons: their equations, locations and the cable equation's step).
//! 7. `snapshots` (store, restore, state dumps), then `checkpoint` (the
//!    whole state in a file).
//! 8. `run`: the ops of a run, made by each kind's room, and the loop that
//!    walks them.

mod arrays;
mod checkpoint;
mod clocks;
mod connect;
mod connect_kernel;
mod constants;
mod control;
mod distributed;
mod exec;
mod findings;
mod inputs;
mod kernels;
mod links;
mod memory;
mod monitors;
mod nan;
mod network;
mod neuron_steps;
mod neurons;
mod objects;
mod operations;
mod ops;
pub mod partition;
mod recording;
mod run;
mod schedule;
mod scopes;
mod snapshots;
mod spatial;
mod spec;
mod subexpressions;
mod synapse_steps;
mod synapses;
mod team;
mod variables;

pub use arrays::{Array, ArrayExt, Store};
pub use checkpoint::Checkpoint;
pub(crate) use clocks::dt_change_fits;
pub use control::{OpTime, RunControl, RunStats, WarningHandler};
pub use findings::{Fault, Finding, NanCheck, NanMode, StatementRef};
pub use kernels::{KernelDumps, dump_kernels};
pub(crate) use memory::check_memory;
pub use monitors::{SpikeData, StateData, Window, smooth};
pub use network::Network;
pub use objects::GroupRange;
pub use operations::{NetworkOperation, OperationResult, OperationState};
pub use schedule::{SLOTS, ScheduleEntry, slot_name, slot_rank};
pub use snapshots::StateDump;
pub use spatial::{DEFAULT_CM, DEFAULT_RI, SpatialNeuron, ThresholdLocation};
pub use spec::{
    Code, Connect, Count, ExternFnPtr, Handle, Indices, LinkIndex, NeuronGroup, PoissonGroup, PoissonInput, Prob,
    Record, RunRegularly, Selection, Slice, SpikeGeneratorGroup, SpikeMonitor, StateMonitor, Synapses, TimedArray,
    UserFunction, Value,
};
pub use spikejit_runtime::queue;
pub(crate) use synapses::delay_message;
