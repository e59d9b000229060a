//! The residual-loss PINN baseline against the plane-wave network on the free Gaussian
//! packet (x0 = 0, p0 = 2, σ = 1, ħ = m = 1) for t ∈ [0, 2], both measured in one run:
//! relative L2 error against the closed form on a uniform grid of the box [−10, 14] at
//! t = 0, 0.5, 1, 1.5, 2, and the time each takes to train (fit).
//!
//! The PINN uses `PinnSettings::default()` (printed), each overridable from the command
//! line; the plane-wave network is fitted on `Lattice1d::for_packet` (closed-form DFT).
//!
//! `cargo run --release --example pinn_vs_plane_wave -- [--epochs N] [--width N]
//! [--layers N] [--gain X] [--collocation N] [--initial N] [--boundary N] [--w0 X]
//! [--wb X] [--causal X] [--slices N] [--lr X] [--final-lr X] [--resample N] [--seed N]`

use anyhow::{bail, Context};
use hamlet::schrodinger::pinn::{Pinn, PinnSettings};
use hamlet::schrodinger::{fit_lattice, gaussian_packet, GaussianPacket, Lattice1d, Units};
use num_complex::Complex64;
use std::ops::ControlFlow;
use std::time::Instant;

const BOX: (f64, f64) = (-10.0, 14.0);
const T_MAX: f64 = 2.0;
const TIMES: [f64; 5] = [0.0, 0.5, 1.0, 1.5, 2.0];
const GRID_POINTS: usize = 2401;

fn settings_from_args() -> anyhow::Result<PinnSettings> {
    let mut settings = PinnSettings::default();
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        let [flag, value] = pair else {
            bail!("{} needs a value", pair[0]);
        };
        let context = || format!("{flag} {value}");
        match flag.as_str() {
            "--epochs" => settings.epochs = value.parse().with_context(context)?,
            "--width" => settings.width = value.parse().with_context(context)?,
            "--layers" => settings.hidden_layers = value.parse().with_context(context)?,
            "--collocation" => settings.collocation = value.parse().with_context(context)?,
            "--lr" => settings.learning_rate = value.parse().with_context(context)?,
            "--final-lr" => settings.final_learning_rate = value.parse().with_context(context)?,
            "--initial" => settings.initial_points = value.parse().with_context(context)?,
            "--boundary" => settings.boundary_points = value.parse().with_context(context)?,
            "--gain" => settings.first_layer_gain = value.parse().with_context(context)?,
            "--w0" => settings.initial_weight = value.parse().with_context(context)?,
            "--wb" => settings.boundary_weight = value.parse().with_context(context)?,
            "--causal" => settings.causal_tolerance = value.parse().with_context(context)?,
            "--slices" => settings.causal_slices = value.parse().with_context(context)?,
            "--resample" => settings.resample_every = value.parse().with_context(context)?,
            "--seed" => settings.seed = value.parse().with_context(context)?,
            _ => bail!("unknown flag {flag}"),
        }
    }
    Ok(settings)
}

/// `‖ψ − ψ_exact‖/‖ψ_exact‖` on the grid.
fn relative_l2(psi: &[Complex64], exact: &[Complex64]) -> f64 {
    let diff: f64 = psi.iter().zip(exact).map(|(a, b)| (a - b).norm_sqr()).sum();
    let norm: f64 = exact.iter().map(|b| b.norm_sqr()).sum();
    (diff / norm).sqrt()
}

fn main() -> anyhow::Result<()> {
    let settings = settings_from_args()?;
    let units = Units::default();
    let packet = GaussianPacket {
        x0: vec![0.0],
        p0: vec![2.0],
        sigma: vec![1.0],
    };
    let exact = |x: f64, t: f64| gaussian_packet(&packet, units, &[x], t);
    let grid: Vec<f64> = (0..GRID_POINTS)
        .map(|j| BOX.0 + (BOX.1 - BOX.0) * j as f64 / (GRID_POINTS - 1) as f64)
        .collect();

    println!(
        "free packet x0 = 0, p0 = 2, σ = 1, ħ = m = 1; box [{}, {}], t ∈ [0, {T_MAX}]",
        BOX.0, BOX.1
    );
    println!("PINN settings: {settings:#?}");
    println!("threads: {}", rayon::current_num_threads());
    let report_every = (settings.epochs / 10).max(1);
    let started = Instant::now();
    let (pinn, report) = Pinn::train(
        &settings,
        units,
        BOX,
        T_MAX,
        |_| 0.0,
        |x| exact(x, 0.0),
        &mut |epoch, loss| {
            if epoch % report_every == 0 {
                eprintln!(
                    "  epoch {epoch:>6}  loss {loss:.3e}  ({:.0} s)",
                    started.elapsed().as_secs_f64()
                );
            }
            ControlFlow::Continue(())
        },
    )?;
    println!(
        "PINN: {} parameters, {} epochs in {:.1} s; loss {:.3e} → {:.3e} \
         (residual {:.2e}, initial {:.2e}, boundary {:.2e}, last causal weight {:.2e})",
        pinn.n_parameters(),
        report.epochs,
        report.seconds,
        report.initial_loss,
        report.final_loss.total,
        report.final_loss.residual,
        report.final_loss.initial,
        report.final_loss.boundary,
        report.final_loss.causal_weight
    );

    let started = Instant::now();
    let lattice = Lattice1d::for_packet(&packet, units, T_MAX)?;
    let fit = fit_lattice(&lattice, units, |x| exact(x, 0.0))?;
    let plane_wave_seconds = started.elapsed().as_secs_f64();
    println!(
        "plane-wave net: {} plane waves on a periodic box of length {:.1}, fitted in {:.4} s",
        lattice.len(),
        lattice.length,
        plane_wave_seconds
    );

    println!("\nrelative L2 error on {GRID_POINTS} uniform points of the box");
    println!("{:>5}  {:>10}  {:>14}", "t", "PINN", "plane-wave net");
    for t in TIMES {
        let reference: Vec<Complex64> = grid.iter().map(|&x| exact(x, t)).collect();
        let pinn_error = relative_l2(&pinn.psi_at(&grid, t), &reference);
        let plane_wave_error = relative_l2(&fit.net.psi_at(&grid, t), &reference);
        println!("{t:>5.1}  {pinn_error:>10.2e}  {plane_wave_error:>14.2e}");
    }
    println!(
        "{:>5}  {:>9.1}s  {:>13.4}s",
        "time", report.seconds, plane_wave_seconds
    );
    Ok(())
}
