//! The adiabatic quantities along a trajectory, in buffers reused from step to step:
//! the same formulas as [`super::adiabatic()`] (energies ascending, `∇Eᵢ = Uᵢᵀ∇V Uᵢ`,
//! `d_ij = Uᵢᵀ∇V Uⱼ/(Eⱼ − Eᵢ)`, eigenvector signs continued by overlap with the
//! previous geometry), without allocating for two states (closed-form 2 × 2
//! eigenvectors) — one evaluation per nuclear step is the inner loop of surface hopping.

use super::adiabatic::{ascending_eigen, DEGENERACY_GAP};
use super::models::DiabaticModel;
use nalgebra::DMatrix;

/// Adiabatic energies, eigenvectors, gradients and couplings at one geometry.
#[derive(Clone, Debug, PartialEq)]
pub struct Frame {
    n: usize,
    d: usize,
    /// `Eᵢ`, ascending (hartree).
    pub energies: Vec<f64>,
    /// `U[a][i]`: component `a` of eigenvector `i` (`n × n`, row-major).
    pub vectors: Vec<f64>,
    /// `∂Eᵢ/∂R_k` as `[i][k]` (hartree/bohr).
    pub gradients: Vec<f64>,
    /// `d_ij,k` as `[k][i][j]`, antisymmetric in `i, j` (1/bohr).
    pub couplings: Vec<f64>,
    potential: Vec<f64>,
    potential_gradient: Vec<f64>,
}

impl Frame {
    /// Buffers for `n` states and `d` coordinates (filled by [`Frame::update`]).
    pub fn new(n: usize, d: usize) -> Self {
        Self {
            n,
            d,
            energies: vec![0.0; n],
            vectors: vec![0.0; n * n],
            gradients: vec![0.0; n * d],
            couplings: vec![0.0; d * n * n],
            potential: vec![0.0; n * n],
            potential_gradient: vec![0.0; d * n * n],
        }
    }

    /// Number of states.
    pub fn n_states(&self) -> usize {
        self.n
    }

    /// `d_ij,k`.
    pub fn coupling(&self, i: usize, j: usize, k: usize) -> f64 {
        self.couplings[(k * self.n + i) * self.n + j]
    }

    /// `∂Eᵢ/∂R_k`.
    pub fn gradient(&self, i: usize, k: usize) -> f64 {
        self.gradients[i * self.d + k]
    }

    /// The quantities of `model` at `r`. With `previous` (the vectors of the previous
    /// geometry), each eigenvector's sign is chosen to overlap it positively;
    /// otherwise the largest component of each is made positive.
    pub fn update(&mut self, model: &dyn DiabaticModel, r: &[f64], previous: Option<&[f64]>) {
        let (n, d) = (self.n, self.d);
        model.fill(r, &mut self.potential, &mut self.potential_gradient);
        if n == 2 {
            self.eigen_2x2();
        } else {
            let v = DMatrix::from_row_slice(n, n, &self.potential);
            let (values, vectors) = ascending_eigen(v);
            self.energies.copy_from_slice(&values);
            for a in 0..n {
                for i in 0..n {
                    self.vectors[a * n + i] = vectors[(a, i)];
                }
            }
        }
        for i in 0..n {
            let flip = match previous {
                Some(p) => {
                    (0..n)
                        .map(|a| self.vectors[a * n + i] * p[a * n + i])
                        .sum::<f64>()
                        < 0.0
                }
                None => {
                    let largest = (0..n)
                        .max_by(|&a, &b| {
                            self.vectors[a * n + i]
                                .abs()
                                .total_cmp(&self.vectors[b * n + i].abs())
                        })
                        .expect("n ≥ 1");
                    self.vectors[largest * n + i] < 0.0
                }
            };
            if flip {
                for a in 0..n {
                    self.vectors[a * n + i] = -self.vectors[a * n + i];
                }
            }
        }
        // (Uᵀ ∂_k V U)_ij, then gradients and couplings.
        for k in 0..d {
            let g = &self.potential_gradient[k * n * n..(k + 1) * n * n];
            for i in 0..n {
                for j in i..n {
                    let mut projected = 0.0;
                    for a in 0..n {
                        let mut row = 0.0;
                        for b in 0..n {
                            row += g[a * n + b] * self.vectors[b * n + j];
                        }
                        projected += self.vectors[a * n + i] * row;
                    }
                    if i == j {
                        self.gradients[i * d + k] = projected;
                        self.couplings[(k * n + i) * n + i] = 0.0;
                    } else {
                        let gap = (self.energies[j] - self.energies[i]).max(DEGENERACY_GAP);
                        let value = projected / gap;
                        self.couplings[(k * n + i) * n + j] = value;
                        self.couplings[(k * n + j) * n + i] = -value;
                    }
                }
            }
        }
    }

    /// `V = m + [[h, b], [b, −h]]`: `E = m ∓ ρ`, `ρ = √(h² + b²)`; with
    /// `φ = ½ atan2(b, h)` the lower vector is `(−sin φ, cos φ)` and the upper
    /// `(cos φ, sin φ)`.
    fn eigen_2x2(&mut self) {
        let v = &self.potential;
        let mean = 0.5 * (v[0] + v[3]);
        let half = 0.5 * (v[0] - v[3]);
        let b = 0.5 * (v[1] + v[2]);
        let rho = half.hypot(b);
        let phi = 0.5 * b.atan2(half);
        let (sin, cos) = phi.sin_cos();
        self.energies[0] = mean - rho;
        self.energies[1] = mean + rho;
        // vectors[a][i]: component a of state i.
        self.vectors.copy_from_slice(&[-sin, cos, cos, sin]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nonadiabatic::{adiabatic, LinearVibronic, Tully1, Tully2, Tully3};

    /// A three-state model in one coordinate with every diabatic element varying.
    struct ThreeStates;

    impl DiabaticModel for ThreeStates {
        fn n_states(&self) -> usize {
            3
        }
        fn n_dims(&self) -> usize {
            1
        }
        fn potential(&self, r: &[f64]) -> DMatrix<f64> {
            let x = r[0];
            DMatrix::from_row_slice(
                3,
                3,
                &[
                    0.01 * x.tanh(),
                    0.004 * (-x * x).exp(),
                    0.001,
                    0.004 * (-x * x).exp(),
                    -0.01 * x.tanh(),
                    0.003 * (-(x - 1.0).powi(2)).exp(),
                    0.001,
                    0.003 * (-(x - 1.0).powi(2)).exp(),
                    0.02,
                ],
            )
        }
        fn gradient(&self, r: &[f64]) -> Vec<DMatrix<f64>> {
            let x = r[0];
            let s = 1.0 / x.cosh().powi(2);
            let a = -0.008 * x * (-x * x).exp();
            let b = -0.006 * (x - 1.0) * (-(x - 1.0).powi(2)).exp();
            vec![DMatrix::from_row_slice(
                3,
                3,
                &[0.01 * s, a, 0.0, a, -0.01 * s, b, 0.0, b, 0.0],
            )]
        }
    }

    #[test]
    fn fill_writes_what_potential_and_gradient_return() {
        let models: Vec<(Box<dyn DiabaticModel>, Vec<f64>)> = vec![
            (Box::new(Tully1::default()), vec![0.3]),
            (Box::new(Tully1::default()), vec![-0.7]),
            (Box::new(Tully2::default()), vec![0.9]),
            (Box::new(Tully3::default()), vec![-0.4]),
            (Box::new(Tully3::default()), vec![1.3]),
            (Box::new(LinearVibronic::default()), vec![0.2, -0.5]),
        ];
        for (model, r) in models {
            let (n, d) = (model.n_states(), model.n_dims());
            let (mut v, mut g) = (vec![0.0; n * n], vec![0.0; d * n * n]);
            model.fill(&r, &mut v, &mut g);
            let (ev, eg) = model.potential_and_gradient(&r);
            for i in 0..n {
                for j in 0..n {
                    assert!((v[i * n + j] - ev[(i, j)]).abs() < 1e-15);
                    for k in 0..d {
                        assert!((g[(k * n + i) * n + j] - eg[k][(i, j)]).abs() < 1e-15);
                    }
                }
            }
        }
    }

    /// Along a scan, the frame equals the generic adapter (which the adapter tests
    /// check against closed forms), signs included.
    #[test]
    fn agrees_with_the_adapter_along_a_scan() {
        let models: Vec<Box<dyn DiabaticModel>> = vec![
            Box::new(Tully1::default()),
            Box::new(Tully2::default()),
            Box::new(Tully3::default()),
            Box::new(ThreeStates),
        ];
        for model in models {
            let n = model.n_states();
            let mut frame = Frame::new(n, 1);
            let mut previous: Option<DMatrix<f64>> = None;
            let mut previous_frame: Option<Vec<f64>> = None;
            for step in 0..=400 {
                let r = [-5.0 + 0.025 * step as f64];
                let exact = adiabatic(model.as_ref(), &r, previous.as_ref());
                frame.update(model.as_ref(), &r, previous_frame.as_deref());
                for i in 0..n {
                    assert!((frame.energies[i] - exact.energies[i]).abs() < 1e-14);
                    assert!((frame.gradient(i, 0) - exact.gradients[(i, 0)]).abs() < 1e-12);
                    for a in 0..n {
                        assert!(
                            (frame.vectors[a * n + i] - exact.vectors[(a, i)]).abs() < 1e-10,
                            "x = {}, state {i}",
                            r[0]
                        );
                    }
                    for j in 0..n {
                        let (mine, theirs) = (frame.coupling(i, j, 0), exact.couplings[0][(i, j)]);
                        assert!(
                            (mine - theirs).abs() <= 1e-9 * (1.0 + theirs.abs()),
                            "d{i}{j} at x = {}: {mine} vs {theirs}",
                            r[0]
                        );
                    }
                }
                previous = Some(exact.vectors);
                previous_frame = Some(frame.vectors.clone());
            }
        }
    }
}
