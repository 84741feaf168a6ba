//! The cable equation of a multicompartment neuron: Brian2's
//! `spatialstateupdate` (cpp_standalone template), the implicit step of the
//! membrane potential of every compartment of a tree of sections.
//!
//! Each time step, with the membrane current linearised per compartment as
//! `Im = -gtot*v + I0` (the channel variables already updated), the new `v`
//! solves a tridiagonal system per section, joined at the branch points:
//!
//! 1. per section, three tridiagonal solves (Thomas algorithm): the particular
//!    solution `v*` with sealed ends, and the two homogeneous solutions `u+`
//!    and `u-` for a unit voltage at the section's far and near end;
//! 2. a small system over the branch points (one unknown per section end,
//!    plus the root), sparse along the tree, solved by elimination from the
//!    leaves up and substitution down;
//! 3. `v = v* + V(parent end)·u- + V(own end)·u+` per compartment, and
//!    `Ic = Cm·(v - v_previous)/dt`.
//!
//! The coefficients that depend only on the morphology, `Cm`, `Ri` and `dt`
//! are computed once per run ([`Cable::prepare`], Brian2's `before_run`), as
//! Brian2 does: a change of `Cm` during a run enters the right-hand side at
//! once, the matrix at the next run.

/// The tree of sections of a neuron, in Brian2's order (depth first, each
/// section before its children; the root section first).
#[derive(Clone, Debug, PartialEq)]
pub struct CableTree {
    /// The first compartment of each section.
    pub starts: Vec<usize>,
    /// One past the last compartment of each section.
    pub ends: Vec<usize>,
    /// The parent of each section (`None` for the root section).
    pub parents: Vec<Option<usize>>,
}

/// The solver's state: the tree, the per-run coefficients and the buffers of
/// a step (allocated once; a step allocates nothing).
#[derive(Clone, Debug)]
pub struct Cable {
    n: usize,
    starts: Vec<usize>,
    ends: Vec<usize>,
    /// Brian2's `_morph_parent_i`: the parent's row in the branch-point
    /// system (0 is the root's near end, section `k`'s far end is row `k + 1`).
    parent_row: Vec<usize>,
    /// The children of each row (as section indices + 1), in order, and the
    /// position of each section among its parent's children.
    children: Vec<Vec<usize>>,
    child_pos: Vec<usize>,
    // Per run: the matrix without the membrane conductance.
    ab_star0: Vec<f64>,
    ab_star1: Vec<f64>,
    ab_star2: Vec<f64>,
    b_plus: Vec<f64>,
    b_minus: Vec<f64>,
    invr0: Vec<f64>,
    invrn: Vec<f64>,
    // Per step.
    v_star: Vec<f64>,
    u_plus: Vec<f64>,
    u_minus: Vec<f64>,
    c: Vec<f64>,
    v_previous: Vec<f64>,
    p_diag: Vec<f64>,
    p_parent: Vec<f64>,
    /// The entries above the diagonal of the branch-point system, per row and child.
    p_children: Vec<Vec<f64>>,
    b: Vec<f64>,
}

impl Cable {
    /// A solver for `n` compartments in the sections of `tree`. The tree
    /// must cover `0..n` with non-empty sections in order, each parent
    /// before its children (as a flattened morphology is).
    pub fn new(n: usize, tree: &CableTree) -> Cable {
        let sections = tree.starts.len();
        let parent_row: Vec<usize> = tree.parents.iter().map(|p| p.map_or(0, |p| p + 1)).collect();
        let mut children = vec![Vec::new(); sections + 1];
        let mut child_pos = vec![0; sections];
        for (k, &row) in parent_row.iter().enumerate() {
            child_pos[k] = children[row].len();
            children[row].push(k + 1);
        }
        let p_children = children.iter().map(|c| vec![0.0; c.len().max(1)]).collect();
        Cable {
            n,
            starts: tree.starts.clone(),
            ends: tree.ends.clone(),
            parent_row,
            children,
            child_pos,
            ab_star0: vec![0.0; n],
            ab_star1: vec![0.0; n],
            ab_star2: vec![0.0; n],
            b_plus: vec![0.0; n],
            b_minus: vec![0.0; n],
            invr0: vec![0.0; sections],
            invrn: vec![0.0; sections],
            v_star: vec![0.0; n],
            u_plus: vec![0.0; n],
            u_minus: vec![0.0; n],
            c: vec![0.0; n],
            v_previous: vec![0.0; n],
            p_diag: vec![0.0; sections + 1],
            p_parent: vec![0.0; sections],
            p_children,
            b: vec![0.0; sections + 1],
        }
    }

    /// The number of compartments.
    pub fn len(&self) -> usize {
        self.n
    }

    /// True for a neuron without compartments (never built).
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// The coefficients of a run: Brian2's `before_code` of the template.
    /// `cm`, `area`, `r_length_1` and `r_length_2` have one value per
    /// compartment; `ri` is the intracellular resistivity.
    pub fn prepare(&mut self, cm: &[f64], area: &[f64], r_length_1: &[f64], r_length_2: &[f64], ri: f64, dt: f64) {
        let n = self.n;
        // The inverse axial resistance between compartment i-1 and i (0 where a section starts).
        let mut invr = vec![0.0; n];
        for i in 1..n {
            invr[i] = 1.0 / (ri * (1.0 / r_length_2[i - 1] + 1.0 / r_length_1[i]));
        }
        for &first in &self.starts {
            invr[first] = 0.0;
        }
        for i in 0..n {
            self.ab_star1[i] = -(cm[i] / dt) - invr[i] / area[i];
        }
        for i in 1..n {
            self.ab_star0[i] = invr[i] / area[i - 1];
            self.ab_star2[i - 1] = invr[i] / area[i];
            self.ab_star1[i - 1] -= invr[i] / area[i - 1];
        }
        self.b_plus.fill(0.0);
        self.b_minus.fill(0.0);
        for k in 0..self.starts.len() {
            let first = self.starts[k];
            let last = self.ends[k] - 1;
            let invr0 = r_length_1[first] / ri;
            let invrn = r_length_2[last] / ri;
            self.invr0[k] = invr0;
            self.invrn[k] = invrn;
            self.ab_star1[first] -= invr0 / area[first];
            self.ab_star1[last] -= invrn / area[last];
            self.b_plus[last] = -(invrn / area[last]);
            self.b_minus[first] = -(invr0 / area[first]);
        }
    }

    /// One time step: `v` from the membrane's `gtot` and `I0` (per area),
    /// then `ic`, the capacitive current per area.
    pub fn step(&mut self, v: &mut [f64], ic: &mut [f64], cm: &[f64], gtot: &[f64], i0: &[f64], dt: f64) {
        let n = self.n;
        self.v_previous.copy_from_slice(&v[..n]);
        // Step 1: three tridiagonal solves per section.
        for k in 0..self.starts.len() {
            let (start, end) = (self.starts[k], self.ends[k]);
            for j in start..end {
                self.v_star[j] = -(cm[j] / dt * v[j]) - i0[j];
                self.u_plus[j] = self.b_plus[j];
                self.u_minus[j] = self.b_minus[j];
                let bi = self.ab_star1[j] - gtot[j];
                if j < n - 1 {
                    self.c[j] = self.ab_star0[j + 1];
                }
                if j > 0 {
                    let ai = self.ab_star2[j - 1];
                    let m = 1.0 / (bi - ai * self.c[j - 1]);
                    self.c[j] *= m;
                    self.v_star[j] = (self.v_star[j] - ai * self.v_star[j - 1]) * m;
                    self.u_plus[j] = (self.u_plus[j] - ai * self.u_plus[j - 1]) * m;
                    self.u_minus[j] = (self.u_minus[j] - ai * self.u_minus[j - 1]) * m;
                } else {
                    self.c[0] /= bi;
                    self.v_star[0] /= bi;
                    self.u_plus[0] /= bi;
                    self.u_minus[0] /= bi;
                }
            }
            for j in (start..end.saturating_sub(1)).rev() {
                self.v_star[j] -= self.c[j] * self.v_star[j + 1];
                self.u_plus[j] -= self.c[j] * self.u_plus[j + 1];
                self.u_minus[j] -= self.c[j] * self.u_minus[j + 1];
            }
        }
        // Step 2: the branch-point system.
        for k in 0..self.starts.len() {
            let first = self.starts[k];
            let last = self.ends[k] - 1;
            let (invr0, invrn) = (self.invr0[k], self.invrn[k]);
            if k == 0 {
                // The root section: its near end is sealed.
                self.p_diag[0] = self.u_minus[first] - 1.0;
                self.p_children[0][0] = self.u_plus[first];
                self.b[0] = -self.v_star[first];
            } else {
                let row = self.parent_row[k];
                self.p_diag[row] += (1.0 - self.u_minus[first]) * invr0;
                self.p_children[row][self.child_pos[k]] = -self.u_plus[first] * invr0;
                self.b[row] += self.v_star[first] * invr0;
            }
            self.p_diag[k + 1] = (1.0 - self.u_plus[last]) * invrn;
            self.p_parent[k] = -self.u_minus[last] * invrn;
            self.b[k + 1] = self.v_star[last] * invrn;
        }
        // Elimination from the leaves up (children have higher rows).
        for row in (0..self.b.len()).rev() {
            for (pos, &child) in self.children[row].iter().enumerate() {
                let sub = self.p_children[row][pos] / self.p_diag[child];
                self.p_diag[row] -= sub * self.p_parent[child - 1];
                self.b[row] -= sub * self.b[child];
            }
        }
        // Substitution down.
        self.b[0] /= self.p_diag[0];
        for row in 1..self.b.len() {
            let parent = self.parent_row[row - 1];
            self.b[row] -= self.p_parent[row - 1] * self.b[parent];
            self.b[row] /= self.p_diag[row];
        }
        // Step 3: the solution of each section, and the capacitive current.
        for k in 0..self.starts.len() {
            let near = self.b[self.parent_row[k]];
            let far = self.b[k + 1];
            let (start, end) = (self.starts[k], self.ends[k]);
            let parts = self.v_star[start..end]
                .iter()
                .zip(&self.u_minus[start..end])
                .zip(&self.u_plus[start..end]);
            for (vj, ((star, minus), plus)) in v[start..end].iter_mut().zip(parts) {
                *vj = star + near * minus + far * plus;
            }
        }
        for (((icj, cmj), vj), prev) in ic[..n].iter_mut().zip(cm).zip(&v[..n]).zip(&self.v_previous) {
            *icj = cmj * (vj - prev) / dt;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A passive cylinder of `n` compartments, sealed ends, with a constant
    /// current into compartment 0: the steady state has the cable's profile
    /// `cosh((L - x)/λ)` up to discretisation.
    #[test]
    fn sealed_cylinder_relaxes_to_the_cable_profile() {
        let n = 200;
        let (diam, len, ri, gl, cm_) = (1e-6, 1e-3, 1.5, 1e-4 / 1e-4 * 0.5, 0.01);
        let dx = len / n as f64;
        let area = vec![std::f64::consts::PI * diam * dx; n];
        let r = std::f64::consts::PI * diam * diam / 4.0 / (dx / 2.0);
        let (r1, r2) = (vec![r; n], vec![r; n]);
        let cm = vec![cm_; n];
        let tree = CableTree {
            starts: vec![0],
            ends: vec![n],
            parents: vec![None],
        };
        let mut cable = Cable::new(n, &tree);
        let dt = 1e-4;
        cable.prepare(&cm, &area, &r1, &r2, ri, dt);
        let mut v = vec![0.0; n];
        let mut ic = vec![0.0; n];
        let gtot = vec![gl; n];
        let mut i0 = vec![0.0; n];
        i0[0] = 1e-10 / area[0];
        for _ in 0..20000 {
            cable.step(&mut v, &mut ic, &cm, &gtot, &i0, dt);
        }
        let lambda = (diam / (4.0 * ri * gl)).sqrt();
        let x = |j: usize| (j as f64 + 0.5) * dx;
        for j in [10, 50, 100, 150] {
            let expect = ((len - x(j)) / lambda).cosh() / ((len - x(0)) / lambda).cosh();
            let got = v[j] / v[0];
            assert!((got - expect).abs() < 2e-3, "j={j}: {got} vs {expect}");
        }
        assert!(ic.iter().all(|c| c.abs() < 1e-12));
    }
}
