//! TOML decks: one file describes one physical problem.
//!
//! ```toml
//! seed = 1234                     # optional, seeds every random choice
//!
//! [system]
//! lattice = "chain"               # chain | square | edges
//! size = 20                       # chain: N; square: [Lx, Ly] or N (N x N); edges: N
//! boundary = "periodic"           # periodic | open
//! total_sz = 0                    # a number (multiple of 1/2), "all", or "auto" (default)
//! # edges = [[0, 1], [1, 2]]      # lattice = "edges" only
//! # next_nearest = [[0, 2]]       # lattice = "edges" only
//!
//! [hamiltonian]
//! model = "tfim"                  # tfim | heisenberg | xxz | j1j2 | pauli
//! J = 1.0
//! h = 1.0
//!
//! [exact]
//! n_states = 1
//! method = "auto"                 # auto | lanczos | dense | lean (lowest level, 3 vectors)
//! sectors = "auto"                # none | auto | all | "k=0,p=1,z=1" (chains)
//! correlations = false            # <σᶻ₀σᶻ_r> in the ground state (with sectors)
//! # store_connections = true      # sectors: keep each connection's target (default: if it fits)
//! ```
//!
//! A deck is read into a TOML table, `--set section.key=value` overrides are applied,
//! and each section is then checked: unknown keys, keys that do not belong to the
//! chosen model, and out-of-range values are errors naming the key and what is allowed.

use super::ground_state::ground_state_spec;
use crate::error::{Error, Result};
use crate::exact::{ExactOptions, LanczosOptions, Method, Sector, SectorChoice};
use crate::hilbert::SpinHilbert;
use crate::lattice::{Boundary, Lattice};
use crate::operator::{Hamiltonian, PauliString};
use crate::vmc::GroundStateSpec;
use serde::Deserialize;
use std::path::Path;
use toml::{Table, Value};

/// Sections a deck may contain.
const SECTIONS: &[&str] = &[
    "seed",
    "system",
    "hamiltonian",
    "exact",
    "ansatz",
    "sampler",
    "optimizer",
    "vmc",
    "output",
];

/// Seed used when a deck gives none.
pub const DEFAULT_SEED: u64 = 1234;

/// A deck after parsing and overrides, before validation.
#[derive(Clone, Debug, Default)]
pub struct Deck {
    /// Where it came from (for messages).
    pub origin: String,
    /// The raw table (kept for provenance in output files).
    pub table: Table,
}

impl Deck {
    /// Reads and parses a deck file.
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_str(&text, &path.display().to_string())
    }

    /// Parses deck text; `origin` names it in messages.
    pub fn from_str(text: &str, origin: &str) -> Result<Self> {
        let table: Table = toml::from_str(text).map_err(|e| Error::Deck {
            path: match e.span() {
                Some(span) => {
                    let (line, col) = line_col(text, span.start);
                    format!("{origin}:{line}:{col}")
                }
                None => origin.to_string(),
            },
            message: e.message().trim().replace('\n', "; "),
        })?;
        Ok(Self {
            origin: origin.to_string(),
            table,
        })
    }

    /// An empty deck (everything from flags).
    pub fn empty() -> Self {
        Self {
            origin: "command line".into(),
            table: Table::new(),
        }
    }

    /// Sets `path` (e.g. `system.size`) to `value`, written in TOML syntax
    /// (`[4, 4]`, `0.5`, `"chain"`); a bare word is taken as a string.
    pub fn set(&mut self, path: &str, value: &str) -> Result<()> {
        let parsed = parse_value(value);
        let keys: Vec<&str> = path.split('.').collect();
        if keys.iter().any(|k| k.is_empty()) {
            return Err(Error::invalid(
                "--set",
                format!("'{path}' is not a key path; write section.key=value, e.g. system.size=20"),
            ));
        }
        let mut table = &mut self.table;
        for k in &keys[..keys.len() - 1] {
            let entry = table
                .entry(k.to_string())
                .or_insert_with(|| Value::Table(Table::new()));
            table = entry.as_table_mut().ok_or_else(|| {
                Error::invalid(
                    "--set",
                    format!("'{k}' in '{path}' is a value, not a section"),
                )
            })?;
        }
        table.insert(keys[keys.len() - 1].to_string(), parsed);
        Ok(())
    }

    /// Applies a `key=value` override as given on the command line.
    pub fn set_assignment(&mut self, assignment: &str) -> Result<()> {
        let (path, value) = assignment.split_once('=').ok_or_else(|| {
            Error::invalid(
                "--set",
                format!(
                    "'{assignment}' has no '='; write section.key=value, e.g. hamiltonian.h=0.5"
                ),
            )
        })?;
        self.set(path.trim(), value.trim())
    }

    /// The deck as TOML text (with overrides applied).
    pub fn to_toml(&self) -> String {
        toml::to_string(&self.table).unwrap_or_default()
    }

    /// Validates the deck into a problem ready to solve.
    pub fn problem(&self) -> Result<Problem> {
        let seed = top_level(&self.table, SECTIONS, "")?;
        let system: SystemSection = section(&self.table, "system")?;
        let hamiltonian: HamiltonianSection = section(&self.table, "hamiltonian")?;
        let exact: ExactSection = section(&self.table, "exact")?;
        let lattice = system.lattice()?;
        let model = hamiltonian.model()?;
        let ham = hamiltonian.build(model, lattice)?;
        let space = system.space(&ham, model)?;
        let options = exact.options(seed, crate::exact::sector_lengths(ham.lattice()))?;
        let output: OutputSection = section(&self.table, "output")?;
        let ground_state = ground_state_spec(
            &section(&self.table, "ansatz")?,
            &section(&self.table, "sampler")?,
            &section(&self.table, "optimizer")?,
            &section(&self.table, "vmc")?,
            &space,
        )?;
        crate::vmc::check_ground_state(&ham, &space, &ground_state)?;
        crate::exact::check_sectors(&ham, &space, &options)?;
        Ok(Problem {
            hamiltonian: ham,
            space,
            exact: options,
            ground_state,
            seed,
            checkpoint_every: match output.checkpoint_every {
                None => None,
                Some(k) if k >= 1 => Some(k as usize),
                Some(k) => {
                    return Err(Error::invalid(
                        "output.checkpoint_every",
                        format!("{k} must be a positive number of iterations, e.g. 50"),
                    ))
                }
            },
            output: output.file.map(std::path::PathBuf::from),
        })
    }
}

/// A validated problem.
#[derive(Clone, Debug)]
pub struct Problem {
    /// The Hamiltonian on its lattice.
    pub hamiltonian: Hamiltonian,
    /// The Hilbert space (sector) to work in.
    pub space: SpinHilbert,
    /// Exact-diagonalization settings.
    pub exact: ExactOptions,
    /// Variational ground-state settings.
    pub ground_state: GroundStateSpec,
    /// Run seed.
    pub seed: u64,
    /// HDF5 file to write (`[output] file`), if any.
    pub output: Option<std::path::PathBuf>,
    /// Iterations between VMC checkpoints (`[output] checkpoint_every`), if any.
    pub checkpoint_every: Option<usize>,
}

/// Checks that every top-level key of `table` is in `allowed` (naming the kind of
/// deck, `what`, in the message), and returns the `seed` (default [`DEFAULT_SEED`]).
pub(crate) fn top_level(table: &Table, allowed: &[&str], what: &str) -> Result<u64> {
    if let Some(key) = table.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(Error::invalid(
            key.as_str(),
            format!(
                "unknown {what}deck section or key; allowed at the top level: {}",
                allowed.join(", ")
            ),
        ));
    }
    match table.get("seed") {
        None => Ok(DEFAULT_SEED),
        Some(Value::Integer(s)) if *s >= 0 => Ok(*s as u64),
        Some(v) => Err(Error::invalid(
            "seed",
            format!("{v} is not a non-negative integer"),
        )),
    }
}

pub(crate) fn section<T: for<'de> Deserialize<'de> + Default>(
    table: &Table,
    name: &str,
) -> Result<T> {
    match table.get(name) {
        None => Ok(T::default()),
        Some(Value::Table(t)) => {
            // Round-trip through text so that the error's span locates the key.
            let text = toml::to_string(t).unwrap_or_default();
            toml::from_str(&text).map_err(|e: toml::de::Error| {
                let key = e.span().and_then(|span| key_at(&text, span.start));
                let path = key.map_or_else(|| name.to_string(), |k| format!("{name}.{k}"));
                Error::invalid(path, e.message().trim().replace('\n', "; "))
            })
        }
        Some(_) => Err(Error::invalid(
            name,
            format!("must be a section [{name}], not a value"),
        )),
    }
}

/// The key assigned on the line containing `offset`, if that line is `key = ...`.
fn key_at(text: &str, offset: usize) -> Option<String> {
    let start = text[..offset.min(text.len())]
        .rfind('\n')
        .map_or(0, |p| p + 1);
    let line = text[start..].lines().next()?;
    let (key, _) = line.split_once('=')?;
    let key = key.trim().trim_matches('"');
    (!key.is_empty() && !key.starts_with('[')).then(|| key.to_string())
}

fn parse_value(text: &str) -> Value {
    let probe = format!("v = {text}");
    match toml::from_str::<Table>(&probe) {
        Ok(mut t) => t.remove("v").unwrap_or(Value::String(text.into())),
        Err(_) => Value::String(text.into()),
    }
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rfind('\n')
        .map_or(before.len(), |p| before.len() - p - 1)
        + 1;
    (line, col)
}

pub(crate) fn choice<'a>(key: &str, value: &'a str, allowed: &[&str]) -> Result<&'a str> {
    if allowed.contains(&value) {
        Ok(value)
    } else {
        Err(Error::invalid(
            key,
            format!(
                "'{value}' is not allowed; use one of: {}",
                allowed.join(", ")
            ),
        ))
    }
}

/// Rejects keys of `section` that are present (`given`) but not read (`allowed`) by the
/// variant chosen with `selector = value` (e.g. `model = "tfim"`).
pub(crate) fn reject_unread(
    section: &str,
    (selector, value): (&str, &str),
    given: &[(&str, bool)],
    allowed: &[&str],
) -> Result<()> {
    match given
        .iter()
        .find(|(key, present)| *present && !allowed.contains(key))
    {
        None => Ok(()),
        Some((key, _)) => {
            Err(Error::invalid(
                format!("{section}.{key}"),
                if allowed.is_empty() {
                    format!("does not apply to {selector} = \"{value}\", which reads none of these keys")
                } else {
                    format!(
                        "does not apply to {selector} = \"{value}\", which reads: {}",
                        allowed.join(", ")
                    )
                },
            ))
        }
    }
}

/// A non-negative integer setting, `default` when absent.
pub(crate) fn count(key: &str, v: Option<i64>, default: usize) -> Result<usize> {
    match v {
        None => Ok(default),
        Some(x) if x >= 0 => Ok(x as usize),
        Some(x) => Err(Error::invalid(key, format!("{x} must not be negative"))),
    }
}

/// `size = 20` or `size = [4, 4]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
enum Size {
    One(i64),
    Dims(Vec<i64>),
}

/// `total_sz = 0`, `0.5`, `"all"` or `"auto"`.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
enum TotalSz {
    Integer(i64),
    Number(f64),
    Word(String),
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SystemSection {
    lattice: Option<String>,
    size: Option<Size>,
    boundary: Option<String>,
    total_sz: Option<TotalSz>,
    edges: Option<Vec<[usize; 2]>>,
    next_nearest: Option<Vec<[usize; 2]>>,
}

fn positive(key: &str, v: i64) -> Result<usize> {
    if v <= 0 {
        Err(Error::invalid(
            key,
            format!("{v} is not a positive number of sites"),
        ))
    } else {
        Ok(v as usize)
    }
}

impl SystemSection {
    fn lattice(&self) -> Result<Lattice> {
        let kind = choice(
            "system.lattice",
            self.lattice.as_deref().unwrap_or("chain"),
            &["chain", "square", "edges"],
        )?;
        let boundary = match choice(
            "system.boundary",
            self.boundary.as_deref().unwrap_or("periodic"),
            &["periodic", "open"],
        )? {
            "open" => Boundary::Open,
            _ => Boundary::Periodic,
        };
        if kind != "edges" && (self.edges.is_some() || self.next_nearest.is_some()) {
            return Err(Error::invalid(
                "system.edges",
                "edges and next_nearest are only read with lattice = \"edges\"",
            ));
        }
        let size = self.size.as_ref().ok_or_else(|| {
            Error::invalid(
                "system.size",
                "missing; give the number of sites (size = 20) or the lengths (size = [4, 4])",
            )
        })?;
        match (kind, size) {
            ("chain", Size::One(n)) => Lattice::chain(positive("system.size", *n)?, boundary),
            ("chain", Size::Dims(d)) if d.len() == 1 => {
                Lattice::chain(positive("system.size", d[0])?, boundary)
            }
            ("chain", Size::Dims(_)) => Err(Error::invalid(
                "system.size",
                "a chain takes one length; for a 2D lattice set lattice = \"square\"",
            )),
            ("square", Size::One(l)) => {
                let l = positive("system.size", *l)?;
                Lattice::rectangular(l, l, boundary)
            }
            ("square", Size::Dims(d)) if d.len() == 2 => Lattice::rectangular(
                positive("system.size", d[0])?,
                positive("system.size", d[1])?,
                boundary,
            ),
            ("square", Size::Dims(d)) => Err(Error::invalid(
                "system.size",
                format!("a square lattice takes [Lx, Ly], got {} numbers", d.len()),
            )),
            (_, Size::One(n)) => {
                let n = positive("system.size", *n)?;
                let edges: Vec<(usize, usize)> = self
                    .edges
                    .as_ref()
                    .ok_or_else(|| {
                        Error::invalid(
                            "system.edges",
                            "missing; lattice = \"edges\" needs edges = [[0, 1], [1, 2], ...]",
                        )
                    })?
                    .iter()
                    .map(|e| (e[0], e[1]))
                    .collect();
                let nnn: Vec<(usize, usize)> = self
                    .next_nearest
                    .iter()
                    .flatten()
                    .map(|e| (e[0], e[1]))
                    .collect();
                Lattice::from_edges(n, &edges, &nnn)
            }
            (_, Size::Dims(_)) => Err(Error::invalid(
                "system.size",
                "an edge-list lattice takes the number of sites, e.g. size = 6",
            )),
        }
    }

    fn space(&self, ham: &Hamiltonian, model: ModelKind) -> Result<SpinHilbert> {
        let n = ham.n_sites();
        match &self.total_sz {
            None => auto_space(n, model),
            Some(TotalSz::Word(w)) => match choice("system.total_sz", w, &["all", "auto"])? {
                "all" => SpinHilbert::full(n),
                _ => auto_space(n, model),
            },
            Some(TotalSz::Integer(s)) => SpinHilbert::with_total_sz(n, *s as f64),
            Some(TotalSz::Number(s)) => SpinHilbert::with_total_sz(n, *s),
        }
    }
}

/// `"auto"`: the lowest-|Sz| sector for SU(2)-symmetric models (every multiplet has a
/// member there), the full space otherwise.
fn auto_space(n: usize, model: ModelKind) -> Result<SpinHilbert> {
    match model {
        ModelKind::Heisenberg | ModelKind::J1J2 => SpinHilbert::lowest_sz(n),
        _ => SpinHilbert::full(n),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ModelKind {
    Tfim,
    Heisenberg,
    Xxz,
    J1J2,
    Pauli,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TermSpec {
    coeff: f64,
    ops: String,
    sites: Vec<usize>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct HamiltonianSection {
    model: Option<String>,
    #[serde(rename = "J")]
    j: Option<f64>,
    h: Option<f64>,
    hz: Option<f64>,
    delta: Option<f64>,
    #[serde(rename = "J2")]
    j2: Option<f64>,
    marshall_sign: Option<bool>,
    terms: Option<Vec<TermSpec>>,
}

impl HamiltonianSection {
    fn model(&self) -> Result<ModelKind> {
        let name = self.model.as_deref().ok_or_else(|| {
            Error::invalid(
                "hamiltonian.model",
                "missing; use one of: tfim, heisenberg, xxz, j1j2, pauli",
            )
        })?;
        Ok(
            match choice(
                "hamiltonian.model",
                name,
                &["tfim", "heisenberg", "xxz", "j1j2", "pauli"],
            )? {
                "tfim" => ModelKind::Tfim,
                "heisenberg" => ModelKind::Heisenberg,
                "xxz" => ModelKind::Xxz,
                "j1j2" => ModelKind::J1J2,
                _ => ModelKind::Pauli,
            },
        )
    }

    /// Rejects keys that the model does not read.
    fn only(&self, model: &str, allowed: &[&str]) -> Result<()> {
        let given = [
            ("J", self.j.is_some()),
            ("h", self.h.is_some()),
            ("hz", self.hz.is_some()),
            ("delta", self.delta.is_some()),
            ("J2", self.j2.is_some()),
            ("marshall_sign", self.marshall_sign.is_some()),
            ("terms", self.terms.is_some()),
        ];
        reject_unread("hamiltonian", ("model", model), &given, allowed)
    }

    fn sign_rule(&self, lattice: &Lattice) -> bool {
        self.marshall_sign
            .unwrap_or_else(|| lattice.bipartition().is_some())
    }

    fn build(&self, model: ModelKind, lattice: Lattice) -> Result<Hamiltonian> {
        let j = self.j.unwrap_or(1.0);
        match model {
            ModelKind::Tfim => {
                self.only("tfim", &["J", "h", "hz"])?;
                Hamiltonian::tfim(lattice, j, self.h.unwrap_or(1.0), self.hz.unwrap_or(0.0))
            }
            ModelKind::Heisenberg => {
                self.only("heisenberg", &["J", "marshall_sign"])?;
                let rule = self.sign_rule(&lattice);
                Hamiltonian::xxz(lattice, j, 1.0, rule)
            }
            ModelKind::Xxz => {
                self.only("xxz", &["J", "delta", "marshall_sign"])?;
                let delta = self.delta.ok_or_else(|| {
                    Error::invalid(
                        "hamiltonian.delta",
                        "missing; model = \"xxz\" needs the anisotropy, e.g. delta = 0.5",
                    )
                })?;
                let rule = self.sign_rule(&lattice);
                Hamiltonian::xxz(lattice, j, delta, rule)
            }
            ModelKind::J1J2 => {
                self.only("j1j2", &["J", "J2", "marshall_sign"])?;
                let j2 = self.j2.ok_or_else(|| {
                    Error::invalid(
                        "hamiltonian.J2",
                        "missing; model = \"j1j2\" needs the next-nearest coupling, e.g. J2 = 0.5",
                    )
                })?;
                let rule = self.sign_rule(&lattice);
                Hamiltonian::j1j2(lattice, j, j2, rule)
            }
            ModelKind::Pauli => {
                self.only("pauli", &["terms", "marshall_sign"])?;
                let strings: Vec<PauliString> = self
                    .terms
                    .iter()
                    .flatten()
                    .map(|t| PauliString {
                        coeff: t.coeff,
                        ops: t.ops.clone(),
                        sites: t.sites.clone(),
                    })
                    .collect();
                Hamiltonian::pauli(lattice, &strings, self.marshall_sign.unwrap_or(false))
            }
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct OutputSection {
    /// Path of the HDF5 file.
    file: Option<String>,
    /// Iterations between VMC checkpoints.
    checkpoint_every: Option<i64>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExactSection {
    n_states: Option<i64>,
    method: Option<String>,
    tolerance: Option<f64>,
    krylov_dim: Option<i64>,
    max_matvecs: Option<i64>,
    sectors: Option<String>,
    correlations: Option<bool>,
    store_connections: Option<bool>,
}

impl ExactSection {
    fn options(&self, seed: u64, (lx, ly): (usize, usize)) -> Result<ExactOptions> {
        let method = match choice(
            "exact.method",
            self.method.as_deref().unwrap_or("auto"),
            &["auto", "lanczos", "dense", "lean"],
        )? {
            "lanczos" => Method::Lanczos,
            "dense" => Method::Dense,
            "lean" => Method::Lean,
            _ => Method::Auto,
        };
        let defaults = LanczosOptions::default();
        let lanczos = LanczosOptions {
            n_eigen: count("exact.n_states", self.n_states, 1)?,
            krylov_dim: count("exact.krylov_dim", self.krylov_dim, 0)?,
            tolerance: self.tolerance.unwrap_or(defaults.tolerance),
            max_matvecs: count("exact.max_matvecs", self.max_matvecs, defaults.max_matvecs)?,
            seed,
            eigenvectors: false,
        };
        lanczos.check()?;
        let sectors = match self.sectors.as_deref().map(str::trim) {
            None | Some("none") => SectorChoice::Plain,
            Some("auto") => SectorChoice::Auto,
            Some("all") => SectorChoice::All,
            Some(label) => SectorChoice::One(Sector::parse_on(label, lx, ly)?),
        };
        let correlations = self.correlations.unwrap_or(false);
        if correlations && sectors == SectorChoice::Plain {
            return Err(Error::invalid(
                "exact.correlations",
                "correlations come from a symmetry-sector run; add exact.sectors = \"auto\"",
            ));
        }
        if method == Method::Lean && lanczos.n_eigen != 1 {
            return Err(Error::invalid(
                "exact.method",
                "\"lean\" (three-vector Lanczos) finds the lowest level only;                  use n_states = 1 or method = \"lanczos\"",
            ));
        }
        Ok(ExactOptions {
            method,
            lanczos,
            sectors,
            correlations,
            store_connections: self.store_connections,
            ground_state: false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(text: &str) -> Result<Problem> {
        Deck::from_str(text, "test.toml")?.problem()
    }

    #[test]
    fn minimal_deck() {
        let p = problem("[system]\nsize = 6\n[hamiltonian]\nmodel = \"tfim\"\n").unwrap();
        assert_eq!(p.hamiltonian.n_sites(), 6);
        assert_eq!(p.space.n_up(), None);
        assert_eq!(p.seed, DEFAULT_SEED);
    }

    #[test]
    fn heisenberg_defaults_to_lowest_sector_and_sign_rule() {
        let p = problem("[system]\nsize = 6\n[hamiltonian]\nmodel = \"heisenberg\"\n").unwrap();
        assert_eq!(p.space.total_sz(), Some(0.0));
        assert!(p.hamiltonian.sign_rule());
        let odd = problem("[system]\nsize = 5\n[hamiltonian]\nmodel = \"heisenberg\"\n").unwrap();
        assert_eq!(odd.space.total_sz(), Some(0.5));
        assert!(!odd.hamiltonian.sign_rule());
    }

    #[test]
    fn errors_name_the_key() {
        let cases = [
            ("[system]\nsize = 6\nsizee = 3\n[hamiltonian]\nmodel = \"tfim\"\n", "sizee"),
            ("[system]\nsize = -4\n[hamiltonian]\nmodel = \"tfim\"\n", "system.size"),
            ("[system]\nsize = 5\ntotal_sz = 0\n[hamiltonian]\nmodel = \"heisenberg\"\n", "system.total_sz"),
            ("[system]\nsize = 5\n[hamiltonian]\nmodel = \"tfm\"\n", "hamiltonian.model"),
            ("[system]\nsize = 5\n[hamiltonian]\nmodel = \"tfim\"\ndelta = 1\n", "hamiltonian.delta"),
            ("[system]\nsize = 5\n[hamiltonian]\nmodel = \"j1j2\"\n", "hamiltonian.J2"),
            ("[system]\nsize = 5\n[hamiltonian]\nmodel = \"heisenberg\"\nmarshall_sign = true\n", "marshall_sign"),
            ("[system]\nsize = 4\n[hamiltonian]\nmodel = \"tfim\"\n[ansatz]\nalpha = 0\n", "ansatz.alpha"),
            ("[system]\nsize = 4\n[hamiltonian]\nmodel = \"tfim\"\n[ansatz\ncomplex = true\n", "test.toml"),
            ("[system]\nsize = 4\n[hamiltonian]\nmodel = \"tfim\"\n[output]\nfilename = \"x\"\n", "filename"),
            ("[system]\nsize = 4\n[hamiltonian]\nmodel = \"tfim\"\n[outputs]\nfile = \"x\"\n", "outputs"),
            ("[system]\nsize = 4\n[hamiltonian]\nmodel = \"tfim\"\n[sampler]\nsamples = 1000\nchains = 16\n", "sampler.samples"),
            ("[system]\nsize = 4\n[hamiltonian]\nmodel = \"tfim\"\n[optimizer]\nlearning_rate = -0.1\n", "optimizer.learning_rate"),
            ("[system]\nsize = 4\n[hamiltonian]\nmodel = \"tfim\"\n[optimizer]\nfinal_learning_rate = 0.0\n", "optimizer.final_learning_rate"),
            ("[system]\nsize = 4\n[hamiltonian]\nmodel = \"tfim\"\n[optimizer]\ndecay_iterations = 100\n", "optimizer.decay_iterations"),
            ("[system]\nsize = 4\n[hamiltonian]\nmodel = \"tfim\"\n[optimizer]\nfinal_learning_rate = 0.01\ndecay_iterations = -5\n", "optimizer.decay_iterations"),
            ("[system]\nsize = 4\n[hamiltonian]\nmodel = \"tfim\"\n[optimizer]\nkind = \"adam\"\ndiag_shift = 0.1\n", "optimizer.diag_shift"),
            ("[system]\nsize = 4\n[hamiltonian]\nmodel = \"tfim\"\n[sampler]\nkind = \"metropolis\"\n", "sampler.kind"),
            ("[system]\nsize = 4\n[hamiltonian]\nmodel = \"tfim\"\n[exact]\nmethod = \"qr\"\n", "exact.method"),
            ("[system]\nsize = 4\n[hamiltonian]\nmodel = \"tfim\"\n[exact]\nn_states = 0\n", "exact.n_states"),
            ("[system]\nlattice = \"square\"\nsize = [4, 4, 4]\n[hamiltonian]\nmodel = \"tfim\"\n", "system.size"),
            ("[system]\nsize = 4\n[hamiltonian]\nmodel = \"tfim\"\nJ = \"one\"\n", "hamiltonian.J"),
        ];
        for (text, key) in cases {
            let e = problem(text).expect_err(text).to_string();
            assert!(e.contains(key), "'{e}' should name '{key}'");
            assert!(!e.contains('\n'), "message should be one line: {e}");
        }
    }

    #[test]
    fn syntax_errors_give_line_and_column() {
        let e = Deck::from_str("[system]\nsize = = 4\n", "bad.toml")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("bad.toml:2:"), "{e}");
        assert!(!e.contains('\n'));
    }

    #[test]
    fn overrides_replace_and_create_keys() {
        let mut d =
            Deck::from_str("[system]\nsize = 6\n[hamiltonian]\nmodel = \"tfim\"\n", "t").unwrap();
        d.set_assignment("system.lattice=square").unwrap();
        d.set_assignment("system.size=[2, 3]").unwrap();
        d.set_assignment("hamiltonian.h = 0.5").unwrap();
        let p = d.problem().unwrap();
        assert_eq!(p.hamiltonian.n_sites(), 6);
        assert_eq!(
            *p.hamiltonian.model(),
            crate::operator::Model::Tfim {
                j: 1.0,
                h: 0.5,
                hz: 0.0
            }
        );
        assert!(d.set_assignment("nothing").is_err());
        assert!(d.set_assignment("system.size.x=1").is_err());
    }
}
