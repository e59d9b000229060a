//! Lanczos ground state of the Heisenberg ring in the Sz = 0 sector, N = 20, 22, 24
//! (dimensions 184 756, 705 432, 2 704 156), and in its ground-state symmetry sector
//! (`SectorChoice::Auto`: k = 0, p = 1, z = 1 or k = π, p = z = −1), N = 20 … 28 (basis,
//! stored connections and three-vector Lanczos). Run with `cargo bench --bench lanczos`;
//! the peer comparison with QuSpin is `benches/ed_vs_quspin.py`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use hamlet::exact::{self, ExactOptions, Method, SectorChoice};
use hamlet::hilbert::SpinHilbert;
use hamlet::lattice::{Boundary, Lattice};
use hamlet::operator::Hamiltonian;
use std::hint::black_box;
use std::time::Duration;

fn heisenberg_chain(c: &mut Criterion) {
    let mut group = c.benchmark_group("lanczos_heisenberg_chain_sz0");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    for n in [20usize, 22, 24] {
        let chain = Lattice::chain(n, Boundary::Periodic).unwrap();
        let ham = Hamiltonian::xxz(chain, 1.0, 1.0, true).unwrap();
        let space = SpinHilbert::with_total_sz(n, 0.0).unwrap();
        let opts = ExactOptions {
            method: Method::Lanczos,
            ..ExactOptions::default()
        };
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| black_box(exact::solve(&ham, &space, &opts).unwrap().energies[0]))
        });
    }
    group.finish();
}

fn heisenberg_chain_sector(c: &mut Criterion) {
    let mut group = c.benchmark_group("heisenberg_chain_ground_sector");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    for n in [20usize, 24, 28] {
        let chain = Lattice::chain(n, Boundary::Periodic).unwrap();
        let ham = Hamiltonian::xxz(chain, 1.0, 1.0, true).unwrap();
        let space = SpinHilbert::with_total_sz(n, 0.0).unwrap();
        let opts = ExactOptions {
            sectors: SectorChoice::Auto,
            ..ExactOptions::default()
        };
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| black_box(exact::solve(&ham, &space, &opts).unwrap().energies[0]))
        });
    }
    group.finish();
}

criterion_group!(benches, heisenberg_chain, heisenberg_chain_sector);
criterion_main!(benches);
