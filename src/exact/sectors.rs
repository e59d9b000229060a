//! Exact diagonalization sector by sector: on chains momentum `k`, reflection parity
//! `p` (at `k = 0, π`) and spin-flip parity `z` (without fixed `Sᶻ`, or at `Sᶻ = 0`);
//! on periodic rectangles momenta `(kx, ky)` and `z`; on top of a fixed `Sᶻ` when the
//! Hamiltonian conserves it.
//!
//! Sector labels are those of the physical Hamiltonian: a deck's Marshall sign rule is
//! undone first (it maps momentum `k` to `k + π·N_↓` on a chain).
//!
//! `auto` finds the ground state without scanning when Perron–Frobenius applies: if
//! `H`, or `U H U` with the Marshall rotation `U = Π_{i∈B} σᶻᵢ`, has no positive
//! off-diagonal element, a ground state `ψ ≥ 0` (rotated) exists; its projection on the
//! fully symmetric sector is non-negative and non-zero, so `E₀` is that sector's lowest
//! level. For the rotated case `g U g⁻¹ = s_g U` with `s_g = ±1` (`T`, `R` exchange
//! the sublattices: `s = (−1)^{N_↓}`; `F`: `s = (−1)^{|B|}`), so the ground state has
//! `χ(g) = s_g`. Otherwise every sector is diagonalized (momenta `k` and `−k` once
//! when the chain is reflection symmetric).

use super::lanczos::{lanczos_observed, HermitianOperator, LanczosProgress};
use super::lean::lowest_eigenpair;
use super::symmetric_basis::SymmetricBasis;
use super::symmetric_operator::SymmetricOperator;
use super::symmetry::{ChainSymmetry, RectangleSymmetry, Sector, Symmetry};
use super::{available_memory_bytes, ExactOptions, Method, AUTO_DENSE_DIM};
use crate::error::{Error, Result};
use crate::hilbert::SpinHilbert;
use crate::lattice::{Boundary, Geometry, Lattice};
use crate::operator::{Hamiltonian, PauliSum};
use crate::scalar::Scalar;
use num_complex::Complex64;
use rayon::prelude::*;
use std::time::Instant;

/// Which sectors to diagonalize.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum SectorChoice {
    /// None: the plain (fixed-`Sᶻ` or full) space.
    #[default]
    Plain,
    /// One sector.
    One(Sector),
    /// The sector(s) that can hold the ground state (see the module documentation).
    Auto,
    /// Every sector: a complete decomposition of the space.
    All,
}

/// The symmetries a Hamiltonian has on a chain (`ly = 1`) or an `lx × ly` rectangle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LatticeSymmetries {
    /// Number of sites.
    pub n: usize,
    /// Chain length, or the rectangle's `lx`.
    pub lx: usize,
    /// 1 for a chain, or the rectangle's `ly`.
    pub ly: usize,
    /// All translations (periodic lattice, `[H, T] = 0`).
    pub translation: bool,
    /// Reflection `i → N − 1 − i` (chains).
    pub reflection: bool,
    /// Spin flip `F` (and `Sᶻ = 0` if `Sᶻ` is fixed).
    pub flip: bool,
}

impl LatticeSymmetries {
    /// Finds the symmetries of `op` on a chain (`ly = 1`) or rectangle.
    pub fn of(op: &PauliSum, lx: usize, ly: usize, periodic: bool, n_up: Option<usize>) -> Self {
        let n = op.n_sites();
        let shift_x: Vec<usize> = (0..n).map(|i| (i % lx + 1) % lx + lx * (i / lx)).collect();
        let shift_y: Vec<usize> = (0..n).map(|i| (i + lx) % n).collect();
        let mirror: Vec<usize> = (0..n).map(|i| n - 1 - i).collect();
        let identity: Vec<usize> = (0..n).collect();
        Self {
            n,
            lx,
            ly,
            translation: periodic
                && op.is_invariant(&shift_x, false)
                && (ly == 1 || op.is_invariant(&shift_y, false)),
            reflection: ly == 1 && op.is_invariant(&mirror, false),
            flip: n_up.is_none_or(|k| 2 * k == n) && op.is_invariant(&identity, true),
        }
    }

    /// Every sector: all momenta, parities where defined, spin-flip parities.
    /// `mirror_momenta = false` keeps one of `k` and `−k` when `R` is a symmetry.
    pub fn sectors(&self, mirror_momenta: bool) -> Vec<Sector> {
        let momenta: Vec<(Option<usize>, Option<usize>)> = match (self.translation, self.ly) {
            (false, _) => vec![(None, None)],
            (true, 1) => {
                let last = if self.reflection && !mirror_momenta {
                    self.n / 2
                } else {
                    self.n - 1
                };
                (0..=last).map(|m| (Some(m), None)).collect()
            }
            (true, ly) => (0..ly)
                .flat_map(|my| (0..self.lx).map(move |mx| (Some(mx), Some(my))))
                .collect(),
        };
        let mut out = Vec::new();
        for &(momentum, momentum_y) in &momenta {
            let parity_defined = momentum.is_none_or(|m| 2 * m % self.n == 0);
            let parities: &[Option<i8>] = if self.reflection && parity_defined {
                &[Some(1), Some(-1)]
            } else {
                &[None]
            };
            let flips: &[Option<i8>] = if self.flip {
                &[Some(1), Some(-1)]
            } else {
                &[None]
            };
            for &parity in parities {
                for &flip in flips {
                    out.push(Sector {
                        momentum,
                        momentum_y,
                        parity,
                        flip,
                    });
                }
            }
        }
        out
    }

    /// Refuses a sector whose quantum numbers are not conserved.
    pub fn check(&self, sector: &Sector, n_up: Option<usize>) -> Result<()> {
        let key = "exact.sectors";
        if sector.momentum.is_some() && !self.translation {
            return Err(Error::invalid(
                key,
                "the Hamiltonian is not translation invariant on this lattice (open boundary \
                 or non-uniform couplings), so the momentum is not a quantum number; drop it",
            ));
        }
        if sector.parity.is_some() && !self.reflection {
            return Err(Error::invalid(
                key,
                if self.ly > 1 {
                    "reflection parity p is implemented for chains only; drop p"
                } else {
                    "the Hamiltonian is not reflection symmetric, so p is not a quantum number; drop p"
                },
            ));
        }
        if sector.flip.is_some() && !self.flip {
            let why = match n_up {
                Some(k) if 2 * k != self.n => {
                    "the spin flip changes Sz, so z is defined only at Sz = 0"
                }
                _ => "the Hamiltonian does not commute with the spin flip (a longitudinal field?)",
            };
            return Err(Error::invalid(key, format!("{why}; drop z")));
        }
        Ok(())
    }

    /// The group of `sector` with its character.
    fn group(&self, sector: Sector, periodic: bool) -> Result<SectorGroup> {
        Ok(if self.ly > 1 && sector.momentum.is_some() {
            SectorGroup::Rectangle(RectangleSymmetry::new(self.lx, self.ly, sector)?)
        } else {
            SectorGroup::Chain(Box::new(ChainSymmetry::new(
                self.n,
                periodic && self.ly == 1,
                sector,
            )?))
        })
    }
}

/// A chain's group, or a rectangle's translations (a rectangle without its
/// translations uses the chain group with the spin flip alone).
enum SectorGroup {
    Chain(Box<ChainSymmetry>),
    Rectangle(RectangleSymmetry),
}

/// The lowest levels of one sector.
#[derive(Clone, Debug)]
pub struct SectorLevels {
    /// The sector.
    pub sector: Sector,
    /// Number of symmetric basis states.
    pub dimension: usize,
    /// Lowest energies, ascending.
    pub energies: Vec<f64>,
    /// Residual norms.
    pub residuals: Vec<f64>,
    /// Operator applications.
    pub matvecs: usize,
    /// Solver used.
    pub method: Method,
    /// Whether arithmetic was real.
    pub real_arithmetic: bool,
    /// Whether the connections were stored (else searched on every product).
    pub stored_connections: bool,
    /// Seconds for this sector (basis, solve, observables).
    pub seconds: f64,
}

/// Result of a sector calculation.
#[derive(Clone, Debug)]
pub struct SectorSpectrum {
    /// Each diagonalized sector, in the order solved.
    pub sectors: Vec<SectorLevels>,
    /// The lowest `n_states` levels over all sectors: `(energy, index into sectors)`.
    pub levels: Vec<(f64, usize)>,
    /// Why the ground state is in the sector reported (Perron–Frobenius or a scan).
    pub ground_reason: String,
    /// `⟨σᶻ₀ σᶻ_r⟩`, `r = 0 … ⌊N/2⌋`, in the ground state (when asked for).
    pub correlations: Option<Vec<f64>>,
}

/// The physical operator: the deck's Marshall rotation undone.
pub fn physical_operator(ham: &Hamiltonian) -> PauliSum {
    match (ham.sign_rule(), ham.lattice().bipartition()) {
        (true, Some(sublattice)) => ham.operator().clone().with_sign_rule(sublattice),
        _ => ham.operator().clone(),
    }
}

/// `(lx, ly)` for sector labels: `(N, 1)` for a chain (and an edge list), the lengths
/// of a rectangle.
pub fn sector_lengths(lattice: &Lattice) -> (usize, usize) {
    match lattice.geometry() {
        Geometry::Rectangular { lx, ly, .. } => (*lx, *ly),
        _ => (lattice.n_sites(), 1),
    }
}

/// `(lx, ly, periodic)` of a chain (`ly = 1`) or rectangle; errors for edge lists.
fn lattice_shape(ham: &Hamiltonian) -> Result<(usize, usize, bool)> {
    match ham.lattice().geometry() {
        Geometry::Chain { length, boundary } => Ok((*length, 1, *boundary == Boundary::Periodic)),
        Geometry::Rectangular { lx, ly, boundary } => {
            Ok((*lx, *ly, *boundary == Boundary::Periodic))
        }
        _ => Err(Error::invalid(
            "exact.sectors",
            format!(
                "symmetry sectors are implemented for chains and rectangles; this is a {}; \
                 drop exact.sectors (or --sector/--sectors)",
                ham.lattice().describe()
            ),
        )),
    }
}

/// The sector that holds the ground state by Perron–Frobenius, with the reason, or
/// `None` when neither `H` nor its Marshall rotation is stoquastic.
pub fn perron_frobenius_sector(
    ham: &Hamiltonian,
    op: &PauliSum,
    symmetries: &LatticeSymmetries,
    n_up: Option<usize>,
) -> Option<(Sector, String)> {
    let (n, lx, ly) = (symmetries.n, symmetries.lx, symmetries.ly);
    let rectangle = ly > 1;
    let trivial = |tx: i8, ty: i8, p: i8, z: i8| Sector {
        momentum: symmetries
            .translation
            .then_some(if tx > 0 { 0 } else { lx / 2 }),
        momentum_y: (symmetries.translation && rectangle).then_some(if ty > 0 {
            0
        } else {
            ly / 2
        }),
        parity: symmetries.reflection.then_some(p),
        flip: symmetries.flip.then_some(z),
    };
    if op.is_stoquastic() {
        return Some((
            trivial(1, 1, 1, 1),
            "Perron-Frobenius: no positive off-diagonal element".into(),
        ));
    }
    let sublattice = ham.lattice().bipartition()?;
    let rotated = op.clone().with_sign_rule(sublattice);
    if !rotated.is_stoquastic() {
        return None;
    }
    // s_g for a permutation: +1 if it keeps B, (−1)^{N↓} if it swaps B and its complement.
    let sign_of = |perm: &dyn Fn(usize) -> usize| -> Option<i8> {
        let keeps = (0..n).all(|i| sublattice[perm(i)] == sublattice[i]);
        let swaps = (0..n).all(|i| sublattice[perm(i)] != sublattice[i]);
        if keeps {
            Some(1)
        } else if swaps {
            let down = n - n_up?;
            Some(if down % 2 == 0 { 1 } else { -1 })
        } else {
            None
        }
    };
    let (tx, ty) = if symmetries.translation {
        let tx = sign_of(&|i| (i % lx + 1) % lx + lx * (i / lx))?;
        let ty = if rectangle {
            sign_of(&|i| (i + lx) % n)?
        } else {
            1
        };
        (tx, ty)
    } else {
        (1, 1)
    };
    if (tx < 0 && lx % 2 == 1) || (ty < 0 && ly % 2 == 1) {
        return None;
    }
    let p = if symmetries.reflection {
        sign_of(&|i| n - 1 - i)?
    } else {
        1
    };
    let b_sites = sublattice.iter().filter(|&&s| s == 1).count();
    let z = if b_sites % 2 == 0 { 1 } else { -1 };
    Some((
        trivial(tx, ty, p, z),
        "Perron-Frobenius: no positive off-diagonal element after the Marshall rotation".into(),
    ))
}

/// What a sector run will do: the physical operator, the chain's symmetries, and the
/// sectors to diagonalize with the reason for that choice.
struct Plan {
    periodic: bool,
    op: PauliSum,
    symmetries: LatticeSymmetries,
    sectors: Vec<Sector>,
    reason: String,
}

impl Plan {
    fn new(ham: &Hamiltonian, space: &SpinHilbert, opts: &ExactOptions) -> Result<Self> {
        let (lx, ly, periodic) = lattice_shape(ham)?;
        let op = physical_operator(ham);
        let n_up = space.n_up();
        if n_up.is_some() && !op.conserves_magnetization() {
            return Err(Error::invalid(
                "system.total_sz",
                "this Hamiltonian does not conserve the total magnetization, so it has no \
                 fixed-Sz sectors; remove total_sz (or set total_sz = \"all\")",
            ));
        }
        let symmetries = LatticeSymmetries::of(&op, lx, ly, periodic, n_up);
        let (sectors, reason) = match &opts.sectors {
            SectorChoice::Plain => {
                return Err(Error::invalid("exact.sectors", "no sector was asked for"))
            }
            SectorChoice::One(s) => {
                symmetries.check(s, n_up)?;
                symmetries.group(*s, periodic)?;
                (vec![*s], "the sector asked for".to_string())
            }
            SectorChoice::All => (
                symmetries.sectors(true),
                "lowest over every sector".to_string(),
            ),
            SectorChoice::Auto => match perron_frobenius_sector(ham, &op, &symmetries, n_up) {
                Some((s, why)) if opts.lanczos.n_eigen == 1 => (vec![s], why),
                _ => (
                    symmetries.sectors(false),
                    if symmetries.translation && symmetries.reflection {
                        "lowest over every sector (k and -k are mirror images: k ≤ π only)"
                    } else {
                        "lowest over every sector"
                    }
                    .to_string(),
                ),
            },
        };
        if sectors.iter().all(|s| *s == Sector::default()) {
            return Err(Error::invalid(
                "exact.sectors",
                "the Hamiltonian has no translation, reflection or spin-flip symmetry on \
                 this lattice; drop exact.sectors",
            ));
        }
        Ok(Self {
            periodic,
            op,
            symmetries,
            sectors,
            reason,
        })
    }
}

/// Checks a sector request before any work (or output) is done: the lattice, the
/// conservation of each quantum number asked for, and the sector's consistency.
pub fn check_sectors(ham: &Hamiltonian, space: &SpinHilbert, opts: &ExactOptions) -> Result<()> {
    if opts.sectors != SectorChoice::Plain {
        Plan::new(ham, space, opts)?;
    }
    Ok(())
}

/// Diagonalizes `ham` in the sectors chosen by `opts.sectors`.
pub fn solve_sectors(
    ham: &Hamiltonian,
    space: &SpinHilbert,
    opts: &ExactOptions,
    observer: &mut dyn FnMut(&Sector, LanczosProgress),
) -> Result<SectorSpectrum> {
    let Plan {
        periodic,
        op,
        symmetries,
        sectors: list,
        reason,
    } = Plan::new(ham, space, opts)?;
    let n_up = space.n_up();
    let k = opts.lanczos.n_eigen;
    let mut sectors: Vec<SectorLevels> = Vec::new();
    let mut correlations = None;
    for sector in &list {
        let solved = match symmetries.group(*sector, periodic)? {
            SectorGroup::Chain(g) => solve_in(*g, *sector, &op, n_up, opts, observer)?,
            SectorGroup::Rectangle(g) => solve_in(g, *sector, &op, n_up, opts, observer)?,
        };
        let Some((levels, c)) = solved else {
            continue;
        };
        if sectors.iter().all(|s| levels.energies[0] < s.energies[0]) {
            correlations = c;
        }
        sectors.push(levels);
    }
    if sectors.is_empty() {
        let names: Vec<String> = list.iter().map(Sector::to_string).collect();
        return Err(Error::invalid(
            "exact.sectors",
            format!(
                "{} holds no state of the {} space (the symmetric combination vanishes on \
                 every orbit); choose another sector, or list them with --sectors all",
                names.join("; "),
                space.sector_label()
            ),
        ));
    }
    let mut levels: Vec<(f64, usize)> = sectors
        .iter()
        .enumerate()
        .flat_map(|(i, s)| s.energies.iter().map(move |&e| (e, i)))
        .collect();
    levels.sort_by(|a, b| a.0.total_cmp(&b.0));
    levels.truncate(k);
    Ok(SectorSpectrum {
        sectors,
        levels,
        ground_reason: reason,
        correlations,
    })
}

/// The lowest levels of one sector, and the ground-state correlations when asked for;
/// `None` when the sector is empty.
fn solve_in<S: Symmetry>(
    group: S,
    sector: Sector,
    op: &PauliSum,
    n_up: Option<usize>,
    opts: &ExactOptions,
    observer: &mut dyn FnMut(&Sector, LanczosProgress),
) -> Result<Option<(SectorLevels, Option<Vec<f64>>)>> {
    let started = Instant::now();
    let real = op.is_real() && group.is_real();
    let budget = available_memory_bytes().unwrap_or(f64::INFINITY) * 0.5;
    let basis = SymmetricBasis::new(group, n_up, budget)?;
    if basis.dim() == 0 {
        return Ok(None);
    }
    let vector_bytes = check_vectors(basis.dim(), real, opts)?;
    let mut operator = SymmetricOperator::new(op, &basis);
    let mut report = |p: LanczosProgress| observer(&sector, p);
    let want = opts.correlations;
    let (levels, correlations) = if real {
        store_if_it_fits::<f64, _>(&mut operator, opts.store_connections, vector_bytes)?;
        let (levels, v) = solve_one::<f64, _>(&operator, basis.dim(), opts, want, &mut report)?;
        (levels, v.map(|v| zz_correlations(&basis, &v)))
    } else {
        store_if_it_fits::<Complex64, _>(&mut operator, opts.store_connections, vector_bytes)?;
        let (levels, v) =
            solve_one::<Complex64, _>(&operator, basis.dim(), opts, want, &mut report)?;
        (levels, v.map(|v| zz_correlations(&basis, &v)))
    };
    let (energies, residuals, matvecs, method) = levels;
    if energies.iter().any(|e| !e.is_finite()) {
        return Err(Error::Numerical(format!(
            "a computed energy in sector {sector} is not finite"
        )));
    }
    Ok(Some((
        SectorLevels {
            sector,
            dimension: basis.dim(),
            energies,
            residuals,
            matvecs,
            method,
            real_arithmetic: real,
            stored_connections: operator.is_stored(),
            seconds: started.elapsed().as_secs_f64(),
        },
        correlations,
    )))
}

type Solved<T> = ((Vec<f64>, Vec<f64>, usize, Method), Option<Vec<T>>);

fn solve_one<T: Scalar, A: HermitianOperator<T>>(
    op: &A,
    dim: usize,
    opts: &ExactOptions,
    want_vector: bool,
    observer: &mut dyn FnMut(LanczosProgress),
) -> Result<Solved<T>> {
    let k = opts.lanczos.n_eigen.min(dim);
    let method = match opts.method {
        Method::Auto if dim <= AUTO_DENSE_DIM => Method::Dense,
        Method::Auto if k == 1 => Method::Lean,
        Method::Auto => Method::Lanczos,
        Method::Dense if dim > super::MAX_DENSE_DIM => {
            return Err(Error::invalid(
                "exact.method",
                format!(
                    "dense diagonalization is limited to {} states, this sector has {dim}; \
                     use method = \"lanczos\"",
                    super::MAX_DENSE_DIM
                ),
            ))
        }
        m => m,
    };
    if method == Method::Dense {
        let mut h = vec![T::default(); dim * dim];
        let mut unit = vec![T::default(); dim];
        for j in 0..dim {
            unit[j] = T::from_real(1.0);
            op.apply(&unit, &mut h[j * dim..(j + 1) * dim]);
            unit[j] = T::default();
        }
        let (values, vectors) = T::eigh(&h, dim)
            .ok_or_else(|| Error::Numerical("dense eigen-decomposition failed".into()))?;
        let vector = want_vector.then(|| vectors[..dim].to_vec());
        return Ok(((values[..k].to_vec(), vec![0.0; k], 0, method), vector));
    }
    let mut lopts = opts.lanczos.clone();
    lopts.n_eigen = k;
    lopts.eigenvectors = want_vector;
    let res = if method == Method::Lean {
        lowest_eigenpair::<T, _>(op, &lopts, observer)?
    } else {
        lanczos_observed::<T, _>(op, &lopts, observer)?
    };
    let vector = res.eigenvectors.into_iter().next();
    Ok((
        (res.eigenvalues, res.residuals, res.matvecs, method),
        vector,
    ))
}

/// Stores the connections when asked to (`Some(true)`), or by default when they take
/// less than half of the memory left after the Lanczos vectors.
fn store_if_it_fits<T: Scalar, S: Symmetry>(
    operator: &mut SymmetricOperator<'_, S>,
    choice: Option<bool>,
    vector_bytes: f64,
) -> Result<()> {
    let bytes = operator.stored_bytes::<T>();
    let store = match (choice, bytes) {
        (Some(false), _) => false,
        (Some(true), None) => {
            return Err(Error::invalid(
                "exact.store_connections",
                "this sector has 2^32 states or more, or a group of more than 256 elements, \
                 which stored connections cannot index; set store_connections = false",
            ))
        }
        (Some(true), Some(_)) => true,
        (None, None) => false,
        (None, Some(b)) => {
            let available = available_memory_bytes().unwrap_or(0.0);
            b < 0.5 * (available - vector_bytes)
        }
    };
    if store {
        operator.store_connections::<T>();
    }
    Ok(())
}

/// Refuses sectors whose Lanczos vectors would not fit in memory; returns their bytes.
fn check_vectors(dim: usize, real: bool, opts: &ExactOptions) -> Result<f64> {
    let amp = if real { 8.0 } else { 16.0 };
    let vectors = match opts.method {
        Method::Lean => 5.0,
        Method::Auto if opts.lanczos.n_eigen == 1 => 5.0,
        _ => opts.lanczos.basis_size(usize::MAX) as f64 + 4.0,
    };
    let needed = dim as f64 * amp * vectors;
    if let Some(available) = available_memory_bytes() {
        if needed > 0.9 * available {
            return Err(Error::invalid(
                "system.size",
                format!(
                    "a sector of {dim} states needs about {:.1} GiB of Lanczos vectors but \
                     {:.1} GiB are available; use n_states = 1 (three-vector Lanczos) or \
                     lower exact.krylov_dim",
                    needed / 1073741824.0,
                    available / 1073741824.0
                ),
            ));
        }
    }
    Ok(needed)
}

/// Amplitudes per block of the correlation sums.
const CORRELATION_BLOCK: usize = 1 << 14;

/// `C(r) = ⟨σᶻ₀ σᶻ_r⟩` in a normalized sector state `ψ`, for the sites
/// `r = 0 … ⌊N/2⌋` of a chain or every site `r = x + lx·y` of a rectangle.
///
/// A diagonal operator `D` does not mix orbits and has, on a symmetric basis state,
/// the orbit average of its values: `⟨ψ|D|ψ⟩ = Σ_a |ψ_a|² |G|⁻¹ Σ_g D(g a)`. With
/// translations, `σᶻ₀σᶻ_r` may be replaced by its translation average
/// `N⁻¹ Σᵢ σᶻᵢσᶻ_{i+r} = 1 − 2|a ⊕ T_r a|/N` (`T_r`, group element `r`, takes site 0
/// to site `r`), which is the same on the whole orbit.
pub fn zz_correlations<S: Symmetry, T: Scalar>(basis: &SymmetricBasis<S>, psi: &[T]) -> Vec<f64> {
    let n = basis.group().n_sites();
    let order = basis.group().order();
    let translations = basis.group().has_translations();
    let sites = basis.group().correlation_sites();
    // Sums over fixed blocks, added in order: the same bits for any number of threads.
    let ordered_sum = |f: &(dyn Fn(usize, T) -> f64 + Sync)| -> f64 {
        let partial: Vec<f64> = psi
            .par_chunks(CORRELATION_BLOCK)
            .enumerate()
            .map(|(c, chunk)| {
                let first = c * CORRELATION_BLOCK;
                chunk
                    .iter()
                    .enumerate()
                    .map(|(r, &x)| f(first + r, x))
                    .sum()
            })
            .collect();
        partial.iter().sum()
    };
    let norm = ordered_sum(&|_, x| x.abs2());
    (0..sites)
        .map(|r| {
            let sum = ordered_sum(&|i, x| {
                let a = basis.state(i);
                let value = if translations {
                    let shifted = basis.group().image(a, r);
                    1.0 - 2.0 * f64::from((a ^ shifted).count_ones()) / n as f64
                } else {
                    (0..order)
                        .map(|g| {
                            let b = basis.group().image(a, g);
                            if (b ^ (b >> r)) & 1 == 0 {
                                1.0
                            } else {
                                -1.0
                            }
                        })
                        .sum::<f64>()
                        / order as f64
                };
                x.abs2() * value
            });
            sum / norm
        })
        .collect()
}
