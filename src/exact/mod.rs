//! Exact diagonalization: thick-restart Lanczos on a sector with the Hamiltonian
//! applied on the fly, dense diagonalization for small spaces, and closed forms.
//!
//! Real arithmetic is used whenever the Hamiltonian's matrix is real in the `σᶻ`
//! basis (TFIM, XXZ, J1-J2, Pauli sums with an even number of `Y` per string);
//! complex otherwise.

mod closed_form;
mod dense;
mod lanczos;
mod lean;
mod sector;
mod sectors;
mod symmetric_basis;
mod symmetric_operator;
mod symmetry;

pub use crate::scalar::Scalar;
pub use closed_form::{
    bethe_limit_per_site, closed_form_energy, heisenberg_chain_bethe_per_site, tfim_chain_periodic,
    Reference,
};
pub use dense::{dense_matrix, full_diagonalization, MAX_DENSE_DIM};
pub use lanczos::{
    lanczos, lanczos_observed, HermitianOperator, LanczosOptions, LanczosProgress, LanczosResult,
};
pub use lean::lowest_eigenpair;
pub use sector::{expectation, SectorOperator};
pub use sectors::{
    check_sectors, perron_frobenius_sector, physical_operator, sector_lengths, solve_sectors,
    zz_correlations, LatticeSymmetries, SectorChoice, SectorLevels, SectorSpectrum,
};
pub use symmetric_basis::SymmetricBasis;
pub use symmetric_operator::SymmetricOperator;
pub use symmetry::{ChainSymmetry, RectangleSymmetry, Sector, Symmetry, MAX_SYMMETRIC_SITES};

use crate::error::{Error, Result};
use crate::hilbert::{Basis, SpinHilbert};
use crate::operator::{Hamiltonian, PauliSum};
use num_complex::Complex64;
use std::time::Instant;

/// Which eigensolver to use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// Dense up to [`AUTO_DENSE_DIM`] states, Lanczos above.
    Auto,
    /// Thick-restart Lanczos.
    Lanczos,
    /// Dense full diagonalization (≤ [`MAX_DENSE_DIM`] states).
    Dense,
    /// Three-vector Lanczos for the lowest level (symmetry sectors).
    Lean,
}

impl Method {
    /// Name as in decks.
    pub fn name(self) -> &'static str {
        match self {
            Method::Auto => "auto",
            Method::Lanczos => "lanczos",
            Method::Dense => "dense",
            Method::Lean => "lean",
        }
    }
}

/// Below this dimension `Method::Auto` diagonalizes densely.
pub const AUTO_DENSE_DIM: usize = 256;

/// Settings for [`solve`].
#[derive(Clone, Debug)]
pub struct ExactOptions {
    /// Eigensolver.
    pub method: Method,
    /// Lanczos settings (`n_eigen` is the number of levels for every method).
    pub lanczos: LanczosOptions,
    /// Keep the ground-state vector for observables.
    pub ground_state: bool,
    /// Symmetry sectors to diagonalize ([`SectorChoice::Plain`]: none).
    pub sectors: SectorChoice,
    /// Compute `⟨σᶻ₀σᶻ_r⟩` in the ground state (symmetry sectors).
    pub correlations: bool,
    /// Symmetry sectors: store each connection's target (`None`: when it fits in
    /// memory) instead of searching for it on every product.
    pub store_connections: Option<bool>,
}

impl Default for ExactOptions {
    fn default() -> Self {
        Self {
            method: Method::Auto,
            lanczos: LanczosOptions::default(),
            ground_state: false,
            sectors: SectorChoice::Plain,
            correlations: false,
            store_connections: None,
        }
    }
}

/// Amplitudes of a state on a basis.
#[derive(Clone, Debug)]
pub enum Amplitudes {
    /// Real amplitudes (real Hamiltonian).
    Real(Vec<f64>),
    /// Complex amplitudes.
    Complex(Vec<Complex64>),
}

/// The ground state on its basis.
#[derive(Clone, Debug)]
pub struct GroundState {
    /// Basis the amplitudes refer to.
    pub basis: Basis,
    /// Normalized amplitudes.
    pub amplitudes: Amplitudes,
}

impl GroundState {
    /// `⟨ψ₀|O|ψ₀⟩` for any operator on the same sites.
    pub fn expectation(&self, op: &PauliSum) -> f64 {
        match &self.amplitudes {
            Amplitudes::Real(v) => expectation(op, &self.basis, v),
            Amplitudes::Complex(v) => expectation(op, &self.basis, v),
        }
    }
}

/// Result of [`solve`].
#[derive(Clone, Debug)]
pub struct Spectrum {
    /// Lowest energies, ascending (total, not per site).
    pub energies: Vec<f64>,
    /// Residual norms `‖H u − E u‖` (zero-ish for dense).
    pub residuals: Vec<f64>,
    /// Dimension of the space diagonalized.
    pub dimension: usize,
    /// Sector label, e.g. `Sz=0`.
    pub sector: String,
    /// Method actually used.
    pub method: Method,
    /// Hamiltonian applications (Lanczos) or 0 (dense).
    pub matvecs: usize,
    /// Whether arithmetic was real.
    pub real_arithmetic: bool,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// Ground state, if requested (plain bases only).
    pub ground_state: Option<GroundState>,
    /// Per-sector results of a symmetry-sector run.
    pub sectors: Option<SectorSpectrum>,
}

impl Spectrum {
    /// The spectrum of a symmetry-sector run: the lowest levels over all sectors, the
    /// dimension, method and arithmetic of the ground state's sector, and the operator
    /// applications of all sectors together.
    pub fn from_sectors(space: &SpinHilbert, result: SectorSpectrum, seconds: f64) -> Self {
        let ground = &result.sectors[result.levels[0].1];
        let residual_of = |&(e, i): &(f64, usize)| {
            let s = &result.sectors[i];
            let k = s.energies.iter().position(|&x| x == e).unwrap_or(0);
            s.residuals[k]
        };
        Self {
            energies: result.levels.iter().map(|l| l.0).collect(),
            residuals: result.levels.iter().map(residual_of).collect(),
            dimension: ground.dimension,
            sector: format!("{}, {}", space.sector_label(), ground.sector),
            method: ground.method,
            matvecs: result.sectors.iter().map(|s| s.matvecs).sum(),
            real_arithmetic: ground.real_arithmetic,
            seconds,
            ground_state: None,
            sectors: Some(result),
        }
    }
}

/// Largest basis enumerated, in states (`2³²`: about 32 GiB per real vector).
const MAX_BASIS: usize = 1 << 32;

/// The lowest `opts.lanczos.n_eigen` energies of `ham` in `space`.
pub fn solve(ham: &Hamiltonian, space: &SpinHilbert, opts: &ExactOptions) -> Result<Spectrum> {
    solve_observed(ham, space, opts, &mut |_| {})
}

/// [`solve`], reporting Lanczos progress to `observer` after every restart cycle.
pub fn solve_observed(
    ham: &Hamiltonian,
    space: &SpinHilbert,
    opts: &ExactOptions,
    observer: &mut dyn FnMut(LanczosProgress),
) -> Result<Spectrum> {
    opts.lanczos.check()?;
    if opts.sectors != SectorChoice::Plain {
        let started = Instant::now();
        let result = solve_sectors(ham, space, opts, &mut |_, p| observer(p))?;
        return Ok(Spectrum::from_sectors(
            space,
            result,
            started.elapsed().as_secs_f64(),
        ));
    }
    if space.n_sites() != ham.n_sites() {
        return Err(Error::invalid(
            "system.size",
            "Hilbert space and Hamiltonian have different numbers of sites",
        ));
    }
    let started = Instant::now();
    let op = ham.operator();
    let real = op.is_real();
    let basis = Basis::new(space, MAX_BASIS)?;
    check_memory(&basis, opts, real)?;
    let dim = basis.dim();
    let method = match opts.method {
        Method::Auto if dim <= AUTO_DENSE_DIM => Method::Dense,
        Method::Auto => Method::Lanczos,
        m => m,
    };
    let fixed = space.n_up().is_some();
    let k = opts.lanczos.n_eigen.min(dim);
    let (energies, residuals, matvecs, amplitudes) = if real {
        run::<f64>(op, &basis, fixed, method, opts, k, observer)
            .map(|(e, r, n, v)| (e, r, n, v.map(Amplitudes::Real)))?
    } else {
        run::<Complex64>(op, &basis, fixed, method, opts, k, observer)
            .map(|(e, r, n, v)| (e, r, n, v.map(Amplitudes::Complex)))?
    };
    if energies.iter().any(|e| !e.is_finite()) {
        return Err(Error::Numerical("a computed energy is not finite".into()));
    }
    Ok(Spectrum {
        energies,
        residuals,
        dimension: dim,
        sector: space.sector_label(),
        method,
        matvecs,
        real_arithmetic: real,
        seconds: started.elapsed().as_secs_f64(),
        ground_state: amplitudes.map(|amplitudes| GroundState { basis, amplitudes }),
        sectors: None,
    })
}

type Levels<T> = (Vec<f64>, Vec<f64>, usize, Option<Vec<T>>);

fn run<T: Scalar>(
    op: &PauliSum,
    basis: &Basis,
    fixed: bool,
    method: Method,
    opts: &ExactOptions,
    k: usize,
    observer: &mut dyn FnMut(LanczosProgress),
) -> Result<Levels<T>>
where
    for<'a> SectorOperator<'a>: HermitianOperator<T>,
{
    let sector = SectorOperator::new(op, basis, fixed)?;
    match method {
        Method::Dense => {
            let (values, vectors) = full_diagonalization::<T>(op, basis)?;
            let d = basis.dim();
            let ground = opts.ground_state.then(|| vectors[..d].to_vec());
            Ok((values[..k].to_vec(), vec![0.0; k], 0, ground))
        }
        _ => {
            let mut lopts = opts.lanczos.clone();
            lopts.n_eigen = k;
            lopts.eigenvectors = opts.ground_state;
            let res = if method == Method::Lean {
                lowest_eigenpair::<T, _>(&sector, &lopts, observer)?
            } else {
                lanczos_observed::<T, _>(&sector, &lopts, observer)?
            };
            let ground = res.eigenvectors.into_iter().next();
            Ok((res.eigenvalues, res.residuals, res.matvecs, ground))
        }
    }
}

/// Refuses runs whose vectors would not fit in the machine's available memory.
fn check_memory(basis: &Basis, opts: &ExactOptions, real: bool) -> Result<()> {
    let dim = basis.dim() as f64;
    let amp = if real { 8.0 } else { 16.0 };
    let m = if opts.lanczos.krylov_dim == 0 {
        (2 * opts.lanczos.n_eigen + 10).max(20)
    } else {
        opts.lanczos.krylov_dim
    } as f64;
    let needed = dim * ((m + 3.0) * amp + 16.0);
    if let Some(available) = available_memory_bytes() {
        if needed > 0.9 * available {
            return Err(Error::invalid(
                "system.size",
                format!(
                    "the {} space has {} states; Lanczos needs about {:.1} GiB but {:.1} GiB \
                     are available; reduce the system, fix system.total_sz, or lower exact.krylov_dim",
                    basis_label(basis),
                    basis.dim(),
                    needed / 1073741824.0,
                    available / 1073741824.0
                ),
            ));
        }
    }
    Ok(())
}

fn basis_label(basis: &Basis) -> String {
    format!("{}-site", basis.n_sites())
}

pub(crate) fn available_memory_bytes() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024.0)
}
