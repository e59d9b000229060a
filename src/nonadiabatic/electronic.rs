//! Electronic amplitudes in the adiabatic basis along a classical path (ħ = 1):
//! `i ċ = H c` with `H = diag(E) − iT`, `T_ij = Σ_k Ṙ_k d_ij,k` (Hermitian, since `T`
//! is real and antisymmetric).
//!
//! Over a nuclear step the energies and `T` are interpolated linearly between the two
//! geometries (whose eigenvector signs agree), and each of `m` substeps applies the
//! exact exponential `exp(−iH(t_mid)δ)` at its midpoint: unitary, so `Σ|cᵢ|²` stays 1
//! to rounding, and second order in `δ`. The substep count follows the largest
//! `|T_ij|`: `m = ⌈max|T_ij| Δt / 0.01⌉`, so the coupling turns the state by at most
//! 0.01 rad per substep.
//!
//! Tully's hopping probability out of the active state `a` over the step is the
//! integral of the population flux into each `j`,
//! `g_a→j = ∫ b_ja / ρ_aa dt`, `b_ja = −2 T_ja Re(c_j c_a*)`, summed over substeps and
//! clamped at 0.

use num_complex::Complex64;

/// Largest rotation (rad) by the coupling within one substep.
const ROTATION_PER_SUBSTEP: f64 = 0.01;
/// Most substeps per nuclear step.
const MAX_SUBSTEPS: usize = 10_000;

/// `E` and `T` at one end of a nuclear step.
pub struct Ends<'a> {
    /// Energies at the start and end of the step (hartree).
    pub energies: [&'a [f64]; 2],
    /// `T` (row-major `n × n`) at the start and end of the step (hartree).
    pub velocity_coupling: [&'a [f64]; 2],
}

/// Propagates `c` over a step of `dt` (a.u.) and returns the substeps used; adds the
/// hop probabilities out of `active` into `hops` (`n`, unclamped).
pub fn propagate(
    c: &mut [Complex64],
    ends: &Ends,
    dt: f64,
    active: usize,
    hops: &mut [f64],
) -> usize {
    let n = c.len();
    let largest = ends
        .velocity_coupling
        .iter()
        .flat_map(|t| t.iter())
        .fold(0.0f64, |m, v| m.max(v.abs()));
    let substeps = ((largest * dt / ROTATION_PER_SUBSTEP).ceil() as usize).clamp(1, MAX_SUBSTEPS);
    let delta = dt / substeps as f64;
    // Stack buffers up to 8 states, heap beyond.
    let (mut small_energies, mut small_coupling) = ([0.0; 8], [0.0; 64]);
    let (mut large_energies, mut large_coupling) = (Vec::new(), Vec::new());
    let (energies, coupling): (&mut [f64], &mut [f64]) = if n <= 8 {
        (&mut small_energies[..n], &mut small_coupling[..n * n])
    } else {
        large_energies.resize(n, 0.0);
        large_coupling.resize(n * n, 0.0);
        (&mut large_energies, &mut large_coupling)
    };
    let mut scratch = vec![Complex64::new(0.0, 0.0); if n > 2 { n * n } else { 0 }];
    for s in 0..substeps {
        let f = (s as f64 + 0.5) / substeps as f64;
        let lerp = |target: &mut [f64], ends: [&[f64]; 2]| {
            for (t, (a, b)) in target.iter_mut().zip(ends[0].iter().zip(ends[1])) {
                *t = a + f * (b - a);
            }
        };
        lerp(energies, ends.energies);
        lerp(coupling, ends.velocity_coupling);
        flux(c, coupling, active, delta, hops, 0.5);
        if n == 2 {
            exponential_2x2(c, energies, coupling[1], delta);
        } else {
            exponential(c, energies, coupling, delta, &mut scratch);
        }
        flux(c, coupling, active, delta, hops, 0.5);
    }
    substeps
}

/// Adds `weight · δ · b_ja / ρ_aa` to `hops[j]` for every `j ≠ a` (the trapezoid rule
/// over a substep takes half at each end).
fn flux(c: &[Complex64], t: &[f64], active: usize, delta: f64, hops: &mut [f64], weight: f64) {
    let n = c.len();
    let population = c[active].norm_sqr();
    if population <= 0.0 {
        return;
    }
    for j in 0..n {
        if j != active {
            let b = -2.0 * t[j * n + active] * (c[j] * c[active].conj()).re;
            hops[j] += weight * delta * b / population;
        }
    }
}

/// `c ← exp(−iHδ)c` for `H = [[E₀, −it], [it, E₁]]`: with `H = ε̄ + a·σ`,
/// `a = (0, t, (E₀ − E₁)/2)`, `exp(−iHδ) = e^{−iε̄δ}(cos(|a|δ) − i sin(|a|δ) a·σ/|a|)`.
fn exponential_2x2(c: &mut [Complex64], energies: &[f64], t: f64, delta: f64) {
    let mean = 0.5 * (energies[0] + energies[1]);
    let z = 0.5 * (energies[0] - energies[1]);
    let norm = z.hypot(t);
    let (sin, cos) = (norm * delta).sin_cos();
    // sin(|a|δ)/|a|, finite as |a| → 0.
    let sinc = if norm * delta > 1e-8 {
        sin / norm
    } else {
        delta
    };
    let i = Complex64::new(0.0, 1.0);
    // (a·σ) = [[z, −it], [it, −z]]
    let (c0, c1) = (c[0], c[1]);
    let s0 = z * c0 - i * t * c1;
    let s1 = i * t * c0 - z * c1;
    let phase = Complex64::from_polar(1.0, -mean * delta);
    c[0] = phase * (cos * c0 - i * sinc * s0);
    c[1] = phase * (cos * c1 - i * sinc * s1);
}

/// `c ← exp(−iHδ)c` for `H = diag(E) − iT` of any size, through the eigenvectors of
/// the Hermitian `H`.
fn exponential(
    c: &mut [Complex64],
    energies: &[f64],
    t: &[f64],
    delta: f64,
    scratch: &mut [Complex64],
) {
    let n = c.len();
    let i = Complex64::new(0.0, 1.0);
    let h = nalgebra::DMatrix::from_fn(n, n, |a, b| {
        let diagonal = if a == b { energies[a] } else { 0.0 };
        Complex64::new(diagonal, 0.0) - i * t[a * n + b]
    });
    let eigen = h.symmetric_eigen();
    // scratch = V diag(e^{−iλδ}) V†, then c ← scratch c.
    for a in 0..n {
        for b in 0..n {
            let mut sum = Complex64::new(0.0, 0.0);
            for k in 0..n {
                sum += eigen.eigenvectors[(a, k)]
                    * Complex64::from_polar(1.0, -eigen.eigenvalues[k] * delta)
                    * eigen.eigenvectors[(b, k)].conj();
            }
            scratch[a * n + b] = sum;
        }
    }
    let old: Vec<Complex64> = c.to_vec();
    for a in 0..n {
        c[a] = (0..n).map(|b| scratch[a * n + b] * old[b]).sum();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(c: &[Complex64]) -> f64 {
        c.iter().map(|v| v.norm_sqr()).sum()
    }

    /// With constant `E` and `T`, the exact solution is `exp(−iHt)c₀`; compare the
    /// closed-form 2 × 2 step, the general step and a fine RK4 integration.
    #[test]
    fn constant_hamiltonian_steps_match_an_independent_integration() {
        let energies = [-0.01, 0.012];
        let t = 0.004;
        let tm = [0.0, t, -t, 0.0];
        let c0 = [Complex64::new(0.6, 0.1), Complex64::new(-0.2, 0.768)];
        let scale = norm(&c0).sqrt();
        let c0: Vec<Complex64> = c0.iter().map(|v| v / scale).collect();
        let total = 500.0;
        // RK4 on i ċ = H c with 200000 steps.
        let h = |c: &[Complex64]| -> Vec<Complex64> {
            let i = Complex64::new(0.0, 1.0);
            vec![
                -i * energies[0] * c[0] - tm[1] * c[1],
                -i * energies[1] * c[1] - tm[2] * c[0],
            ]
        };
        let mut reference = c0.clone();
        let steps = 200_000;
        let dt = total / steps as f64;
        for _ in 0..steps {
            let k1 = h(&reference);
            let y2: Vec<_> = (0..2).map(|a| reference[a] + 0.5 * dt * k1[a]).collect();
            let k2 = h(&y2);
            let y3: Vec<_> = (0..2).map(|a| reference[a] + 0.5 * dt * k2[a]).collect();
            let k3 = h(&y3);
            let y4: Vec<_> = (0..2).map(|a| reference[a] + dt * k3[a]).collect();
            let k4 = h(&y4);
            for a in 0..2 {
                reference[a] += dt / 6.0 * (k1[a] + 2.0 * k2[a] + 2.0 * k3[a] + k4[a]);
            }
        }
        let mut closed = c0.clone();
        exponential_2x2(&mut closed, &energies, t, total);
        let mut general = c0.clone();
        let mut scratch = vec![Complex64::new(0.0, 0.0); 4];
        exponential(&mut general, &energies, &tm, total, &mut scratch);
        for a in 0..2 {
            assert!(
                (closed[a] - reference[a]).norm() < 1e-9,
                "{closed:?} {reference:?}"
            );
            assert!((general[a] - reference[a]).norm() < 1e-9, "{general:?}");
        }
        assert!((norm(&closed) - 1.0).abs() < 1e-14);
    }

    /// The hop probabilities integrate the population flux: over a step, the lower
    /// state's loss equals the summed flux into the upper one.
    #[test]
    fn hop_probability_integrates_the_population_flux() {
        let e = [[-0.01, 0.01], [-0.008, 0.009]];
        let t = [[0.0, 0.003, -0.003, 0.0], [0.0, 0.005, -0.005, 0.0]];
        let ends = Ends {
            energies: [&e[0], &e[1]],
            velocity_coupling: [&t[0], &t[1]],
        };
        let mut c = vec![Complex64::new(0.9, 0.1), Complex64::new(0.1, 0.4)];
        let s = norm(&c).sqrt();
        c.iter_mut().for_each(|v| *v /= s);
        let before = c[0].norm_sqr();
        let mut hops = [0.0; 2];
        let dt = 20.0;
        let substeps = propagate(&mut c, &ends, dt, 0, &mut hops);
        assert!(substeps >= 10, "{substeps}");
        let after = c[0].norm_sqr();
        // Two states: b_10 = −dρ₀₀/dt, so g = −∫ dρ₀₀/ρ₀₀ = ln(ρ₀₀(0)/ρ₀₀(Δt)).
        let expected = (before / after).ln();
        assert!(
            (hops[1] - expected).abs() < 1e-3 * expected.abs().max(1e-6),
            "{} vs {expected}",
            hops[1]
        );
        assert!((norm(&c) - 1.0).abs() < 1e-13);
    }
}
