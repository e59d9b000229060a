#!/usr/bin/env python3
"""Fewest-switches surface hopping speed: mudslide's FSSH on Tully's model 1, one process.

The peer side of `hamlet hop` timing (hamlet's own figure is measured separately, e.g.
`hamlet hop` with model = "tully1", k = [15.0], the default dt). Same problem on both
sides, atomic units:

  model   : Tully's simple avoided crossing (J. Chem. Phys. 93, 1061 (1990)), A = 0.01,
            B = 1.6, C = 0.005, D = 1.0, mass 2000 (mudslide.models.TullySimpleAvoidedCrossing,
            adiabatic representation);
  start   : x0 = -10 bohr, fixed momentum p = hbar k (v0 = k / 2000), lower adiabatic state;
  exit    : the trajectory ends when x leaves (-10, 10) (mudslide `bounds`, checked after
            every step; transmitted = ends at x > 0, reflected = x < 0);
  step    : dt = 80/k a.u. by default (hamlet's default 80/k_max; k_max = k here since
            the lower surface at x = -10 is already at its minimum), i.e. 5.333 at k = 15;
  hops    : Tully's instantaneous rule (one random number per step, as hamlet), momentum
            rescaled along the derivative coupling, frustrated hops keep the velocity,
            no decoherence correction.

Runs through mudslide's batch runner (BatchedTraj + TrajGenConst, nprocs = 1) with the
in-memory trace, after one untimed warm-up trajectory. Times: wall (perf_counter) and CPU
(process_time) of the whole batch; the step count is read from each trace (mudslide
records a snapshot at t = 0 and after every step, so steps = time of the last snapshot /
dt). BLAS/OpenMP threads are pinned to 1 unless set in the environment.

Caveats for a like-for-like comparison with hamlet:
  * mudslide's default electronic integration ("exp") applies ONE exponential per nuclear
    step, exp(-i W dt) with W the step-midpoint H - i T.v (averaged energies, couplings
    and velocities); no substeps. hamlet subdivides each step (m = ceil(max|T| dt / 0.01)
    substeps, linearly interpolated E and T). --electronic-integration linear-rk4 makes
    mudslide use RK4 substeps instead: 4 doubled until dt/n <= max_electronic_dt (0.1),
    i.e. 64 substeps at dt = 5.333.
  * mudslide's hop probability uses the end-of-step density matrix (2 Im(rho_ak W_ka) dt /
    rho_aa); hamlet integrates the flux over the substeps.
  * Each mudslide step also writes a trace snapshot (positions, density matrix, the
    electronics as a dict); this is part of mudslide's normal cost and is included
    (--trace-every N records every Nth step only).

Usage (from the repository root):
    /work/peers/bin/python benches/fssh_vs_mudslide.py --k 15 --trajectories 50

Prints a human line and, last, one line `RESULT_JSON {...}`.
"""
import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import mudslide  # noqa: E402


def run_batch(args, samples, seed):
    model = mudslide.models.TullySimpleAvoidedCrossing(mass=args.mass)
    v0 = np.array([args.k / args.mass])
    gen = mudslide.TrajGenConst(np.array([args.x0]), v0, args.state, seed=seed)
    opts = dict(samples=samples, nprocs=1, dt=args.dt, bounds=[[-args.bound], [args.bound]],
                hopping_method=args.hopping_method, trace_every=args.trace_every,
                electronic_integration=args.electronic_integration)
    batch = mudslide.BatchedTraj(model, gen, mudslide.SurfaceHoppingMD, **opts)
    w0, c0 = time.perf_counter(), time.process_time()
    manager = batch.compute()
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    steps = []
    for t in manager:
        last = t[-1]
        n = int(round(last["time"] / args.dt))
        if args.trace_every == 1:
            assert n == len(t) - 1, (n, len(t))
        steps.append(n)
    return manager, wall, cpu, steps


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--k", type=float, default=15.0, help="initial momentum hbar k (a.u.)")
    ap.add_argument("--dt", type=float, default=None, help="nuclear time step (a.u.); default 80/k")
    ap.add_argument("--trajectories", type=int, default=50)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--mass", type=float, default=2000.0)
    ap.add_argument("--x0", type=float, default=-10.0)
    ap.add_argument("--bound", type=float, default=10.0, help="exit when |x| >= bound")
    ap.add_argument("--state", type=int, default=0, help="initial adiabatic state")
    ap.add_argument("--hopping-method", default="instantaneous",
                    choices=["instantaneous", "cumulative", "cumulative_integrated"],
                    help="instantaneous = Tully 1990 (as hamlet); mudslide's default is cumulative")
    ap.add_argument("--electronic-integration", default="exp", choices=["exp", "linear-rk4"])
    ap.add_argument("--trace-every", type=int, default=1)
    ap.add_argument("--warmup", type=int, default=1, help="untimed trajectories first")
    args = ap.parse_args()
    if args.dt is None:
        args.dt = 80.0 / args.k

    if args.warmup > 0:
        run_batch(args, args.warmup, args.seed + 7919)
    manager, wall, cpu, steps = run_batch(args, args.trajectories, args.seed)

    n = len(steps)
    total = int(sum(steps))
    out = np.asarray(manager.outcome())  # [state, 0 = reflected / 1 = transmitted]
    substeps = 1
    if args.electronic_integration == "linear-rk4":
        substeps = 4
        while args.dt / substeps > 0.1:
            substeps *= 2
    res = dict(
        k=args.k, dt=args.dt, trajectories=n, steps=total,
        steps_per_trajectory=total / n, min_steps=int(min(steps)), max_steps=int(max(steps)),
        cpu_s=cpu, wall_s=wall,
        cpu_s_per_step=cpu / total, wall_s_per_step=wall / total,
        cpu_s_per_trajectory=cpu / n, wall_s_per_trajectory=wall / n,
        transmitted_lower=float(out[0, 1]), transmitted_upper=float(out[1, 1]),
        reflected_lower=float(out[0, 0]), reflected_upper=float(out[1, 0]),
        hops=int(sum(len(t.hops) for t in manager)),
        hopping_method=args.hopping_method, electronic_integration=args.electronic_integration,
        electronic_substeps=substeps, trace_every=args.trace_every, seed=args.seed,
        mudslide_version=mudslide.__version__, numpy_version=np.__version__,
        python=platform.python_version(),
    )
    print(f"mudslide {res['mudslide_version']} FSSH tully1 k={args.k:g} dt={args.dt:.4g}: "
          f"{n} trajectories, {total} steps ({res['steps_per_trajectory']:.1f}/traj) | "
          f"CPU {res['cpu_s_per_step'] * 1e3:.3f} ms/step, {res['cpu_s_per_trajectory'] * 1e3:.1f} "
          f"ms/traj | wall {res['wall_s_per_step'] * 1e3:.3f} ms/step | transmitted lower "
          f"{res['transmitted_lower']:.3f} upper {res['transmitted_upper']:.3f}", flush=True)
    print("RESULT_JSON " + json.dumps(res))


if __name__ == "__main__":
    main()
