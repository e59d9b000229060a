//! `hamlet hop`: fewest-switches surface hopping over a list of initial momenta, or
//! (`--method exact`) the split-operator wave-packet reference over the same list.

use crate::{catch_interrupts, draw_figures, figures_wanted, open_output, RunFlags, INTERRUPTED};
use clap::Args;
use hamlet::io::h5::{Attr, Data, Group};
use hamlet::io::hop_deck::{HopMethod, HopProblem};
use hamlet::io::Deck;
use hamlet::nonadiabatic::{
    run_ensemble, scatter, Branching, EnsembleSettings, HoppingStatistics, PacketSettings,
    Populations, MODEL_NAMES,
};
use hamlet::progress::Progress;
use hamlet::Error;
use rayon::prelude::*;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

#[derive(Args, Debug)]
pub struct HopArgs {
    /// TOML deck (see models/hop_tully1.toml); without one, Tully's model 1 at
    /// k = 10, 15, 30 with 2000 trajectories each.
    deck: Option<PathBuf>,

    /// Override any deck key, e.g. --set hopping.exit=[-12,12] (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,

    /// tully1, tully2, tully3, lvc2d, or a network file written by `hamlet diabatic fit`.
    #[arg(long, value_name = "MODEL")]
    model: Option<String>,

    /// Initial momenta ħk (a.u.), comma-separated, e.g. 10,15,30.
    #[arg(long, value_name = "K1,K2,...")]
    k: Option<String>,

    /// Trajectories per momentum.
    #[arg(long, value_name = "N")]
    trajectories: Option<usize>,

    /// Nuclear time step (a.u.); default 80/k_max.
    #[arg(long, value_name = "DT", allow_hyphen_values = true)]
    dt: Option<f64>,

    /// Decoherence correction: none or edc (Granucci–Persico, C = 0.1 Eh).
    #[arg(long, value_name = "none|edc")]
    decoherence: Option<String>,

    /// Frustrated hops: keep (Tully 1990) or reverse (the velocity along the coupling).
    #[arg(long, value_name = "keep|reverse")]
    frustrated: Option<String>,

    /// fssh (default) or exact (the wave-packet reference).
    #[arg(long, value_name = "fssh|exact")]
    method: Option<String>,

    /// Draw the branching figure (`hamlet plot`) next to the output file at the end.
    #[arg(long)]
    plot: bool,

    #[command(flatten)]
    run: RunFlags,

    /// No progress on stderr.
    #[arg(long)]
    quiet: bool,
}

fn load(args: &HopArgs) -> anyhow::Result<Deck> {
    let mut deck = match &args.deck {
        Some(path) => Deck::from_file(path)?,
        None => Deck::empty(),
    };
    let text = |s: &str| toml::Value::String(s.to_string()).to_string();
    if let Some(m) = &args.model {
        if MODEL_NAMES.contains(&m.as_str()) {
            deck.set("system.model", &text(m))?;
        } else {
            deck.set("system.network", &text(m))?;
        }
    }
    if let Some(k) = &args.k {
        deck.set("k", &format!("[{k}]"))?;
    }
    if let Some(n) = args.trajectories {
        deck.set("hopping.trajectories", &n.to_string())?;
    }
    if let Some(dt) = args.dt {
        deck.set("hopping.dt", &format!("{dt:?}"))?;
    }
    if let Some(d) = &args.decoherence {
        deck.set("hopping.decoherence", &text(d))?;
    }
    if let Some(f) = &args.frustrated {
        deck.set("hopping.frustrated", &text(f))?;
    }
    if let Some(m) = &args.method {
        deck.set("method", &text(m))?;
    }
    super::apply_run_flags(&mut deck, &args.run, &args.set)?;
    Ok(deck)
}

/// One momentum's result.
struct Row {
    k: f64,
    transmitted: Vec<f64>,
    reflected: Vec<f64>,
    /// Binomial errors (surface hopping only).
    errors: Option<(Vec<f64>, Vec<f64>)>,
    dt: f64,
    seconds: f64,
    fssh: Option<HoppingStatistics>,
    exact: Option<(PacketSettings, Branching)>,
}

fn run_momentum(problem: &HopProblem, k: f64) -> anyhow::Result<Row> {
    let started = Instant::now();
    match problem.method {
        HopMethod::Fssh => {
            let hop = problem.hop_settings(k);
            let dt = hop.dt;
            let mut momentum = vec![0.0; problem.position.len()];
            momentum[0] = k;
            let settings = EnsembleSettings {
                hop,
                position: problem.position.clone(),
                momentum,
                sampling: problem.sampling(k),
                state: problem.state,
                trajectories: problem.trajectories,
                seed: problem.seed,
                record_every: problem.record_every,
            };
            let s = run_ensemble(problem.model.as_ref(), &settings)?;
            let probabilities = |counts: &[usize]| -> (Vec<f64>, Vec<f64>) {
                counts.iter().map(|&c| s.probability(c)).unzip()
            };
            let (transmitted, t_err) = probabilities(&s.transmitted);
            let (reflected, r_err) = probabilities(&s.reflected);
            Ok(Row {
                k,
                transmitted,
                reflected,
                errors: Some((t_err, r_err)),
                dt,
                seconds: started.elapsed().as_secs_f64(),
                fssh: Some(s),
                exact: None,
            })
        }
        HopMethod::Exact => {
            let model = problem.model.as_ref();
            let mut settings = PacketSettings::for_momentum(model, k, problem.mass)?;
            settings.initial_state = problem.state;
            if let Some(sigma) = problem.exact.sigma {
                settings.sigma = sigma;
            }
            if let Some(points) = problem.exact.points {
                settings.points = points;
            }
            if let Some(dt) = problem.exact.dt {
                settings.dt = dt;
            }
            let b = scatter(model, &settings).map_err(|e| match e {
                Error::Invalid { key, message } => Error::invalid(format!("exact.{key}"), message),
                other => other,
            })?;
            Ok(Row {
                k,
                transmitted: b.transmitted.clone(),
                reflected: b.reflected.clone(),
                errors: None,
                dt: settings.dt,
                seconds: started.elapsed().as_secs_f64(),
                fssh: None,
                exact: Some((settings, b)),
            })
        }
    }
}

/// Runs `hamlet hop`.
pub fn run(args: HopArgs) -> anyhow::Result<()> {
    let deck = load(&args)?;
    let problem = deck.hop()?;
    let figures = figures_wanted(args.plot, problem.output.as_deref())?;
    let file = open_output(
        &deck,
        problem.output.as_deref(),
        problem.seed,
        args.run.force,
    )?;
    let progress = Progress::new(
        Some(problem.momenta.len() as u64),
        args.quiet,
        Duration::from_millis(500),
    );
    catch_interrupts();
    let (rows, interrupted) = match problem.method {
        HopMethod::Fssh => momenta_in_turn(&problem, &progress)?,
        HopMethod::Exact => momenta_in_parallel(&problem, &progress)?,
    };
    progress.finish();
    if let Some(mut file) = file {
        let name = match problem.method {
            HopMethod::Fssh => "fssh",
            HopMethod::Exact => "wavepacket",
        };
        write_group(file.root_mut().group_mut(name), &problem, &rows);
        if interrupted {
            file.save()?;
        } else {
            file.finish()?;
        }
    }
    if args.run.json {
        println!("{}", report_json(&problem, &rows, interrupted));
    } else {
        print_report(&problem, &rows);
    }
    if interrupted {
        return Err(Error::Interrupted {
            iteration: rows.len(),
        }
        .into());
    }
    draw_figures(figures)
}

/// One momentum after the other (each ensemble runs its trajectories in parallel);
/// stops before the next momentum after Ctrl-C (`true`).
fn momenta_in_turn(problem: &HopProblem, progress: &Progress) -> anyhow::Result<(Vec<Row>, bool)> {
    let mut rows = Vec::new();
    for (index, &k) in problem.momenta.iter().enumerate() {
        if INTERRUPTED.load(Ordering::SeqCst) {
            return Ok((rows, true));
        }
        let row = run_momentum(problem, k)?;
        progress.report(index as u64 + 1, format!("k = {k}"), || {
            format!("k = {k}: {:.2} s", row.seconds)
        });
        rows.push(row);
    }
    Ok((rows, false))
}

/// Every momentum as its own task (a wave packet runs on one thread), in the order of
/// the list; after Ctrl-C no new momentum starts, and the rows up to the first one not
/// run are kept (`true`).
fn momenta_in_parallel(
    problem: &HopProblem,
    progress: &Progress,
) -> anyhow::Result<(Vec<Row>, bool)> {
    let done = AtomicU64::new(0);
    let results: Vec<Option<anyhow::Result<Row>>> = problem
        .momenta
        .par_iter()
        .with_max_len(1)
        .map(|&k| {
            if INTERRUPTED.load(Ordering::SeqCst) {
                return None;
            }
            let row = run_momentum(problem, k);
            if let Ok(row) = &row {
                let count = done.fetch_add(1, Ordering::SeqCst) + 1;
                progress.report(count, format!("k = {k}"), || {
                    format!("k = {k}: {:.2} s", row.seconds)
                });
            }
            Some(row)
        })
        .collect();
    let mut rows = Vec::new();
    for result in results {
        match result {
            Some(row) => rows.push(row?),
            None => return Ok((rows, true)),
        }
    }
    Ok((rows, false))
}

fn method_name(problem: &HopProblem) -> &'static str {
    match problem.method {
        HopMethod::Fssh => "fssh",
        HopMethod::Exact => "exact",
    }
}

fn row_json(r: &Row) -> Value {
    let mut v = json!({
        "k": r.k,
        "transmitted": r.transmitted,
        "reflected": r.reflected,
        "dt": r.dt,
        "seconds": r.seconds,
    });
    let named = [("lower", 0), ("upper", 1)];
    for (name, state) in named {
        if state < r.transmitted.len() {
            v[format!("transmitted_{name}")] = json!(r.transmitted[state]);
            v[format!("reflected_{name}")] = json!(r.reflected[state]);
            let (te, re) = match &r.errors {
                Some((t, rr)) => (json!(t[state]), json!(rr[state])),
                None => (Value::Null, Value::Null),
            };
            v[format!("transmitted_{name}_error")] = te;
            v[format!("reflected_{name}_error")] = re;
        }
    }
    if let Some(s) = &r.fssh {
        v["trajectories"] = json!(s.trajectories);
        v["unfinished"] = json!(s.unfinished);
        v["hops"] = json!(s.hops);
        v["frustrated_hops"] = json!(s.frustrated);
        v["steps"] = json!(s.steps);
        v["seconds_per_step"] = json!(r.seconds / s.steps.max(1) as f64);
        v["energy_drift"] = json!(s.energy_drift);
    } else {
        v["trajectories"] = Value::Null;
    }
    if let Some((settings, b)) = &r.exact {
        v["sigma"] = json!(settings.sigma);
        v["points"] = json!(settings.points);
        v["steps"] = json!(b.steps);
        v["norm_unresolved"] = json!(b.remaining + b.unaccounted.abs());
        v["remainder_shared_by"] = json!(remainder_rule(b));
    }
    v
}

fn report_json(problem: &HopProblem, rows: &[Row], interrupted: bool) -> Value {
    json!({
        "method": method_name(problem),
        "model": problem.model_name(),
        "n_states": problem.model.n_states(),
        "mass": problem.mass,
        "initial_state": problem.state,
        "seed": problem.seed,
        "frustrated": problem.hop.frustrated.name(),
        "decoherence": problem.hop.decoherence.name(),
        "results": rows.iter().map(row_json).collect::<Vec<_>>(),
        "seconds": rows.iter().map(|r| r.seconds).sum::<f64>(),
        "output": problem.output.as_ref().map(|p| p.display().to_string()),
        "interrupted": interrupted,
    })
}

fn print_report(problem: &HopProblem, rows: &[Row]) {
    let n = problem.model.n_states();
    match problem.method {
        HopMethod::Fssh => println!(
            "surface hopping on {} ({} states), {} trajectories per k, frustrated hops: {}, decoherence: {}",
            problem.model_name(),
            n,
            problem.trajectories,
            problem.hop.frustrated.name(),
            problem.hop.decoherence.name()
        ),
        HopMethod::Exact => println!(
            "exact wave-packet scattering on {} ({} states)",
            problem.model_name(),
            n
        ),
    }
    let mut header = format!("{:>8}", "k");
    for i in 0..n {
        header += &format!("{:>18}{:>18}", format!("T{i}"), format!("R{i}"));
    }
    header += &format!("{:>9}{:>9}", "dt", "seconds");
    println!("{header}");
    for r in rows {
        let mut line = format!("{:>8.3}", r.k);
        for i in 0..n {
            let cell = |p: f64, e: Option<f64>| match e {
                Some(e) => format!("{p:.4} ± {e:.4}"),
                None => format!("{p:.4}"),
            };
            let (te, re) = match &r.errors {
                Some((t, rr)) => (Some(t[i]), Some(rr[i])),
                None => (None, None),
            };
            line += &format!(
                "{:>18}{:>18}",
                cell(r.transmitted[i], te),
                cell(r.reflected[i], re)
            );
        }
        line += &format!("{:>9.3}{:>9.3}", r.dt, r.seconds);
        println!("{line}");
    }
    println!(
        "T_i, R_i: probabilities of leaving to the right / left on adiabatic state i (0 = lowest)"
    );
}

fn write_group(g: &mut Group, problem: &HopProblem, rows: &[Row]) {
    let n = problem.model.n_states();
    g.set_attr("model", Attr::Text(problem.model_name()));
    g.set_attr("mass", Attr::Float(problem.mass));
    g.set_attr("initial_state", Attr::Int(problem.state as i64));
    g.set_attr(
        "frustrated",
        Attr::Text(problem.hop.frustrated.name().into()),
    );
    g.set_attr(
        "decoherence",
        Attr::Text(problem.hop.decoherence.name().into()),
    );
    g.set_vector("k", Data::Float(rows.iter().map(|r| r.k).collect()));
    g.set_vector("dt", Data::Float(rows.iter().map(|r| r.dt).collect()));
    g.set_vector(
        "seconds",
        Data::Float(rows.iter().map(|r| r.seconds).collect()),
    );
    let table = |f: &dyn Fn(&Row) -> &[f64]| -> Data {
        Data::Float(rows.iter().flat_map(|r| f(r).to_vec()).collect())
    };
    let shape = vec![rows.len(), n];
    g.set_array("transmitted", table(&|r| &r.transmitted), shape.clone());
    g.set_array("reflected", table(&|r| &r.reflected), shape.clone());
    if problem.method == HopMethod::Fssh {
        g.set_attr("trajectories", Attr::Int(problem.trajectories as i64));
        g.set_array(
            "transmitted_error",
            table(&|r| &r.errors.as_ref().expect("fssh").0),
            shape.clone(),
        );
        g.set_array(
            "reflected_error",
            table(&|r| &r.errors.as_ref().expect("fssh").1),
            shape,
        );
        for (index, r) in rows.iter().enumerate() {
            if let Some(p) = r.fssh.as_ref().and_then(|s| s.populations.as_ref()) {
                write_populations(g.group_mut(&format!("populations/{index}")), r.k, p, n);
            }
        }
    } else {
        let exact: Vec<&(PacketSettings, Branching)> =
            rows.iter().filter_map(|r| r.exact.as_ref()).collect();
        let floats = |f: &dyn Fn(&PacketSettings, &Branching) -> f64| -> Data {
            Data::Float(exact.iter().map(|(s, b)| f(s, b)).collect())
        };
        let ints = |f: &dyn Fn(&PacketSettings, &Branching) -> usize| -> Data {
            Data::Int(exact.iter().map(|(s, b)| f(s, b) as i64).collect())
        };
        g.set_vector("sigma", floats(&|s, _| s.sigma));
        g.set_vector("points", ints(&|s, _| s.points));
        g.set_vector("steps", ints(&|_, b| b.steps));
        g.set_vector("remaining", floats(&|_, b| b.remaining));
        g.set_vector(
            "remainder_by_flux",
            ints(&|_, b| usize::from(b.extrapolated)),
        );
    }
}

/// How the norm left on the grid at the end was assigned to channels.
fn remainder_rule(b: &Branching) -> &'static str {
    if b.extrapolated {
        "flux"
    } else {
        "position"
    }
}

fn write_populations(g: &mut Group, k: f64, p: &Populations, n: usize) {
    g.set_attr("k", Attr::Float(k));
    g.set_vector("time", Data::Float(p.times.clone()));
    g.set_array(
        "active",
        Data::Float(p.active.clone()),
        vec![p.times.len(), n],
    );
    g.set_array(
        "electronic",
        Data::Float(p.electronic.clone()),
        vec![p.times.len(), n],
    );
}

/// `hamlet check` of a hop deck.
pub fn check(deck: &Deck, json_output: bool) -> anyhow::Result<()> {
    let problem = deck.hop()?;
    let summary = json!({
        "deck": deck.origin,
        "valid": true,
        "kind": "hop",
        "method": method_name(&problem),
        "model": problem.model_name(),
        "n_states": problem.model.n_states(),
        "n_dims": problem.model.n_dims(),
        "k": problem.momenta,
        "trajectories": problem.trajectories,
        "dt": problem.momenta.iter().map(|&k| problem.hop_settings(k).dt).collect::<Vec<_>>(),
        "seed": problem.seed,
        "output": problem.output.as_ref().map(|p| p.display().to_string()),
    });
    if json_output {
        println!("{summary}");
    } else {
        println!("{}: valid", deck.origin);
        println!(
            "  hop ({}): {} at k = {:?}",
            method_name(&problem),
            problem.model_name(),
            problem.momenta
        );
    }
    Ok(())
}
