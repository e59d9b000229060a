//! Exact wave-packet scattering on 1-D diabatic models: unitarity, a free packet, Tully's
//! model 1 against stationary scattering, convergence, and the reference tables for
//! models 2 and 3 that surface hopping is compared with.

use hamlet::error::Error;
use hamlet::nonadiabatic::{
    scatter, Branching, DiabaticModel, LinearVibronic, PacketSettings, Tully1, Tully2, Tully3,
    WavePacket, MOMENTUM_WIDTH_RATIO,
};
use nalgebra::DMatrix;
use std::time::Instant;

/// Tully's nuclear mass (electron masses).
const MASS: f64 = 2000.0;

/// Two uncoupled flat surfaces `V = diag(low, high)`.
struct Uncoupled {
    low: f64,
    high: f64,
}

impl DiabaticModel for Uncoupled {
    fn n_states(&self) -> usize {
        2
    }
    fn n_dims(&self) -> usize {
        1
    }
    fn potential(&self, _r: &[f64]) -> DMatrix<f64> {
        DMatrix::from_row_slice(2, 2, &[self.low, 0.0, 0.0, self.high])
    }
    fn gradient(&self, _r: &[f64]) -> Vec<DMatrix<f64>> {
        vec![DMatrix::zeros(2, 2)]
    }
}

const FLAT: Uncoupled = Uncoupled {
    low: 0.0,
    high: 0.02,
};

/// Runs `settings` on `model`, printing the probabilities and the wall time.
fn run(label: &str, model: &dyn DiabaticModel, settings: &PacketSettings) -> Branching {
    let start = Instant::now();
    let b = scatter(model, settings).unwrap();
    println!(
        "{label:>24}: T = [{:.6}, {:.6}]  R = [{:.6}, {:.6}]  left on grid {:.1e}  \
         unaccounted {:.1e}  t = {:.0}  {} steps × {} points  ({:.2} s)",
        b.transmitted[0],
        b.transmitted[1],
        b.reflected[0],
        b.reflected[1],
        b.remaining,
        b.unaccounted,
        b.time,
        b.steps,
        settings.points,
        start.elapsed().as_secs_f64()
    );
    assert!(b.unaccounted.abs() < 1e-9, "probabilities must add up to 1");
    b
}

fn key_of(error: Error) -> String {
    match error {
        Error::Invalid { key, message } => {
            println!("{key}: {message}");
            key
        }
        other => panic!("expected an invalid-input error, got {other}"),
    }
}

#[test]
fn norm_is_conserved_to_1e10_without_absorbers() {
    let mut settings = PacketSettings::for_momentum(&Tully1::default(), 15.0, MASS).unwrap();
    settings.absorber = 0.0;
    let mut packet = WavePacket::new(&Tully1::default(), &settings).unwrap();
    assert!((packet.norm() - 1.0).abs() < 1e-12);
    // Through the crossing and beyond (the packet also wraps around the periodic box).
    for _ in 0..4 {
        packet.advance(1000);
        let drift = (packet.norm() - 1.0).abs();
        println!("t = {:.0}: |norm − 1| = {drift:.1e}", packet.time());
        assert!(drift < 1e-10);
    }
    let b = packet.branching();
    assert!(b.unaccounted.abs() < 1e-10);
}

#[test]
fn uncoupled_packet_transmits_on_its_own_state() {
    for state in 0..2 {
        let mut settings = PacketSettings::for_momentum(&FLAT, 20.0, MASS).unwrap();
        settings.initial_state = state;
        let b = run(&format!("uncoupled, state {state}"), &FLAT, &settings);
        let other = 1 - state;
        assert!(b.transmitted[state] > 1.0 - 1e-6);
        assert!(b.transmitted[other] < 1e-12);
        assert!(b.reflected.iter().all(|r| *r < 1e-6));
    }
}

#[test]
fn uncoupled_packet_centre_moves_at_k_over_m() {
    let k0 = 20.0;
    let mut settings = PacketSettings::for_momentum(&FLAT, k0, MASS).unwrap();
    settings.absorber = 0.0;
    let mut packet = WavePacket::new(&FLAT, &settings).unwrap();
    let x0 = packet.mean_position();
    assert!((x0 - settings.x0).abs() < 1e-9);
    for _ in 0..4 {
        packet.advance(100);
        let expected = settings.x0 + k0 / MASS * packet.time();
        let error = (packet.mean_position() - expected).abs();
        println!(
            "t = {:.0}: ⟨x⟩ = {:.9}, x₀ + k₀t/m = {expected:.9}",
            packet.time(),
            packet.mean_position()
        );
        assert!(error < 1e-8, "⟨x⟩ off by {error}");
    }
    let populations = packet.adiabatic_populations();
    assert!((populations[0] - 1.0).abs() < 1e-10 && populations[1] < 1e-20);
}

/// Stationary-scattering probabilities of transmission on the upper adiabatic state of
/// Tully's model 1.
const TULLY1_UPPER: [(f64, f64); 3] = [(10.0, 0.156), (15.0, 0.323), (30.0, 0.715)];

#[test]
fn tully1_upper_transmission_matches_stationary_scattering() {
    let model = Tully1::default();
    for (k, expected) in TULLY1_UPPER {
        let settings = PacketSettings::for_momentum(&model, k, MASS).unwrap();
        let b = run(&format!("Tully 1, k = {k}"), &model, &settings);
        assert!(
            (b.transmitted[1] - expected).abs() < 0.01,
            "k = {k}: T_upper = {} vs {expected}",
            b.transmitted[1]
        );
        assert!(b.remaining < 1e-6);
    }
}

/// Below the upper threshold of Tully's model 2 (k = 12, E = 0.036 < 0.05 Eh) part of
/// the packet is caught in the well of the upper surface and decays slowly into the two
/// open channels. At the time cap the remainder is shared by the flux ratios of the last
/// quarter; sharing it by position would put it on the closed upper channels.
#[test]
fn a_trapped_resonance_is_shared_among_the_open_channels() {
    let model = Tully2::default();
    let mut settings = PacketSettings::for_momentum_and_spread(&model, 12.0, 0.3, MASS).unwrap();
    let short = run("Tully 2, k = 12, cap", &model, &settings);
    assert!(short.extrapolated, "the resonance outlives the cap");
    assert!(short.remaining > 1e-3, "remaining {}", short.remaining);
    settings.max_time *= 2.0;
    let long = run("Tully 2, k = 12, 2 × cap", &model, &settings);
    for b in [&short, &long] {
        assert!(
            b.transmitted[1] < 1e-9 && b.reflected[1] < 1e-9,
            "closed channels stay empty: {b:?}"
        );
        assert!(b.unaccounted.abs() < 1e-9);
    }
    assert!(
        long.remaining < 0.5 * short.remaining,
        "{} → {}",
        short.remaining,
        long.remaining
    );
    assert!(
        short.max_difference(&long) < 0.02 * short.remaining,
        "extrapolated {short:?} vs {long:?}"
    );
}

#[test]
fn tully1_at_k30_is_converged_in_step_grid_box_and_absorber() {
    let model = Tully1::default();
    let base = PacketSettings::for_momentum(&model, 30.0, MASS).unwrap();
    let reference = run("base", &model, &base);
    for (label, settings) in variants(&model, &base).into_iter().take(4) {
        let change = run(label, &model, &settings).max_difference(&reference);
        println!("{label:>24}: largest change {change:.1e}");
        assert!(change < 1e-3);
    }
}

#[test]
fn tully1_results_barely_depend_on_the_packet_width() {
    let model = Tully1::default();
    for k in [10.0, 30.0] {
        let sigma_k = k / MOMENTUM_WIDTH_RATIO;
        let wide = PacketSettings::for_momentum_and_spread(&model, k, sigma_k, MASS).unwrap();
        let narrow =
            PacketSettings::for_momentum_and_spread(&model, k, sigma_k / 2.0, MASS).unwrap();
        let a = run(
            &format!("k = {k}, σ_k = k/{MOMENTUM_WIDTH_RATIO}"),
            &model,
            &wide,
        );
        let b = run(&format!("k = {k}, σ_k/2"), &model, &narrow);
        let change = a.max_difference(&b);
        println!("k = {k}: halving σ_k changes the probabilities by {change:.1e}");
        assert!(change < 1e-3);
    }
}

#[test]
fn bad_input_is_refused_naming_the_field() {
    let model = Tully1::default();
    for k in [0.0, -5.0, f64::NAN] {
        let error = PacketSettings::for_momentum(&model, k, MASS).unwrap_err();
        let text = error.to_string();
        assert!(text.contains("k0") && text.contains("positive"), "{text}");
        assert_eq!(key_of(error), "k0");
    }
    assert_eq!(
        key_of(PacketSettings::for_momentum(&model, 10.0, 0.0).unwrap_err()),
        "mass"
    );
    let good = PacketSettings::for_momentum(&model, 10.0, MASS).unwrap();
    let refused = |change: &dyn Fn(&mut PacketSettings)| {
        let mut settings = good.clone();
        change(&mut settings);
        key_of(WavePacket::new(&model, &settings).err().unwrap())
    };
    assert_eq!(refused(&|s| s.dt = 0.0), "dt");
    assert_eq!(refused(&|s| s.dt = -1.0), "dt");
    assert_eq!(refused(&|s| s.k0 = -1.0), "k0");
    assert_eq!(refused(&|s| s.sigma = 0.0), "sigma");
    assert_eq!(refused(&|s| s.mass = -2000.0), "mass");
    assert_eq!(refused(&|s| s.points = 32), "points");
    assert_eq!(refused(&|s| s.box_stop = s.box_start), "box_start");
    assert_eq!(refused(&|s| s.initial_state = 2), "initial_state");
    assert_eq!(refused(&|s| s.x0 = s.box_start), "x0");
    let plane = LinearVibronic::default();
    assert_eq!(
        key_of(PacketSettings::for_momentum(&plane, 10.0, MASS).unwrap_err()),
        "model"
    );
    assert_eq!(
        key_of(WavePacket::new(&plane, &good).err().unwrap()),
        "model"
    );
}

/// `(label, model, momenta)` for the reference tables.
fn tables() -> Vec<(&'static str, Box<dyn DiabaticModel>, Vec<f64>)> {
    vec![
        (
            "Tully 1",
            Box::new(Tully1::default()),
            vec![10.0, 15.0, 20.0, 30.0],
        ),
        (
            "Tully 2",
            Box::new(Tully2::default()),
            vec![16.0, 20.0, 30.0, 40.0, 50.0],
        ),
        (
            "Tully 3",
            Box::new(Tully3::default()),
            vec![5.0, 10.0, 20.0, 30.0],
        ),
    ]
}

#[test]
#[ignore = "reference tables for surface hopping; about 20 s in release"]
fn tully_reference_tables() {
    for (name, model, momenta) in tables() {
        println!("{name}: k, T_lower, T_upper, R_lower, R_upper");
        for k in momenta {
            let settings = PacketSettings::for_momentum(model.as_ref(), k, MASS).unwrap();
            let b = run(&format!("{name}, k = {k}"), model.as_ref(), &settings);
            println!(
                "TABLE {name} {k:>5} {:.4} {:.4} {:.4} {:.4}",
                b.transmitted[0], b.transmitted[1], b.reflected[0], b.reflected[1]
            );
        }
    }
}

#[test]
#[ignore = "convergence study of every setting for all three models; about 5 minutes in release"]
fn tully_convergence_study() {
    for (name, model, momenta) in tables() {
        let model = model.as_ref();
        for k in momenta {
            println!("{name}, k = {k}");
            let base = PacketSettings::for_momentum(model, k, MASS).unwrap();
            let reference = run("base", model, &base);
            for (label, settings) in variants(model, &base) {
                let change = run(label, model, &settings).max_difference(&reference);
                println!("{label:>24}: largest change {change:.1e}");
            }
        }
    }
}

/// The base settings with one thing changed at a time.
fn variants(
    model: &dyn DiabaticModel,
    base: &PacketSettings,
) -> Vec<(&'static str, PacketSettings)> {
    let mut half_step = base.clone();
    half_step.dt /= 2.0;
    let mut fine = base.clone();
    fine.points *= 2;
    let mut large = base.clone();
    let length = large.box_stop - large.box_start;
    large.box_start -= length / 2.0;
    large.box_stop += length / 2.0;
    large.points *= 2;
    large.max_time *= 2.0;
    let mut absorber = base.clone();
    absorber.box_start -= absorber.absorber;
    absorber.box_stop += absorber.absorber;
    absorber.absorber *= 2.0;
    absorber.fit_grid_and_step(model).unwrap();
    let mut tolerance = base.clone();
    tolerance.tolerance = 1e-9;
    let sigma_k = base.k0 / MOMENTUM_WIDTH_RATIO;
    let narrow =
        PacketSettings::for_momentum_and_spread(model, base.k0, sigma_k / 2.0, MASS).unwrap();
    vec![
        ("dt / 2", half_step),
        ("points × 2", fine),
        ("box × 2", large),
        ("absorber × 2", absorber),
        ("tolerance 1e-9", tolerance),
        ("σ_k / 2", narrow),
    ]
}
