//! The lowest eigenpair by the plain three-term Lanczos recurrence: memory is three
//! vectors of the space dimension (the eigenvector, when asked for, costs a second
//! pass over the same recurrence and one more vector).
//!
//! `β_{j+1} v_{j+1} = A v_j − α_j v_j − β_j v_{j−1}`, `α_j = v_jᴴ A v_j`, `β_{j+1} = ‖·‖`.
//! Without reorthogonalization the Krylov vectors lose orthogonality once a Ritz value
//! converges and copies of it may appear later (Paige), but the lowest Ritz value of
//! the tridiagonal `T_j` stays a correct, monotonically improving upper bound, and its
//! residual `‖A u − θ u‖ = β_{j+1} |y_{j}|` is the convergence test. The returned
//! residual of the eigenvector is measured, not estimated.
//!
//! Reductions run over fixed row blocks in a fixed order, and the second pass repeats
//! the first bit for bit, so results do not depend on the number of threads.

use super::lanczos::{
    check_finite, normalize, random_vector, HermitianOperator, LanczosOptions, LanczosProgress,
    LanczosResult, BLOCK,
};
use crate::error::{Error, Result};
use crate::scalar::Scalar;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;

/// Steps between diagonalizations of the tridiagonal matrix.
const CHECK_EVERY: usize = 5;

/// The lowest eigenvalue (and eigenvector if `opts.eigenvectors`) of `op`;
/// `opts.n_eigen` must be 1.
pub fn lowest_eigenpair<T: Scalar, A: HermitianOperator<T>>(
    op: &A,
    opts: &LanczosOptions,
    observer: &mut dyn FnMut(LanczosProgress),
) -> Result<LanczosResult<T>> {
    opts.check()?;
    if opts.n_eigen != 1 {
        return Err(Error::invalid(
            "exact.n_states",
            "the three-vector Lanczos finds the lowest level only; use n_states = 1 \
             or method = \"lanczos\"",
        ));
    }
    let dim = op.dim();
    if dim == 0 {
        return Err(Error::invalid("system", "the sector is empty"));
    }
    let start = |opts: &LanczosOptions| {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(opts.seed);
        let mut v = random_vector::<T>(dim, &mut rng);
        normalize(&mut v);
        v
    };
    let mut alphas = Vec::new();
    let mut betas: Vec<f64> = Vec::new();
    let mut v = start(opts);
    let mut previous = vec![T::default(); dim];
    let mut w = vec![T::default(); dim];
    let (theta, y, residual) = loop {
        let j = alphas.len();
        op.apply(&v, &mut w);
        check_finite(&w)?;
        let beta_prev = betas.last().copied().unwrap_or(0.0);
        let alpha = dot(&v, &w).re();
        let beta = three_term(&mut w, &v, alpha, &previous, beta_prev);
        alphas.push(alpha);
        let matvecs = j + 1;
        let exhausted = beta <= 1e-13 * alpha.abs().max(beta_prev).max(1e-300) || matvecs == dim;
        if exhausted || matvecs % CHECK_EVERY == 0 || matvecs >= opts.max_matvecs {
            let (theta, y) = lowest_of_tridiagonal(&alphas, &betas)?;
            let residual = if exhausted { 0.0 } else { beta * y[j].abs() };
            let ratio = residual / (opts.tolerance * theta.abs().max(1.0));
            observer(LanczosProgress {
                matvecs,
                lowest: theta,
                residual_ratio: ratio,
            });
            if ratio <= 1.0 {
                break (theta, y, residual);
            }
            if matvecs >= opts.max_matvecs {
                return Err(Error::Numerical(format!(
                    "Lanczos did not converge in {matvecs} operator applications \
                     (residual {residual:.2e} > tolerance {:.1e}); raise exact.max_matvecs",
                    opts.tolerance
                )));
            }
        }
        betas.push(beta);
        std::mem::swap(&mut previous, &mut v);
        std::mem::swap(&mut v, &mut w);
        scale(&mut v, 1.0 / beta);
    };
    let steps = alphas.len();
    let mut matvecs = steps;
    let mut residuals = vec![residual];
    let eigenvectors = if opts.eigenvectors {
        // Second pass: regenerate v₀ … v_{m−1} and accumulate u = Σ_j y_j v_j.
        let mut u = vec![T::default(); dim];
        let mut v = start(opts);
        previous.iter_mut().for_each(|x| *x = T::default());
        for j in 0..steps {
            axpy(&mut u, &v, y[j]);
            if j + 1 == steps {
                break;
            }
            op.apply(&v, &mut w);
            let beta_prev = if j == 0 { 0.0 } else { betas[j - 1] };
            three_term(&mut w, &v, alphas[j], &previous, beta_prev);
            std::mem::swap(&mut previous, &mut v);
            std::mem::swap(&mut v, &mut w);
            scale(&mut v, 1.0 / betas[j]);
        }
        matvecs += steps - 1;
        normalize(&mut u);
        op.apply(&u, &mut w);
        matvecs += 1;
        axpy(&mut w, &u, -theta);
        residuals[0] = super::lanczos::norm(&w);
        vec![u]
    } else {
        Vec::new()
    };
    Ok(LanczosResult {
        eigenvalues: vec![theta],
        residuals,
        eigenvectors,
        matvecs,
        restarts: 0,
    })
}

/// `w ← w − α v − β p`; returns `‖w‖`.
fn three_term<T: Scalar>(w: &mut [T], v: &[T], alpha: f64, p: &[T], beta: f64) -> f64 {
    let partial: Vec<f64> = w
        .par_chunks_mut(BLOCK)
        .zip(v.par_chunks(BLOCK))
        .zip(p.par_chunks(BLOCK))
        .map(|((w, v), p)| {
            let mut sum = 0.0;
            for ((wi, &vi), &pi) in w.iter_mut().zip(v).zip(p) {
                *wi = *wi - vi * alpha - pi * beta;
                sum += wi.abs2();
            }
            sum
        })
        .collect();
    partial.iter().sum::<f64>().sqrt()
}

/// `vᴴ w`, summed over fixed blocks in order.
fn dot<T: Scalar>(v: &[T], w: &[T]) -> T {
    let partial: Vec<T> = v
        .par_chunks(BLOCK)
        .zip(w.par_chunks(BLOCK))
        .map(|(v, w)| {
            let mut s = T::default();
            for (&a, &b) in v.iter().zip(w) {
                s += a.conj() * b;
            }
            s
        })
        .collect();
    partial.into_iter().fold(T::default(), |a, b| a + b)
}

fn scale<T: Scalar>(v: &mut [T], s: f64) {
    v.par_iter_mut().for_each(|x| *x = *x * s);
}

fn axpy<T: Scalar>(u: &mut [T], v: &[T], a: f64) {
    u.par_iter_mut().zip(v).for_each(|(ui, &vi)| *ui += vi * a);
}

/// Lowest eigenvalue and its eigenvector of the symmetric tridiagonal matrix with
/// diagonal `alphas` and off-diagonal `betas` (`betas.len() + 1 == alphas.len()`).
fn lowest_of_tridiagonal(alphas: &[f64], betas: &[f64]) -> Result<(f64, Vec<f64>)> {
    let m = alphas.len();
    let mut t = vec![0.0; m * m];
    for i in 0..m {
        t[i + m * i] = alphas[i];
        if i + 1 < m {
            t[i + 1 + m * i] = betas[i];
            t[i + m * (i + 1)] = betas[i];
        }
    }
    let (values, vectors) = f64::eigh(&t, m).ok_or_else(|| {
        Error::Numerical("eigen-decomposition of the Lanczos matrix failed".into())
    })?;
    Ok((values[0], vectors[..m].to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A diagonal operator with known spectrum 0, 1, …, n−1 (shifted).
    struct Diagonal(Vec<f64>);
    impl HermitianOperator<f64> for Diagonal {
        fn dim(&self) -> usize {
            self.0.len()
        }
        fn apply(&self, x: &[f64], y: &mut [f64]) {
            for ((yi, &xi), &d) in y.iter_mut().zip(x).zip(&self.0) {
                *yi = d * xi;
            }
        }
    }

    #[test]
    fn finds_the_lowest_eigenpair_of_a_known_spectrum() {
        let n = 3000;
        let op = Diagonal((0..n).map(|i| -5.0 + (i as f64).sqrt()).collect());
        let opts = LanczosOptions {
            eigenvectors: true,
            tolerance: 1e-10,
            ..LanczosOptions::default()
        };
        let res = lowest_eigenpair::<f64, _>(&op, &opts, &mut |_| {}).unwrap();
        assert!(
            (res.eigenvalues[0] + 5.0).abs() < 1e-12,
            "{}",
            res.eigenvalues[0]
        );
        let u = &res.eigenvectors[0];
        assert!((u[0].abs() - 1.0).abs() < 1e-8, "overlap {}", u[0]);
        assert!(res.residuals[0] < 1e-8, "{}", res.residuals[0]);
    }
}
