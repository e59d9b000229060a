//! Fits Tully's three models from 200 geometries and compares the learned surfaces and
//! couplings with the analytic ones on a dense scan.
//!
//! `cargo run --release --example diabatic_fits -- [tully1 tully2 tully3] [--energies-only]`

use hamlet::nonadiabatic::{
    adiabatic, fit, DiabaticData, DiabaticModel, FitSettings, Tully1, Tully2, Tully3,
};
use std::ops::ControlFlow;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let energies_only = args.iter().any(|a| a == "--energies-only");
    let mut names: Vec<&str> = args
        .iter()
        .filter(|a| !a.starts_with("--"))
        .map(|s| s.as_str())
        .collect();
    if names.is_empty() {
        names = vec!["tully1", "tully2", "tully3"];
    }
    let mut settings = FitSettings::default();
    let env = |k: &str| std::env::var(k).ok();
    if let Some(w) = env("WIDTHS") {
        settings.hidden = w.split(',').map(|v| v.parse().unwrap()).collect();
    }
    if let Some(a) = env("ACT") {
        settings.activation = hamlet::nonadiabatic::Activation::from_name(&a).unwrap();
    }
    if let Some(v) = env("WD") {
        settings.weight_decay = v.parse().unwrap();
    }
    if let Some(v) = env("EPOCHS") {
        settings.adam_epochs = v.parse().unwrap();
    }
    if let Some(v) = env("ITER") {
        settings.refine_iterations = v.parse().unwrap();
    }
    if let Some(v) = env("REFINER") {
        settings.refiner = hamlet::nonadiabatic::Refiner::from_name(&v).unwrap();
    }
    if let Some(v) = env("PATIENCE") {
        settings.patience = v.parse().unwrap();
    }
    if let Some(v) = env("WG") {
        settings.weights.gradient = v.parse().unwrap();
    }
    if let Some(v) = env("WC") {
        settings.weights.coupling = v.parse().unwrap();
    }
    if let Some(v) = env("MEM") {
        settings.lbfgs_memory = v.parse().unwrap();
    }
    if let Some(v) = env("WE") {
        settings.weights.energy = v.parse().unwrap();
    }
    if let Some(v) = env("SEED") {
        settings.seed = v.parse().unwrap();
    }
    if let Some(v) = env("LR") {
        settings.learning_rate = v.parse().unwrap();
    }
    for name in names {
        let model: Box<dyn DiabaticModel> = match name {
            "tully1" => Box::new(Tully1::default()),
            "tully2" => Box::new(Tully2::default()),
            "tully3" => Box::new(Tully3::default()),
            other => panic!("unknown model {other}"),
        };
        let mut data = DiabaticData::from_model(
            model.as_ref(),
            200,
            -10.0,
            10.0,
            if std::env::var("UNIFORM").is_ok() {
                hamlet::nonadiabatic::Sampling::Uniform
            } else {
                hamlet::nonadiabatic::Sampling::Adaptive
            },
        )
        .unwrap();
        if energies_only {
            data = data.energies_only();
        } else if std::env::var("GRAD").is_err() {
            data.gradients = None;
        }
        let report = fit(&data, &settings, &mut |c| {
            if c.step % 1000 == 0 {
                eprintln!(
                    "  {} {:>6} train {:.3e} validation {:?}",
                    c.phase, c.step, c.train_loss, c.validation_loss
                );
            }
            ControlFlow::Continue(())
        })
        .unwrap();
        for w in &report.warnings {
            eprintln!("warning: {w}");
        }
        let v = report.validation.unwrap();
        println!("  train: {:?}", report.train);
        let mut errs: Vec<(f64, f64)> = report
            .validation_indices
            .iter()
            .map(|&p| {
                let x = data.geometry(p)[0];
                let a = adiabatic(&report.net, &[x], None);
                (
                    x,
                    (a.energies[0] - data.energies[2 * p])
                        .abs()
                        .max((a.energies[1] - data.energies[2 * p + 1]).abs()),
                )
            })
            .collect();
        errs.sort_by(|a, b| b.1.total_cmp(&a.1));
        println!("  worst validation energies: {:?}", &errs[..4]);
        println!(
            "{name}: {:.1} s, adam {} + refine {}; validation rmse E {:.2e}, G {:?}, d {:?} (peak {:?})",
            report.seconds, report.adam_epochs, report.refine_iterations, v.rmse_energy, v.rmse_gradient, v.rmse_coupling, v.peak_coupling
        );
        // Dense scan.
        let (mut e2, mut d2, mut dmax, mut emax, mut peak) =
            (0.0f64, 0.0f64, 0.0f64, 0.0f64, 0.0f64);
        let (mut worst, mut far2) = (0.0f64, 0.0f64);
        let count = 2001;
        for i in 0..count {
            let x = -10.0 + 20.0 * i as f64 / (count - 1) as f64;
            let a = adiabatic(model.as_ref(), &[x], None);
            let b = adiabatic(&report.net, &[x], None);
            for s in 0..2 {
                let e = (a.energies[s] - b.energies[s]).abs();
                e2 += e * e;
                emax = emax.max(e);
            }
            let (da, db) = (a.couplings[0][(0, 1)], b.couplings[0][(0, 1)]);
            let dd = (da.abs() - db.abs()).abs();
            d2 += dd * dd;
            if dd > dmax {
                worst = x;
            }
            dmax = dmax.max(dd);
            if x.abs() > 0.3 {
                far2 += dd * dd;
            }
            peak = peak.max(da.abs());
        }
        println!(
            "  dense scan: energy rmse {:.2e} max {:.2e}; coupling rmse/peak {:.2e} max/peak {:.2e} (peak {peak:.4})",
            (e2 / (2 * count) as f64).sqrt(),
            emax,
            (d2 / count as f64).sqrt() / peak,
            dmax / peak
        );
        println!(
            "  worst at x = {worst:.3}; rmse/peak outside |x| < 0.3: {:.2e}",
            (far2 / count as f64).sqrt() / peak
        );
    }
}
