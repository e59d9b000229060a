//! Decks of `hamlet schrodinger`:
//!
//! ```toml
//! method = "plane-wave"          # plane-wave | eigenbasis | split-operator | pinn
//! times = [0.0, 1.0, 10.0]       # ascending (default [0, 1])
//! seed = 1                       # PINN weights and points
//!
//! [units]
//! hbar = 1.0
//! mass = 1.0
//!
//! [initial]
//! kind = "gaussian"              # gaussian | superposition | file
//! x0 = 0.0                       # vectors in 2-D/3-D: x0 = [0.0, 0.0]; scalars broadcast
//! p0 = 2.0
//! sigma = 1.0
//! # superposition: packets = [{x0 = -3.0, p0 = 2.0, sigma = 1.0, amplitude = [1.0, 0.0]}, ...]
//! # file: file = "psi0.csv"      # x, Re ψ, Im ψ per line; or HDF5 with x and psi
//!
//! [domain]                       # default: holds the state up to the last time
//! start = -20.0
//! end = 120.0
//!
//! [basis]
//! kind = "lattice"               # lattice | trainable (plane-wave)
//! points = 1025                  # grid points / plane waves per direction (default: from the state)
//! # trainable: waves = 64, epochs = 2000, learning_rate = 0.01
//!
//! [potential]                    # eigenbasis, split-operator and pinn
//! kind = "harmonic"              # none | harmonic | gaussian
//! omega = 1.0                    # harmonic: V = ½mω²(x − center)²
//! center = 0.0
//! # gaussian: V = height·exp(−(x − center)²/2width²)
//!
//! [split_operator]
//! dt = 0.001                     # default 0.1ħ/E_max (one exact step when V = 0)
//!
//! [pinn]                         # see PinnSettings for every key and the defaults
//! width = 64
//! hidden_layers = 4
//! first_layer_gain = 15.0
//! epochs = 20000
//! # learning_rate, final_learning_rate, collocation, initial_points, boundary_points,
//! # initial_weight, boundary_weight, resample_every, causal_tolerance, causal_slices
//!
//! [output]
//! file = "run.h5"
//! ```

use super::deck::{choice, reject_unread, section, top_level, Deck};
use super::psi_file::read_sampled_state;
use crate::error::{Error, Result};
use crate::schrodinger::pinn::PinnSettings;
use crate::schrodinger::{
    Basis, GaussianPacket, InitialState, Method, Potential, SchrodingerSpec, TrainableSettings,
    Units,
};
use num_complex::Complex64;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use toml::Value;

/// Top-level keys and sections of a Schrödinger deck.
const SECTIONS: &[&str] = &[
    "method",
    "times",
    "seed",
    "units",
    "initial",
    "domain",
    "basis",
    "potential",
    "split_operator",
    "pinn",
    "output",
];

/// A validated Schrödinger run.
#[derive(Clone, Debug)]
pub struct SchrodingerProblem {
    /// What to solve and how.
    pub spec: SchrodingerSpec,
    /// Run seed.
    pub seed: u64,
    /// HDF5 file to write (`[output] file`), if any.
    pub output: Option<PathBuf>,
}

/// A number or a vector of numbers (one per direction).
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
enum Components {
    One(f64),
    Many(Vec<f64>),
}

impl Components {
    fn len(&self) -> Option<usize> {
        match self {
            Components::One(_) => None,
            Components::Many(v) => Some(v.len()),
        }
    }

    fn expand(&self, dim: usize) -> Vec<f64> {
        match self {
            Components::One(x) => vec![*x; dim],
            Components::Many(v) => v.clone(),
        }
    }
}

/// A count or a vector of counts (one per direction).
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
enum Counts {
    One(i64),
    Many(Vec<i64>),
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct UnitsSection {
    hbar: Option<f64>,
    mass: Option<f64>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PacketEntry {
    x0: Option<Components>,
    p0: Option<Components>,
    sigma: Option<Components>,
    amplitude: Option<Components>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct InitialSection {
    kind: Option<String>,
    x0: Option<Components>,
    p0: Option<Components>,
    sigma: Option<Components>,
    packets: Option<Vec<PacketEntry>>,
    file: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DomainSection {
    start: Option<Components>,
    end: Option<Components>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct BasisSection {
    kind: Option<String>,
    points: Option<Counts>,
    waves: Option<i64>,
    epochs: Option<i64>,
    learning_rate: Option<f64>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PotentialSection {
    kind: Option<String>,
    omega: Option<f64>,
    center: Option<f64>,
    height: Option<f64>,
    width: Option<f64>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SplitOperatorSection {
    dt: Option<f64>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PinnSection {
    width: Option<i64>,
    hidden_layers: Option<i64>,
    first_layer_gain: Option<f64>,
    epochs: Option<i64>,
    learning_rate: Option<f64>,
    final_learning_rate: Option<f64>,
    collocation: Option<i64>,
    initial_points: Option<i64>,
    boundary_points: Option<i64>,
    initial_weight: Option<f64>,
    boundary_weight: Option<f64>,
    resample_every: Option<i64>,
    causal_tolerance: Option<f64>,
    causal_slices: Option<i64>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct OutputSection {
    file: Option<String>,
}

/// A count that must be positive (or zero where `zero_ok`).
fn count(key: &str, v: i64, zero_ok: bool) -> Result<usize> {
    if v > 0 || (zero_ok && v == 0) {
        Ok(v as usize)
    } else {
        Err(Error::invalid(
            key,
            format!(
                "{v} must be {}",
                if zero_ok { "non-negative" } else { "positive" }
            ),
        ))
    }
}

fn packet(
    key: &str,
    x0: Option<&Components>,
    p0: Option<&Components>,
    sigma: Option<&Components>,
) -> Result<GaussianPacket> {
    let lengths: Vec<usize> = [x0, p0, sigma]
        .iter()
        .filter_map(|c| c.and_then(Components::len))
        .collect();
    let dim = lengths.iter().copied().max().unwrap_or(1);
    if lengths.iter().any(|&n| n != dim) || !(1..=3).contains(&dim) {
        return Err(Error::invalid(
            key,
            format!(
                "x0, p0 and sigma need 1, 2 or 3 components each (or one number to \
                 broadcast); got lengths {lengths:?}"
            ),
        ));
    }
    let get = |c: Option<&Components>, default: f64| {
        c.map_or_else(|| vec![default; dim], |c| c.expand(dim))
    };
    let p = GaussianPacket {
        x0: get(x0, 0.0),
        p0: get(p0, 0.0),
        sigma: get(sigma, 1.0),
    };
    if let Some(v) = p.x0.iter().chain(&p.p0).find(|v| !v.is_finite()) {
        return Err(Error::invalid(key, format!("{v} is not finite")));
    }
    p.check().map_err(|e| match e {
        Error::Invalid { message, .. } => Error::invalid(format!("{key}.sigma"), message),
        other => other,
    })?;
    Ok(p)
}

fn initial_state(s: &InitialSection, units: Units) -> Result<InitialState> {
    let kind = s.kind.as_deref().unwrap_or(if s.packets.is_some() {
        "superposition"
    } else if s.file.is_some() {
        "file"
    } else {
        "gaussian"
    });
    let kind = choice("initial.kind", kind, &["gaussian", "superposition", "file"])?;
    let given = [
        ("x0", s.x0.is_some()),
        ("p0", s.p0.is_some()),
        ("sigma", s.sigma.is_some()),
        ("packets", s.packets.is_some()),
        ("file", s.file.is_some()),
    ];
    match kind {
        "gaussian" => {
            reject_unread("initial", ("kind", kind), &given, &["x0", "p0", "sigma"])?;
            Ok(InitialState::Gaussian(packet(
                "initial",
                s.x0.as_ref(),
                s.p0.as_ref(),
                s.sigma.as_ref(),
            )?))
        }
        "superposition" => {
            reject_unread("initial", ("kind", kind), &given, &["packets"])?;
            let entries = s.packets.as_deref().unwrap_or(&[]);
            if entries.is_empty() {
                return Err(Error::invalid(
                    "initial.packets",
                    "no packets; give packets = [{x0 = .., p0 = .., sigma = .., amplitude = [re, im]}, ...]",
                ));
            }
            let mut packets = Vec::new();
            let mut amplitudes = Vec::new();
            for (i, e) in entries.iter().enumerate() {
                let key = format!("initial.packets[{i}]");
                packets.push(packet(
                    &key,
                    e.x0.as_ref(),
                    e.p0.as_ref(),
                    e.sigma.as_ref(),
                )?);
                amplitudes.push(match &e.amplitude {
                    None => Complex64::new(1.0, 0.0),
                    Some(Components::One(a)) => Complex64::new(*a, 0.0),
                    Some(Components::Many(v)) if v.len() == 2 => Complex64::new(v[0], v[1]),
                    Some(_) => {
                        return Err(Error::invalid(
                            format!("{key}.amplitude"),
                            "write a number or [re, im]",
                        ))
                    }
                });
            }
            InitialState::superposition(packets, amplitudes, units)
        }
        _ => {
            reject_unread("initial", ("kind", kind), &given, &["file"])?;
            let path = s.file.as_deref().ok_or_else(|| {
                Error::invalid(
                    "initial.file",
                    "kind = \"file\" needs file = \"psi0.csv\" (x, Re ψ, Im ψ) or an HDF5 file",
                )
            })?;
            Ok(InitialState::Sampled(read_sampled_state(Path::new(path))?))
        }
    }
}

fn potential(s: &PotentialSection) -> Result<Potential> {
    let kind = choice(
        "potential.kind",
        s.kind.as_deref().unwrap_or("none"),
        &["none", "harmonic", "gaussian"],
    )?;
    let given = [
        ("omega", s.omega.is_some()),
        ("center", s.center.is_some()),
        ("height", s.height.is_some()),
        ("width", s.width.is_some()),
    ];
    let p = match kind {
        "none" => {
            reject_unread("potential", ("kind", kind), &given, &[])?;
            Potential::Free
        }
        "harmonic" => {
            reject_unread("potential", ("kind", kind), &given, &["omega", "center"])?;
            Potential::Harmonic {
                omega: s.omega.unwrap_or(1.0),
                center: s.center.unwrap_or(0.0),
            }
        }
        _ => {
            reject_unread(
                "potential",
                ("kind", kind),
                &given,
                &["height", "center", "width"],
            )?;
            Potential::Gaussian {
                height: s.height.ok_or_else(|| {
                    Error::invalid(
                        "potential.height",
                        "the gaussian potential needs a height V₀",
                    )
                })?,
                center: s.center.unwrap_or(0.0),
                width: s.width.unwrap_or(1.0),
            }
        }
    };
    p.check()?;
    Ok(p)
}

fn pinn_settings(s: &PinnSection, seed: u64) -> Result<PinnSettings> {
    let d = PinnSettings::default();
    let n = |key: &str, v: Option<i64>, default: usize, zero_ok: bool| {
        v.map_or(Ok(default), |v| count(key, v, zero_ok))
    };
    let learning_rate = s.learning_rate.unwrap_or(d.learning_rate);
    // Without a final rate, the default decay ratio is kept.
    let final_learning_rate = s
        .final_learning_rate
        .unwrap_or(learning_rate * d.final_learning_rate / d.learning_rate);
    let settings = PinnSettings {
        width: n("pinn.width", s.width, d.width, false)?,
        hidden_layers: n(
            "pinn.hidden_layers",
            s.hidden_layers,
            d.hidden_layers,
            false,
        )?,
        first_layer_gain: s.first_layer_gain.unwrap_or(d.first_layer_gain),
        epochs: n("pinn.epochs", s.epochs, d.epochs, false)?,
        learning_rate,
        final_learning_rate,
        collocation: n("pinn.collocation", s.collocation, d.collocation, false)?,
        initial_points: n(
            "pinn.initial_points",
            s.initial_points,
            d.initial_points,
            false,
        )?,
        boundary_points: n(
            "pinn.boundary_points",
            s.boundary_points,
            d.boundary_points,
            false,
        )?,
        initial_weight: s.initial_weight.unwrap_or(d.initial_weight),
        boundary_weight: s.boundary_weight.unwrap_or(d.boundary_weight),
        causal_tolerance: s.causal_tolerance.unwrap_or(d.causal_tolerance),
        causal_slices: n(
            "pinn.causal_slices",
            s.causal_slices,
            d.causal_slices,
            false,
        )?,
        resample_every: n(
            "pinn.resample_every",
            s.resample_every,
            d.resample_every,
            true,
        )?,
        seed,
    };
    settings.check()?;
    Ok(settings)
}

impl Deck {
    /// Validates the deck as a `hamlet schrodinger` run.
    pub fn schrodinger(&self) -> Result<SchrodingerProblem> {
        let seed = top_level(&self.table, SECTIONS, "Schrödinger ")?;
        let times = match self.table.get("times") {
            None => vec![0.0, 1.0],
            Some(Value::Array(a)) => a
                .iter()
                .map(|v| match v {
                    Value::Float(x) => Ok(*x),
                    Value::Integer(i) => Ok(*i as f64),
                    other => Err(Error::invalid(
                        "times",
                        format!("{other} is not a number; write times = [0.0, 1.0, 10.0]"),
                    )),
                })
                .collect::<Result<_>>()?,
            Some(Value::Float(x)) => vec![*x],
            Some(Value::Integer(i)) => vec![*i as f64],
            Some(v) => {
                return Err(Error::invalid(
                    "times",
                    format!("{v} is not a list of times; write times = [0.0, 1.0, 10.0]"),
                ))
            }
        };
        let units_section: UnitsSection = section(&self.table, "units")?;
        let units = Units {
            hbar: units_section.hbar.unwrap_or(1.0),
            mass: units_section.mass.unwrap_or(1.0),
        };
        units.check()?;
        let initial = initial_state(&section(&self.table, "initial")?, units)?;
        let dim = initial.dim();
        let potential = potential(&section(&self.table, "potential")?)?;
        let method = match self.table.get("method") {
            None if potential.is_free() => Method::PlaneWave,
            None => Method::Eigenbasis,
            Some(Value::String(m)) => {
                let names: Vec<&str> = Method::ALL.iter().map(|(n, _)| *n).collect();
                let m = choice("method", m, &names)?;
                Method::ALL
                    .iter()
                    .find(|(n, _)| *n == m)
                    .map(|(_, k)| *k)
                    .expect("chosen from the list")
            }
            Some(v) => {
                return Err(Error::invalid(
                    "method",
                    format!(
                    "{v} is not a method name; use plane-wave, eigenbasis, split-operator or pinn"
                ),
                ))
            }
        };
        let domain_section: DomainSection = section(&self.table, "domain")?;
        let domain = match (&domain_section.start, &domain_section.end) {
            (None, None) => None,
            (Some(a), Some(b)) => {
                let (a, b) = (a.expand(dim), b.expand(dim));
                if a.len() != dim || b.len() != dim {
                    return Err(Error::invalid(
                        "domain",
                        format!("start and end need {dim} components (one per direction)"),
                    ));
                }
                Some(a.into_iter().zip(b).collect())
            }
            _ => {
                return Err(Error::invalid(
                    "domain",
                    "give both start and end (or neither, for the default box)",
                ))
            }
        };
        let b: BasisSection = section(&self.table, "basis")?;
        let points = match &b.points {
            None => None,
            Some(Counts::One(m)) => Some(vec![count("basis.points", *m, false)?; dim]),
            Some(Counts::Many(v)) => Some(
                v.iter()
                    .map(|&m| count("basis.points", m, false))
                    .collect::<Result<_>>()?,
            ),
        };
        let kind = choice(
            "basis.kind",
            b.kind.as_deref().unwrap_or("lattice"),
            &["lattice", "trainable"],
        )?;
        let given = [
            ("waves", b.waves.is_some()),
            ("epochs", b.epochs.is_some()),
            ("learning_rate", b.learning_rate.is_some()),
        ];
        let basis = if kind == "lattice" {
            reject_unread("basis", ("kind", kind), &given, &[])?;
            Basis::Lattice
        } else {
            Basis::Trainable {
                waves: b.waves.map_or(Ok(64), |w| count("basis.waves", w, true))?,
                settings: TrainableSettings {
                    epochs: b
                        .epochs
                        .map_or(Ok(2000), |e| count("basis.epochs", e, true))?,
                    learning_rate: b.learning_rate.unwrap_or(0.01),
                },
            }
        };
        let split: SplitOperatorSection = section(&self.table, "split_operator")?;
        let pinn = pinn_settings(&section(&self.table, "pinn")?, seed)?;
        let output: OutputSection = section(&self.table, "output")?;
        let spec = SchrodingerSpec {
            method,
            units,
            initial,
            potential,
            times,
            domain,
            points,
            basis,
            dt: split.dt,
            pinn,
        };
        spec.check()?;
        Ok(SchrodingerProblem {
            spec,
            seed,
            output: output.file.map(PathBuf::from),
        })
    }
}
