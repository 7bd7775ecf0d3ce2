"""Speed of the compiled exact BN policy-gradient engine (verify.experiments) on the Coordination Game.

    python bench/bench_experiments.py [--skip-figure] [--n10-iters K] [--repeats R] [--skip-n12]
                                      [--only n5,numpy,figure,n10,n12] [--n10-evaluations autodiff,direct,warm]

(a) N = 5, Fully-correlated, 400 iterations, 50 seeds vmapped together: ms per seed (target <= 50 ms),
    next to a per-seed NumPy loop computing the same exact gradient with the dense engine
    (verify.gradients.bn_pg_corrected; timed on a few iterations and extrapolated to 400, said so),
    and the ratio to mpg Appendix G.3's ~200 s per 400-iteration N = 5 run (PyTorch, V100 + 32 cores);
(b) bnac Figure 3 at paper scale (N = 2, 3, 5; 3 DAGs; 50 seeds; 400 iterations) end to end, compile
    included, into a fresh directory (target < 60 s);
(c) N = 10 (1024 states, 1024 joint actions): exact gradient iterations per second per DAG, for each
    evaluation of bn_pg (``autodiff``: jax.grad through the dense solve, the engine's first form;
    ``direct``: policy-gradient theorem with V and d from one LU; ``warm``: certified warm-started GMRES
    from the previous iterate's V and d, direct fallback), with the warm evaluation's fallback count and
    largest certified error bound;
(d) N = 12 (4096 states and joint actions): the same for the warm evaluation.
Every timing is repeated (--repeats, default 3) and reported as best and median, each with the 1-minute
load average at the time (the machine's cores may be shared).
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

from verify.experiments import bn_pg  # noqa: E402


def machine() -> dict:
    return {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
            "jax": jax.__version__, "device": str(jax.devices()[0]),
            "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None}


def _repeat(fn, repeats):
    """Time fn() `repeats` times: best, median and the load average next to each."""
    ts, cpu, loads = [], [], []
    for _ in range(repeats):
        c0, t0 = time.process_time(), time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        loads.append(os.getloadavg()[0] if hasattr(os, "getloadavg") else None)
    # process CPU seconds (all threads) depend less on other processes' load than wall time does
    return {"best_s": min(ts), "median_s": float(np.median(ts)), "all_s": ts, "cpu_s": cpu, "load_1min": loads}


def bench_n5(seeds=50, iterations=400, repeats=3, evaluations=("autodiff", "direct")):
    out = {}
    keys = jnp.stack([jax.random.PRNGKey(s) for s in range(seeds)])
    for ev in evaluations:
        cfg = {"N": 5, "dag": "full", "eta": 1.0, "iterations": iterations, "metrics_every": iterations,
               "evaluation": ev}
        train = bn_pg.make_train(cfg)
        for label, opts in (("default", {}), ("fast-compile", bn_pg.FAST_COMPILE)):
            t0 = time.perf_counter()
            fn = jax.jit(jax.vmap(train.run)).lower(keys).compile(opts)
            jax.block_until_ready(fn(keys))
            t1 = time.perf_counter()
            r = _repeat(lambda: jax.block_until_ready(fn(keys)), repeats)
            out[f"{ev}/{label}"] = {"compile_and_first_s": t1 - t0, **r,
                                    "ms_per_seed_best": 1000 * r["best_s"] / seeds,
                                    "cpu_ms_per_seed_best": 1000 * min(r["cpu_s"]) / seeds,
                                    "ms_per_seed_median": 1000 * r["median_s"] / seeds}
    # the same 400 iterations with the Nash gap every 20 iterations (the figure's setting), default evaluation
    _, tc, tr = bn_pg.timed_train_seeds(dict(cfg, metrics_every=20, evaluation="auto"), range(seeds),
                                        bn_pg.FAST_COMPILE)
    out["with_nash_gap_every_20"] = {"compile_and_first_s": tc, "steady_s": tr, "ms_per_seed": 1000 * tr / seeds,
                                     "load_1min": os.getloadavg()[0]}
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


def bench_large(N=10, iters=5, repeats=3, evaluations=("autodiff", "direct", "warm")):
    """Exact policy-gradient iterations per second at N agents (one seed, eta = 1, from PRNGKey(0)): the
    compiled step of bn_pg.make_train scanned `iters` times; the first call (compile) is not timed, each
    timed call continues from the previous one's iterate."""
    out = {}
    for dag in ("uncorrelated", "line", "full"):
        for ev in evaluations:
            tr = bn_pg.make_train({"N": N, "dag": dag, "evaluation": ev, "iterations": iters, "metrics_every": iters})
            run = jax.jit(lambda c: jax.lax.scan(tr.step, c, None, length=iters))
            state = {"c": jax.block_until_ready(tr.init(jax.random.PRNGKey(0)))}
            t0 = time.perf_counter()
            state["c"], o = jax.block_until_ready(run(state["c"]))
            t1 = time.perf_counter()
            fb, bound = [], []

            def once():
                state["c"], o = jax.block_until_ready(run(state["c"]))
                fb.append(int(np.sum(o[1][0])))
                bound.append(float(np.max(o[1][1])))
            r = _repeat(once, repeats)
            out[f"{dag}/{ev}"] = {"iterations_per_s_best": iters / r["best_s"],
                                  "cpu_ms_per_iteration_best": 1000 * min(r["cpu_s"]) / iters,
                                  "iterations_per_s_median": iters / r["median_s"], **r,
                                  "compile_and_first_s": t1 - t0, "iterations_per_call": iters,
                                  "fallbacks": sum(fb), "max_certified_bound": max(bound),
                                  "params": int(sum(t.size for t in state["c"][0]))}
            print(f"  N={N} {dag}/{ev}: {iters / r['best_s']:.1f} it/s best, {iters / r['median_s']:.1f} median "
                  f"(load {r['load_1min']}), {1000 * min(r['cpu_s']) / iters:.1f} CPU ms/it, fallbacks {sum(fb)}",
                  flush=True)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--skip-figure", action="store_true")
    ap.add_argument("--skip-n12", action="store_true")
    ap.add_argument("--n10-iters", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--only", default="n5,numpy,figure,n10,n12")
    ap.add_argument("--n10-evaluations", default="autodiff,direct,warm")
    a = ap.parse_args(argv)
    only = set(a.only.split(","))
    res = {"machine": machine()}
    rows = []
    if "n5" in only:
        res["n5"] = bench_n5(repeats=a.repeats)
        for key, v in res["n5"].items():
            if "ms_per_seed_best" in v:
                rows.append((f"(a) N=5 full, 400 it, 50 seeds vmapped, {key}: ms per seed (best / median)",
                             f"{v['ms_per_seed_best']:.1f} / {v['ms_per_seed_median']:.1f} ms",
                             f"load {v['load_1min'][0]:.1f}"))
        v = res["n5"]["with_nash_gap_every_20"]
        rows.append(("(a) same + Nash gap every 20 it (auto evaluation, fast-compile)", f"{v['ms_per_seed']:.1f} ms",
                     f"load {v['load_1min']:.1f}"))
    if "numpy" in only:
        res["numpy_loop"] = npl = bench_numpy_loop()
        rows.append(("(a) NumPy per-seed loop, dense exact gradient (extrapolated from "
                     f"{npl['iterations_timed']} it)",
                     f"{1000 * npl['extrapolated_s_per_400_iterations']:.0f} ms / seed", ""))
    if "figure" in only and not a.skip_figure:
        res["figure3_paper"] = bench_figure()
        rows.append(("(b) bnac Figure 3 paper scale end to end (compile incl.)",
                     f"{res['figure3_paper']['seconds']:.1f} s", "< 60 s"))
    if "n10" in only:
        res["n10"] = bench_large(10, a.n10_iters, a.repeats, tuple(a.n10_evaluations.split(",")))
    if "n12" in only and not a.skip_n12:
        res["n12"] = bench_large(12, max(2, a.n10_iters // 4), a.repeats, ("warm",))
    for key in ("n10", "n12"):
        for name, v in res.get(key, {}).items():
            rows.append((f"(c) N={key[1:]} {name}: exact gradient iterations per second (best / median)",
                         f"{v['iterations_per_s_best']:.1f} / {v['iterations_per_s_median']:.1f}",
                         f"load {min(v['load_1min']):.1f}-{max(v['load_1min']):.1f}"))
    w = max(len(r[0]) for r in rows) if rows else 0
    print(f"machine: {res['machine']}")
    for r in rows:
        print(f"{r[0]:<{w}}  {r[1]:>16}  {r[2]}")
    os.makedirs(os.path.join(os.path.dirname(__file__), "results"), exist_ok=True)
    path = os.path.join(os.path.dirname(__file__), "results", "bench_experiments.json")
    old = {}
    if os.path.exists(path):
        with open(path) as f:
            old = json.load(f)
    old.update(res)   # a partial run (--only) keeps the other sections of the last full run
    with open(path, "w") as f:
        json.dump(old, f, indent=1, default=float)
    print("wrote", path)
    return res


if __name__ == "__main__":
    main()
