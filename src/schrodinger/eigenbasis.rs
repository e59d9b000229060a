//! The eigenbasis network for a potential in one dimension: units `φₙ(x) e^{−iEₙt/ħ}`
//! from the Hamiltonian `H = −(ħ²/2m) d²/dx² + V(x)` discretized by the sinc discrete
//! variable representation (Colbert & Miller, J. Chem. Phys. 96, 1982 (1992)) on a
//! uniform grid `xⱼ = a + jΔ`:
//!
//! `Tⱼⱼ = (ħ²/2mΔ²) π²/3`, `Tⱼₖ = (ħ²/2mΔ²) 2(−1)^{j−k}/(j−k)²`, `Vⱼₖ = V(xⱼ)δⱼₖ`.
//!
//! The DVR functions are orthonormal, so fitting `ψ(x, 0)` is a projection,
//! `cₙ = √Δ Σⱼ φₙⱼ ψ(xⱼ, 0)`, and `ψ(xⱼ, t) = Σₙ cₙ e^{−iEₙt/ħ} φₙⱼ/√Δ` is the exact
//! evolution within the representation (unitary: the norm is conserved to rounding).
//! The discretization error falls exponentially with the grid density for smooth states.

use super::plane_wave::Units;
use crate::error::{Error, Result};
use faer::{Mat, Side};
use num_complex::Complex64;

/// Eigenstates of the discretized Hamiltonian and the fitted coefficients.
#[derive(Clone, Debug)]
pub struct EigenbasisNet {
    /// Grid points.
    pub grid: Vec<f64>,
    spacing: f64,
    /// Eigenvalues `Eₙ`, ascending.
    pub energies: Vec<f64>,
    /// Eigenvectors, `n_states × n_grid` row-major (`φₙⱼ`, unit norm).
    states: Vec<f64>,
    /// Coefficients `cₙ`.
    pub coefficients: Vec<Complex64>,
    units: Units,
}

impl EigenbasisNet {
    /// Diagonalizes `H` on `points` grid points covering `[start, end]` and fits `psi0`.
    pub fn new(
        start: f64,
        end: f64,
        points: usize,
        units: Units,
        potential: impl Fn(f64) -> f64,
        psi0: impl Fn(f64) -> Complex64,
    ) -> Result<Self> {
        units.check()?;
        if !(end > start && start.is_finite() && end.is_finite()) {
            return Err(Error::invalid(
                "domain",
                format!("[{start}, {end}] is not an interval; give start < end"),
            ));
        }
        if !(8..=8192).contains(&points) {
            return Err(Error::invalid(
                "basis.points",
                format!("{points} grid points; use between 8 and 8192"),
            ));
        }
        let spacing = (end - start) / (points - 1) as f64;
        let grid: Vec<f64> = (0..points).map(|j| start + spacing * j as f64).collect();
        let scale = units.hbar * units.hbar / (2.0 * units.mass * spacing * spacing);
        let mut bad_potential = None;
        let h = Mat::<f64>::from_fn(points, points, |j, k| {
            if j == k {
                let v = potential(grid[j]);
                if !v.is_finite() {
                    bad_potential = Some(grid[j]);
                }
                scale * std::f64::consts::PI.powi(2) / 3.0 + v
            } else {
                let d = j as f64 - k as f64;
                let sign = if (j + k) % 2 == 0 { 1.0 } else { -1.0 };
                scale * 2.0 * sign / (d * d)
            }
        });
        if let Some(x) = bad_potential {
            return Err(Error::invalid("potential", format!("V({x}) is not finite")));
        }
        let eigen = h
            .self_adjoint_eigen(Side::Lower)
            .map_err(|e| Error::Numerical(format!("DVR eigensolver failed: {e:?}")))?;
        let energies: Vec<f64> = (0..points).map(|n| eigen.S()[n]).collect();
        let u = eigen.U();
        let states: Vec<f64> = (0..points * points)
            .map(|q| u[(q % points, q / points)])
            .collect();
        let values: Vec<Complex64> = grid.iter().map(|&x| psi0(x)).collect();
        if values.iter().any(|v| !v.is_finite()) {
            return Err(Error::invalid(
                "initial",
                "the initial state is not finite on the grid",
            ));
        }
        let root = spacing.sqrt();
        let coefficients = (0..points)
            .map(|n| {
                states[n * points..(n + 1) * points]
                    .iter()
                    .zip(&values)
                    .map(|(&phi, &v)| v * phi)
                    .sum::<Complex64>()
                    * root
            })
            .collect();
        Ok(Self {
            grid,
            spacing,
            energies,
            states,
            coefficients,
            units,
        })
    }

    /// `ψ(xⱼ, t)` on the grid.
    pub fn psi_on_grid(&self, t: f64) -> Vec<Complex64> {
        let points = self.grid.len();
        let mut psi = vec![Complex64::default(); points];
        let root = self.spacing.sqrt();
        for (n, (&c, &e)) in self.coefficients.iter().zip(&self.energies).enumerate() {
            let amplitude = c * Complex64::from_polar(1.0, -e * t / self.units.hbar) / root;
            for (p, &phi) in psi
                .iter_mut()
                .zip(&self.states[n * points..(n + 1) * points])
            {
                *p += amplitude * phi;
            }
        }
        psi
    }

    /// `∫|ψ|² dx` at time `t` (`Δ Σⱼ |ψ(xⱼ)|²`).
    pub fn norm(&self, t: f64) -> f64 {
        self.psi_on_grid(t)
            .iter()
            .map(|z| z.norm_sqr())
            .sum::<f64>()
            * self.spacing
    }
}

/// The coherent state of the harmonic oscillator `V = ½mω²x²`: a Gaussian of width
/// `√(ħ/2mω)` whose centre and momentum follow the classical orbit
/// `x_c = x₀ cos ωt + (p₀/mω) sin ωt`, `p_c = p₀ cos ωt − mωx₀ sin ωt`:
///
/// `ψ = (mω/πħ)^{1/4} exp(−(mω/2ħ)(x − x_c)² + ip_c(x − x_c)/ħ
///       + i(p_c x_c − p₀x₀)/2ħ − iωt/2)`.
pub fn coherent_state(units: Units, omega: f64, x0: f64, p0: f64, x: f64, t: f64) -> Complex64 {
    let (hbar, m) = (units.hbar, units.mass);
    let (s, c) = (omega * t).sin_cos();
    let xc = x0 * c + p0 / (m * omega) * s;
    let pc = p0 * c - m * omega * x0 * s;
    let d = x - xc;
    let exponent = Complex64::new(
        -m * omega / (2.0 * hbar) * d * d,
        pc * d / hbar + (pc * xc - p0 * x0) / (2.0 * hbar) - omega * t / 2.0,
    );
    (m * omega / (std::f64::consts::PI * hbar)).powf(0.25) * exponent.exp()
}
