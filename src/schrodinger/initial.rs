//! Initial states `ψ(x, 0)`: a Gaussian packet, a normalized superposition of packets,
//! or values sampled on a uniform one-dimensional grid (read from a file), and the
//! extent in position and momentum each one needs for a given propagation.

use super::packet::{gaussian_packet, GaussianPacket};
use super::plane_wave::Units;
use super::potential::Potential;
use crate::error::{Error, Result};
use num_complex::Complex64;
use rustfft::FftPlanner;
use std::f64::consts::PI;

/// `ψ(x, 0)` on a uniform 1-D grid `xⱼ = x₀ + jΔ`, zero outside it.
#[derive(Clone, Debug, PartialEq)]
pub struct SampledState {
    /// First grid point `x₀`.
    pub start: f64,
    /// Spacing `Δ`.
    pub spacing: f64,
    /// `ψ(xⱼ, 0)`.
    pub values: Vec<Complex64>,
    /// Wave numbers `[k_lo, k_hi]` holding all but `10⁻²⁰` of `Σ|ψ̂(k)|²` on each side.
    pub band: (f64, f64),
}

impl SampledState {
    /// Checks the grid (at least 8 points, positive finite spacing, finite values, not
    /// all zero) and measures the momentum band from the discrete Fourier transform.
    pub fn new(start: f64, spacing: f64, values: Vec<Complex64>) -> Result<Self> {
        if values.len() < 8 {
            return Err(Error::invalid(
                "initial.file",
                format!("{} samples of ψ(x, 0); give at least 8", values.len()),
            ));
        }
        if !(spacing > 0.0 && spacing.is_finite() && start.is_finite()) {
            return Err(Error::invalid(
                "initial.file",
                format!("grid spacing {spacing}: x must increase uniformly"),
            ));
        }
        if let Some(j) = values.iter().position(|v| !v.is_finite()) {
            return Err(Error::invalid(
                "initial.file",
                format!("ψ is not finite at sample {j}"),
            ));
        }
        let m = values.len();
        let mut spectrum = values.clone();
        FftPlanner::new().plan_fft_forward(m).process(&mut spectrum);
        // Bins in ascending wave number: k = 2π(j − m/2)/(mΔ) after the shift.
        let power: Vec<f64> = (0..m)
            .map(|j| spectrum[(j + m - m / 2) % m].norm_sqr())
            .collect();
        let total: f64 = power.iter().sum();
        if total == 0.0 {
            return Err(Error::invalid("initial.file", "ψ(x, 0) is zero everywhere"));
        }
        let dk = 2.0 * PI / (m as f64 * spacing);
        let tail = 1e-20 * total;
        let mut low = 0;
        let mut acc = 0.0;
        while low + 1 < m && acc + power[low] <= tail {
            acc += power[low];
            low += 1;
        }
        let mut high = m - 1;
        acc = 0.0;
        while high > low && acc + power[high] <= tail {
            acc += power[high];
            high -= 1;
        }
        let k = |j: usize| (j as f64 - (m / 2) as f64) * dk;
        Ok(Self {
            start,
            spacing,
            band: (k(low), k(high)),
            values,
        })
    }

    /// `ψ` at `x` when `x` is a grid point (within `10⁻⁶Δ`), zero outside the grid,
    /// `None` between grid points.
    pub fn at(&self, x: f64) -> Option<Complex64> {
        let u = (x - self.start) / self.spacing;
        let j = u.round();
        if (u - j).abs() > 1e-6 {
            return None;
        }
        if j < 0.0 || j >= self.values.len() as f64 {
            return Some(Complex64::default());
        }
        Some(self.values[j as usize])
    }

    /// `Δ Σⱼ |ψⱼ|²`.
    pub fn norm(&self) -> f64 {
        self.values.iter().map(|v| v.norm_sqr()).sum::<f64>() * self.spacing
    }
}

/// The state at `t = 0`.
#[derive(Clone, Debug, PartialEq)]
pub enum InitialState {
    /// One normalized Gaussian packet (1–3 dimensions).
    Gaussian(GaussianPacket),
    /// `Σᵢ aᵢ gᵢ(x)` with the amplitudes scaled so that the total norm is one.
    Superposition {
        /// The packets `gᵢ` (same dimension).
        packets: Vec<GaussianPacket>,
        /// The amplitudes `aᵢ` (after normalization).
        amplitudes: Vec<Complex64>,
    },
    /// Values on a 1-D grid (from a file).
    Sampled(SampledState),
}

/// `⟨g₁|g₂⟩` for two normalized Gaussian packets, per direction
/// `(2πσ₁²)^{−1/4}(2πσ₂²)^{−1/4} √(π/A) exp(B²/4A + C)` with
/// `A = 1/4σ₁² + 1/4σ₂²`, `B = x₁/2σ₁² + x₂/2σ₂² + i(k₂ − k₁)`,
/// `C = −x₁²/4σ₁² − x₂²/4σ₂² + i(k₁x₁ − k₂x₂)`.
pub fn packet_overlap(a: &GaussianPacket, b: &GaussianPacket, units: Units) -> Complex64 {
    let mut overlap = Complex64::new(1.0, 0.0);
    for d in 0..a.x0.len() {
        let (x1, s1, k1) = (a.x0[d], a.sigma[d], a.p0[d] / units.hbar);
        let (x2, s2, k2) = (b.x0[d], b.sigma[d], b.p0[d] / units.hbar);
        let big_a = 0.25 / (s1 * s1) + 0.25 / (s2 * s2);
        let big_b = Complex64::new(0.5 * x1 / (s1 * s1) + 0.5 * x2 / (s2 * s2), k2 - k1);
        let big_c = Complex64::new(
            -0.25 * x1 * x1 / (s1 * s1) - 0.25 * x2 * x2 / (s2 * s2),
            k1 * x1 - k2 * x2,
        );
        let prefactor = (2.0 * PI * s1 * s1).powf(-0.25)
            * (2.0 * PI * s2 * s2).powf(-0.25)
            * (PI / big_a).sqrt();
        overlap *= prefactor * (big_b * big_b / (4.0 * big_a) + big_c).exp();
    }
    overlap
}

/// Extent a propagation needs along one direction: positions `[lo, hi]` that hold
/// the state, and wave numbers `[k_lo, k_hi]` that carry it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Extent {
    /// Lowest position.
    pub lo: f64,
    /// Highest position.
    pub hi: f64,
    /// Lowest wave number.
    pub k_lo: f64,
    /// Highest wave number.
    pub k_hi: f64,
}

impl Extent {
    fn union(self, other: Self) -> Self {
        Self {
            lo: self.lo.min(other.lo),
            hi: self.hi.max(other.hi),
            k_lo: self.k_lo.min(other.k_lo),
            k_hi: self.k_hi.max(other.k_hi),
        }
    }
}

/// How many widths of a Gaussian the extent covers: `position` standard deviations
/// of `|ψ|²` (amplitude `e^{−n²/4}` at `n` widths) and `momentum` multiples of `1/σ`
/// around `k₀` (amplitude `e^{−n²}`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Widths {
    /// Position widths.
    pub position: f64,
    /// Momentum widths.
    pub momentum: f64,
}

impl Widths {
    /// Double precision: amplitudes below `10⁻¹⁵` (position) and `10⁻²¹` (momentum).
    pub const CONVERGED: Widths = Widths {
        position: 12.0,
        momentum: 7.0,
    };
    /// The least accepted: amplitudes below `10⁻⁷` of the peak.
    pub const MINIMUM: Widths = Widths {
        position: 8.0,
        momentum: 4.0,
    };
}

/// Extent of one packet along direction `d` up to `t_max`.
fn packet_extent(
    p: &GaussianPacket,
    d: usize,
    units: Units,
    potential: &Potential,
    t_max: f64,
    widths: Widths,
) -> Extent {
    let (x0, p0, sigma) = (p.x0[d], p.p0[d], p.sigma[d]);
    let (hbar, m) = (units.hbar, units.mass);
    let free_width = |t: f64| {
        let tau = hbar * t / (2.0 * m * sigma * sigma);
        sigma * (1.0 + tau * tau).sqrt()
    };
    let (wx, wk) = (widths.position, widths.momentum);
    match *potential {
        Potential::Free => {
            let end = x0 + p0 / m * t_max;
            let w = free_width(t_max);
            Extent {
                lo: x0.min(end) - wx * w,
                hi: x0.max(end) + wx * w,
                k_lo: p0 / hbar - wk / sigma,
                k_hi: p0 / hbar + wk / sigma,
            }
        }
        Potential::Harmonic { omega, center } => {
            // Classical orbit amplitude; widths oscillate between σ and ħ/2mωσ.
            let amplitude = ((x0 - center).powi(2) + (p0 / (m * omega)).powi(2)).sqrt();
            let width = sigma.max(hbar / (2.0 * m * omega * sigma));
            let momentum = (p0 * p0 + (m * omega * (x0 - center)).powi(2)).sqrt() / hbar;
            let inverse_width = (1.0 / sigma).max(2.0 * m * omega * sigma / hbar);
            Extent {
                lo: center - amplitude - wx * width,
                hi: center + amplitude + wx * width,
                k_lo: -momentum - wk * inverse_width,
                k_hi: momentum + wk * inverse_width,
            }
        }
        Potential::Gaussian { height, width, .. } => {
            // Energy conservation bounds the classical speed and reflection reverses
            // it; the barrier also kicks a small amplitude to wave numbers q away, with
            // V̂(q) ∝ e^{−q²w²/2}, which is e^{−n²} at q = √2 n/w.
            let momentum = (p0 * p0 + 2.0 * m * (-height).max(0.0)).sqrt() / hbar;
            let k_max = momentum + wk / sigma + std::f64::consts::SQRT_2 * wk / width;
            let reach = hbar * k_max / m * t_max;
            let w = free_width(t_max);
            Extent {
                lo: x0 - reach - wx * w,
                hi: x0 + reach + wx * w,
                k_lo: -k_max,
                k_hi: k_max,
            }
        }
    }
}

impl InitialState {
    /// A superposition `Σᵢ aᵢ gᵢ`, with the amplitudes rescaled to unit total norm
    /// (using the closed-form overlaps [`packet_overlap`]).
    pub fn superposition(
        packets: Vec<GaussianPacket>,
        amplitudes: Vec<Complex64>,
        units: Units,
    ) -> Result<Self> {
        if packets.is_empty() || packets.len() != amplitudes.len() {
            return Err(Error::invalid(
                "initial.packets",
                "give one or more packets, each with x0, p0, sigma and an amplitude",
            ));
        }
        for p in &packets {
            p.check()?;
        }
        if packets.iter().any(|p| p.x0.len() != packets[0].x0.len()) {
            return Err(Error::invalid(
                "initial.packets",
                "all packets need the same number of components",
            ));
        }
        if amplitudes.iter().any(|a| !a.is_finite()) {
            return Err(Error::invalid(
                "initial.packets",
                "an amplitude is not finite",
            ));
        }
        let mut norm = 0.0;
        for (a, pa) in amplitudes.iter().zip(&packets) {
            for (b, pb) in amplitudes.iter().zip(&packets) {
                norm += (a.conj() * b * packet_overlap(pa, pb, units)).re;
            }
        }
        if norm.is_nan() || norm <= 1e-300 {
            return Err(Error::invalid(
                "initial.packets",
                "the packets cancel: the superposition has zero norm",
            ));
        }
        let scale = norm.sqrt().recip();
        Ok(Self::Superposition {
            packets,
            amplitudes: amplitudes.iter().map(|a| a * scale).collect(),
        })
    }

    /// Number of spatial dimensions.
    pub fn dim(&self) -> usize {
        match self {
            Self::Gaussian(p) => p.x0.len(),
            Self::Superposition { packets, .. } => packets[0].x0.len(),
            Self::Sampled(_) => 1,
        }
    }

    /// The deck name of the kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Gaussian(_) => "gaussian",
            Self::Superposition { .. } => "superposition",
            Self::Sampled(_) => "file",
        }
    }

    /// `ψ(x, 0)` (for a sampled state, only at its grid points: `None` elsewhere).
    pub fn value(&self, x: &[f64], units: Units) -> Option<Complex64> {
        match self {
            Self::Sampled(s) => s.at(x[0]),
            _ => self.free_evolution(x, 0.0, units),
        }
    }

    /// The exact free evolution `ψ(x, t)` when it has a closed form (packets).
    pub fn free_evolution(&self, x: &[f64], t: f64, units: Units) -> Option<Complex64> {
        match self {
            Self::Gaussian(p) => Some(gaussian_packet(p, units, x, t)),
            Self::Superposition {
                packets,
                amplitudes,
            } => Some(
                packets
                    .iter()
                    .zip(amplitudes)
                    .map(|(p, a)| a * gaussian_packet(p, units, x, t))
                    .sum(),
            ),
            Self::Sampled(_) => None,
        }
    }

    /// The packet's `(x₀, p₀)` when it is a coherent state of `potential` (a single
    /// 1-D packet of width `√(ħ/2mω)` in a harmonic well).
    pub fn coherent(&self, potential: &Potential, units: Units) -> Option<(f64, f64)> {
        match (self, potential) {
            (Self::Gaussian(p), Potential::Harmonic { omega, center }) if p.x0.len() == 1 => {
                let width = (units.hbar / (2.0 * units.mass * omega)).sqrt();
                ((p.sigma[0] - width).abs() <= 1e-12 * width).then(|| (p.x0[0] - center, p.p0[0]))
            }
            _ => None,
        }
    }

    /// Positions and wave numbers along direction `d` that hold the state from
    /// `t = 0` to `t_max` in `potential`, to the given number of widths.
    pub fn extent(
        &self,
        d: usize,
        units: Units,
        potential: &Potential,
        t_max: f64,
        widths: Widths,
    ) -> Extent {
        match self {
            Self::Gaussian(p) => packet_extent(p, d, units, potential, t_max, widths),
            Self::Superposition { packets, .. } => packets
                .iter()
                .map(|p| packet_extent(p, d, units, potential, t_max, widths))
                .reduce(Extent::union)
                .expect("at least one packet"),
            Self::Sampled(s) => {
                let last = s.start + s.spacing * (s.values.len() - 1) as f64;
                // Free motion carries the band's fastest components outwards.
                let (lo, hi) = if potential.is_free() {
                    let v = |k: f64| units.hbar * k / units.mass * t_max;
                    (s.start + v(s.band.0).min(0.0), last + v(s.band.1).max(0.0))
                } else {
                    (s.start, last)
                };
                Extent {
                    lo,
                    hi,
                    k_lo: s.band.0,
                    k_hi: s.band.1,
                }
            }
        }
    }
}
