//! Spatial neurons (Brian2's `SpatialNeuron`): a neuron group whose elements
//! are the compartments of a morphology. Its model defines the membrane
//! current `Im`; the channel variables are integrated by the group's state
//! update, then the membrane potential `v` of every compartment by the cable
//! equation (the op `NAME_spatialstateupdater`, slot `groups`, order 1, as
//! Brian2 schedules it): a kernel evaluates the two parts of `Im`
//! (`gtot__private`, `I0__private`) per compartment, and the runtime's
//! [`Cable`] solves the implicit step over the tree of sections.

use std::sync::Arc;

use spikejit_runtime::arrays::Array;
use spikejit_runtime::cable::{Cable, CableTree};

use super::network::{Network, err};
use super::ops::{Op, OpKind};
use super::schedule::slot_rank;
use super::spec::{Code, Handle, NeuronGroup};
use crate::diag::{Diagnostic, Errors, Result, Source, Span};
use crate::integrate::{Method, split_membrane_current};
use crate::lower;
use crate::model::equations::{Equations, Owner};
use crate::model::scope::{ArrayKey, IndexSel, NameRef, ValTy};
use crate::model::spatial::{GTOT, I0, spatial_equations};
use crate::morphology::{FlatMorphology, Morphology};
use crate::syntax::ast::{AssignOp, BinOp, Expr, ExprKind, Statement};
use crate::units::Dim;

/// Brian2's default specific membrane capacitance, 0.9 µF/cm², in F/m².
pub const DEFAULT_CM: f64 = 0.9e-2;
/// Brian2's default intracellular resistivity, 150 Ω·cm, in Ω·m.
pub const DEFAULT_RI: f64 = 1.5;

/// Where a spatial neuron's threshold applies (Brian2's `threshold_location`).
#[derive(Clone, Debug)]
pub enum ThresholdLocation {
    /// A compartment index.
    Compartment(usize),
    /// A location in the morphology that is one compartment (`"axon[30*um]"`,
    /// `"main[0]"`), as [`FlatMorphology::locate`] reads it.
    At(Code),
}

/// The specification of a SpatialNeuron: Brian2's `SpatialNeuron(morphology,
/// model, threshold=, threshold_location=, Cm=, Ri=, reset=, refractory=,
/// method=, ...)`. The neuron group's settings (threshold, reset,
/// refractoriness, method, clock, order, name, namespace) are those of
/// [`NeuronGroup`], in `group`; its `n` is the morphology's number of
/// compartments.
#[derive(Clone, Debug)]
pub struct SpatialNeuron {
    /// The morphology: its compartments are the neuron's elements.
    pub morphology: Morphology,
    /// The model (defining `Im`, the membrane current per area) and the settings of the group.
    pub group: NeuronGroup,
    /// The specific membrane capacitance in F/m² (every compartment; `Cm` can
    /// be set per compartment afterwards).
    pub cm: f64,
    /// The intracellular resistivity in Ω·m (uniform; fixed when the first run starts).
    pub ri: f64,
    /// Where the threshold applies; `None`: in every compartment.
    pub threshold_location: Option<ThresholdLocation>,
}

impl SpatialNeuron {
    /// A spatial neuron with the model `model` (Brian2's defaults: `Cm` 0.9 µF/cm²,
    /// `Ri` 150 Ω·cm, the method chosen from `exact`, `exponential_euler`,
    /// `rk2` and `heun`).
    pub fn new(morphology: Morphology, model: impl Into<Code>) -> SpatialNeuron {
        SpatialNeuron {
            morphology,
            group: NeuronGroup::new(0, model),
            cm: DEFAULT_CM,
            ri: DEFAULT_RI,
            threshold_location: None,
        }
    }
    /// The specific membrane capacitance, in F/m².
    pub fn cm(mut self, cm: f64) -> Self {
        self.cm = cm;
        self
    }
    /// The intracellular resistivity, in Ω·m.
    pub fn ri(mut self, ri: f64) -> Self {
        self.ri = ri;
        self
    }
    /// The spike condition.
    pub fn threshold(mut self, c: impl Into<Code>) -> Self {
        self.group = self.group.threshold(c);
        self
    }
    /// The compartment where the threshold applies.
    pub fn threshold_location(mut self, at: ThresholdLocation) -> Self {
        self.threshold_location = Some(at);
        self
    }
    /// Statements run on each compartment that spiked.
    pub fn reset(mut self, c: impl Into<Code>) -> Self {
        self.group = self.group.reset(c);
        self
    }
    /// The refractory period (time, time expression or condition).
    pub fn refractory(mut self, c: impl Into<Code>) -> Self {
        self.group = self.group.refractory(c);
        self
    }
    /// The integration method of the channel variables.
    pub fn method(mut self, c: &str) -> Self {
        self.group = self.group.method(c);
        self
    }
    /// The neuron's name.
    pub fn name(mut self, name: &str) -> Self {
        self.group = self.group.name(name);
        self
    }
}

/// Brian2's default methods of a spatial neuron's channel variables.
const SPATIAL_METHODS: [Method; 4] = [Method::Exact, Method::ExponentialEuler, Method::Rk2, Method::Heun];

impl Network {
    /// Adds a SpatialNeuron: one element per compartment, with the
    /// morphology's `length`, `distance`, `area`, `volume`, `diameter`,
    /// `r_length_1`, `r_length_2` (and `x`, `y`, `z` when it has
    /// coordinates), `Cm`, `Ri`, `v`, `Ic` and the model's variables.
    pub fn add_spatial_neuron(&mut self, spec: SpatialNeuron) -> Result<Handle> {
        let context = match &spec.group.name {
            Some(n) => format!("neurons '{n}'"),
            None => "spatial neuron".to_string(),
        };
        if self.ranks.is_some() {
            return Err(err(
                "not-supported-distributed",
                &context,
                "spatial neurons cannot be split over several ranks yet",
            ));
        }
        if spec.group.dtype.iter().any(|(_, e)| *e != crate::ir::ElemTy::F64)
            || self.float_elem() != crate::ir::ElemTy::F64
        {
            return Err(err(
                "not-supported",
                &context,
                "a spatial neuron's variables are float64 (the cable equation is solved in double precision)",
            ));
        }
        for (what, x) in [("Cm", spec.cm), ("Ri", spec.ri)] {
            if !(x.is_finite() && x > 0.0) {
                return Err(err(
                    "bad-value",
                    &context,
                    format!("{what} must be positive and finite, got {x}"),
                ));
            }
        }
        let flat = Arc::new(spec.morphology.flatten());
        let coordinates = flat.coordinates.is_some();
        // Checked before the group is added, so that a bad location adds nothing.
        let location = match &spec.threshold_location {
            None => None,
            Some(loc) => Some(threshold_compartment(&context, &flat, loc)?),
        };
        let mut group = spec.group;
        group.n = flat.n;
        let default_method = group.method.is_none();
        let h = self.add_neuron_group(group, "spatialneuron", |src| {
            let eqs = Equations::parse(src, Owner::SpatialNeuron)?;
            spatial_equations(eqs, coordinates, split_membrane_current)
        })?;
        let id = h.0;
        if let super::objects::Object::Group(g) = &mut self.objects[id] {
            if default_method {
                g.methods = SPATIAL_METHODS.to_vec();
            }
            if let (Some(k), Some((_, cond))) = (location, g.threshold.as_mut()) {
                // Brian2: `(threshold) and (i == location)`.
                let span = cond.span;
                let at = Expr::new(
                    ExprKind::Binary(
                        BinOp::Eq,
                        Box::new(Expr::new(ExprKind::Name("i".into()), span)),
                        Box::new(Expr::new(ExprKind::Int(k as i64), span)),
                    ),
                    span,
                );
                *cond = Expr::new(ExprKind::Binary(BinOp::And, Box::new(cond.clone()), Box::new(at)), span);
            }
            g.spatial = Some(flat.clone());
        }
        let mut fill = |var: &str, values: &[f64]| {
            self.store.insert(ArrayKey::new(id, var), Array::F64(values.to_vec()));
        };
        fill("length", &flat.length);
        fill("distance", &flat.distance);
        fill("area", &flat.area);
        fill("volume", &flat.volume);
        fill("diameter", &flat.diameter);
        fill("r_length_1", &flat.r_length_1);
        fill("r_length_2", &flat.r_length_2);
        if let Some(c) = &flat.coordinates {
            fill("x", &c.x);
            fill("y", &c.y);
            fill("z", &c.z);
        }
        fill("Cm", &vec![spec.cm; flat.n]);
        fill("Ri", &[spec.ri]);
        fill("_gtot_all", &vec![0.0; flat.n]);
        fill("_I0_all", &vec![0.0; flat.n]);
        Ok(h)
    }

    /// A subgroup of the compartments at `location` of spatial neuron `of`
    /// (Brian2's `neuron.axon`, `neuron.main`, `neuron.axon[10*um:50*um]`:
    /// the location as [`FlatMorphology::locate`] reads it).
    pub fn spatial_subgroup(&mut self, of: Handle, location: impl Into<Code>, name: Option<&str>) -> Result<Handle> {
        let flat = self.morphology(of).cloned().ok_or_else(|| {
            err(
                "not-spatial",
                self.name_of(of),
                format!("'{}' is not a spatial neuron: it has no morphology", self.name_of(of)),
            )
        })?;
        let code = location.into();
        let src = code.source(format!("{}.location", self.name_of(of)));
        let range = locate(&flat, &src)?;
        self.subgroup(of, range.start, range.end, name)
    }

    /// The morphology of a spatial neuron, flattened: its compartments' geometry and sections.
    pub fn morphology(&self, h: Handle) -> Option<&Arc<FlatMorphology>> {
        match self.objects.get(h.0)? {
            super::objects::Object::Group(g) => g.spatial.as_ref(),
            _ => None,
        }
    }

    /// The distance from the root of each compartment a state monitor
    /// records, when it records (part of) a spatial neuron.
    pub fn state_monitor_distance(&self, mon: Handle) -> Option<ndarray::Array1<f64>> {
        let super::objects::Object::StateMon(m) = self.objects.get(mon.0)? else {
            return None;
        };
        let range = self.range(m.source).ok()?;
        let flat = self.morphology(Handle(range.group))?;
        m.indices
            .iter()
            .map(|&k| flat.distance.get(range.start + k).copied())
            .collect::<Option<Vec<f64>>>()
            .map(ndarray::Array1::from)
    }

    /// The op of a spatial neuron's cable equation (`None` for other groups):
    /// its kernel stores the two parts of `Im` per compartment, then the
    /// solver steps `v`. The coefficients are computed now, as Brian2's
    /// `before_run` does.
    pub(crate) fn cable_op(&mut self, id: usize) -> Result<Option<Op>> {
        let g = self.group(id);
        let Some(flat) = g.spatial.clone() else { return Ok(None) };
        let (name, dt, eqs) = (g.name.clone(), g.dt, g.eqs.clone());
        let mut scope = self.group_view(id, IndexSel::Item, 0);
        let part = |var: &str, dim: Dim| NameRef::Var {
            array: ArrayKey::new(id, var),
            index: IndexSel::Item,
            dim,
            ty: ValTy::Float,
            read_only: false,
            write_mask: None,
            shared: false,
        };
        let per_area = Dim::METRE * Dim::METRE;
        scope.insert("_gtot_all", part("_gtot_all", Dim::SIEMENS / per_area));
        scope.insert("_I0_all", part("_I0_all", Dim::AMP / per_area));
        let assign = |target: &str, from: &str| Statement {
            target: target.to_string(),
            target_span: Default::default(),
            op: AssignOp::Set,
            expr: Expr::name(from),
            span: Default::default(),
        };
        let stmts = [assign("_gtot_all", GTOT), assign("_I0_all", I0)];
        let errors = self.check_block(&scope, &eqs.source, &stmts, false);
        if !errors.is_empty() {
            return Err(Errors(errors));
        }
        // `m**3`, `n**4` of the channels: products, not calls of `pow`.
        let mut b = self.builder(&format!("{name}_spatialstateupdater")).small_powers(true);
        b.check_faults(self.fault_checks(id, None, Some(&eqs), true));
        lower::block_over_range(&mut b, &stmts, &scope);
        let kernel = self.compile(b)?;
        let tree = CableTree {
            starts: flat.sections.iter().map(|s| s.start).collect(),
            ends: flat.sections.iter().map(|s| s.end).collect(),
            parents: flat.sections.iter().map(|s| s.parent).collect(),
        };
        let mut cable = Cable::new(flat.n, &tree);
        let read = |var: &str| {
            self.store
                .get(&ArrayKey::new(id, var))
                .map(Array::to_f64)
                .unwrap_or_default()
        };
        let ri = read("Ri").first().copied().unwrap_or(DEFAULT_RI);
        cable.prepare(
            &read("Cm"),
            &read("area"),
            &read("r_length_1"),
            &read("r_length_2"),
            ri,
            dt,
        );
        Ok(Some(Op::new(
            OpKind::Cable {
                group: id,
                cable: Box::new(cable),
            },
            Some(kernel),
            dt,
            (
                slot_rank("groups").unwrap_or(4),
                1,
                format!("{name}_spatialstateupdater"),
            ),
            "SpatialStateUpdater",
            self.next_rng(),
        )))
    }

    /// The solver's step of spatial neuron `group`, on its arrays.
    pub(crate) fn cable_step(&mut self, group: usize, cable: &mut Cable, dt: f64) {
        let keys = ["v", "Ic", "Cm", "_gtot_all", "_I0_all"].map(|v| ArrayKey::new(group, v));
        let [v, ic, cm, gtot, i0] = self
            .store
            .arrays
            .get_disjoint_mut([&keys[0], &keys[1], &keys[2], &keys[3], &keys[4]]);
        if let (
            Some(Array::F64(v)),
            Some(Array::F64(ic)),
            Some(Array::F64(cm)),
            Some(Array::F64(gtot)),
            Some(Array::F64(i0)),
        ) = (v, ic, cm, gtot, i0)
        {
            cable.step(v, ic, cm, gtot, i0, dt);
        }
    }
}

/// The compartment index a threshold location names.
fn threshold_compartment(neuron: &str, flat: &FlatMorphology, loc: &ThresholdLocation) -> Result<usize> {
    let context = format!("{neuron}.threshold_location");
    match loc {
        ThresholdLocation::Compartment(k) if *k < flat.n => Ok(*k),
        ThresholdLocation::Compartment(k) => Err(err(
            "bad-index",
            &context,
            format!(
                "compartment {k} is out of range: the neuron has {} compartments",
                flat.n
            ),
        )),
        ThresholdLocation::At(code) => {
            let src = code.source(context.clone());
            let range = locate(flat, &src)?;
            if range.len() != 1 {
                return Err(Errors::one(
                    Diagnostic::at(
                        "bad-location",
                        &src,
                        Span::new(0, src.text.len()),
                        format!(
                            "the threshold applies at a single compartment, but this location has {}",
                            range.len()
                        ),
                    )
                    .with_help("name one compartment, e.g. 'axon[30*um]' or 'main[0]'"),
                ));
            }
            Ok(range.start)
        }
    }
}

/// The compartments a location names (`src` is the location's text).
fn locate(flat: &FlatMorphology, src: &Arc<Source>) -> Result<std::ops::Range<usize>> {
    flat.locate(&src.text).map_err(|(offset, msg)| {
        let at = offset.min(src.text.len());
        Errors::one(
            Diagnostic::at(
                "bad-location",
                src,
                Span::new(at, (at + 1).min(src.text.len()).max(at)),
                msg,
            )
            .with_help(
                "a location is a section ('main', 'axon', 'axon.L'), optionally with compartments \
                 ('main[0]', 'axon[2:5]') or distances ('axon[30*um]', 'axon[10*um:50*um]')",
            ),
        )
    })
}
