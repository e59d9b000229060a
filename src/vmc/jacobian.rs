//! The sample Jacobian `O_{sk} = ∂ ln ψ(σ_s) / ∂θ_k` and the products the optimizers
//! need: `Oᴴ v` (parameter space), the sample-space kernel `O Oᴴ`, and the centred
//! dense matrix.
//!
//! Rows are stored sample-major, as the samplers produce them. For an RBM a row is the
//! compact `[σ_s, tanh θ_s]`: the weight block is the outer product `tanh θ_s ⊗ σ_s`, so
//! the kernel factorizes, `(O Oᴴ)_{ss'} = a + b + a·b` with `a = σ_s·σ_{s'}` and
//! `b = t_s·t̄_{s'}` (`Ns²(N + M)` operations instead of `Ns² NM`), and `Oᴴ v` needs
//! `Ns·NM`. Every reduction runs in a fixed order, whatever the number of threads.

use crate::ansatz::JacobianLayout;
use crate::scalar::Scalar;
use faer::linalg::matmul::triangular::{self, BlockStructure};
use faer::{Accum, Conj, Mat, MatRef};
use rayon::prelude::*;

/// Lower triangle (with diagonal) of the Gram matrix `a aᴴ`; the strict upper part is
/// zero. Half the flops of a full product.
pub fn lower_gram<T: Scalar>(a: MatRef<'_, T>) -> Mat<T> {
    let mut dst = Mat::<T>::zeros(a.nrows(), a.nrows());
    triangular::matmul_with_conj(
        dst.as_mut(),
        BlockStructure::TriangularLower,
        Accum::Replace,
        a,
        BlockStructure::Rectangular,
        Conj::No,
        a.transpose(),
        BlockStructure::Rectangular,
        Conj::Yes,
        T::from_real(1.0),
        faer::get_global_parallelism(),
    );
    dst
}

/// Sample Jacobian in the ansatz's layout.
#[derive(Clone, Debug)]
pub struct Jacobian<T: Scalar> {
    layout: JacobianLayout,
    /// `n_samples × row_len`, sample-major.
    rows: Vec<T>,
    row_len: usize,
    n_samples: usize,
    n_params: usize,
}

impl<T: Scalar> Jacobian<T> {
    /// From sample-major rows of length `row_len`.
    pub fn new(layout: JacobianLayout, rows: Vec<T>, row_len: usize, n_params: usize) -> Self {
        assert_eq!(rows.len() % row_len.max(1), 0);
        Self {
            layout,
            n_samples: rows.len() / row_len.max(1),
            rows,
            row_len,
            n_params,
        }
    }

    /// Number of samples `Ns`.
    pub fn n_samples(&self) -> usize {
        self.n_samples
    }

    /// Number of parameters `P`.
    pub fn n_params(&self) -> usize {
        self.n_params
    }

    /// Operations per sample pair to build the kernel.
    pub fn kernel_width(&self) -> usize {
        self.row_len
    }

    fn row(&self, s: usize) -> &[T] {
        &self.rows[s * self.row_len..(s + 1) * self.row_len]
    }

    /// `Oᴴ v`: `Σ_s conj(O_{sk}) v_s` for every parameter `k`.
    pub fn adjoint_apply(&self, v: &[T]) -> Vec<T> {
        let ns = self.n_samples;
        match self.layout {
            JacobianLayout::Dense => {
                // Blocks of parameters in parallel; samples summed in order.
                let mut out = vec![T::zero(); self.n_params];
                out.par_chunks_mut(256).enumerate().for_each(|(b, chunk)| {
                    let off = b * 256;
                    for (s, &vs) in v.iter().enumerate().take(ns) {
                        let row = &self.row(s)[off..off + chunk.len()];
                        for (o, &x) in chunk.iter_mut().zip(row) {
                            *o += x.conj() * vs;
                        }
                    }
                });
                out
            }
            JacobianLayout::VisibleHidden {
                n_visible: n,
                n_hidden: m,
            } => {
                let mut out = vec![T::zero(); self.n_params];
                let (head, weights) = out.split_at_mut(n + m);
                for (s, &vs) in v.iter().enumerate().take(ns) {
                    for (o, &x) in head.iter_mut().zip(self.row(s)) {
                        *o += x.conj() * vs;
                    }
                }
                // W_{ji} = Σ_s conj(t_sj σ_si) v_s, one hidden unit per task.
                weights.par_chunks_mut(n).enumerate().for_each(|(j, wj)| {
                    for (s, &vs) in v.iter().enumerate().take(ns) {
                        let row = self.row(s);
                        let coeff = row[n + j].conj() * vs;
                        for (o, &sigma) in wj.iter_mut().zip(&row[..n]) {
                            *o += coeff * sigma.conj();
                        }
                    }
                });
                out
            }
        }
    }

    /// `K = O Oᴴ` (`Ns × Ns`, Hermitian): `K_{ss'} = Σ_k O_{sk} conj(O_{s'k})`. Only the
    /// lower triangle (with the diagonal) is meaningful to callers.
    pub fn kernel_lower(&self) -> Mat<T> {
        let rows = MatRef::from_row_major_slice(&self.rows, self.n_samples, self.row_len);
        match self.layout {
            JacobianLayout::Dense => rows * rows.adjoint(),
            JacobianLayout::VisibleHidden {
                n_visible: n,
                n_hidden: m,
            } => {
                let (sigma, t) = (rows.subcols(0, n), rows.subcols(n, m));
                let a = sigma * sigma.adjoint();
                let mut k = t * t.adjoint();
                for c in 0..self.n_samples {
                    let (ac, kc) = (a.col_as_slice(c), k.col_as_slice_mut(c));
                    for (x, &y) in kc[c..].iter_mut().zip(&ac[c..]) {
                        *x = y + *x + y * *x;
                    }
                }
                k
            }
        }
    }

    /// The centred, weighted Jacobian `Õ_{sk} = √w_s (O_{sk} − Σ_r w_r O_{rk})`
    /// (`Ns × P`, column-major).
    pub fn centred_dense(&self, weights: &[f64]) -> Mat<T> {
        let mut o = self.dense();
        let sqrt_w: Vec<f64> = weights.iter().map(|w| w.sqrt()).collect();
        for k in 0..o.ncols() {
            let col = o.col_as_slice_mut(k);
            let mean: T = col.iter().zip(weights).map(|(&x, &w)| x * w).sum();
            for (x, &sw) in col.iter_mut().zip(&sqrt_w) {
                *x = (*x - mean) * sw;
            }
        }
        o
    }

    /// The dense `Ns × P` Jacobian, column-major.
    pub fn dense(&self) -> Mat<T> {
        let ns = self.n_samples;
        match self.layout {
            JacobianLayout::Dense => Mat::from_fn(ns, self.n_params, |s, k| self.row(s)[k]),
            JacobianLayout::VisibleHidden {
                n_visible: n,
                n_hidden: m,
            } => Mat::from_fn(ns, self.n_params, |s, k| {
                let row = self.row(s);
                if k < n + m {
                    row[k]
                } else {
                    let (j, i) = ((k - n - m) / n, (k - n - m) % n);
                    row[n + j] * row[i]
                }
            }),
        }
    }
}
