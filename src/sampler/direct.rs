//! Direct sampling of autoregressive states: every sample is drawn exactly from `|ψ|²`,
//! site by site from the ansatz's conditionals ([`Ansatz::sample_directly`]). Samples
//! are independent (τ = 0, acceptance 1). They are drawn by `n_streams` generators in
//! parallel, each seeded like a Markov chain (the c-th jump of the run's stream) and
//! saved in checkpoints the same way, so the same seed gives the same samples for any
//! number of threads.

use super::metropolis::random_configuration;
use super::{Batch, Chain, Visitor};
use crate::ansatz::Ansatz;
use crate::error::{Error, Result};
use crate::hilbert::SpinHilbert;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;

/// Parallel streams of direct samples.
#[derive(Clone, Debug)]
pub struct DirectSampler {
    n_sites: usize,
    /// One generator per stream; `sigma` keeps the stream's last sample.
    streams: Vec<Chain>,
}

impl DirectSampler {
    /// `n_streams` streams on `space`, seeded from `seed`.
    pub fn new(space: &SpinHilbert, n_streams: usize, seed: u64) -> Result<Self> {
        if n_streams == 0 {
            return Err(Error::invalid(
                "sampler.chains",
                "0 must be at least 1 (independent sample streams in parallel; e.g. 16)",
            ));
        }
        let mut stream = Xoshiro256PlusPlus::seed_from_u64(seed);
        let streams = (0..n_streams)
            .map(|_| {
                let mut rng = stream.clone();
                stream.jump();
                let sigma = random_configuration(space, &mut rng);
                Chain {
                    sigma,
                    rng,
                    thermalized: true,
                }
            })
            .collect();
        Ok(Self {
            n_sites: space.n_sites(),
            streams,
        })
    }

    /// The streams (for checkpoints).
    pub fn streams(&self) -> &[Chain] {
        &self.streams
    }

    /// Replaces the streams by saved ones (same number, same lattice size).
    pub fn restore_streams(&mut self, streams: Vec<Chain>) -> Result<()> {
        if streams.len() != self.streams.len()
            || streams.iter().any(|c| c.sigma.len() != self.n_sites)
        {
            return Err(Error::invalid(
                "checkpoint",
                format!(
                    "holds {} sample streams, but the deck asks for {} of {} sites",
                    streams.len(),
                    self.streams.len(),
                    self.n_sites
                ),
            ));
        }
        self.streams = streams;
        Ok(())
    }

    /// Draws `per_stream` samples from every stream, calling `visitor` on each.
    pub fn sample<A: Ansatz, V: Visitor<A>>(
        &mut self,
        ansatz: &A,
        per_stream: usize,
        visitor: &V,
    ) -> Result<Batch<A::T>> {
        let width = visitor.width();
        let results: Vec<Option<Vec<A::T>>> = self
            .streams
            .par_iter_mut()
            .map(|stream| {
                let mut values = Vec::with_capacity(per_stream * width);
                for _ in 0..per_stream {
                    if !ansatz.sample_directly(&mut stream.rng, &mut stream.sigma) {
                        return None;
                    }
                    let cache = ansatz.cache(&stream.sigma);
                    visitor.visit(ansatz, &stream.sigma, &cache, &mut values);
                }
                Some(values)
            })
            .collect();
        let mut values = Vec::with_capacity(self.streams.len() * per_stream * width);
        for v in results {
            values.extend(v.ok_or_else(|| {
                Error::invalid(
                    "sampler.kind",
                    format!(
                        "direct sampling needs an autoregressive ansatz, and {} is not one; \
                         use kind = \"local\" or \"exchange\"",
                        ansatz.name()
                    ),
                )
            })?);
        }
        Ok(Batch {
            n_chains: self.streams.len(),
            per_chain: per_stream,
            width,
            values,
            weights: None,
            acceptance: 1.0,
        })
    }
}
