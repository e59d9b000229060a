//! What each engine writes into its group of the output file (layout in the README,
//! "Output files"). Names match the keys of the `--json` reports.

use super::h5::{Attr, Data, Group};
use super::run_file::{append_floats, append_int};
use super::Problem;
use crate::exact::{self, Spectrum};
use crate::vmc::{GroundStateReport, GroundStateSpec, IterationLog};

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
}

/// Appends one iteration to `/vmc/log`: `iteration`, `energy`, `energy_imag`,
/// `error`, `variance`, `tau`, `r_hat`, `acceptance`, `learning_rate`,
/// `update_norm` and `seconds` (wall time of the iteration).
pub fn append_vmc_log(group: &mut Group, log: &IterationLog, spec: &GroundStateSpec) {
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
            ("learning_rate", spec.learning_rate),
            ("update_norm", log.update_norm),
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
