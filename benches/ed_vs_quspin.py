#!/usr/bin/env python3
"""Exact ground state of the Heisenberg ring (Sz = 0): hamlet vs QuSpin, same machine, one run.

Two comparisons: the plain Sz = 0 sector (default), and with --sym kpz the momentum,
parity and spin-flip block that holds the ground state (QuSpin's kblock/pblock/zblock
against `hamlet exact --sectors auto`, which finds that block by itself).

Each case runs in its own process under /usr/bin/time -v, so the wall time and the peak
resident memory are those of that case alone. QuSpin runs through
../shared/bench/ed_bench.py (sparse matrix + ARPACK eigsh); hamlet through
`hamlet exact --json` (matrix-free thick-restart Lanczos).

Usage (from the repository root, after `cargo build --release`):
    python3 benches/ed_vs_quspin.py --python /work/peers/bin/python --sizes 20 22 24

Energies agree after converting units: QuSpin's S.S = hamlet's sigma.sigma / 4.
"""
import argparse
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def timed(cmd, env=None):
    """Runs cmd under /usr/bin/time -v; returns (stdout, wall seconds, peak RSS MiB)."""
    full = ["/usr/bin/time", "-v"] + cmd
    p = subprocess.run(full, capture_output=True, text=True, env=env)
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{p.stderr[-2000:]}")
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", p.stderr)
    h = float(wall.group(1) or 0)
    seconds = 3600 * h + 60 * float(wall.group(2)) + float(wall.group(3))
    rss = float(re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr).group(1))
    return p.stdout, seconds, rss / 1024.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--python", default=os.environ.get("PEERS_PYTHON", "/work/peers/bin/python"))
    ap.add_argument("--sizes", type=int, nargs="+", default=[20, 22, 24])
    ap.add_argument("--hamlet", default=os.path.join(ROOT, "target", "release", "hamlet"))
    ap.add_argument("--sym", choices=["none", "kpz"], default="none")
    ap.add_argument("--ed-bench", default=os.path.join(ROOT, "..", "shared", "bench", "ed_bench.py"))
    args = ap.parse_args()

    rows = []
    for n in args.sizes:
        sym = ["--sectors", "auto"] if args.sym == "kpz" else ["--method", "lanczos"]
        out, t_h, m_h = timed([args.hamlet, "exact", "--model", "heisenberg", "--size", str(n),
                               "--total-sz", "0", "--quiet", "--json", *sym])
        h = json.loads(out)
        out, t_q, m_q = timed([args.python, args.ed_bench, "--backend", "quspin", "--model", "heis",
                               "--N", str(n), "--sym", args.sym])
        q = json.loads(out.split("RESULT_JSON", 1)[1])
        e_h = h["energies"][0] / 4.0
        rows.append(dict(N=n, dim=h["dimension"], hamlet_s=t_h, hamlet_mib=m_h, quspin_s=t_q,
                         quspin_mib=m_q, quspin_solve_s=q["t_cold_s"], hamlet_E_SS=e_h,
                         quspin_E_SS=q["E0"], dE=abs(e_h - q["E0"]), matvecs=h["matvecs"]))
        r = rows[-1]
        print(f"N={n:2d} dim={r['dim']:>9d}  hamlet {t_h:7.2f} s {m_h:7.0f} MiB ({r['matvecs']} matvecs)"
              f" | QuSpin {t_q:7.2f} s {m_q:7.0f} MiB | time ratio QuSpin/hamlet {t_q / t_h:5.1f}x,"
              f" memory ratio {m_q / m_h:5.1f}x | |dE| = {r['dE']:.1e}", flush=True)
    print("RESULT_JSON " + json.dumps(rows))


if __name__ == "__main__":
    main()
