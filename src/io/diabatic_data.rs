//! Reading and writing reference data for fitting a diabatic model
//! ([`DiabaticData`]): `P` geometries with `n ≥ 2` adiabatic energies each and,
//! optionally, energy gradients and nonadiabatic couplings, in atomic units (bohr,
//! hartree, hartree/bohr, 1/bohr). The format follows the extension: `.h5` or `.hdf5`
//! (any case) is HDF5, anything else is CSV.
//!
//! # HDF5
//!
//! Datasets at the root, row-major, one row per geometry:
//!
//! | dataset      | shape          | content                                          |
//! |--------------|----------------|--------------------------------------------------|
//! | `geometries` | `[P, d]`       | nuclear coordinates; `[P]` means `d = 1`         |
//! | `energies`   | `[P, n]`       | adiabatic energies, ascending in each row, `n ≥ 2` |
//! | `gradients`  | `[P, n, d]`    | optional: `∂Eᵢ/∂R_k`                             |
//! | `couplings`  | `[P, n, n, d]` | optional: `d_ij,k`, antisymmetric in `(i, j)`    |
//!
//! Values are float64; integer datasets are accepted and converted to float64, any
//! other type (complex, bytes) is an error. Other datasets, groups and attributes are
//! ignored. The writer stores `geometries` as `[P, d]` (also for `d = 1`), sets the
//! root attribute `kind = "diabatic-data"` (not required when reading) and a `units`
//! attribute on each dataset, and writes atomically (a temporary file renamed over
//! the destination). With h5py:
//!
//! ```python
//! with h5py.File("data.h5", "w") as f:
//!     f["geometries"] = R          # (P, d)
//!     f["energies"] = E            # (P, n)
//!     f["gradients"] = G           # (P, n, d), optional
//!     f["couplings"] = D           # (P, n, n, d), optional
//! ```
//!
//! # CSV
//!
//! One header line naming the columns, then one line per geometry. Fields are
//! separated by commas, or by white space on lines without a comma; `#` starts a
//! comment and blank lines are skipped. Column names (indices 1-based, no leading
//! zeros), in any order:
//!
//! - `x1` … `xd`: the geometry (contiguous from `x1`; `d` is the largest index);
//! - `E1` … `En`: the energies (contiguous from `E1`, `n ≥ 2`);
//! - `g{i}_{k}`: optional gradient `∂Eᵢ/∂R_k`; if any is given, all `n·d` must be;
//! - `d{i}_{j}_{k}`: optional coupling `d_ij,k` for `i < j` only (the reader sets
//!   `d_ji,k = −d_ij,k` and zero diagonals); if any is given, all `n(n−1)/2·d` must be.
//!
//! For example, two states in one dimension with gradients and couplings:
//!
//! ```text
//! x1, E1, E2, g1_1, g2_1, d1_2_1
//! -1.0, -0.0098, 0.0098, 0.0004, -0.0004, -0.19
//! ```
//!
//! Every field must be a finite number. The writer puts the columns in the order
//! `x…, E…, g…, d…` and the numbers in Rust's shortest form that reads back to the
//! same float64, so a file written and read again gives identical data. Since the
//! CSV holds only `d_ij` for `i < j`, it refuses couplings that are not exactly
//! antisymmetric with zero diagonals (HDF5 keeps the full array).

use super::h5::{self, Attr, Data, Group};
use crate::error::{Error, Result};
use crate::nonadiabatic::DiabaticData;
use std::io::Write;
use std::path::Path;

const KEY: &str = "data.file";

const COLUMN_PATTERNS: &str = "columns are x1..xd (geometry), E1..En (energies), \
     g{i}_{k} (gradient of state i along coordinate k) and d{i}_{j}_{k} with i < j \
     (coupling of states i and j along coordinate k), indices from 1";

fn invalid(path: &Path, message: impl std::fmt::Display) -> Error {
    Error::invalid(KEY, format!("{}: {message}", path.display()))
}

/// Re-keys an [`Error::Invalid`] (from [`DiabaticData::new`] or the HDF5 layer) to
/// this file.
fn in_file(path: &Path) -> impl Fn(Error) -> Error + '_ {
    move |e| match e {
        Error::Invalid { message, .. } => invalid(path, message),
        other => other,
    }
}

fn is_hdf5(path: &Path) -> bool {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    matches!(extension.as_str(), "h5" | "hdf5")
}

/// Reads reference data from `path`: HDF5 (`.h5`, `.hdf5`) or CSV (anything else),
/// in the layouts described in the [module documentation](self). The data are checked
/// by [`DiabaticData::new`] (one row per geometry, finite values, ascending energies).
pub fn read_diabatic_data(path: &Path) -> Result<DiabaticData> {
    if !path.exists() {
        return Err(invalid(
            path,
            "no such file; give the path of an HDF5 or CSV file with geometries and energies",
        ));
    }
    if is_hdf5(path) {
        read_h5(path)
    } else {
        read_csv(path)
    }
}

/// Writes `data` to `path` in the format chosen by the extension (HDF5 for `.h5` and
/// `.hdf5`, CSV otherwise), through a temporary file renamed over `path`, so that a
/// reader never sees a partial file. Data that [`DiabaticData::new`] would reject are
/// refused, so that every written file reads back.
pub fn write_diabatic_data(path: &Path, data: &DiabaticData) -> Result<()> {
    let data = DiabaticData::new(
        KEY,
        data.n_states,
        data.n_dims,
        data.geometries.clone(),
        data.energies.clone(),
        data.gradients.clone(),
        data.couplings.clone(),
    )
    .map_err(in_file(path))?;
    if is_hdf5(path) {
        h5::write_atomic(path, &to_group(&data), false)
    } else {
        let text = to_csv(path, &data)?;
        write_text_atomic(path, &text)
    }
}

// ---------------------------------------------------------------- HDF5

fn to_group(data: &DiabaticData) -> Group {
    let (p, n, d) = (data.len(), data.n_states, data.n_dims);
    let mut root = Group::default();
    root.set_attr("kind", Attr::Text("diabatic-data".into()));
    let mut put = |name: &str, values: &[f64], shape: Vec<usize>, units: &str| {
        root.set_array(name, Data::Float(values.to_vec()), shape);
        if let Some(ds) = root.datasets.get_mut(name) {
            ds.attrs.insert("units".into(), Attr::Text(units.into()));
        }
    };
    put("geometries", &data.geometries, vec![p, d], "bohr");
    put("energies", &data.energies, vec![p, n], "hartree");
    if let Some(g) = &data.gradients {
        put("gradients", g, vec![p, n, d], "hartree/bohr");
    }
    if let Some(c) = &data.couplings {
        put("couplings", c, vec![p, n, n, d], "1/bohr");
    }
    root
}

fn read_h5(path: &Path) -> Result<DiabaticData> {
    let root = h5::read(path).map_err(|e| match e {
        Error::Invalid { message, .. } => invalid(
            path,
            format!("{message}; give an HDF5 file (as h5py writes) or a CSV file"),
        ),
        other => other,
    })?;
    let dataset = |name: &str| -> Result<Option<(Vec<f64>, &[usize])>> {
        let Some(ds) = root.datasets.get(name) else {
            return Ok(None);
        };
        let values = ds.data.to_f64().ok_or_else(|| {
            invalid(
                path,
                format!("dataset '{name}' is complex; store it as float64"),
            )
        })?;
        Ok(Some((values, ds.shape.as_slice())))
    };
    let (geometries, g_shape) = dataset("geometries")?.ok_or_else(|| {
        invalid(
            path,
            "no dataset 'geometries' at the root; store the geometries there as a \
             float64 array of shape [P, d] (or [P] for one coordinate)",
        )
    })?;
    let (points, n_dims) = match *g_shape {
        [p] => (p, 1),
        [p, d] => (p, d),
        _ => {
            return Err(invalid(
                path,
                format!(
                    "geometries has shape {g_shape:?}; store it as [P, d] (or [P] for one \
                     coordinate)"
                ),
            ))
        }
    };
    let (energies, e_shape) = dataset("energies")?.ok_or_else(|| {
        invalid(
            path,
            "no dataset 'energies' at the root; store the adiabatic energies there as a \
             float64 array of shape [P, n]",
        )
    })?;
    let rows = |name: &str, shape: &[usize]| -> Result<()> {
        match shape.first() {
            Some(&rows) if rows == points => Ok(()),
            rows => Err(invalid(
                path,
                format!(
                    "{name} has {} rows but geometries has {points}; every dataset needs one \
                     row per geometry",
                    rows.copied().unwrap_or(0)
                ),
            )),
        }
    };
    rows("energies", e_shape)?;
    let n_states = match *e_shape {
        [_, n] => n,
        [_] => {
            return Err(invalid(
                path,
                format!(
                    "energies has shape {e_shape:?}: one energy per geometry, but a diabatic \
                     model needs at least 2 states; store the energies as [P, n] with n ≥ 2"
                ),
            ))
        }
        _ => {
            return Err(invalid(
                path,
                format!("energies has shape {e_shape:?}; store it as [P, n]"),
            ))
        }
    };
    let optional = |name: &str, expected: Vec<usize>| -> Result<Option<Vec<f64>>> {
        let Some((values, shape)) = dataset(name)? else {
            return Ok(None);
        };
        rows(name, shape)?;
        if shape != expected.as_slice() {
            return Err(invalid(
                path,
                format!(
                    "{name} has shape {shape:?} but {points} geometries with {n_states} states \
                     in {n_dims} dimension(s) need {expected:?}; store {name} as {}",
                    if expected.len() == 3 {
                        "[P, n, d] (∂Eᵢ/∂R_k)"
                    } else {
                        "[P, n, n, d] (d_ij,k)"
                    }
                ),
            ));
        }
        Ok(Some(values))
    };
    let gradients = optional("gradients", vec![points, n_states, n_dims])?;
    let couplings = optional("couplings", vec![points, n_states, n_states, n_dims])?;
    DiabaticData::new(
        KEY, n_states, n_dims, geometries, energies, gradients, couplings,
    )
    .map_err(in_file(path))
}

// ---------------------------------------------------------------- CSV

/// What a CSV column holds (indices 0-based).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Column {
    Geometry(usize),
    Energy(usize),
    Gradient(usize, usize),
    Coupling(usize, usize, usize),
}

impl Column {
    fn name(self) -> String {
        match self {
            Column::Geometry(k) => format!("x{}", k + 1),
            Column::Energy(i) => format!("E{}", i + 1),
            Column::Gradient(i, k) => format!("g{}_{}", i + 1, k + 1),
            Column::Coupling(i, j, k) => format!("d{}_{}_{}", i + 1, j + 1, k + 1),
        }
    }
}

/// A 1-based index written without sign or leading zeros, as 0-based.
fn index(text: &str) -> Option<usize> {
    if text.is_empty() || text.starts_with('0') || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse::<usize>().ok().map(|i| i - 1)
}

/// `count` 1-based indices separated by `_`.
fn indices(text: &str, count: usize) -> Option<Vec<usize>> {
    let parts: Vec<Option<usize>> = text.split('_').map(index).collect();
    if parts.len() != count {
        return None;
    }
    parts.into_iter().collect()
}

fn parse_column(path: &Path, name: &str) -> Result<Column> {
    let unknown = || invalid(path, format!("unknown column '{name}'; {COLUMN_PATTERNS}"));
    let Some(first) = name.chars().next() else {
        return Err(invalid(
            path,
            format!("the header has an empty column name; {COLUMN_PATTERNS}"),
        ));
    };
    let rest = &name[first.len_utf8()..];
    let column = match (first, indices(rest, first_count(first))) {
        ('x', Some(v)) => Column::Geometry(v[0]),
        ('E', Some(v)) => Column::Energy(v[0]),
        ('g', Some(v)) => Column::Gradient(v[0], v[1]),
        ('d', Some(v)) => Column::Coupling(v[0], v[1], v[2]),
        _ => return Err(unknown()),
    };
    if let Column::Coupling(i, j, k) = column {
        if i == j {
            return Err(invalid(
                path,
                format!(
                    "column '{name}': diagonal couplings are zero and not given; remove it \
                     (couplings are d{{i}}_{{j}}_{{k}} with i < j)"
                ),
            ));
        }
        if i > j {
            return Err(invalid(
                path,
                format!(
                    "column '{name}': couplings are given for i < j only (d_ji = −d_ij); \
                     write it as d{}_{}_{} with the sign flipped",
                    j + 1,
                    i + 1,
                    k + 1
                ),
            ));
        }
    }
    Ok(column)
}

/// How many indices follow a column's letter.
fn first_count(letter: char) -> usize {
    match letter {
        'g' => 2,
        'd' => 3,
        _ => 1,
    }
}

/// The fields of a (comment-free, trimmed, non-empty) line: split at commas if it has
/// any, else at white space.
fn fields(line: &str) -> Vec<&str> {
    if line.contains(',') {
        line.split(',').map(str::trim).collect()
    } else {
        line.split_whitespace().collect()
    }
}

/// Checks that `present` holds all of `expected` when it holds any of them.
fn all_or_none(
    path: &Path,
    what: &str,
    pattern: &str,
    present: &[Column],
    expected: &[Column],
) -> Result<()> {
    if present.is_empty() {
        return Ok(());
    }
    let missing: Vec<String> = expected
        .iter()
        .filter(|c| !present.contains(c))
        .map(|c| c.name())
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let shown = if missing.len() > 6 {
        format!("{}, … ({} in all)", missing[..6].join(", "), missing.len())
    } else {
        missing.join(", ")
    };
    Err(invalid(
        path,
        format!(
            "{what} are given for some states or coordinates only: missing {shown}; give \
             all {} columns {pattern}, or none",
            expected.len()
        ),
    ))
}

fn read_csv(path: &Path) -> Result<DiabaticData> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut lines = text.lines().enumerate().filter_map(|(number, line)| {
        let line = line.split('#').next().unwrap_or("").trim();
        (!line.is_empty()).then_some((number + 1, line))
    });
    let Some((header_line, header)) = lines.next() else {
        return Err(invalid(
            path,
            "no header line; start the file with column names such as x1, E1, E2, then \
             one line per geometry",
        ));
    };
    let names: Vec<&str> = fields(header)
        .into_iter()
        .map(|f| f.trim_matches('"'))
        .collect();
    if names.iter().all(|f| f.parse::<f64>().is_ok()) {
        return Err(invalid(
            path,
            format!(
                "line {header_line} holds numbers, not column names; start the file with \
                 a header line such as x1, E1, E2"
            ),
        ));
    }
    let mut columns = Vec::with_capacity(names.len());
    for (c, name) in names.iter().enumerate() {
        let column = parse_column(path, name)?;
        if let Some(before) = columns.iter().position(|&b| b == column) {
            return Err(invalid(
                path,
                format!(
                    "column '{name}' appears twice (columns {} and {}); keep one",
                    before + 1,
                    c + 1
                ),
            ));
        }
        columns.push(column);
    }

    // Dimensions from the header: x1..xd and E1..En, contiguous from 1.
    let mut sorted = columns.clone();
    sorted.sort();
    let contiguous = |kind: &str, found: Vec<usize>| -> Result<usize> {
        let count = found.len();
        if let Some(gap) = (0..count).find(|i| !found.contains(i)) {
            return Err(invalid(
                path,
                format!(
                    "{kind}{} is missing but {kind}{} is given; the columns {kind}1..{kind}{} \
                     must all be there",
                    gap + 1,
                    found.iter().max().map_or(0, |m| m + 1),
                    found.iter().max().map_or(0, |m| m + 1),
                ),
            ));
        }
        Ok(count)
    };
    let xs = sorted
        .iter()
        .filter_map(|c| match c {
            Column::Geometry(k) => Some(*k),
            _ => None,
        })
        .collect();
    let es = sorted
        .iter()
        .filter_map(|c| match c {
            Column::Energy(i) => Some(*i),
            _ => None,
        })
        .collect();
    let d = contiguous("x", xs)?;
    let n = contiguous("E", es)?;
    if d == 0 {
        return Err(invalid(
            path,
            format!("no geometry columns; name them x1..xd in the header; {COLUMN_PATTERNS}"),
        ));
    }
    if n < 2 {
        return Err(invalid(
            path,
            format!(
                "{n} energy column(s); a diabatic model needs at least 2 states: name them \
                 E1..En (n ≥ 2) in the header"
            ),
        ));
    }
    for (c, &column) in columns.iter().enumerate() {
        let (states, coordinate) = match column {
            Column::Gradient(i, k) => (vec![i], k),
            Column::Coupling(i, j, k) => (vec![i, j], k),
            _ => continue,
        };
        if let Some(&i) = states.iter().find(|&&i| i >= n) {
            return Err(invalid(
                path,
                format!(
                    "column '{}' names state {} but the energies are E1..E{n}",
                    names[c],
                    i + 1
                ),
            ));
        }
        if coordinate >= d {
            return Err(invalid(
                path,
                format!(
                    "column '{}' names coordinate {} but the geometry is x1..x{d}",
                    names[c],
                    coordinate + 1
                ),
            ));
        }
    }
    let gradient_columns: Vec<Column> = columns
        .iter()
        .copied()
        .filter(|c| matches!(c, Column::Gradient(..)))
        .collect();
    let coupling_columns: Vec<Column> = columns
        .iter()
        .copied()
        .filter(|c| matches!(c, Column::Coupling(..)))
        .collect();
    let all_gradients: Vec<Column> = (0..n)
        .flat_map(|i| (0..d).map(move |k| Column::Gradient(i, k)))
        .collect();
    let all_couplings: Vec<Column> = (0..n)
        .flat_map(|i| (i + 1..n).flat_map(move |j| (0..d).map(move |k| Column::Coupling(i, j, k))))
        .collect();
    all_or_none(
        path,
        "gradients",
        "g{i}_{k} (i = 1..n, k = 1..d)",
        &gradient_columns,
        &all_gradients,
    )?;
    all_or_none(
        path,
        "couplings",
        "d{i}_{j}_{k} (1 ≤ i < j ≤ n, k = 1..d)",
        &coupling_columns,
        &all_couplings,
    )?;
    let has_gradients = !gradient_columns.is_empty();
    let has_couplings = !coupling_columns.is_empty();

    let mut geometries = Vec::new();
    let mut energies = Vec::new();
    let mut gradients = Vec::new();
    let mut couplings = Vec::new();
    for (number, line) in lines {
        let values = fields(line);
        if values.len() != columns.len() {
            return Err(invalid(
                path,
                format!(
                    "line {number} has {} fields but the header names {} columns; give one \
                     value per column on every line",
                    values.len(),
                    columns.len()
                ),
            ));
        }
        let row = geometries.len() / d;
        geometries.resize((row + 1) * d, 0.0);
        energies.resize((row + 1) * n, 0.0);
        if has_gradients {
            gradients.resize((row + 1) * n * d, 0.0);
        }
        if has_couplings {
            couplings.resize((row + 1) * n * n * d, 0.0);
        }
        for (c, (&column, field)) in columns.iter().zip(&values).enumerate() {
            let value: f64 = field.parse().map_err(|_| {
                invalid(
                    path,
                    format!(
                        "line {number}, column {} ({}): '{field}' is not a number; write a \
                         number in every field",
                        c + 1,
                        names[c]
                    ),
                )
            })?;
            if !value.is_finite() {
                return Err(invalid(
                    path,
                    format!(
                        "line {number}, column {} ({}) is {value}; every value must be finite: \
                         remove or fix that point",
                        c + 1,
                        names[c]
                    ),
                ));
            }
            match column {
                Column::Geometry(k) => geometries[row * d + k] = value,
                Column::Energy(i) => energies[row * n + i] = value,
                Column::Gradient(i, k) => gradients[(row * n + i) * d + k] = value,
                Column::Coupling(i, j, k) => {
                    couplings[((row * n + i) * n + j) * d + k] = value;
                    couplings[((row * n + j) * n + i) * d + k] = -value;
                }
            }
        }
    }
    if geometries.is_empty() {
        return Err(invalid(
            path,
            "no data after the header; give one line per geometry",
        ));
    }
    DiabaticData::new(
        KEY,
        n,
        d,
        geometries,
        energies,
        has_gradients.then_some(gradients),
        has_couplings.then_some(couplings),
    )
    .map_err(in_file(path))
}

/// `value` in Rust's shortest round-trip form, in exponent notation when plain
/// notation would be long.
fn number(value: f64) -> String {
    let magnitude = value.abs();
    if magnitude == 0.0 || (1e-4..1e16).contains(&magnitude) {
        format!("{value}")
    } else {
        format!("{value:e}")
    }
}

fn to_csv(path: &Path, data: &DiabaticData) -> Result<String> {
    let (n, d) = (data.n_states, data.n_dims);
    let mut columns: Vec<Column> = (0..d).map(Column::Geometry).collect();
    columns.extend((0..n).map(Column::Energy));
    if data.gradients.is_some() {
        columns.extend((0..n).flat_map(|i| (0..d).map(move |k| Column::Gradient(i, k))));
    }
    if let Some(c) = &data.couplings {
        for p in 0..data.len() {
            for i in 0..n {
                for j in i..n {
                    for k in 0..d {
                        let upper = c[((p * n + i) * n + j) * d + k];
                        let lower = c[((p * n + j) * n + i) * d + k];
                        if lower != -upper || (i == j && upper != 0.0) {
                            return Err(invalid(
                                path,
                                format!(
                                    "the couplings of geometry {p} are not antisymmetric \
                                     (d{}_{}_{k1} = {upper}, d{}_{}_{k1} = {lower}) and CSV \
                                     stores d_ij for i < j only; write HDF5 (.h5) to keep \
                                     the full array",
                                    i + 1,
                                    j + 1,
                                    j + 1,
                                    i + 1,
                                    k1 = k + 1
                                ),
                            ));
                        }
                    }
                }
            }
        }
        columns.extend((0..n).flat_map(|i| {
            (i + 1..n).flat_map(move |j| (0..d).map(move |k| Column::Coupling(i, j, k)))
        }));
    }
    let mut out = columns
        .iter()
        .map(|c| c.name())
        .collect::<Vec<_>>()
        .join(",");
    out.push('\n');
    for p in 0..data.len() {
        let line: Vec<String> = columns
            .iter()
            .map(|&column| {
                number(match column {
                    Column::Geometry(k) => data.geometries[p * d + k],
                    Column::Energy(i) => data.energies[p * n + i],
                    Column::Gradient(i, k) => {
                        data.gradients.as_ref().expect("gradients")[(p * n + i) * d + k]
                    }
                    Column::Coupling(i, j, k) => {
                        data.couplings.as_ref().expect("couplings")[((p * n + i) * n + j) * d + k]
                    }
                })
            })
            .collect();
        out.push_str(&line.join(","));
        out.push('\n');
    }
    Ok(out)
}

/// Writes `text` to a temporary file next to `path` and renames it over `path`.
fn write_text_atomic(path: &Path, text: &str) -> Result<()> {
    let tmp = h5::temporary_path(path);
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(text.as_bytes())?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_names_parse_and_print_back() {
        let p = Path::new("t.csv");
        for name in ["x1", "x12", "E2", "g1_3", "d1_2_1", "d3_10_2"] {
            assert_eq!(parse_column(p, name).unwrap().name(), name);
        }
        for name in ["x0", "x01", "x", "E+1", "g1", "g1_2_3", "d1_2", "y1", "e1"] {
            let err = parse_column(p, name).unwrap_err().to_string();
            assert!(
                err.contains("unknown column") && err.contains("x1..xd"),
                "{err}"
            );
        }
        let err = parse_column(p, "d2_1_1").unwrap_err().to_string();
        assert!(err.contains("d1_2_1") && err.contains("i < j"), "{err}");
        let err = parse_column(p, "d1_1_1").unwrap_err().to_string();
        assert!(err.contains("diagonal"), "{err}");
    }

    #[test]
    fn numbers_are_written_in_shortest_round_trip_form() {
        for v in [
            0.0, -0.0, 1.0, 0.1, -2.5e-300, 1e300, 5e-324, 123456.789, 1e-4, 9.99e-5,
        ] {
            let s = number(v);
            assert_eq!(s.parse::<f64>().unwrap().to_bits(), v.to_bits(), "{s}");
            assert!(s.len() < 30, "{s}");
        }
        assert_eq!(number(0.25), "0.25");
        assert_eq!(number(1e-7), "1e-7");
    }

    #[test]
    fn fields_split_at_commas_or_white_space() {
        assert_eq!(fields("1, 2,3"), ["1", "2", "3"]);
        assert_eq!(fields("1 \t2  3"), ["1", "2", "3"]);
        assert_eq!(fields("1,,3"), ["1", "", "3"]);
    }
}
