use hamlet::nonadiabatic::{
    interaction_region, scatter, Branching, DiabaticModel, PacketSettings, Tully1, Tully2, Tully3,
};
use std::time::Instant;

fn with_sigma(model: &dyn DiabaticModel, s: &PacketSettings, ratio: f64) -> PacketSettings {
    let (a, _) = interaction_region(model).unwrap();
    let sigma = 0.5 * ratio / s.k0;
    let dx = s.spacing();
    let mut t = s.clone();
    t.sigma = sigma;
    t.x0 = a - 6.0 * sigma;
    t.box_start = t.x0 - 6.0 * sigma - s.absorber;
    t.points = (((t.box_stop - t.box_start) / dx).ceil() as usize).next_power_of_two();
    t.max_time *= 2.0;
    t
}

fn show(label: &str, b: &Branching, base: &Branching, secs: f64) {
    println!("{label:>12}: T {:.6} {:.6} R {:.2e} {:.2e} rem {:.1e} unacc {:.1e} t {:.0} steps {} diff {:.2e} ({secs:.2}s)",
        b.transmitted[0], b.transmitted[1], b.reflected[0], b.reflected[1], b.remaining, b.unaccounted, b.time, b.steps, b.max_difference(base));
}

fn study(model: &dyn DiabaticModel, k: f64) {
    let s = PacketSettings::for_momentum(model, k, 2000.0).unwrap();
    println!("k = {k}: {s:?}");
    let t = Instant::now();
    let base = scatter(model, &s).unwrap();
    show("base", &base, &base, t.elapsed().as_secs_f64());
    let mut variants: Vec<(&str, PacketSettings)> = vec![];
    let mut v = s.clone();
    v.dt /= 2.0;
    variants.push(("dt/2", v));
    let mut v = s.clone();
    v.points *= 2;
    variants.push(("points*2", v));
    let mut v = s.clone();
    let l = v.box_stop - v.box_start;
    v.box_start -= l / 2.0;
    v.box_stop += l / 2.0;
    v.points *= 2;
    v.max_time *= 2.0;
    variants.push(("box*2", v));
    let mut v = s.clone();
    v.box_start -= v.absorber;
    v.box_stop += v.absorber;
    v.absorber *= 2.0;
    v.points = (((v.box_stop - v.box_start) / s.spacing()).ceil() as usize).next_power_of_two();
    variants.push(("absorber*2", v));
    let mut v = s.clone();
    v.tolerance = 1e-9;
    variants.push(("tol 1e-9", v));
    variants.push(("sigma_k k/40", with_sigma(model, &s, 40.0)));
    variants.push(("sigma_k k/160", with_sigma(model, &s, 160.0)));
    for (label, v) in variants {
        let t = Instant::now();
        let b = scatter(model, &v).unwrap();
        show(label, &b, &base, t.elapsed().as_secs_f64());
    }
}

#[test]
#[ignore = "exploration"]
fn explore1() {
    for k in [10.0, 15.0, 30.0] {
        study(&Tully1::default(), k);
    }
}
#[test]
#[ignore = "exploration"]
fn explore2() {
    for k in [16.0, 30.0, 50.0] {
        study(&Tully2::default(), k);
    }
}
#[test]
#[ignore = "exploration"]
fn explore3() {
    for k in [5.0, 10.0, 20.0, 30.0] {
        study(&Tully3::default(), k);
    }
}

#[test]
#[ignore = "exploration"]
fn explore3b() {
    let model = Tully3::default();
    let s = PacketSettings::for_momentum(&model, 5.0, 2000.0).unwrap();
    let base = scatter(&model, &s).unwrap();
    let l = s.box_stop - s.box_start;
    let mut variants: Vec<(&str, PacketSettings)> = vec![];
    let mut v = s.clone();
    v.box_start -= l;
    v.points *= 2;
    variants.push(("left+L", v));
    let mut v = s.clone();
    v.box_stop += l;
    v.points *= 2;
    variants.push(("right+L", v));
    let mut v = s.clone();
    v.points *= 2;
    v.box_stop += l;
    v.points *= 2;
    variants.push(("right+L pts*2", v));
    for (label, v) in variants {
        let t = Instant::now();
        let b = scatter(&model, &v).unwrap();
        show(label, &b, &base, t.elapsed().as_secs_f64());
        println!("{b:?}");
    }
    println!("{base:?}");
}

struct Flat;
impl DiabaticModel for Flat {
    fn n_states(&self) -> usize {
        2
    }
    fn n_dims(&self) -> usize {
        1
    }
    fn potential(&self, _r: &[f64]) -> nalgebra::DMatrix<f64> {
        nalgebra::DMatrix::from_row_slice(2, 2, &[-0.01, 0.0, 0.0, 0.01])
    }
    fn gradient(&self, _r: &[f64]) -> Vec<nalgebra::DMatrix<f64>> {
        vec![nalgebra::DMatrix::zeros(2, 2)]
    }
}

#[test]
#[ignore = "exploration"]
fn absorber_reflection() {
    let ws: Vec<f64> = std::env::var("WP_W").unwrap().split(',').map(|v| v.parse().unwrap()).collect();
    for &w in &ws {
        for &dx in &[0.07] {
            for &k in &[2.0, 3.0, 5.0, 10.0, 20.0, 30.0] {
                let mut s = PacketSettings::for_momentum(&Flat, k, 2000.0).unwrap();
                s.sigma = 10.0 / k;
                s.x0 = -20.0 - 6.0 * s.sigma;
                s.box_start = s.x0 - 6.0 * s.sigma - w;
                s.box_stop = 10.0 + w;
                s.absorber = w;
                s.points = ((s.box_stop - s.box_start) / dx).ceil() as usize;
                s.dt = 0.5 / (45f64.powi(2) / 4000.0);
                s.split = -5.0;
                s.max_time = 3.0 * (s.box_stop - s.box_start) * 2000.0 / k;
                let b = scatter(&Flat, &s);
                match b {
                    Ok(b) => println!(
                        "w {w:.1} dx {dx} k {k}: R {:.3e} T {:.6} rem {:.1e}",
                        b.reflected[0], b.transmitted[0], b.remaining
                    ),
                    Err(e) => println!("{e}"),
                }
            }
        }
    }
}
