//! The fitting loss of a diabatic network against adiabatic reference data, and its
//! gradient with respect to the diabatic matrix and its coordinate derivatives.
//!
//! At each geometry, `H = U diag(λ) Uᵀ` (ascending) and `G̃_k = Uᵀ (∂H/∂R_k) U`. The
//! predicted energies are `λᵢ`, gradients `G̃_k,ii`, couplings `d_ij,k = G̃_k,ij/(λⱼ − λᵢ)`.
//! The loss is a weighted sum of mean squared residuals in scaled units,
//!
//! `L = w_E ⟨(λᵢ − Eᵢ)²⟩/s_E² + w_G ⟨(G̃_k,ii − gᵢₖ)²⟩/s_G² + w_C ⟨min_± |d_ij − (±)d^ref_ij|²⟩/s_C²`,
//!
//! averages over geometries and components. The coupling term takes, per geometry and
//! pair `i < j`, the sign that best matches the reference *vector* `d_ij` (all
//! coordinates at once), because eigenvector signs are arbitrary: the loss is invariant
//! under `Uᵢ → −Uᵢ` and keeps the relative signs of a coupling's components.
//!
//! Reverse mode through the eigendecomposition: with `F_ij = 1/(λⱼ − λᵢ)` (`i ≠ j`),
//! `dU = U (F ∘ Uᵀ dH U)`, so given adjoints `λ̄` and `B_k = ∂L/∂G̃_k`,
//! `∂L/∂H = U [diag(λ̄) + F ∘ Σ_k (G̃_k B_k − B_k G̃_k)] Uᵀ` and `∂L/∂(∂_k H) = U B_k Uᵀ`.
//! Gaps below [`DEGENERACY_GAP`] are floored, as in the adapter.

use super::adiabatic::{ascending_eigen, DEGENERACY_GAP};
use super::net::entry_index;
use nalgebra::{DMatrix, DVector};

/// Weights of the three terms of the loss.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LossWeights {
    /// `w_E`.
    pub energy: f64,
    /// `w_G` (used only when the data have gradients).
    pub gradient: f64,
    /// `w_C` (used only when the data have couplings).
    pub coupling: f64,
}

/// The scales `s_E` (hartree), `s_G` (hartree/bohr), `s_C` (1/bohr) that make each term
/// dimensionless.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LossScales {
    /// `s_E`.
    pub energy: f64,
    /// `s_G`.
    pub gradient: f64,
    /// `s_C`.
    pub coupling: f64,
}

/// Reference values at one geometry (slices into [`super::DiabaticData`]).
#[derive(Clone, Copy, Debug)]
pub struct PointReference<'a> {
    /// `Eᵢ` (`n`).
    pub energies: &'a [f64],
    /// `∂Eᵢ/∂R_k` (`n × d`).
    pub gradients: Option<&'a [f64]>,
    /// `d_ij,k` (`n × n × d`).
    pub couplings: Option<&'a [f64]>,
}

/// Sums of squared residuals at one geometry, in physical units.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SquaredResiduals {
    /// `Σᵢ (λᵢ − Eᵢ)²` (hartree²).
    pub energy: f64,
    /// `Σᵢₖ (G̃_k,ii − gᵢₖ)²`.
    pub gradient: f64,
    /// `Σ_{i<j} min_± Σ_k (d_ij,k ∓ d^ref_ij,k)²`.
    pub coupling: f64,
}

impl std::ops::AddAssign for SquaredResiduals {
    fn add_assign(&mut self, other: Self) {
        self.energy += other.energy;
        self.gradient += other.gradient;
        self.coupling += other.coupling;
    }
}

/// The coefficients `w/(s² · count)` that turn squared residuals at one geometry into
/// its share of the loss, for `points` geometries.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TermFactors {
    energy: f64,
    gradient: f64,
    coupling: f64,
}

impl TermFactors {
    /// Factors for `n` states, `d` coordinates and `points` geometries.
    pub fn new(
        weights: &LossWeights,
        scales: &LossScales,
        n: usize,
        d: usize,
        points: usize,
    ) -> Self {
        let p = points as f64;
        let pairs = (n * (n - 1) / 2) as f64;
        Self {
            energy: weights.energy / (scales.energy.powi(2) * n as f64 * p),
            gradient: weights.gradient / (scales.gradient.powi(2) * (n * d) as f64 * p),
            coupling: weights.coupling / (scales.coupling.powi(2) * pairs * d as f64 * p),
        }
    }

    /// The loss from summed squared residuals.
    pub fn loss(&self, r: &SquaredResiduals) -> f64 {
        self.energy * r.energy + self.gradient * r.gradient + self.coupling * r.coupling
    }
}

/// Which term a residual belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Term {
    /// `λᵢ − Eᵢ`.
    Energy,
    /// `G̃_k,ii − gᵢₖ`.
    Gradient,
    /// `d_ij,k ∓ d^ref_ij,k`.
    Coupling,
}

/// One residual at one geometry: its physical value and where it comes from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Residual {
    /// The term.
    pub term: Term,
    /// The residual in physical units.
    pub value: f64,
    /// `(i, j, k)`: state(s) and coordinate (`j = i` for energies and gradients).
    seed: (usize, usize, usize),
}

/// The eigendecomposition at one geometry, kept for reverse mode.
pub struct Decomposition {
    n: usize,
    d: usize,
    lambda: DVector<f64>,
    u: DMatrix<f64>,
    projected: Vec<DMatrix<f64>>,
}

impl Decomposition {
    /// Diagonalizes `H` from its entries `h` (`m`) and projects `∂H/∂R_k` from `jac`
    /// (`m × d`, entry-major).
    pub fn new(n: usize, h: &[f64], jac: &[f64]) -> Self {
        let d = jac.len() / h.len();
        let (values, u) = ascending_eigen(DMatrix::from_fn(n, n, |a, b| h[entry_index(n, a, b)]));
        let lambda = DVector::from_vec(values);
        let projected = (0..d)
            .map(|k| {
                let g = DMatrix::from_fn(n, n, |a, b| jac[entry_index(n, a, b) * d + k]);
                u.transpose() * g * &u
            })
            .collect();
        Self {
            n,
            d,
            lambda,
            u,
            projected,
        }
    }

    /// `λⱼ − λᵢ`, floored in magnitude at [`DEGENERACY_GAP`].
    fn gap(&self, i: usize, j: usize) -> f64 {
        let g = self.lambda[j] - self.lambda[i];
        if g.abs() < DEGENERACY_GAP {
            DEGENERACY_GAP.copysign(g)
        } else {
            g
        }
    }

    /// `d_ij,k = G̃_k,ij / (λⱼ − λᵢ)`.
    fn coupling(&self, i: usize, j: usize, k: usize) -> f64 {
        self.projected[k][(i, j)] / self.gap(i, j)
    }

    /// The residuals against `reference`, in the order energies, gradients, couplings.
    pub fn residuals(&self, reference: &PointReference) -> Vec<Residual> {
        let (n, d) = (self.n, self.d);
        let mut out = Vec::new();
        for i in 0..n {
            out.push(Residual {
                term: Term::Energy,
                value: self.lambda[i] - reference.energies[i],
                seed: (i, i, 0),
            });
        }
        if let Some(g) = reference.gradients {
            for i in 0..n {
                for k in 0..d {
                    out.push(Residual {
                        term: Term::Gradient,
                        value: self.projected[k][(i, i)] - g[i * d + k],
                        seed: (i, i, k),
                    });
                }
            }
        }
        if let Some(c) = reference.couplings {
            for i in 0..n {
                for j in i + 1..n {
                    let target = &c[(i * n + j) * d..(i * n + j + 1) * d];
                    let overlap: f64 = (0..d).map(|k| self.coupling(i, j, k) * target[k]).sum();
                    let sign = if overlap < 0.0 { -1.0 } else { 1.0 };
                    for (k, t) in target.iter().enumerate() {
                        out.push(Residual {
                            term: Term::Coupling,
                            value: self.coupling(i, j, k) - sign * t,
                            seed: (i, j, k),
                        });
                    }
                }
            }
        }
        out
    }

    /// Writes into `h_bar` (`m`) and `jac_bar` (`m × d`) the derivatives of
    /// `Σ c·r` over `(c, r)` in `combination` with respect to `H` and `∂H/∂R`.
    pub fn pullback<'a>(
        &self,
        combination: impl IntoIterator<Item = (f64, &'a Residual)>,
        h_bar: &mut [f64],
        jac_bar: &mut [f64],
    ) {
        let (n, d) = (self.n, self.d);
        let mut lambda_bar = DVector::zeros(n);
        let mut projected_bar = vec![DMatrix::zeros(n, n); d];
        for (c, residual) in combination {
            let (i, j, k) = residual.seed;
            match residual.term {
                Term::Energy => lambda_bar[i] += c,
                Term::Gradient => projected_bar[k][(i, i)] += c,
                Term::Coupling => {
                    let gap = self.gap(i, j);
                    let value = self.coupling(i, j, k);
                    projected_bar[k][(i, j)] += c / gap;
                    lambda_bar[i] += c * value / gap;
                    lambda_bar[j] -= c * value / gap;
                }
            }
        }
        let mut x_bar = DMatrix::from_diagonal(&lambda_bar);
        let mut commutator = DMatrix::zeros(n, n);
        for (g, b) in self.projected.iter().zip(&projected_bar) {
            commutator += g * b - b * g;
        }
        for i in 0..n {
            for j in 0..n {
                if i != j {
                    x_bar[(i, j)] += commutator[(i, j)] / self.gap(i, j);
                }
            }
        }
        let scatter = |matrix: &DMatrix<f64>, out: &mut dyn FnMut(usize, f64)| {
            for a in 0..n {
                for b in a..n {
                    let value = if a == b {
                        matrix[(a, a)]
                    } else {
                        matrix[(a, b)] + matrix[(b, a)]
                    };
                    out(entry_index(n, a, b), value);
                }
            }
        };
        let h_full = &self.u * x_bar * self.u.transpose();
        scatter(&h_full, &mut |e, v| h_bar[e] = v);
        for (k, b) in projected_bar.iter().enumerate() {
            let g_full = &self.u * b * self.u.transpose();
            scatter(&g_full, &mut |e, v| jac_bar[e * d + k] = v);
        }
    }
}

impl TermFactors {
    /// The factor `w/(s² · count)` of a term.
    pub fn of(&self, term: Term) -> f64 {
        match term {
            Term::Energy => self.energy,
            Term::Gradient => self.gradient,
            Term::Coupling => self.coupling,
        }
    }
}

/// Squared residuals at one geometry, and, when `adjoints` is given, the derivatives of
/// the loss share `factors.loss(residuals)` with respect to the entries `h` (`m`) and
/// their coordinate derivatives `jac` (`m × d`, entry-major), written there.
pub fn point_loss(
    n: usize,
    h: &[f64],
    jac: &[f64],
    reference: &PointReference,
    factors: &TermFactors,
    adjoints: Option<(&mut [f64], &mut [f64])>,
) -> SquaredResiduals {
    let decomposition = Decomposition::new(n, h, jac);
    let residuals = decomposition.residuals(reference);
    let mut squares = SquaredResiduals::default();
    for r in &residuals {
        let square = r.value * r.value;
        match r.term {
            Term::Energy => squares.energy += square,
            Term::Gradient => squares.gradient += square,
            Term::Coupling => squares.coupling += square,
        }
    }
    if let Some((h_bar, jac_bar)) = adjoints {
        let combination = residuals
            .iter()
            .map(|r| (2.0 * factors.of(r.term) * r.value, r));
        decomposition.pullback(combination, h_bar, jac_bar);
    }
    squares
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The loss of one geometry as a function of `(h, jac)`, against finite differences.
    #[test]
    fn adjoints_match_finite_differences() {
        for (n, d) in [(2, 1), (3, 2), (4, 1)] {
            let m = n * (n + 1) / 2;
            let h: Vec<f64> = (0..m)
                .map(|e| (e as f64 * 1.3).sin() + e as f64 * 0.4)
                .collect();
            let jac: Vec<f64> = (0..m * d).map(|e| (e as f64 * 0.7).cos()).collect();
            let energies: Vec<f64> = (0..n).map(|i| i as f64 * 0.5 - 0.3).collect();
            let gradients: Vec<f64> = (0..n * d).map(|i| (i as f64).sin()).collect();
            let mut couplings = vec![0.0; n * n * d];
            for i in 0..n {
                for j in i + 1..n {
                    for k in 0..d {
                        let v = ((i * 5 + j * 3 + k) as f64).cos();
                        couplings[(i * n + j) * d + k] = v;
                        couplings[(j * n + i) * d + k] = -v;
                    }
                }
            }
            let reference = PointReference {
                energies: &energies,
                gradients: Some(&gradients),
                couplings: Some(&couplings),
            };
            let weights = LossWeights {
                energy: 1.0,
                gradient: 0.7,
                coupling: 0.3,
            };
            let scales = LossScales {
                energy: 0.9,
                gradient: 1.1,
                coupling: 1.3,
            };
            let factors = TermFactors::new(&weights, &scales, n, d, 1);
            let loss = |h: &[f64], jac: &[f64]| {
                factors.loss(&point_loss(n, h, jac, &reference, &factors, None))
            };
            let (mut h_bar, mut jac_bar) = (vec![0.0; m], vec![0.0; m * d]);
            point_loss(
                n,
                &h,
                &jac,
                &reference,
                &factors,
                Some((&mut h_bar, &mut jac_bar)),
            );
            let step = 1e-6;
            for e in 0..m {
                let (mut up, mut down) = (h.clone(), h.clone());
                up[e] += step;
                down[e] -= step;
                let fd = (loss(&up, &jac) - loss(&down, &jac)) / (2.0 * step);
                assert!(
                    (h_bar[e] - fd).abs() < 1e-6 * (1.0 + fd.abs()),
                    "n={n} h[{e}]: {} vs {fd}",
                    h_bar[e]
                );
            }
            for e in 0..m * d {
                let (mut up, mut down) = (jac.clone(), jac.clone());
                up[e] += step;
                down[e] -= step;
                let fd = (loss(&h, &up) - loss(&h, &down)) / (2.0 * step);
                assert!(
                    (jac_bar[e] - fd).abs() < 1e-6 * (1.0 + fd.abs()),
                    "n={n} jac[{e}]: {} vs {fd}",
                    jac_bar[e]
                );
            }
        }
    }
}
