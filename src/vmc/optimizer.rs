//! Parameter updates from a batch of samples: SGD, Adam, stochastic reconfiguration
//! (SR) and minSR.
//!
//! With sample weights `w_s` (`1/Ns` for Markov chains), local energies `E_s`, their
//! mean `Ē`, and centred log-derivatives `Ō_{sk} = O_{sk} − Σ_r w_r O_{rk}`:
//!
//! - force `F_k = Σ_s w_s conj(Ō_{sk}) (E_s − Ē) = ⟨O_k* E⟩ − ⟨O_k*⟩⟨E⟩`;
//! - quantum geometric tensor `S_{kl} = Σ_s w_s conj(Ō_{sk}) Ō_{sl}`;
//! - SR update `δθ = −η (S + εI)⁻¹ F`.
//!
//! Convention (as NetKet): complex parameters are holomorphic and use `F` as is; real
//! parameters (real ψ) use the true energy gradient `2 Re F`.
//!
//! SR is solved exactly by Cholesky in whichever space is cheaper. With `Õ_{sk} = √w_s Ō_{sk}`
//! and `ε̃_s = √w_s (E_s − Ē)`, the identity `(ÕᴴÕ + εI)⁻¹Õᴴ = Õᴴ(ÕÕᴴ + εI)⁻¹` gives the
//! same `δθ` from the `Ns × Ns` sample-space kernel when `Ns < P`. minSR (Chen & Heyl,
//! Nat. Phys. 20, 1476 (2024)) replaces the inverse of the kernel by a pseudo-inverse
//! with relative cut-off `rcond`.

use super::jacobian::{lower_gram, Jacobian};
use crate::error::{Error, Result};
use crate::scalar::Scalar;
use faer::linalg::solvers::Solve;
use faer::{Mat, Side};

/// Which space SR is solved in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SrSpace {
    /// The cheaper of the two, by flop count.
    Auto,
    /// `P × P` matrix `S`.
    Parameters,
    /// `Ns × Ns` kernel.
    Samples,
}

/// Update rule with its settings.
#[derive(Clone, Debug, PartialEq)]
pub enum Method {
    /// `δθ = −η F`.
    Sgd,
    /// Adam (Kingma & Ba 2015) on `F`.
    Adam {
        beta1: f64,
        beta2: f64,
        epsilon: f64,
    },
    /// Stochastic reconfiguration with diagonal shift `ε`.
    Sr { diag_shift: f64, space: SrSpace },
    /// minSR: sample-space pseudo-inverse with relative cut-off.
    MinSr { rcond: f64 },
}

impl Method {
    /// Name as in decks.
    pub fn name(&self) -> &'static str {
        match self {
            Method::Sgd => "sgd",
            Method::Adam { .. } => "adam",
            Method::Sr { .. } => "sr",
            Method::MinSr { .. } => "minsr",
        }
    }
}

/// An optimizer with its state (Adam moments, step count).
#[derive(Clone, Debug)]
pub struct Optimizer<T: Scalar> {
    /// Update rule.
    pub method: Method,
    /// Learning rate `η`.
    pub learning_rate: f64,
    moment1: Vec<T>,
    moment2: Vec<f64>,
    steps: u64,
}

/// Everything an update needs from a batch.
pub struct Gradient<'a, T: Scalar> {
    /// Log-derivatives of the samples.
    pub jacobian: &'a Jacobian<T>,
    /// Local energies.
    pub local_energies: &'a [T],
    /// Sample weights (sum to one).
    pub weights: &'a [f64],
}

impl<T: Scalar> Optimizer<T> {
    /// An optimizer; `learning_rate` and the method's settings must be positive.
    pub fn new(method: Method, learning_rate: f64) -> Result<Self> {
        if !(learning_rate > 0.0 && learning_rate.is_finite()) {
            return Err(Error::invalid(
                "optimizer.learning_rate",
                format!("{learning_rate} must be positive, e.g. 0.05"),
            ));
        }
        match &method {
            Method::Sr { diag_shift, .. } if !(*diag_shift >= 0.0 && diag_shift.is_finite()) => {
                return Err(Error::invalid(
                    "optimizer.diag_shift",
                    format!("{diag_shift} must be non-negative, e.g. 0.01"),
                ))
            }
            Method::MinSr { rcond } if !(*rcond > 0.0 && *rcond < 1.0) => {
                return Err(Error::invalid(
                    "optimizer.rcond",
                    format!("{rcond} must lie in (0, 1), e.g. 1e-10"),
                ))
            }
            Method::Adam {
                beta1,
                beta2,
                epsilon,
            } if !((0.0..1.0).contains(beta1) && (0.0..1.0).contains(beta2) && *epsilon > 0.0) => {
                return Err(Error::invalid(
                    "optimizer.beta1",
                    "Adam needs 0 <= beta1, beta2 < 1 and epsilon > 0",
                ))
            }
            _ => {}
        }
        Ok(Self {
            method,
            learning_rate,
            moment1: Vec::new(),
            moment2: Vec::new(),
            steps: 0,
        })
    }

    /// Number of updates made.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// The parameter change `δθ` for this batch.
    pub fn update(&mut self, g: &Gradient<'_, T>) -> Result<Vec<T>> {
        let mean: T = g
            .local_energies
            .iter()
            .zip(g.weights)
            .map(|(&e, &w)| e * w)
            .sum();
        let scale = if T::COMPLEX { 1.0 } else { 2.0 };
        // Σ_s w_s (E_s − Ē) = 0, so the force needs no centred Jacobian.
        let z: Vec<T> = g
            .local_energies
            .iter()
            .zip(g.weights)
            .map(|(&e, &w)| (e - mean) * (w * scale))
            .collect();
        let force = g.jacobian.adjoint_apply(&z);
        let eta = self.learning_rate;
        let delta = match self.method.clone() {
            Method::Sgd => force.iter().map(|&f| f * -eta).collect(),
            Method::Adam {
                beta1,
                beta2,
                epsilon,
            } => self.adam(&force, beta1, beta2, epsilon),
            Method::Sr { diag_shift, space } => {
                let use_samples = match space {
                    SrSpace::Samples => true,
                    SrSpace::Parameters => false,
                    SrSpace::Auto => {
                        let (ns, p) = (g.jacobian.n_samples() as f64, g.jacobian.n_params() as f64);
                        let k = g.jacobian.kernel_width() as f64;
                        ns * ns * k + ns.powi(3) / 3.0 < ns * p * p + p.powi(3) / 3.0
                    }
                };
                let natural = if use_samples {
                    sample_space(g, mean, scale, Inverse::Shifted(diag_shift))?
                } else {
                    parameter_space(g, &force, diag_shift)?
                };
                natural.iter().map(|&d| d * -eta).collect()
            }
            Method::MinSr { rcond } => sample_space(g, mean, scale, Inverse::Pseudo(rcond))?
                .iter()
                .map(|&d| d * -eta)
                .collect::<Vec<T>>(),
        };
        if delta.iter().any(|d| !d.is_finite()) {
            return Err(Error::Numerical(
                "the parameter update is not finite (NaN or infinity); lower the learning \
                 rate or raise optimizer.diag_shift"
                    .into(),
            ));
        }
        self.steps += 1;
        Ok(delta)
    }

    fn adam(&mut self, grad: &[T], beta1: f64, beta2: f64, epsilon: f64) -> Vec<T> {
        if self.moment1.len() != grad.len() {
            self.moment1 = vec![T::zero(); grad.len()];
            self.moment2 = vec![0.0; grad.len()];
        }
        let t = (self.steps + 1) as i32;
        let (c1, c2) = (1.0 - beta1.powi(t), 1.0 - beta2.powi(t));
        grad.iter()
            .zip(self.moment1.iter_mut().zip(self.moment2.iter_mut()))
            .map(|(&g, (m, v))| {
                *m = *m * beta1 + g * (1.0 - beta1);
                *v = beta2 * *v + (1.0 - beta2) * g.abs2();
                *m * (-self.learning_rate / c1 / ((*v / c2).sqrt() + epsilon))
            })
            .collect()
    }

    /// Adam moments and step count (for checkpoints).
    pub fn state(&self) -> (&[T], &[f64], u64) {
        (&self.moment1, &self.moment2, self.steps)
    }
}

/// How the sample-space kernel is inverted.
enum Inverse {
    /// `(K + εI)⁻¹` by Cholesky.
    Shifted(f64),
    /// Pseudo-inverse keeping eigenvalues above `rcond · λ_max`.
    Pseudo(f64),
}

/// `(S + εI)⁻¹ F` with `S = ÕᴴÕ` built from the dense Jacobian (lower triangle only).
fn parameter_space<T: Scalar>(g: &Gradient<'_, T>, force: &[T], shift: f64) -> Result<Vec<T>> {
    // S = ÕᴴÕ = conj(ÕᵀȬ)... computed as the Gram matrix of the rows of Õᵀ, conjugated:
    // (Õᵀ)(Õᵀ)ᴴ = Õᵀ Ȭ = conj(Õᴴ Õ).
    let centred = g.jacobian.centred_dense(g.weights);
    let p = centred.ncols();
    let mut s_matrix = lower_gram(centred.transpose());
    if T::COMPLEX {
        for c in 0..p {
            s_matrix
                .col_as_slice_mut(c)
                .iter_mut()
                .for_each(|x| *x = x.conj());
        }
    }
    for k in 0..p {
        s_matrix[(k, k)] += T::from_real(shift);
    }
    let rhs = Mat::<T>::from_fn(p, 1, |k, _| force[k]);
    let llt = s_matrix.llt(Side::Lower).map_err(|_| singular())?;
    let x = llt.solve(&rhs);
    Ok((0..p).map(|k| x[(k, 0)]).collect())
}

fn singular() -> Error {
    Error::Numerical(
        "the SR matrix S + εI is not positive definite (S is singular); raise \
         optimizer.diag_shift (e.g. 0.01) or use more samples"
            .into(),
    )
}

/// `Õᴴ (K̃ + εI)⁻¹ ε̃` (or with a pseudo-inverse) from the sample-space kernel.
fn sample_space<T: Scalar>(
    g: &Gradient<'_, T>,
    mean: T,
    scale: f64,
    inverse: Inverse,
) -> Result<Vec<T>> {
    let ns = g.jacobian.n_samples();
    let w = g.weights;
    let mut kernel = g.jacobian.kernel();
    // Centre: K̄_{ss'} = K_{ss'} − a_s − conj(a_{s'}) + q with a_s = ⟨O_s, m⟩ = Σ_r w_r K_{sr},
    // m = Σ_r w_r O_r and q = ⟨m, m⟩.
    let weights_col = Mat::<T>::from_fn(ns, 1, |s, _| T::from_real(w[s]));
    let a_col = &kernel * &weights_col;
    let a: Vec<T> = (0..ns).map(|s| a_col[(s, 0)]).collect();
    let q: T = a.iter().zip(w).map(|(&x, &wi)| x * wi).sum();
    let sqrt_w: Vec<f64> = w.iter().map(|x| x.sqrt()).collect();
    for c in 0..ns {
        let (ac, swc) = (a[c].conj(), sqrt_w[c]);
        let col = kernel.col_as_slice_mut(c);
        for r in c..ns {
            col[r] = (col[r] - a[r] - ac + q) * (sqrt_w[r] * swc);
        }
    }
    let rhs: Vec<T> = g
        .local_energies
        .iter()
        .zip(&sqrt_w)
        .map(|(&e, &sw)| (e - mean) * (sw * scale))
        .collect();
    let y: Vec<T> = match inverse {
        Inverse::Shifted(shift) => {
            for s in 0..ns {
                kernel[(s, s)] += T::from_real(shift);
            }
            let llt = kernel.llt(Side::Lower).map_err(|_| singular())?;
            let x = llt.solve(Mat::<T>::from_fn(ns, 1, |s, _| rhs[s]));
            (0..ns).map(|s| x[(s, 0)]).collect()
        }
        Inverse::Pseudo(rcond) => {
            let flat: Vec<T> = (0..ns * ns)
                .map(|q| {
                    let (r, c) = (q % ns, q / ns);
                    if r >= c {
                        kernel[(r, c)]
                    } else {
                        kernel[(c, r)].conj()
                    }
                })
                .collect();
            let (values, vectors) = T::eigh(&flat, ns)
                .ok_or_else(|| Error::Numerical("minSR kernel eigensolver failed".into()))?;
            let cutoff = rcond * values.iter().cloned().fold(0.0, f64::max);
            let mut y = vec![T::zero(); ns];
            for (i, &lambda) in values.iter().enumerate() {
                if lambda > cutoff {
                    let v = &vectors[i * ns..(i + 1) * ns];
                    let coeff: T =
                        v.iter().zip(&rhs).map(|(&a, &b)| a.conj() * b).sum::<T>() * (1.0 / lambda);
                    for (ys, &vs) in y.iter_mut().zip(v) {
                        *ys += vs * coeff;
                    }
                }
            }
            y
        }
    };
    // δ = Õᴴ y = Oᴴ u − conj(m) Σ u, with u_s = √w_s y_s and conj(m) = Oᴴ w.
    let u: Vec<T> = y.iter().zip(&sqrt_w).map(|(&v, &sw)| v * sw).collect();
    let sum_u: T = u.iter().copied().sum();
    let weights: Vec<T> = w.iter().map(|&x| T::from_real(x)).collect();
    let o_u = g.jacobian.adjoint_apply(&u);
    let o_w = g.jacobian.adjoint_apply(&weights);
    Ok(o_u.iter().zip(&o_w).map(|(&a, &b)| a - b * sum_u).collect())
}
