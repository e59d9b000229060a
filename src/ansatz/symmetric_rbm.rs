//! Translation-symmetric restricted Boltzmann machine (Carleo & Troyer 2017; NetKet's
//! `RBMSymm`): `α` feature filters `W_f` shared over the translation group `G` of the
//! lattice,
//!
//! `ln ψ(σ) = a Σᵢ σᵢ + Σ_f Σ_{g∈G} ln cosh θ_{f,g}`,  `θ_{f,g} = b_f + Σᵢ W_f,ᵢ σ_{g(i)}`,
//!
//! so `ψ(σ∘g) = ψ(σ)` for every translation `g` (momentum zero). Parameters are stored
//! flat as `[a, b (α), W (α × N, row f = feature)]`: `1 + α + αN` in all, against
//! `N + αN + αN²` for a plain RBM with as many hidden units. Log-derivatives:
//! `∂/∂a = Σᵢ σᵢ`, `∂/∂b_f = Σ_g tanh θ_{f,g}`, `∂/∂W_f,ᵢ = Σ_g tanh θ_{f,g} σ_{g(i)}`.
//!
//! It *is* an RBM with `M = α|G|` hidden units and tied weights
//! (`a_s = a`, `b_{f,g} = b_f`, `W_{(f,g), g(i)} = W_f,ᵢ`), and it is evaluated as one:
//! the expanded [`Rbm`] holds the look-up tables, so the cache is one `θ` per feature
//! and group element and single-flip ratios cost `O(α|G|)` with no transcendental
//! function. Only the parameter map (expand on update, contract the log-derivatives)
//! is specific to the symmetry.

use super::rbm::RbmCache;
use super::{gaussian_params, Ansatz, Rbm};
use crate::error::{Error, Result};
use crate::lattice::Lattice;
use crate::scalar::Scalar;

/// Translation-symmetric RBM with parameters in `T`.
#[derive(Clone, Debug)]
pub struct SymmetricRbm<T: Scalar> {
    n: usize,
    features: usize,
    /// `g(i)` at `[g·N + i]`.
    group: Vec<usize>,
    n_group: usize,
    params: Vec<T>,
    rbm: Rbm<T>,
}

impl<T: Scalar> SymmetricRbm<T> {
    /// A symmetric RBM on `lattice` with `features` filters, parameters drawn from a
    /// centred normal distribution of standard deviation `init_std`.
    pub fn new<R: rand::Rng>(
        lattice: &Lattice,
        features: usize,
        init_std: f64,
        rng: &mut R,
    ) -> Result<Self> {
        let group = lattice.translations().ok_or_else(|| {
            Error::invalid(
                "ansatz.kind",
                format!(
                    "rbm-symmetric needs a translation-invariant lattice (a periodic chain or \
                     rectangle), not a {}; use kind = \"rbm\"",
                    lattice.describe()
                ),
            )
        })?;
        if features == 0 {
            return Err(Error::invalid(
                "ansatz.alpha",
                "must be a positive whole number of features for rbm-symmetric, e.g. alpha = 2",
            ));
        }
        if !(init_std >= 0.0 && init_std.is_finite()) {
            return Err(Error::invalid(
                "ansatz.init_std",
                format!("{init_std} must be a non-negative number, e.g. 0.01"),
            ));
        }
        let n = lattice.n_sites();
        let params = gaussian_params(1 + features + features * n, init_std, rng);
        Ok(Self::from_params(group, features, params))
    }

    /// A symmetric RBM over the group `group` (site permutations, `group[g][i] = g(i)`)
    /// with given parameters `[a, b, W]`.
    pub fn from_params(group: Vec<Vec<usize>>, features: usize, params: Vec<T>) -> Self {
        let n_group = group.len();
        let n = group[0].len();
        assert_eq!(params.len(), 1 + features + features * n);
        let group: Vec<usize> = group.into_iter().flatten().collect();
        let rbm = Rbm::from_params(n, features * n_group, expand(n, features, &group, &params));
        Self {
            n,
            features,
            group,
            n_group,
            params,
            rbm,
        }
    }

    /// Number of feature filters `α`.
    pub fn features(&self) -> usize {
        self.features
    }

    /// The equivalent plain RBM (tied weights expanded).
    pub fn as_rbm(&self) -> &Rbm<T> {
        &self.rbm
    }
}

/// The plain-RBM parameters `[a (N), b (α|G|), W (α|G| × N)]` of the symmetric
/// parameters `[a, b (α), W (α × N)]`; hidden unit `j = f·|G| + g`.
fn expand<T: Scalar>(n: usize, features: usize, group: &[usize], params: &[T]) -> Vec<T> {
    let n_group = group.len() / n;
    let m = features * n_group;
    let mut full = vec![T::zero(); n + m + m * n];
    full[..n].fill(params[0]);
    let (b, w) = params[1..].split_at(features);
    for f in 0..features {
        for g in 0..n_group {
            let j = f * n_group + g;
            full[n + j] = b[f];
            let row = &mut full[n + m + j * n..n + m + (j + 1) * n];
            for (i, &site) in group[g * n..(g + 1) * n].iter().enumerate() {
                row[site] = w[f * n + i];
            }
        }
    }
    full
}

impl<T: Scalar> Ansatz for SymmetricRbm<T> {
    type T = T;
    type Cache = RbmCache<T>;

    fn name(&self) -> &'static str {
        "rbm-symmetric"
    }

    fn n_sites(&self) -> usize {
        self.n
    }

    fn n_params(&self) -> usize {
        self.params.len()
    }

    fn params(&self) -> &[T] {
        &self.params
    }

    fn set_params(&mut self, params: &[T]) {
        self.params.copy_from_slice(params);
        let full = expand(self.n, self.features, &self.group, &self.params);
        self.rbm.set_params(&full);
    }

    fn cache(&self, sigma: &[i8]) -> RbmCache<T> {
        self.rbm.cache(sigma)
    }

    fn log_psi(&self, sigma: &[i8], cache: &RbmCache<T>) -> T {
        self.rbm.log_psi(sigma, cache)
    }

    fn ratio(&self, sigma: &[i8], cache: &RbmCache<T>, flips: &[usize]) -> T {
        self.rbm.ratio(sigma, cache, flips)
    }

    fn single_flip_ratios(&self, sigma: &[i8], cache: &RbmCache<T>, out: &mut [T]) -> bool {
        self.rbm.single_flip_ratios(sigma, cache, out)
    }

    fn flip(&self, sigma: &mut [i8], cache: &mut RbmCache<T>, flips: &[usize]) {
        self.rbm.flip(sigma, cache, flips)
    }

    fn refresh(&self, sigma: &[i8], cache: &mut RbmCache<T>) {
        self.rbm.refresh(sigma, cache)
    }

    fn log_grad(&self, sigma: &[i8], cache: &RbmCache<T>, out: &mut [T]) {
        let (n, features, n_group) = (self.n, self.features, self.n_group);
        out[0] = T::from_real(sigma.iter().map(|&s| s as f64).sum());
        let tanh = cache.tanh();
        let (ob, ow) = out[1..].split_at_mut(features);
        ow.fill(T::zero());
        for f in 0..features {
            let t = &tanh[f * n_group..(f + 1) * n_group];
            ob[f] = t.iter().copied().sum();
            let row = &mut ow[f * n..(f + 1) * n];
            for (g, &tg) in t.iter().enumerate() {
                for (o, &site) in row.iter_mut().zip(&self.group[g * n..(g + 1) * n]) {
                    *o += tg * sigma[site] as f64;
                }
            }
        }
    }
}
