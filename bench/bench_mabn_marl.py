"""Throughput of the mabn Section 5 off-policy runs (MAStAC variants and, when present, the baselines) and the
GPU run of the paper profile.

    python bench/bench_mabn_marl.py --mode bench [--epochs 20] [--seeds 2]    # CPU: every system, short
    python bench/bench_mabn_marl.py --mode gpu --out $OUT --budget 420         # bench/gpu_mabn.sh

``--mode bench`` prints, per (system, algorithm), environment steps per second and gradient updates per
second (all seeds vmapped, after compilation) and the compile time, and estimates the paper profile's time
(Table 3 epochs x 15 seeds) from them.

``--mode gpu`` runs the paper profile's groups (Figure 2 ablation, Figure 1 Examples 1, 3, 2, Figure 11's
kappa = 4, 6, 8) in that order, as much as fits the budget: per group it compiles one chunk, measures the
seconds per epoch, sizes the number of epochs from the time left (at most Table 3's; recorded as ``epochs``
next to ``paper_epochs``) and appends the rows to the figure's CSV after every chunk.  Writes at most 8 files
into --out: throughput.json, runs.json, mabn_figure-1.csv.gz, mabn_figure-2.csv.gz, mabn_figure-11.csv.gz,
statements.json.
"""
from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import os
import platform
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import jax  # noqa: E402


def _setup(system, key, n, epochs, batch, seeds, **loop):
    import jax.numpy as jnp
    from verify.marl import mabn_figures as F
    from verify.marl import mabn_systems as S
    from verify.marl import offpolicy as O
    res = F.resolve_algorithm(key)
    if res is None:
        return None
    algo, (_, kappa) = res
    env = S.make_system(system, n=n)
    cfg = O.make_config(F._algo_cfg(key, system, n, kappa), epochs=epochs, batch_size=batch, **loop)
    train = O.make_train(cfg, algo, env)
    rngs = jnp.stack([jax.random.PRNGKey(s) for s in range(seeds)])
    return train, rngs, env


def measure(system, key, n=None, epochs=20, batch=256, seeds=2):
    """(env steps/s, updates/s, compile s, s per epoch) with all seeds vmapped."""
    import jax.numpy as jnp
    with jax.enable_x64(False):
        s = _setup(system, key, n, epochs, batch, seeds, warmup=1)   # updates from the first epoch on (timing only)
        if s is None:
            return None
        train, rngs, env = s
        carry = jax.jit(jax.vmap(train.init))(rngs)
        t = time.time()
        f = jax.jit(jax.vmap(lambda c, e0: train.run(c, e0, epochs), (0, None))).lower(carry, jnp.int32(0)).compile()
        comp = time.time() - t
        carry, m = f(carry, jnp.int32(0))
        jax.block_until_ready(m)
        t = time.time()
        carry, m = f(carry, jnp.int32(epochs))
        jax.block_until_ready(m)
        dt = time.time() - t
    steps = epochs * env.horizon * seeds
    ups = float(jax.device_get(m["updates"]).sum())
    return {"system": system, "algorithm": key, "n": env.spec.n, "seeds": seeds, "batch": batch,
            "env_steps_per_s": steps / dt, "updates_per_s": ups / dt, "compile_s": comp, "s_per_epoch": dt / epochs}


def bench(args):
    from verify.marl import mabn_figures as F
    keys = args.algos.split(",") if args.algos else [
        "mastac-simultaneous", "mastac-approximated-k2", "mastac-undecomposed-q", "mastac-undecomposed-qhat", *F.BASELINES]
    systems = args.systems.split(",")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, jax {jax.__version__}, {jax.devices()}")
    total = 0.0
    for system, n in (("warehouse9", None), ("warehouse40", args.n), ("temperature40", args.n)):
        if system not in systems:
            continue
        for key in keys:
            if system == "warehouse9" and key.startswith("qdcg"):
                continue
            r = measure(system, key, n, args.epochs, args.batch, args.seeds)
            if r is None:
                print(f"{system:14s} {key:26s} not available")
                continue
            per_seed_epoch = r["s_per_epoch"] / r["seeds"]
            est = per_seed_epoch * F.PAPER_EPOCHS[system] * 15 * (1 if n in (None, 40) else ((40 / n) ** 2))
            total += est
            print(f"{system:14s} n={r['n']:3d} {key:26s} {r['env_steps_per_s']:9.0f} env steps/s  "
                  f"{r['updates_per_s']:7.1f} updates/s  compile {r['compile_s']:5.1f} s  "
                  f"paper-profile estimate {est / 3600:7.2f} h (serial, this machine)", flush=True)
    print(f"paper profile (Figure 1 groups, serial estimate, this machine): {total / 3600:.1f} h")


def gpu(args):
    import jax.numpy as jnp
    from verify.marl import mabn_figures as F
    os.makedirs(args.out, exist_ok=True)
    T0 = time.time()
    prof = F.PROFILES[args.profile]
    order = [("figure-2", "ablation"), ("figure-1", "ex1"), ("figure-1", "ex3"), ("figure-1", "ex2"), ("figure-11", "kappa")]
    groups = []
    for fig, panel in order:
        g = prof[fig][panel]
        for key in g["algos"]:
            if fig == "figure-11" and key == "mastac-approximated-k2":
                continue            # the same runs as Figure 1's Example 2 'MAStAC approx.'
            groups.append((fig, panel, key, g))
    rows = {f: [] for f in ("figure-1", "figure-2", "figure-11")}
    runs, thr = [], []
    chunk = args.chunk

    def dump():
        for f, rs in rows.items():
            if rs:
                buf = io.StringIO()
                w = csv.DictWriter(buf, fieldnames=list(rs[0].keys()))
                w.writeheader()
                w.writerows(rs)
                with gzip.open(os.path.join(args.out, f"mabn_{f}.csv.gz"), "wt") as fh:
                    fh.write(buf.getvalue())
        with open(os.path.join(args.out, "runs.json"), "w") as fh:
            json.dump({"runs": runs, "elapsed_s": time.time() - T0, "budget_s": args.budget}, fh, indent=1)
        with open(os.path.join(args.out, "throughput.json"), "w") as fh:
            json.dump({"devices": [str(d) for d in jax.devices()], "groups": thr}, fh, indent=1)

    for gi, (fig, panel, key, g) in enumerate(groups):
        left = args.budget - (time.time() - T0)
        share = left / (len(groups) - gi)
        if left < 20:
            runs.append({"figure": fig, "panel": panel, "algorithm": key, "skipped": "budget spent"})
            continue
        t0 = time.time()
        with jax.enable_x64(False):
            s = _setup(g["system"], key, g["n"], g["epochs"], g["batch"], g["seeds"])
            if s is None:
                runs.append({"figure": fig, "panel": panel, "algorithm": key, "skipped": "not available"})
                continue
            train, rngs, env = s
            carry = jax.jit(jax.vmap(train.init))(rngs)
            f = jax.jit(jax.vmap(lambda c, e0: train.run(c, e0, chunk), (0, None)))
            f = f.lower(carry, jnp.int32(0)).compile()
            comp = time.time() - t0
            done, t_chunk = 0, None
            while done < g["epochs"]:
                tc = time.time()
                carry, m = f(carry, jnp.int32(done))
                m = jax.device_get(m)
                t_chunk = time.time() - tc
                for si in range(g["seeds"]):
                    for k in range(chunk):
                        r = {"panel": panel, "algorithm": key, "system": g["system"], "seed": si, "epoch": done + k + 1}
                        r.update({c: float(m[c][si, k]) if c in m else "" for c in F.COLS})
                        rows[fig].append(r)
                done += chunk
                spent = time.time() - t0
                if spent + t_chunk > share and done < g["epochs"]:
                    break
        thr.append({"figure": fig, "panel": panel, "algorithm": key, "compile_s": comp, "s_per_chunk": t_chunk,
                    "chunk": chunk, "seeds": g["seeds"], "s_per_epoch": (t_chunk or 0) / chunk})
        runs.append({"figure": fig, "panel": panel, "algorithm": key, "epochs": done, "paper_epochs": g["epochs"],
                     "seeds": g["seeds"], "wall_s": time.time() - t0})
        print(f"{fig}/{panel}/{key}: {done}/{g['epochs']} epochs, compile {comp:.0f} s, {time.time() - t0:.0f} s", flush=True)
        dump()
    # Figure 11's kappa = 2 curve is Figure 1's Example 2 'MAStAC approx.' (same configuration and seeds)
    rows["figure-11"] += [dict(r, panel="kappa") for r in rows["figure-1"]
                          if r["panel"] == "ex2" and r["algorithm"] == "mastac-approximated-k2"]
    # statements on what ran (a run shorter than Table 3's is reported, not decided)
    panels = {}
    for f, rs in rows.items():
        for r in rs:
            panels.setdefault(r["panel"], {"rows": [], "grid": None})["rows"].append({k: str(v) for k, v in r.items()})
    try:
        sts = F.statements(panels)
    except Exception as e:  # pragma: no cover - partial data
        sts = [{"error": repr(e)}]
    with open(os.path.join(args.out, "statements.json"), "w") as fh:
        json.dump({"statements": sts, "runs": runs}, fh, indent=1, default=float)
    dump()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", choices=("bench", "gpu"), default="bench")
    ap.add_argument("--out", default=None)
    ap.add_argument("--budget", type=float, default=420.0)
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--n", type=int, default=16, help="agents for Examples 2 and 3 in --mode bench (paper: 40)")
    ap.add_argument("--chunk", type=int, default=250)
    ap.add_argument("--profile", default="paper", choices=("quick", "paper", "deep"), help="--mode gpu")
    ap.add_argument("--algos", default=None, help="comma-separated run keys (default: all)")
    ap.add_argument("--systems", default="warehouse9,warehouse40,temperature40")
    args = ap.parse_args()
    if args.mode == "gpu":
        if not args.out:
            sys.exit("--out is required with --mode gpu")
        gpu(args)
    else:
        bench(args)


if __name__ == "__main__":
    main()
