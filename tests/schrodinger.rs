//! The plane-wave network against independent checks: the Schrödinger residual (by
//! construction), finite differences for every derivative, norm conservation, and the
//! closed-form Gaussian packet checked against the equation itself.

use hamlet::schrodinger::{gaussian_packet, GaussianPacket, PlaneWaveNet, Units};
use num_complex::Complex64;
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

fn random_net(dim: usize, n: usize, units: Units, seed: u64) -> PlaneWaveNet {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let k: Vec<f64> = (0..n * dim).map(|_| rng.random_range(-5.0..5.0)).collect();
    let c: Vec<Complex64> = (0..n)
        .map(|_| Complex64::new(rng.random_range(-1.0..1.0), rng.random_range(-1.0..1.0)))
        .collect();
    PlaneWaveNet::new(dim, k, c, units).unwrap()
}

#[test]
fn every_parameter_setting_solves_the_free_equation() {
    let units = Units {
        hbar: 0.7,
        mass: 1.9,
    };
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
    for dim in 1..=3 {
        for seed in 0..5 {
            let net = random_net(dim, 40, units, 10 * dim as u64 + seed);
            // Size of the terms that cancel: Σ|cₙ| ħωₙ.
            let scale: f64 = net
                .coefficients()
                .iter()
                .zip(net.wave_vectors().chunks_exact(dim))
                .map(|(c, k)| c.norm() * units.hbar * units.omega(k))
                .sum();
            for _ in 0..50 {
                let x: Vec<f64> = (0..dim).map(|_| rng.random_range(-10.0..10.0)).collect();
                let t = rng.random_range(0.0..50.0);
                let r = net.residual(&x, t).norm();
                assert!(
                    r <= 1e-13 * scale,
                    "dim {dim}: residual {r:e} (scale {scale:e})"
                );
            }
        }
    }
}

#[test]
fn derivatives_match_finite_differences() {
    let units = Units::default();
    for dim in 1..=3 {
        let net = random_net(dim, 12, units, dim as u64);
        let x: Vec<f64> = (0..dim).map(|d| 0.3 + 0.7 * d as f64).collect();
        let t = 1.3;
        let e = net.evaluate(&x, t);
        let h = 1e-4;
        let dt = (net.psi(&x, t + h) - net.psi(&x, t - h)) / (2.0 * h);
        assert!((dt - e.dpsi_dt).norm() <= 1e-6 * e.dpsi_dt.norm().max(1.0));
        let mut laplacian = Complex64::default();
        for d in 0..dim {
            let (mut plus, mut minus) = (x.clone(), x.clone());
            plus[d] += h;
            minus[d] -= h;
            let (fp, fm, f0) = (net.psi(&plus, t), net.psi(&minus, t), net.psi(&x, t));
            let g = (fp - fm) / (2.0 * h);
            assert!((g - e.gradient[d]).norm() <= 1e-6 * e.gradient[d].norm().max(1.0));
            laplacian += (fp - 2.0 * f0 + fm) / (h * h);
        }
        assert!((laplacian - e.laplacian).norm() <= 1e-5 * e.laplacian.norm().max(1.0));
        assert_eq!(e.psi, net.psi(&x, t));
    }
}

#[test]
fn norm_is_conserved_on_a_periodic_box() {
    // Wave vectors on the lattice 2πn/L: the box integral of |ψ|² is L Σ|cₙ|² at every
    // time. Computed by the trapezoid rule, exact for these trigonometric polynomials.
    let length = 20.0;
    let ks: Vec<f64> = (-15..=15)
        .map(|n| 2.0 * std::f64::consts::PI * n as f64 / length)
        .collect();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(8);
    let c: Vec<Complex64> = ks
        .iter()
        .map(|_| Complex64::new(rng.random_range(-1.0..1.0), rng.random_range(-1.0..1.0)))
        .collect();
    let net = PlaneWaveNet::new(1, ks, c, Units::default()).unwrap();
    let points = 128;
    let grid: Vec<f64> = (0..points)
        .map(|j| length * j as f64 / points as f64)
        .collect();
    let norm = |t: f64| -> f64 {
        net.psi_at(&grid, t)
            .iter()
            .map(|z| z.norm_sqr())
            .sum::<f64>()
            * length
            / points as f64
    };
    let expected = length * net.coefficients().iter().map(|z| z.norm_sqr()).sum::<f64>();
    for t in [0.0, 1.0, 10.0, 100.0] {
        let n = norm(t);
        assert!(
            (n - expected).abs() <= 1e-12 * expected,
            "t = {t}: {n} vs {expected}"
        );
    }
}

#[test]
fn the_closed_form_packet_solves_the_equation_and_moves_as_it_should() {
    let units = Units {
        hbar: 1.0,
        mass: 1.0,
    };
    let packet = GaussianPacket {
        x0: vec![0.5],
        p0: vec![2.0],
        sigma: vec![1.0],
    };
    packet.check().unwrap();
    let psi = |x: f64, t: f64| gaussian_packet(&packet, units, &[x], t);
    // Finite-difference residual of iψ_t + ψ_xx/2.
    let h = 1e-3;
    for (x, t) in [(0.0, 0.0), (1.0, 0.7), (3.0, 1.5), (-2.0, 4.0)] {
        let dt = (psi(x, t + h) - psi(x, t - h)) / (2.0 * h);
        let dxx = (psi(x + h, t) - 2.0 * psi(x, t) + psi(x - h, t)) / (h * h);
        let r = Complex64::i() * dt + dxx * 0.5;
        assert!(r.norm() < 1e-5, "residual {r} at ({x}, {t})");
    }
    // Normalized, centred at x0 + (p0/m)t, at t = 0 and t = 3 (trapezoid rule).
    for t in [0.0, 3.0] {
        let (a, b, n) = (-30.0, 40.0, 14_000);
        let dx = (b - a) / n as f64;
        let (mut norm, mut mean) = (0.0, 0.0);
        for j in 0..=n {
            let x = a + j as f64 * dx;
            let rho = psi(x, t).norm_sqr() * dx;
            norm += rho;
            mean += rho * x;
        }
        assert!((norm - 1.0).abs() < 1e-10, "norm {norm}");
        assert!((mean / norm - (0.5 + 2.0 * t)).abs() < 1e-9, "mean {mean}");
    }
}

#[test]
fn bad_networks_and_packets_are_refused() {
    let err = PlaneWaveNet::new(1, vec![], vec![], Units::default()).unwrap_err();
    assert!(err.to_string().contains("empty"), "{err}");
    let err = PlaneWaveNet::new(
        4,
        vec![0.0; 4],
        vec![Complex64::new(1.0, 0.0)],
        Units::default(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("dim"), "{err}");
    let bad = Units {
        hbar: 1.0,
        mass: 0.0,
    };
    assert!(PlaneWaveNet::new(1, vec![1.0], vec![Complex64::new(1.0, 0.0)], bad).is_err());
    let packet = GaussianPacket {
        x0: vec![0.0],
        p0: vec![1.0],
        sigma: vec![-1.0],
    };
    let err = packet.check().unwrap_err();
    assert!(err.to_string().contains("initial.sigma"), "{err}");
    use hamlet::schrodinger::EigenbasisNet;
    let one = |_: f64| Complex64::new(1.0, 0.0);
    let units = Units::default();
    let refused = |r: hamlet::Result<EigenbasisNet>| match r {
        Ok(_) => panic!("accepted"),
        Err(e) => e.to_string(),
    };
    let err = refused(EigenbasisNet::new(1.0, -1.0, 50, units, |_| 0.0, one));
    assert!(err.contains("domain"), "{err}");
    let err = refused(EigenbasisNet::new(-1.0, 1.0, 3, units, |_| 0.0, one));
    assert!(err.contains("basis.points"), "{err}");
    let singular = |x: f64| if x > 0.5 { f64::NAN } else { 0.0 };
    let err = refused(EigenbasisNet::new(-1.0, 1.0, 50, units, singular, one));
    assert!(err.contains("potential"), "{err}");
}

/// Relative L2 distance between the network and the closed form at time `t`, on a
/// uniform grid three times finer than the lattice over the whole box.
fn relative_error(
    fit: &hamlet::schrodinger::Fit,
    lattice: &hamlet::schrodinger::Lattice1d,
    packet: &GaussianPacket,
    t: f64,
) -> f64 {
    let n = 3 * lattice.len();
    let grid: Vec<f64> = (0..n)
        .map(|j| lattice.start + lattice.length * (j as f64 + 0.25) / n as f64)
        .collect();
    let net = fit.net.psi_at(&grid, t);
    let (mut diff, mut norm) = (0.0, 0.0);
    for (&x, z) in grid.iter().zip(&net) {
        let exact = gaussian_packet(packet, fit.net.units(), &[x], t);
        diff += (z - exact).norm_sqr();
        norm += exact.norm_sqr();
    }
    (diff / norm).sqrt()
}

#[test]
fn free_packet_in_one_dimension_matches_the_closed_form() {
    // The case: x0 = 0, p0 = 2, σ = 1, ħ = m = 1, up to t = 100.
    let units = Units::default();
    let packet = GaussianPacket {
        x0: vec![0.0],
        p0: vec![2.0],
        sigma: vec![1.0],
    };
    let lattice = hamlet::schrodinger::Lattice1d::for_packet(&packet, units, 100.0).unwrap();
    let fit = hamlet::schrodinger::fit_lattice(&lattice, units, |x| {
        gaussian_packet(&packet, units, &[x], 0.0)
    })
    .unwrap();
    assert!(fit.residual < 1e-12, "fit residual {}", fit.residual);
    for t in [0.0, 1.0, 10.0, 100.0] {
        let err = relative_error(&fit, &lattice, &packet, t);
        eprintln!(
            "t = {t}: relative L2 error {err:.2e} ({} plane waves)",
            lattice.len()
        );
        assert!(err <= 1e-10, "t = {t}: relative L2 error {err:e}");
    }
}

#[test]
fn the_coherent_state_solves_the_oscillator_equation() {
    use hamlet::schrodinger::coherent_state;
    let units = Units {
        hbar: 1.0,
        mass: 1.0,
    };
    let omega = 1.3;
    let psi = |x: f64, t: f64| coherent_state(units, omega, 1.5, -0.7, x, t);
    let h = 1e-3;
    for (x, t) in [(0.0, 0.0), (1.0, 0.7), (2.0, 1.5), (-1.0, 4.0)] {
        let dt = (psi(x, t + h) - psi(x, t - h)) / (2.0 * h);
        let dxx = (psi(x + h, t) - 2.0 * psi(x, t) + psi(x - h, t)) / (h * h);
        let r = Complex64::i() * dt + dxx * 0.5 - psi(x, t) * (0.5 * omega * omega * x * x);
        assert!(r.norm() < 1e-5, "residual {r} at ({x}, {t})");
    }
}

#[test]
fn eigenbasis_net_follows_the_harmonic_coherent_state() {
    use hamlet::schrodinger::{coherent_state, EigenbasisNet};
    let units = Units::default();
    let omega = 1.0;
    let (x0, p0) = (2.0, 1.0);
    let net = EigenbasisNet::new(
        -14.0,
        14.0,
        281,
        units,
        |x| 0.5 * omega * omega * x * x,
        |x| coherent_state(units, omega, x0, p0, x, 0.0),
    )
    .unwrap();
    let period = 2.0 * std::f64::consts::PI / omega;
    let n0 = net.norm(0.0);
    for t in [0.0, period / 4.0, period, 10.0 * period] {
        let psi = net.psi_on_grid(t);
        let (mut diff, mut norm) = (0.0, 0.0);
        for (&x, z) in net.grid.iter().zip(&psi) {
            let exact = coherent_state(units, omega, x0, p0, x, t);
            diff += (z - exact).norm_sqr();
            norm += exact.norm_sqr();
        }
        let err = (diff / norm).sqrt();
        eprintln!("t = {t:.3}: relative L2 error {err:.2e}");
        assert!(err <= 1e-8, "t = {t}: relative error {err:e}");
        assert!(
            (net.norm(t) - n0).abs() <= 1e-12 * n0,
            "norm drift at t = {t}"
        );
    }
    // The lowest DVR eigenvalues are the oscillator's ħω(n + 1/2).
    for (n, e) in net.energies.iter().take(5).enumerate() {
        assert!((e - (n as f64 + 0.5)).abs() < 1e-10, "E_{n} = {e}");
    }
}

fn grid_error(a: &[Complex64], b: &[Complex64]) -> f64 {
    let diff: f64 = a.iter().zip(b).map(|(x, y)| (x - y).norm_sqr()).sum();
    let norm: f64 = b.iter().map(|y| y.norm_sqr()).sum();
    (diff / norm).sqrt()
}

#[test]
fn split_operator_is_exact_for_free_motion_and_second_order_with_a_potential() {
    use hamlet::schrodinger::{coherent_state, SplitOperator};
    let units = Units::default();
    // Free packet: the kinetic step is exact, so any δt gives the closed form.
    let packet = GaussianPacket {
        x0: vec![0.0],
        p0: vec![2.0],
        sigma: vec![1.0],
    };
    let free = SplitOperator::new(-40.0, 120.0, 1024, units, |_| 0.0).unwrap();
    let psi0: Vec<Complex64> = free
        .grid
        .iter()
        .map(|&x| gaussian_packet(&packet, units, &[x], 0.0))
        .collect();
    let exact: Vec<Complex64> = free
        .grid
        .iter()
        .map(|&x| gaussian_packet(&packet, units, &[x], 10.0))
        .collect();
    let err = grid_error(&free.propagate(&psi0, 10.0, 2.5).unwrap(), &exact);
    assert!(err < 1e-12, "free packet: {err:e}");
    // Harmonic coherent state after one period: error ∝ δt².
    let omega = 1.0;
    let period = 2.0 * std::f64::consts::PI / omega;
    let ho = SplitOperator::new(-12.0, 24.0, 256, units, |x| 0.5 * x * x).unwrap();
    let psi0: Vec<Complex64> = ho
        .grid
        .iter()
        .map(|&x| coherent_state(units, omega, 2.0, 1.0, x, 0.0))
        .collect();
    let exact: Vec<Complex64> = ho
        .grid
        .iter()
        .map(|&x| coherent_state(units, omega, 2.0, 1.0, x, period))
        .collect();
    let errors: Vec<f64> = [0.04, 0.02, 0.01]
        .iter()
        .map(|&dt| grid_error(&ho.propagate(&psi0, period, dt).unwrap(), &exact))
        .collect();
    for pair in errors.windows(2) {
        let order = (pair[0] / pair[1]).log2();
        eprintln!("errors {pair:?}: observed order {order:.3}");
        assert!((1.9..2.1).contains(&order), "observed order {order}");
    }
    let norm = |p: &[Complex64]| p.iter().map(|z| z.norm_sqr()).sum::<f64>();
    let n0 = norm(&psi0);
    let n1 = norm(&ho.propagate(&psi0, 10.0 * period, 0.05).unwrap());
    assert!(
        (n1 - n0).abs() <= 1e-12 * n0,
        "norm drift {}",
        (n1 - n0) / n0
    );
    assert!(ho.propagate(&psi0, 1.0, 0.0).is_err());
}

#[test]
fn free_packet_in_two_dimensions_matches_the_closed_form() {
    use hamlet::schrodinger::{Lattice1d, TensorFit};
    let units = Units::default();
    let packet = GaussianPacket {
        x0: vec![0.0, 1.0],
        p0: vec![2.0, -1.0],
        sigma: vec![1.0, 1.5],
    };
    let axes = Lattice1d::tensor_for_packet(&packet, units, 10.0).unwrap();
    let fit = TensorFit::new(axes.clone(), units, |x| {
        gaussian_packet(&packet, units, x, 0.0)
    })
    .unwrap();
    assert!(fit.residual < 1e-12, "fit residual {}", fit.residual);
    // Error on a tensor grid offset from the collocation points, 1.5× finer.
    let grids: Vec<Vec<f64>> = axes
        .iter()
        .map(|a| {
            let n = 3 * a.len() / 2;
            (0..n)
                .map(|j| a.start + a.length * (j as f64 + 0.3) / n as f64)
                .collect()
        })
        .collect();
    for t in [0.0, 10.0] {
        let psi = fit.psi_on_grid(&grids, t);
        let (mut diff, mut norm) = (0.0, 0.0);
        let mut k = 0;
        for &x in &grids[0] {
            for &y in &grids[1] {
                let exact = gaussian_packet(&packet, units, &[x, y], t);
                diff += (psi[k] - exact).norm_sqr();
                norm += exact.norm_sqr();
                k += 1;
            }
        }
        let err = (diff / norm).sqrt();
        eprintln!(
            "2-D, t = {t}: relative L2 error {err:.2e} ({} × {} plane waves)",
            axes[0].len(),
            axes[1].len()
        );
        assert!(err <= 1e-9, "t = {t}: {err:e}");
    }
    // The flattened network agrees with the tensor evaluation at a point.
    let net = fit.to_net().unwrap();
    let single = fit.psi_on_grid(&[vec![0.7], vec![-0.4]], 3.0)[0];
    assert!((net.psi(&[0.7, -0.4], 3.0) - single).norm() < 1e-12);
}

#[test]
fn fast_lattice_evaluation_equals_the_direct_sum() {
    use hamlet::schrodinger::{Lattice1d, TensorFit};
    let units = Units {
        hbar: 1.0,
        mass: 0.8,
    };
    for packet in [
        GaussianPacket {
            x0: vec![0.0],
            p0: vec![2.0],
            sigma: vec![1.0],
        },
        GaussianPacket {
            x0: vec![0.5, -1.0],
            p0: vec![1.0, -2.0],
            sigma: vec![1.2, 0.8],
        },
    ] {
        let axes = Lattice1d::tensor_for_packet(&packet, units, 5.0).unwrap();
        let fit = TensorFit::new(axes, units, |x| gaussian_packet(&packet, units, x, 0.0)).unwrap();
        let net = fit.to_net().unwrap();
        let dim = packet.x0.len();
        let points: Vec<f64> = (0..20 * dim).map(|j| -5.0 + 0.731 * j as f64).collect();
        for t in [0.0, 3.7, 5.0] {
            let fast = fit.psi_at(&points, t);
            let direct = net.psi_at(&points, t);
            let scale: f64 = net.coefficients().iter().map(|c| c.norm()).sum();
            for (a, b) in fast.iter().zip(&direct) {
                assert!((a - b).norm() <= 1e-12 * scale, "{a} vs {b} (t = {t})");
            }
        }
    }
}

#[test]
fn least_squares_recovers_a_known_superposition_and_ridge_shrinks_it() {
    use hamlet::schrodinger::fit_least_squares;
    let units = Units::default();
    for dim in [1usize, 2] {
        let truth = random_net(dim, 15, units, 40 + dim as u64);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(9);
        let points: Vec<f64> = (0..60 * dim).map(|_| rng.random_range(-3.0..3.0)).collect();
        let values = truth.psi_at(&points, 0.0);
        let fit = fit_least_squares(
            dim,
            truth.wave_vectors().to_vec(),
            &points,
            &values,
            0.0,
            units,
        )
        .unwrap();
        assert!(fit.residual < 1e-10, "misfit {}", fit.residual);
        for (a, b) in fit.net.coefficients().iter().zip(truth.coefficients()) {
            assert!((a - b).norm() < 1e-8, "{a} vs {b}");
        }
        let shrunk = fit_least_squares(
            dim,
            truth.wave_vectors().to_vec(),
            &points,
            &values,
            10.0,
            units,
        )
        .unwrap();
        let norm = |c: &[Complex64]| c.iter().map(|z| z.norm_sqr()).sum::<f64>();
        assert!(norm(shrunk.net.coefficients()) < norm(fit.net.coefficients()));
        assert!(shrunk.residual > fit.residual);
    }
    // Too few points without a ridge, and a negative ridge, are refused.
    let err = fit_least_squares(
        1,
        vec![1.0, 2.0, 3.0],
        &[0.0, 1.0],
        &[Complex64::new(1.0, 0.0); 2],
        0.0,
        units,
    )
    .unwrap_err();
    assert!(err.to_string().contains("at least 3 points"), "{err}");
    let err = fit_least_squares(
        1,
        vec![1.0],
        &[0.0],
        &[Complex64::new(1.0, 0.0)],
        -1.0,
        units,
    )
    .unwrap_err();
    assert!(err.to_string().contains("basis.ridge"), "{err}");
}

#[test]
fn packet_overlaps_match_quadrature() {
    use hamlet::schrodinger::packet_overlap;
    let units = Units {
        hbar: 0.8,
        mass: 1.3,
    };
    let a = GaussianPacket {
        x0: vec![-1.0, 0.5],
        p0: vec![2.0, -0.3],
        sigma: vec![0.9, 1.4],
    };
    let b = GaussianPacket {
        x0: vec![0.7, -0.2],
        p0: vec![1.1, 0.4],
        sigma: vec![0.6, 1.0],
    };
    // Uniform-grid quadrature of conj(a)·b (spectrally accurate for Gaussians).
    let h = 0.05;
    let grid: Vec<f64> = (0..600).map(|j| -15.0 + h * j as f64).collect();
    let mut sum = Complex64::default();
    for &x in &grid {
        for &y in &grid {
            let p = [x, y];
            sum += gaussian_packet(&a, units, &p, 0.0).conj() * gaussian_packet(&b, units, &p, 0.0);
        }
    }
    let quadrature = sum * h * h;
    let closed = packet_overlap(&a, &b, units);
    assert!(
        (closed - quadrature).norm() < 1e-12,
        "{closed} vs {quadrature}"
    );
    assert!((packet_overlap(&a, &a, units) - 1.0).norm() < 1e-14);
}

#[test]
fn wave_vector_gradient_matches_finite_differences() {
    use hamlet::schrodinger::misfit_and_gradient;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(21);
    for dim in 1..=2 {
        let (n, m) = (4, 30);
        let mut params: Vec<f64> = (0..n * (2 + dim))
            .map(|_| rng.random_range(-1.5..1.5))
            .collect();
        let points: Vec<f64> = (0..m * dim).map(|_| rng.random_range(-3.0..3.0)).collect();
        let values: Vec<Complex64> = (0..m)
            .map(|_| Complex64::new(rng.random_range(-1.0..1.0), rng.random_range(-1.0..1.0)))
            .collect();
        let (_, grad) = misfit_and_gradient(dim, &params, &points, &values);
        let h = 1e-6;
        for i in 0..params.len() {
            let keep = params[i];
            params[i] = keep + h;
            let plus = misfit_and_gradient(dim, &params, &points, &values).0;
            params[i] = keep - h;
            let minus = misfit_and_gradient(dim, &params, &points, &values).0;
            params[i] = keep;
            let fd = (plus - minus) / (2.0 * h);
            assert!(
                (fd - grad[i]).abs() <= 1e-7 * grad[i].abs().max(1.0),
                "dim {dim}, parameter {i}: {} vs {fd}",
                grad[i]
            );
        }
    }
}

#[test]
fn adam_finds_off_lattice_wave_vectors() {
    use hamlet::schrodinger::{fit_trainable, TrainableSettings};
    // ψ₀ = Σ aᵢ e^{iqᵢx} with wave vectors off any lattice; start 0.05 away.
    let q = [-1.37, 0.41, 2.23];
    let a = [
        Complex64::new(1.0, 0.5),
        Complex64::new(-0.7, 0.2),
        Complex64::new(0.3, -0.9),
    ];
    let points: Vec<f64> = (0..120).map(|j| -6.0 + 0.1 * j as f64).collect();
    let values: Vec<Complex64> = points
        .iter()
        .map(|&x| {
            q.iter()
                .zip(&a)
                .map(|(&k, &c)| c * Complex64::from_polar(1.0, k * x))
                .sum()
        })
        .collect();
    let start: Vec<f64> = q
        .iter()
        .zip([0.05, -0.05, 0.05])
        .map(|(k, d)| k + d)
        .collect();
    let settings = TrainableSettings {
        epochs: 3000,
        learning_rate: 0.003,
    };
    let mut losses = Vec::new();
    let fit = fit_trainable(
        1,
        start,
        &points,
        &values,
        settings,
        Units::default(),
        &mut |_, l| {
            losses.push(l);
            std::ops::ControlFlow::Continue(())
        },
    )
    .unwrap();
    assert!(losses[0] > 1e-3, "the start is off: {}", losses[0]);
    assert!(fit.residual < 1e-5, "misfit {:e}", fit.residual);
    for (k, want) in fit.net.wave_vectors().iter().zip(q) {
        assert!((k - want).abs() < 1e-5, "k = {k}, expected {want}");
    }
    // Trained waves still solve the free equation exactly.
    assert!(fit.net.residual(&[0.3], 2.0).norm() < 1e-12);
}

#[test]
fn two_dimensional_split_operator_is_exact_when_free_and_second_order_in_a_well() {
    use hamlet::schrodinger::{coherent_state, SplitOperator2d};
    let units = Units::default();
    // Free packet: one step of any length is exact.
    let packet = GaussianPacket {
        x0: vec![-3.0, 1.0],
        p0: vec![1.5, -0.5],
        sigma: vec![1.0, 0.8],
    };
    let free =
        SplitOperator2d::new([-30.0, -28.0], [60.0, 56.0], [240, 224], units, |_, _| 0.0).unwrap();
    let grid: Vec<[f64; 2]> = free.axes[0]
        .iter()
        .flat_map(|&x| free.axes[1].iter().map(move |&y| [x, y]))
        .collect();
    let psi0: Vec<Complex64> = grid
        .iter()
        .map(|p| gaussian_packet(&packet, units, p, 0.0))
        .collect();
    let psi = free.propagate(&psi0, 4.0, 10.0).unwrap();
    let exact: Vec<Complex64> = grid
        .iter()
        .map(|p| gaussian_packet(&packet, units, p, 4.0))
        .collect();
    let err = grid_error(&psi, &exact);
    assert!(err < 1e-12, "free 2-D split-operator error {err:e}");
    // Isotropic well: the coherent state is a product of 1-D coherent states.
    let omega = 1.0;
    let well = SplitOperator2d::new([-8.0, -8.0], [16.0, 16.0], [64, 64], units, |x, y| {
        0.5 * omega * omega * (x * x + y * y)
    })
    .unwrap();
    let points: Vec<[f64; 2]> = well.axes[0]
        .iter()
        .flat_map(|&x| well.axes[1].iter().map(move |&y| [x, y]))
        .collect();
    let coherent = |t: f64| -> Vec<Complex64> {
        points
            .iter()
            .map(|p| {
                coherent_state(units, omega, 1.5, 0.0, p[0], t)
                    * coherent_state(units, omega, 0.0, 1.0, p[1], t)
            })
            .collect()
    };
    let period = 2.0 * std::f64::consts::PI / omega;
    let start = coherent(0.0);
    let errors: Vec<f64> = [0.02, 0.01]
        .iter()
        .map(|&dt| {
            grid_error(
                &well.propagate(&start, period, dt).unwrap(),
                &coherent(period),
            )
        })
        .collect();
    let order = (errors[0] / errors[1]).log2();
    assert!((order - 2.0).abs() < 0.05, "order {order} ({errors:?})");
}
