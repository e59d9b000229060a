#!/usr/bin/env python3
"""Variational Monte Carlo: hamlet vs NetKet on the same machine, in one run.

Same settings on both sides (RBM alpha = 1, real parameters, 1008 samples, 16 chains,
one sweep between samples, SR with diagonal shift 0.01, learning rate 0.05). NetKet runs
through ../shared/bench/netket_vmc.py; hamlet through `hamlet ground-state --json`.

    python3 benches/vmc_vs_netket.py --python /work/peers/bin/python \\
        --timing tfim:20 tfim:40 tfim:80 heis:20 --accuracy tfim:20 heis:20

--timing runs a short optimization (--timing-iters) and compares the median seconds per
iteration; --accuracy runs 300 iterations and compares the final relative errors
(hamlet: a fresh 4032-sample estimate; NetKet: the mean of its last 50 iterations).
"""
import argparse
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_json(cmd, marker=None):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{p.stderr[-3000:]}")
    text = p.stdout
    if marker:
        text = text.split(marker, 1)[1]
    return json.loads(text)


def hamlet(args, model, n, iters, seed):
    cmd = [args.hamlet, "ground-state", "--model", "tfim" if model == "tfim" else "heisenberg",
           "--size", str(n), "--iterations", str(iters), "--seed", str(seed), "--json", "--quiet"]
    return run_json(cmd)


def netket(args, model, n, iters, seed, reference):
    cmd = [args.python, args.netket_script, "--model", model, "--N", str(n), "--n-iter", str(iters),
           "--timing-window", str(max(iters - 10, 5)), "--seed", str(seed)]
    if reference is not None:
        cmd += ["--e-exact", repr(reference)]
    else:
        cmd += ["--exact", "none"]
    return run_json(cmd, "RESULT_JSON")


def cases(specs):
    for spec in specs:
        model, n = spec.split(":")
        yield model, int(n)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--python", default=os.environ.get("PEERS_PYTHON", "/work/peers/bin/python"))
    ap.add_argument("--hamlet", default=os.path.join(ROOT, "target", "release", "hamlet"))
    ap.add_argument("--netket-script",
                    default=os.path.join(ROOT, "..", "shared", "bench", "netket_vmc.py"))
    ap.add_argument("--timing", nargs="*", default=["tfim:20", "tfim:40", "tfim:80", "heis:20"])
    ap.add_argument("--timing-iters", type=int, default=60)
    ap.add_argument("--accuracy", nargs="*", default=[])
    ap.add_argument("--seed", type=int, default=4)
    args = ap.parse_args()
    out = {"timing": [], "accuracy": []}
    for model, n in cases(args.timing):
        h = hamlet(args, model, n, args.timing_iters, args.seed)
        k = netket(args, model, n, args.timing_iters, args.seed, h["reference"])
        row = dict(model=model, N=n, hamlet_s=h["seconds_per_iteration"],
                   netket_s=k["t_iter_median_s"], ratio=k["t_iter_median_s"] / h["seconds_per_iteration"])
        out["timing"].append(row)
        print(f"{model} N={n:3d}: hamlet {row['hamlet_s'] * 1e3:8.2f} ms/iter | NetKet "
              f"{row['netket_s'] * 1e3:8.2f} ms/iter | NetKet/hamlet {row['ratio']:6.1f}x", flush=True)
    for model, n in cases(args.accuracy):
        h = hamlet(args, model, n, 300, args.seed)
        k = netket(args, model, n, 300, args.seed, h["reference"])
        ref = h["reference"]
        row = dict(model=model, N=n, reference=ref, hamlet_E=h["energy"], hamlet_err=h["error"],
                   hamlet_rel=h["relative_error"], netket_E=k["E_final_mean"],
                   netket_rel=abs(k["E_final_mean"] - ref) / abs(ref),
                   hamlet_s_per_iter=h["seconds_per_iteration"], netket_s_per_iter=k["t_iter_median_s"])
        out["accuracy"].append(row)
        print(f"{model} N={n:3d}, 300 iterations: hamlet E = {row['hamlet_E']:.6f} ± {row['hamlet_err']:.1e} "
              f"(rel. error {row['hamlet_rel']:.2e}) | NetKet E = {row['netket_E']:.6f} "
              f"(rel. error {row['netket_rel']:.2e}) | exact {ref:.6f}", flush=True)
    print("RESULT_JSON " + json.dumps(out))


if __name__ == "__main__":
    main()
