//! Exact "sampling": every basis state of the space, weighted by `|ψ(σ)|² / Σ|ψ|²`.
//! For small systems and tests; expectation values are then exact sums.

use super::{Batch, Visitor};
use crate::ansatz::Ansatz;
use crate::error::{Error, Result};
use crate::hilbert::{unpack, Basis, SpinHilbert};
use crate::scalar::Scalar;
use rayon::prelude::*;

/// Largest basis the exact sampler enumerates.
pub const MAX_EXACT_STATES: usize = 1 << 22;

/// Enumerates the basis of a space.
#[derive(Clone, Debug)]
pub struct ExactSampler {
    basis: Basis,
}

impl ExactSampler {
    /// The sampler for `space`; refused above [`MAX_EXACT_STATES`] states.
    pub fn new(space: &SpinHilbert) -> Result<Self> {
        let basis = Basis::new(space, MAX_EXACT_STATES).map_err(|_| {
            Error::invalid(
                "sampler.kind",
                format!(
                    "exact enumeration is limited to {MAX_EXACT_STATES} states and this space has \
                     {:.3e}; use kind = \"local\" or \"exchange\"",
                    space.dimension()
                ),
            )
        })?;
        Ok(Self { basis })
    }

    /// Number of basis states.
    pub fn dim(&self) -> usize {
        self.basis.dim()
    }

    /// Visits every basis state; weights are `|ψ|²` normalized.
    pub fn sample<A: Ansatz, V: Visitor<A>>(&self, ansatz: &A, visitor: &V) -> Result<Batch<A::T>> {
        let n = self.basis.n_sites();
        let width = visitor.width();
        let rows: Vec<(f64, Vec<A::T>)> = (0..self.basis.dim())
            .into_par_iter()
            .map(|i| {
                let mut sigma = vec![0i8; n];
                unpack(self.basis.state(i), &mut sigma);
                let cache = ansatz.cache(&sigma);
                let log_amp = 2.0 * ansatz.log_psi(&sigma, &cache).re();
                let mut values = Vec::with_capacity(width);
                if log_amp != f64::NEG_INFINITY {
                    visitor.visit(ansatz, &sigma, &cache, &mut values);
                }
                (log_amp, values)
            })
            .collect();
        // ψ = 0 exactly (ln|ψ|² = −∞: a symmetry-forced node) carries no weight and
        // has no local energy; the states are left out.
        let rows: Vec<(f64, Vec<A::T>)> = rows
            .into_iter()
            .filter(|r| r.0 != f64::NEG_INFINITY)
            .collect();
        let max = rows.iter().map(|r| r.0).fold(f64::NEG_INFINITY, f64::max);
        if !max.is_finite() || rows.iter().any(|r| r.0.is_nan()) {
            return Err(Error::Numerical(
                "the wave function is not finite on some configuration, or zero on all".into(),
            ));
        }
        let mut weights: Vec<f64> = rows.iter().map(|r| (r.0 - max).exp()).collect();
        let total: f64 = weights.iter().sum();
        weights.iter_mut().for_each(|w| *w /= total);
        let values = rows.into_iter().flat_map(|r| r.1).collect();
        Ok(Batch {
            n_chains: 1,
            per_chain: weights.len(),
            width,
            values,
            weights: Some(weights),
            acceptance: 1.0,
        })
    }
}
