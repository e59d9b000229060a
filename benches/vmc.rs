//! One variational Monte Carlo iteration (sampling, local energies, SR update) for the
//! TFIM chain with an RBM at NetKet's benchmark settings (α = 1, 1008 samples, 16
//! chains, SR with diagonal shift 0.01). `cargo bench --bench vmc`; the comparison with
//! NetKet on the same machine is `benches/vmc_vs_netket.py`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use hamlet::ansatz::Rbm;
use hamlet::hilbert::SpinHilbert;
use hamlet::lattice::{Boundary, Lattice};
use hamlet::operator::Hamiltonian;
use hamlet::sampler::{Metropolis, MetropolisSettings, Sampler};
use hamlet::vmc::{Method, Optimizer, SrSpace, Vmc, VmcSettings};
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use std::time::Duration;

fn iteration(c: &mut Criterion) {
    let mut group = c.benchmark_group("vmc_iteration_tfim_rbm");
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(10));
    for n in [20usize, 40, 80] {
        let lattice = Lattice::chain(n, Boundary::Periodic).unwrap();
        let ham = Hamiltonian::tfim(lattice.clone(), 1.0, 1.0, 0.0).unwrap();
        let space = SpinHilbert::full(n).unwrap();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        let ansatz = Rbm::<f64>::new(n, 1.0, 0.01, &mut rng).unwrap();
        let sampler = Sampler::Metropolis(
            Metropolis::new(&space, &lattice, false, MetropolisSettings::default(), 2).unwrap(),
        );
        let optimizer = Optimizer::new(
            Method::Sr {
                diag_shift: 0.01,
                space: SrSpace::Auto,
            },
            0.05,
        )
        .unwrap();
        let settings = VmcSettings {
            samples: 1008,
            iterations: usize::MAX,
            final_samples: 1008,
            target_variance: None,
        };
        let mut vmc =
            Vmc::new(ansatz, ham.operator().clone(), sampler, optimizer, settings).unwrap();
        for _ in 0..10 {
            vmc.step().unwrap();
        }
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| vmc.step().unwrap().energy.mean)
        });
    }
    group.finish();
}

criterion_group!(benches, iteration);
criterion_main!(benches);
