//! Nonadiabatic dynamics: diabatic models `V(R)`, analytic ([`Tully1`], [`Tully2`],
//! [`Tully3`], [`LinearVibronic`]) or learned ([`DiabaticNet`], fitted by [`fit`] to
//! [`DiabaticData`]), and one adapter ([`adiabatic`]) that turns any of them into
//! adiabatic energies, forces and nonadiabatic couplings with continuous eigenvector
//! signs.
//!
//! Units: atomic units (hartree, bohr); the nuclear mass enters only the dynamics.

mod adiabatic;
mod data;
mod diabatization;
mod electronic;
mod ensemble;
mod frame;
mod hopping;
mod intersection;
mod loss;
mod models;
mod net;
mod streams;
mod train;
mod wavepacket;

pub use adiabatic::{adiabatic, Adiabatic, DEGENERACY_GAP};
pub use data::{DiabaticData, Sampling};
pub use diabatization::{propagate, Propagated};
pub use ensemble::{
    run_ensemble, EnsembleSettings, HoppingStatistics, InitialSampling, Populations,
};
pub use frame::Frame;
pub use hopping::{
    default_time_step, Decoherence, Exit, FrustratedHop, HopSettings, Outcome, Trajectory,
};
pub use intersection::{cone_profile, find_intersection, winding_number, Intersection};
pub use loss::{
    point_loss, LossScales, LossWeights, PointReference, SquaredResiduals, TermFactors,
};
pub use models::{
    analytic_model, DiabaticModel, LinearVibronic, Tully1, Tully2, Tully3, MODEL_NAMES,
};
pub use net::{entry_index, Activation, Architecture, DiabaticNet, Forward, Scaling};
pub use train::{
    fit, loss_scales, metrics, scaling_from, split, FitCheck, FitMetrics, FitReport, FitSettings,
    Refiner,
};
pub use wavepacket::{
    interaction_region, scatter, Branching, PacketSettings, WavePacket, MOMENTUM_WIDTH_RATIO,
};
