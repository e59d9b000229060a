//! Fitting a [`DiabaticNet`] to adiabatic reference data: a seeded train/validation
//! split; when the data have couplings, a prefit of the network's matrix to diabatic
//! matrices propagated over the training points ([`propagate`]), which gives it the
//! sign structure (around a conical intersection, the winding) that the adiabatic loss
//! cannot see; full-batch Adam with a geometric learning-rate decay, from one or
//! several starts; then Levenberg–Marquardt or L-BFGS from the best start, with early
//! stopping on the validation loss (the parameters with the lowest validation loss
//! seen at a check are kept).
//!
//! The loss is [`super::loss`]'s, summed over geometries in fixed blocks of
//! [`BLOCK`] points that run in parallel and are added in block order, so a fit gives
//! the same numbers for any number of threads.
//!
//! Validation metrics are computed independently of the loss code, through the generic
//! adapter [`super::adiabatic`] on the fitted network.

use super::adiabatic::adiabatic;
use super::data::DiabaticData;
use super::diabatization::propagate;
use super::loss::{
    point_loss, Decomposition, LossScales, LossWeights, PointReference, SquaredResiduals,
    TermFactors,
};
use super::models::DiabaticModel;
use super::net::{entry_index, Activation, Architecture, DiabaticNet, Forward, Scaling};
use super::streams::stream_seed;
use crate::error::{Error, Result};
use crate::optim::{Adam, Lbfgs, LbfgsSettings, LbfgsStep, LevenbergMarquardt, LmSettings, LmStep};
use ndarray::Array2;
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;
use std::ops::ControlFlow;
use std::time::Instant;

/// Geometries per parallel block of the loss.
pub const BLOCK: usize = 32;

/// Everything a fit needs besides the data.
#[derive(Clone, Debug, PartialEq)]
pub struct FitSettings {
    /// Hidden-layer widths.
    pub hidden: Vec<usize>,
    /// Hidden-layer activation.
    pub activation: Activation,
    /// Weights of the energy, gradient and coupling terms.
    pub weights: LossWeights,
    /// Full-batch Adam steps.
    pub adam_epochs: usize,
    /// Adam step size of the first epoch.
    pub learning_rate: f64,
    /// Adam step size of the last epoch (geometric decay in between).
    pub final_learning_rate: f64,
    /// The second stage, after Adam.
    pub refiner: Refiner,
    /// Most iterations of the second stage.
    pub refine_iterations: usize,
    /// L-BFGS history length `m`.
    pub lbfgs_memory: usize,
    /// Fraction of the geometries held out for validation (0 ≤ f < 1).
    pub validation_fraction: f64,
    /// Steps (Adam epochs or L-BFGS iterations) between validation checks.
    pub check_every: usize,
    /// Checks without a lower validation loss before a phase stops.
    pub patience: usize,
    /// L2 penalty `λ Σ θ²` on the parameters, added to the training loss.
    pub weight_decay: f64,
    /// Adam epochs that first fit the network's matrix to diabatic matrices propagated
    /// over the training data ([`propagate`]), before the loss on adiabatic data; 0 to
    /// skip. Used only when the data have couplings and their weight is positive.
    pub prefit_epochs: usize,
    /// Independent Adam runs from different initial weights; the one with the lowest
    /// validation loss goes on to the second stage. Adiabatic data leave the sign
    /// structure of the diabatic matrix free, and Adam settles it early: around a
    /// conical intersection a start either finds the winding of `(V₁₁ − V₂₂, 2V₁₂)` or
    /// learns an avoided crossing that no later step repairs.
    pub starts: usize,
    /// Seed of the split and of the first start's weights (start `k` uses stream `k` of it, [`stream_seed`]).
    pub seed: u64,
}

impl Default for FitSettings {
    fn default() -> Self {
        Self {
            hidden: vec![48, 48],
            activation: Activation::Tanh,
            weights: LossWeights {
                energy: 10.0,
                gradient: 1.0,
                coupling: 1.0,
            },
            adam_epochs: 3000,
            learning_rate: 1e-2,
            final_learning_rate: 1e-4,
            refiner: Refiner::LevenbergMarquardt,
            refine_iterations: 2000,
            lbfgs_memory: 20,
            validation_fraction: 0.2,
            check_every: 50,
            patience: 100,
            weight_decay: 0.0,
            prefit_epochs: 1000,
            starts: 1,
            seed: 1,
        }
    }
}

impl FitSettings {
    /// Checks every setting, naming the `training.*` key at fault.
    pub fn check(&self) -> Result<()> {
        let bad =
            |key: &str, message: &str| Err(Error::invalid(format!("training.{key}"), message));
        let w = &self.weights;
        if ![w.energy, w.gradient, w.coupling]
            .iter()
            .all(|v| v.is_finite() && *v >= 0.0)
            || w.energy + w.gradient + w.coupling <= 0.0
        {
            return bad(
                "weights",
                "energy, gradient and coupling weights must be ≥ 0, not all 0",
            );
        }
        let positive = |v: f64| v > 0.0 && v.is_finite();
        if !(positive(self.learning_rate) && positive(self.final_learning_rate)) {
            return bad("learning_rate", "learning rates must be positive");
        }
        if !(0.0..1.0).contains(&self.validation_fraction) {
            return bad("validation_fraction", "must be in [0, 1), e.g. 0.2");
        }
        if self.check_every == 0 || self.patience == 0 {
            return bad("check_every", "check_every and patience must be ≥ 1");
        }
        if !(self.weight_decay >= 0.0 && self.weight_decay.is_finite()) {
            return bad("weight_decay", "must be ≥ 0");
        }
        if self.starts == 0 {
            return bad("starts", "must be ≥ 1");
        }
        if self.starts > 1 && self.adam_epochs == 0 {
            return bad(
                "starts",
                "several starts need adam_epochs ≥ 1 (the starts are compared after Adam)",
            );
        }
        if self.adam_epochs + self.refine_iterations == 0 {
            return bad("adam_epochs", "adam_epochs + refine_iterations must be ≥ 1");
        }
        Ok(())
    }
}

/// The optimizer that follows Adam.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refiner {
    /// L-BFGS on the loss ([`crate::optim::Lbfgs`]).
    Lbfgs,
    /// Levenberg–Marquardt on the residuals ([`crate::optim::LevenbergMarquardt`]).
    LevenbergMarquardt,
}

impl Refiner {
    /// The name used in decks and reports.
    pub fn name(self) -> &'static str {
        match self {
            Refiner::Lbfgs => "lbfgs",
            Refiner::LevenbergMarquardt => "levenberg-marquardt",
        }
    }

    /// Parses a deck name.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "lbfgs" | "l-bfgs" => Some(Refiner::Lbfgs),
            "levenberg-marquardt" | "lm" => Some(Refiner::LevenbergMarquardt),
            _ => None,
        }
    }
}

/// Root-mean-square errors of a model on a data set (physical units).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FitMetrics {
    /// Geometries.
    pub points: usize,
    /// RMS energy error over geometries and states (hartree).
    pub rmse_energy: f64,
    /// RMS gradient error over geometries, states and coordinates (hartree/bohr).
    pub rmse_gradient: Option<f64>,
    /// RMS coupling error over geometries, pairs `i < j` and coordinates, each pair's
    /// sign chosen to match (1/bohr).
    pub rmse_coupling: Option<f64>,
    /// Largest `|d_ij,k|` of the reference (1/bohr).
    pub peak_coupling: Option<f64>,
}

/// One validation check, for observers.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FitCheck {
    /// `"adam"`, `"lbfgs"` or `"levenberg-marquardt"`.
    pub phase: &'static str,
    /// Which start (0-based; the second stage carries the chosen one's).
    pub start: usize,
    /// Step within the phase.
    pub step: usize,
    /// Training loss (with the weight penalty).
    pub train_loss: f64,
    /// Validation loss (the training loss's formula on the held-out points).
    pub validation_loss: Option<f64>,
}

/// The fitted network and how the fit went.
#[derive(Clone, Debug)]
pub struct FitReport {
    /// The network with the lowest validation loss seen.
    pub net: DiabaticNet,
    /// Indices of the training geometries.
    pub train_indices: Vec<usize>,
    /// Indices of the validation geometries.
    pub validation_indices: Vec<usize>,
    /// Prefit epochs per start on propagated diabatic matrices (0: none, e.g. without
    /// couplings in the data).
    pub prefit_epochs: usize,
    /// Adam epochs run by the chosen start.
    pub adam_epochs: usize,
    /// The lowest validation loss (training loss without a validation set) each start
    /// reached in Adam.
    pub start_losses: Vec<f64>,
    /// The start that went on to the second stage.
    pub chosen_start: usize,
    /// The second stage.
    pub refiner: Refiner,
    /// Iterations of the second stage run.
    pub refine_iterations: usize,
    /// Errors on the training geometries.
    pub train: FitMetrics,
    /// Errors on the validation geometries (`None` without a validation set).
    pub validation: Option<FitMetrics>,
    /// Wall time (seconds).
    pub seconds: f64,
    /// Advice printed before the fit (e.g. more parameters than data values).
    pub warnings: Vec<String>,
    /// Every validation check.
    pub history: Vec<FitCheck>,
}

/// What a validation check decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Verdict {
    Continue,
    /// No lower validation loss for `patience` checks: end this phase.
    Patience,
    /// The observer asked to stop.
    Stop,
}

/// Splits `0..points`: from each run of `round(1/f)` consecutive indices, one chosen
/// at random goes to validation, so held-out points are spread over the data.
pub fn split(points: usize, fraction: f64, seed: u64) -> (Vec<usize>, Vec<usize>) {
    if fraction <= 0.0 {
        return ((0..points).collect(), Vec::new());
    }
    let block = ((1.0 / fraction).round() as usize).max(2);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ 0x5eed_5911_7000_0001);
    let (mut train, mut validation) = (Vec::new(), Vec::new());
    for start in (0..points).step_by(block) {
        let end = (start + block).min(points);
        let held = if end - start == block {
            Some(start + rng.random_range(0..block))
        } else {
            None
        };
        for p in start..end {
            if Some(p) == held {
                validation.push(p);
            } else {
                train.push(p);
            }
        }
    }
    (train, validation)
}

/// The loss, its gradient, its residuals and their Jacobian over a data set.
struct Objective<'a> {
    net: DiabaticNet,
    data: &'a DiabaticData,
    factors: TermFactors,
    use_gradients: bool,
    use_couplings: bool,
    weight_decay: f64,
    /// `P × n(n+1)/2` diabatic target entries of the prefit (hartree).
    targets: Option<Vec<f64>>,
    /// `s_E`, the prefit's unit (hartree).
    energy_scale: f64,
}

impl<'a> Objective<'a> {
    fn new(
        net: &DiabaticNet,
        data: &'a DiabaticData,
        weights: &LossWeights,
        scales: &LossScales,
        weight_decay: f64,
    ) -> Self {
        let use_gradients = data.gradients.is_some() && weights.gradient > 0.0;
        let use_couplings = data.couplings.is_some() && weights.coupling > 0.0;
        Self {
            net: net.clone(),
            data,
            factors: TermFactors::new(
                weights,
                scales,
                data.n_states,
                data.n_dims,
                data.len().max(1),
            ),
            use_gradients,
            use_couplings,
            weight_decay,
            targets: None,
            energy_scale: scales.energy,
        }
    }

    /// The prefit loss `(1/P) Σ_p ‖H(R_p) − H_p^target‖²_F / s_E²` at `parameters`,
    /// with its gradient.
    fn evaluate_prefit(&mut self, parameters: &[f64], gradient: &mut [f64]) -> f64 {
        self.net.set_parameters(parameters);
        let this = &*self;
        let blocks: Vec<(f64, Vec<f64>)> = this
            .blocks()
            .into_par_iter()
            .map(|range| this.block_prefit(range))
            .collect();
        gradient.fill(0.0);
        let mut total = 0.0;
        for (value, block_gradient) in &blocks {
            total += value;
            gradient
                .iter_mut()
                .zip(block_gradient)
                .for_each(|(g, b)| *g += b);
        }
        total
    }

    fn block_prefit(&self, range: std::ops::Range<usize>) -> (f64, Vec<f64>) {
        let (n, d) = (self.data.n_states, self.data.n_dims);
        let m = n * (n + 1) / 2;
        let targets = self.targets.as_ref().expect("prefit targets are set");
        let forward = self
            .net
            .forward(&self.data.geometries[range.start * d..range.end * d]);
        let factor = 1.0 / (self.data.len() as f64 * self.energy_scale.powi(2));
        let mut entries_bar = Array2::zeros((m, range.len()));
        let gradients_bar = vec![Array2::zeros((m, range.len())); d];
        let mut value = 0.0;
        for (column, p) in range.enumerate() {
            for a in 0..n {
                for b in a..n {
                    let e = entry_index(n, a, b);
                    let multiplicity = if a == b { 1.0 } else { 2.0 };
                    let residual = forward.entries[(e, column)] - targets[p * m + e];
                    value += factor * multiplicity * residual * residual;
                    entries_bar[(e, column)] = 2.0 * factor * multiplicity * residual;
                }
            }
        }
        let mut gradient = vec![0.0; self.net.parameters().len()];
        self.net
            .backward(&forward, &entries_bar, &gradients_bar, &mut gradient);
        (value, gradient)
    }

    fn reference(&self, p: usize) -> PointReference<'a> {
        let (n, d) = (self.data.n_states, self.data.n_dims);
        let data = self.data;
        PointReference {
            energies: &data.energies[p * n..(p + 1) * n],
            gradients: data
                .gradients
                .as_ref()
                .filter(|_| self.use_gradients)
                .map(|g| &g[p * n * d..(p + 1) * n * d]),
            couplings: data
                .couplings
                .as_ref()
                .filter(|_| self.use_couplings)
                .map(|c| &c[p * n * n * d..(p + 1) * n * n * d]),
        }
    }

    fn blocks(&self) -> Vec<std::ops::Range<usize>> {
        let count = self.data.len();
        (0..count.div_ceil(BLOCK))
            .map(|b| b * BLOCK..((b + 1) * BLOCK).min(count))
            .collect()
    }

    /// The loss at `parameters`; fills `gradient` when given.
    fn evaluate(&mut self, parameters: &[f64], gradient: Option<&mut [f64]>) -> f64 {
        self.net.set_parameters(parameters);
        let want = gradient.is_some();
        let this = &*self;
        let blocks: Vec<(SquaredResiduals, Vec<f64>)> = this
            .blocks()
            .into_par_iter()
            .map(|range| this.block_loss(range, want))
            .collect();
        let mut total = SquaredResiduals::default();
        let penalty: f64 = parameters.iter().map(|p| p * p).sum::<f64>() * self.weight_decay;
        if let Some(gradient) = gradient {
            for (g, p) in gradient.iter_mut().zip(parameters) {
                *g = 2.0 * self.weight_decay * p;
            }
            for (residuals, block_gradient) in &blocks {
                total += *residuals;
                gradient
                    .iter_mut()
                    .zip(block_gradient)
                    .for_each(|(g, b)| *g += b);
            }
        } else {
            for (residuals, _) in &blocks {
                total += *residuals;
            }
        }
        self.factors.loss(&total) + penalty
    }

    fn block_loss(
        &self,
        range: std::ops::Range<usize>,
        want_gradient: bool,
    ) -> (SquaredResiduals, Vec<f64>) {
        let (n, d) = (self.data.n_states, self.data.n_dims);
        let m = n * (n + 1) / 2;
        let batch = range.len();
        let forward = self
            .net
            .forward(&self.data.geometries[range.start * d..range.end * d]);
        let mut entries_bar = Array2::zeros((m, batch));
        let mut gradients_bar = vec![Array2::zeros((m, batch)); d];
        let mut total = SquaredResiduals::default();
        let (mut h, mut jac) = (vec![0.0; m], vec![0.0; m * d]);
        let (mut h_bar, mut jac_bar) = (vec![0.0; m], vec![0.0; m * d]);
        for (column, p) in range.clone().enumerate() {
            gather(&forward, column, &mut h, &mut jac);
            let adjoints = want_gradient.then_some((&mut h_bar[..], &mut jac_bar[..]));
            total += point_loss(n, &h, &jac, &self.reference(p), &self.factors, adjoints);
            if want_gradient {
                scatter(
                    &h_bar,
                    &jac_bar,
                    column,
                    &mut entries_bar,
                    &mut gradients_bar,
                );
            }
        }
        let mut gradient = Vec::new();
        if want_gradient {
            gradient = vec![0.0; self.net.parameters().len()];
            self.net
                .backward(&forward, &entries_bar, &gradients_bar, &mut gradient);
        }
        (total, gradient)
    }

    /// The scaled residuals `√c · r` and, when asked, their Jacobian (rows ×
    /// parameters, row-major). The weight penalty is the solver's ridge.
    fn residuals(&mut self, parameters: &[f64], jacobian: Option<&mut Vec<f64>>) -> Vec<f64> {
        self.net.set_parameters(parameters);
        let want = jacobian.is_some();
        let this = &*self;
        let blocks: Vec<(Vec<f64>, Vec<f64>)> = this
            .blocks()
            .into_par_iter()
            .map(|range| this.block_residuals(range, want))
            .collect();
        let mut residuals = Vec::new();
        for (r, _) in &blocks {
            residuals.extend_from_slice(r);
        }
        if let Some(jacobian) = jacobian {
            jacobian.clear();
            for (_, rows) in &blocks {
                jacobian.extend_from_slice(rows);
            }
        }
        residuals
    }

    fn block_residuals(
        &self,
        range: std::ops::Range<usize>,
        want_jacobian: bool,
    ) -> (Vec<f64>, Vec<f64>) {
        let (n, d) = (self.data.n_states, self.data.n_dims);
        let m = n * (n + 1) / 2;
        let forward = self
            .net
            .forward(&self.data.geometries[range.start * d..range.end * d]);
        let (mut h, mut jac) = (vec![0.0; m], vec![0.0; m * d]);
        let mut points = Vec::with_capacity(range.len());
        for (column, p) in range.clone().enumerate() {
            gather(&forward, column, &mut h, &mut jac);
            let decomposition = Decomposition::new(n, &h, &jac);
            let residuals = decomposition.residuals(&self.reference(p));
            points.push((decomposition, residuals));
        }
        let values: Vec<f64> = points
            .iter()
            .flat_map(|(_, rs)| rs.iter().map(|r| self.factors.of(r.term).sqrt() * r.value))
            .collect();
        if !want_jacobian {
            return (values, Vec::new());
        }
        // One column per residual: its point's geometry, its own adjoints.
        let rows = values.len();
        let mut geometries = Vec::with_capacity(rows * d);
        for ((_, rs), p) in points.iter().zip(range.clone()) {
            for _ in rs {
                geometries.extend_from_slice(self.data.geometry(p));
            }
        }
        let replicated = self.net.forward(&geometries);
        let mut entries_bar = Array2::zeros((m, rows));
        let mut gradients_bar = vec![Array2::zeros((m, rows)); d];
        let (mut h_bar, mut jac_bar) = (vec![0.0; m], vec![0.0; m * d]);
        let mut column = 0;
        for (decomposition, rs) in &points {
            for r in rs {
                let c = self.factors.of(r.term).sqrt();
                decomposition.pullback([(c, r)], &mut h_bar, &mut jac_bar);
                scatter(
                    &h_bar,
                    &jac_bar,
                    column,
                    &mut entries_bar,
                    &mut gradients_bar,
                );
                column += 1;
            }
        }
        let mut jacobian = vec![0.0; rows * self.net.parameters().len()];
        self.net
            .backward_per_column(&replicated, &entries_bar, &gradients_bar, &mut jacobian);
        (values, jacobian)
    }
}

/// Copies column `column` of a forward pass into `h` (`m`) and `jac` (`m × d`).
fn gather(forward: &Forward, column: usize, h: &mut [f64], jac: &mut [f64]) {
    let d = forward.entry_gradients.len();
    for (e, value) in h.iter_mut().enumerate() {
        *value = forward.entries[(e, column)];
        for k in 0..d {
            jac[e * d + k] = forward.entry_gradients[k][(e, column)];
        }
    }
}

/// Writes adjoints `h̄`, `J̄` into column `column` of the batch adjoint arrays.
fn scatter(
    h_bar: &[f64],
    jac_bar: &[f64],
    column: usize,
    entries_bar: &mut Array2<f64>,
    gradients_bar: &mut [Array2<f64>],
) {
    let d = gradients_bar.len();
    for (e, value) in h_bar.iter().enumerate() {
        entries_bar[(e, column)] = *value;
        for (k, g) in gradients_bar.iter_mut().enumerate() {
            g[(e, column)] = jac_bar[e * d + k];
        }
    }
}

/// Input and output scaling from the training data: centers and half-widths of the
/// geometries' range, mean and standard deviation of the energies.
pub fn scaling_from(data: &DiabaticData) -> Scaling {
    let d = data.n_dims;
    let (mut center, mut width) = (Vec::with_capacity(d), Vec::with_capacity(d));
    for k in 0..d {
        let values = data.geometries.iter().skip(k).step_by(d);
        let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
        center.push(0.5 * (lo + hi));
        width.push(if hi > lo { 0.5 * (hi - lo) } else { 1.0 });
    }
    let count = data.energies.len() as f64;
    let mean = data.energies.iter().sum::<f64>() / count;
    let spread = (data
        .energies
        .iter()
        .map(|e| (e - mean).powi(2))
        .sum::<f64>()
        / count)
        .sqrt();
    Scaling {
        center,
        width,
        energy_shift: mean,
        energy_scale: if spread > 0.0 { spread } else { 1.0 },
    }
}

/// `s_E` = energy spread, `s_G` = RMS reference gradient, `s_C` = largest reference
/// coupling (each 1 when the data lack that term or it vanishes).
pub fn loss_scales(data: &DiabaticData, scaling: &Scaling) -> LossScales {
    let rms = |v: &[f64]| (v.iter().map(|x| x * x).sum::<f64>() / v.len() as f64).sqrt();
    let positive = |v: f64| if v > 0.0 && v.is_finite() { v } else { 1.0 };
    LossScales {
        energy: scaling.energy_scale,
        gradient: positive(data.gradients.as_deref().map_or(1.0, rms)),
        coupling: positive(
            data.couplings
                .as_deref()
                .map_or(1.0, |c| c.iter().fold(0.0f64, |m, v| m.max(v.abs()))),
        ),
    }
}

/// Errors of `model` on `data`, through the adiabatic adapter.
pub fn metrics(model: &dyn DiabaticModel, data: &DiabaticData) -> FitMetrics {
    let (n, d) = (data.n_states, data.n_dims);
    let (mut energy, mut gradient, mut coupling) = (0.0, 0.0, 0.0);
    for p in 0..data.len() {
        let a = adiabatic(model, data.geometry(p), None);
        for i in 0..n {
            energy += (a.energies[i] - data.energies[p * n + i]).powi(2);
        }
        if let Some(g) = &data.gradients {
            for i in 0..n {
                for k in 0..d {
                    gradient += (a.gradients[(i, k)] - g[(p * n + i) * d + k]).powi(2);
                }
            }
        }
        if let Some(c) = &data.couplings {
            for i in 0..n {
                for j in i + 1..n {
                    let target = |k: usize| c[((p * n + i) * n + j) * d + k];
                    let overlap: f64 = (0..d).map(|k| a.couplings[k][(i, j)] * target(k)).sum();
                    let sign = if overlap < 0.0 { -1.0 } else { 1.0 };
                    coupling += (0..d)
                        .map(|k| (a.couplings[k][(i, j)] - sign * target(k)).powi(2))
                        .sum::<f64>();
                }
            }
        }
    }
    let points = data.len() as f64;
    let pairs = (n * (n - 1) / 2) as f64;
    FitMetrics {
        points: data.len(),
        rmse_energy: (energy / (points * n as f64)).sqrt(),
        rmse_gradient: data
            .gradients
            .as_ref()
            .map(|_| (gradient / (points * (n * d) as f64)).sqrt()),
        rmse_coupling: data
            .couplings
            .as_ref()
            .map(|_| (coupling / (points * pairs * d as f64)).sqrt()),
        peak_coupling: data
            .couplings
            .as_ref()
            .map(|c| c.iter().fold(0.0f64, |m, v| m.max(v.abs()))),
    }
}

/// Number of reference values the loss constrains on `data` with these weights.
fn constrained_values(data: &DiabaticData, weights: &LossWeights) -> usize {
    let (n, d) = (data.n_states, data.n_dims);
    let mut per_point = n;
    if data.gradients.is_some() && weights.gradient > 0.0 {
        per_point += n * d;
    }
    if data.couplings.is_some() && weights.coupling > 0.0 {
        per_point += n * (n - 1) / 2 * d;
    }
    data.len() * per_point
}

/// Fits a network to `data`. `observer` sees every validation check and may stop the
/// fit (the best parameters so far are kept).
pub fn fit(
    data: &DiabaticData,
    settings: &FitSettings,
    observer: &mut dyn FnMut(&FitCheck) -> ControlFlow<()>,
) -> Result<FitReport> {
    settings.check()?;
    let started = Instant::now();
    let (train_indices, validation_indices) =
        split(data.len(), settings.validation_fraction, settings.seed);
    if train_indices.is_empty()
        || (settings.validation_fraction > 0.0 && validation_indices.is_empty())
    {
        return Err(Error::invalid(
            "training.validation_fraction",
            format!(
                "{} geometries are too few to hold out {}; add points or set validation_fraction = 0",
                data.len(),
                settings.validation_fraction
            ),
        ));
    }
    let train = data.subset(&train_indices);
    let validation = data.subset(&validation_indices);
    let architecture = Architecture {
        n_states: data.n_states,
        n_dims: data.n_dims,
        hidden: settings.hidden.clone(),
        activation: settings.activation,
    };
    let scaling = scaling_from(&train);
    let scales = loss_scales(&train, &scaling);
    let mut net = DiabaticNet::new(architecture, scaling, settings.seed)?;
    let mut warnings = Vec::new();
    let values = constrained_values(&train, &settings.weights);
    let parameters = net.parameters().len();
    if values < parameters && settings.weight_decay == 0.0 {
        warnings.push(format!(
            "the network has {parameters} parameters but the {} training geometries give only \
             {values} reference values, and there is no regularization: the fit is \
             underdetermined between the points, and only the validation error tells how well \
             it generalizes. Add points, use smaller hidden layers, or set \
             training.weight_decay (e.g. 1e-10)",
            train.len()
        ));
    }

    let mut objective = Objective::new(
        &net,
        &train,
        &settings.weights,
        &scales,
        settings.weight_decay,
    );
    let prefit = settings.prefit_epochs > 0 && objective.use_couplings;
    if prefit {
        let propagated = propagate(&train)?;
        let (n, m) = (train.n_states, train.n_states * (train.n_states + 1) / 2);
        let mut targets = vec![0.0; train.len() * m];
        for (p, h) in propagated.matrices.chunks(n * n).enumerate() {
            for a in 0..n {
                for b in a..n {
                    targets[p * m + entry_index(n, a, b)] = h[a * n + b];
                }
            }
        }
        objective.targets = Some(targets);
    }
    let mut held_out = (!validation.is_empty())
        .then(|| Objective::new(&net, &validation, &settings.weights, &scales, 0.0));
    let mut history = Vec::new();
    // Records a check and says whether to go on.
    let mut check = |phase: &'static str,
                     start: usize,
                     step: usize,
                     train_loss: f64,
                     parameters: &[f64],
                     best: &mut (f64, Vec<f64>),
                     stale: &mut usize|
     -> Result<Verdict> {
        if !train_loss.is_finite() {
            return Err(Error::Numerical(format!(
                "the training loss became {train_loss} at {phase} step {step}; lower training.learning_rate"
            )));
        }
        let validation_loss = held_out.as_mut().map(|o| o.evaluate(parameters, None));
        let score = validation_loss.unwrap_or(train_loss);
        if score < best.0 {
            *best = (score, parameters.to_vec());
            *stale = 0;
        } else {
            *stale += 1;
        }
        let entry = FitCheck {
            phase,
            start,
            step,
            train_loss,
            validation_loss,
        };
        history.push(entry);
        Ok(if observer(&entry).is_break() {
            Verdict::Stop
        } else if *stale >= settings.patience {
            Verdict::Patience
        } else {
            Verdict::Continue
        })
    };

    // Adam from each start; the best validation point of the best start goes on.
    let decay = if settings.adam_epochs > 1 {
        (settings.final_learning_rate / settings.learning_rate)
            .powf(1.0 / (settings.adam_epochs - 1) as f64)
    } else {
        1.0
    };
    let mut best = (f64::INFINITY, Vec::new());
    let mut start_losses = Vec::with_capacity(settings.starts);
    let (mut chosen_start, mut adam_epochs) = (0, 0);
    let mut stopped = false;
    let mut gradient = vec![0.0; parameters];
    for start in 0..settings.starts {
        let mut parameters = if start == 0 {
            net.parameters().to_vec()
        } else {
            let seed = stream_seed(settings.seed, start as u64);
            DiabaticNet::new(net.architecture().clone(), net.scaling().clone(), seed)?
                .parameters()
                .to_vec()
        };
        if prefit {
            let mut adam = Adam::new(parameters.len());
            let mut rate = settings.learning_rate;
            for epoch in 0..settings.prefit_epochs {
                let loss = objective.evaluate_prefit(&parameters, &mut gradient);
                if !loss.is_finite() || gradient.iter().any(|g| !g.is_finite()) {
                    return Err(Error::Numerical(format!(
                        "the prefit loss or its gradient became {loss} at epoch {epoch} \
                         (start {start}); lower training.learning_rate"
                    )));
                }
                adam.step(&mut parameters, &gradient, rate);
                rate *= decay;
            }
        }
        let mut own = (f64::INFINITY, parameters.clone());
        let mut own_stale = 0;
        let mut adam = Adam::new(parameters.len());
        let mut rate = settings.learning_rate;
        let mut epochs = 0;
        for epoch in 0..settings.adam_epochs {
            let loss = objective.evaluate(&parameters, Some(&mut gradient));
            if !loss.is_finite() || gradient.iter().any(|g| !g.is_finite()) {
                return Err(Error::Numerical(format!(
                    "the training loss or its gradient became {loss} at Adam epoch {epoch} \
                     (start {start}); lower training.learning_rate"
                )));
            }
            if epoch % settings.check_every == 0 {
                match check(
                    "adam",
                    start,
                    epoch,
                    loss,
                    &parameters,
                    &mut own,
                    &mut own_stale,
                )? {
                    Verdict::Continue => {}
                    Verdict::Patience => break,
                    Verdict::Stop => {
                        stopped = true;
                        break;
                    }
                }
            }
            adam.step(&mut parameters, &gradient, rate);
            rate *= decay;
            epochs = epoch + 1;
        }
        start_losses.push(own.0);
        if start == 0 || own.0 < best.0 {
            best = own;
            chosen_start = start;
            adam_epochs = epochs;
        }
        if stopped {
            break;
        }
    }

    let mut refine_iterations = 0;
    if !stopped && settings.refine_iterations > 0 {
        // The second stage starts from the best Adam point.
        let mut stale = 0;
        let start = best.1.clone();
        let phase = settings.refiner.name();
        // Runs the solver's `step` (stalled?, value, x) with checks every `cadence`
        // iterations, at a stall and at the end; returns the iterations run.
        let mut refine = |cadence: usize,
                          start_value: f64,
                          step: &mut dyn FnMut() -> Result<(bool, f64, Vec<f64>)>|
         -> Result<usize> {
            if check(
                phase,
                chosen_start,
                0,
                start_value,
                &start,
                &mut best,
                &mut stale,
            )? != Verdict::Continue
            {
                return Ok(0);
            }
            let last = settings.refine_iterations;
            for iteration in 1..=last {
                let (stalled, value, x) = step()?;
                if (stalled || iteration % cadence == 0 || iteration == last)
                    && (check(
                        phase,
                        chosen_start,
                        iteration,
                        value,
                        &x,
                        &mut best,
                        &mut stale,
                    )? != Verdict::Continue
                        || stalled)
                {
                    return Ok(iteration);
                }
            }
            Ok(last)
        };
        refine_iterations = match settings.refiner {
            Refiner::Lbfgs => {
                let mut evaluate = |x: &[f64], g: &mut [f64]| objective.evaluate(x, Some(g));
                let lbfgs = LbfgsSettings {
                    memory: settings.lbfgs_memory,
                    ..LbfgsSettings::default()
                };
                let mut solver = Lbfgs::new(lbfgs, start.clone(), &mut evaluate)?;
                let value = solver.value();
                refine(settings.check_every, value, &mut || {
                    let stalled = solver.step(&mut evaluate)? == LbfgsStep::Stalled;
                    Ok((stalled, solver.value(), solver.x().to_vec()))
                })?
            }
            Refiner::LevenbergMarquardt => {
                let mut problem = |x: &[f64], j: Option<&mut Vec<f64>>| objective.residuals(x, j);
                let lm = LmSettings {
                    ridge: settings.weight_decay,
                    ..LmSettings::default()
                };
                let mut solver = LevenbergMarquardt::new(lm, start.clone(), &mut problem)?;
                let value = solver.value();
                // Each iteration costs a Jacobian: check every one.
                refine(1, value, &mut || {
                    let stalled = solver.step(&mut problem)? == LmStep::Stalled;
                    Ok((stalled, solver.value(), solver.x().to_vec()))
                })?
            }
        };
    }
    net.set_parameters(&best.1);
    let train_metrics = metrics(&net, &train);
    let validation_metrics = (!validation.is_empty()).then(|| metrics(&net, &validation));
    Ok(FitReport {
        net,
        train_indices,
        validation_indices,
        prefit_epochs: if prefit { settings.prefit_epochs } else { 0 },
        adam_epochs,
        start_losses,
        chosen_start,
        refiner: settings.refiner,
        refine_iterations,
        train: train_metrics,
        validation: validation_metrics,
        seconds: started.elapsed().as_secs_f64(),
        warnings,
        history,
    })
}
