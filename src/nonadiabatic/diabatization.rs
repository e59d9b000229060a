//! Propagation diabatization of adiabatic reference data: a diabatic matrix at every
//! data point, built from the energies and couplings alone, to start a fit with the
//! right sign structure.
//!
//! With adiabatic states `|i(R)⟩ = Σ_α U_αi(R)|α⟩` in a fixed (strictly diabatic) basis,
//! the couplings are `D_k = Uᵀ ∂_k U` (antisymmetric, `d_ij,k = ⟨i|∂_k j⟩`), so
//! `∂_k U = U D_k` and, along a straight step `ΔR`,
//! `U(R + ΔR) ≈ U(R) cay(K)`, `K = Σ_k ½(D_k(R) + D_k(R + ΔR)) ΔR_k`, with the Cayley map
//! `cay(K) = (I − K/2)⁻¹(I + K/2)`: orthogonal, and second order like the trapezoid rule.
//! Then `H_d = U diag(E) Uᵀ` at every point, the diabatic matrix up to one constant
//! rotation (`U = I` at the root point).
//!
//! The data's eigenvector signs are arbitrary per point, so before each step the signs
//! of the far point's states are chosen to align its couplings with the near point's.
//! The steps follow a minimum spanning tree of the graph joining each point to its `4d`
//! nearest neighbours, whose edge weight estimates the trapezoid error,
//! `|ΔR| ‖D(R) − D(R + ΔR)‖_F`: the tree goes around the regions
//! where the couplings change fast (a conical intersection), which a step across would
//! integrate badly, so only the points nearest such a region (leaves of the tree) carry
//! its error. Around a conical intersection the integrated mixing angle gains π, which
//! leaves `H_d` single-valued: the targets wind around the seam as the exact diabatic
//! matrix does, which a fit to adiabatic data alone rarely finds (see [`super::fit`]).

use super::data::DiabaticData;
use crate::error::{Error, Result};
use nalgebra::DMatrix;

/// Diabatic matrices propagated over the data, with the tree that carried them.
#[derive(Clone, Debug, PartialEq)]
pub struct Propagated {
    /// `P × n × n` diabatic matrices, row-major per point (hartree).
    pub matrices: Vec<f64>,
    /// The tree: `parent[p]` is the point `p` was reached from (`None` for the root).
    pub parent: Vec<Option<usize>>,
}

/// The couplings of point `p` as `d` antisymmetric `n × n` matrices.
fn coupling_matrices(data: &DiabaticData, couplings: &[f64], p: usize) -> Vec<DMatrix<f64>> {
    let (n, d) = (data.n_states, data.n_dims);
    let block = &couplings[p * n * n * d..(p + 1) * n * n * d];
    (0..d)
        .map(|k| DMatrix::from_fn(n, n, |i, j| block[(i * n + j) * d + k]))
        .collect()
}

/// The signs `s` (`s₀ = +1`) that maximize `Σ_k Σ_ij s_i s_j A_k,ij B_k,ij`: the
/// eigenvector signs at `b` that best continue those at `a`.
fn aligning_signs(a: &[DMatrix<f64>], b: &[DMatrix<f64>]) -> Vec<f64> {
    let n = a[0].nrows();
    let mut overlap = DMatrix::zeros(n, n);
    for (ak, bk) in a.iter().zip(b) {
        overlap += ak.component_mul(bk);
    }
    let mut best = (f64::NEG_INFINITY, vec![1.0; n]);
    for mask in 0..1usize << (n - 1) {
        let s: Vec<f64> = (0..n)
            .map(|i| {
                if i > 0 && mask >> (i - 1) & 1 == 1 {
                    -1.0
                } else {
                    1.0
                }
            })
            .collect();
        let score: f64 = (0..n)
            .flat_map(|i| (0..n).map(move |j| (i, j)))
            .map(|(i, j)| s[i] * s[j] * overlap[(i, j)])
            .sum();
        if score > best.0 {
            best = (score, s);
        }
    }
    best.1
}

/// `S D S` with `S = diag(s)`.
fn with_signs(matrices: &[DMatrix<f64>], s: &[f64]) -> Vec<DMatrix<f64>> {
    matrices
        .iter()
        .map(|m| DMatrix::from_fn(m.nrows(), m.ncols(), |i, j| s[i] * s[j] * m[(i, j)]))
        .collect()
}

/// `|ΔR| ‖D_a − S D_b S‖_F` with the aligning signs: the trapezoid error estimate.
fn edge_weight(a: &[DMatrix<f64>], b: &[DMatrix<f64>], step: f64) -> f64 {
    let s = aligning_signs(a, b);
    let change: f64 = a
        .iter()
        .zip(with_signs(b, &s))
        .map(|(ak, bk)| (ak - bk).norm_squared())
        .sum::<f64>()
        .sqrt();
    // A length term breaks ties among edges with no change, preferring short steps.
    step * (change + 1e-9 * step)
}

/// Propagates diabatic matrices over `data` from point 0 (see the module documentation).
/// Needs couplings in the data.
pub fn propagate(data: &DiabaticData) -> Result<Propagated> {
    let Some(couplings) = data.couplings.as_ref() else {
        return Err(Error::invalid(
            "data.terms",
            "propagation diabatization needs couplings in the data",
        ));
    };
    let (n, d, points) = (data.n_states, data.n_dims, data.len());
    if points == 0 {
        return Err(Error::invalid("data", "no geometries"));
    }
    let blocks: Vec<Vec<DMatrix<f64>>> = (0..points)
        .map(|p| coupling_matrices(data, couplings, p))
        .collect();
    let distance = |a: usize, b: usize| -> f64 {
        data.geometry(a)
            .iter()
            .zip(data.geometry(b))
            .map(|(x, y)| (x - y) * (x - y))
            .sum::<f64>()
            .sqrt()
    };

    // Candidate steps: each point's nearest neighbours (both ways). The error estimate
    // sees only the ends of a step, so long steps, which could skip a region of large
    // couplings, are never candidates.
    let k_nearest = (4 * d).min(points - 1);
    let mut neighbours: Vec<Vec<usize>> = vec![Vec::new(); points];
    for p in 0..points {
        let mut others: Vec<usize> = (0..points).filter(|&q| q != p).collect();
        others.sort_by(|&a, &b| distance(p, a).total_cmp(&distance(p, b)).then(a.cmp(&b)));
        for &q in &others[..k_nearest] {
            neighbours[p].push(q);
            neighbours[q].push(p);
        }
    }
    for list in &mut neighbours {
        list.sort_unstable();
        list.dedup();
    }

    // Prim's algorithm on that graph; a disconnected cluster is joined by its shortest
    // step to the tree.
    let mut parent = vec![None; points];
    let mut reached = vec![false; points];
    let mut cheapest = vec![f64::INFINITY; points];
    let mut order = Vec::with_capacity(points);
    cheapest[0] = 0.0;
    for _ in 0..points {
        let frontier = (0..points)
            .filter(|&p| !reached[p] && cheapest[p].is_finite())
            .min_by(|&a, &b| cheapest[a].total_cmp(&cheapest[b]));
        let next = match frontier {
            Some(p) => p,
            None => {
                let (a, p) = (0..points)
                    .filter(|&a| reached[a])
                    .flat_map(|a| (0..points).filter(|&p| !reached[p]).map(move |p| (a, p)))
                    .min_by(|&(a, p), &(b, q)| distance(a, p).total_cmp(&distance(b, q)))
                    .expect("an unreached point remains");
                parent[p] = Some(a);
                p
            }
        };
        reached[next] = true;
        order.push(next);
        for &p in &neighbours[next] {
            if reached[p] {
                continue;
            }
            let w = edge_weight(&blocks[next], &blocks[p], distance(next, p));
            if w < cheapest[p] {
                cheapest[p] = w;
                parent[p] = Some(next);
            }
        }
    }

    // Transport U along the tree, in the order the points were reached.
    let mut u: Vec<Option<DMatrix<f64>>> = vec![None; points];
    let mut aligned: Vec<Option<Vec<DMatrix<f64>>>> = vec![None; points];
    let mut matrices = vec![0.0; points * n * n];
    let identity = DMatrix::<f64>::identity(n, n);
    for &p in &order {
        let (u_p, d_p) = match parent[p] {
            None => (identity.clone(), blocks[p].clone()),
            Some(a) => {
                let d_a = aligned[a].as_ref().expect("parents come first");
                let d_p = with_signs(&blocks[p], &aligning_signs(d_a, &blocks[p]));
                let (ra, rp) = (data.geometry(a), data.geometry(p));
                let mut k = DMatrix::zeros(n, n);
                for c in 0..d {
                    k += (&d_a[c] + &d_p[c]) * (0.5 * (rp[c] - ra[c]));
                }
                let half = &k * 0.5;
                let cayley = (&identity - &half)
                    .lu()
                    .solve(&(&identity + &half))
                    .ok_or_else(|| {
                        Error::Numerical(format!(
                            "the coupling step between geometries {a} and {p} is singular"
                        ))
                    })?;
                (u[a].as_ref().expect("parents come first") * cayley, d_p)
            }
        };
        let energies = &data.energies[p * n..(p + 1) * n];
        let h = &u_p
            * DMatrix::from_diagonal(&nalgebra::DVector::from_column_slice(energies))
            * u_p.transpose();
        if h.iter().any(|v| !v.is_finite()) {
            return Err(Error::Numerical(format!(
                "the propagated diabatic matrix is not finite at geometry {p}"
            )));
        }
        matrices[p * n * n..(p + 1) * n * n].copy_from_slice(h.transpose().as_slice());
        u[p] = Some(u_p);
        aligned[p] = Some(d_p);
    }
    Ok(Propagated { matrices, parent })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nonadiabatic::{
        adiabatic::ascending_eigen, DiabaticModel, LinearVibronic, Sampling, Tully1, Tully3,
    };

    /// Largest `|H_ref − Q H Qᵀ|` over the points selected by `keep`, with
    /// `Q = U(root)ᵀ` for either sign of the root's second eigenvector (two states).
    fn worst_error(
        model: &dyn DiabaticModel,
        data: &DiabaticData,
        propagated: &Propagated,
        keep: &dyn Fn(&[f64]) -> bool,
    ) -> f64 {
        let (_, u_root) = ascending_eigen(model.potential(data.geometry(0)));
        let mut best = f64::INFINITY;
        for sign in [1.0, -1.0] {
            let mut q = u_root.transpose();
            q.row_mut(1).scale_mut(sign);
            let mut worst: f64 = 0.0;
            for p in 0..data.len() {
                if !keep(data.geometry(p)) {
                    continue;
                }
                let exact = &q * model.potential(data.geometry(p)) * q.transpose();
                for i in 0..2 {
                    for j in 0..2 {
                        let v = propagated.matrices[p * 4 + i * 2 + j];
                        worst = worst.max((v - exact[(i, j)]).abs());
                    }
                }
            }
            best = best.min(worst);
        }
        best
    }

    #[test]
    fn recovers_tullys_diabatic_matrices_up_to_a_constant_rotation() {
        // Models 1 and 3 are strictly diabatic, so the propagated matrices are theirs
        // rotated by the root's mixing angle, to the trapezoid rule's O(h²).
        for (model, bound) in [
            (&Tully1::default() as &dyn DiabaticModel, 5e-5),
            (&Tully3::default(), 5e-5),
        ] {
            let data =
                DiabaticData::from_model(model, 400, -10.0, 10.0, Sampling::Uniform).unwrap();
            let propagated = propagate(&data).unwrap();
            let worst = worst_error(model, &data, &propagated, &|_| true);
            println!("largest error {worst:.2e} Eh");
            assert!(worst < bound, "{worst}");
        }
    }

    #[test]
    fn the_propagated_lvc_matrices_wind_around_the_cone() {
        let model = LinearVibronic::default();
        let data = DiabaticData::from_model(&model, 400, -2.0, 2.0, Sampling::Uniform).unwrap();
        let propagated = propagate(&data).unwrap();
        let away = |r: &[f64]| r[0].hypot(r[1]) > 0.5;
        let worst = worst_error(&model, &data, &propagated, &away);
        println!("largest error beyond 0.5 bohr {worst:.2e} Eh");
        assert!(worst < 2e-2, "{worst}");
        // The angle of (V₁₁ − V₂₂, 2V₁₂) turns once around the origin, as the exact one.
        let mut ring: Vec<(f64, f64)> = (0..data.len())
            .filter(|&p| {
                let r = data.geometry(p);
                (1.0..1.5).contains(&r[0].hypot(r[1]))
            })
            .map(|p| {
                let r = data.geometry(p);
                let h = &propagated.matrices[p * 4..p * 4 + 4];
                (r[1].atan2(r[0]), (2.0 * h[1]).atan2(h[0] - h[3]))
            })
            .collect();
        ring.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut turn = 0.0;
        for w in 0..ring.len() {
            let (a, b) = (ring[w].1, ring[(w + 1) % ring.len()].1);
            let step = (b - a + std::f64::consts::PI).rem_euclid(std::f64::consts::TAU)
                - std::f64::consts::PI;
            assert!(step.abs() < 1.0, "{step}");
            turn += step;
        }
        assert!(
            (turn.abs() - std::f64::consts::TAU).abs() < 1e-6,
            "turned {turn}"
        );
    }

    #[test]
    fn needs_couplings() {
        let data = DiabaticData::from_model(&Tully1::default(), 20, -5.0, 5.0, Sampling::Uniform)
            .unwrap()
            .energies_only();
        assert!(propagate(&data).is_err());
    }
}
