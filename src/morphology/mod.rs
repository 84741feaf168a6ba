//! TEMPORARY stand-in (lead's branch only, replaced by the morpho helper's module before merge).
#![allow(missing_docs)]
use std::ops::Range;

#[derive(Clone, Debug)]
pub enum Shape {
    Soma { diameter: f64 },
    Cylinder { diameter: f64, length: f64 },
}
#[derive(Clone, Debug)]
pub struct Morphology {
    pub shape: Shape,
    pub n: usize,
    pub children: Vec<(String, Morphology)>,
}
impl Morphology {
    pub fn soma(diameter: f64) -> Result<Morphology, String> {
        Ok(Morphology { shape: Shape::Soma { diameter }, n: 1, children: vec![] })
    }
    pub fn cylinder(n: usize, diameter: f64, length: f64) -> Result<Morphology, String> {
        Ok(Morphology { shape: Shape::Cylinder { diameter, length }, n, children: vec![] })
    }
    pub fn add_child(&mut self, name: &str, child: Morphology) -> Result<(), String> {
        self.children.push((name.to_string(), child));
        Ok(())
    }
    pub fn total_compartments(&self) -> usize {
        self.n + self.children.iter().map(|c| c.1.total_compartments()).sum::<usize>()
    }
    pub fn flatten(&self) -> FlatMorphology {
        let mut f = FlatMorphology::default();
        fn go(m: &Morphology, path: String, parent: Option<usize>, pd: f64, f: &mut FlatMorphology) {
            let start = f.n;
            let idx = f.sections.len();
            let mut end_d = pd;
            match m.shape {
                Shape::Soma { diameter } => {
                    f.length.push(diameter);
                    f.distance.push(0.0);
                    f.area.push(std::f64::consts::PI * diameter * diameter);
                    f.diameter.push(diameter);
                    f.volume.push(std::f64::consts::PI * diameter.powi(3) / 6.0);
                    f.r_length_1.push(1.0);
                    f.r_length_2.push(1.0);
                    f.depth.push(0);
                    end_d = 0.0;
                }
                Shape::Cylinder { diameter, length } => {
                    let dx = length / m.n as f64;
                    for k in 0..m.n {
                        f.length.push(dx);
                        f.distance.push(pd + (k as f64 + 0.5) * dx);
                        f.area.push(std::f64::consts::PI * diameter * dx);
                        f.diameter.push(diameter);
                        f.volume.push(std::f64::consts::PI * diameter * diameter / 4.0 * dx);
                        let r = std::f64::consts::PI * diameter * diameter / 4.0 / (dx / 2.0);
                        f.r_length_1.push(r);
                        f.r_length_2.push(r);
                        f.depth.push(0);
                    }
                    end_d = pd + length;
                }
            }
            f.n += m.n;
            f.sections.push(FlatSection { path: path.clone(), start, end: f.n, parent, end_distance: end_d });
            for (name, c) in &m.children {
                let p = if path.is_empty() { name.clone() } else { format!("{path}.{name}") };
                go(c, p, Some(idx), end_d, f);
            }
        }
        go(self, String::new(), None, 0.0, &mut f);
        f
    }
}
#[derive(Clone, Debug, Default)]
pub struct FlatCoordinates {
    pub x: Vec<f64>,
    pub y: Vec<f64>,
    pub z: Vec<f64>,
}
#[derive(Clone, Debug, Default)]
pub struct FlatSection {
    pub path: String,
    pub start: usize,
    pub end: usize,
    pub parent: Option<usize>,
    pub end_distance: f64,
}
#[derive(Clone, Debug, Default)]
pub struct FlatMorphology {
    pub n: usize,
    pub length: Vec<f64>,
    pub distance: Vec<f64>,
    pub area: Vec<f64>,
    pub diameter: Vec<f64>,
    pub volume: Vec<f64>,
    pub r_length_1: Vec<f64>,
    pub r_length_2: Vec<f64>,
    pub coordinates: Option<FlatCoordinates>,
    pub depth: Vec<u32>,
    pub sections: Vec<FlatSection>,
}
impl FlatMorphology {
    pub fn locate(&self, spec: &str) -> Result<Range<usize>, (usize, String)> {
        let s = self.sections.iter().find(|s| s.path == spec || (spec == "main" && s.path.is_empty()));
        s.map(|s| s.start..s.end).ok_or((0, format!("no section '{spec}'")))
    }
}
impl Morphology {
    pub fn section(_d: Vec<f64>, _l: Vec<f64>) -> Result<Morphology, String> {
        Err("stand-in".into())
    }
}
