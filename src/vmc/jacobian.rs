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
        let rows = MatRef::from_row_major_slice(&self.rows, ns, self.row_len);
        let col = MatRef::from_column_major_slice(v, ns, 1);
        let head = rows.adjoint() * col;
        let mut out: Vec<T> = (0..self.row_len).map(|k| head[(k, 0)]).collect();
        if let JacobianLayout::VisibleHidden {
            n_visible: n,
            n_hidden: m,
        } = self.layout
        {
            // W_{ji} = Σ_s conj(t_sj) (v_s σ_si): one (M × Ns)(Ns × N) product.
            let weighted = Mat::<T>::from_fn(ns, n, |s, i| rows[(s, i)] * v[s]);
            let w = rows.subcols(n, m).adjoint() * &weighted;
            out.reserve(m * n);
            for j in 0..m {
                out.extend((0..n).map(|i| w[(j, i)]));
            }
        }
        out
    }

    /// `K = O Oᴴ` (`Ns × Ns`, Hermitian): `K_{ss'} = Σ_k O_{sk} conj(O_{s'k})`.
    pub fn kernel(&self) -> Mat<T> {
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
                    for (x, &y) in kc.iter_mut().zip(ac) {
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
        let ns = self.n_samples;
        let sqrt_w: Vec<f64> = weights.iter().map(|w| w.sqrt()).collect();
        // Columns of the compact rows, gathered once.
        let compact: Vec<Vec<T>> = (0..self.row_len)
            .map(|k| (0..ns).map(|s| self.rows[s * self.row_len + k]).collect())
            .collect();
        let mut o = Mat::<T>::zeros(ns, self.n_params);
        let centre = |col: &mut [T]| {
            let mean: T = col.iter().zip(weights).map(|(&x, &w)| x * w).sum();
            for (x, &sw) in col.iter_mut().zip(&sqrt_w) {
                *x = (*x - mean) * sw;
            }
        };
        for (k, c) in compact.iter().enumerate() {
            let col = o.col_as_slice_mut(k);
            col.copy_from_slice(c);
            centre(col);
        }
        if let JacobianLayout::VisibleHidden {
            n_visible: n,
            n_hidden: m,
        } = self.layout
        {
            for j in 0..m {
                for i in 0..n {
                    let col = o.col_as_slice_mut(n + m + j * n + i);
                    for ((x, &t), &sigma) in col.iter_mut().zip(&compact[n + j]).zip(&compact[i]) {
                        *x = t * sigma;
                    }
                    centre(col);
                }
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
