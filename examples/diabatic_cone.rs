//! The conical intersection of a network fitted to the 2-D linear vibronic model:
//! where the learned seam is, how the learned energies and coupling behave near it.
//!
//! `cargo run --release --example diabatic_cone -- NET.h5`
//! (NET.h5 from `hamlet diabatic fit --from-model lvc2d --output NET.h5`)

use hamlet::io::diabatic_net_file::read_net;
use hamlet::nonadiabatic::{adiabatic, cone_profile, find_intersection, LinearVibronic};

fn main() {
    let path = std::env::args()
        .nth(1)
        .expect("usage: diabatic_cone NET.h5");
    let net = read_net(std::path::Path::new(&path)).unwrap();
    let exact = LinearVibronic::default();
    let seam = find_intersection(&net, [0.05, 0.05], 1e-10).unwrap();
    let distance = seam.point[0].hypot(seam.point[1]);
    println!(
        "learned intersection at ({:.3e}, {:.3e}): {:.2e} bohr from the exact one at the origin, gap {:.1e} Eh, {} Newton steps",
        seam.point[0], seam.point[1], distance, seam.gap, seam.iterations
    );
    println!(
        "{:>8} {:>12} {:>12} {:>12} {:>12}",
        "rho", "gap learned", "gap exact", "rho|d| min", "rho|d| max"
    );
    for rho in [0.3, 0.1, 0.03, 0.01, 1e-3, 1e-4] {
        let profile = cone_profile(&net, seam.point, rho, 16);
        let (lo, hi) = profile
            .iter()
            .fold((f64::INFINITY, 0.0f64), |(a, b), &c| (a.min(c), b.max(c)));
        // Mean gap on the circle around the learned and the exact intersection.
        let gap = |model: &dyn hamlet::nonadiabatic::DiabaticModel, c: [f64; 2]| {
            (0..16)
                .map(|a| {
                    let phi = 2.0 * std::f64::consts::PI * a as f64 / 16.0;
                    let e = adiabatic(
                        model,
                        &[c[0] + rho * phi.cos(), c[1] + rho * phi.sin()],
                        None,
                    )
                    .energies;
                    e[1] - e[0]
                })
                .sum::<f64>()
                / 16.0
        };
        println!(
            "{rho:>8.0e} {:>12.5e} {:>12.5e} {lo:>12.6} {hi:>12.6}",
            gap(&net, seam.point),
            gap(&exact, [0.0, 0.0])
        );
    }
    // Energies on a small grid around the exact intersection.
    let mut worst: f64 = 0.0;
    for i in -10..=10 {
        for j in -10..=10 {
            let r = [0.02 * i as f64, 0.02 * j as f64];
            let (a, b) = (adiabatic(&net, &r, None), adiabatic(&exact, &r, None));
            for s in 0..2 {
                worst = worst.max((a.energies[s] - b.energies[s]).abs());
            }
        }
    }
    println!(
        "largest energy error within 0.2 bohr of the intersection (21 x 21 grid): {worst:.2e} Eh"
    );
}
