//! Operators on spin-½ configurations through one primitive: connected elements.
//!
//! Every Hamiltonian and observable is compiled to a [`PauliSum`]; for a basis
//! state it lists `⟨σ'|H|σ⟩` for the few `σ'` reached by flipping spins. Exact
//! diagonalization, local energies and observables all use that one primitive.

mod models;
mod pauli;

pub use models::{sigma_z, zz_correlation, Hamiltonian, Model};
pub use pauli::{PauliString, PauliSum};
