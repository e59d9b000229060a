//! Autoregressive network (NADE: Larochelle & Murray 2011; for spins: Sharir et al.,
//! PRL 124, 020503 (2020); NetKet's `ARNNDense` with one layer) with exact direct
//! sampling:
//!
//! `ψ(σ) = Πᵢ √pᵢ(σᵢ | σ₁ … σᵢ₋₁)`, each conditional normalized, `pᵢ(+1) + pᵢ(−1) = 1`,
//!
//! so `Σ_σ |ψ(σ)|² = 1` exactly and `σ` can be drawn site by site from the
//! conditionals: independent samples, no Markov chain, no autocorrelation.
//!
//! One masked dense hidden layer of `H` units, shared by all conditionals:
//! `zᵢ = c + Σ_{j<i} W_{·j} σⱼ` (so `z₁ = c`, `zᵢ₊₁ = zᵢ + W_{·i}σᵢ`: all `N`
//! conditionals cost `O(NH)`), `aᵢ = tanh zᵢ`, logit `uᵢ = bᵢ + Vᵢ·aᵢ`, and
//! `pᵢ(s) = 1/(1 + e^{−s uᵢ})`. Parameters `[c (H), W (H × N, column i = site i),
//! b (N), V (N × H, row i = site i)]`, real: ψ > 0 (with the Marshall sign rule for
//! the Heisenberg models).
//!
//! **Fixed magnetization.** In a sector with `n↑` up spins, a site whose value is
//! forced (no up spins left to place, or as many left as sites) has `pᵢ = 1` for the
//! forced value and contributes nothing; every other conditional is as above. The
//! distribution is then normalized over the sector, and direct sampling never leaves
//! it.
//!
//! **Log-derivatives.** With `gᵢ = ½ s(1 − pᵢ(s))` (`s = σᵢ`, free sites; 0 if forced):
//! `∂/∂bᵢ = gᵢ`, `∂/∂Vᵢ = gᵢ aᵢ`, `δzᵢ = gᵢ Vᵢ ∘ (1 − aᵢ²)`, `∂/∂c = Σᵢ δzᵢ`,
//! `∂/∂W_{·j} = σⱼ Σ_{i>j} δzᵢ` (a reverse running sum): `O(NH)` per sample.
//!
//! Ratios have no cheap update (changing `σⱼ` changes every later conditional), so
//! `ψ(σ')/ψ(σ)` is a fresh `O(NH)` evaluation; the cache holds `ln ψ(σ)`.

use super::{gaussian_params, hidden_units, Ansatz};
use crate::error::{Error, Result};
use rand::RngExt;

/// Autoregressive network with real parameters.
#[derive(Clone, Debug)]
pub struct Autoregressive {
    n: usize,
    h: usize,
    /// Up spins of the sector, if fixed.
    n_up: Option<usize>,
    params: Vec<f64>,
}

/// `ln ψ(σ)`.
#[derive(Clone, Debug)]
pub struct AutoregressiveCache {
    log_psi: f64,
}

/// `ln(1 + eˣ)` without overflow.
fn softplus(x: f64) -> f64 {
    if x > 0.0 {
        x + (-x).exp().ln_1p()
    } else {
        x.exp().ln_1p()
    }
}

/// `1/(1 + e^{−x})`.
fn sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

impl Autoregressive {
    /// A network on `n_sites` spins with `round(α·N)` hidden units, in the sector with
    /// `n_up` up spins (`None`: all configurations), parameters from `N(0, init_std²)`.
    pub fn new<R: rand::Rng>(
        n_sites: usize,
        n_up: Option<usize>,
        alpha: f64,
        init_std: f64,
        rng: &mut R,
    ) -> Result<Self> {
        if !(alpha > 0.0 && alpha.is_finite()) {
            return Err(Error::invalid(
                "ansatz.alpha",
                format!("{alpha} must be positive (hidden units per site), e.g. alpha = 1"),
            ));
        }
        if !(init_std >= 0.0 && init_std.is_finite()) {
            return Err(Error::invalid(
                "ansatz.init_std",
                format!("{init_std} must be a non-negative number, e.g. 0.01"),
            ));
        }
        if n_up.is_some_and(|k| k > n_sites) {
            return Err(Error::invalid(
                "system.total_sz",
                "more up spins than sites in the sector",
            ));
        }
        let h = hidden_units(alpha, n_sites);
        let params = gaussian_params(h + 2 * n_sites * h + n_sites, init_std, rng);
        Ok(Self::from_params(n_sites, h, n_up, params))
    }

    /// A network with given parameters `[c, W, b, V]`.
    pub fn from_params(
        n_sites: usize,
        n_hidden: usize,
        n_up: Option<usize>,
        params: Vec<f64>,
    ) -> Self {
        assert_eq!(params.len(), n_hidden + 2 * n_sites * n_hidden + n_sites);
        Self {
            n: n_sites,
            h: n_hidden,
            n_up,
            params,
        }
    }

    /// Number of hidden units `H`.
    pub fn n_hidden(&self) -> usize {
        self.h
    }

    fn c(&self) -> &[f64] {
        &self.params[..self.h]
    }
    /// Column `i` of `W` (the weights of site `i` into the hidden layer).
    fn w(&self, i: usize) -> &[f64] {
        let at = self.h + i * self.h;
        &self.params[at..at + self.h]
    }
    fn b(&self, i: usize) -> f64 {
        self.params[self.h + self.n * self.h + i]
    }
    /// Row `i` of `V`.
    fn v(&self, i: usize) -> &[f64] {
        let at = self.h + self.n * self.h + self.n + i * self.h;
        &self.params[at..at + self.h]
    }

    /// The value forced at site `i` when `placed_up` of the first `i` sites are up.
    fn forced(&self, i: usize, placed_up: usize) -> Option<i8> {
        let k = self.n_up?;
        let remaining_sites = self.n - i;
        let remaining_up = k.checked_sub(placed_up)?;
        if remaining_up == 0 {
            Some(-1)
        } else if remaining_up == remaining_sites {
            Some(1)
        } else {
            None
        }
    }

    /// Walks the sites in order, writing `out`: at each free site `choose(i, a, u)` gets
    /// the hidden activations and the logit and returns the spin to place (`σᵢ` of a
    /// given configuration, or a draw); forced sites take their value. Returns `ln ψ`
    /// of `out`, or `None` if `reference` (the configuration being evaluated, if any)
    /// leaves the sector.
    fn walk(
        &self,
        out: &mut [i8],
        reference: Option<&[i8]>,
        mut choose: impl FnMut(usize, &[f64], f64) -> i8,
    ) -> Option<f64> {
        let mut z = self.c().to_vec();
        let mut a = vec![0.0; self.h];
        let mut log_psi = 0.0;
        let mut placed_up = 0;
        for i in 0..self.n {
            let s = match self.forced(i, placed_up) {
                Some(s) => s,
                None => {
                    if self.n_up.is_some_and(|k| placed_up > k) {
                        return None;
                    }
                    a.iter_mut().zip(&z).for_each(|(a, &z)| *a = z.tanh());
                    let u = self.b(i) + self.v(i).iter().zip(&a).map(|(v, a)| v * a).sum::<f64>();
                    let s = choose(i, &a, u);
                    log_psi -= 0.5 * softplus(-(s as f64) * u);
                    s
                }
            };
            if reference.is_some_and(|r| r[i] != s) {
                // A forced value that σ contradicts: σ is outside the sector.
                return None;
            }
            out[i] = s;
            if s > 0 {
                placed_up += 1;
            }
            let w = self.w(i);
            z.iter_mut().zip(w).for_each(|(z, &w)| *z += w * s as f64);
        }
        if self.n_up.is_some_and(|k| placed_up != k) {
            return None;
        }
        Some(log_psi)
    }

    /// `ln ψ(σ)`; `−∞` outside the sector.
    fn evaluate(&self, sigma: &[i8]) -> f64 {
        let mut copy = sigma.to_vec();
        self.walk(&mut copy, Some(sigma), |i, _, _| sigma[i])
            .unwrap_or(f64::NEG_INFINITY)
    }
}

impl Ansatz for Autoregressive {
    type T = f64;
    type Cache = AutoregressiveCache;

    fn name(&self) -> &'static str {
        "autoregressive"
    }

    fn n_sites(&self) -> usize {
        self.n
    }

    fn n_params(&self) -> usize {
        self.params.len()
    }

    fn params(&self) -> &[f64] {
        &self.params
    }

    fn set_params(&mut self, params: &[f64]) {
        self.params.copy_from_slice(params);
    }

    fn cache(&self, sigma: &[i8]) -> AutoregressiveCache {
        AutoregressiveCache {
            log_psi: self.evaluate(sigma),
        }
    }

    fn log_psi(&self, _sigma: &[i8], cache: &AutoregressiveCache) -> f64 {
        cache.log_psi
    }

    fn ratio(&self, sigma: &[i8], cache: &AutoregressiveCache, flips: &[usize]) -> f64 {
        let mut flipped = sigma.to_vec();
        for &i in flips {
            flipped[i] = -flipped[i];
        }
        (self.evaluate(&flipped) - cache.log_psi).exp()
    }

    fn flip(&self, sigma: &mut [i8], cache: &mut AutoregressiveCache, flips: &[usize]) {
        for &i in flips {
            sigma[i] = -sigma[i];
        }
        cache.log_psi = self.evaluate(sigma);
    }

    fn log_grad(&self, sigma: &[i8], _cache: &AutoregressiveCache, out: &mut [f64]) {
        let (n, h) = (self.n, self.h);
        out.fill(0.0);
        // Forward: per free site, the activations and gᵢ.
        let mut activations = vec![0.0; n * h];
        let mut g = vec![0.0; n];
        let mut copy = sigma.to_vec();
        self.walk(&mut copy, Some(sigma), |i, a, u| {
            let s = sigma[i] as f64;
            g[i] = 0.5 * s * (1.0 - sigmoid(s * u));
            activations[i * h..(i + 1) * h].copy_from_slice(a);
            sigma[i]
        });
        let (c_out, rest) = out.split_at_mut(h);
        let (w_out, rest) = rest.split_at_mut(n * h);
        let (b_out, v_out) = rest.split_at_mut(n);
        // Backward: δzᵢ = gᵢ Vᵢ ∘ (1 − aᵢ²); W_{·j} collects σⱼ Σ_{i>j} δzᵢ.
        let mut later = vec![0.0; h];
        for i in (0..n).rev() {
            let w_col = &mut w_out[i * h..(i + 1) * h];
            w_col
                .iter_mut()
                .zip(&later)
                .for_each(|(o, &d)| *o = d * sigma[i] as f64);
            if g[i] == 0.0 {
                continue;
            }
            b_out[i] = g[i];
            let a = &activations[i * h..(i + 1) * h];
            let v = self.v(i);
            for k in 0..h {
                v_out[i * h + k] = g[i] * a[k];
                later[k] += g[i] * v[k] * (1.0 - a[k] * a[k]);
            }
        }
        c_out.copy_from_slice(&later);
    }

    fn sample_directly<R: rand::Rng>(&self, rng: &mut R, sigma: &mut [i8]) -> bool {
        self.walk(sigma, None, |_, _, u| {
            if rng.random::<f64>() < sigmoid(u) {
                1
            } else {
                -1
            }
        })
        .is_some()
    }
}
