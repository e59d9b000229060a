//! Ensembles of surface-hopping trajectories: initial conditions, a parallel run in
//! which trajectory `i` draws every random number from its own stream
//! ([`super::streams::stream_seed`] of `(seed, i + 1)`), so results do not depend on
//! the thread count, and the statistics: branching probabilities with binomial errors
//! `√(P(1 − P)/N)`, and populations against time.

use super::hopping::{Exit, HopSettings, Outcome, Trajectory};
use super::models::DiabaticModel;
use super::streams::stream_seed;
use crate::error::{Error, Result};
use rand::SeedableRng;
use rand_distr::{Distribution, Normal};
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;

/// How initial positions and momenta are drawn.
#[derive(Clone, Debug, PartialEq)]
pub enum InitialSampling {
    /// Every trajectory starts at the given position and momentum.
    Fixed,
    /// The Wigner distribution of the Gaussian packet
    /// `ψ ∝ exp(−(R − R₀)²/4σ² + ik·R)`: `R ~ N(R₀, σ²)`, `p ~ N(k, 1/4σ²)` per
    /// coordinate (bohr).
    Wigner {
        /// `σ` per coordinate (bohr).
        sigma: Vec<f64>,
    },
}

/// An ensemble run.
#[derive(Clone, Debug, PartialEq)]
pub struct EnsembleSettings {
    /// Trajectory settings.
    pub hop: HopSettings,
    /// Initial position `R₀` (bohr).
    pub position: Vec<f64>,
    /// Initial momentum `ħk` (a.u.).
    pub momentum: Vec<f64>,
    /// Initial distribution around them.
    pub sampling: InitialSampling,
    /// Initial adiabatic state.
    pub state: usize,
    /// Number of trajectories.
    pub trajectories: usize,
    /// Seed of every trajectory's stream.
    pub seed: u64,
    /// Populations are recorded every this many steps (0: not recorded).
    pub record_every: usize,
}

/// Populations against time, averaged over the ensemble (a finished trajectory keeps
/// its last values).
#[derive(Clone, Debug, PartialEq)]
pub struct Populations {
    /// Times (a.u.).
    pub times: Vec<f64>,
    /// Fraction of trajectories on each state, `[t][i]`.
    pub active: Vec<f64>,
    /// Mean `|cᵢ|²`, `[t][i]`.
    pub electronic: Vec<f64>,
}

/// Statistics of an ensemble.
#[derive(Clone, Debug, PartialEq)]
pub struct HoppingStatistics {
    /// Number of trajectories.
    pub trajectories: usize,
    /// Trajectories transmitted on each final state.
    pub transmitted: Vec<usize>,
    /// Trajectories reflected on each final state.
    pub reflected: Vec<usize>,
    /// Trajectories still inside after `max_steps`.
    pub unfinished: usize,
    /// Successful hops, all trajectories.
    pub hops: usize,
    /// Frustrated hops, all trajectories.
    pub frustrated: usize,
    /// Nuclear steps, all trajectories.
    pub steps: usize,
    /// Largest total-energy drift of any trajectory (hartree).
    pub energy_drift: f64,
    /// Largest electronic norm drift of any trajectory.
    pub norm_drift: f64,
    /// Populations against time, if recorded.
    pub populations: Option<Populations>,
}

impl HoppingStatistics {
    /// `(P, √(P(1 − P)/N))` for a count.
    pub fn probability(&self, count: usize) -> (f64, f64) {
        let n = self.trajectories as f64;
        let p = count as f64 / n;
        (p, (p * (1.0 - p) / n).sqrt())
    }
}

impl EnsembleSettings {
    /// Checks the settings against `model`, naming the field at fault.
    pub fn check(&self, model: &dyn DiabaticModel) -> Result<()> {
        self.hop.check()?;
        let d = model.n_dims();
        if self.position.len() != d || self.momentum.len() != d {
            return Err(Error::invalid(
                "initial",
                format!(
                    "the model has {d} coordinate(s): give {d} position and momentum component(s)"
                ),
            ));
        }
        if self.trajectories == 0 {
            return Err(Error::invalid(
                "trajectories",
                "0 trajectories: run at least 1 (thousands for probabilities to ±0.01)",
            ));
        }
        if self.state >= model.n_states() {
            return Err(Error::invalid(
                "initial_state",
                format!(
                    "state {} does not exist; the model has {} states",
                    self.state,
                    model.n_states()
                ),
            ));
        }
        if let InitialSampling::Wigner { sigma } = &self.sampling {
            if sigma.len() != d || !sigma.iter().all(|s| *s > 0.0 && s.is_finite()) {
                return Err(Error::invalid(
                    "sigma",
                    format!("give {d} positive packet width(s) in bohr"),
                ));
            }
        }
        Ok(())
    }
}

/// Draws trajectory `index`'s initial position and momentum and runs it.
fn run_one(
    model: &dyn DiabaticModel,
    settings: &EnsembleSettings,
    index: usize,
) -> Result<Outcome> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(stream_seed(settings.seed, index as u64 + 1));
    let (mut position, mut momentum) = (settings.position.clone(), settings.momentum.clone());
    if let InitialSampling::Wigner { sigma } = &settings.sampling {
        for k in 0..position.len() {
            let x = Normal::new(position[k], sigma[k]).expect("checked width");
            let p = Normal::new(momentum[k], 0.5 / sigma[k]).expect("checked width");
            position[k] = x.sample(&mut rng);
            momentum[k] = p.sample(&mut rng);
        }
    }
    let velocity: Vec<f64> = momentum.iter().map(|p| p / settings.hop.mass).collect();
    Trajectory::new(model, &settings.hop, &position, &velocity, settings.state)?
        .run(&mut rng, settings.record_every)
}

/// Runs the ensemble in parallel and gathers its statistics.
pub fn run_ensemble(
    model: &dyn DiabaticModel,
    settings: &EnsembleSettings,
) -> Result<HoppingStatistics> {
    settings.check(model)?;
    let outcomes: Vec<Outcome> = (0..settings.trajectories)
        .into_par_iter()
        .map(|i| run_one(model, settings, i))
        .collect::<Result<_>>()?;
    let n = model.n_states();
    let mut statistics = HoppingStatistics {
        trajectories: settings.trajectories,
        transmitted: vec![0; n],
        reflected: vec![0; n],
        unfinished: 0,
        hops: 0,
        frustrated: 0,
        steps: 0,
        energy_drift: 0.0,
        norm_drift: 0.0,
        populations: None,
    };
    for o in &outcomes {
        match o.exit {
            Exit::Transmitted => statistics.transmitted[o.state] += 1,
            Exit::Reflected => statistics.reflected[o.state] += 1,
            Exit::Unfinished => statistics.unfinished += 1,
        }
        statistics.hops += o.hops;
        statistics.frustrated += o.frustrated;
        statistics.steps += o.steps;
        statistics.energy_drift = statistics.energy_drift.max(o.energy_drift);
        statistics.norm_drift = statistics.norm_drift.max(o.norm_drift);
    }
    if settings.record_every > 0 {
        statistics.populations = Some(populations(&outcomes, n, settings));
    }
    Ok(statistics)
}

fn populations(outcomes: &[Outcome], n: usize, settings: &EnsembleSettings) -> Populations {
    let length = outcomes.iter().map(|o| o.record.len()).max().unwrap_or(0);
    let mut active = vec![0.0; length * n];
    let mut electronic = vec![0.0; length * n];
    let weight = 1.0 / outcomes.len() as f64;
    for o in outcomes {
        for t in 0..length {
            let (state, p) = &o.record[t.min(o.record.len() - 1)];
            active[t * n + state] += weight;
            for i in 0..n {
                electronic[t * n + i] += weight * p[i];
            }
        }
    }
    Populations {
        times: (0..length)
            .map(|t| (t * settings.record_every) as f64 * settings.hop.dt)
            .collect(),
        active,
        electronic,
    }
}
