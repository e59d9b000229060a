//! The variational Monte Carlo driver: one [`Vmc::step`] samples `|ψ|²`, estimates the
//! energy and its gradient, and updates the parameters; [`Vmc::run`] owns the loop,
//! its stopping rules and the observers; [`Vmc::estimate`] measures the final energy
//! (or any operator) from a fresh, larger sample.

use super::jacobian::Jacobian;
use super::local_energy::{check_compatible, EnergyAndJacobian, LocalValues};
use super::optimizer::{Gradient, Optimizer};
use super::stats::{statistics, Stats};
use crate::ansatz::Ansatz;
use crate::error::{Error, Result};
use crate::operator::PauliSum;
use crate::sampler::{Batch, Sampler};
use crate::scalar::Scalar;
use std::ops::ControlFlow;
use std::time::Instant;

/// Loop settings, validated by [`Vmc::new`].
#[derive(Clone, Debug, PartialEq)]
pub struct VmcSettings {
    /// Samples per iteration (a multiple of the number of chains).
    pub samples: usize,
    /// Maximum number of iterations.
    pub iterations: usize,
    /// Samples of the final energy estimate.
    pub final_samples: usize,
    /// Stop early once the energy variance falls below this value.
    pub target_variance: Option<f64>,
}

impl VmcSettings {
    /// Checks the settings for a sampler with `chains` chains (1 for exact enumeration).
    pub fn check(&self, chains: usize) -> Result<()> {
        if self.samples == 0 || self.samples % chains != 0 {
            return Err(Error::invalid(
                "sampler.samples",
                format!(
                    "{} samples cannot be split evenly over {chains} chains; use a multiple of \
                     {chains} (e.g. {})",
                    self.samples,
                    chains * (self.samples / chains).max(1)
                ),
            ));
        }
        if self.final_samples == 0 {
            return Err(Error::invalid("vmc.final_samples", "must be at least 1"));
        }
        if let Some(v) = self.target_variance {
            if !(v > 0.0 && v.is_finite()) {
                return Err(Error::invalid(
                    "vmc.target_variance",
                    format!("{v} must be positive"),
                ));
            }
        }
        Ok(())
    }
}

/// What one iteration measured.
#[derive(Clone, Debug)]
pub struct IterationLog {
    /// Iteration number, from 1.
    pub iteration: usize,
    /// Energy statistics of the batch (before the update).
    pub energy: Stats,
    /// Acceptance rate of the batch.
    pub acceptance: f64,
    /// Learning rate of the update.
    pub learning_rate: f64,
    /// Euclidean norm of the parameter update.
    pub update_norm: f64,
    /// Fubini–Study length of the update (after the optimizer's limit).
    pub step_length: f64,
    /// Wall-clock seconds of the iteration.
    pub seconds: f64,
}

/// Why the loop ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// All iterations done.
    Iterations,
    /// The energy variance reached the target.
    TargetVariance,
    /// An observer asked to stop.
    Observer,
}

/// Variational Monte Carlo for one ansatz and Hamiltonian.
pub struct Vmc<A: Ansatz> {
    /// The variational state.
    pub ansatz: A,
    hamiltonian: PauliSum,
    sampler: Sampler,
    optimizer: Optimizer<A::T>,
    settings: VmcSettings,
    iteration: usize,
}

impl<A: Ansatz> Vmc<A> {
    /// Sets up a run; checks the sample counts and that the ansatz can represent the
    /// Hamiltonian (complex matrix elements need complex parameters).
    pub fn new(
        ansatz: A,
        hamiltonian: PauliSum,
        sampler: Sampler,
        optimizer: Optimizer<A::T>,
        settings: VmcSettings,
    ) -> Result<Self> {
        crate::scalar::fix_linear_algebra_partition();
        check_compatible::<A>(&hamiltonian)?;
        if hamiltonian.n_sites() != ansatz.n_sites() {
            return Err(Error::invalid(
                "ansatz",
                "the ansatz and the Hamiltonian have different numbers of sites",
            ));
        }
        settings.check(sampler.n_chains())?;
        Ok(Self {
            ansatz,
            hamiltonian,
            sampler,
            optimizer,
            settings,
            iteration: 0,
        })
    }

    /// Iterations done so far.
    pub fn iteration(&self) -> usize {
        self.iteration
    }

    /// The sampler.
    pub fn sampler(&self) -> &Sampler {
        &self.sampler
    }

    /// The optimizer.
    pub fn optimizer(&self) -> &Optimizer<A::T> {
        &self.optimizer
    }

    pub(super) fn restore_optimizer(&mut self, moment1: Vec<A::T>, moment2: Vec<f64>, steps: u64) {
        self.optimizer.restore_state(moment1, moment2, steps);
    }

    pub(super) fn restore_sampler(&mut self, chains: Vec<crate::sampler::Chain>) -> Result<()> {
        self.sampler.restore_chains(chains)
    }

    pub(super) fn set_iteration(&mut self, iteration: usize) {
        self.iteration = iteration;
    }

    /// One iteration: sample, estimate, update.
    pub fn step(&mut self) -> Result<IterationLog> {
        let started = Instant::now();
        let row_len = self.ansatz.jacobian_row_len();
        let visitor = EnergyAndJacobian {
            hamiltonian: &self.hamiltonian,
            row_len,
        };
        let per_chain = self.settings.samples / self.sampler.n_chains();
        let batch = self.sampler.sample(&self.ansatz, per_chain, &visitor)?;
        let energies: Vec<A::T> = (0..batch.len()).map(|s| batch.row(s)[0]).collect();
        let energy = batch_statistics(&batch, &energies)?;
        let weights: Vec<f64> = (0..batch.len()).map(|s| batch.weight(s)).collect();
        let rows: Vec<A::T> = (0..batch.len())
            .flat_map(|s| batch.row(s)[1..].iter().copied())
            .collect();
        let jacobian = Jacobian::new(
            self.ansatz.jacobian_layout(),
            rows,
            row_len,
            self.ansatz.n_params(),
        );
        let learning_rate = self.optimizer.rate();
        let delta = self.optimizer.update(&Gradient {
            jacobian: &jacobian,
            local_energies: &energies,
            weights: &weights,
        })?;
        let params: Vec<A::T> = self
            .ansatz
            .params()
            .iter()
            .zip(&delta)
            .map(|(&p, &d)| p + d)
            .collect();
        self.ansatz.set_params(&params);
        self.iteration += 1;
        Ok(IterationLog {
            iteration: self.iteration,
            energy,
            acceptance: batch.acceptance,
            learning_rate,
            update_norm: delta.iter().map(|d| d.abs2()).sum::<f64>().sqrt(),
            step_length: self.optimizer.last_step_length(),
            seconds: started.elapsed().as_secs_f64(),
        })
    }

    /// Iterates until the settings or the observer stop it; the observer sees each
    /// iteration's log and the state after it (for checkpoints).
    pub fn run(
        &mut self,
        mut observer: impl FnMut(&IterationLog, &Self) -> ControlFlow<()>,
    ) -> Result<Stop> {
        while self.iteration < self.settings.iterations {
            let log = self.step()?;
            if observer(&log, self).is_break() {
                return Ok(Stop::Observer);
            }
            if let Some(target) = self.settings.target_variance {
                if log.energy.variance < target {
                    return Ok(Stop::TargetVariance);
                }
            }
        }
        Ok(Stop::Iterations)
    }

    /// Statistics of `operators` (the energy if empty) from `final_samples` fresh
    /// samples (rounded up to a multiple of the chains); also returns the acceptance.
    pub fn estimate(&mut self, operators: &[&PauliSum]) -> Result<(Vec<Stats>, f64)> {
        let ops: Vec<&PauliSum> = if operators.is_empty() {
            vec![&self.hamiltonian]
        } else {
            operators.to_vec()
        };
        let per_chain = self
            .settings
            .final_samples
            .div_ceil(self.sampler.n_chains());
        let visitor = LocalValues {
            operators: ops.clone(),
        };
        let batch = self.sampler.sample(&self.ansatz, per_chain, &visitor)?;
        let stats = (0..ops.len())
            .map(|k| {
                let values: Vec<A::T> = (0..batch.len()).map(|s| batch.row(s)[k]).collect();
                batch_statistics(&batch, &values)
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((stats, batch.acceptance))
    }
}

fn batch_statistics<T: Scalar>(batch: &Batch<T>, values: &[T]) -> Result<Stats> {
    if values.iter().any(|v| !v.is_finite()) {
        return Err(Error::Numerical(
            "a local energy is not finite (NaN or infinity): the wave function has \
             diverged; lower the learning rate or raise optimizer.diag_shift"
                .into(),
        ));
    }
    let re: Vec<f64> = values.iter().map(|v| v.re()).collect();
    let im: Vec<f64> = values.iter().map(|v| v.im()).collect();
    Ok(statistics(
        &re,
        &im,
        batch.n_chains,
        batch.per_chain,
        batch.weights.as_deref(),
    ))
}
