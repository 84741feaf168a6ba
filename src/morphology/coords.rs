//! Brian2's `Morphology.generate_coordinates` without randomness (its
//! deterministic algorithm): children of a soma spread in a circle in the x-y
//! plane, other children fanned out around their parent's direction.

use super::derived::ParentEnd;
use super::{Morphology, Shape};
use std::f64::consts::PI;

type V3 = [f64; 3];

fn cross(a: V3, b: V3) -> V3 {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

fn dot(a: V3, b: V3) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

fn norm(v: V3) -> f64 {
    (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt()
}

/// Brian2's `_rotate(vec, axis, angle)`.
fn rotate(vec: V3, axis: V3, angle: f64) -> V3 {
    let (c, s) = (angle.cos(), angle.sin());
    let x = cross(axis, vec);
    let d = dot(axis, vec);
    std::array::from_fn(|k| vec[k] * c - x[k] * s + axis[k] * d * (1.0 - c))
}

/// The new parent section and what its children need of it.
struct NewParent<'a> {
    section: &'a Morphology,
    end: ParentEnd,
    /// Absolute start of its first compartment and end of its last.
    first_start: V3,
    last_end: V3,
}

impl Morphology {
    /// A copy of this morphology with coordinates filled in where sections have
    /// none (all sections with `overwrite_existing`), by Brian2's deterministic
    /// `generate_coordinates()` (`section_randomness = compartment_randomness = 0`).
    /// Like Brian2, it needs the root to be a soma or to have coordinates.
    pub fn generate_coordinates(&self, overwrite_existing: bool) -> Result<Morphology, String> {
        generate(self, None, 0, 0, overwrite_existing)
    }
}

fn generate(
    orig: &Morphology,
    parent: Option<&NewParent>,
    nth_child: usize,
    total_children: usize,
    overwrite: bool,
) -> Result<Morphology, String> {
    let mut dir: V3 = match parent {
        None => [0.0; 3],
        Some(p) => {
            let d: V3 = std::array::from_fn(|k| p.last_end[k] - p.first_start[k]);
            let n = norm(d);
            if n != 0.0 { d.map(|c| c / n) } else { [0.0; 3] }
        }
    };
    let mut section = if !overwrite && orig.points.is_some() {
        copy_section(orig)
    } else if let Shape::Soma { diameter } = orig.shape {
        let mut s = Morphology::soma_at(diameter, Some(dir[0]), Some(dir[1]), Some(dir[2]))?;
        s.kind = orig.kind.clone();
        s
    } else {
        if dot(dir, dir) == 0.0 {
            if total_children == 0 {
                return Err("cannot generate coordinates for a root section that is not a soma and has none".into());
            }
            let increment = 2.0 * PI / total_children as f64;
            let angle = PI / 2.0 + increment * nth_child as f64;
            dir = rotate([1.0, 0.0, 0.0], [0.0, 0.0, 1.0], angle);
        } else {
            let axis = if dir[2] == 0.0 {
                [0.0, 0.0, 1.0]
            } else {
                [-dir[1], dir[2], 0.0]
            };
            let increment = PI / (total_children + 1) as f64;
            let angle = -PI / 2.0 + increment * (nth_child + 1) as f64;
            dir = rotate(dir, axis, angle);
        }
        let n = norm(dir);
        dir = dir.map(|c| c / n);
        let origin = match parent.map(|p| &p.section.shape) {
            Some(Shape::Soma { diameter }) => dir.map(|c| diameter / 2.0 * c),
            _ => [0.0; 3],
        };
        let mut pts: Vec<V3> = vec![origin];
        for &l in &orig.lengths {
            let prev = pts[pts.len() - 1];
            pts.push(std::array::from_fn(|k| prev[k] + l * dir[k]));
        }
        let axis = |k: usize| pts.iter().map(|p| p[k]).collect::<Vec<f64>>();
        let last = pts.len() - 1;
        let mut s = match &orig.shape {
            Shape::Cylinder { diameter, .. } => {
                let ends = |k: usize| Some([pts[0][k], pts[last][k]]);
                Morphology::cylinder_between(orig.n(), *diameter, ends(0), ends(1), ends(2))?
            }
            Shape::Section { diameters, .. } => {
                Morphology::section_through(diameters.clone(), Some(axis(0)), Some(axis(1)), Some(axis(2)))?
            }
            Shape::Soma { .. } => unreachable!("handled above"),
        };
        s.kind = orig.kind.clone();
        s
    };
    let values = section.section_values(parent.map(|p| p.end));
    let pts = values.points.as_ref();
    let me = NewParent {
        section: &section,
        end: values.as_parent(),
        first_start: pts.map_or([0.0; 3], |p| p.start.each_ref().map(|c| c[0])),
        last_end: pts.map_or([0.0; 3], |p| p.end.each_ref().map(|c| c[c.len() - 1])),
    };
    let total = orig.children.len();
    let mut children = Vec::with_capacity(total);
    for (k, c) in orig.children.iter().enumerate() {
        children.push((
            c.given.clone(),
            generate(&c.morphology, Some(&me), k, total, overwrite)?,
        ));
    }
    for (given, child) in children {
        section.push_child(given, child);
    }
    Ok(section)
}

/// Brian2's `copy_section`: the section without its children.
fn copy_section(m: &Morphology) -> Morphology {
    Morphology {
        shape: m.shape.clone(),
        lengths: m.lengths.clone(),
        points: m.points.clone(),
        kind: m.kind.clone(),
        children: vec![],
        names: vec![],
    }
}
