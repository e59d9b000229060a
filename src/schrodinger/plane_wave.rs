//! `ψ(x, t) = Σₙ cₙ exp(i(kₙ·x − ωₙt))` with `ωₙ = ħ|kₙ|²/2m`: any coefficients and
//! wave vectors solve the free equation `iħ∂ₜψ = −(ħ²/2m)∇²ψ` exactly, and ψ, its time
//! derivative, gradient and Laplacian are evaluated in closed form at any `(x, t)`,
//! without time stepping.

use crate::error::{Error, Result};
use num_complex::Complex64;
use rayon::prelude::*;

/// `ħ` and the particle mass.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Units {
    /// Reduced Planck constant.
    pub hbar: f64,
    /// Mass.
    pub mass: f64,
}

impl Default for Units {
    fn default() -> Self {
        Self {
            hbar: 1.0,
            mass: 1.0,
        }
    }
}

impl Units {
    /// Checks that both are positive and finite.
    pub fn check(&self) -> Result<()> {
        for (key, v) in [("units.hbar", self.hbar), ("units.mass", self.mass)] {
            if !(v > 0.0 && v.is_finite()) {
                return Err(Error::invalid(key, format!("{v} must be positive")));
            }
        }
        Ok(())
    }

    /// The free dispersion `ω(k) = ħ|k|²/2m`.
    pub fn omega(&self, k: &[f64]) -> f64 {
        self.hbar * k.iter().map(|x| x * x).sum::<f64>() / (2.0 * self.mass)
    }
}

/// ψ and its derivatives at one space-time point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Evaluation {
    /// `ψ(x, t)`.
    pub psi: Complex64,
    /// `∂ψ/∂t`.
    pub dpsi_dt: Complex64,
    /// `∂ψ/∂x_d` for `d < dim` (the rest zero).
    pub gradient: [Complex64; 3],
    /// `∇²ψ`.
    pub laplacian: Complex64,
}

/// A superposition of free plane waves in 1, 2 or 3 dimensions.
#[derive(Clone, Debug, PartialEq)]
pub struct PlaneWaveNet {
    dim: usize,
    /// Wave vectors, `n × dim`, row-major.
    wave_vectors: Vec<f64>,
    coefficients: Vec<Complex64>,
    omegas: Vec<f64>,
    units: Units,
}

impl PlaneWaveNet {
    /// A network with the given wave vectors (`n × dim`, row-major) and coefficients.
    pub fn new(
        dim: usize,
        wave_vectors: Vec<f64>,
        coefficients: Vec<Complex64>,
        units: Units,
    ) -> Result<Self> {
        units.check()?;
        if !(1..=3).contains(&dim) {
            return Err(Error::invalid(
                "domain.dim",
                format!("{dim} dimensions; plane-wave networks work in 1, 2 or 3"),
            ));
        }
        if coefficients.is_empty() {
            return Err(Error::invalid(
                "basis",
                "the set of wave vectors is empty; give at least one",
            ));
        }
        if wave_vectors.len() != dim * coefficients.len() {
            return Err(Error::invalid(
                "basis",
                format!(
                    "{} wave-vector components for {} coefficients in {dim} dimensions",
                    wave_vectors.len(),
                    coefficients.len()
                ),
            ));
        }
        if wave_vectors.iter().any(|k| !k.is_finite()) {
            return Err(Error::invalid("basis", "a wave vector is not finite"));
        }
        let omegas = wave_vectors
            .chunks_exact(dim)
            .map(|k| units.omega(k))
            .collect();
        Ok(Self {
            dim,
            wave_vectors,
            coefficients,
            omegas,
            units,
        })
    }

    /// Number of spatial dimensions.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Number of plane waves.
    pub fn len(&self) -> usize {
        self.coefficients.len()
    }

    /// Whether there are no plane waves (never, by construction).
    pub fn is_empty(&self) -> bool {
        self.coefficients.is_empty()
    }

    /// The coefficients `cₙ`.
    pub fn coefficients(&self) -> &[Complex64] {
        &self.coefficients
    }

    /// The wave vectors, `n × dim`, row-major.
    pub fn wave_vectors(&self) -> &[f64] {
        &self.wave_vectors
    }

    /// `ħ` and `m`.
    pub fn units(&self) -> Units {
        self.units
    }

    /// `exp(i(kₙ·x − ωₙt))` for unit `n`.
    #[inline]
    fn unit(&self, n: usize, x: &[f64], t: f64) -> Complex64 {
        let k = &self.wave_vectors[n * self.dim..(n + 1) * self.dim];
        let phase: f64 = k.iter().zip(x).map(|(a, b)| a * b).sum::<f64>() - self.omegas[n] * t;
        Complex64::from_polar(1.0, phase)
    }

    /// `ψ(x, t)`.
    pub fn psi(&self, x: &[f64], t: f64) -> Complex64 {
        self.coefficients
            .iter()
            .enumerate()
            .map(|(n, &c)| c * self.unit(n, x, t))
            .sum()
    }

    /// `|ψ(x, t)|²`.
    pub fn density(&self, x: &[f64], t: f64) -> f64 {
        self.psi(x, t).norm_sqr()
    }

    /// ψ with its time derivative, gradient and Laplacian, in closed form:
    /// `∂ₜ → −iωₙ`, `∇ → ikₙ`, `∇² → −|kₙ|²`.
    pub fn evaluate(&self, x: &[f64], t: f64) -> Evaluation {
        let i = Complex64::i();
        let mut e = Evaluation {
            psi: Complex64::default(),
            dpsi_dt: Complex64::default(),
            gradient: [Complex64::default(); 3],
            laplacian: Complex64::default(),
        };
        for (n, &c) in self.coefficients.iter().enumerate() {
            let term = c * self.unit(n, x, t);
            let k = &self.wave_vectors[n * self.dim..(n + 1) * self.dim];
            e.psi += term;
            e.dpsi_dt += term * (-i * self.omegas[n]);
            for (g, &kd) in e.gradient.iter_mut().zip(k) {
                *g += term * (i * kd);
            }
            e.laplacian -= term * k.iter().map(|v| v * v).sum::<f64>();
        }
        e
    }

    /// The residual `iħ∂ₜψ + (ħ²/2m)∇²ψ` of the free equation at `(x, t)` (zero up to
    /// rounding, by construction).
    pub fn residual(&self, x: &[f64], t: f64) -> Complex64 {
        let e = self.evaluate(x, t);
        let u = self.units;
        Complex64::i() * u.hbar * e.dpsi_dt + e.laplacian * (u.hbar * u.hbar / (2.0 * u.mass))
    }

    /// ψ at many points (`m × dim`, row-major) at time `t`, in parallel (each point
    /// is independent, so the result does not depend on the thread count).
    pub fn psi_at(&self, points: &[f64], t: f64) -> Vec<Complex64> {
        points
            .par_chunks_exact(self.dim)
            .map(|x| self.psi(x, t))
            .collect()
    }
}
