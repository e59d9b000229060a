//! A ground-state run assembled from validated settings: builds the ansatz, sampler
//! and optimizer, runs the loop, measures the final energy, and compares it with an
//! exact reference when one is cheap.

use super::checkpoint::Checkpoint;
use super::driver::{IterationLog, Stop, Vmc, VmcSettings};
use super::optimizer::{Decay, Method, Optimizer};
use super::stats::Stats;
use crate::ansatz::{
    hidden_units, translation_sector, Ansatz, Autoregressive, Ffnn, Jastrow, Projected, Rbm,
    SectorGroup, SymmetricRbm,
};
use crate::error::{Error, Result};
use crate::exact::{self, ExactOptions, Reference};
use crate::hilbert::SpinHilbert;
use crate::operator::Hamiltonian;
use crate::sampler::{DirectSampler, ExactSampler, Metropolis, MetropolisSettings, Sampler};
use crate::scalar::Scalar;
use num_complex::Complex64;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use std::ops::ControlFlow;
use std::time::Instant;

/// Stream constants: the run seed drives independent generators for the initial
/// parameters and for the Markov chains.
const PARAMETER_STREAM: u64 = 0x5EED_0000_0000_0001;
const SAMPLER_STREAM: u64 = 0x5EED_0000_0000_0002;

/// Largest sector for which a run computes an exact reference by Lanczos.
pub const REFERENCE_MAX_DIM: f64 = 2_100_000.0;

/// Which ansatz.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AnsatzKind {
    /// Restricted Boltzmann machine.
    Rbm,
    /// Two-body Jastrow.
    Jastrow,
    /// RBM with feature filters shared over the lattice translations.
    SymmetricRbm,
    /// Feed-forward network with `ln cosh` hidden layers.
    Ffnn,
    /// Autoregressive network (one masked hidden layer), sampled directly.
    Autoregressive,
}

impl AnsatzKind {
    /// Name as written in decks and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            AnsatzKind::Rbm => "rbm",
            AnsatzKind::Jastrow => "jastrow",
            AnsatzKind::SymmetricRbm => "rbm-symmetric",
            AnsatzKind::Ffnn => "ffnn",
            AnsatzKind::Autoregressive => "autoregressive",
        }
    }
}

/// Validated `[ansatz]`.
#[derive(Clone, Debug, PartialEq)]
pub struct AnsatzSpec {
    /// Which ansatz.
    pub kind: AnsatzKind,
    /// RBM hidden-unit density `α`; the number of feature filters of the symmetric
    /// RBM (a whole number).
    pub alpha: f64,
    /// Hidden-layer widths of the feed-forward network; empty means one layer of
    /// `round(αN)` units.
    pub layers: Vec<usize>,
    /// Projection on a symmetry sector, if any.
    pub projection: Option<Projection>,
    /// Complex parameters.
    pub complex: bool,
    /// Initial parameter spread.
    pub init_std: f64,
}

/// A symmetry sector to project the ansatz on ([`Projected`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Projection {
    /// Momentum `(kx, ky)` in units of `2π/L` per direction.
    pub momentum: (i64, i64),
    /// Spin-flip parity, if the global spin flip is part of the group.
    pub parity: Option<i8>,
}

impl AnsatzSpec {
    /// Number of variational parameters on `n` sites.
    pub fn n_params(&self, n: usize) -> usize {
        match self.kind {
            AnsatzKind::Rbm => {
                let m = hidden_units(self.alpha, n);
                n + m + n * m
            }
            AnsatzKind::Jastrow => n * (n - 1) / 2,
            AnsatzKind::SymmetricRbm => {
                let features = self.alpha as usize;
                1 + features + features * n
            }
            AnsatzKind::Ffnn => crate::ansatz::ffnn_n_params(n, &self.layer_widths(n)),
            AnsatzKind::Autoregressive => {
                let h = hidden_units(self.alpha, n);
                h + 2 * n * h + n
            }
        }
    }

    /// Hidden-layer widths of the feed-forward network on `n` sites.
    pub fn layer_widths(&self, n: usize) -> Vec<usize> {
        if self.layers.is_empty() {
            vec![hidden_units(self.alpha, n)]
        } else {
            self.layers.clone()
        }
    }
}

/// Which sampler.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SamplerKind {
    /// Single-spin flips.
    Local,
    /// Bond exchanges (fixed Sz).
    Exchange,
    /// Exact enumeration.
    Exact,
    /// Independent draws from an autoregressive state.
    Direct,
}

/// Validated `[sampler]`.
#[derive(Clone, Debug, PartialEq)]
pub struct SamplerSpec {
    /// Which sampler.
    pub kind: SamplerKind,
    /// Chain settings.
    pub chains: MetropolisSettings,
}

/// Everything a ground-state run needs besides the Hamiltonian.
#[derive(Clone, Debug, PartialEq)]
pub struct GroundStateSpec {
    /// `[ansatz]`.
    pub ansatz: AnsatzSpec,
    /// `[sampler]`.
    pub sampler: SamplerSpec,
    /// Update rule.
    pub method: Method,
    /// Learning rate.
    pub learning_rate: f64,
    /// Largest Fubini–Study length of an update ([`Optimizer::max_step`]).
    pub max_step: Option<f64>,
    /// Learning-rate decay (`None`: constant).
    pub decay: Option<Decay>,
    /// `[vmc]` loop settings (with `[sampler] samples`).
    pub settings: VmcSettings,
    /// A known ground-state energy given with the problem (`vmc.reference`), used
    /// instead of computing one.
    pub reference: Option<f64>,
}

/// Outcome of [`ground_state`].
#[derive(Clone, Debug)]
pub struct GroundStateReport {
    /// Final energy statistics from `final_samples` fresh samples.
    pub energy: Stats,
    /// Acceptance of the final sample.
    pub acceptance: f64,
    /// Iterations done.
    pub iterations: usize,
    /// Why the loop stopped.
    pub stop: Stop,
    /// Number of variational parameters.
    pub n_parameters: usize,
    /// Ansatz name.
    pub ansatz: &'static str,
    /// Sampler description.
    pub sampler: String,
    /// Exact reference energy, when cheap.
    pub reference: Option<Reference>,
    /// Wall-clock seconds of the whole run.
    pub seconds: f64,
    /// Seconds per optimization iteration (median).
    pub seconds_per_iteration: f64,
    /// Final parameters as complex numbers.
    pub parameters: Vec<Complex64>,
    /// Diagnostics a user must see (chains not mixed, energy below the reference).
    pub warnings: Vec<String>,
}

impl GroundStateReport {
    /// `|E − E_ref| / |E_ref|`, if a reference exists.
    pub fn relative_error(&self) -> Option<f64> {
        self.reference
            .as_ref()
            .map(|r| (self.energy.mean - r.energy).abs() / r.energy.abs())
    }
}

/// Exact ground-state energy of `ham` in `space`: the closed form when one applies,
/// otherwise Lanczos when the space has at most [`REFERENCE_MAX_DIM`] states.
pub fn reference_energy(
    ham: &Hamiltonian,
    space: &SpinHilbert,
    seed: u64,
) -> Result<Option<Reference>> {
    if space.n_up().is_none() {
        if let Some(r) = exact::closed_form_energy(ham) {
            return Ok(Some(r));
        }
    }
    if space.dimension() > REFERENCE_MAX_DIM {
        return Ok(None);
    }
    let mut opts = ExactOptions::default();
    opts.lanczos.seed = seed;
    let spectrum = exact::solve(ham, space, &opts)?;
    Ok(Some(Reference {
        energy: spectrum.energies[0],
        method: "exact diagonalization (Lanczos)",
    }))
}

/// What the observer of a run sees after each iteration: the log, and a way to take a
/// checkpoint of the state after it.
pub type Observer<'a> = dyn FnMut(&IterationLog, &dyn Fn() -> Checkpoint) -> ControlFlow<()> + 'a;

/// Runs variational Monte Carlo for `ham` in `space` with the given settings, from
/// the start or from `resume`; `observer` sees every iteration and may stop the loop,
/// which ends the run with [`Error::Interrupted`] (no final estimate).
pub fn ground_state(
    ham: &Hamiltonian,
    space: &SpinHilbert,
    spec: &GroundStateSpec,
    seed: u64,
    resume: Option<&Checkpoint>,
    observer: &mut Observer<'_>,
) -> Result<GroundStateReport> {
    let n = ham.n_sites();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ PARAMETER_STREAM);
    let a = &spec.ansatz;
    match (a.kind, a.complex) {
        (AnsatzKind::Rbm, false) => {
            let ansatz = Rbm::<f64>::new(n, a.alpha, a.init_std, &mut rng)?;
            run_projected(ansatz, ham, space, spec, seed, resume, observer)
        }
        (AnsatzKind::Rbm, true) => {
            let ansatz = Rbm::<Complex64>::new(n, a.alpha, a.init_std, &mut rng)?;
            run_projected(ansatz, ham, space, spec, seed, resume, observer)
        }
        (AnsatzKind::Jastrow, false) => {
            let ansatz = Jastrow::<f64>::new(n, a.init_std, &mut rng)?;
            run_projected(ansatz, ham, space, spec, seed, resume, observer)
        }
        (AnsatzKind::Jastrow, true) => {
            let ansatz = Jastrow::<Complex64>::new(n, a.init_std, &mut rng)?;
            run_projected(ansatz, ham, space, spec, seed, resume, observer)
        }
        (AnsatzKind::SymmetricRbm, false) => {
            let features = a.alpha as usize;
            let ansatz = SymmetricRbm::<f64>::new(ham.lattice(), features, a.init_std, &mut rng)?;
            run_projected(ansatz, ham, space, spec, seed, resume, observer)
        }
        (AnsatzKind::Autoregressive, false) => {
            let ansatz = Autoregressive::new(n, space.n_up(), a.alpha, a.init_std, &mut rng)?;
            run_projected(ansatz, ham, space, spec, seed, resume, observer)
        }
        (AnsatzKind::Autoregressive, true) => Err(autoregressive_is_real()),
        (AnsatzKind::Ffnn, false) => {
            let ansatz = Ffnn::<f64>::new(n, &a.layer_widths(n), a.init_std, &mut rng)?;
            run_projected(ansatz, ham, space, spec, seed, resume, observer)
        }
        (AnsatzKind::Ffnn, true) => {
            let ansatz = Ffnn::<Complex64>::new(n, &a.layer_widths(n), a.init_std, &mut rng)?;
            run_projected(ansatz, ham, space, spec, seed, resume, observer)
        }
        (AnsatzKind::SymmetricRbm, true) => {
            let features = a.alpha as usize;
            let ansatz =
                SymmetricRbm::<Complex64>::new(ham.lattice(), features, a.init_std, &mut rng)?;
            run_projected(ansatz, ham, space, spec, seed, resume, observer)
        }
    }
}

/// Runs `ansatz`, projected on the sector of `spec.ansatz.projection` if one is set.
fn run_projected<A: Ansatz>(
    ansatz: A,
    ham: &Hamiltonian,
    space: &SpinHilbert,
    spec: &GroundStateSpec,
    seed: u64,
    resume: Option<&Checkpoint>,
    observer: &mut Observer<'_>,
) -> Result<GroundStateReport> {
    let Some(projection) = &spec.ansatz.projection else {
        return run(ansatz, ham, space, spec, seed, resume, observer);
    };
    let (perms, flips, characters) = sector::<A::T>(ham, space, projection)?;
    let projected = Projected::new(ansatz, perms, flips, characters)?;
    run(projected, ham, space, spec, seed, resume, observer)
}

/// The group elements and characters of `projection` on the Hamiltonian's lattice,
/// for parameters of type `T`; refuses lattices without translations, the spin flip
/// outside Sz = 0, and complex characters for real parameters.
fn sector<T: Scalar>(
    ham: &Hamiltonian,
    space: &SpinHilbert,
    projection: &Projection,
) -> Result<SectorGroup<T>> {
    let lattice = ham.lattice();
    let translations = lattice.translations().ok_or_else(|| {
        Error::invalid(
            "ansatz.symmetry",
            format!(
                "projection needs a translation-invariant lattice (a periodic chain or \
                 rectangle), not a {}",
                lattice.describe()
            ),
        )
    })?;
    let lengths = match *lattice.geometry() {
        crate::lattice::Geometry::Rectangular { lx, ly, .. } => (lx, ly),
        _ => (lattice.n_sites(), 1),
    };
    if projection.parity.is_some() && space.n_up().is_some_and(|k| 2 * k != space.n_sites()) {
        return Err(Error::invalid(
            "ansatz.parity",
            "the spin flip maps the sector to another one unless Sz = 0",
        ));
    }
    let (kx, ky) = projection.momentum;
    let real_characters =
        (2 * kx).rem_euclid(lengths.0 as i64) == 0 && (2 * ky).rem_euclid(lengths.1 as i64) == 0;
    if !T::COMPLEX && !real_characters {
        return Err(Error::invalid(
            "ansatz.momentum",
            format!(
                "[{kx}, {ky}]: a momentum other than 0 or π has complex characters e^(-ik·t); \
                 set ansatz.complex = true"
            ),
        ));
    }
    Ok(translation_sector::<T>(
        translations,
        lengths,
        projection.momentum,
        projection.parity,
    ))
}

/// Checks what a ground-state run would refuse only once it has the Hamiltonian: an
/// ansatz the lattice cannot carry, and a symmetry sector it does not have. Decks run
/// this before any output is written.
pub fn check_ground_state(
    ham: &Hamiltonian,
    space: &SpinHilbert,
    spec: &GroundStateSpec,
) -> Result<()> {
    let a = &spec.ansatz;
    match a.kind {
        AnsatzKind::SymmetricRbm => {
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(0);
            SymmetricRbm::<f64>::new(ham.lattice(), a.alpha as usize, a.init_std, &mut rng)?;
        }
        AnsatzKind::Autoregressive if a.complex => return Err(autoregressive_is_real()),
        _ => {}
    }
    match &a.projection {
        Some(p) if a.complex => sector::<Complex64>(ham, space, p).map(|_| ()),
        Some(p) => sector::<f64>(ham, space, p).map(|_| ()),
        None => Ok(()),
    }
}

fn autoregressive_is_real() -> Error {
    Error::invalid(
        "ansatz.complex",
        "the autoregressive network has real parameters (a positive ψ; with the Marshall \
         sign rule for Heisenberg models); set complex = false",
    )
}

/// The sampler described by `spec` on `space`.
pub fn build_sampler(
    ham: &Hamiltonian,
    space: &SpinHilbert,
    spec: &SamplerSpec,
    seed: u64,
) -> Result<Sampler> {
    Ok(match spec.kind {
        SamplerKind::Exact => Sampler::Exact(ExactSampler::new(space)?),
        SamplerKind::Direct => Sampler::Direct(DirectSampler::new(
            space,
            spec.chains.n_chains,
            seed ^ SAMPLER_STREAM,
        )?),
        kind => Sampler::Metropolis(Metropolis::new(
            space,
            ham.lattice(),
            kind == SamplerKind::Exchange,
            spec.chains.clone(),
            seed ^ SAMPLER_STREAM,
        )?),
    })
}

fn run<A: Ansatz>(
    ansatz: A,
    ham: &Hamiltonian,
    space: &SpinHilbert,
    spec: &GroundStateSpec,
    seed: u64,
    resume: Option<&Checkpoint>,
    observer: &mut Observer<'_>,
) -> Result<GroundStateReport> {
    let started = Instant::now();
    let sampler = build_sampler(ham, space, &spec.sampler, seed)?;
    let description = sampler.describe();
    let optimizer = Optimizer::new(spec.method.clone(), spec.learning_rate)?
        .with_max_step(spec.max_step)?
        .with_decay(spec.decay)?;
    let mut vmc = Vmc::new(
        ansatz,
        ham.operator().clone(),
        sampler,
        optimizer,
        spec.settings.clone(),
    )?;
    if let Some(checkpoint) = resume {
        vmc.restore(checkpoint)?;
    }
    let mut times = Vec::new();
    let stop = vmc.run(|log, state| {
        times.push(log.seconds);
        observer(log, &|| state.checkpoint())
    })?;
    if stop == Stop::Observer {
        return Err(Error::Interrupted {
            iteration: vmc.iteration(),
        });
    }
    let (stats, acceptance) = vmc.estimate(&[])?;
    let reference = match spec.reference {
        Some(energy) => Some(Reference {
            energy,
            method: "given in the deck (vmc.reference)",
        }),
        None => reference_energy(ham, space, seed)?,
    };
    times.sort_by(f64::total_cmp);
    let warnings = diagnose(&stats[0], acceptance, reference.as_ref());
    Ok(GroundStateReport {
        energy: stats[0],
        acceptance,
        iterations: vmc.iteration(),
        stop,
        n_parameters: vmc.ansatz.n_params(),
        ansatz: vmc.ansatz.name(),
        sampler: description,
        reference,
        seconds: started.elapsed().as_secs_f64(),
        seconds_per_iteration: times.get(times.len() / 2).copied().unwrap_or(0.0),
        parameters: vmc.ansatz.params().iter().map(|p| p.to_c64()).collect(),
        warnings,
    })
}

/// Checks that make an error bar trustworthy: mixed chains, moving chains, and no
/// violation of the variational bound beyond 5σ.
fn diagnose(e: &Stats, acceptance: f64, reference: Option<&Reference>) -> Vec<String> {
    let mut warnings = Vec::new();
    if e.r_hat.is_finite() && e.r_hat > 1.1 {
        warnings.push(format!(
            "split-R̂ = {:.3} > 1.1: the Markov chains disagree (not mixed or stuck); the \
             error bar is not reliable. Try more samples, a smaller learning rate or another seed",
            e.r_hat
        ));
    }
    if acceptance < 1e-3 {
        warnings.push(format!(
            "acceptance {acceptance:.1e}: the chains hardly move; the estimate is not reliable"
        ));
    }
    if let Some(r) = reference {
        if e.mean < r.energy - 5.0 * e.error.max(1e-12 * r.energy.abs()) {
            warnings.push(format!(
                "the energy lies {:.1} error bars below the exact ground-state energy: the \
                 error bar is underestimated",
                (r.energy - e.mean) / e.error.max(f64::MIN_POSITIVE)
            ));
        }
    }
    warnings
}
