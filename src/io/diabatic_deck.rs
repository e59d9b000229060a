//! Decks of `hamlet diabatic fit`:
//!
//! ```toml
//! seed = 1                         # weights and train/validation split
//!
//! [data]
//! from_model = "tully1"            # tully1 | tully2 | tully3 | lvc2d ...
//! points = 200
//! range = [-10.0, 10.0]            # the box [start, stop] in every coordinate (bohr)
//! sampling = "adaptive"            # adaptive (1-D default) | uniform
//! # file = "data.h5"               # ... or reference data from a file (HDF5 or CSV)
//! terms = ["energies", "couplings"] # fitted: energies, gradients, couplings
//!
//! [network]
//! widths = [48, 48]                # hidden layers
//! activation = "tanh"              # tanh | silu
//!
//! [training]
//! energy_weight = 10.0             # loss weights of the three terms
//! gradient_weight = 1.0
//! coupling_weight = 1.0
//! adam_epochs = 3000
//! learning_rate = 0.01             # Adam, decaying geometrically to final_learning_rate
//! final_learning_rate = 1e-4
//! refiner = "levenberg-marquardt"  # levenberg-marquardt | lbfgs
//! refine_iterations = 2000
//! lbfgs_memory = 20
//! validation_fraction = 0.2
//! check_every = 50                 # Adam epochs / L-BFGS iterations between checks
//! patience = 100                   # checks without a better validation loss
//! weight_decay = 0.0
//! prefit_epochs = 1000             # Adam on propagated diabatic matrices first (needs couplings)
//! starts = 1                       # Adam runs from different weights; the best goes on
//!
//! [output]
//! file = "net.h5"                  # the trained network (read by `hamlet diabatic scan`)
//! ```
//!
//! Default `terms`: energies and couplings when the data have couplings, otherwise
//! energies and gradients when they have gradients, otherwise energies.

use super::deck::{choice, count, section, top_level, Deck};
use super::diabatic_data::read_diabatic_data;
use crate::error::{Error, Result};
use crate::nonadiabatic::{
    analytic_model, Activation, DiabaticData, FitSettings, LossWeights, Refiner, Sampling,
    MODEL_NAMES,
};
use serde::Deserialize;
use std::path::PathBuf;

/// Top-level keys and sections of a fit deck.
const SECTIONS: &[&str] = &["seed", "data", "network", "training", "output"];

/// Reference terms a fit can use.
const TERMS: &[&str] = &["energies", "gradients", "couplings"];

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DataSection {
    from_model: Option<String>,
    points: Option<i64>,
    range: Option<Vec<f64>>,
    sampling: Option<String>,
    file: Option<String>,
    terms: Option<Vec<String>>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct NetworkSection {
    widths: Option<Vec<i64>>,
    activation: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct TrainingSection {
    energy_weight: Option<f64>,
    gradient_weight: Option<f64>,
    coupling_weight: Option<f64>,
    adam_epochs: Option<i64>,
    learning_rate: Option<f64>,
    final_learning_rate: Option<f64>,
    refiner: Option<String>,
    refine_iterations: Option<i64>,
    lbfgs_memory: Option<i64>,
    validation_fraction: Option<f64>,
    check_every: Option<i64>,
    patience: Option<i64>,
    weight_decay: Option<f64>,
    starts: Option<i64>,
    prefit_epochs: Option<i64>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct OutputSection {
    file: Option<String>,
}

/// Where the reference data come from.
#[derive(Clone, Debug, PartialEq)]
pub enum DataSource {
    /// An analytic model sampled at `points` geometries in `[start, stop]ᵈ`.
    Model {
        /// One of [`MODEL_NAMES`].
        name: String,
        /// Number of geometries.
        points: usize,
        /// The box.
        range: (f64, f64),
        /// How the geometries are placed.
        sampling: Sampling,
    },
    /// A data file (HDF5 or CSV).
    File(PathBuf),
}

/// A validated `hamlet diabatic fit` run.
#[derive(Clone, Debug)]
pub struct DiabaticFitProblem {
    /// Reference data.
    pub source: DataSource,
    /// The terms fitted (a subset of energies, gradients, couplings), if the deck says.
    pub terms: Option<Vec<String>>,
    /// Network and training settings.
    pub settings: FitSettings,
    /// Where to write the trained network.
    pub output: Option<PathBuf>,
    /// Run seed.
    pub seed: u64,
}

impl DiabaticFitProblem {
    /// Loads or samples the reference data and keeps the fitted terms, checking that
    /// the data have them.
    pub fn data(&self) -> Result<DiabaticData> {
        let data = match &self.source {
            DataSource::Model {
                name,
                points,
                range,
                sampling,
            } => {
                let model = analytic_model(name).expect("checked when the deck was read");
                DiabaticData::from_model(model.as_ref(), *points, range.0, range.1, *sampling)?
            }
            DataSource::File(path) => read_diabatic_data(path)?,
        };
        let terms: Vec<&str> = match &self.terms {
            Some(t) => t.iter().map(String::as_str).collect(),
            None if data.couplings.is_some() => vec!["energies", "couplings"],
            None if data.gradients.is_some() => vec!["energies", "gradients"],
            None => vec!["energies"],
        };
        let mut data = data;
        for (term, present) in [
            ("gradients", data.gradients.is_some()),
            ("couplings", data.couplings.is_some()),
        ] {
            if terms.contains(&term) && !present {
                return Err(Error::invalid(
                    "data.terms",
                    format!(
                        "asks to fit {term}, but the data have none; drop \"{term}\" from \
                         data.terms or give data with {term}"
                    ),
                ));
            }
        }
        if !terms.contains(&"gradients") {
            data.gradients = None;
        }
        if !terms.contains(&"couplings") {
            data.couplings = None;
        }
        Ok(data)
    }

    /// The fitted terms, in the order energies, gradients, couplings.
    pub fn term_names(data: &DiabaticData) -> Vec<&'static str> {
        let mut t = vec!["energies"];
        if data.gradients.is_some() {
            t.push("gradients");
        }
        if data.couplings.is_some() {
            t.push("couplings");
        }
        t
    }
}

fn positive_count(key: &str, v: Option<i64>, default: usize) -> Result<usize> {
    let n = count(key, v, default)?;
    if n == 0 {
        return Err(Error::invalid(key, "must be at least 1"));
    }
    Ok(n)
}

impl Deck {
    /// Validates the deck as a `hamlet diabatic fit` run.
    pub fn diabatic_fit(&self) -> Result<DiabaticFitProblem> {
        let seed = top_level(&self.table, SECTIONS, "diabatic-fit ")?;
        let data: DataSection = section(&self.table, "data")?;
        let source = match (&data.from_model, &data.file) {
            (Some(_), Some(_)) => {
                return Err(Error::invalid(
                    "data.file",
                    "give either data.from_model or data.file, not both",
                ))
            }
            (None, Some(file)) => {
                for (key, present) in [
                    ("points", data.points.is_some()),
                    ("range", data.range.is_some()),
                    ("sampling", data.sampling.is_some()),
                ] {
                    if present {
                        return Err(Error::invalid(
                            format!("data.{key}"),
                            "applies to data.from_model only; a data file fixes its geometries",
                        ));
                    }
                }
                DataSource::File(PathBuf::from(file))
            }
            (model, None) => {
                let name = model.as_deref().unwrap_or("tully1");
                let model = analytic_model(name).ok_or_else(|| {
                    Error::invalid(
                        "data.from_model",
                        format!(
                            "unknown model '{name}'; use one of: {}, or data.file for your own data",
                            MODEL_NAMES.join(", ")
                        ),
                    )
                })?;
                let points = positive_count("data.points", data.points, 200)?;
                let range = match data.range.as_deref() {
                    None if model.n_dims() == 1 => (-10.0, 10.0),
                    None => (-2.0, 2.0),
                    Some([a, b]) if a.is_finite() && b.is_finite() && a < b => (*a, *b),
                    Some(other) => {
                        return Err(Error::invalid(
                            "data.range",
                            format!("{other:?} is not an interval; write range = [-10.0, 10.0]"),
                        ))
                    }
                };
                let default_sampling = if model.n_dims() == 1 {
                    "adaptive"
                } else {
                    "uniform"
                };
                let sampling = choice(
                    "data.sampling",
                    data.sampling.as_deref().unwrap_or(default_sampling),
                    &["adaptive", "uniform"],
                )?;
                DataSource::Model {
                    name: name.to_string(),
                    points,
                    range,
                    sampling: Sampling::from_name(sampling).expect("checked"),
                }
            }
        };
        let terms = match &data.terms {
            None => None,
            Some(t) => {
                for term in t {
                    choice("data.terms", term, TERMS)?;
                }
                if !t.iter().any(|s| s == "energies") {
                    return Err(Error::invalid(
                        "data.terms",
                        "must include \"energies\": the surfaces are what the network is fitted to",
                    ));
                }
                Some(t.clone())
            }
        };

        let network: NetworkSection = section(&self.table, "network")?;
        let defaults = FitSettings::default();
        let hidden = match &network.widths {
            None => defaults.hidden.clone(),
            Some(w) if !w.is_empty() && w.iter().all(|&v| v > 0) => {
                w.iter().map(|&v| v as usize).collect()
            }
            Some(w) => {
                return Err(Error::invalid(
                    "network.widths",
                    format!("{w:?}: give one or more positive hidden widths, e.g. [48, 48]"),
                ))
            }
        };
        let activation = match network.activation.as_deref() {
            None => defaults.activation,
            Some(a) => Activation::from_name(a).ok_or_else(|| {
                Error::invalid(
                    "network.activation",
                    format!("'{a}' is not allowed; use one of: tanh, silu"),
                )
            })?,
        };

        let t: TrainingSection = section(&self.table, "training")?;
        let refiner = match t.refiner.as_deref() {
            None => defaults.refiner,
            Some(r) => Refiner::from_name(r).ok_or_else(|| {
                Error::invalid(
                    "training.refiner",
                    format!("'{r}' is not allowed; use one of: levenberg-marquardt, lbfgs"),
                )
            })?,
        };
        let settings = FitSettings {
            hidden,
            activation,
            weights: LossWeights {
                energy: t.energy_weight.unwrap_or(defaults.weights.energy),
                gradient: t.gradient_weight.unwrap_or(defaults.weights.gradient),
                coupling: t.coupling_weight.unwrap_or(defaults.weights.coupling),
            },
            adam_epochs: count("training.adam_epochs", t.adam_epochs, defaults.adam_epochs)?,
            learning_rate: t.learning_rate.unwrap_or(defaults.learning_rate),
            final_learning_rate: t
                .final_learning_rate
                .unwrap_or(defaults.final_learning_rate),
            refiner,
            refine_iterations: count(
                "training.refine_iterations",
                t.refine_iterations,
                defaults.refine_iterations,
            )?,
            lbfgs_memory: positive_count(
                "training.lbfgs_memory",
                t.lbfgs_memory,
                defaults.lbfgs_memory,
            )?,
            validation_fraction: t
                .validation_fraction
                .unwrap_or(defaults.validation_fraction),
            check_every: positive_count(
                "training.check_every",
                t.check_every,
                defaults.check_every,
            )?,
            patience: positive_count("training.patience", t.patience, defaults.patience)?,
            weight_decay: t.weight_decay.unwrap_or(defaults.weight_decay),
            starts: positive_count("training.starts", t.starts, defaults.starts)?,
            prefit_epochs: count(
                "training.prefit_epochs",
                t.prefit_epochs,
                defaults.prefit_epochs,
            )?,
            seed,
        };
        settings.check()?;
        let output: OutputSection = section(&self.table, "output")?;
        Ok(DiabaticFitProblem {
            source,
            terms,
            settings,
            output: output.file.map(PathBuf::from),
            seed,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fit(text: &str) -> Result<DiabaticFitProblem> {
        Deck::from_str(text, "fit.toml")?.diabatic_fit()
    }

    #[test]
    fn defaults_fit_tully1_from_200_adaptive_points() {
        let p = fit("").unwrap();
        assert_eq!(
            p.source,
            DataSource::Model {
                name: "tully1".into(),
                points: 200,
                range: (-10.0, 10.0),
                sampling: Sampling::Adaptive
            }
        );
        let data = p.data().unwrap();
        assert_eq!(data.len(), 200);
        assert!(data.gradients.is_none() && data.couplings.is_some());
    }

    #[test]
    fn errors_name_the_key() {
        let cases = [
            ("[data]\nfrom_model = \"tully9\"\n", "data.from_model"),
            (
                "[data]\nfrom_model = \"tully1\"\nfile = \"x.h5\"\n",
                "data.file",
            ),
            ("[data]\nfile = \"x.h5\"\npoints = 10\n", "data.points"),
            ("[data]\npoints = 0\n", "data.points"),
            ("[data]\nrange = [1.0, -1.0]\n", "data.range"),
            ("[data]\nsampling = \"random\"\n", "data.sampling"),
            ("[data]\nterms = [\"couplings\"]\n", "data.terms"),
            ("[data]\nterms = [\"energy\"]\n", "data.terms"),
            ("[network]\nwidths = [0]\n", "network.widths"),
            ("[network]\nactivation = \"relu\"\n", "network.activation"),
            ("[training]\nrefiner = \"newton\"\n", "training.refiner"),
            (
                "[training]\nlearning_rate = -1.0\n",
                "training.learning_rate",
            ),
            (
                "[training]\nvalidation_fraction = 1.0\n",
                "training.validation_fraction",
            ),
            ("[training]\nepochs = 3\n", "training.epochs"),
            ("[trainings]\n", "trainings"),
        ];
        for (text, key) in cases {
            let e = fit(text).expect_err(text).to_string();
            assert!(e.contains(key), "'{e}' should name '{key}'");
        }
        let lvc =
            fit("[data]\nfrom_model = \"lvc2d\"\nterms = [\"energies\", \"gradients\"]\n").unwrap();
        assert_eq!(lvc.data().unwrap().n_dims, 2);
    }
}
