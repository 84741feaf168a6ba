//! Inputs and periodic code: Poisson groups, spike generators, timed
//! arrays, Poisson inputs and `run_regularly`.

use super::arrays::{Array, ArrayExt};
use super::memory::check_size;
use super::network::{Network, check_dt, err};
use super::objects::{GeneratorState, GroupKind, Object, PoissonInputObj, Regular, TimedArrayObj};
use super::ops::{Op, OpKind};
use super::schedule::{ClockRef, slot_rank};
use super::spec::{
    Code, Handle, NeuronGroup, PoissonGroup, PoissonInput, RunRegularly, Selection, SpikeGeneratorGroup, TimedArray,
    Value,
};
use crate::diag::{Diagnostic, Errors, Result};
use crate::lower;
use crate::model::check::Checker;
use crate::model::scope::{ArrayKey, NameRef, TableFn};
use crate::syntax::ast::{AssignOp, BinOp, Expr, Statement};
use crate::units::Dim;

impl Network {
    /// Adds a PoissonGroup (Brian2's `PoissonGroup(N, rates)`).
    pub fn add_poisson_group(&mut self, spec: PoissonGroup) -> Result<Handle> {
        let name = self.unique_name(spec.name.as_deref(), "poissongroup")?;
        let ctx = format!("poisson '{name}'");
        if spec.n == 0 {
            return Err(err("bad-size", &ctx, "a Poisson group needs at least 1 neuron, got 0"));
        }
        // A constant rate is a parameter; an expression is a subexpression.
        let constant = self.eval_constant(&spec.rates, &format!("{ctx}.rates")).ok();
        let model = match constant {
            Some((_, d)) if !d.same(Dim::HERTZ) => {
                return Err(err(
                    "unit-mismatch",
                    &ctx,
                    format!(
                        "the rates must have unit hertz, but '{}' has unit {d}",
                        spec.rates.text.trim()
                    ),
                ));
            }
            Some(_) => Code::from("rates : hertz"),
            None => Code {
                text: format!("rates = {} : hertz", spec.rates.text.trim().replace('\n', " ")),
                origin: None,
            },
        };
        let h = self.add_neurons(
            NeuronGroup::new(spec.n, model)
                .name(&name)
                .threshold("rand() < rates*dt"),
        )?;
        if let Object::Group(g) = &mut self.objects[h.0] {
            g.kind = GroupKind::Poisson;
        }
        if let Some((v, _)) = constant {
            self.set(h, "rates", Value::Scalar(v), Selection::All)?;
        } else {
            // Unit-check the expression now, with the group's names.
            let scope = self.group_view(h.0, crate::model::scope::IndexSel::Item, 0);
            let src = spec.rates.source(format!("{ctx}.rates"));
            let e = crate::syntax::parse_expression(&src)?;
            let mut c = crate::model::check::Checker::new(&scope, &src);
            if c.expect_dim(&e, Dim::HERTZ, "the Poisson rates").is_none() {
                self.objects.pop();
                return Err(Errors(c.errors));
            }
        }
        Ok(h)
    }

    /// Adds a SpikeGeneratorGroup (Brian2's `SpikeGeneratorGroup(N, indices, times, period)`).
    pub fn add_spike_generator(&mut self, spec: SpikeGeneratorGroup) -> Result<Handle> {
        let name = self.unique_name(spec.name.as_deref(), "spikegeneratorgroup")?;
        let ctx = format!("spike_generators '{name}'");
        check_dt(self.dt, "the default clock")?;
        if spec.n == 0 {
            return Err(err(
                "bad-size",
                &ctx,
                "a spike generator needs at least 1 neuron, got 0",
            ));
        }
        let state = generator_table(&ctx, spec.n, &spec.indices, &spec.times, spec.period, self.dt)?;
        // The group has no variables: its spike space (4 bytes a neuron) is its size.
        check_size("too-large", &format!("{ctx}.N"), "neurons", spec.n as f64, 4.0)?;
        let h = self.add_neurons(NeuronGroup::new(spec.n, "").name(&name))?;
        self.store.insert(
            ArrayKey::new(h.0, "_spikespace"),
            Array::zeros(crate::ir::ElemTy::I32, spec.n + 1),
        );
        if let Object::Group(g) = &mut self.objects[h.0] {
            g.kind = GroupKind::Generator(Box::new(state));
        }
        Ok(h)
    }

    /// Replaces the spikes of the spike generator `h` (Brian2's
    /// `SpikeGeneratorGroup.set_spikes(indices, times, period)`), checked as
    /// [`Network::add_spike_generator`] checks them: the next run fires those
    /// not before its start time (the spikes of earlier times are past).
    ///
    /// ```
    /// use spikejit::sim::{Network, SpikeGeneratorGroup, SpikeMonitor};
    ///
    /// let mut net = Network::new();
    /// let g = net.add_spike_generator(SpikeGeneratorGroup { name: None, n: 2, indices: vec![0], times: vec![1e-3], period: 0.0 })?;
    /// let m = net.add_spike_monitor(SpikeMonitor::new(g))?;
    /// net.run(2e-3)?;
    /// net.set_spikes(g, vec![1, 0], vec![1e-3, 3e-3], 0.0)?; // the spike at 1 ms is past
    /// net.run(2e-3)?;
    /// let spikes = net.spike_monitor(m).ok_or("no monitor")?;
    /// assert_eq!(spikes.i.to_vec(), [0, 0]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn set_spikes(&mut self, h: Handle, indices: Vec<i64>, times: Vec<f64>, period: f64) -> Result<()> {
        let name = self.name_of(h).to_string();
        let ctx = format!("spike_generators '{name}'");
        let Some(Object::Group(g)) = self.objects.get(h.0) else {
            return Err(err(
                "not-a-generator",
                &ctx,
                format!("'{name}' is not a spike generator"),
            ));
        };
        if !matches!(g.kind, GroupKind::Generator(_)) {
            return Err(err(
                "not-a-generator",
                &ctx,
                format!("'{name}' is not a spike generator"),
            ));
        }
        let table = generator_table(&ctx, g.n, &indices, &times, period, g.dt)?;
        if let Some(Object::Group(g)) = self.objects.get_mut(h.0)
            && let GroupKind::Generator(gs) = &mut g.kind
        {
            **gs = table;
        }
        Ok(())
    }

    /// Adds a TimedArray, usable as a function `name(t)` (or `name(t, i)`) in every
    /// expression.
    pub fn add_timed_array(&mut self, spec: TimedArray) -> Result<Handle> {
        let ctx = format!("timed_arrays '{}'", spec.name);
        if self.handle(&spec.name).is_some() || self.constants.contains_key(&spec.name) {
            return Err(err(
                "duplicate",
                &ctx,
                format!("the name '{}' is already used", spec.name),
            ));
        }
        if let Some(what) = crate::model::scope::is_reserved_builtin(&spec.name) {
            return Err(err(
                "bad-name",
                &ctx,
                format!("'{}' is {what} and cannot name a timed array", spec.name),
            ));
        }
        let cols = spec.cols.unwrap_or(1).max(1);
        if spec.values.is_empty() || !spec.values.len().is_multiple_of(cols) {
            return Err(err(
                "bad-values",
                &ctx,
                "a timed array needs a non-empty, rectangular table of values",
            ));
        }
        if !(spec.dt > 0.0 && spec.dt.is_finite()) {
            return Err(err(
                "bad-dt",
                &ctx,
                format!(
                    "the dt of a timed array must be a positive, finite time, got {} s",
                    spec.dt
                ),
            ));
        }
        let id = self.objects.len();
        let len = spec.values.len() / cols;
        let key = ArrayKey::new(id, "values");
        self.store.insert(key.clone(), Array::F64(spec.values));
        self.objects.push(Object::TimedArray(TimedArrayObj {
            name: spec.name,
            table: TableFn {
                array: key,
                len,
                cols: spec.cols,
                dt: spec.dt,
                dim: spec.dim,
            },
        }));
        Ok(Handle(id))
    }

    /// Adds a PoissonInput.
    pub fn add_poisson_input(&mut self, spec: PoissonInput) -> Result<Handle> {
        let name = self.unique_name(spec.name.as_deref(), "poissoninput")?;
        let ctx = format!("poisson_inputs '{name}'");
        let range = self.range(spec.target)?;
        let scope = self.group_view(range.group, crate::model::scope::IndexSel::Item, range.start as i64);
        let Some(NameRef::Var {
            dim, read_only: false, ..
        }) = scope.resolve(&spec.var)
        else {
            return Err(err(
                "unknown-variable",
                &ctx,
                format!(
                    "'{}' has no variable '{}' that could receive the input",
                    self.name_of(spec.target),
                    spec.var
                ),
            ));
        };
        if spec.rate.is_nan() || spec.rate < 0.0 {
            return Err(err(
                "bad-rate",
                &ctx,
                format!("the rate must not be negative, got {} Hz", spec.rate),
            ));
        }
        let src = spec.weight.source(format!("{ctx}.weight"));
        let weight_expr = crate::syntax::parse_expression(&src)?;
        let mut c = Checker::new(&scope, &src);
        if c.expect_dim(&weight_expr, dim, &format!("the weight of the input to '{}'", spec.var))
            .is_none()
        {
            return Err(Errors(c.errors));
        }
        self.objects.push(Object::PoissonInput(PoissonInputObj {
            name,
            target: spec.target,
            var: spec.var,
            n: spec.n,
            rate: spec.rate,
            weight_expr,
        }));
        Ok(Handle(self.objects.len() - 1))
    }

    /// Adds code run regularly on a group, subgroup or synapses.
    pub fn run_regularly(&mut self, owner: Handle, spec: RunRegularly) -> Result<()> {
        let base = self.name_of(owner).to_string();
        let mut k = 0;
        let name = loop {
            let n = if k == 0 {
                format!("{base}_run_regularly")
            } else {
                format!("{base}_run_regularly_{k}")
            };
            if !self.regular.iter().any(|r| r.name == n) {
                break n;
            }
            k += 1;
        };
        let src = spec.code.source(format!("{base}.run_regularly"));
        let stmts = crate::syntax::parse_statements(&src)?;
        let when = match &spec.when {
            Some(w) => slot_rank(w).ok_or_else(|| err("bad-slot", &name, format!("unknown schedule slot '{w}'")))?,
            None => slot_rank("start").unwrap_or(1),
        };
        let (dt, clock) = match spec.dt {
            Some(dt) => (dt, ClockRef::Own),
            None => (self.clock_of(owner), self.clock_ref_of(owner)),
        };
        check_dt(dt, &format!("{name}.dt"))?;
        self.regular.push(Regular {
            name,
            owner,
            code: src,
            stmts,
            dt,
            clock,
            when,
            order: spec.order,
        });
        Ok(())
    }

    /// The kernel of a PoissonInput: `var += X*weight` per target element, with X
    /// binomial (or its normal approximation, as Brian2 does when N·p and N·(1−p)
    /// exceed 5).
    /// Its op runs in the `synapses` slot, over the target's elements.
    pub(crate) fn poisson_input_op(&mut self, k: usize) -> Result<Op> {
        let Some(Object::PoissonInput(pi)) = self.objects.get(k) else {
            return Err(err("internal", "poisson input", "not a Poisson input"));
        };
        let range = self.range(pi.target)?;
        let g = self.group(range.group);
        let dt = g.dt;
        let (n, p) = (pi.n as f64, pi.rate * dt);
        let count = if n * p > 5.0 && n * (1.0 - p) > 5.0 {
            Expr::bin(
                BinOp::Add,
                Expr::float(n * p),
                Expr::bin(
                    BinOp::Mul,
                    Expr::float((n * p * (1.0 - p)).sqrt()),
                    Expr::call("randn", vec![]),
                ),
            )
        } else {
            Expr::call("_binomial", vec![Expr::int(pi.n as i64), Expr::float(p)])
        };
        let stmt = Statement {
            target: pi.var.clone(),
            target_span: Default::default(),
            op: AssignOp::Add,
            expr: Expr::bin(BinOp::Mul, count, pi.weight_expr.clone()),
            span: Default::default(),
        };
        let name = pi.name.clone();
        let order = 0;
        let scope = self.group_view(range.group, crate::model::scope::IndexSel::Item, range.start as i64);
        let mut b = self.builder(&name);
        b.check_faults(self.fault_checks(range.group, None, None, true));
        lower::block_over_range(&mut b, std::slice::from_ref(&stmt), &scope);
        let kernel = self.compile(b)?;
        // On several ranks, the targets this rank owns.
        let (start, end) = self.owned_part(range.group, range.start, range.stop);
        Ok(Op::new(
            OpKind::Range {
                start,
                end,
                extra: vec![],
            },
            Some(kernel),
            dt,
            (slot_rank("synapses").unwrap_or(10), order, name),
            "PoissonInput",
            self.next_rng(),
        ))
    }

    /// The op of `run_regularly` entry `r`: a kernel that runs the code over
    /// the owner's elements.
    pub(crate) fn regular_op(&mut self, r: usize) -> Result<Op> {
        let (owner, src, stmts, name) = {
            let reg = &self.regular[r];
            (reg.owner, reg.code.clone(), reg.stmts.clone(), reg.name.clone())
        };
        let scope = self.scope_for_object(owner)?;
        let errors: Vec<Diagnostic> = self.check_code(&scope, &src, &stmts, true);
        if !errors.is_empty() {
            return Err(Errors(errors));
        }
        let (start, end) = match self.objects.get(owner.0) {
            Some(Object::Synapses(s)) => (0, s.n),
            _ => {
                // On several ranks, the elements this rank owns.
                let r = self.range(owner)?;
                self.owned_part(r.group, r.start, r.stop)
            }
        };
        // Writes to shared variables come first and run once per call, not once per
        // element (Brian2's scalar statements).
        let split = stmts
            .iter()
            .position(|s| !matches!(scope.resolve(&s.target), Some(NameRef::Var { shared: true, .. })))
            .unwrap_or(stmts.len());
        let mut b = self.builder(&name);
        let object = match self.objects.get(owner.0) {
            Some(Object::Synapses(_)) => owner.0,
            _ => self.range(owner)?.group,
        };
        b.check_faults(self.fault_checks(object, Some(src.clone()), None, true));
        lower::scalar_then_range(&mut b, &stmts[..split], &stmts[split..], &scope);
        let kernel = self.compile(b)?;
        let reg = &self.regular[r];
        let (dt, key) = (reg.dt, (reg.when, reg.order, reg.name.clone()));
        Ok(Op::new(
            OpKind::Range {
                start,
                end,
                extra: vec![],
            },
            Some(kernel),
            dt,
            key,
            "CodeRunner",
            self.next_rng_of(owner.0),
        ))
    }

    /// The spikes of spike generator `group` (of `n` neurons) at step `step`
    /// of its clock, written to its event space; how many.
    pub(crate) fn generator_step(&mut self, group: usize, n: usize, step: i64) -> u64 {
        let mut fired = 0;
        if let Object::Group(g) = &mut self.objects[group]
            && let GroupKind::Generator(gs) = &mut g.kind
        {
            let local = if gs.period > 0 { step % gs.period } else { step };
            if gs.period > 0 && local == 0 {
                gs.next = 0;
            }
            let mut space = match self.store.get_mut(&ArrayKey::new(group, "_spikespace")) {
                Some(Array::I32(ss)) => Some(ss),
                _ => None,
            };
            while gs.next < gs.steps.len() && gs.steps[gs.next] <= local {
                if let Some(ss) = space.as_deref_mut() {
                    ss[fired] = gs.indices[gs.next];
                }
                fired += 1;
                gs.next += 1;
            }
            if let Some(ss) = space {
                ss[n] = fired as i32;
            }
        }
        fired as u64
    }
}

impl Network {
    /// Evaluates a dimensionless expression once per entry `i` in `0..n` (the
    /// values of a TimedArray given as an expression), drawing `rand()` and
    /// `randn()` from the network's seed.
    pub fn eval_per_entry(&mut self, code: &Code, n: usize, what: &str) -> Result<Vec<f64>> {
        use crate::model::scope::{IndexSel, ValTy};
        let src = code.source(what.to_string());
        let e = crate::syntax::parse_expression(&src)?;
        let key = ArrayKey::new(usize::MAX, "_entry_values");
        let mut scope = self.constants_scope();
        scope.insert(
            "i",
            NameRef::Index {
                index: IndexSel::Item,
                offset: 0,
            },
        );
        let mut c = Checker::new(&scope, &src);
        if c.expect_dim(&e, Dim::ONE, "the values (their numbers are in 'unit')")
            .is_none()
        {
            return Err(Errors(c.errors));
        }
        scope.insert(
            "_entry_values",
            NameRef::Var {
                array: key.clone(),
                index: IndexSel::Item,
                dim: Dim::ONE,
                ty: ValTy::Float,
                read_only: false,
                write_mask: None,
                shared: false,
            },
        );
        self.store.insert(key.clone(), Array::F64(vec![0.0; n]));
        let stmt = Statement {
            target: "_entry_values".into(),
            target_span: Default::default(),
            op: AssignOp::Set,
            expr: e,
            span: Default::default(),
        };
        let mut b = self.builder(&format!("{what}_values"));
        lower::block_over_range(&mut b, std::slice::from_ref(&stmt), &scope);
        let k = self.compile(b)?;
        let mut rng = self.next_rng();
        let mut cx = spikejit_runtime::Context::new();
        self.exec(&k, 0..n, 0.0, &mut rng, &mut cx);
        let out = self.store.arrays.remove(&key).map(|a| a.to_f64()).unwrap_or_default();
        Ok(out)
    }
}

/// The spike table of a spike generator (`ctx` names it) on a clock of step
/// `dt`: the spikes sorted by (step, index), Brian2's `_timebins`; an error
/// for a length mismatch, an index outside the `n` neurons, a time that is
/// negative or not finite, a neuron spiking twice in one step or a period that is no multiple of
/// `dt` or not after the last spike.
pub(crate) fn generator_table(
    ctx: &str,
    n: usize,
    indices: &[i64],
    times: &[f64],
    period_s: f64,
    dt: f64,
) -> Result<GeneratorState> {
    if indices.len() != times.len() {
        return Err(err(
            "bad-length",
            ctx,
            format!(
                "'indices' has {} entries but 'times' has {}",
                indices.len(),
                times.len()
            ),
        ));
    }
    if let Some((k, bad)) = indices.iter().enumerate().find(|(_, k)| **k < 0 || **k as usize >= n) {
        return Err(err(
            "bad-index",
            &format!("{ctx}.indices[{k}]"),
            format!("indices[{k}]: index {bad} is outside the group [0, {})", n),
        ));
    }
    // Errors about one spike name it by its place in `times` (`.times[k]`).
    if let Some((k, bad)) = times.iter().enumerate().find(|(_, t)| !(**t >= 0.0 && t.is_finite())) {
        return Err(err(
            "bad-time",
            &format!("{ctx}.times[{k}]"),
            format!("times[{k}]: a spike time must be a non-negative, finite time, got {bad} s"),
        ));
    }
    if !(period_s >= 0.0 && period_s.is_finite()) {
        return Err(err(
            "bad-period",
            &format!("{ctx}.period"),
            format!("the period must be a non-negative, finite time, got {} s", period_s),
        ));
    }
    let step_of = |t: f64| ((t + 1e-3 * dt) / dt) as i64;
    // Brian2 sorts the spikes by (time, index): within one step, an earlier spike
    // comes first whatever its index.
    let mut order: Vec<usize> = (0..times.len()).collect();
    order.sort_by(|&a, &b| times[a].total_cmp(&times[b]).then(indices[a].cmp(&indices[b])));
    let spikes: Vec<(i64, i32)> = order.iter().map(|&k| (step_of(times[k]), indices[k] as i32)).collect();
    let mut seen = std::collections::HashMap::new();
    for (&(step, idx), &k) in spikes.iter().zip(&order) {
        if let Some(first) = seen.insert((step, idx), k) {
            // the later of the two in the list
            let (first, k) = (first.min(k), first.max(k));
            return Err(err(
                "double-spike",
                &format!("{ctx}.times[{k}]"),
                format!(
                    "neuron {idx} spikes more than once in the time step {step} (dt = {dt} s): \
                         times[{first}] and times[{k}]"
                ),
            ));
        }
    }
    let period = if period_s > 0.0 {
        let p = period_s / dt;
        if (p - p.round()).abs() > 1e-6 {
            return Err(err(
                "bad-period",
                &format!("{ctx}.period"),
                format!("the period ({} s) must be a multiple of dt ({dt} s)", period_s),
            ));
        }
        let p = p.round() as i64;
        if let Some(&(last, _)) = spikes.last()
            && p <= last
        {
            return Err(err(
                "bad-period",
                &format!("{ctx}.period"),
                "the period has to be greater than the last spike time",
            ));
        }
        p
    } else {
        0
    };
    Ok(GeneratorState {
        steps: spikes.iter().map(|s| s.0).collect(),
        indices: spikes.iter().map(|s| s.1).collect(),
        period,
        next: 0,
        spikes: (indices.to_vec(), times.to_vec(), period_s),
        dt,
    })
}
