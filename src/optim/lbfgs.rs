//! Limited-memory BFGS (Nocedal & Wright, *Numerical Optimization*, 2nd ed.,
//! Algorithms 7.4 and 3.5–3.6).
//!
//! The direction is `p = −H∇f` with `H` the inverse-Hessian approximation built from
//! the last `m` steps `sᵢ = xᵢ₊₁ − xᵢ` and gradient changes `yᵢ = ∇fᵢ₊₁ − ∇fᵢ` by the
//! two-loop recursion, started from `H₀ = (sᵀy / yᵀy) I`. The step length satisfies the
//! strong Wolfe conditions `f(x + αp) ≤ f(x) + c₁α∇fᵀp` and
//! `|∇f(x + αp)ᵀp| ≤ c₂|∇fᵀp|`, found by bracketing and cubic-interpolation zoom.
//! Pairs with `sᵀy ≤ 10⁻¹²·|s||y|` are skipped, which keeps `H` positive definite.
//!
//! Written here rather than taken from `argmin`: the solver is ~200 lines, works on
//! the plain `Vec<f64>` our models already use, treats a non-finite trial value as
//! "step too long" instead of failing, and adds no dependency to a 2-core build.

use crate::error::{Error, Result};
use std::collections::VecDeque;

/// L-BFGS settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LbfgsSettings {
    /// Number of stored `(s, y)` pairs `m`.
    pub memory: usize,
    /// Sufficient-decrease constant `c₁`.
    pub c1: f64,
    /// Curvature constant `c₂` (`c₁ < c₂ < 1`).
    pub c2: f64,
    /// Most function evaluations in one line search.
    pub max_evaluations: usize,
}

impl Default for LbfgsSettings {
    fn default() -> Self {
        Self {
            memory: 20,
            c1: 1e-4,
            c2: 0.9,
            max_evaluations: 40,
        }
    }
}

/// What one iteration did.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LbfgsStep {
    /// Moved to a point with a lower value.
    Moved {
        /// The new value `f`.
        value: f64,
        /// `|∇f|` at the new point.
        gradient_norm: f64,
        /// Function evaluations the line search used.
        evaluations: usize,
    },
    /// No step along the direction lowered `f` by a representable amount: the
    /// minimizer is reached to floating-point precision (or the model is too rough
    /// for a quasi-Newton step). `x` is unchanged.
    Stalled,
}

/// The objective: fills the gradient and returns the value.
pub type Objective<'a> = dyn FnMut(&[f64], &mut [f64]) -> f64 + 'a;

/// An L-BFGS minimization in progress.
#[derive(Clone, Debug)]
pub struct Lbfgs {
    settings: LbfgsSettings,
    x: Vec<f64>,
    value: f64,
    gradient: Vec<f64>,
    history: VecDeque<Pair>,
}

#[derive(Clone, Debug)]
struct Pair {
    s: Vec<f64>,
    y: Vec<f64>,
    rho: f64,
}

/// A trial point of a line search.
struct Trial {
    alpha: f64,
    value: f64,
    slope: f64,
    gradient: Vec<f64>,
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn norm(a: &[f64]) -> f64 {
    dot(a, a).sqrt()
}

impl Lbfgs {
    /// Starts at `x0`, evaluating the objective there. A non-finite value or gradient
    /// at the start is an error.
    pub fn new(settings: LbfgsSettings, x0: Vec<f64>, objective: &mut Objective) -> Result<Self> {
        if settings.memory == 0
            || !(0.0 < settings.c1 && settings.c1 < settings.c2 && settings.c2 < 1.0)
        {
            return Err(Error::invalid(
                "lbfgs",
                "needs memory ≥ 1 and 0 < c1 < c2 < 1",
            ));
        }
        let mut gradient = vec![0.0; x0.len()];
        let value = objective(&x0, &mut gradient);
        if !value.is_finite() || gradient.iter().any(|g| !g.is_finite()) {
            return Err(Error::Numerical(format!(
                "L-BFGS start: the loss is {value} or its gradient is not finite"
            )));
        }
        Ok(Self {
            settings,
            x: x0,
            value,
            gradient,
            history: VecDeque::new(),
        })
    }

    /// The current point.
    pub fn x(&self) -> &[f64] {
        &self.x
    }

    /// The value at the current point.
    pub fn value(&self) -> f64 {
        self.value
    }

    /// The gradient at the current point.
    pub fn gradient(&self) -> &[f64] {
        &self.gradient
    }

    /// The current point, consuming the solver.
    pub fn into_x(self) -> Vec<f64> {
        self.x
    }

    /// `−H∇f` by the two-loop recursion.
    fn direction(&self) -> Vec<f64> {
        let mut q: Vec<f64> = self.gradient.iter().map(|g| -g).collect();
        let mut alphas = Vec::with_capacity(self.history.len());
        for pair in self.history.iter().rev() {
            let a = pair.rho * dot(&pair.s, &q);
            q.iter_mut().zip(&pair.y).for_each(|(q, y)| *q -= a * y);
            alphas.push(a);
        }
        if let Some(last) = self.history.back() {
            let gamma = dot(&last.s, &last.y) / dot(&last.y, &last.y);
            q.iter_mut().for_each(|q| *q *= gamma);
        }
        for (pair, a) in self.history.iter().zip(alphas.iter().rev()) {
            let b = pair.rho * dot(&pair.y, &q);
            q.iter_mut()
                .zip(&pair.s)
                .for_each(|(q, s)| *q += (a - b) * s);
        }
        q
    }

    /// One iteration: a direction, a strong-Wolfe line search, and the history update.
    pub fn step(&mut self, objective: &mut Objective) -> Result<LbfgsStep> {
        let mut p = self.direction();
        let mut slope = dot(&p, &self.gradient);
        let descends = |slope: f64| slope < 0.0;
        if !descends(slope) {
            self.history.clear();
            p = self.gradient.iter().map(|g| -g).collect();
            slope = -dot(&self.gradient, &self.gradient);
            if !descends(slope) {
                return Ok(LbfgsStep::Stalled);
            }
        }
        let first_alpha = if self.history.is_empty() {
            (1.0 / norm(&p)).min(1.0)
        } else {
            1.0
        };
        let (trial, evaluations) = match self.line_search(objective, &p, slope, first_alpha) {
            Some(found) => found,
            None => return Ok(LbfgsStep::Stalled),
        };
        let s: Vec<f64> = p.iter().map(|p| trial.alpha * p).collect();
        let y: Vec<f64> = trial
            .gradient
            .iter()
            .zip(&self.gradient)
            .map(|(a, b)| a - b)
            .collect();
        let sy = dot(&s, &y);
        if sy > 1e-12 * norm(&s) * norm(&y) {
            if self.history.len() == self.settings.memory {
                self.history.pop_front();
            }
            self.history.push_back(Pair {
                s: s.clone(),
                y,
                rho: 1.0 / sy,
            });
        }
        self.x.iter_mut().zip(&s).for_each(|(x, s)| *x += s);
        self.value = trial.value;
        self.gradient = trial.gradient;
        Ok(LbfgsStep::Moved {
            value: self.value,
            gradient_norm: norm(&self.gradient),
            evaluations,
        })
    }

    fn evaluate(&self, objective: &mut Objective, p: &[f64], alpha: f64) -> Trial {
        let point: Vec<f64> = self.x.iter().zip(p).map(|(x, p)| x + alpha * p).collect();
        let mut gradient = vec![0.0; point.len()];
        let value = objective(&point, &mut gradient);
        let slope = dot(&gradient, p);
        Trial {
            alpha,
            value,
            slope,
            gradient,
        }
    }

    /// Algorithm 3.5: expand until the minimum along `p` is bracketed, then zoom.
    /// `None` when no point lowers `f`.
    fn line_search(
        &self,
        objective: &mut Objective,
        p: &[f64],
        slope0: f64,
        first_alpha: f64,
    ) -> Option<(Trial, usize)> {
        let (f0, c1, c2) = (self.value, self.settings.c1, self.settings.c2);
        let mut previous = Trial {
            alpha: 0.0,
            value: f0,
            slope: slope0,
            gradient: self.gradient.clone(),
        };
        let mut alpha = first_alpha;
        let mut evaluations = 0;
        while evaluations < self.settings.max_evaluations {
            let trial = self.evaluate(objective, p, alpha);
            evaluations += 1;
            if !trial.value.is_finite() || !trial.slope.is_finite() {
                // Too far: the model left its domain. Shorten and retry.
                alpha = 0.5 * (previous.alpha + alpha);
                continue;
            }
            if trial.value > f0 + c1 * alpha * slope0
                || (evaluations > 1 && trial.value >= previous.value)
            {
                return self.zoom(objective, p, slope0, previous, trial, evaluations);
            }
            if trial.slope.abs() <= -c2 * slope0 {
                return Some((trial, evaluations));
            }
            if trial.slope >= 0.0 {
                return self.zoom(objective, p, slope0, trial, previous, evaluations);
            }
            alpha *= 2.0;
            previous = trial;
        }
        (previous.alpha > 0.0).then_some((previous, evaluations))
    }

    /// Algorithm 3.6: shrink the bracket `[lo, hi]` (`lo` the lower value) by cubic
    /// interpolation, bisecting when the cubic's minimizer falls outside its middle.
    fn zoom(
        &self,
        objective: &mut Objective,
        p: &[f64],
        slope0: f64,
        mut lo: Trial,
        mut hi: Trial,
        mut evaluations: usize,
    ) -> Option<(Trial, usize)> {
        let (f0, c1, c2) = (self.value, self.settings.c1, self.settings.c2);
        while evaluations < self.settings.max_evaluations {
            let (a, b) = (lo.alpha.min(hi.alpha), lo.alpha.max(hi.alpha));
            let width = b - a;
            if width <= 1e-16 * b.max(1e-300) {
                break;
            }
            let alpha = cubic_minimizer(&lo, &hi)
                .filter(|&t| t > a + 0.1 * width && t < b - 0.1 * width)
                .unwrap_or(0.5 * (a + b));
            let trial = self.evaluate(objective, p, alpha);
            evaluations += 1;
            if !trial.value.is_finite()
                || trial.value > f0 + c1 * alpha * slope0
                || trial.value >= lo.value
            {
                hi = trial;
            } else {
                if trial.slope.abs() <= -c2 * slope0 {
                    return Some((trial, evaluations));
                }
                if trial.slope * (hi.alpha - lo.alpha) >= 0.0 {
                    hi = lo;
                }
                lo = trial;
            }
        }
        (lo.alpha > 0.0 && lo.value < f0).then_some((lo, evaluations))
    }
}

/// The minimizer of the cubic through `(α, f, f′)` at both ends, if it exists.
fn cubic_minimizer(a: &Trial, b: &Trial) -> Option<f64> {
    if !b.value.is_finite() {
        return None;
    }
    let d1 = a.slope + b.slope - 3.0 * (a.value - b.value) / (a.alpha - b.alpha);
    let radicand = d1 * d1 - a.slope * b.slope;
    if radicand.is_nan() || radicand < 0.0 {
        return None;
    }
    let d2 = (b.alpha - a.alpha).signum() * radicand.sqrt();
    let t = b.alpha - (b.alpha - a.alpha) * (b.slope + d2 - d1) / (b.slope - a.slope + 2.0 * d2);
    t.is_finite().then_some(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rosenbrock(x: &[f64], g: &mut [f64]) -> f64 {
        let mut f = 0.0;
        g.iter_mut().for_each(|g| *g = 0.0);
        for i in 0..x.len() - 1 {
            let (a, b) = (1.0 - x[i], x[i + 1] - x[i] * x[i]);
            f += a * a + 100.0 * b * b;
            g[i] += -2.0 * a - 400.0 * x[i] * b;
            g[i + 1] += 200.0 * b;
        }
        f
    }

    fn run(objective: &mut Objective, x0: Vec<f64>, iterations: usize) -> Lbfgs {
        let mut solver = Lbfgs::new(LbfgsSettings::default(), x0, objective).unwrap();
        for _ in 0..iterations {
            match solver.step(objective).unwrap() {
                LbfgsStep::Moved { gradient_norm, .. } if gradient_norm < 1e-10 => break,
                LbfgsStep::Moved { .. } => {}
                LbfgsStep::Stalled => break,
            }
        }
        solver
    }

    #[test]
    fn finds_the_rosenbrock_minimum() {
        let solver = run(&mut rosenbrock, vec![-1.2, 1.0, -1.2, 1.0, 0.5, -0.3], 500);
        for x in solver.x() {
            assert!((x - 1.0).abs() < 1e-8, "{:?}", solver.x());
        }
    }

    #[test]
    fn solves_an_ill_conditioned_quadratic() {
        // f = ½ Σ λᵢ (xᵢ − i)², λ from 1 to 10⁴: minimum at xᵢ = i.
        let n = 50;
        let lambda: Vec<f64> = (0..n)
            .map(|i| 10f64.powf(4.0 * i as f64 / (n - 1) as f64))
            .collect();
        let mut quadratic = |x: &[f64], g: &mut [f64]| {
            let mut f = 0.0;
            for i in 0..n {
                let r = x[i] - i as f64;
                g[i] = lambda[i] * r;
                f += 0.5 * lambda[i] * r * r;
            }
            f
        };
        let solver = run(&mut quadratic, vec![0.0; n], 1000);
        for (i, x) in solver.x().iter().enumerate() {
            assert!((x - i as f64).abs() < 1e-8, "x[{i}] = {x}");
        }
    }

    #[test]
    fn a_non_finite_start_is_an_error_and_a_non_finite_trial_shortens_the_step() {
        let mut nan = |_: &[f64], g: &mut [f64]| {
            g[0] = 1.0;
            f64::NAN
        };
        assert!(matches!(
            Lbfgs::new(LbfgsSettings::default(), vec![0.0], &mut nan),
            Err(Error::Numerical(_))
        ));
        // f = −log(1 − x) + x², infinite for x ≥ 1.
        let mut barrier = |x: &[f64], g: &mut [f64]| {
            if x[0] >= 1.0 {
                g[0] = f64::NAN;
                return f64::INFINITY;
            }
            g[0] = 1.0 / (1.0 - x[0]) + 2.0 * x[0];
            -(1.0 - x[0]).ln() + x[0] * x[0]
        };
        let solver = run(&mut barrier, vec![0.9], 100);
        // f′ = 0: 1/(1 − x) = −2x ⇒ 2x² − 2x − 1 = 0 ⇒ x = (1 − √3)/2.
        assert!(
            (solver.x()[0] - (1.0 - 3f64.sqrt()) / 2.0).abs() < 1e-9,
            "{:?}",
            solver.x()
        );
    }
}
