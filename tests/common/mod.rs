//! Helpers shared by the tests that run the `hamlet` binary.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};

/// Runs `hamlet args` in the crate root, optionally with `RAYON_NUM_THREADS`.
pub fn hamlet(args: &[&str], threads: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hamlet"));
    cmd.args(args).current_dir(env!("CARGO_MANIFEST_DIR"));
    if let Some(t) = threads {
        cmd.env("RAYON_NUM_THREADS", t);
    }
    cmd.output().expect("hamlet runs")
}

/// Runs a command that must succeed and print one JSON object.
pub fn json(args: &[&str]) -> serde_json::Value {
    let out = hamlet(args, None);
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("one JSON object on stdout")
}

/// A per-process scratch directory.
pub fn scratch_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hamlet-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes `text` to a file in the scratch directory.
pub fn scratch(name: &str, text: &str) -> PathBuf {
    let path = scratch_dir("cli").join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs a failing command; returns its one-line stderr.
pub fn failure(args: &[&str]) -> String {
    let out = hamlet(args, None);
    assert!(!out.status.success(), "{args:?} should fail");
    assert!(out.stdout.is_empty(), "no output on failure");
    let err = String::from_utf8_lossy(&out.stderr).trim().to_string();
    assert_eq!(
        err.lines().count(),
        1,
        "one-line message expected, got:\n{err}"
    );
    err
}

/// The Python of `HAMLET_PYTHON` (default `python3`) if it can import `modules`
/// (e.g. "h5py, numpy"); otherwise `None`, after checking that `HAMLET_REQUIRE_H5PY`
/// (set in CI) does not demand it.
pub fn python_with(modules: &str) -> Option<String> {
    let python = std::env::var("HAMLET_PYTHON").unwrap_or_else(|_| "python3".into());
    let found = Command::new(&python)
        .args(["-c", &format!("import {modules}")])
        .stderr(std::process::Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if found {
        return Some(python);
    }
    assert!(
        std::env::var_os("HAMLET_REQUIRE_H5PY").is_none(),
        "HAMLET_REQUIRE_H5PY is set but {python} cannot import {modules}"
    );
    eprintln!("skipped: {python} cannot import {modules} (set HAMLET_PYTHON)");
    None
}
