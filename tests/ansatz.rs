//! Ansätze: cached ratios against full recomputation, cache updates against fresh
//! caches, log-derivatives against central finite differences.

use hamlet::ansatz::{
    translation_sector, Ansatz, Autoregressive, Ffnn, JacobianLayout, Jastrow, Projected, Rbm,
    SymmetricRbm,
};
use hamlet::lattice::{Boundary, Lattice};
use hamlet::scalar::Scalar;
use num_complex::Complex64;
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

fn random_sigma(n: usize, rng: &mut Xoshiro256PlusPlus) -> Vec<i8> {
    (0..n)
        .map(|_| if rng.random::<bool>() { 1 } else { -1 })
        .collect()
}

fn full_log_psi<A: Ansatz>(a: &A, sigma: &[i8]) -> A::T {
    a.log_psi(sigma, &a.cache(sigma))
}

/// A random configuration where `ψ ≠ 0` (a projected state vanishes on some).
fn random_support_sigma<A: Ansatz>(a: &A, rng: &mut Xoshiro256PlusPlus) -> Vec<i8> {
    loop {
        let sigma = random_sigma(a.n_sites(), rng);
        if full_log_psi(a, &sigma).re().is_finite() {
            return sigma;
        }
    }
}

fn close<T: Scalar>(x: T, y: T, tol: f64) -> bool {
    (x - y).abs2().sqrt() <= tol * (1.0 + y.abs2().sqrt())
}

fn check_ratios<A: Ansatz>(a: &A, seed: u64) {
    check_ratios_against(a, seed, |sigma| full_log_psi(a, sigma).exp());
}

/// Cached ratios against `amplitude(σ') / amplitude(σ)` computed from scratch.
fn check_ratios_against<A: Ansatz>(a: &A, seed: u64, amplitude: impl Fn(&[i8]) -> A::T) {
    let n = a.n_sites();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    for _ in 0..20 {
        let sigma = random_support_sigma(a, &mut rng);
        let cache = a.cache(&sigma);
        let base = amplitude(&sigma);
        for n_flips in 0..=3 {
            let mut flips: Vec<usize> = Vec::new();
            while flips.len() < n_flips {
                let i = rng.random_range(0..n);
                if !flips.contains(&i) {
                    flips.push(i);
                }
            }
            let mut flipped = sigma.clone();
            for &i in &flips {
                flipped[i] = -flipped[i];
            }
            let exact = amplitude(&flipped) / base;
            let cached = a.ratio(&sigma, &cache, &flips);
            assert!(
                close(cached, exact, 1e-12),
                "{}: {n_flips} flips {flips:?}: cached {cached:?} vs exact {exact:?}",
                a.name()
            );
        }
        // The batched single-flip ratios, where the ansatz offers them.
        let mut batched = vec![A::T::zero(); n];
        if a.single_flip_ratios(&sigma, &cache, &mut batched) {
            for (i, &r) in batched.iter().enumerate() {
                let mut flipped = sigma.clone();
                flipped[i] = -flipped[i];
                let exact = amplitude(&flipped) / base;
                assert!(
                    close(r, exact, 1e-12),
                    "{}: batched flip {i}: {r:?} vs exact {exact:?}",
                    a.name()
                );
            }
        }
    }
}

fn check_flip_updates<A: Ansatz>(a: &A, seed: u64) {
    let n = a.n_sites();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut sigma = random_support_sigma(a, &mut rng);
    let mut cache = a.cache(&sigma);
    for step in 0..200 {
        let flips: Vec<usize> = if step % 3 == 0 {
            let i = rng.random_range(0..n);
            let k = (i + 1 + rng.random_range(0..n - 1)) % n;
            vec![i, k]
        } else {
            vec![rng.random_range(0..n)]
        };
        a.flip(&mut sigma, &mut cache, &flips);
        if !full_log_psi(a, &sigma).re().is_finite() {
            // A node: the updated cache must say so too; walk on.
            assert_eq!(a.log_psi(&sigma, &cache).re(), f64::NEG_INFINITY);
            let i = rng.random_range(0..n);
            a.flip(&mut sigma, &mut cache, &[i]);
        }
    }
    a.refresh(&sigma, &mut cache);
    let fresh = a.cache(&sigma);
    assert!(close(
        a.log_psi(&sigma, &cache),
        a.log_psi(&sigma, &fresh),
        1e-11
    ));
    for i in 0..n {
        assert!(close(
            a.ratio(&sigma, &cache, &[i]),
            a.ratio(&sigma, &fresh, &[i]),
            1e-11
        ));
    }
}

fn check_gradient<A: Ansatz>(a: &A, seed: u64) {
    let p = a.n_params();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let sigma = random_support_sigma(a, &mut rng);
    let mut grad = vec![A::T::zero(); p];
    a.log_grad(&sigma, &a.cache(&sigma), &mut grad);
    let h = 1e-5;
    let mut shifted = a.clone();
    for k in 0..p {
        let mut params = a.params().to_vec();
        params[k] += A::T::from_real(h);
        shifted.set_params(&params);
        let plus = full_log_psi(&shifted, &sigma);
        params[k] -= A::T::from_real(2.0 * h);
        shifted.set_params(&params);
        let minus = full_log_psi(&shifted, &sigma);
        let fd = (plus - minus) * (0.5 / h);
        assert!(
            close(grad[k], fd, 1e-7),
            "{}: parameter {k}: analytic {:?} vs finite difference {fd:?}",
            a.name(),
            grad[k]
        );
    }
    // The compact Jacobian row expands to the same derivatives.
    let mut row = vec![A::T::zero(); a.jacobian_row_len()];
    a.jacobian_row(&sigma, &a.cache(&sigma), &mut row);
    match a.jacobian_layout() {
        JacobianLayout::Dense => assert_eq!(row, grad),
        JacobianLayout::VisibleHidden {
            n_visible,
            n_hidden,
        } => {
            assert_eq!(&row[..], &grad[..n_visible + n_hidden]);
            for j in 0..n_hidden {
                for i in 0..n_visible {
                    let expanded = row[n_visible + j] * row[i];
                    assert_eq!(expanded, grad[n_visible + n_hidden + j * n_visible + i]);
                }
            }
        }
    }
}

fn rng(seed: u64) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(seed)
}

#[test]
fn rbm_real() {
    let a = Rbm::<f64>::new(10, 2.0, 0.4, &mut rng(1)).unwrap();
    assert_eq!(a.n_params(), 10 + 20 + 200);
    check_ratios(&a, 2);
    check_flip_updates(&a, 3);
    check_gradient(&a, 4);
}

#[test]
fn rbm_complex() {
    let a = Rbm::<Complex64>::new(9, 1.0, 0.4, &mut rng(5)).unwrap();
    check_ratios(&a, 6);
    check_flip_updates(&a, 7);
    check_gradient(&a, 8);
}

#[test]
fn rbm_large_weights_stay_finite() {
    // Weights large enough that the product form would overflow: the log form takes over.
    let a = Rbm::<f64>::new(8, 4.0, 6.0, &mut rng(9)).unwrap();
    check_ratios(&a, 10);
}

#[test]
fn jastrow_real_and_complex() {
    let a = Jastrow::<f64>::new(9, 0.3, &mut rng(11)).unwrap();
    check_ratios(&a, 12);
    check_flip_updates(&a, 13);
    check_gradient(&a, 14);
    let c = Jastrow::<Complex64>::new(8, 0.3, &mut rng(15)).unwrap();
    check_ratios(&c, 16);
    check_flip_updates(&c, 17);
    check_gradient(&c, 18);
}

/// `ln ψ` of the symmetric RBM straight from its definition,
/// `a Σσ + Σ_f Σ_g ln cosh(b_f + Σᵢ W_f,ᵢ σ_{g(i)})`, independent of the expanded RBM.
fn symmetric_rbm_by_definition<T: Scalar>(
    params: &[T],
    group: &[Vec<usize>],
    features: usize,
    sigma: &[i8],
) -> T {
    let n = sigma.len();
    let mut log = params[0] * sigma.iter().map(|&s| s as f64).sum::<f64>();
    for f in 0..features {
        for g in group {
            let mut theta = params[1 + f];
            for i in 0..n {
                theta += params[1 + features + f * n + i] * sigma[g[i]] as f64;
            }
            log += theta.ln_cosh();
        }
    }
    log
}

fn check_symmetric_rbm<T: Scalar>(lattice: &Lattice, features: usize, seed: u64) {
    let a = SymmetricRbm::<T>::new(lattice, features, 0.3, &mut rng(seed)).unwrap();
    let n = lattice.n_sites();
    assert_eq!(a.n_params(), 1 + features + features * n);
    check_ratios(&a, seed + 1);
    check_flip_updates(&a, seed + 2);
    check_gradient(&a, seed + 3);
    let group = lattice.translations().unwrap();
    let mut r = rng(seed + 4);
    for _ in 0..10 {
        let sigma = random_sigma(n, &mut r);
        let log = full_log_psi(&a, &sigma);
        let direct = symmetric_rbm_by_definition(a.params(), &group, features, &sigma);
        assert!(
            close(log, direct, 1e-12),
            "{log:?} vs definition {direct:?}"
        );
        for g in &group {
            let moved: Vec<i8> = (0..n).map(|i| sigma[g[i]]).collect();
            assert!(close(full_log_psi(&a, &moved), log, 1e-12), "ψ(σ∘g) = ψ(σ)");
        }
    }
}

#[test]
fn symmetric_rbm_on_chains_and_rectangles() {
    let chain = Lattice::chain(8, Boundary::Periodic).unwrap();
    let rectangle = Lattice::rectangular(3, 4, Boundary::Periodic).unwrap();
    check_symmetric_rbm::<f64>(&chain, 2, 20);
    check_symmetric_rbm::<Complex64>(&chain, 1, 30);
    check_symmetric_rbm::<f64>(&rectangle, 2, 40);
    check_symmetric_rbm::<Complex64>(&rectangle, 3, 50);
    let open = Lattice::chain(8, Boundary::Open).unwrap();
    let e = SymmetricRbm::<f64>::new(&open, 1, 0.01, &mut rng(1))
        .unwrap_err()
        .to_string();
    assert!(e.contains("ansatz.kind") && e.contains("periodic"), "{e}");
    let e = SymmetricRbm::<f64>::new(&chain, 0, 0.01, &mut rng(1))
        .unwrap_err()
        .to_string();
    assert!(e.contains("ansatz.alpha"), "{e}");
}

#[test]
fn ffnn_with_one_two_and_three_layers() {
    for (widths, seed) in [(vec![12], 60), (vec![10, 6], 70), (vec![8, 6, 4], 80)] {
        let a = Ffnn::<f64>::new(9, &widths, 0.5, &mut rng(seed)).unwrap();
        check_ratios(&a, seed + 1);
        check_flip_updates(&a, seed + 2);
        check_gradient(&a, seed + 3);
        let c = Ffnn::<Complex64>::new(8, &widths, 0.5, &mut rng(seed + 4)).unwrap();
        check_ratios(&c, seed + 5);
        check_flip_updates(&c, seed + 6);
        check_gradient(&c, seed + 7);
    }
    // One hidden layer with unit output weights is an RBM without visible bias.
    let (n, h) = (7, 5);
    let rbm = Rbm::<f64>::new(n, h as f64 / n as f64, 0.4, &mut rng(90)).unwrap();
    let rbm_params = rbm.params();
    let mut params = rbm_params[n + h..].to_vec();
    params.extend_from_slice(&rbm_params[n..n + h]);
    params.extend(std::iter::repeat_n(1.0, h));
    let mut no_visible = rbm_params.to_vec();
    no_visible[..n].fill(0.0);
    let mut rbm = rbm.clone();
    rbm.set_params(&no_visible);
    let net = Ffnn::from_params(n, &[h], params);
    let mut r = rng(91);
    for _ in 0..10 {
        let sigma = random_sigma(n, &mut r);
        assert!(close(
            full_log_psi(&net, &sigma),
            full_log_psi(&rbm, &sigma),
            1e-13
        ));
    }
    for bad in [vec![], vec![0], vec![4, 4, 4, 4]] {
        let e = Ffnn::<f64>::new(6, &bad, 0.1, &mut rng(1))
            .unwrap_err()
            .to_string();
        assert!(e.contains("ansatz.layers"), "{e}");
    }
}

#[test]
fn autoregressive_in_the_full_space() {
    let a = Autoregressive::new(9, None, 1.5, 0.5, &mut rng(100)).unwrap();
    assert_eq!(a.n_params(), 14 + 2 * 9 * 14 + 9);
    check_ratios(&a, 101);
    check_flip_updates(&a, 102);
    check_gradient(&a, 103);
}

/// `ψ_P(eσ) = χ_e* ψ_P(σ)` for every element: the projected state lies in the sector.
/// Checked through the cached ratio (which carries the sign of a real `ψ_P`) and
/// through `ln|ψ_P|` recomputed from scratch.
fn check_sector<T: Scalar, A: Ansatz<T = T>>(
    p: &Projected<A>,
    perms: &[Vec<usize>],
    flips: &[bool],
    characters: &[T],
    seed: u64,
) {
    let mut r = rng(seed);
    for _ in 0..5 {
        let sigma = random_support_sigma(p, &mut r);
        let cache = p.cache(&sigma);
        let base = full_log_psi(p, &sigma);
        for e in 0..perms.len() {
            let s = if flips[e] { -1 } else { 1 };
            let moved: Vec<i8> = perms[e].iter().map(|&g| s * sigma[g]).collect();
            let changed: Vec<usize> = (0..sigma.len()).filter(|&i| moved[i] != sigma[i]).collect();
            let ratio = p.ratio(&sigma, &cache, &changed);
            assert!(
                close(ratio, characters[e].conj(), 1e-10),
                "element {e}: {ratio:?} vs {:?}",
                characters[e].conj()
            );
            let modulus = (full_log_psi(p, &moved) - base).re().exp();
            assert!(
                (modulus - 1.0).abs() < 1e-10,
                "element {e}: |ratio| {modulus}"
            );
        }
    }
}

#[test]
fn projected_states_lie_in_their_sector() {
    let chain = Lattice::chain(6, Boundary::Periodic).unwrap();
    // Real RBM at momentum 0 with spin-flip parity +1.
    let (perms, flips, chars) =
        translation_sector::<f64>(chain.translations().unwrap(), (6, 1), (0, 0), Some(1));
    let base = Rbm::<f64>::new(6, 1.0, 0.4, &mut rng(120)).unwrap();
    let p = Projected::new(base, perms.clone(), flips.clone(), chars.clone()).unwrap();
    check_sector(&p, &perms, &flips, &chars, 121);
    check_ratios(&p, 122);
    check_flip_updates(&p, 123);
    check_gradient(&p, 124);
    // A complex FFNN on a 3x2 rectangle, translations only.
    let rectangle = Lattice::rectangular(3, 2, Boundary::Periodic).unwrap();
    let (perms, flips, chars) =
        translation_sector::<Complex64>(rectangle.translations().unwrap(), (3, 2), (0, 0), None);
    let base = Ffnn::<Complex64>::new(6, &[5, 4], 0.5, &mut rng(130)).unwrap();
    let p = Projected::new(base, perms.clone(), flips.clone(), chars.clone()).unwrap();
    check_sector(&p, &perms, &flips, &chars, 131);
    check_ratios(&p, 132);
    check_flip_updates(&p, 133);
    check_gradient(&p, 134);
}

#[test]
fn projections_onto_other_sectors_have_their_symmetry_and_nodes() {
    let chain = Lattice::chain(6, Boundary::Periodic).unwrap();
    // A real RBM at momentum π with parity −1, and a complex one at momentum 2π/6.
    let (perms, flips, chars) =
        translation_sector::<f64>(chain.translations().unwrap(), (6, 1), (3, 0), Some(-1));
    let base = Rbm::<f64>::new(6, 1.0, 0.4, &mut rng(140)).unwrap();
    let p = Projected::new(base.clone(), perms.clone(), flips.clone(), chars.clone()).unwrap();
    check_sector(&p, &perms, &flips, &chars, 141);
    // ψ_P is negative on some configurations; the reference sums the definition.
    check_ratios_against(&p, 142, |sigma| {
        (0..perms.len())
            .map(|e| {
                let s = if flips[e] { -1 } else { 1 };
                let moved: Vec<i8> = perms[e].iter().map(|&g| s * sigma[g]).collect();
                chars[e] * full_log_psi(&base, &moved).exp()
            })
            .sum()
    });
    check_flip_updates(&p, 143);
    check_gradient(&p, 144);
    // The fully polarized state is fixed by every translation: a node at k ≠ 0. The
    // state ↑↓↓↑↓↓ has period 3, fixed by t = 3 with χ = −1: a node at k = π. The
    // ratio out of a node is infinite; into one, zero to rounding.
    for node in [[1i8; 6], [1, -1, -1, 1, -1, -1]] {
        let cache = p.cache(&node);
        assert_eq!(p.log_psi(&node, &cache).re(), f64::NEG_INFINITY);
        assert!(p.ratio(&node, &cache, &[0]).is_infinite());
        let mut from = node;
        from[1] = -from[1];
        let cache = p.cache(&from);
        assert!(p.ratio(&from, &cache, &[1]).abs() < 1e-12);
    }
    let (perms, flips, chars) =
        translation_sector::<Complex64>(chain.translations().unwrap(), (6, 1), (1, 0), None);
    let base = Rbm::<Complex64>::new(6, 1.0, 0.4, &mut rng(150)).unwrap();
    let p = Projected::new(base, perms.clone(), flips.clone(), chars.clone()).unwrap();
    check_sector(&p, &perms, &flips, &chars, 151);
    check_ratios(&p, 152);
    check_flip_updates(&p, 153);
    check_gradient(&p, 154);
}

#[test]
fn bad_parameters_are_refused() {
    assert!(Rbm::<f64>::new(4, 0.0, 0.01, &mut rng(1)).is_err());
    assert!(Rbm::<f64>::new(4, -1.0, 0.01, &mut rng(1)).is_err());
    assert!(Rbm::<f64>::new(4, 1.0, f64::NAN, &mut rng(1)).is_err());
    let e = Rbm::<f64>::new(4, 0.0, 0.01, &mut rng(1))
        .unwrap_err()
        .to_string();
    assert!(e.contains("ansatz.alpha"), "{e}");
}
