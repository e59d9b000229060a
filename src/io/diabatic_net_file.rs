//! Saving and loading a trained [`DiabaticNet`] in HDF5, in a layout simple enough to
//! evaluate the network outside hamlet (numpy and h5py suffice).
//!
//! # Layout
//!
//! At the root of the file (or of any group, for [`net_to_group`] and
//! [`net_from_group`]):
//!
//! | name             | kind                   | content                                         |
//! |------------------|------------------------|-------------------------------------------------|
//! | `kind`           | attribute, text        | `"diabatic-net"`                                |
//! | `format_version` | attribute, integer     | `1`                                             |
//! | `n_states`       | attribute, integer     | number of electronic states `n ≥ 2`             |
//! | `n_dims`         | attribute, integer     | number of nuclear coordinates `d ≥ 1`           |
//! | `activation`     | attribute, text        | `"tanh"` or `"silu"` (`z/(1 + e^{−z})`)         |
//! | `energy_shift`   | attribute, float       | `ε₀` (hartree)                                  |
//! | `energy_scale`   | attribute, float       | `ε > 0` (hartree)                               |
//! | `hidden_widths`  | dataset, integer `[L]` | widths of the `L ≥ 1` hidden layers             |
//! | `input_center`   | dataset, float `[d]`   | `c` (bohr)                                      |
//! | `input_width`    | dataset, float `[d]`   | `w > 0` (bohr)                                  |
//! | `layers/0` … `layers/L` | groups          | `weight` (float `[out, in]`) and `bias` (float `[out]`) |
//!
//! Layer `l` maps `size_l` inputs to `size_{l+1}` outputs, with the sizes
//! `[d, hidden_widths…, n(n+1)/2]`. With `s = (R − c)/w` (per coordinate), the hidden
//! layers `a₀ = s`, `a_{l+1} = act(W_l a_l + b_l)` for `l < L`, and the linear last
//! layer `y = W_L a_L + b_L`, the diabatic matrix (hartree, `R` in bohr) is
//!
//! ```text
//! H_ab = energy_shift·δ_ab + energy_scale·y_{e(a,b)},
//! ```
//!
//! with `e(a, b)` (`a ≤ b`, and `H_ba = H_ab`) the index of `(a, b)` in the upper
//! triangle in row-major order: `(0,0), (0,1), …, (0,n−1), (1,1), …, (n−1,n−1)`.
//!
//! Floats are float64 (integer datasets and attributes are accepted in their place
//! and converted); other datasets, groups and attributes are ignored, so a file can hold
//! more (e.g. `fit`, with the training metrics, written by [`write_net`]). The writer
//! replaces the file atomically (a temporary file renamed over the destination).
//!
//! # Evaluating the network with numpy
//!
//! ```python
//! import h5py, numpy as np
//!
//! def load_diabatic_net(path):
//!     """H(R): (d,) geometry in bohr -> (n, n) diabatic matrix in hartree."""
//!     text = lambda v: v.decode() if isinstance(v, bytes) else str(v)
//!     with h5py.File(path, "r") as f:
//!         assert text(f.attrs["kind"]) == "diabatic-net" and f.attrs["format_version"] == 1
//!         n = int(f.attrs["n_states"])
//!         act = {"tanh": np.tanh, "silu": lambda z: z / (1.0 + np.exp(-z))}[
//!             text(f.attrs["activation"])]
//!         shift, scale = float(f.attrs["energy_shift"]), float(f.attrs["energy_scale"])
//!         center, width = f["input_center"][()], f["input_width"][()]
//!         layers = [(f[f"layers/{l}/weight"][()], f[f"layers/{l}/bias"][()])
//!                   for l in range(len(f["hidden_widths"]) + 1)]
//!
//!     def H(R):
//!         a = (np.asarray(R, dtype=float) - center) / width
//!         for W, b in layers[:-1]:
//!             a = act(W @ a + b)
//!         W, b = layers[-1]
//!         y = W @ a + b
//!         upper = np.zeros((n, n))
//!         upper[np.triu_indices(n)] = y  # (0,0), (0,1), …, (0,n-1), (1,1), …
//!         return shift * np.eye(n) + scale * (upper + np.triu(upper, 1).T)
//!
//!     return H
//! ```
//!
//! Writing a file in this layout by hand (with h5py, say) gives a network that
//! [`read_net`] loads; the reader checks every shape against `hidden_widths`,
//! `n_dims` and `n_states`, and refuses non-finite weights. Text attributes may be
//! fixed- or variable-length strings (h5py's default for a Python `str`).

use super::h5::{self, Attr, Data, Group};
use crate::error::{Error, Result};
use crate::nonadiabatic::{Activation, Architecture, DiabaticNet, Scaling};
use std::path::Path;

const KEY: &str = "network.file";

/// The value of the `kind` attribute.
pub const KIND: &str = "diabatic-net";

/// The layout version written, and the newest one read.
pub const FORMAT_VERSION: i64 = 1;

/// Names the network group uses at its top level (taken by the network, not
/// available to the extra groups of [`write_net`]).
const RESERVED: [&str; 4] = ["hidden_widths", "input_center", "input_width", "layers"];

const ACCEPTED_ACTIVATIONS: &str = "'tanh' and 'silu' (also spelled 'swish')";

fn invalid(origin: &str, message: impl std::fmt::Display) -> Error {
    Error::invalid(KEY, format!("{origin}: {message}"))
}

/// The network as an HDF5 group (see the [module documentation](self) for the
/// layout).
pub fn net_to_group(net: &DiabaticNet) -> Group {
    let architecture = net.architecture();
    let scaling = net.scaling();
    let mut group = Group::default();
    group.set_attr("kind", Attr::Text(KIND.into()));
    group.set_attr("format_version", Attr::Int(FORMAT_VERSION));
    group.set_attr("n_states", Attr::Int(architecture.n_states as i64));
    group.set_attr("n_dims", Attr::Int(architecture.n_dims as i64));
    group.set_attr(
        "activation",
        Attr::Text(architecture.activation.name().into()),
    );
    group.set_attr("energy_shift", Attr::Float(scaling.energy_shift));
    group.set_attr("energy_scale", Attr::Float(scaling.energy_scale));
    group.set_vector(
        "hidden_widths",
        Data::Int(architecture.hidden.iter().map(|&h| h as i64).collect()),
    );
    for (name, values) in [
        ("input_center", &scaling.center),
        ("input_width", &scaling.width),
    ] {
        group.set_vector(name, Data::Float(values.clone()));
        if let Some(ds) = group.datasets.get_mut(name) {
            ds.attrs.insert("units".into(), Attr::Text("bohr".into()));
        }
    }
    let sizes = layer_sizes(architecture);
    let mut parameters = net.parameters();
    for (l, w) in sizes.windows(2).enumerate() {
        let (inputs, outputs) = (w[0], w[1]);
        let (weight, rest) = parameters.split_at(outputs * inputs);
        let (bias, rest) = rest.split_at(outputs);
        parameters = rest;
        let layer = group.group_mut(&format!("layers/{l}"));
        layer.set_array(
            "weight",
            Data::Float(weight.to_vec()),
            vec![outputs, inputs],
        );
        layer.set_vector("bias", Data::Float(bias.to_vec()));
    }
    group
}

/// Layer sizes `[d, hidden…, n(n+1)/2]`.
fn layer_sizes(architecture: &Architecture) -> Vec<usize> {
    let mut sizes = vec![architecture.n_dims];
    sizes.extend(&architecture.hidden);
    sizes.push(architecture.n_entries());
    sizes
}

/// Writes `net` to `path` at the root, with the groups `extra` (e.g. `("fit", metrics)`)
/// next to it, replacing the file atomically (and synced to the disk). Extra groups may
/// not take the names the network uses (`hidden_widths`, `input_center`,
/// `input_width`, `layers`).
pub fn write_net(path: &Path, net: &DiabaticNet, extra: &[(&str, Group)]) -> Result<()> {
    let origin = path.display().to_string();
    let mut root = net_to_group(net);
    for (name, group) in extra {
        if name.is_empty() || name.contains('/') || name.starts_with('.') {
            return Err(invalid(
                &origin,
                format!("cannot add the group '{name}': give a plain name such as 'fit'"),
            ));
        }
        if RESERVED.contains(name) {
            return Err(invalid(
                &origin,
                format!(
                    "cannot add the group '{name}': the network uses that name; choose \
                     another (e.g. 'fit')"
                ),
            ));
        }
        if root
            .groups
            .insert(name.to_string(), group.clone())
            .is_some()
        {
            return Err(invalid(
                &origin,
                format!("the extra group '{name}' is given twice; merge them into one"),
            ));
        }
    }
    h5::write_atomic(path, &root, true)
}

/// Reads a network written by [`write_net`] (or by hand in the same layout, e.g.
/// with h5py).
pub fn read_net(path: &Path) -> Result<DiabaticNet> {
    let origin = path.display().to_string();
    if !path.exists() {
        return Err(invalid(
            &origin,
            "no such file; give the path written by `hamlet diabatic fit --output`",
        ));
    }
    let root = h5::read(path).map_err(|e| match e {
        Error::Invalid { message, .. } => invalid(
            &origin,
            format!("{message}; give the file written by `hamlet diabatic fit --output`"),
        ),
        other => other,
    })?;
    net_from_group(&root, &origin)
}

/// The network stored in `group`; `origin` names the file (and group) in errors.
pub fn net_from_group(group: &Group, origin: &str) -> Result<DiabaticNet> {
    let r = Reader { group, origin };
    r.check_kind()?;
    let n_states = r.count("n_states", "the number of electronic states")?;
    if n_states < 2 {
        return Err(invalid(
            origin,
            format!("n_states = {n_states}: a diabatic matrix needs at least 2 states"),
        ));
    }
    let n_dims = r.count("n_dims", "the number of nuclear coordinates")?;
    if n_dims == 0 {
        return Err(invalid(
            origin,
            "n_dims = 0: the network needs at least one coordinate",
        ));
    }
    let activation = r.activation()?;
    let hidden = r.hidden_widths()?;
    let scaling = r.scaling(n_dims)?;
    let architecture = Architecture {
        n_states,
        n_dims,
        hidden,
        activation,
    };
    let parameters = r.parameters(&architecture)?;
    DiabaticNet::from_parts(architecture, scaling, parameters).map_err(|e| match e {
        Error::Invalid { key, message } => invalid(origin, format!("{key}: {message}")),
        other => other,
    })
}

/// Reads the pieces of a network group, with errors naming `origin`.
struct Reader<'a> {
    group: &'a Group,
    origin: &'a str,
}

impl Reader<'_> {
    fn fail(&self, message: impl std::fmt::Display) -> Error {
        invalid(self.origin, message)
    }

    fn check_kind(&self) -> Result<()> {
        match self.group.attrs.get("kind") {
            Some(Attr::Text(kind)) if kind == KIND => {}
            Some(Attr::Text(kind)) => {
                return Err(self.fail(format!(
                    "is a '{kind}' file (attribute kind), not a diabatic network \
                     ('{KIND}'); give the file written by `hamlet diabatic fit --output`"
                )))
            }
            Some(other) => {
                return Err(self.fail(format!(
                    "the attribute kind is {other:?}, not the text '{KIND}'; this is not a \
                     diabatic network file (give the file written by `hamlet diabatic fit \
                     --output`)"
                )))
            }
            None => {
                return Err(self.fail(format!(
                    "not a diabatic network file: no attribute kind = '{KIND}'; give the \
                     file written by `hamlet diabatic fit --output`"
                )))
            }
        }
        let version = self.int("format_version", "the layout version, 1")?;
        if version > FORMAT_VERSION {
            return Err(self.fail(format!(
                "format_version {version} is newer than this hamlet reads \
                 ({FORMAT_VERSION}); update hamlet to read this network"
            )));
        }
        if version < 1 {
            return Err(self.fail(format!(
                "format_version {version} is not a valid version; the layout is version \
                 {FORMAT_VERSION}"
            )));
        }
        Ok(())
    }

    fn attr(&self, name: &str, what: &str) -> Result<&Attr> {
        self.group.attrs.get(name).ok_or_else(|| {
            self.fail(format!(
                "no attribute '{name}' ({what}); a diabatic network file needs it{}",
                if name == "activation" {
                    " (\"tanh\" or \"silu\")"
                } else {
                    ""
                }
            ))
        })
    }

    fn int(&self, name: &str, what: &str) -> Result<i64> {
        match self.attr(name, what)? {
            Attr::Int(i) => Ok(*i),
            Attr::Float(x) if x.fract() == 0.0 && x.abs() < 2f64.powi(53) => Ok(*x as i64),
            other => Err(self.fail(format!(
                "the attribute '{name}' ({what}) is {other:?}; store it as an integer"
            ))),
        }
    }

    fn count(&self, name: &str, what: &str) -> Result<usize> {
        let value = self.int(name, what)?;
        usize::try_from(value).map_err(|_| {
            self.fail(format!(
                "the attribute '{name}' ({what}) is {value}; it cannot be negative"
            ))
        })
    }

    fn float(&self, name: &str, what: &str) -> Result<f64> {
        match self.attr(name, what)? {
            Attr::Float(x) => Ok(*x),
            Attr::Int(i) => Ok(*i as f64),
            other => Err(self.fail(format!(
                "the attribute '{name}' ({what}) is {other:?}; store it as a float"
            ))),
        }
    }

    fn activation(&self) -> Result<Activation> {
        match self.attr("activation", "the hidden layers' activation")? {
            Attr::Text(name) => Activation::from_name(name).ok_or_else(|| {
                self.fail(format!(
                    "unknown activation '{name}'; accepted: {ACCEPTED_ACTIVATIONS}"
                ))
            }),
            other => Err(self.fail(format!(
                "the attribute 'activation' is {other:?}; store the name as text, one of \
                 {ACCEPTED_ACTIVATIONS}"
            ))),
        }
    }

    /// The float values and shape of the dataset `name` (a path such as
    /// `layers/0/weight`).
    fn floats(&self, name: &str, what: &str) -> Result<(Vec<f64>, Vec<usize>)> {
        let (parent, leaf) = match name.rsplit_once('/') {
            Some((parent, leaf)) => (self.group.group(parent), leaf),
            None => (Some(self.group), name),
        };
        let Some(ds) = parent.and_then(|g| g.datasets.get(leaf)) else {
            return Err(self.fail(format!(
                "no dataset '{name}' ({what}); a diabatic network file needs it"
            )));
        };
        let values = ds.data.to_f64().ok_or_else(|| {
            self.fail(format!(
                "the dataset '{name}' is complex; store it as float64"
            ))
        })?;
        Ok((values, ds.shape.clone()))
    }

    fn hidden_widths(&self) -> Result<Vec<usize>> {
        let what = "the widths of the hidden layers";
        let (values, shape) = self.floats("hidden_widths", what)?;
        if shape.len() != 1 {
            return Err(self.fail(format!(
                "hidden_widths has shape {shape:?}; store the widths as a one-dimensional \
                 integer array, e.g. [32, 32]"
            )));
        }
        let widths: Option<Vec<usize>> = values
            .iter()
            .map(|&v| (v >= 1.0 && v.fract() == 0.0 && v < 2f64.powi(32)).then_some(v as usize))
            .collect();
        match widths {
            Some(widths) if !widths.is_empty() => Ok(widths),
            _ => Err(self.fail(format!(
                "hidden_widths = [{}]; give one or more positive integer widths, e.g. \
                 [32, 32]",
                values
                    .iter()
                    .map(f64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }

    fn scaling(&self, n_dims: usize) -> Result<Scaling> {
        let vector = |name: &str, what: &str| -> Result<Vec<f64>> {
            let (values, shape) = self.floats(name, what)?;
            if shape != [n_dims] {
                return Err(self.fail(format!(
                    "{name} has shape {shape:?} but n_dims = {n_dims} needs [{n_dims}]"
                )));
            }
            Ok(values)
        };
        let center = vector("input_center", "the input centers c, in bohr")?;
        let width = vector("input_width", "the input widths w, in bohr")?;
        if let Some(k) = center.iter().position(|c| !c.is_finite()) {
            return Err(self.fail(format!(
                "input_center[{k}] = {}; the centers must be finite",
                center[k]
            )));
        }
        if let Some(k) = width.iter().position(|w| !(w.is_finite() && *w > 0.0)) {
            return Err(self.fail(format!(
                "input_width[{k}] = {}; the widths must be positive and finite",
                width[k]
            )));
        }
        let energy_shift = self.float("energy_shift", "the energy shift ε₀, in hartree")?;
        if !energy_shift.is_finite() {
            return Err(self.fail(format!("energy_shift = {energy_shift}; it must be finite")));
        }
        let energy_scale = self.float("energy_scale", "the energy scale ε, in hartree")?;
        if !(energy_scale.is_finite() && energy_scale > 0.0) {
            return Err(self.fail(format!(
                "energy_scale = {energy_scale}; it must be positive and finite"
            )));
        }
        Ok(Scaling {
            center,
            width,
            energy_shift,
            energy_scale,
        })
    }

    /// The flat parameter vector (per layer: `W` row-major, then `b`).
    fn parameters(&self, architecture: &Architecture) -> Result<Vec<f64>> {
        let sizes = layer_sizes(architecture);
        let count = sizes.len() - 1;
        let names = format!("layers/0 … layers/{}", count - 1);
        let why = || {
            format!(
                "hidden_widths = {:?}, n_dims = {} and n_states = {} (so {} outputs)",
                architecture.hidden,
                architecture.n_dims,
                architecture.n_states,
                architecture.n_entries()
            )
        };
        let Some(layers) = self.group.group("layers") else {
            return Err(self.fail(format!(
                "no group 'layers'; a diabatic network file needs {names}, each with \
                 datasets weight [out, in] and bias [out]"
            )));
        };
        if let Some(name) = layers.groups.keys().find(|name| {
            !name
                .parse::<usize>()
                .is_ok_and(|l| l < count && l.to_string() == **name)
        }) {
            return Err(self.fail(format!(
                "layers/{name} is not one of the {count} layers ({names}) that {} give; \
                 check hidden_widths",
                why()
            )));
        }
        let mut parameters = Vec::with_capacity(architecture.n_parameters());
        for (l, w) in sizes.windows(2).enumerate() {
            let (inputs, outputs) = (w[0], w[1]);
            if layers.group(&l.to_string()).is_none() {
                return Err(self.fail(format!(
                    "no group 'layers/{l}'; {} give {count} layers, {names}",
                    why()
                )));
            }
            for (dataset, expected) in [("weight", vec![outputs, inputs]), ("bias", vec![outputs])]
            {
                let name = format!("layers/{l}/{dataset}");
                let (values, shape) = self.floats(
                    &name,
                    if dataset == "weight" {
                        "the layer's weights, [out, in]"
                    } else {
                        "the layer's biases, [out]"
                    },
                )?;
                if shape != expected {
                    return Err(self.fail(format!(
                        "{name} has shape {shape:?} but {} need {expected:?}",
                        why()
                    )));
                }
                if let Some(i) = values.iter().position(|v| !v.is_finite()) {
                    let at = if dataset == "weight" {
                        format!("[{}, {}]", i / inputs, i % inputs)
                    } else {
                        format!("[{i}]")
                    };
                    return Err(self.fail(format!(
                        "{name}{at} = {}; the weights must be finite (the training diverged \
                         or the file is damaged: fit the network again)",
                        values[i]
                    )));
                }
                parameters.extend_from_slice(&values);
            }
        }
        Ok(parameters)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_round_trip_in_memory_and_errors_name_the_origin() {
        let architecture = Architecture {
            n_states: 2,
            n_dims: 3,
            hidden: vec![4],
            activation: Activation::Tanh,
        };
        let net = DiabaticNet::new(architecture, Scaling::identity(3), 5).unwrap();
        let group = net_to_group(&net);
        assert_eq!(group.datasets["hidden_widths"].shape, [1]);
        assert_eq!(
            group.group("layers/0").unwrap().datasets["weight"].shape,
            [4, 3]
        );
        assert_eq!(group.group("layers/1").unwrap().datasets["bias"].shape, [3]);
        assert_eq!(net_from_group(&group, "memory").unwrap(), net);

        let mut broken = group.clone();
        broken.attrs.remove("energy_scale");
        let err = net_from_group(&broken, "run.h5:/network")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("network.file: run.h5:/network: no attribute 'energy_scale'"),
            "{err}"
        );
    }
}
