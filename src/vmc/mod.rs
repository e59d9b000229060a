//! Variational Monte Carlo: local estimators, statistics, optimizers and the driver.

mod checkpoint;
mod driver;
mod jacobian;
pub(crate) mod linalg;
mod local_energy;
mod optimizer;
mod setup;
mod sr;
mod stats;

pub use checkpoint::{ChainState, Checkpoint};
pub use driver::{IterationLog, Stop, Vmc, VmcSettings};
pub use jacobian::Jacobian;
pub use linalg::cholesky_lower;
pub use local_energy::{check_compatible, local_value, EnergyAndJacobian, LocalValues};
pub use optimizer::{Decay, Gradient, Method, Optimizer, SrSpace};
pub use setup::{
    build_sampler, check_ground_state, ground_state, reference_energy, AnsatzKind, AnsatzSpec,
    GroundStateReport, GroundStateSpec, Projection, SamplerKind, SamplerSpec, REFERENCE_MAX_DIM,
};
pub use sr::{SrWorkspace, RESIDUAL_TOLERANCE};
pub use stats::{statistics, Stats};
