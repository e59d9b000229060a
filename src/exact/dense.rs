//! Dense full diagonalization (faer's Hermitian eigensolver): the cross-check for
//! Lanczos on small spaces.

use crate::error::{Error, Result};
use crate::hilbert::Basis;
use crate::operator::PauliSum;
use crate::scalar::Scalar;

/// Largest dimension accepted by the dense solver (a 4096 × 4096 matrix: 12 sites).
pub const MAX_DENSE_DIM: usize = 4096;

/// The dense matrix `H_{ij} = ⟨i|H|j⟩` on `basis`, column-major.
pub fn dense_matrix<T: Scalar>(op: &PauliSum, basis: &Basis) -> Result<Vec<T>> {
    let d = basis.dim();
    if d > MAX_DENSE_DIM {
        return Err(Error::invalid(
            "exact.method",
            format!(
                "dense diagonalization is limited to {MAX_DENSE_DIM} states, this space has {d}; \
                 use method = \"lanczos\""
            ),
        ));
    }
    let mut h = vec![T::default(); d * d];
    for j in 0..d {
        let b = basis.state(j);
        h[j + d * j] = T::from_real(op.diagonal_element(b));
        // Row j holds conj of the column elements: H_{j, j⊕x} = conj⟨j⊕x|H|j⟩.
        T::for_each_row_element(op, b, |flip, e| {
            let b2 = b ^ flip;
            if basis.contains(b2) {
                h[j + d * basis.index(b2)] += e;
            }
        });
    }
    Ok(h)
}

/// All eigenvalues (ascending) and eigenvectors (column-major) of `op` on `basis`.
pub fn full_diagonalization<T: Scalar>(op: &PauliSum, basis: &Basis) -> Result<(Vec<f64>, Vec<T>)> {
    let h = dense_matrix::<T>(op, basis)?;
    T::eigh(&h, basis.dim())
        .ok_or_else(|| Error::Numerical("dense Hermitian eigensolver did not converge".into()))
}
