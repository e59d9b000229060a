//! Fitting a [`PlaneWaveNet`] to an initial state in one dimension, on a periodic
//! box `[a, a + L)` with wave vectors on the lattice `kₙ = k_c + 2πn/L`, `|n| ≤ N`.
//! These units are orthogonal on the box, and with `2N + 1` uniform collocation
//! points the least-squares fit is the discrete Fourier transform
//! `cₙ = (1/M) Σⱼ ψ₀(xⱼ) e^{−ikₙxⱼ}` (exact interpolation, `M = 2N + 1`).
//!
//! The evolved network is the exact solution of the periodic problem, so it matches
//! the free (non-periodic) evolution as long as the packet stays inside the box.
//! [`Lattice1d::for_packet`] sizes the box from the packet's trajectory and spreading
//! up to the last requested time, and the lattice from its momentum spread.

use super::packet::GaussianPacket;
use super::plane_wave::{PlaneWaveNet, Units};
use crate::error::{Error, Result};
use num_complex::Complex64;
use rayon::prelude::*;

/// Envelope half-widths kept inside the box: `|ψ| ∝ e^{−x²/4σ²}` is below `10⁻¹⁵` of
/// its peak beyond `12σ`.
const POSITION_WIDTHS: f64 = 12.0;

/// Momentum half-widths covered by the lattice: `|φ(k)| ∝ e^{−σ²(k−k₀)²}` is below
/// `10⁻²¹` of its peak beyond `7/σ`.
const MOMENTUM_WIDTHS: f64 = 7.0;

/// Largest lattice accepted (`2N + 1` units).
const MAX_UNITS: usize = 1 << 20;

/// A periodic box and its wave-vector lattice.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Lattice1d {
    /// Left end `a` of the box.
    pub start: f64,
    /// Box length `L`.
    pub length: f64,
    /// Lattice centre `k_c` (the packet's mean wave vector, rounded to the lattice).
    pub center: f64,
    /// `N`: the lattice is `k_c + 2πn/L` for `|n| ≤ N`.
    pub half_count: usize,
}

impl Lattice1d {
    /// Box and lattice for a 1-D packet evolving freely up to `t_max`: the box holds
    /// ±12 widths of the spreading packet at every time in `[0, t_max]`, and the
    /// lattice covers ±7/σ around `p₀/ħ`.
    pub fn for_packet(packet: &GaussianPacket, units: Units, t_max: f64) -> Result<Self> {
        packet.check()?;
        if packet.x0.len() != 1 {
            return Err(Error::invalid(
                "initial",
                "the one-dimensional lattice fit needs a one-dimensional packet",
            ));
        }
        if !(t_max >= 0.0 && t_max.is_finite()) {
            return Err(Error::invalid(
                "times",
                format!("{t_max} must be a non-negative time"),
            ));
        }
        let (x0, p0, sigma) = (packet.x0[0], packet.p0[0], packet.sigma[0]);
        let velocity = p0 / units.mass;
        let tau = units.hbar * t_max / (2.0 * units.mass * sigma * sigma);
        let width = sigma * (1.0 + tau * tau).sqrt();
        let end = x0 + velocity * t_max;
        let left = x0.min(end) - POSITION_WIDTHS * width;
        let right = x0.max(end) + POSITION_WIDTHS * width;
        let length = right - left;
        let dk = 2.0 * std::f64::consts::PI / length;
        let half_count = (MOMENTUM_WIDTHS / sigma / dk).ceil() as usize;
        if 2 * half_count + 1 > MAX_UNITS {
            return Err(Error::invalid(
                "basis",
                format!(
                    "the packet needs {} plane waves (box {length:.3e}, Δk {dk:.2e}); \
                     shorten the times or widen sigma",
                    2 * half_count + 1
                ),
            ));
        }
        Ok(Self {
            start: left,
            length,
            center: (p0 / units.hbar / dk).round() * dk,
            half_count,
        })
    }

    /// Number of units `2N + 1` (also the number of collocation points).
    pub fn len(&self) -> usize {
        2 * self.half_count + 1
    }

    /// Whether the lattice is empty (never).
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The wave vectors `k_c + 2πn/L`, `n = −N..=N`.
    pub fn wave_vectors(&self) -> Vec<f64> {
        let dk = 2.0 * std::f64::consts::PI / self.length;
        let n = self.half_count as i64;
        (-n..=n).map(|j| self.center + dk * j as f64).collect()
    }

    /// The collocation points `a + jL/M`, `j < M`.
    pub fn points(&self) -> Vec<f64> {
        let m = self.len();
        (0..m)
            .map(|j| self.start + self.length * j as f64 / m as f64)
            .collect()
    }
}

/// The fitted network and the fit's quality.
#[derive(Clone, Debug)]
pub struct Fit {
    /// The network.
    pub net: PlaneWaveNet,
    /// Relative L2 misfit `‖ψ_net(·,0) − ψ₀‖/‖ψ₀‖` on the midpoints between
    /// collocation points (points the fit never saw).
    pub residual: f64,
}

/// Fits `psi0` on `lattice` (the discrete Fourier transform, computed directly in
/// `O(M²)` with each coefficient's sum in a fixed order).
pub fn fit_lattice(
    lattice: &Lattice1d,
    units: Units,
    psi0: impl Fn(f64) -> Complex64 + Sync,
) -> Result<Fit> {
    let points = lattice.points();
    let values: Vec<Complex64> = points.par_iter().map(|&x| psi0(x)).collect();
    if values.iter().any(|v| !v.is_finite()) {
        return Err(Error::invalid(
            "initial",
            "the initial state is not finite at some collocation point",
        ));
    }
    let ks = lattice.wave_vectors();
    let m = points.len() as f64;
    let coefficients: Vec<Complex64> = ks
        .par_iter()
        .map(|&k| {
            points
                .iter()
                .zip(&values)
                .map(|(&x, &v)| v * Complex64::from_polar(1.0, -k * x))
                .sum::<Complex64>()
                / m
        })
        .collect();
    let net = PlaneWaveNet::new(1, ks, coefficients, units)?;
    let h = lattice.length / m;
    let midpoints: Vec<f64> = points.iter().map(|x| x + 0.5 * h).collect();
    let fitted = net.psi_at(&midpoints, 0.0);
    let (mut diff, mut norm) = (0.0, 0.0);
    for (&x, f) in midpoints.iter().zip(&fitted) {
        let target = psi0(x);
        diff += (f - target).norm_sqr();
        norm += target.norm_sqr();
    }
    Ok(Fit {
        net,
        residual: (diff / norm.max(f64::MIN_POSITIVE)).sqrt(),
    })
}
