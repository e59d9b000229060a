//! Exact restart: a run stopped by SIGINT, or killed by SIGKILL after a checkpoint, and
//! continued with `hamlet resume` ends with the same parameters, bit for bit, and the
//! same log as a run that never stopped.

use hamlet::io::h5::{self, Attr, Data, Group};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const ITERATIONS: usize = 40;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hamlet-resume-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
    path
}

fn run_args(output: &Path, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = [
        "ground-state",
        "--model",
        "tfim",
        "--size",
        "40",
        "--seed",
        "11",
        "--iterations",
        &ITERATIONS.to_string(),
        // The learning rate decays over the run, so a resumed run must pick up the
        // schedule where it stopped.
        "--set",
        "optimizer.final_learning_rate=0.01",
        "--output",
        output.to_str().unwrap(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

/// Starts a run and sends `signal` once it has reported `after` iterations; returns
/// the exit status.
fn interrupt(args: &[String], after: usize, signal: libc::c_int) -> std::process::ExitStatus {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hamlet"))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut seen = 0;
    while seen < after {
        match lines.next() {
            Some(Ok(line)) if line.starts_with("iter") => seen += 1,
            Some(_) => {}
            None => panic!("the run ended after {seen} iterations"),
        }
    }
    // SAFETY: kill(2) on our own child process.
    unsafe { libc::kill(child.id() as libc::pid_t, signal) };
    for _ in lines {}
    child.wait().unwrap()
}

fn resume(path: &Path) {
    resume_with(path, &[]);
}

fn resume_with(path: &Path, extra: &[&str]) {
    let out = Command::new(env!("CARGO_BIN_EXE_hamlet"))
        .args(["resume", path.to_str().unwrap(), "--quiet", "--json"])
        .args(extra)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "resume failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn floats(tree: &Group, path: &str, name: &str) -> Vec<f64> {
    match &tree.group(path).unwrap().datasets[name].data {
        Data::Float(v) => v.clone(),
        other => panic!("{path}/{name}: {other:?}"),
    }
}

fn iterations(tree: &Group) -> Vec<i64> {
    match &tree.group("vmc/log").unwrap().datasets["iteration"].data {
        Data::Int(v) => v.clone(),
        other => panic!("iteration: {other:?}"),
    }
}

fn assert_same_run(straight: &Group, resumed: &Group) {
    assert_eq!(resumed.attrs["complete"], Attr::Bool(true));
    let (a, b) = (
        floats(straight, "vmc", "parameters"),
        floats(resumed, "vmc", "parameters"),
    );
    assert!(
        a.iter().zip(&b).all(|(x, y)| x.to_bits() == y.to_bits()) && a.len() == b.len(),
        "final parameters differ"
    );
    assert_eq!(
        iterations(resumed),
        (1..=ITERATIONS as i64).collect::<Vec<_>>(),
        "the log has a gap or a duplicate"
    );
    let (ea, eb) = (
        floats(straight, "vmc/log", "energy"),
        floats(resumed, "vmc/log", "energy"),
    );
    assert!(
        ea.iter().zip(&eb).all(|(x, y)| x.to_bits() == y.to_bits()),
        "logged energies differ"
    );
    assert_eq!(
        straight.group("vmc").unwrap().attrs["energy"],
        resumed.group("vmc").unwrap().attrs["energy"],
        "final estimates differ"
    );
}

#[test]
fn interrupted_and_killed_runs_resume_bit_for_bit() {
    // (a) Straight through.
    let straight_path = scratch("straight.h5");
    let out = Command::new(env!("CARGO_BIN_EXE_hamlet"))
        .args(run_args(&straight_path, &["--quiet"]))
        .output()
        .unwrap();
    assert!(out.status.success());
    let straight = h5::read(&straight_path).unwrap();

    // (b) SIGINT after about 20 iterations: the iteration finishes, a checkpoint is
    // written, and the exit status says so.
    let sigint_path = scratch("sigint.h5");
    let status = interrupt(&run_args(&sigint_path, &[]), 20, libc::SIGINT);
    assert_eq!(
        status.code(),
        Some(130),
        "distinct exit status after SIGINT"
    );
    let stopped = h5::read(&sigint_path).unwrap();
    assert_eq!(stopped.attrs["complete"], Attr::Bool(false));
    let at = iterations(&stopped).len();
    assert!((20..ITERATIONS).contains(&at), "stopped at {at}");
    resume(&sigint_path);
    assert_same_run(&straight, &h5::read(&sigint_path).unwrap());

    // (c) Checkpoints every 10 iterations, SIGKILL at about 25: resume from 20.
    let kill_path = scratch("sigkill.h5");
    let status = interrupt(
        &run_args(&kill_path, &["--set", "output.checkpoint_every=10"]),
        25,
        libc::SIGKILL,
    );
    assert_eq!(status.code(), None, "killed by a signal");
    let killed = h5::read(&kill_path).unwrap();
    assert_eq!(killed.attrs["complete"], Attr::Bool(false));
    let logged = iterations(&killed).len();
    assert!(logged >= 25, "a killed run keeps every finished iteration");
    assert_eq!(
        killed.group("vmc/checkpoint").unwrap().attrs["iteration"],
        Attr::Int(20)
    );
    resume(&kill_path);
    assert_same_run(&straight, &h5::read(&kill_path).unwrap());
}

#[test]
fn an_extended_run_keeps_the_final_learning_rate() {
    let path = scratch("extended.h5");
    let mut args = run_args(&path, &["--quiet"]);
    let at = args.iter().position(|a| a == "--iterations").unwrap();
    args[at + 1] = "10".into();
    let out = Command::new(env!("CARGO_BIN_EXE_hamlet"))
        .args(&args)
        .output()
        .unwrap();
    assert!(out.status.success());
    resume_with(&path, &["--iterations", "15"]);
    let tree = h5::read(&path).unwrap();
    let rates = floats(&tree, "vmc/log", "learning_rate");
    assert_eq!(rates.len(), 15);
    // η_t = 0.05 (0.01/0.05)^(t/10) for the first 10 updates, then 0.01.
    for (t, &rate) in rates.iter().enumerate() {
        let want = 0.05 * (0.2f64).powf((t as f64 / 10.0).min(1.0));
        assert!(
            (rate / want - 1.0).abs() < 1e-12,
            "update {t}: {rate} against {want}"
        );
    }
}

#[test]
fn resume_refuses_files_it_cannot_continue() {
    let hamlet = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_hamlet"))
            .args(args)
            .output()
            .unwrap()
    };
    // An exact-diagonalization file has no checkpoint.
    let exact = scratch("exact.h5");
    assert!(hamlet(&[
        "exact",
        "--model",
        "tfim",
        "--size",
        "6",
        "--output",
        exact.to_str().unwrap()
    ])
    .status
    .success());
    let before = std::fs::read(&exact).unwrap();
    let out = hamlet(&["resume", exact.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(err.contains("no VMC checkpoint"), "{err}");
    assert_eq!(std::fs::read(&exact).unwrap(), before, "file untouched");
    // A file from an incompatible layout.
    let mut tree = h5::read(&exact).unwrap();
    tree.set_attr("layout_version", Attr::Int(999));
    let other = scratch("other.h5");
    h5::write_atomic(&other, &tree, false).unwrap();
    let before = std::fs::read(&other).unwrap();
    let out = hamlet(&["resume", other.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(err.contains("layout 999"), "{err}");
    assert_eq!(std::fs::read(&other).unwrap(), before, "file untouched");
    // Not an HDF5 file, and a missing file.
    let text = scratch("notes.h5");
    std::fs::write(&text, "not hdf5").unwrap();
    let out = hamlet(&["resume", text.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("HDF5"));
    let out = hamlet(&["resume", "/nonexistent-hamlet/run.h5"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not exist"));
}
