//! Split-operator Fourier propagation in one dimension, the numerical reference for
//! any potential: on a periodic grid of `M` points, each step of length `δt` is the
//! symmetric (Strang) splitting
//!
//! `ψ ← e^{−iVδt/2ħ} F⁻¹ e^{−iħk²δt/2m} F e^{−iVδt/2ħ} ψ`,
//!
//! exact for the kinetic part (FFT, `rustfft`) and second order in `δt` overall (for
//! `V = 0` it is exact for any `δt`). Unitary: the norm is conserved to rounding.
//! [`SplitOperator2d`] does the same on a 2-D grid.

use super::plane_wave::Units;
use crate::error::{Error, Result};
use num_complex::Complex64;
use rustfft::FftPlanner;

/// A periodic grid with a potential, ready to propagate.
#[derive(Clone, Debug)]
pub struct SplitOperator {
    /// Grid points `a + jΔ`, `j < M`.
    pub grid: Vec<f64>,
    /// Angular wave numbers of the FFT bins (`2π·fftfreq(M)/Δ`).
    wave_numbers: Vec<f64>,
    potential: Vec<f64>,
    units: Units,
}

impl SplitOperator {
    /// `points` grid points on the periodic box `[start, start + length)`.
    pub fn new(
        start: f64,
        length: f64,
        points: usize,
        units: Units,
        potential: impl Fn(f64) -> f64,
    ) -> Result<Self> {
        units.check()?;
        if !(length > 0.0 && length.is_finite() && start.is_finite()) {
            return Err(Error::invalid(
                "domain",
                format!("a box of length {length} from {start}; give a positive length"),
            ));
        }
        if points < 4 {
            return Err(Error::invalid(
                "basis.points",
                format!("{points} grid points; use at least 4"),
            ));
        }
        let spacing = length / points as f64;
        let grid: Vec<f64> = (0..points).map(|j| start + spacing * j as f64).collect();
        let potential: Vec<f64> = grid.iter().map(|&x| potential(x)).collect();
        if let Some(j) = potential.iter().position(|v| !v.is_finite()) {
            return Err(Error::invalid(
                "potential",
                format!("V({}) is not finite", grid[j]),
            ));
        }
        let wave_numbers = fft_wave_numbers(points, length);
        Ok(Self {
            grid,
            wave_numbers,
            potential,
            units,
        })
    }

    /// `ψ(t)` from `ψ(0)` on the grid, in `⌈t/δt⌉` equal steps of at most `dt`.
    pub fn propagate(&self, psi0: &[Complex64], t: f64, dt: f64) -> Result<Vec<Complex64>> {
        let m = self.grid.len();
        assert_eq!(psi0.len(), m, "one amplitude per grid point");
        let k_squared: Vec<f64> = self.wave_numbers.iter().map(|k| k * k).collect();
        let mut planner = FftPlanner::new();
        let forward = planner.plan_fft_forward(m);
        let inverse = planner.plan_fft_inverse(m);
        let length = forward
            .get_inplace_scratch_len()
            .max(inverse.get_inplace_scratch_len());
        let mut scratch = vec![Complex64::default(); length];
        strang(
            psi0,
            &self.potential,
            &k_squared,
            self.units,
            t,
            dt,
            |psi, back| {
                let plan = if back { &inverse } else { &forward };
                plan.process_with_scratch(psi, &mut scratch);
            },
        )
    }
}

/// `⌈t/δt⌉` Strang steps `e^{−iVh/2ħ} F⁻¹ e^{−iħ|k|²h/2m} F e^{−iVh/2ħ}` of equal length
/// `h ≤ dt`, with `V` per grid point, `|k|²` per FFT bin, and the unnormalized
/// transform `fft(ψ, inverse)`.
fn strang(
    psi0: &[Complex64],
    potential: &[f64],
    k_squared: &[f64],
    units: Units,
    t: f64,
    dt: f64,
    mut fft: impl FnMut(&mut [Complex64], bool),
) -> Result<Vec<Complex64>> {
    if !(dt > 0.0 && dt.is_finite()) {
        return Err(Error::invalid(
            "split_operator.dt",
            format!("{dt} must be a positive time step"),
        ));
    }
    if !(t >= 0.0 && t.is_finite()) {
        return Err(Error::invalid("times", format!("{t} must be non-negative")));
    }
    let steps = (t / dt).ceil() as usize;
    let mut psi = psi0.to_vec();
    if steps == 0 {
        return Ok(psi);
    }
    let h = t / steps as f64;
    let (hbar, mass) = (units.hbar, units.mass);
    let half_potential: Vec<Complex64> = potential
        .iter()
        .map(|v| Complex64::from_polar(1.0, -v * h / (2.0 * hbar)))
        .collect();
    let scale = 1.0 / psi.len() as f64;
    let kinetic: Vec<Complex64> = k_squared
        .iter()
        .map(|k2| Complex64::from_polar(scale, -hbar * k2 * h / (2.0 * mass)))
        .collect();
    for _ in 0..steps {
        for (p, &v) in psi.iter_mut().zip(&half_potential) {
            *p *= v;
        }
        fft(&mut psi, false);
        for (p, &k) in psi.iter_mut().zip(&kinetic) {
            *p *= k;
        }
        fft(&mut psi, true);
        for (p, &v) in psi.iter_mut().zip(&half_potential) {
            *p *= v;
        }
    }
    Ok(psi)
}

/// Angular wave numbers of the FFT bins of `points` samples on a box of `length`:
/// `2π·m/L` for `m = 0, 1, …, ⌊M/2⌋, −⌈M/2⌉ + 1, …, −1`.
pub(crate) fn fft_wave_numbers(points: usize, length: f64) -> Vec<f64> {
    (0..points)
        .map(|m| {
            let m = if m <= points / 2 {
                m as f64
            } else {
                m as f64 - points as f64
            };
            2.0 * std::f64::consts::PI * m / length
        })
        .collect()
}

/// Split-operator propagation in two dimensions: the same Strang splitting on a
/// periodic `Mₓ × M_y` grid, with `e^{−iħ(kₓ² + k_y²)δt/2m}` applied after a 2-D FFT
/// (rows, then columns). Exact for `V = 0`; second order in `δt` otherwise.
#[derive(Clone, Debug)]
pub struct SplitOperator2d {
    /// Grid points along x and y (`ψ` is row-major, y fastest).
    pub axes: [Vec<f64>; 2],
    wave_numbers: [Vec<f64>; 2],
    potential: Vec<f64>,
    units: Units,
}

impl SplitOperator2d {
    /// `points[d]` grid points on the periodic box `[start[d], start[d] + length[d])`.
    pub fn new(
        start: [f64; 2],
        length: [f64; 2],
        points: [usize; 2],
        units: Units,
        potential: impl Fn(f64, f64) -> f64,
    ) -> Result<Self> {
        let x = SplitOperator::new(start[0], length[0], points[0], units, |_| 0.0)?;
        let y = SplitOperator::new(start[1], length[1], points[1], units, |_| 0.0)?;
        let mut values = Vec::with_capacity(points[0] * points[1]);
        for &a in &x.grid {
            for &b in &y.grid {
                let v = potential(a, b);
                if !v.is_finite() {
                    return Err(Error::invalid(
                        "potential",
                        format!("V({a}, {b}) is not finite"),
                    ));
                }
                values.push(v);
            }
        }
        Ok(Self {
            axes: [x.grid, y.grid],
            wave_numbers: [x.wave_numbers, y.wave_numbers],
            potential: values,
            units,
        })
    }

    /// `ψ(t)` from `ψ(0)` (row-major, y fastest) in `⌈t/δt⌉` equal steps of at most `dt`.
    pub fn propagate(&self, psi0: &[Complex64], t: f64, dt: f64) -> Result<Vec<Complex64>> {
        let (nx, ny) = (self.axes[0].len(), self.axes[1].len());
        assert_eq!(psi0.len(), nx * ny, "one amplitude per grid point");
        let k_squared: Vec<f64> = self.wave_numbers[0]
            .iter()
            .flat_map(|kx| self.wave_numbers[1].iter().map(move |ky| kx * kx + ky * ky))
            .collect();
        let mut planner = FftPlanner::new();
        let forward = [planner.plan_fft_forward(ny), planner.plan_fft_forward(nx)];
        let inverse = [planner.plan_fft_inverse(ny), planner.plan_fft_inverse(nx)];
        let mut columns = vec![Complex64::default(); nx * ny];
        strang(
            psi0,
            &self.potential,
            &k_squared,
            self.units,
            t,
            dt,
            |psi, back| {
                let plans = if back { &inverse } else { &forward };
                fft_2d(psi, &mut columns, ny, &*plans[0], &*plans[1]);
            },
        )
    }
}

/// The 2-D transform of row-major `psi` (rows of length `ny`): every row, then every
/// column through the transposed copy `columns`; rows and columns in parallel.
fn fft_2d(
    psi: &mut [Complex64],
    columns: &mut [Complex64],
    ny: usize,
    rows: &dyn rustfft::Fft<f64>,
    cols: &dyn rustfft::Fft<f64>,
) {
    use rayon::prelude::*;
    let nx = psi.len() / ny;
    psi.par_chunks_mut(ny).for_each(|row| rows.process(row));
    for (i, row) in psi.chunks_exact(ny).enumerate() {
        for (j, &v) in row.iter().enumerate() {
            columns[j * nx + i] = v;
        }
    }
    columns.par_chunks_mut(nx).for_each(|col| cols.process(col));
    for (j, col) in columns.chunks_exact(nx).enumerate() {
        for (i, &v) in col.iter().enumerate() {
            psi[i * ny + j] = v;
        }
    }
}
