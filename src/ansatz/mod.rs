//! Neural quantum states: `ψ_θ(σ)` for spin configurations `σ ∈ {±1}ᴺ`.
//!
//! Every ansatz keeps a per-configuration *cache* (a look-up table such as the RBM's
//! hidden pre-activations `θ = b + Wσ`), from which the ratio `ψ(σ')/ψ(σ)` for a few
//! flipped spins costs `O(M)` instead of a full `O(N·M)` re-evaluation; accepting a move
//! updates the cache in place. Parameters live in one flat vector of real (`f64`) or
//! complex (`Complex64`) numbers: real parameters give a real, positive ψ (enough for
//! stoquastic Hamiltonians such as the TFIM or the Heisenberg model with the Marshall
//! sign rule), complex ones give a phase.

mod autoregressive;
mod ffnn;
mod jastrow;
mod projected;
mod rbm;
mod symmetric_rbm;

pub use autoregressive::{Autoregressive, AutoregressiveCache};
pub use ffnn::{
    check_layers, n_params as ffnn_n_params, Ffnn, FfnnCache, MAX_LAYERS as FFNN_MAX_LAYERS,
};
pub use jastrow::Jastrow;
pub use projected::{translation_sector, Projected, ProjectedCache, SectorGroup};
#[cfg(all(target_arch = "x86_64", target_feature = "avx"))]
pub(crate) use rbm::flip_product_f64;
pub(crate) use rbm::flip_product_generic;
pub use rbm::{Rbm, RbmCache};
pub use symmetric_rbm::SymmetricRbm;

use crate::scalar::Scalar;

/// How the log-derivatives `O_k = ∂ ln ψ / ∂θ_k` of one configuration are reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JacobianLayout {
    /// The row is `O` itself (`n_params` values).
    Dense,
    /// RBM structure: the row is `[σ (n_visible), tanh θ (n_hidden)]` and the full
    /// `O = [σ, tanh θ, tanh θ ⊗ σ]` (weights row-major, hidden index first), so that
    /// inner products of rows factorize: `⟨O, O'⟩ = σ·σ' + t·t̄' + (σ·σ')(t·t̄')`.
    VisibleHidden { n_visible: usize, n_hidden: usize },
}

/// A variational wave function with cached ratios.
pub trait Ansatz: Clone + Send + Sync {
    /// Parameter and amplitude field (`f64` or `Complex64`).
    type T: Scalar;
    /// Per-configuration look-up table.
    type Cache: Clone + Send + Sync;

    /// Short name for reports (`rbm`, `jastrow`).
    fn name(&self) -> &'static str;
    /// Number of sites `N`.
    fn n_sites(&self) -> usize;
    /// Number of parameters `P`.
    fn n_params(&self) -> usize;
    /// The flat parameter vector.
    fn params(&self) -> &[Self::T];
    /// Replaces the parameters (and refreshes derived tables).
    fn set_params(&mut self, params: &[Self::T]);

    /// Builds the cache of `σ` from scratch.
    fn cache(&self, sigma: &[i8]) -> Self::Cache;
    /// `ln ψ(σ)` (the branch of the imaginary part is arbitrary).
    fn log_psi(&self, sigma: &[i8], cache: &Self::Cache) -> Self::T;
    /// `ψ(σ')/ψ(σ)` where `σ'` is `σ` with the spins at `flips` reversed (distinct sites).
    fn ratio(&self, sigma: &[i8], cache: &Self::Cache, flips: &[usize]) -> Self::T;
    /// Writes `ψ(σ with spin i reversed)/ψ(σ)` for every site `i` into `out` and
    /// returns `true`, if the ansatz can do so faster than `N` calls of
    /// [`Self::ratio`]; returns `false` (leaving `out` unspecified) otherwise.
    fn single_flip_ratios(
        &self,
        _sigma: &[i8],
        _cache: &Self::Cache,
        _out: &mut [Self::T],
    ) -> bool {
        false
    }
    /// Reverses the spins at `flips` in `σ` and updates the cache.
    fn flip(&self, sigma: &mut [i8], cache: &mut Self::Cache, flips: &[usize]);
    /// Recomputes any incrementally updated part of the cache exactly.
    fn refresh(&self, sigma: &[i8], cache: &mut Self::Cache) {
        *cache = self.cache(sigma);
    }

    /// `O_k = ∂ ln ψ(σ) / ∂θ_k` for every parameter.
    fn log_grad(&self, sigma: &[i8], cache: &Self::Cache, out: &mut [Self::T]);
    /// How [`Self::jacobian_row`] reports the log-derivatives.
    fn jacobian_layout(&self) -> JacobianLayout {
        JacobianLayout::Dense
    }
    /// Length of a Jacobian row in [`Self::jacobian_layout`].
    fn jacobian_row_len(&self) -> usize {
        self.n_params()
    }
    /// Writes the Jacobian row of `σ` in [`Self::jacobian_layout`].
    fn jacobian_row(&self, sigma: &[i8], cache: &Self::Cache, out: &mut [Self::T]) {
        self.log_grad(sigma, cache, out);
    }

    /// Draws `σ` exactly from `|ψ|²` (normalized over the ansatz's sector) into `sigma`
    /// and returns `true`, if the ansatz can (autoregressive ones); `false` otherwise.
    fn sample_directly<R: rand::Rng>(&self, _rng: &mut R, _sigma: &mut [i8]) -> bool {
        false
    }
}

/// Hidden units of a network with density `α` on `n_sites` sites: `round(α·N)`, at
/// least one.
pub fn hidden_units(alpha: f64, n_sites: usize) -> usize {
    ((alpha * n_sites as f64).round() as usize).max(1)
}

/// Draws `n` parameters from a centred normal distribution of standard deviation `std`
/// (complex: real and imaginary parts each with `std`), from the given generator.
pub(crate) fn gaussian_params<T: Scalar, R: rand::Rng>(n: usize, std: f64, rng: &mut R) -> Vec<T> {
    (0..n).map(|_| T::sample_normal(rng) * std).collect()
}
