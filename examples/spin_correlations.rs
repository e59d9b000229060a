//! Ground state of the Heisenberg ring by exact diagonalization and its spin-spin
//! correlation function C(r) = ⟨σᶻ₀σᶻᵣ⟩, which alternates in sign and decays as a
//! power law (up to logarithms) in the critical chain.
//!
//! `cargo run --release --example spin_correlations -- 20`

use hamlet::exact::{self, ExactOptions, Method};
use hamlet::hilbert::SpinHilbert;
use hamlet::lattice::{Boundary, Lattice};
use hamlet::operator::{zz_correlation, Hamiltonian};

fn main() -> anyhow::Result<()> {
    let n: usize = std::env::args().nth(1).map_or(Ok(16), |s| s.parse())?;
    let ring = Lattice::chain(n, Boundary::Periodic)?;
    let heisenberg = Hamiltonian::xxz(ring, 1.0, 1.0, true)?;
    let options = ExactOptions {
        method: Method::Lanczos,
        ground_state: true,
        ..ExactOptions::default()
    };
    let spectrum = exact::solve(&heisenberg, &SpinHilbert::with_total_sz(n, 0.0)?, &options)?;
    let ground = spectrum.ground_state.as_ref().expect("requested");
    println!(
        "N = {n}: E0 = {:.12} ({:.12} per site; Bethe N -> inf: {:.12})",
        spectrum.energies[0],
        spectrum.energies[0] / n as f64,
        exact::heisenberg_chain_bethe_per_site(1.0)
    );
    println!("  r   <sz_0 sz_r>");
    for r in 0..=n / 2 {
        let c = ground.expectation(&zz_correlation(n, 0, r)?);
        println!("{r:3}   {c:+.10}");
    }
    Ok(())
}
