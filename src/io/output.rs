//! What each engine writes into its group of the output file (layout in the README,
//! "Output files"). Names match the keys of the `--json` reports.

use super::h5::{Attr, Data, Group};
use super::run_file::{append_floats, append_int};
use super::{Problem, SchrodingerProblem};
use crate::exact::{self, Spectrum};
use crate::schrodinger::SchrodingerReport;
use crate::vmc::{GroundStateReport, IterationLog};

fn describe_problem(group: &mut Group, problem: &Problem) {
    let ham = &problem.hamiltonian;
    group.set_attr("model", Attr::Text(ham.model().name().into()));
    group.set_attr("sites", Attr::Int(ham.n_sites() as i64));
    group.set_attr("sector", Attr::Text(problem.space.sector_label()));
    group.set_attr("marshall_sign", Attr::Bool(ham.sign_rule()));
}

/// `/exact`: `energies` and `residuals` (ascending, total energies), with the sector,
/// dimension, method, Hamiltonian applications, seconds and, where one exists, the
/// closed-form reference energy as attributes.
pub fn write_exact(group: &mut Group, problem: &Problem, spectrum: &Spectrum) {
    describe_problem(group, problem);
    group.set_vector("energies", Data::Float(spectrum.energies.clone()));
    group.set_vector("residuals", Data::Float(spectrum.residuals.clone()));
    group.set_attr("sector", Attr::Text(spectrum.sector.clone()));
    group.set_attr("dimension", Attr::Int(spectrum.dimension as i64));
    group.set_attr("method", Attr::Text(spectrum.method.name().into()));
    group.set_attr("matvecs", Attr::Int(spectrum.matvecs as i64));
    group.set_attr("real_arithmetic", Attr::Bool(spectrum.real_arithmetic));
    group.set_attr("seconds", Attr::Float(spectrum.seconds));
    if let Some(r) = exact::closed_form_energy(&problem.hamiltonian) {
        group.set_attr("reference", Attr::Float(r.energy));
        group.set_attr("reference_method", Attr::Text(r.method.into()));
    }
    if let Some(result) = &spectrum.sectors {
        write_sectors(group, result);
    }
}

/// `/exact/sectors`: one row per sector diagonalized (`momentum` index of a chain or
/// `kx` of a rectangle, `momentum_y` (`ky`), −1 when not used; `parity`, `flip`: ±1, 0 when not used; `dimension`, `lowest_energy`,
/// `matvecs`, `seconds`), the labels as one `;`-separated attribute, `level_sector`
/// (which row each of `/exact/energies` came from) and, when computed,
/// `/exact/correlations_zz` = `⟨σᶻ₀σᶻ_r⟩` for `r = 0 … ⌊N/2⌋`.
fn write_sectors(group: &mut Group, result: &exact::SectorSpectrum) {
    let ground = &result.sectors[result.levels[0].1];
    group.set_attr("ground_sector", Attr::Text(ground.sector.to_string()));
    group.set_attr("ground_reason", Attr::Text(result.ground_reason.clone()));
    let level_sector = result.levels.iter().map(|l| l.1 as i64).collect();
    group.set_vector("level_sector", Data::Int(level_sector));
    if let Some(c) = &result.correlations {
        group.set_vector("correlations_zz", Data::Float(c.clone()));
    }
    let rows = &result.sectors;
    let table = group.group_mut("sectors");
    let labels: Vec<String> = rows.iter().map(|s| s.sector.to_string()).collect();
    table.set_attr("labels", Attr::Text(labels.join(";")));
    let int = |f: &dyn Fn(&exact::SectorLevels) -> i64| Data::Int(rows.iter().map(f).collect());
    table.set_vector(
        "momentum",
        int(&|s| s.sector.momentum.map_or(-1, |m| m as i64)),
    );
    table.set_vector(
        "momentum_y",
        int(&|s| s.sector.momentum_y.map_or(-1, |m| m as i64)),
    );
    table.set_vector("parity", int(&|s| s.sector.parity.map_or(0, i64::from)));
    table.set_vector("flip", int(&|s| s.sector.flip.map_or(0, i64::from)));
    table.set_vector("dimension", int(&|s| s.dimension as i64));
    table.set_vector("matvecs", int(&|s| s.matvecs as i64));
    let float = |f: &dyn Fn(&exact::SectorLevels) -> f64| Data::Float(rows.iter().map(f).collect());
    table.set_vector("lowest_energy", float(&|s| s.energies[0]));
    table.set_vector("seconds", float(&|s| s.seconds));
}

/// Appends one iteration to `/vmc/log`: `iteration`, `energy`, `energy_imag`,
/// `error`, `variance`, `tau`, `r_hat`, `acceptance`, `learning_rate`,
/// `update_norm` and `seconds` (wall time of the iteration).
pub fn append_vmc_log(group: &mut Group, log: &IterationLog) {
    let e = &log.energy;
    append_int(group, "iteration", log.iteration as i64);
    append_floats(
        group,
        &[
            ("energy", e.mean),
            ("energy_imag", e.mean_imag),
            ("error", e.error),
            ("variance", e.variance),
            ("tau", e.tau),
            ("r_hat", e.r_hat),
            ("acceptance", log.acceptance),
            ("learning_rate", log.learning_rate),
            ("update_norm", log.update_norm),
            ("step_length", log.step_length),
            ("seconds", log.seconds),
        ],
    );
}

/// `/vmc`: the final estimate (from a fresh sample) as attributes, named as in the
/// JSON report, and the final parameters (`complex128` for complex ansätze).
pub fn write_vmc(group: &mut Group, problem: &Problem, report: &GroundStateReport) {
    describe_problem(group, problem);
    let e = &report.energy;
    let n = problem.hamiltonian.n_sites();
    let floats = [
        ("energy", e.mean),
        ("energy_imag", e.mean_imag),
        ("error", e.error),
        ("energy_per_site", e.mean / n as f64),
        ("variance", e.variance),
        ("tau", e.tau),
        ("r_hat", e.r_hat),
        ("v_score", e.v_score(n)),
        ("acceptance", report.acceptance),
        ("seconds", report.seconds),
        ("seconds_per_iteration", report.seconds_per_iteration),
    ];
    for (name, value) in floats {
        group.set_attr(name, Attr::Float(value));
    }
    if let Some(r) = &report.reference {
        group.set_attr("reference", Attr::Float(r.energy));
        group.set_attr("reference_method", Attr::Text(r.method.into()));
    }
    if let Some(rel) = report.relative_error() {
        group.set_attr("relative_error", Attr::Float(rel));
    }
    group.set_attr("iterations", Attr::Int(report.iterations as i64));
    group.set_attr("n_parameters", Attr::Int(report.n_parameters as i64));
    group.set_attr("ansatz", Attr::Text(report.ansatz.into()));
    group.set_attr("sampler", Attr::Text(report.sampler.clone()));
    group.set_attr(
        "optimizer",
        Attr::Text(problem.ground_state.method.name().into()),
    );
    group.set_attr("final_samples", Attr::Int(e.n_samples as i64));
    group.set_attr("warnings", Attr::Text(report.warnings.join("\n")));
    let complex = problem.ground_state.ansatz.complex;
    let data = if complex {
        Data::Complex(report.parameters.clone())
    } else {
        Data::Float(report.parameters.iter().map(|z| z.re).collect())
    };
    group.set_vector("parameters", data);
}

/// `/schrodinger`: per output time `times`, `norm`, `mean_x` (times × dim),
/// `relative_l2_error` (NaN where no reference applies) and `edge_mass`; the
/// snapshot grid `x` (and `y`, `z`) and `psi` (complex, times × grid shape); the
/// box `domain` (dim × 2) and `points`; method, units, reference, fit residual,
/// seconds and time step as attributes.
pub fn write_schrodinger(
    group: &mut Group,
    problem: &SchrodingerProblem,
    report: &SchrodingerReport,
) {
    let spec = &problem.spec;
    let dim = report.dim;
    group.set_attr("method", Attr::Text(report.method.name().into()));
    group.set_attr("dim", Attr::Int(dim as i64));
    group.set_attr("hbar", Attr::Float(spec.units.hbar));
    group.set_attr("mass", Attr::Float(spec.units.mass));
    group.set_attr("initial", Attr::Text(spec.initial.kind().into()));
    group.set_attr("potential", Attr::Text(spec.potential.name().into()));
    group.set_attr("size", Attr::Int(report.size as i64));
    if let Some(r) = report.fit_residual {
        group.set_attr("fit_residual", Attr::Float(r));
    }
    group.set_attr("seconds", Attr::Float(report.seconds));
    group.set_attr(
        "reference",
        Attr::Text(report.reference.unwrap_or("none").into()),
    );
    if let Some(dt) = report.dt {
        group.set_attr("dt", Attr::Float(dt));
    }
    let samples = &report.samples;
    group.set_vector("times", Data::Float(samples.iter().map(|s| s.t).collect()));
    group.set_vector(
        "norm",
        Data::Float(samples.iter().map(|s| s.norm).collect()),
    );
    group.set_array(
        "mean_x",
        Data::Float(samples.iter().flat_map(|s| s.mean_x.clone()).collect()),
        vec![samples.len(), dim],
    );
    group.set_vector(
        "relative_l2_error",
        Data::Float(
            samples
                .iter()
                .map(|s| s.relative_l2_error.unwrap_or(f64::NAN))
                .collect(),
        ),
    );
    group.set_vector(
        "edge_mass",
        Data::Float(samples.iter().map(|s| s.edge_mass).collect()),
    );
    group.set_array(
        "domain",
        Data::Float(report.domain.iter().flat_map(|&(a, b)| [a, b]).collect()),
        vec![dim, 2],
    );
    group.set_vector(
        "points",
        Data::Int(report.points.iter().map(|&p| p as i64).collect()),
    );
    for (axis, name) in report.snapshot_axes.iter().zip(["x", "y", "z"]) {
        group.set_vector(name, Data::Float(axis.clone()));
    }
    let mut shape = vec![report.snapshots.len()];
    shape.extend(report.snapshot_axes.iter().map(Vec::len));
    group.set_array("psi", Data::Complex(report.snapshots.concat()), shape);
}
