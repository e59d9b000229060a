//! The sample Jacobian `O_{sk} = ∂ ln ψ(σ_s) / ∂θ_k` and the three products the
//! optimizers need: `Oᴴ v` (parameter space), `O Oᴴ` (sample-space kernel) and the
//! dense matrix.
//!
//! For an RBM the Jacobian is stored compactly as `[σ_s, tanh θ_s]` rows. The weight
//! block is the outer product `tanh θ_s ⊗ σ_s`, so the kernel factorizes:
//! `(O Oᴴ)_{ss'} = A + B + A∘B` with `A = σσᵀ`, `B = t tᴴ`. That costs `Ns²(N + M)`
//! instead of `Ns² · NM`, and `Oᴴ v` becomes one `M × Ns × N` matrix product.

use crate::ansatz::JacobianLayout;
use crate::scalar::Scalar;
use faer::Mat;

/// Sample Jacobian in the ansatz's layout.
#[derive(Clone, Debug)]
pub struct Jacobian<T: Scalar> {
    layout: JacobianLayout,
    rows: Mat<T>,
    n_params: usize,
}

impl<T: Scalar> Jacobian<T> {
    /// From per-sample rows (`n_samples × row_len`).
    pub fn new(layout: JacobianLayout, rows: Mat<T>, n_params: usize) -> Self {
        Self {
            layout,
            rows,
            n_params,
        }
    }

    /// Number of samples `Ns`.
    pub fn n_samples(&self) -> usize {
        self.rows.nrows()
    }

    /// Number of parameters `P`.
    pub fn n_params(&self) -> usize {
        self.n_params
    }

    /// Flops to build the sample-space kernel, per sample pair.
    pub fn kernel_width(&self) -> usize {
        match self.layout {
            JacobianLayout::Dense => self.n_params,
            JacobianLayout::VisibleHidden { .. } => self.rows.ncols(),
        }
    }

    /// `Oᴴ v`: `Σ_s conj(O_{sk}) v_s` for every parameter `k`.
    pub fn adjoint_apply(&self, v: &[T]) -> Vec<T> {
        let ns = self.n_samples();
        let col = Mat::<T>::from_fn(ns, 1, |s, _| v[s]);
        match self.layout {
            JacobianLayout::Dense => {
                let out = self.rows.adjoint() * &col;
                (0..self.n_params).map(|k| out[(k, 0)]).collect()
            }
            JacobianLayout::VisibleHidden {
                n_visible: n,
                n_hidden: m,
            } => {
                let sigma = self.rows.subcols(0, n);
                let t = self.rows.subcols(n, m);
                let a = sigma.adjoint() * &col;
                let b = t.adjoint() * &col;
                let weighted = Mat::<T>::from_fn(ns, n, |s, i| sigma[(s, i)] * v[s]);
                let w = t.adjoint() * &weighted;
                let mut out = Vec::with_capacity(self.n_params);
                out.extend((0..n).map(|i| a[(i, 0)]));
                out.extend((0..m).map(|j| b[(j, 0)]));
                for j in 0..m {
                    out.extend((0..n).map(|i| w[(j, i)]));
                }
                out
            }
        }
    }

    /// `K = O Oᴴ` (`Ns × Ns`): `K_{ss'} = Σ_k O_{sk} conj(O_{s'k})`.
    pub fn kernel(&self) -> Mat<T> {
        match self.layout {
            JacobianLayout::Dense => &self.rows * self.rows.adjoint(),
            JacobianLayout::VisibleHidden {
                n_visible: n,
                n_hidden: m,
            } => {
                let sigma = self.rows.subcols(0, n);
                let t = self.rows.subcols(n, m);
                let a = sigma * sigma.adjoint();
                let b = t * t.adjoint();
                let ns = self.n_samples();
                Mat::from_fn(ns, ns, |r, c| {
                    let (x, y) = (a[(r, c)], b[(r, c)]);
                    x + y + x * y
                })
            }
        }
    }

    /// The dense `Ns × P` Jacobian.
    pub fn dense(&self) -> Mat<T> {
        match self.layout {
            JacobianLayout::Dense => self.rows.clone(),
            JacobianLayout::VisibleHidden {
                n_visible: n,
                n_hidden: m,
            } => Mat::from_fn(self.n_samples(), self.n_params, |s, k| {
                if k < n + m {
                    self.rows[(s, k)]
                } else {
                    let (j, i) = ((k - n - m) / n, (k - n - m) % n);
                    self.rows[(s, n + j)] * self.rows[(s, i)]
                }
            }),
        }
    }
}
