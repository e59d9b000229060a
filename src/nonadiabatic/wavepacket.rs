//! Exact quantum scattering of a nuclear wave packet on coupled diabatic surfaces: the
//! reference that surface hopping is checked against.
//!
//! Atomic units throughout (ħ = 1, hartree, bohr, time in ħ/hartree), nuclear mass `m`
//! in electron masses (Tully's models use `m = 2000`). Any [`DiabaticModel`] with one
//! nuclear coordinate and `n` electronic states can be propagated.
//!
//! # Method
//! The `n`-component wave function `ψ_a(x)` (diabatic components `a < n`) lives on a
//! periodic grid of `M` points `x_j = x_start + jΔx`. One step of length `δt` is the
//! symmetric (Strang) splitting
//!
//! `ψ ← A V_½ F⁻¹ K F V_½ A ψ`, `V_½ = e^{−iV(x)δt/2}`, `K = e^{−ik²δt/2m}`,
//! `A = e^{−W(x)δt/2}`,
//!
//! where `e^{−iV(x)δt/2} = U diag(e^{−iE_i δt/2}) Uᵀ` is the exact `n × n` matrix
//! exponential at every grid point (`V = U diag(E) Uᵀ`, precomputed once), the kinetic
//! factor `K` is exact in the Fourier basis (one FFT per state, `k` the angular wave
//! numbers of the FFT bins), and `A` is the absorber (below). Without absorber every
//! factor is unitary, so the norm is conserved to rounding; the error is second order
//! in `δt`. Consecutive steps share their middle factors, `V_½ A · A V_½ = A² e^{−iVδt}`,
//! so a step costs one potential factor and `2n` FFTs of length `M`.
//!
//! # Initial state
//! `ψ_a(x) = N exp(−(x − x₀)²/(4σ²) + ik₀x) U_{a,i}(x)`: a Gaussian of position
//! standard deviation `σ` (momentum standard deviation `σ_k = 1/(2σ)`) on adiabatic
//! state `i`, with the eigenvector signs kept continuous along the grid by overlap with
//! the previous point ([`adiabatic`]). `N` makes `Σ_j |ψ(x_j)|² Δx = 1`.
//!
//! # Absorbing boundaries and branching
//! Each edge carries a layer of width `w` with the complex absorbing potential
//! `−iW(s)`, `s ∈ [0, w]` the depth into the layer, `W = W_M + W_4`:
//!
//! - `W_M` is the transmission-free potential of Manolopoulos (J. Chem. Phys. 117,
//!   9552 (2002)): with `k_min = 2π/w`, `E_min = k_min²/2m` and `y = c s/w`,
//!   `W_M(s) = E_min (a y − b y³ + 4/(c − y)² − 4/(c + y)²)`, `a = 0.112449`,
//!   `b = 0.00828735`, `c = 2.62206`. It diverges at the outer edge, so nothing is
//!   transmitted through it (nothing wraps around the periodic box), and reflects
//!   little for momenta above `k_min`. But a wave of momentum `k ≫ k_min` is absorbed
//!   only within about `5/k` bohr of the edge, a few grid points at the largest `k`
//!   of the grid, where the discrete grid then reflects (about 5·10⁻⁵ of the
//!   probability at `k = π/(1.5Δx)`, measured).
//! - `W_4(s) = 5X v_grid (s/w)⁴ / w`, with `v_grid = π/(Δx m)` the fastest velocity the
//!   grid represents and `X = 3`, damps every wave's amplitude by at least `e^{−X}`
//!   (`exp(−∫W_4 ds / v)`) before it reaches the edge, which removes that reflection;
//!   its onset is smooth (`s⁴`), so slow waves hardly notice it.
//!
//! Measured on a free packet (mass 2000, `Δx = 0.07`, `w = 25` bohr): reflected
//! probability ≤ 1.1·10⁻⁸ for every `k` from 2 to 30 bohr⁻¹.
//!
//! The layer is applied as the multiplicative factor `g(x) = e^{−W(x)δt/2}`, which
//! commutes with `V(x)`. Whatever it removes, `(1 − g²)|ψ(x_j)|²Δx` per point, is
//! projected on the local adiabatic eigenvectors, `(1 − g²)|U_iᵀ(x_j) ψ(x_j)|²Δx` for
//! state `i` (exact bookkeeping: the `U_i` are orthonormal), and accumulated per state:
//! the left layer collects the reflected probability, the right layer the transmitted
//! one. Local adiabatic vectors (rather than the diabatic basis) are what makes this
//! right where the asymptotic states are mixtures of diabatic states, as on the right
//! of Tully's model 3.
//!
//! The run stops when the norm left on the grid falls below a tolerance, or at a time
//! cap. What is left at the cap is most often a resonance: probability trapped in a
//! well of an upper surface (Tully's model 2 below the upper threshold keeps 0.3 % for
//! 10⁵ ħ/hartree and more). A resonance decays exponentially into fixed channel
//! ratios, so if the absorbers still collected probability over the last quarter of
//! the run, the remainder is shared among the channels in proportion to what each
//! collected over that quarter ([`Branching::extrapolated`]). Otherwise (a bound state,
//! or no absorbers) it is split at `x_split` (left of it: reflected, right:
//! transmitted) and projected on the local adiabatic states the same way. Since the
//! propagation is unitary and the bookkeeping exact, `ΣT_i + ΣR_i = 1` to rounding;
//! [`Branching::unaccounted`] reports `1 − ΣT_i − ΣR_i`, and [`Branching::remaining`]
//! how much was still on the grid.
//!
//! # Automatic settings
//! [`PacketSettings::for_momentum`] chooses everything from `(model, k₀, m)`; see its
//! documentation for the rules.

use super::adiabatic::adiabatic;
use super::models::DiabaticModel;
use crate::error::{Error, Result};
use crate::schrodinger::fft_wave_numbers;
use num_complex::Complex64;
use rustfft::{Fft, FftPlanner};
use std::f64::consts::PI;
use std::sync::Arc;

/// Momentum width of the automatic packet: `σ_k = k₀ / MOMENTUM_WIDTH_RATIO`.
pub const MOMENTUM_WIDTH_RATIO: f64 = 120.0;

/// Relative gradient threshold that delimits the interaction region (see
/// [`interaction_region`]).
const GRADIENT_THRESHOLD: f64 = 1e-5;
/// Half-width of the scan used by [`interaction_region`] (bohr).
const SCAN_LIMIT: f64 = 200.0;
/// Step of that scan (bohr).
const SCAN_STEP: f64 = 0.01;
/// Norm left on the grid below which a run stops.
const DEFAULT_TOLERANCE: f64 = 1e-7;
/// Amplitude decay `X` of the quartic ramp for the fastest wave on the grid.
const RAMP_DECAY: f64 = 3.0;
/// Steps between two norm checks of [`WavePacket::run`].
const CHECK_EVERY: usize = 32;

/// Everything that defines one wave-packet scattering run (atomic units).
///
/// Build one with [`PacketSettings::for_momentum`] and adjust fields as needed; every
/// field is checked by [`WavePacket::new`], which names the field at fault.
#[derive(Clone, Debug, PartialEq)]
pub struct PacketSettings {
    /// Nuclear mass `m` (electron masses; Tully: 2000).
    pub mass: f64,
    /// Mean initial momentum `k₀` (bohr⁻¹), positive (the packet moves to the right).
    pub k0: f64,
    /// Position standard deviation `σ` of `|ψ|²` (bohr); `σ_k = 1/(2σ)`.
    pub sigma: f64,
    /// Initial centre `x₀` (bohr), left of the interaction region.
    pub x0: f64,
    /// Adiabatic state the packet starts on (0 = lowest).
    pub initial_state: usize,
    /// Left edge of the periodic box (bohr).
    pub box_start: f64,
    /// Right edge of the periodic box (bohr); the grid is `[box_start, box_stop)`.
    pub box_stop: f64,
    /// Number of grid points `M` (≥ 64; sizes `2ᵃ3ᵇ5ᶜ` have fast FFTs).
    pub points: usize,
    /// Time step `δt` (ħ/hartree).
    pub dt: f64,
    /// Width `w` of each absorbing layer (bohr); 0 turns absorption off (periodic box).
    pub absorber: f64,
    /// Position dividing reflected from transmitted probability still on the grid at
    /// the end (bohr), normally the centre of the interaction region.
    pub split: f64,
    /// Time cap (ħ/hartree).
    pub max_time: f64,
    /// A run stops once the norm left on the grid is below this.
    pub tolerance: f64,
}

/// Reflection and transmission probabilities per adiabatic state.
#[derive(Clone, Debug, PartialEq)]
pub struct Branching {
    /// `T_i`: probability transmitted (to the right) on adiabatic state `i`, ascending
    /// energy.
    pub transmitted: Vec<f64>,
    /// `R_i`: probability reflected (to the left) on adiabatic state `i`.
    pub reflected: Vec<f64>,
    /// Norm still on the grid at the end, already included in `T` and `R`: by the
    /// channel ratios of the last quarter's absorbed flux if `extrapolated`, else by
    /// position.
    pub remaining: f64,
    /// Whether `remaining` was shared by the absorbed-flux ratios of the last quarter of
    /// the run (a decaying resonance) rather than by position.
    pub extrapolated: bool,
    /// `1 − ΣT_i − ΣR_i` (rounding only, for a unitary propagation).
    pub unaccounted: f64,
    /// Time propagated (ħ/hartree).
    pub time: f64,
    /// Steps taken.
    pub steps: usize,
}

impl Branching {
    /// The largest change of any `T_i` or `R_i` between `self` and `other`.
    pub fn max_difference(&self, other: &Branching) -> f64 {
        let pairs = self.transmitted.iter().zip(&other.transmitted);
        let pairs = pairs.chain(self.reflected.iter().zip(&other.reflected));
        pairs.map(|(a, b)| (a - b).abs()).fold(0.0, f64::max)
    }
}

/// Where `model` varies: the smallest interval `[a, b]` outside which every entry of
/// `dV/dx` stays below `10⁻⁵` of its largest magnitude, found by scanning
/// `|x| ≤ 200` bohr in steps of 0.01 bohr. Outside it the adiabatic states, energies
/// and couplings are constant for scattering purposes. A model that does not vary at
/// all gives `[0, 0]`.
pub fn interaction_region(model: &dyn DiabaticModel) -> Result<(f64, f64)> {
    one_dimensional(model)?;
    let count = (2.0 * SCAN_LIMIT / SCAN_STEP).round() as usize;
    let xs: Vec<f64> = (0..=count)
        .map(|j| -SCAN_LIMIT + SCAN_STEP * j as f64)
        .collect();
    let sizes: Vec<f64> = xs.iter().map(|&x| model.gradient(&[x])[0].amax()).collect();
    let largest = sizes.iter().copied().fold(0.0, f64::max);
    if !largest.is_finite() {
        return Err(Error::invalid("model", "dV/dx is not finite somewhere"));
    }
    if largest == 0.0 {
        return Ok((0.0, 0.0));
    }
    let above = |s: &f64| *s > GRADIENT_THRESHOLD * largest;
    let first = sizes.iter().position(above).unwrap_or(0);
    let last = sizes.iter().rposition(above).unwrap_or(count);
    if first == 0 || last == count {
        return Err(Error::invalid(
            "model",
            format!(
                "the potential still varies at |x| = {SCAN_LIMIT} bohr; scattering needs \
                 asymptotically constant V, or set the PacketSettings fields by hand"
            ),
        ));
    }
    Ok((xs[first], xs[last]))
}

fn one_dimensional(model: &dyn DiabaticModel) -> Result<()> {
    if model.n_dims() != 1 {
        return Err(Error::invalid(
            "model",
            format!(
                "the model has {} nuclear coordinates; wave-packet scattering needs \
                 a one-dimensional model (n_dims() == 1)",
                model.n_dims()
            ),
        ));
    }
    Ok(())
}

fn positive(key: &str, value: f64, what: &str) -> Result<()> {
    if value > 0.0 && value.is_finite() {
        Ok(())
    } else {
        Err(Error::invalid(
            key,
            format!("{what} {key} = {value} must be positive and finite"),
        ))
    }
}

/// Adiabatic energies (ascending) and sign-continuous eigenvectors (`U[a,i]` at
/// `j·n² + a·n + i`) of `model` at every `x`.
fn adiabatic_along(model: &dyn DiabaticModel, xs: &[f64]) -> Result<(Vec<f64>, Vec<f64>)> {
    let n = model.n_states();
    let mut energies = Vec::with_capacity(xs.len() * n);
    let mut vectors = Vec::with_capacity(xs.len() * n * n);
    let mut previous = None;
    for &x in xs {
        if model.potential(&[x]).iter().any(|v| !v.is_finite()) {
            return Err(Error::invalid(
                "model",
                format!("V(x) is not finite at x = {x}"),
            ));
        }
        let local = adiabatic(model, &[x], previous.as_ref());
        energies.extend_from_slice(&local.energies);
        for a in 0..n {
            vectors.extend((0..n).map(|i| local.vectors[(a, i)]));
        }
        previous = Some(local.vectors);
    }
    Ok((energies, vectors))
}

impl PacketSettings {
    /// Conservative settings for a packet of mean momentum `k0` on the lowest adiabatic
    /// state of `model`, coming from the left, with nuclear mass `mass`:
    ///
    /// - interaction region `[a, b]` from [`interaction_region`]; `split = (a + b)/2`;
    /// - momentum width `σ_k = k₀/120` ([`MOMENTUM_WIDTH_RATIO`]), so the packet
    ///   approximates stationary scattering at `k₀`; `σ = 1/(2σ_k)`;
    /// - `x₀ = a − 6σ`; the box interior is `[x₀ − 6σ, b + 2]`, with an absorbing layer
    ///   of width `w = 2π/k_abs`, `k_abs = min(k₀/20, 1/4) bohr⁻¹` (25 bohr for
    ///   `k₀ ≥ 5`), on each side;
    /// - grid and time step from [`PacketSettings::fit_grid_and_step`];
    /// - time cap: 4 times the time to cross the box twice at `k₀/m`; stop once less
    ///   than `10⁻⁷` is left on the grid.
    pub fn for_momentum(model: &dyn DiabaticModel, k0: f64, mass: f64) -> Result<Self> {
        Self::for_momentum_and_spread(model, k0, k0 / MOMENTUM_WIDTH_RATIO, mass)
    }

    /// As [`PacketSettings::for_momentum`], with the momentum standard deviation `σ_k`
    /// (bohr⁻¹) given: `σ = 1/(2σ_k)`, and the box and grid follow.
    pub fn for_momentum_and_spread(
        model: &dyn DiabaticModel,
        k0: f64,
        sigma_k: f64,
        mass: f64,
    ) -> Result<Self> {
        one_dimensional(model)?;
        positive("mass", mass, "the nuclear mass")?;
        positive("k0", k0, "the initial momentum")?;
        positive("sigma_k", sigma_k, "the momentum spread")?;
        let (a, b) = interaction_region(model)?;
        let sigma = 0.5 / sigma_k;
        let x0 = a - 6.0 * sigma;
        let absorber = 2.0 * PI / (k0 / 20.0).min(0.25);
        let box_start = x0 - 6.0 * sigma - absorber;
        let box_stop = b + 2.0 + absorber;
        let mut settings = Self {
            mass,
            k0,
            sigma,
            x0,
            initial_state: 0,
            box_start,
            box_stop,
            points: 64,
            dt: 1.0,
            absorber,
            split: 0.5 * (a + b),
            max_time: 4.0 * 2.0 * (box_stop - box_start) * mass / k0,
            tolerance: DEFAULT_TOLERANCE,
        };
        settings.fit_grid_and_step(model)?;
        Ok(settings)
    }

    /// Sets `points` and `dt` for the current box, `k0`, `sigma` and `mass`:
    ///
    /// - highest momentum `k_max = √(k_hi² + 2m ΔV)`, with `k_hi = k₀ + 6σ_k` and `ΔV`
    ///   the highest adiabatic energy at `x₀` (so any initial state is covered) minus
    ///   the lowest adiabatic energy in the box (sampled every 0.05 bohr);
    /// - the grid resolves `|k| ≤ π/Δx` with `π/Δx ≥ 1.5 k_max`; `points` is the
    ///   smallest `2ᵃ3ᵇ5ᶜ` that achieves it (fast FFT sizes), at least 64;
    /// - `δt = 0.5 / (E_kin + E_spread)`, with `E_kin = k_max²/2m` the largest kinetic
    ///   energy and `E_spread = min(E_span, E_kin)` the spread of adiabatic energies the
    ///   packet can populate (`E_span`: the range of all adiabatic energies in the box;
    ///   states above the total energy are never populated): the kinetic factor and the
    ///   relative phases of the potential factor turn by at most ½ radian per step.
    pub fn fit_grid_and_step(&mut self, model: &dyn DiabaticModel) -> Result<()> {
        one_dimensional(model)?;
        positive("mass", self.mass, "the nuclear mass")?;
        positive("k0", self.k0, "the initial momentum")?;
        positive("sigma", self.sigma, "the packet width")?;
        self.check_box()?;
        let length = self.box_stop - self.box_start;
        let count = (length / 0.05).ceil() as usize;
        let scan: Vec<f64> = (0..=count)
            .map(|j| self.box_start + length * j as f64 / count as f64)
            .collect();
        let (energies, _) = adiabatic_along(model, &scan)?;
        let n = model.n_states();
        let initial = adiabatic(model, &[self.x0], None).energies[n - 1];
        let lowest = energies.iter().copied().fold(f64::MAX, f64::min);
        let highest = energies.iter().copied().fold(f64::MIN, f64::max);
        let k_hi = self.k0 + 3.0 / self.sigma;
        let k_max = (k_hi * k_hi + 2.0 * self.mass * (initial - lowest).max(0.0)).sqrt();
        self.points = fft_size((length * 1.5 * k_max / PI).ceil() as usize).max(64);
        let kinetic = k_max * k_max / (2.0 * self.mass);
        self.dt = 0.5 / (kinetic + (highest - lowest).min(kinetic));
        Ok(())
    }

    /// Grid spacing `Δx` (bohr).
    pub fn spacing(&self) -> f64 {
        (self.box_stop - self.box_start) / self.points as f64
    }

    /// Checks every field against `model`, naming the field at fault.
    pub fn check(&self, model: &dyn DiabaticModel) -> Result<()> {
        one_dimensional(model)?;
        positive("mass", self.mass, "the nuclear mass")?;
        positive("k0", self.k0, "the initial momentum")?;
        positive("sigma", self.sigma, "the packet width")?;
        positive("dt", self.dt, "the time step")?;
        positive("max_time", self.max_time, "the time cap")?;
        if !(self.tolerance >= 0.0 && self.tolerance.is_finite()) {
            return Err(Error::invalid(
                "tolerance",
                format!("{} must be ≥ 0", self.tolerance),
            ));
        }
        if self.initial_state >= model.n_states() {
            return Err(Error::invalid(
                "initial_state",
                format!(
                    "state {} does not exist; the model has {} states (0 = lowest)",
                    self.initial_state,
                    model.n_states()
                ),
            ));
        }
        self.check_box()?;
        self.check_grid()?;
        self.check_layout()
    }

    fn check_box(&self) -> Result<()> {
        if !(self.box_start.is_finite() && self.box_stop.is_finite())
            || self.box_start >= self.box_stop
        {
            return Err(Error::invalid(
                "box_start",
                format!(
                    "the box [{}, {}) is empty; box_start must be below box_stop",
                    self.box_start, self.box_stop
                ),
            ));
        }
        Ok(())
    }

    fn check_grid(&self) -> Result<()> {
        if self.points < 64 {
            return Err(Error::invalid(
                "points",
                format!(
                    "{} grid points; use at least 64 (a power of two or another 2ᵃ3ᵇ5ᶜ)",
                    self.points
                ),
            ));
        }
        let nyquist = PI / self.spacing();
        let needed = self.k0 + 3.0 / self.sigma;
        if needed >= nyquist {
            return Err(Error::invalid(
                "points",
                format!(
                    "the grid resolves |k| < π/Δx = {nyquist:.3} bohr⁻¹ but the packet \
                     reaches k₀ + 6σ_k = {needed:.3}; raise points"
                ),
            ));
        }
        Ok(())
    }

    fn check_layout(&self) -> Result<()> {
        let length = self.box_stop - self.box_start;
        if !(self.absorber >= 0.0 && 2.0 * self.absorber < length) {
            return Err(Error::invalid(
                "absorber",
                format!(
                    "width {} must be ≥ 0 and leave room between the two layers of \
                     the box of length {length}",
                    self.absorber
                ),
            ));
        }
        let (inner_start, inner_stop) = (
            self.box_start + self.absorber,
            self.box_stop - self.absorber,
        );
        let (low, high) = (self.x0 - 5.0 * self.sigma, self.x0 + 5.0 * self.sigma);
        if !(low >= inner_start && high <= inner_stop) {
            return Err(Error::invalid(
                "x0",
                format!(
                    "the packet x0 ± 5σ = {} ± {} must lie inside the box between the \
                     absorbers, [{inner_start}, {inner_stop}]",
                    self.x0,
                    5.0 * self.sigma
                ),
            ));
        }
        if !(self.split > self.box_start && self.split < self.box_stop) {
            return Err(Error::invalid(
                "split",
                format!("{} must lie inside the box", self.split),
            ));
        }
        Ok(())
    }
}

/// Index of the half-step factors (`τ = δt/2`).
const HALF: usize = 0;
/// Index of the full-step factors (`τ = δt`).
const FULL: usize = 1;

/// One absorbing layer: grid indices, damping factors `g = e^{−Wτ}` and the weights
/// `(1 − g²)Δx` of the removed probability, for `τ = δt/2` ([`HALF`]) and `δt`
/// ([`FULL`]).
#[derive(Clone, Debug)]
struct Layer {
    indices: Vec<usize>,
    damping: [Vec<f64>; 2],
    removed: [Vec<f64>; 2],
    /// Probability absorbed so far, per adiabatic state.
    absorbed: Vec<f64>,
}

impl Layer {
    fn new(indices: Vec<usize>, depths: Vec<f64>, settings: &PacketSettings, n: usize) -> Self {
        let dx = settings.spacing();
        let factors = |tau: f64| -> (Vec<f64>, Vec<f64>) {
            let g: Vec<f64> = depths
                .iter()
                .map(|&s| (-absorbing_potential(s, settings) * tau).exp())
                .collect();
            let removed = g.iter().map(|g| (1.0 - g * g) * dx).collect();
            (g, removed)
        };
        let (half, half_removed) = factors(settings.dt / 2.0);
        let (full, full_removed) = factors(settings.dt);
        let (damping, removed) = ([half, full], [half_removed, full_removed]);
        Self {
            indices,
            damping,
            removed,
            absorbed: vec![0.0; n],
        }
    }
}

/// The absorbing potential `W(s) = W_M(s) + W_4(s)` (hartree) at depth `s` into a layer
/// (see the module documentation).
fn absorbing_potential(depth: f64, settings: &PacketSettings) -> f64 {
    let (w, mass) = (settings.absorber, settings.mass);
    let v_grid = PI / settings.spacing() / mass;
    let ramp = 5.0 * RAMP_DECAY * v_grid / w * (depth / w).min(1.0).powi(4);
    manolopoulos(depth, w, mass) + ramp
}

/// Manolopoulos' transmission-free absorbing potential `W_M` (hartree) at depth `s` into
/// a layer of width `w`, for mass `m` (see the module documentation); infinite at and
/// beyond the outer edge.
fn manolopoulos(depth: f64, width: f64, mass: f64) -> f64 {
    const A: f64 = 0.112449;
    const B: f64 = 0.00828735;
    const C: f64 = 2.62206;
    if depth >= width {
        return f64::INFINITY;
    }
    let y = C * depth / width;
    let k_min = 2.0 * PI / width;
    let e_min = k_min * k_min / (2.0 * mass);
    e_min * (A * y - B * y.powi(3) + 4.0 / (C - y).powi(2) - 4.0 / (C + y).powi(2))
}

/// An `n`-state wave packet on a 1-D grid, ready to propagate (see the module
/// documentation for the scheme).
pub struct WavePacket {
    settings: PacketSettings,
    n: usize,
    grid: Vec<f64>,
    /// Adiabatic eigenvectors, `U[a,i]` at `j·n² + a·n + i`.
    vectors: Vec<f64>,
    /// `e^{−iVδt/2}` ([`HALF`]) and `e^{−iVδt}` ([`FULL`]) per point, row-major
    /// `n × n` at `j·n²`.
    potential: [Vec<Complex64>; 2],
    /// `e^{−ik²δt/2m}/M` per FFT bin.
    kinetic: Vec<Complex64>,
    /// Diabatic components `ψ_a(x_j)`.
    psi: Vec<Vec<Complex64>>,
    layers: [Layer; 2],
    forward: Arc<dyn Fft<f64>>,
    inverse: Arc<dyn Fft<f64>>,
    scratch: Vec<Complex64>,
    local: Vec<Complex64>,
    time: f64,
    steps: usize,
}

impl WavePacket {
    /// Checks `settings` against `model` and prepares the propagation: grid, adiabatic
    /// vectors, `e^{−iVδt/2}` per point, kinetic factors, FFT plans, absorbers, and the
    /// normalized initial packet.
    pub fn new(model: &dyn DiabaticModel, settings: &PacketSettings) -> Result<Self> {
        settings.check(model)?;
        let (n, m, dx) = (model.n_states(), settings.points, settings.spacing());
        let grid: Vec<f64> = (0..m).map(|j| settings.box_start + dx * j as f64).collect();
        let (energies, vectors) = adiabatic_along(model, &grid)?;
        let potential = [
            potential_factors(&energies, &vectors, n, settings.dt / 2.0),
            potential_factors(&energies, &vectors, n, settings.dt),
        ];
        let kinetic = kinetic_factors(m, settings);
        let mut planner = FftPlanner::new();
        let forward = planner.plan_fft_forward(m);
        let inverse = planner.plan_fft_inverse(m);
        let scratch_len = forward
            .get_inplace_scratch_len()
            .max(inverse.get_inplace_scratch_len());
        let layers = layers(&grid, settings, n);
        let psi = initial_packet(&grid, &vectors, n, settings);
        Ok(Self {
            settings: settings.clone(),
            n,
            grid,
            vectors,
            potential,
            kinetic,
            psi,
            layers,
            forward,
            inverse,
            scratch: vec![Complex64::default(); scratch_len],
            local: vec![Complex64::default(); n],
            time: 0.0,
            steps: 0,
        })
    }

    /// The settings this packet was built with.
    pub fn settings(&self) -> &PacketSettings {
        &self.settings
    }

    /// Grid points `x_j` (bohr).
    pub fn grid(&self) -> &[f64] {
        &self.grid
    }

    /// Diabatic component `ψ_a(x_j)` on the grid.
    pub fn component(&self, a: usize) -> &[Complex64] {
        &self.psi[a]
    }

    /// Time propagated so far (ħ/hartree).
    pub fn time(&self) -> f64 {
        self.time
    }

    /// `Σ_a Σ_j |ψ_a(x_j)|² Δx`.
    pub fn norm(&self) -> f64 {
        let sum: f64 = self.psi.iter().flatten().map(|p| p.norm_sqr()).sum();
        sum * self.settings.spacing()
    }

    /// `⟨x⟩ = Σ x_j |ψ(x_j)|² Δx / norm` (bohr).
    pub fn mean_position(&self) -> f64 {
        let weighted: f64 = self
            .psi
            .iter()
            .map(|c| c.iter().zip(&self.grid).map(|(p, x)| x * p.norm_sqr()))
            .map(|terms| terms.sum::<f64>())
            .sum();
        weighted * self.settings.spacing() / self.norm()
    }

    /// Probability on each adiabatic state now on the grid, `Σ_j |U_iᵀ(x_j) ψ(x_j)|² Δx`.
    pub fn adiabatic_populations(&self) -> Vec<f64> {
        let mut populations = vec![0.0; self.n];
        for j in 0..self.grid.len() {
            self.add_projection(j, self.settings.spacing(), &mut populations);
        }
        populations
    }

    /// `|U_iᵀ(x_j) ψ(x_j)|² · weight` added to `into[i]` for every state `i`.
    fn add_projection(&self, j: usize, weight: f64, into: &mut [f64]) {
        let n = self.n;
        let u = &self.vectors[j * n * n..(j + 1) * n * n];
        for (i, total) in into.iter_mut().enumerate() {
            let c: Complex64 = (0..n).map(|a| self.psi[a][j] * u[a * n + i]).sum();
            *total += c.norm_sqr() * weight;
        }
    }

    /// Takes `steps` Strang steps of length `δt`. Between two steps the factors
    /// `V_½ A · A V_½` are merged into `A² e^{−iVδt}` (`A` and `V` commute), so `N` steps
    /// apply `N` kinetic and `N + 1` potential factors (the same result up to rounding).
    pub fn advance(&mut self, steps: usize) {
        if steps == 0 {
            return;
        }
        self.absorb(HALF);
        self.apply_potential(HALF);
        for step in 0..steps {
            for a in 0..self.n {
                self.apply_kinetic(a);
            }
            if step + 1 < steps {
                self.apply_potential(FULL);
                self.absorb(FULL);
            }
        }
        self.apply_potential(HALF);
        self.absorb(HALF);
        self.steps += steps;
        self.time = self.steps as f64 * self.settings.dt;
    }

    /// `ψ(x_j) ← e^{−iV(x_j)τ} ψ(x_j)` at every point, `τ = δt/2` ([`HALF`]) or `δt`
    /// ([`FULL`]).
    fn apply_potential(&mut self, part: usize) {
        let n = self.n;
        for (j, p) in self.potential[part].chunks_exact(n * n).enumerate() {
            for (a, local) in self.local.iter_mut().enumerate() {
                *local = self.psi[a][j];
            }
            for (a, row) in p.chunks_exact(n).enumerate() {
                self.psi[a][j] = row.iter().zip(&self.local).map(|(v, l)| v * l).sum();
            }
        }
    }

    /// `ψ_a ← F⁻¹ e^{−ik²δt/2m} F ψ_a` (the `1/M` of the inverse is in the factors).
    fn apply_kinetic(&mut self, a: usize) {
        let psi = &mut self.psi[a];
        self.forward.process_with_scratch(psi, &mut self.scratch);
        for (p, k) in psi.iter_mut().zip(&self.kinetic) {
            *p *= k;
        }
        self.inverse.process_with_scratch(psi, &mut self.scratch);
    }

    /// Applies `e^{−Wτ}` (`τ` as in [`WavePacket::apply_potential`]) in both layers,
    /// adding what it removes, projected on the local adiabatic states, to each layer's
    /// tally.
    fn absorb(&mut self, part: usize) {
        for side in 0..2 {
            let mut absorbed = std::mem::take(&mut self.layers[side].absorbed);
            let layer = &self.layers[side];
            for (t, &j) in layer.indices.iter().enumerate() {
                self.add_projection(j, layer.removed[part][t], &mut absorbed);
            }
            for (t, &j) in layer.indices.iter().enumerate() {
                let g = layer.damping[part][t];
                for component in self.psi.iter_mut() {
                    component[j] *= g;
                }
            }
            self.layers[side].absorbed = absorbed;
        }
    }

    /// Propagates until less than `tolerance` is left on the grid (checked every 32
    /// steps) or `max_time` is reached, and returns the branching probabilities; at the
    /// cap, a remainder that is still leaking is shared by the channel ratios of the
    /// flux absorbed over the last quarter of the run (see the module documentation).
    pub fn run(&mut self) -> Branching {
        let limit = (self.settings.max_time / self.settings.dt).ceil() as usize;
        let quarter = self.steps.max(limit - limit / 4);
        let mut before_last_quarter = None;
        while self.steps < limit {
            if self.steps >= quarter && before_last_quarter.is_none() {
                before_last_quarter = Some(self.absorbed());
            }
            let chunk = CHECK_EVERY.min(limit - self.steps);
            self.advance(chunk);
            if self.norm() < self.settings.tolerance {
                return self.branching();
            }
        }
        match before_last_quarter {
            Some(before) => self.branching_with_leak(&before),
            None => self.branching(),
        }
    }

    /// What the two absorbers collected so far, `[reflected, transmitted]`.
    fn absorbed(&self) -> [Vec<f64>; 2] {
        [
            self.layers[0].absorbed.clone(),
            self.layers[1].absorbed.clone(),
        ]
    }

    /// Branching probabilities with the norm left on the grid shared among the channels
    /// in proportion to what each absorber collected since `before`; by position (as
    /// [`WavePacket::branching`]) if nothing was collected.
    fn branching_with_leak(&self, before: &[Vec<f64>; 2]) -> Branching {
        let now = self.absorbed();
        let leak: Vec<Vec<f64>> = (0..2)
            .map(|side| {
                now[side]
                    .iter()
                    .zip(&before[side])
                    .map(|(a, b)| (a - b).max(0.0))
                    .collect()
            })
            .collect();
        let total: f64 = leak.iter().flatten().sum();
        let remaining = self.norm();
        if !(total > 0.0 && total.is_finite()) {
            return self.branching();
        }
        let share = |side: usize| -> Vec<f64> {
            now[side]
                .iter()
                .zip(&leak[side])
                .map(|(a, l)| a + remaining * l / total)
                .collect()
        };
        let (reflected, transmitted) = (share(0), share(1));
        let sum: f64 = transmitted.iter().chain(&reflected).sum();
        Branching {
            transmitted,
            reflected,
            remaining,
            extrapolated: true,
            unaccounted: 1.0 - sum,
            time: self.time,
            steps: self.steps,
        }
    }

    /// Branching probabilities now: what each absorber removed, plus what is still on
    /// the grid, assigned by position relative to `split` and projected on the local
    /// adiabatic states.
    pub fn branching(&self) -> Branching {
        let dx = self.settings.spacing();
        let mut reflected = self.layers[0].absorbed.clone();
        let mut transmitted = self.layers[1].absorbed.clone();
        for (j, &x) in self.grid.iter().enumerate() {
            let side = if x < self.settings.split {
                &mut reflected
            } else {
                &mut transmitted
            };
            self.add_projection(j, dx, side);
        }
        let total: f64 = transmitted.iter().chain(&reflected).sum();
        Branching {
            transmitted,
            reflected,
            remaining: self.norm(),
            extrapolated: false,
            unaccounted: 1.0 - total,
            time: self.time,
            steps: self.steps,
        }
    }
}

/// Scatters a packet built from `settings` off `model` to completion.
pub fn scatter(model: &dyn DiabaticModel, settings: &PacketSettings) -> Result<Branching> {
    Ok(WavePacket::new(model, settings)?.run())
}

/// The smallest `2ᵃ3ᵇ5ᶜ ≥ n`.
fn fft_size(n: usize) -> usize {
    let smooth = |mut m: usize| {
        for p in [2, 3, 5] {
            while m % p == 0 {
                m /= p;
            }
        }
        m == 1
    };
    (n.max(1)..).find(|&m| smooth(m)).unwrap_or(n)
}

/// `e^{−iVτ} = U diag(e^{−iE_iτ}) Uᵀ` per point, row-major.
fn potential_factors(energies: &[f64], vectors: &[f64], n: usize, tau: f64) -> Vec<Complex64> {
    let mut out = Vec::with_capacity(vectors.len());
    for (e, u) in energies.chunks_exact(n).zip(vectors.chunks_exact(n * n)) {
        let phases: Vec<Complex64> = e
            .iter()
            .map(|e| Complex64::from_polar(1.0, -e * tau))
            .collect();
        for a in 0..n {
            for b in 0..n {
                let sum = (0..n).map(|i| phases[i] * (u[a * n + i] * u[b * n + i]));
                out.push(sum.sum());
            }
        }
    }
    out
}

/// `e^{−ik²δt/2m}/M` for the FFT bins `k = 2πq/L`, `q = 0, 1, …, M/2, −M/2 + 1, …, −1`.
fn kinetic_factors(m: usize, settings: &PacketSettings) -> Vec<Complex64> {
    fft_wave_numbers(m, settings.box_stop - settings.box_start)
        .into_iter()
        .map(|k| {
            Complex64::from_polar(1.0 / m as f64, -k * k * settings.dt / (2.0 * settings.mass))
        })
        .collect()
}

/// The left and right absorbing layers on `grid`.
fn layers(grid: &[f64], settings: &PacketSettings, n: usize) -> [Layer; 2] {
    let w = settings.absorber;
    let (left_edge, right_edge) = (settings.box_start + w, settings.box_stop - w);
    let (mut left, mut left_depth, mut right, mut right_depth) = (vec![], vec![], vec![], vec![]);
    if w > 0.0 {
        for (j, &x) in grid.iter().enumerate() {
            if x < left_edge {
                left.push(j);
                left_depth.push(left_edge - x);
            } else if x > right_edge {
                right.push(j);
                right_depth.push(x - right_edge);
            }
        }
    }
    [
        Layer::new(left, left_depth, settings, n),
        Layer::new(right, right_depth, settings, n),
    ]
}

/// `N exp(−(x − x₀)²/4σ² + ik₀x) U_{a,i}(x)` per diabatic component `a`, normalized.
fn initial_packet(
    grid: &[f64],
    vectors: &[f64],
    n: usize,
    settings: &PacketSettings,
) -> Vec<Vec<Complex64>> {
    let (x0, sigma, k0, i) = (
        settings.x0,
        settings.sigma,
        settings.k0,
        settings.initial_state,
    );
    let gaussian: Vec<Complex64> = grid
        .iter()
        .map(|&x| {
            let amplitude = (-(x - x0).powi(2) / (4.0 * sigma * sigma)).exp();
            Complex64::from_polar(amplitude, k0 * x)
        })
        .collect();
    let norm: f64 = gaussian.iter().map(|g| g.norm_sqr()).sum::<f64>() * settings.spacing();
    let scale = 1.0 / norm.sqrt();
    (0..n)
        .map(|a| {
            gaussian
                .iter()
                .enumerate()
                .map(|(j, g)| g * (scale * vectors[j * n * n + a * n + i]))
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nonadiabatic::{Tully1, Tully3};

    #[test]
    fn fft_sizes_are_smooth_and_minimal() {
        assert_eq!(fft_size(64), 64);
        assert_eq!(fft_size(2395), 2400);
        assert_eq!(fft_size(7), 8);
        assert_eq!(fft_size(1025), 1080);
    }

    #[test]
    fn manolopoulos_potential_starts_at_zero_grows_and_diverges_at_the_edge() {
        let (w, m) = (25.0, 2000.0);
        assert!(manolopoulos(0.0, w, m).abs() < 1e-15);
        let values: Vec<f64> = (1..100)
            .map(|j| manolopoulos(0.25 * j as f64 * 0.999, w, m))
            .collect();
        assert!(values.windows(2).all(|p| p[1] > p[0]));
        assert!(manolopoulos(w, w, m).is_infinite());
    }

    #[test]
    fn potential_factor_is_the_unitary_exponential() {
        // V = [[v11, v12], [v12, v22]] at one point.
        let model = Tully3::default();
        let (energies, vectors) = adiabatic_along(&model, &[0.7]).unwrap();
        let dt = 3.0;
        let p = potential_factors(&energies, &vectors, 2, dt / 2.0);
        // P P† = 1
        for a in 0..2 {
            for b in 0..2 {
                let s: Complex64 = (0..2).map(|c| p[a * 2 + c] * p[b * 2 + c].conj()).sum();
                let expected = if a == b { 1.0 } else { 0.0 };
                assert!((s - expected).norm() < 1e-14);
            }
        }
        // P applied to an eigenvector is the phase e^{−iEδt/2}.
        for i in 0..2 {
            let u = [vectors[i], vectors[2 + i]];
            for a in 0..2 {
                let pu = p[a * 2] * u[0] + p[a * 2 + 1] * u[1];
                let expected = Complex64::from_polar(u[a], -energies[i] * dt / 2.0);
                assert!((pu - expected).norm() < 1e-14);
            }
        }
    }

    #[test]
    fn tully1_interaction_region_is_symmetric_and_about_7_bohr() {
        let (a, b) = interaction_region(&Tully1::default()).unwrap();
        assert!((a + b).abs() < 1e-9, "[{a}, {b}]");
        assert!(b > 6.0 && b < 9.0, "[{a}, {b}]");
    }

    #[test]
    fn eigenvector_signs_are_continuous_along_the_grid() {
        let model = Tully3::default();
        let xs: Vec<f64> = (0..400).map(|j| -10.0 + 0.05 * j as f64).collect();
        let (_, u) = adiabatic_along(&model, &xs).unwrap();
        for j in 1..xs.len() {
            for i in 0..2 {
                let overlap =
                    u[j * 4 + i] * u[(j - 1) * 4 + i] + u[j * 4 + 2 + i] * u[(j - 1) * 4 + 2 + i];
                assert!(overlap > 0.9, "state {i} flips at x = {}", xs[j]);
            }
        }
    }
}
