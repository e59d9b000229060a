//! Parameter updates from a batch of samples: SGD, Adam, stochastic reconfiguration
//! (SR) and minSR.
//!
//! With sample weights `w_s` (`1/Ns` for Markov chains), local energies `E_s`, their
//! mean `Ē`, and centred log-derivatives `Ō_{sk} = O_{sk} − Σ_r w_r O_{rk}`:
//!
//! - force `F_k = Σ_s w_s conj(Ō_{sk}) (E_s − Ē) = ⟨O_k* E⟩ − ⟨O_k*⟩⟨E⟩`;
//! - quantum geometric tensor `S_{kl} = Σ_s w_s conj(Ō_{sk}) Ō_{sl}`;
//! - SR update `δθ = −η (S + εI)⁻¹ F`.
//!
//! Any update can be limited to a Fubini–Study length `ℓ = (δθ† S δθ)^{1/2} ≤ ℓ_max`
//! ([`Optimizer::max_step`]): a longer one is scaled down. The first SR steps from
//! near-zero weights (where `S` is tiny next to the diagonal shift) are otherwise
//! long enough (ℓ ≈ 0.5–3 measured on Heisenberg rings) to freeze the Markov chains.
//!
//! Convention (as NetKet): complex parameters are holomorphic and use `F` as is; real
//! parameters (real ψ) use the true energy gradient `2 Re F`.
//!
//! SR is solved exactly by Cholesky in whichever space is cheaper. With `Õ_{sk} = √w_s Ō_{sk}`
//! and `ε̃_s = √w_s (E_s − Ē)`, the identity `(ÕᴴÕ + εI)⁻¹Õᴴ = Õᴴ(ÕÕᴴ + εI)⁻¹` gives the
//! same `δθ` from the `Ns × Ns` sample-space kernel when `Ns < P`. minSR (Chen & Heyl,
//! Nat. Phys. 20, 1476 (2024)) replaces the inverse of the kernel by a pseudo-inverse
//! with relative cut-off `rcond`.

use super::jacobian::Jacobian;
use super::sr::{SrProblem, SrWorkspace};
use crate::error::{Error, Result};
use crate::scalar::Scalar;

/// Which space SR is solved in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SrSpace {
    /// The cheaper of the two, by flop count.
    Auto,
    /// `P × P` matrix `S`.
    Parameters,
    /// `Ns × Ns` kernel.
    Samples,
}

/// Update rule with its settings.
#[derive(Clone, Debug, PartialEq)]
pub enum Method {
    /// `δθ = −η F`.
    Sgd,
    /// Adam (Kingma & Ba 2015) on `F`.
    Adam {
        beta1: f64,
        beta2: f64,
        epsilon: f64,
    },
    /// Stochastic reconfiguration with diagonal shift `ε`.
    Sr { diag_shift: f64, space: SrSpace },
    /// minSR: sample-space pseudo-inverse with relative cut-off.
    MinSr { rcond: f64 },
}

impl Method {
    /// Name as in decks.
    pub fn name(&self) -> &'static str {
        match self {
            Method::Sgd => "sgd",
            Method::Adam { .. } => "adam",
            Method::Sr { .. } => "sr",
            Method::MinSr { .. } => "minsr",
        }
    }
}

/// An optimizer with its state (Adam moments, step count).
#[derive(Clone, Debug)]
pub struct Optimizer<T: Scalar> {
    /// Update rule.
    pub method: Method,
    /// Learning rate `η`.
    pub learning_rate: f64,
    /// Largest Fubini–Study length of an update ([`step_length`]); a longer update is
    /// scaled down to it (a trust region). `None`: no limit.
    pub max_step: Option<f64>,
    /// Learning-rate decay ([`Decay`]); `None`: constant rate.
    pub decay: Option<Decay>,
    last_step_length: f64,
    moment1: Vec<T>,
    moment2: Vec<f64>,
    steps: u64,
    workspace: SrWorkspace<T>,
}

/// Geometric learning-rate decay: update `t` (from 0) uses
/// `η_t = η₀ (η_f/η₀)^{min(t/T, 1)}`, so the rate falls smoothly from `η₀` to
/// `final_rate` `η_f` over the first `steps` `T` updates and stays there.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Decay {
    /// Rate reached after `steps` updates.
    pub final_rate: f64,
    /// Number of updates over which the rate decays.
    pub steps: u64,
}

/// Everything an update needs from a batch.
pub struct Gradient<'a, T: Scalar> {
    /// Log-derivatives of the samples.
    pub jacobian: &'a Jacobian<T>,
    /// Local energies.
    pub local_energies: &'a [T],
    /// Sample weights (sum to one).
    pub weights: &'a [f64],
}

impl<T: Scalar> Optimizer<T> {
    /// An optimizer; `learning_rate` and the method's settings must be positive.
    pub fn new(method: Method, learning_rate: f64) -> Result<Self> {
        if !(learning_rate > 0.0 && learning_rate.is_finite()) {
            return Err(Error::invalid(
                "optimizer.learning_rate",
                format!("{learning_rate} must be positive, e.g. 0.05"),
            ));
        }
        match &method {
            Method::Sr { diag_shift, .. } if !(*diag_shift >= 0.0 && diag_shift.is_finite()) => {
                return Err(Error::invalid(
                    "optimizer.diag_shift",
                    format!("{diag_shift} must be non-negative, e.g. 0.01"),
                ))
            }
            Method::MinSr { rcond } if !(*rcond > 0.0 && *rcond < 1.0) => {
                return Err(Error::invalid(
                    "optimizer.rcond",
                    format!("{rcond} must lie in (0, 1), e.g. 1e-10"),
                ))
            }
            Method::Adam {
                beta1,
                beta2,
                epsilon,
            } if !((0.0..1.0).contains(beta1) && (0.0..1.0).contains(beta2) && *epsilon > 0.0) => {
                return Err(Error::invalid(
                    "optimizer.beta1",
                    "Adam needs 0 <= beta1, beta2 < 1 and epsilon > 0",
                ))
            }
            _ => {}
        }
        Ok(Self {
            method,
            learning_rate,
            max_step: None,
            decay: None,
            last_step_length: 0.0,
            moment1: Vec::new(),
            moment2: Vec::new(),
            steps: 0,
            workspace: SrWorkspace::default(),
        })
    }

    /// Limits every update to a Fubini–Study length of `max_step` (`None`: no limit);
    /// the limit must be positive.
    pub fn with_max_step(mut self, max_step: Option<f64>) -> Result<Self> {
        if let Some(limit) = max_step {
            if !(limit > 0.0 && limit.is_finite()) {
                return Err(Error::invalid(
                    "optimizer.max_step",
                    format!("{limit} must be positive (e.g. 0.1), or 0 for no limit"),
                ));
            }
        }
        self.max_step = max_step;
        Ok(self)
    }

    /// Lets the learning rate decay geometrically (`None`: constant); the final rate
    /// must be positive and the decay must span at least one update.
    pub fn with_decay(mut self, decay: Option<Decay>) -> Result<Self> {
        if let Some(d) = decay {
            if !(d.final_rate > 0.0 && d.final_rate.is_finite()) {
                return Err(Error::invalid(
                    "optimizer.final_learning_rate",
                    format!("{} must be positive, e.g. 0.002", d.final_rate),
                ));
            }
            if d.steps == 0 {
                return Err(Error::invalid(
                    "optimizer.decay_iterations",
                    "must be at least 1 (the number of updates over which the rate decays)",
                ));
            }
        }
        self.decay = decay;
        Ok(self)
    }

    /// The learning rate of the next update.
    pub fn rate(&self) -> f64 {
        match self.decay {
            None => self.learning_rate,
            Some(d) => {
                let progress = (self.steps as f64 / d.steps as f64).min(1.0);
                self.learning_rate * (d.final_rate / self.learning_rate).powf(progress)
            }
        }
    }

    /// Number of updates made.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// Fubini–Study length of the last update, after the limit.
    pub fn last_step_length(&self) -> f64 {
        self.last_step_length
    }

    /// The parameter change `δθ` for this batch.
    pub fn update(&mut self, g: &Gradient<'_, T>) -> Result<Vec<T>> {
        let mean: T = g
            .local_energies
            .iter()
            .zip(g.weights)
            .map(|(&e, &w)| e * w)
            .sum();
        let scale = if T::COMPLEX { 1.0 } else { 2.0 };
        // Σ_s w_s (E_s − Ē) = 0, so the force needs no centred Jacobian.
        let z: Vec<T> = g
            .local_energies
            .iter()
            .zip(g.weights)
            .map(|(&e, &w)| (e - mean) * (w * scale))
            .collect();
        // Sample-space SR never needs the force itself.
        let force_needed = !matches!(
            self.method,
            Method::Sr {
                space: SrSpace::Samples,
                ..
            } | Method::MinSr { .. }
        ) && !self.sample_space_chosen(g);
        let force = if force_needed {
            g.jacobian.adjoint_apply(&z)
        } else {
            Vec::new()
        };
        let (mut residuals, mut mean_adjoint) = (Vec::new(), Vec::new());
        if matches!(self.method, Method::Sr { .. } | Method::MinSr { .. }) {
            let weights: Vec<T> = g.weights.iter().map(|&w| T::from_real(w)).collect();
            mean_adjoint = g.jacobian.adjoint_apply(&weights);
        }
        let eta = self.rate();
        let delta = match self.method.clone() {
            Method::Sgd => force.iter().map(|&f| f * -eta).collect(),
            Method::Adam {
                beta1,
                beta2,
                epsilon,
            } => self.adam(&force, eta, beta1, beta2, epsilon),
            Method::Sr { diag_shift, space } => {
                let use_samples = match space {
                    SrSpace::Samples => true,
                    SrSpace::Parameters => false,
                    SrSpace::Auto => self.sample_space_chosen(g),
                };
                let problem = sr_problem(g, mean, scale, &mean_adjoint, &mut residuals);
                let natural = if use_samples {
                    self.workspace.sample_space(&problem, diag_shift)?
                } else {
                    self.workspace
                        .parameter_space(&problem, &force, diag_shift)?
                };
                natural.iter().map(|&d| d * -eta).collect()
            }
            Method::MinSr { rcond } => self
                .workspace
                .sample_space_pseudo(
                    &sr_problem(g, mean, scale, &mean_adjoint, &mut residuals),
                    rcond,
                )?
                .iter()
                .map(|&d| d * -eta)
                .collect::<Vec<T>>(),
        };
        if delta.iter().any(|d| !d.is_finite()) {
            return Err(Error::Numerical(
                "the parameter update is not finite (NaN or infinity); lower the learning \
                 rate or raise optimizer.diag_shift"
                    .into(),
            ));
        }
        let length = step_length(g, &delta);
        let delta = match self.max_step {
            Some(limit) if length > limit => {
                self.last_step_length = limit;
                delta.iter().map(|&d| d * (limit / length)).collect()
            }
            _ => {
                self.last_step_length = length;
                delta
            }
        };
        self.steps += 1;
        Ok(delta)
    }

    /// Whether automatic SR works in sample space: when building and factoring the
    /// `Ns × Ns` kernel costs fewer flops than the `P × P` matrix `S`.
    fn sample_space_chosen(&self, g: &Gradient<'_, T>) -> bool {
        match self.method {
            Method::Sr {
                space: SrSpace::Auto,
                ..
            } => {
                let (ns, p) = (g.jacobian.n_samples() as f64, g.jacobian.n_params() as f64);
                let k = g.jacobian.kernel_width() as f64;
                ns * ns * k + ns.powi(3) / 3.0 < ns * p * p + p.powi(3) / 3.0
            }
            _ => false,
        }
    }

    fn adam(&mut self, grad: &[T], eta: f64, beta1: f64, beta2: f64, epsilon: f64) -> Vec<T> {
        if self.moment1.len() != grad.len() {
            self.moment1 = vec![T::zero(); grad.len()];
            self.moment2 = vec![0.0; grad.len()];
        }
        let t = (self.steps + 1) as i32;
        let (c1, c2) = (1.0 - beta1.powi(t), 1.0 - beta2.powi(t));
        grad.iter()
            .zip(self.moment1.iter_mut().zip(self.moment2.iter_mut()))
            .map(|(&g, (m, v))| {
                *m = *m * beta1 + g * (1.0 - beta1);
                *v = beta2 * *v + (1.0 - beta2) * g.abs2();
                *m * (-eta / c1 / ((*v / c2).sqrt() + epsilon))
            })
            .collect()
    }

    /// Adam moments and step count (for checkpoints).
    pub fn state(&self) -> (&[T], &[f64], u64) {
        (&self.moment1, &self.moment2, self.steps)
    }

    /// Restores the state saved by [`Self::state`].
    pub fn restore_state(&mut self, moment1: Vec<T>, moment2: Vec<f64>, steps: u64) {
        self.moment1 = moment1;
        self.moment2 = moment2;
        self.steps = steps;
    }
}

/// Fubini–Study length of the update `δθ` on the batch,
/// `ℓ = (Σ_s w_s |Σ_k Ō_{sk} δθ_k|²)^{1/2} = (δθ† S δθ)^{1/2}`: to first order, the
/// angle between `ψ_θ` and `ψ_{θ+δθ}` (radians), estimated on the samples. Real
/// parameters of a real ψ use the same formula.
fn step_length<T: Scalar>(g: &Gradient<'_, T>, delta: &[T]) -> f64 {
    let change = g.jacobian.apply(delta);
    let mean: T = change.iter().zip(g.weights).map(|(&x, &w)| x * w).sum();
    change
        .iter()
        .zip(g.weights)
        .map(|(&x, &w)| (x - mean).abs2() * w)
        .sum::<f64>()
        .sqrt()
}

/// The SR data of a batch: `residuals` receives `√w_s (E_s − Ē)·scale`.
fn sr_problem<'a, T: Scalar>(
    g: &Gradient<'a, T>,
    mean: T,
    scale: f64,
    mean_adjoint: &'a [T],
    residuals: &'a mut Vec<T>,
) -> SrProblem<'a, T> {
    *residuals = g
        .local_energies
        .iter()
        .zip(g.weights)
        .map(|(&e, &w)| (e - mean) * (w.sqrt() * scale))
        .collect();
    SrProblem {
        jacobian: g.jacobian,
        weights: g.weights,
        residuals,
        mean_adjoint,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rates(decay: Option<Decay>, n: u64) -> Vec<f64> {
        let mut opt = Optimizer::<f64>::new(Method::Sgd, 0.1)
            .unwrap()
            .with_decay(decay)
            .unwrap();
        (0..n)
            .map(|t| {
                opt.restore_state(Vec::new(), Vec::new(), t);
                opt.rate()
            })
            .collect()
    }

    #[test]
    fn the_learning_rate_decays_geometrically_then_stays() {
        let decay = Decay {
            final_rate: 0.001,
            steps: 4,
        };
        let expected = [
            0.1,
            0.1 * 0.1f64.sqrt(),
            0.01,
            0.001 * 10f64.sqrt(),
            0.001,
            0.001,
        ];
        for (got, want) in rates(Some(decay), 6).iter().zip(expected) {
            assert!((got / want - 1.0).abs() < 1e-12, "{got} against {want}");
        }
        assert!(rates(None, 3).iter().all(|&r| r == 0.1));
    }

    #[test]
    fn impossible_decays_are_refused_by_name() {
        let opt = || Optimizer::<f64>::new(Method::Sgd, 0.1).unwrap();
        let bad = |d| match opt().with_decay(Some(d)) {
            Err(e) => e.to_string(),
            Ok(_) => panic!("{d:?} accepted"),
        };
        assert!(bad(Decay {
            final_rate: -1.0,
            steps: 3
        })
        .contains("optimizer.final_learning_rate"));
        assert!(bad(Decay {
            final_rate: 0.01,
            steps: 0
        })
        .contains("optimizer.decay_iterations"));
    }
}
