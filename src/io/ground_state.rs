//! Deck sections of a variational ground-state run:
//!
//! ```toml
//! [ansatz]
//! kind = "rbm"            # rbm | rbm-symmetric | ffnn | autoregressive | jastrow
//! alpha = 1.0             # rbm: hidden units per site; rbm-symmetric: feature filters
//!                         # (whole number; α|G| = αN hidden units, translations shared);
//!                         # ffnn: one hidden layer of αN units
//! layers = [40, 20]       # ffnn: 1 to 3 hidden-layer widths instead of alpha
//! symmetry = "none"       # none | translation | translation+flip: project ψ on a sector
//! momentum = [0, 0]       # with symmetry: momentum in units of 2π/L (complex unless 0 or π)
//! parity = 1              # translation+flip: spin-flip parity (Sz = 0 or no sector)
//! complex = false         # complex parameters (needed when signs are not known)
//! init_std = 0.01         # standard deviation of the initial parameters (ffnn: of
//!                         # the first layer, default 1/√N; deeper layers 1/√fan-in)
//!
//! [sampler]
//! kind = "local"          # local | exchange | exact | direct (default: direct for an
//!                         # autoregressive ansatz, else exchange in a fixed-Sz sector)
//! samples = 1008          # per iteration, a multiple of chains
//! chains = 16
//! sweep = 0               # proposals between samples; 0 = N (one sweep)
//! discard = 5             # sweeps discarded at the start of every iteration
//! burn_in = 50            # extra sweeps before the first iteration
//!
//! [optimizer]
//! kind = "sr"             # sr | minsr | adam | sgd; default: minsr when the parameters
//!                         # outnumber the samples, sr otherwise
//! learning_rate = 0.05
//! final_learning_rate = 0.005 # optional: geometric decay to this rate over
//! decay_iterations = 300  # this many updates (default: vmc.iterations), then constant
//! diag_shift = 0.01       # sr
//! solver = "auto"         # sr: auto | parameters | samples
//! rcond = 1e-4            # minsr: relative eigenvalue cut-off of the sample kernel
//! beta1 = 0.9             # adam (also beta2 = 0.999, epsilon = 1e-8)
//! max_step = 0.1          # longest Fubini–Study step (radians); default 0.1 for sr and
//!                         # minsr, none for adam and sgd; 0 = no limit
//!
//! [vmc]
//! iterations = 300
//! final_samples = 4032    # default: 4 × samples
//! target_variance = 1e-6  # optional early stop
//! reference = -97.757589597   # optional known E0 (e.g. from QMC) when exact
//!                         # diagonalization is out of reach; reported like an exact one
//! ```

use super::deck::{choice, count, reject_unread};
use crate::ansatz::check_layers;
use crate::error::{Error, Result};
use crate::hilbert::SpinHilbert;
use crate::sampler::MetropolisSettings;
use crate::vmc::{
    AnsatzKind, AnsatzSpec, Decay, GroundStateSpec, Method, Projection, SamplerKind, SamplerSpec,
    SrSpace, VmcSettings,
};
use serde::Deserialize;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AnsatzSection {
    kind: Option<String>,
    alpha: Option<f64>,
    layers: Option<Vec<i64>>,
    symmetry: Option<String>,
    momentum: Option<Vec<i64>>,
    parity: Option<i64>,
    complex: Option<bool>,
    init_std: Option<f64>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SamplerSection {
    kind: Option<String>,
    samples: Option<i64>,
    chains: Option<i64>,
    sweep: Option<i64>,
    discard: Option<i64>,
    burn_in: Option<i64>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct OptimizerSection {
    kind: Option<String>,
    learning_rate: Option<f64>,
    diag_shift: Option<f64>,
    solver: Option<String>,
    rcond: Option<f64>,
    beta1: Option<f64>,
    beta2: Option<f64>,
    epsilon: Option<f64>,
    max_step: Option<f64>,
    final_learning_rate: Option<f64>,
    decay_iterations: Option<i64>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct VmcSection {
    iterations: Option<i64>,
    final_samples: Option<i64>,
    target_variance: Option<f64>,
    reference: Option<f64>,
}

fn positive_count(key: &str, v: Option<i64>, default: usize) -> Result<usize> {
    let n = count(key, v, default)?;
    if n == 0 {
        return Err(Error::invalid(key, "must be at least 1"));
    }
    Ok(n)
}

impl AnsatzSection {
    /// The checked ansatz on `n_sites` sites.
    fn spec(&self, n_sites: usize) -> Result<AnsatzSpec> {
        let kinds = [
            AnsatzKind::Rbm,
            AnsatzKind::Jastrow,
            AnsatzKind::SymmetricRbm,
            AnsatzKind::Ffnn,
            AnsatzKind::Autoregressive,
        ];
        let names: Vec<&str> = kinds.iter().map(|k| k.name()).collect();
        let name = choice("ansatz.kind", self.kind.as_deref().unwrap_or("rbm"), &names)?;
        let kind = kinds[names
            .iter()
            .position(|n| *n == name)
            .expect("a listed name")];
        if kind == AnsatzKind::Jastrow && self.alpha.is_some() {
            return Err(Error::invalid(
                "ansatz.alpha",
                "applies to kind = \"rbm\" only; a Jastrow state has no hidden units",
            ));
        }
        let alpha = self.alpha.unwrap_or(1.0);
        if !(alpha > 0.0 && alpha.is_finite()) {
            return Err(Error::invalid(
                "ansatz.alpha",
                format!("{alpha} must be positive (hidden units per site), e.g. alpha = 1"),
            ));
        }
        if kind == AnsatzKind::SymmetricRbm && alpha.fract() != 0.0 {
            return Err(Error::invalid(
                "ansatz.alpha",
                format!(
                    "{alpha}: rbm-symmetric takes a whole number of feature filters (α hidden \
                     units per site), e.g. alpha = 2"
                ),
            ));
        }
        // A deep ln cosh network from 0.01-sized weights passes on a signal of ~10⁻⁴
        // per layer and does not train; LeCun's 1/√N keeps the first layer's z ~ 1.
        let init_std = self.init_std.unwrap_or(if kind == AnsatzKind::Ffnn {
            1.0 / (n_sites as f64).sqrt()
        } else {
            0.01
        });
        if !(init_std >= 0.0 && init_std.is_finite()) {
            return Err(Error::invalid(
                "ansatz.init_std",
                format!("{init_std} must be a non-negative number, e.g. 0.01"),
            ));
        }
        let layers = match &self.layers {
            None => Vec::new(),
            Some(_) if kind != AnsatzKind::Ffnn => {
                return Err(Error::invalid(
                    "ansatz.layers",
                    "applies to kind = \"ffnn\" only (hidden-layer widths)",
                ))
            }
            Some(widths) => {
                let widths = check_layers(widths)?;
                if self.alpha.is_some() {
                    return Err(Error::invalid(
                        "ansatz.alpha",
                        "give either alpha (one hidden layer of alpha N units) or layers, not both",
                    ));
                }
                widths
            }
        };
        let projection = match self.symmetry.as_deref() {
            None | Some("none") => {
                if self.momentum.is_some() || self.parity.is_some() {
                    return Err(Error::invalid(
                        "ansatz.symmetry",
                        "momentum and parity need symmetry = \"translation\" or \
                         \"translation+flip\"",
                    ));
                }
                None
            }
            Some(name) => {
                let name = choice(
                    "ansatz.symmetry",
                    name,
                    &["none", "translation", "translation+flip"],
                )?;
                let momentum = match self.momentum.as_deref() {
                    None => (0, 0),
                    Some([kx]) => (*kx, 0),
                    Some([kx, ky]) => (*kx, *ky),
                    Some(other) => {
                        return Err(Error::invalid(
                            "ansatz.momentum",
                            format!("{other:?}: give [kx] or [kx, ky] in units of 2π/L"),
                        ))
                    }
                };
                let parity = match (name, self.parity) {
                    ("translation+flip", None | Some(1)) => Some(1),
                    ("translation+flip", Some(-1)) => Some(-1),
                    ("translation", None) => None,
                    (_, Some(p)) => {
                        return Err(Error::invalid(
                            "ansatz.parity",
                            format!(
                                "{p}: the spin-flip parity is 1 or -1, with \
                                 symmetry = \"translation+flip\""
                            ),
                        ))
                    }
                    _ => None,
                };
                Some(Projection { momentum, parity })
            }
        };
        Ok(AnsatzSpec {
            kind,
            alpha,
            layers,
            projection,
            complex: self.complex.unwrap_or(false),
            init_std,
        })
    }
}

impl SamplerSection {
    /// The checked sampler on `space` for an ansatz of kind `ansatz` (autoregressive
    /// states are sampled directly by default).
    fn spec(&self, space: &SpinHilbert, ansatz: AnsatzKind) -> Result<(SamplerSpec, usize)> {
        let default_kind = if ansatz == AnsatzKind::Autoregressive {
            "direct"
        } else if space.n_up().is_some() {
            "exchange"
        } else {
            "local"
        };
        let kind = match choice(
            "sampler.kind",
            self.kind.as_deref().unwrap_or(default_kind),
            &["local", "exchange", "exact", "direct"],
        )? {
            "exchange" => SamplerKind::Exchange,
            "exact" => SamplerKind::Exact,
            "direct" => SamplerKind::Direct,
            _ => SamplerKind::Local,
        };
        if kind == SamplerKind::Direct && ansatz != AnsatzKind::Autoregressive {
            return Err(Error::invalid(
                "sampler.kind",
                format!(
                    "direct sampling needs kind = \"autoregressive\" in [ansatz], not \"{}\"; \
                     use \"local\" or \"exchange\"",
                    ansatz.name()
                ),
            ));
        }
        let defaults = MetropolisSettings::default();
        let chains = MetropolisSettings {
            n_chains: positive_count("sampler.chains", self.chains, defaults.n_chains)?,
            sweep: count("sampler.sweep", self.sweep, defaults.sweep)?,
            discard: count("sampler.discard", self.discard, defaults.discard)?,
            burn_in: count("sampler.burn_in", self.burn_in, defaults.burn_in)?,
        };
        let samples = positive_count("sampler.samples", self.samples, 1008)?;
        Ok((SamplerSpec { kind, chains }, samples))
    }
}

/// The `[optimizer]` section, checked.
struct OptimizerSpec {
    method: Method,
    learning_rate: f64,
    max_step: Option<f64>,
    decay: Option<Decay>,
}

impl OptimizerSection {
    /// The update rule, learning rate, step limit and decay, for `n_params` parameters,
    /// `samples` samples per iteration and a run of `iterations` iterations.
    fn spec(&self, n_params: usize, samples: usize, iterations: usize) -> Result<OptimizerSpec> {
        // minSR's sample-space solve is the natural choice once the parameters
        // outnumber the samples (Chen & Heyl 2024).
        let default = if n_params > samples { "minsr" } else { "sr" };
        let kind = choice(
            "optimizer.kind",
            self.kind.as_deref().unwrap_or(default),
            &["sr", "minsr", "adam", "sgd"],
        )?;
        let allowed: &[&str] = match kind {
            "sr" => &["diag_shift", "solver"],
            "minsr" => &["rcond"],
            "adam" => &["beta1", "beta2", "epsilon"],
            _ => &[],
        };
        let given = [
            ("diag_shift", self.diag_shift.is_some()),
            ("solver", self.solver.is_some()),
            ("rcond", self.rcond.is_some()),
            ("beta1", self.beta1.is_some()),
            ("beta2", self.beta2.is_some()),
            ("epsilon", self.epsilon.is_some()),
        ];
        reject_unread("optimizer", ("kind", kind), &given, allowed)?;
        let learning_rate = self
            .learning_rate
            .unwrap_or(if kind == "adam" { 0.01 } else { 0.05 });
        if !(learning_rate > 0.0 && learning_rate.is_finite()) {
            return Err(Error::invalid(
                "optimizer.learning_rate",
                format!("{learning_rate} must be positive, e.g. 0.05"),
            ));
        }
        let method = match kind {
            "sr" => Method::Sr {
                diag_shift: self.diag_shift.unwrap_or(0.01),
                space: match choice(
                    "optimizer.solver",
                    self.solver.as_deref().unwrap_or("auto"),
                    &["auto", "parameters", "samples"],
                )? {
                    "parameters" => SrSpace::Parameters,
                    "samples" => SrSpace::Samples,
                    _ => SrSpace::Auto,
                },
            },
            "minsr" => Method::MinSr {
                rcond: self.rcond.unwrap_or(DEFAULT_RCOND),
            },
            "adam" => Method::Adam {
                beta1: self.beta1.unwrap_or(0.9),
                beta2: self.beta2.unwrap_or(0.999),
                epsilon: self.epsilon.unwrap_or(1e-8),
            },
            _ => Method::Sgd,
        };
        let max_step = match self.max_step {
            Some(0.0) => None,
            Some(limit) => Some(limit),
            None if matches!(kind, "sr" | "minsr") => Some(DEFAULT_MAX_STEP),
            None => None,
        };
        let decay = match (self.final_learning_rate, self.decay_iterations) {
            (None, Some(_)) => {
                return Err(Error::invalid(
                    "optimizer.decay_iterations",
                    "needs optimizer.final_learning_rate, the rate to decay to",
                ))
            }
            (None, None) => None,
            (Some(final_rate), steps) => Some(Decay {
                final_rate,
                steps: positive_count("optimizer.decay_iterations", steps, iterations.max(1))?
                    as u64,
            }),
        };
        // Range checks live with the optimizer; run them now so decks fail early.
        crate::vmc::Optimizer::<f64>::new(method.clone(), learning_rate)?
            .with_max_step(max_step)?
            .with_decay(decay)?;
        Ok(OptimizerSpec {
            method,
            learning_rate,
            max_step,
            decay,
        })
    }
}

/// Default relative cut-off of minSR's pseudo-inverse. Measured on the Heisenberg ring
/// of 12 spins (FFNN [24, 12], 624 parameters, 496 samples, 300 iterations, seed 1234):
/// with 10⁻¹⁰ and 10⁻⁶ the noise directions of the kernel blow the state up (relative
/// errors 0.59 and 0.064 at the end), with 10⁻⁴ it converges (1.4·10⁻⁴).
pub const DEFAULT_RCOND: f64 = 1e-4;

/// Default limit on the Fubini–Study length of an SR or minSR update (radians).
pub const DEFAULT_MAX_STEP: f64 = 0.1;

/// Validates the ground-state sections of a deck.
pub(crate) fn ground_state_spec(
    ansatz: &AnsatzSection,
    sampler: &SamplerSection,
    optimizer: &OptimizerSection,
    vmc: &VmcSection,
    space: &SpinHilbert,
) -> Result<GroundStateSpec> {
    let ansatz = ansatz.spec(space.n_sites())?;
    let (sampler, samples) = sampler.spec(space, ansatz.kind)?;
    let iterations = count("vmc.iterations", vmc.iterations, 300)?;
    let optimizer = optimizer.spec(ansatz.n_params(space.n_sites()), samples, iterations)?;
    let final_samples = positive_count("vmc.final_samples", vmc.final_samples, 4 * samples)?;
    let settings = VmcSettings {
        samples,
        iterations,
        final_samples,
        target_variance: vmc.target_variance,
    };
    let chains = match sampler.kind {
        SamplerKind::Exact => 1,
        _ => sampler.chains.n_chains,
    };
    settings.check(chains)?;
    if let Some(e) = vmc.reference {
        if !e.is_finite() {
            return Err(Error::invalid(
                "vmc.reference",
                "must be a finite energy (hartree-free model units), e.g. -97.757589597",
            ));
        }
    }
    Ok(GroundStateSpec {
        reference: vmc.reference,
        ansatz,
        sampler,
        method: optimizer.method,
        learning_rate: optimizer.learning_rate,
        max_step: optimizer.max_step,
        decay: optimizer.decay,
        settings,
    })
}
