//! `hamlet diabatic fit` (train a diabatic network on reference data) and
//! `hamlet diabatic scan` (adiabatic energies, gradients and couplings of an analytic
//! model or a trained network along a grid of geometries).

use crate::{catch_interrupts, draw_figures, figures_wanted, RunFlags, INTERRUPTED};
use clap::{Args, Subcommand};
use hamlet::io::diabatic_deck::DiabaticFitProblem;
use hamlet::io::diabatic_net_file::{read_net, write_net};
use hamlet::io::h5::{Attr, Data, Group};
use hamlet::io::run_file::refuse_existing;
use hamlet::io::Deck;
use hamlet::nonadiabatic::{
    adiabatic, analytic_model, fit, DiabaticModel, FitCheck, FitMetrics, FitReport, MODEL_NAMES,
};
use hamlet::progress::Progress;
use hamlet::Error;
use serde_json::json;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::Duration;

#[derive(Args, Debug)]
pub struct DiabaticArgs {
    #[command(subcommand)]
    command: DiabaticCommand,
}

#[derive(Subcommand, Debug)]
enum DiabaticCommand {
    /// Fits a diabatic network H_d(R) to adiabatic reference data.
    ///
    /// The data come from an analytic model (--from-model tully1 --points 200) or a
    /// file (--data data.h5 or data.csv, see `hamlet::io::diabatic_data`). Adam, then
    /// Levenberg–Marquardt (or L-BFGS), with early stopping on a held-out validation
    /// set. Examples:
    ///
    ///   hamlet diabatic fit --from-model tully1 --points 200 --output tully1.h5
    ///
    ///   hamlet diabatic fit --from-model tully1 --set 'data.terms=["energies"]' --json
    ///
    ///   hamlet diabatic fit models/diabatic_lvc2d.toml
    Fit(FitArgs),

    /// Adiabatic energies, gradients and couplings along a grid of geometries.
    ///
    /// Eigenvector signs are kept continuous along the scan. Examples:
    ///
    ///   hamlet diabatic scan --model tully1 --x -10:10:201
    ///
    ///   hamlet diabatic scan --model tully1.h5 --x -10:10:2001 --json
    ///
    ///   hamlet diabatic scan --model lvc2d --x -1:1:21 --y 0.1
    Scan(ScanArgs),
}

#[derive(Args, Debug)]
struct FitArgs {
    /// TOML deck (see models/diabatic_tully1.toml); without one, Tully's model 1
    /// from 200 adaptive points.
    deck: Option<PathBuf>,

    /// Override any deck key, e.g. --set network.widths=[32,32] (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,

    /// Reference data from an analytic model: tully1, tully2, tully3 or lvc2d.
    #[arg(long = "from-model", value_name = "NAME")]
    from_model: Option<String>,

    /// Number of geometries sampled from the model.
    #[arg(long, value_name = "N")]
    points: Option<usize>,

    /// Reference data from a file (HDF5 or CSV).
    #[arg(long, value_name = "FILE")]
    data: Option<PathBuf>,

    /// Draw the surfaces and couplings of the network (`hamlet plot`) next to it.
    #[arg(long)]
    plot: bool,

    #[command(flatten)]
    run: RunFlags,

    /// No progress on stderr.
    #[arg(long)]
    quiet: bool,
}

#[derive(Args, Debug)]
struct ScanArgs {
    /// tully1, tully2, tully3, lvc2d, or a network file written by `diabatic fit`.
    #[arg(long, value_name = "MODEL")]
    model: String,

    /// Grid of the first coordinate, START:STOP:N (N points, both ends), or one value.
    #[arg(long, value_name = "START:STOP:N", allow_hyphen_values = true)]
    x: String,

    /// Grid of the second coordinate (2-D models), START:STOP:N or one value.
    #[arg(long, value_name = "START:STOP:N", allow_hyphen_values = true)]
    y: Option<String>,

    /// Print one JSON object instead of a table.
    #[arg(long)]
    json: bool,
}

pub fn run(args: DiabaticArgs) -> anyhow::Result<()> {
    match args.command {
        DiabaticCommand::Fit(a) => run_fit(a),
        DiabaticCommand::Scan(a) => run_scan(a),
    }
}

fn load(args: &FitArgs) -> anyhow::Result<Deck> {
    let mut deck = match &args.deck {
        Some(path) => Deck::from_file(path)?,
        None => Deck::empty(),
    };
    let text = |s: &str| toml::Value::String(s.to_string()).to_string();
    if let Some(m) = &args.from_model {
        deck.set("data.from_model", &text(m))?;
    }
    if let Some(n) = args.points {
        deck.set("data.points", &n.to_string())?;
    }
    if let Some(d) = &args.data {
        deck.set("data.file", &text(&d.display().to_string()))?;
    }
    super::apply_run_flags(&mut deck, &args.run, &args.set)?;
    Ok(deck)
}

fn run_fit(args: FitArgs) -> anyhow::Result<()> {
    let deck = load(&args)?;
    let problem = deck.diabatic_fit()?;
    if let Some(path) = &problem.output {
        refuse_existing(path, args.run.force)?;
    }
    let figures = figures_wanted(args.plot, problem.output.as_deref())?;
    let data = problem.data()?;
    let settings = &problem.settings;
    let total = (settings.starts * settings.adam_epochs + settings.refine_iterations) as u64;
    let progress = Progress::new(Some(total), args.quiet, Duration::from_millis(500));
    catch_interrupts();
    let mut interrupted = false;
    let mut observer = |c: &FitCheck| {
        let position = match c.phase {
            "adam" => c.start * settings.adam_epochs + c.step,
            _ => settings.starts * settings.adam_epochs + c.step,
        } as u64;
        let validation = c
            .validation_loss
            .map(|v| format!(", validation {v:.3e}"))
            .unwrap_or_default();
        progress.report(
            position,
            format!("loss {:.3e}{validation}", c.train_loss),
            || {
                let start = if settings.starts > 1 {
                    format!("start {} ", c.start)
                } else {
                    String::new()
                };
                format!(
                    "{start}{} {:>6}  loss {:.6e}{validation}",
                    c.phase, c.step, c.train_loss
                )
            },
        );
        if INTERRUPTED.load(Ordering::SeqCst) {
            interrupted = true;
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    };
    let report = fit(&data, settings, &mut observer);
    progress.finish();
    let report = report?;
    for w in &report.warnings {
        eprintln!("warning: {w}");
    }
    if let Some(path) = &problem.output {
        write_net(
            path,
            &report.net,
            &[(
                "fit",
                fit_group(&deck, &problem, &data, &report, interrupted),
            )],
        )?;
    }
    if args.run.json {
        println!("{}", fit_json(&problem, &data, &report, interrupted));
    } else {
        print_fit(&problem, &data, &report);
    }
    if interrupted {
        return Err(Error::Interrupted {
            iteration: report.adam_epochs + report.refine_iterations,
        }
        .into());
    }
    draw_figures(figures)
}

fn source_name(problem: &DiabaticFitProblem) -> String {
    match &problem.source {
        hamlet::io::diabatic_deck::DataSource::Model { name, .. } => name.clone(),
        hamlet::io::diabatic_deck::DataSource::File(p) => p.display().to_string(),
    }
}

fn metrics_json(m: &FitMetrics) -> serde_json::Value {
    json!({
        "points": m.points,
        "rmse_energy": m.rmse_energy,
        "rmse_gradient": m.rmse_gradient,
        "rmse_coupling": m.rmse_coupling,
        "peak_coupling": m.peak_coupling,
    })
}

fn fit_json(
    problem: &DiabaticFitProblem,
    data: &hamlet::nonadiabatic::DiabaticData,
    r: &FitReport,
    interrupted: bool,
) -> serde_json::Value {
    let shown = r.validation.as_ref().unwrap_or(&r.train);
    json!({
        "data": source_name(problem),
        "points": data.len(),
        "n_states": data.n_states,
        "n_dims": data.n_dims,
        "terms": DiabaticFitProblem::term_names(data),
        "parameters": r.net.parameters().len(),
        "rmse_energy": shown.rmse_energy,
        "rmse_gradient": shown.rmse_gradient,
        "rmse_coupling": shown.rmse_coupling,
        "peak_coupling": shown.peak_coupling,
        "metrics_on": if r.validation.is_some() { "validation" } else { "train" },
        "train": metrics_json(&r.train),
        "validation": r.validation.as_ref().map(metrics_json),
        "prefit_epochs": r.prefit_epochs,
        "epochs": r.adam_epochs,
        "start_losses": r.start_losses,
        "chosen_start": r.chosen_start,
        "refiner": r.refiner.name(),
        "refine_iterations": r.refine_iterations,
        "seconds": r.seconds,
        "seed": problem.seed,
        "output": problem.output.as_ref().map(|p| p.display().to_string()),
        "interrupted": interrupted,
        "warnings": r.warnings,
    })
}

fn print_fit(
    problem: &DiabaticFitProblem,
    data: &hamlet::nonadiabatic::DiabaticData,
    r: &FitReport,
) {
    println!(
        "{} states, {} coordinate(s), {} geometries from {} ({}); network {:?} {} ({} parameters)",
        data.n_states,
        data.n_dims,
        data.len(),
        source_name(problem),
        DiabaticFitProblem::term_names(data).join(" + "),
        r.net.architecture().hidden,
        r.net.architecture().activation.name(),
        r.net.parameters().len()
    );
    if r.start_losses.len() > 1 {
        let losses: Vec<String> = r.start_losses.iter().map(|l| format!("{l:.3e}")).collect();
        println!(
            "{} starts, best Adam validation losses [{}]: start {} goes on",
            r.start_losses.len(),
            losses.join(", "),
            r.chosen_start
        );
    }
    if r.prefit_epochs > 0 {
        println!(
            "prefit: {} Adam epochs on propagated diabatic matrices",
            r.prefit_epochs
        );
    }
    println!(
        "Adam {} epochs, {} {} iterations, {:.1} s",
        r.adam_epochs,
        r.refiner.name(),
        r.refine_iterations,
        r.seconds
    );
    let row = |name: &str, m: &FitMetrics| {
        let coupling = match (m.rmse_coupling, m.peak_coupling) {
            (Some(c), Some(p)) => format!("{c:.3e} 1/bohr ({:.2e} of peak {p:.4})", c / p),
            _ => "-".into(),
        };
        println!(
            "{name:>10}: {:>4} points  RMSE energy {:.3e} Eh  gradient {}  coupling {coupling}",
            m.points,
            m.rmse_energy,
            m.rmse_gradient
                .map(|g| format!("{g:.3e} Eh/bohr"))
                .unwrap_or_else(|| "-".into()),
        );
    };
    row("train", &r.train);
    if let Some(v) = &r.validation {
        row("validation", v);
    }
    if let Some(path) = &problem.output {
        println!("network written to {}", path.display());
    }
}

fn fit_group(
    deck: &Deck,
    problem: &DiabaticFitProblem,
    data: &hamlet::nonadiabatic::DiabaticData,
    r: &FitReport,
    interrupted: bool,
) -> Group {
    let mut g = Group::default();
    g.set_attr("deck", Attr::Text(deck.to_toml()));
    g.set_attr(
        "command_line",
        Attr::Text(std::env::args().collect::<Vec<_>>().join(" ")),
    );
    g.set_attr("version", Attr::Text(env!("CARGO_PKG_VERSION").into()));
    g.set_attr("seed", Attr::Int(problem.seed as i64));
    g.set_attr("data", Attr::Text(source_name(problem)));
    g.set_attr(
        "terms",
        Attr::Text(DiabaticFitProblem::term_names(data).join(",")),
    );
    g.set_attr("prefit_epochs", Attr::Int(r.prefit_epochs as i64));
    g.set_attr("epochs", Attr::Int(r.adam_epochs as i64));
    g.set_attr("chosen_start", Attr::Int(r.chosen_start as i64));
    g.set_vector("start_losses", Data::Float(r.start_losses.clone()));
    g.set_attr("refiner", Attr::Text(r.refiner.name().into()));
    g.set_attr("refine_iterations", Attr::Int(r.refine_iterations as i64));
    g.set_attr("seconds", Attr::Float(r.seconds));
    g.set_attr("complete", Attr::Bool(!interrupted));
    for (name, m) in [
        ("train", Some(&r.train)),
        ("validation", r.validation.as_ref()),
    ] {
        if let Some(m) = m {
            let sub = g.group_mut(name);
            sub.set_attr("points", Attr::Int(m.points as i64));
            sub.set_attr("rmse_energy", Attr::Float(m.rmse_energy));
            for (key, value) in [
                ("rmse_gradient", m.rmse_gradient),
                ("rmse_coupling", m.rmse_coupling),
                ("peak_coupling", m.peak_coupling),
            ] {
                if let Some(v) = value {
                    sub.set_attr(key, Attr::Float(v));
                }
            }
        }
    }
    let history = g.group_mut("history");
    history.set_vector(
        "phase",
        Data::Int(
            r.history
                .iter()
                .map(|c| if c.phase == "adam" { 0 } else { 1 })
                .collect(),
        ),
    );
    history.set_attr("phase_codes", Attr::Text("0 = adam, 1 = refiner".into()));
    history.set_vector(
        "start",
        Data::Int(r.history.iter().map(|c| c.start as i64).collect()),
    );
    history.set_vector(
        "step",
        Data::Int(r.history.iter().map(|c| c.step as i64).collect()),
    );
    history.set_vector(
        "train_loss",
        Data::Float(r.history.iter().map(|c| c.train_loss).collect()),
    );
    history.set_vector(
        "validation_loss",
        Data::Float(
            r.history
                .iter()
                .map(|c| c.validation_loss.unwrap_or(f64::NAN))
                .collect(),
        ),
    );
    g.set_vector(
        "validation_indices",
        Data::Int(r.validation_indices.iter().map(|&i| i as i64).collect()),
    );
    g
}

/// `hamlet check` on a diabatic-fit deck: validates it (and reads or samples its data)
/// and prints what it describes.
pub fn check(deck: &Deck, json_output: bool) -> anyhow::Result<()> {
    let problem = deck.diabatic_fit()?;
    let data = problem.data()?;
    let architecture = hamlet::nonadiabatic::Architecture {
        n_states: data.n_states,
        n_dims: data.n_dims,
        hidden: problem.settings.hidden.clone(),
        activation: problem.settings.activation,
    };
    let summary = json!({
        "deck": deck.origin,
        "valid": true,
        "kind": "diabatic-fit",
        "data": source_name(&problem),
        "points": data.len(),
        "n_states": data.n_states,
        "n_dims": data.n_dims,
        "terms": DiabaticFitProblem::term_names(&data),
        "n_parameters": architecture.n_parameters(),
        "refiner": problem.settings.refiner.name(),
        "seed": problem.seed,
        "output": problem.output.as_ref().map(|p| p.display().to_string()),
    });
    if json_output {
        println!("{summary}");
    } else {
        println!("{}: valid", deck.origin);
        println!(
            "  diabatic fit: {} geometries from {} ({}), {} states in {} coordinate(s); network {:?} ({} parameters)",
            data.len(),
            source_name(&problem),
            DiabaticFitProblem::term_names(&data).join(" + "),
            data.n_states,
            data.n_dims,
            problem.settings.hidden,
            architecture.n_parameters()
        );
    }
    Ok(())
}

/// `START:STOP:N` (both ends included) or a single value.
fn parse_grid(flag: &str, text: &str) -> anyhow::Result<Vec<f64>> {
    let bad = || {
        Error::invalid(
            flag,
            format!("'{text}' is not START:STOP:N (e.g. -10:10:201) or a single number"),
        )
    };
    let parts: Vec<&str> = text.split(':').collect();
    match parts.as_slice() {
        [one] => {
            let v: f64 = one.trim().parse().map_err(|_| bad())?;
            if !v.is_finite() {
                return Err(bad().into());
            }
            Ok(vec![v])
        }
        [a, b, n] => {
            let (a, b): (f64, f64) = (
                a.trim().parse().map_err(|_| bad())?,
                b.trim().parse().map_err(|_| bad())?,
            );
            let n: usize = n.trim().parse().map_err(|_| bad())?;
            if !(a.is_finite() && b.is_finite()) || n == 0 || (n == 1 && a != b) {
                return Err(Error::invalid(
                    flag,
                    format!("'{text}': need finite ends and N ≥ 2 points (N = 1 only when START = STOP)"),
                )
                .into());
            }
            Ok((0..n)
                .map(|i| {
                    if n == 1 {
                        a
                    } else {
                        a + (b - a) * i as f64 / (n - 1) as f64
                    }
                })
                .collect())
        }
        _ => Err(bad().into()),
    }
}

/// An analytic model by name, or a trained network from a file.
fn scan_model(name: &str) -> anyhow::Result<Box<dyn DiabaticModel>> {
    if let Some(m) = analytic_model(name) {
        return Ok(m);
    }
    let path = Path::new(name);
    if path.exists() {
        return Ok(Box::new(read_net(path)?));
    }
    Err(Error::invalid(
        "--model",
        format!(
            "unknown model '{name}': use one of {} or the path of a network written by \
             `hamlet diabatic fit --output`",
            MODEL_NAMES.join(", ")
        ),
    )
    .into())
}

fn run_scan(args: ScanArgs) -> anyhow::Result<()> {
    let model = scan_model(&args.model)?;
    let (n, d) = (model.n_states(), model.n_dims());
    let xs = parse_grid("--x", &args.x)?;
    let geometries: Vec<Vec<f64>> = match (d, &args.y) {
        (1, None) => xs.iter().map(|&x| vec![x]).collect(),
        (1, Some(_)) => {
            return Err(Error::invalid("--y", "the model has one coordinate; drop --y").into())
        }
        (2, y) => {
            let ys = match y {
                Some(y) => parse_grid("--y", y)?,
                None => vec![0.0],
            };
            xs.iter()
                .flat_map(|&x| ys.iter().map(move |&y| vec![x, y]))
                .collect()
        }
        (d, _) => {
            return Err(Error::invalid(
                "--model",
                format!("scans of {d}-coordinate models are not supported; use the library"),
            )
            .into())
        }
    };
    let mut previous = None;
    let mut energies = Vec::with_capacity(geometries.len());
    let mut gradients = Vec::with_capacity(geometries.len());
    let mut couplings = Vec::with_capacity(geometries.len());
    let mut degenerate = 0;
    for r in &geometries {
        let a = adiabatic(model.as_ref(), r, previous.as_ref());
        if a.energies.iter().any(|e| !e.is_finite()) {
            return Err(
                Error::Numerical(format!("the model gives non-finite energies at {r:?}")).into(),
            );
        }
        degenerate += usize::from(a.near_degenerate);
        energies.push(a.energies.clone());
        gradients.push(
            (0..n)
                .map(|i| (0..d).map(|k| a.gradients[(i, k)]).collect::<Vec<f64>>())
                .collect::<Vec<_>>(),
        );
        let matrices: Vec<Vec<Vec<f64>>> = a
            .couplings
            .iter()
            .map(|c| {
                (0..n)
                    .map(|i| (0..n).map(|j| c[(i, j)]).collect())
                    .collect()
            })
            .collect();
        couplings.push(matrices);
        previous = Some(a.vectors);
    }
    if degenerate > 0 {
        eprintln!(
            "warning: {degenerate} geometries are within {:.0e} Eh of a degeneracy; their couplings use that gap",
            hamlet::nonadiabatic::DEGENERACY_GAP
        );
    }
    if args.json {
        let x: Vec<serde_json::Value> = geometries
            .iter()
            .map(|r| if d == 1 { json!(r[0]) } else { json!(r) })
            .collect();
        let c: Vec<serde_json::Value> = couplings
            .iter()
            .map(|per_dim| {
                if d == 1 {
                    json!(per_dim[0])
                } else {
                    json!(per_dim)
                }
            })
            .collect();
        println!(
            "{}",
            json!({
                "model": args.model,
                "n_states": n,
                "n_dims": d,
                "x": x,
                "energies": energies,
                "gradients": gradients,
                "couplings": c,
            })
        );
        return Ok(());
    }
    let mut header: Vec<String> = (0..d).map(|k| ["x", "y"][k].to_string()).collect();
    header.extend((1..=n).map(|i| format!("E{i}")));
    for i in 1..=n {
        for k in 0..d {
            header.push(format!("dE{i}/d{}", ["x", "y"][k]));
        }
    }
    for i in 1..=n {
        for j in i + 1..=n {
            for k in 0..d {
                header.push(format!("d{i}{j}_{}", ["x", "y"][k]));
            }
        }
    }
    println!(
        "{}",
        header
            .iter()
            .map(|h| format!("{h:>16}"))
            .collect::<String>()
    );
    for (p, r) in geometries.iter().enumerate() {
        let mut row: Vec<f64> = r.clone();
        row.extend(&energies[p]);
        for g in &gradients[p] {
            row.extend(g);
        }
        for i in 0..n {
            for j in i + 1..n {
                for c in &couplings[p] {
                    row.push(c[i][j]);
                }
            }
        }
        println!(
            "{}",
            row.iter()
                .map(|v| format!("{v:>16.8e}"))
                .collect::<String>()
        );
    }
    Ok(())
}
