//! Nonadiabatic dynamics: diabatic models `V(R)` (analytic, and learned in a later
//! release), and one adapter that turns any of them into adiabatic energies, forces
//! and nonadiabatic couplings with continuous eigenvector signs.
//!
//! Units: atomic units (hartree, bohr); the nuclear mass enters only the dynamics.

mod adiabatic;
mod data;
mod loss;
mod models;
mod net;
mod train;

pub use adiabatic::{adiabatic, Adiabatic, DEGENERACY_GAP};
pub use data::DiabaticData;
pub use loss::{
    point_loss, LossScales, LossWeights, PointReference, SquaredResiduals, TermFactors,
};
pub use models::{DiabaticModel, LinearVibronic, Tully1, Tully2, Tully3};
pub use net::{entry_index, Activation, Architecture, DiabaticNet, Forward, Scaling};
pub use train::{
    fit, loss_scales, metrics, scaling_from, split, FitCheck, FitMetrics, FitReport, FitSettings,
    Refiner,
};
