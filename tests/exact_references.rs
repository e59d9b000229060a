//! Exact diagonalization against independent references: the free-fermion solution
//! of the TFIM chain, published ground-state energies, dense diagonalization of
//! matrices built from explicit Kronecker products of Pauli matrices.

use hamlet::exact::{
    self, dense_matrix, full_diagonalization, ExactOptions, LanczosOptions, Method,
};
use hamlet::hilbert::{Basis, SpinHilbert};
use hamlet::lattice::{Boundary, Lattice};
use hamlet::operator::{Hamiltonian, PauliString, PauliSum};
use num_complex::Complex64;
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

fn ground(ham: &Hamiltonian, space: &SpinHilbert) -> f64 {
    exact::solve(ham, space, &ExactOptions::default())
        .unwrap()
        .energies[0]
}

fn lanczos_levels(ham: &Hamiltonian, space: &SpinHilbert, k: usize) -> Vec<f64> {
    let opts = ExactOptions {
        method: Method::Lanczos,
        lanczos: LanczosOptions {
            n_eigen: k,
            ..LanczosOptions::default()
        },
        ..ExactOptions::default()
    };
    exact::solve(ham, space, &opts).unwrap().energies
}

#[test]
fn tfim_chain_matches_free_fermions() {
    for n in [8, 12, 16, 20] {
        for (j, h) in [(1.0, 1.0), (1.0, 0.5), (0.7, 1.3), (-1.0, 0.8)] {
            if n == 20 && (j, h) != (1.0, 1.0) {
                continue;
            }
            let chain = Lattice::chain(n, Boundary::Periodic).unwrap();
            let ham = Hamiltonian::tfim(chain, j, h, 0.0).unwrap();
            let e = ground(&ham, &SpinHilbert::full(n).unwrap());
            let reference = exact::tfim_chain_periodic(n, j.abs(), h);
            assert!(
                (e - reference).abs() <= 1e-9,
                "N={n} J={j} h={h}: Lanczos {e} vs free fermions {reference}"
            );
        }
    }
}

#[test]
fn tfim_chain_10_published_value() {
    let chain = Lattice::chain(10, Boundary::Periodic).unwrap();
    let ham = Hamiltonian::tfim(chain, 1.0, 1.0, 0.0).unwrap();
    let e = ground(&ham, &SpinHilbert::full(10).unwrap());
    assert!((e - (-12.784906443)).abs() < 5e-10, "{e}");
}

#[test]
fn heisenberg_ring_of_four_is_minus_eight() {
    // Pauli units: the singlet ground state of S·S on a 4-ring is -2, times 4.
    let ring = Lattice::chain(4, Boundary::Periodic).unwrap();
    let ham = Hamiltonian::xxz(ring, 1.0, 1.0, false).unwrap();
    let e_full = ground(&ham, &SpinHilbert::full(4).unwrap());
    let e_sector = ground(&ham, &SpinHilbert::with_total_sz(4, 0.0).unwrap());
    assert!((e_full + 8.0).abs() < 1e-12, "{e_full}");
    assert!((e_sector + 8.0).abs() < 1e-12, "{e_sector}");
}

#[test]
fn heisenberg_chain_22_published_value() {
    let chain = Lattice::chain(22, Boundary::Periodic).unwrap();
    let ham = Hamiltonian::xxz(chain, 1.0, 1.0, true).unwrap();
    let e = ground(&ham, &SpinHilbert::with_total_sz(22, 0.0).unwrap());
    assert!((e - (-39.14752260706)).abs() < 1e-9, "{e}");
    // Finite even rings lie below the Bethe-ansatz limit per site.
    assert!(e / 22.0 < exact::heisenberg_chain_bethe_per_site(1.0));
}

#[test]
fn j1j2_square_4x4_published_value() {
    let square = Lattice::rectangular(4, 4, Boundary::Periodic).unwrap();
    let ham = Hamiltonian::j1j2(square, 1.0, 0.5, true).unwrap();
    let e = ground(&ham, &SpinHilbert::with_total_sz(16, 0.0).unwrap());
    assert!((e - (-33.831693406)).abs() < 1e-8, "{e}");
}

/// Pauli matrix element `⟨u'|P|u⟩` with local index 1 = up.
fn pauli_element(op: char, out: usize, inp: usize) -> Complex64 {
    let i = Complex64::new(0.0, 1.0);
    match (op, out, inp) {
        ('I', a, b) if a == b => 1.0.into(),
        ('X', a, b) if a != b => 1.0.into(),
        ('Z', 1, 1) => 1.0.into(),
        ('Z', 0, 0) => (-1.0).into(),
        ('Y', 0, 1) => i,
        ('Y', 1, 0) => -i,
        _ => 0.0.into(),
    }
}

/// Dense matrix of a Pauli sum as a sum of Kronecker products, independent of the
/// compiled bit-mask code.
fn kronecker_matrix(n: usize, strings: &[PauliString]) -> Vec<Complex64> {
    let d = 1usize << n;
    let mut h = vec![Complex64::new(0.0, 0.0); d * d];
    for s in strings {
        let ops: Vec<char> = s.ops.chars().collect();
        for col in 0..d {
            for row in 0..d {
                let mut e = Complex64::new(s.coeff, 0.0);
                for site in 0..n {
                    let op = ops
                        .iter()
                        .zip(&s.sites)
                        .find(|(_, &q)| q == site)
                        .map_or('I', |(&o, _)| o);
                    e *= pauli_element(op, row >> site & 1, col >> site & 1);
                }
                h[row + d * col] += e;
            }
        }
    }
    h
}

fn random_strings(n: usize, count: usize, seed: u64) -> Vec<PauliString> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    (0..count)
        .map(|_| {
            let support = rng.random_range(1..=3usize);
            let mut sites: Vec<usize> = Vec::new();
            while sites.len() < support {
                let s = rng.random_range(0..n);
                if !sites.contains(&s) {
                    sites.push(s);
                }
            }
            let ops: String = (0..support)
                .map(|_| ['X', 'Y', 'Z'][rng.random_range(0..3usize)])
                .collect();
            PauliString {
                coeff: rng.random_range(-1.0..1.0),
                ops,
                sites,
            }
        })
        .collect()
}

#[test]
fn compiled_pauli_sums_equal_kronecker_products() {
    for seed in 0..6 {
        let n = 5;
        let strings = random_strings(n, 12, seed);
        let op = PauliSum::new(n, &strings).unwrap();
        let basis = Basis::new(&SpinHilbert::full(n).unwrap(), 1 << 10).unwrap();
        let compiled: Vec<Complex64> = dense_matrix(&op, &basis).unwrap();
        let reference = kronecker_matrix(n, &strings);
        for (a, b) in compiled.iter().zip(&reference) {
            assert!((a - b).norm() < 1e-13, "seed {seed}: {a} vs {b}");
        }
    }
}

#[test]
fn lanczos_equals_dense_for_random_pauli_operators() {
    let n = 8;
    for seed in [11, 12, 13] {
        // Strings with Y make the matrix complex; the variant without Y is real.
        let complex = random_strings(n, 40, seed);
        let real: Vec<PauliString> = complex
            .iter()
            .filter(|s| s.ops.matches('Y').count() % 2 == 0)
            .cloned()
            .collect();
        for strings in [complex, real] {
            let lattice = Lattice::chain(n, Boundary::Open).unwrap();
            let ham = Hamiltonian::pauli(lattice, &strings, false).unwrap();
            let space = SpinHilbert::full(n).unwrap();
            let basis = Basis::new(&space, 1 << 10).unwrap();
            let dense: Vec<f64> = if ham.operator().is_real() {
                full_diagonalization::<f64>(ham.operator(), &basis)
                    .unwrap()
                    .0
            } else {
                full_diagonalization::<Complex64>(ham.operator(), &basis)
                    .unwrap()
                    .0
            };
            let k = 5;
            let lanczos = lanczos_levels(&ham, &space, k);
            for i in 0..k {
                assert!(
                    (lanczos[i] - dense[i]).abs() < 1e-10,
                    "seed {seed}, level {i}: Lanczos {} vs dense {} (real: {})",
                    lanczos[i],
                    dense[i],
                    ham.operator().is_real()
                );
            }
        }
    }
}

#[test]
fn marshall_sign_rule_leaves_the_spectrum_unchanged() {
    let cases = [
        Lattice::chain(8, Boundary::Periodic).unwrap(),
        Lattice::rectangular(2, 4, Boundary::Open).unwrap(),
    ];
    for lattice in cases {
        let plain = Hamiltonian::j1j2(lattice.clone(), 1.0, 0.3, false).unwrap();
        let signed = Hamiltonian::j1j2(lattice.clone(), 1.0, 0.3, true).unwrap();
        let basis = Basis::new(&SpinHilbert::full(8).unwrap(), 1 << 10).unwrap();
        let a = full_diagonalization::<f64>(plain.operator(), &basis)
            .unwrap()
            .0;
        let b = full_diagonalization::<f64>(signed.operator(), &basis)
            .unwrap()
            .0;
        // The rule changes the matrix...
        let ma: Vec<f64> = dense_matrix(plain.operator(), &basis).unwrap();
        let mb: Vec<f64> = dense_matrix(signed.operator(), &basis).unwrap();
        assert!(ma.iter().zip(&mb).any(|(x, y)| (x - y).abs() > 0.5));
        // ...but not its spectrum.
        for (x, y) in a.iter().zip(&b) {
            assert!((x - y).abs() < 1e-10, "{x} vs {y}");
        }
    }
}

#[test]
fn ground_state_observables_obey_su2_symmetry() {
    // ⟨σᶻ₀σᶻ₁⟩ in the Heisenberg ring ground state equals E0 / (3 N) by symmetry.
    let n = 10;
    let ring = Lattice::chain(n, Boundary::Periodic).unwrap();
    let ham = Hamiltonian::xxz(ring, 1.0, 1.0, true).unwrap();
    let opts = ExactOptions {
        method: Method::Lanczos,
        ground_state: true,
        ..ExactOptions::default()
    };
    let s = exact::solve(&ham, &SpinHilbert::with_total_sz(n, 0.0).unwrap(), &opts).unwrap();
    let gs = s.ground_state.as_ref().unwrap();
    let zz = gs.expectation(&hamlet::operator::zz_correlation(n, 0, 1).unwrap());
    assert!((zz - s.energies[0] / (3.0 * n as f64)).abs() < 1e-9, "{zz}");
    let energy = gs.expectation(ham.operator());
    assert!((energy - s.energies[0]).abs() < 1e-9);
    let mz = gs.expectation(&hamlet::operator::sigma_z(n, 3).unwrap());
    assert!(mz.abs() < 1e-12);
}

#[test]
fn non_conserving_operator_in_a_fixed_sector_is_refused() {
    let chain = Lattice::chain(6, Boundary::Periodic).unwrap();
    let ham = Hamiltonian::tfim(chain, 1.0, 1.0, 0.0).unwrap();
    let e = exact::solve(
        &ham,
        &SpinHilbert::with_total_sz(6, 0.0).unwrap(),
        &ExactOptions::default(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("total_sz"), "{e}");
}
