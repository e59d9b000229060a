//! The free Gaussian wave packet in closed form (each Cartesian direction
//! independently): with `τ = ħt/(2mσ²)`, `k₀ = p₀/ħ`, `v = p₀/m`, `ω₀ = ħk₀²/2m`,
//!
//! `ψ(x, t) = (2πσ²)^{−1/4} (1 + iτ)^{−1/2}
//!            exp(−(x − x₀ − vt)²/(4σ²(1 + iτ)) + ik₀(x − x₀) − iω₀t)`,
//!
//! normalized to one, with `⟨x⟩ = x₀ + vt` and width `σ√(1 + τ²)`.

use super::plane_wave::Units;
use crate::error::{Error, Result};
use num_complex::Complex64;

/// A Gaussian packet: centre, momentum and width per direction.
#[derive(Clone, Debug, PartialEq)]
pub struct GaussianPacket {
    /// Centre at `t = 0`.
    pub x0: Vec<f64>,
    /// Mean momentum.
    pub p0: Vec<f64>,
    /// Position spread `σ` (standard deviation of `|ψ|²` at `t = 0`).
    pub sigma: Vec<f64>,
}

impl GaussianPacket {
    /// Checks the dimensions agree and every `σ` is positive.
    pub fn check(&self) -> Result<()> {
        let d = self.x0.len();
        if !(1..=3).contains(&d) || self.p0.len() != d || self.sigma.len() != d {
            return Err(Error::invalid(
                "initial",
                format!(
                    "x0, p0 and sigma need the same number (1–3) of components; got {}, {}, {}",
                    self.x0.len(),
                    self.p0.len(),
                    self.sigma.len()
                ),
            ));
        }
        if let Some(s) = self.sigma.iter().find(|s| !(**s > 0.0 && s.is_finite())) {
            return Err(Error::invalid(
                "initial.sigma",
                format!("{s} must be positive (the packet's width)"),
            ));
        }
        Ok(())
    }
}

/// The exact free evolution of `packet` at `(x, t)`.
pub fn gaussian_packet(packet: &GaussianPacket, units: Units, x: &[f64], t: f64) -> Complex64 {
    let i = Complex64::i();
    let mut psi = Complex64::new(1.0, 0.0);
    for (((&x0, &p0), &s), &xd) in packet.x0.iter().zip(&packet.p0).zip(&packet.sigma).zip(x) {
        let tau = units.hbar * t / (2.0 * units.mass * s * s);
        let spread = Complex64::new(1.0, tau);
        let k0 = p0 / units.hbar;
        let omega0 = units.hbar * k0 * k0 / (2.0 * units.mass);
        let shift = xd - x0 - p0 / units.mass * t;
        let exponent = -shift * shift / (4.0 * s * s * spread) + i * (k0 * (xd - x0) - omega0 * t);
        psi *= (2.0 * std::f64::consts::PI * s * s).powf(-0.25) / spread.sqrt() * exponent.exp();
    }
    psi
}
