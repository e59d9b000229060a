//! Residual-loss physics-informed neural network (PINN) for the 1-D time-dependent
//! Schrödinger equation `iħ∂ₜψ = −(ħ²/2m)∂ₓ²ψ + V(x)ψ`: the baseline that the networks
//! solving the equation by construction ([`super::PlaneWaveNet`]) are compared with.
//!
//! **Network.** A multilayer perceptron `(ξ, τ) ↦ (Re ψ, Im ψ)` of the scaled
//! coordinates `ξ = 2(x − a)/(b − a) − 1`, `τ = 2t/T − 1` of the training box
//! `[a, b] × [0, T]`: `h₀ = (ξ, τ)`, `hₗ = tanh(Wₗhₗ₋₁ + bₗ)` for the hidden layers and a
//! linear output layer. Weights start Glorot-normal (`N(0, 2/(n_in + n_out))`) with zero
//! biases, except the first layer, whose weights and biases start `g` times wider
//! ([`PinnSettings::first_layer_gain`]).
//!
//! **Loss.** With the residual `R = iħψₜ + (ħ²/2m)ψₓₓ − Vψ` (units: energy × ψ, not
//! rescaled) and means `⟨·⟩` over each point set,
//!
//! `L = ⟨|R|²⟩_r + w₀ ⟨|ψ(x, 0) − ψ₀(x)|²⟩₀ + w_b ⟨|ψ(a, t)|², |ψ(b, t)|²⟩_b`:
//! collocation points drawn uniformly in the box, initial points on a uniform grid of
//! `[a, b]` at `t = 0`, and Dirichlet boundary points at both ends at uniform times.
//! Optionally the residual mean carries causal weights `c(t)` that hold back later
//! times until earlier ones satisfy the equation ([`PinnSettings::causal_tolerance`]).
//!
//! **Derivatives.** The forward pass carries four channels per layer (Taylor mode):
//! `z = Wh + b`, `zₓ = Whₓ`, `zₜ = Whₜ`, `zₓₓ = Whₓₓ`, then `h = σ(z)`, `hₓ = σ′zₓ`,
//! `hₜ = σ′zₜ`, `hₓₓ = σ″zₓ² + σ′zₓₓ` with `σ = tanh`, `σ′ = 1 − σ²`, `σ″ = −2σσ′`,
//! `σ‴ = −2σ′² + 4σ²σ′`. The weight gradient is reverse mode through that computation:
//! `z̄ₓₓ = h̄ₓₓσ′`, `z̄ₜ = h̄ₜσ′`, `z̄ₓ = h̄ₓσ′ + 2h̄ₓₓσ″zₓ`,
//! `z̄ = h̄σ′ + σ″(h̄ₓzₓ + h̄ₜzₜ) + h̄ₓₓ(σ‴zₓ² + σ″zₓₓ)`, then
//! `W̄ = z̄hᵀ + z̄ₓhₓᵀ + z̄ₜhₜᵀ + z̄ₓₓhₓₓᵀ`, `b̄ = Σ z̄` and `h̄_c = Wᵀz̄_c` per channel.
//! Points are the columns of the layer matrices and the four channels sit side by side,
//! so each layer costs one matrix product forward and two backward.
//!
//! **Training.** Full-batch Adam (`β₁ = 0.9`, `β₂ = 0.999`, `ε = 10⁻⁸`) with a learning
//! rate decaying geometrically from [`PinnSettings::learning_rate`] to
//! [`PinnSettings::final_learning_rate`]; the collocation points are redrawn every
//! [`PinnSettings::resample_every`] epochs.
//!
//! **Determinism.** Points are split into blocks of a fixed size, each block's products
//! run sequentially, blocks run in parallel and their partial sums are added in block
//! order: for a given seed the result is bit-identical for any number of threads.

use super::plane_wave::{Evaluation, Units};
use crate::error::{Error, Result};
use crate::optim::Adam;
use faer::linalg::matmul::matmul;
use faer::{Accum, MatMut, MatRef, Par};
use num_complex::Complex64;
use rand::{RngExt, SeedableRng};
use rand_distr::StandardNormal;
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;
use std::cell::RefCell;
use std::ops::ControlFlow;
use std::time::Instant;

/// Points per block of the batched passes (fixed, so sums do not depend on threads).
const BLOCK: usize = 256;

/// Most buffers kept per thread for reuse ([`zeros`], [`recycle`]).
const POOL_SIZE: usize = 64;

thread_local! {
    /// Freed layer buffers of this thread: reusing them avoids fresh pages (and their
    /// faults) for every block of every epoch.
    static POOL: RefCell<Vec<Vec<f64>>> = const { RefCell::new(Vec::new()) };
}

/// A zeroed buffer of `len`, from this thread's pool when it has one.
fn zeros(len: usize) -> Vec<f64> {
    let mut buffer = POOL
        .with(|pool| pool.borrow_mut().pop())
        .unwrap_or_default();
    buffer.clear();
    buffer.resize(len, 0.0);
    buffer
}

/// Returns `buffer` to this thread's pool.
fn recycle(buffer: Vec<f64>) {
    POOL.with(|pool| {
        let mut pool = pool.borrow_mut();
        if pool.len() < POOL_SIZE {
            pool.push(buffer);
        }
    });
}

/// Network size, optimizer and sampling settings.
#[derive(Clone, Debug, PartialEq)]
pub struct PinnSettings {
    /// Units per hidden layer.
    pub width: usize,
    /// Number of tanh hidden layers.
    pub hidden_layers: usize,
    /// `g`: the first layer's weights and biases start as `N(0, g²·2/(2 + width))`
    /// (the rest Glorot-normal with zero biases). Its features `tanh(w_ξξ + w_ττ + b)`
    /// then have slopes of order `g√(2/(2 + width))` in the scaled coordinates and
    /// centres `−b/w` spread over the box; `g > 1` lets the network start with
    /// features as sharp as a solution that oscillates many times across the box.
    pub first_layer_gain: f64,
    /// Adam steps, each on the full set of points.
    pub epochs: usize,
    /// Adam step size `η₀` of the first epoch.
    pub learning_rate: f64,
    /// Step size of the last epoch; epoch `e` of `E` uses
    /// `η₀ (η_f/η₀)^{e/(E−1)}` (equal to `learning_rate` for a constant rate).
    pub final_learning_rate: f64,
    /// Collocation points for the residual term, uniform in `[a, b] × [0, T]`.
    pub collocation: usize,
    /// Initial-condition points, the uniform grid `a + (b − a)j/(n − 1)` at `t = 0`.
    pub initial_points: usize,
    /// Boundary times `Tj/(n − 1)`; each gives one point at `x = a` and one at `x = b`.
    pub boundary_points: usize,
    /// `w₀`, weight of the initial-condition term.
    pub initial_weight: f64,
    /// `w_b`, weight of the boundary term.
    pub boundary_weight: f64,
    /// `ε`, causal tolerance in `1/(energy × ψ)²` (0: plain mean residual). The
    /// residual term becomes `⟨c(t)|R|²⟩_r` with `c = exp(−ε Σ_{k<i} ⟨|R|²⟩_k)` for
    /// a point in time slice `i`: a slice counts fully only once the earlier slices
    /// satisfy the equation (Wang, Sankaran & Perdikaris, "Respecting causality is all
    /// you need for training physics-informed neural networks", 2022). The weights
    /// are recomputed every epoch and not differentiated.
    pub causal_tolerance: f64,
    /// Number of equal time slices of `[0, T]` for the causal weights.
    pub causal_slices: usize,
    /// Redraw the collocation points every this many epochs (0: never).
    pub resample_every: usize,
    /// Seed of the initial weights and of the collocation points.
    pub seed: u64,
}

impl Default for PinnSettings {
    /// Tuned on the free packet of `examples/pinn_vs_plane_wave.rs` (about eight
    /// wavelengths across the box; about 5 minutes on 2 cores): 4 hidden layers of 64
    /// with first-layer gain 15 (with gain 1 the network stays at `ψ ≈ 0`), 20000
    /// epochs with the step size decaying from `2·10⁻³` to `2·10⁻⁵`, 1000 collocation
    /// points redrawn every 25 epochs, 512 initial points (`w₀ = 30`), 64 boundary
    /// times (`w_b = 1`), no causal weights, seed 1.
    fn default() -> Self {
        Self {
            width: 64,
            hidden_layers: 4,
            first_layer_gain: 15.0,
            epochs: 20000,
            learning_rate: 2e-3,
            final_learning_rate: 2e-5,
            collocation: 1000,
            initial_points: 512,
            boundary_points: 64,
            initial_weight: 30.0,
            boundary_weight: 1.0,
            causal_tolerance: 0.0,
            causal_slices: 32,
            resample_every: 25,
            seed: 1,
        }
    }
}

impl PinnSettings {
    /// Checks every setting, naming the key (`pinn.width`, …) of the first bad one.
    pub fn check(&self) -> Result<()> {
        for (key, value, least) in [
            ("pinn.width", self.width, 1),
            ("pinn.hidden_layers", self.hidden_layers, 1),
            ("pinn.epochs", self.epochs, 1),
            ("pinn.collocation", self.collocation, 1),
            ("pinn.initial_points", self.initial_points, 2),
            ("pinn.boundary_points", self.boundary_points, 2),
            ("pinn.causal_slices", self.causal_slices, 1),
        ] {
            if value < least {
                return Err(Error::invalid(
                    key,
                    format!("{value}; need at least {least}"),
                ));
            }
        }
        for (key, value) in [
            ("pinn.first_layer_gain", self.first_layer_gain),
            ("pinn.learning_rate", self.learning_rate),
            ("pinn.final_learning_rate", self.final_learning_rate),
        ] {
            if !(value > 0.0 && value.is_finite()) {
                return Err(Error::invalid(key, format!("{value} must be positive")));
            }
        }
        for (key, value) in [
            ("pinn.initial_weight", self.initial_weight),
            ("pinn.boundary_weight", self.boundary_weight),
            ("pinn.causal_tolerance", self.causal_tolerance),
        ] {
            if !(value >= 0.0 && value.is_finite()) {
                return Err(Error::invalid(key, format!("{value} must be non-negative")));
            }
        }
        Ok(())
    }

    /// The step size of epoch `epoch` (0-based).
    pub fn learning_rate_at(&self, epoch: usize) -> f64 {
        if self.epochs < 2 {
            return self.learning_rate;
        }
        let fraction = epoch as f64 / (self.epochs - 1) as f64;
        self.learning_rate * (self.final_learning_rate / self.learning_rate).powf(fraction)
    }
}

/// The points of the loss and the data it needs at them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TrainingPoints {
    /// Collocation points `(x, t)`.
    pub collocation: Vec<[f64; 2]>,
    /// `V(x)` at each collocation point.
    pub potential: Vec<f64>,
    /// Positions of the initial-condition points (at `t = 0`).
    pub initial: Vec<f64>,
    /// `ψ₀` at each initial-condition point.
    pub initial_values: Vec<Complex64>,
    /// Boundary times; each contributes the points `(a, t)` and `(b, t)`.
    pub boundary_times: Vec<f64>,
}

/// The loss and its terms (each a mean over its point set; an empty set gives 0).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Loss {
    /// `L = ⟨c(t)|R|²⟩_r + w₀ initial + w_b boundary` (the objective).
    pub total: f64,
    /// `⟨|R|²⟩_r` without causal weights, in (energy × ψ)².
    pub residual: f64,
    /// `⟨|ψ(x, 0) − ψ₀(x)|²⟩₀`.
    pub initial: f64,
    /// `⟨|ψ(a or b, t)|²⟩_b`.
    pub boundary: f64,
    /// The causal weight `c` of the last time slice (the smallest; 1 when `ε = 0`).
    pub causal_weight: f64,
}

/// What a training run did.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PinnReport {
    /// Adam steps taken (fewer than asked when the observer stopped the run).
    pub epochs: usize,
    /// Loss of the first epoch.
    pub initial_loss: f64,
    /// Loss of the returned network on the last set of points.
    pub final_loss: Loss,
    /// Wall-clock training time in seconds.
    pub seconds: f64,
}

/// A trained (or freshly initialized) network with its box and units.
#[derive(Clone, Debug, PartialEq)]
pub struct Pinn {
    width: usize,
    hidden_layers: usize,
    units: Units,
    box_x: (f64, f64),
    t_max: f64,
    /// Per layer `l`, `Wₗ` (column-major, `n_out × n_in`) followed by `bₗ`.
    parameters: Vec<f64>,
}

/// Where layer `l`'s weights and biases sit in the parameter vector.
#[derive(Clone, Copy, Debug)]
struct Layer {
    inputs: usize,
    outputs: usize,
    weights: usize,
    biases: usize,
}

/// One block's forward pass. Matrices are column-major, `rows × (channels · n)`, with
/// the channels (value, ∂ₓ, ∂ₜ, ∂ₓₓ, or the value alone) side by side.
struct Tape {
    n: usize,
    channels: usize,
    /// `h₀` (2 rows).
    input: Vec<f64>,
    /// Pre-activations `z` and activations `h` of each hidden layer.
    z: Vec<Vec<f64>>,
    h: Vec<Vec<f64>>,
    /// Network output (2 rows: Re ψ, Im ψ).
    output: Vec<f64>,
}

impl Tape {
    /// Hands the buffers back to this thread's pool.
    fn recycle(self) {
        recycle(self.input);
        recycle(self.output);
        self.z.into_iter().chain(self.h).for_each(recycle);
    }
}

/// A block's remaining work for the gradient: a collocation block's forward pass and
/// residuals (from its first point on), or the range of initial or boundary points.
enum Work {
    Collocation(Tape, Vec<[f64; 2]>, usize),
    Initial(usize, usize),
    Boundary(usize, usize),
}

/// `out = a · b` (`Accum::Replace`) or `out += a · b`, sequential.
fn product(out: MatMut<'_, f64>, accumulate: bool, a: MatRef<'_, f64>, b: MatRef<'_, f64>) {
    let accum = if accumulate {
        Accum::Add
    } else {
        Accum::Replace
    };
    matmul(out, accum, a, b, 1.0, Par::Seq);
}

fn blocks(len: usize) -> impl Iterator<Item = (usize, usize)> {
    (0..len.div_ceil(BLOCK)).map(move |b| (b * BLOCK, len.min((b + 1) * BLOCK)))
}

fn check_domain(units: Units, box_x: (f64, f64), t_max: f64) -> Result<()> {
    units.check()?;
    let (a, b) = box_x;
    if !(a.is_finite() && b.is_finite() && a < b) {
        return Err(Error::invalid(
            "pinn.box",
            format!("[{a}, {b}] is empty; need finite a < b"),
        ));
    }
    if !(t_max > 0.0 && t_max.is_finite()) {
        return Err(Error::invalid(
            "pinn.t_max",
            format!("{t_max} must be a positive time"),
        ));
    }
    Ok(())
}

impl Pinn {
    /// An untrained network of `settings.hidden_layers` layers of `settings.width` on
    /// the box `[a, b] × [0, t_max]`, its weights drawn from `settings.seed` (Glorot
    /// normal, first layer scaled by `settings.first_layer_gain`): the starting point
    /// of [`Pinn::train`] with the same settings.
    pub fn new(
        settings: &PinnSettings,
        units: Units,
        box_x: (f64, f64),
        t_max: f64,
    ) -> Result<Self> {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(settings.seed);
        Self::initialized(settings, units, box_x, t_max, &mut rng)
    }

    fn initialized(
        settings: &PinnSettings,
        units: Units,
        box_x: (f64, f64),
        t_max: f64,
        rng: &mut Xoshiro256PlusPlus,
    ) -> Result<Self> {
        settings.check()?;
        check_domain(units, box_x, t_max)?;
        let mut pinn = Self {
            width: settings.width,
            hidden_layers: settings.hidden_layers,
            units,
            box_x,
            t_max,
            parameters: Vec::new(),
        };
        let layers = pinn.layers();
        let last = layers.last().expect("at least the output layer");
        pinn.parameters = vec![0.0; last.biases + last.outputs];
        for (l, layer) in layers.iter().enumerate() {
            let glorot = (2.0 / (layer.inputs + layer.outputs) as f64).sqrt();
            let (std, end) = if l == 0 {
                (
                    settings.first_layer_gain * glorot,
                    layer.biases + layer.outputs,
                )
            } else {
                (glorot, layer.biases)
            };
            for w in &mut pinn.parameters[layer.weights..end] {
                *w = std * rng.sample::<f64, _>(StandardNormal);
            }
        }
        Ok(pinn)
    }

    /// Trains a network on `[a, b] × [0, t_max]` (`box_x = (a, b)`) for the potential
    /// `V(x)` (energy) and initial state `ψ₀(x)`. `observer` sees each epoch's index
    /// (from 0) and loss before the step, and may stop the run early.
    ///
    /// Errors: invalid settings, box or units ([`Error::Invalid`] naming the key), a
    /// non-finite `V` or `ψ₀` at a point, a non-finite loss ([`Error::Numerical`]
    /// naming the epoch).
    pub fn train(
        settings: &PinnSettings,
        units: Units,
        box_x: (f64, f64),
        t_max: f64,
        potential: impl Fn(f64) -> f64 + Sync,
        psi0: impl Fn(f64) -> Complex64 + Sync,
        observer: &mut dyn FnMut(usize, f64) -> ControlFlow<()>,
    ) -> Result<(Pinn, PinnReport)> {
        let started = Instant::now();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(settings.seed);
        let mut pinn = Self::initialized(settings, units, box_x, t_max, &mut rng)?;
        let (a, b) = box_x;
        let grid = |n: usize, lo: f64, hi: f64| -> Vec<f64> {
            (0..n)
                .map(|j| lo + (hi - lo) * j as f64 / (n - 1) as f64)
                .collect()
        };
        let initial = grid(settings.initial_points, a, b);
        let initial_values: Vec<Complex64> = initial.par_iter().map(|&x| psi0(x)).collect();
        if initial_values.iter().any(|v| !v.is_finite()) {
            return Err(Error::invalid(
                "initial",
                "the initial state is not finite at some point of the box",
            ));
        }
        let mut points = TrainingPoints {
            collocation: Vec::new(),
            potential: Vec::new(),
            initial,
            initial_values,
            boundary_times: grid(settings.boundary_points, 0.0, t_max),
        };
        let draw = |points: &mut TrainingPoints, rng: &mut Xoshiro256PlusPlus| -> Result<()> {
            points.collocation = (0..settings.collocation)
                .map(|_| {
                    [
                        a + (b - a) * rng.random::<f64>(),
                        t_max * rng.random::<f64>(),
                    ]
                })
                .collect();
            points.potential = points
                .collocation
                .par_iter()
                .map(|p| potential(p[0]))
                .collect();
            if points.potential.iter().any(|v| !v.is_finite()) {
                return Err(Error::invalid(
                    "potential",
                    "the potential is not finite at some point of the box",
                ));
            }
            Ok(())
        };
        draw(&mut points, &mut rng)?;

        let mut adam = Adam::new(pinn.parameters.len());
        let mut initial_loss = f64::NAN;
        let mut epochs = 0;
        for epoch in 0..settings.epochs {
            if epoch > 0 && settings.resample_every > 0 && epoch % settings.resample_every == 0 {
                draw(&mut points, &mut rng)?;
            }
            let (loss, gradient) = pinn.loss_and_gradient(&points, settings)?;
            if !loss.total.is_finite() || gradient.iter().any(|g| !g.is_finite()) {
                return Err(Error::Numerical(format!(
                    "the PINN loss is not finite at epoch {epoch} (loss {:e}); \
                     lower pinn.learning_rate",
                    loss.total
                )));
            }
            if epoch == 0 {
                initial_loss = loss.total;
            }
            if observer(epoch, loss.total).is_break() {
                break;
            }
            adam.step(
                &mut pinn.parameters,
                &gradient,
                settings.learning_rate_at(epoch),
            );
            epochs = epoch + 1;
        }
        let (final_loss, _) = pinn.loss_and_gradient(&points, settings)?;
        if !final_loss.total.is_finite() {
            return Err(Error::Numerical(format!(
                "the PINN loss is not finite after epoch {epochs}; lower pinn.learning_rate"
            )));
        }
        let report = PinnReport {
            epochs,
            initial_loss,
            final_loss,
            seconds: started.elapsed().as_secs_f64(),
        };
        Ok((pinn, report))
    }

    /// Units per hidden layer.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Number of hidden layers.
    pub fn hidden_layers(&self) -> usize {
        self.hidden_layers
    }

    /// `ħ` and `m`.
    pub fn units(&self) -> Units {
        self.units
    }

    /// The spatial box `(a, b)`.
    pub fn box_x(&self) -> (f64, f64) {
        self.box_x
    }

    /// The final time `T` of the training box.
    pub fn t_max(&self) -> f64 {
        self.t_max
    }

    /// Number of weights and biases.
    pub fn n_parameters(&self) -> usize {
        self.parameters.len()
    }

    /// All weights and biases: per layer (input to output), `W` column-major
    /// (`n_out × n_in`) then `b`.
    pub fn parameters(&self) -> &[f64] {
        &self.parameters
    }

    /// Mutable access to the parameters (same layout as [`Pinn::parameters`]).
    pub fn parameters_mut(&mut self) -> &mut [f64] {
        &mut self.parameters
    }

    fn layers(&self) -> Vec<Layer> {
        let mut sizes = vec![2];
        sizes.extend(std::iter::repeat_n(self.width, self.hidden_layers));
        sizes.push(2);
        let mut offset = 0;
        sizes
            .windows(2)
            .map(|io| {
                let layer = Layer {
                    inputs: io[0],
                    outputs: io[1],
                    weights: offset,
                    biases: offset + io[0] * io[1],
                };
                offset = layer.biases + layer.outputs;
                layer
            })
            .collect()
    }

    /// `(∂ξ/∂x, ∂τ/∂t) = (2/(b − a), 2/T)`.
    fn scales(&self) -> (f64, f64) {
        (2.0 / (self.box_x.1 - self.box_x.0), 2.0 / self.t_max)
    }

    /// The forward pass for points `(xs[j], ts[j])` with `channels` = 4 (value and
    /// derivatives) or 1 (value only).
    fn forward(&self, layers: &[Layer], xs: &[f64], ts: &[f64], channels: usize) -> Tape {
        let n = xs.len();
        let columns = channels * n;
        let (sx, st) = self.scales();
        let mut input = zeros(2 * columns);
        for (j, (&x, &t)) in xs.iter().zip(ts).enumerate() {
            input[2 * j] = sx * (x - self.box_x.0) - 1.0;
            input[2 * j + 1] = st * t - 1.0;
            if channels == 4 {
                input[2 * (n + j)] = sx;
                input[2 * (2 * n + j) + 1] = st;
            }
        }
        let mut tape = Tape {
            n,
            channels,
            input,
            z: Vec::with_capacity(self.hidden_layers),
            h: Vec::with_capacity(self.hidden_layers),
            output: Vec::new(),
        };
        for (l, layer) in layers.iter().enumerate() {
            let previous = if l == 0 { &tape.input } else { &tape.h[l - 1] };
            let rows = layer.outputs;
            let mut z = zeros(rows * columns);
            product(
                MatMut::from_column_major_slice_mut(&mut z, rows, columns),
                false,
                MatRef::from_column_major_slice(
                    &self.parameters[layer.weights..layer.biases],
                    rows,
                    layer.inputs,
                ),
                MatRef::from_column_major_slice(previous, layer.inputs, columns),
            );
            let biases = &self.parameters[layer.biases..layer.biases + rows];
            for column in z[..rows * n].chunks_exact_mut(rows) {
                for (v, &bias) in column.iter_mut().zip(biases) {
                    *v += bias;
                }
            }
            if l + 1 == layers.len() {
                tape.output = z;
                break;
            }
            let mut h = zeros(rows * columns);
            let m = rows * n;
            for i in 0..m {
                let s = z[i].tanh();
                h[i] = s;
                if channels == 4 {
                    let d1 = 1.0 - s * s;
                    let d2 = -2.0 * s * d1;
                    let (zx, zt, zxx) = (z[m + i], z[2 * m + i], z[3 * m + i]);
                    h[m + i] = d1 * zx;
                    h[2 * m + i] = d1 * zt;
                    h[3 * m + i] = d2 * zx * zx + d1 * zxx;
                }
            }
            tape.z.push(z);
            tape.h.push(h);
        }
        tape
    }

    /// Reverse mode through `tape`, given the adjoint of its output (same layout),
    /// adding the weight gradient to `gradient`.
    fn backward(&self, layers: &[Layer], tape: &Tape, output_bar: Vec<f64>, gradient: &mut [f64]) {
        let n = tape.n;
        let columns = tape.channels * n;
        let mut bar = output_bar;
        for (l, layer) in layers.iter().enumerate().rev() {
            let rows = layer.outputs;
            if l + 1 < layers.len() {
                let h = &tape.h[l];
                let z = &tape.z[l];
                let m = rows * n;
                for i in 0..m {
                    let s = h[i];
                    let d1 = 1.0 - s * s;
                    if tape.channels == 1 {
                        bar[i] *= d1;
                        continue;
                    }
                    let d2 = -2.0 * s * d1;
                    let d3 = -2.0 * d1 * d1 + 4.0 * s * s * d1;
                    let (zx, zt, zxx) = (z[m + i], z[2 * m + i], z[3 * m + i]);
                    let (hb, hxb, htb, hxxb) = (bar[i], bar[m + i], bar[2 * m + i], bar[3 * m + i]);
                    bar[i] =
                        hb * d1 + d2 * (hxb * zx + htb * zt) + hxxb * (d3 * zx * zx + d2 * zxx);
                    bar[m + i] = hxb * d1 + 2.0 * hxxb * d2 * zx;
                    bar[2 * m + i] = htb * d1;
                    bar[3 * m + i] = hxxb * d1;
                }
            }
            let previous = if l == 0 { &tape.input } else { &tape.h[l - 1] };
            let z_bar = MatRef::from_column_major_slice(&bar, rows, columns);
            let (weights_bar, rest) = gradient[layer.weights..].split_at_mut(rows * layer.inputs);
            product(
                MatMut::from_column_major_slice_mut(weights_bar, rows, layer.inputs),
                true,
                z_bar,
                MatRef::from_column_major_slice(previous, layer.inputs, columns).transpose(),
            );
            for column in bar[..rows * n].chunks_exact(rows) {
                for (g, &v) in rest[..rows].iter_mut().zip(column) {
                    *g += v;
                }
            }
            if l == 0 {
                break;
            }
            let mut previous_bar = zeros(layer.inputs * columns);
            product(
                MatMut::from_column_major_slice_mut(&mut previous_bar, layer.inputs, columns),
                false,
                MatRef::from_column_major_slice(
                    &self.parameters[layer.weights..layer.biases],
                    rows,
                    layer.inputs,
                )
                .transpose(),
                z_bar,
            );
            recycle(std::mem::replace(&mut bar, previous_bar));
        }
        recycle(bar);
    }

    /// The loss `L` on `points` with the weights `w₀`, `w_b` and the causal tolerance
    /// `ε` of `settings`, and its gradient with respect to [`Pinn::parameters`] (same
    /// layout). The causal weights are held fixed in the gradient (they are not
    /// differentiated).
    pub fn loss_and_gradient(
        &self,
        points: &TrainingPoints,
        settings: &PinnSettings,
    ) -> Result<(Loss, Vec<f64>)> {
        if points.potential.len() != points.collocation.len() {
            return Err(Error::invalid(
                "pinn.points",
                format!(
                    "{} potential values for {} collocation points",
                    points.potential.len(),
                    points.collocation.len()
                ),
            ));
        }
        if points.initial_values.len() != points.initial.len() {
            return Err(Error::invalid(
                "pinn.points",
                format!(
                    "{} initial values for {} initial points",
                    points.initial_values.len(),
                    points.initial.len()
                ),
            ));
        }
        let layers = self.layers();
        let forward: Vec<(Tape, Vec<[f64; 2]>)> = blocks(points.collocation.len())
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(|(start, end)| self.residuals(&layers, points, start, end))
            .collect();

        let slices = settings.causal_slices.max(1);
        let slice_of = |t: f64| ((t / self.t_max * slices as f64) as usize).min(slices - 1);
        let (mut slice_sums, mut slice_counts) = (vec![0.0; slices], vec![0usize; slices]);
        let mut residual_sum = 0.0;
        for (p, r) in points
            .collocation
            .iter()
            .zip(forward.iter().flat_map(|(_, r)| r))
        {
            let square = r[0] * r[0] + r[1] * r[1];
            residual_sum += square;
            slice_sums[slice_of(p[1])] += square;
            slice_counts[slice_of(p[1])] += 1;
        }
        let mut causal_weights = Vec::with_capacity(slices);
        let mut earlier = 0.0;
        for (sum, &count) in slice_sums.iter().zip(&slice_counts) {
            causal_weights.push((-settings.causal_tolerance * earlier).exp());
            if count > 0 {
                earlier += sum / count as f64;
            }
        }
        let weighted_sum: f64 = points
            .collocation
            .iter()
            .zip(forward.iter().flat_map(|(_, r)| r))
            .map(|(p, r)| causal_weights[slice_of(p[1])] * (r[0] * r[0] + r[1] * r[1]))
            .sum();

        let n_boundary = 2 * points.boundary_times.len();
        let work: Vec<Work> = forward
            .into_iter()
            .zip(blocks(points.collocation.len()))
            .map(|((tape, residuals), (start, _))| Work::Collocation(tape, residuals, start))
            .chain(blocks(points.initial.len()).map(|(s, e)| Work::Initial(s, e)))
            .chain(blocks(n_boundary).map(|(s, e)| Work::Boundary(s, e)))
            .collect();
        let weight_of = |t: f64| causal_weights[slice_of(t)];
        let partials: Vec<(f64, Vec<f64>)> = work
            .into_par_iter()
            .map(|work| self.block_gradient(&layers, points, settings, &weight_of, work))
            .collect();
        let first_boundary =
            points.collocation.len().div_ceil(BLOCK) + points.initial.len().div_ceil(BLOCK);
        let (mut initial_sum, mut boundary_sum) = (0.0, 0.0);
        let mut gradient = vec![0.0; self.parameters.len()];
        for (k, (sum, g)) in partials.iter().enumerate() {
            if k < first_boundary {
                initial_sum += sum;
            } else {
                boundary_sum += sum;
            }
            for (total, v) in gradient.iter_mut().zip(g) {
                *total += v;
            }
        }
        let mean = |sum: f64, count: usize| if count == 0 { 0.0 } else { sum / count as f64 };
        let initial = mean(initial_sum, points.initial.len());
        let boundary = mean(boundary_sum, n_boundary);
        let loss = Loss {
            total: mean(weighted_sum, points.collocation.len())
                + settings.initial_weight * initial
                + settings.boundary_weight * boundary,
            residual: mean(residual_sum, points.collocation.len()),
            initial,
            boundary,
            causal_weight: causal_weights[slices - 1],
        };
        Ok((loss, gradient))
    }

    /// The forward pass over collocation points `start..end` and the residual
    /// `(Re R, Im R)` at each.
    fn residuals(
        &self,
        layers: &[Layer],
        points: &TrainingPoints,
        start: usize,
        end: usize,
    ) -> (Tape, Vec<[f64; 2]>) {
        let (xs, ts): (Vec<f64>, Vec<f64>) = points.collocation[start..end]
            .iter()
            .map(|p| (p[0], p[1]))
            .unzip();
        let tape = self.forward(layers, &xs, &ts, 4);
        let n = end - start;
        let (hbar, c) = (self.units.hbar, self.kinetic());
        let out = &tape.output;
        let at = |channel: usize, j: usize, part: usize| out[2 * (channel * n + j) + part];
        let residuals = points.potential[start..end]
            .iter()
            .enumerate()
            .map(|(j, &v)| {
                [
                    -hbar * at(2, j, 1) + c * at(3, j, 0) - v * at(0, j, 0),
                    hbar * at(2, j, 0) + c * at(3, j, 1) - v * at(0, j, 1),
                ]
            })
            .collect();
        (tape, residuals)
    }

    /// `ħ²/2m`.
    fn kinetic(&self) -> f64 {
        self.units.hbar * self.units.hbar / (2.0 * self.units.mass)
    }

    /// One block's share of the gradient of `L`, with the unnormalized sum of its
    /// squared initial or boundary misfits (0 for collocation blocks).
    fn block_gradient(
        &self,
        layers: &[Layer],
        points: &TrainingPoints,
        settings: &PinnSettings,
        causal_weight: &(dyn Fn(f64) -> f64 + Sync),
        work: Work,
    ) -> (f64, Vec<f64>) {
        let mut gradient = vec![0.0; self.parameters.len()];
        let mut sum = 0.0;
        let (tape, bar) = match work {
            Work::Collocation(tape, residuals, start) => {
                let n = residuals.len();
                let (hbar, c) = (self.units.hbar, self.kinetic());
                let scale = 2.0 / points.collocation.len() as f64;
                let mut bar = zeros(tape.output.len());
                let at = |channel: usize, j: usize, part: usize| 2 * (channel * n + j) + part;
                for (j, (r, &v)) in residuals
                    .iter()
                    .zip(&points.potential[start..start + n])
                    .enumerate()
                {
                    let weight = scale * causal_weight(points.collocation[start + j][1]);
                    let (g_re, g_im) = (weight * r[0], weight * r[1]);
                    bar[at(0, j, 0)] = -v * g_re;
                    bar[at(0, j, 1)] = -v * g_im;
                    bar[at(2, j, 0)] = hbar * g_im;
                    bar[at(2, j, 1)] = -hbar * g_re;
                    bar[at(3, j, 0)] = c * g_re;
                    bar[at(3, j, 1)] = c * g_im;
                }
                (tape, bar)
            }
            Work::Initial(start, end) => {
                let xs = &points.initial[start..end];
                let tape = self.forward(layers, xs, &vec![0.0; xs.len()], 1);
                let scale = 2.0 * settings.initial_weight / points.initial.len() as f64;
                let mut bar = zeros(tape.output.len());
                for (j, target) in points.initial_values[start..end].iter().enumerate() {
                    let d_re = tape.output[2 * j] - target.re;
                    let d_im = tape.output[2 * j + 1] - target.im;
                    sum += d_re * d_re + d_im * d_im;
                    bar[2 * j] = scale * d_re;
                    bar[2 * j + 1] = scale * d_im;
                }
                (tape, bar)
            }
            Work::Boundary(start, end) => {
                let (a, b) = self.box_x;
                let (xs, ts): (Vec<f64>, Vec<f64>) = (start..end)
                    .map(|k| (if k % 2 == 0 { a } else { b }, points.boundary_times[k / 2]))
                    .unzip();
                let tape = self.forward(layers, &xs, &ts, 1);
                let scale =
                    2.0 * settings.boundary_weight / (2 * points.boundary_times.len()) as f64;
                let bar = tape.output.iter().map(|&u| scale * u).collect();
                sum = tape.output.iter().map(|u| u * u).sum();
                (tape, bar)
            }
        };
        self.backward(layers, &tape, bar, &mut gradient);
        tape.recycle();
        (sum, gradient)
    }

    /// `ψ(x, t)`.
    pub fn psi(&self, x: f64, t: f64) -> Complex64 {
        let tape = self.forward(&self.layers(), &[x], &[t], 1);
        Complex64::new(tape.output[0], tape.output[1])
    }

    /// `ψ(xⱼ, t)` for every `xⱼ`, in parallel blocks (independent of the thread count).
    pub fn psi_at(&self, xs: &[f64], t: f64) -> Vec<Complex64> {
        let layers = self.layers();
        let chunks: Vec<Vec<Complex64>> = xs
            .par_chunks(BLOCK)
            .map(|chunk| {
                let tape = self.forward(&layers, chunk, &vec![t; chunk.len()], 1);
                let values = tape
                    .output
                    .chunks_exact(2)
                    .map(|p| Complex64::new(p[0], p[1]))
                    .collect();
                tape.recycle();
                values
            })
            .collect();
        chunks.concat()
    }

    /// ψ with `∂ₜψ`, `∂ₓψ` (in `gradient[0]`) and `∂ₓ²ψ` (the Laplacian) at `(x, t)`,
    /// from the forward Taylor-mode pass.
    pub fn evaluate(&self, x: f64, t: f64) -> Evaluation {
        let tape = self.forward(&self.layers(), &[x], &[t], 4);
        let o = &tape.output;
        let zero = Complex64::default();
        Evaluation {
            psi: Complex64::new(o[0], o[1]),
            dpsi_dt: Complex64::new(o[4], o[5]),
            gradient: [Complex64::new(o[2], o[3]), zero, zero],
            laplacian: Complex64::new(o[6], o[7]),
        }
    }

    /// The residual `R = iħ∂ₜψ + (ħ²/2m)∂ₓ²ψ − Vψ` at `(x, t)` for the potential value
    /// `v = V(x)` (energy × ψ).
    pub fn residual(&self, x: f64, t: f64, v: f64) -> Complex64 {
        let e = self.evaluate(x, t);
        let u = self.units;
        Complex64::i() * u.hbar * e.dpsi_dt + e.laplacian * (u.hbar * u.hbar / (2.0 * u.mass))
            - e.psi * v
    }
}
