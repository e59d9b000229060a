//! `hamlet plot`: finds what a run file holds and draws a figure for each part.

use super::h5::{self, Attr, Data, Group};
use crate::error::{Error, Result};
use crate::nonadiabatic::{adiabatic, analytic_model, DiabaticModel};
use crate::plot::{
    self, Branching, BranchingErrors, BranchingSet, DiabaticCurves, DiabaticScan, Format,
    Snapshots, Spectrum, VmcTrace,
};
use std::path::{Path, PathBuf};

/// Draws every figure the run file at `path` supports into `dir`, named
/// `<stem>_<kind>.<ext>`; returns the files written. A `reference` run (for example
/// the exact wave-packet run of the same model) adds its curves where the kinds match.
pub fn plot_run(
    path: &Path,
    dir: &Path,
    format: Format,
    reference: Option<&Path>,
) -> Result<Vec<PathBuf>> {
    let tree = h5::read(path)?;
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "run".into());
    let target = |kind: &str| dir.join(format!("{stem}_{kind}.{}", format.extension()));
    if matches!(tree.attrs.get("kind"), Some(Attr::Text(k)) if k == super::diabatic_net_file::KIND)
    {
        let scan = diabatic_scan(path, &tree)?;
        let file = target("diabatic");
        plot::draw_diabatic(&scan, &file, format)?;
        return Ok(vec![file]);
    }
    written_by_hamlet(&tree, path)?;
    let reference = match reference {
        Some(r) => Some((r, read_run(r)?)),
        None => None,
    };
    let mut written = Vec::new();
    if let Some(vmc) = tree.group("vmc") {
        let trace = vmc_trace(vmc, path)?;
        let file = target("vmc");
        plot::draw_vmc(&trace, &file, format)?;
        written.push(file);
    }
    if let Some(exact) = tree.group("exact") {
        let spectrum = spectrum(exact, path)?;
        let file = target("spectrum");
        plot::draw_spectrum(&spectrum, &file, format)?;
        written.push(file);
    }
    if let Some(group) = tree.group("schrodinger") {
        let snapshots = snapshots(group, path)?;
        let file = target("density");
        plot::draw_snapshots(&snapshots, &file, format)?;
        written.push(file);
    }
    let mut branching = Branching::default();
    let runs = std::iter::once((path, &tree)).chain(reference.iter().map(|(p, t)| (*p, t)));
    for (file, tree) in runs {
        for (group, sampled) in [("fssh", true), ("wavepacket", false)] {
            if let Some(g) = tree.group(group) {
                branching.sets.push(branching_set(g, group, sampled, file)?);
                if branching.title.is_empty() {
                    branching.title = format!(
                        "Branching probabilities: {}",
                        text(g, "model").unwrap_or_else(|| "model ?".into())
                    );
                }
            }
        }
    }
    if tree.group("fssh").is_some() || tree.group("wavepacket").is_some() {
        let file = target("branching");
        plot::draw_branching(&branching, &file, format)?;
        written.push(file);
    }
    if written.is_empty() {
        let parts: Vec<&str> = tree.groups.keys().map(String::as_str).collect();
        return Err(Error::invalid(
            path.display().to_string(),
            format!(
                "nothing to plot yet: the file holds {parts:?}; figures exist for ground-state \
                 runs (/vmc), exact diagonalization (/exact), Schrödinger dynamics \
                 (/schrodinger) and surface hopping (/fssh, /wavepacket)"
            ),
        ));
    }
    Ok(written)
}

/// Reads a file and checks that hamlet wrote it.
fn read_run(path: &Path) -> Result<Group> {
    let tree = h5::read(path)?;
    written_by_hamlet(&tree, path)?;
    Ok(tree)
}

/// Refuses a file without the `hamlet_version` attribute every run file carries.
fn written_by_hamlet(tree: &Group, path: &Path) -> Result<()> {
    if tree.attrs.contains_key("hamlet_version") {
        return Ok(());
    }
    Err(Error::invalid(
        path.display().to_string(),
        "not a file hamlet wrote (it has no hamlet_version attribute); \
         `hamlet plot` draws the HDF5 output of hamlet's own commands",
    ))
}

/// The directory that holds `path` (`.` for a bare file name), where figures go by
/// default.
pub fn directory_of(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// A `k × states` dataset as rows.
fn rows(group: &Group, where_: &str, name: &str, path: &Path) -> Result<Vec<Vec<f64>>> {
    let values = column(group, where_, name, path)?;
    let shape = &group.datasets[name].shape;
    match shape.as_slice() {
        [n, states] if n * states == values.len() && *states > 0 => {
            Ok(values.chunks(*states).map(<[f64]>::to_vec).collect())
        }
        _ => Err(Error::invalid(
            path.display().to_string(),
            format!("{where_}/{name} has shape {shape:?}, not momenta × states"),
        )),
    }
}

fn branching_set(group: &Group, name: &str, sampled: bool, path: &Path) -> Result<BranchingSet> {
    let where_ = format!("/{name}");
    let k = column(group, &where_, "k", path)?;
    if k.is_empty() {
        return Err(Error::invalid(
            path.display().to_string(),
            format!("{where_}/k is empty: the run finished no momentum"),
        ));
    }
    let label = if sampled {
        format!(
            "FSSH, {} trajectories per k",
            int(group, "trajectories").map_or("?".into(), |n| n.to_string())
        )
    } else {
        "exact wave packet".to_string()
    };
    let errors = if sampled {
        Some(BranchingErrors {
            transmitted: rows(group, &where_, "transmitted_error", path)?,
            reflected: rows(group, &where_, "reflected_error", path)?,
        })
    } else {
        None
    };
    Ok(BranchingSet {
        label,
        transmitted: rows(group, &where_, "transmitted", path)?,
        reflected: rows(group, &where_, "reflected", path)?,
        errors,
        k,
    })
}

fn text(group: &Group, name: &str) -> Option<String> {
    match group.attrs.get(name) {
        Some(Attr::Text(s)) => Some(s.clone()),
        _ => None,
    }
}

fn float(group: &Group, name: &str) -> Option<f64> {
    match group.attrs.get(name) {
        Some(Attr::Float(x)) => Some(*x),
        _ => None,
    }
}

fn int(group: &Group, name: &str) -> Option<i64> {
    match group.attrs.get(name) {
        Some(Attr::Int(x)) => Some(*x),
        _ => None,
    }
}

/// One 1-D dataset of `group` as floats, or a message naming it.
fn column(group: &Group, where_: &str, name: &str, path: &Path) -> Result<Vec<f64>> {
    group
        .datasets
        .get(name)
        .and_then(|d| d.data.to_f64())
        .ok_or_else(|| {
            Error::invalid(
                path.display().to_string(),
                format!("{where_}/{name} is missing or not numeric"),
            )
        })
}

/// "tfim, 32 sites, sector full", from the attributes `describe_problem` writes.
fn system(group: &Group) -> String {
    format!(
        "{}, {} sites, sector {}",
        text(group, "model").unwrap_or_else(|| "model ?".into()),
        int(group, "sites").map_or("?".into(), |n| n.to_string()),
        text(group, "sector").unwrap_or_else(|| "?".into())
    )
}

fn vmc_trace(vmc: &Group, path: &Path) -> Result<VmcTrace> {
    let log = vmc.group("log").ok_or_else(|| {
        Error::invalid(
            path.display().to_string(),
            "/vmc has no log: the run stopped before its first iteration",
        )
    })?;
    let iteration = column(log, "/vmc/log", "iteration", path)?;
    if iteration.is_empty() {
        return Err(Error::invalid(
            path.display().to_string(),
            "the VMC log is empty: the run stopped before its first iteration",
        ));
    }
    let title = match text(vmc, "ansatz") {
        Some(ansatz) => format!("VMC: {}, {ansatz}", system(vmc)),
        // An unfinished run has its log but not yet the summary attributes.
        None => "VMC (unfinished run)".into(),
    };
    Ok(VmcTrace {
        title,
        energy: column(log, "/vmc/log", "energy", path)?,
        error: column(log, "/vmc/log", "error", path)?,
        variance: column(log, "/vmc/log", "variance", path)?,
        acceptance: column(log, "/vmc/log", "acceptance", path)?,
        reference: float(vmc, "reference"),
        iteration,
    })
}

fn spectrum(exact: &Group, path: &Path) -> Result<Spectrum> {
    let energies = column(exact, "/exact", "energies", path)?;
    if energies.is_empty() {
        return Err(Error::invalid(
            path.display().to_string(),
            "/exact/energies is empty",
        ));
    }
    Ok(Spectrum {
        title: format!(
            "Exact diagonalization: {} ({})",
            system(exact),
            text(exact, "method").unwrap_or_default()
        ),
        energies,
        reference: float(exact, "reference"),
    })
}

/// Densities |ψ|² per snapshot from `/schrodinger` (the middle z-slice of a 3-D run).
fn snapshots(group: &Group, path: &Path) -> Result<Snapshots> {
    let bad = |what: String| Error::invalid(path.display().to_string(), what);
    let times = column(group, "/schrodinger", "times", path)?;
    let x = column(group, "/schrodinger", "x", path)?;
    let y = match group.datasets.get("y") {
        Some(_) => Some(column(group, "/schrodinger", "y", path)?),
        None => None,
    };
    let z_len = match group.datasets.get("z") {
        Some(_) => column(group, "/schrodinger", "z", path)?.len(),
        None => 1,
    };
    let psi = match group.datasets.get("psi").map(|d| &d.data) {
        Some(Data::Complex(values)) => values,
        _ => return Err(bad("/schrodinger/psi is missing or not complex".into())),
    };
    let per_time = x.len() * y.as_ref().map_or(1, Vec::len) * z_len;
    if times.is_empty() || per_time == 0 || psi.len() != times.len() * per_time {
        return Err(bad(format!(
            "/schrodinger/psi has {} values for {} times on a grid of {per_time}",
            psi.len(),
            times.len()
        )));
    }
    let middle = z_len / 2;
    let density = psi
        .chunks(per_time)
        .map(|snapshot| {
            snapshot
                .iter()
                .skip(middle)
                .step_by(z_len)
                .map(|c| c.norm_sqr())
                .collect()
        })
        .collect();
    let errors = column(group, "/schrodinger", "relative_l2_error", path)?;
    let title = format!(
        "Schrödinger: {}, potential {}, initial {}{}",
        text(group, "method").unwrap_or_default(),
        text(group, "potential").unwrap_or_default(),
        text(group, "initial").unwrap_or_default(),
        if z_len > 1 { " (middle z-slice)" } else { "" }
    );
    Ok(Snapshots {
        title,
        times,
        x,
        y,
        density,
        errors,
        reference: text(group, "reference").filter(|r| !r.is_empty() && r != "none"),
    })
}

/// Geometries of a diabatic scan.
const SCAN_POINTS: usize = 401;

/// The network in the file at `path` along its first coordinate (the others at their
/// input centres), over its input range `c ± w`, with the analytic model it was fitted
/// to (attribute `fit/data`) when that is one of hamlet's models.
fn diabatic_scan(path: &Path, tree: &Group) -> Result<DiabaticScan> {
    let net = super::diabatic_net_file::read_net(path)?;
    let center = column(tree, "", "input_center", path)?;
    let width = column(tree, "", "input_width", path)?;
    let source = tree.group("fit").and_then(|f| text(f, "data"));
    let analytic = source.as_deref().and_then(analytic_model);
    let (lo, hi) = (center[0] - width[0], center[0] + width[0]);
    let geometries: Vec<Vec<f64>> = (0..SCAN_POINTS)
        .map(|i| {
            let mut r = center.clone();
            r[0] = lo + (hi - lo) * i as f64 / (SCAN_POINTS - 1) as f64;
            r
        })
        .collect();
    let learned = curves(&net, &geometries)?;
    let analytic = match (analytic, source) {
        (Some(model), Some(name)) if model.n_states() == net.n_states() => {
            let mut reference = curves(model.as_ref(), &geometries)?;
            align_coupling_signs(&learned, &mut reference);
            Some((name, reference))
        }
        _ => None,
    };
    Ok(DiabaticScan {
        title: format!(
            "Diabatic network {} ({} states{})",
            path.file_name()
                .map_or(String::new(), |s| s.to_string_lossy().into_owned()),
            net.n_states(),
            if net.n_dims() > 1 {
                ", cut along x₁ through the input centre"
            } else {
                ""
            }
        ),
        n_states: net.n_states(),
        x: geometries.iter().map(|r| r[0]).collect(),
        learned,
        analytic,
    })
}

/// Adiabatic energies, couplings along the first coordinate (signs continued from
/// geometry to geometry) and diabatic elements of `model` at `geometries`.
fn curves(model: &dyn DiabaticModel, geometries: &[Vec<f64>]) -> Result<DiabaticCurves> {
    let n = model.n_states();
    let mut out = DiabaticCurves::default();
    let mut previous = None;
    for r in geometries {
        let a = adiabatic(model, r, previous.as_ref());
        if a.energies.iter().any(|e| !e.is_finite()) {
            return Err(Error::Numerical(format!(
                "the diabatic model gives non-finite energies at {r:?}"
            )));
        }
        let v = model.potential(r);
        out.energies.push(a.energies.clone());
        out.couplings.push(
            (0..n)
                .flat_map(|i| ((i + 1)..n).map(move |j| (i, j)))
                .map(|(i, j)| a.couplings[0][(i, j)])
                .collect(),
        );
        out.diabatic.push(
            (0..n)
                .flat_map(|i| (i..n).map(move |j| (i, j)))
                .map(|(i, j)| v[(i, j)])
                .collect(),
        );
        previous = Some(a.vectors);
    }
    Ok(out)
}

/// Flips each of the reference's coupling curves `d_ij` where that makes it overlap the
/// learned one positively. The sign of an eigenvector at the first geometry is a free
/// choice, so `d_ij` of two models can only be compared up to one sign per pair.
fn align_coupling_signs(learned: &DiabaticCurves, reference: &mut DiabaticCurves) {
    let pairs = learned.couplings.first().map_or(0, Vec::len);
    for p in 0..pairs {
        let overlap: f64 = learned
            .couplings
            .iter()
            .zip(&reference.couplings)
            .map(|(a, b)| a[p] * b[p])
            .sum();
        if overlap < 0.0 {
            reference
                .couplings
                .iter_mut()
                .for_each(|row| row[p] = -row[p]);
        }
    }
}
