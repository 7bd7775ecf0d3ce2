"""Throughput of BN-MAPPO (environment steps per second, training included) and the GPU runs.

    python bench/bench_marl.py --mode bench [--out DIR]      # CPU: CG N=2, 5, Aloha, SMAX 6h_vs_8z (short)
    python bench/bench_marl.py --mode gpu --out $OUT --budget 420

``--mode gpu`` (bench/gpu_bnac_deep.sh): runs the jobs of ``gpu_plan`` in turn, each within its share of the
time left: the Figs. 7-10 analysis of the density-annealed context-aware runs on SMAX 6h_vs_8z and on the
stand-in smax:MMM2-approx (5 seeds), then Figure 4's variants and Fig. 6's annealed one on smax:MMM2-approx
(5 seeds).  Each job's throughput is measured first (a short timed run of exactly its shape, after
compilation) and its steps per run sized from that measurement (recorded as ``total_steps_per_run``; the
paper's 2e7 SMAC steps do not fit), so that its annealing schedule completes.  Results are written after
every chunk (a killed run keeps its finished chunks).  Writes at most 7 files into --out: throughput.json,
runs.json, analysis_smax_6h_vs_8z.csv.gz, analysis_smax_MMM2-approx.csv.gz, smax_MMM2-approx.csv.gz,
analysis.png, smax_MMM2-approx.png (``--plan tiny``: Coordination Game stand-ins that exercise the same
code on a CPU, e.g. ``--budget 60``).  JaxMARL 0.2.0 (pip) ships no importable MAPPO (its baselines live outside the
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


def measure(env, env_kwargs, n_envs, seeds, variants, updates, extra=None, probe=None):
    """Environment steps per second of BN-MAPPO training (collection + 5 PPO epochs, and the Figs. 7-10
    probe where given), all (variant, seed) runs vmapped, after compilation; and the compilation time."""
    import jax.numpy as jnp
    from verify.marl.bnmappo import make_train, variant_data
    with jax.enable_x64(False):
        tr = make_train({"env": env, "env_kwargs": env_kwargs, "n_envs": n_envs, **(extra or {})}, probe=probe)
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
    ap.add_argument("--plan", choices=("smax", "tiny"), default="smax",
                    help="gpu mode: the SMAX runs, or 'tiny' (Coordination Game stand-ins, to exercise the script on a CPU)")
    ap.add_argument("--min-job", type=float, default=None,
                    help="gpu mode: skip a job left with fewer seconds (default 120 for smax, 10 for tiny)")
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
        runs = gpu_runs(a, info, out, t_start, safe)
        with open(os.path.join(out, "runs.json"), "w") as f:
            json.dump(runs, f, indent=1)
        safe(plot_runs, out, [r for r in runs if r["kind"] == "grid"])
        safe(plot_analysis, out, [r for r in runs if r["kind"] == "analysis"])
    info["wall_s"] = time.time() - t_start
    with open(os.path.join(out, "throughput.json"), "w") as f:
        json.dump(info, f, indent=1)
    print(json.dumps({k: info[k] for k in ("devices", "wall_s", "errors")}))


def gpu_plan(name):
    """(file tag, kind, environment, env kwargs, n_envs, seeds, variants, share of the time left, extra config).
    smax: the Figs. 7-10 analysis of the density-annealed runs on 6h_vs_8z and the stand-in smax:MMM2-approx
    (5 seeds, Table 2), then Figure 4's variants (and Fig. 6's annealed one) on smax:MMM2-approx."""
    lr = {"lr_actor": 5e-4, "lr_critic": 5e-4}
    mmm2 = {**lr, "anneal": {"alpha_start": 0.05, "alpha_end": 0.5}}
    v4 = ["context", "full", "uncorrelated", "context-annealed"]
    if name == "tiny":
        return [("analysis_cg3", "analysis", "coordination", {"n_agents": 3}, 4, [0, 1], ["context-annealed"], 0.4, {}),
                ("cg3", "grid", "coordination", {"n_agents": 3}, 4, [0, 1], v4, 1.0, {})]
    return [("analysis_smax_6h_vs_8z", "analysis", "smax:6h_vs_8z", {}, 8, list(range(5)), ["context-annealed"], 0.33, lr),
            ("analysis_smax_MMM2-approx", "analysis", "smax:MMM2-approx", {}, 8, list(range(5)), ["context-annealed"], 0.5, mmm2),
            ("smax_MMM2-approx", "grid", "smax:MMM2-approx", {}, 8, list(range(5)), v4, 1.0, mmm2)]


def gpu_runs(a, info, out, t_start, safe):
    """Each job of the plan in turn: its share of the time left; its throughput measured first (a short timed
    run of exactly its shape, after compilation), then its steps per run sized from that measurement so that
    the run (and its annealing schedule) completes; results written to --out after every chunk (a killed
    run keeps its finished chunks)."""
    from verify.marl.analysis import make_probe, run_analysis
    from verify.marl.bnmappo import make_train
    from verify.marl.envs import make_env
    from verify.marl.experiments import run_grid
    left = lambda: a.budget - (time.time() - t_start)
    min_job = a.min_job if a.min_job is not None else (10.0 if a.plan == "tiny" else 120.0)
    runs = []
    for tag, kind, env, kw, ne, seeds, variants, share, extra in gpu_plan(a.plan):
        budget = left() * share - 10
        if budget < min_job:
            info["errors"].append(f"{tag}: skipped, {budget:.0f} s left for it (< {min_job:.0f} s)")
            print(info["errors"][-1], flush=True)
            continue
        t_job = time.time()
        probe = make_probe(make_env(env, **kw), 10, 32) if kind == "analysis" else None
        m = safe(measure, env, kw, ne, seeds, variants, 2, extra, probe)
        if not m:
            continue
        m["tag"] = tag
        info["measurements"].append(m)
        print(json.dumps(m), flush=True)
        rest = budget - (time.time() - t_job)
        cfg = {"env": env, "env_kwargs": kw, "n_envs": ne, **extra}
        tr = safe(make_train, cfg)
        if tr is None:
            continue
        per = tr.steps_per_update * len(seeds) * len(variants)
        # the run compiles again (its schedule depends on its length): keep 1.5 compile times and 40% spare
        n_up = max(int(0.6 * max(rest - 1.5 * m["compile_s"], 0.1 * rest) * m["steps_per_s"] / per), 4)
        cfg["total_steps"] = n_up * tr.steps_per_update
        gz = os.path.join(out, f"{tag}.csv.gz")
        rec = {"tag": tag, "kind": kind, "env": env, "total_steps_per_run": cfg["total_steps"], "n_updates": n_up,
               "seeds": seeds, "variants": variants, "measured_steps_per_s": m["steps_per_s"],
               "note": ("SMAX, not StarCraft II; " if env.startswith("smax") else "")
               + ("smax:MMM2-approx: no medivac, no healing; " if "MMM2" in env else "")
               + "steps per run sized from the measured throughput (paper: 2e7 SMAC steps)"}
        t = time.time()
        with tempfile.TemporaryDirectory() as d:
            if kind == "analysis":
                spec = {"tag": tag, "config": cfg, "variants": variants, "seeds": seeds, "checkpoints": min(50, n_up),
                        "stride": 10, "n_kl": 32, "dag_noise": False, "time_budget_s": max(rest - 5, 1)}
                res = safe(run_analysis, spec, d, log=print, on_checkpoint=lambda p: gzip_csv(p, gz))
            else:
                spec = {"tag": tag, "config": cfg, "variants": variants, "seeds": seeds, "chunk": max(n_up // 10, 1),
                        "exact": False, "time_budget_s": 0.0}
                res = None
                while True:   # one chunk per call (run_grid resumes), the data copied to --out after each
                    res = safe(run_grid, spec, d, log=lambda *x: None, progress=False) or res
                    if res is None:
                        break
                    gzip_csv(res["csv"], gz)
                    if res["complete"] or time.time() - t > rest - 5:
                        break
        if res:
            rec.update({"complete": bool(res["complete"]), "wall_s": time.time() - t,
                        "steps_per_s": res["steps_per_s"] if kind == "analysis" else None})
            runs.append(rec)
            print(json.dumps(rec), flush=True)
        with open(os.path.join(out, "runs.json"), "w") as f:
            json.dump(runs, f, indent=1)
    return runs


def plot_analysis(out, runs):
    """One PNG: per agent, the Figs. 7-10 quantities along training (mean over seeds) for each analysis run."""
    import csv
    import io
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    if not runs:
        return
    cols = [("visible_frac", "Fig. 7 visible fraction"), ("health_rel_all", "Fig. 8 relative health"),
            ("dist_rel_all", "Fig. 9 relative distance"), ("kl_cond", "Fig. 10 KL to empty DAG")]
    fig, ax = plt.subplots(len(runs), 4, figsize=(16, 3.2 * len(runs)), squeeze=False)
    for k, r in enumerate(runs):
        with gzip.open(os.path.join(out, f"{r['tag']}.csv.gz"), "rt") as f:
            rows = list(csv.DictReader(io.StringIO(f.read())))
        agents = sorted({int(x["agent"]) for x in rows})
        for c, (col, title) in enumerate(cols):
            for ag in agents:
                rv = [x for x in rows if int(x["agent"]) == ag]
                steps = sorted({float(x["env_steps"]) for x in rv})
                y = [np.nanmean([float(x[col]) for x in rv if float(x["env_steps"]) == s]) for s in steps]
                ax[k, c].plot(steps, y, label=f"agent {ag}")
            ax[k, c].set_title(f"{r['tag']}: {title}", fontsize=7)
        ax[k, 0].legend(fontsize=5)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "analysis.png"), dpi=70)
    plt.close(fig)


def plot_runs(out, runs):
    """One PNG per run: mean return and DAG density over updates per variant."""
    import csv
    import io
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    for r in runs[:2]:
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
