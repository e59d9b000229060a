//! Tully's three models: fewest-switches surface hopping (plain and with the
//! energy-based decoherence correction) against the exact wave-packet reference,
//! across k, as in Tully's figures. Probabilities of leaving on each adiabatic state
//! (T = transmitted, R = reflected; 0 = lower, 1 = upper), FSSH ± 1σ (binomial).
//!
//! `cargo run --release --example fssh_vs_exact -- [tully1 tully2 tully3] [--trajectories N]`

use hamlet::nonadiabatic::{
    analytic_model, default_time_step, run_ensemble, scatter, Decoherence, EnsembleSettings,
    FrustratedHop, HopSettings, HoppingStatistics, InitialSampling, PacketSettings,
};

const MASS: f64 = 2000.0;

fn fssh(name: &str, k: f64, trajectories: usize, decoherence: Decoherence) -> HoppingStatistics {
    let model = analytic_model(name).unwrap();
    let exit = (-10.0, 10.0);
    let settings = EnsembleSettings {
        hop: HopSettings {
            mass: MASS,
            dt: default_time_step(model.as_ref(), &[-10.0], 0, exit, MASS, k),
            frustrated: FrustratedHop::Keep,
            decoherence,
            exit,
            max_steps: 1_000_000,
        },
        position: vec![-10.0],
        momentum: vec![k],
        sampling: InitialSampling::Fixed,
        state: 0,
        trajectories,
        seed: 1,
        record_every: 0,
    };
    run_ensemble(model.as_ref(), &settings).unwrap()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let trajectories = args
        .iter()
        .position(|a| a == "--trajectories")
        .map(|i| args[i + 1].parse().unwrap())
        .unwrap_or(2000);
    let mut names: Vec<&str> = args
        .iter()
        .filter(|a| a.starts_with("tully"))
        .map(|s| s.as_str())
        .collect();
    if names.is_empty() {
        names = vec!["tully1", "tully2", "tully3"];
    }
    for name in names {
        let ks: &[f64] = match name {
            "tully1" => &[8.0, 10.0, 12.0, 15.0, 20.0, 25.0, 30.0],
            "tully2" => &[16.0, 20.0, 25.0, 30.0, 35.0, 40.0, 50.0],
            _ => &[4.0, 6.0, 8.0, 10.0, 15.0, 20.0, 25.0, 30.0],
        };
        println!("\n{name}, {trajectories} trajectories per k");
        println!(
            "{:>5} {:>6} | {:>15} {:>15} {:>15} {:>15}",
            "k", "method", "T0", "R0", "T1", "R1"
        );
        let model = analytic_model(name).unwrap();
        for &k in ks {
            let exact = scatter(
                model.as_ref(),
                &PacketSettings::for_momentum(model.as_ref(), k, MASS).unwrap(),
            )
            .unwrap();
            println!(
                "{k:>5} {:>6} | {:>15.4} {:>15.4} {:>15.4} {:>15.4}",
                "exact",
                exact.transmitted[0],
                exact.reflected[0],
                exact.transmitted[1],
                exact.reflected[1]
            );
            for (label, decoherence) in [
                ("fssh", Decoherence::None),
                ("edc", Decoherence::EnergyBased { c: 0.1 }),
            ] {
                let s = fssh(name, k, trajectories, decoherence);
                let cell = |count: usize| {
                    let (p, e) = s.probability(count);
                    format!("{p:.4} ± {e:.4}")
                };
                println!(
                    "{:>5} {label:>6} | {:>15} {:>15} {:>15} {:>15}",
                    "",
                    cell(s.transmitted[0]),
                    cell(s.reflected[0]),
                    cell(s.transmitted[1]),
                    cell(s.reflected[1])
                );
            }
        }
    }
}
