//! `hamlet schrodinger`: build the run from a deck, flags and `--set` overrides,
//! solve, print, and write the output file.

use crate::{draw_figures, figures_wanted, open_output, RunFlags};
use clap::Args;
use hamlet::io::{output, Deck, SchrodingerProblem};
use hamlet::progress::Progress;
use hamlet::schrodinger::{self, SchrodingerReport};
use serde_json::json;
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Args, Debug)]
pub struct SchrodingerArgs {
    /// TOML deck (see models/free_packet_1d.toml); without one, a free Gaussian
    /// packet x0 = 0, p0 = 0, sigma = 1 up to t = 1.
    deck: Option<PathBuf>,

    /// Override any deck key, e.g. --set initial.p0=5 or --set times=[0,2,4]
    /// (repeatable; values in TOML syntax).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,

    /// Method: plane-wave, eigenbasis, split-operator or pinn.
    #[arg(long)]
    method: Option<String>,

    /// Output times, comma-separated (e.g. 0,1,10).
    #[arg(long, value_name = "T1,T2,...")]
    times: Option<String>,

    /// Draw the density figure (`hamlet plot`) next to the output file at the end.
    #[arg(long)]
    plot: bool,

    #[command(flatten)]
    run: RunFlags,

    /// No progress on stderr.
    #[arg(long)]
    quiet: bool,
}

fn load(args: &SchrodingerArgs) -> anyhow::Result<Deck> {
    let mut deck = match &args.deck {
        Some(path) => Deck::from_file(path)?,
        None => Deck::empty(),
    };
    if let Some(m) = &args.method {
        deck.set("method", &toml::Value::String(m.clone()).to_string())?;
    }
    if let Some(t) = &args.times {
        deck.set("times", &format!("[{t}]"))?;
    }
    super::apply_run_flags(&mut deck, &args.run, &args.set)?;
    Ok(deck)
}

/// Runs `hamlet schrodinger`.
pub fn run(args: SchrodingerArgs) -> anyhow::Result<()> {
    let deck = load(&args)?;
    let problem = deck.schrodinger()?;
    let figures = figures_wanted(args.plot, problem.output.as_deref())?;
    let file = open_output(
        &deck,
        problem.output.as_deref(),
        problem.seed,
        args.run.force,
    )?;
    let epochs = match problem.spec.method {
        schrodinger::Method::Pinn => Some(problem.spec.pinn.epochs as u64),
        _ => match problem.spec.basis {
            schrodinger::Basis::Trainable { settings, .. } => Some(settings.epochs as u64),
            schrodinger::Basis::Lattice => None,
        },
    };
    let progress = Progress::new(
        epochs,
        args.quiet || epochs.is_none(),
        Duration::from_secs(1),
    );
    let report = schrodinger::solve(&problem.spec, &mut |epoch, loss| {
        progress.report(epoch as u64, format!("loss {loss:.3e}"), || {
            format!("epoch {epoch:>6}  loss {loss:.6e}")
        });
        ControlFlow::Continue(())
    });
    progress.finish();
    let report = report?;
    if let Some(mut file) = file {
        output::write_schrodinger(file.root_mut().group_mut("schrodinger"), &problem, &report);
        file.finish()?;
    }
    for w in &report.warnings {
        eprintln!("warning: {w}");
    }
    if args.run.json {
        println!("{}", report_json(&problem, &report));
    } else {
        print_report(&problem, &report);
    }
    draw_figures(figures)
}

fn mean_x_json(mean: &[f64]) -> serde_json::Value {
    match mean {
        [x] => json!(x),
        many => json!(many),
    }
}

fn report_json(problem: &SchrodingerProblem, r: &SchrodingerReport) -> serde_json::Value {
    let spec = &problem.spec;
    json!({
        "method": r.method.name(),
        "dim": r.dim,
        "initial": spec.initial.kind(),
        "potential": spec.potential.name(),
        "units": {"hbar": spec.units.hbar, "mass": spec.units.mass},
        "size": r.size,
        "domain": r.domain.iter().map(|&(a, b)| [a, b]).collect::<Vec<_>>(),
        "points": r.points,
        "fit_residual": r.fit_residual,
        "seconds": r.seconds,
        "reference": r.reference,
        "dt": r.dt,
        "seed": problem.seed,
        "times": r.samples.iter().map(|s| json!({
            "t": s.t,
            "norm": s.norm,
            "mean_x": mean_x_json(&s.mean_x),
            "relative_l2_error": s.relative_l2_error,
            "edge_mass": s.edge_mass,
        })).collect::<Vec<_>>(),
        "warnings": r.warnings,
    })
}

fn print_report(problem: &SchrodingerProblem, r: &SchrodingerReport) {
    let spec = &problem.spec;
    let what = match r.method {
        schrodinger::Method::PlaneWave => "plane waves",
        schrodinger::Method::Eigenbasis => "eigenstates",
        schrodinger::Method::SplitOperator => "grid points",
        schrodinger::Method::Pinn => "network parameters",
    };
    println!(
        "{} in {}-D, initial {}, potential {}, ħ = {}, m = {}",
        r.method.name(),
        r.dim,
        spec.initial.kind(),
        spec.potential.name(),
        spec.units.hbar,
        spec.units.mass
    );
    let boxes: Vec<String> = r
        .domain
        .iter()
        .zip(&r.points)
        .map(|((a, b), m)| format!("[{a:.4}, {b:.4}] × {m}"))
        .collect();
    println!(
        "{} {what}; box {}{}{}; {:.3} s",
        r.size,
        boxes.join(", "),
        r.dt.map(|dt| format!("; dt {dt:.3e}")).unwrap_or_default(),
        r.fit_residual
            .map(|f| format!("; fit residual {f:.2e}"))
            .unwrap_or_default(),
        r.seconds
    );
    println!(
        "{:>12}  {:>18}  {:>24}  {:>14}",
        "t",
        "norm",
        "<x>",
        match r.reference {
            Some(name) => format!("error vs {name}"),
            None => "error".into(),
        }
    );
    for s in &r.samples {
        let mean: Vec<String> = s.mean_x.iter().map(|x| format!("{x:.8}")).collect();
        println!(
            "{:>12.6}  {:>18.15}  {:>24}  {:>14}",
            s.t,
            s.norm,
            mean.join(", "),
            s.relative_l2_error
                .map(|e| format!("{e:.3e}"))
                .unwrap_or_else(|| "-".into())
        );
    }
}

/// `hamlet check` on a Schrödinger deck: validates it (box and resolution included)
/// and prints what it describes.
pub fn check(deck: &Deck, json_output: bool) -> anyhow::Result<()> {
    let problem = deck.schrodinger()?;
    let spec = &problem.spec;
    let grid = spec.discretization()?;
    let summary = json!({
        "deck": deck.origin,
        "valid": true,
        "kind": "schrodinger",
        "method": spec.method.name(),
        "dim": spec.initial.dim(),
        "initial": spec.initial.kind(),
        "potential": spec.potential.name(),
        "times": spec.times,
        "domain": grid.iter().map(|&(a, b, _)| [a, b]).collect::<Vec<_>>(),
        "points": grid.iter().map(|&(_, _, m)| m).collect::<Vec<_>>(),
        "seed": problem.seed,
        "output": problem.output.as_ref().map(|p| p.display().to_string()),
    });
    if json_output {
        println!("{summary}");
    } else {
        println!("{}: valid", deck.origin);
        let boxes: Vec<String> = grid
            .iter()
            .map(|(a, b, m)| format!("[{a:.4}, {b:.4}] × {m}"))
            .collect();
        println!(
            "  schrodinger: {} in {}-D, initial {}, potential {}, {} times up to {}; box {}",
            spec.method.name(),
            spec.initial.dim(),
            spec.initial.kind(),
            spec.potential.name(),
            spec.times.len(),
            spec.times.last().copied().unwrap_or(0.0),
            boxes.join(", ")
        );
    }
    Ok(())
}
