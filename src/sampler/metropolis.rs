//! Metropolis–Hastings chains with symmetric proposals: single-spin flips (`local`)
//! or swaps of the two spins of a random bond (`exchange`, conserves `Sᶻ`). A proposal
//! `σ → σ'` is accepted with probability `min(1, |ψ(σ')/ψ(σ)|²)`. A swap of two equal
//! spins is the identity move: it is a proposal (as in NetKet, so sweeps have the same
//! length) but it does not count as accepted, so the reported acceptance is the
//! fraction of proposals that changed the configuration — zero for a frozen chain.

use super::{Batch, Visitor};
use crate::ansatz::Ansatz;
use crate::error::{Error, Result};
use crate::hilbert::SpinHilbert;
use crate::lattice::Lattice;
use crate::scalar::Scalar;
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;

/// Proposal rule.
#[derive(Clone, Debug, PartialEq)]
pub enum Rule {
    /// Flip one uniformly chosen spin.
    Local,
    /// Swap the spins at the ends of a uniformly chosen bond.
    Exchange { bonds: Vec<(usize, usize)> },
}

/// Chain settings, validated by [`Metropolis::new`].
#[derive(Clone, Debug, PartialEq)]
pub struct MetropolisSettings {
    /// Number of independent chains.
    pub n_chains: usize,
    /// Proposals between recorded samples (`0`: one sweep of `N` proposals).
    pub sweep: usize,
    /// Sweeps discarded at the start of every batch (after a parameter update).
    pub discard: usize,
    /// Extra sweeps before a chain's very first batch (from a random configuration).
    pub burn_in: usize,
}

impl Default for MetropolisSettings {
    fn default() -> Self {
        Self {
            n_chains: 16,
            sweep: 0,
            discard: 5,
            burn_in: 50,
        }
    }
}

/// One Markov chain: configuration, generator and counters.
#[derive(Clone, Debug)]
pub struct Chain {
    /// Current configuration.
    pub sigma: Vec<i8>,
    /// The chain's own generator.
    pub rng: Xoshiro256PlusPlus,
    /// Whether the initial burn-in has been done.
    pub thermalized: bool,
}

/// Parallel Metropolis chains.
#[derive(Clone, Debug)]
pub struct Metropolis {
    rule: Rule,
    settings: MetropolisSettings,
    n_sites: usize,
    chains: Vec<Chain>,
}

impl Metropolis {
    /// Chains on `space`, started from random configurations drawn from each chain's
    /// generator (chain `c` uses the `c`-th jump of the stream seeded by `seed`).
    pub fn new(
        space: &SpinHilbert,
        lattice: &Lattice,
        exchange: bool,
        settings: MetropolisSettings,
        seed: u64,
    ) -> Result<Self> {
        let n = space.n_sites();
        if settings.n_chains == 0 {
            return Err(Error::invalid(
                "sampler.chains",
                "0 must be at least 1 (chains run in parallel; e.g. 16)",
            ));
        }
        let rule = if exchange {
            if space.n_up().is_none() {
                return Err(Error::invalid(
                    "sampler.kind",
                    "the exchange sampler conserves the magnetization, so it needs a fixed \
                     sector: set system.total_sz (e.g. 0), or use kind = \"local\"",
                ));
            }
            if lattice.bonds().is_empty() {
                return Err(Error::invalid(
                    "sampler.kind",
                    "the exchange sampler swaps spins along bonds, and the lattice has none",
                ));
            }
            Rule::Exchange {
                bonds: lattice.bonds().to_vec(),
            }
        } else {
            if space.n_up().is_some() {
                return Err(Error::invalid(
                    "sampler.kind",
                    "local spin flips change the magnetization, so they cannot sample a fixed \
                     Sz sector: use kind = \"exchange\", or set system.total_sz = \"all\"",
                ));
            }
            Rule::Local
        };
        let mut stream = Xoshiro256PlusPlus::seed_from_u64(seed);
        let chains = (0..settings.n_chains)
            .map(|_| {
                let mut rng = stream.clone();
                stream.jump();
                let sigma = random_configuration(space, &mut rng);
                Chain {
                    sigma,
                    rng,
                    thermalized: false,
                }
            })
            .collect();
        Ok(Self {
            rule,
            settings,
            n_sites: n,
            chains,
        })
    }

    /// Number of chains.
    pub fn n_chains(&self) -> usize {
        self.chains.len()
    }

    /// The chains (for checkpoints and tests).
    pub fn chains(&self) -> &[Chain] {
        &self.chains
    }

    /// Replaces the chains by saved ones (same number, same lattice size).
    pub fn restore_chains(&mut self, chains: Vec<Chain>) -> Result<()> {
        if chains.len() != self.chains.len() || chains.iter().any(|c| c.sigma.len() != self.n_sites)
        {
            return Err(Error::invalid(
                "checkpoint",
                format!(
                    "holds {} chains of {} sites, but the deck asks for {} chains of {} sites",
                    chains.len(),
                    chains.first().map_or(0, |c| c.sigma.len()),
                    self.chains.len(),
                    self.n_sites
                ),
            ));
        }
        self.chains = chains;
        Ok(())
    }

    /// Proposals per recorded sample.
    pub fn sweep_len(&self) -> usize {
        if self.settings.sweep == 0 {
            self.n_sites
        } else {
            self.settings.sweep
        }
    }

    /// Short description.
    pub fn describe(&self) -> String {
        let rule = match self.rule {
            Rule::Local => "local flips",
            Rule::Exchange { .. } => "bond exchanges",
        };
        format!(
            "Metropolis ({rule}), {} chains, {} proposals per sample, {} sweeps discarded per batch",
            self.chains.len(),
            self.sweep_len(),
            self.settings.discard
        )
    }

    /// Records `per_chain` samples from every chain, calling `visitor` on each.
    pub fn sample<A: Ansatz, V: Visitor<A>>(
        &mut self,
        ansatz: &A,
        per_chain: usize,
        visitor: &V,
    ) -> Batch<A::T> {
        let sweep = self.sweep_len();
        let n = self.n_sites;
        let width = visitor.width();
        let settings = &self.settings;
        let rule = &self.rule;
        let results: Vec<(Vec<A::T>, u64, u64)> = self
            .chains
            .par_iter_mut()
            .map(|chain| {
                let mut cache = ansatz.cache(&chain.sigma);
                let mut moves = Moves::default();
                let warmup = if chain.thermalized {
                    settings.discard
                } else {
                    settings.discard + settings.burn_in
                };
                chain.thermalized = true;
                for _ in 0..warmup * n {
                    moves.step(ansatz, rule, chain, &mut cache);
                }
                let mut values = Vec::with_capacity(per_chain * width);
                for _ in 0..per_chain {
                    for _ in 0..sweep {
                        moves.step(ansatz, rule, chain, &mut cache);
                    }
                    ansatz.refresh(&chain.sigma, &mut cache);
                    visitor.visit(ansatz, &chain.sigma, &cache, &mut values);
                }
                (values, moves.accepted, moves.proposed)
            })
            .collect();
        let (mut accepted, mut proposed) = (0u64, 0u64);
        let mut values = Vec::with_capacity(self.chains.len() * per_chain * width);
        for (v, a, p) in results {
            values.extend(v);
            accepted += a;
            proposed += p;
        }
        Batch {
            n_chains: self.chains.len(),
            per_chain,
            width,
            values,
            weights: None,
            acceptance: accepted as f64 / proposed.max(1) as f64,
        }
    }
}

#[derive(Default)]
struct Moves {
    accepted: u64,
    proposed: u64,
}

impl Moves {
    #[inline]
    fn step<A: Ansatz>(
        &mut self,
        ansatz: &A,
        rule: &Rule,
        chain: &mut Chain,
        cache: &mut A::Cache,
    ) {
        self.proposed += 1;
        let mut pair = [0usize; 2];
        let flips: &[usize] = match rule {
            Rule::Local => {
                pair[0] = chain.rng.random_range(0..chain.sigma.len());
                &pair[..1]
            }
            Rule::Exchange { bonds } => {
                let (i, j) = bonds[chain.rng.random_range(0..bonds.len())];
                if chain.sigma[i] == chain.sigma[j] {
                    return;
                }
                pair = [i, j];
                &pair
            }
        };
        let p = ansatz.ratio(&chain.sigma, cache, flips).abs2();
        if p >= 1.0 || chain.rng.random::<f64>() < p {
            ansatz.flip(&mut chain.sigma, cache, flips);
            self.accepted += 1;
        }
    }
}

/// A uniformly random configuration of `space` (a random arrangement of the fixed
/// number of up spins in a sector).
pub fn random_configuration(space: &SpinHilbert, rng: &mut Xoshiro256PlusPlus) -> Vec<i8> {
    let n = space.n_sites();
    match space.n_up() {
        None => (0..n)
            .map(|_| if rng.random::<bool>() { 1 } else { -1 })
            .collect(),
        Some(k) => {
            let mut sigma: Vec<i8> = (0..n).map(|i| if i < k { 1 } else { -1 }).collect();
            // Fisher–Yates.
            for i in (1..n).rev() {
                let j = rng.random_range(0..=i);
                sigma.swap(i, j);
            }
            sigma
        }
    }
}
