//! Non-finite values (NaN, ±inf) in state variables: the checks the run loop
//! makes every few steps and what they found.

use serde::{Deserialize, Serialize};

use super::{Array, GroupKind, Network, Object};
use crate::model::scope::ArrayKey;

/// What the run loop does about state variables that hold NaN or an infinity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum NanMode {
    /// No check.
    Off,
    /// Reports each variable once (a warning on stderr, and
    /// [`Network::non_finite`]) and goes on.
    #[default]
    Warn,
    /// Stops the run at the end of the step where it is found;
    /// [`Network::run`] returns an error (code `non-finite`).
    Error,
}

/// How often and how strictly the run loop checks state variables for NaN and
/// infinities (see [`Network::set_nan_check`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NanCheck {
    /// What to do about a non-finite value.
    pub mode: NanMode,
    /// Check after every `every` time steps (counted over all runs) and at the
    /// end of each run; 1 names the exact step. 0 counts as 1.
    pub every: u64,
}

impl Default for NanCheck {
    /// Warn, checking every 100 steps.
    fn default() -> Self {
        NanCheck {
            mode: NanMode::Warn,
            every: 100,
        }
    }
}

/// A state variable found holding NaN or an infinity: the first such element
/// of the variable, and the steps between which it became so (the check before
/// it found the variable finite).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NonFinite {
    /// `neurons`, `poisson` or `synapses`.
    pub kind: String,
    /// The group or synapses object.
    pub object: String,
    /// The state variable.
    pub variable: String,
    /// The element: the neuron, or the synapse.
    pub index: usize,
    /// For synapses: the indices `i` and `j` of the synapse.
    pub pair: Option<(i64, i64)>,
    /// `NaN`, `inf` or `-inf`.
    pub value: String,
    /// The first step (of the finest clock) since the previous check, and its time in seconds.
    pub first_step: i64,
    /// The time of `first_step`, in seconds.
    pub first_t: f64,
    /// The step after which the value was found, and its time in seconds.
    pub step: i64,
    /// The time of `step`, in seconds.
    pub t: f64,
}

/// A time in seconds as milliseconds, without float noise (`12.3 ms`).
fn ms(t: f64) -> String {
    let s = format!("{:.6}", t * 1e3);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("{s} ms")
}

impl NonFinite {
    /// `neurons 'P'.v[17] is NaN at t = 12.3 ms (step 123)`, or `... between
    /// step 101 (t = 10.1 ms) and step 200 (t = 20 ms)` when the checks are
    /// further apart than a step.
    pub fn message(&self) -> String {
        let pair = self
            .pair
            .map(|(i, j)| format!(" (i = {i}, j = {j})"))
            .unwrap_or_default();
        let when = if self.first_step == self.step {
            format!("at t = {} (step {})", ms(self.t), self.step)
        } else {
            format!(
                "between step {} (t = {}) and step {} (t = {})",
                self.first_step,
                ms(self.first_t),
                self.step,
                ms(self.t)
            )
        };
        format!(
            "{} '{}'.{}[{}]{pair} is {} {when}",
            self.kind, self.object, self.variable, self.index, self.value
        )
    }
}

impl std::fmt::Display for NonFinite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message())
    }
}

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

impl Network {
    /// Sets how the run loop checks state variables for NaN and infinities
    /// (default: [`NanMode::Warn`] every 100 steps). A check looks at every
    /// floating-point state variable of every neuron group, Poisson group and
    /// synapses object; each variable is reported once, at its first
    /// non-finite element.
    ///
    /// ```
    /// use spikejit::sim::{NanCheck, NanMode, Network, NeuronGroup, Selection, Value};
    ///
    /// let mut net = Network::new();
    /// net.set_nan_check(NanCheck { mode: NanMode::Error, every: 1 });
    /// let g = net.add_neurons(NeuronGroup::new(3, "dv/dt = v/(1*ms) : 1"))?;
    /// net.set(g, "v", Value::Array(vec![0.0, 1.0, 0.0]), Selection::All)?;
    /// let e = net.run(1.0).err().ok_or("expected an error")?;
    /// assert_eq!(e.0[0].code, "non-finite");
    /// let found = &net.non_finite()[0];
    /// assert_eq!((found.variable.as_str(), found.index, found.value.as_str()), ("v", 1, "inf"));
    /// assert!(found.message().starts_with("neurons 'neurongroup'.v[1] is inf at t = "));
    /// assert!(net.t() < 1.0); // stopped at the end of that step
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn set_nan_check(&mut self, check: NanCheck) {
        self.nan_check = check;
    }

    /// The non-finite values the checks found, one per variable, in the order found.
    pub fn non_finite(&self) -> &[NonFinite] {
        &self.non_finite
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
                if v.kind() == crate::syntax::ast::EquationKind::Subexpression && !v.has_flag("constant over dt") {
                    continue;
                }
                let name = v.name().to_string();
                if matches!(
                    self.store.get(&ArrayKey::new(id, name.clone())),
                    Some(Array::F64(_) | Array::F32(_))
                ) && !self
                    .non_finite
                    .iter()
                    .any(|f| f.object == o.name() && f.variable == name)
                {
                    out.push((id, name));
                }
            }
        }
        out
    }

    /// Checks `targets` (dropping those found non-finite): the step range is
    /// `since` (the first step since the last check) to `now`. Prints a warning
    /// for each variable found; returns whether any was found.
    pub(crate) fn check_non_finite(&mut self, targets: &mut Vec<(usize, String)>, now: (i64, f64)) -> bool {
        let since = self.nan_since.take().unwrap_or(now);
        let mut found = false;
        let mut k = 0;
        while k < targets.len() {
            let (id, var) = &targets[k];
            let hit = self
                .store
                .get(&ArrayKey::new(*id, var.clone()))
                .and_then(first_non_finite);
            let Some((index, x)) = hit else {
                k += 1;
                continue;
            };
            let (kind, object, pair) = match &self.objects[*id] {
                Object::Synapses(s) => {
                    let at = |key: &str, off: usize| match self.store.get(&ArrayKey::new(*id, key)) {
                        Some(Array::I32(v)) => v.get(index).map(|&x| i64::from(x) - off as i64),
                        _ => None,
                    };
                    let pair = at("_pre", s.source.start).zip(at("_post", s.target.start));
                    ("synapses", s.name.clone(), pair)
                }
                Object::Group(g) if matches!(g.kind, GroupKind::Poisson) => ("poisson", g.name.clone(), None),
                o => ("neurons", o.name().to_string(), None),
            };
            let value = if x.is_nan() {
                "NaN"
            } else if x > 0.0 {
                "inf"
            } else {
                "-inf"
            };
            let report = NonFinite {
                kind: kind.to_string(),
                object,
                variable: var.clone(),
                index,
                pair,
                value: value.to_string(),
                first_step: since.0,
                first_t: since.1,
                step: now.0,
                t: now.1,
            };
            if self.nan_check.mode == NanMode::Warn {
                eprintln!("warning[non-finite]: {report}");
            }
            self.non_finite.push(report);
            targets.remove(k);
            found = true;
        }
        found
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
