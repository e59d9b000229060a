//! Local estimators `O_loc(σ) = Σ_{σ'} ⟨σ|O|σ'⟩ ψ(σ')/ψ(σ)`, evaluated from the
//! operator's connected elements and the ansatz's cached ratios (never a full
//! re-evaluation of ψ per connected configuration).

use crate::ansatz::Ansatz;
use crate::error::{Error, Result};
use crate::operator::PauliSum;
use crate::sampler::Visitor;
use crate::scalar::Scalar;

/// `O_loc(σ)` for a Hermitian operator: `Σ conj⟨σ'|O|σ⟩ · ψ(σ')/ψ(σ)`. When the
/// operator flips single spins on at least half the sites (a transverse field), all
/// single-flip ratios come from one batched evaluation.
#[inline]
pub fn local_value<A: Ansatz>(op: &PauliSum, ansatz: &A, sigma: &[i8], cache: &A::Cache) -> A::T {
    let mut singles = Vec::new();
    if 2 * op.single_flip_groups() >= sigma.len() {
        singles.resize(sigma.len(), A::T::zero());
        if !ansatz.single_flip_ratios(sigma, cache, &mut singles) {
            singles.clear();
        }
    }
    let ratio = |flips: &[usize]| match flips {
        [i] if !singles.is_empty() => singles[*i],
        _ => ansatz.ratio(sigma, cache, flips),
    };
    let mut acc = A::T::zero();
    if op.is_real() {
        op.for_each_flip_sigma_real(sigma, |flips, e| {
            acc += ratio(flips) * e;
        });
    } else {
        op.for_each_flip_sigma(sigma, |flips, e| {
            acc += ratio(flips) * A::T::from_c64(e.conj());
        });
    }
    acc
}

/// Checks that an ansatz of this field can represent the operator's ground state
/// locally: a complex operator needs complex amplitudes.
pub fn check_compatible<A: Ansatz>(op: &PauliSum) -> Result<()> {
    if !op.is_real() && !A::T::COMPLEX {
        return Err(Error::invalid(
            "ansatz.complex",
            "the Hamiltonian has complex matrix elements (odd numbers of Y), so real \
             parameters cannot represent its ground state; set complex = true",
        ));
    }
    Ok(())
}

/// Records `[E_loc, Jacobian row…]` per sample (the training visitor).
pub struct EnergyAndJacobian<'a> {
    /// The Hamiltonian.
    pub hamiltonian: &'a PauliSum,
    /// Length of the ansatz's Jacobian row.
    pub row_len: usize,
}

impl<A: Ansatz> Visitor<A> for EnergyAndJacobian<'_> {
    fn width(&self) -> usize {
        1 + self.row_len
    }

    fn visit(&self, ansatz: &A, sigma: &[i8], cache: &A::Cache, out: &mut Vec<A::T>) {
        out.push(local_value(self.hamiltonian, ansatz, sigma, cache));
        let start = out.len();
        out.resize(start + self.row_len, A::T::zero());
        ansatz.jacobian_row(sigma, cache, &mut out[start..]);
    }
}

/// Records the local values of several operators per sample (energy first).
pub struct LocalValues<'a> {
    /// Operators to estimate.
    pub operators: Vec<&'a PauliSum>,
}

impl<A: Ansatz> Visitor<A> for LocalValues<'_> {
    fn width(&self) -> usize {
        self.operators.len()
    }

    fn visit(&self, ansatz: &A, sigma: &[i8], cache: &A::Cache, out: &mut Vec<A::T>) {
        for op in &self.operators {
            out.push(local_value(op, ansatz, sigma, cache));
        }
    }
}
