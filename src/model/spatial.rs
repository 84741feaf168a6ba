//! The equations of a SpatialNeuron, after Brian2's `SpatialNeuron.__init__`
//! (brian2/spatialneuron/spatialneuron.py): the model defines `Im`, the
//! membrane current per area; each `(point current)` variable (in amp) is
//! added to it divided by its compartment's `area`; and every spatial neuron
//! has `v` (solved by the cable equation, not by the model), `Ic`, `Cm`,
//! `Ri` and the geometry of its compartments.
//!
//! The split of `Im` into `-gtot*v + I0` that the cable equation needs is
//! the integration layer's (`integrate::cable`); this module only makes the
//! equations.

use std::sync::Arc;

use super::equations::{Equations, VarDef, VarFlag};
use super::scope::ValTy;
use crate::diag::{Diagnostic, Errors, Source, Span};
use crate::syntax::ast::{BinOp, Equation, EquationKind, Expr, ExprKind, Flag};
use crate::units::{Dim, VarType, parse_unit_spec};

/// The variables every spatial neuron defines: (name, unit, right-hand side of
/// a subexpression, flags), in Brian2's order. `space_constant` is Brian2's
/// expression, its fractional powers taken of dimensionless ratios (times
/// `meter`, which is 1) so that the intermediate units stay simple.
const BUILT_IN: &[(&str, &str, Option<&str>, &[VarFlag])] = &[
    ("v", "volt", None, &[]),
    ("length", "meter", None, &[VarFlag::Constant]),
    ("distance", "meter", None, &[VarFlag::Constant]),
    ("area", "meter**2", None, &[VarFlag::Constant]),
    ("volume", "meter**3", None, &[]),
    ("Ic", "amp/meter**2", None, &[]),
    ("diameter", "meter", None, &[VarFlag::Constant]),
    ("Cm", "farad/meter**2", None, &[VarFlag::Constant]),
    ("Ri", "ohm*meter", None, &[VarFlag::Constant, VarFlag::Shared]),
    ("r_length_1", "meter", None, &[VarFlag::Constant]),
    ("r_length_2", "meter", None, &[VarFlag::Constant]),
    ("time_constant", "second", Some("Cm/gtot__private"), &[]),
    (
        "space_constant",
        "meter",
        Some(
            "(2/pi)**(1.0/3.0) * (area/(1/r_length_1 + 1/r_length_2))**(1.0/6.0) / \
             (2*(Ri*gtot__private)**(1.0/2.0))",
        ),
        &[],
    ),
];

/// The coordinates, variables of a spatial neuron whose morphology has them.
const COORDINATES: [&str; 3] = ["x", "y", "z"];

/// The names of the two parts of the membrane current, subexpressions of
/// every spatial neuron (Brian2's names): `Im = -gtot__private*v + I0__private`.
pub const GTOT: &str = "gtot__private";
/// See [`GTOT`].
pub const I0: &str = "I0__private";

/// Every name a spatial neuron defines itself (the model may not).
pub fn built_in_names(coordinates: bool) -> impl Iterator<Item = &'static str> {
    BUILT_IN
        .iter()
        .map(|b| b.0)
        .chain([GTOT, I0])
        .chain(COORDINATES.into_iter().filter(move |_| coordinates))
}

/// The equations of a spatial neuron from its model (parsed with
/// `Owner::SpatialNeuron`): `Im` with the point currents added, the point
/// currents as plain variables, and the built-in variables. `gtot` and `i0`
/// make the two parts of `Im` (given `Im` with its subexpressions
/// substituted); they are the integration layer's.
pub fn spatial_equations(
    mut eqs: Equations,
    coordinates: bool,
    split: impl Fn(&Expr) -> Result<(Expr, Expr), String>,
) -> Result<Equations, Errors> {
    let source = eqs.source.clone();
    let mut errors = Vec::new();
    let Some(im_index) = eqs.vars.iter().position(|v| v.name() == "Im") else {
        return Err(Errors::one(
            Diagnostic::at(
                "spatial-model",
                &source,
                Span::new(0, source.text.len().min(1)),
                "the model of a spatial neuron must define the membrane current 'Im'",
            )
            .with_help("add a subexpression such as 'Im = gL*(EL - v) : amp/meter**2' (a current per area)"),
        ));
    };
    let im = &eqs.vars[im_index];
    let im_span = im.eq.span;
    if im.kind() != EquationKind::Subexpression {
        errors.push(
            Diagnostic::at(
                "spatial-model",
                &source,
                im.eq.name_span,
                "'Im' must be a subexpression, the membrane current per area",
            )
            .with_help("write 'Im = ... : amp/meter**2'"),
        );
    }
    if let Some(f) = im.eq.flags.first() {
        errors.push(Diagnostic::at(
            "bad-flag",
            &source,
            f.span,
            "cannot specify any flags for the transmembrane current 'Im'",
        ));
    }
    let current_density = Dim::AMP / (Dim::METRE * Dim::METRE);
    if !im.dim.same(current_density) {
        errors.push(
            Diagnostic::at(
                "unit-mismatch",
                &source,
                im.eq.unit_span,
                format!(
                    "'Im' is the membrane current per area: its unit must be amp/meter**2, not {}",
                    im.dim
                ),
            )
            .with_help("point currents in amp are variables with the flag '(point current)'"),
        );
    }
    for v in &eqs.vars {
        if let Some(b) = built_in_names(coordinates).find(|b| *b == v.name()) {
            errors.push(
                Diagnostic::at(
                    "duplicate",
                    &source,
                    v.eq.name_span,
                    format!("'{b}' is a variable every spatial neuron has; the model cannot define it"),
                )
                .with_help(built_in_help(b)),
            );
        }
    }
    // The point currents: added to Im, then plain variables.
    let mut im_rhs = eqs.vars[im_index].rhs().cloned().unwrap_or_else(|| Expr::float(0.0));
    for v in eqs.vars.iter_mut() {
        if !v.has_flag(VarFlag::PointCurrent) {
            continue;
        }
        if !v.dim.same(Dim::AMP) {
            errors.push(Diagnostic::at(
                "unit-mismatch",
                &source,
                v.eq.unit_span,
                format!("point current '{}' should be in amp, not {}", v.name(), v.dim),
            ));
        }
        let at = v.eq.name_span;
        im_rhs = Expr::new(
            ExprKind::Binary(
                BinOp::Add,
                Box::new(im_rhs),
                Box::new(Expr::new(
                    ExprKind::Binary(
                        BinOp::Div,
                        Box::new(Expr::new(ExprKind::Name(v.name().to_string()), at)),
                        Box::new(Expr::new(ExprKind::Name("area".into()), at)),
                    ),
                    at,
                )),
            ),
            im_span,
        );
        v.flags.retain(|f| *f != VarFlag::PointCurrent);
        v.eq.flags.retain(|f| f.name != VarFlag::PointCurrent.name());
    }
    if !errors.is_empty() {
        return Err(Errors(errors));
    }
    eqs.vars[im_index].eq.rhs = Some(im_rhs);
    // The built-in variables, their code located at Im's definition.
    for (name, unit, rhs, flags) in BUILT_IN {
        let rhs = rhs.map(|r| parse_built_in(r, im_span));
        eqs.vars.push(built_in(name, unit, rhs, flags, im_span));
    }
    for name in COORDINATES.into_iter().filter(|_| coordinates) {
        eqs.vars
            .push(built_in(name, "meter", None, &[VarFlag::Constant], im_span));
    }
    let full_im = eqs.substitute_subexpressions(&eqs.vars[im_index].rhs().cloned().unwrap_or(Expr::float(0.0)));
    let (gtot, i0) =
        split(&full_im).map_err(|msg| Errors::one(Diagnostic::at("spatial-model", &source, im_span, msg)))?;
    eqs.vars.push(built_in(
        GTOT,
        "siemens/meter**2",
        Some(relocate(gtot, im_span)),
        &[],
        im_span,
    ));
    eqs.vars
        .push(built_in(I0, "amp/meter**2", Some(relocate(i0, im_span)), &[], im_span));
    eqs.resort().map_err(|d| Errors::one(*d))?;
    Ok(eqs)
}

/// What a built-in variable is, for the error of a model that defines it.
fn built_in_help(name: &str) -> String {
    match name {
        "v" => "'v' is the membrane potential, solved by the cable equation; define 'Im' instead".into(),
        "Cm" | "Ri" => format!("set '{name}' as the spatial neuron's parameter (or with a 'set' of the variable)"),
        "gtot__private" | "I0__private" => "the parts of 'Im' are computed from it".into(),
        _ => format!("'{name}' comes from the morphology"),
    }
}

/// One built-in equation, located at `span`.
fn built_in(name: &str, unit: &str, rhs: Option<Expr>, flags: &[VarFlag], span: Span) -> VarDef {
    let (dim, ty) = match parse_unit_spec(unit) {
        Ok(VarType::Float(d)) => (d, ValTy::Float),
        _ => (Dim::ONE, ValTy::Float),
    };
    VarDef {
        eq: Equation {
            kind: if rhs.is_some() {
                EquationKind::Subexpression
            } else {
                EquationKind::Parameter
            },
            name: name.to_string(),
            name_span: span,
            rhs,
            unit: unit.to_string(),
            unit_span: span,
            flags: flags
                .iter()
                .map(|f| Flag {
                    name: f.name().to_string(),
                    span,
                })
                .collect(),
            span,
        },
        dim,
        ty,
        flags: flags.to_vec(),
    }
}

/// A built-in subexpression's right-hand side (the constant texts above parse).
fn parse_built_in(text: &str, span: Span) -> Expr {
    let src: Arc<Source> = Source::new("spatial neuron", text);
    let e = crate::syntax::parse_expression(&src).unwrap_or_else(|_| Expr::float(f64::NAN));
    relocate(e, span)
}

/// `e` with every node located at `span` (code the model did not write,
/// reported at the equation it comes from).
fn relocate(e: Expr, span: Span) -> Expr {
    let kind = match e.kind {
        ExprKind::Call(f, args) => ExprKind::Call(f, args.into_iter().map(|a| relocate(a, span)).collect()),
        ExprKind::Unary(op, a) => ExprKind::Unary(op, Box::new(relocate(*a, span))),
        ExprKind::Binary(op, a, b) => ExprKind::Binary(op, Box::new(relocate(*a, span)), Box::new(relocate(*b, span))),
        k => k,
    };
    Expr::new(kind, span)
}
