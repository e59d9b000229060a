//! Surface hopping on Tully's model 1 at k = 15 (mass 2000, Δt = 80/k = 5.33 a.u., the
//! default step): one trajectory on one thread (time per trajectory; divided by its
//! nuclear steps, the time per step that `benches/fssh_vs_mudslide.py` compares with
//! mudslide at the same Δt), and an ensemble of 2000 trajectories on all threads.
//! `cargo bench --bench hopping`

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use hamlet::nonadiabatic::{
    run_ensemble, Decoherence, EnsembleSettings, FrustratedHop, HopSettings, InitialSampling,
    Trajectory, Tully1,
};
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use std::time::Duration;

const K: f64 = 15.0;

fn settings() -> HopSettings {
    HopSettings {
        mass: 2000.0,
        dt: 80.0 / K,
        frustrated: FrustratedHop::Keep,
        decoherence: Decoherence::None,
        exit: (-10.0, 10.0),
        max_steps: 1_000_000,
    }
}

fn trajectories(c: &mut Criterion) {
    let model = Tully1::default();
    let hop = settings();
    // Steps of the benchmarked trajectory, for the per-step figure.
    let steps = Trajectory::new(&model, &hop, &[-10.0], &[K / 2000.0], 0)
        .unwrap()
        .run(&mut Xoshiro256PlusPlus::seed_from_u64(1), 0)
        .unwrap()
        .steps;
    let mut group = c.benchmark_group("fssh_tully1_k15");
    group.throughput(Throughput::Elements(steps as u64));
    group.bench_function("one_trajectory_steps", |b| {
        b.iter(|| {
            Trajectory::new(&model, &hop, &[-10.0], &[K / 2000.0], 0)
                .unwrap()
                .run(&mut Xoshiro256PlusPlus::seed_from_u64(1), 0)
                .unwrap()
                .state
        })
    });
    group.finish();
    let ensemble = EnsembleSettings {
        hop,
        position: vec![-10.0],
        momentum: vec![K],
        sampling: InitialSampling::Fixed,
        state: 0,
        trajectories: 2000,
        seed: 1,
        record_every: 0,
    };
    let mut group = c.benchmark_group("fssh_tully1_k15_ensemble");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("2000_trajectories", |b| {
        b.iter(|| run_ensemble(&model, &ensemble).unwrap().transmitted[1])
    });
    group.finish();
}

criterion_group!(benches, trajectories);
criterion_main!(benches);
