//! Diabatic models: scan throughput (adiabatic energies, gradients and couplings with
//! continuous signs, geometries per second) for an analytic model and a [48, 48] tanh
//! `DiabaticNet`, one geometry at a time as a dynamics code calls it; and the fit of
//! Tully's model 2 from 200 points with the default settings (seconds per fit).
//! `cargo bench --bench diabatic`

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use hamlet::nonadiabatic::{
    adiabatic, fit, Activation, Architecture, DiabaticData, DiabaticModel, DiabaticNet,
    FitSettings, Sampling, Scaling, Tully1, Tully2,
};
use std::ops::ControlFlow;
use std::time::Duration;

fn scan(model: &dyn DiabaticModel, points: usize) -> f64 {
    let mut previous = None;
    let mut sum = 0.0;
    for i in 0..points {
        let x = -10.0 + 20.0 * i as f64 / points as f64;
        let a = adiabatic(model, &[x], previous.as_ref());
        sum += a.couplings[0][(0, 1)];
        previous = Some(a.vectors);
    }
    sum
}

fn scans(c: &mut Criterion) {
    let net = DiabaticNet::new(
        Architecture {
            n_states: 2,
            n_dims: 1,
            hidden: vec![48, 48],
            activation: Activation::Tanh,
        },
        Scaling {
            center: vec![0.0],
            width: vec![10.0],
            energy_shift: 0.0,
            energy_scale: 0.01,
        },
        1,
    )
    .unwrap();
    let mut group = c.benchmark_group("diabatic_scan");
    group.throughput(Throughput::Elements(10_000));
    group.bench_function("tully1_analytic_1e4_geometries", |b| {
        b.iter(|| scan(&Tully1::default(), 10_000))
    });
    group.bench_function("net_48x48_1e4_geometries", |b| {
        b.iter(|| scan(&net, 10_000))
    });
    group.finish();
}

fn fits(c: &mut Criterion) {
    let mut data =
        DiabaticData::from_model(&Tully2::default(), 200, -10.0, 10.0, Sampling::Adaptive).unwrap();
    data.gradients = None;
    let mut group = c.benchmark_group("diabatic_fit");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(120));
    group.bench_function("tully2_200_points_default", |b| {
        b.iter(|| {
            fit(&data, &FitSettings::default(), &mut |_| {
                ControlFlow::Continue(())
            })
            .unwrap()
            .refine_iterations
        })
    });
    group.finish();
}

criterion_group!(benches, scans, fits);
criterion_main!(benches);
