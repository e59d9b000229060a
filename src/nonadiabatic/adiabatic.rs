//! The adiabatic representation of any diabatic model. With `V(R) = U diag(E) Uᵀ`
//! (eigenvalues ascending, eigenvectors the columns `Uᵢ`):
//!
//! - energies `Eᵢ`;
//! - gradients `∂E_i/∂R_k = Uᵢᵀ (∂V/∂R_k) Uᵢ` (Hellmann–Feynman);
//! - couplings `d_ij,k = ⟨Uᵢ|∂Uⱼ/∂R_k⟩ = Uᵢᵀ (∂V/∂R_k) Uⱼ / (Eⱼ − Eᵢ)` for `i ≠ j`
//!   (antisymmetric, `dᵢᵢ = 0`).
//!
//! Near a degeneracy the coupling diverges. When `|Eⱼ − Eᵢ| <` [`DEGENERACY_GAP`] the
//! gap is replaced by `DEGENERACY_GAP` (for `j > i`; `dⱼᵢ = −dᵢⱼ`), so the couplings
//! stay finite and antisymmetric, and [`Adiabatic::near_degenerate`] is set.
//!
//! Eigenvector signs are arbitrary at each geometry. Along a path, pass the previous
//! geometry's vectors: each `Uᵢ` is flipped so that `Uᵢ·Uᵢ^{prev} ≥ 0`, which keeps the
//! couplings' signs continuous.

use super::models::DiabaticModel;
use nalgebra::DMatrix;

/// Smallest energy gap (hartree) used in a coupling's denominator.
pub const DEGENERACY_GAP: f64 = 1e-12;

/// Adiabatic energies, eigenvectors, gradients and couplings at one geometry.
#[derive(Clone, Debug, PartialEq)]
pub struct Adiabatic {
    /// `Eᵢ`, ascending (hartree).
    pub energies: Vec<f64>,
    /// Eigenvectors as columns (`n × n`).
    pub vectors: DMatrix<f64>,
    /// `∂Eᵢ/∂R_k`, `n × d` (hartree/bohr).
    pub gradients: DMatrix<f64>,
    /// `d_ij,k`: one antisymmetric `n × n` matrix per coordinate `k` (1/bohr).
    pub couplings: Vec<DMatrix<f64>>,
    /// Whether some gap fell below [`DEGENERACY_GAP`].
    pub near_degenerate: bool,
}

/// Eigenvalues of the symmetric `v`, ascending, and the eigenvectors as columns in the
/// same order (signs as the solver leaves them).
pub(super) fn ascending_eigen(v: DMatrix<f64>) -> (Vec<f64>, DMatrix<f64>) {
    let n = v.nrows();
    let eigen = v.symmetric_eigen();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| eigen.eigenvalues[a].total_cmp(&eigen.eigenvalues[b]));
    let values = order.iter().map(|&i| eigen.eigenvalues[i]).collect();
    let vectors = DMatrix::from_fn(n, n, |row, col| eigen.eigenvectors[(row, order[col])]);
    (values, vectors)
}

/// The adiabatic quantities of `model` at `r`, with eigenvector signs aligned to
/// `previous` (the vectors at the previous geometry of a path) when given.
pub fn adiabatic(
    model: &dyn DiabaticModel,
    r: &[f64],
    previous: Option<&DMatrix<f64>>,
) -> Adiabatic {
    let n = model.n_states();
    let (v, dv) = model.potential_and_gradient(r);
    let (energies, mut vectors) = ascending_eigen(v);
    for i in 0..n {
        let flip = match previous {
            Some(p) => vectors.column(i).dot(&p.column(i)) < 0.0,
            // Without a reference: largest component positive (a fixed convention).
            None => {
                let column = vectors.column(i);
                let largest = column.iamax();
                column[largest] < 0.0
            }
        };
        if flip {
            vectors.column_mut(i).neg_mut();
        }
    }
    let dims = model.n_dims();
    let mut gradients = DMatrix::zeros(n, dims);
    let mut couplings = Vec::with_capacity(dims);
    let mut near_degenerate = false;
    for (k, dv) in dv.iter().enumerate() {
        // (Uᵀ ∂V U)_ij
        let projected = vectors.transpose() * dv * &vectors;
        let mut d = DMatrix::zeros(n, n);
        for i in 0..n {
            gradients[(i, k)] = projected[(i, i)];
            for j in i + 1..n {
                let mut gap = energies[j] - energies[i];
                if gap < DEGENERACY_GAP {
                    near_degenerate = true;
                    gap = DEGENERACY_GAP;
                }
                // Symmetrized, so that d is exactly antisymmetric.
                let value = 0.5 * (projected[(i, j)] + projected[(j, i)]) / gap;
                d[(i, j)] = value;
                d[(j, i)] = -value;
            }
        }
        couplings.push(d);
    }
    Adiabatic {
        energies,
        vectors,
        gradients,
        couplings,
        near_degenerate,
    }
}
