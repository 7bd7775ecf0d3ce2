r"""Which parents a trained context-aware BN policy picks, and how multi-modal it is (bnac Sec. 7.4,
Figures 7-10), per agent, at checkpoints along training.

Orientation (``verify.marl.dag``): G[j, i] = 1 iff ally j is a parent of ally i, P^i = {j : G[j, i] = 1}.
Per state s and alive child i:

* visible fraction (Fig. 7):   |{j in P^i : j visible to i}| / |P^i|                    (undefined if P^i = {})
* relative health (Fig. 8):    mean_{j in P^i, j alive} h_j  -  mean_{j in C^i} h_j      (h = health / max health)
* relative distance (Fig. 9):  mean_{j in P^i, j alive} d_ij -  mean_{j in C^i} d_ij     (d = Euclidean distance)
* multi-modality (Fig. 10): the KL divergence between the BN policy pi_G and the same policy with the empty
  DAG, pi_0 (its parent slots zero), per agent, in two readings:

      conditional:  E_{a ~ pi_G}[ KL( pi^i(. | o^i, a^{P^i}) || pi^i(. | o^i) ) ]
      marginal:     KL( E_{a ~ pi_G} pi^i(. | o^i, a^{P^i}) || pi^i(. | o^i) )

  pi_0 is a product policy, so the conditional terms sum to KL(pi_G || pi_0) of the joint distributions
  (chain rule of the KL divergence); both are Monte Carlo averages over joint actions drawn by ancestral
  sampling, each term computed exactly given the parents' actions.  Both are 0 when G is empty.

"Relative to all allies" admits two comparison pools C^i (readings): ``all``, the alive allies other than i,
and ``cand``, the alive allies that can be parents of i (j < i under SMAX's fixed ordering Pi = I, Sec. 7.4.4).
Visibility is SMAX's own rule for what enters o^i (``SMAXEnv.ally_view``).  A dead child, or a child with no
(alive) parent, leaves its quantity undefined (nan) at that state; averages over states are over the states
where a quantity is defined, and the counts are recorded.

``make_probe`` evaluates these on states of every training rollout (every ``stride``-th step, all parallel
environments) with the parameters that collected it, inside the compiled update (``make_train(probe=...)``;
the training itself is unchanged); ``run_analysis`` trains (variant, seed) runs vmapped and writes one tidy
row per (variant, seed, checkpoint, agent): the means over the checkpoint's chunk of updates (``progress``:
the mean training fraction of the analysed policies; ``update``: the chunk's end).  Agents are numbered from 1 in the output (the paper's numbering:
agent k is the harness's index k - 1).
"""
from __future__ import annotations

import csv
import json
import os
import time

import jax
import jax.numpy as jnp
import numpy as np

from . import dag as D

__all__ = ["visible_fraction", "relative_parent_mean", "kl_to_empty", "state_stats", "make_probe", "aggregate",
           "run_analysis", "COLUMNS", "STAT_COLS"]

#: per-agent quantities of one checkpoint (means over the analysed states where defined)
STAT_COLS = ["n_parents", "visible_frac", "health_rel_all", "health_rel_cand", "dist_rel_all", "dist_rel_cand",
             "kl_cond", "kl_marg"]
COLUMNS = (["env", "variant", "seed", "update", "env_steps", "progress", "eta", "alpha", "return", "density",
            "dag_density", "agent"] + STAT_COLS + ["n_states", "n_with_parents"])


def _nanmean0(x, axis):
    """nan-aware mean and the number of defined entries (jit-able)."""
    ok = ~jnp.isnan(x)
    n = ok.sum(axis)
    return jnp.where(n > 0, jnp.where(ok, x, 0.0).sum(axis) / jnp.maximum(n, 1), jnp.nan), n


def visible_fraction(G, visible, alive):
    r"""Per child i: |{j in P^i : visible[i, j]}| / |P^i|; nan where P^i is empty or i is dead (Fig. 7)."""
    par = G.T > 0.5                                               # par[i, j]: j is a parent of i
    n = par.sum(1)
    frac = (par & visible).sum(1) / jnp.maximum(n, 1)
    return jnp.where((n > 0) & alive, frac, jnp.nan)


def relative_parent_mean(G, x, alive, pool):
    r"""Per child i: mean_{j in P^i, alive} x[i, j] - mean_{j : pool[i, j], alive} x[i, j] (Figs. 8, 9);
    ``x[i, j]`` is ally j's value as seen from i (health: the same for every i; distance: d_ij).  nan where
    i is dead, has no alive parent, or the pool is empty."""
    par = (G.T > 0.5) & alive[None, :]
    pool = pool & alive[None, :]
    npar, npool = par.sum(1), pool.sum(1)
    mp = jnp.where(par, x, 0.0).sum(1) / jnp.maximum(npar, 1)
    mc = jnp.where(pool, x, 0.0).sum(1) / jnp.maximum(npool, 1)
    return jnp.where((npar > 0) & (npool > 0) & alive, mp - mc, jnp.nan)


def _kl(logp, logq):
    p = jnp.exp(logp)
    return jnp.sum(jnp.where(p > 0, p * (logp - logq), 0.0), axis=-1)


def kl_to_empty(policy, params, obs, G, avail, key, n_samples: int = 32):
    r"""Per agent: (conditional, marginal) KL between pi_G and the empty-DAG policy (module docstring), over
    ``n_samples`` joint actions drawn by ancestral sampling on G."""
    keys = jax.random.split(key, n_samples)
    acts = jax.vmap(lambda k: policy.sample(params, obs, G, avail, k)[0])(keys)              # (n, N)
    lg = jax.vmap(lambda a: policy.logits(params, obs, G, a, avail))(acts)                   # (n, N, nA)
    lp = jax.nn.log_softmax(lg, axis=-1)
    l0 = jax.nn.log_softmax(policy.logits(params, obs, jnp.zeros_like(G), acts[0], avail), axis=-1)
    cond = _kl(lp, l0[None]).mean(0)
    pm = jnp.exp(lp).mean(0)
    marg = _kl(jnp.log(pm), l0)
    has = G.sum(0) > 0      # no parent: pi^i is the empty-DAG policy itself (exactly 0, not a rounding of it)
    return jnp.where(has, cond, 0.0), jnp.where(has, marg, 0.0)


def state_stats(G, view, kl_cond, kl_marg, cand):
    """All per-agent quantities of one state (N,) each; ``view`` as ``SMAXEnv.ally_view`` returns (or None:
    the parent analyses are nan, as on environments without allies' health and positions)."""
    N = G.shape[0]
    out = {"n_parents": G.sum(0), "kl_cond": kl_cond, "kl_marg": kl_marg}
    if view is None:
        nan = jnp.full((N,), jnp.nan)
        alive = jnp.ones((N,), bool)
        out.update({c: nan for c in STAT_COLS if c not in out})
    else:
        alive = view["alive"]
        others = ~jnp.eye(N, dtype=bool)
        h = jnp.broadcast_to(view["health"][None, :], (N, N))
        p = view["positions"]
        d = jnp.linalg.norm(p[:, None, :] - p[None, :, :], axis=-1)
        out["visible_frac"] = visible_fraction(G, view["visible"], alive)
        for name, x in (("health", h), ("dist", d)):
            out[f"{name}_rel_all"] = relative_parent_mean(G, x, alive, others)
            out[f"{name}_rel_cand"] = relative_parent_mean(G, x, alive, cand.T > 0.5)
    for k in ("n_parents", "kl_cond", "kl_marg"):
        out[k] = jnp.where(alive, out[k], jnp.nan)
    return out


def make_probe(env, stride: int = 25, n_kl: int = 16, dag_noise: bool = False):
    """The probe ``make_train(config, probe=...)`` evaluates on every update's rollout: the per-agent
    quantities of the states at steps 0, stride, 2 stride, ... of the rollout (all parallel environments),
    as sums and counts over the states where each is defined (``<col>_sum``, ``<col>_n``), plus
    ``density_sum`` / ``n_states_total`` of the analysed DAGs.  ``dag_noise`` False: the deterministic DAG
    (no Gumbel noise, the evaluation policy); True: the DAG sampled as in training."""
    N = env.n_agents
    cand = D.triu_mask(N)       # possible parents under the fixed ordering (SMAX, Pi = I; Sec. 7.4.4)
    has_view = hasattr(env, "ally_view")

    def one_state(pol, params, variant, st, obs, avail, key):
        k_d, k_k = jax.random.split(key)
        noise = D.sample_noise(k_d, N) if dag_noise else D.zero_noise(N)
        G = pol.dag(params, obs, noise, variant)
        c, m = kl_to_empty(pol, params, obs, G, avail, k_k, n_kl)
        s = state_stats(G, env.ally_view(st) if has_view else None, c, m, cand)
        s["_density"] = D.density(G)
        return s

    def probe(pol, params, variant, traj, key):
        sub = jax.tree_util.tree_map(lambda x: x[::stride].reshape((-1,) + x.shape[2:]),
                                     {"st": traj["env_state"], "obs": traj["obs"], "avail": traj["avail"]})
        M = sub["obs"].shape[0]
        S = jax.vmap(one_state, (None, None, None, 0, 0, 0, 0))(pol, params, variant, sub["st"], sub["obs"],
                                                                sub["avail"], jax.random.split(key, M))
        out = {}
        for k in STAT_COLS:
            ok = ~jnp.isnan(S[k])
            out[k + "_sum"] = jnp.where(ok, S[k], 0.0).sum(0)
            out[k + "_n"] = ok.sum(0).astype(jnp.float32)
        out["with_parents_n"] = (jnp.nan_to_num(S["n_parents"], nan=0.0) > 0).sum(0).astype(jnp.float32)
        out["density_sum"] = S["_density"].sum()
        out["n_states_total"] = jnp.float32(M)
        return out

    return probe


def aggregate(probe_chunk) -> dict:
    """Per-agent means over a chunk of updates' probes (arrays with the update axis last but one for the
    per-agent sums: (..., n, N)); ``n_states`` = states with the agent alive, ``n_with_parents``."""
    P = {k: np.asarray(v) for k, v in probe_chunk.items()}
    out = {}
    for k in STAT_COLS:
        s, n = P[k + "_sum"].sum(-2), P[k + "_n"].sum(-2)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[k] = np.where(n > 0, s / np.maximum(n, 1), np.nan)
    out["n_states"] = P["n_parents_n"].sum(-2)
    out["n_with_parents"] = P["with_parents_n"].sum(-2)
    out["dag_density"] = P["density_sum"].sum(-1) / np.maximum(P["n_states_total"].sum(-1), 1)
    return out


def _hash(spec) -> str:
    import hashlib
    return hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()[:16]


def run_analysis(spec: dict, out_dir: str, log=print, on_checkpoint=None) -> dict:
    """Train every (variant, seed) of ``spec`` vmapped and analyse it at checkpoints (32-bit JAX).

    spec: {"tag", "config" (make_train options), "variants", "seeds", "checkpoints" (number of rows per run:
    one per chunk of max(n_updates // checkpoints, 1) updates), "stride" (every stride-th rollout step is
    analysed), "n_kl" (joint actions per state for the KL), "dag_noise" (bool), optional
    "time_budget_s" (stop after the checkpoint that exceeds it)}.  Writes ``<out_dir>/<tag>/analysis.csv``
    (``COLUMNS``), appended per checkpoint (``on_checkpoint(csv_path)`` is called after each), and
    ``meta.json``; a finished run with the same spec is read back instead of trained again.
    Returns {"rows", "csv", "complete", "wall_s", "steps_per_s", "train", "n_updates"}."""
    with jax.enable_x64(False):
        return _run_analysis(spec, out_dir, log, on_checkpoint)


def read_rows(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return list(csv.DictReader(f))


def _run_analysis(spec, out_dir, log, on_checkpoint):
    from .bnmappo import make_train, variant_data
    from .envs import make_env
    d = os.path.join(out_dir, spec["tag"])
    os.makedirs(d, exist_ok=True)
    csv_path, meta_path = os.path.join(d, "analysis.csv"), os.path.join(d, "meta.json")
    h = _hash({k: v for k, v in spec.items() if k != "time_budget_s"})
    cfg = spec["config"]
    env = make_env(cfg["env"], **cfg.get("env_kwargs", {}))
    probe = make_probe(env, int(spec.get("stride", 25)), int(spec.get("n_kl", 16)), bool(spec.get("dag_noise", False)))
    train = make_train(cfg, probe=probe)
    meta = json.load(open(meta_path)) if os.path.exists(meta_path) else {}
    if meta.get("hash") == h and meta.get("complete"):
        log(f"{spec['tag']}: read back ({meta['updates_done']} updates)")
        return {"rows": read_rows(csv_path), "csv": csv_path, "complete": True, "wall_s": meta.get("wall_s", 0.0),
                "steps_per_s": meta.get("steps_per_s", 0.0), "train": train, "n_updates": train.n_updates}
    if os.path.exists(csv_path):
        os.remove(csv_path)
    N = train.env.n_agents
    variants, seeds = list(spec["variants"]), [int(s) for s in spec["seeds"]]
    V = jax.tree_util.tree_map(lambda *x: jnp.stack(x), *[variant_data(v, N) for v in variants])
    runner = jax.jit(jax.vmap(jax.vmap(train.init, (0, None)), (None, 0)))(
        jnp.stack([jax.random.PRNGKey(s) for s in seeds]), V)
    every = max(train.n_updates // max(int(spec.get("checkpoints", 10)), 1), 1)
    compiled = {}
    t0 = time.time()
    done, complete = 0, True

    def write(st, m, first, n):
        rows = []
        for vi, v in enumerate(variants):
            for si, s in enumerate(seeds):
                base = {"env": train.config["env"], "variant": v, "seed": s, "update": first + n,
                        "env_steps": (first + n) * train.steps_per_update,
                        "progress": (first + (n - 1) / 2) / train.n_updates}
                for c in ("eta", "alpha", "return", "density"):
                    base[c] = float(np.nanmean(m[c][vi, si]))
                base["dag_density"] = float(st["dag_density"][vi, si])
                for k in range(N):
                    row = dict(base, agent=k + 1)
                    for c in STAT_COLS + ["n_states", "n_with_parents"]:
                        row[c] = float(st[c][vi, si, k])
                    rows.append(row)
        new = not os.path.exists(csv_path)
        with open(csv_path, "a", newline="") as f:
            w = csv.DictWriter(f, fieldnames=COLUMNS)
            if new:
                w.writeheader()
            w.writerows(rows)
        if on_checkpoint is not None:
            on_checkpoint(csv_path)

    while done < train.n_updates:
        n = min(every, train.n_updates - done)
        if n not in compiled:
            compiled[n] = jax.jit(jax.vmap(jax.vmap(
                lambda r, n=n: jax.lax.scan(lambda r, _: train.update(r), r, None, length=n))))
        runner, m = compiled[n](runner)
        m = jax.device_get(m)
        write(aggregate(m.pop("probe")), m, done, n)
        done += n
        budget = spec.get("time_budget_s")
        if budget is not None and time.time() - t0 > budget and done < train.n_updates:
            complete = False
            break
    wall = time.time() - t0
    sps = done * train.steps_per_update * len(variants) * len(seeds) / max(wall, 1e-9)
    with open(meta_path, "w") as f:
        json.dump({"hash": h, "complete": complete, "updates_done": done, "n_updates": train.n_updates,
                   "wall_s": wall, "steps_per_s": sps, "spec": spec}, f, default=str)
    return {"rows": read_rows(csv_path), "csv": csv_path, "complete": complete, "wall_s": wall,
            "steps_per_s": sps, "train": train, "n_updates": train.n_updates}
