//! Trained diabatic networks through HDF5 files: exact round trips, extra groups next
//! to the network, and the error messages for files that are not (valid) networks. If
//! h5py is importable (`HAMLET_PYTHON`, default `python3`), the numpy example of the
//! module documentation evaluates a written network and must agree with hamlet, and a
//! network written by hand with h5py reads back.

mod common;

use hamlet::io::diabatic_net_file::{net_from_group, net_to_group, read_net, write_net};
use hamlet::io::h5::{self, Attr, Data, Group};
use hamlet::nonadiabatic::{Activation, Architecture, DiabaticModel, DiabaticNet, Scaling};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A per-test scratch directory, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(tag: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("hamlet-diabatic-net-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn file(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Three states in two dimensions, SiLU, non-trivial scaling.
fn silu_net() -> DiabaticNet {
    DiabaticNet::new(
        Architecture {
            n_states: 3,
            n_dims: 2,
            hidden: vec![5, 4],
            activation: Activation::Silu,
        },
        Scaling {
            center: vec![0.25, -1.5],
            width: vec![1.75, 0.6],
            energy_shift: -0.3,
            energy_scale: 0.045,
        },
        7,
    )
    .unwrap()
}

/// Two states in one dimension, tanh, with non-zero biases everywhere.
fn tanh_net() -> DiabaticNet {
    let mut net = DiabaticNet::new(
        Architecture {
            n_states: 2,
            n_dims: 1,
            hidden: vec![6],
            activation: Activation::Tanh,
        },
        Scaling {
            center: vec![0.4],
            width: vec![3.0],
            energy_shift: 0.012,
            energy_scale: 0.2,
        },
        3,
    )
    .unwrap();
    let parameters: Vec<f64> = net
        .parameters()
        .iter()
        .enumerate()
        .map(|(i, p)| p + 0.1 * (i as f64 * 0.37).sin())
        .collect();
    net.set_parameters(&parameters);
    net
}

fn geometries(d: usize) -> Vec<Vec<f64>> {
    (0..5)
        .map(|p| {
            (0..d)
                .map(|k| -2.0 + 0.9 * p as f64 + 0.3 * k as f64)
                .collect()
        })
        .collect()
}

fn error(path: &Path) -> String {
    let err = read_net(path).unwrap_err().to_string();
    assert!(err.starts_with("network.file: "), "{err}");
    assert!(err.contains(&path.display().to_string()), "{err}");
    eprintln!("{err}");
    err
}

#[test]
fn networks_round_trip_exactly() {
    let dir = Scratch::new("round-trip");
    for (name, net) in [("silu", silu_net()), ("tanh", tanh_net())] {
        let path = dir.file(&format!("{name}.h5"));
        write_net(&path, &net, &[]).unwrap();
        assert!(!h5::temporary_path(&path).exists());
        let back = read_net(&path).unwrap();
        assert_eq!(back, net, "{name}");
        assert_eq!(back.parameters(), net.parameters());
        for r in geometries(net.n_dims()) {
            assert_eq!(back.potential(&r), net.potential(&r), "{name} at {r:?}");
            assert_eq!(back.gradient(&r), net.gradient(&r), "{name} at {r:?}");
        }
        // Overwriting replaces the file.
        write_net(&path, &silu_net(), &[]).unwrap();
        assert_eq!(read_net(&path).unwrap(), silu_net());
    }
}

#[test]
fn the_file_has_the_documented_layout_and_the_extra_groups() {
    let dir = Scratch::new("layout");
    let net = silu_net();
    let mut fit = Group::default();
    fit.set_attr("rmse_energy", Attr::Float(1.5e-4));
    fit.set_attr("epochs", Attr::Int(300));
    fit.set_vector("loss", Data::Float(vec![1.0, 0.5, 0.25]));
    fit.group_mut("validation")
        .set_attr("rmse_energy", Attr::Float(2e-4));
    let mut notes = Group::default();
    notes.set_attr("data", Attr::Text("lvc.h5".into()));
    let path = dir.file("net.h5");
    write_net(
        &path,
        &net,
        &[("fit", fit.clone()), ("notes", notes.clone())],
    )
    .unwrap();

    let root = h5::read(&path).unwrap();
    assert_eq!(root.groups["fit"], fit);
    assert_eq!(root.groups["notes"], notes);
    let attr = |name: &str| root.attrs[name].clone();
    assert_eq!(attr("kind"), Attr::Text("diabatic-net".into()));
    assert_eq!(attr("format_version"), Attr::Int(1));
    assert_eq!(attr("n_states"), Attr::Int(3));
    assert_eq!(attr("n_dims"), Attr::Int(2));
    assert_eq!(attr("activation"), Attr::Text("silu".into()));
    assert_eq!(attr("energy_shift"), Attr::Float(-0.3));
    assert_eq!(attr("energy_scale"), Attr::Float(0.045));
    assert_eq!(root.datasets["hidden_widths"].data, Data::Int(vec![5, 4]));
    assert_eq!(
        root.datasets["input_center"].data,
        Data::Float(vec![0.25, -1.5])
    );
    assert_eq!(
        root.datasets["input_width"].data,
        Data::Float(vec![1.75, 0.6])
    );
    let layers = &root.groups["layers"];
    assert_eq!(layers.groups.len(), 3);
    for (l, (out, inp)) in [(5, 2), (4, 5), (6, 4)].into_iter().enumerate() {
        let layer = &layers.groups[&l.to_string()];
        assert_eq!(layer.datasets["weight"].shape, [out, inp], "layer {l}");
        assert_eq!(layer.datasets["bias"].shape, [out], "layer {l}");
    }
    // The first weight row of layer 0 starts the flat parameters.
    let Data::Float(w0) = &layers.groups["0"].datasets["weight"].data else {
        panic!("float weights");
    };
    assert_eq!(w0[..2], net.parameters()[..2]);
    // The extra groups do not disturb reading, in memory or from the file.
    assert_eq!(read_net(&path).unwrap(), net);
    assert_eq!(net_from_group(&root, "root").unwrap(), net);

    // Extra groups may not take the network's names.
    for name in ["layers", "hidden_widths", "", "a/b"] {
        let err = write_net(&dir.file("bad.h5"), &net, &[(name, Group::default())])
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("network.file: ") && err.contains("cannot add"),
            "{err}"
        );
    }
    let err = write_net(
        &dir.file("bad.h5"),
        &net,
        &[("fit", Group::default()), ("fit", Group::default())],
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("'fit' is given twice"), "{err}");
    assert!(!dir.file("bad.h5").exists());
}

#[test]
fn malformed_network_files_are_explained() {
    let dir = Scratch::new("bad");
    let good = net_to_group(&silu_net());
    let write = |name: &str, edit: &dyn Fn(&mut Group)| -> PathBuf {
        let mut root = good.clone();
        edit(&mut root);
        let path = dir.file(name);
        h5::write_atomic(&path, &root, false).unwrap();
        path
    };

    let err = error(&dir.file("absent.h5"));
    assert!(
        err.contains("no such file; give the path written by `hamlet diabatic fit --output`"),
        "{err}"
    );

    let garbage = dir.file("garbage.h5");
    std::fs::write(&garbage, "not an HDF5 file").unwrap();
    let err = error(&garbage);
    assert!(err.contains("HDF5"), "{err}");

    let path = write("no-kind.h5", &|root| {
        root.attrs.remove("kind");
    });
    let err = error(&path);
    assert!(
        err.contains("not a diabatic network file") && err.contains("kind"),
        "{err}"
    );

    // Another kind of hamlet file (as `write_diabatic_data` marks reference data).
    let mut other = Group::default();
    other.set_attr("kind", Attr::Text("diabatic-data".into()));
    other.set_vector("geometries", Data::Float(vec![0.0, 1.0]));
    let data = dir.file("data.h5");
    h5::write_atomic(&data, &other, false).unwrap();
    let err = error(&data);
    assert!(
        err.contains("is a 'diabatic-data' file") && err.contains("not a diabatic network"),
        "{err}"
    );

    let path = write("kind-int.h5", &|root| root.set_attr("kind", Attr::Int(3)));
    let err = error(&path);
    assert!(err.contains("not the text 'diabatic-net'"), "{err}");

    let path = write("future.h5", &|root| {
        root.set_attr("format_version", Attr::Int(2))
    });
    let err = error(&path);
    assert!(
        err.contains("format_version 2 is newer than this hamlet reads (1)")
            && err.contains("update hamlet"),
        "{err}"
    );

    for (name, attr) in [
        ("format_version", "format_version"),
        ("n_states", "n_states"),
        ("n_dims", "n_dims"),
        ("activation", "activation"),
        ("energy_shift", "energy_shift"),
        ("energy_scale", "energy_scale"),
    ] {
        let path = write(&format!("no-{name}.h5"), &|root| {
            root.attrs.remove(attr);
        });
        let err = error(&path);
        assert!(err.contains(&format!("no attribute '{attr}'")), "{err}");
    }
    for dataset in ["hidden_widths", "input_center", "input_width"] {
        let path = write(&format!("no-{dataset}.h5"), &|root| {
            root.datasets.remove(dataset);
        });
        let err = error(&path);
        assert!(err.contains(&format!("no dataset '{dataset}'")), "{err}");
    }
    let path = write("no-bias.h5", &|root| {
        root.group_mut("layers/1").datasets.remove("bias");
    });
    let err = error(&path);
    assert!(err.contains("no dataset 'layers/1/bias'"), "{err}");
    let path = write("no-layers.h5", &|root| {
        root.groups.remove("layers");
    });
    let err = error(&path);
    assert!(
        err.contains("no group 'layers'") && err.contains("layers/0 … layers/2"),
        "{err}"
    );
    let path = write("no-layer.h5", &|root| {
        root.group_mut("layers").groups.remove("2");
    });
    let err = error(&path);
    assert!(err.contains("no group 'layers/2'"), "{err}");

    let path = write("relu.h5", &|root| {
        root.set_attr("activation", Attr::Text("relu".into()))
    });
    let err = error(&path);
    assert!(
        err.contains("unknown activation 'relu'") && err.contains("'tanh' and 'silu'"),
        "{err}"
    );

    // A layer that does not match the widths names the layer and both shapes.
    let path = write("widths.h5", &|root| {
        root.set_vector("hidden_widths", Data::Int(vec![5, 3]))
    });
    let err = error(&path);
    assert!(
        err.contains("layers/1/weight has shape [4, 5]")
            && err.contains("need [3, 5]")
            && err.contains("hidden_widths = [5, 3]"),
        "{err}"
    );
    let path = write("outputs.h5", &|root| {
        root.set_attr("n_states", Attr::Int(2))
    });
    let err = error(&path);
    assert!(
        err.contains("layers/2/weight has shape [6, 4]")
            && err.contains("need [3, 4]")
            && err.contains("3 outputs"),
        "{err}"
    );
    let path = write("bias.h5", &|root| {
        root.group_mut("layers/0")
            .set_vector("bias", Data::Float(vec![0.0; 4]))
    });
    let err = error(&path);
    assert!(
        err.contains("layers/0/bias has shape [4]") && err.contains("need [5]"),
        "{err}"
    );
    let path = write("extra-layer.h5", &|root| {
        root.set_vector("hidden_widths", Data::Int(vec![5]))
    });
    let err = error(&path);
    assert!(
        err.contains("layers/2 is not one of the 2 layers (layers/0 … layers/1)"),
        "{err}"
    );
    let path = write("input.h5", &|root| {
        root.set_vector("input_width", Data::Float(vec![1.0]))
    });
    let err = error(&path);
    assert!(
        err.contains("input_width has shape [1] but n_dims = 2 needs [2]"),
        "{err}"
    );
    let path = write("zero-width.h5", &|root| {
        root.set_vector("input_width", Data::Float(vec![1.0, 0.0]))
    });
    let err = error(&path);
    assert!(err.contains("input_width[1] = 0"), "{err}");
    let path = write("negative-widths.h5", &|root| {
        root.set_vector("hidden_widths", Data::Int(vec![5, -4]))
    });
    let err = error(&path);
    assert!(
        err.contains("hidden_widths = [5, -4]") && err.contains("positive integer widths"),
        "{err}"
    );
    let path = write("one-state.h5", &|root| {
        root.set_attr("n_states", Attr::Int(1))
    });
    let err = error(&path);
    assert!(err.contains("at least 2 states"), "{err}");

    // Non-finite weights name the layer and the entry.
    let path = write("nan.h5", &|root| {
        let layer = root.group_mut("layers/1");
        let mut w = vec![0.5; 20];
        w[7] = f64::NAN;
        layer.set_array("weight", Data::Float(w), vec![4, 5]);
    });
    let err = error(&path);
    assert!(
        err.contains("layers/1/weight[1, 2] = NaN") && err.contains("finite"),
        "{err}"
    );
    let path = write("inf.h5", &|root| {
        root.group_mut("layers/2").set_vector(
            "bias",
            Data::Float(vec![0.0, 0.0, f64::INFINITY, 0.0, 0.0, 0.0]),
        )
    });
    let err = error(&path);
    assert!(err.contains("layers/2/bias[2] = inf"), "{err}");
}

/// The numpy example in the module documentation, as a Python script.
fn documented_python_example() -> String {
    let source = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src/io/diabatic_net_file.rs"
    ))
    .unwrap();
    let doc: Vec<&str> = source
        .lines()
        .filter_map(|l| l.strip_prefix("//!"))
        .map(|l| l.strip_prefix(' ').unwrap_or(l))
        .collect();
    let start = doc
        .iter()
        .position(|l| *l == "```python")
        .expect("python example")
        + 1;
    let end = start + doc[start..].iter().position(|l| *l == "```").unwrap();
    doc[start..end].join("\n")
}

#[test]
fn the_documented_numpy_evaluation_agrees_and_h5py_files_read_back() {
    let Some(python) = common::python_with("h5py, numpy") else {
        return;
    };
    let dir = Scratch::new("h5py");
    let driver = r#"
import sys, json
H = load_diabatic_net(sys.argv[1])
points = json.loads(sys.argv[3])
print(json.dumps([H(R).tolist() for R in points]))

# The same network written by hand with h5py: Python str (variable-length strings),
# ints (int64) and floats.
with h5py.File(sys.argv[1], "r") as f, h5py.File(sys.argv[2], "w") as g:
    for key in ("kind", "activation"):
        g.attrs[key] = text(f.attrs[key])
    for key in ("format_version", "n_states", "n_dims"):
        g.attrs[key] = int(f.attrs[key])
    for key in ("energy_shift", "energy_scale"):
        g.attrs[key] = float(f.attrs[key])
    g["hidden_widths"] = np.array(f["hidden_widths"][()], dtype=np.int64)
    g["input_center"] = f["input_center"][()]
    g["input_width"] = f["input_width"][()]
    for l in range(len(f["hidden_widths"]) + 1):
        g[f"layers/{l}/weight"] = f[f"layers/{l}/weight"][()]
        g[f"layers/{l}/bias"] = f[f"layers/{l}/bias"][()]
"#;
    // `text` is local to the example's function; the driver needs it too.
    let script = format!(
        "{}\n\ntext = lambda v: v.decode() if isinstance(v, bytes) else str(v)\n{driver}",
        documented_python_example()
    );
    for (name, net) in [("silu", silu_net()), ("tanh", tanh_net())] {
        let ours = dir.file(&format!("{name}.h5"));
        write_net(&ours, &net, &[("fit", Group::default())]).unwrap();
        let theirs = dir.file(&format!("{name}-h5py.h5"));
        let points = geometries(net.n_dims());
        let out = Command::new(&python)
            .args(["-c", &script])
            .arg(&ours)
            .arg(&theirs)
            .arg(serde_json::to_string(&points).unwrap())
            .output()
            .expect("run python");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let matrices: Vec<Vec<Vec<f64>>> = serde_json::from_str(stdout.trim()).unwrap();
        assert_eq!(matrices.len(), points.len());
        let n = net.n_states();
        for (r, h) in points.iter().zip(&matrices) {
            let ours = net.potential(r);
            assert_eq!((h.len(), h[0].len()), (n, n));
            for a in 0..n {
                for b in 0..n {
                    assert!(
                        (h[a][b] - ours[(a, b)]).abs() < 1e-12,
                        "{name} at {r:?}, H[{a}][{b}]: numpy {} vs hamlet {}",
                        h[a][b],
                        ours[(a, b)]
                    );
                }
            }
        }
        assert_eq!(read_net(&theirs).unwrap(), net, "{name} written by h5py");
    }
}
