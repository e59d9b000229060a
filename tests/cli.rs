//! The `hamlet` binary: happy paths, JSON output, bad input, determinism.

mod common;

use common::{failure, hamlet, json, scratch, scratch_dir};

#[test]
fn tfim_from_flags_matches_closed_form() {
    let v = json(&[
        "exact", "--model", "tfim", "--size", "12", "--h", "0.5", "--json",
    ]);
    let e0 = v["energies"][0].as_f64().unwrap();
    let reference = v["reference"]["energy"].as_f64().unwrap();
    assert!((e0 - reference).abs() < 1e-9);
    assert_eq!(v["sites"], 12);
    assert_eq!(v["sector"], "full");
    assert!((v["energy_per_site"].as_f64().unwrap() - e0 / 12.0).abs() < 1e-15);
}

#[test]
fn decks_with_overrides() {
    let v = json(&[
        "exact",
        "models/heisenberg_chain22.toml",
        "--set",
        "system.size=4",
        "--n-states",
        "3",
        "--json",
    ]);
    let e: Vec<f64> = v["energies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    // S·S spectrum of the 4-ring in Sz = 0: -2, -1, 0 (times 4 in Pauli units).
    assert_eq!(e.len(), 3);
    for (x, y) in e.iter().zip([-8.0, -4.0, 0.0]) {
        assert!((x - y).abs() < 1e-10, "{e:?}");
    }
    assert!(e.windows(2).all(|w| w[0] <= w[1]));
    assert_eq!(v["sector"], "Sz=0");
    let sq = json(&["exact", "--model", "heisenberg", "--size", "2x3", "--json"]);
    assert_eq!(sq["sites"], 6);
    assert_eq!(sq["lattice"]["kind"], "square");
}

#[test]
fn human_report_names_the_solver_and_energy() {
    let out = hamlet(
        &[
            "exact",
            "models/tfim_chain20.toml",
            "--set",
            "system.size=8",
        ],
        None,
    );
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("E0 ="), "{text}");
    assert!(text.contains("free fermions"), "{text}");
}

#[test]
fn bad_input_is_refused_with_a_named_key() {
    let unknown = scratch(
        "unknown.toml",
        "[system]\nsize = 6\nsizee = 3\n[hamiltonian]\nmodel = \"tfim\"\n",
    );
    let err = failure(&["exact", unknown.to_str().unwrap()]);
    assert!(err.contains("sizee") && err.contains("system"), "{err}");

    let negative = scratch(
        "negative.toml",
        "[system]\nsize = -4\n[hamiltonian]\nmodel = \"tfim\"\n",
    );
    let err = failure(&["exact", negative.to_str().unwrap()]);
    assert!(err.contains("system.size"), "{err}");

    let err = failure(&[
        "exact",
        "--model",
        "heisenberg",
        "--size",
        "7",
        "--total-sz",
        "0",
    ]);
    assert!(err.contains("system.total_sz"), "{err}");

    let err = failure(&["exact", "no/such/deck.toml"]);
    assert!(err.contains("no/such/deck.toml"), "{err}");

    let err = failure(&["exact", "--model", "potts", "--size", "4"]);
    assert!(err.contains("hamiltonian.model"), "{err}");

    let err = failure(&[
        "exact",
        "--model",
        "tfim",
        "--size",
        "4",
        "--set",
        "exact.tolerance=2",
    ]);
    assert!(err.contains("exact.tolerance"), "{err}");

    let err = failure(&["exact"]);
    assert!(err.contains("--model"), "{err}");

    let syntax = scratch("syntax.toml", "[system\nsize = 4\n");
    let err = failure(&["exact", syntax.to_str().unwrap()]);
    assert!(err.contains("syntax.toml:1:"), "{err}");
}

#[test]
fn symmetry_sectors_from_the_command_line() {
    let n = 16.0;
    let plain = json(&["exact", "--model", "heisenberg", "--size", "16", "--json"]);
    let auto = json(&[
        "exact",
        "--model",
        "heisenberg",
        "--size",
        "16",
        "--sectors",
        "auto",
        "--correlations",
        "--json",
    ]);
    let e0 = plain["energies"][0].as_f64().unwrap();
    let e = auto["energies"][0].as_f64().unwrap();
    assert!((e - e0).abs() < 1e-9, "{e} vs {e0}");
    let sectors = &auto["sectors"];
    assert_eq!(sectors["ground_sector"], "k=0,p=1,z=1");
    assert!(sectors["ground_reason"]
        .as_str()
        .unwrap()
        .contains("Perron"));
    assert_eq!(sectors["list"].as_array().unwrap().len(), 1);
    assert_eq!(auto["sector"], "Sz=0, k=0,p=1,z=1");
    // SU(2): <σᶻ₀σᶻ₁> = E0 / (3N).
    let c = sectors["correlations_zz"].as_array().unwrap();
    assert_eq!(c.len(), 9);
    assert!((c[0].as_f64().unwrap() - 1.0).abs() < 1e-12);
    assert!(
        (c[1].as_f64().unwrap() - e0 / (3.0 * n)).abs() < 1e-8,
        "{c:?}"
    );

    // Every sector of the TFIM ring: the two lowest levels, from their sectors.
    let tfim = [
        "exact",
        "--model",
        "tfim",
        "--size",
        "10",
        "--h",
        "0.8",
        "--n-states",
        "2",
    ];
    let plain = json(&[&tfim[..], &["--json"]].concat());
    let all = json(&[&tfim[..], &["--sectors", "all", "--json"]].concat());
    for k in 0..2 {
        let (a, b) = (
            plain["energies"][k].as_f64().unwrap(),
            all["energies"][k].as_f64().unwrap(),
        );
        assert!((a - b).abs() < 1e-9, "level {k}: {a} vs {b}");
    }
    assert_eq!(all["sectors"]["list"].as_array().unwrap().len(), 24);
    assert_eq!(all["sectors"]["level_sectors"][1], "k=0,p=1,z=-1");

    let one = json(&[
        "exact",
        "--model",
        "heisenberg",
        "--size",
        "16",
        "--sector",
        "k=pi,p=-1,z=-1",
        "--json",
    ]);
    assert_eq!(one["sectors"]["ground_sector"], "k=8,p=-1,z=-1");
    assert!(one["energies"][0].as_f64().unwrap() > e0 + 0.1);

    let out = hamlet(
        &[
            "exact",
            "--model",
            "tfim",
            "--size",
            "12",
            "--sectors",
            "auto",
        ],
        None,
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("ground state in sector k=0,p=1,z=1"),
        "{text}"
    );
    assert!(text.contains("free fermions"), "{text}");
}

#[test]
fn impossible_sectors_are_refused_with_the_key() {
    let base = ["exact", "--model", "heisenberg", "--size", "10"];
    let err = failure(&[&base[..], &["--sector", "k=1,p=1"]].concat());
    assert!(
        err.contains("exact.sectors") && err.contains("k = 0 and k = π"),
        "{err}"
    );
    let err = failure(&[&base[..], &["--sector", "k=12"]].concat());
    assert!(err.contains("exact.sectors"), "{err}");
    let file = scratch_dir("sectors").join("refused.h5");
    let path = file.to_str().unwrap();
    let open = ["--sector", "k=0", "--boundary", "open", "--output", path];
    let err = failure(&[&base[..], &open[..]].concat());
    assert!(!file.exists(), "a refused sector leaves no file");
    assert!(
        err.contains("exact.sectors") && err.contains("translation"),
        "{err}"
    );
    let err = failure(&[&base[..], &["--sector", "z=1", "--total-sz", "1"]].concat());
    assert!(err.contains("Sz = 0"), "{err}");
    let err = failure(&[&base[..], &["--correlations"]].concat());
    assert!(err.contains("exact.correlations"), "{err}");
    let err = failure(&[&base[..], &["--method", "lean", "--n-states", "2"]].concat());
    assert!(err.contains("exact.method"), "{err}");
    let square = ["exact", "--model", "heisenberg", "--size", "4x4"];
    let err = failure(&[&square[..], &["--sector", "kx=0,ky=0,p=1"]].concat());
    assert!(
        err.contains("exact.sectors") && err.contains("chains only"),
        "{err}"
    );
    let err = failure(&[&square[..], &["--sector", "k=0"]].concat());
    assert!(err.contains("kx=...,ky=..."), "{err}");
    let empty = ["--size", "4", "--sector", "k=1,z=1", "--output", path];
    let err = failure(&[&base[..3], &empty[..]].concat());
    assert!(
        err.contains("exact.sectors") && err.contains("holds no state"),
        "{err}"
    );
    assert!(!file.exists(), "an empty sector leaves no file");
    let out = hamlet(
        &[&base[..], &["--sectors", "auto", "--sector", "k=0"]].concat(),
        None,
    );
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn same_seed_same_numbers_for_any_thread_count() {
    let args = [
        "exact",
        "--model",
        "xxz",
        "--delta",
        "0.5",
        "--size",
        "14",
        "--total-sz",
        "0",
        "--method",
        "lanczos",
        "--n-states",
        "3",
        "--json",
    ];
    let run = |t| {
        let out = hamlet(&args, Some(t));
        assert!(out.status.success());
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        (v["energies"].to_string(), v["matvecs"].clone())
    };
    assert_eq!(run("1"), run("2"));
    // Symmetry sectors: three-vector Lanczos with and without stored connections, and
    // the eigenvector's correlations, bit for bit.
    for extra in [&[][..], &["--on-the-fly"][..]] {
        let sectors = [
            &[
                "exact",
                "--model",
                "j1j2",
                "--J2",
                "0.3",
                "--size",
                "16",
                "--sectors",
                "all",
                "--correlations",
                "--json",
            ][..],
            extra,
        ]
        .concat();
        let run = |t| {
            let out = hamlet(&sectors, Some(t));
            assert!(out.status.success());
            let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            let s = &v["sectors"];
            let lowest: Vec<String> = s["list"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x["energies"].to_string())
                .collect();
            (lowest, s["correlations_zz"].to_string())
        };
        assert_eq!(run("1"), run("2"), "{extra:?}");
    }
}

#[test]
fn ground_state_reports_every_statistic() {
    let v = json(&[
        "ground-state",
        "--model",
        "tfim",
        "--size",
        "6",
        "--iterations",
        "40",
        "--samples",
        "256",
        "--quiet",
        "--json",
    ]);
    for key in [
        "energy",
        "error",
        "variance",
        "tau",
        "r_hat",
        "v_score",
        "acceptance",
        "reference",
        "relative_error",
        "iterations",
        "n_parameters",
        "seconds",
    ] {
        assert!(v.get(key).is_some(), "missing {key} in {v}");
    }
    assert_eq!(v["iterations"], 40);
    assert_eq!(v["n_parameters"], 6 + 6 + 36);
    let (e, err, reference) = (
        v["energy"].as_f64().unwrap(),
        v["error"].as_f64().unwrap(),
        v["reference"].as_f64().unwrap(),
    );
    assert!(
        e > reference - 5.0 * err,
        "{e} ± {err} below the exact {reference}"
    );
    assert!((e - reference).abs() / reference.abs() < 0.01);
}

#[test]
fn ground_state_bad_input_names_the_key() {
    let cases: [(&[&str], &str); 15] = [
        (&["--set", "ansatz.parity=1"], "ansatz.symmetry"),
        (
            &[
                "--set",
                "ansatz.symmetry=\"translation\"",
                "--boundary",
                "open",
            ],
            "ansatz.symmetry",
        ),
        (&["--sampler", "direct"], "sampler.kind"),
        (
            &["--ansatz", "autoregressive", "--complex"],
            "ansatz.complex",
        ),
        (&["--set", "ansatz.layers=[8]"], "ansatz.layers"),
        (
            &["--ansatz", "ffnn", "--set", "ansatz.layers=[8,0]"],
            "ansatz.layers",
        ),
        (&["--samples", "100", "--chains", "16"], "sampler.samples"),
        (&["--alpha", "0"], "ansatz.alpha"),
        (&["--sampler", "exchange"], "sampler.kind"),
        (&["--learning-rate", "0"], "optimizer.learning_rate"),
        (&["--optimizer", "newton"], "optimizer.kind"),
        (&["--set", "optimizer.max_step=-0.1"], "optimizer.max_step"),
        (
            &["--ansatz", "rbm-symmetric", "--alpha", "1.5"],
            "ansatz.alpha",
        ),
        (
            &["--ansatz", "rbm-symmetric", "--boundary", "open"],
            "ansatz.kind",
        ),
        (&["--ansatz", "cnn"], "ansatz.kind"),
    ];
    for (extra, key) in cases {
        let mut args = vec!["ground-state", "--model", "tfim", "--size", "6", "--quiet"];
        args.extend_from_slice(extra);
        let err = failure(&args);
        assert!(err.contains(key), "{args:?}: '{err}' should name {key}");
    }
    // Complex matrix elements need complex parameters.
    let deck = scratch(
        "pauli.toml",
        "[system]\nsize = 3\nboundary = \"open\"\n[hamiltonian]\nmodel = \"pauli\"\n\
         terms = [{ coeff = 1.0, ops = \"XY\", sites = [0, 1] }]\n",
    );
    let err = failure(&["ground-state", deck.to_str().unwrap(), "--quiet"]);
    assert!(err.contains("ansatz.complex"), "{err}");
}

#[test]
fn output_files_are_never_clobbered_or_left_half_written() {
    let existing = scratch("existing.h5", "precious");
    let path = existing.to_str().unwrap();
    // An existing file without --force: refused, untouched.
    let err = failure(&["exact", "--model", "tfim", "--size", "6", "--output", path]);
    assert!(
        err.contains("output.file") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&existing).unwrap(), "precious");
    // Bad input with an output file: the error comes first, no file is created.
    let fresh = existing.with_file_name("fresh.h5");
    let _ = std::fs::remove_file(&fresh);
    let err = failure(&[
        "ground-state",
        "--model",
        "tfim",
        "--size",
        "6",
        "--alpha",
        "0",
        "--output",
        fresh.to_str().unwrap(),
    ]);
    assert!(err.contains("ansatz.alpha"), "{err}");
    assert!(!fresh.exists(), "no file after bad input");
    // An unwritable destination: a clear error naming the path.
    let err = failure(&[
        "exact",
        "--model",
        "tfim",
        "--size",
        "6",
        "--output",
        "/nonexistent-hamlet-dir/run.h5",
    ]);
    assert!(err.contains("/nonexistent-hamlet-dir/run.h5"), "{err}");
    // With --force the file is replaced by a complete HDF5 file.
    let out = hamlet(
        &[
            "exact", "--model", "tfim", "--size", "6", "--output", path, "--force",
        ],
        None,
    );
    assert!(out.status.success());
    let tree = hamlet::io::h5::read(&existing).unwrap();
    assert_eq!(
        tree.attrs["complete"],
        hamlet::io::h5::Attr::Bool(true),
        "complete after a clean run"
    );
    assert!(tree
        .group("exact")
        .unwrap()
        .datasets
        .contains_key("energies"));
}

#[test]
fn check_validates_every_shipped_deck_and_names_bad_keys() {
    for entry in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/models")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let report = json(&["check", path.to_str().unwrap(), "--json"]);
            assert_eq!(report["valid"], true, "{}", path.display());
            if report["kind"] == "schrodinger" {
                assert!(report["points"][0].as_u64().unwrap() > 0);
            } else if report["kind"] == "hop" {
                assert!(report["dt"][0].as_f64().unwrap() > 0.0);
            } else {
                assert!(report["n_parameters"].as_u64().unwrap() > 0);
            }
        }
    }
    let err = failure(&[
        "check",
        "models/tfim_chain20.toml",
        "--set",
        "optimizer.diag_shift=-1",
    ]);
    assert!(err.contains("optimizer.diag_shift"), "{err}");
    let bad = scratch(
        "bad_check.toml",
        "[system]\nsize = 8\n[hamiltonian]\nmodel = \"tfim\"\n[sampler]\nchain = 4\n",
    );
    let err = failure(&["check", bad.to_str().unwrap()]);
    assert!(err.contains("chain"), "{err}");
    let err = failure(&[
        "check",
        "models/free_packet_1d.toml",
        "--set",
        "basis.points=101",
    ]);
    assert!(
        err.contains("basis.points") && err.contains("alias"),
        "{err}"
    );
}

#[test]
fn progress_is_plain_lines_off_a_terminal_and_silent_when_quiet() {
    let args = [
        "ground-state",
        "--model",
        "tfim",
        "--size",
        "8",
        "--iterations",
        "7",
    ];
    let out = hamlet(&args, None);
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        err.lines().filter(|l| l.starts_with("iter")).count(),
        7,
        "{err}"
    );
    let mut quiet = args.to_vec();
    quiet.push("--quiet");
    let out = hamlet(&quiet, None);
    assert!(out.status.success() && out.stderr.is_empty());
    let out = hamlet(
        &[
            "exact",
            "--model",
            "heisenberg",
            "--size",
            "14",
            "--method",
            "lanczos",
            "--quiet",
        ],
        None,
    );
    assert!(out.status.success() && out.stderr.is_empty());
}

/// A deck's `vmc.reference` replaces the computed reference (for systems beyond exact
/// diagonalization), and the variational check uses it: a reference far above the
/// true ground state makes the run warn that the energy lies below it.
#[test]
fn a_reference_given_in_the_deck_is_reported_and_checked() {
    let v = json(&[
        "ground-state",
        "--model",
        "tfim",
        "--size",
        "6",
        "--iterations",
        "20",
        "--quiet",
        "--json",
        "--set",
        "vmc.reference=-1.0",
    ]);
    assert_eq!(v["reference"], -1.0);
    assert_eq!(v["reference_method"], "given in the deck (vmc.reference)");
    let warnings = v["warnings"].as_array().unwrap();
    assert!(
        warnings.iter().any(|w| w
            .as_str()
            .unwrap()
            .contains("below the exact ground-state energy")),
        "{warnings:?}"
    );
    let err = failure(&[
        "ground-state",
        "--model",
        "tfim",
        "--size",
        "6",
        "--set",
        "vmc.reference=nan",
    ]);
    assert!(err.contains("vmc.reference"), "{err}");
}

/// Issue 8's accuracy target for the Heisenberg ring of 20 spins: the symmetric RBM
/// (α = 8, 8064 samples, 1500 SR iterations, 201600 final samples) within 10⁻⁵ of
/// the exact energy, and not below it by more than 5σ. About 7 minutes on one core.
#[test]
#[ignore = "accuracy run, about 7 minutes in release"]
fn symmetric_rbm_reaches_1e_5_on_the_heisenberg_ring_of_20() {
    assert_accuracy(
        &[
            "ground-state",
            "models/heisenberg_chain20.toml",
            "--ansatz",
            "rbm-symmetric",
            "--alpha",
            "8",
            "--samples",
            "8064",
            "--iterations",
            "1500",
            "--learning-rate",
            "0.02",
            "--set",
            "optimizer.diag_shift=0.001",
            "--set",
            "vmc.final_samples=201600",
        ],
        -35.617546120,
        1e-5,
    );
}

/// The shipped TFIM 32 deck: symmetric RBM, α = 8, learning rate decaying from 0.05
/// to 0.005. Measured: 5.7e-7 ± 3.9e-7 (V-score 4.8e-6), 22 minutes on one core.
#[test]
#[ignore = "accuracy run, about 20 minutes in release"]
fn symmetric_rbm_reaches_1e_6_on_the_critical_ising_ring_of_32() {
    assert_accuracy(
        &["ground-state", "models/tfim_chain32.toml"],
        -40.760032494,
        1e-6,
    );
}

/// The shipped J1-J2 deck: complex RBM projected on translations and the spin flip.
/// Measured: 1.3e-3 ± 1.3e-4 (V-score 0.011).
#[test]
#[ignore = "accuracy run, about 30 minutes in release"]
fn projected_rbm_reaches_2e_3_on_the_frustrated_4x4_lattice() {
    assert_accuracy(
        &["ground-state", "models/j1j2_square4x4.toml"],
        -33.831693406,
        2e-3,
    );
}

/// Runs `args` (with --quiet --json) and asserts a relative error at most `bound`
/// against `exact`, and no energy more than 5σ below it.
fn assert_accuracy(args: &[&str], exact: f64, bound: f64) {
    let mut args = args.to_vec();
    args.extend_from_slice(&["--quiet", "--json"]);
    let v = json(&args);
    let (e, error) = (v["energy"].as_f64().unwrap(), v["error"].as_f64().unwrap());
    let relative = (e - exact).abs() / exact.abs();
    println!(
        "E = {e} ± {error}, relative error {relative:.2e}, V-score {:.2e}, {:.0} s",
        v["v_score"].as_f64().unwrap(),
        v["seconds"].as_f64().unwrap()
    );
    assert!(
        relative <= bound,
        "relative error {relative:.2e} > {bound:.0e}"
    );
    assert!(
        e > exact - 5.0 * error,
        "below the exact energy by more than 5σ"
    );
}
