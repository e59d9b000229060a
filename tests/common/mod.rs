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
