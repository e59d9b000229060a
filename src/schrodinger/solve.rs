//! One Schrödinger run: choose the box and resolution from the initial state (or
//! check the user's against it), propagate with the chosen method, and measure the
//! norm, the mean position and the error against an independent reference at each
//! requested time.
//!
//! Every method works on a uniform grid per direction: the plane-wave lattice's
//! collocation points, the sinc-DVR grid, the split-operator grid, or the PINN's
//! evaluation grid. A grid of spacing `Δ` resolves wave numbers `|k| ≤ π/Δ`; the
//! plane-wave lattice is centred on the state's mean wave number instead, and
//! resolves `|k − k_c| ≤ Nπ/L·2`.

use super::eigenbasis::{coherent_state, EigenbasisNet};
use super::fit::{tensor_points, Lattice1d, TensorFit};
use super::initial::{Extent, InitialState, Widths};
use super::pinn::{Pinn, PinnSettings};
use super::plane_wave::Units;
use super::potential::Potential;
use super::split_operator::{SplitOperator, SplitOperator2d};
use super::trainable::{fit_trainable, TrainableSettings};
use crate::error::{Error, Result};
use num_complex::Complex64;
use std::f64::consts::PI;
use std::ops::ControlFlow;
use std::time::Instant;

/// Most grid points per direction for the eigenbasis method (dense diagonalization).
const MAX_DVR_POINTS: usize = 8192;

/// Most values of ψ kept per snapshot (larger grids are thinned by a stride).
const MAX_SNAPSHOT_VALUES: usize = 1 << 20;

/// Most grid points (plane waves) per direction.
const MAX_POINTS: f64 = (1u64 << 22) as f64;

/// Fraction of the box, at each end, counted as its edge in [`TimeSample::edge_mass`].
const EDGE_FRACTION: f64 = 0.05;

/// Norm fraction at the edge above which the run warns that the box is too small.
const EDGE_WARNING: f64 = 1e-10;

/// How ψ is represented and propagated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// Free plane waves (exact free evolution of the fitted state, 1–3 D).
    PlaneWave,
    /// Eigenstates of the discretized Hamiltonian (1 D, any potential).
    Eigenbasis,
    /// Split-operator Fourier propagation (1 D, any potential).
    SplitOperator,
    /// Residual-loss physics-informed MLP (1 D, baseline).
    Pinn,
}

impl Method {
    /// Every method, with its command-line name.
    pub const ALL: [(&'static str, Method); 4] = [
        ("plane-wave", Method::PlaneWave),
        ("eigenbasis", Method::Eigenbasis),
        ("split-operator", Method::SplitOperator),
        ("pinn", Method::Pinn),
    ];

    /// The command-line name.
    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, m)| *m == self)
            .map(|(n, _)| *n)
            .expect("every method is named")
    }
}

/// Wave vectors of a plane-wave network.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Basis {
    /// The lattice `k_c + 2πn/L` of the periodic box (fit = discrete Fourier transform).
    Lattice,
    /// `waves` wave vectors trained by Adam with the coefficients (1 D).
    Trainable {
        /// Number of plane waves.
        waves: usize,
        /// Training settings.
        settings: TrainableSettings,
    },
}

/// A validated Schrödinger problem.
#[derive(Clone, Debug)]
pub struct SchrodingerSpec {
    /// Method.
    pub method: Method,
    /// `ħ` and `m`.
    pub units: Units,
    /// `ψ(x, 0)`.
    pub initial: InitialState,
    /// `V(x)` (1 D).
    pub potential: Potential,
    /// Output times, ascending.
    pub times: Vec<f64>,
    /// Box `[start, end]` per direction (default: from the initial state).
    pub domain: Option<Vec<(f64, f64)>>,
    /// Grid points (plane waves) per direction (default: from the initial state).
    pub points: Option<Vec<usize>>,
    /// Plane-wave basis.
    pub basis: Basis,
    /// Split-operator time step (default: `0.1ħ/E_max`; one step for `V = 0`).
    pub dt: Option<f64>,
    /// PINN settings.
    pub pinn: PinnSettings,
}

/// Measurements at one time.
#[derive(Clone, Debug, PartialEq)]
pub struct TimeSample {
    /// Time.
    pub t: f64,
    /// `∫|ψ|² dx`.
    pub norm: f64,
    /// `⟨x⟩ = ∫x|ψ|² dx / ∫|ψ|² dx`, per direction.
    pub mean_x: Vec<f64>,
    /// `‖ψ − ψ_ref‖/‖ψ_ref‖` on the evaluation grid, when a reference applies.
    pub relative_l2_error: Option<f64>,
    /// Fraction of the norm within 5% of the box's edges.
    pub edge_mass: f64,
}

/// The result of a run.
#[derive(Clone, Debug)]
pub struct SchrodingerReport {
    /// Method used.
    pub method: Method,
    /// Number of spatial dimensions.
    pub dim: usize,
    /// Plane waves, eigenstates, grid points or network parameters.
    pub size: usize,
    /// What the fit left: relative L2 misfit of ψ(x, 0) (on points the fit did not see
    /// where the initial state is known off the grid), or the PINN's final loss; none
    /// for split-operator propagation, which starts from ψ(x, 0) itself.
    pub fit_residual: Option<f64>,
    /// Wall time of fitting/training and propagation to every time (references
    /// excluded).
    pub seconds: f64,
    /// What `relative_l2_error` compares with.
    pub reference: Option<&'static str>,
    /// The box `[start, end]` per direction.
    pub domain: Vec<(f64, f64)>,
    /// Grid points (plane waves) per direction.
    pub points: Vec<usize>,
    /// Measurements per time.
    pub samples: Vec<TimeSample>,
    /// Snapshot grid per direction (the evaluation grid, thinned if large).
    pub snapshot_axes: Vec<Vec<f64>>,
    /// `ψ` on the snapshot grid (row-major), per time.
    pub snapshots: Vec<Vec<Complex64>>,
    /// Time step used (split-operator).
    pub dt: Option<f64>,
    /// Things the user should know (box too small, under-resolved input).
    pub warnings: Vec<String>,
}

/// A uniform periodic grid along one direction: `start + jL/M`, `j < M`.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Axis {
    start: f64,
    length: f64,
    points: usize,
}

impl Axis {
    fn spacing(&self) -> f64 {
        self.length / self.points as f64
    }

    fn grid(&self, offset: f64) -> Vec<f64> {
        (0..self.points)
            .map(|j| self.start + self.spacing() * (j as f64 + offset))
            .collect()
    }
}

impl SchrodingerSpec {
    /// Checks what the deck layer cannot: method against dimension and potential,
    /// times, and every parameter.
    pub fn check(&self) -> Result<()> {
        self.units.check()?;
        self.potential.check()?;
        let dim = self.initial.dim();
        if self.times.is_empty() {
            return Err(Error::invalid(
                "times",
                "no times; give e.g. times = [0, 1, 10]",
            ));
        }
        if let Some(t) = self.times.iter().find(|t| !(**t >= 0.0 && t.is_finite())) {
            return Err(Error::invalid(
                "times",
                format!("{t} is not a non-negative time"),
            ));
        }
        if self.times.windows(2).any(|w| w[1] < w[0]) {
            return Err(Error::invalid("times", "list the times in ascending order"));
        }
        if dim > 1 && !self.potential.is_free() {
            return Err(Error::invalid(
                "potential",
                format!("potentials are one-dimensional; this initial state has {dim} dimensions"),
            ));
        }
        match self.method {
            Method::PlaneWave => {
                if !self.potential.is_free() {
                    return Err(Error::invalid(
                        "potential",
                        "plane waves solve the free equation only; for a potential use \
                         --method eigenbasis or split-operator",
                    ));
                }
            }
            Method::SplitOperator if dim == 2 && self.potential.is_free() => {}
            other => {
                if dim != 1 {
                    return Err(Error::invalid(
                        "method",
                        format!(
                            "{} works in one dimension (split-operator also in two, for free \
                             motion); use plane-wave for {dim}-D states",
                            other.name()
                        ),
                    ));
                }
            }
        }
        if let Basis::Trainable { waves, settings } = self.basis {
            if self.method != Method::PlaneWave {
                return Err(Error::invalid(
                    "basis.kind",
                    "trainable wave vectors belong to the plane-wave method",
                ));
            }
            if dim != 1 {
                return Err(Error::invalid(
                    "basis.kind",
                    "trainable wave vectors are implemented in one dimension",
                ));
            }
            if waves == 0 {
                return Err(Error::invalid(
                    "basis.waves",
                    "the set of wave vectors is empty; give at least one (e.g. 64)",
                ));
            }
            settings.check()?;
        }
        if let Some(dt) = self.dt {
            if !(dt > 0.0 && dt.is_finite()) {
                return Err(Error::invalid(
                    "split_operator.dt",
                    format!("{dt} must be a positive time step"),
                ));
            }
        }
        if self.method == Method::Pinn {
            self.pinn.check()?;
            if self.t_max() <= 0.0 {
                return Err(Error::invalid(
                    "times",
                    "the PINN trains on [0, t_max]; give a time after 0",
                ));
            }
        }
        for (key, given) in [
            ("domain", self.domain.as_ref().map(Vec::len)),
            ("basis.points", self.points.as_ref().map(Vec::len)),
        ] {
            if let Some(n) = given {
                if n != dim {
                    return Err(Error::invalid(
                        key,
                        format!("{n} directions for a {dim}-dimensional initial state"),
                    ));
                }
            }
        }
        Ok(())
    }

    fn t_max(&self) -> f64 {
        self.times.iter().copied().fold(0.0, f64::max)
    }

    /// The box along direction `d`: the user's (checked to hold the state to the
    /// minimum widths) or the converged default.
    fn box_along(&self, d: usize) -> Result<(f64, f64)> {
        let t = self.t_max();
        let need = |w| self.initial.extent(d, self.units, &self.potential, t, w);
        let (minimum, converged) = (need(Widths::MINIMUM), need(Widths::CONVERGED));
        if ![minimum.lo, minimum.hi, converged.lo, converged.hi]
            .iter()
            .all(|v| v.is_finite())
        {
            return Err(Error::invalid(
                "initial",
                "the state's extent over the times is not finite; check x0, p0, sigma and times",
            ));
        }
        let Some((start, end)) = self.domain.as_ref().map(|v| v[d]) else {
            return Ok((converged.lo, converged.hi));
        };
        if !(end > start && start.is_finite() && end.is_finite()) {
            return Err(Error::invalid(
                "domain",
                format!("[{start}, {end}] is not an interval; give start < end"),
            ));
        }
        if start > minimum.lo || end < minimum.hi {
            return Err(Error::invalid(
                "domain",
                format!(
                    "[{start}, {end}]{} does not hold the state up to t = {t}: it reaches \
                     [{:.4}, {:.4}]; give at least that (converged default [{:.4}, {:.4}])",
                    direction(d, self.initial.dim()),
                    minimum.lo,
                    minimum.hi,
                    converged.lo,
                    converged.hi
                ),
            ));
        }
        Ok((start, end))
    }

    /// Wave numbers the grid must resolve along `d`, to the minimum and converged widths.
    fn bands(&self, d: usize) -> (Extent, Extent) {
        let t = self.t_max();
        let need = |w| self.initial.extent(d, self.units, &self.potential, t, w);
        (need(Widths::MINIMUM), need(Widths::CONVERGED))
    }

    /// Grid along `d` for a method on a symmetric band `|k| ≤ π/Δ`.
    fn grid_axis(&self, d: usize) -> Result<Axis> {
        if let InitialState::Sampled(s) = &self.initial {
            return self.sampled_axis(s, false);
        }
        let (start, end) = self.box_along(d)?;
        let length = end - start;
        let (minimum, converged) = self.bands(d);
        let k_min = minimum.k_lo.abs().max(minimum.k_hi.abs());
        let k_conv = converged.k_lo.abs().max(converged.k_hi.abs());
        let needed = |k: f64| grid_count(d, length, (length * k / PI).ceil() + 1.0);
        let points = match self.points.as_ref().map(|p| p[d]) {
            None => needed(k_conv)?,
            Some(m) => {
                let least = needed(k_min)?;
                if m < least {
                    return Err(self.aliasing(d, m, length, least, needed(k_conv)?));
                }
                m
            }
        };
        Ok(Axis {
            start,
            length,
            points: points.max(8),
        })
    }

    fn aliasing(&self, d: usize, m: usize, length: f64, least: usize, converged: usize) -> Error {
        let k = match &self.initial {
            InitialState::Gaussian(p) => format!(" (p0 = {}, sigma = {})", p.p0[d], p.sigma[d]),
            _ => String::new(),
        };
        Error::invalid(
            "basis.points",
            format!(
                "{m} points on a box of length {length:.4}{} are too coarse for the state's \
                 momentum{k}: its wave numbers would alias; use at least {least} points \
                 ({converged} for double precision), or leave basis.points out",
                direction(d, self.initial.dim())
            ),
        )
    }

    /// The file's grid, extended with zeros to the domain (and to an odd count for a
    /// plane-wave lattice).
    fn sampled_axis(&self, s: &super::initial::SampledState, odd: bool) -> Result<Axis> {
        if self.points.is_some() {
            return Err(Error::invalid(
                "basis.points",
                "the grid of a file initial state is the file's own; remove basis.points \
                 (extend the box with domain instead)",
            ));
        }
        let (lo, hi) = self.box_along(0)?;
        let h = s.spacing;
        let last = s.start + h * (s.values.len() - 1) as f64;
        if lo > s.start + 1e-9 * h || hi < last - 1e-9 * h {
            return Err(Error::invalid(
                "domain",
                format!(
                    "[{lo}, {hi}] cuts the file's grid [{}, {last}]; the box must contain it",
                    s.start
                ),
            ));
        }
        let left = ((s.start - lo) / h - 1e-9).ceil().max(0.0);
        let right = ((hi - last) / h - 1e-9).ceil().max(0.0);
        let mut points = grid_count(0, hi - lo, left + s.values.len() as f64 + right)?;
        let left = left as usize;
        if odd && points % 2 == 0 {
            points += 1;
        }
        Ok(Axis {
            start: s.start - h * left as f64,
            length: h * points as f64,
            points,
        })
    }

    /// Plane-wave lattice along `d`: centred on the state's mean wave number.
    fn lattice_axis(&self, d: usize) -> Result<Lattice1d> {
        if let InitialState::Sampled(s) = &self.initial {
            let axis = self.sampled_axis(s, true)?;
            return Ok(Lattice1d {
                start: axis.start,
                length: axis.length,
                center: 0.0,
                half_count: axis.points / 2,
            });
        }
        let (start, end) = self.box_along(d)?;
        let length = end - start;
        let dk = 2.0 * PI / length;
        let (minimum, converged) = self.bands(d);
        let center = (0.5 * (converged.k_lo + converged.k_hi) / dk).round() * dk;
        let half = |e: Extent| {
            let n = ((e.k_hi - center).max(center - e.k_lo) / dk).ceil();
            grid_count(d, length, 2.0 * n + 1.0).map(|m| m / 2)
        };
        let half_count = match self.points.as_ref().map(|p| p[d]) {
            None => half(converged)?,
            Some(m) => {
                if m % 2 == 0 {
                    return Err(Error::invalid(
                        "basis.points",
                        format!(
                            "{m}: a plane-wave lattice has an odd number 2N + 1 of waves; use {}",
                            m + 1
                        ),
                    ));
                }
                let least = half(minimum)?;
                if m / 2 < least {
                    return Err(self.aliasing(
                        d,
                        m,
                        length,
                        2 * least + 1,
                        2 * half(converged)? + 1,
                    ));
                }
                m / 2
            }
        };
        Ok(Lattice1d {
            start,
            length,
            center,
            half_count,
        })
    }

    /// The box `[start, end]` and number of grid points (plane waves) per direction
    /// that [`solve`] will use, after the same checks (too small a box, aliasing).
    pub fn discretization(&self) -> Result<Vec<(f64, f64, usize)>> {
        self.check()?;
        (0..self.initial.dim())
            .map(|d| {
                let (start, length, points) = match (self.method, self.basis) {
                    (Method::PlaneWave, Basis::Lattice) => {
                        let l = self.lattice_axis(d)?;
                        (l.start, l.length, l.len())
                    }
                    _ => {
                        let a = self.grid_axis(d)?;
                        (a.start, a.length, a.points)
                    }
                };
                Ok((start, start + length, points))
            })
            .collect()
    }

    /// `ψ(x, 0)` at a grid point.
    fn psi0(&self, x: &[f64]) -> Complex64 {
        self.initial.value(x, self.units).unwrap_or_default()
    }

    /// `V(x)`.
    fn v(&self, x: f64) -> f64 {
        self.potential.value(x, self.units.mass)
    }

    /// Default split-operator step: `0.1ħ/E_max` with `E_max` the largest kinetic
    /// energy on the grid plus the largest `|V|`; one step for free motion (exact).
    fn default_dt(&self, axis: &Axis) -> f64 {
        if self.potential.is_free() {
            return self.t_max().max(f64::MIN_POSITIVE);
        }
        let k = PI / axis.spacing();
        let kinetic = self.units.hbar * self.units.hbar * k * k / (2.0 * self.units.mass);
        let v = axis
            .grid(0.0)
            .iter()
            .map(|&x| self.v(x).abs())
            .fold(0.0, f64::max);
        0.1 * self.units.hbar / (kinetic + v)
    }
}

/// A grid size computed in floating point, refused when it is not finite or above
/// [`MAX_POINTS`].
fn grid_count(d: usize, length: f64, points: f64) -> Result<usize> {
    if points.is_finite() && points <= MAX_POINTS {
        return Ok(points as usize);
    }
    Err(Error::invalid(
        "basis.points",
        format!(
            "the state needs {points:.3e} grid points on a box of length {length:.3e} (direction {}); \
             at most {MAX_POINTS:.0} are supported: shorten the times, narrow the momentum \
             spread (larger sigma) or the box",
            d + 1
        ),
    ))
}

fn direction(d: usize, dim: usize) -> String {
    if dim == 1 {
        String::new()
    } else {
        format!(" (direction {})", ["x", "y", "z"][d])
    }
}

/// A split-operator propagator in one or two dimensions.
enum Grid {
    One(SplitOperator),
    Two(SplitOperator2d),
}

/// A representation that gives ψ on the evaluation grid at any time.
enum Propagator {
    Lattice(TensorFit),
    Net(super::plane_wave::PlaneWaveNet),
    Eigen(EigenbasisNet),
    Split {
        operator: Grid,
        psi: Vec<Complex64>,
        t: f64,
        dt: f64,
    },
    Pinn(Pinn),
}

/// Runs `spec`; `observer(epoch, loss)` sees PINN and wave-vector training and may
/// stop it early.
pub fn solve(
    spec: &SchrodingerSpec,
    observer: &mut dyn FnMut(usize, f64) -> ControlFlow<()>,
) -> Result<SchrodingerReport> {
    spec.check()?;
    let dim = spec.initial.dim();
    let units = spec.units;
    let mut warnings = Vec::new();
    if let InitialState::Sampled(s) = &spec.initial {
        let nyquist = PI / s.spacing;
        let dk = 2.0 * PI / (s.spacing * s.values.len() as f64);
        if s.band.1 >= nyquist - 2.0 * dk || s.band.0 <= -nyquist + 2.0 * dk {
            warnings.push(format!(
                "the file's ψ(x, 0) has momentum up to the grid's limit π/Δ = {nyquist:.4}: \
                 it may be under-resolved; sample it more finely"
            ));
        }
    }
    let started = Instant::now();
    // Build the representation and the evaluation grid (per direction).
    let (mut propagator, axes, eval_axes, size, fit_residual) = match (spec.method, spec.basis) {
        (Method::PlaneWave, Basis::Lattice) => {
            let lattices: Vec<Lattice1d> = (0..dim)
                .map(|d| spec.lattice_axis(d))
                .collect::<Result<_>>()?;
            let axes: Vec<Axis> = lattices
                .iter()
                .map(|l| Axis {
                    start: l.start,
                    length: l.length,
                    points: l.len(),
                })
                .collect();
            let sampled = matches!(spec.initial, InitialState::Sampled(_));
            let fit = if sampled {
                TensorFit::interpolating(lattices, units, |x| spec.psi0(x))?
            } else {
                TensorFit::new(lattices, units, |x| spec.psi0(x))?
            };
            // Off-grid points where the initial state is known; the file's grid otherwise.
            let offset = if sampled { 0.0 } else { 0.5 };
            let eval: Vec<Vec<f64>> = axes.iter().map(|a| a.grid(offset)).collect();
            let (size, residual) = (fit.coefficients.len(), fit.residual);
            (Propagator::Lattice(fit), axes, eval, size, Some(residual))
        }
        (Method::PlaneWave, Basis::Trainable { waves, settings }) => {
            let axis = spec.grid_axis(0)?;
            let points = axis.grid(0.0);
            let values: Vec<Complex64> = points.iter().map(|&x| spec.psi0(&[x])).collect();
            let (_, converged) = spec.bands(0);
            let initial_k: Vec<f64> = (0..waves)
                .map(|q| {
                    converged.k_lo
                        + (converged.k_hi - converged.k_lo) * (q as f64 + 0.5) / waves as f64
                })
                .collect();
            let fit = fit_trainable(1, initial_k, &points, &values, settings, units, observer)?;
            let eval = vec![axis.grid(0.5)];
            (
                Propagator::Net(fit.net),
                vec![axis],
                eval,
                waves,
                Some(fit.residual),
            )
        }
        (Method::Eigenbasis, _) => {
            let axis = spec.grid_axis(0)?;
            if axis.points > MAX_DVR_POINTS {
                return Err(Error::invalid(
                    "basis.points",
                    format!(
                        "{} grid points; the eigenbasis method diagonalizes densely and \
                         takes at most {MAX_DVR_POINTS}: shorten the times, narrow the \
                         domain, or use split-operator",
                        axis.points
                    ),
                ));
            }
            let end = axis.start + axis.spacing() * (axis.points - 1) as f64;
            let net = EigenbasisNet::new(
                axis.start,
                end,
                axis.points,
                units,
                |x| spec.v(x),
                |x| spec.psi0(&[x]),
            )?;
            let grid = net.grid.clone();
            let fitted = net.psi_on_grid(0.0);
            let target: Vec<Complex64> = grid.iter().map(|&x| spec.psi0(&[x])).collect();
            let residual = relative_distance(&fitted, &target);
            (
                Propagator::Eigen(net),
                vec![axis],
                vec![grid],
                axis.points,
                Some(residual),
            )
        }
        (Method::SplitOperator, _) if dim == 2 => {
            let axes = [spec.grid_axis(0)?, spec.grid_axis(1)?];
            let operator = SplitOperator2d::new(
                [axes[0].start, axes[1].start],
                [axes[0].length, axes[1].length],
                [axes[0].points, axes[1].points],
                units,
                |_, _| 0.0,
            )?;
            let psi: Vec<Complex64> = tensor_points(&operator.axes)
                .iter()
                .map(|x| spec.psi0(x))
                .collect();
            let dt = spec.dt.unwrap_or_else(|| spec.default_dt(&axes[0]));
            let eval = operator.axes.to_vec();
            let size = axes[0].points * axes[1].points;
            (
                Propagator::Split {
                    operator: Grid::Two(operator),
                    psi,
                    t: 0.0,
                    dt,
                },
                axes.to_vec(),
                eval,
                size,
                None,
            )
        }
        (Method::SplitOperator, _) => {
            let axis = spec.grid_axis(0)?;
            let operator =
                SplitOperator::new(axis.start, axis.length, axis.points, units, |x| spec.v(x))?;
            let psi: Vec<Complex64> = operator.grid.iter().map(|&x| spec.psi0(&[x])).collect();
            let dt = spec.dt.unwrap_or_else(|| spec.default_dt(&axis));
            let grid = operator.grid.clone();
            (
                Propagator::Split {
                    operator: Grid::One(operator),
                    psi,
                    t: 0.0,
                    dt,
                },
                vec![axis],
                vec![grid],
                axis.points,
                None,
            )
        }
        (Method::Pinn, _) => {
            let axis = spec.grid_axis(0)?;
            let (pinn, report) = Pinn::train(
                &spec.pinn,
                units,
                (axis.start, axis.start + axis.length),
                spec.t_max(),
                |x| spec.v(x),
                |x| spec.psi0(&[x]),
                observer,
            )?;
            let size = pinn.n_parameters();
            (
                Propagator::Pinn(pinn),
                vec![axis],
                vec![axis.grid(0.0)],
                size,
                Some(report.final_loss.total),
            )
        }
    };
    let mut psis = Vec::with_capacity(spec.times.len());
    for &t in &spec.times {
        psis.push(propagator.psi(&eval_axes, t)?);
    }
    let seconds = started.elapsed().as_secs_f64();
    let dt = match &propagator {
        Propagator::Split { dt, .. } => Some(*dt),
        _ => None,
    };
    let (reference_name, reference) = reference(spec, &eval_axes)?;
    let cell: f64 = eval_axes
        .iter()
        .zip(&axes)
        .map(|(g, a)| a.length / g.len() as f64)
        .product();
    let mut samples = Vec::with_capacity(spec.times.len());
    for (i, (&t, psi)) in spec.times.iter().zip(&psis).enumerate() {
        let (norm, mean_x, edge_mass) = moments(psi, &eval_axes, &axes, cell);
        let relative_l2_error = reference.as_ref().map(|r| relative_distance(psi, &r(i, t)));
        if edge_mass > EDGE_WARNING {
            warnings.push(format!(
                "at t = {t}, {edge_mass:.1e} of the norm is within {}% of the box's edge: \
                 the box may be too small (widen domain)",
                100.0 * EDGE_FRACTION
            ));
        }
        samples.push(TimeSample {
            t,
            norm,
            mean_x,
            relative_l2_error,
            edge_mass,
        });
    }
    let (snapshot_axes, snapshots) = thin(&eval_axes, psis);
    Ok(SchrodingerReport {
        method: spec.method,
        dim,
        size,
        fit_residual,
        seconds,
        reference: reference_name,
        domain: axes.iter().map(|a| (a.start, a.start + a.length)).collect(),
        points: axes.iter().map(|a| a.points).collect(),
        samples,
        snapshot_axes,
        snapshots,
        dt,
        warnings,
    })
}

impl Propagator {
    /// ψ on the tensor grid `eval` at time `t` (times in ascending order).
    fn psi(&mut self, eval: &[Vec<f64>], t: f64) -> Result<Vec<Complex64>> {
        Ok(match self {
            Propagator::Lattice(fit) => fit.psi_on_grid(eval, t),
            Propagator::Net(net) => net.psi_at(&eval[0], t),
            Propagator::Eigen(net) => net.psi_on_grid(t),
            Propagator::Split {
                operator,
                psi,
                t: now,
                dt,
            } => {
                *psi = match operator {
                    Grid::One(o) => o.propagate(psi, t - *now, *dt)?,
                    Grid::Two(o) => o.propagate(psi, t - *now, *dt)?,
                };
                *now = t;
                psi.clone()
            }
            Propagator::Pinn(pinn) => pinn.psi_at(&eval[0], t),
        })
    }
}

/// A reference solution on the evaluation grid: `(name, ψ_ref(time index, t))`.
type Reference<'a> = Box<dyn Fn(usize, f64) -> Vec<Complex64> + 'a>;

/// The closed form (free packets), the coherent state (a harmonic well), or a
/// split-operator propagation on the evaluation grid (any other 1-D case, for the
/// methods that are not split-operator themselves).
fn reference<'a>(
    spec: &'a SchrodingerSpec,
    eval: &'a [Vec<f64>],
) -> Result<(Option<&'static str>, Option<Reference<'a>>)> {
    let units = spec.units;
    let points = || tensor_points(eval);
    if spec.potential.is_free() && !matches!(spec.initial, InitialState::Sampled(_)) {
        let all = points();
        let f: Reference<'a> = Box::new(move |_, t| {
            all.iter()
                .map(|x| spec.initial.free_evolution(x, t, units).unwrap_or_default())
                .collect()
        });
        return Ok((Some("closed form"), Some(f)));
    }
    if let (Some((x0, p0)), Potential::Harmonic { omega, center }) = (
        spec.initial.coherent(&spec.potential, units),
        spec.potential,
    ) {
        let f: Reference<'a> = Box::new(move |_, t| {
            eval[0]
                .iter()
                .map(|&x| coherent_state(units, omega, x0, p0, x - center, t))
                .collect()
        });
        return Ok((Some("coherent state"), Some(f)));
    }
    if spec.method == Method::SplitOperator || spec.initial.dim() != 1 {
        return Ok((None, None));
    }
    // Split-operator on the same (uniform) evaluation grid, its box being the method's.
    let grid = &eval[0];
    let h = grid[1] - grid[0];
    let axis = Axis {
        start: grid[0],
        length: h * grid.len() as f64,
        points: grid.len(),
    };
    let operator = SplitOperator::new(axis.start, axis.length, axis.points, units, |x| spec.v(x))?;
    let dt = spec.dt.unwrap_or_else(|| spec.default_dt(&axis));
    let mut psi: Vec<Complex64> = grid.iter().map(|&x| spec.psi0(&[x])).collect();
    let mut states = Vec::with_capacity(spec.times.len());
    let mut now = 0.0;
    for &t in &spec.times {
        psi = operator.propagate(&psi, t - now, dt)?;
        now = t;
        states.push(psi.clone());
    }
    let f: Reference<'a> = Box::new(move |i, _| states[i].clone());
    Ok((Some("split-operator"), Some(f)))
}

/// `‖a − b‖/‖b‖`.
fn relative_distance(a: &[Complex64], b: &[Complex64]) -> f64 {
    let diff: f64 = a.iter().zip(b).map(|(x, y)| (x - y).norm_sqr()).sum();
    let norm: f64 = b.iter().map(|y| y.norm_sqr()).sum();
    (diff / norm.max(f64::MIN_POSITIVE)).sqrt()
}

/// Norm, mean position per direction, and the norm fraction near the box's edges.
fn moments(psi: &[Complex64], eval: &[Vec<f64>], axes: &[Axis], cell: f64) -> (f64, Vec<f64>, f64) {
    let dim = eval.len();
    let shape: Vec<usize> = eval.iter().map(Vec::len).collect();
    let (mut total, mut edge) = (0.0, 0.0);
    let mut first = vec![0.0; dim];
    for (flat, z) in psi.iter().enumerate() {
        let p = z.norm_sqr();
        total += p;
        let mut rest = flat;
        let mut near_edge = false;
        for d in (0..dim).rev() {
            let j = rest % shape[d];
            rest /= shape[d];
            let x = eval[d][j];
            first[d] += x * p;
            let a = &axes[d];
            let margin = EDGE_FRACTION * a.length;
            near_edge |= x < a.start + margin || x > a.start + a.length - margin;
        }
        if near_edge {
            edge += p;
        }
    }
    let safe = total.max(f64::MIN_POSITIVE);
    (
        total * cell,
        first.iter().map(|m| m / safe).collect(),
        edge / safe,
    )
}

/// Keeps every `s`-th point per direction so that a snapshot holds at most
/// [`MAX_SNAPSHOT_VALUES`] values.
fn thin(eval: &[Vec<f64>], psis: Vec<Vec<Complex64>>) -> (Vec<Vec<f64>>, Vec<Vec<Complex64>>) {
    let total: usize = eval.iter().map(Vec::len).product();
    if total <= MAX_SNAPSHOT_VALUES {
        return (eval.to_vec(), psis);
    }
    let stride =
        ((total as f64 / MAX_SNAPSHOT_VALUES as f64).powf(1.0 / eval.len() as f64)).ceil() as usize;
    let kept: Vec<Vec<usize>> = eval
        .iter()
        .map(|g| (0..g.len()).step_by(stride).collect())
        .collect();
    let axes = eval
        .iter()
        .zip(&kept)
        .map(|(g, k)| k.iter().map(|&j| g[j]).collect())
        .collect();
    let shape: Vec<usize> = eval.iter().map(Vec::len).collect();
    let indices = tensor_points(
        &kept
            .iter()
            .map(|k| k.iter().map(|&j| j as f64).collect())
            .collect::<Vec<_>>(),
    );
    let flat: Vec<usize> = indices
        .iter()
        .map(|ix| {
            ix.iter()
                .zip(&shape)
                .fold(0, |acc, (&j, &n)| acc * n + j as usize)
        })
        .collect();
    let snapshots = psis
        .into_iter()
        .map(|psi| flat.iter().map(|&f| psi[f]).collect())
        .collect();
    (axes, snapshots)
}
