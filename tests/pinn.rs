//! The residual-loss PINN baseline: Taylor-mode derivatives and the reverse-mode weight
//! gradient against finite differences, training that lowers the loss and is
//! reproducible for any thread count, and settings validation.

use hamlet::error::Error;
use hamlet::schrodinger::pinn::{Pinn, PinnSettings, TrainingPoints};
use hamlet::schrodinger::Units;
use num_complex::Complex64;
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use std::ops::ControlFlow;

fn small(width: usize, hidden_layers: usize, seed: u64) -> PinnSettings {
    PinnSettings {
        width,
        hidden_layers,
        seed,
        ..PinnSettings::default()
    }
}

/// A network whose every weight and bias is random, so no term vanishes by symmetry.
fn random_network(width: usize, hidden_layers: usize, units: Units, seed: u64) -> Pinn {
    let mut pinn = Pinn::new(&small(width, hidden_layers, seed), units, (-3.0, 5.0), 2.0).unwrap();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed + 100);
    for p in pinn.parameters_mut() {
        *p = 1.2 * (2.0 * rng.random::<f64>() - 1.0);
    }
    pinn
}

fn close(numeric: Complex64, analytic: Complex64, tolerance: f64) -> bool {
    (numeric - analytic).norm() <= tolerance * analytic.norm().max(1.0)
}

#[test]
fn taylor_mode_derivatives_match_finite_differences() {
    let units = Units {
        hbar: 0.7,
        mass: 1.3,
    };
    let pinn = random_network(6, 3, units, 3);
    for &(x, t) in &[(-2.5, 0.1), (0.3, 1.0), (4.2, 1.9), (1.0, 0.0)] {
        let e = pinn.evaluate(x, t);
        assert_eq!(e.psi, pinn.psi(x, t));
        let h = 1e-4;
        let dt = (pinn.psi(x, t + h) - pinn.psi(x, t - h)) / (2.0 * h);
        let dx = (pinn.psi(x + h, t) - pinn.psi(x - h, t)) / (2.0 * h);
        let h2 = 1e-3;
        let dxx = (pinn.psi(x + h2, t) - 2.0 * pinn.psi(x, t) + pinn.psi(x - h2, t)) / (h2 * h2);
        assert!(close(dt, e.dpsi_dt, 1e-6), "ψ_t {dt} vs {}", e.dpsi_dt);
        assert!(
            close(dx, e.gradient[0], 1e-6),
            "ψ_x {dx} vs {}",
            e.gradient[0]
        );
        assert!(
            close(dxx, e.laplacian, 1e-6),
            "ψ_xx {dxx} vs {}",
            e.laplacian
        );
        let v = 0.4 * x * x;
        let r = Complex64::i() * units.hbar * e.dpsi_dt
            + e.laplacian * (units.hbar * units.hbar / (2.0 * units.mass))
            - v * e.psi;
        assert!((pinn.residual(x, t, v) - r).norm() < 1e-14 * r.norm().max(1.0));
    }
    let xs = [-3.0, -1.0, 0.5, 2.0, 5.0];
    for (&x, z) in xs.iter().zip(pinn.psi_at(&xs, 0.7)) {
        assert!((z - pinn.psi(x, 0.7)).norm() < 1e-13);
    }
}

#[test]
fn weight_gradient_matches_finite_differences() {
    let units = Units {
        hbar: 0.7,
        mass: 1.3,
    };
    let mut pinn = random_network(5, 2, units, 11);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
    let collocation: Vec<[f64; 2]> = (0..7)
        .map(|_| [-3.0 + 8.0 * rng.random::<f64>(), 2.0 * rng.random::<f64>()])
        .collect();
    let points = TrainingPoints {
        potential: collocation
            .iter()
            .map(|p| 0.5 * p[0] * p[0] - 0.3)
            .collect(),
        collocation,
        initial: vec![-3.0, -0.5, 1.5, 5.0],
        initial_values: vec![
            Complex64::new(0.1, -0.2),
            Complex64::new(0.8, 0.3),
            Complex64::new(-0.4, 0.5),
            Complex64::new(0.0, 0.05),
        ],
        boundary_times: vec![0.0, 0.9, 2.0],
    };
    let (w0, wb) = (3.0, 2.0);
    let settings = PinnSettings {
        initial_weight: w0,
        boundary_weight: wb,
        ..PinnSettings::default()
    };
    let (loss, gradient) = pinn.loss_and_gradient(&points, &settings).unwrap();
    assert!(loss.residual > 0.0 && loss.initial > 0.0 && loss.boundary > 0.0);
    assert_eq!(
        loss.total,
        loss.residual + w0 * loss.initial + wb * loss.boundary
    );
    assert_eq!(gradient.len(), pinn.n_parameters());
    assert_eq!(pinn.n_parameters(), (2 * 5 + 5) + (5 * 5 + 5) + (5 * 2 + 2));
    let largest = gradient.iter().fold(0.0_f64, |m, g| m.max(g.abs()));
    let h = 1e-5;
    for (k, &analytic) in gradient.iter().enumerate() {
        let p = pinn.parameters()[k];
        pinn.parameters_mut()[k] = p + h;
        let plus = pinn.loss_and_gradient(&points, &settings).unwrap().0.total;
        pinn.parameters_mut()[k] = p - h;
        let minus = pinn.loss_and_gradient(&points, &settings).unwrap().0.total;
        pinn.parameters_mut()[k] = p;
        let numeric = (plus - minus) / (2.0 * h);
        let error = (numeric - analytic).abs() / analytic.abs().max(1e-3 * largest);
        assert!(
            error < 1e-6,
            "parameter {k}: analytic {analytic} vs numeric {numeric} (relative {error:.1e})"
        );
    }
}

#[test]
fn causal_weights_follow_the_earlier_slices() {
    let units = Units {
        hbar: 0.7,
        mass: 1.3,
    };
    let pinn = random_network(5, 2, units, 11);
    let potential = |x: f64| 0.5 * x * x - 0.3;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(9);
    let collocation: Vec<[f64; 2]> = (0..40)
        .map(|_| [-3.0 + 8.0 * rng.random::<f64>(), 2.0 * rng.random::<f64>()])
        .collect();
    let subset = |slice: Option<usize>| {
        let collocation: Vec<[f64; 2]> = collocation
            .iter()
            .filter(|p| slice.is_none_or(|i| (p[1] / 0.5) as usize == i))
            .copied()
            .collect();
        TrainingPoints {
            potential: collocation.iter().map(|p| potential(p[0])).collect(),
            collocation,
            ..TrainingPoints::default()
        }
    };
    let plain = PinnSettings::default();
    let causal = PinnSettings {
        causal_tolerance: 0.8,
        causal_slices: 4,
        ..plain.clone()
    };
    let all = subset(None);
    let (loss, gradient) = pinn.loss_and_gradient(&all, &causal).unwrap();
    let (plain_loss, _) = pinn.loss_and_gradient(&all, &plain).unwrap();
    assert_eq!(loss.residual, plain_loss.residual);
    assert_eq!(plain_loss.causal_weight, 1.0);
    let one_slice = PinnSettings {
        causal_slices: 1,
        ..causal.clone()
    };
    assert_eq!(
        pinn.loss_and_gradient(&all, &one_slice).unwrap(),
        pinn.loss_and_gradient(&all, &plain).unwrap()
    );

    // ∇⟨c|R|²⟩ = Σᵢ cᵢ (Nᵢ/N) ∇⟨|R|²⟩ᵢ with cᵢ = exp(−ε Σ_{k<i} ⟨|R|²⟩ₖ).
    let n = all.collocation.len() as f64;
    let mut earlier = 0.0_f64;
    let (mut total, mut expected) = (0.0_f64, vec![0.0_f64; gradient.len()]);
    for i in 0..4 {
        let slice = subset(Some(i));
        let (slice_loss, slice_gradient) = pinn.loss_and_gradient(&slice, &plain).unwrap();
        let mean: f64 = slice
            .collocation
            .iter()
            .zip(&slice.potential)
            .map(|(p, &v)| pinn.residual(p[0], p[1], v).norm_sqr())
            .sum::<f64>()
            / slice.collocation.len() as f64;
        assert!((slice_loss.residual - mean).abs() < 1e-12 * mean);
        let c = (-0.8 * earlier).exp();
        let share = c * slice.collocation.len() as f64 / n;
        total += share * mean;
        for (e, g) in expected.iter_mut().zip(&slice_gradient) {
            *e += share * g;
        }
        if i == 3 {
            assert!((loss.causal_weight - c).abs() < 1e-14);
            assert!(c < 0.9);
        }
        earlier += mean;
    }
    assert!((loss.total - total).abs() < 1e-12 * total);
    let largest = expected.iter().fold(0.0_f64, |m, g| m.max(g.abs()));
    for (g, e) in gradient.iter().zip(&expected) {
        assert!((g - e).abs() < 1e-12 * largest, "{g} vs {e}");
    }
}

fn packet(x: f64) -> Complex64 {
    Complex64::from_polar((-x * x / 2.0).exp(), 0.8 * x)
}

fn train_small(seed: u64) -> (Pinn, hamlet::schrodinger::pinn::PinnReport) {
    let settings = PinnSettings {
        width: 16,
        hidden_layers: 2,
        epochs: 600,
        learning_rate: 1e-2,
        final_learning_rate: 1e-3,
        collocation: 600,
        initial_points: 64,
        boundary_points: 16,
        first_layer_gain: 1.0,
        initial_weight: 10.0,
        resample_every: 50,
        seed,
        ..PinnSettings::default()
    };
    Pinn::train(
        &settings,
        Units::default(),
        (-6.0, 6.0),
        1.0,
        |x| 0.1 * x * x,
        packet,
        &mut |_, _| ControlFlow::Continue(()),
    )
    .unwrap()
}

#[test]
fn training_lowers_the_loss_reproducibly_for_any_thread_count() {
    let (pinn, report) = train_small(7);
    assert_eq!(report.epochs, 600);
    assert!(
        report.final_loss.total < report.initial_loss / 30.0,
        "loss {} → {}",
        report.initial_loss,
        report.final_loss.total
    );
    let (again, again_report) = train_small(7);
    assert_eq!(pinn.parameters(), again.parameters());
    assert_eq!(report.final_loss, again_report.final_loss);
    for threads in [1, 3] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let (other, _) = pool.install(|| train_small(7));
        assert_eq!(pinn.parameters(), other.parameters(), "{threads} threads");
    }
    let (different, _) = train_small(8);
    assert_ne!(pinn.parameters(), different.parameters());
}

#[test]
fn observer_stops_and_non_finite_loss_names_the_epoch() {
    let settings = small(4, 1, 1);
    let mut seen = Vec::new();
    let (_, report) = Pinn::train(
        &settings,
        Units::default(),
        (-1.0, 1.0),
        1.0,
        |_| 0.0,
        |_| Complex64::new(1.0, 0.0),
        &mut |epoch, loss| {
            seen.push((epoch, loss));
            if epoch == 4 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        },
    )
    .unwrap();
    assert_eq!(report.epochs, 4);
    assert_eq!(seen.len(), 5);
    assert_eq!(seen[0].1, report.initial_loss);

    let huge = Pinn::train(
        &settings,
        Units::default(),
        (-1.0, 1.0),
        1.0,
        |_| 0.0,
        |_| Complex64::new(1e200, 0.0),
        &mut |_, _| ControlFlow::Continue(()),
    );
    match huge {
        Err(Error::Numerical(message)) => assert!(message.contains("epoch 0"), "{message}"),
        other => panic!("expected a numerical error, got {other:?}"),
    }
}

#[test]
fn bad_settings_name_the_key() {
    let units = Units::default();
    let key_of = |settings: PinnSettings, box_x: (f64, f64), t_max: f64| match Pinn::train(
        &settings,
        units,
        box_x,
        t_max,
        |_| 0.0,
        |_| Complex64::new(1.0, 0.0),
        &mut |_, _| ControlFlow::Continue(()),
    ) {
        Err(Error::Invalid { key, .. }) => key,
        other => panic!("expected an invalid-setting error, got {other:?}"),
    };
    let good = PinnSettings::default();
    assert!(good.check().is_ok());
    let cases = [
        (
            PinnSettings {
                width: 0,
                ..good.clone()
            },
            "pinn.width",
        ),
        (
            PinnSettings {
                hidden_layers: 0,
                ..good.clone()
            },
            "pinn.hidden_layers",
        ),
        (
            PinnSettings {
                epochs: 0,
                ..good.clone()
            },
            "pinn.epochs",
        ),
        (
            PinnSettings {
                learning_rate: -1e-3,
                ..good.clone()
            },
            "pinn.learning_rate",
        ),
        (
            PinnSettings {
                final_learning_rate: f64::NAN,
                ..good.clone()
            },
            "pinn.final_learning_rate",
        ),
        (
            PinnSettings {
                initial_points: 1,
                ..good.clone()
            },
            "pinn.initial_points",
        ),
        (
            PinnSettings {
                boundary_weight: -1.0,
                ..good.clone()
            },
            "pinn.boundary_weight",
        ),
        (
            PinnSettings {
                causal_tolerance: -1.0,
                ..good.clone()
            },
            "pinn.causal_tolerance",
        ),
        (
            PinnSettings {
                causal_slices: 0,
                ..good.clone()
            },
            "pinn.causal_slices",
        ),
        (
            PinnSettings {
                first_layer_gain: 0.0,
                ..good.clone()
            },
            "pinn.first_layer_gain",
        ),
    ];
    for (settings, key) in cases {
        assert_eq!(key_of(settings, (-1.0, 1.0), 1.0), key);
    }
    assert_eq!(key_of(good.clone(), (1.0, 1.0), 1.0), "pinn.box");
    assert_eq!(key_of(good.clone(), (2.0, -1.0), 1.0), "pinn.box");
    assert_eq!(key_of(good.clone(), (-1.0, 1.0), 0.0), "pinn.t_max");
    assert_eq!(key_of(good.clone(), (-1.0, 1.0), -2.0), "pinn.t_max");
    let bad_units = Units {
        hbar: 0.0,
        mass: 1.0,
    };
    assert!(matches!(
        Pinn::new(&good, bad_units, (-1.0, 1.0), 1.0),
        Err(Error::Invalid { key, .. }) if key == "units.hbar"
    ));
}
