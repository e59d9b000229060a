//! Fitting a [`PlaneWaveNet`] to an initial state in one dimension, on a periodic
//! box `[a, a + L)` with wave vectors on the lattice `kₙ = k_c + 2πn/L`, `|n| ≤ N`.
//! These units are orthogonal on the box, and with `2N + 1` uniform collocation
//! points the least-squares fit is the discrete Fourier transform
//! `cₙ = (1/M) Σⱼ ψ₀(xⱼ) e^{−ikₙxⱼ}` (exact interpolation, `M = 2N + 1`).
//!
//! The evolved network is the exact solution of the periodic problem, so it matches
//! the free (non-periodic) evolution as long as the packet stays inside the box.
//! [`Lattice1d::for_packet`] sizes the box from the packet's trajectory and spreading
//! up to the last requested time, and the lattice from its momentum spread.

use super::packet::GaussianPacket;
use super::plane_wave::{PlaneWaveNet, Units};
use crate::error::{Error, Result};
use num_complex::Complex64;
use rayon::prelude::*;

/// Envelope half-widths kept inside the box: `|ψ| ∝ e^{−x²/4σ²}` is below `10⁻¹⁵` of
/// its peak beyond `12σ`.
const POSITION_WIDTHS: f64 = 12.0;

/// Momentum half-widths covered by the lattice: `|φ(k)| ∝ e^{−σ²(k−k₀)²}` is below
/// `10⁻²¹` of its peak beyond `7/σ`.
const MOMENTUM_WIDTHS: f64 = 7.0;

/// Largest lattice accepted (`2N + 1` units).
const MAX_UNITS: usize = 1 << 20;

/// A periodic box and its wave-vector lattice.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Lattice1d {
    /// Left end `a` of the box.
    pub start: f64,
    /// Box length `L`.
    pub length: f64,
    /// Lattice centre `k_c` (the packet's mean wave vector, rounded to the lattice).
    pub center: f64,
    /// `N`: the lattice is `k_c + 2πn/L` for `|n| ≤ N`.
    pub half_count: usize,
}

impl Lattice1d {
    /// Box and lattice for a 1-D packet evolving freely up to `t_max`: the box holds
    /// ±12 widths of the spreading packet at every time in `[0, t_max]`, and the
    /// lattice covers ±7/σ around `p₀/ħ`.
    pub fn for_packet(packet: &GaussianPacket, units: Units, t_max: f64) -> Result<Self> {
        packet.check()?;
        if packet.x0.len() != 1 {
            return Err(Error::invalid(
                "initial",
                "the one-dimensional lattice fit needs a one-dimensional packet",
            ));
        }
        if !(t_max >= 0.0 && t_max.is_finite()) {
            return Err(Error::invalid(
                "times",
                format!("{t_max} must be a non-negative time"),
            ));
        }
        let (x0, p0, sigma) = (packet.x0[0], packet.p0[0], packet.sigma[0]);
        let velocity = p0 / units.mass;
        let tau = units.hbar * t_max / (2.0 * units.mass * sigma * sigma);
        let width = sigma * (1.0 + tau * tau).sqrt();
        let end = x0 + velocity * t_max;
        let left = x0.min(end) - POSITION_WIDTHS * width;
        let right = x0.max(end) + POSITION_WIDTHS * width;
        let length = right - left;
        let dk = 2.0 * std::f64::consts::PI / length;
        let half_count = (MOMENTUM_WIDTHS / sigma / dk).ceil() as usize;
        if 2 * half_count + 1 > MAX_UNITS {
            return Err(Error::invalid(
                "basis",
                format!(
                    "the packet needs {} plane waves (box {length:.3e}, Δk {dk:.2e}); \
                     shorten the times or widen sigma",
                    2 * half_count + 1
                ),
            ));
        }
        Ok(Self {
            start: left,
            length,
            center: (p0 / units.hbar / dk).round() * dk,
            half_count,
        })
    }

    /// Number of units `2N + 1` (also the number of collocation points).
    pub fn len(&self) -> usize {
        2 * self.half_count + 1
    }

    /// Whether the lattice is empty (never).
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The wave vectors `k_c + 2πn/L`, `n = −N..=N`.
    pub fn wave_vectors(&self) -> Vec<f64> {
        let dk = 2.0 * std::f64::consts::PI / self.length;
        let n = self.half_count as i64;
        (-n..=n).map(|j| self.center + dk * j as f64).collect()
    }

    /// The collocation points `a + jL/M`, `j < M`.
    pub fn points(&self) -> Vec<f64> {
        let m = self.len();
        (0..m)
            .map(|j| self.start + self.length * j as f64 / m as f64)
            .collect()
    }
}

/// The fitted network and the fit's quality.
#[derive(Clone, Debug)]
pub struct Fit {
    /// The network.
    pub net: PlaneWaveNet,
    /// Relative L2 misfit `‖ψ_net(·,0) − ψ₀‖/‖ψ₀‖` on the midpoints between
    /// collocation points (points the fit never saw).
    pub residual: f64,
}

/// Fits `psi0` on `lattice` (the discrete Fourier transform, computed directly in
/// `O(M²)` with each coefficient's sum in a fixed order).
pub fn fit_lattice(
    lattice: &Lattice1d,
    units: Units,
    psi0: impl Fn(f64) -> Complex64 + Sync,
) -> Result<Fit> {
    let points = lattice.points();
    let values: Vec<Complex64> = points.par_iter().map(|&x| psi0(x)).collect();
    if values.iter().any(|v| !v.is_finite()) {
        return Err(Error::invalid(
            "initial",
            "the initial state is not finite at some collocation point",
        ));
    }
    let ks = lattice.wave_vectors();
    let m = points.len() as f64;
    let coefficients: Vec<Complex64> = ks
        .par_iter()
        .map(|&k| {
            points
                .iter()
                .zip(&values)
                .map(|(&x, &v)| v * Complex64::from_polar(1.0, -k * x))
                .sum::<Complex64>()
                / m
        })
        .collect();
    let net = PlaneWaveNet::new(1, ks, coefficients, units)?;
    let h = lattice.length / m;
    let midpoints: Vec<f64> = points.iter().map(|x| x + 0.5 * h).collect();
    let fitted = net.psi_at(&midpoints, 0.0);
    let (mut diff, mut norm) = (0.0, 0.0);
    for (&x, f) in midpoints.iter().zip(&fitted) {
        let target = psi0(x);
        diff += (f - target).norm_sqr();
        norm += target.norm_sqr();
    }
    Ok(Fit {
        net,
        residual: (diff / norm.max(f64::MIN_POSITIVE)).sqrt(),
    })
}

/// A tensor product of 1-D lattices: the box `Π [aᵢ, aᵢ + Lᵢ)` in 1–3 dimensions with
/// wave vectors `k = (k₁ₙ₁, k₂ₙ₂, …)`. Because `ω(k) = ħ|k|²/2m` is a sum over
/// directions, both the fit and the evaluation on a tensor grid factor into 1-D
/// transforms, one direction at a time (`O(Mᵈ⁺¹)` instead of `O(M²ᵈ)`).
#[derive(Clone, Debug)]
pub struct TensorFit {
    /// The lattice in each direction.
    pub axes: Vec<Lattice1d>,
    /// Coefficients, row-major over the axes (`n₁` slowest).
    pub coefficients: Vec<Complex64>,
    /// `ħ` and `m`.
    pub units: Units,
    /// Relative L2 misfit on the tensor grid of midpoints (points the fit never saw),
    /// or at the collocation points for [`TensorFit::interpolating`].
    pub residual: f64,
}

/// Applies `matrix` (`out_len × shape[axis]`, row-major) along `axis` of the
/// row-major array `data` of the given shape.
fn apply_along(
    data: &[Complex64],
    shape: &[usize],
    axis: usize,
    matrix: &[Complex64],
    out_len: usize,
) -> (Vec<Complex64>, Vec<usize>) {
    let in_len = shape[axis];
    let inner: usize = shape[axis + 1..].iter().product();
    let outer: usize = shape[..axis].iter().product();
    let mut out = vec![Complex64::default(); outer * out_len * inner];
    out.par_chunks_mut(out_len * inner)
        .enumerate()
        .for_each(|(o, block)| {
            let src = &data[o * in_len * inner..(o + 1) * in_len * inner];
            for (r, dst) in block.chunks_exact_mut(inner).enumerate() {
                let row = &matrix[r * in_len..(r + 1) * in_len];
                for (&m, s) in row.iter().zip(src.chunks_exact(inner)) {
                    for (d, &v) in dst.iter_mut().zip(s) {
                        *d += m * v;
                    }
                }
            }
        });
    let mut new_shape = shape.to_vec();
    new_shape[axis] = out_len;
    (out, new_shape)
}

/// The lattice fit along `axis` of the row-major array `data` (values at the
/// collocation points `xⱼ = a + jL/M` in, coefficients out), in place by FFT: with
/// `kₙ = k_c + (n − N)2π/L` and `uⱼ = vⱼ e^{−ik_c jL/M}`,
/// `cₙ = (1/M) Σⱼ vⱼ e^{−ikₙxⱼ} = (1/M) e^{−ikₙa} Σⱼ uⱼ e^{−2πi(n − N)j/M}`.
fn lattice_dft_along(data: &mut [Complex64], shape: &[usize], axis: usize, lattice: &Lattice1d) {
    let m = shape[axis];
    let inner: usize = shape[axis + 1..].iter().product();
    let h = lattice.length / m as f64;
    let ks = lattice.wave_vectors();
    let twist: Vec<Complex64> = (0..m)
        .map(|j| Complex64::from_polar(1.0, -lattice.center * h * j as f64))
        .collect();
    let shift: Vec<Complex64> = ks
        .iter()
        .map(|&k| Complex64::from_polar(1.0 / m as f64, -k * lattice.start))
        .collect();
    let fft = rustfft::FftPlanner::<f64>::new().plan_fft_forward(m);
    let half = lattice.half_count;
    data.par_chunks_mut(m * inner).for_each(|block| {
        let mut fiber = vec![Complex64::default(); m];
        let mut scratch = vec![Complex64::default(); fft.get_inplace_scratch_len()];
        for i in 0..inner {
            for (j, f) in fiber.iter_mut().enumerate() {
                *f = block[j * inner + i] * twist[j];
            }
            fft.process_with_scratch(&mut fiber, &mut scratch);
            for (n, s) in shift.iter().enumerate() {
                block[n * inner + i] = fiber[(n + m - half) % m] * s;
            }
        }
    });
}

/// All points of the tensor grid with the given axes, row-major.
pub(super) fn tensor_points(axes: &[Vec<f64>]) -> Vec<Vec<f64>> {
    axes.iter().fold(vec![Vec::new()], |acc, axis| {
        acc.iter()
            .flat_map(|prefix| {
                axis.iter().map(move |&x| {
                    let mut p = prefix.clone();
                    p.push(x);
                    p
                })
            })
            .collect()
    })
}

impl TensorFit {
    /// Fits `psi0` on the tensor lattice `axes` (a d-dimensional discrete Fourier
    /// transform, one direction at a time); the misfit is measured at the midpoints
    /// between collocation points.
    pub fn new(
        axes: Vec<Lattice1d>,
        units: Units,
        psi0: impl Fn(&[f64]) -> Complex64 + Sync,
    ) -> Result<Self> {
        Self::fit(axes, units, psi0, 0.5)
    }

    /// Fits values known only at the collocation points (sampled states); the misfit
    /// is measured at those points (the interpolation's rounding error).
    pub fn interpolating(
        axes: Vec<Lattice1d>,
        units: Units,
        psi0: impl Fn(&[f64]) -> Complex64 + Sync,
    ) -> Result<Self> {
        Self::fit(axes, units, psi0, 0.0)
    }

    /// The fit, with the misfit measured at the points shifted by `offset` cells.
    fn fit(
        axes: Vec<Lattice1d>,
        units: Units,
        psi0: impl Fn(&[f64]) -> Complex64 + Sync,
        offset: f64,
    ) -> Result<Self> {
        units.check()?;
        if !(1..=3).contains(&axes.len()) {
            return Err(Error::invalid(
                "domain.dim",
                format!("{} directions; use 1, 2 or 3", axes.len()),
            ));
        }
        let grids: Vec<Vec<f64>> = axes.iter().map(|a| a.points()).collect();
        let total: usize = grids.iter().map(Vec::len).product();
        if total > MAX_UNITS * 8 {
            return Err(Error::invalid(
                "basis",
                format!("{total} plane waves; shorten the times or widen sigma"),
            ));
        }
        let mut data: Vec<Complex64> = tensor_points(&grids).par_iter().map(|p| psi0(p)).collect();
        if data.iter().any(|v| !v.is_finite()) {
            return Err(Error::invalid(
                "initial",
                "the initial state is not finite at some collocation point",
            ));
        }
        let shape: Vec<usize> = grids.iter().map(Vec::len).collect();
        for (axis, lattice) in axes.iter().enumerate() {
            lattice_dft_along(&mut data, &shape, axis, lattice);
        }
        let mut fit = Self {
            axes,
            coefficients: data,
            units,
            residual: 0.0,
        };
        let check_points: Vec<Vec<f64>> = fit
            .axes
            .iter()
            .zip(&grids)
            .map(|(a, g)| {
                let h = a.length / g.len() as f64;
                g.iter().map(|x| x + offset * h).collect()
            })
            .collect();
        let fitted = fit.psi_on_grid(&check_points, 0.0);
        let (mut diff, mut norm) = (0.0, 0.0);
        for (p, f) in tensor_points(&check_points).iter().zip(&fitted) {
            let target = psi0(p);
            diff += (f - target).norm_sqr();
            norm += target.norm_sqr();
        }
        fit.residual = (diff / norm.max(f64::MIN_POSITIVE)).sqrt();
        Ok(fit)
    }

    /// `ψ(x, t)` on the tensor grid with the given points per direction (row-major).
    pub fn psi_on_grid(&self, axes_points: &[Vec<f64>], t: f64) -> Vec<Complex64> {
        if let [points] = axes_points {
            // One direction: no matrix, one recurrence per point.
            return self.psi_at(points, t);
        }
        let mut data = self.coefficients.clone();
        let mut shape: Vec<usize> = self.axes.iter().map(Lattice1d::len).collect();
        for (axis, (lattice, points)) in self.axes.iter().zip(axes_points).enumerate() {
            let matrix = phase_matrix(lattice, self.units, points, t);
            (data, shape) = apply_along(&data, &shape, axis, &matrix, points.len());
        }
        data
    }

    /// The same superposition as a [`PlaneWaveNet`] (for evaluation at arbitrary
    /// points and for the derivatives).
    pub fn to_net(&self) -> Result<PlaneWaveNet> {
        let per_axis: Vec<Vec<f64>> = self.axes.iter().map(Lattice1d::wave_vectors).collect();
        let ks: Vec<f64> = tensor_points(&per_axis).into_iter().flatten().collect();
        PlaneWaveNet::new(self.axes.len(), ks, self.coefficients.clone(), self.units)
    }
}

impl Lattice1d {
    /// The tensor lattice of a packet in 1–3 dimensions: one [`Lattice1d::for_packet`]
    /// per direction (the free packet is a product of 1-D packets).
    pub fn tensor_for_packet(
        packet: &GaussianPacket,
        units: Units,
        t_max: f64,
    ) -> Result<Vec<Self>> {
        packet.check()?;
        (0..packet.x0.len())
            .map(|d| {
                let axis = GaussianPacket {
                    x0: vec![packet.x0[d]],
                    p0: vec![packet.p0[d]],
                    sigma: vec![packet.sigma[d]],
                };
                Self::for_packet(&axis, units, t_max)
            })
            .collect()
    }
}

/// `e^{i(kₙx − ω(kₙ)t)}` for every point `x` (rows) and lattice wave vector (columns),
/// row-major, by the recurrence of [`lattice_phases`], rows in parallel.
fn phase_matrix(lattice: &Lattice1d, units: Units, points: &[f64], t: f64) -> Vec<Complex64> {
    let n = lattice.len();
    let mut matrix = vec![Complex64::default(); points.len() * n];
    matrix
        .par_chunks_mut(n)
        .zip(points)
        .for_each(|(row, &x)| lattice_phases(lattice, units, x, t, row));
    matrix
}

/// Terms between exact re-evaluations of the phase in [`lattice_phases`]: bounds the
/// recurrence's rounding drift to about `32²·ε`.
const PHASE_ANCHOR: usize = 32;

/// `e^{i(kₙx − ω(kₙ)t)}` for every `kₙ = k_c + nΔk` of a 1-D lattice. The phase is
/// quadratic in `n`, `φₙ = A + Bn + Cn²`, so consecutive factors differ by
/// `rₙ = e^{i(B + C(2n + 1))}` with `rₙ₊₁ = rₙ e^{2iC}`: two complex products per
/// term instead of a sine and a cosine, re-anchored exactly every [`PHASE_ANCHOR`]
/// terms.
fn lattice_phases(lattice: &Lattice1d, units: Units, x: f64, t: f64, out: &mut [Complex64]) {
    let dk = 2.0 * std::f64::consts::PI / lattice.length;
    let n0 = -(lattice.half_count as f64);
    let g = units.hbar / (2.0 * units.mass);
    // φ(n) = k(n)x − g k(n)² t with k(n) = k_c + (n0 + n)Δk.
    let phase = |n: f64| {
        let k = lattice.center + (n0 + n) * dk;
        k * x - g * k * k * t
    };
    let c = -g * dk * dk * t;
    let step = Complex64::from_polar(1.0, 2.0 * c);
    for (block, chunk) in out.chunks_mut(PHASE_ANCHOR).enumerate() {
        let start = (block * PHASE_ANCHOR) as f64;
        let mut value = Complex64::from_polar(1.0, phase(start));
        let mut ratio = Complex64::from_polar(1.0, phase(start + 1.0) - phase(start));
        for v in chunk.iter_mut() {
            *v = value;
            value *= ratio;
            ratio *= step;
        }
    }
}

impl TensorFit {
    /// `ψ(x, t)` at arbitrary points (`m × dim`, row-major), in parallel: per point,
    /// the phase factors of each direction by recurrence, then one contraction with
    /// the coefficients (`Πᵢ Mᵢ` multiply-adds and no trigonometric function per term).
    pub fn psi_at(&self, points: &[f64], t: f64) -> Vec<Complex64> {
        let dim = self.axes.len();
        let sizes: Vec<usize> = self.axes.iter().map(Lattice1d::len).collect();
        points
            .par_chunks_exact(dim)
            .map_init(
                || {
                    sizes
                        .iter()
                        .map(|&m| vec![Complex64::default(); m])
                        .collect::<Vec<_>>()
                },
                |phases, x| {
                    for ((lattice, out), &xd) in self.axes.iter().zip(phases.iter_mut()).zip(x) {
                        lattice_phases(lattice, self.units, xd, t, out);
                    }
                    contract(&self.coefficients, phases)
                },
            )
            .collect()
    }
}

/// `Σ c[n₁, n₂, …] e₁[n₁] e₂[n₂] …` for row-major `c`.
fn contract(c: &[Complex64], phases: &[Vec<Complex64>]) -> Complex64 {
    match phases {
        [] => c[0],
        [last] => c.iter().zip(last).map(|(&a, &b)| a * b).sum(),
        [first, rest @ ..] => {
            let inner = c.len() / first.len();
            first
                .iter()
                .zip(c.chunks_exact(inner))
                .map(|(&e, block)| e * contract(block, rest))
                .sum()
        }
    }
}

/// Least-squares fit of a [`PlaneWaveNet`] with arbitrary wave vectors (`n × dim`,
/// row-major) to values at collocation points (`m × dim`): minimizes
/// `Σⱼ |ψ(xⱼ, 0) − vⱼ|² + λ Σₙ |cₙ|²` by a QR factorization of the stacked system
/// `[A; √λ I] c = [v; 0]` (faer), with `Aⱼₙ = e^{ikₙ·xⱼ}`. Needs at least as many
/// points as waves when `λ = 0`. The misfit is reported relative to `‖v‖`.
pub fn fit_least_squares(
    dim: usize,
    wave_vectors: Vec<f64>,
    points: &[f64],
    values: &[Complex64],
    ridge: f64,
    units: Units,
) -> Result<Fit> {
    if !(ridge >= 0.0 && ridge.is_finite()) {
        return Err(Error::invalid(
            "basis.ridge",
            format!("{ridge} must be non-negative"),
        ));
    }
    let n = wave_vectors.len() / dim.max(1);
    let m = values.len();
    if points.len() != m * dim {
        return Err(Error::invalid(
            "initial",
            format!(
                "{} coordinates for {m} values in {dim} dimensions",
                points.len()
            ),
        ));
    }
    if ridge == 0.0 && m < n {
        return Err(Error::invalid(
            "basis",
            format!("{m} collocation points cannot determine {n} coefficients; give at least {n} points or a ridge > 0"),
        ));
    }
    // Validates dim, k and units before the factorization.
    let probe = PlaneWaveNet::new(
        dim,
        wave_vectors.clone(),
        vec![Complex64::default(); n],
        units,
    )?;
    let rows = m + if ridge > 0.0 { n } else { 0 };
    let root = ridge.sqrt();
    let a = faer::Mat::<Complex64>::from_fn(rows, n, |j, q| {
        if j < m {
            let k = &probe.wave_vectors()[q * dim..(q + 1) * dim];
            let x = &points[j * dim..(j + 1) * dim];
            Complex64::from_polar(1.0, k.iter().zip(x).map(|(a, b)| a * b).sum())
        } else if j - m == q {
            Complex64::new(root, 0.0)
        } else {
            Complex64::default()
        }
    });
    let rhs = faer::Mat::<Complex64>::from_fn(rows, 1, |j, _| {
        if j < m {
            values[j]
        } else {
            Complex64::default()
        }
    });
    use faer::linalg::solvers::SolveLstsq;
    let solution = a.qr().solve_lstsq(&rhs);
    let coefficients: Vec<Complex64> = (0..n).map(|q| solution[(q, 0)]).collect();
    if coefficients.iter().any(|c| !c.is_finite()) {
        return Err(Error::Numerical(
            "the least-squares fit is not finite; add a ridge (basis.ridge)".into(),
        ));
    }
    let net = PlaneWaveNet::new(dim, wave_vectors, coefficients, units)?;
    let fitted = net.psi_at(points, 0.0);
    let diff: f64 = fitted
        .iter()
        .zip(values)
        .map(|(f, v)| (f - v).norm_sqr())
        .sum();
    let norm: f64 = values.iter().map(|v| v.norm_sqr()).sum();
    Ok(Fit {
        net,
        residual: (diff / norm.max(f64::MIN_POSITIVE)).sqrt(),
    })
}
