"""Throughput of BN-MAPPO (environment steps per second, training included) and the GPU runs.

    python bench/bench_marl.py --mode bench [--out DIR]      # CPU: CG N=2, 5, Aloha, SMAX 6h_vs_8z (short)
    python bench/bench_marl.py --mode gpu --out $OUT --budget 420

``--mode gpu`` (bench/gpu_bnac_deep.sh): measures throughput, then runs as much of the SMAX paper profile
(6h_vs_8z and the stand-in smax:MMM2-approx; 5 seeds; variants context, context-annealed, full,
uncorrelated) and of the deep profile (Coordination Game N = 8, 16 seeds, and N = 2, 5 with 100 seeds) as
fits the budget: each run's total_steps is sized from the measured throughput (recorded as
``total_steps``; the paper's 2e7 SMAC steps do not fit), so the annealing schedule completes.  Writes at
most 8 files into --out: throughput.json, smax_6h_vs_8z.csv.gz, smax_MMM2-approx.csv.gz, cg_deep.csv.gz,
runs.json and PNGs.  JaxMARL 0.2.0 (pip) ships no importable MAPPO (its baselines live outside the
package), so only BN-MAPPO is measured.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import jax  # noqa: E402


def measure(env, env_kwargs, n_envs, seeds, variants, updates, extra=None):
    """Environment steps per second of BN-MAPPO training (collection + 5 PPO epochs), all (variant, seed)
    runs vmapped, after compilation; and the compilation time."""
    import jax.numpy as jnp
    from verify.marl.bnmappo import make_train, variant_data
    with jax.enable_x64(False):
        tr = make_train({"env": env, "env_kwargs": env_kwargs, "n_envs": n_envs, **(extra or {})})
        N = tr.env.n_agents
        V = jax.tree_util.tree_map(lambda *x: jnp.stack(x), *[variant_data(v, N) for v in variants])
        rngs = jnp.stack([jax.random.PRNGKey(s) for s in seeds])
        r = jax.jit(jax.vmap(jax.vmap(tr.init, (0, None)), (None, 0)))(rngs, V)
        f = jax.jit(jax.vmap(jax.vmap(lambda r: jax.lax.scan(lambda r, _: tr.update(r), r, None, length=updates))))
        t = time.time()
        f = f.lower(r).compile()
        comp = time.time() - t
        r, m = f(r)
        jax.block_until_ready(m)
        t = time.time()
        r, m = f(r)
        jax.block_until_ready(m)
        dt = time.time() - t
    steps = updates * tr.steps_per_update * len(seeds) * len(variants)
    return {"env": env, "env_kwargs": env_kwargs, "n_envs": n_envs, "n_seeds": len(seeds), "variants": variants,
            "steps_per_s": steps / dt, "compile_s": comp, "steps_timed": steps}


def gzip_csv(src, dst):
    with open(src, "rb") as f, gzip.open(dst, "wb") as g:
        shutil.copyfileobj(f, g)


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", choices=("bench", "gpu"), default="bench")
    ap.add_argument("--out", default=None)
    ap.add_argument("--budget", type=float, default=420.0, help="seconds for the whole gpu mode")
    a = ap.parse_args(argv)
    t_start = time.time()
    info = {"devices": [str(d) for d in jax.devices()], "jax": jax.__version__, "python": platform.python_version(),
            "machine": platform.machine(), "cpu_count": os.cpu_count(), "mode": a.mode, "measurements": [], "errors": []}
    out = a.out or tempfile.mkdtemp()
    os.makedirs(out, exist_ok=True)
    V3 = ["context", "full", "uncorrelated"]

    def safe(f, *x, **k):
        try:
            return f(*x, **k)
        except Exception as e:  # recorded, the other runs go on
            info["errors"].append(f"{type(e).__name__}: {e}"[:500])
            print("error:", info["errors"][-1], flush=True)
            return None

    if a.mode == "bench":
        for env, kw, ne, seeds in [("coordination", {"n_agents": 2}, 32, list(range(8))),
                                   ("coordination", {"n_agents": 5}, 32, list(range(8))),
                                   ("aloha", {}, 32, list(range(2))),
                                   ("smax:6h_vs_8z", {}, 8, [0])]:
            m = safe(measure, env, kw, ne, seeds, V3, 2)
            if m:
                info["measurements"].append(m)
                print(json.dumps(m), flush=True)
    else:
        big = jax.default_backend() != "cpu"
        ns = 16 if big else 2
        for env, kw, ne, seeds in [("coordination", {"n_agents": 5}, 32, list(range(ns))),
                                   ("smax:6h_vs_8z", {}, 8, list(range(5)))]:
            m = safe(measure, env, kw, ne, seeds, V3, 3)
            if m:
                info["measurements"].append(m)
                print(json.dumps(m), flush=True)
        runs = []
        from verify.marl.experiments import run_grid
        left = lambda: a.budget - (time.time() - t_start)
        plan = [("smax_6h_vs_8z", "smax:6h_vs_8z", {}, 8, list(range(5)), ["context", "context-annealed", "full", "uncorrelated"], 0.35, {}),
                ("smax_MMM2-approx", "smax:MMM2-approx", {}, 8, list(range(5)), ["context", "context-annealed", "full", "uncorrelated"], 0.5,
                 {"anneal": {"alpha_start": 0.05, "alpha_end": 0.5}}),
                ("cg_deep", "coordination", {"n_agents": 8}, 32, list(range(16)), V3, 1.0, {})]
        for tag, env, kw, ne, seeds, variants, share, extra in plan:
            budget = max(left() * share - 30, 0)
            if budget < 20:
                info["errors"].append(f"{tag}: no time left")
                continue
            meas = next((m for m in info["measurements"] if m["env"] == env), None)
            thr = meas["steps_per_s"] if meas else 2000.0
            comp = meas["compile_s"] if meas else 60.0
            from verify.marl.bnmappo import make_train
            cfg = {"env": env, "env_kwargs": kw, "n_envs": ne, **extra}
            tr = safe(make_train, cfg)
            if tr is None:
                continue
            per = tr.steps_per_update * len(seeds) * len(variants)
            n_up = max(int(0.6 * max(budget - 1.5 * comp, 0.2 * budget) * thr / per), 2)
            cfg["total_steps"] = n_up * tr.steps_per_update
            spec = {"tag": tag, "config": cfg, "variants": variants, "seeds": seeds, "chunk": max(n_up // 8, 1),
                    "exact": False, "time_budget_s": budget}
            with tempfile.TemporaryDirectory() as d:
                res = safe(run_grid, spec, d, progress=False)
                if res:
                    gzip_csv(res["csv"], os.path.join(out, f"{tag}.csv.gz"))
                    runs.append({"tag": tag, "env": env, "total_steps_per_run": cfg["total_steps"], "complete": res["complete"],
                                 "wall_s": res["wall_s"], "steps_per_s": res["steps_per_s"], "seeds": seeds, "variants": variants,
                                 "note": ("SMAX, not StarCraft II; " if env.startswith("smax") else "")
                                 + "budget reduced to what fits (paper: 2e7 SMAC steps, 2e5 CG steps)"})
                    print(json.dumps(runs[-1]), flush=True)
        with open(os.path.join(out, "runs.json"), "w") as f:
            json.dump(runs, f, indent=1)
        safe(plot_runs, out, runs)
    info["wall_s"] = time.time() - t_start
    with open(os.path.join(out, "throughput.json"), "w") as f:
        json.dump(info, f, indent=1)
    print(json.dumps({k: info[k] for k in ("devices", "wall_s", "errors")}))


def plot_runs(out, runs):
    """One PNG per run: mean return and DAG density over updates per variant."""
    import csv
    import io
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    for r in runs[:3]:
        with gzip.open(os.path.join(out, f"{r['tag']}.csv.gz"), "rt") as f:
            rows = list(csv.DictReader(io.StringIO(f.read())))
        fig, ax = plt.subplots(2, 1, figsize=(6, 6), sharex=True)
        for v in r["variants"]:
            rv = [x for x in rows if x["variant"] == v]
            steps = sorted({float(x["env_steps"]) for x in rv})
            for k, col in enumerate(("return", "density")):
                y = [np.nanmean([float(x[col]) for x in rv if float(x["env_steps"]) == s]) for s in steps]
                ax[k].plot(steps, y, label=v)
        ax[0].set_ylabel("return")
        ax[1].set_ylabel("DAG density")
        ax[1].set_xlabel("environment steps")
        ax[0].legend(fontsize=7)
        ax[0].set_title(r["tag"] + (" (SMAX, not StarCraft II)" if r["env"].startswith("smax") else ""))
        fig.tight_layout()
        fig.savefig(os.path.join(out, f"{r['tag']}.png"), dpi=80)
        plt.close(fig)


if __name__ == "__main__":
    main()
