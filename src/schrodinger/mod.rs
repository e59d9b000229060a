//! Time-dependent Schrödinger dynamics with networks that satisfy the equation by
//! construction: every unit of a [`PlaneWaveNet`] is a free-particle solution, so
//! training only has to fit the initial state ([`fit_lattice`]). References: the
//! closed-form free Gaussian packet ([`gaussian_packet`]), the harmonic coherent state
//! ([`coherent_state`]) and split-operator Fourier propagation ([`SplitOperator`]).
//!
//! Units: `ħ` and the mass `m` are parameters (default 1); lengths, times and wave
//! vectors are in the matching units (`k` in inverse length, `ω = ħ|k|²/2m`).

mod eigenbasis;
mod fit;
mod packet;
mod plane_wave;
mod split_operator;

pub use eigenbasis::{coherent_state, EigenbasisNet};
pub use fit::{fit_lattice, fit_least_squares, Fit, Lattice1d, TensorFit};
pub use packet::{gaussian_packet, GaussianPacket};
pub use plane_wave::{Evaluation, PlaneWaveNet, Units};
pub use split_operator::SplitOperator;
