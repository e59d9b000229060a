//! Conical intersections of two-state models in two coordinates.
//!
//! The two adiabatic states are degenerate where `f(R) = (V₁₁ − V₂₂, 2V₁₂) = 0`
//! (the gap is `|f|`), so an intersection is a root of two equations in two unknowns,
//! found by Newton's method with the model's own `∇V` (each step halved until the gap
//! shrinks). Near it the coupling diverges as
//! `|d| ≈ c/ρ` with `ρ` the distance from the intersection; [`cone_profile`] measures
//! `ρ|d|` on circles around it (1/2 for a circular cone), and [`winding_number`]
//! counts the intersections inside a loop (what tells a cone from an avoided crossing).

use super::adiabatic::adiabatic;
use super::models::DiabaticModel;
use crate::error::{Error, Result};

/// A located intersection.
#[derive(Clone, Debug, PartialEq)]
pub struct Intersection {
    /// The point `R*` (bohr).
    pub point: [f64; 2],
    /// `|f(R*)|`, the adiabatic gap there (hartree).
    pub gap: f64,
    /// Newton iterations used.
    pub iterations: usize,
}

fn residual(model: &dyn DiabaticModel, r: [f64; 2]) -> ([f64; 2], [[f64; 2]; 2]) {
    let v = model.potential(&r);
    let g = model.gradient(&r);
    let f = [v[(0, 0)] - v[(1, 1)], 2.0 * v[(0, 1)]];
    let jacobian = [
        [g[0][(0, 0)] - g[0][(1, 1)], g[1][(0, 0)] - g[1][(1, 1)]],
        [2.0 * g[0][(0, 1)], 2.0 * g[1][(0, 1)]],
    ];
    (f, jacobian)
}

/// Newton's method for `f(R) = 0` from `start`, to `|f| ≤ tolerance` (hartree).
pub fn find_intersection(
    model: &dyn DiabaticModel,
    start: [f64; 2],
    tolerance: f64,
) -> Result<Intersection> {
    if model.n_states() != 2 || model.n_dims() != 2 {
        return Err(Error::invalid(
            "model",
            "intersections are located for two-state models in two coordinates",
        ));
    }
    let mut r = start;
    for iteration in 0..100 {
        let (f, j) = residual(model, r);
        let gap = f[0].hypot(f[1]);
        if !gap.is_finite() {
            return Err(Error::Numerical(format!(
                "the model is not finite at {r:?}"
            )));
        }
        if gap <= tolerance {
            return Ok(Intersection {
                point: r,
                gap,
                iterations: iteration,
            });
        }
        let det = j[0][0] * j[1][1] - j[0][1] * j[1][0];
        if det.abs() < 1e-300 {
            return Err(Error::Numerical(format!(
                "the branching-space vectors are parallel at {r:?}: no conical intersection nearby"
            )));
        }
        let step = [
            (j[1][1] * f[0] - j[0][1] * f[1]) / det,
            (j[0][0] * f[1] - j[1][0] * f[0]) / det,
        ];
        // Damped: halve the step until the gap shrinks.
        let mut scale = 1.0;
        loop {
            let trial = [r[0] - scale * step[0], r[1] - scale * step[1]];
            let (ft, _) = residual(model, trial);
            if ft[0].hypot(ft[1]) < gap || scale < 1e-6 {
                r = trial;
                break;
            }
            scale *= 0.5;
        }
    }
    Err(Error::Numerical(format!(
        "Newton's method did not reach a gap of {tolerance:e} Eh from {start:?} in 100 steps"
    )))
}

/// `ρ|d₁₂(R* + ρ(cos φ, sin φ))|` for `angles` equally spaced directions: the cone's
/// strength `c` in `|d| ≈ c/ρ`, per direction.
pub fn cone_profile(
    model: &dyn DiabaticModel,
    center: [f64; 2],
    rho: f64,
    angles: usize,
) -> Vec<f64> {
    (0..angles)
        .map(|a| {
            let phi = 2.0 * std::f64::consts::PI * a as f64 / angles as f64;
            let r = [center[0] + rho * phi.cos(), center[1] + rho * phi.sin()];
            let ad = adiabatic(model, &r, None);
            let d = ad.couplings[0][(0, 1)].hypot(ad.couplings[1][(0, 1)]);
            rho * d
        })
        .collect()
}

/// How many times `f(R) = (V₁₁ − V₂₂, 2V₁₂)` winds around zero as `R` goes once
/// counter-clockwise around the circle of radius `radius` about `center` (the first two
/// coordinates), sampled at `samples` points. It counts the intersections inside,
/// each with its sign: ±1 around one conical intersection, 0 around an avoided crossing
/// or none, however small the gap. An error when the gap vanishes on the circle or the
/// sampling is too coarse to follow the angle (a step over π/2).
pub fn winding_number(
    model: &dyn DiabaticModel,
    center: [f64; 2],
    radius: f64,
    samples: usize,
) -> Result<i64> {
    if model.n_states() != 2 || model.n_dims() != 2 {
        return Err(Error::invalid(
            "model",
            "winding numbers are defined for two-state models in two coordinates",
        ));
    }
    if samples < 8 {
        return Err(Error::invalid(
            "samples",
            format!("{samples} points cannot follow the angle around a loop; use at least 8"),
        ));
    }
    let angle = |k: usize| -> Result<f64> {
        let phi = 2.0 * std::f64::consts::PI * k as f64 / samples as f64;
        let r = [
            center[0] + radius * phi.cos(),
            center[1] + radius * phi.sin(),
        ];
        let (f, _) = residual(model, r);
        let gap = f[0].hypot(f[1]);
        if gap == 0.0 || !gap.is_finite() {
            return Err(Error::Numerical(format!(
                "the gap vanishes or is not finite at {r:?} on the loop"
            )));
        }
        Ok(f[1].atan2(f[0]))
    };
    let mut total = 0.0;
    let mut previous = angle(0)?;
    for k in 1..=samples {
        let current = angle(k % samples)?;
        let step = (current - previous + std::f64::consts::PI).rem_euclid(std::f64::consts::TAU)
            - std::f64::consts::PI;
        if step.abs() > std::f64::consts::FRAC_PI_2 {
            return Err(Error::Numerical(format!(
                "the angle of (V₁₁ − V₂₂, 2V₁₂) jumps by {step:.2} rad between samples; use more than {samples}"
            )));
        }
        total += step;
        previous = current;
    }
    Ok((total / std::f64::consts::TAU).round() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nonadiabatic::LinearVibronic;

    #[test]
    fn finds_the_linear_vibronic_cone_and_its_strength() {
        // Shifted cone: (κ₁ − κ₂)x = Δ, y = 0 ⇒ x* = Δ/(κ₁ − κ₂) = 0.3/(−2).
        let model = LinearVibronic {
            delta: 0.3,
            ..LinearVibronic::default()
        };
        let found = find_intersection(&model, [0.4, -0.3], 1e-13).unwrap();
        assert!(
            (found.point[0] + 0.15).abs() < 1e-12 && found.point[1].abs() < 1e-12,
            "{found:?}"
        );
        // Circular cone (|κ₁ − κ₂| = 2λ): |d| = 1/(2ρ) in every direction.
        for c in cone_profile(&model, found.point, 1e-3, 8) {
            assert!((c - 0.5).abs() < 1e-9, "{c}");
        }
    }

    #[test]
    fn the_winding_number_counts_the_cone_inside_the_loop() {
        // f = (−2x − Δ, 2y) winds once clockwise around x* = −Δ/2.
        let model = LinearVibronic {
            delta: 0.3,
            ..LinearVibronic::default()
        };
        assert_eq!(winding_number(&model, [0.0, 0.0], 1.0, 64).unwrap(), -1);
        assert_eq!(winding_number(&model, [-0.15, 0.0], 1e-3, 64).unwrap(), -1);
        // The cone is outside a loop around (1, 0) of radius 0.5.
        assert_eq!(winding_number(&model, [1.0, 0.0], 0.5, 64).unwrap(), 0);
        // Through the cone itself: the gap vanishes on the loop.
        assert!(winding_number(&model, [0.0, 0.0], 0.15, 64).is_err());
        assert!(winding_number(&model, [0.0, 0.0], 1.0, 4).is_err());
    }
}
