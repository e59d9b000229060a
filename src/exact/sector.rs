//! A Hamiltonian restricted to a basis (full space or fixed `Sᶻ`), applied on the
//! fly: `y_b = H_bb x_b + Σ_{x} conj⟨b⊕x|H|b⟩ x_{b⊕x}`, one row per basis state,
//! rows in parallel. Only the diagonal is stored (one `f64` per state).

use super::lanczos::HermitianOperator;
use crate::error::{Error, Result};
use crate::hilbert::Basis;
use crate::operator::PauliSum;
use crate::scalar::Scalar;
use rayon::prelude::*;

/// Rows per parallel task.
const ROWS: usize = 1 << 12;

/// `H` on a basis, matrix-free.
pub struct SectorOperator<'a> {
    op: &'a PauliSum,
    basis: &'a Basis,
    diagonal: Vec<f64>,
}

impl<'a> SectorOperator<'a> {
    /// Prepares `op` on `basis`; fails if `op` leaves the basis (it must conserve the
    /// magnetization when the basis fixes it).
    pub fn new(op: &'a PauliSum, basis: &'a Basis, fixed_sz: bool) -> Result<Self> {
        if op.n_sites() != basis.n_sites() {
            return Err(Error::invalid(
                "system.size",
                format!(
                    "operator acts on {} sites but the basis has {}",
                    op.n_sites(),
                    basis.n_sites()
                ),
            ));
        }
        if fixed_sz && !op.conserves_magnetization() {
            return Err(Error::invalid(
                "system.total_sz",
                "this Hamiltonian does not conserve the total magnetization, so it has no \
                 fixed-Sz sectors; remove total_sz (or set total_sz = \"all\")",
            ));
        }
        let diagonal = (0..basis.dim())
            .into_par_iter()
            .with_min_len(ROWS)
            .map(|i| op.diagonal_element(basis.state(i)))
            .collect();
        Ok(Self {
            op,
            basis,
            diagonal,
        })
    }

    /// The diagonal `H_bb` in basis order.
    pub fn diagonal(&self) -> &[f64] {
        &self.diagonal
    }

    fn apply_generic<T: Scalar>(&self, x: &[T], y: &mut [T]) {
        y.par_chunks_mut(ROWS).enumerate().for_each(|(c, rows)| {
            let first = c * ROWS;
            for (r, yr) in rows.iter_mut().enumerate() {
                let i = first + r;
                let b = self.basis.state(i);
                let mut acc = x[i] * self.diagonal[i];
                T::for_each_row_element(self.op, b, |flip, e| {
                    acc += e * x[self.basis.index(b ^ flip)];
                });
                *yr = acc;
            }
        });
    }
}

impl HermitianOperator<f64> for SectorOperator<'_> {
    fn dim(&self) -> usize {
        self.basis.dim()
    }
    fn apply(&self, x: &[f64], y: &mut [f64]) {
        self.apply_generic(x, y);
    }
}

impl HermitianOperator<num_complex::Complex64> for SectorOperator<'_> {
    fn dim(&self) -> usize {
        self.basis.dim()
    }
    fn apply(&self, x: &[num_complex::Complex64], y: &mut [num_complex::Complex64]) {
        self.apply_generic(x, y);
    }
}

/// `⟨ψ|O|ψ⟩ / ⟨ψ|ψ⟩` for a state given on `basis`; elements leaving the basis
/// contribute nothing (ψ vanishes there).
pub fn expectation<T: Scalar>(op: &PauliSum, basis: &Basis, psi: &[T]) -> f64 {
    let partial: Vec<(f64, f64)> = psi
        .par_chunks(ROWS)
        .enumerate()
        .map(|(c, rows)| {
            let mut num = 0.0;
            let mut den = 0.0;
            for (r, &amp) in rows.iter().enumerate() {
                let b = basis.state(c * ROWS + r);
                den += amp.abs2();
                op.for_each_connected_bits(b, |b2, e| {
                    if basis.contains(b2) {
                        let other = psi[basis.index(b2)].to_c64();
                        num += (other.conj() * e * amp.to_c64()).re;
                    }
                });
            }
            (num, den)
        })
        .collect();
    let (num, den) = partial
        .iter()
        .fold((0.0, 0.0), |(a, b), &(x, y)| (a + x, b + y));
    num / den
}
