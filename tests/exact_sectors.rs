//! Symmetry sectors against the plain basis: the spectra of all momentum, parity and
//! spin-flip sectors together are the spectrum of the whole fixed-Sz (or full) space,
//! level by level; ground-state energies and correlations agree with the plain basis.

use hamlet::exact::{
    self, full_diagonalization, solve_sectors, ExactOptions, LanczosOptions, Method, Sector,
    SectorChoice,
};
use hamlet::hilbert::{Basis, SpinHilbert};
use hamlet::lattice::{Boundary, Lattice};
use hamlet::operator::{zz_correlation, Hamiltonian};

fn chain(n: usize, boundary: Boundary) -> Lattice {
    Lattice::chain(n, boundary).unwrap()
}

/// Every level of the plain space, ascending.
fn plain_spectrum(ham: &Hamiltonian, space: &SpinHilbert) -> Vec<f64> {
    let basis = Basis::new(space, 1 << 20).unwrap();
    full_diagonalization::<f64>(ham.operator(), &basis)
        .unwrap()
        .0
}

/// Every level of every sector, ascending, and the sum of the sector dimensions.
fn union_of_sectors(ham: &Hamiltonian, space: &SpinHilbert) -> (Vec<f64>, usize, usize) {
    let opts = ExactOptions {
        method: Method::Dense,
        lanczos: LanczosOptions {
            n_eigen: 1 << 20,
            ..LanczosOptions::default()
        },
        sectors: SectorChoice::All,
        ..ExactOptions::default()
    };
    let result = solve_sectors(ham, space, &opts, &mut |_, _| {}).unwrap();
    let dims = result.sectors.iter().map(|s| s.dimension).sum();
    let mut all: Vec<f64> = result
        .sectors
        .iter()
        .flat_map(|s| s.energies.iter().copied())
        .collect();
    all.sort_by(f64::total_cmp);
    (all, dims, result.sectors.len())
}

fn assert_same_spectrum(ham: &Hamiltonian, space: &SpinHilbert, label: &str) {
    let plain = plain_spectrum(ham, space);
    let (union, dims, n_sectors) = union_of_sectors(ham, space);
    assert_eq!(dims, plain.len(), "{label}: sector dimensions");
    assert_eq!(union.len(), plain.len(), "{label}: level count");
    let scale = plain.iter().fold(1.0f64, |m, e| m.max(e.abs()));
    let worst = plain
        .iter()
        .zip(&union)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    assert!(
        worst < 1e-10 * scale,
        "{label}: worst level difference {worst:.2e}"
    );
    eprintln!(
        "{label}: {} levels in {n_sectors} sectors, worst difference {worst:.1e}",
        plain.len()
    );
}

#[test]
fn sector_spectra_make_up_the_sz_spectrum_of_heisenberg_xxz_and_j1j2_rings() {
    for n in [10usize, 12] {
        let sz0 = SpinHilbert::with_total_sz(n, 0.0).unwrap();
        let models = [
            (
                "Heisenberg (Marshall)",
                Hamiltonian::xxz(chain(n, Boundary::Periodic), 1.0, 1.0, true).unwrap(),
            ),
            (
                "XXZ delta=0.6",
                Hamiltonian::xxz(chain(n, Boundary::Periodic), 1.0, 0.6, false).unwrap(),
            ),
            (
                "J1-J2 J2=0.5",
                Hamiltonian::j1j2(chain(n, Boundary::Periodic), 1.0, 0.5, false).unwrap(),
            ),
        ];
        for (name, ham) in &models {
            assert_same_spectrum(ham, &sz0, &format!("{name} N={n} Sz=0"));
        }
        // A sector without spin flip, and an open chain (reflection and flip only).
        let sz1 = SpinHilbert::with_total_sz(n, 1.0).unwrap();
        assert_same_spectrum(&models[2].1, &sz1, &format!("J1-J2 N={n} Sz=1"));
        let open = Hamiltonian::xxz(chain(n, Boundary::Open), 1.0, 0.6, false).unwrap();
        assert_same_spectrum(&open, &sz0, &format!("open XXZ N={n}"));
    }
}

#[test]
fn translation_sectors_of_rectangles_make_up_the_spectrum() {
    let rect = || Lattice::rectangular(4, 3, Boundary::Periodic).unwrap();
    let sz0 = SpinHilbert::with_total_sz(12, 0.0).unwrap();
    let heisenberg = Hamiltonian::xxz(rect(), 1.0, 1.0, false).unwrap();
    assert_same_spectrum(&heisenberg, &sz0, "Heisenberg 4x3 Sz=0");
    let j1j2 = Hamiltonian::j1j2(rect(), 1.0, 0.5, false).unwrap();
    assert_same_spectrum(&j1j2, &sz0, "J1-J2 4x3 Sz=0");
    let tfim = Hamiltonian::tfim(rect(), 1.0, 2.5, 0.0).unwrap();
    assert_same_spectrum(&tfim, &SpinHilbert::full(12).unwrap(), "TFIM 4x3");
}

#[test]
fn auto_finds_the_square_lattice_ground_state_and_its_correlations() {
    let n = 16;
    let square = Lattice::rectangular(4, 4, Boundary::Periodic).unwrap();
    let ham = Hamiltonian::xxz(square, 1.0, 1.0, true).unwrap();
    let space = SpinHilbert::with_total_sz(n, 0.0).unwrap();
    let result = auto(&ham, &space, true);
    assert_eq!(result.sectors.len(), 1);
    assert_eq!(result.sectors[0].sector.to_string(), "kx=0,ky=0,z=1");
    let opts = ExactOptions {
        method: Method::Lanczos,
        ground_state: true,
        ..ExactOptions::default()
    };
    let plain = exact::solve(&ham, &space, &opts).unwrap();
    assert!((result.levels[0].0 - plain.energies[0]).abs() < 1e-9);
    let gs = plain.ground_state.unwrap();
    let c = result.correlations.unwrap();
    assert_eq!(c.len(), n);
    for (j, cj) in c.iter().enumerate() {
        let reference = gs.expectation(&zz_correlation(n, 0, j).unwrap());
        assert!(
            (cj - reference).abs() < 1e-8,
            "site {j}: {cj} vs {reference}"
        );
    }
}

#[test]
fn sector_spectra_make_up_the_tfim_spectrum() {
    for n in [10usize, 12] {
        let all = SpinHilbert::full(n).unwrap();
        let ham = Hamiltonian::tfim(chain(n, Boundary::Periodic), 1.0, 0.7, 0.0).unwrap();
        assert_same_spectrum(&ham, &all, &format!("TFIM h=0.7 N={n}"));
    }
    // A longitudinal field breaks the spin flip: momentum and parity only.
    let ham = Hamiltonian::tfim(chain(10, Boundary::Periodic), 1.0, 0.7, 0.3).unwrap();
    assert_same_spectrum(&ham, &SpinHilbert::full(10).unwrap(), "TFIM hz=0.3 N=10");
}

fn auto(ham: &Hamiltonian, space: &SpinHilbert, correlations: bool) -> exact::SectorSpectrum {
    let opts = ExactOptions {
        sectors: SectorChoice::Auto,
        correlations,
        ..ExactOptions::default()
    };
    solve_sectors(ham, space, &opts, &mut |_, _| {}).unwrap()
}

#[test]
fn auto_finds_the_ground_state_sector_and_its_correlations() {
    for n in [12usize, 14] {
        let ring = chain(n, Boundary::Periodic);
        let ham = Hamiltonian::xxz(ring, 1.0, 1.0, true).unwrap();
        let space = SpinHilbert::with_total_sz(n, 0.0).unwrap();
        let result = auto(&ham, &space, true);
        assert_eq!(result.sectors.len(), 1, "Perron-Frobenius picks one sector");
        let expected = if (n / 2) % 2 == 0 {
            "k=0,p=1,z=1"
        } else {
            "k=7,p=-1,z=-1"
        };
        assert_eq!(result.sectors[0].sector.to_string(), expected);
        let opts = ExactOptions {
            method: Method::Lanczos,
            ground_state: true,
            ..ExactOptions::default()
        };
        let plain = exact::solve(&ham, &space, &opts).unwrap();
        let e0 = result.levels[0].0;
        assert!(
            (e0 - plain.energies[0]).abs() < 1e-9,
            "{e0} vs {}",
            plain.energies[0]
        );
        let gs = plain.ground_state.unwrap();
        let c = result.correlations.unwrap();
        for (r, cr) in c.iter().enumerate() {
            let reference = gs.expectation(&zz_correlation(n, 0, r).unwrap());
            assert!(
                (cr - reference).abs() < 1e-8,
                "N={n} r={r}: {cr} vs {reference}"
            );
        }
    }
    // Frustrated J1-J2 (not stoquastic): every sector is scanned and the lowest wins.
    let n = 12;
    let ham = Hamiltonian::j1j2(chain(n, Boundary::Periodic), 1.0, 0.8, true).unwrap();
    let space = SpinHilbert::with_total_sz(n, 0.0).unwrap();
    let result = auto(&ham, &space, false);
    assert!(result.sectors.len() > 1);
    let plain = exact::solve(&ham, &space, &ExactOptions::default()).unwrap();
    assert!((result.levels[0].0 - plain.energies[0]).abs() < 1e-9);
}

#[test]
fn tfim_ground_state_in_the_symmetric_sector_matches_free_fermions() {
    let n = 16;
    let ham = Hamiltonian::tfim(chain(n, Boundary::Periodic), 1.0, 1.0, 0.0).unwrap();
    let result = auto(&ham, &SpinHilbert::full(n).unwrap(), false);
    assert_eq!(result.sectors[0].sector.to_string(), "k=0,p=1,z=1");
    let reference = exact::tfim_chain_periodic(n, 1.0, 1.0);
    assert!((result.levels[0].0 - reference).abs() < 1e-9);
}

#[test]
fn complex_momentum_sectors_hold_the_right_levels() {
    // k = 2π/10: complex arithmetic; the level must appear in the plain spectrum.
    let n = 10;
    let ham = Hamiltonian::xxz(chain(n, Boundary::Periodic), 1.0, 1.0, false).unwrap();
    let space = SpinHilbert::with_total_sz(n, 0.0).unwrap();
    let opts = ExactOptions {
        method: Method::Lanczos,
        lanczos: LanczosOptions {
            n_eigen: 3,
            ..LanczosOptions::default()
        },
        sectors: SectorChoice::One(Sector::parse("k=1,z=1", n).unwrap()),
        ..ExactOptions::default()
    };
    let result = solve_sectors(&ham, &space, &opts, &mut |_, _| {}).unwrap();
    assert!(!result.sectors[0].real_arithmetic);
    let plain = plain_spectrum(&ham, &space);
    for e in &result.sectors[0].energies {
        let nearest = plain.iter().map(|p| (p - e).abs()).fold(f64::MAX, f64::min);
        assert!(nearest < 1e-9, "{e} is not a level of the plain space");
    }
}

#[test]
fn unconserved_quantum_numbers_are_refused() {
    let n = 10;
    let space = SpinHilbert::with_total_sz(n, 1.0).unwrap();
    let ham = Hamiltonian::xxz(chain(n, Boundary::Periodic), 1.0, 1.0, false).unwrap();
    let one = |label: &str, ham: &Hamiltonian, space: &SpinHilbert| {
        let opts = ExactOptions {
            sectors: SectorChoice::One(Sector::parse(label, n).unwrap()),
            ..ExactOptions::default()
        };
        solve_sectors(ham, space, &opts, &mut |_, _| {})
            .unwrap_err()
            .to_string()
    };
    assert!(one("k=0,z=1", &ham, &space).contains("Sz = 0"));
    let field = Hamiltonian::tfim(chain(n, Boundary::Periodic), 1.0, 1.0, 0.2).unwrap();
    assert!(one("z=1", &field, &SpinHilbert::full(n).unwrap()).contains("spin flip"));
    let open = Hamiltonian::xxz(chain(n, Boundary::Open), 1.0, 1.0, false).unwrap();
    let sz0 = SpinHilbert::with_total_sz(n, 0.0).unwrap();
    assert!(one("k=0", &open, &sz0).contains("translation"));
    let edges = Hamiltonian::xxz(
        Lattice::from_edges(
            12,
            &(0..12).map(|i| (i, (i + 5) % 12)).collect::<Vec<_>>(),
            &[],
        )
        .unwrap(),
        1.0,
        1.0,
        false,
    )
    .unwrap();
    let e = solve_sectors(
        &edges,
        &SpinHilbert::with_total_sz(12, 0.0).unwrap(),
        &ExactOptions {
            sectors: SectorChoice::Auto,
            ..ExactOptions::default()
        },
        &mut |_, _| {},
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("chains and rectangles"), "{e}");
}
