r"""Chunked, resumable BN-MAPPO runs (seeds x variants vmapped) writing tidy CSV as training goes.

``run_grid(spec, out_dir)`` trains every (variant, seed) of one environment with one compiled function:
the runner state of all runs is advanced ``chunk`` updates at a time (one ``lax.scan``), each chunk's rows
are appended to ``<out_dir>/<tag>/metrics.csv`` (columns: env, n_agents, variant, seed, update, env_steps,
return, disc_return, density, eta, alpha, entropy, pg_loss, v_loss, clip_frac and, on the Coordination
Game, the exact poa / J of the deterministic-DAG policy at the chunk's end), and the runner state is saved
to ``runner.pkl`` after each chunk.  A killed run resumes from there (same spec; a different spec starts
over).  A progress bar (rich, if installed) shows the updates done.
"""
from __future__ import annotations

import csv
import hashlib
import json
import os
import pickle
import time

import jax
import jax.numpy as jnp
import numpy as np

from .bnmappo import make_train, variant_data

__all__ = ["run_grid", "read_rows", "spec_hash"]

#: compiled chunk functions, per (config, number of variants, number of seeds): a resumed or repeated run
#: in the same process does not compile again
_COMPILED: dict = {}

METRIC_COLS = ["env_steps", "return", "disc_return", "density", "eta", "alpha", "entropy", "pg_loss", "v_loss",
               "clip_frac"]


def spec_hash(spec: dict) -> str:
    return hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _progress(total, desc):
    try:
        from rich.progress import Progress
        p = Progress(transient=False)
        p.start()
        task = p.add_task(desc, total=total)
        return (lambda n: p.update(task, advance=n)), p.stop
    except Exception:  # pragma: no cover - rich missing
        state = {"n": 0}

        def adv(n):
            state["n"] += n
            print(f"{desc}: {state['n']}/{total} updates", flush=True)
        return adv, (lambda: None)


def read_rows(path: str) -> list[dict]:
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return list(csv.DictReader(f))


def run_grid(spec: dict, out_dir: str, log=print, progress: bool = True) -> dict:
    """See ``_run_grid``; training runs with 32-bit JAX even where the exact engine switched on float64."""
    with jax.enable_x64(False):
        return _run_grid(spec, out_dir, log, progress)


def _run_grid(spec: dict, out_dir: str, log=print, progress: bool = True) -> dict:
    """spec: {"tag", "config": make_train options, "variants": [...], "seeds": [...], "chunk": updates per
    chunk, "exact": bool (Coordination Game only), "time_budget_s": optional wall-clock budget (the run stops
    after the chunk that exceeds it; ``complete`` False then)}.  Returns {"rows", "train", "runner",
    "complete", "wall_s", "steps_per_s"}."""
    tag = spec["tag"]
    d = os.path.join(out_dir, tag)
    os.makedirs(d, exist_ok=True)
    h = spec_hash({k: v for k, v in spec.items() if k != "time_budget_s"})
    csv_path, state_path, meta_path = (os.path.join(d, n) for n in ("metrics.csv", "runner.pkl", "meta.json"))
    train = make_train(spec["config"])
    N = train.env.n_agents
    variants, seeds = list(spec["variants"]), [int(s) for s in spec["seeds"]]
    V = jax.tree_util.tree_map(lambda *x: jnp.stack(x), *[variant_data(v, N) for v in variants])
    rngs = jnp.stack([jax.random.PRNGKey(s) for s in seeds])
    chunk = max(1, min(int(spec.get("chunk", 25)), train.n_updates))
    exact_on = bool(spec.get("exact")) and train.config["env"] == "coordination"

    meta = json.load(open(meta_path)) if os.path.exists(meta_path) else {}
    done = 0
    runner = None
    if meta.get("hash") == h and os.path.exists(state_path):
        with open(state_path, "rb") as f:
            runner = jax.tree_util.tree_map(jnp.asarray, pickle.load(f))
        done = int(meta.get("updates_done", 0))
        log(f"{tag}: resuming after {done}/{train.n_updates} updates")
    else:
        for p in (csv_path, state_path):
            if os.path.exists(p):
                os.remove(p)
        runner = jax.jit(jax.vmap(jax.vmap(train.init, (0, None)), (None, 0)))(rngs, V)

    def chunk_fn(r, n):
        return jax.lax.scan(lambda r, _: train.update(r), r, None, length=n)

    ckey = (spec_hash(spec["config"]), len(variants), len(seeds))
    compiled = _COMPILED.setdefault(ckey, {})
    t0 = time.time()
    steps0 = done
    adv, stop = _progress(train.n_updates, tag) if progress else ((lambda n: None), (lambda: None))
    adv(done)
    complete = True
    write_header = not os.path.exists(csv_path)
    try:
        while done < train.n_updates:
            n = min(chunk, train.n_updates - done)
            if n not in compiled:
                compiled[n] = jax.jit(jax.vmap(jax.vmap(lambda r: chunk_fn(r, n))))
            runner, m = compiled[n](runner)
            m = jax.device_get(m)
            exact_cols = {}
            if exact_on:
                with jax.enable_x64(True):
                    exact_cols = _exact_columns(train, runner, len(variants), len(seeds))
            rows = []
            for vi, v in enumerate(variants):
                for si, s in enumerate(seeds):
                    for k in range(n):
                        row = {"env": train.config["env"], "n_agents": N, "variant": v, "seed": s, "update": done + k + 1}
                        row.update({c: float(m[c][vi, si, k]) for c in METRIC_COLS})
                        if exact_cols:
                            last = k == n - 1
                            for c, arr in exact_cols.items():
                                row[c] = float(arr[vi, si]) if last else ""
                        rows.append(row)
            with open(csv_path, "a", newline="") as f:
                w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
                if write_header:
                    w.writeheader()
                    write_header = False
                w.writerows(rows)
            done += n
            with open(state_path + ".tmp", "wb") as f:
                pickle.dump(jax.device_get(runner), f)
            os.replace(state_path + ".tmp", state_path)
            with open(meta_path, "w") as f:
                json.dump({"hash": h, "updates_done": done, "n_updates": train.n_updates, "spec": spec}, f, default=str)
            adv(n)
            budget = spec.get("time_budget_s")
            if budget is not None and time.time() - t0 > budget and done < train.n_updates:
                complete = False
                break
    finally:
        stop()
    wall = time.time() - t0
    steps = (done - steps0) * train.steps_per_update * len(variants) * len(seeds)
    return {"rows": read_rows(csv_path), "train": train, "runner": runner, "complete": complete and done >= train.n_updates,
            "wall_s": wall, "steps_per_s": steps / max(wall, 1e-9), "csv": csv_path}


def _exact_columns(train, runner, nv, ns):
    """Exact poa and J of each run's deterministic-DAG policy (``verify.marl.exact``), all runs' tables in one
    compiled call."""
    from . import exact
    N = train.env.n_agents
    with jax.enable_x64(False):
        loc, _ = exact.policy_tables_batched(train, runner.params, runner.variant)
    poa = np.zeros((nv, ns))
    J = np.zeros((nv, ns))
    for vi in range(nv):
        for si in range(ns):
            m = exact.exact_metrics(exact.joint_from_tables(loc[vi, si]), N)
            poa[vi, si], J[vi, si] = m["poa"], m["J"]
    return {"poa": poa, "J": J}
