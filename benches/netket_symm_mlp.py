#!/usr/bin/env python
"""NetKet peer benchmark for hamlet's symmetric RBM and FFNN ansaetze (Metropolis + SR).

Companion of ../shared/bench/netket_vmc.py (plain RBM); same conventions and output
format: prints exactly one line starting with 'RESULT_JSON ' followed by a JSON object.

Ansaetze:
  rbmsymm : nk.models.RBMSymm(symmetries=graph.translation_group(), alpha=alpha).
            NetKet's number of features is int(alpha * n_sites / n_symm); with the pure
            translation group n_symm = n_sites, so features = alpha (as in hamlet).
            Parameters: visible_bias (1,), Dense/bias (alpha,), Dense/kernel (alpha, 1, n_sites)
            -> 1 + alpha + alpha * n_sites.
  mlp     : nk.models.MLP(hidden_dims=..., hidden_activations=nk.nn.activation.log_cosh,
            output_activation=None, use_hidden_bias=True, use_output_bias=False), i.e.
            z_l = b_l + W_l a_{l-1}, a_l = ln cosh z_l, a_0 = sigma (+-1),
            ln psi = v . a_L (no output bias, no final activation) -- hamlet's FFNN.

Hamiltonians (Pauli matrices, eigenvalues +-1), periodic chain or L x L square lattice:
  tfim : H = -J sum_<ij> sz_i sz_j - h sum_i sx_i, built as nk.operator.Ising(h=h, J=-J)
  heis : H = J sum_<ij> sigma_i . sigma_j, total_sz=0, nk.operator.Heisenberg with the
         Marshall sign rule applied by default on bipartite lattices.

Initialisation: RBMSymm uses NetKet's normal(0.1) unless --init-std is given (hamlet's
rbm-symmetric default is 0.01 for all parameters). The MLP keeps NetKet's defaults (LeCun
normal kernels, std 1/sqrt(fan_in), zero biases), the same as hamlet's FFNN default.

Samplers: MetropolisExchange(graph) for heis, MetropolisLocal for tfim, 16 chains,
default sweep size (= n_sites) and default n_discard_per_chain.

Examples:
  python netket_symm_mlp.py --ansatz rbmsymm --model heis --N 20 --alpha 4 \
      --n-samples 1008 --n-iter 300 --lr 0.05 --diag-shift 0.01
  python netket_symm_mlp.py --ansatz mlp --model heis --N 20 --hidden 40,20 \
      --n-samples 1008 --n-iter 300 --lr 0.05 --diag-shift 0.01
"""
import argparse
import json
import os
import platform
import time

t_import0 = time.perf_counter()
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import netket as nk  # noqa: E402

t_import = time.perf_counter() - t_import0


def tfim_exact_free_fermion(N, J=1.0, h=1.0):
    """Ground-state energy of the periodic TFIM chain (Pauli units, N even)."""
    k = np.pi * (2 * np.arange(N) + 1) / N
    return float(-np.sum(np.sqrt(J * J + h * h - 2 * J * h * np.cos(k))))


def build_graph(args):
    if args.lattice == "chain":
        return nk.graph.Chain(length=args.N, pbc=True)
    return nk.graph.Square(args.L, pbc=True)


def build(args, g):
    if args.model == "tfim":
        hi = nk.hilbert.Spin(s=0.5, N=g.n_nodes)
        H = nk.operator.Ising(hilbert=hi, graph=g, h=args.h, J=-args.J)
        sampler = nk.sampler.MetropolisLocal(hi, n_chains=args.n_chains)
    elif args.model == "heis":
        hi = nk.hilbert.Spin(s=0.5, N=g.n_nodes, total_sz=0)
        sign_rule = None if args.sign_rule == "default" else (args.sign_rule == "on")
        H = nk.operator.Heisenberg(hilbert=hi, graph=g, J=args.J, sign_rule=sign_rule)
        sampler = nk.sampler.MetropolisExchange(hi, graph=g, n_chains=args.n_chains)
    else:
        raise ValueError(args.model)
    return hi, H, sampler


def build_model(args, g, pdtype):
    info = {}
    if args.ansatz == "rbmsymm":
        symm = g.translation_group()
        n_symm = len(symm)
        features = int(args.alpha * g.n_nodes / n_symm)
        kw = {}
        if args.init_std is not None:
            init = jax.nn.initializers.normal(stddev=args.init_std)
            kw = dict(kernel_init=init, hidden_bias_init=init, visible_bias_init=init)
        model = nk.models.RBMSymm(symmetries=symm, alpha=args.alpha, param_dtype=pdtype, **kw)
        info.update(symmetries="translation_group", n_symm=n_symm, features=features,
                    init_std=(args.init_std if args.init_std is not None
                              else "netket default normal(0.1)"))
    elif args.ansatz == "mlp":
        hidden = tuple(int(x) for x in args.hidden.split(",") if x.strip())
        model = nk.models.MLP(hidden_dims=hidden, hidden_activations=nk.nn.activation.log_cosh,
                              output_activation=None, use_hidden_bias=True,
                              use_output_bias=False, param_dtype=pdtype)
        info.update(hidden=list(hidden), init="netket default: kernels lecun normal "
                    "(std 1/sqrt(fan_in)), biases zero",
                    architecture="z_l=b_l+W_l a_(l-1), a_l=log_cosh(z_l), a_0=sigma(+-1); "
                                 "log_psi = v . a_L (no output bias, no final activation)")
    else:
        raise ValueError(args.ansatz)
    return model, info


def param_shapes(vs):
    flat = jax.tree_util.tree_flatten_with_path(vs.parameters)[0]
    return {jax.tree_util.keystr(k): list(np.shape(v)) for k, v in flat}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--ansatz", choices=["rbmsymm", "mlp"], default="rbmsymm")
    p.add_argument("--model", choices=["tfim", "heis"], default="heis")
    p.add_argument("--lattice", choices=["chain", "square"], default="chain")
    p.add_argument("--N", type=int, default=20, help="chain length (periodic)")
    p.add_argument("--L", type=int, default=4, help="side of the L x L periodic square lattice")
    p.add_argument("--J", type=float, default=1.0)
    p.add_argument("--h", type=float, default=1.0)
    p.add_argument("--alpha", type=int, default=4, help="RBMSymm features per site")
    p.add_argument("--init-std", type=float, default=None,
                   help="rbmsymm: std of the normal init of all parameters (hamlet's default is "
                        "0.01); default: NetKet's own normal(0.1). Ignored for mlp, whose NetKet "
                        "default (LeCun kernels, zero biases) already matches hamlet's FFNN.")
    p.add_argument("--hidden", default="40,20", help="MLP hidden widths, comma separated")
    p.add_argument("--dtype", choices=["real", "complex"], default="real")
    p.add_argument("--n-samples", type=int, default=1008)
    p.add_argument("--n-chains", type=int, default=16)
    p.add_argument("--n-iter", type=int, default=300)
    p.add_argument("--lr", type=float, default=0.05)
    p.add_argument("--diag-shift", type=float, default=0.01)
    p.add_argument("--sign-rule", choices=["default", "on", "off"], default="default")
    p.add_argument("--exact", choices=["auto", "lanczos", "freefermion", "none"], default="auto")
    p.add_argument("--e-exact", type=float, default=None,
                   help="known exact E0 (skips the reference computation)")
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--timing-window", type=int, default=200)
    p.add_argument("--energy-window", type=int, default=50)
    args = p.parse_args()

    g = build_graph(args)
    n_sites = g.n_nodes
    hi, H, sampler = build(args, g)
    pdtype = jnp.float64 if args.dtype == "real" else jnp.complex128
    model, model_info = build_model(args, g, pdtype)
    vs = nk.vqs.MCState(sampler, model, n_samples=args.n_samples, seed=args.seed,
                        sampler_seed=args.seed + 1)

    opt = nk.optimizer.Sgd(learning_rate=args.lr)
    sr = nk.optimizer.SR(diag_shift=args.diag_shift)
    drv = nk.driver.VMC(H, opt, variational_state=vs, preconditioner=sr)

    stamps, cpu_stamps, energies, variances = [], [], [], []

    def cb(step, log_data, driver):
        jax.block_until_ready(driver.state.parameters)
        e = log_data["Energy"]
        energies.append(float(np.real(e.mean)))
        variances.append(float(np.real(e.variance)))
        stamps.append(time.perf_counter())
        cpu_stamps.append(time.process_time())
        return True

    load_start = os.getloadavg()
    t0 = time.perf_counter()
    drv.run(n_iter=args.n_iter, out=None, callback=cb, show_progress=False)
    t_total = time.perf_counter() - t0
    load_end = os.getloadavg()

    dts = np.diff(np.array([t0] + stamps))
    w = min(args.timing_window, max(1, args.n_iter - 10))
    win = dts[-w:]
    cpu_util = (cpu_stamps[-1] - cpu_stamps[-w - 1]) / (stamps[-1] - stamps[-w - 1]) \
        if len(stamps) > w else None
    ew = min(args.energy_window, args.n_iter)
    e_last = np.array(energies[-ew:])
    e_final = float(e_last.mean())

    e_exact, exact_method, t_exact = None, None, None
    method = args.exact
    if args.e_exact is not None:
        method = "given"
        e_exact, exact_method = args.e_exact, "given_on_cli"
    if method == "auto":
        if args.model == "tfim" and args.lattice == "chain" and n_sites > 24:
            method = "freefermion"
        elif n_sites <= 24:
            method = "lanczos"
        else:
            method = "none"
    if method == "lanczos":
        te = time.perf_counter()
        e_exact = float(nk.exact.lanczos_ed(H, k=1, compute_eigenvectors=False)[0])
        t_exact = time.perf_counter() - te
        exact_method = "netket.exact.lanczos_ed"
    elif method == "freefermion":
        if args.model != "tfim" or args.lattice != "chain":
            raise ValueError("free-fermion exact only for the tfim chain")
        e_exact = tfim_exact_free_fermion(n_sites, args.J, args.h)
        exact_method = "free_fermion_ABC"

    res = {
        "ansatz": args.ansatz,
        "model": args.model,
        "lattice": args.lattice,
        "L": args.L if args.lattice == "square" else None,
        "N": n_sites,
        "J": args.J,
        "h": args.h if args.model == "tfim" else None,
        "hamiltonian": ("-J sum sz sz - h sum sx (Pauli), nk Ising(J=-J,h=h)"
                        if args.model == "tfim" else
                        "J sum sigma.sigma (Pauli), total_sz=0, sign_rule=%s" % args.sign_rule),
        "alpha": args.alpha if args.ansatz == "rbmsymm" else None,
        "model_info": model_info,
        "param_dtype": args.dtype,
        "n_params": int(vs.n_parameters),
        "param_shapes": param_shapes(vs),
        "n_samples_req": args.n_samples,
        "n_samples": int(vs.n_samples),
        "n_chains": int(vs.sampler.n_chains),
        "sweep_size": int(vs.sampler.sweep_size),
        "n_discard_per_chain": int(vs.n_discard_per_chain),
        "sampler": type(vs.sampler).__name__ + "/" + type(vs.sampler.rule).__name__,
        "driver": "VMC+SR(QGTAuto)+Sgd",
        "lr": args.lr,
        "diag_shift": args.diag_shift,
        "n_iter": args.n_iter,
        "seed": args.seed,
        "t_total_run_s": t_total,
        "t_first_iter_s": float(dts[0]),
        "timing_window": int(w),
        "t_iter_median_s": float(np.median(win)),
        "t_iter_mean_s": float(np.mean(win)),
        "t_iter_p10_s": float(np.percentile(win, 10)),
        "t_iter_p90_s": float(np.percentile(win, 90)),
        "cpu_util_window": cpu_util,
        "loadavg_1min_start_end": [load_start[0], load_end[0]],
        "energy_window": int(ew),
        "E_final_mean": e_final,
        "E_final_std_over_window": float(e_last.std()),
        "E_final_per_site": e_final / n_sites,
        "E_var_mean_over_window": float(np.mean(variances[-ew:])),
        "E_first": energies[0],
        "E_exact": e_exact,
        "E_exact_method": exact_method,
        "t_exact_s": t_exact,
        "rel_err": (None if e_exact is None else abs((e_final - e_exact) / e_exact)),
        "acceptance": float(np.asarray(vs.sampler_state.acceptance))
        if hasattr(vs.sampler_state, "acceptance") else None,
        "versions": {
            "netket": nk.__version__, "jax": jax.__version__,
            "jaxlib": getattr(__import__("jaxlib"), "__version__", None),
            "numpy": np.__version__, "python": platform.python_version(),
        },
        "nproc": os.cpu_count(),
        "jax_devices": [str(d) for d in jax.devices()],
        "t_import_s": t_import,
    }
    print("RESULT_JSON " + json.dumps(res), flush=True)


if __name__ == "__main__":
    main()
