//! Nonadiabatic dynamics: diabatic models `V(R)` (analytic, and learned in a later
//! release), and one adapter that turns any of them into adiabatic energies, forces
//! and nonadiabatic couplings with continuous eigenvector signs.
//!
//! Units: atomic units (hartree, bohr); the nuclear mass enters only the dynamics.

mod adiabatic;
mod models;

pub use adiabatic::{adiabatic, Adiabatic, DEGENERACY_GAP};
pub use models::{DiabaticModel, LinearVibronic, Tully1, Tully2, Tully3};
