//! Solvers of the stochastic-reconfiguration equations, in parameter or sample space.
//!
//! With the centred, weighted Jacobian `Õ` (`Ns × P`) and `ε̃_s = √w_s (E_s − Ē)`:
//!
//! - parameter space: `(ÕᴴÕ + εI) x = F`, `P × P`;
//! - sample space: `(ÕÕᴴ + εI) y = ε̃`, `Ns × Ns`, then `x = Õᴴ y` (the same `x`, by
//!   `(ÕᴴÕ + εI)⁻¹Õᴴ = Õᴴ(ÕÕᴴ + εI)⁻¹`), or with a pseudo-inverse for minSR.
//!
//! Shifted systems are solved to double-precision accuracy by preconditioned conjugate
//! gradients whose preconditioner is the Cholesky factor of the same matrix built and
//! factored in single precision (twice the flop rate and half the memory traffic of
//! double). The preconditioned operator is the identity up to `κ·10⁻⁷`, so a handful
//! of iterations reach a relative residual of [`RESIDUAL_TOLERANCE`]; if the single
//! factorization fails or the iteration stalls (`κ ≳ 10⁷`), the system is solved by a
//! double-precision Cholesky instead. Large buffers live in an [`SrWorkspace`] reused
//! across iterations.

use super::jacobian::Jacobian;
use super::linalg::{
    cholesky_lower, cholesky_solve_in_place, hermitian_lower_apply, lower_gram_into, reshape,
};
use crate::error::{Error, Result};
use crate::scalar::Scalar;
use faer::{Conj, Mat, MatMut, Par};
use rayon::prelude::*;

/// Relative residual `‖b − A x‖/‖b‖` at which the iterative solve stops.
pub const RESIDUAL_TOLERANCE: f64 = 1e-9;

/// Preconditioned iterations tried before falling back to a double-precision Cholesky.
const MAX_ITERATIONS: usize = 40;

/// Reusable buffers of the SR solvers.
#[derive(Clone, Debug)]
pub struct SrWorkspace<T: Scalar> {
    /// Double-precision matrix (the sample-space kernel).
    matrix: Mat<T>,
    /// Single-precision matrix, then its Cholesky factor.
    single: Mat<T::Single>,
    /// Single-precision centred Jacobian (parameter space).
    jacobian: Mat<T::Single>,
    /// Iterations of the last iterative solve (0 if it fell back to a direct solve).
    pub last_iterations: usize,
}

impl<T: Scalar> Default for SrWorkspace<T> {
    fn default() -> Self {
        Self {
            matrix: Mat::new(),
            single: Mat::new(),
            jacobian: Mat::new(),
            last_iterations: 0,
        }
    }
}

/// The data an SR solve needs.
pub struct SrProblem<'a, T: Scalar> {
    /// Sample Jacobian.
    pub jacobian: &'a Jacobian<T>,
    /// Sample weights (sum to one).
    pub weights: &'a [f64],
    /// `√w_s (E_s − Ē)` times the gradient scale (2 for real parameters).
    pub residuals: &'a [T],
    /// `Oᴴ w`, the conjugated mean log-derivative.
    pub mean_adjoint: &'a [T],
}

impl<T: Scalar> SrProblem<'_, T> {
    /// `Õ x = √w ⊙ (O x − m·x)` with `m·x = Σ_k conj(mean_adjoint_k) x_k`.
    fn centred_apply(&self, x: &[T]) -> Vec<T> {
        let mx: T = self
            .mean_adjoint
            .iter()
            .zip(x)
            .map(|(&m, &v)| m.conj() * v)
            .sum();
        let mut out = self.jacobian.apply(x);
        for (o, &w) in out.iter_mut().zip(self.weights) {
            *o = (*o - mx) * w.sqrt();
        }
        out
    }

    /// `Õᴴ y = Oᴴ u − mean_adjoint · Σ_s u_s` with `u = √w ⊙ y`.
    fn centred_adjoint_apply(&self, y: &[T]) -> Vec<T> {
        let u: Vec<T> = y
            .iter()
            .zip(self.weights)
            .map(|(&v, &w)| v * w.sqrt())
            .collect();
        let sum_u: T = u.iter().copied().sum();
        let mut out = self.jacobian.adjoint_apply(&u);
        for (o, &m) in out.iter_mut().zip(self.mean_adjoint) {
            *o -= m * sum_u;
        }
        out
    }
}

fn singular() -> Error {
    Error::Numerical(
        "the SR matrix S + εI is not positive definite (S is singular); raise \
         optimizer.diag_shift (e.g. 0.01) or use more samples"
            .into(),
    )
}

impl<T: Scalar> SrWorkspace<T> {
    /// `(S + εI)⁻¹ F` in parameter space.
    pub fn parameter_space(
        &mut self,
        problem: &SrProblem<'_, T>,
        force: &[T],
        shift: f64,
    ) -> Result<Vec<T>> {
        let (ns, p) = (problem.jacobian.n_samples(), problem.jacobian.n_params());
        reshape(&mut self.jacobian, ns, p);
        problem.jacobian.centred_into(
            problem.weights,
            problem.mean_adjoint,
            self.jacobian.as_mut(),
            T::to_single,
        );
        reshape(&mut self.single, p, p);
        // S_{kl} = Σ_s conj(Õ_{sk}) Õ_{sl}: the conjugated Gram matrix of Õᵀ.
        lower_gram_into(self.single.as_mut(), self.jacobian.transpose(), Conj::Yes);
        let apply = |x: &[T]| {
            let mut y = problem.centred_adjoint_apply(&problem.centred_apply(x));
            for (o, &v) in y.iter_mut().zip(x) {
                *o += v * shift;
            }
            y
        };
        add_to_diagonal::<T>(self.single.as_mut(), shift);
        if let Some((x, iterations)) = preconditioned_solve(self.single.as_mut(), &apply, force) {
            self.last_iterations = iterations;
            return Ok(x);
        }
        self.last_iterations = 0;
        let centred = problem.jacobian.centred_dense(problem.weights);
        reshape(&mut self.matrix, p, p);
        lower_gram_into(self.matrix.as_mut(), centred.transpose(), Conj::Yes);
        direct_solve(self.matrix.as_mut(), shift, force)
    }

    /// `Õᴴ (ÕÕᴴ + εI)⁻¹ ε̃` in sample space.
    pub fn sample_space(&mut self, problem: &SrProblem<'_, T>, shift: f64) -> Result<Vec<T>> {
        let ns = self.centred_kernel(problem);
        reshape(&mut self.single, ns, ns);
        let matrix = &self.matrix;
        self.single
            .as_mut()
            .par_col_iter_mut()
            .enumerate()
            .for_each(|(c, dst)| {
                let dst = dst
                    .try_as_col_major_mut()
                    .expect("contiguous")
                    .as_slice_mut();
                for (d, &x) in dst[c..].iter_mut().zip(&matrix.col_as_slice(c)[c..]) {
                    *d = x.to_single();
                }
            });
        add_to_diagonal::<T>(self.single.as_mut(), shift);
        let kernel = &self.matrix;
        let apply = |y: &[T]| {
            let mut out = hermitian_lower_apply(kernel, y);
            for (o, &v) in out.iter_mut().zip(y) {
                *o += v * shift;
            }
            out
        };
        let y = match preconditioned_solve(self.single.as_mut(), &apply, problem.residuals) {
            Some((y, iterations)) => {
                self.last_iterations = iterations;
                y
            }
            None => {
                self.last_iterations = 0;
                direct_solve(self.matrix.as_mut(), shift, problem.residuals)?
            }
        };
        Ok(problem.centred_adjoint_apply(&y))
    }

    /// minSR: `Õᴴ K̄⁺ ε̃` with the pseudo-inverse keeping eigenvalues above
    /// `rcond · λ_max` of the centred kernel `K̄ = ÕÕᴴ`.
    pub fn sample_space_pseudo(
        &mut self,
        problem: &SrProblem<'_, T>,
        rcond: f64,
    ) -> Result<Vec<T>> {
        let ns = self.centred_kernel(problem);
        let kernel = &self.matrix;
        let flat: Vec<T> = (0..ns * ns)
            .map(|q| {
                let (r, c) = (q % ns, q / ns);
                if r >= c {
                    kernel[(r, c)]
                } else {
                    kernel[(c, r)].conj()
                }
            })
            .collect();
        let (values, vectors) = T::eigh(&flat, ns)
            .ok_or_else(|| Error::Numerical("minSR kernel eigensolver failed".into()))?;
        let cutoff = rcond * values.iter().cloned().fold(0.0, f64::max);
        let mut y = vec![T::zero(); ns];
        for (i, &lambda) in values.iter().enumerate() {
            if lambda > cutoff {
                let v = &vectors[i * ns..(i + 1) * ns];
                let coeff: T = v
                    .iter()
                    .zip(problem.residuals)
                    .map(|(&a, &b)| a.conj() * b)
                    .sum::<T>()
                    * (1.0 / lambda);
                for (ys, &vs) in y.iter_mut().zip(v) {
                    *ys += vs * coeff;
                }
            }
        }
        Ok(problem.centred_adjoint_apply(&y))
    }

    /// Writes the lower triangle of the centred kernel `K̄ = ÕÕᴴ` into `self.matrix`:
    /// `K̄_{ss'} = √(w_s w_{s'}) (K_{ss'} − a_s − conj(a_{s'}) + q)` with
    /// `a_s = Σ_r w_r K_{sr} = (O m̄)_s` and `q = Σ_s w_s a_s`. Returns `Ns`.
    fn centred_kernel(&mut self, problem: &SrProblem<'_, T>) -> usize {
        let a = problem.jacobian.apply(problem.mean_adjoint);
        let w = problem.weights;
        let q: T = a.iter().zip(w).map(|(&x, &wi)| x * wi).sum();
        let sqrt_w: Vec<f64> = w.iter().map(|x| x.sqrt()).collect();
        problem
            .jacobian
            .kernel_lower_into(&mut self.matrix, |r, c, k| {
                (k - a[r] - a[c].conj() + q) * (sqrt_w[r] * sqrt_w[c])
            });
        a.len()
    }
}

/// Solves `A x = b` by flexible preconditioned conjugate gradients, where `single`
/// holds the lower triangle of `A` in single precision (overwritten by its Cholesky
/// factor). Returns the solution and the number of iterations; `None` when the
/// single-precision factorization or the iteration fails.
fn preconditioned_solve<T: Scalar>(
    mut single: MatMut<'_, T::Single>,
    apply: &dyn Fn(&[T]) -> Vec<T>,
    b: &[T],
) -> Option<(Vec<T>, usize)> {
    let n = b.len();
    cholesky_lower(single.as_mut()).ok()?;
    let factor = single.as_ref();
    let precondition = |r: &[T]| -> Vec<T> {
        // Scale to unit norm first so that single precision neither under- nor
        // overflows.
        let norm = norm(r);
        if norm == 0.0 {
            return vec![T::zero(); r.len()];
        }
        let mut rhs =
            Mat::<T::Single>::from_fn(r.len(), 1, |k, _| (r[k] * (1.0 / norm)).to_single());
        cholesky_solve_in_place(factor, rhs.as_mut(), Par::Seq);
        rhs.col_as_slice(0)
            .iter()
            .map(|&z| T::from_single(z) * norm)
            .collect()
    };
    let b_norm = norm(b);
    let mut x = vec![T::zero(); n];
    if b_norm == 0.0 {
        return Some((x, 0));
    }
    let mut r = b.to_vec();
    let mut z = precondition(&r);
    let mut p = z.clone();
    let mut rz = dot(&r, &z);
    for iteration in 1..=MAX_ITERATIONS {
        let q = apply(&p);
        let alpha = rz / dot(&p, &q);
        if !(alpha.is_finite() && alpha > 0.0) {
            return None;
        }
        axpy(&mut x, alpha, &p);
        axpy(&mut r, -alpha, &q);
        if norm(&r) <= RESIDUAL_TOLERANCE * b_norm {
            return Some((x, iteration));
        }
        let z_next = precondition(&r);
        // Polak–Ribière β keeps the iteration robust to the rounding of the
        // single-precision preconditioner.
        let diff: Vec<T> = z_next.iter().zip(&z).map(|(&a, &b)| a - b).collect();
        let beta = dot(&r, &diff) / rz;
        rz = dot(&r, &z_next);
        z = z_next;
        for (pk, &zk) in p.iter_mut().zip(&z) {
            *pk = zk + *pk * beta;
        }
    }
    None
}

/// Solves `(A + εI) x = b` by a double-precision Cholesky factorization, where `a`
/// holds the lower triangle of `A` (overwritten by the factor).
fn direct_solve<T: Scalar>(mut a: MatMut<'_, T>, shift: f64, b: &[T]) -> Result<Vec<T>> {
    let n = b.len();
    for k in 0..n {
        a[(k, k)] += T::from_real(shift);
    }
    cholesky_lower(a.as_mut()).map_err(|_| singular())?;
    let mut rhs = Mat::<T>::from_fn(n, 1, |k, _| b[k]);
    cholesky_solve_in_place(a.as_ref(), rhs.as_mut(), faer::get_global_parallelism());
    Ok(rhs.col_as_slice(0).to_vec())
}

/// Adds `ε` to the diagonal of a single-precision matrix.
fn add_to_diagonal<T: Scalar>(mut a: MatMut<'_, T::Single>, shift: f64) {
    for k in 0..a.nrows().min(a.ncols()) {
        a[(k, k)] = (T::from_single(a[(k, k)]) + T::from_real(shift)).to_single();
    }
}

/// `Re Σ conj(a_k) b_k`.
fn dot<T: Scalar>(a: &[T], b: &[T]) -> f64 {
    a.iter().zip(b).map(|(&x, &y)| (x.conj() * y).re()).sum()
}

fn norm<T: Scalar>(a: &[T]) -> f64 {
    a.iter().map(|x| x.abs2()).sum::<f64>().sqrt()
}

fn axpy<T: Scalar>(y: &mut [T], alpha: f64, x: &[T]) {
    for (a, &b) in y.iter_mut().zip(x) {
        *a += b * alpha;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ansatz::JacobianLayout;
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    /// A dense Jacobian of `ns` samples whose last `copies` columns repeat the first
    /// ones (so `S` is singular), with local energies and uniform weights.
    fn problem_data(ns: usize, p: usize, copies: usize) -> (Jacobian<f64>, Vec<f64>, Vec<f64>) {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
        let mut rows = Vec::with_capacity(ns * p);
        for _ in 0..ns {
            let row: Vec<f64> = (0..p - copies)
                .map(|_| f64::sample_normal(&mut rng))
                .collect();
            rows.extend(&row);
            rows.extend(&row[..copies]);
        }
        let energies: Vec<f64> = (0..ns).map(|_| f64::sample_normal(&mut rng)).collect();
        (
            Jacobian::new(JacobianLayout::Dense, rows, p, p),
            energies,
            vec![1.0 / ns as f64; ns],
        )
    }

    /// Solves in parameter space and returns `‖(S + εI)x − F‖/‖F‖` with `S`, `F`
    /// formed densely, and the iterations used.
    fn relative_residual(ns: usize, p: usize, copies: usize, shift: f64) -> (f64, usize) {
        let (jacobian, energies, weights) = problem_data(ns, p, copies);
        let mean: f64 = energies.iter().zip(&weights).map(|(e, w)| e * w).sum();
        let residuals: Vec<f64> = energies
            .iter()
            .zip(&weights)
            .map(|(&e, &w)| (e - mean) * w.sqrt())
            .collect();
        let ones: Vec<f64> = weights.clone();
        let mean_adjoint = jacobian.adjoint_apply(&ones);
        let problem = SrProblem {
            jacobian: &jacobian,
            weights: &weights,
            residuals: &residuals,
            mean_adjoint: &mean_adjoint,
        };
        let force = problem.centred_adjoint_apply(&residuals);
        let mut workspace = SrWorkspace::default();
        let x = workspace.parameter_space(&problem, &force, shift).unwrap();
        let centred = jacobian.centred_dense(&weights);
        let sx: Vec<f64> = (0..p)
            .map(|k| {
                (0..p)
                    .map(|l| {
                        (0..ns)
                            .map(|s| centred[(s, k)] * centred[(s, l)])
                            .sum::<f64>()
                            * x[l]
                    })
                    .sum::<f64>()
                    + shift * x[k]
            })
            .collect();
        let r: f64 = sx
            .iter()
            .zip(&force)
            .map(|(a, b)| (a - b).powi(2))
            .sum::<f64>()
            .sqrt();
        (r / norm(&force), workspace.last_iterations)
    }

    #[test]
    fn mixed_precision_solve_reaches_double_precision() {
        let (residual, iterations) = relative_residual(200, 60, 0, 1e-2);
        assert!((1..=MAX_ITERATIONS).contains(&iterations));
        assert!(residual <= 10.0 * RESIDUAL_TOLERANCE, "residual {residual}");
    }

    #[test]
    fn ill_conditioned_systems_fall_back_to_double_precision() {
        // Repeated columns make S singular; a shift of 1e-12 is invisible in single
        // precision, so the single-precision route fails and the direct solve is used.
        let (residual, iterations) = relative_residual(200, 60, 20, 1e-12);
        assert_eq!(iterations, 0, "expected the double-precision fallback");
        assert!(residual <= 1e-6, "residual {residual}");
    }
}
