//! The free Gaussian packet (x0 = 0, p0 = 2, σ = 1, ħ = m = 1) fitted by a plane-wave
//! network and evolved to t = 100 without time stepping, against the closed form.
//!
//! `cargo run --release --example free_packet`

use hamlet::schrodinger::{fit_lattice, gaussian_packet, GaussianPacket, Lattice1d, Units};
use std::time::Instant;

fn main() -> anyhow::Result<()> {
    let units = Units::default();
    let packet = GaussianPacket {
        x0: vec![0.0],
        p0: vec![2.0],
        sigma: vec![1.0],
    };
    let started = Instant::now();
    let lattice = Lattice1d::for_packet(&packet, units, 100.0)?;
    let fit = fit_lattice(&lattice, units, |x| {
        gaussian_packet(&packet, units, &[x], 0.0)
    })?;
    println!(
        "fit: {} plane waves on a box of length {:.1}, misfit {:.1e}, {:.3} s",
        lattice.len(),
        lattice.length,
        fit.residual,
        started.elapsed().as_secs_f64()
    );
    let n = 3 * lattice.len();
    let grid: Vec<f64> = (0..n)
        .map(|j| lattice.start + lattice.length * (j as f64 + 0.25) / n as f64)
        .collect();
    for t in [0.0, 1.0, 10.0, 100.0] {
        let started = Instant::now();
        let psi = fit.net.psi_at(&grid, t);
        let seconds = started.elapsed().as_secs_f64();
        let (mut diff, mut norm) = (0.0, 0.0);
        for (&x, z) in grid.iter().zip(&psi) {
            let exact = gaussian_packet(&packet, units, &[x], t);
            diff += (z - exact).norm_sqr();
            norm += exact.norm_sqr();
        }
        println!(
            "t = {t:>5}: relative L2 error {:.2e} ({} points evaluated in {seconds:.3} s)",
            (diff / norm).sqrt(),
            grid.len()
        );
    }
    Ok(())
}
