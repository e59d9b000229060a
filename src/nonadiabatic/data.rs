//! Reference data for fitting a diabatic model: `P` geometries with their adiabatic
//! energies and, optionally, energy gradients and nonadiabatic couplings.
//!
//! Layout (row-major, one row per geometry):
//! - `geometries`: `P × d` (bohr);
//! - `energies`: `P × n`, ascending in each row (hartree);
//! - `gradients`: `P × n × d`, `∂Eᵢ/∂R_k` (hartree/bohr);
//! - `couplings`: `P × n × n × d`, `d_ij,k`, antisymmetric in `(i, j)` (1/bohr). Their
//!   signs are arbitrary per geometry (each eigenvector's sign is), so a fit compares
//!   them up to a sign per pair `(i, j)`.

use super::adiabatic::adiabatic;
use super::models::DiabaticModel;
use crate::error::{Error, Result};

/// Reference energies, gradients and couplings at a set of geometries.
#[derive(Clone, Debug, PartialEq)]
pub struct DiabaticData {
    /// Number of electronic states `n`.
    pub n_states: usize,
    /// Number of nuclear coordinates `d`.
    pub n_dims: usize,
    /// `P × d` geometries (bohr).
    pub geometries: Vec<f64>,
    /// `P × n` adiabatic energies, ascending per geometry (hartree).
    pub energies: Vec<f64>,
    /// `P × n × d` energy gradients (hartree/bohr), if known.
    pub gradients: Option<Vec<f64>>,
    /// `P × n × n × d` couplings (1/bohr), if known.
    pub couplings: Option<Vec<f64>>,
}

impl DiabaticData {
    /// Checked data: every array has one row per geometry, every value is finite, and
    /// each row of energies is ascending. `source` names the origin (a file, a model)
    /// in error messages.
    pub fn new(
        source: &str,
        n_states: usize,
        n_dims: usize,
        geometries: Vec<f64>,
        energies: Vec<f64>,
        gradients: Option<Vec<f64>>,
        couplings: Option<Vec<f64>>,
    ) -> Result<Self> {
        let fail = |message: String| Error::invalid(source, message);
        if n_states < 2 {
            return Err(fail(format!(
                "{n_states} electronic state(s); a diabatic model needs at least 2"
            )));
        }
        if n_dims == 0 {
            return Err(fail("no nuclear coordinates".into()));
        }
        if geometries.is_empty() || geometries.len() % n_dims != 0 {
            return Err(fail(format!(
                "geometries hold {} values, not a whole number of {n_dims}-dimensional points",
                geometries.len()
            )));
        }
        let points = geometries.len() / n_dims;
        let check = |name: &str, values: &[f64], per_point: usize, shape: &str| -> Result<()> {
            if values.len() != points * per_point {
                return Err(fail(format!(
                    "{name} holds {} values but {points} geometries need {} ({points} × {shape}); \
                     every array needs one row per geometry",
                    values.len(),
                    points * per_point
                )));
            }
            if let Some(bad) = values.iter().position(|v| !v.is_finite()) {
                return Err(fail(format!(
                    "{name} of geometry {} (row {}) is {}; remove or fix that point",
                    bad / per_point,
                    bad / per_point + 1,
                    values[bad]
                )));
            }
            Ok(())
        };
        check("geometries", &geometries, n_dims, &n_dims.to_string())?;
        check("energies", &energies, n_states, &n_states.to_string())?;
        if let Some(g) = &gradients {
            check(
                "gradients",
                g,
                n_states * n_dims,
                &format!("{n_states} × {n_dims}"),
            )?;
        }
        if let Some(c) = &couplings {
            let per = n_states * n_states * n_dims;
            check(
                "couplings",
                c,
                per,
                &format!("{n_states} × {n_states} × {n_dims}"),
            )?;
        }
        for (p, row) in energies.chunks(n_states).enumerate() {
            if row.windows(2).any(|w| w[1] < w[0]) {
                return Err(fail(format!(
                    "energies of geometry {p} (row {}) are not ascending: {row:?}; \
                     adiabatic energies are listed lowest first",
                    p + 1
                )));
            }
        }
        Ok(Self {
            n_states,
            n_dims,
            geometries,
            energies,
            gradients,
            couplings,
        })
    }

    /// Reference data from an analytic model at `points` geometries in the box
    /// `[start, stop]ᵈ`, placed by `sampling`.
    pub fn from_model(
        model: &dyn DiabaticModel,
        points: usize,
        start: f64,
        stop: f64,
        sampling: Sampling,
    ) -> Result<Self> {
        let (n, d) = (model.n_states(), model.n_dims());
        if points < 2 {
            return Err(Error::invalid("data.points", "needs at least 2 points"));
        }
        if !(start.is_finite() && stop.is_finite() && stop > start) {
            return Err(Error::invalid(
                "data.range",
                format!(
                    "[{start}, {stop}] is not an interval; give [start, stop] with start < stop"
                ),
            ));
        }
        let geometries = match sampling {
            Sampling::Uniform => sample_box(points, d, start, stop),
            Sampling::Adaptive if d == 1 => sample_adaptive(model, points, start, stop),
            Sampling::Adaptive => {
                return Err(Error::invalid(
                    "data.sampling",
                    format!(
                        "adaptive sampling is for one-dimensional models; this one has {d} \
                         coordinates: use sampling = \"uniform\" (a Halton sequence)"
                    ),
                ))
            }
        };
        let mut energies = Vec::with_capacity(points * n);
        let mut gradients = Vec::with_capacity(points * n * d);
        let mut couplings = Vec::with_capacity(points * n * n * d);
        for r in geometries.chunks(d) {
            let a = adiabatic(model, r, None);
            energies.extend_from_slice(&a.energies);
            for i in 0..n {
                gradients.extend((0..d).map(|k| a.gradients[(i, k)]));
            }
            for i in 0..n {
                for j in 0..n {
                    couplings.extend(a.couplings.iter().map(|c| c[(i, j)]));
                }
            }
        }
        Self::new(
            "data.from_model",
            n,
            d,
            geometries,
            energies,
            Some(gradients),
            Some(couplings),
        )
    }

    /// Number of geometries `P`.
    pub fn len(&self) -> usize {
        self.geometries.len() / self.n_dims
    }

    /// Whether there are no geometries.
    pub fn is_empty(&self) -> bool {
        self.geometries.is_empty()
    }

    /// The geometries at `indices`, in that order.
    pub fn subset(&self, indices: &[usize]) -> Self {
        let pick = |values: &[f64], per: usize| -> Vec<f64> {
            indices
                .iter()
                .flat_map(|&p| values[p * per..(p + 1) * per].iter().copied())
                .collect()
        };
        let (n, d) = (self.n_states, self.n_dims);
        Self {
            n_states: n,
            n_dims: d,
            geometries: pick(&self.geometries, d),
            energies: pick(&self.energies, n),
            gradients: self.gradients.as_ref().map(|g| pick(g, n * d)),
            couplings: self.couplings.as_ref().map(|c| pick(c, n * n * d)),
        }
    }

    /// Drops the gradients and couplings (an energies-only fit).
    pub fn energies_only(mut self) -> Self {
        self.gradients = None;
        self.couplings = None;
        self
    }

    /// Geometry `p`.
    pub fn geometry(&self, p: usize) -> &[f64] {
        &self.geometries[p * self.n_dims..(p + 1) * self.n_dims]
    }
}

/// How [`DiabaticData::from_model`] places its geometries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sampling {
    /// A uniform grid in one dimension (both ends included); the Halton sequence
    /// (bases 2, 3, 5, …) in more.
    Uniform,
    /// One dimension only: a uniform grid of half the points, then the other half
    /// inserted one at a time at the midpoint of the interval where the cubic through
    /// the neighbouring points misses the reference curve
    /// `c(x) = (Eᵢ(x)/ΔE, |d_ij(x)|/Δd)` most (`ΔE`, `Δd` the ranges of energies and
    /// couplings). Points gather where surfaces and couplings bend, peak, or are not
    /// smooth (Tully's models 1 and 3 are only C¹ at `x = 0`), and no gap exceeds the
    /// base grid's spacing.
    Adaptive,
}

impl Sampling {
    /// The name used in decks.
    pub fn name(self) -> &'static str {
        match self {
            Sampling::Uniform => "uniform",
            Sampling::Adaptive => "adaptive",
        }
    }

    /// Parses a deck name.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "uniform" => Some(Sampling::Uniform),
            "adaptive" => Some(Sampling::Adaptive),
            _ => None,
        }
    }
}

/// The scaled reference curve `c(x)`: energies over `energy_scale`, then `|d_ij|`
/// (`i < j`) over `coupling_scale`.
fn curve(model: &dyn DiabaticModel, x: f64, scales: (f64, f64)) -> Vec<f64> {
    let a = adiabatic(model, &[x], None);
    let n = a.energies.len();
    let mut c: Vec<f64> = a.energies.iter().map(|e| e / scales.0).collect();
    for i in 0..n {
        for j in i + 1..n {
            c.push(a.couplings[0][(i, j)].abs() / scales.1);
        }
    }
    c
}

/// The cubic (or, with fewer points, lower-order) Lagrange interpolant through
/// `(xs[k], ys[k])`, evaluated at `x`, for every channel.
fn lagrange(xs: &[f64], ys: &[&Vec<f64>], x: f64) -> Vec<f64> {
    let mut out = vec![0.0; ys[0].len()];
    for (k, (&xk, yk)) in xs.iter().zip(ys).enumerate() {
        let weight: f64 = xs
            .iter()
            .enumerate()
            .filter(|&(j, _)| j != k)
            .map(|(_, &xj)| (x - xj) / (xk - xj))
            .product();
        out.iter_mut()
            .zip(yk.iter())
            .for_each(|(o, y)| *o += weight * y);
    }
    out
}

/// [`Sampling::Adaptive`] on `[start, stop]`: a uniform grid of half the points, then
/// the other half inserted one by one at the midpoint of the interval where the cubic
/// interpolant of the neighbouring points misses the reference curve most.
fn sample_adaptive(model: &dyn DiabaticModel, points: usize, start: f64, stop: f64) -> Vec<f64> {
    let base = (points / 2).max(2);
    let width = stop - start;
    // Scales from a fine survey, so channels count equally.
    let survey: Vec<Vec<f64>> = (0..=1000)
        .map(|i| curve(model, start + width * i as f64 / 1000.0, (1.0, 1.0)))
        .collect();
    let n = model.n_states();
    let spread = |range: std::ops::Range<usize>| {
        let (lo, hi) = survey
            .iter()
            .flat_map(|c| c[range.clone()].iter())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
                (lo.min(v), hi.max(v))
            });
        if hi > lo {
            hi - lo
        } else {
            1.0
        }
    };
    let scales = (spread(0..n), spread(n..survey[0].len()));
    let mut xs: Vec<f64> = (0..base)
        .map(|i| start + width * i as f64 / (base - 1) as f64)
        .collect();
    let mut ys: Vec<Vec<f64>> = xs.iter().map(|&x| curve(model, x, scales)).collect();
    // Per interval: its midpoint's curve value and the interpolation miss there.
    let miss = |xs: &[f64], ys: &[Vec<f64>], i: usize, mid: &[f64]| -> f64 {
        let lo = i.saturating_sub(1);
        let hi = (i + 3).min(xs.len());
        let refs: Vec<&Vec<f64>> = ys[lo..hi].iter().collect();
        let m = 0.5 * (xs[i] + xs[i + 1]);
        lagrange(&xs[lo..hi], &refs, m)
            .iter()
            .zip(mid)
            .map(|(p, t)| (p - t).abs())
            .fold(0.0, f64::max)
    };
    let mut mids: Vec<Vec<f64>> = xs
        .windows(2)
        .map(|w| curve(model, 0.5 * (w[0] + w[1]), scales))
        .collect();
    let mut misses: Vec<f64> = (0..mids.len())
        .map(|i| miss(&xs, &ys, i, &mids[i]))
        .collect();
    while xs.len() < points {
        let worst = (0..misses.len())
            .max_by(|&a, &b| misses[a].total_cmp(&misses[b]))
            .expect("an interval");
        let x = 0.5 * (xs[worst] + xs[worst + 1]);
        let y = mids.remove(worst);
        misses.remove(worst);
        xs.insert(worst + 1, x);
        ys.insert(worst + 1, y);
        for (offset, i) in [worst, worst + 1].into_iter().enumerate() {
            let m = curve(model, 0.5 * (xs[i] + xs[i + 1]), scales);
            mids.insert(worst + offset, m);
            misses.insert(worst + offset, 0.0);
        }
        // Stencils of the intervals around the new point changed.
        for i in worst.saturating_sub(2)..(worst + 4).min(misses.len()) {
            misses[i] = miss(&xs, &ys, i, &mids[i]);
        }
    }
    xs
}

/// `points` geometries in `[start, stop]ᵈ`.
fn sample_box(points: usize, d: usize, start: f64, stop: f64) -> Vec<f64> {
    let width = stop - start;
    if d == 1 {
        return (0..points)
            .map(|p| start + width * p as f64 / (points - 1) as f64)
            .collect();
    }
    const BASES: [u64; 12] = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37];
    let mut out = Vec::with_capacity(points * d);
    for p in 1..=points as u64 {
        for k in 0..d {
            let base = BASES[k % BASES.len()] + 41 * (k / BASES.len()) as u64;
            out.push(start + width * radical_inverse(p, base));
        }
    }
    out
}

/// The van der Corput radical inverse of `index` in `base`, in `[0, 1)`.
fn radical_inverse(mut index: u64, base: u64) -> f64 {
    let (mut value, mut weight) = (0.0, 1.0 / base as f64);
    while index > 0 {
        value += (index % base) as f64 * weight;
        index /= base;
        weight /= base as f64;
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nonadiabatic::{LinearVibronic, Tully1};

    #[test]
    fn halton_points_fill_the_box_evenly() {
        let g = sample_box(1000, 2, -1.0, 1.0);
        // Each quadrant holds a quarter of the points, to within the sequence's discrepancy.
        let q = g.chunks(2).filter(|r| r[0] > 0.0 && r[1] > 0.0).count();
        assert!((q as f64 - 250.0).abs() < 10.0, "{q}");
        assert!(g.iter().all(|v| (-1.0..1.0).contains(v)));
    }

    #[test]
    fn adaptive_points_gather_at_the_coupling_peak_and_leave_no_wide_gap() {
        let x = sample_adaptive(&Tully1::default(), 200, -10.0, 10.0);
        assert_eq!((x[0], x[199]), (-10.0, 10.0));
        assert!(x.windows(2).all(|w| w[1] > w[0]));
        let base = 20.0 / 99.0;
        let widest = x.windows(2).map(|w| w[1] - w[0]).fold(0.0, f64::max);
        assert!(widest <= base + 1e-9, "{widest}");
        let central = x.iter().filter(|v| v.abs() < 1.0).count();
        assert!(
            central > 40,
            "{central} points in |x| < 1 (a uniform grid has 20)"
        );
    }

    #[test]
    fn data_from_a_model_has_one_row_per_point_and_rejects_bad_arrays() {
        let data =
            DiabaticData::from_model(&Tully1::default(), 11, -5.0, 5.0, Sampling::Uniform).unwrap();
        assert_eq!(data.len(), 11);
        assert_eq!(data.couplings.as_ref().unwrap().len(), 11 * 4);
        let lvc =
            DiabaticData::from_model(&LinearVibronic::default(), 7, -1.0, 1.0, Sampling::Uniform)
                .unwrap();
        assert!(DiabaticData::from_model(
            &LinearVibronic::default(),
            7,
            -1.0,
            1.0,
            Sampling::Adaptive
        )
        .unwrap_err()
        .to_string()
        .contains("data.sampling"));
        assert_eq!(lvc.gradients.as_ref().unwrap().len(), 7 * 2 * 2);

        let err = DiabaticData::new("f", 2, 1, vec![0.0, 1.0], vec![0.0; 3], None, None)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("energies holds 3 values") && err.contains("one row per geometry"),
            "{err}"
        );
        let err = DiabaticData::new(
            "f",
            2,
            1,
            vec![0.0, 1.0],
            vec![0.0, 1.0, f64::NAN, 1.0],
            None,
            None,
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("energies of geometry 1") && err.contains("NaN"),
            "{err}"
        );
        let err = DiabaticData::new("f", 2, 1, vec![0.0], vec![1.0, 0.0], None, None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("not ascending"), "{err}");
    }
}
