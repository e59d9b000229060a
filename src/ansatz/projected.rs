//! Symmetry projection of any ansatz onto one irreducible sector of a group of
//! site permutations, optionally combined with the global spin flip:
//!
//! `ψ_P(σ) = Σ_e χ_e ψ(eσ)`,  `(eσ)ᵢ = s_e σ_{g_e(i)}`, `s_e = ±1` (spin flip),
//!
//! with characters `χ_e = e^{−ik·t_e} p^{f_e}` (momentum `k` of translation `t_e`, and
//! spin-flip parity `p` when `e` flips). Then `ψ_P(e'σ) = χ_{e'}^* ψ_P(σ)` for every
//! element: the state has momentum `k` and parity `p`.
//!
//! The cache holds, per element, the transformed configuration `eσ`, the base
//! ansatz's cache of it, and the normalized weights `w_e = χ_e ψ(eσ)/ψ_P(σ)`. Flipping
//! `σⱼ` flips `(eσ)ᵢ` at `i = g_e⁻¹(j)`, so a ratio is `Σ_e w_e r_e` with `r_e` the base
//! ratios (cost `|G|` base ratios), and `∂ ln ψ_P = Σ_e w_e ∂ ln ψ(eσ)`.
//!
//! Outside the symmetric sector (momentum ≠ 0 or parity −1), `ψ_P` vanishes exactly on
//! configurations fixed by an element with `χ_e ≠ 1` (a Néel state under the spin flip
//! at parity −1, the fully polarized state at any momentum ≠ 0). Such a node is
//! detected by cancellation, `|Σ_e χ_e ψ(eσ)| ≤ 10⁻¹⁰ Σ_e |ψ(eσ)|`, and gets
//! `ln ψ_P = −∞`: the exact sampler leaves it out, and a Markov chain started on it
//! accepts its first move (the ratio out of a node is infinite) and never returns
//! (the ratio into one is zero to rounding).

use super::Ansatz;
use crate::error::{Error, Result};
use crate::scalar::Scalar;

/// `ψ_P(σ) = Σ_e χ_e ψ(eσ)` for a base ansatz `A`. With real parameters and
/// characters ±1, `ψ_P` may be negative: `log_psi` is then `ln|ψ_P|`, and the
/// ratios carry the sign.
#[derive(Clone, Debug)]
pub struct Projected<A: Ansatz> {
    base: A,
    /// `g_e(i)` per element.
    perms: Vec<Vec<usize>>,
    /// `g_e⁻¹(j)` per element.
    inverses: Vec<Vec<usize>>,
    /// Whether element `e` also flips every spin.
    flips: Vec<bool>,
    characters: Vec<A::T>,
}

/// Per element: `eσ` and its base cache; the weights `w_e` and `ln ψ_P` (`−∞` on a
/// node, where the weights are zero).
#[derive(Clone, Debug)]
pub struct ProjectedCache<A: Ansatz> {
    configurations: Vec<Vec<i8>>,
    caches: Vec<A::Cache>,
    weights: Vec<A::T>,
    log_psi: A::T,
    node: bool,
}

/// Relative size of `|ψ_P|` below which the terms are taken to cancel exactly.
const NODE_TOLERANCE: f64 = 1e-10;

/// Whether terms summing to `total`, with `scale = Σ|term|`, cancel: a node.
fn cancels<T: Scalar>(total: T, scale: f64) -> bool {
    total.abs2().sqrt() <= NODE_TOLERANCE * scale
}

impl<A: Ansatz> Projected<A> {
    /// Projects `base` with the elements `(g_e, flips_e)` and characters `χ_e`.
    pub fn new(
        base: A,
        perms: Vec<Vec<usize>>,
        flips: Vec<bool>,
        characters: Vec<A::T>,
    ) -> Result<Self> {
        let n = base.n_sites();
        assert!(perms.len() == flips.len() && perms.len() == characters.len());
        assert!(perms.iter().all(|p| p.len() == n));
        if characters.iter().any(|c| (c.abs2() - 1.0).abs() > 1e-12) {
            return Err(Error::invalid(
                "ansatz.momentum",
                "the characters of a one-dimensional representation have modulus 1",
            ));
        }
        let inverses = perms
            .iter()
            .map(|p| {
                let mut inv = vec![0; n];
                for (i, &j) in p.iter().enumerate() {
                    inv[j] = i;
                }
                inv
            })
            .collect();
        Ok(Self {
            base,
            perms,
            inverses,
            flips,
            characters,
        })
    }

    /// The base ansatz.
    pub fn base(&self) -> &A {
        &self.base
    }

    /// Number of group elements `|G|`.
    pub fn n_elements(&self) -> usize {
        self.perms.len()
    }

    /// Calls `f` with the sites `g_e⁻¹(j)` of `flips` in the frame of element `e`; on
    /// the stack for the one- and two-spin moves of samplers and local energies.
    fn with_mapped<R>(&self, e: usize, flips: &[usize], f: impl FnOnce(&[usize]) -> R) -> R {
        let inverse = &self.inverses[e];
        let mut buffer = [0usize; 4];
        if flips.len() <= buffer.len() {
            for (m, &j) in buffer.iter_mut().zip(flips) {
                *m = inverse[j];
            }
            f(&buffer[..flips.len()])
        } else {
            f(&flips.iter().map(|&j| inverse[j]).collect::<Vec<_>>())
        }
    }

    fn transform(&self, e: usize, sigma: &[i8]) -> Vec<i8> {
        let s = if self.flips[e] { -1 } else { 1 };
        self.perms[e].iter().map(|&g| s * sigma[g]).collect()
    }

    /// `ln ψ_P`, the weights and whether `σ` is a node, from the base logs:
    /// `ln Σ_e χ_e e^{l_e}`, shifted by the largest real part.
    fn combine(&self, logs: &[A::T]) -> (A::T, Vec<A::T>, bool) {
        let shift = logs
            .iter()
            .map(|l| l.re())
            .fold(f64::NEG_INFINITY, f64::max);
        let terms: Vec<A::T> = logs
            .iter()
            .zip(&self.characters)
            .map(|(&l, &c)| c * (l - A::T::from_real(shift)).exp())
            .collect();
        let total: A::T = terms.iter().copied().sum();
        let scale: f64 = terms.iter().map(|t| t.abs2().sqrt()).sum();
        if cancels(total, scale) {
            let zero = vec![A::T::zero(); terms.len()];
            return (A::T::from_real(f64::NEG_INFINITY), zero, true);
        }
        let weights = terms.iter().map(|&t| t / total).collect();
        (signed_log(total) + A::T::from_real(shift), weights, false)
    }
}

/// `ln x`, or `ln|x|` for a real `x`: a real `ψ_P` can be negative (characters −1),
/// and its sign then lives in the weights, hence in every ratio.
fn signed_log<T: Scalar>(x: T) -> T {
    if T::COMPLEX {
        x.ln()
    } else {
        T::from_real(x.abs2().sqrt().ln())
    }
}

impl<T: Scalar, A: Ansatz<T = T>> Ansatz for Projected<A> {
    type T = T;
    type Cache = ProjectedCache<A>;

    fn name(&self) -> &'static str {
        self.base.name()
    }

    fn n_sites(&self) -> usize {
        self.base.n_sites()
    }

    fn n_params(&self) -> usize {
        self.base.n_params()
    }

    fn params(&self) -> &[A::T] {
        self.base.params()
    }

    fn set_params(&mut self, params: &[A::T]) {
        self.base.set_params(params);
    }

    fn cache(&self, sigma: &[i8]) -> ProjectedCache<A> {
        let configurations: Vec<Vec<i8>> = (0..self.n_elements())
            .map(|e| self.transform(e, sigma))
            .collect();
        let caches: Vec<A::Cache> = configurations.iter().map(|c| self.base.cache(c)).collect();
        let logs: Vec<A::T> = configurations
            .iter()
            .zip(&caches)
            .map(|(c, k)| self.base.log_psi(c, k))
            .collect();
        let (log_psi, weights, node) = self.combine(&logs);
        ProjectedCache {
            configurations,
            caches,
            weights,
            log_psi,
            node,
        }
    }

    fn log_psi(&self, _sigma: &[i8], cache: &ProjectedCache<A>) -> A::T {
        cache.log_psi
    }

    fn ratio(&self, _sigma: &[i8], cache: &ProjectedCache<A>, flips: &[usize]) -> A::T {
        if cache.node {
            return A::T::from_real(f64::INFINITY);
        }
        let mut ratio = A::T::zero();
        for e in 0..self.n_elements() {
            let r = self.with_mapped(e, flips, |mapped| {
                self.base
                    .ratio(&cache.configurations[e], &cache.caches[e], mapped)
            });
            ratio += cache.weights[e] * r;
        }
        ratio
    }

    /// Off a node, the weights follow the base ratios `r_e` multiplicatively:
    /// `w_e' = w_e r_e / R` and `ln ψ_P' = ln ψ_P + ln R`, `R = Σ_e w_e r_e`, with no
    /// `ln ψ(eσ)` recomputed. Onto or off a node, everything is recombined.
    fn flip(&self, sigma: &mut [i8], cache: &mut ProjectedCache<A>, flips: &[usize]) {
        let was_node = cache.node;
        let mut total = A::T::zero();
        let mut scale = 0.0;
        for e in 0..self.n_elements() {
            let (configuration, base_cache) = (&mut cache.configurations[e], &mut cache.caches[e]);
            self.with_mapped(e, flips, |mapped| {
                if !was_node {
                    let term =
                        cache.weights[e] * self.base.ratio(configuration, base_cache, mapped);
                    cache.weights[e] = term;
                    total += term;
                    scale += term.abs2().sqrt();
                }
                self.base.flip(configuration, base_cache, mapped)
            });
        }
        for &j in flips {
            sigma[j] = -sigma[j];
        }
        if !was_node && !cancels(total, scale) {
            cache.weights.iter_mut().for_each(|w| *w /= total);
            cache.log_psi += signed_log(total);
            return;
        }
        let logs: Vec<A::T> = (0..self.n_elements())
            .map(|e| {
                self.base
                    .log_psi(&cache.configurations[e], &cache.caches[e])
            })
            .collect();
        let (log_psi, weights, node) = self.combine(&logs);
        cache.log_psi = log_psi;
        cache.weights = weights;
        cache.node = node;
    }

    fn refresh(&self, sigma: &[i8], cache: &mut ProjectedCache<A>) {
        *cache = self.cache(sigma);
    }

    fn log_grad(&self, _sigma: &[i8], cache: &ProjectedCache<A>, out: &mut [A::T]) {
        out.fill(A::T::zero());
        let mut term = vec![A::T::zero(); self.n_params()];
        for e in 0..self.n_elements() {
            self.base
                .log_grad(&cache.configurations[e], &cache.caches[e], &mut term);
            let w = cache.weights[e];
            out.iter_mut().zip(&term).for_each(|(o, &t)| *o += w * t);
        }
    }
}

/// A symmetry group as [`Projected::new`] takes it: per element the site permutation
/// `g_e`, whether it flips every spin, and its character `χ_e`.
pub type SectorGroup<T> = (Vec<Vec<usize>>, Vec<bool>, Vec<T>);

/// Elements and characters of the translation group of a lattice (`translations`,
/// `t[g][i]` the image of site `i`, with `g = tx + lx·ty`), momentum `(kx, ky)` in
/// units of `2π/L` per direction, optionally times the global spin flip with parity
/// `parity = ±1`: `(perms, flips, characters)` for [`Projected::new`].
pub fn translation_sector<T: Scalar>(
    translations: Vec<Vec<usize>>,
    lengths: (usize, usize),
    momentum: (i64, i64),
    parity: Option<i8>,
) -> SectorGroup<T> {
    let (lx, ly) = lengths;
    let character = |g: usize| -> T {
        let (tx, ty) = ((g % lx) as f64, (g / lx) as f64);
        let phase = -2.0
            * std::f64::consts::PI
            * (momentum.0 as f64 * tx / lx as f64 + momentum.1 as f64 * ty / ly as f64);
        T::from_c64(num_complex::Complex64::from_polar(1.0, phase))
    };
    let mut perms = Vec::new();
    let mut flips = Vec::new();
    let mut characters = Vec::new();
    let spin = match parity {
        Some(p) => vec![(false, 1.0), (true, p as f64)],
        None => vec![(false, 1.0)],
    };
    for (flip, sign) in spin {
        for (g, t) in translations.iter().enumerate() {
            perms.push(t.clone());
            flips.push(flip);
            characters.push(character(g) * sign);
        }
    }
    (perms, flips, characters)
}
