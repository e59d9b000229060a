//! Deterministic optimizers on a flat vector of real parameters, shared by the
//! trainable models: [`Adam`] (first-order, stochastic-friendly), [`Lbfgs`]
//! (quasi-Newton with a strong-Wolfe line search, for smooth full-batch losses) and
//! [`LevenbergMarquardt`] (damped Gauss–Newton, for small least-squares fits).
//!
//! Each solver does one iteration per call; the caller owns the loop, its stopping
//! rules and its observers.

mod adam;
mod lbfgs;
mod levenberg_marquardt;

pub use adam::Adam;
pub use lbfgs::{Lbfgs, LbfgsSettings, LbfgsStep};
pub use levenberg_marquardt::{LevenbergMarquardt, LmSettings, LmStep};
