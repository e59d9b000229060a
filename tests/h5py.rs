//! Cross-check of the HDF5 output with the reference HDF5 library: runs
//! `tests/check_h5.py` (h5py) on files written by the `hamlet` binary and compared with
//! its JSON output. Needs a Python with h5py: `HAMLET_PYTHON` (default `python3`). If
//! h5py is missing the test says so and passes, unless `HAMLET_REQUIRE_H5PY` is set
//! (as in CI), where it fails.

mod common;

use std::process::Command;

#[test]
fn h5py_reads_every_kind_of_output_file() {
    let Some(python) = common::python_with("h5py") else {
        return;
    };
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/check_h5.py");
    let out = Command::new(&python)
        .args([script, env!("CARGO_BIN_EXE_hamlet")])
        .output()
        .expect("run python");
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{report}");
    eprintln!("{report}");
}
