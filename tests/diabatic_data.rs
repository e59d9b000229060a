//! Reference data for diabatic fits through files: CSV and HDF5 round trips (exact),
//! and the error messages for malformed files. If h5py is importable
//! (`HAMLET_PYTHON`, default `python3`) it also reads a written file and writes one
//! for hamlet to read.

mod common;

use hamlet::io::diabatic_data::{read_diabatic_data, write_diabatic_data};
use hamlet::io::h5::{self, Data, Group};
use hamlet::nonadiabatic::{DiabaticData, LinearVibronic, Sampling, Tully1};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A per-test scratch directory, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(tag: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("hamlet-diabatic-data-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn file(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.file(name);
        std::fs::write(&path, text).unwrap();
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn error(path: &Path) -> String {
    let err = read_diabatic_data(path).unwrap_err().to_string();
    assert!(err.starts_with("data.file: "), "{err}");
    assert!(err.contains(&path.display().to_string()), "{err}");
    eprintln!("{err}");
    err
}

#[test]
fn model_data_round_trip_exactly_through_csv_and_hdf5() {
    let dir = Scratch::new("round-trip");
    let tully =
        DiabaticData::from_model(&Tully1::default(), 25, -10.0, 10.0, Sampling::Uniform).unwrap();
    let lvc =
        DiabaticData::from_model(&LinearVibronic::default(), 30, -1.0, 1.0, Sampling::Uniform)
            .unwrap();
    assert_eq!(lvc.n_dims, 2);
    let cases = [
        ("tully", tully.clone()),
        ("lvc", lvc.clone()),
        ("tully-energies", tully.energies_only()),
        ("lvc-energies", lvc.energies_only()),
    ];
    for (name, data) in cases {
        for extension in ["csv", "h5", "HDF5", "txt"] {
            let path = dir.file(&format!("{name}.{extension}"));
            write_diabatic_data(&path, &data).unwrap();
            let back = read_diabatic_data(&path).unwrap();
            assert_eq!(back, data, "{}", path.display());
            assert!(!h5::temporary_path(&path).exists());
        }
    }
    // The HDF5 file carries its kind and the documented shapes.
    let root = h5::read(&dir.file("lvc.h5")).unwrap();
    assert_eq!(
        root.attrs.get("kind"),
        Some(&h5::Attr::Text("diabatic-data".into()))
    );
    let shape = |name: &str| root.datasets[name].shape.clone();
    assert_eq!(shape("geometries"), [30, 2]);
    assert_eq!(shape("energies"), [30, 2]);
    assert_eq!(shape("gradients"), [30, 2, 2]);
    assert_eq!(shape("couplings"), [30, 2, 2, 2]);
    let header = std::fs::read_to_string(dir.file("lvc.csv")).unwrap();
    assert_eq!(
        header.lines().next().unwrap(),
        "x1,x2,E1,E2,g1_1,g1_2,g2_1,g2_2,d1_2_1,d1_2_2"
    );
}

#[test]
fn hand_written_files_in_either_layout_are_read() {
    let dir = Scratch::new("hand");
    // White space, comments, blank lines, columns in any order, couplings filled in.
    let csv = dir.write(
        "hand.dat",
        "# two states in one dimension\n\
         d1_2_1  E2  x1  E1  g2_1 g1_1   # header\n\
         \n\
         0.5  1.0  -1.0  0.0  0.1  -0.1\n\
         -0.25 2.0 1.0 0.5 0.2 -0.2 # second point\n",
    );
    let data = read_diabatic_data(&csv).unwrap();
    assert_eq!((data.n_states, data.n_dims, data.len()), (2, 1, 2));
    assert_eq!(data.geometries, [-1.0, 1.0]);
    assert_eq!(data.energies, [0.0, 1.0, 0.5, 2.0]);
    assert_eq!(data.gradients.unwrap(), [-0.1, 0.1, -0.2, 0.2]);
    assert_eq!(
        data.couplings.unwrap(),
        [0.0, 0.5, -0.5, 0.0, 0.0, -0.25, 0.25, 0.0]
    );

    // HDF5 with one-dimensional geometries and integer energies.
    let mut root = Group::default();
    root.set_vector("geometries", Data::Float(vec![-1.0, 0.0, 1.0]));
    root.set_array("energies", Data::Int(vec![0, 1, 0, 2, 1, 3]), vec![3, 2]);
    let path = dir.file("hand.h5");
    h5::write_atomic(&path, &root, false).unwrap();
    let data = read_diabatic_data(&path).unwrap();
    assert_eq!((data.n_states, data.n_dims, data.len()), (2, 1, 3));
    assert_eq!(data.energies, [0.0, 1.0, 0.0, 2.0, 1.0, 3.0]);
    assert!(data.gradients.is_none() && data.couplings.is_none());
}

#[test]
fn malformed_hdf5_files_are_explained() {
    let dir = Scratch::new("bad-h5");
    let good =
        DiabaticData::from_model(&Tully1::default(), 200, -10.0, 10.0, Sampling::Uniform).unwrap();
    let write = |name: &str, edit: &dyn Fn(&mut Group)| -> PathBuf {
        let mut root = Group::default();
        root.set_array(
            "geometries",
            Data::Float(good.geometries.clone()),
            vec![200, 1],
        );
        root.set_array("energies", Data::Float(good.energies.clone()), vec![200, 2]);
        edit(&mut root);
        let path = dir.file(name);
        h5::write_atomic(&path, &root, false).unwrap();
        path
    };

    let path = write("short.h5", &|root| {
        root.set_array(
            "energies",
            Data::Float(good.energies[..398].to_vec()),
            vec![199, 2],
        )
    });
    let err = error(&path);
    assert!(
        err.contains("energies has 199 rows but geometries has 200")
            && err.contains("one row per geometry"),
        "{err}"
    );

    let path = write("one-state.h5", &|root| {
        root.set_vector("energies", Data::Float(vec![0.0; 200]))
    });
    let err = error(&path);
    assert!(
        err.contains("at least 2 states") && err.contains("[P, n]"),
        "{err}"
    );

    let path = write("gradients.h5", &|root| {
        root.set_array("gradients", Data::Float(vec![0.0; 400]), vec![200, 2])
    });
    let err = error(&path);
    assert!(
        err.contains("gradients has shape [200, 2]") && err.contains("[200, 2, 1]"),
        "{err}"
    );

    let path = write("couplings.h5", &|root| {
        root.set_array(
            "couplings",
            Data::Float(vec![0.0; 1600]),
            vec![200, 2, 2, 2],
        )
    });
    let err = error(&path);
    assert!(
        err.contains("couplings has shape [200, 2, 2, 2]") && err.contains("[200, 2, 2, 1]"),
        "{err}"
    );

    let path = write("couplings-rows.h5", &|root| {
        root.set_array("couplings", Data::Float(vec![0.0; 796]), vec![199, 2, 2, 1])
    });
    let err = error(&path);
    assert!(
        err.contains("couplings has 199 rows but geometries has 200"),
        "{err}"
    );

    let path = write("no-energies.h5", &|root| {
        root.datasets.remove("energies");
    });
    let err = error(&path);
    assert!(err.contains("no dataset 'energies'"), "{err}");

    let path = write("no-geometries.h5", &|root| {
        root.datasets.remove("geometries");
    });
    let err = error(&path);
    assert!(err.contains("no dataset 'geometries'"), "{err}");

    let path = write("nan.h5", &|root| {
        let mut e = good.energies.clone();
        e[7] = f64::NAN;
        root.set_array("energies", Data::Float(e), vec![200, 2]);
    });
    let err = error(&path);
    assert!(
        err.contains("energies of geometry 3") && err.contains("NaN"),
        "{err}"
    );

    let path = dir.write("garbage.h5", "not an HDF5 file");
    let err = error(&path);
    assert!(err.contains("HDF5"), "{err}");
}

#[test]
fn malformed_csv_files_are_explained() {
    let dir = Scratch::new("bad-csv");
    let header = "x1,E1,E2,g1_1,g2_1\n";
    let good_line = "0.0,-1.0,1.0,0.5,-0.5\n";

    let path = dir.write(
        "fields.csv",
        &format!("{header}{good_line}# comment\n\n0.1,-1.0,1.0\n"),
    );
    let err = error(&path);
    assert!(
        err.contains("line 5 has 3 fields but the header names 5 columns"),
        "{err}"
    );

    let path = dir.write(
        "nan.csv",
        &format!("{header}{good_line}0.1,-1.0,nan,0.5,-0.5\n"),
    );
    let err = error(&path);
    assert!(
        err.contains("line 3, column 3 (E2)") && err.contains("NaN"),
        "{err}"
    );

    let path = dir.write(
        "text.csv",
        &format!("{header}{good_line}0.1,-1.0,1.0,abc,-0.5\n"),
    );
    let err = error(&path);
    assert!(
        err.contains("line 3, column 4 (g1_1)") && err.contains("'abc' is not a number"),
        "{err}"
    );

    let path = dir.write("unknown.csv", "x1,E1,E2,energy3\n0,1,2,3\n");
    let err = error(&path);
    assert!(
        err.contains("unknown column 'energy3'")
            && err.contains("x1..xd")
            && err.contains("d{i}_{j}_{k}"),
        "{err}"
    );

    let path = dir.write("twice.csv", "x1,E1,E2,E1\n0,1,2,3\n");
    let err = error(&path);
    assert!(
        err.contains("'E1' appears twice (columns 2 and 4)"),
        "{err}"
    );

    let path = dir.write("some-gradients.csv", "x1,x2,E1,E2,g1_1,g1_2\n0,0,1,2,3,4\n");
    let err = error(&path);
    assert!(
        err.contains("gradients are given for some states or coordinates only")
            && err.contains("g2_1, g2_2"),
        "{err}"
    );

    let path = dir.write("some-couplings.csv", "x1,x2,E1,E2,d1_2_2\n0,0,1,2,3\n");
    let err = error(&path);
    assert!(err.contains("couplings") && err.contains("d1_2_1"), "{err}");

    let path = dir.write("gap.csv", "x1,x3,E1,E2\n0,0,1,2\n");
    let err = error(&path);
    assert!(err.contains("x2 is missing"), "{err}");

    let path = dir.write("one-state.csv", "x1,E1\n0,1\n");
    let err = error(&path);
    assert!(err.contains("at least 2 states"), "{err}");

    let path = dir.write("state.csv", "x1,E1,E2,g3_1\n0,1,2,3\n");
    let err = error(&path);
    assert!(err.contains("'g3_1' names state 3"), "{err}");

    let path = dir.write("no-header.csv", "0,1,2\n1,1,2\n");
    let err = error(&path);
    assert!(err.contains("not column names"), "{err}");

    let path = dir.write("empty.csv", "x1,E1,E2\n# nothing\n");
    let err = error(&path);
    assert!(err.contains("no data"), "{err}");

    let path = dir.write("order.csv", "x1,E1,E2\n0,2,1\n");
    let err = error(&path);
    assert!(err.contains("not ascending"), "{err}");
}

#[test]
fn missing_files_and_unwritable_data_are_explained() {
    let dir = Scratch::new("missing");
    for name in ["absent.csv", "absent.h5"] {
        let err = error(&dir.file(name));
        assert!(
            err.contains(
                "no such file; give the path of an HDF5 or CSV file with geometries and energies"
            ),
            "{err}"
        );
    }
    // Couplings that are not antisymmetric do not fit the CSV layout.
    let mut data =
        DiabaticData::from_model(&Tully1::default(), 5, -1.0, 1.0, Sampling::Uniform).unwrap();
    data.couplings.as_mut().unwrap()[2] += 1e-3;
    let path = dir.file("asymmetric.csv");
    let err = write_diabatic_data(&path, &data).unwrap_err().to_string();
    assert!(
        err.contains("not antisymmetric") && err.contains(".h5"),
        "{err}"
    );
    assert!(!path.exists());
    // ... but HDF5 keeps them.
    let path = dir.file("asymmetric.h5");
    write_diabatic_data(&path, &data).unwrap();
    assert_eq!(read_diabatic_data(&path).unwrap(), data);
    // Inconsistent data are refused rather than written.
    data.energies.pop();
    let err = write_diabatic_data(&dir.file("bad.h5"), &data)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("data.file") && err.contains("energies holds 9 values"),
        "{err}"
    );
}

#[test]
fn h5py_reads_and_writes_the_hdf5_layout() {
    let Some(python) = common::python_with("h5py") else {
        return;
    };
    let dir = Scratch::new("h5py");
    let data =
        DiabaticData::from_model(&LinearVibronic::default(), 30, -1.0, 1.0, Sampling::Uniform)
            .unwrap();
    let ours = dir.file("ours.h5");
    write_diabatic_data(&ours, &data).unwrap();
    let theirs = dir.file("theirs.h5");
    let script = r#"
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "r") as f:
    shapes = [f[k].shape for k in ("geometries", "energies", "gradients", "couplings")]
    assert shapes == [(30, 2), (30, 2), (30, 2, 2), (30, 2, 2, 2)], shapes
    assert all(f[k].dtype == np.float64 for k in f), [f[k].dtype for k in f]
    kind = f.attrs["kind"]
    assert (kind.decode() if isinstance(kind, bytes) else kind) == "diabatic-data", kind
    d = f["couplings"][()]
    assert np.array_equal(d, -d.transpose(0, 2, 1, 3))
    arrays = {k: f[k][()] for k in f}
with h5py.File(sys.argv[2], "w") as g:
    g["geometries"] = arrays["geometries"]
    g["energies"] = arrays["energies"]
    g["gradients"] = arrays["gradients"]
    g["couplings"] = arrays["couplings"]
"#;
    let out = Command::new(&python)
        .args(["-c", script])
        .arg(&ours)
        .arg(&theirs)
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(read_diabatic_data(&theirs).unwrap(), data);
}
