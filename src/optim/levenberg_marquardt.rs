//! Levenberg–Marquardt for nonlinear least squares with an optional ridge,
//! `F(x) = Σ_q r_q(x)² + λ|x|²` (Madsen, Nielsen & Tingleff, *Methods for Non-Linear
//! Least Squares Problems*, 2004, §3.2).
//!
//! With `J = ∂r/∂x` and `g = Jᵀr + λx`, each iteration solves
//! `(JᵀJ + cI) δ = −g`, `c = μ + λ`, by Cholesky on the `P × P` matrix `JᵀJ` when there
//! are at most as many parameters `P` as residuals `Q`, otherwise on the `Q × Q` matrix
//! `JJᵀ`: `δ = −Jᵀ(JJᵀ + cI)⁻¹r − (λ/c)(x − Jᵀ(JJᵀ + cI)⁻¹Jx)` (push-through and
//! Woodbury identities, arranged so that nothing is divided by a small `c`). The
//! step is taken when the gain ratio `ρ = (F(x) − F(x + δ)) / (μ|δ|² − δᵀg)` is
//! positive, and then `μ ← μ·max(⅓, 1 − (2ρ − 1)³)`; otherwise `μ ← μν`, `ν ← 2ν` and
//! the step is solved again. `μ₀ = τ max_j (JᵀJ)_jj`.
//!
//! For small networks fitted to high accuracy this converges in hundreds of iterations
//! where first-order and quasi-Newton methods need tens of thousands: the Gauss–Newton
//! matrix `JᵀJ` carries the curvature that L-BFGS has to rebuild from a short history.
//! Dense products and factorizations use the crate's fixed-partition kernels, so
//! results do not depend on the number of threads.

use crate::error::{Error, Result};
use crate::scalar::fix_linear_algebra_partition;
use crate::vmc::linalg::{cholesky_lower, cholesky_solve_in_place, lower_gram_into};
use faer::{Conj, Mat};

/// Levenberg–Marquardt settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LmSettings {
    /// `τ` in `μ₀ = τ max_j (JᵀJ)_jj`.
    pub initial_damping: f64,
    /// Most rejected steps in a row before an iteration gives up.
    pub max_rejections: usize,
    /// The ridge `λ ≥ 0`.
    pub ridge: f64,
}

impl Default for LmSettings {
    fn default() -> Self {
        Self {
            initial_damping: 1e-3,
            max_rejections: 40,
            ridge: 0.0,
        }
    }
}

/// What one iteration did.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LmStep {
    /// Took a step that lowered `F`.
    Moved {
        /// `F` at the new point.
        value: f64,
        /// `|Jᵀr|` at the new point.
        gradient_norm: f64,
        /// The damping `μ` after the step.
        damping: f64,
    },
    /// No step lowered `F` even with heavy damping: converged to floating-point
    /// precision. `x` is unchanged.
    Stalled,
}

/// The problem: residuals at `x`, and the Jacobian (`Q × P`, row-major) when asked.
pub type Residuals<'a> = dyn FnMut(&[f64], Option<&mut Vec<f64>>) -> Vec<f64> + 'a;

/// A Levenberg–Marquardt minimization in progress.
#[derive(Clone, Debug)]
pub struct LevenbergMarquardt {
    settings: LmSettings,
    x: Vec<f64>,
    residuals: Vec<f64>,
    jacobian: Vec<f64>,
    value: f64,
    damping: f64,
    growth: f64,
}

fn sum_of_squares(r: &[f64]) -> f64 {
    r.iter().map(|v| v * v).sum()
}

/// `Jᵀv` for `J` (`Q × P`).
fn transpose_apply(j: &Mat<f64>, v: &[f64]) -> Vec<f64> {
    (0..j.ncols())
        .map(|col| (0..j.nrows()).map(|row| j[(row, col)] * v[row]).sum())
        .collect()
}

impl LevenbergMarquardt {
    /// Starts at `x0`. Non-finite residuals or Jacobian entries there are an error.
    pub fn new(settings: LmSettings, x0: Vec<f64>, problem: &mut Residuals) -> Result<Self> {
        fix_linear_algebra_partition();
        let mut jacobian = Vec::new();
        let residuals = problem(&x0, Some(&mut jacobian));
        let value = sum_of_squares(&residuals) + settings.ridge * sum_of_squares(&x0);
        if !(settings.ridge >= 0.0 && settings.ridge.is_finite()) {
            return Err(Error::invalid("training.weight_decay", "must be ≥ 0"));
        }
        if !value.is_finite() || jacobian.iter().any(|v| !v.is_finite()) {
            return Err(Error::Numerical(format!(
                "Levenberg–Marquardt start: the loss is {value} or its Jacobian is not finite"
            )));
        }
        let p = x0.len();
        let largest = (0..p)
            .map(|j| {
                jacobian
                    .iter()
                    .skip(j)
                    .step_by(p)
                    .map(|v| v * v)
                    .sum::<f64>()
            })
            .fold(0.0f64, f64::max);
        Ok(Self {
            settings,
            x: x0,
            residuals,
            jacobian,
            value,
            damping: settings.initial_damping * largest.max(f64::MIN_POSITIVE),
            growth: 2.0,
        })
    }

    /// The current point.
    pub fn x(&self) -> &[f64] {
        &self.x
    }

    /// `F` at the current point.
    pub fn value(&self) -> f64 {
        self.value
    }

    /// One iteration: solve for the damped Gauss–Newton step until one lowers `F`.
    pub fn step(&mut self, problem: &mut Residuals) -> Result<LmStep> {
        let (p, q) = (self.x.len(), self.residuals.len());
        let ridge = self.settings.ridge;
        let j = Mat::<f64>::from_fn(q, p, |row, col| self.jacobian[row * p + col]);
        let mut gradient = transpose_apply(&j, &self.residuals);
        gradient
            .iter_mut()
            .zip(&self.x)
            .for_each(|(g, x)| *g += ridge * x);
        let primal = p <= q;
        let size = if primal { p } else { q };
        let mut gram = Mat::<f64>::zeros(size, size);
        if primal {
            lower_gram_into(gram.as_mut(), j.transpose(), Conj::No);
        } else {
            lower_gram_into(gram.as_mut(), j.as_ref(), Conj::No);
        }
        for _ in 0..self.settings.max_rejections {
            let shift = self.damping + ridge;
            let mut factor = gram.clone();
            for k in 0..size {
                factor[(k, k)] += shift;
            }
            if cholesky_lower(factor.as_mut()).is_err() {
                self.reject();
                continue;
            }
            let delta: Vec<f64> = if primal {
                let mut rhs = Mat::<f64>::from_fn(p, 1, |k, _| -gradient[k]);
                cholesky_solve_in_place(
                    factor.as_ref(),
                    rhs.as_mut(),
                    faer::get_global_parallelism(),
                );
                rhs.col_as_slice(0).to_vec()
            } else {
                // δ = −Jᵀ(JJᵀ + cI)⁻¹r − (λ/c)(x − Jᵀ(JJᵀ + cI)⁻¹Jx): no division by a
                // small c of a difference of nearly equal vectors.
                let mut rhs = Mat::<f64>::from_fn(q, 2, |row, column| match column {
                    0 => self.residuals[row],
                    _ => (0..p).map(|col| j[(row, col)] * self.x[col]).sum(),
                });
                cholesky_solve_in_place(
                    factor.as_ref(),
                    rhs.as_mut(),
                    faer::get_global_parallelism(),
                );
                let from_residuals = transpose_apply(&j, rhs.col_as_slice(0));
                let from_ridge = transpose_apply(&j, rhs.col_as_slice(1));
                (0..p)
                    .map(|k| -from_residuals[k] - ridge / shift * (self.x[k] - from_ridge[k]))
                    .collect()
            };
            let predicted = self.damping * sum_of_squares(&delta)
                - delta.iter().zip(&gradient).map(|(d, g)| d * g).sum::<f64>();
            let trial: Vec<f64> = self.x.iter().zip(&delta).map(|(x, d)| x + d).collect();
            let mut jacobian = Vec::new();
            let residuals = problem(&trial, Some(&mut jacobian));
            let value = sum_of_squares(&residuals) + ridge * sum_of_squares(&trial);
            let ratio = (self.value - value) / predicted;
            let finite = value.is_finite() && jacobian.iter().all(|v| v.is_finite());
            if finite && predicted > 0.0 && ratio > 0.0 {
                self.damping *= (1.0 - (2.0 * ratio - 1.0).powi(3)).max(1.0 / 3.0);
                self.growth = 2.0;
                self.x = trial;
                self.residuals = residuals;
                self.jacobian = jacobian;
                self.value = value;
                let p = self.x.len();
                let gradient_norm = (0..p)
                    .map(|col| {
                        let g = (0..self.residuals.len())
                            .map(|row| self.jacobian[row * p + col] * self.residuals[row])
                            .sum::<f64>();
                        (g + ridge * self.x[col]).powi(2)
                    })
                    .sum::<f64>()
                    .sqrt();
                return Ok(LmStep::Moved {
                    value,
                    gradient_norm,
                    damping: self.damping,
                });
            }
            self.reject();
        }
        Ok(LmStep::Stalled)
    }

    fn reject(&mut self) {
        self.damping *= self.growth;
        self.growth *= 2.0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fits `y = a e^{−b t} + c` to exact data from (a, b, c) = (2, 0.7, −0.3).
    fn exponential(x: &[f64], jacobian: Option<&mut Vec<f64>>) -> Vec<f64> {
        let ts: Vec<f64> = (0..30).map(|i| i as f64 * 0.2).collect();
        let truth = |t: f64| 2.0 * (-0.7 * t).exp() - 0.3;
        let r: Vec<f64> = ts
            .iter()
            .map(|&t| x[0] * (-x[1] * t).exp() + x[2] - truth(t))
            .collect();
        if let Some(j) = jacobian {
            j.clear();
            for &t in &ts {
                let e = (-x[1] * t).exp();
                j.extend([e, -x[0] * t * e, 1.0]);
            }
        }
        r
    }

    fn solve(problem: &mut Residuals, x0: Vec<f64>) -> LevenbergMarquardt {
        let mut lm = LevenbergMarquardt::new(LmSettings::default(), x0, problem).unwrap();
        for _ in 0..200 {
            if lm.step(problem).unwrap() == LmStep::Stalled || lm.value() < 1e-28 {
                break;
            }
        }
        lm
    }

    #[test]
    fn fits_an_exponential_with_more_residuals_than_parameters() {
        let lm = solve(&mut exponential, vec![1.0, 0.1, 0.0]);
        let x = lm.x();
        assert!(
            (x[0] - 2.0).abs() < 1e-9 && (x[1] - 0.7).abs() < 1e-9 && (x[2] + 0.3).abs() < 1e-9,
            "{x:?}"
        );
    }

    #[test]
    fn solves_an_underdetermined_system_through_the_dual_form() {
        // Two residuals, four unknowns: x₀² + x₁ − 1 = 0, x₂ − x₃² − 2 = 0.
        let mut problem = |x: &[f64], jacobian: Option<&mut Vec<f64>>| {
            if let Some(j) = jacobian {
                *j = vec![2.0 * x[0], 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, -2.0 * x[3]];
            }
            vec![x[0] * x[0] + x[1] - 1.0, x[2] - x[3] * x[3] - 2.0]
        };
        let lm = solve(&mut problem, vec![0.3, 0.2, 0.1, 0.5]);
        assert!(lm.value() < 1e-24, "{}", lm.value());
    }

    #[test]
    fn a_ridge_gives_the_regularized_least_squares_solution() {
        // Linear residuals r = Ax − b with 2 rows and 3 unknowns: the minimizer of
        // |Ax − b|² + λ|x|² is Aᵀ(AAᵀ + λI)⁻¹b, reached in the dual (Woodbury) form.
        let a = [[1.0, 2.0, -1.0], [0.5, -1.0, 3.0]];
        let b = [1.0, -2.0];
        let lambda = 0.3;
        let mut problem = |x: &[f64], jacobian: Option<&mut Vec<f64>>| {
            if let Some(j) = jacobian {
                *j = a.iter().flatten().copied().collect();
            }
            (0..2)
                .map(|i| (0..3).map(|k| a[i][k] * x[k]).sum::<f64>() - b[i])
                .collect()
        };
        let settings = LmSettings {
            ridge: lambda,
            ..LmSettings::default()
        };
        let mut lm = LevenbergMarquardt::new(settings, vec![0.0; 3], &mut problem).unwrap();
        for _ in 0..100 {
            if lm.step(&mut problem).unwrap() == LmStep::Stalled {
                break;
            }
        }
        // (AAᵀ + λI) y = b, x = Aᵀy.
        let g = |i: usize, j: usize| {
            (0..3).map(|k| a[i][k] * a[j][k]).sum::<f64>() + if i == j { lambda } else { 0.0 }
        };
        let det = g(0, 0) * g(1, 1) - g(0, 1) * g(1, 0);
        let y = [
            (g(1, 1) * b[0] - g(0, 1) * b[1]) / det,
            (g(0, 0) * b[1] - g(1, 0) * b[0]) / det,
        ];
        for (k, x) in lm.x().iter().enumerate() {
            let expected = a[0][k] * y[0] + a[1][k] * y[1];
            assert!((x - expected).abs() < 1e-10, "x[{k}] = {x} vs {expected}");
        }
    }
}
