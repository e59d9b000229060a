//! Feed-forward neural network (Saito 2017; Cai & Liu 2018; NetKet's `FFNN`/`MLP`) with
//! one to three hidden layers of activation `ln cosh`:
//!
//! `a₀ = σ`,  `z_l = b_l + W_l a_{l−1}`,  `a_l = ln cosh z_l` (`l = 1 … L`),
//! `ln ψ(σ) = v · a_L`.
//!
//! With real parameters `ln ψ` is a real log-amplitude (a positive ψ, enough with the
//! Marshall sign rule); with complex parameters every layer is holomorphic and
//! `ln ψ` carries amplitude and phase. One hidden layer is an RBM without visible bias
//! and with output weights. `ln cosh` is even, smooth, and grows like `|z| − ln 2`.
//!
//! Parameters are stored flat, layer by layer: `[W₁ (h₁ × N, row-major), b₁, W₂, b₂, …,
//! v (h_L)]`. Log-derivatives by back-propagation, with `ln cosh′ = tanh`:
//! `δ_L = v`, `g_l = δ_l ∘ tanh z_l`, `∂/∂b_l = g_l`, `∂/∂W_l = g_l ⊗ a_{l−1}`,
//! `δ_{l−1} = W_lᵀ g_l`, `∂/∂v = a_L`.
//!
//! The cache holds the first-layer pre-activations `z₁` and `ln ψ`. Flipping spins
//! `F` shifts `z₁` by `−2 Σ_{i∈F} W₁[:, i] σᵢ` (`O(h₁|F|)`); the deeper layers are then
//! evaluated from `z₁` (`O(h₁h₂ + h₂h₃)`), so a single-flip ratio with one hidden layer
//! costs `O(h₁)` instead of the `O(N h₁)` of a full evaluation.

use super::{gaussian_params, Ansatz};
use crate::error::{Error, Result};
use crate::scalar::Scalar;

/// Most hidden layers.
pub const MAX_LAYERS: usize = 3;

/// Feed-forward network with parameters in `T`.
#[derive(Clone, Debug)]
pub struct Ffnn<T: Scalar> {
    n: usize,
    widths: Vec<usize>,
    params: Vec<T>,
    /// `W₁` transposed, `[i·h₁ + j]`: a flip reads one contiguous column.
    w1_t: Vec<T>,
}

/// First-layer pre-activations and `ln ψ`.
#[derive(Clone, Debug)]
pub struct FfnnCache<T> {
    z1: Vec<T>,
    log_psi: T,
}

/// Where each layer's parameters start in the flat vector.
struct Offsets {
    weights: Vec<usize>,
    biases: Vec<usize>,
    output: usize,
}

impl<T: Scalar> Ffnn<T> {
    /// A network on `n_sites` spins with hidden layers of the given widths. First-layer
    /// weights are drawn from `N(0, init_std²)`; deeper weights and the output weights
    /// from `N(0, 1/fan_in)` (LeCun), so a signal keeps its size through the layers;
    /// biases start at zero.
    pub fn new<R: rand::Rng>(
        n_sites: usize,
        widths: &[usize],
        init_std: f64,
        rng: &mut R,
    ) -> Result<Self> {
        check_layers(widths)?;
        if !(init_std >= 0.0 && init_std.is_finite()) {
            return Err(Error::invalid(
                "ansatz.init_std",
                format!("{init_std} must be a non-negative number, e.g. 0.01"),
            ));
        }
        let mut params = Vec::new();
        let mut fan_in = n_sites;
        for (l, &h) in widths.iter().enumerate() {
            let std = if l == 0 {
                init_std
            } else {
                1.0 / (fan_in as f64).sqrt()
            };
            params.extend(gaussian_params::<T, R>(h * fan_in, std, rng));
            params.extend(std::iter::repeat_n(T::zero(), h));
            fan_in = h;
        }
        params.extend(gaussian_params::<T, R>(
            fan_in,
            1.0 / (fan_in as f64).sqrt(),
            rng,
        ));
        Ok(Self::from_params(n_sites, widths, params))
    }

    /// A network with given widths and parameters (layout in the module documentation).
    pub fn from_params(n_sites: usize, widths: &[usize], params: Vec<T>) -> Self {
        assert_eq!(params.len(), n_params(n_sites, widths));
        let mut net = Self {
            n: n_sites,
            widths: widths.to_vec(),
            params,
            w1_t: Vec::new(),
        };
        net.transpose_first_layer();
        net
    }

    /// Hidden-layer widths.
    pub fn widths(&self) -> &[usize] {
        &self.widths
    }

    fn transpose_first_layer(&mut self) {
        let (n, h) = (self.n, self.widths[0]);
        let w = &self.params[..h * n];
        self.w1_t = (0..n * h).map(|k| w[(k % h) * n + k / h]).collect();
    }

    fn offsets(&self) -> Offsets {
        let mut weights = Vec::new();
        let mut biases = Vec::new();
        let (mut at, mut fan_in) = (0, self.n);
        for &h in &self.widths {
            weights.push(at);
            at += h * fan_in;
            biases.push(at);
            at += h;
            fan_in = h;
        }
        Offsets {
            weights,
            biases,
            output: at,
        }
    }

    /// `z₁ = b₁ + W₁σ`.
    fn first_layer(&self, sigma: &[i8]) -> Vec<T> {
        let (n, h) = (self.n, self.widths[0]);
        let mut z = self.params[h * n..h * n + h].to_vec();
        for (i, &s) in sigma.iter().enumerate() {
            let col = &self.w1_t[i * h..(i + 1) * h];
            if s > 0 {
                z.iter_mut().zip(col).for_each(|(z, &w)| *z += w);
            } else {
                z.iter_mut().zip(col).for_each(|(z, &w)| *z -= w);
            }
        }
        z
    }

    /// `ln ψ` from the first-layer pre-activations.
    fn log_psi_from(&self, z1: &[T]) -> T {
        let offsets = self.offsets();
        let mut a: Vec<T> = z1.iter().map(|&z| z.ln_cosh()).collect();
        for l in 1..self.widths.len() {
            a = self
                .layer(l, &offsets, &a)
                .iter()
                .map(|&z| z.ln_cosh())
                .collect();
        }
        let v = &self.params[offsets.output..];
        v.iter().zip(&a).map(|(&v, &a)| v * a).sum()
    }

    /// `z_l = b_l + W_l a` for a layer `l ≥ 1` (0-based).
    fn layer(&self, l: usize, offsets: &Offsets, a: &[T]) -> Vec<T> {
        let (h, fan_in) = (self.widths[l], self.widths[l - 1]);
        let w = &self.params[offsets.weights[l]..offsets.weights[l] + h * fan_in];
        let b = &self.params[offsets.biases[l]..offsets.biases[l] + h];
        (0..h)
            .map(|j| {
                b[j] + w[j * fan_in..(j + 1) * fan_in]
                    .iter()
                    .zip(a)
                    .map(|(&w, &a)| w * a)
                    .sum::<T>()
            })
            .collect()
    }

    /// `z₁` after reversing the spins at `flips`.
    fn shifted_z1(&self, sigma: &[i8], z1: &[T], flips: &[usize]) -> Vec<T> {
        let h = self.widths[0];
        let mut z = z1.to_vec();
        for &i in flips {
            let s = 2.0 * sigma[i] as f64;
            z.iter_mut()
                .zip(&self.w1_t[i * h..(i + 1) * h])
                .for_each(|(z, &w)| *z -= w * s);
        }
        z
    }
}

/// Number of parameters of a network on `n_sites` spins with hidden `widths`.
pub fn n_params(n_sites: usize, widths: &[usize]) -> usize {
    let mut fan_in = n_sites;
    let mut total = 0;
    for &h in widths {
        total += h * fan_in + h;
        fan_in = h;
    }
    total + fan_in
}

impl<T: Scalar> Ansatz for Ffnn<T> {
    type T = T;
    type Cache = FfnnCache<T>;

    fn name(&self) -> &'static str {
        "ffnn"
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
        self.transpose_first_layer();
    }

    fn cache(&self, sigma: &[i8]) -> FfnnCache<T> {
        let z1 = self.first_layer(sigma);
        let log_psi = self.log_psi_from(&z1);
        FfnnCache { z1, log_psi }
    }

    fn log_psi(&self, _sigma: &[i8], cache: &FfnnCache<T>) -> T {
        cache.log_psi
    }

    fn ratio(&self, sigma: &[i8], cache: &FfnnCache<T>, flips: &[usize]) -> T {
        if flips.is_empty() {
            return T::from_real(1.0);
        }
        let z = self.shifted_z1(sigma, &cache.z1, flips);
        (self.log_psi_from(&z) - cache.log_psi).exp()
    }

    fn flip(&self, sigma: &mut [i8], cache: &mut FfnnCache<T>, flips: &[usize]) {
        cache.z1 = self.shifted_z1(sigma, &cache.z1, flips);
        for &i in flips {
            sigma[i] = -sigma[i];
        }
        cache.log_psi = self.log_psi_from(&cache.z1);
    }

    fn log_grad(&self, sigma: &[i8], cache: &FfnnCache<T>, out: &mut [T]) {
        let offsets = self.offsets();
        let layers = self.widths.len();
        // Forward pass, keeping every pre-activation and activation.
        let mut zs = vec![cache.z1.clone()];
        let mut activations: Vec<Vec<T>> = vec![cache.z1.iter().map(|&z| z.ln_cosh()).collect()];
        for l in 1..layers {
            let z = self.layer(l, &offsets, &activations[l - 1]);
            activations.push(z.iter().map(|&z| z.ln_cosh()).collect());
            zs.push(z);
        }
        out[offsets.output..].copy_from_slice(&activations[layers - 1]);
        let mut delta = self.params[offsets.output..].to_vec();
        for l in (0..layers).rev() {
            let g: Vec<T> = delta
                .iter()
                .zip(&zs[l])
                .map(|(&d, &z)| d * z.tanh())
                .collect();
            let h = self.widths[l];
            out[offsets.biases[l]..offsets.biases[l] + h].copy_from_slice(&g);
            let fan_in = if l == 0 { self.n } else { self.widths[l - 1] };
            let w_out = &mut out[offsets.weights[l]..offsets.weights[l] + h * fan_in];
            if l == 0 {
                for (j, &gj) in g.iter().enumerate() {
                    for (o, &s) in w_out[j * fan_in..(j + 1) * fan_in].iter_mut().zip(sigma) {
                        *o = gj * s as f64;
                    }
                }
            } else {
                let previous = &activations[l - 1];
                for (j, &gj) in g.iter().enumerate() {
                    for (o, &a) in w_out[j * fan_in..(j + 1) * fan_in].iter_mut().zip(previous) {
                        *o = gj * a;
                    }
                }
                let w = &self.params[offsets.weights[l]..offsets.weights[l] + h * fan_in];
                delta = (0..fan_in)
                    .map(|k| (0..h).map(|j| w[j * fan_in + k] * g[j]).sum())
                    .collect();
            }
        }
    }
}

/// The hidden-layer widths `widths` as sizes: 1 to [`MAX_LAYERS`] widths, each at
/// least 1 (`ansatz.layers`). Takes the deck's signed integers as well, so that the
/// message shows what the user wrote.
pub fn check_layers<W: Copy + std::fmt::Debug + TryInto<usize>>(
    widths: &[W],
) -> Result<Vec<usize>> {
    let sizes: Option<Vec<usize>> = widths
        .iter()
        .map(|&w| w.try_into().ok().filter(|&w: &usize| w >= 1))
        .collect();
    match sizes {
        Some(sizes) if (1..=MAX_LAYERS).contains(&sizes.len()) => Ok(sizes),
        _ => Err(Error::invalid(
            "ansatz.layers",
            format!(
                "{widths:?}: give 1 to {MAX_LAYERS} positive hidden-layer widths, \
                 e.g. layers = [40, 20]"
            ),
        )),
    }
}
