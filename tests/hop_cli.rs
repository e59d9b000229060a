//! `hamlet hop` end to end: the documented JSON, surface hopping and the exact
//! reference on Tully's model 1, the same numbers for any thread count, the HDF5
//! output, and bad input.

mod common;

use common::{failure, hamlet, json, scratch, scratch_dir};
use serde_json::Value;

fn result(v: &Value, index: usize) -> &Value {
    &v["results"][index]
}

#[test]
fn fssh_and_exact_runs_print_the_documented_fields_and_agree_on_model_1() {
    let fssh = json(&[
        "hop",
        "--model",
        "tully1",
        "--k",
        "15,30",
        "--trajectories",
        "1000",
        "--json",
        "--quiet",
    ]);
    let exact = json(&[
        "hop", "--model", "tully1", "--k", "15,30", "--method", "exact", "--json", "--quiet",
    ]);
    for v in [&fssh, &exact] {
        assert_eq!(v["results"].as_array().unwrap().len(), 2);
        for key in [
            "k",
            "transmitted_lower",
            "reflected_lower",
            "transmitted_upper",
            "reflected_upper",
            "transmitted_lower_error",
            "reflected_lower_error",
            "transmitted_upper_error",
            "reflected_upper_error",
            "trajectories",
            "seconds",
        ] {
            assert!(result(v, 0).get(key).is_some(), "{key} in {v}");
        }
    }
    assert_eq!(result(&fssh, 0)["trajectories"], 1000);
    for i in 0..2 {
        let (f, e) = (result(&fssh, i), result(&exact, i));
        let total: f64 = [
            "transmitted_lower",
            "reflected_lower",
            "transmitted_upper",
            "reflected_upper",
        ]
        .iter()
        .map(|k| f[k].as_f64().unwrap())
        .sum();
        assert!((total - 1.0).abs() < 1e-12, "{f}");
        let p = f["transmitted_upper"].as_f64().unwrap();
        let sigma = f["transmitted_upper_error"].as_f64().unwrap();
        let reference = e["transmitted_upper"].as_f64().unwrap();
        assert!(sigma > 0.0 && sigma < 0.02);
        assert!(
            (p - reference).abs() < 0.04,
            "k = {}: FSSH {p} ± {sigma}, exact {reference}",
            f["k"]
        );
    }
    // The exact reference against the stationary-scattering values.
    for (i, literature) in [(0, 0.323), (1, 0.715)] {
        let t = result(&exact, i)["transmitted_upper"].as_f64().unwrap();
        assert!((t - literature).abs() < 0.01, "{t} vs {literature}");
    }
}

#[test]
fn hopping_gives_the_same_numbers_for_one_and_two_threads() {
    let run = |threads: &str| {
        let out = hamlet(
            &[
                "hop",
                "--model",
                "tully3",
                "--k",
                "10",
                "--trajectories",
                "300",
                "--json",
                "--quiet",
            ],
            Some(threads),
        );
        assert!(out.status.success());
        let mut v: Value = serde_json::from_slice(&out.stdout).unwrap();
        for r in v["results"].as_array_mut().unwrap() {
            r["seconds"] = Value::Null;
            r["seconds_per_step"] = Value::Null;
        }
        v["seconds"] = Value::Null;
        v
    };
    assert_eq!(run("1"), run("2"));
}

#[test]
fn the_output_file_holds_probabilities_and_populations() {
    let dir = scratch_dir("hop-output");
    let path = dir.join("hop.h5");
    let _ = std::fs::remove_file(&path);
    let p = path.to_str().unwrap();
    json(&[
        "hop",
        "--model",
        "tully1",
        "--k",
        "12,20",
        "--trajectories",
        "200",
        "--json",
        "--quiet",
        "--output",
        p,
    ]);
    let root = hamlet::io::h5::read(&path).unwrap();
    let g = root.group("fssh").unwrap();
    let k = g.datasets.get("k").unwrap().data.to_f64().unwrap();
    assert_eq!(k, vec![12.0, 20.0]);
    let t = g.datasets.get("transmitted").unwrap();
    assert_eq!(t.shape, vec![2, 2]);
    let populations = root.group("fssh/populations/1").unwrap();
    let active = populations
        .datasets
        .get("active")
        .unwrap()
        .data
        .to_f64()
        .unwrap();
    assert!(
        (active[0] - 1.0).abs() < 1e-12,
        "all start on the lower state"
    );
    let again = failure(&["hop", "--model", "tully1", "--k", "12", "--output", p]);
    assert!(again.contains("--force"), "{again}");
}

#[test]
fn bad_input_is_refused_with_the_key_and_the_fix() {
    let cases: &[(&[&str], &str)] = &[
        (&["hop", "--k", "0"], "k"),
        (&["hop", "--k", "10,-3"], "must be positive"),
        (&["hop", "--dt", "0"], "hopping.dt"),
        (&["hop", "--dt", "-1"], "hopping.dt"),
        (&["hop", "--trajectories", "0"], "hopping.trajectories"),
        (&["hop", "--decoherence", "strong"], "hopping.decoherence"),
        (&["hop", "--frustrated", "bounce"], "hopping.frustrated"),
        (&["hop", "--method", "ehrenfest"], "method"),
        (
            &["hop", "--model", "lvc2d", "--method", "exact"],
            "one-dimensional",
        ),
        (&["hop", "--set", "initial.state=2"], "initial.state"),
        (&["hop", "--set", "hopping.exit=[3,1]"], "hopping.exit"),
        (&["hop", "--set", "hopping.step=3"], "hopping.step"),
    ];
    for (args, expected) in cases {
        let e = failure(args);
        assert!(e.contains(expected), "{args:?}: {e}");
    }
    // A file that is not a network.
    let bogus = scratch("not_a_net.h5", "plain text, not HDF5");
    let e = failure(&["hop", "--model", bogus.to_str().unwrap()]);
    assert!(e.contains("not_a_net.h5"), "{e}");
    let missing = failure(&["hop", "--model", "no_such_net.h5"]);
    assert!(missing.contains("no_such_net.h5"), "{missing}");
}

/// Ctrl-C during a momentum scan: the momentum in progress finishes, no new one starts,
/// the exit status is 130, and the file keeps every finished momentum with
/// `complete = false`.
#[test]
fn an_interrupted_scan_keeps_the_finished_momenta() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let dir = scratch_dir("hop-interrupt");
    let path = dir.join("hop.h5");
    let _ = std::fs::remove_file(&path);
    let momenta: Vec<String> = (0..40).map(|i| (10 + i).to_string()).collect();
    let mut child = Command::new(env!("CARGO_BIN_EXE_hamlet"))
        .args(["hop", "--model", "tully1", "--trajectories", "4000", "--k"])
        .arg(momenta.join(","))
        .arg("--output")
        .arg(&path)
        .env("RAYON_NUM_THREADS", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    loop {
        match lines.next() {
            Some(Ok(line)) if line.starts_with("k = ") => break,
            Some(_) => {}
            None => panic!("the run ended before reporting a momentum"),
        }
    }
    // SAFETY: kill(2) on our own child process.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    for _ in lines {}
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    let root = hamlet::io::h5::read(&path).unwrap();
    assert_eq!(
        root.attrs.get("complete"),
        Some(&hamlet::io::h5::Attr::Bool(false))
    );
    let g = root.group("fssh").unwrap();
    let k = g.datasets.get("k").unwrap().data.to_f64().unwrap();
    assert!(
        !k.is_empty() && k.len() < momenta.len(),
        "{} of {} momenta kept",
        k.len(),
        momenta.len()
    );
    let expected: Vec<f64> = (0..k.len()).map(|i| 10.0 + i as f64).collect();
    assert_eq!(k, expected, "the finished momenta, in order");
    assert_eq!(
        g.datasets.get("transmitted").unwrap().shape,
        vec![k.len(), 2]
    );
}
