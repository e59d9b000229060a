//! Monte Carlo statistics of a local estimator over several Markov chains.
//!
//! - mean and variance over all samples (weighted for exact enumeration);
//! - integrated autocorrelation time `τ` (NetKet's convention: `τ = 0` for independent
//!   samples) from the chain-averaged autocorrelation function with Sokal's
//!   self-consistent window `W ≥ 5 τ_int`;
//! - error of the mean `√(σ² (1 + 2τ) / N)`;
//! - split-`R̂` (Gelman–Rubin on the two halves of every chain): near 1 when the chains
//!   agree, larger when they have not mixed;
//! - the V-score `N_sites · Var(E) / E²` (Wu et al., Science 386, 296 (2024)).

use serde::Serialize;

/// Statistics of one estimator.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Stats {
    /// Mean (real part).
    pub mean: f64,
    /// Imaginary part of the mean (zero for a Hermitian operator up to noise).
    pub mean_imag: f64,
    /// Error of the mean, corrected for autocorrelation.
    pub error: f64,
    /// Variance of the local values, `⟨|O_loc − ⟨O⟩|²⟩`.
    pub variance: f64,
    /// Integrated autocorrelation time in samples (0: independent).
    pub tau: f64,
    /// Split-R̂ across chains (`NaN` when not defined).
    pub r_hat: f64,
    /// Number of samples.
    pub n_samples: usize,
}

impl Stats {
    /// `N_sites · Var / mean²`.
    pub fn v_score(&self, n_sites: usize) -> f64 {
        n_sites as f64 * self.variance / (self.mean * self.mean)
    }
}

/// Statistics of values `(re, im)` laid out chain by chain (`n_chains × per_chain`);
/// with `weights` the samples are an exact enumeration and the error is zero.
pub fn statistics(
    re: &[f64],
    im: &[f64],
    n_chains: usize,
    per_chain: usize,
    weights: Option<&[f64]>,
) -> Stats {
    let n = re.len();
    debug_assert_eq!(n, n_chains * per_chain);
    if let Some(w) = weights {
        let mean: f64 = re.iter().zip(w).map(|(x, w)| x * w).sum();
        let mean_imag: f64 = im.iter().zip(w).map(|(x, w)| x * w).sum();
        let variance = re
            .iter()
            .zip(im)
            .zip(w)
            .map(|((x, y), w)| w * ((x - mean).powi(2) + (y - mean_imag).powi(2)))
            .sum();
        return Stats {
            mean,
            mean_imag,
            error: 0.0,
            variance,
            tau: 0.0,
            r_hat: f64::NAN,
            n_samples: n,
        };
    }
    let mean = re.iter().sum::<f64>() / n as f64;
    let mean_imag = im.iter().sum::<f64>() / n as f64;
    let variance = re
        .iter()
        .zip(im)
        .map(|(x, y)| (x - mean).powi(2) + (y - mean_imag).powi(2))
        .sum::<f64>()
        / n as f64;
    let tau = autocorrelation_time(re, n_chains, per_chain, mean);
    let error = (variance * (1.0 + 2.0 * tau) / n as f64).sqrt();
    Stats {
        mean,
        mean_imag,
        error,
        variance,
        tau,
        r_hat: split_r_hat(re, n_chains, per_chain),
        n_samples: n,
    }
}

/// `τ = τ_int − ½` with `τ_int = ½ + Σ_{t=1}^{W} ρ(t)`, `ρ` the chain-averaged normalized
/// autocorrelation and `W` the first lag with `W ≥ 5 τ_int(W)`.
fn autocorrelation_time(x: &[f64], n_chains: usize, per_chain: usize, mean: f64) -> f64 {
    if per_chain < 4 {
        return 0.0;
    }
    let autocov = |t: usize| -> f64 {
        let mut sum = 0.0;
        for c in 0..n_chains {
            let chain = &x[c * per_chain..(c + 1) * per_chain];
            let s: f64 = chain[..per_chain - t]
                .iter()
                .zip(&chain[t..])
                .map(|(a, b)| (a - mean) * (b - mean))
                .sum();
            sum += s / (per_chain - t) as f64;
        }
        sum / n_chains as f64
    };
    let c0 = autocov(0);
    if c0 <= 0.0 {
        return 0.0;
    }
    let mut tau_int = 0.5;
    for t in 1..per_chain / 2 {
        tau_int += autocov(t) / c0;
        if t as f64 >= 5.0 * tau_int {
            break;
        }
    }
    (tau_int - 0.5).max(0.0)
}

/// Split-R̂: every chain is cut in two halves; `R̂ = √(((n−1)/n W + B/n) / W)` with `W`
/// the mean within-half variance and `B/n` the variance of the half means.
fn split_r_hat(x: &[f64], n_chains: usize, per_chain: usize) -> f64 {
    let half = per_chain / 2;
    if half < 2 {
        return f64::NAN;
    }
    let m = 2 * n_chains;
    let mut means = Vec::with_capacity(m);
    let mut within = 0.0;
    for c in 0..n_chains {
        for h in 0..2 {
            let part = &x[c * per_chain + h * half..c * per_chain + (h + 1) * half];
            let mu = part.iter().sum::<f64>() / half as f64;
            within += part.iter().map(|v| (v - mu).powi(2)).sum::<f64>() / (half - 1) as f64;
            means.push(mu);
        }
    }
    let w = within / m as f64;
    let grand = means.iter().sum::<f64>() / m as f64;
    let b_over_n = means.iter().map(|v| (v - grand).powi(2)).sum::<f64>() / (m - 1) as f64;
    let n = half as f64;
    if w <= 0.0 {
        return if b_over_n <= 0.0 { 1.0 } else { f64::INFINITY };
    }
    (((n - 1.0) / n * w + b_over_n) / w).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};
    use rand_xoshiro::Xoshiro256PlusPlus;

    fn normal(rng: &mut Xoshiro256PlusPlus) -> f64 {
        let u1: f64 = 1.0 - rng.random::<f64>();
        let u2: f64 = rng.random::<f64>();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }

    /// AR(1) chains x_t = φ x_{t−1} + noise have τ_int = (1+φ)/(2(1−φ)).
    #[test]
    fn autocorrelation_of_ar1_chains() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
        let (n_chains, per_chain, phi) = (16, 4000, 0.8);
        let mut x = Vec::with_capacity(n_chains * per_chain);
        for _ in 0..n_chains {
            let mut v = normal(&mut rng);
            for _ in 0..per_chain {
                v = phi * v + (1.0f64 - phi * phi).sqrt() * normal(&mut rng);
                x.push(v);
            }
        }
        let zeros = vec![0.0; x.len()];
        let s = statistics(&x, &zeros, n_chains, per_chain, None);
        let expected = (1.0 + phi) / (2.0 * (1.0 - phi)) - 0.5;
        assert!(
            (s.tau - expected).abs() < 0.1 * expected,
            "tau {} vs {expected}",
            s.tau
        );
        assert!((s.variance - 1.0).abs() < 0.05);
        assert!((s.r_hat - 1.0).abs() < 0.01, "{}", s.r_hat);
        // Independent samples: tau near zero, error sqrt(var/N).
        let iid: Vec<f64> = (0..n_chains * per_chain)
            .map(|_| normal(&mut rng))
            .collect();
        let s = statistics(&iid, &zeros, n_chains, per_chain, None);
        assert!(s.tau < 0.05, "{}", s.tau);
    }

    #[test]
    fn unmixed_chains_have_large_r_hat() {
        let per_chain = 100;
        let x: Vec<f64> = (0..4 * per_chain)
            .map(|k| (k / per_chain) as f64 + 0.01 * ((k * 7919) % 13) as f64)
            .collect();
        let zeros = vec![0.0; x.len()];
        let s = statistics(&x, &zeros, 4, per_chain, None);
        assert!(s.r_hat > 2.0, "{}", s.r_hat);
    }

    #[test]
    fn weighted_statistics_are_exact_sums() {
        let s = statistics(&[1.0, 3.0], &[0.0, 0.0], 1, 2, Some(&[0.25, 0.75]));
        assert_eq!(s.mean, 2.5);
        assert_eq!(s.variance, 0.25 * 2.25 + 0.75 * 0.25);
        assert_eq!(s.error, 0.0);
    }
}
