//! Time-dependent Schrödinger dynamics with networks that satisfy the equation by
//! construction: every unit of a [`PlaneWaveNet`] is a free-particle solution, and
//! every unit of an [`EigenbasisNet`] an eigenstate of the discretized Hamiltonian, so
//! training only has to fit the initial state ([`fit_lattice`], [`TensorFit`],
//! [`fit_trainable`]). References: the closed-form free Gaussian packet
//! ([`gaussian_packet`]), the harmonic coherent state ([`coherent_state`]) and
//! split-operator Fourier propagation ([`SplitOperator`]); the residual-loss PINN
//! ([`pinn::Pinn`]) is the baseline. [`solve`] runs a whole problem
//! ([`SchrodingerSpec`]) as `hamlet schrodinger` does.
//!
//! Units: `ħ` and the mass `m` are parameters (default 1); lengths, times and wave
//! vectors are in the matching units (`k` in inverse length, `ω = ħ|k|²/2m`).

mod eigenbasis;
mod fit;
mod initial;
mod packet;
pub mod pinn;
mod plane_wave;
mod potential;
mod solve;
mod split_operator;
mod trainable;

pub use eigenbasis::{coherent_state, EigenbasisNet};
pub use fit::{fit_lattice, fit_least_squares, Fit, Lattice1d, TensorFit};
pub use initial::{packet_overlap, Extent, InitialState, SampledState, Widths};
pub use packet::{gaussian_packet, GaussianPacket};
pub use plane_wave::{Evaluation, PlaneWaveNet, Units};
pub use potential::Potential;
pub use solve::{solve, Basis, Method, SchrodingerReport, SchrodingerSpec, TimeSample};
pub(crate) use split_operator::fft_wave_numbers;
pub use split_operator::{SplitOperator, SplitOperator2d};
pub use trainable::{fit_trainable, misfit_and_gradient, TrainableSettings};
