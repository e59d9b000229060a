//! Where the time of one VMC iteration goes: sampling (Metropolis sweeps, local
//! energies, Jacobian rows), gathering the batch, and the SR update, for an RBM
//! (α = 1, real) on TFIM chains at NetKet's benchmark settings (1008 samples, 16
//! chains, diagonal shift 0.01). Mean milliseconds over 30 iterations after 3 warm-up
//! iterations.
//!
//! `cargo run --release --example vmc_phase_timings -- 20 40 80`

use hamlet::ansatz::{Ansatz, Rbm};
use hamlet::hilbert::SpinHilbert;
use hamlet::lattice::{Boundary, Lattice};
use hamlet::operator::Hamiltonian;
use hamlet::sampler::{Metropolis, MetropolisSettings, Sampler};
use hamlet::vmc::{EnergyAndJacobian, Gradient, Jacobian, Method, Optimizer, SrSpace};
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use std::time::Instant;

fn main() {
    hamlet::scalar::fix_linear_algebra_partition();
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![20, 40, 80]
    } else {
        sizes
    };
    for n in sizes {
        let lattice = Lattice::chain(n, Boundary::Periodic).unwrap();
        let ham = Hamiltonian::tfim(lattice.clone(), 1.0, 1.0, 0.0).unwrap();
        let space = SpinHilbert::full(n).unwrap();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        let ansatz = Rbm::<f64>::new(n, 1.0, 0.1, &mut rng).unwrap();
        let mut sampler = Sampler::Metropolis(
            Metropolis::new(&space, &lattice, false, MetropolisSettings::default(), 2).unwrap(),
        );
        let mut opt = Optimizer::<f64>::new(
            Method::Sr {
                diag_shift: 0.01,
                space: SrSpace::Auto,
            },
            0.05,
        )
        .unwrap();
        let row_len = ansatz.jacobian_row_len();
        let visitor = EnergyAndJacobian {
            hamiltonian: ham.operator(),
            row_len,
        };
        let (mut ts, mut tj, mut tu) = (0.0, 0.0, 0.0);
        let reps = 30;
        for r in 0..reps + 3 {
            let t0 = Instant::now();
            let batch = sampler.sample(&ansatz, 63, &visitor).unwrap();
            let t1 = Instant::now();
            let energies: Vec<f64> = (0..batch.len()).map(|s| batch.row(s)[0]).collect();
            let weights: Vec<f64> = (0..batch.len()).map(|s| batch.weight(s)).collect();
            let rows: Vec<f64> = (0..batch.len())
                .flat_map(|s| batch.row(s)[1..].iter().copied())
                .collect();
            let jac = Jacobian::new(ansatz.jacobian_layout(), rows, row_len, ansatz.n_params());
            let t2 = Instant::now();
            let d = opt
                .update(&Gradient {
                    jacobian: &jac,
                    local_energies: &energies,
                    weights: &weights,
                })
                .unwrap();
            let t3 = Instant::now();
            std::hint::black_box(d);
            if r >= 3 {
                ts += (t1 - t0).as_secs_f64();
                tj += (t2 - t1).as_secs_f64();
                tu += (t3 - t2).as_secs_f64();
            }
        }
        let k = 1e3 / reps as f64;
        println!(
            "N={n}: sample {:.2} ms, gather {:.2} ms, update {:.2} ms",
            ts * k,
            tj * k,
            tu * k
        );
    }
}
