//! Ensembles of surface-hopping trajectories: initial conditions, a parallel run in
//! which trajectory `i` draws every random number from its own stream
//! ([`super::streams::stream_seed`] of `(seed, i + 1)`), so results do not depend on
//! the thread count, and the statistics: branching probabilities with binomial errors
//! `√(P(1 − P)/N)`, and populations against time.

use super::hopping::{Exit, HopSettings, Outcome, Trajectory};
use super::models::DiabaticModel;
use super::streams::stream_seed;
use crate::error::{Error, Result};
use rand::{Rng, SeedableRng};
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

/// Initial position and momentum (bohr, ħ/bohr): the settings' values, or a draw from
/// the Wigner distribution of the Gaussian packet.
fn initial_conditions(settings: &EnsembleSettings, rng: &mut impl Rng) -> (Vec<f64>, Vec<f64>) {
    let (mut position, mut momentum) = (settings.position.clone(), settings.momentum.clone());
    if let InitialSampling::Wigner { sigma } = &settings.sampling {
        for k in 0..position.len() {
            let x = Normal::new(position[k], sigma[k]).expect("checked width");
            let p = Normal::new(momentum[k], 0.5 / sigma[k]).expect("checked width");
            position[k] = x.sample(rng);
            momentum[k] = p.sample(rng);
        }
    }
    (position, momentum)
}

/// Draws trajectory `index`'s initial position and momentum and runs it.
fn run_one(
    model: &dyn DiabaticModel,
    settings: &EnsembleSettings,
    index: usize,
) -> Result<Outcome> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(stream_seed(settings.seed, index as u64 + 1));
    let (position, momentum) = initial_conditions(settings, &mut rng);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nonadiabatic::{Decoherence, FrustratedHop};

    fn settings(sampling: InitialSampling) -> EnsembleSettings {
        EnsembleSettings {
            hop: HopSettings {
                mass: 2000.0,
                dt: 1.0,
                frustrated: FrustratedHop::Keep,
                decoherence: Decoherence::None,
                exit: (-10.0, 10.0),
                max_steps: 10,
            },
            position: vec![-5.0, 1.0],
            momentum: vec![10.0, -3.0],
            sampling,
            state: 0,
            trajectories: 1,
            seed: 1,
            record_every: 0,
        }
    }

    /// Sample mean and variance.
    fn moments(xs: &[f64]) -> (f64, f64) {
        let n = xs.len() as f64;
        let mean = xs.iter().sum::<f64>() / n;
        (
            mean,
            xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0),
        )
    }

    /// The Wigner function of `exp(−(R − R₀)²/4σ² + ikR)` is the product of normal
    /// densities `N(R₀, σ²)` and `N(k, 1/4σ²)`: means, variances (so `σ_R σ_p = ½`) and a
    /// vanishing R–p correlation, each within 5 standard errors.
    #[test]
    fn wigner_draws_have_the_moments_of_the_packet() {
        let sigma = [2.0, 0.5];
        let s = settings(InitialSampling::Wigner {
            sigma: sigma.to_vec(),
        });
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
        let n = 40_000;
        let draws: Vec<_> = (0..n).map(|_| initial_conditions(&s, &mut rng)).collect();
        let root_n = (n as f64).sqrt();
        for k in 0..2 {
            let xs: Vec<f64> = draws.iter().map(|(x, _)| x[k]).collect();
            let ps: Vec<f64> = draws.iter().map(|(_, p)| p[k]).collect();
            for (values, centre, width) in [
                (&xs, s.position[k], sigma[k]),
                (&ps, s.momentum[k], 0.5 / sigma[k]),
            ] {
                let (mean, variance) = moments(values);
                assert!(
                    (mean - centre).abs() < 5.0 * width / root_n,
                    "{mean} vs {centre}"
                );
                let expected = width * width;
                let error = expected * (2.0 / (n as f64 - 1.0)).sqrt();
                assert!(
                    (variance - expected).abs() < 5.0 * error,
                    "{variance} vs {expected}"
                );
            }
            let (mx, vx) = moments(&xs);
            let (mp, vp) = moments(&ps);
            let covariance: f64 = xs
                .iter()
                .zip(&ps)
                .map(|(x, p)| (x - mx) * (p - mp))
                .sum::<f64>()
                / n as f64;
            let correlation = covariance / (vx * vp).sqrt();
            assert!(
                correlation.abs() < 5.0 / root_n,
                "R–p correlation {correlation}"
            );
            assert!(((vx * vp).sqrt() - 0.5).abs() < 0.02, "uncertainty product");
        }
    }

    #[test]
    fn fixed_sampling_starts_every_trajectory_at_the_given_point() {
        let s = settings(InitialSampling::Fixed);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
        assert_eq!(
            initial_conditions(&s, &mut rng),
            (vec![-5.0, 1.0], vec![10.0, -3.0])
        );
    }
}
