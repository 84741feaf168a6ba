//! The per-compartment values of one section (Brian2's `area`, `volume`,
//! `length`, `distance`, `diameter`, `r_length_1`, `r_length_2`, the start, mid
//! and end coordinates, `end_distance`), each computed with Brian2's formula in
//! Brian2's order of operations, so that the values agree to the last bits.

use super::{Morphology, Shape};
use std::f64::consts::PI;

/// What a section's values depend on of its parent.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct ParentEnd {
    /// The distance of the parent's last compartment (a soma child's `distance`).
    pub(crate) last_distance: f64,
    /// The parent's `end_distance`.
    pub(crate) end_distance: f64,
    /// The parent's last end point, when it has coordinates.
    pub(crate) end_point: Option<[f64; 3]>,
}

/// Start, mid and end points of each compartment, x/y/z.
#[derive(Clone, Debug, Default)]
pub(crate) struct SectionPoints {
    pub(crate) start: [Vec<f64>; 3],
    pub(crate) mid: [Vec<f64>; 3],
    pub(crate) end: [Vec<f64>; 3],
}

/// One section's values.
#[derive(Clone, Debug, Default)]
pub(crate) struct SectionValues {
    pub(crate) length: Vec<f64>,
    pub(crate) distance: Vec<f64>,
    pub(crate) area: Vec<f64>,
    pub(crate) diameter: Vec<f64>,
    pub(crate) volume: Vec<f64>,
    pub(crate) r_length_1: Vec<f64>,
    pub(crate) r_length_2: Vec<f64>,
    pub(crate) end_distance: f64,
    pub(crate) points: Option<SectionPoints>,
}

impl SectionValues {
    /// What this section's children need of it.
    pub(crate) fn as_parent(&self) -> ParentEnd {
        ParentEnd {
            last_distance: self.distance.last().copied().unwrap_or(0.0),
            end_distance: self.end_distance,
            end_point: self
                .points
                .as_ref()
                .map(|p| p.end.each_ref().map(|c| c.last().copied().unwrap_or(0.0))),
        }
    }
}

impl Morphology {
    /// The values of this section (not its children), below a parent (`None` for the root).
    pub(crate) fn section_values(&self, parent: Option<ParentEnd>) -> SectionValues {
        let l = &self.lengths;
        match &self.shape {
            Shape::Soma { diameter: d } => {
                let d = *d;
                let points = self.points.as_ref().map(|p| {
                    let c = [p.x.clone(), p.y.clone(), p.z.clone()];
                    SectionPoints {
                        start: c.clone(),
                        mid: c.clone(),
                        end: c,
                    }
                });
                SectionValues {
                    length: vec![d],
                    distance: vec![parent.map_or(0.0, |p| p.last_distance)],
                    area: vec![PI * (d * d)],
                    diameter: vec![d],
                    volume: vec![(PI * d.powf(3.0)) / 6.0],
                    r_length_1: vec![1.0],
                    r_length_2: vec![1.0],
                    end_distance: parent.map_or(0.0, |p| p.end_distance),
                    points,
                }
            }
            Shape::Cylinder { diameter: d, .. } => {
                let d = *d;
                let r = |li: f64| PI / 2.0 * (d * d) / li;
                self.finish(
                    parent,
                    SectionValues {
                        length: l.clone(),
                        area: l.iter().map(|li| PI * d * li).collect(),
                        diameter: vec![d; l.len()],
                        volume: l.iter().map(|li| PI * ((d / 2.0) * (d / 2.0)) * li).collect(),
                        r_length_1: l.iter().map(|&li| r(li)).collect(),
                        r_length_2: l.iter().map(|&li| r(li)).collect(),
                        ..Default::default()
                    },
                )
            }
            Shape::Section { diameters: ds, .. } => {
                let cones = || (0..l.len()).map(|i| (ds[i], ds[i + 1], l[i]));
                self.finish(
                    parent,
                    SectionValues {
                        length: l.clone(),
                        area: cones()
                            .map(|(d1, d2, li)| PI / 2.0 * (d1 + d2) * (((d1 - d2) * (d1 - d2)) / 4.0 + li * li).sqrt())
                            .collect(),
                        diameter: cones().map(|(d1, d2, _)| 0.5 * (d1 + d2)).collect(),
                        volume: cones()
                            .map(|(d1, d2, li)| PI * li * (d1 * d1 + d1 * d2 + d2 * d2) / 12.0)
                            .collect(),
                        r_length_1: cones()
                            .map(|(d1, d2, li)| PI / 2.0 * (d1 * ((d1 + d2) * 0.5)) / li)
                            .collect(),
                        r_length_2: cones()
                            .map(|(d1, d2, li)| PI / 2.0 * (((d1 + d2) * 0.5) * d2) / li)
                            .collect(),
                        ..Default::default()
                    },
                )
            }
        }
    }

    /// Distances and coordinates of a cylinder or section (Brian2's `Section.distance`,
    /// `end_distance`, `start_x_`, `x_`, `end_x_`...).
    fn finish(&self, parent: Option<ParentEnd>, mut v: SectionValues) -> SectionValues {
        let start = parent.map_or(0.0, |p| p.end_distance);
        let mut sum = 0.0;
        v.distance = v
            .length
            .iter()
            .map(|&li| {
                sum += li;
                start + sum - 0.5 * li
            })
            .collect();
        let last = v.length.len() - 1;
        v.end_distance = v.distance[last] + 0.5 * v.length[last];
        v.points = self.points.as_ref().map(|p| {
            let offset = parent.and_then(|p| p.end_point);
            let shift = |c: &[f64], axis: usize| -> Vec<f64> {
                match offset {
                    Some(o) => c.iter().map(|x| o[axis] + x).collect(),
                    None => c.to_vec(),
                }
            };
            let coords = [&p.x, &p.y, &p.z];
            let start: [Vec<f64>; 3] = std::array::from_fn(|a| shift(&coords[a][..last + 1], a));
            let end: [Vec<f64>; 3] = std::array::from_fn(|a| shift(&coords[a][1..], a));
            let mid = std::array::from_fn(|a| start[a].iter().zip(&end[a]).map(|(s, e)| s + 0.5 * (e - s)).collect());
            SectionPoints { start, mid, end }
        });
        v
    }
}
