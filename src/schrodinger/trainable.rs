//! Plane-wave networks with trainable wave vectors: Adam on both the coefficients
//! and the wave vectors, on the relative misfit at the collocation points
//!
//! `L = Σⱼ |ψ(xⱼ, 0) − vⱼ|² / Σⱼ |vⱼ|²`, `ψ(x, 0) = Σₙ cₙ e^{ikₙ·x}`,
//!
//! with, for `rⱼ = ψ(xⱼ, 0) − vⱼ` and `gₙ = Σⱼ r̄ⱼ e^{ikₙ·xⱼ}`,
//! `∂L/∂Re cₙ = 2 Re gₙ/S`, `∂L/∂Im cₙ = −2 Im gₙ/S`,
//! `∂L/∂kₙ,d = −2 Im(cₙ Σⱼ r̄ⱼ xⱼ,d e^{ikₙ·xⱼ})/S`.
//!
//! The dispersion `ωₙ = ħ|kₙ|²/2m` moves with `kₙ`, so every iterate still solves the
//! free equation exactly. After the last epoch the coefficients are re-solved by
//! least squares for the final wave vectors.

use super::fit::{fit_least_squares, Fit};
use super::plane_wave::Units;
use crate::error::{Error, Result};
use crate::optim::Adam;
use num_complex::Complex64;
use rayon::prelude::*;
use std::ops::ControlFlow;

/// Settings of the wave-vector training.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TrainableSettings {
    /// Adam epochs.
    pub epochs: usize,
    /// Adam learning rate.
    pub learning_rate: f64,
}

impl TrainableSettings {
    /// Checks the settings.
    pub fn check(&self) -> Result<()> {
        if self.epochs == 0 {
            return Err(Error::invalid(
                "basis.epochs",
                "0 epochs; give at least 1 (e.g. 2000)",
            ));
        }
        if !(self.learning_rate > 0.0 && self.learning_rate.is_finite()) {
            return Err(Error::invalid(
                "basis.learning_rate",
                format!("{} must be positive, e.g. 0.01", self.learning_rate),
            ));
        }
        Ok(())
    }
}

/// The misfit `L` and its gradient with respect to the parameters packed as
/// `[Re c (n), Im c (n), k (n × dim)]`.
pub fn misfit_and_gradient(
    dim: usize,
    params: &[f64],
    points: &[f64],
    values: &[Complex64],
) -> (f64, Vec<f64>) {
    let n = params.len() / (2 + dim);
    let (re, rest) = params.split_at(n);
    let (im, ks) = rest.split_at(n);
    let phase = |q: usize, x: &[f64]| -> Complex64 {
        let k = &ks[q * dim..(q + 1) * dim];
        Complex64::from_polar(1.0, k.iter().zip(x).map(|(a, b)| a * b).sum())
    };
    let residuals: Vec<Complex64> = points
        .par_chunks_exact(dim)
        .zip(values)
        .map(|(x, v)| {
            (0..n)
                .map(|q| Complex64::new(re[q], im[q]) * phase(q, x))
                .sum::<Complex64>()
                - v
        })
        .collect();
    let scale: f64 = values
        .iter()
        .map(|v| v.norm_sqr())
        .sum::<f64>()
        .max(f64::MIN_POSITIVE);
    let loss = residuals.iter().map(|r| r.norm_sqr()).sum::<f64>() / scale;
    let per_wave: Vec<(Complex64, Vec<Complex64>)> = (0..n)
        .into_par_iter()
        .map(|q| {
            let mut g = Complex64::default();
            let mut gx = vec![Complex64::default(); dim];
            for (x, r) in points.chunks_exact(dim).zip(&residuals) {
                let term = r.conj() * phase(q, x);
                g += term;
                for (s, &xd) in gx.iter_mut().zip(x) {
                    *s += term * xd;
                }
            }
            (g, gx)
        })
        .collect();
    let mut grad = vec![0.0; params.len()];
    for (q, (g, gx)) in per_wave.iter().enumerate() {
        grad[q] = 2.0 * g.re / scale;
        grad[n + q] = -2.0 * g.im / scale;
        let c = Complex64::new(re[q], im[q]);
        for (d, s) in gx.iter().enumerate() {
            grad[2 * n + q * dim + d] = -2.0 * (c * s).im / scale;
        }
    }
    (loss, grad)
}

/// Fits a network with trainable wave vectors, starting from `initial_k` (`n × dim`)
/// with least-squares coefficients; `observer(epoch, loss)` may stop the training.
pub fn fit_trainable(
    dim: usize,
    initial_k: Vec<f64>,
    points: &[f64],
    values: &[Complex64],
    settings: TrainableSettings,
    units: Units,
    observer: &mut dyn FnMut(usize, f64) -> ControlFlow<()>,
) -> Result<Fit> {
    settings.check()?;
    let start = fit_least_squares(dim, initial_k.clone(), points, values, 0.0, units)?;
    let n = start.net.len();
    let mut params: Vec<f64> = start.net.coefficients().iter().map(|c| c.re).collect();
    params.extend(start.net.coefficients().iter().map(|c| c.im));
    params.extend_from_slice(&initial_k);
    let mut adam = Adam::new(params.len());
    for epoch in 1..=settings.epochs {
        let (loss, grad) = misfit_and_gradient(dim, &params, points, values);
        if !loss.is_finite() || grad.iter().any(|g| !g.is_finite()) {
            return Err(Error::Numerical(format!(
                "the wave-vector training diverged at epoch {epoch}; lower basis.learning_rate"
            )));
        }
        if observer(epoch, loss).is_break() {
            break;
        }
        adam.step(&mut params, &grad, settings.learning_rate);
    }
    fit_least_squares(dim, params[2 * n..].to_vec(), points, values, 0.0, units)
}
