//! Variational Monte Carlo: local estimators, statistics, optimizers and the driver.

mod driver;
mod jacobian;
mod local_energy;
mod optimizer;
mod setup;
mod stats;

pub use driver::{IterationLog, Stop, Vmc, VmcSettings};
pub use jacobian::Jacobian;
pub use local_energy::{check_compatible, local_value, EnergyAndJacobian, LocalValues};
pub use optimizer::{Gradient, Method, Optimizer, SrSpace};
pub use setup::{
    build_sampler, ground_state, reference_energy, AnsatzKind, AnsatzSpec, GroundStateReport,
    GroundStateSpec, SamplerKind, SamplerSpec, REFERENCE_MAX_DIM,
};
pub use stats::{statistics, Stats};
