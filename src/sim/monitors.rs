//! Spike, event, state and population-rate monitors: adding them, the
//! kernel that samples a state monitor's variables, the memory their
//! recordings will need, and reading the recordings back (with Brian2's
//! `smooth_rate`).

use super::arrays::{Array, ArrayExt};
use super::exec::Prepared;
use super::memory::{available_memory, check_size, show_bytes, show_count};
use super::network::{Network, SYNAPSE_COUNTS, err};
use super::objects::{Object, RateMon, SpikeMon, StateMon};
use super::schedule::slot_rank;
use super::spec::{Handle, Record, SpikeMonitor, StateMonitor};
use crate::diag::{Diagnostic, Errors, Result};
use crate::ir::{ElemTy, Ty};
use crate::lower;
use crate::model::scope::ArrayKey;
use crate::syntax::ast::Expr;

/// Recorded spikes of a SpikeMonitor (or events of an EventMonitor), as
/// Brian2's `M.i`, `M.t` and `M.count`.
#[derive(Clone, Debug)]
pub struct SpikeData {
    /// The index of the neuron of each spike (relative to the recorded group
    /// or subgroup), in the order of recording.
    pub i: ndarray::Array1<i32>,
    /// The time of each spike in seconds.
    pub t: ndarray::Array1<f64>,
    /// The number of spikes of each neuron.
    pub count: ndarray::Array1<i32>,
}

impl SpikeData {
    /// Brian2's `SpikeMonitor.spike_trains()`: for each neuron of the
    /// recorded group or subgroup (`count.len()` of them), the times of its
    /// spikes in the order recorded; an empty array for a neuron that never
    /// spiked.
    ///
    /// ```
    /// use spikejit::sim::{Network, NeuronGroup, SpikeMonitor};
    /// let mut net = Network::new();
    /// let g = net.add_neurons(NeuronGroup::new(3, "dv/dt = (2 + i - v)/(10*ms) : 1").threshold("v > 1").reset("v = 0"))?;
    /// let m = net.add_spike_monitor(SpikeMonitor::new(g))?;
    /// net.run(0.02)?;
    /// let trains = net.spike_monitor(m).ok_or("no monitor")?.spike_trains();
    /// assert_eq!(trains.len(), 3);
    /// assert!(trains[2].len() > trains[0].len()); // a stronger drive, more spikes
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn spike_trains(&self) -> Vec<ndarray::Array1<f64>> {
        self.per_neuron(&self.t)
    }

    /// `values`, one per recorded spike (as [`Network::spike_monitor_values`]
    /// gives a recorded variable), grouped by neuron as
    /// [`SpikeData::spike_trains`] groups the times: Brian2's
    /// `SpikeMonitor.values(var)`. Spikes past the end of `values` are left out.
    pub fn per_neuron(&self, values: &ndarray::Array1<f64>) -> Vec<ndarray::Array1<f64>> {
        let mut out: Vec<Vec<f64>> = self
            .count
            .iter()
            .map(|&c| Vec::with_capacity(c.max(0) as usize))
            .collect();
        for (&i, &x) in self.i.iter().zip(values.iter()) {
            if let Some(train) = usize::try_from(i).ok().and_then(|i| out.get_mut(i)) {
                train.push(x);
            }
        }
        out.into_iter().map(ndarray::Array1::from).collect()
    }
}

/// Recorded values of a StateMonitor: `values` holds, per variable in the
/// monitor's order, its name and a 2-D array of shape (recorded indices, time
/// points) in SI units; `t` the time points in seconds.
#[derive(Clone, Debug)]
pub struct StateData {
    /// The recording times in seconds.
    pub t: ndarray::Array1<f64>,
    /// (variable, values of shape (recorded indices, times)).
    pub values: Vec<(String, ndarray::Array2<f64>)>,
}

impl StateData {
    /// The recording of one variable, shape (recorded indices, times)
    /// (Brian2's `M.v`); `None` when it was not recorded.
    pub fn variable(&self, name: &str) -> Option<&ndarray::Array2<f64>> {
        self.values.iter().find(|(n, _)| n == name).map(|(_, a)| a)
    }
}

impl Network {
    /// Adds a SpikeMonitor (or, for a custom event, an EventMonitor) on a group or subgroup.
    pub fn add_spike_monitor(&mut self, spec: SpikeMonitor) -> Result<Handle> {
        let name = self.unique_name(spec.name.as_deref(), "spikemonitor")?;
        let ctx = format!("monitors '{name}'");
        let source = self.range(spec.source)?;
        let g = self.group(source.group);
        if !g.has_event(&spec.event) {
            // a custom event is named by the monitor's `event`; `spike` by its source
            let at = if spec.event == "spike" {
                ctx.clone()
            } else {
                format!("{ctx}.event")
            };
            return Err(err(
                "no-event",
                &at,
                format!(
                    "the recorded group '{}' does not define an event '{}'{}",
                    self.name_of(spec.source),
                    spec.event,
                    if spec.event == "spike" {
                        " (did you forget to set a 'threshold'?)"
                    } else {
                        ""
                    }
                ),
            ));
        }
        let scope = self.group_view(source.group, crate::model::scope::IndexSel::Item, source.start as i64);
        for v in &spec.variables {
            match scope.resolve(v) {
                Some(crate::model::scope::NameRef::Var { .. })
                    if crate::units::lookup(v).is_none() || scope.names.contains_key(v) => {}
                None if self.declares_linked(spec.source, v) => {}
                _ => {
                    return Err(err(
                        "unknown-variable",
                        &ctx,
                        format!("'{v}' is not a state variable of '{}'", self.name_of(spec.source)),
                    ));
                }
            }
        }
        // Brian2 schedules a monitor right after what detects its event: the
        // group's thresholder for that event, or for a subgroup (which has no
        // thresholder) the subgroup itself, in `thresholds` at its order + 1,
        // even for a custom event, whose thresholder comes later
        // (`after_thresholds`): such a monitor records the events of the step
        // before, as Brian2's does.
        let is_subgroup = matches!(self.objects.get(spec.source.0), Some(Object::Subgroup { .. }));
        let (base_when, base_order) = if spec.event == "spike" || is_subgroup {
            (slot_rank("thresholds").unwrap_or(7), self.view_order(spec.source) + 1)
        } else {
            (slot_rank("after_thresholds").unwrap_or(8), g.order + 1)
        };
        let when = match &spec.when {
            Some(w) => slot_rank(w).ok_or_else(|| err("bad-slot", &ctx, format!("unknown schedule slot '{w}'")))?,
            None => base_when,
        };
        let nvars = spec.variables.len();
        self.objects.push(Object::SpikeMon(SpikeMon {
            name,
            source,
            record: spec.record,
            event: spec.event,
            variables: spec.variables,
            values: vec![Vec::new(); nvars],
            when,
            order: spec.order.unwrap_or(if spec.when.is_some() { 0 } else { base_order }),
            i: Vec::new(),
            t: Vec::new(),
            count: vec![0; source.len()],
        }));
        Ok(Handle(self.objects.len() - 1))
    }

    /// The values recorded by a spike or event monitor with `variables`.
    pub fn spike_monitor_values(&self, h: Handle) -> Vec<(String, ndarray::Array1<f64>)> {
        match self.objects.get(h.0) {
            Some(Object::SpikeMon(m)) => m
                .variables
                .iter()
                .zip(&m.values)
                .map(|(n, v)| (n.clone(), ndarray::Array1::from(v.clone())))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The values of variable `var` a SpikeMonitor recorded, grouped by
    /// neuron (Brian2's `SpikeMonitor.values(var)`; see
    /// [`SpikeData::per_neuron`]); `None` when `h` is no spike monitor or
    /// does not record `var`.
    pub fn spike_monitor_values_per_neuron(&self, h: Handle, var: &str) -> Option<Vec<ndarray::Array1<f64>>> {
        let data = self.spike_monitor(h)?;
        let values = self
            .spike_monitor_values(h)
            .into_iter()
            .find(|(name, _)| name == var)?
            .1;
        Some(data.per_neuron(&values))
    }

    /// The variables a StateMonitor records with Brian2's `variables=True`
    /// (`source.equations.names`): every variable of the model equations of
    /// a group or subgroup (subexpressions, shared and linked variables
    /// included), with `not_refractory` and `lastspike` when it has a
    /// refractory period; of synapses, their variables but the summed and
    /// event-driven ones, with the multisynaptic index. In equation order.
    ///
    /// ```
    /// use spikejit::sim::{Network, NeuronGroup, Record, StateMonitor};
    ///
    /// let mut net = Network::new();
    /// let g = net.add_neurons(NeuronGroup::new(2, "dv/dt = -v/(10*ms) : 1\nI = 2*v : 1").threshold("v > 1").reset("v = 0").refractory("1*ms"))?;
    /// assert_eq!(net.all_variables(g)?, ["v", "I", "not_refractory", "lastspike"]);
    /// // StateMonitor(G, True, record=True)
    /// let mut spec = StateMonitor::new(g, &[], Record::All);
    /// spec.variables = net.all_variables(g)?;
    /// net.add_state_monitor(spec)?;
    /// # Ok::<(), spikejit::diag::Errors>(())
    /// ```
    pub fn all_variables(&self, h: Handle) -> Result<Vec<String>> {
        use crate::model::equations::VarFlag;
        match self.objects.get(h.0) {
            Some(Object::Synapses(s)) => {
                let mut out: Vec<String> = s
                    .eqs
                    .vars
                    .iter()
                    .filter(|v| !v.has_flag(VarFlag::Summed) && !v.has_flag(VarFlag::EventDriven))
                    .map(|v| v.name().to_string())
                    .collect();
                out.extend(s.multisynaptic_index.clone());
                Ok(out)
            }
            Some(Object::Group(_) | Object::Subgroup { .. }) => {
                let g = self.group(self.range(h)?.group);
                let mut out: Vec<String> = g.eqs.vars.iter().map(|v| v.name().to_string()).collect();
                if g.refractory.is_some() {
                    out.extend(["not_refractory".to_string(), "lastspike".to_string()]);
                }
                Ok(out)
            }
            _ => Err(err(
                "not-a-group",
                self.name_of(h),
                format!("'{}' has no variables", self.name_of(h)),
            )),
        }
    }

    /// Adds a StateMonitor.
    pub fn add_state_monitor(&mut self, spec: StateMonitor) -> Result<Handle> {
        let name = self.unique_name(spec.name.as_deref(), "statemonitor")?;
        let ctx = format!("monitors '{name}'");
        // Without a dt or clock of its own, the monitor runs on its source's clock.
        let (dt, clock) = match (spec.dt, spec.clock.as_deref()) {
            (None, None) => (self.clock_of(spec.source), self.clock_ref_of(spec.source)),
            (dt, clock) => self.resolve_clock(dt, clock, &ctx)?,
        };
        let size = self.size_of(spec.source)?;
        // The indices (8 bytes), their 32-bit copy for the recorder and a value
        // per variable of each recorded element, before the recording itself.
        let recorded = match &spec.record {
            Record::All => size,
            Record::Indices(v) => v.len(),
        };
        check_size(
            "too-large",
            &ctx,
            "recorded elements",
            recorded as f64,
            12.0 + 8.0 * spec.variables.len() as f64,
        )?;
        let indices = match &spec.record {
            Record::All => (0..size).collect(),
            Record::Indices(v) => {
                if let Some(bad) = v.iter().find(|&&k| k >= size) {
                    return Err(err(
                        "bad-index",
                        &ctx,
                        format!(
                            "the index {bad} to record is outside the range [0, {}] of '{}'",
                            size.saturating_sub(1),
                            self.name_of(spec.source)
                        ),
                    ));
                }
                v.clone()
            }
        };
        for v in &spec.variables {
            if !self.has_variable(spec.source, v) {
                return Err(err(
                    "unknown-variable",
                    &ctx,
                    format!("'{v}' is not a variable of '{}'", self.name_of(spec.source)),
                ));
            }
        }
        let when = match &spec.when {
            Some(w) => slot_rank(w).ok_or_else(|| err("bad-slot", &ctx, format!("unknown schedule slot '{w}'")))?,
            None => slot_rank("start").unwrap_or(1),
        };
        let nvars = spec.variables.len();
        self.objects.push(Object::StateMon(StateMon {
            name,
            source: spec.source,
            variables: spec.variables,
            indices,
            columns: None,
            dt,
            clock,
            when,
            order: spec.order,
            t: Vec::new(),
            data: vec![Vec::new(); nvars],
        }));
        Ok(Handle(self.objects.len() - 1))
    }

    /// The spikes recorded by a SpikeMonitor (`None` if `h` is not one).
    ///
    /// An example is in the module's guide: [`sim`](crate::sim#monitors).
    pub fn spike_monitor(&self, h: Handle) -> Option<SpikeData> {
        match self.objects.get(h.0) {
            Some(Object::SpikeMon(m)) => Some(SpikeData {
                i: ndarray::Array1::from(m.i.clone()),
                t: ndarray::Array1::from(m.t.clone()),
                count: ndarray::Array1::from(m.count.clone()),
            }),
            _ => None,
        }
    }

    /// Whether a SpikeMonitor keeps `i` and `t`.
    pub fn spike_monitor_records(&self, h: Handle) -> bool {
        matches!(self.objects.get(h.0), Some(Object::SpikeMon(m)) if m.record)
    }

    /// The values recorded by a StateMonitor (`None` if `h` is not one).
    ///
    /// An example is in the module's guide: [`sim`](crate::sim#monitors).
    pub fn state_monitor(&self, h: Handle) -> Option<StateData> {
        match self.objects.get(h.0) {
            Some(Object::StateMon(m)) => {
                let nt = m.t.len();
                let ni = m.indices.len();
                let values = m
                    .variables
                    .iter()
                    .zip(&m.data)
                    .map(|(v, d)| {
                        let a = ndarray::Array2::from_shape_fn((ni, nt), |(r, c)| d[c * ni + r]);
                        (v.clone(), a)
                    })
                    .collect();
                Some(StateData {
                    t: ndarray::Array1::from(m.t.clone()),
                    values,
                })
            }
            _ => None,
        }
    }

    /// The names of all monitors, with their kind ("spike", "state").
    pub fn monitors(&self) -> Vec<(Handle, &'static str)> {
        self.objects
            .iter()
            .enumerate()
            .filter_map(|(k, o)| match o {
                Object::SpikeMon(_) => Some((Handle(k), "spike")),
                Object::StateMon(_) => Some((Handle(k), "state")),
                Object::RateMon(_) => Some((Handle(k), "rate")),
                _ => None,
            })
            .collect()
    }

    /// Adds a PopulationRateMonitor (slot `end`, order 0).
    pub fn add_rate_monitor(&mut self, source: Handle, name: Option<&str>) -> Result<Handle> {
        self.add_rate_monitor_at(source, name, None, 0)
    }

    /// Adds a PopulationRateMonitor in another schedule slot or order.
    pub fn add_rate_monitor_at(
        &mut self,
        source: Handle,
        name: Option<&str>,
        when: Option<&str>,
        order: i32,
    ) -> Result<Handle> {
        let name = self.unique_name(name, "ratemonitor")?;
        let when = match when {
            Some(w) => slot_rank(w).ok_or_else(|| {
                err(
                    "bad-slot",
                    &format!("monitors '{name}'"),
                    format!("unknown schedule slot '{w}'"),
                )
            })?,
            None => slot_rank("end").unwrap_or(16),
        };
        let range = self.range(source)?;
        if !self.group(range.group).spikes() {
            return Err(err(
                "no-event",
                &format!("monitors '{name}'"),
                format!(
                    "the recorded group '{}' does not spike (did you forget to set a 'threshold'?)",
                    self.name_of(source)
                ),
            ));
        }
        self.objects.push(Object::RateMon(RateMon {
            name,
            source: range,
            when,
            order,
            t: Vec::new(),
            rate: Vec::new(),
            own_counts: Vec::new(),
        }));
        Ok(Handle(self.objects.len() - 1))
    }

    /// The recorded rates of a PopulationRateMonitor: (t, rate in Hz).
    pub fn rate_monitor(&self, h: Handle) -> Option<(ndarray::Array1<f64>, ndarray::Array1<f64>)> {
        match self.objects.get(h.0) {
            Some(Object::RateMon(m)) => Some((
                ndarray::Array1::from(m.t.clone()),
                ndarray::Array1::from(m.rate.clone()),
            )),
            _ => None,
        }
    }

    /// The element type of each variable a state or spike monitor records (the
    /// float type for subexpressions of float type).
    pub fn monitor_elem_types(&self, h: Handle) -> Vec<crate::ir::ElemTy> {
        let (source, vars): (usize, Vec<String>) = match self.objects.get(h.0) {
            Some(Object::StateMon(m)) => {
                let id = match self.objects.get(m.source.0) {
                    Some(Object::Synapses(_)) => m.source.0,
                    _ => self.range(m.source).map(|r| r.group).unwrap_or(0),
                };
                (id, m.variables.clone())
            }
            Some(Object::SpikeMon(m)) => (m.source.group, m.variables.clone()),
            _ => return Vec::new(),
        };
        vars.iter()
            .map(|v| match self.store.get(&ArrayKey::new(source, v.clone())) {
                Some(a) => a.elem(),
                None if SYNAPSE_COUNTS.contains(&v.as_str()) => crate::ir::ElemTy::I32,
                None => {
                    let ty = self.eqs_of(source).get(v).map(|d| d.ty);
                    match ty {
                        Some(crate::model::scope::ValTy::Int) => crate::ir::ElemTy::I32,
                        Some(crate::model::scope::ValTy::Bool) => crate::ir::ElemTy::U8,
                        _ => self.float_elem(),
                    }
                }
            })
            .collect()
    }

    /// The population rate smoothed with a window (Brian2's
    /// `PopulationRateMonitor.smooth_rate`): the window is normalised to sum 1 and
    /// convolved in numpy's `'same'` mode.
    pub fn smooth_rate(&self, h: Handle, window: Window, width: f64) -> Result<ndarray::Array1<f64>> {
        let Some(Object::RateMon(m)) = self.objects.get(h.0) else {
            return Err(err(
                "not-a-monitor",
                self.name_of(h),
                "smooth_rate needs a rate monitor",
            ));
        };
        let dt = self.group(m.source.group).dt;
        let out = smooth(&m.rate, dt, window, width);
        Ok(ndarray::Array1::from(out))
    }

    /// The kernel of a StateMonitor: evaluates each recorded variable (a state
    /// variable or a subexpression) at each recorded index into a buffer.
    pub(crate) fn recorder_kernel(&mut self, mon: usize) -> Result<Prepared> {
        let Some(Object::StateMon(m)) = self.objects.get(mon) else {
            return Err(err("internal", "monitor", "not a state monitor"));
        };
        let (src, vars, indices, name) = (m.source, m.variables.clone(), m.indices.clone(), m.name.clone());
        let scope = self.scope_for_object(src)?;
        let offset = match self.objects.get(src.0) {
            Some(Object::Synapses(_)) => 0,
            _ => self.range(src)?.start,
        };
        // On a partitioned network, only the elements this rank owns.
        let (columns, local) = self.owned_columns(src.0, &indices, offset);
        let n = local.len();
        if let Some(Object::StateMon(m)) = self.objects.get_mut(mon) {
            m.columns = self.ranks.is_some().then_some(columns);
        }
        self.store.insert(ArrayKey::new(mon, "_rec_idx"), Array::I32(local));
        for v in &vars {
            self.store
                .insert(ArrayKey::new(mon, format!("_rec_{v}")), Array::F64(vec![0.0; n]));
        }
        let mut b = self.builder(&format!("{name}_record"));
        // Recorded subexpressions are located at their equations.
        let (owner, eqs) = match self.objects.get(src.0) {
            Some(Object::Synapses(s)) => (src.0, Some(s.eqs.clone())),
            _ => {
                let g = self.range(src)?.group;
                (g, Some(self.group(g).eqs.clone()))
            }
        };
        b.check_faults(self.fault_checks(owner, None, eqs.as_ref(), false));
        let idx = b.raw_array(ArrayKey::new(mon, "_rec_idx"), ElemTy::I32);
        let k = b.kernel.local("_k", Ty::I64);
        let mut body = vec![crate::ir::Stmt::Assign(
            b.item,
            crate::ir::Expr::load(idx, crate::ir::Expr::Local(k)),
        )];
        for v in &vars {
            let out = b.raw_array(ArrayKey::new(mon, format!("_rec_{v}")), ElemTy::F64);
            b.at_statement(v, Default::default());
            let e = Expr::name(v);
            let (val, t) = b.expr(&e, &scope);
            let val = if t == Ty::F64 {
                val
            } else {
                crate::ir::Expr::cast(Ty::F64, val)
            };
            body.push(crate::ir::Stmt::Store {
                array: out,
                index: crate::ir::Expr::Local(k),
                value: val,
            });
        }
        let count = b.scalar(lower::SCALAR_COUNT, Ty::I64);
        b.kernel.body.push(crate::ir::Stmt::For {
            var: k,
            start: crate::ir::Expr::I64(0),
            end: count,
            body,
        });
        self.compile(b)
    }

    /// Refuses, before a run to `t_end` (seconds), a state or rate monitor
    /// whose recordings would outgrow the memory available (see
    /// [`available_memory`]): what it holds plus a sample per step of its
    /// clock until `t_end`, and a copy of that to read or write it (the
    /// outputs). The error's context names the monitor
    /// (`monitors 'M'`). A spike monitor's growth cannot be known before:
    /// it fails with an error when a step's spikes do not fit
    /// ([`Network::run`]).
    pub(crate) fn check_recording(&self, t_end: f64) -> Result<()> {
        if !self
            .objects
            .iter()
            .any(|o| matches!(o, Object::StateMon(_) | Object::RateMon(_)))
        {
            return Ok(());
        }
        let Some(avail) = available_memory() else {
            return Ok(());
        };
        let mut errors = Vec::new();
        for o in &self.objects {
            let (name, dt, per_sample, held, what) = match o {
                Object::StateMon(m) => {
                    let values = (m.indices.len() * m.variables.len()) as f64;
                    let per_sample = 8.0 * (1.0 + values);
                    let what = format!(
                        "{} variable{} of {} element{}",
                        m.variables.len(),
                        if m.variables.len() == 1 { "" } else { "s" },
                        m.indices.len(),
                        if m.indices.len() == 1 { "" } else { "s" }
                    );
                    (&m.name, m.dt, per_sample, m.t.len() as f64 * per_sample, what)
                }
                Object::RateMon(m) => {
                    let dt = self.group(m.source.group).dt;
                    (
                        &m.name,
                        dt,
                        16.0,
                        m.t.len() as f64 * 16.0,
                        "the population rate".to_string(),
                    )
                }
                _ => continue,
            };
            // A sample per step from now to `t_end`, one more for rounding; and
            // a copy of the recording, to read or write it.
            let samples = ((t_end - self.t) / dt).ceil().max(0.0) + 1.0;
            let need = 2.0 * (held + samples * per_sample);
            if need > avail.bytes {
                errors.push(
                    Diagnostic::new(
                        "too-large",
                        format!(
                            "monitors '{name}': recording {what} every {} s until t = {} s ({} samples) would need {} of memory (with a copy to write it out), more than {}",
                            crate::units::py_float_repr(dt),
                            crate::units::py_float_repr(t_end),
                            show_count(samples),
                            show_bytes(need),
                            avail.describe()
                        ),
                    )
                    .with_context(format!("monitors '{name}'"))
                    .with_help("record fewer elements (`record = [0, 1, 2]`) or variables, a coarser `dt`, or a shorter run"),
                );
            }
        }
        if errors.is_empty() { Ok(()) } else { Err(Errors(errors)) }
    }
}

/// The window of [`Network::smooth_rate`] (Brian2's `smooth_rate(window, width)`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Window {
    /// A Gaussian with standard deviation `width`, truncated at ±2 widths.
    Gaussian,
    /// A flat window `width` wide (rounded to an odd number of steps).
    Flat,
}

/// Smooths a rate sampled every `dt` (see [`Network::smooth_rate`]).
pub fn smooth(r: &[f64], dt: f64, window: Window, width: f64) -> Vec<f64> {
    let w: Vec<f64> = match window {
        Window::Gaussian => {
            let half = (2.0 * width / dt).round() as i64;
            (-half..=half)
                .map(|k| {
                    let x = k as f64 * dt;
                    (-x * x / (2.0 * width * width)).exp()
                })
                .collect()
        }
        Window::Flat => {
            let mut n = (width / dt).round() as i64;
            if n % 2 == 0 {
                n += 1;
            }
            vec![1.0; n.max(1) as usize]
        }
    };
    let total: f64 = w.iter().sum();
    let w: Vec<f64> = w.iter().map(|x| x / total).collect();
    let (n, k) = (r.len() as i64, w.len() as i64);
    let half = (k - 1) / 2;
    (0..n)
        .map(|i| {
            let mut s = 0.0;
            for (j, wj) in w.iter().enumerate() {
                let idx = i + half - j as i64;
                if idx >= 0 && idx < n {
                    s += wj * r[idx as usize];
                }
            }
            s
        })
        .collect()
}
