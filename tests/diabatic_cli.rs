//! `hamlet diabatic fit` and `hamlet diabatic scan` end to end: the documented JSON,
//! the scan of an analytic model against its closed form, a network written by `fit`
//! and read by `scan`, the same numbers for any thread count, and bad input.

mod common;

use common::{failure, hamlet, json, scratch, scratch_dir};
use serde_json::Value;

/// A short fit: enough to exercise every stage, far from converged.
const QUICK: &[&str] = &[
    "--points",
    "60",
    "--set",
    "training.adam_epochs=150",
    "--set",
    "training.refine_iterations=15",
    "--set",
    "network.widths=[12,12]",
    "--quiet",
];

fn args<'a>(head: &[&'a str], tail: &[&'a str]) -> Vec<&'a str> {
    head.iter().chain(tail).copied().collect()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

#[test]
fn scan_of_tully1_gives_the_closed_form_in_the_documented_shapes() {
    let v = json(&[
        "diabatic",
        "scan",
        "--model",
        "tully1",
        "--x",
        "-10:10:201",
        "--json",
    ]);
    assert_eq!(floats(&v["x"]).len(), 201);
    let (a, c) = (0.01, 0.005);
    for (p, x) in floats(&v["x"]).iter().enumerate() {
        let e = floats(&v["energies"][p]);
        assert_eq!(v["gradients"][p].as_array().unwrap().len(), 2);
        assert_eq!(v["gradients"][p][0].as_array().unwrap().len(), 1);
        let d = &v["couplings"][p];
        assert_eq!(
            d.as_array().unwrap().len(),
            2,
            "one 2 × 2 matrix per geometry in 1-D"
        );
        let v11 = a * (1.0 - (-1.6 * x.abs()).exp()) * x.signum();
        let v12 = c * (-x * x).exp();
        let half_gap = v11.hypot(v12);
        assert!(
            (e[0] + half_gap).abs() < 1e-12 && (e[1] - half_gap).abs() < 1e-12,
            "{x}"
        );
        let d12 = d[0][1].as_f64().unwrap();
        assert_eq!(d12, -d[1][0].as_f64().unwrap());
    }
    // Peak of the coupling at x = 0: |d| = AB/(2C) = 1.6 (grid point 100).
    assert!((v["couplings"][100][0][1].as_f64().unwrap().abs() - 1.6).abs() < 1e-12);
    // Signs continuous along the scan: no jump between neighbours.
    let d: Vec<f64> = (0..201)
        .map(|p| v["couplings"][p][0][1].as_f64().unwrap())
        .collect();
    assert!(d.windows(2).all(|w| w[0] * w[1] >= 0.0));

    let lvc = json(&[
        "diabatic", "scan", "--model", "lvc2d", "--x", "-1:1:3", "--y", "0.5", "--json",
    ]);
    assert_eq!(lvc["x"][0], serde_json::json!([-1.0, 0.5]));
    assert_eq!(
        lvc["couplings"][0].as_array().unwrap().len(),
        2,
        "one matrix per coordinate in 2-D"
    );
    assert_eq!(lvc["gradients"][0][0].as_array().unwrap().len(), 2);
}

#[test]
fn fit_writes_a_network_that_scan_reads_and_refuses_to_overwrite_it() {
    let dir = scratch_dir("diabatic-fit");
    let net = dir.join("net.h5");
    let _ = std::fs::remove_file(&net);
    let path = net.to_str().unwrap();
    let v = json(&args(
        &[
            "diabatic",
            "fit",
            "--from-model",
            "tully2",
            "--json",
            "--output",
            path,
        ],
        QUICK,
    ));
    for key in ["rmse_energy", "rmse_coupling", "epochs", "seconds"] {
        assert!(v[key].as_f64().is_some(), "{key} in {v}");
    }
    assert!(
        v["rmse_gradient"].is_null(),
        "no gradients fitted by default"
    );
    assert_eq!(v["epochs"], 150);
    assert_eq!(v["terms"], serde_json::json!(["energies", "couplings"]));
    let scan = json(&[
        "diabatic", "scan", "--model", path, "--x", "-2:2:5", "--json",
    ]);
    assert_eq!(scan["energies"].as_array().unwrap().len(), 5);
    let again = failure(&args(
        &[
            "diabatic",
            "fit",
            "--from-model",
            "tully2",
            "--output",
            path,
        ],
        QUICK,
    ));
    assert!(
        again.contains("output.file") && again.contains("--force"),
        "{again}"
    );
}

#[test]
fn several_starts_carry_the_one_with_the_lowest_validation_loss_forward() {
    let run = |starts: &str| {
        json(&args(
            &[
                "diabatic",
                "fit",
                "--from-model",
                "tully2",
                "--json",
                "--set",
                starts,
            ],
            QUICK,
        ))
    };
    let one = run("training.starts=1");
    let three = run("training.starts=3");
    let losses = floats(&three["start_losses"]);
    assert_eq!(losses.len(), 3, "{three}");
    assert!(
        losses.iter().all(|l| l.is_finite() && *l > 0.0),
        "{losses:?}"
    );
    let lowest = (0..3)
        .min_by(|&a, &b| losses[a].total_cmp(&losses[b]))
        .unwrap();
    assert_eq!(three["chosen_start"], lowest);
    // Start 0 keeps the seed of a single-start fit, so its Adam run is the same.
    assert_eq!(floats(&one["start_losses"]), vec![losses[0]]);
    assert!(
        losses[1] != losses[0] && losses[2] != losses[1],
        "the starts must differ: {losses:?}"
    );
    let zero = failure(&args(
        &[
            "diabatic",
            "fit",
            "--from-model",
            "tully2",
            "--set",
            "training.starts=0",
        ],
        QUICK,
    ));
    assert!(zero.contains("training.starts"), "{zero}");
}

#[test]
fn fits_are_identical_for_one_and_two_threads() {
    let dir = scratch_dir("diabatic-threads");
    let mut outputs = Vec::new();
    for threads in ["1", "2"] {
        let net = dir.join(format!("net{threads}.h5"));
        let _ = std::fs::remove_file(&net);
        let out = hamlet(
            &args(
                &[
                    "diabatic",
                    "fit",
                    "--from-model",
                    "tully1",
                    "--json",
                    "--output",
                    net.to_str().unwrap(),
                ],
                QUICK,
            ),
            Some(threads),
        );
        assert!(out.status.success());
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        let mut scan = json(&[
            "diabatic",
            "scan",
            "--model",
            net.to_str().unwrap(),
            "--x",
            "-3:3:31",
            "--json",
        ]);
        scan["model"] = Value::Null;
        outputs.push((v["rmse_energy"].clone(), v["rmse_coupling"].clone(), scan));
    }
    assert!(
        outputs[0] == outputs[1],
        "different numbers for 1 and 2 threads"
    );
}

#[test]
fn an_energies_only_fit_reports_no_coupling_error_and_an_underdetermined_fit_warns() {
    let out = hamlet(
        &args(
            &[
                "diabatic",
                "fit",
                "--from-model",
                "tully1",
                "--json",
                "--set",
                "data.terms=[\"energies\"]",
            ],
            QUICK,
        ),
        None,
    );
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["rmse_coupling"].is_null());
    assert_eq!(v["terms"], serde_json::json!(["energies"]));
    let stderr = String::from_utf8_lossy(&out.stderr);
    // 48 training points × 2 energies < 206 parameters, no weight decay.
    assert!(
        stderr.contains("warning") && stderr.contains("weight_decay"),
        "{stderr}"
    );
    let regularized = hamlet(
        &args(
            &[
                "diabatic",
                "fit",
                "--from-model",
                "tully1",
                "--json",
                "--set",
                "training.weight_decay=1e-8",
            ],
            QUICK,
        ),
        None,
    );
    assert!(regularized.status.success());
    assert!(!String::from_utf8_lossy(&regularized.stderr).contains("warning"));
}

#[test]
fn bad_input_is_refused_with_the_key_and_the_fix() {
    let e = failure(&["diabatic", "scan", "--model", "tully4", "--x", "0:1:3"]);
    assert!(
        e.contains("--model") && e.contains("tully1, tully2, tully3, lvc2d"),
        "{e}"
    );
    let e = failure(&["diabatic", "fit", "--from-model", "tully9"]);
    assert!(e.contains("data.from_model") && e.contains("tully1"), "{e}");
    let e = failure(&["diabatic", "scan", "--model", "tully1", "--x", "1:2"]);
    assert!(e.contains("--x") && e.contains("START:STOP:N"), "{e}");
    let e = failure(&["diabatic", "fit", "--data", "/nonexistent/data.csv"]);
    assert!(e.contains("data.file") && e.contains("no such file"), "{e}");

    let short = scratch("short_row.csv", "x1,E1,E2\n0.0,-1.0,1.0\n0.5,-1.0\n");
    let e = failure(&["diabatic", "fit", "--data", short.to_str().unwrap()]);
    assert!(e.contains("line 3") && e.contains("fields"), "{e}");
    let nan = scratch("nan.csv", "x1,E1,E2\n0.0,-1.0,1.0\n0.5,nan,1.0\n");
    let e = failure(&["diabatic", "fit", "--data", nan.to_str().unwrap()]);
    assert!(e.contains("line 3") && e.contains("E1"), "{e}");

    // Mismatched array lengths in an HDF5 data file.
    use hamlet::io::h5::{self, Data, Group};
    let mut root = Group::default();
    root.set_array("geometries", Data::Float(vec![0.0, 1.0, 2.0]), vec![3, 1]);
    root.set_array(
        "energies",
        Data::Float(vec![-1.0, 1.0, -1.0, 1.0]),
        vec![2, 2],
    );
    let file = scratch_dir("cli").join("mismatch.h5");
    h5::write_atomic(&file, &root, false).unwrap();
    let e = failure(&["diabatic", "fit", "--data", file.to_str().unwrap()]);
    assert!(
        e.contains("energies has 2 rows but geometries has 3"),
        "{e}"
    );

    let e = failure(&["diabatic", "fit", "--set", "network.activation=\"relu\""]);
    assert!(e.contains("network.activation"), "{e}");
}
