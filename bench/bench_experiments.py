"""Speed of the compiled exact BN policy-gradient engine (verify.experiments) on the Coordination Game.

    python bench/bench_experiments.py [--skip-figure] [--n10-iters K]

(a) N = 5, Fully-correlated, 400 iterations, 50 seeds vmapped together: ms per seed (target <= 50 ms),
    next to a per-seed NumPy loop computing the same exact gradient with the dense engine
    (verify.gradients.bn_pg_corrected; timed on a few iterations and extrapolated to 400, said so),
    and the ratio to mpg Appendix G.3's ~200 s per 400-iteration N = 5 run (PyTorch, V100 + 32 cores);
(b) bnac Figure 3 at paper scale (N = 2, 3, 5; 3 DAGs; 50 seeds; 400 iterations) end to end, compile
    included, into a fresh directory (target < 60 s);
(c) N = 10 (1024 states, 1024 joint actions): exact gradient iterations per second per DAG.
Prints a table and writes bench/results/bench_experiments.json with the machine description.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..")))

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

from verify.experiments import bn_pg, core  # noqa: E402


def machine() -> dict:
    return {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
            "jax": jax.__version__, "device": str(jax.devices()[0]),
            "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None}


def bench_n5(seeds=50, iterations=400):
    cfg = {"N": 5, "dag": "full", "eta": 1.0, "iterations": iterations, "metrics_every": iterations}
    train = bn_pg.make_train(cfg)
    keys = jnp.stack([jax.random.PRNGKey(s) for s in range(seeds)])
    out = {}
    for label, opts in (("default", {}), ("fast-compile", bn_pg.FAST_COMPILE)):
        t0 = time.perf_counter()
        fn = jax.jit(jax.vmap(train.run)).lower(keys).compile(opts)
        jax.block_until_ready(fn(keys))
        t1 = time.perf_counter()
        jax.block_until_ready(fn(keys))
        t2 = time.perf_counter()
        out[label] = {"compile_and_first_s": t1 - t0, "steady_s": t2 - t1,
                      "ms_per_seed": 1000 * (t2 - t1) / seeds}
    # the same 400 iterations with the Nash gap every 20 iterations (the figure's setting)
    _, tc, tr = bn_pg.timed_train_seeds(dict(cfg, metrics_every=20), range(seeds), bn_pg.FAST_COMPILE)
    out["with_nash_gap_every_20"] = {"compile_and_first_s": tc, "steady_s": tr, "ms_per_seed": 1000 * tr / seeds}
    return out


def bench_numpy_loop(k=5):
    """Per-seed NumPy: theta <- theta + eta * grad, grad from the dense corrected Lemma 5.1 formula."""
    from verify.games import coordination_game
    from verify.gradients import bn_pg_corrected
    from verify.policies import DAG, BNPolicy
    game = coordination_game(5)
    rng = np.random.default_rng(0)
    pol = BNPolicy.random(DAG.full(5), (2,) * 5, 32, rng)
    bn_pg_corrected(game, pol)  # warm-up
    t0 = time.perf_counter()
    for _ in range(k):
        g = bn_pg_corrected(game, pol)
        pol = pol.with_thetas([t + 1.0 * gi for t, gi in zip(pol.thetas, g)])
    dt = (time.perf_counter() - t0) / k
    return {"iterations_timed": k, "s_per_iteration": dt, "extrapolated_s_per_400_iterations": 400 * dt}


def bench_figure():
    from verify.experiments import bnac_figures as B
    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter()
        r = B.run_figure3("paper", d, log=None)
        return {"seconds": time.perf_counter() - t0, "sane": r["sane"],
                "per_config_s": {f"N{N}/{dag}": round(t, 2) for (N, dag), t in r["run"]["timing"].items()}}


def bench_n10(iters=5):
    out = {}
    for dag in ("uncorrelated", "line", "full"):
        parents = core.dag_parents(dag, 10)
        game = core.coord_game(10)
        th = core.init_thetas(jax.random.PRNGKey(0), parents, 1024)
        J = lambda t: core.value_mu(game, core.joint_policy(t, parents), "lapack")  # noqa: E731

        def step(t, _):
            g = jax.grad(J)(t)
            return tuple(a + 1.0 * b for a, b in zip(t, g)), None

        run = jax.jit(lambda t: jax.lax.scan(step, t, None, length=iters)[0])
        t0 = time.perf_counter()
        th1 = jax.block_until_ready(run(th))
        t1 = time.perf_counter()
        jax.block_until_ready(run(th1))
        t2 = time.perf_counter()
        out[dag] = {"iterations_per_s": iters / (t2 - t1), "compile_and_first_s": t1 - t0,
                    "params": int(sum(t.size for t in th))}
    return out


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--skip-figure", action="store_true")
    ap.add_argument("--n10-iters", type=int, default=5)
    a = ap.parse_args(argv)
    res = {"machine": machine()}
    res["n5"] = bench_n5()
    res["numpy_loop"] = bench_numpy_loop()
    if not a.skip_figure:
        res["figure3_paper"] = bench_figure()
    res["n10"] = bench_n10(a.n10_iters)
    n5 = res["n5"]["default"]
    npl = res["numpy_loop"]
    rows = [
        ("(a) N=5 full, 400 it, 50 seeds vmapped: ms per seed (steady)", f"{n5['ms_per_seed']:.1f} ms", "<= 50 ms"),
        ("(a) same, fast-compile XLA options", f"{res['n5']['fast-compile']['ms_per_seed']:.1f} ms", ""),
        ("(a) same + Nash gap every 20 it", f"{res['n5']['with_nash_gap_every_20']['ms_per_seed']:.1f} ms", ""),
        ("(a) compile (default options)", f"{n5['compile_and_first_s']:.1f} s", ""),
        ("(a) NumPy per-seed loop, dense exact gradient (extrapolated from "
         f"{npl['iterations_timed']} it)", f"{1000 * npl['extrapolated_s_per_400_iterations']:.0f} ms / seed", ""),
        ("(a) speed-up vs NumPy loop", f"{npl['extrapolated_s_per_400_iterations'] / (n5['ms_per_seed'] / 1000):.0f}x", ""),
        ("(a) speed-up vs mpg G.3 (~200 s per 400-it N=5 run)", f"{200 / (n5['ms_per_seed'] / 1000):.0f}x", ""),
    ]
    if "figure3_paper" in res:
        rows.append(("(b) bnac Figure 3 paper scale end to end (compile incl.)",
                     f"{res['figure3_paper']['seconds']:.1f} s", "< 60 s"))
    for dag, v in res["n10"].items():
        rows.append((f"(c) N=10 {dag}: exact gradient iterations per second", f"{v['iterations_per_s']:.2f} it/s",
                     ">= 10 it/s"))
    w = max(len(r[0]) for r in rows)
    print(f"machine: {res['machine']}")
    for r in rows:
        print(f"{r[0]:<{w}}  {r[1]:>16}  {r[2]}")
    os.makedirs(os.path.join(os.path.dirname(__file__), "results"), exist_ok=True)
    path = os.path.join(os.path.dirname(__file__), "results", "bench_experiments.json")
    with open(path, "w") as f:
        json.dump(res, f, indent=1, default=float)
    print("wrote", path)
    return res


if __name__ == "__main__":
    main()
