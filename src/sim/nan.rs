//! The run-time checks of a run and what they found: NaN and infinities in
//! state variables, and integer arithmetic without an exact result (division
//! and modulo by zero, overflow, float-to-integer conversion of NaN, infinities
//! or values out of range).
//!
//! Two mechanisms, chosen for exactness at the least cost:
//! * Checked operations in the kernels (`ir::Func::is_check`): integer
//!   operations that can fail (`n // m`, but not `n // 2`), values stored to
//!   integer variables that may not fit, and values stored to float variables
//!   by every kernel but the state updates where they can leave the finite
//!   numbers from finite inputs (`lower::can_leave_the_finite`: a division, a
//!   power, `log`, ...; not the `+=` of every synaptic event, which only an
//!   overflow could make infinite). A failed check records the
//!   statement, the element and the value in the kernel's runtime context; the
//!   run loop reads it after the call. These findings are exact: the step, the
//!   element and the statement that made the value.
//! * The periodic check of every float state variable ([`NanCheck::every`]):
//!   it finds what the state updates make (a store check there would cost the
//!   hottest loop a compare per variable) and names the variable's
//!   differential equation. Values set before a run are found by a check at
//!   its start, so that they are not blamed on an equation.

use std::sync::Arc;

use super::arrays::Array;
use super::exec::KernelCall;
use super::findings::{BEFORE_RUN, Fault, Finding, INTEGRATED, NanCheck, NanMode, Origin, STORED, statement_ref};
use super::network::Network;
use super::objects::{GroupKind, Object};
use super::schedule::Clocks;
use crate::diag::{Errors, Source, Span};
use crate::ir::Func;
use crate::lower::FaultSite;
use crate::model::scope::ArrayKey;
use crate::syntax::ast::EquationKind;

/// Whether every element is finite: `x * 0` is 0 for finite `x` and NaN
/// otherwise, and a NaN stays in a sum; eight independent sums let the
/// compiler vectorise the loop.
macro_rules! all_finite {
    ($name:ident, $t:ty) => {
        fn $name(v: &[$t]) -> bool {
            let mut acc: [$t; 8] = [0.0; 8];
            let chunks = v.chunks_exact(8);
            let rest = chunks.remainder();
            for c in chunks {
                for k in 0..8 {
                    acc[k] += c[k] * 0.0;
                }
            }
            let total: $t = acc.iter().sum::<$t>() + rest.iter().map(|&x| x * 0.0).sum::<$t>();
            !total.is_nan()
        }
    };
}
all_finite!(all_finite_f64, f64);
all_finite!(all_finite_f32, f32);

/// The position of the first non-finite element and its value.
fn first_non_finite(a: &Array) -> Option<(usize, f64)> {
    match a {
        Array::F64(v) if !all_finite_f64(v) => v.iter().position(|x| !x.is_finite()).map(|k| (k, v[k])),
        Array::F32(v) if !all_finite_f32(v) => v.iter().position(|x| !x.is_finite()).map(|k| (k, f64::from(v[k]))),
        _ => None,
    }
}

fn non_finite_name(x: f64) -> &'static str {
    if x.is_nan() {
        "NaN"
    } else if x > 0.0 {
        "inf"
    } else {
        "-inf"
    }
}

/// A float's value in a message: `NaN`, `inf`, `-inf` or the shortest decimal.
fn float_text(x: f64) -> String {
    if x.is_finite() {
        format!("{x:e}")
    } else {
        non_finite_name(x).to_string()
    }
}

/// The run-time checks of one run, as the run loop carries them from step
/// to step.
pub(crate) struct RunChecks {
    /// The periodic check runs after every `every` steps.
    every: u64,
    /// The float arrays it looks at: (object, variable), less those found
    /// non-finite.
    targets: Vec<(usize, String)>,
    /// A check found something in [`NanMode::Error`]: the run stops.
    pub failed: bool,
    /// The findings before the run (what the run found comes after).
    first_finding: usize,
    /// The step and time of the last step checked.
    last: Option<(i64, f64)>,
}

impl Network {
    /// Sets how the run loop checks (default: [`NanMode::Warn`], the float
    /// state variables every 100 steps). With the checks on, the kernels are
    /// compiled with checked integer arithmetic and stores (only where an
    /// operation can fail: see the module docs of `sim::nan`): an integer
    /// division or modulo by zero, an overflow, a NaN or infinity converted to
    /// an integer, and a NaN or infinity stored by a reset, a pathway, run
    /// regularly code or another statement outside the state updates are found
    /// at the step they happen, with the statement. The periodic check looks at
    /// every floating-point state variable of every neuron group, Poisson group
    /// and synapses object. Each variable is reported once per kind of finding,
    /// at its first element found.
    ///
    /// ```
    /// use spikejit::sim::{Fault, NanCheck, NanMode, Network, NeuronGroup, Selection, Value};
    ///
    /// let mut net = Network::new();
    /// net.set_nan_check(NanCheck { mode: NanMode::Error, every: 1 });
    /// let g = net.add_neurons(NeuronGroup::new(3, "dv/dt = v/(1*ms) : 1"))?;
    /// net.set(g, "v", Value::Array(vec![0.0, 1.0, 0.0]), Selection::All)?;
    /// let e = net.run(1.0).err().ok_or("expected an error")?;
    /// assert_eq!(e.0[0].code, "non-finite");
    /// let found = &net.findings()[0];
    /// assert_eq!((found.fault, found.variable.as_str(), found.index, found.value.as_str()), (Fault::NonFinite, "v", 1, "inf"));
    /// assert!(found.message().starts_with("neurons 'neurongroup'.v[1] is inf at t = "));
    /// // Made by the integration of the differential equation.
    /// assert_eq!(found.statement.as_ref().map(|s| s.code.as_str()), Some("dv/dt = v/(1*ms) : 1"));
    /// assert!(net.t() < 1.0); // stopped at the end of that step
    ///
    /// let mut net = Network::new();
    /// let g = net.add_neurons(
    ///     NeuronGroup::new(2, "dv/dt = 1/ms : 1\nn : integer\nm : integer").threshold("v > 1").reset("v = 0\nn = n // m"),
    /// )?;
    /// net.set(g, "n", Value::Scalar(7.0), Selection::All)?;
    /// net.run(0.005)?; // warns and goes on
    /// let found = &net.findings()[0];
    /// assert_eq!((found.fault, found.variable.as_str(), found.step), (Fault::DivisionByZero, "n", 10));
    /// assert_eq!(found.detail, "integer division by zero: 7 // 0 is taken as 0");
    /// assert_eq!(found.statement.as_ref().map(|s| (s.line, s.column)), Some((2, 1)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn set_nan_check(&mut self, check: NanCheck) {
        self.nan_check = check;
    }

    /// What the checks found, one per variable and kind, in the order found.
    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }

    /// Whether a finding of this variable and kind was made already.
    fn found(&self, fault: Fault, object: &str, variable: &str) -> bool {
        self.findings
            .iter()
            .any(|f| f.fault == fault && f.object == object && f.variable == variable)
    }

    /// The checks of a kernel run by the run loop for the code of `object`:
    /// `None` when the checks are off (the kernel then has none).
    pub(crate) fn fault_checks(
        &self,
        object: usize,
        source: Option<Arc<Source>>,
        equations: Option<&crate::model::equations::Equations>,
        finite_stores: bool,
    ) -> Option<crate::lower::FaultChecks> {
        (self.nan_check.mode != NanMode::Off).then(|| crate::lower::FaultChecks {
            object,
            source,
            equations: equations.cloned(),
            finite_stores,
        })
    }

    /// The arrays a check looks at: (object, variable) of float state variables.
    pub(crate) fn nan_targets(&self) -> Vec<(usize, String)> {
        let mut out = Vec::new();
        for (id, o) in self.objects.iter().enumerate() {
            let eqs = match o {
                Object::Group(g) if !matches!(g.kind, GroupKind::Generator(_)) => &g.eqs,
                Object::Synapses(s) => &s.eqs,
                _ => continue,
            };
            for v in &eqs.vars {
                if !v.is_stored() {
                    continue;
                }
                let name = v.name().to_string();
                if matches!(
                    self.store.get(&ArrayKey::new(id, name.clone())),
                    Some(Array::F64(_) | Array::F32(_))
                ) && !self.found(Fault::NonFinite, o.name(), &name)
                {
                    out.push((id, name));
                }
            }
        }
        out
    }

    /// The index of element `index` (of this rank's) of object `id` that a
    /// finding names: on a partitioned network, a synapse's index among all
    /// ranks' synapses, as one rank alone would name it.
    fn reported_index(&self, id: usize, index: usize) -> usize {
        match self.global_synapses.get(&id) {
            Some(g) if self.ranks.is_some() => g.local.get(index).map_or(index, |&k| k as usize),
            _ => index,
        }
    }

    /// `neurons`/`poisson`/`synapses`, the name of object `id`, and the `(i, j)`
    /// of synapse `index` for synapses.
    fn element_of(&self, id: usize, index: usize) -> (&'static str, String, Option<(i64, i64)>) {
        match &self.objects[id] {
            Object::Synapses(s) => {
                let at = |key: &str, off: usize| match self.store.get(&ArrayKey::new(id, key)) {
                    Some(Array::I32(v)) => v.get(index).map(|&x| i64::from(x) - off as i64),
                    _ => None,
                };
                let pair = at("_pre", s.source.start).zip(at("_post", s.target.start));
                ("synapses", s.name.clone(), pair)
            }
            Object::Group(g) if matches!(g.kind, GroupKind::Poisson) => ("poisson", g.name.clone(), None),
            o => ("neurons", o.name().to_string(), None),
        }
    }

    /// Checks `targets` (dropping those found non-finite, here or by a store
    /// check): the step range is `since` (the first step since the last check)
    /// to `now`; `before_run` for the check before a run's first step. Reports
    /// each variable found; returns whether any was found.
    pub(crate) fn check_non_finite(
        &mut self,
        targets: &mut Vec<(usize, String)>,
        now: (i64, f64),
        before_run: bool,
    ) -> bool {
        let since = if before_run {
            now
        } else {
            self.nan_since.take().unwrap_or(now)
        };
        targets.retain(|(id, var)| !self.found(Fault::NonFinite, self.objects[*id].name(), var));
        let mut found = false;
        let mut k = 0;
        while k < targets.len() {
            let (id, var) = targets[k].clone();
            let key = ArrayKey::new(id, var.clone());
            // The index in the whole object (a rank-local array starts at
            // the rank's first neuron).
            let hit = self
                .store
                .get(&key)
                .and_then(first_non_finite)
                .map(|(k, x)| (k + self.store.first(&key), x));
            let Some((index, x)) = hit else {
                k += 1;
                continue;
            };
            let (kind, object, pair) = self.element_of(id, index);
            // What made it: before a run, whatever set it; during a run, the
            // state update (every other kernel checks the values it stores),
            // so the variable's differential equation if it has one.
            let origin = if before_run {
                None
            } else {
                let eqs = match &self.objects[id] {
                    Object::Group(g) => Some(&g.eqs),
                    Object::Synapses(s) => Some(&s.eqs),
                    _ => None,
                };
                eqs.and_then(|eqs| {
                    eqs.get(&var)
                        .filter(|v| v.kind() == EquationKind::Differential)
                        .map(|v| Origin {
                            source: eqs.source.clone(),
                            span: v.eq.span,
                        })
                })
            };
            let report = Finding {
                fault: Fault::NonFinite,
                kind: kind.to_string(),
                object,
                variable: var.clone(),
                index: self.reported_index(id, index),
                pair,
                value: non_finite_name(x).to_string(),
                detail: match (before_run, &origin) {
                    (true, _) => BEFORE_RUN.to_string(),
                    (false, Some(_)) => INTEGRATED.to_string(),
                    (false, None) => String::new(),
                },
                first_step: since.0,
                first_t: since.1,
                step: now.0,
                t: now.1,
                before_run,
                statement: origin.as_ref().map(|o| statement_ref(&o.source, o.span)),
                origin,
            };
            self.report(report);
            targets.remove(k);
            found = true;
        }
        found
    }

    /// Turns the faults a kernel recorded in `ctx` into findings (once per
    /// variable and kind) and empties the list; `sites` are the kernel's
    /// checks. Returns whether anything new was found.
    fn record_faults(&mut self, sites: &[FaultSite], ctx: &mut spikejit_runtime::Context, now: (i64, f64)) -> bool {
        let mut found = false;
        // (statement, element) of the integer faults so far: a later fault of
        // the same statement and element follows from the first (`n = int(x)`
        // of an infinite x also overflows `n`) and is not reported.
        let mut faulted: Vec<(Option<(*const Source, Span)>, i64)> = Vec::new();
        for f in std::mem::take(&mut ctx.faults) {
            let Some(site) = usize::try_from(f.site).ok().and_then(|s| sites.get(s)) else {
                continue;
            };
            let fault = Fault::of_code(f.code);
            if fault != Fault::NonFinite {
                let at = (site.origin.as_ref().map(|(s, span)| (Arc::as_ptr(s), *span)), f.elem);
                if site.origin.is_some() && faulted.contains(&at) {
                    continue;
                }
                faulted.push(at);
            }
            let index = usize::try_from(f.elem).unwrap_or(0);
            // A stored NaN is a finding about the array stored to; an integer
            // fault about the statement's own object and target.
            let (id, variable) = match (&site.array, fault) {
                (Some(a), Fault::NonFinite) => (a.object, a.var.clone()),
                _ => (site.object, site.target.clone()),
            };
            let (kind, object, pair) = self.element_of(id, index);
            if self.found(fault, &object, &variable) {
                continue;
            }
            let x = f64::from_bits(f.value as u64);
            let (value, detail) = match fault {
                Fault::NonFinite => (non_finite_name(x).to_string(), STORED.to_string()),
                Fault::DivisionByZero => (
                    "0".to_string(),
                    format!("integer division by zero: {} // 0 is taken as 0", f.value),
                ),
                Fault::ModuloByZero => (
                    "0".to_string(),
                    format!("integer modulo by zero: {} % 0 is taken as 0", f.value),
                ),
                Fault::Overflow => match site.check {
                    Func::CheckedI32 => {
                        let wrapped = f.value as i32;
                        (
                            wrapped.to_string(),
                            format!(
                                "integer overflow: {} does not fit in the 32 bits of '{}' and wraps to {wrapped}",
                                f.value, site.target
                            ),
                        )
                    }
                    Func::CheckedFloorDiv => (
                        f.value.to_string(),
                        format!(
                            "integer overflow: {} // -1 does not fit in 64 bits and wraps to {}",
                            f.value, f.value
                        ),
                    ),
                    Func::CheckedNeg => (
                        f.value.to_string(),
                        format!(
                            "integer overflow: -({}) does not fit in 64 bits and wraps to {}",
                            f.value, f.value
                        ),
                    ),
                    _ => (
                        f.value.to_string(),
                        format!(
                            "integer overflow: the result does not fit in 64 bits and wraps to {}",
                            f.value
                        ),
                    ),
                },
                Fault::InvalidConversion => {
                    let r = x as i64;
                    (
                        r.to_string(),
                        format!("{} converted to an integer gives {r}", float_text(x)),
                    )
                }
            };
            let origin = site.origin.as_ref().map(|(source, span)| Origin {
                source: source.clone(),
                span: *span,
            });
            self.report(Finding {
                fault,
                kind: kind.to_string(),
                object,
                variable,
                index: self.reported_index(id, index),
                pair,
                value,
                detail,
                first_step: now.0,
                first_t: now.1,
                step: now.0,
                t: now.1,
                before_run: false,
                statement: origin.as_ref().map(|o| statement_ref(&o.source, o.span)),
                origin,
            });
            found = true;
        }
        found
    }

    /// Turns the faults a kernel of the run loop recorded into findings
    /// ([`Network::record_faults`]) at the step `now`; whether anything new
    /// was found.
    pub(crate) fn record_kernel_faults(&mut self, call: &mut KernelCall, now: (i64, f64)) -> bool {
        match &call.kernel {
            Some(k) => self.record_faults(&k.sites, &mut call.ctx, now),
            None => false,
        }
    }

    /// The checks of a run whose clocks are `clocks`: the float arrays the
    /// periodic check looks at, and, unless the run goes on from one stopped
    /// early (`resuming`, checked when it stopped), the values set before the
    /// run, found now rather than blamed on the first state update.
    pub(crate) fn start_checks(&mut self, clocks: &Clocks, resuming: bool) -> RunChecks {
        let mut checks = RunChecks {
            every: self.nan_check.every.max(1),
            targets: match self.nan_check.mode {
                NanMode::Off => Vec::new(),
                _ => self.nan_targets(),
            },
            failed: false,
            first_finding: self.findings.len(),
            last: None,
        };
        if !checks.targets.is_empty() && !resuming {
            let cur = clocks.start();
            if cur.is_finite()
                && self.check_non_finite(&mut checks.targets, (clocks.finest_step(cur), cur), true)
                && self.nan_check.mode == NanMode::Error
            {
                checks.failed = true;
            }
        }
        checks
    }

    /// The periodic check after the step at time `t` (every
    /// [`NanCheck::every`] steps): whether it found something that stops the
    /// run ([`NanMode::Error`]).
    #[inline]
    pub(crate) fn periodic_check(&mut self, checks: &mut RunChecks, clocks: &Clocks, t: f64) -> bool {
        if checks.targets.is_empty() {
            return false;
        }
        let now = (clocks.finest_step(t), t);
        self.nan_since.get_or_insert(now);
        checks.last = Some(now);
        if self.stats.steps.is_multiple_of(checks.every)
            && self.check_non_finite(&mut checks.targets, now, false)
            && self.nan_check.mode == NanMode::Error
        {
            checks.failed = true;
        }
        checks.failed
    }

    /// The check at the end of a run that was not stopped early (one stopped
    /// early goes on later, and is checked then).
    pub(crate) fn final_check(&mut self, checks: &mut RunChecks) {
        if let Some(now) = checks.last
            && self.nan_since.is_some()
            && self.check_non_finite(&mut checks.targets, now, false)
            && self.nan_check.mode == NanMode::Error
        {
            checks.failed = true;
        }
    }

    /// The error of a run stopped by its checks: what the step where it
    /// stopped found.
    pub(crate) fn stop_error(&self, checks: &RunChecks) -> Errors {
        let found = self.findings[checks.first_finding.min(self.findings.len())..]
            .iter()
            .map(|f| {
                f.diagnostic().with_help(if f.before_run {
                    "the run did not start; in warn mode (`--nan=warn`) it is reported and the run goes on"
                } else {
                    "the run stopped at the end of that step; in warn mode (`--nan=warn`) it is reported and the run goes on"
                })
            })
            .collect();
        Errors(found)
    }

    /// Keeps a finding ([`Network::findings`]), and in [`NanMode::Warn`] hands
    /// it as a warning to
    /// [`RunControl::on_warning`](super::RunControl::on_warning) when set.
    fn report(&mut self, f: Finding) {
        if self.nan_check.mode == NanMode::Warn
            && let Some(w) = self.control.on_warning.as_mut()
        {
            w(&f.diagnostic());
        }
        self.findings.push(f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_first_non_finite_element() {
        for n in [0, 1, 7, 8, 9, 33] {
            let v = vec![1.5f64; n];
            assert_eq!(first_non_finite(&Array::F64(v.clone())), None);
            for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
                for k in 0..n {
                    let mut w = v.clone();
                    w[k] = bad;
                    if k + 1 < n {
                        w[n - 1] = f64::NAN;
                    }
                    let (at, x) = first_non_finite(&Array::F64(w)).unwrap_or((usize::MAX, 0.0));
                    assert_eq!(at, k);
                    assert_eq!(x.to_bits(), bad.to_bits());
                    let w32: Vec<f32> = (0..n).map(|j| if j == k { bad as f32 } else { 1e38 }).collect();
                    assert_eq!(first_non_finite(&Array::F32(w32)).map(|h| h.0), Some(k));
                }
            }
        }
        assert_eq!(first_non_finite(&Array::F64(vec![f64::MAX, -f64::MAX, 0.0])), None);
        assert_eq!(first_non_finite(&Array::I32(vec![1, 2])), None);
    }
}
