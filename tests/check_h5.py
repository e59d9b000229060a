#!/usr/bin/env python3
"""Opens every kind of file hamlet writes with h5py (the reference HDF5 library) and
checks shapes, dtypes, attributes and values against the same run's --json output.

    python3 tests/check_h5.py path/to/hamlet

Run by `cargo test` (tests/h5py.rs) when h5py is importable; CI installs it.
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np

HAMLET = sys.argv[1]
failures = []


def check(condition, what):
    if not condition:
        failures.append(what)


def run(args, out):
    p = subprocess.run([HAMLET, *args, "--json", "--output", out], capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"hamlet {' '.join(args)} failed: {p.stderr}")
    return json.loads(p.stdout)


def text(attr):
    return attr.decode() if isinstance(attr, bytes) else str(attr)


def check_root(f, command_word, seed, section="[hamiltonian]"):
    for key in ["hamlet_version", "command_line", "deck", "seed", "start_time", "complete", "layout_version"]:
        check(key in f.attrs, f"root attribute {key} missing")
    check(command_word in text(f.attrs["command_line"]), "command line recorded")
    check(text(f.attrs["seed"]) == str(seed), "seed recorded")
    check(bool(f.attrs["complete"]), "complete = true after a clean run")
    check(section in text(f.attrs["deck"]), "deck recorded as TOML")


with tempfile.TemporaryDirectory() as tmp:
    # Exact diagonalization: Heisenberg ring in Sz = 0, three states.
    path = os.path.join(tmp, "exact.h5")
    js = run(["exact", "--model", "heisenberg", "--size", "12", "--n-states", "3"], path)
    with h5py.File(path, "r") as f:
        check_root(f, "exact", js["seed"])
        e = f["exact/energies"]
        check(e.shape == (3,) and e.dtype == np.float64, f"exact/energies shape/dtype {e.shape} {e.dtype}")
        check(np.allclose(e[:], js["energies"], rtol=0, atol=0), "exact energies equal the JSON")
        check(f["exact/residuals"].shape == (3,), "exact/residuals shape")
        a = f["exact"].attrs
        check(int(a["dimension"]) == js["dimension"], "dimension attribute")
        check(text(a["sector"]) == js["sector"], "sector attribute")
        check(text(a["method"]) == js["method"], "method attribute")
        check(int(a["sites"]) == 12, "sites attribute")

    # Symmetry sectors: every sector of the Heisenberg ring, with correlations.
    path = os.path.join(tmp, "sectors.h5")
    js = run(["exact", "--model", "heisenberg", "--size", "12", "--sectors", "all", "--correlations"], path)
    with h5py.File(path, "r") as f:
        rows = js["sectors"]["list"]
        t = f["exact/sectors"]
        for name in ["momentum", "parity", "flip", "dimension", "matvecs", "lowest_energy", "seconds"]:
            check(t[name].shape == (len(rows),), f"exact/sectors/{name} has one row per sector")
        check(text(t.attrs["labels"]).split(";") == [r["sector"] for r in rows], "sector labels")
        check(int(np.sum(t["dimension"][:])) == 924, "sector dimensions add up to C(12, 6)")
        check(np.allclose(t["lowest_energy"][:], [r["energies"][0] for r in rows], rtol=0, atol=0),
              "sector energies equal the JSON")
        c = f["exact/correlations_zz"][:]
        check(c.shape == (7,) and abs(c[0] - 1) < 1e-12, "correlations_zz: r = 0 .. 6")
        check(text(f["exact"].attrs["ground_sector"]) == js["sectors"]["ground_sector"], "ground_sector")

    # VMC, real RBM on the TFIM chain.
    path = os.path.join(tmp, "vmc.h5")
    iters = 30
    js = run(["ground-state", "--model", "tfim", "--size", "10", "--iterations", str(iters), "--quiet"], path)
    with h5py.File(path, "r") as f:
        check_root(f, "ground-state", js["seed"])
        log = f["vmc/log"]
        for name in ["iteration", "energy", "error", "variance", "tau", "r_hat", "acceptance",
                     "learning_rate", "update_norm", "seconds"]:
            check(name in log and log[name].shape == (iters,), f"vmc/log/{name} has {iters} entries")
        check(log["iteration"].dtype == np.int64, "iterations are integers")
        check(list(log["iteration"][:]) == list(range(1, iters + 1)), "iterations 1..n, no gap")
        check(np.all(log["learning_rate"][:] == 0.05), "learning rate logged")
        a = f["vmc"].attrs
        for key in ["energy", "error", "variance", "tau", "v_score", "acceptance", "reference", "relative_error"]:
            check(key in a and a[key] == js[key], f"vmc attribute {key} equals the JSON ({a.get(key)} vs {js[key]})")
        check(int(a["iterations"]) == js["iterations"] and int(a["n_parameters"]) == js["n_parameters"], "counts")
        p = f["vmc/parameters"]
        check(p.shape == (js["n_parameters"],) and p.dtype == np.float64, f"real parameters {p.shape} {p.dtype}")

    # VMC with complex parameters: native complex128.
    path = os.path.join(tmp, "vmc_complex.h5")
    js = run(["ground-state", "--model", "tfim", "--size", "6", "--iterations", "5", "--complex", "--quiet"], path)
    with h5py.File(path, "r") as f:
        p = f["vmc/parameters"]
        check(p.dtype == np.complex128, f"complex parameters are complex128, got {p.dtype}")
        check(p.shape == (js["n_parameters"],), "complex parameter count")
        check(np.any(p[:].imag != 0), "imaginary parts kept")

    # A killed run: the file opens, complete = false, every finished iteration kept.
    path = os.path.join(tmp, "killed.h5")
    proc = subprocess.Popen([HAMLET, "ground-state", "--model", "tfim", "--size", "40", "--iterations",
                             "100000", "--output", path], stderr=subprocess.PIPE, text=True)
    printed = 0
    deadline = time.time() + 60
    while printed < 15 and time.time() < deadline:
        line = proc.stderr.readline()
        if line.startswith("iter"):
            printed += 1
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    with h5py.File(path, "r") as f:
        check(not bool(f.attrs["complete"]), "a killed run has complete = false")
        n = f["vmc/log/iteration"].shape[0]
        check(n >= printed, f"killed run kept {n} iterations, at least the {printed} reported")
        check(list(f["vmc/log/iteration"][:]) == list(range(1, n + 1)), "killed run log has no gap")
        check(all(f[f"vmc/log/{k}"].shape == (n,) for k in f["vmc/log"]), "killed run logs are aligned")

    # Schrödinger: a 2-D free packet (snapshots times × nx × ny) and a 1-D initial state
    # read from an HDF5 file that h5py writes (complex128 psi).
    path = os.path.join(tmp, "schrodinger.h5")
    js = run(["schrodinger", "models/free_packet_2d.toml", "--quiet"], path)
    with h5py.File(path, "r") as f:
        check_root(f, "schrodinger", js["seed"], "[initial]")
        g = f["schrodinger"]
        nt = len(js["times"])
        nx, ny = js["points"]
        psi = g["psi"]
        check(psi.dtype == np.complex128, f"psi is complex128 ({psi.dtype})")
        check(psi.shape == (nt, nx, ny), f"psi shape {psi.shape} vs {(nt, nx, ny)}")
        check(g["x"].shape == (nx,) and g["y"].shape == (ny,), "snapshot axes")
        check(list(g["times"][:]) == [t["t"] for t in js["times"]], "times equal the JSON")
        check(np.array_equal(g["norm"][:], [t["norm"] for t in js["times"]]), "norms equal the JSON")
        check(np.array_equal(g["relative_l2_error"][:], [t["relative_l2_error"] for t in js["times"]]),
              "errors equal the JSON")
        check(g["mean_x"].shape == (nt, 2), "mean_x is times × dim")
        dx = (g["x"][1] - g["x"][0]) * (g["y"][1] - g["y"][0])
        norms = (np.abs(psi[:]) ** 2).sum(axis=(1, 2)) * dx
        check(np.allclose(norms, g["norm"][:], rtol=1e-12, atol=0), f"snapshot norms {norms} match")
        check(text(g.attrs["method"]) == "plane-wave", "method attribute")
        check(text(g.attrs["reference"]) == "closed form", "reference attribute")
    psi0 = os.path.join(tmp, "psi0.h5")
    x = np.linspace(-20.0, 20.0, 401)
    with h5py.File(psi0, "w") as f:
        f["x"] = x
        f["psi"] = (2 * np.pi) ** -0.25 * np.exp(-x ** 2 / 4 + 1.5j * x)
    path = os.path.join(tmp, "from_file.h5")
    js = run(["schrodinger", "--set", f"initial.file={json.dumps(psi0)}", "--times", "0,2", "--quiet"], path)
    check(js["initial"] == "file", "initial state read from h5py's file")
    check(all(t["relative_l2_error"] < 1e-10 for t in js["times"]),
          f"file state follows the split-operator reference: {js['times']}")

    # Surface hopping and the exact wave-packet reference on Tully's model 1.
    path = os.path.join(tmp, "fssh.h5")
    js = run(["hop", "--model", "tully1", "--k", "10,20", "--trajectories", "100", "--quiet"], path)
    with h5py.File(path, "r") as f:
        check_root(f, "hop", js["seed"], section="[system]")
        g = f["fssh"]
        check(list(g["k"][:]) == [10.0, 20.0], "fssh/k")
        for name in ["transmitted", "reflected", "transmitted_error", "reflected_error"]:
            d = g[name]
            check(d.shape == (2, 2) and d.dtype == np.float64, f"fssh/{name} shape/dtype {d.shape} {d.dtype}")
        for i, r in enumerate(js["results"]):
            check(np.array_equal(g["transmitted"][i], r["transmitted"]), "fssh transmitted equal the JSON")
            check(np.array_equal(g["reflected_error"][i], [r["reflected_lower_error"], r["reflected_upper_error"]]),
                  "fssh errors equal the JSON")
        p = g["populations/0"]
        check(p["electronic"].shape[0] == p["time"].shape[0], "populations/electronic has one row per time")
        check(np.allclose(p["electronic"][:].sum(axis=1), 1.0, atol=1e-9), "electronic populations add up to 1")
        check(int(g.attrs["trajectories"]) == 100, "trajectories attribute")
    path = os.path.join(tmp, "wavepacket.h5")
    js = run(["hop", "--model", "tully1", "--k", "15", "--method", "exact", "--quiet"], path)
    with h5py.File(path, "r") as f:
        g = f["wavepacket"]
        check(np.array_equal(g["transmitted"][0], js["results"][0]["transmitted"]), "wavepacket transmitted equal the JSON")
        check(abs(g["transmitted"][0][1] - 0.323) < 0.01, f"exact T_upper at k = 15: {g['transmitted'][0][1]}")
        check(g["points"].dtype == np.int64 and int(g["points"][0]) == js["results"][0]["points"], "wavepacket/points")
        check(int(g["remainder_by_flux"][0]) == 0, "a packet that leaves completely is not extrapolated")

if failures:
    print("h5py check FAILED:\n  " + "\n  ".join(failures))
    sys.exit(1)
print("h5py check passed: exact, sectors, vmc (real and complex), killed run, schrodinger (2-D, file input), hop (fssh, exact)")
