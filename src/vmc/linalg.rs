//! Dense kernels of the SR solvers: Hermitian Gram matrices, a parallel blocked
//! Cholesky factorization, and Hermitian matrix–vector products, all with a fixed
//! partition of the work so that results do not depend on the number of threads.

use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::cholesky::llt::factor;
use faer::linalg::matmul::triangular::{self, BlockStructure};
use faer::linalg::triangular_solve;
use faer::reborrow::{Reborrow, ReborrowMut};
use faer::traits::ComplexField;
use faer::{Accum, Conj, Mat, MatMut, MatRef, Par};
use rayon::prelude::*;

/// Columns per panel of [`cholesky_lower`].
const CHOLESKY_BLOCK: usize = 128;

/// Below this size [`cholesky_lower`] factors on one thread in one go: thread
/// hand-offs cost more than they save.
const CHOLESKY_SERIAL_BELOW: usize = 512;

/// Partial sums per column in [`hermitian_lower_apply`].
const DOT_LANES: usize = 8;

/// Fixed number of parts of [`hermitian_lower_apply`].
const MATVEC_PARTS: usize = 4;

/// Writes the lower triangle (with diagonal) of `a aᴴ` (`conj = No`) or of `ā aᵀ`
/// (`conj = Yes`) into `dst`; the strict upper part is left untouched.
pub fn lower_gram_into<T: ComplexField>(dst: MatMut<'_, T>, a: MatRef<'_, T>, conj: Conj) {
    triangular::matmul_with_conj(
        dst,
        BlockStructure::TriangularLower,
        Accum::Replace,
        a,
        BlockStructure::Rectangular,
        conj,
        a.transpose(),
        BlockStructure::Rectangular,
        conj.compose(Conj::Yes),
        T::one_impl(),
        faer::get_global_parallelism(),
    );
}

/// Makes `m` an `rows × cols` matrix, reusing its allocation when the shape is unchanged.
/// Reuse matters: the first touch of a fresh multi-megabyte buffer page-faults, which
/// costs as much as the Cholesky factorization that fills it.
pub fn reshape<T: ComplexField>(m: &mut Mat<T>, rows: usize, cols: usize) {
    if m.nrows() != rows || m.ncols() != cols {
        *m = Mat::zeros(rows, cols);
    }
}

/// Overwrites the lower triangle of the Hermitian positive-definite `a` with its
/// Cholesky factor `L` (`a = L Lᴴ`), by right-looking panels: factor the diagonal
/// block, solve the panel below it, and update the trailing matrix with one parallel
/// triangular product. (The trailing updates carry almost all the flops, so this
/// scales with the cores, unlike a left-looking factorization at this size.)
/// `Err(k)`: the leading `k + 1` rows are not positive definite.
pub fn cholesky_lower<T: ComplexField>(mut a: MatMut<'_, T>) -> Result<(), usize> {
    let n = a.nrows();
    let par = faer::get_global_parallelism();
    let block = if n < CHOLESKY_SERIAL_BELOW {
        n.max(1)
    } else {
        CHOLESKY_BLOCK
    };
    let mut buffer = MemBuffer::new(factor::cholesky_in_place_scratch::<T>(
        block,
        Par::Seq,
        Default::default(),
    ));
    let minus_one = T::from_f64_impl(-1.0);
    let mut k = 0;
    while k < n {
        let b = block.min(n - k);
        let rest = a.rb_mut().submatrix_mut(k, k, n - k, n - k);
        let (mut diagonal, _, mut panel, trailing) = rest.split_at_mut(b, b);
        factor::cholesky_in_place(
            diagonal.rb_mut(),
            Default::default(),
            Par::Seq,
            MemStack::new(&mut buffer),
            Default::default(),
        )
        .map_err(|factor::LltError::NonPositivePivot { index }| k + index)?;
        // L₂₁ L₁₁ᴴ = A₂₁  ⇔  conj(L₁₁) L₂₁ᵀ = A₂₁ᵀ.
        triangular_solve::solve_lower_triangular_in_place_with_conj(
            diagonal.rb(),
            Conj::Yes,
            panel.rb_mut().transpose_mut(),
            par,
        );
        triangular::matmul_with_conj(
            trailing,
            BlockStructure::TriangularLower,
            Accum::Add,
            panel.rb(),
            BlockStructure::Rectangular,
            Conj::No,
            panel.rb().transpose(),
            BlockStructure::Rectangular,
            Conj::Yes,
            minus_one.clone(),
            par,
        );
        k += b;
    }
    Ok(())
}

/// Solves `L Lᴴ x = b` in place for the Cholesky factor `L` (lower triangle of `l`).
pub fn cholesky_solve_in_place<T: ComplexField>(l: MatRef<'_, T>, rhs: MatMut<'_, T>, par: Par) {
    let mut rhs = rhs;
    triangular_solve::solve_lower_triangular_in_place_with_conj(l, Conj::No, rhs.rb_mut(), par);
    triangular_solve::solve_upper_triangular_in_place_with_conj(l.transpose(), Conj::Yes, rhs, par);
}

/// `A x` for a Hermitian `A` given by its lower triangle. The columns are split into
/// [`MATVEC_PARTS`] ranges of equal triangle area, computed in parallel into partial
/// vectors that are summed in a fixed order.
pub fn hermitian_lower_apply<T>(a: &Mat<T>, x: &[T]) -> Vec<T>
where
    T: crate::scalar::Scalar,
{
    let n = x.len();
    let total = (n * (n + 1) / 2) as f64;
    let mut bounds = vec![0usize];
    let mut area = 0.0;
    for c in 0..n {
        area += (n - c) as f64;
        if area >= total * bounds.len() as f64 / MATVEC_PARTS as f64 && bounds.len() < MATVEC_PARTS
        {
            bounds.push(c + 1);
        }
    }
    bounds.push(n);
    bounds.dedup();
    let partials: Vec<Vec<T>> = bounds
        .par_windows(2)
        .map(|w| {
            let mut out = vec![T::zero(); n];
            for c in w[0]..w[1] {
                let col = &a.col_as_slice(c)[c + 1..];
                let xc = x[c];
                let below = &mut out[c + 1..];
                let x_below = &x[c + 1..];
                // Independent partial sums (fixed order) let the loop vectorize.
                let mut acc = [T::zero(); DOT_LANES];
                let full = col.len() / DOT_LANES * DOT_LANES;
                for ((vs, os), xs) in col[..full]
                    .chunks_exact(DOT_LANES)
                    .zip(below[..full].chunks_exact_mut(DOT_LANES))
                    .zip(x_below[..full].chunks_exact(DOT_LANES))
                {
                    for l in 0..DOT_LANES {
                        os[l] += vs[l] * xc;
                        acc[l] += vs[l].conj() * xs[l];
                    }
                }
                let mut tail = T::zero();
                for ((o, &v), &xr) in below[full..]
                    .iter_mut()
                    .zip(&col[full..])
                    .zip(&x_below[full..])
                {
                    *o += v * xc;
                    tail += v.conj() * xr;
                }
                let diagonal = a.col_as_slice(c)[c] * xc;
                out[c] += diagonal + acc.iter().fold(tail, |s, &p| s + p);
            }
            out
        })
        .collect();
    let mut out = vec![T::zero(); n];
    for part in partials {
        for (o, p) in out.iter_mut().zip(part) {
            *o += p;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scalar::Scalar;
    use num_complex::Complex64;
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    /// A random Hermitian positive-definite `n × n` matrix `B Bᴴ/n + I`.
    fn hpd<T: Scalar>(n: usize, seed: u64) -> Mat<T> {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let b = Mat::<T>::from_fn(n, n, |_, _| T::sample_normal(&mut rng));
        Mat::from_fn(n, n, |i, j| {
            let mut x: T =
                (0..n).map(|k| b[(i, k)] * b[(j, k)].conj()).sum::<T>() * (1.0 / n as f64);
            if i == j {
                x += T::from_real(1.0);
            }
            x
        })
    }

    fn check_cholesky<T: Scalar>(n: usize) {
        let a = hpd::<T>(n, n as u64);
        let mut l = a.clone();
        cholesky_lower(l.as_mut()).unwrap();
        let mut worst = 0.0f64;
        for i in 0..n {
            for j in 0..=i {
                let x: T = (0..=j).map(|k| l[(i, k)] * l[(j, k)].conj()).sum();
                worst = worst.max((x - a[(i, j)]).abs2().sqrt());
            }
        }
        assert!(worst < 1e-12, "n = {n}: |L Lᴴ − A| = {worst}");
        let x: Vec<T> = (0..n).map(|k| T::from_real(k as f64 - 3.0)).collect();
        let b = hermitian_lower_apply(&a, &x);
        let mut rhs = Mat::<T>::from_fn(n, 1, |k, _| b[k]);
        cholesky_solve_in_place(l.as_ref(), rhs.as_mut(), Par::Seq);
        for k in 0..n {
            assert!((rhs[(k, 0)] - x[k]).abs2().sqrt() < 1e-10);
        }
    }

    #[test]
    fn blocked_cholesky_reconstructs_the_matrix() {
        // Sizes below, at and across panel boundaries, serial and blocked.
        for n in [1, 7, CHOLESKY_BLOCK, CHOLESKY_SERIAL_BELOW + 37] {
            check_cholesky::<f64>(n);
            check_cholesky::<Complex64>(n);
        }
    }

    #[test]
    fn cholesky_reports_the_first_non_positive_pivot() {
        for n in [CHOLESKY_BLOCK + 10, CHOLESKY_SERIAL_BELOW + 10] {
            let mut a = hpd::<f64>(n, 5);
            let bad = n - 7;
            a[(bad, bad)] = -1.0;
            assert_eq!(cholesky_lower(a.as_mut()), Err(bad));
        }
    }

    #[test]
    fn hermitian_lower_apply_equals_the_full_product() {
        for n in [1, 5, 301] {
            let a = hpd::<Complex64>(n, 9);
            let x: Vec<Complex64> = (0..n)
                .map(|k| Complex64::new(k as f64, 1.0 - k as f64))
                .collect();
            let y = hermitian_lower_apply(&a, &x);
            for (i, yi) in y.iter().enumerate() {
                let full: Complex64 = (0..n).map(|k| a[(i, k)] * x[k]).sum();
                assert!((yi - full).norm() <= 1e-12 * full.norm().max(1.0));
            }
        }
    }
}
