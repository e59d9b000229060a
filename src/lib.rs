//! # hamlet — learns Hamiltonians and solves with them
//!
//! Exact diagonalization of spin-½ Hamiltonians, neural-quantum-state variational Monte
//! Carlo, and Schrödinger networks that solve the equation by construction; nonadiabatic
//! dynamics to follow.
//!
//! Conventions (see the README): spins are `σᵢ = ±1`; operators are written with Pauli
//! matrices, as in NetKet, so `H = J Σ σᵢ·σⱼ` is four times the spin-½ `S·S` form;
//! energies are totals in units of the couplings unless a name says "per site".
//!
//! ```
//! use hamlet::{exact, hilbert::SpinHilbert, lattice::{Boundary, Lattice}, operator::Hamiltonian};
//! let chain = Lattice::chain(10, Boundary::Periodic).unwrap();
//! let tfim = Hamiltonian::tfim(chain, 1.0, 1.0, 0.0).unwrap();
//! let space = SpinHilbert::full(10).unwrap();
//! let spectrum = exact::solve(&tfim, &space, &exact::ExactOptions::default()).unwrap();
//! assert!((spectrum.energies[0] - exact::tfim_chain_periodic(10, 1.0, 1.0)).abs() < 1e-9);
//! ```

pub mod ansatz;
pub mod error;
pub mod exact;
pub mod hilbert;
pub mod io;
pub mod lattice;
pub mod nonadiabatic;
pub mod operator;
pub mod optim;
pub mod plot;
pub mod progress;
pub mod sampler;
pub mod scalar;
pub mod schrodinger;
pub mod vmc;

pub use error::{Error, Result};
