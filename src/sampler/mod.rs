//! Samplers of `|ψ(σ)|²`: Markov chains with Metropolis moves, exact enumeration, and
//! direct draws from autoregressive states.
//!
//! Each Markov chain owns its configuration and its random generator, seeded from
//! `(run seed, chain index)`; chains run in parallel and their samples are returned in
//! chain order, so the same seed gives the same samples for any number of threads.
//! A *sweep* is `N` proposals; one sample is recorded per sweep.

mod direct;
mod exact;
mod metropolis;

pub use direct::DirectSampler;
pub use exact::ExactSampler;
pub use metropolis::{Chain, Metropolis, MetropolisSettings, Rule};

use crate::ansatz::Ansatz;
use crate::error::Result;

/// Samples and per-sample records.
///
/// `values` holds one row of `width` numbers per sample, written by the visitor, rows
/// ordered chain by chain. `weights` is `None` for Markov chains (uniform weights) and
/// the normalized `|ψ|²` for exact enumeration.
#[derive(Clone, Debug)]
pub struct Batch<T> {
    /// Number of chains (1 for exact enumeration).
    pub n_chains: usize,
    /// Samples per chain.
    pub per_chain: usize,
    /// Values per sample.
    pub width: usize,
    /// Rows of values, chain-major.
    pub values: Vec<T>,
    /// Exact probabilities of the samples, if enumerated.
    pub weights: Option<Vec<f64>>,
    /// Fraction of accepted proposals (1 for exact enumeration).
    pub acceptance: f64,
}

impl<T: Copy> Batch<T> {
    /// Total number of samples.
    pub fn len(&self) -> usize {
        self.n_chains * self.per_chain
    }

    /// Whether there are no samples.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Row `s`.
    pub fn row(&self, s: usize) -> &[T] {
        &self.values[s * self.width..(s + 1) * self.width]
    }

    /// Weight of sample `s` (sums to one).
    pub fn weight(&self, s: usize) -> f64 {
        match &self.weights {
            Some(w) => w[s],
            None => 1.0 / self.len() as f64,
        }
    }
}

/// What a sampler calls for every recorded sample: append `width` values to `out`.
pub trait Visitor<A: Ansatz>: Sync {
    /// Number of values written per sample.
    fn width(&self) -> usize;
    /// Appends the sample's values.
    fn visit(&self, ansatz: &A, sigma: &[i8], cache: &A::Cache, out: &mut Vec<A::T>);
}

/// Any sampler of `|ψ|²`.
#[derive(Clone, Debug)]
pub enum Sampler {
    /// Markov chains.
    Metropolis(Metropolis),
    /// Exact enumeration of the basis.
    Exact(ExactSampler),
    /// Independent draws from an autoregressive state.
    Direct(DirectSampler),
}

impl Sampler {
    /// Draws `per_chain` samples per chain (Metropolis) or the whole basis (exact).
    pub fn sample<A: Ansatz, V: Visitor<A>>(
        &mut self,
        ansatz: &A,
        per_chain: usize,
        visitor: &V,
    ) -> Result<Batch<A::T>> {
        match self {
            Sampler::Metropolis(m) => Ok(m.sample(ansatz, per_chain, visitor)),
            Sampler::Exact(e) => e.sample(ansatz, visitor),
            Sampler::Direct(d) => d.sample(ansatz, per_chain, visitor),
        }
    }

    /// The Markov chains (none for exact enumeration, which has no state).
    pub fn chains(&self) -> &[Chain] {
        match self {
            Sampler::Metropolis(m) => m.chains(),
            Sampler::Exact(_) => &[],
            Sampler::Direct(d) => d.streams(),
        }
    }

    /// Restores saved chains (nothing to restore for exact enumeration).
    pub fn restore_chains(&mut self, chains: Vec<Chain>) -> Result<()> {
        match self {
            Sampler::Metropolis(m) => m.restore_chains(chains),
            Sampler::Exact(_) => Ok(()),
            Sampler::Direct(d) => d.restore_streams(chains),
        }
    }

    /// Number of chains.
    pub fn n_chains(&self) -> usize {
        match self {
            Sampler::Metropolis(m) => m.n_chains(),
            Sampler::Exact(_) => 1,
            Sampler::Direct(d) => d.streams().len(),
        }
    }

    /// Short description for reports.
    pub fn describe(&self) -> String {
        match self {
            Sampler::Metropolis(m) => m.describe(),
            Sampler::Exact(e) => format!("exact enumeration of {} states", e.dim()),
            Sampler::Direct(d) => format!(
                "direct sampling (autoregressive), {} independent streams",
                d.streams().len()
            ),
        }
    }
}
