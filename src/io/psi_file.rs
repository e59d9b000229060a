//! Reading a sampled initial state `ψ(x, 0)` on a uniform 1-D grid from a file:
//!
//! - CSV (`.csv`, `.txt`, `.dat`): one point per line, `x, Re ψ, Im ψ` (or `x, Re ψ`
//!   for a real state), separated by commas or white space; blank lines, `#` comments
//!   and one header line are skipped.
//! - HDF5 (`.h5`, `.hdf5`): datasets `x` (float) and either `psi` (complex, as h5py
//!   writes `complex128`) or `psi_real` and `psi_imag` (floats), at the root.
//!
//! The points must be uniformly spaced and increasing (to `10⁻⁶` of the spacing).

use super::h5::{self, Data};
use crate::error::{Error, Result};
use crate::schrodinger::SampledState;
use num_complex::Complex64;
use std::path::Path;

const KEY: &str = "initial.file";

fn invalid(path: &Path, message: impl std::fmt::Display) -> Error {
    Error::invalid(KEY, format!("{}: {message}", path.display()))
}

/// Reads `path` (CSV or HDF5, by extension) into a sampled state.
pub fn read_sampled_state(path: &Path) -> Result<SampledState> {
    if !path.exists() {
        return Err(invalid(
            path,
            "no such file; give the path of a CSV or HDF5 file with x and ψ(x, 0)",
        ));
    }
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let (x, psi) = match extension.as_str() {
        "h5" | "hdf5" => read_h5(path)?,
        _ => read_csv(path)?,
    };
    uniform_grid(path, &x, psi)
}

fn read_csv(path: &Path) -> Result<(Vec<f64>, Vec<Complex64>)> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let (mut x, mut psi) = (Vec::new(), Vec::new());
    let mut header_seen = false;
    let mut columns: Option<usize> = None;
    for (number, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let fields: Vec<&str> = line
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|f| !f.is_empty())
            .collect();
        let numbers: std::result::Result<Vec<f64>, _> =
            fields.iter().map(|f| f.parse::<f64>()).collect();
        match numbers {
            Ok(v) if (v.len() == 2 || v.len() == 3) && columns.is_none_or(|c| c == v.len()) => {
                columns = Some(v.len());
                x.push(v[0]);
                psi.push(Complex64::new(v[1], v.get(2).copied().unwrap_or(0.0)));
            }
            Ok(v) => {
                return Err(invalid(
                    path,
                    format!(
                        "line {}: {} columns{}; write x, Re ψ, Im ψ (or x, Re ψ) on every line",
                        number + 1,
                        v.len(),
                        columns
                            .map(|c| format!(" after lines of {c}"))
                            .unwrap_or_default()
                    ),
                ))
            }
            Err(_) if !header_seen && x.is_empty() => header_seen = true,
            Err(_) => {
                return Err(invalid(
                    path,
                    format!(
                        "line {}: '{line}' is not numbers; write x, Re ψ, Im ψ",
                        number + 1
                    ),
                ))
            }
        }
    }
    Ok((x, psi))
}

fn read_h5(path: &Path) -> Result<(Vec<f64>, Vec<Complex64>)> {
    let root = h5::read(path).map_err(|e| match e {
        Error::Invalid { message, .. } => invalid(path, message),
        other => other,
    })?;
    let floats = |name: &str| -> Result<Option<Vec<f64>>> {
        match root.datasets.get(name).map(|d| &d.data) {
            None => Ok(None),
            Some(Data::Float(v)) => Ok(Some(v.clone())),
            Some(Data::Int(v)) => Ok(Some(v.iter().map(|&i| i as f64).collect())),
            Some(_) => Err(invalid(
                path,
                format!("dataset '{name}' is not real numbers"),
            )),
        }
    };
    let x = floats("x")?.ok_or_else(|| invalid(path, "no dataset 'x' (the grid) at the root"))?;
    let psi = match root.datasets.get("psi").map(|d| &d.data) {
        Some(Data::Complex(v)) => v.clone(),
        Some(Data::Float(v)) => v.iter().map(|&r| Complex64::new(r, 0.0)).collect(),
        Some(_) => return Err(invalid(path, "dataset 'psi' is neither complex nor real")),
        None => match (floats("psi_real")?, floats("psi_imag")?) {
            (Some(re), Some(im)) if re.len() == im.len() => re
                .iter()
                .zip(&im)
                .map(|(&r, &i)| Complex64::new(r, i))
                .collect(),
            (Some(_), Some(_)) => {
                return Err(invalid(path, "psi_real and psi_imag differ in length"))
            }
            _ => {
                return Err(invalid(
                    path,
                    "no dataset 'psi' (complex) nor 'psi_real' and 'psi_imag' at the root",
                ))
            }
        },
    };
    Ok((x, psi))
}

fn uniform_grid(path: &Path, x: &[f64], psi: Vec<Complex64>) -> Result<SampledState> {
    if x.len() != psi.len() {
        return Err(invalid(
            path,
            format!("{} grid points but {} values of ψ", x.len(), psi.len()),
        ));
    }
    if x.len() < 8 {
        return Err(invalid(
            path,
            format!("{} points; give ψ(x, 0) on at least 8", x.len()),
        ));
    }
    let spacing = (x[x.len() - 1] - x[0]) / (x.len() - 1) as f64;
    if !(spacing > 0.0 && spacing.is_finite()) {
        return Err(invalid(path, "x must increase"));
    }
    if let Some(j) = x
        .iter()
        .enumerate()
        .position(|(j, &xj)| (xj - (x[0] + spacing * j as f64)).abs() > 1e-6 * spacing)
    {
        return Err(invalid(
            path,
            format!(
                "x is not uniformly spaced: point {j} is {} where the spacing {spacing} puts {}",
                x[j],
                x[0] + spacing * j as f64
            ),
        ));
    }
    SampledState::new(x[0], spacing, psi).map_err(|e| match e {
        Error::Invalid { message, .. } => invalid(path, message),
        other => other,
    })
}
