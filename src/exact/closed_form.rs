//! Closed-form ground-state energies (Pauli units), used as independent references.

use crate::lattice::{Boundary, Geometry};
use crate::operator::{Hamiltonian, Model};

/// Ground-state energy of the periodic transverse-field Ising chain
/// `H = −J Σ σᶻᵢσᶻᵢ₊₁ − h Σ σˣᵢ` from its free-fermion solution (Pfeuty 1970):
/// `E₀ = −Σₙ √(J² + h² − 2Jh cos kₙ)`, `kₙ = π(2n+1)/N`, `n = 0 … N−1`
/// (the even-fermion-parity sector, which holds the ground state for `J, h ≥ 0`).
pub fn tfim_chain_periodic(n: usize, j: f64, h: f64) -> f64 {
    let nf = n as f64;
    -(0..n)
        .map(|k| {
            let kn = std::f64::consts::PI * (2 * k + 1) as f64 / nf;
            (j * j + h * h - 2.0 * j * h * kn.cos()).max(0.0).sqrt()
        })
        .sum::<f64>()
}

/// Heisenberg chain energy per site as `N → ∞` (Bethe 1931, Hulthén 1938), Pauli
/// units with coupling `J > 0`: `E₀/N = J (1 − 4 ln 2) ≈ −1.7725887 J`.
pub fn heisenberg_chain_bethe_per_site(j: f64) -> f64 {
    j * (1.0 - 4.0 * std::f64::consts::LN_2)
}

/// An exact reference energy with its provenance.
#[derive(Clone, Debug, PartialEq)]
pub struct Reference {
    /// Total ground-state energy.
    pub energy: f64,
    /// Where it comes from.
    pub method: &'static str,
}

/// The closed-form ground-state energy of `ham`, when one applies: the periodic TFIM
/// chain without longitudinal field (any signs of `J`, `h` on even chains; `J ≥ 0` on
/// odd ones, since an odd antiferromagnetic ring is frustrated).
pub fn closed_form_energy(ham: &Hamiltonian) -> Option<Reference> {
    let Model::Tfim { j, h, hz } = *ham.model() else {
        return None;
    };
    let Geometry::Chain {
        length,
        boundary: Boundary::Periodic,
    } = *ham.lattice().geometry()
    else {
        return None;
    };
    if hz != 0.0 || length < 3 || (j < 0.0 && length % 2 == 1) {
        return None;
    }
    Some(Reference {
        energy: tfim_chain_periodic(length, j.abs(), h.abs()),
        method: "free fermions (Pfeuty 1970)",
    })
}

/// The `N → ∞` Bethe-ansatz energy per site for an antiferromagnetic Heisenberg
/// chain, reported for comparison (finite chains lie below it for even `N`).
pub fn bethe_limit_per_site(ham: &Hamiltonian) -> Option<f64> {
    match (ham.model(), ham.lattice().geometry()) {
        (Model::Xxz { j, delta }, Geometry::Chain { .. }) if *delta == 1.0 && *j > 0.0 => {
            Some(heisenberg_chain_bethe_per_site(*j))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_value_n20() {
        let e = tfim_chain_periodic(20, 1.0, 1.0);
        assert!((e - (-25.49098968636475)).abs() < 1e-11, "{e}");
    }

    #[test]
    fn bethe_value() {
        assert!((heisenberg_chain_bethe_per_site(1.0) + 1.772588722239781).abs() < 1e-14);
    }
}
