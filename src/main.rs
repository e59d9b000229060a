//! The `hamlet` command line: parse flags, build the problem from a deck, call the
//! library, print the result.

mod cli;

use clap::{Args, Parser, Subcommand};
use hamlet::exact::{self, Method, Spectrum};
use hamlet::io::run_file::{Provenance, RunFile};
use hamlet::io::{output, Deck, Problem};
use hamlet::lattice::{Geometry, Lattice};
use hamlet::progress::Progress;
use hamlet::vmc::{self, Checkpoint, GroundStateReport};
use hamlet::Error;
use serde_json::json;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// hamlet learns Hamiltonians and solves with them.
///
/// Units: Pauli matrices (σ = 2S), so the Heisenberg bond J σ·σ is 4 J S·S; energies
/// are totals in units of the couplings, with per-site values alongside.
#[derive(Parser, Debug)]
#[command(name = "hamlet", version, about, long_about = None, arg_required_else_help = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Exact lowest energies of a spin Hamiltonian (Lanczos or dense diagonalization).
    ///
    /// The problem comes from a TOML deck (see models/), from shortcut flags, or both;
    /// flags override the deck and --set overrides both. Examples:
    ///
    ///   hamlet exact models/heisenberg_chain22.toml
    ///
    ///   hamlet exact --model tfim --size 20 --h 0.5 --n-states 3
    ///
    ///   hamlet exact models/j1j2_square4x4.toml --set hamiltonian.J2=0.4 --json
    Exact(ExactArgs),

    /// Ground-state energy by variational Monte Carlo with a neural quantum state.
    ///
    /// Trains the ansatz with the chosen optimizer, then estimates the energy from a
    /// fresh sample (final_samples) with an autocorrelation-corrected error bar, and
    /// compares it with an exact reference when one is cheap. A progress line per
    /// iteration goes to stderr. Examples:
    ///
    ///   hamlet ground-state models/tfim_chain20.toml
    ///
    ///   hamlet ground-state --model heisenberg --size 20 --ansatz rbm --alpha 2 --json
    #[command(name = "ground-state")]
    GroundState(GroundStateArgs),

    /// Continues a ground-state run from the checkpoint in its output file.
    ///
    /// The continued run is bit-identical to one that never stopped. Checkpoints are
    /// written every `[output] checkpoint_every` iterations, at the last iteration, and
    /// when the run receives SIGINT (Ctrl-C) or SIGTERM. Examples:
    ///
    ///   hamlet resume run.h5
    ///
    ///   hamlet resume run.h5 --iterations 600
    Resume(ResumeArgs),

    /// Validates a deck (and any flags or --set overrides) without running anything.
    ///
    /// Prints what the deck describes, or the first problem with the key to fix, and
    /// exits with status 0 or 2. Schrödinger decks (with [initial], times or method)
    /// are checked as `hamlet schrodinger` would run them. Examples:
    ///
    ///   hamlet check models/heisenberg_square4x4.toml --set sampler.samples=1000
    ///
    ///   hamlet check models/free_packet_1d.toml --set basis.points=101
    Check(CheckArgs),

    /// Time-dependent Schrödinger dynamics of one particle in 1–3 dimensions.
    ///
    /// The plane-wave network solves the free equation by construction (only the
    /// initial state is fitted); the eigenbasis network does the same for a potential
    /// in 1-D. Split-operator propagation and a residual-loss PINN are the baselines.
    /// The box and resolution follow from the initial state unless the deck sets them.
    /// Examples:
    ///
    ///   hamlet schrodinger models/free_packet_1d.toml --json
    ///
    ///   hamlet schrodinger models/free_packet_1d.toml --set initial.p0=5
    ///
    ///   hamlet schrodinger models/harmonic_coherent.toml --method split-operator
    Schrodinger(cli::schrodinger::SchrodingerArgs),

    /// Learned diabatic Hamiltonians: fit a network H_d(R) to adiabatic energies and
    /// couplings, and scan adiabatic surfaces and couplings of a model or a network.
    Diabatic(cli::diabatic::DiabaticArgs),

    /// Fewest-switches surface hopping over a list of initial momenta, or the exact
    /// wave-packet reference (--method exact): branching probabilities per state.
    ///
    /// Examples:
    ///
    ///   hamlet hop --model tully1 --k 10,15,30 --trajectories 4000
    ///
    ///   hamlet hop --model tully1 --k 10,15,30 --method exact --json
    ///
    ///   hamlet hop models/hop_tully3.toml --decoherence edc
    Hop(cli::hop::HopArgs),

    /// Figures of a run file: what it holds decides what is drawn.
    ///
    /// Ground-state runs: energy with its error band and the exact reference, relative
    /// error, variance and acceptance against the iteration. Exact diagonalization:
    /// the lowest levels. Schrödinger runs: densities over time (maps in 2-D).
    /// Diabatic networks: surfaces, couplings and diabatic elements against the
    /// analytic model. Surface hopping: branching probabilities against k. One file
    /// per figure, <stem>_<kind>.png (or .svg), printed on stdout. Examples:
    ///
    ///   hamlet plot run.h5
    ///
    ///   hamlet plot run.h5 --out figures --format svg
    ///
    ///   hamlet plot fssh.h5 --reference exact.h5
    Plot(cli::plot::PlotArgs),
}

#[derive(Args, Debug)]
struct CheckArgs {
    #[command(flatten)]
    system: SystemArgs,
}

#[derive(Args, Debug)]
struct ResumeArgs {
    /// Output file of the run to continue.
    file: PathBuf,

    /// Total iterations to reach (default: the run's own vmc.iterations).
    #[arg(long)]
    iterations: Option<usize>,

    /// Print one JSON object on stdout instead of the human report.
    #[arg(long)]
    json: bool,

    /// No progress lines on stderr.
    #[arg(long)]
    quiet: bool,
}

/// Flags shared by every subcommand that builds a spin system.
#[derive(Args, Debug)]
struct SystemArgs {
    /// TOML deck describing the problem (optional when flags give the model and size).
    deck: Option<PathBuf>,

    /// Override any deck key, e.g. --set system.size=[4,4] or --set hamiltonian.h=0.5
    /// (repeatable; values in TOML syntax, bare words are strings).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,

    /// Model: tfim, heisenberg, xxz, j1j2 or pauli (pauli needs terms in a deck).
    #[arg(long)]
    model: Option<String>,

    /// Lattice: chain or square (edge lists come from a deck).
    #[arg(long)]
    lattice: Option<String>,

    /// Number of sites N (chain) or LxW (square lattice, implies --lattice square).
    #[arg(long)]
    size: Option<String>,

    /// Boundary conditions: periodic or open.
    #[arg(long)]
    boundary: Option<String>,

    /// Nearest-neighbour coupling J.
    #[arg(long = "J", value_name = "J", allow_negative_numbers = true)]
    j: Option<f64>,

    /// Transverse field h (tfim).
    #[arg(long = "h", value_name = "H", allow_negative_numbers = true)]
    h: Option<f64>,

    /// Anisotropy Δ (xxz).
    #[arg(long, allow_negative_numbers = true)]
    delta: Option<f64>,

    /// Next-nearest-neighbour coupling J2 (j1j2).
    #[arg(long = "J2", value_name = "J2", allow_negative_numbers = true)]
    j2: Option<f64>,

    /// Total magnetization Sz = Σσᶻ/2: a number, "all" (full space) or "auto".
    #[arg(long = "total-sz", value_name = "SZ", allow_negative_numbers = true)]
    total_sz: Option<String>,

    #[command(flatten)]
    run: RunFlags,
}

/// Seed, report format and output file: flags of every command that runs something.
#[derive(Args, Debug)]
pub(crate) struct RunFlags {
    /// Seed for every random choice.
    #[arg(long)]
    pub seed: Option<u64>,

    /// Print one JSON object on stdout instead of the human report.
    #[arg(long)]
    pub json: bool,

    /// Write the results to this HDF5 file (overrides the deck's `[output] file`).
    #[arg(long, value_name = "FILE.h5")]
    pub output: Option<PathBuf>,

    /// Overwrite an existing output file.
    #[arg(long)]
    pub force: bool,
}

#[derive(Args, Debug)]
struct ExactArgs {
    #[command(flatten)]
    system: SystemArgs,

    /// Number of lowest eigenvalues.
    #[arg(long = "n-states", value_name = "K")]
    n_states: Option<usize>,

    /// Eigensolver: auto, lanczos, dense or lean (three-vector Lanczos, lowest level).
    #[arg(long)]
    method: Option<String>,

    /// Symmetry sectors of a chain or rectangle: auto (the sector that holds the ground state, found
    /// by Perron-Frobenius where it applies, else a scan) or all (every sector).
    #[arg(long, value_name = "auto|all", conflicts_with = "sector")]
    sectors: Option<String>,

    /// One symmetry sector, e.g. k=0,p=1,z=1 on a chain (k = 2π·index/N or pi;
    /// p: reflection parity at k = 0, π; z: spin-flip parity at Sz = 0), or
    /// kx=0,ky=0,z=1 on a periodic rectangle.
    #[arg(long, value_name = "LABEL")]
    sector: Option<String>,

    /// Ground-state correlations <σᶻ₀σᶻ_r> (with --sectors or --sector).
    #[arg(long)]
    correlations: bool,

    /// Sectors: search every connection's target on every product instead of storing
    /// the targets (less memory, slower).
    #[arg(long = "on-the-fly")]
    on_the_fly: bool,

    /// No progress on stderr.
    #[arg(long)]
    quiet: bool,

    /// Draw the figures (`hamlet plot`) next to the output file at the end.
    #[arg(long)]
    plot: bool,
}

#[derive(Args, Debug)]
struct GroundStateArgs {
    #[command(flatten)]
    system: SystemArgs,

    /// Draw the figures (`hamlet plot`) next to the output file at the end.
    #[arg(long)]
    plot: bool,

    /// Ansatz: rbm (hidden units αN), rbm-symmetric (α filters shared over the
    /// lattice translations; periodic chains and rectangles), ffnn (ln cosh layers:
    /// one of αN units, or ansatz.layers = [h1, h2, h3]), autoregressive (one masked
    /// layer of αN units, sampled directly) or jastrow (two-body).
    /// Further settings in the deck's [ansatz] table.
    #[arg(long)]
    ansatz: Option<String>,

    /// rbm, ffnn: hidden units per site; rbm-symmetric: number of feature filters.
    #[arg(long)]
    alpha: Option<f64>,

    /// Complex parameters (needed when the signs of the ground state are unknown).
    #[arg(long)]
    complex: bool,

    /// Samples per iteration (a multiple of --chains).
    #[arg(long)]
    samples: Option<usize>,

    /// Number of Markov chains.
    #[arg(long)]
    chains: Option<usize>,

    /// Sampler: local, exchange, exact or direct (autoregressive ansatz only).
    #[arg(long)]
    sampler: Option<String>,

    /// Number of optimization iterations.
    #[arg(long)]
    iterations: Option<usize>,

    /// Learning rate.
    #[arg(long = "learning-rate", value_name = "ETA")]
    learning_rate: Option<f64>,

    /// SR diagonal shift.
    #[arg(long = "diag-shift", value_name = "EPS")]
    diag_shift: Option<f64>,

    /// Optimizer: sr, minsr, adam or sgd.
    #[arg(long)]
    optimizer: Option<String>,

    /// No progress lines on stderr.
    #[arg(long)]
    quiet: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Exact(args) => run_exact(args),
        Command::GroundState(args) => run_ground_state(args),
        Command::Resume(args) => run_resume(args),
        Command::Check(args) => run_check(args),
        Command::Schrodinger(args) => cli::schrodinger::run(args),
        Command::Diabatic(args) => cli::diabatic::run(args),
        Command::Hop(args) => cli::hop::run(args),
        Command::Plot(args) => cli::plot::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            match e.downcast_ref::<Error>() {
                Some(Error::Numerical(_)) => ExitCode::from(1),
                Some(Error::Interrupted { .. }) => ExitCode::from(INTERRUPTED_STATUS),
                _ => ExitCode::from(2),
            }
        }
    }
}

/// Exit status of a run stopped by SIGINT or SIGTERM (128 + SIGINT, as shells report).
const INTERRUPTED_STATUS: u8 = 130;

/// Starts the output file the deck or `--output` asks for, after the problem has been
/// validated (bad input never leaves a file behind).
pub(crate) fn open_output(
    deck: &Deck,
    output: Option<&std::path::Path>,
    seed: u64,
    force: bool,
) -> anyhow::Result<Option<RunFile>> {
    let Some(path) = output else {
        return Ok(None);
    };
    let provenance = Provenance {
        command_line: std::env::args()
            .map(|a| {
                if a.contains([' ', '"', '\'']) {
                    format!("{a:?}")
                } else {
                    a
                }
            })
            .collect::<Vec<_>>()
            .join(" "),
        deck: toml::to_string(&deck.table).unwrap_or_default(),
        seed,
    };
    Ok(Some(RunFile::create(path, force, &provenance)?))
}

/// Deck, then shortcut flags, then `--set` overrides.
fn load_deck(args: &SystemArgs, extra: &[(&str, Option<String>)]) -> anyhow::Result<Deck> {
    let mut deck = match &args.deck {
        Some(path) => Deck::from_file(path)?,
        None => Deck::empty(),
    };
    if let Some(size) = &args.size {
        match size.split_once(['x', 'X']) {
            Some((l, w)) => {
                deck.set("system.size", &format!("[{}, {}]", l.trim(), w.trim()))?;
                if args.lattice.is_none() {
                    deck.set("system.lattice", "\"square\"")?;
                }
            }
            None => deck.set("system.size", size)?,
        }
    }
    let quoted = |s: &Option<String>| s.as_ref().map(|v| format!("\"{v}\""));
    let number = |x: Option<f64>| x.map(|v| format!("{v:?}"));
    let total_sz = args.total_sz.as_ref().map(|v| match v.parse::<f64>() {
        Ok(_) => v.clone(),
        Err(_) => format!("\"{v}\""),
    });
    let flags = [
        ("hamiltonian.model", quoted(&args.model)),
        ("system.lattice", quoted(&args.lattice)),
        ("system.boundary", quoted(&args.boundary)),
        ("system.total_sz", total_sz),
        ("hamiltonian.J", number(args.j)),
        ("hamiltonian.h", number(args.h)),
        ("hamiltonian.delta", number(args.delta)),
        ("hamiltonian.J2", number(args.j2)),
        ("seed", args.run.seed.map(|s| s.to_string())),
        (
            "output.file",
            args.run
                .output
                .as_ref()
                .map(|p| toml::Value::String(p.display().to_string()).to_string()),
        ),
    ];
    for (key, value) in flags.iter().chain(extra) {
        if let Some(v) = value {
            deck.set(key, v)?;
        }
    }
    for assignment in &args.set {
        deck.set_assignment(assignment)?;
    }
    if args.deck.is_none() && !deck.table.contains_key("hamiltonian") {
        anyhow::bail!(
            "no deck and no --model: give a deck (see models/) or flags, \
             e.g. hamlet exact --model heisenberg --size 22"
        );
    }
    Ok(deck)
}

fn run_exact(args: ExactArgs) -> anyhow::Result<()> {
    let extra = [
        ("exact.n_states", args.n_states.map(|k| k.to_string())),
        (
            "exact.method",
            args.method.as_ref().map(|m| format!("\"{m}\"")),
        ),
        (
            "exact.sectors",
            args.sectors
                .as_ref()
                .or(args.sector.as_ref())
                .map(|m| format!("\"{m}\"")),
        ),
        (
            "exact.correlations",
            args.correlations.then(|| "true".to_string()),
        ),
        (
            "exact.store_connections",
            args.on_the_fly.then(|| "false".to_string()),
        ),
    ];
    let deck = load_deck(&args.system, &extra)?;
    let problem = deck.problem()?;
    let figures = figures_wanted(args.plot, problem.output.as_deref())?;
    let file = open_output(
        &deck,
        problem.output.as_deref(),
        problem.seed,
        args.system.run.force,
    )?;
    let progress = Progress::new(None, args.quiet, Duration::from_secs(1));
    let report = |label: String, p: exact::LanczosProgress| {
        progress.report(
            p.matvecs as u64,
            format!(
                "matvecs {label} E0 ≈ {:.10}  residual/tolerance {:.1e}",
                p.lowest, p.residual_ratio
            ),
            || {
                format!(
                    "lanczos {label}{:>6} matvecs  E0 ≈ {:.12}  residual/tolerance {:.1e}",
                    p.matvecs, p.lowest, p.residual_ratio
                )
            },
        )
    };
    let spectrum = if problem.exact.sectors == exact::SectorChoice::Plain {
        exact::solve_observed(
            &problem.hamiltonian,
            &problem.space,
            &problem.exact,
            &mut |p| report(String::new(), p),
        )
    } else {
        let started = std::time::Instant::now();
        exact::solve_sectors(
            &problem.hamiltonian,
            &problem.space,
            &problem.exact,
            &mut |sector, p| report(format!("[{sector}] "), p),
        )
        .map(|r| Spectrum::from_sectors(&problem.space, r, started.elapsed().as_secs_f64()))
    };
    progress.finish();
    let spectrum = match (spectrum, file) {
        (Err(e @ Error::Invalid { .. }), Some(file)) => {
            file.abandon();
            return Err(e.into());
        }
        (result, file) => (result?, file),
    };
    let (spectrum, file) = spectrum;
    if let Some(mut file) = file {
        output::write_exact(file.root_mut().group_mut("exact"), &problem, &spectrum);
        file.finish()?;
    }
    draw_figures(figures)?;
    if args.system.run.json {
        println!("{}", exact_json(&problem, &spectrum));
    } else {
        print_exact(&problem, &spectrum);
    }
    Ok(())
}

fn lattice_json(problem: &Problem) -> serde_json::Value {
    let lattice = problem.hamiltonian.lattice();
    match lattice.geometry() {
        Geometry::Chain { length, boundary } => {
            json!({"kind": "chain", "size": [length], "boundary": boundary.name()})
        }
        Geometry::Rectangular { lx, ly, boundary } => {
            json!({"kind": "square", "size": [lx, ly], "boundary": boundary.name()})
        }
        Geometry::Edges => json!({"kind": "edges", "bonds": lattice.bonds().len()}),
    }
}

fn exact_json(problem: &Problem, s: &Spectrum) -> serde_json::Value {
    let n = problem.hamiltonian.n_sites();
    let reference = exact::closed_form_energy(&problem.hamiltonian);
    json!({
        "model": problem.hamiltonian.model().name(),
        "lattice": lattice_json(problem),
        "sites": n,
        "sector": s.sector,
        "dimension": s.dimension,
        "marshall_sign": problem.hamiltonian.sign_rule(),
        "energies": s.energies,
        "energy_per_site": s.energies[0] / n as f64,
        "residuals": s.residuals,
        "method": s.method.name(),
        "real_arithmetic": s.real_arithmetic,
        "matvecs": s.matvecs,
        "seconds": s.seconds,
        "seed": problem.seed,
        "reference": reference.map(|r| json!({
            "energy": r.energy,
            "method": r.method,
            "abs_error": (s.energies[0] - r.energy).abs(),
        })),
        "bethe_limit_per_site": exact::bethe_limit_per_site(&problem.hamiltonian),
        "sectors": s.sectors.as_ref().map(|x| sectors_json(x, problem.hamiltonian.lattice())),
    })
}

fn print_exact(problem: &Problem, s: &Spectrum) {
    let ham = &problem.hamiltonian;
    let n = ham.n_sites() as f64;
    println!(
        "{} on a {}{}",
        ham.model().name(),
        ham.lattice().describe(),
        if ham.sign_rule() {
            ", Marshall sign rule"
        } else {
            ""
        }
    );
    let solver = match s.method {
        Method::Dense => "dense diagonalization".to_string(),
        Method::Lean => format!("three-vector Lanczos, {} matvecs", s.matvecs),
        _ => format!("thick-restart Lanczos, {} matvecs", s.matvecs),
    };
    println!(
        "sector {}, dimension {}, {} ({} arithmetic), {:.2} s",
        s.sector,
        s.dimension,
        solver,
        if s.real_arithmetic { "real" } else { "complex" },
        s.seconds
    );
    if let Some(sectors) = &s.sectors {
        print_sectors(sectors, n);
    }
    for (i, (e, r)) in s.energies.iter().zip(&s.residuals).enumerate() {
        println!(
            "  E{i} = {e:>22.12}   per site {:>16.12}   residual {r:.1e}",
            e / n
        );
    }
    if let Some(c) = s.sectors.as_ref().and_then(|x| x.correlations.as_ref()) {
        println!("ground-state correlations <σᶻ₀σᶻ_r>:");
        for (r, v) in c.iter().enumerate() {
            println!("  r = {r:>2}   {v:>16.12}");
        }
    }
    if let Some(r) = exact::closed_form_energy(ham) {
        println!(
            "reference ({}): {:.12}, |E0 - ref| = {:.1e}",
            r.method,
            r.energy,
            (s.energies[0] - r.energy).abs()
        );
    }
    if let Some(b) = exact::bethe_limit_per_site(ham) {
        println!("Bethe ansatz, N -> infinity: {b:.12} per site");
    }
}

fn print_sectors(result: &exact::SectorSpectrum, n: f64) {
    if result.sectors.len() > 1 {
        println!(
            "  sector            dimension   lowest energy        per site     matvecs  seconds"
        );
        for s in &result.sectors {
            println!(
                "  {:<16} {:>10}  {:>20.12} {:>15.12} {:>8} {:>8.2}",
                s.sector.to_string(),
                s.dimension,
                s.energies[0],
                s.energies[0] / n,
                s.matvecs,
                s.seconds
            );
        }
    }
    let ground = &result.sectors[result.levels[0].1];
    println!(
        "ground state in sector {} ({})",
        ground.sector, result.ground_reason
    );
    if result.levels.len() > 1 {
        let labels: Vec<String> = result
            .levels
            .iter()
            .map(|&(_, i)| result.sectors[i].sector.to_string())
            .collect();
        println!("levels from sectors: {}", labels.join("; "));
    }
}

fn sectors_json(result: &exact::SectorSpectrum, lattice: &Lattice) -> serde_json::Value {
    let (lx, ly) = exact::sector_lengths(lattice);
    json!({
        "ground_sector": result.sectors[result.levels[0].1].sector.to_string(),
        "ground_reason": result.ground_reason,
        "level_sectors": result.levels.iter()
            .map(|&(_, i)| result.sectors[i].sector.to_string()).collect::<Vec<_>>(),
        "correlations_zz": result.correlations,
        "list": result.sectors.iter().map(|s| json!({
            "sector": s.sector.to_string(),
            "k": s.sector.wavevector(lx, ly),
            "dimension": s.dimension,
            "energies": s.energies,
            "residuals": s.residuals,
            "method": s.method.name(),
            "matvecs": s.matvecs,
            "real_arithmetic": s.real_arithmetic,
            "stored_connections": s.stored_connections,
            "seconds": s.seconds,
        })).collect::<Vec<_>>(),
    })
}

fn run_ground_state(args: GroundStateArgs) -> anyhow::Result<()> {
    let quoted = |s: &Option<String>| s.as_ref().map(|v| format!("\"{v}\""));
    let extra = [
        ("ansatz.kind", quoted(&args.ansatz)),
        ("ansatz.alpha", args.alpha.map(|a| format!("{a:?}"))),
        ("ansatz.complex", args.complex.then(|| "true".to_string())),
        ("sampler.samples", args.samples.map(|n| n.to_string())),
        ("sampler.chains", args.chains.map(|n| n.to_string())),
        ("sampler.kind", quoted(&args.sampler)),
        ("vmc.iterations", args.iterations.map(|n| n.to_string())),
        ("optimizer.kind", quoted(&args.optimizer)),
        (
            "optimizer.learning_rate",
            args.learning_rate.map(|x| format!("{x:?}")),
        ),
        (
            "optimizer.diag_shift",
            args.diag_shift.map(|x| format!("{x:?}")),
        ),
    ];
    let deck = load_deck(&args.system, &extra)?;
    let problem = deck.problem()?;
    let figures = figures_wanted(args.plot, problem.output.as_deref())?;
    let file = open_output(
        &deck,
        problem.output.as_deref(),
        problem.seed,
        args.system.run.force,
    )?;
    drive_ground_state(&problem, file, None, args.quiet, args.system.run.json)?;
    draw_figures(figures)
}

/// The output file to draw figures from when `--plot` is given; refused (before any
/// work) when there is no output file.
pub(crate) fn figures_wanted(plot: bool, output: Option<&Path>) -> anyhow::Result<Option<PathBuf>> {
    match (plot, output) {
        (false, _) => Ok(None),
        (true, Some(path)) => Ok(Some(path.to_path_buf())),
        (true, None) => anyhow::bail!(
            "--plot: figures are drawn from the output file; add --output FILE.h5 \
             (or [output] file in the deck)"
        ),
    }
}

/// Draws the figures of `file` next to it (PNG) and lists them on stderr.
pub(crate) fn draw_figures(file: Option<PathBuf>) -> anyhow::Result<()> {
    if let Some(file) = file {
        let dir = hamlet::io::figures::directory_of(&file);
        for figure in hamlet::io::figures::plot_run(&file, dir, hamlet::plot::Format::Png, None)? {
            eprintln!("figure: {}", figure.display());
        }
    }
    Ok(())
}

/// Set by SIGINT or SIGTERM; the VMC loop checks it after every iteration.
pub(crate) static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_interrupt(_signal: libc::c_int) {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

/// Makes SIGINT (Ctrl-C) and SIGTERM finish the current iteration, write a checkpoint
/// and stop, instead of killing the process mid-write.
pub(crate) fn catch_interrupts() {
    let handler = on_interrupt as extern "C" fn(libc::c_int) as libc::sighandler_t;
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
    unsafe {
        libc::signal(libc::SIGINT, handler);
        libc::signal(libc::SIGTERM, handler);
    }
}

/// Runs (or continues, from `resume`) a ground-state calculation, logging every
/// iteration to stderr and to the output file, with checkpoints every
/// `[output] checkpoint_every` iterations, at the last iteration and on interruption.
fn drive_ground_state(
    problem: &Problem,
    mut file: Option<RunFile>,
    resume: Option<&Checkpoint>,
    quiet: bool,
    json: bool,
) -> anyhow::Result<()> {
    catch_interrupts();
    let spec = &problem.ground_state;
    let total = spec.settings.iterations;
    let every = problem.checkpoint_every;
    let progress = Progress::new(Some(total as u64), quiet, Duration::ZERO);
    let mut write_error = None;
    let result = vmc::ground_state(
        &problem.hamiltonian,
        &problem.space,
        spec,
        problem.seed,
        resume,
        &mut |log, checkpoint| {
            let interrupted = INTERRUPTED.load(Ordering::SeqCst);
            if let Some(file) = file.as_mut() {
                output::append_vmc_log(file.root_mut().group_mut("vmc/log"), log);
                let due = every.is_some_and(|k| log.iteration % k == 0);
                if due || interrupted || log.iteration == total {
                    checkpoint().write(file.root_mut().group_mut("vmc/checkpoint"));
                }
                if let Err(e) = file.save() {
                    write_error = Some(e);
                    return ControlFlow::Break(());
                }
            }
            let e = &log.energy;
            progress.report(
                log.iteration as u64,
                format!(
                    "E = {:.6} ± {:.1e}  var {:.2e}  acc {:.2}",
                    e.mean, e.error, e.variance, log.acceptance
                ),
                || {
                    format!(
                        "iter {:>5}/{total}  E = {:.8} ± {:.1e}  var {:.3e}  tau {:.1}  R̂ {:.3}  acc {:.2}  {:.3} s",
                        log.iteration, e.mean, e.error, e.variance, e.tau, e.r_hat, log.acceptance, log.seconds
                    )
                },
            );
            if interrupted {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        },
    );
    progress.finish();
    if let Some(e) = write_error {
        return Err(e.into());
    }
    let report = match result {
        Err(Error::Interrupted { iteration }) => {
            match &file {
                Some(f) => eprintln!(
                    "checkpoint of iteration {iteration} saved in {p}; continue with `hamlet resume {p}`",
                    p = f.path().display()
                ),
                None => eprintln!("nothing saved: no --output file"),
            }
            return Err(Error::Interrupted { iteration }.into());
        }
        other => other?,
    };
    if let Some(mut file) = file {
        output::write_vmc(file.root_mut().group_mut("vmc"), problem, &report);
        file.finish()?;
    }
    for w in &report.warnings {
        eprintln!("warning: {w}");
    }
    if json {
        println!("{}", ground_state_json(problem, &report));
    } else {
        print_ground_state(problem, &report);
    }
    Ok(())
}

/// Validates the deck and prints what it describes.
fn run_check(args: CheckArgs) -> anyhow::Result<()> {
    if let Some(path) = &args.system.deck {
        let mut deck = Deck::from_file(path)?;
        let has = |keys: &[&str]| keys.iter().any(|k| deck.table.contains_key(*k));
        type Checker = fn(&Deck, bool) -> anyhow::Result<()>;
        let checker: Option<Checker> = if has(hamlet::io::hop_deck::HOP_SECTIONS) {
            Some(cli::hop::check)
        } else if has(&["initial", "times", "method"]) {
            Some(cli::schrodinger::check)
        } else if has(&["data", "network", "training"]) {
            Some(cli::diabatic::check)
        } else {
            None
        };
        if let Some(check) = checker {
            for assignment in &args.system.set {
                deck.set_assignment(assignment)?;
            }
            return check(&deck, args.system.run.json);
        }
    }
    let deck = load_deck(&args.system, &[])?;
    let problem = deck.problem()?;
    let ham = &problem.hamiltonian;
    let gs = &problem.ground_state;
    let n = ham.n_sites();
    let n_params = gs.ansatz.n_params(n);
    let summary = json!({
        "deck": deck.origin,
        "valid": true,
        "model": ham.model().name(),
        "lattice": lattice_json(&problem),
        "sites": n,
        "sector": problem.space.sector_label(),
        "dimension": problem.space.dimension(),
        "marshall_sign": ham.sign_rule(),
        "seed": problem.seed,
        "ansatz": gs.ansatz.kind.name(),
        "alpha": gs.ansatz.alpha,
        "complex": gs.ansatz.complex,
        "n_parameters": n_params,
        "sampler": format!("{:?}", gs.sampler.kind).to_lowercase(),
        "samples": gs.settings.samples,
        "optimizer": gs.method.name(),
        "learning_rate": gs.learning_rate,
        "final_learning_rate": gs.decay.map(|d| d.final_rate),
        "decay_iterations": gs.decay.map(|d| d.steps),
        "iterations": gs.settings.iterations,
        "output": problem.output.as_ref().map(|p| p.display().to_string()),
        "checkpoint_every": problem.checkpoint_every,
    });
    if args.system.run.json {
        println!("{summary}");
    } else {
        println!("{}: valid", deck.origin);
        println!(
            "  {} on {} sites, sector {} ({:.0} states), seed {}",
            ham.model().name(),
            n,
            problem.space.sector_label(),
            problem.space.dimension(),
            problem.seed
        );
        println!(
            "  ground-state: {} ({} parameters{}{}), {} sampler, {} samples, {} (η = {}{}), {} iterations",
            summary["ansatz"].as_str().unwrap_or(""),
            n_params,
            if gs.ansatz.complex { ", complex" } else { "" },
            gs.ansatz
                .projection
                .as_ref()
                .map(|p| format!(
                    ", projected on momentum {:?}{}",
                    p.momentum,
                    p.parity
                        .map(|q| format!(" and spin-flip parity {q:+}"))
                        .unwrap_or_default()
                ))
                .unwrap_or_default(),
            summary["sampler"].as_str().unwrap_or(""),
            gs.settings.samples,
            gs.method.name(),
            gs.learning_rate,
            gs.decay
                .map(|d| format!(" → {} over {} updates", d.final_rate, d.steps))
                .unwrap_or_default(),
            gs.settings.iterations
        );
        if let Some(path) = &problem.output {
            let exists = if path.exists() {
                " (exists: needs --force)"
            } else {
                ""
            };
            println!("  output: {}{exists}", path.display());
        }
    }
    Ok(())
}

/// Continues a ground-state run from the checkpoint in its output file.
fn run_resume(args: ResumeArgs) -> anyhow::Result<()> {
    let (tree, checkpoint) = RunFile::read_checkpointed(&args.file)?;
    let origin = format!("{} (deck)", args.file.display());
    let mut deck = Deck::from_str(&RunFile::deck_text(&tree), &origin)?;
    deck.set(
        "output.file",
        &toml::Value::String(args.file.display().to_string()).to_string(),
    )?;
    if let Some(n) = args.iterations {
        // A learning-rate decay keeps the span it had, so an extended run goes on at
        // the final rate instead of restarting the decay.
        if let Some(decay) = deck.problem()?.ground_state.decay {
            deck.set("optimizer.decay_iterations", &decay.steps.to_string())?;
        }
        deck.set("vmc.iterations", &n.to_string())?;
    }
    let problem = deck.problem()?;
    if checkpoint.iteration > problem.ground_state.settings.iterations {
        anyhow::bail!(
            "vmc.iterations: the checkpoint is at iteration {}, past the {} requested; \
             pass --iterations N with N >= {}",
            checkpoint.iteration,
            problem.ground_state.settings.iterations,
            checkpoint.iteration
        );
    }
    let command_line = std::env::args().collect::<Vec<_>>().join(" ");
    let file = RunFile::reopen(&args.file, tree, checkpoint.iteration, &command_line)?;
    drive_ground_state(
        &problem,
        Some(file),
        Some(&checkpoint),
        args.quiet,
        args.json,
    )
}

fn ground_state_json(problem: &Problem, r: &GroundStateReport) -> serde_json::Value {
    let n = problem.hamiltonian.n_sites();
    let e = &r.energy;
    json!({
        "model": problem.hamiltonian.model().name(),
        "lattice": lattice_json(problem),
        "sites": n,
        "sector": problem.space.sector_label(),
        "marshall_sign": problem.hamiltonian.sign_rule(),
        "ansatz": r.ansatz,
        "complex": problem.ground_state.ansatz.complex,
        "sampler": r.sampler,
        "optimizer": problem.ground_state.method.name(),
        "learning_rate": problem.ground_state.learning_rate,
        "final_learning_rate": problem.ground_state.decay.map(|d| d.final_rate),
        "samples": problem.ground_state.settings.samples,
        "final_samples": e.n_samples,
        "energy": e.mean,
        "energy_imag": e.mean_imag,
        "error": e.error,
        "energy_per_site": e.mean / n as f64,
        "variance": e.variance,
        "tau": e.tau,
        "r_hat": if e.r_hat.is_finite() { json!(e.r_hat) } else { json!(null) },
        "v_score": e.v_score(n),
        "acceptance": r.acceptance,
        "reference": r.reference.as_ref().map(|x| x.energy),
        "reference_method": r.reference.as_ref().map(|x| x.method),
        "relative_error": r.relative_error(),
        "iterations": r.iterations,
        "n_parameters": r.n_parameters,
        "seconds": r.seconds,
        "seconds_per_iteration": r.seconds_per_iteration,
        "seed": problem.seed,
        "warnings": r.warnings,
    })
}

fn print_ground_state(problem: &Problem, r: &GroundStateReport) {
    let ham = &problem.hamiltonian;
    let n = ham.n_sites();
    let e = &r.energy;
    println!(
        "{} on a {}, sector {}{}",
        ham.model().name(),
        ham.lattice().describe(),
        problem.space.sector_label(),
        if ham.sign_rule() {
            ", Marshall sign rule"
        } else {
            ""
        }
    );
    println!(
        "{} ({} parameters, {}), {}, {} (η = {}{}) for {} iterations",
        r.ansatz,
        r.n_parameters,
        if problem.ground_state.ansatz.complex {
            "complex"
        } else {
            "real"
        },
        r.sampler,
        problem.ground_state.method.name(),
        problem.ground_state.learning_rate,
        problem
            .ground_state
            .decay
            .map(|d| format!(" → {}", d.final_rate))
            .unwrap_or_default(),
        r.iterations
    );
    println!(
        "E = {:.10} ± {:.2e}   per site {:.10}   ({} samples)",
        e.mean,
        e.error,
        e.mean / n as f64,
        e.n_samples
    );
    println!(
        "variance {:.4e}   V-score {:.3e}   tau {:.2}   split-R̂ {:.4}   acceptance {:.3}",
        e.variance,
        e.v_score(n),
        e.tau,
        e.r_hat,
        r.acceptance
    );
    if let Some(reference) = &r.reference {
        println!(
            "reference ({}): {:.10}   relative error {:.2e}   ({:.1} σ)",
            reference.method,
            reference.energy,
            r.relative_error().unwrap_or(f64::NAN),
            (e.mean - reference.energy) / e.error.max(f64::MIN_POSITIVE)
        );
    }
    println!(
        "{:.2} s in all, {:.4} s per iteration (median)",
        r.seconds, r.seconds_per_iteration
    );
}
