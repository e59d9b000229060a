//! Two-body Jastrow wave function: `ln ψ(σ) = Σ_{i<j} J_ij σᵢσⱼ`.
//!
//! Parameters are the `N(N−1)/2` couplings `J_ij` (`i < j`, ordered row by row). The
//! cache holds the local fields `hᵢ = Σ_{j≠i} J_ij σⱼ`; flipping a set `F` of spins
//! changes `ln ψ` by `−2 Σ_{i∈F} σᵢhᵢ + 4 Σ_{i<k∈F} J_ik σᵢσ_k` (`O(|F|²)`), and
//! accepting it updates the fields in `O(N |F|)`. Log-derivatives are `σᵢσⱼ`.

use super::{gaussian_params, Ansatz};
use crate::error::{Error, Result};
use crate::scalar::Scalar;

/// Jastrow wave function with couplings in `T`.
#[derive(Clone, Debug)]
pub struct Jastrow<T: Scalar> {
    n: usize,
    params: Vec<T>,
    /// Symmetric `N × N` coupling matrix with zero diagonal.
    full: Vec<T>,
}

/// Local fields `hᵢ = Σⱼ J_ij σⱼ`.
#[derive(Clone, Debug)]
pub struct JastrowCache<T> {
    field: Vec<T>,
}

impl<T: Scalar> Jastrow<T> {
    /// A Jastrow state on `n_sites` spins with couplings drawn from a centred normal
    /// distribution of standard deviation `init_std`.
    pub fn new<R: rand::Rng>(n_sites: usize, init_std: f64, rng: &mut R) -> Result<Self> {
        if n_sites < 2 {
            return Err(Error::invalid(
                "ansatz.kind",
                "a Jastrow state needs at least two sites",
            ));
        }
        if !(init_std >= 0.0 && init_std.is_finite()) {
            return Err(Error::invalid(
                "ansatz.init_std",
                format!("{init_std} must be a non-negative number, e.g. 0.01"),
            ));
        }
        let params = gaussian_params(n_sites * (n_sites - 1) / 2, init_std, rng);
        Ok(Self::from_params(n_sites, params))
    }

    /// A Jastrow state with given couplings (`J_01, J_02, …, J_12, …`).
    pub fn from_params(n_sites: usize, params: Vec<T>) -> Self {
        assert_eq!(params.len(), n_sites * (n_sites - 1) / 2);
        let mut j = Self {
            n: n_sites,
            params,
            full: vec![T::zero(); n_sites * n_sites],
        };
        j.expand();
        j
    }

    fn expand(&mut self) {
        let n = self.n;
        let mut k = 0;
        for i in 0..n {
            for j in i + 1..n {
                self.full[i * n + j] = self.params[k];
                self.full[j * n + i] = self.params[k];
                k += 1;
            }
        }
    }
}

impl<T: Scalar> Ansatz for Jastrow<T> {
    type T = T;
    type Cache = JastrowCache<T>;

    fn name(&self) -> &'static str {
        "jastrow"
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
        self.expand();
    }

    fn cache(&self, sigma: &[i8]) -> JastrowCache<T> {
        let n = self.n;
        let field = (0..n)
            .map(|i| {
                self.full[i * n..(i + 1) * n]
                    .iter()
                    .zip(sigma)
                    .map(|(&j, &s)| j * s as f64)
                    .sum()
            })
            .collect();
        JastrowCache { field }
    }

    fn log_psi(&self, sigma: &[i8], cache: &JastrowCache<T>) -> T {
        // Σ_{i<j} J_ij σᵢσⱼ = ½ Σᵢ σᵢ hᵢ.
        sigma
            .iter()
            .zip(&cache.field)
            .map(|(&s, &h)| h * (0.5 * s as f64))
            .sum()
    }

    fn ratio(&self, sigma: &[i8], cache: &JastrowCache<T>, flips: &[usize]) -> T {
        let mut log = T::zero();
        for (a, &i) in flips.iter().enumerate() {
            let si = sigma[i] as f64;
            log -= cache.field[i] * (2.0 * si);
            for &k in &flips[a + 1..] {
                log += self.full[i * self.n + k] * (4.0 * si * sigma[k] as f64);
            }
        }
        log.exp()
    }

    fn flip(&self, sigma: &mut [i8], cache: &mut JastrowCache<T>, flips: &[usize]) {
        let n = self.n;
        for &i in flips {
            let s = 2.0 * sigma[i] as f64;
            for (h, &j) in cache.field.iter_mut().zip(&self.full[i * n..(i + 1) * n]) {
                *h -= j * s;
            }
            sigma[i] = -sigma[i];
        }
    }

    fn refresh(&self, _sigma: &[i8], _cache: &mut JastrowCache<T>) {}

    fn log_grad(&self, sigma: &[i8], _cache: &JastrowCache<T>, out: &mut [T]) {
        let mut k = 0;
        for i in 0..self.n {
            for j in i + 1..self.n {
                out[k] = T::from_real((sigma[i] * sigma[j]) as f64);
                k += 1;
            }
        }
    }
}
