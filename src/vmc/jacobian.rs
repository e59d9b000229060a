//! The sample Jacobian `O_{sk} = ∂ ln ψ(σ_s) / ∂θ_k` and the products the optimizers
//! need: `O x` and `Oᴴ v`, the sample-space kernel `O Oᴴ`, and the centred dense matrix.
//!
//! The compact rows are stored column-major (`Ns × row_len`), so every product is a
//! contiguous matrix product. For an RBM a row is `[σ_s, tanh θ_s]`: the weight block
//! is the outer product `tanh θ_s ⊗ σ_s`, so the kernel factorizes,
//! `(O Oᴴ)_{ss'} = a + b + a·b` with `a = σ_s·σ_{s'}` and `b = t_s·t̄_{s'}`
//! (`Ns²(N + M)` operations instead of `Ns² NM`), and `O x`, `Oᴴ v` need `Ns·NM`.
//! Every reduction runs in a fixed order, whatever the number of threads.

use super::linalg::{lower_gram_into, reshape};
use crate::ansatz::JacobianLayout;
use crate::scalar::Scalar;
use faer::linalg::matmul::matmul;
use faer::traits::ComplexField;
use faer::{Accum, Conj, Mat, MatMut, MatRef, Par};
use rayon::prelude::*;

/// Products below this many multiply-adds run on one thread: thread hand-offs would
/// cost more than they save. (The choice depends on sizes only, so results do not
/// depend on the thread count.)
const SERIAL_WORK: usize = 1 << 22;

fn parallelism(work: usize) -> Par {
    if work < SERIAL_WORK {
        Par::Seq
    } else {
        faer::get_global_parallelism()
    }
}

/// Sample Jacobian in the ansatz's layout.
#[derive(Clone, Debug)]
pub struct Jacobian<T: Scalar> {
    layout: JacobianLayout,
    /// `Ns × row_len` compact rows, column-major.
    compact: Mat<T>,
    n_params: usize,
}

impl<T: Scalar> Jacobian<T> {
    /// From sample-major rows of length `row_len`.
    pub fn new(layout: JacobianLayout, rows: Vec<T>, row_len: usize, n_params: usize) -> Self {
        assert_eq!(rows.len() % row_len.max(1), 0);
        let ns = rows.len() / row_len.max(1);
        Self {
            layout,
            compact: Mat::from_fn(ns, row_len, |s, k| rows[s * row_len + k]),
            n_params,
        }
    }

    /// Number of samples `Ns`.
    pub fn n_samples(&self) -> usize {
        self.compact.nrows()
    }

    /// Number of parameters `P`.
    pub fn n_params(&self) -> usize {
        self.n_params
    }

    /// Operations per sample pair to build the kernel.
    pub fn kernel_width(&self) -> usize {
        self.compact.ncols()
    }

    /// The visible and hidden blocks `σ` (`Ns × N`) and `t` (`Ns × M`) of an RBM layout.
    fn visible_hidden(&self) -> Option<(MatRef<'_, T>, MatRef<'_, T>)> {
        match self.layout {
            JacobianLayout::Dense => None,
            JacobianLayout::VisibleHidden {
                n_visible: n,
                n_hidden: m,
            } => Some((
                self.compact.as_ref().subcols(0, n),
                self.compact.as_ref().subcols(n, m),
            )),
        }
    }

    /// `Oᴴ v`: `Σ_s conj(O_{sk}) v_s` for every parameter `k`.
    pub fn adjoint_apply(&self, v: &[T]) -> Vec<T> {
        let (ns, width) = (self.n_samples(), self.compact.ncols());
        let mut out = vec![T::zero(); self.n_params];
        let par = parallelism(ns * self.n_params);
        matmul(
            MatMut::from_column_major_slice_mut(&mut out[..width], width, 1),
            Accum::Replace,
            self.compact.adjoint(),
            MatRef::from_column_major_slice(v, ns, 1),
            T::from_real(1.0),
            par,
        );
        if let Some((sigma, t)) = self.visible_hidden() {
            // W_{ji} = Σ_s conj(t_sj) (v_s σ_si): one (M × Ns)(Ns × N) product into the
            // row-major weight block, i.e. its transpose (N × M) column-major.
            let (n, m) = (sigma.ncols(), t.ncols());
            let weighted = Mat::<T>::from_fn(ns, n, |s, i| sigma[(s, i)] * v[s]);
            matmul(
                MatMut::from_column_major_slice_mut(&mut out[width..], n, m),
                Accum::Replace,
                weighted.transpose(),
                t.conjugate(),
                T::from_real(1.0),
                par,
            );
        }
        out
    }

    /// `O x`: `Σ_k O_{sk} x_k` for every sample `s`.
    pub fn apply(&self, x: &[T]) -> Vec<T> {
        let (ns, width) = (self.n_samples(), self.compact.ncols());
        let mut out = vec![T::zero(); ns];
        let par = parallelism(ns * self.n_params);
        matmul(
            MatMut::from_column_major_slice_mut(&mut out, ns, 1),
            Accum::Replace,
            self.compact.as_ref(),
            MatRef::from_column_major_slice(&x[..width], width, 1),
            T::from_real(1.0),
            par,
        );
        if let Some((sigma, t)) = self.visible_hidden() {
            // Σ_{ji} t_sj X_{ji} σ_si with X = x_W (M × N, row-major): (σ Xᵀ) ∘ t, summed
            // over j.
            let (n, m) = (sigma.ncols(), t.ncols());
            let x_w = MatRef::from_row_major_slice(&x[width..], m, n);
            let mut sx = Mat::<T>::zeros(ns, m);
            matmul(
                sx.as_mut(),
                Accum::Replace,
                sigma,
                x_w.transpose(),
                T::from_real(1.0),
                par,
            );
            for j in 0..m {
                let (a, b) = (sx.col_as_slice(j), t.col(j));
                for (s, o) in out.iter_mut().enumerate() {
                    *o += a[s] * b[s];
                }
            }
        }
        out
    }

    /// Writes `finish(r, c, K_{rc})` into the lower triangle (with diagonal) of `dst`,
    /// where `K = O Oᴴ` (`Ns × Ns`, Hermitian), `K_{ss'} = Σ_k O_{sk} conj(O_{s'k})`.
    ///
    /// For an RBM the visible part `σ_s·σ_{s'} = N − 2·popcount(x_s ⊕ x_{s'})` is taken
    /// from bit-packed configurations (exact, like the sum of `±1` products it
    /// replaces), and the hidden part is one triangular matrix product.
    pub fn kernel_lower_into(
        &self,
        dst: &mut Mat<T>,
        finish: impl Fn(usize, usize, T) -> T + Sync,
    ) {
        let ns = self.n_samples();
        reshape(dst, ns, ns);
        let packed = self.visible_hidden().map(|(sigma, t)| {
            lower_gram_into(dst.as_mut(), t, Conj::No);
            let words = sigma.ncols().div_ceil(64);
            let mut bits = vec![0u64; ns * words];
            for i in 0..sigma.ncols() {
                for (s, &x) in sigma.col(i).iter().enumerate() {
                    if x.re() > 0.0 {
                        bits[s * words + i / 64] |= 1 << (i % 64);
                    }
                }
            }
            (bits, words, sigma.ncols() as f64)
        });
        if packed.is_none() {
            lower_gram_into(dst.as_mut(), self.compact.as_ref(), Conj::No);
        }
        dst.as_mut()
            .par_col_iter_mut()
            .enumerate()
            .for_each(|(c, col)| {
                let col = col
                    .try_as_col_major_mut()
                    .expect("contiguous")
                    .as_slice_mut();
                match &packed {
                    None => {
                        for (r, x) in col.iter_mut().enumerate().skip(c) {
                            *x = finish(r, c, *x);
                        }
                    }
                    Some((bits, words, n)) => {
                        let xc = &bits[c * words..(c + 1) * words];
                        let rows = bits.chunks_exact(*words).skip(c);
                        for ((r, x), xr) in col.iter_mut().enumerate().skip(c).zip(rows) {
                            let differ: u32 =
                                xr.iter().zip(xc).map(|(a, b)| (a ^ b).count_ones()).sum();
                            let a = n - 2.0 * differ as f64;
                            *x = finish(r, c, *x * (1.0 + a) + T::from_real(a));
                        }
                    }
                }
            });
    }

    /// Writes `convert(Õ_{sk})` into `dst` (`Ns × P`), where
    /// `Õ_{sk} = √w_s (O_{sk} − Σ_r w_r O_{rk})` is the centred, weighted Jacobian.
    /// Columns are independent, so they are filled in parallel.
    ///
    /// `mean_adjoint` is `Oᴴ w` ([`Self::adjoint_apply`] of the weights), the conjugated
    /// column means.
    pub fn centred_into<U: ComplexField>(
        &self,
        weights: &[f64],
        mean_adjoint: &[T],
        dst: MatMut<'_, U>,
        convert: impl Fn(T) -> U + Sync,
    ) {
        let sqrt_w: Vec<f64> = weights.iter().map(|w| w.sqrt()).collect();
        let width = self.compact.ncols();
        let n_visible = match self.layout {
            JacobianLayout::VisibleHidden { n_visible, .. } => n_visible,
            JacobianLayout::Dense => 0,
        };
        let column = |k: usize| self.compact.col_as_slice(k);
        dst.par_col_iter_mut().enumerate().for_each(|(k, out)| {
            let out = out
                .try_as_col_major_mut()
                .expect("contiguous")
                .as_slice_mut();
            // Column k is a ⊙ b: the compact column itself, or t_j ⊙ σ_i for a weight.
            let (a, b) = if k < width {
                (column(k), None)
            } else {
                let j = (k - width) / n_visible;
                let i = (k - width) % n_visible;
                (column(n_visible + j), Some(column(i)))
            };
            let mean = mean_adjoint[k].conj();
            match b {
                Some(b) => {
                    for (((o, &sw), &x), &y) in out.iter_mut().zip(&sqrt_w).zip(a).zip(b) {
                        *o = convert((x * y - mean) * sw);
                    }
                }
                None => {
                    for ((o, &sw), &x) in out.iter_mut().zip(&sqrt_w).zip(a) {
                        *o = convert((x - mean) * sw);
                    }
                }
            }
        });
    }

    /// The centred, weighted Jacobian `Õ_{sk} = √w_s (O_{sk} − Σ_r w_r O_{rk})`
    /// (`Ns × P`, column-major).
    pub fn centred_dense(&self, weights: &[f64]) -> Mat<T> {
        let mut o = Mat::<T>::zeros(self.n_samples(), self.n_params);
        let w: Vec<T> = weights.iter().map(|&x| T::from_real(x)).collect();
        self.centred_into(weights, &self.adjoint_apply(&w), o.as_mut(), |x| x);
        o
    }

    /// The dense `Ns × P` Jacobian, column-major.
    pub fn dense(&self) -> Mat<T> {
        let ns = self.n_samples();
        let width = self.compact.ncols();
        let mut o = Mat::<T>::zeros(ns, self.n_params);
        for k in 0..width {
            o.col_as_slice_mut(k)
                .copy_from_slice(self.compact.col_as_slice(k));
        }
        if let Some((sigma, t)) = self.visible_hidden() {
            let n = sigma.ncols();
            for j in 0..t.ncols() {
                for i in 0..n {
                    let col = o.col_as_slice_mut(width + j * n + i);
                    for (s, x) in col.iter_mut().enumerate() {
                        *x = t[(s, j)] * sigma[(s, i)];
                    }
                }
            }
        }
        o
    }
}
