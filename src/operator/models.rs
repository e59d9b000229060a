//! Spin Hamiltonians on a lattice, in Pauli units (as NetKet):
//!
//! - transverse-field Ising: `H = −J Σ⟨ij⟩ σᶻᵢσᶻⱼ − h Σᵢ σˣᵢ − h_z Σᵢ σᶻᵢ`
//! - XXZ / Heisenberg: `H = J Σ⟨ij⟩ (σˣᵢσˣⱼ + σʸᵢσʸⱼ + Δ σᶻᵢσᶻⱼ)` (Heisenberg: `Δ = 1`)
//! - J1-J2: `H = J Σ⟨ij⟩ σᵢ·σⱼ + J₂ Σ⟨⟨ij⟩⟩ σᵢ·σⱼ`
//! - any sum of Pauli strings with real coefficients.
//!
//! Energies are in units of the couplings; spin-½ units (`S = σ/2`) are ¼ of these
//! for the two-body terms.

use super::pauli::{PauliString, PauliSum};
use crate::error::{Error, Result};
use crate::lattice::Lattice;

/// The physical model behind a [`Hamiltonian`], with its couplings.
#[derive(Clone, Debug, PartialEq)]
pub enum Model {
    /// Transverse-field Ising model.
    Tfim { j: f64, h: f64, hz: f64 },
    /// XXZ model (`delta = 1`: Heisenberg).
    Xxz { j: f64, delta: f64 },
    /// Heisenberg model with nearest (`j`) and next-nearest (`j2`) couplings.
    J1J2 { j: f64, j2: f64 },
    /// User-given sum of Pauli strings.
    Pauli,
}

impl Model {
    /// Name used in decks and reports.
    pub fn name(&self) -> &'static str {
        match self {
            Model::Tfim { .. } => "tfim",
            Model::Xxz { delta, .. } if *delta == 1.0 => "heisenberg",
            Model::Xxz { .. } => "xxz",
            Model::J1J2 { .. } => "j1j2",
            Model::Pauli => "pauli",
        }
    }
}

/// A Hamiltonian: the model, its lattice, and the compiled operator.
#[derive(Clone, Debug)]
pub struct Hamiltonian {
    model: Model,
    lattice: Lattice,
    operator: PauliSum,
    sign_rule: bool,
}

impl Hamiltonian {
    /// Transverse-field Ising model on the lattice's nearest-neighbour bonds.
    pub fn tfim(lattice: Lattice, j: f64, h: f64, hz: f64) -> Result<Self> {
        finite("hamiltonian.J", j)?;
        finite("hamiltonian.h", h)?;
        finite("hamiltonian.hz", hz)?;
        let mut strings = bonds_terms(lattice.bonds(), &[("ZZ", -j)]);
        for i in 0..lattice.n_sites() {
            strings.push(one_site("X", i, -h));
            strings.push(one_site("Z", i, -hz));
        }
        let operator = PauliSum::new(lattice.n_sites(), &strings)?;
        Ok(Self {
            model: Model::Tfim { j, h, hz },
            lattice,
            operator,
            sign_rule: false,
        })
    }

    /// XXZ model; `sign_rule` applies the Marshall sign rule (needs a bipartite lattice).
    pub fn xxz(lattice: Lattice, j: f64, delta: f64, sign_rule: bool) -> Result<Self> {
        finite("hamiltonian.J", j)?;
        finite("hamiltonian.delta", delta)?;
        let strings = bonds_terms(lattice.bonds(), &[("XX", j), ("YY", j), ("ZZ", delta * j)]);
        Self::heisenberg_like(Model::Xxz { j, delta }, lattice, strings, sign_rule)
    }

    /// J1-J2 Heisenberg model on nearest and next-nearest bonds.
    pub fn j1j2(lattice: Lattice, j: f64, j2: f64, sign_rule: bool) -> Result<Self> {
        finite("hamiltonian.J", j)?;
        finite("hamiltonian.J2", j2)?;
        if lattice.next_nearest_bonds().is_empty() && j2 != 0.0 {
            return Err(Error::invalid(
                "hamiltonian.J2",
                "the lattice has no next-nearest bonds (add system.next_nearest for an edge list)",
            ));
        }
        let mut strings = bonds_terms(lattice.bonds(), &[("XX", j), ("YY", j), ("ZZ", j)]);
        strings.extend(bonds_terms(
            lattice.next_nearest_bonds(),
            &[("XX", j2), ("YY", j2), ("ZZ", j2)],
        ));
        Self::heisenberg_like(Model::J1J2 { j, j2 }, lattice, strings, sign_rule)
    }

    /// A user-given sum of Pauli strings on the lattice's sites.
    pub fn pauli(lattice: Lattice, strings: &[PauliString], sign_rule: bool) -> Result<Self> {
        if strings.is_empty() {
            return Err(Error::invalid(
                "hamiltonian.terms",
                "no terms; give e.g. terms = [{ coeff = 1.0, ops = \"ZZ\", sites = [0, 1] }]",
            ));
        }
        Self::heisenberg_like(Model::Pauli, lattice, strings.to_vec(), sign_rule)
    }

    fn heisenberg_like(
        model: Model,
        lattice: Lattice,
        strings: Vec<PauliString>,
        sign_rule: bool,
    ) -> Result<Self> {
        let mut operator = PauliSum::new(lattice.n_sites(), &strings)?;
        if sign_rule {
            let Some(sublattice) = lattice.bipartition() else {
                return Err(Error::invalid(
                    "hamiltonian.marshall_sign",
                    format!(
                        "the {} is not bipartite, so the Marshall sign rule is undefined; \
                         set marshall_sign = false",
                        lattice.describe()
                    ),
                ));
            };
            operator = operator.with_sign_rule(sublattice);
        }
        Ok(Self {
            model,
            lattice,
            operator,
            sign_rule,
        })
    }

    /// The model and its couplings.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// The lattice.
    pub fn lattice(&self) -> &Lattice {
        &self.lattice
    }

    /// The compiled operator.
    pub fn operator(&self) -> &PauliSum {
        &self.operator
    }

    /// Whether the Marshall sign rule was applied.
    pub fn sign_rule(&self) -> bool {
        self.sign_rule
    }

    /// Number of sites.
    pub fn n_sites(&self) -> usize {
        self.lattice.n_sites()
    }
}

fn finite(key: &str, v: f64) -> Result<()> {
    if v.is_finite() {
        Ok(())
    } else {
        Err(Error::invalid(key, format!("{v} is not a finite number")))
    }
}

fn one_site(op: &str, i: usize, coeff: f64) -> PauliString {
    PauliString {
        coeff,
        ops: op.into(),
        sites: vec![i],
    }
}

fn bonds_terms(bonds: &[(usize, usize)], ops: &[(&str, f64)]) -> Vec<PauliString> {
    bonds
        .iter()
        .flat_map(|&(i, j)| {
            ops.iter().map(move |&(op, coeff)| PauliString {
                coeff,
                ops: op.into(),
                sites: vec![i, j],
            })
        })
        .collect()
}

/// `σᶻᵢ` as an operator (for observables).
pub fn sigma_z(n_sites: usize, i: usize) -> Result<PauliSum> {
    PauliSum::new(n_sites, &[one_site("Z", i, 1.0)])
}

/// `σᶻᵢ σᶻⱼ` as an operator (for correlations).
pub fn zz_correlation(n_sites: usize, i: usize, j: usize) -> Result<PauliSum> {
    if i == j {
        return PauliSum::new(n_sites, &[one_site("I", i, 1.0)]);
    }
    PauliSum::new(
        n_sites,
        &[PauliString {
            coeff: 1.0,
            ops: "ZZ".into(),
            sites: vec![i, j],
        }],
    )
}
