//! Evaluating a plane-wave network: ψ of the free packet (x0 = 0, p0 = 2, σ = 1,
//! fitted for t ≤ 10, 319 plane waves) at 10⁶ space-time points (10⁵ positions × 10
//! times) with the lattice recurrence, and the direct sum (one sine and cosine per
//! term) on 10⁵ points for comparison; criterion reports points per second.
//! `cargo bench --bench schrodinger`

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use hamlet::schrodinger::{gaussian_packet, GaussianPacket, Lattice1d, TensorFit, Units};
use std::time::Duration;

fn evaluation(c: &mut Criterion) {
    let units = Units::default();
    let packet = GaussianPacket {
        x0: vec![0.0],
        p0: vec![2.0],
        sigma: vec![1.0],
    };
    let axes = Lattice1d::tensor_for_packet(&packet, units, 10.0).unwrap();
    let fit = TensorFit::new(axes.clone(), units, |x| {
        gaussian_packet(&packet, units, x, 0.0)
    })
    .unwrap();
    let net = fit.to_net().unwrap();
    let positions: Vec<f64> = (0..100_000)
        .map(|j| axes[0].start + axes[0].length * j as f64 / 100_000.0)
        .collect();
    let times: Vec<f64> = (0..10).map(|j| j as f64).collect();
    let mut group = c.benchmark_group("schrodinger_psi");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    group.throughput(Throughput::Elements(1_000_000));
    group.bench_function("lattice_1e6_points", |b| {
        b.iter(|| {
            times
                .iter()
                .map(|&t| fit.psi_at(&positions, t).len())
                .sum::<usize>()
        })
    });
    group.throughput(Throughput::Elements(100_000));
    group.bench_function("direct_1e5_points", |b| {
        b.iter(|| net.psi_at(&positions, 5.0).len())
    });
    group.finish();
}

criterion_group!(benches, evaluation);
criterion_main!(benches);
