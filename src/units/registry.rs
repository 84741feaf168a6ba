//! Unit names for messages: Brian2's `get_unit`, whose answer depends on the
//! compound units created so far.

use super::{Dim, table};

/// The name of a Brian2 `Unit` object: `repr` ("siemens / (metre ** 2)") and
/// `str` ("S/(m^2)").
#[derive(Clone, Debug, PartialEq)]
pub struct UnitName {
    /// Python's `repr` of the unit, as Brian2's messages write it (`siemens / (metre ** 2)`).
    pub repr: String,
    /// Python's `str` of the unit, the short form (`S/(m^2)`).
    pub display: String,
}

/// Brian2's `get_unit` with its user register.
///
/// Brian2 registers every unscaled `Unit` object it creates (e.g. when it
/// evaluates the unit specification `siemens/meter**2`) and `get_unit(d)` then
/// answers from the standard register, then these user units (the last one
/// registered for a dimension wins), then the additional register. So the names
/// in Brian2's messages depend on the model's unit specifications: feed the
/// [`ParsedUnitSpec::created`](super::ParsedUnitSpec::created) units of each specification, in model order, to
/// [`UnitRegistry::register_all`] to print what Brian2 prints.
#[derive(Clone, Debug, Default)]
pub struct UnitRegistry {
    user: Vec<(Dim, UnitName)>,
}

impl UnitRegistry {
    /// A registry with no user units.
    pub const EMPTY: UnitRegistry = UnitRegistry { user: Vec::new() };

    /// A registry with no user units (same as [`UnitRegistry::EMPTY`]).
    pub fn new() -> UnitRegistry {
        UnitRegistry::default()
    }

    /// Registers a unit (replacing an earlier one of the same dimension).
    pub fn register(&mut self, dim: Dim, name: UnitName) {
        self.user.retain(|(d, _)| !d.same(dim));
        self.user.push((dim, name));
    }

    /// Registers units in order.
    pub fn register_all<'a>(&mut self, units: impl IntoIterator<Item = &'a (Dim, UnitName)>) {
        for (d, n) in units {
            self.register(*d, n.clone());
        }
    }

    /// `get_unit(d)`: standard register, then user units, then additional
    /// register, else an unnamed unit (`repr` = [`Dim::python_form`], `str` =
    /// [`Dim::base_form`]).
    pub fn get_unit(&self, d: Dim) -> UnitName {
        let named = |(r, s): (&str, &str)| UnitName {
            repr: r.to_string(),
            display: s.to_string(),
        };
        if let Some(rs) = registered_in(&table::REGISTERED_STANDARD, d) {
            return named(rs);
        }
        if let Some((_, n)) = self.user.iter().find(|(ud, _)| ud.same(d)) {
            return n.clone();
        }
        if let Some(rs) = registered_in(&table::REGISTERED_ADDITIONAL, d) {
            return named(rs);
        }
        if d.is_one() {
            // Not reached with Brian2's tables (radian is registered), kept for
            // completeness: Brian2's `Unit(1)`.
            return UnitName {
                repr: "Unit(1)".to_string(),
                display: "1".to_string(),
            };
        }
        UnitName {
            repr: d.python_form(),
            display: d.base_form(),
        }
    }

    /// `repr(get_unit(d))`: `"volt"`, `"radian"` for dimensionless.
    pub fn get_unit_repr(&self, d: Dim) -> String {
        self.get_unit(d).repr
    }

    /// `get_unit_for_display(d)`: `"1"` for dimensionless, else `str(get_unit(d))`.
    pub fn get_unit_for_display(&self, d: Dim) -> String {
        if d.is_one() {
            "1".to_string()
        } else {
            self.get_unit(d).display
        }
    }
}

pub(super) fn registered_in(
    table: &[([i8; 7], &'static str, &'static str)],
    d: Dim,
) -> Option<(&'static str, &'static str)> {
    table
        .iter()
        .find(|(e, _, _)| Dim::from_ints(*e).same(d))
        .map(|&(_, r, s)| (r, s))
}
