//! Decks of `hamlet hop` (surface hopping, or the exact wave-packet reference, over a
//! list of initial momenta):
//!
//! ```toml
//! seed = 1                         # every trajectory's random stream
//! method = "fssh"                  # fssh | exact
//! k = [10.0, 15.0, 30.0]           # initial momenta ħk (a.u.), each > 0
//!
//! [system]
//! model = "tully1"                 # tully1 | tully2 | tully3 | lvc2d ...
//! # network = "net.h5"             # ... or a network from `hamlet diabatic fit`
//! mass = 2000.0                    # nuclear mass (electron masses)
//!
//! [initial]
//! position = -10.0                 # R₀ (bohr; one value per coordinate for d > 1)
//! state = 0                        # initial adiabatic state (0 = lowest)
//! sampling = "fixed"               # fixed | wigner (Gaussian packet, width sigma)
//! # sigma = 1.0                    # wigner: position width (bohr); default 20/k
//!
//! [hopping]
//! trajectories = 2000
//! # dt = 4.0                       # a.u.; default 80/k_max (see below)
//! frustrated = "keep"              # keep | reverse
//! decoherence = "none"             # none | edc
//! decoherence_c = 0.1              # EDC constant C (hartree)
//! exit = [-10.0, 10.0]             # trajectories end outside this interval of R₀
//! max_steps = 1000000
//! record_every = 10                # steps between population records (0: none)
//!
//! [exact]                          # optional overrides of the automatic packet
//! # sigma = 4.0                    # position width (bohr)
//! # points = 4096
//! # dt = 1.0
//!
//! [output]
//! file = "hop.h5"
//! ```
//!
//! The default time step is `Δt = 80/k_max` a.u. (0.04 bohr per step at mass 2000),
//! with `k_max = √(k² + 2m(E₀ − E_min))` the fastest the nuclei can go: `E₀` the initial
//! energy on the initial state and `E_min` the lowest adiabatic energy along coordinate
//! 0 over the exit interval ([`default_time_step`]).

use super::deck::{choice, count, section, top_level, Deck};
use super::diabatic_net_file::read_net;
use crate::error::{Error, Result};
use crate::nonadiabatic::{
    analytic_model, default_time_step, Decoherence, DiabaticModel, FrustratedHop, HopSettings,
    InitialSampling, MODEL_NAMES,
};
use serde::Deserialize;
use std::path::PathBuf;

/// Top-level keys and sections of a hop deck.
const SECTIONS: &[&str] = &[
    "seed", "method", "k", "system", "initial", "hopping", "exact", "output",
];

/// Keys that mark a deck as a hop deck (for `hamlet check`; `[system]` is shared with
/// ground-state decks).
pub const HOP_SECTIONS: &[&str] = &["k", "hopping", "exact"];

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SystemSection {
    model: Option<String>,
    network: Option<String>,
    mass: Option<f64>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
enum Coordinates {
    One(f64),
    Many(Vec<f64>),
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct InitialSection {
    position: Option<Coordinates>,
    state: Option<i64>,
    sampling: Option<String>,
    sigma: Option<Coordinates>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct HoppingSection {
    trajectories: Option<i64>,
    dt: Option<f64>,
    frustrated: Option<String>,
    decoherence: Option<String>,
    decoherence_c: Option<f64>,
    exit: Option<Vec<f64>>,
    max_steps: Option<i64>,
    record_every: Option<i64>,
}

/// Optional overrides of the automatic wave packet.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ExactOverrides {
    /// Position width (bohr).
    pub sigma: Option<f64>,
    /// Grid points.
    pub points: Option<usize>,
    /// Time step (a.u.).
    pub dt: Option<f64>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct OutputSection {
    file: Option<String>,
}

/// Surface hopping or the exact reference.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HopMethod {
    /// Fewest-switches surface hopping.
    Fssh,
    /// Split-operator wave-packet scattering.
    Exact,
}

/// Where the model comes from.
#[derive(Clone, Debug, PartialEq)]
pub enum ModelSource {
    /// One of [`MODEL_NAMES`].
    Analytic(String),
    /// A network file written by `hamlet diabatic fit`.
    Network(PathBuf),
}

/// A validated `hamlet hop` run.
pub struct HopProblem {
    /// The diabatic model.
    pub model: Box<dyn DiabaticModel>,
    /// Where it came from.
    pub source: ModelSource,
    /// Surface hopping or the exact reference.
    pub method: HopMethod,
    /// Initial momenta `ħk` (a.u.).
    pub momenta: Vec<f64>,
    /// Nuclear mass.
    pub mass: f64,
    /// `R₀` (bohr).
    pub position: Vec<f64>,
    /// Initial adiabatic state.
    pub state: usize,
    /// Fixed or Wigner; `None` width means 20/k.
    pub wigner: Option<Option<Vec<f64>>>,
    /// Trajectories per momentum.
    pub trajectories: usize,
    /// The user's time step, if any (otherwise [`HopProblem::default_dt`]).
    pub dt: Option<f64>,
    /// Trajectory settings (the time step is filled per momentum).
    pub hop: HopSettings,
    /// Steps between population records.
    pub record_every: usize,
    /// Wave-packet overrides.
    pub exact: ExactOverrides,
    /// The run seed.
    pub seed: u64,
    /// Output file, if any.
    pub output: Option<PathBuf>,
}

impl HopProblem {
    /// The model's name for reports.
    pub fn model_name(&self) -> String {
        match &self.source {
            ModelSource::Analytic(name) => name.clone(),
            ModelSource::Network(path) => path.display().to_string(),
        }
    }

    /// The default step at momentum `k` ([`default_time_step`]).
    pub fn default_dt(&self, k: f64) -> f64 {
        default_time_step(
            self.model.as_ref(),
            &self.position,
            self.state,
            self.hop.exit,
            self.mass,
            k,
        )
    }

    /// Trajectory settings at momentum `k`.
    pub fn hop_settings(&self, k: f64) -> HopSettings {
        HopSettings {
            dt: self.dt.unwrap_or_else(|| self.default_dt(k)),
            ..self.hop.clone()
        }
    }

    /// The initial sampling at momentum `k`.
    pub fn sampling(&self, k: f64) -> InitialSampling {
        match &self.wigner {
            None => InitialSampling::Fixed,
            Some(Some(sigma)) => InitialSampling::Wigner {
                sigma: sigma.clone(),
            },
            Some(None) => InitialSampling::Wigner {
                sigma: vec![20.0 / k; self.position.len()],
            },
        }
    }
}

fn coordinates(key: &str, value: &Coordinates, d: usize) -> Result<Vec<f64>> {
    let values = match value {
        Coordinates::One(v) => vec![*v],
        Coordinates::Many(v) => v.clone(),
    };
    if values.len() != d || !values.iter().all(|v| v.is_finite()) {
        return Err(Error::invalid(
            key,
            format!("the model has {d} coordinate(s); give {d} finite value(s)"),
        ));
    }
    Ok(values)
}

impl Deck {
    /// Validates the deck as a `hamlet hop` run.
    pub fn hop(&self) -> Result<HopProblem> {
        let seed = top_level(&self.table, SECTIONS, "hop ")?;
        let method = match self.table.get("method") {
            None => HopMethod::Fssh,
            Some(toml::Value::String(m)) => match choice("method", m, &["fssh", "exact"])? {
                "fssh" => HopMethod::Fssh,
                _ => HopMethod::Exact,
            },
            Some(v) => {
                return Err(Error::invalid(
                    "method",
                    format!("{v} is not a name; write method = \"fssh\" or \"exact\""),
                ))
            }
        };
        let momenta: Vec<f64> = match self.table.get("k") {
            None => vec![10.0, 15.0, 30.0],
            Some(v) => {
                let list = match v {
                    toml::Value::Array(a) => a.clone(),
                    other => vec![other.clone()],
                };
                list.iter()
                    .map(|x| match x {
                        toml::Value::Float(f) => Some(*f),
                        toml::Value::Integer(i) => Some(*i as f64),
                        _ => None,
                    })
                    .collect::<Option<Vec<f64>>>()
                    .ok_or_else(|| {
                        Error::invalid("k", "give numbers, e.g. k = [10.0, 15.0, 30.0]")
                    })?
            }
        };
        if momenta.is_empty() {
            return Err(Error::invalid("k", "the list of momenta is empty"));
        }
        if let Some(k) = momenta.iter().find(|k| !(**k > 0.0 && k.is_finite())) {
            return Err(Error::invalid(
                "k",
                format!("{k}: every initial momentum must be positive (the nuclei come in from the left)"),
            ));
        }

        let system: SystemSection = section(&self.table, "system")?;
        let (model, source): (Box<dyn DiabaticModel>, ModelSource) = match (
            &system.model,
            &system.network,
        ) {
            (Some(_), Some(_)) => {
                return Err(Error::invalid(
                    "system.network",
                    "give either system.model or system.network, not both",
                ))
            }
            (_, Some(path)) => (
                Box::new(read_net(std::path::Path::new(path))?),
                ModelSource::Network(PathBuf::from(path)),
            ),
            (name, None) => {
                let name = name.as_deref().unwrap_or("tully1");
                let model = analytic_model(name).ok_or_else(|| {
                        Error::invalid(
                            "system.model",
                            format!(
                                "unknown model '{name}'; use one of: {}, or system.network = \"net.h5\"",
                                MODEL_NAMES.join(", ")
                            ),
                        )
                    })?;
                (model, ModelSource::Analytic(name.to_string()))
            }
        };
        let d = model.n_dims();
        let mass = system.mass.unwrap_or(2000.0);
        if !(mass > 0.0 && mass.is_finite()) {
            return Err(Error::invalid(
                "system.mass",
                format!("{mass}: the nuclear mass must be positive (Tully's models use 2000)"),
            ));
        }

        let hopping: HoppingSection = section(&self.table, "hopping")?;
        let exit = match hopping.exit.as_deref() {
            None => (-10.0, 10.0),
            Some([a, b]) if a.is_finite() && b.is_finite() && a < b => (*a, *b),
            Some(other) => {
                return Err(Error::invalid(
                    "hopping.exit",
                    format!("{other:?} is not an interval; write exit = [-10.0, 10.0]"),
                ))
            }
        };
        let initial: InitialSection = section(&self.table, "initial")?;
        let position = match &initial.position {
            None => {
                let mut p = vec![0.0; d];
                p[0] = exit.0;
                p
            }
            Some(c) => coordinates("initial.position", c, d)?,
        };
        if !(exit.0..=exit.1).contains(&position[0]) {
            return Err(Error::invalid(
                "initial.position",
                format!(
                    "{} is outside the exit interval [{}, {}]: trajectories would end at once",
                    position[0], exit.0, exit.1
                ),
            ));
        }
        let state = count("initial.state", initial.state, 0)?;
        if state >= model.n_states() {
            return Err(Error::invalid(
                "initial.state",
                format!(
                    "state {state} does not exist; the model has {} states (0 to {})",
                    model.n_states(),
                    model.n_states() - 1
                ),
            ));
        }
        let wigner = match choice(
            "initial.sampling",
            initial.sampling.as_deref().unwrap_or("fixed"),
            &["fixed", "wigner"],
        )? {
            "fixed" => {
                if initial.sigma.is_some() {
                    return Err(Error::invalid(
                        "initial.sigma",
                        "applies to sampling = \"wigner\" only",
                    ));
                }
                None
            }
            _ => {
                let sigma = match &initial.sigma {
                    None => None,
                    Some(c) => {
                        let s = coordinates("initial.sigma", c, d)?;
                        if !s.iter().all(|v| *v > 0.0) {
                            return Err(Error::invalid(
                                "initial.sigma",
                                "packet widths must be positive (bohr)",
                            ));
                        }
                        Some(s)
                    }
                };
                Some(sigma)
            }
        };

        let trajectories = count("hopping.trajectories", hopping.trajectories, 2000)?;
        if trajectories == 0 {
            return Err(Error::invalid(
                "hopping.trajectories",
                "0 trajectories: run at least 1 (thousands for probabilities to ±0.01)",
            ));
        }
        if let Some(dt) = hopping.dt {
            if !(dt > 0.0 && dt.is_finite()) {
                return Err(Error::invalid(
                    "hopping.dt",
                    format!("{dt}: the time step must be positive; leave it out for 80/k_max"),
                ));
            }
        }
        let frustrated = FrustratedHop::from_name(choice(
            "hopping.frustrated",
            hopping.frustrated.as_deref().unwrap_or("keep"),
            &["keep", "reverse"],
        )?)
        .expect("checked");
        let decoherence = match choice(
            "hopping.decoherence",
            hopping.decoherence.as_deref().unwrap_or("none"),
            &["none", "edc"],
        )? {
            "none" => {
                if hopping.decoherence_c.is_some() {
                    return Err(Error::invalid(
                        "hopping.decoherence_c",
                        "applies to decoherence = \"edc\" only",
                    ));
                }
                Decoherence::None
            }
            _ => Decoherence::EnergyBased {
                c: hopping.decoherence_c.unwrap_or(0.1),
            },
        };
        let hop = checked(HopSettings {
            mass,
            dt: 1.0,
            frustrated,
            decoherence,
            exit,
            max_steps: count("hopping.max_steps", hopping.max_steps, 1_000_000)?,
        })?;
        let exact: ExactOverrides = section(&self.table, "exact")?;
        if method == HopMethod::Exact && d != 1 {
            return Err(Error::invalid(
                "method",
                format!("the exact wave-packet reference is one-dimensional; this model has {d} coordinates"),
            ));
        }
        let output: OutputSection = section(&self.table, "output")?;
        Ok(HopProblem {
            model,
            source,
            method,
            momenta,
            mass,
            position,
            state,
            wigner,
            trajectories,
            dt: hopping.dt,
            hop,
            record_every: count("hopping.record_every", hopping.record_every, 10)?,
            exact,
            seed,
            output: output.file.map(PathBuf::from),
        })
    }
}

/// [`HopSettings::check`], naming the deck's keys.
fn checked(settings: HopSettings) -> Result<HopSettings> {
    settings.check().map_err(|e| match e {
        Error::Invalid { key, message } => Error::invalid(
            match key.as_str() {
                "mass" => "system.mass".to_string(),
                other => format!("hopping.{other}"),
            },
            message,
        ),
        other => other,
    })?;
    Ok(settings)
}
