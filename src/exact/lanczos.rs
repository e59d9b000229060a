//! Thick-restart Lanczos for the lowest eigenpairs of a Hermitian operator.
//!
//! The Krylov basis `V = [v₀ … v_{m−1}]` is kept orthonormal by full
//! reorthogonalization (classical Gram–Schmidt applied twice), and the projected
//! matrix `T = Vᴴ A V` is filled from the same projections, so no ghost copies of
//! converged eigenvalues appear. When the basis reaches `m` vectors, the `p` lowest
//! Ritz vectors and the last residual direction are kept (Wu & Simon, SIAM J. Matrix
//! Anal. Appl. 22, 602 (2000)) and the iteration continues from them. Memory is
//! `m + 2` vectors of the space dimension, whatever the number of iterations.
//!
//! Convergence of Ritz pair `(θᵢ, uᵢ)` is judged by the exact residual norm
//! `‖A uᵢ − θᵢ uᵢ‖ = β_m |y_{m−1,i}|` against `tolerance · max(1, |θᵢ|)`; the
//! eigenvalue error is then of order `residual² / gap`.
//!
//! A Krylov method started from one vector sees one vector of each degenerate
//! eigenspace; breakdowns (an invariant subspace) continue from a fresh random
//! vector, which brings the other copies in, but multiplicities of exactly
//! degenerate levels are best read from symmetry sectors.
//!
//! All reductions are done over fixed row blocks in a fixed order, so results are
//! bit-identical for any number of threads.

use crate::error::{Error, Result};
use crate::scalar::Scalar;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;

/// Rows per parallel block; fixed so that reductions do not depend on thread count.
pub(crate) const BLOCK: usize = 1 << 14;

/// A Hermitian linear map `y = A x` on vectors of length [`Self::dim`].
pub trait HermitianOperator<T: Scalar>: Sync {
    /// Dimension of the space.
    fn dim(&self) -> usize;
    /// Writes `A x` into `y` (both of length `dim`).
    fn apply(&self, x: &[T], y: &mut [T]);
}

/// Settings for [`lanczos`], validated by [`LanczosOptions::check`].
#[derive(Clone, Debug)]
pub struct LanczosOptions {
    /// Number of lowest eigenpairs wanted, `k ≥ 1`.
    pub n_eigen: usize,
    /// Krylov basis size `m` before a restart (clipped to the dimension).
    pub krylov_dim: usize,
    /// Relative residual tolerance.
    pub tolerance: f64,
    /// Maximum number of operator applications.
    pub max_matvecs: usize,
    /// Seed of the random start vector.
    pub seed: u64,
    /// Whether to return eigenvectors.
    pub eigenvectors: bool,
}

impl Default for LanczosOptions {
    fn default() -> Self {
        Self {
            n_eigen: 1,
            krylov_dim: 0,
            tolerance: 1e-9,
            max_matvecs: 5000,
            seed: 20_261_129,
            eigenvectors: false,
        }
    }
}

impl LanczosOptions {
    /// Checks the settings; `krylov_dim = 0` means "choose": `max(20, 2k + 10)`.
    pub fn check(&self) -> Result<()> {
        if self.n_eigen == 0 {
            return Err(Error::invalid(
                "exact.n_states",
                "must be at least 1 (the number of lowest eigenvalues)",
            ));
        }
        if self.krylov_dim != 0 && self.krylov_dim < self.n_eigen + 2 {
            return Err(Error::invalid(
                "exact.krylov_dim",
                format!(
                    "{} is too small for {} eigenvalues; use at least n_states + 2 (or 0 to choose)",
                    self.krylov_dim, self.n_eigen
                ),
            ));
        }
        if !(self.tolerance > 0.0 && self.tolerance < 1.0) {
            return Err(Error::invalid(
                "exact.tolerance",
                format!("{} must lie in (0, 1), e.g. 1e-9", self.tolerance),
            ));
        }
        if self.max_matvecs == 0 {
            return Err(Error::invalid("exact.max_matvecs", "must be at least 1"));
        }
        Ok(())
    }

    pub(crate) fn basis_size(&self, dim: usize) -> usize {
        let m = if self.krylov_dim == 0 {
            (2 * self.n_eigen + 10).max(20)
        } else {
            self.krylov_dim
        };
        m.min(dim)
    }
}

/// Lowest eigenpairs found by [`lanczos`].
#[derive(Clone, Debug)]
pub struct LanczosResult<T> {
    /// Ascending eigenvalues.
    pub eigenvalues: Vec<f64>,
    /// Residual norms `‖A u − θ u‖` of the returned pairs.
    pub residuals: Vec<f64>,
    /// Normalized eigenvectors (empty unless requested).
    pub eigenvectors: Vec<Vec<T>>,
    /// Number of operator applications.
    pub matvecs: usize,
    /// Number of thick restarts.
    pub restarts: usize,
}

/// State of a Lanczos run after a restart cycle, for progress reports.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LanczosProgress {
    /// Operator applications so far.
    pub matvecs: usize,
    /// Lowest Ritz value.
    pub lowest: f64,
    /// Largest relative residual of the wanted pairs, divided by the tolerance
    /// (converged at ≤ 1).
    pub residual_ratio: f64,
}

/// The `k` lowest eigenpairs of `op` by thick-restart Lanczos.
pub fn lanczos<T: Scalar, A: HermitianOperator<T>>(
    op: &A,
    opts: &LanczosOptions,
) -> Result<LanczosResult<T>> {
    lanczos_observed(op, opts, &mut |_| {})
}

/// [`lanczos`], calling `observer` after every restart cycle.
pub fn lanczos_observed<T: Scalar, A: HermitianOperator<T>>(
    op: &A,
    opts: &LanczosOptions,
    observer: &mut dyn FnMut(LanczosProgress),
) -> Result<LanczosResult<T>> {
    opts.check()?;
    let dim = op.dim();
    if dim == 0 {
        return Err(Error::invalid("system", "the Hilbert space is empty"));
    }
    let k = opts.n_eigen.min(dim);
    let m = opts.basis_size(dim);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(opts.seed);

    let mut basis: Vec<Vec<T>> = Vec::with_capacity(m + 1);
    let mut start = random_vector::<T>(dim, &mut rng);
    normalize(&mut start);
    basis.push(start);
    let mut t = vec![T::default(); m * m];
    let mut kept = 0;
    let mut matvecs = 0;
    let mut restarts = 0;
    let mut w = vec![T::default(); dim];

    loop {
        // Extend the basis from `kept + 1` to `m` vectors (plus the residual direction).
        let mut beta = 0.0;
        for j in kept..m {
            op.apply(&basis[j], &mut w);
            matvecs += 1;
            check_finite(&w)?;
            let local = if j > kept { j - 1..j + 1 } else { 0..0 };
            let (h, norm_aw, residual) = orthogonalize(&basis, &mut w, local);
            for (i, &hi) in h.iter().enumerate() {
                t[i + m * j] = hi;
                t[j + m * i] = hi.conj();
            }
            t[j + m * j] = T::from_real(h[j].re());
            beta = residual;
            if j + 1 == dim {
                beta = 0.0;
                break;
            }
            if beta <= 1e-12 * norm_aw.max(f64::MIN_POSITIVE) {
                // Invariant subspace: continue from a random direction orthogonal to V.
                let mut fresh = random_vector::<T>(dim, &mut rng);
                orthogonalize(&basis, &mut fresh, 0..0);
                normalize(&mut fresh);
                beta = 0.0;
                push_or_replace(&mut basis, j + 1, fresh);
            } else {
                let mut next = std::mem::take(&mut w);
                scale(&mut next, 1.0 / beta);
                w = vec![T::default(); dim];
                push_or_replace(&mut basis, j + 1, next);
            }
        }
        let size = m.min(basis.len()).min(dim);
        let (theta, y) = projected_eigen(&t, m, size)?;
        let residuals: Vec<f64> = (0..size)
            .map(|i| beta * y[size - 1 + size * i].abs2().sqrt())
            .collect();
        let converged =
            (0..k.min(size)).all(|i| residuals[i] <= opts.tolerance * theta[i].abs().max(1.0));
        observer(LanczosProgress {
            matvecs,
            lowest: theta[0],
            residual_ratio: (0..k.min(size))
                .map(|i| residuals[i] / (opts.tolerance * theta[i].abs().max(1.0)))
                .fold(0.0, f64::max),
        });
        if converged || matvecs >= opts.max_matvecs || size == dim {
            if !converged && size < dim {
                return Err(Error::Numerical(format!(
                    "Lanczos did not converge in {matvecs} operator applications \
                     (residual {:.2e} > tolerance {:.1e}); raise exact.max_matvecs or \
                     exact.krylov_dim",
                    residuals[..k].iter().cloned().fold(0.0, f64::max),
                    opts.tolerance
                )));
            }
            let eigenvectors = if opts.eigenvectors {
                rotate(&mut basis, &y, size, k);
                basis.truncate(k);
                basis
            } else {
                Vec::new()
            };
            return Ok(LanczosResult {
                eigenvalues: theta[..k].to_vec(),
                residuals: residuals[..k].to_vec(),
                eigenvectors,
                matvecs,
                restarts,
            });
        }
        // Thick restart: keep the p lowest Ritz vectors and the residual direction.
        let p = (k + (m - k) / 2).min(m - 2).max(k);
        let residual_direction = basis.pop().expect("basis has m + 1 vectors");
        rotate(&mut basis, &y, size, p);
        basis.truncate(p);
        basis.push(residual_direction);
        t.iter_mut().for_each(|x| *x = T::default());
        for i in 0..p {
            t[i + m * i] = T::from_real(theta[i]);
        }
        kept = p;
        restarts += 1;
    }
}

fn push_or_replace<T>(basis: &mut Vec<Vec<T>>, j: usize, v: Vec<T>) {
    if basis.len() > j {
        basis[j] = v;
    } else {
        basis.push(v);
    }
}

fn projected_eigen<T: Scalar>(t: &[T], m: usize, size: usize) -> Result<(Vec<f64>, Vec<T>)> {
    let mut sub = vec![T::default(); size * size];
    for j in 0..size {
        for i in 0..size {
            sub[i + size * j] = t[i + m * j];
        }
    }
    T::eigh(&sub, size)
        .ok_or_else(|| Error::Numerical("eigen-decomposition of the Lanczos matrix failed".into()))
}

pub(crate) fn random_vector<T: Scalar>(dim: usize, rng: &mut Xoshiro256PlusPlus) -> Vec<T> {
    (0..dim).map(|_| T::sample_normal(rng)).collect()
}

pub(crate) fn check_finite<T: Scalar>(v: &[T]) -> Result<()> {
    if v.par_iter().all(|x| x.abs2().is_finite()) {
        Ok(())
    } else {
        Err(Error::Numerical(
            "the Hamiltonian produced a non-finite amplitude (NaN or infinity); check the couplings"
                .into(),
        ))
    }
}

/// `‖v‖₂`, summed over fixed blocks in order.
pub(crate) fn norm<T: Scalar>(v: &[T]) -> f64 {
    let partial: Vec<f64> = v
        .par_chunks(BLOCK)
        .map(|c| c.iter().map(|x| x.abs2()).sum::<f64>())
        .collect();
    partial.iter().sum::<f64>().sqrt()
}

pub(crate) fn normalize<T: Scalar>(v: &mut [T]) {
    let n = norm(v);
    scale(v, 1.0 / n);
}

fn scale<T: Scalar>(v: &mut [T], s: f64) {
    v.par_iter_mut().for_each(|x| *x = *x * s);
}

/// Orthogonalizes `w` against the orthonormal `basis`: first against the vectors in
/// `local` (the two previous Lanczos vectors, which hold almost all of `Av`), then
/// classical Gram–Schmidt against all vectors, repeated once if the norm dropped by
/// more than `1/√2` (the DGKS criterion: "twice is enough").
///
/// Returns the accumulated projections `h = Vᴴ w`, `‖w‖` before and after.
fn orthogonalize<T: Scalar>(
    basis: &[Vec<T>],
    w: &mut [T],
    local: std::ops::Range<usize>,
) -> (Vec<T>, f64, f64) {
    let mut total = vec![T::default(); basis.len()];
    let (h, norm2) = project(&basis[local.clone()], w);
    let initial = norm2.sqrt();
    let mut current = if local.is_empty() {
        initial
    } else {
        let after = subtract(&basis[local.clone()], &h, w).sqrt();
        for (t, hi) in total[local].iter_mut().zip(h) {
            *t += hi;
        }
        after
    };
    for _ in 0..2 {
        let (h, _) = project(basis, w);
        let after = subtract(basis, &h, w).sqrt();
        for (t, hi) in total.iter_mut().zip(h) {
            *t += hi;
        }
        let enough = after > std::f64::consts::FRAC_1_SQRT_2 * current;
        current = after;
        if enough {
            break;
        }
    }
    (total, initial, current)
}

/// `(Vᴴ w, ‖w‖²)` in one sweep, summed over fixed blocks in order.
fn project<T: Scalar>(basis: &[Vec<T>], w: &[T]) -> (Vec<T>, f64) {
    let partial: Vec<(Vec<T>, f64)> = w
        .par_chunks(BLOCK)
        .enumerate()
        .map(|(c, wc)| {
            let off = c * BLOCK;
            let dots = basis
                .iter()
                .map(|v| {
                    let mut s = T::default();
                    for (a, b) in v[off..off + wc.len()].iter().zip(wc) {
                        s += a.conj() * *b;
                    }
                    s
                })
                .collect();
            (dots, wc.iter().map(|x| x.abs2()).sum())
        })
        .collect();
    let mut h = vec![T::default(); basis.len()];
    let mut norm2 = 0.0;
    for (p, n2) in &partial {
        for (hi, &pi) in h.iter_mut().zip(p) {
            *hi += pi;
        }
        norm2 += n2;
    }
    (h, norm2)
}

/// `w ← w − V h`; returns the new `‖w‖²`.
fn subtract<T: Scalar>(basis: &[Vec<T>], h: &[T], w: &mut [T]) -> f64 {
    let partial: Vec<f64> = w
        .par_chunks_mut(BLOCK)
        .enumerate()
        .map(|(c, wc)| {
            let (off, len) = (c * BLOCK, wc.len());
            for (v, &hi) in basis.iter().zip(h) {
                for (x, a) in wc.iter_mut().zip(&v[off..off + len]) {
                    *x -= *a * hi;
                }
            }
            wc.iter().map(|x| x.abs2()).sum::<f64>()
        })
        .collect();
    partial.iter().sum()
}

/// In place: `vᵢ ← Σⱼ vⱼ y_{j,i}` for `i < p`, using the first `size` vectors.
fn rotate<T: Scalar>(basis: &mut [Vec<T>], y: &[T], size: usize, p: usize) {
    let dim = basis[0].len();
    let n_blocks = dim.div_ceil(BLOCK);
    let mut per_block: Vec<Vec<&mut [T]>> = (0..n_blocks).map(|_| Vec::new()).collect();
    for v in basis[..size].iter_mut() {
        for (c, chunk) in v.chunks_mut(BLOCK).enumerate() {
            per_block[c].push(chunk);
        }
    }
    // yt[j·p + i] = y[j, i]: the inner loop runs over contiguous outputs and vectorizes.
    let mut yt = vec![T::default(); size * p];
    for i in 0..p {
        for j in 0..size {
            yt[j * p + i] = y[j + size * i];
        }
    }
    per_block.into_par_iter().for_each(|mut vs| {
        let len = vs[0].len();
        let mut out = vec![T::default(); p];
        for r in 0..len {
            out.iter_mut().for_each(|o| *o = T::default());
            for (j, v) in vs.iter().enumerate() {
                let vj = v[r];
                for (o, &yji) in out.iter_mut().zip(&yt[j * p..(j + 1) * p]) {
                    *o += vj * yji;
                }
            }
            for (v, &o) in vs.iter_mut().zip(&out) {
                v[r] = o;
            }
        }
    });
}
