r"""bnac Figures 4 and 6 (Sec. 7.4) reproduced with BN-MAPPO, and their statements decided by statistics.

Figure 4: return (top) and DAG density of the unregularized context-aware policy (bottom) per environment,
variants Context-aware / Fully-correlated / Uncorrelated (empty DAG; ``line`` = the DAG Sec. 7.2 prints under
that name, run in the paper and deep profiles as a reading).  Figure 6: the density-annealed context-aware
policy against the baselines (SMAX).  The Coordination Game panel also carries the exact POA of each learned
policy (``verify.marl.exact``).

Numeric definitions, fixed before any run (``DEFS``):

* a run's *final performance* is its mean sampled return over the last 10% of updates (reading 'return');
  on the Coordination Game also its exact POA at the end (reading 'exact-poa');
* "A outperforms / beats B": a one-sided paired Wilcoxon signed-rank test over seeds (runs of one seed share
  the initialization and the environment keys) gives p < 0.05; if the opposite one-sided test gives
  p < 0.05 the statement did not hold; otherwise it is within noise (inconclusive);
* "A performs similarly / comparably to B": equivalence by two one-sided tests: the 90% t-interval of the
  mean paired difference lies within +-5% of |mean B| (held), entirely outside it (did not hold), or
  neither (within noise);
* "density increases from 50% to x%": the initial density (first update, mean over seeds) lies in
  [0.45, 0.55] and the final density (mean of the last 10% of updates) exceeds the initial one by the
  one-sided paired test; the printed end value x is reported beside (reading 'value': |final - x| <= 0.03);
* "almost Full-Dependency" (6h_vs_8z): final density >= 0.9; "around 70%" (MMM2): within [0.6, 0.8];
* "annealed runs end uncorrelated": final density of context-annealed <= 0.05; "yet beat Uncorrelated":
  the outperform test above.
"""
from __future__ import annotations

import gzip
import json
import os
import time

import numpy as np

from ..statistics import readings_held as _agree, wilcoxon_over_seeds, wilcoxon_p

__all__ = ["DEFS", "PROFILES", "run_figure4", "run_figure6", "statements4", "statements6", "FIGURES"]

DEFS = {"last_fraction": 0.1, "alpha": 0.05, "similar_rel": 0.05, "init_band": (0.45, 0.55),
        "value_tol": 0.03, "almost_full": 0.9, "around_70": (0.6, 0.8), "uncorrelated_max": 0.05}

_V3 = ["context", "full", "uncorrelated"]

#: Table 2's environment steps per run; statements are about the end of training at these budgets
PAPER_STEPS = {"coordination": 200_000, "aloha": 1_000_000, "smax": 20_000_000}


def _grid(env, kw, steps, seeds, n_envs, variants, exact=False, extra=None):
    return {"env": env, "env_kwargs": kw, "steps": steps, "seeds": seeds, "n_envs": n_envs, "variants": variants,
            "exact": exact, "extra": extra or {}}


#: per profile, per panel: budgets (Table 2: 2e5 / 1e6 / 2e7 steps; 50 / 10 / 5 seeds)
PROFILES = {
    "quick": {
        "cg2": _grid("coordination", {"n_agents": 2}, 640 * 8, 2, 32, _V3, exact=True),
        "cg5": _grid("coordination", {"n_agents": 5}, 640 * 4, 2, 32, _V3, exact=True),
        "aloha": _grid("aloha", {}, 800 * 4, 2, 32, _V3),
        "smax6h": _grid("smax:6h_vs_8z", {}, 2 * 100 * 2, 1, 2, _V3 + ["context-annealed"]),
    },
    "paper": {
        "cg2": _grid("coordination", {"n_agents": 2}, 200_000, 50, 32, _V3 + ["line"], exact=True),
        "cg5": _grid("coordination", {"n_agents": 5}, 200_000, 50, 32, _V3 + ["line"], exact=True),
        "aloha": _grid("aloha", {}, 1_000_000, 10, 32, _V3 + ["line"]),
        "smax6h": _grid("smax:6h_vs_8z", {}, 20_000_000, 5, 8, _V3 + ["context-annealed"],
                        extra={"lr_actor": 5e-4, "lr_critic": 5e-4}),
        "smaxMMM2": _grid("smax:MMM2-approx", {}, 20_000_000, 5, 8, _V3 + ["context-annealed"],
                          extra={"lr_actor": 5e-4, "lr_critic": 5e-4, "anneal": {"alpha_start": 0.05, "alpha_end": 0.5}}),
    },
    "deep": {
        "cg2": _grid("coordination", {"n_agents": 2}, 200_000, 100, 32, _V3 + ["line"], exact=True),
        "cg5": _grid("coordination", {"n_agents": 5}, 200_000, 100, 32, _V3 + ["line"], exact=True),
        "cg8": _grid("coordination", {"n_agents": 8}, 200_000, 50, 32, _V3 + ["line"], exact=True),
        "aloha": _grid("aloha", {}, 1_000_000, 20, 32, _V3 + ["line"]),
        "smax6h": _grid("smax:6h_vs_8z", {}, 20_000_000, 10, 8, _V3 + ["context-annealed"],
                        extra={"lr_actor": 5e-4, "lr_critic": 5e-4}),
        "smaxMMM2": _grid("smax:MMM2-approx", {}, 20_000_000, 10, 8, _V3 + ["context-annealed"],
                          extra={"lr_actor": 5e-4, "lr_critic": 5e-4, "anneal": {"alpha_start": 0.05, "alpha_end": 0.5}}),
    },
}


def run_panels(profile: str, out_dir: str, panels=None, log=print, seed0: int = 0) -> dict:
    """Train (or resume) every panel of the profile; returns {panel: {"rows", "grid", "wall_s", ...}}."""
    from ..errors import InputError
    from ..distributed import grid as run_grid  # run_grid, or seed-chunk tasks under --workers / --scheduler
    if profile not in PROFILES:
        raise InputError(f"unknown profile {profile!r}; choose quick, paper or deep")
    prof = PROFILES[profile]
    panels = list(prof) if panels is None else list(panels)
    out = {}
    for p in panels:
        if p not in prof:
            raise InputError(f"panel {p!r} is not in the {profile} profile ({', '.join(prof)})")
        g = prof[p]
        cfg = {"env": g["env"], "env_kwargs": g["env_kwargs"], "total_steps": g["steps"], "n_envs": g["n_envs"], **g["extra"]}
        spec = {"tag": f"{profile}_{p}", "config": cfg, "variants": g["variants"],
                "seeds": list(range(seed0, seed0 + g["seeds"])), "chunk": 25, "exact": g["exact"]}
        t = time.time()
        res = run_grid(spec, out_dir, log=log, progress=False)
        log(f"{p}: {len(res['rows'])} rows, {time.time() - t:.0f} s, {res['steps_per_s']:.0f} steps/s")
        out[p] = {"rows": res["rows"], "grid": g, "wall_s": time.time() - t, "steps_per_s": res["steps_per_s"],
                  "csv": res["csv"], "train": res["train"], "runner": res["runner"]}
    return out


# ------------------------------------------------------------------------------------------------
# statistics
# ------------------------------------------------------------------------------------------------
def _series(rows, variant, col):
    """{seed: array over updates} of a column for one variant."""
    by = {}
    for r in rows:
        if r["variant"] == variant and r[col] not in ("", None):
            by.setdefault(int(r["seed"]), []).append((int(r["update"]), float(r[col])))
    return {s: np.array([v for _, v in sorted(x)]) for s, x in by.items()}


def final_values(rows, variant, col="return"):
    """Per seed: mean of col over the last DEFS['last_fraction'] of updates (nan-aware)."""
    out = {}
    for s, x in _series(rows, variant, col).items():
        k = max(1, int(round(DEFS["last_fraction"] * len(x))))
        out[s] = float(np.nanmean(x[-k:])) if np.isfinite(x[-k:]).any() else np.nan
    return out


def _paired(a: dict, b: dict):
    seeds = sorted(set(a) & set(b))
    x = np.array([a[s] for s in seeds])
    y = np.array([b[s] for s in seeds])
    ok = np.isfinite(x) & np.isfinite(y)
    return x[ok], y[ok]


def outperforms(a: dict, b: dict) -> dict:
    """One-sided paired Wilcoxon over seeds: held (p < alpha), not held (reverse p < alpha) or None (noise)."""
    x, y = _paired(a, b)
    return wilcoxon_over_seeds(x, y, DEFS["alpha"], empty=np.nan)


def similar(a: dict, b: dict) -> dict:
    """Equivalence by two one-sided tests (TOST, alpha = DEFS['alpha']): held when the (1 - 2 alpha) t-interval
    of the mean paired difference lies within +-DEFS['similar_rel'] |mean(B)|; did not hold when it lies
    entirely outside; within noise otherwise (few seeds cannot show similarity)."""
    from scipy import stats
    x, y = _paired(a, b)
    d = x - y
    if d.size < 2:
        return {"held": None, "n": int(d.size)}
    delta = DEFS["similar_rel"] * abs(float(np.mean(y)))
    half = float(stats.t.ppf(1 - DEFS["alpha"], d.size - 1) * d.std(ddof=1) / np.sqrt(d.size))
    lo, hi = float(np.mean(d)) - half, float(np.mean(d)) + half
    if -delta < lo and hi < delta:
        held = True
    elif hi < -delta or lo > delta:
        held = False
    else:
        held = None
    return {"held": held, "ci": [lo, hi], "margin": delta, "n": int(d.size),
            "relative_difference": float(abs(np.mean(d)) / max(abs(np.mean(y)), 1e-12))}


def density_rise(rows, printed_end: float) -> dict:
    dens = _series(rows, "context", "density")
    if not dens:
        return {"held": None, "note": "no runs"}
    init = {s: float(x[0]) for s, x in dens.items()}
    fin = final_values(rows, "context", "density")
    r = outperforms(fin, init)
    i0 = float(np.mean(list(init.values())))
    f0 = float(np.mean(list(fin.values())))
    lo, hi = DEFS["init_band"]
    held = r["held"] if lo <= i0 <= hi else False
    return {"held": held, "initial": i0, "final": f0, "printed": [0.5, printed_end], "test": r,
            "value_reading_held": abs(f0 - printed_end) <= DEFS["value_tol"]}


def _stmt(slug, text, res, panel, fig="4"):
    return {"id": f"bnac:figure-{fig}/{slug}", "slug": slug, "text": text, "panel": panel, "held": res.get("held"),
            "numbers": res}


def statements4(panels: dict) -> list[dict]:
    """Every statement of Sec. 7.4 about Figure 4 that the profile's panels can decide."""
    out = []
    if "cg2" in panels:
        R = panels["cg2"]["rows"]
        r = {"return": outperforms(final_values(R, "context"), final_values(R, "full")),
             "exact-poa": outperforms(final_values(R, "context", "poa"), final_values(R, "full", "poa"))}
        out.append(_stmt("cg-n2-context-beats-full", "the result in N = 2 shows that our context-aware DAG learning "
                         "outperforms the Fully-correlated", {"held": _agree(r), "readings": r}, "cg2"))
        out.append(_stmt("cg-n2-density-50-55", "the density of the unregularized learned context-aware DAG is increasing "
                         "... from 50% to 55% (N = 2)", density_rise(R, 0.55), "cg2"))
    if "cg5" in panels:
        R = panels["cg5"]["rows"]
        r = {"return": similar(final_values(R, "context"), final_values(R, "full")),
             "exact-poa": similar(final_values(R, "context", "poa"), final_values(R, "full", "poa"))}
        out.append(_stmt("cg-n5-context-similar-full", "The context-aware DAG topology performs similarly to "
                         "Fully-correlated in N = 5", {"held": _agree(r), "readings": r}, "cg5"))
        r = {f"{v}>uncorrelated/{c}": outperforms(final_values(R, v, c), final_values(R, "uncorrelated", c))
             for v in ("context", "full") for c in ("return", "poa")}
        out.append(_stmt("cg-n5-both-beat-uncorrelated", "and both outperform Uncorrelated (N = 5)",
                         {"held": _all(r), "parts": r}, "cg5"))
        out.append(_stmt("cg-n5-density-50-53", "from 50% to ... 53%, respectively (N = 5)", density_rise(R, 0.53), "cg5"))
    if "aloha" in panels:
        R = panels["aloha"]["rows"]
        out.append(_stmt("aloha-context-comparable-full", "our context-aware DAG learning performs comparably to "
                         "Fully-correlated", similar(final_values(R, "context"), final_values(R, "full")), "aloha"))
        r = {f"{v}>uncorrelated": outperforms(final_values(R, v), final_values(R, "uncorrelated")) for v in ("context", "full")}
        out.append(_stmt("aloha-both-beat-uncorrelated", "and both outperform Uncorrelated (Aloha)",
                         {"held": _all(r), "parts": r}, "aloha"))
        out.append(_stmt("aloha-density-50-62", "the density ... is also increasing from 50% to 62%",
                         density_rise(R, 0.62), "aloha"))
    for p, slug, text, test in (("smax6h", "smax6h-almost-full", "the unregularized context-aware graph degenerates to "
                                 "an almost Full-Dependency graph in 6h_vs_8z", lambda f: f >= DEFS["almost_full"]),
                                ("smaxMMM2", "smaxMMM2-around-70", "densely correlated graph with around 70% DAG density "
                                 "in MMM2 (here smax:MMM2-approx, not SMAC's MMM2)",
                                 lambda f: DEFS["around_70"][0] <= f <= DEFS["around_70"][1])):
        if p in panels:
            fin = final_values(panels[p]["rows"], "context", "density")
            f = float(np.mean(list(fin.values()))) if fin else np.nan
            out.append(_stmt(slug, text, {"held": bool(test(f)) if np.isfinite(f) else None, "final_density": f,
                                          "note": "SMAX, not StarCraft II"}, p))
    return out


def statements6(panels: dict) -> list[dict]:
    out = []
    for p in ("smax6h", "smaxMMM2"):
        if p not in panels or "context-annealed" not in panels[p]["grid"]["variants"]:
            continue
        R = panels[p]["rows"]
        fin = final_values(R, "context-annealed", "density")
        f = float(np.mean(list(fin.values()))) if fin else np.nan
        out.append(_stmt(f"{p}-annealed-ends-uncorrelated", "This multi-phase regularization strategy results in "
                         "purely uncorrelated policies", {"held": bool(f <= DEFS["uncorrelated_max"]), "final_density": f}, p, "6"))
        out.append(_stmt(f"{p}-annealed-beats-uncorrelated", "but achieves better performance than Uncorrelated",
                         outperforms(final_values(R, "context-annealed"), final_values(R, "uncorrelated")), p, "6"))
    return out


def _all(parts: dict):
    hs = [r["held"] for r in parts.values()]
    if any(h is False for h in hs):
        return False
    if all(h is True for h in hs):
        return True
    return None


# ------------------------------------------------------------------------------------------------
# plots and the figure entry points
# ------------------------------------------------------------------------------------------------
_COLOURS = {"context": "tab:blue", "full": "tab:orange", "uncorrelated": "tab:green", "line": "tab:purple",
            "context-annealed": "black"}


def plot4(panels: dict, path: str, variants=("context", "full", "uncorrelated", "line", "context-annealed")):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    ps = list(panels)
    fig, ax = plt.subplots(2, len(ps), figsize=(3.6 * len(ps), 5.5), squeeze=False)
    for k, p in enumerate(ps):
        R = panels[p]["rows"]
        for v in variants:
            if v not in panels[p]["grid"]["variants"]:
                continue
            for row, col in ((0, "return"), (1, "density")):
                if row == 1 and not v.startswith("context"):
                    continue
                ser = _series(R, v, col)
                if not ser:
                    continue
                L = min(len(x) for x in ser.values())
                X = np.stack([x[:L] for x in ser.values()])
                m = np.nanmean(X, 0)
                se = np.nanstd(X, 0) / np.sqrt(max(X.shape[0], 1))
                steps = np.arange(1, L + 1) * panels[p]["train"].steps_per_update
                col = _COLOURS.get(v)
                ax[row, k].plot(steps, m, label=v, color=col)
                ax[row, k].fill_between(steps, m - se, m + se, alpha=0.2, color=col)
        g = panels[p]["grid"]
        name = g["env"] + (f" N={g['env_kwargs']['n_agents']}" if "n_agents" in g["env_kwargs"] else "")
        ax[0, k].set_title(name + (" (SMAX, not SC2)" if g["env"].startswith("smax") else ""), fontsize=8)
        ax[1, k].set_xlabel("environment steps")
    ax[0, 0].set_ylabel("episode return")
    ax[1, 0].set_ylabel("DAG density (context-aware)")
    ax[0, 0].legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def _run_figure(fig: str, profile: str, out_dir: str, log, panels=None) -> dict:
    out_dir = out_dir or "notebooks/figures"
    os.makedirs(out_dir, exist_ok=True)
    t0 = time.time()
    if panels is None:
        panels = [p for p in PROFILES[profile] if fig == "4" or p.startswith("smax")]
    runs = run_panels(profile, os.path.join(out_dir, "marl"), panels, log)
    for p, r in runs.items():   # the tidy data, gzipped (the resume caches under marl/ are not committed)
        gz = os.path.join(out_dir, f"bnac_figure{fig}_{profile}_{p}.csv.gz")
        with open(r["csv"], "rb") as f, open(gz, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as g:
            g.write(f.read())   # mtime 0: the same data gives the same bytes
        r["csv"] = gz
    stmts = statements4(runs) if fig == "4" else statements6(runs)
    for st in stmts:
        g = runs[st["panel"]]["grid"]
        need = PAPER_STEPS["smax" if g["env"].startswith("smax") else g["env"]]
        st["budget_fraction"] = g["steps"] / need
        if g["steps"] < need:
            st["note"] = (f"at {g['steps']} of the paper's {need} environment steps per run: the statement (about the "
                          "end of the paper's training) is not decided at this profile")
    png = os.path.join(out_dir, f"bnac_figure{fig}_{profile}.png")
    plot4(runs, png)
    conf = {"profile": profile, "panels": {p: {k: v for k, v in r["grid"].items()} for p, r in runs.items()},
            "definitions": DEFS, "seconds": {p: r["wall_s"] for p, r in runs.items()},
            "steps_per_s": {p: r["steps_per_s"] for p, r in runs.items()},
            "notes": ["SMAX results are SMAX results (not StarCraft II); smax:MMM2-approx has no medivac, no healing",
                      "Uncorrelated = empty DAG; 'line' = the DAG Sec. 7.2 prints under the name Uncorrelated"]}
    if fig == "4":
        exact_cols = {}
        for p, r in runs.items():
            if r["grid"]["exact"]:
                exact_cols[p] = {v: final_values(r["rows"], v, "poa") for v in r["grid"]["variants"]}
        conf["exact_poa_final"] = exact_cols
        conf["exact_final"] = {p: exact_final(r["train"], r["runner"], r["grid"]["variants"],
                                              sorted({int(x["seed"]) for x in r["rows"]}))
                               for p, r in runs.items() if r["grid"]["exact"]}
    with open(os.path.join(out_dir, f"bnac_figure{fig}_{profile}_statements.json"), "w") as f:
        json.dump({"configuration": conf, "statements": stmts}, f, indent=1, default=float)
    return {"statements": stmts, "png": png, "csvs": [r["csv"] for r in runs.values()], "seconds": time.time() - t0,
            "configuration": conf}


def run_figure4(profile: str = "quick", out_dir: str | None = None, log=print, panels=None, **kw) -> dict:
    """bnac Figure 4: return and DAG density per environment (all panels of the profile)."""
    return _run_figure("4", profile, out_dir, log, panels)


def run_figure6(profile: str = "quick", out_dir: str | None = None, log=print, panels=None, **kw) -> dict:
    """bnac Figure 6: density-annealed context-aware against the baselines (SMAX panels)."""
    return _run_figure("6", profile, out_dir, log, panels)


FIGURES = {"bnac:figure-4": run_figure4, "bnac:figure-6": run_figure6}


def load_panels(profile: str, fig: str = "4", out_dir: str | None = None) -> dict:
    """The committed tidy data of a profile's panels (``bnac_figure{fig}_{profile}_{panel}.csv.gz``), as
    ``statements4`` / ``statements6`` take them; panels without data are left out."""
    import csv
    import io
    from ..experiments.registry import RESULTS_DIR
    out_dir = out_dir or RESULTS_DIR
    out = {}
    for p, g in PROFILES[profile].items():
        path = os.path.join(out_dir, f"bnac_figure{fig}_{profile}_{p}.csv.gz")
        if os.path.exists(path):
            with gzip.open(path, "rt") as f:
                out[p] = {"rows": list(csv.DictReader(io.StringIO(f.read()))), "grid": g, "csv": path}
    return out


# ------------------------------------------------------------------------------------------------
# Figure 5: learned parents of agent 7 in Aloha at a shown state
# ------------------------------------------------------------------------------------------------
def figure5_data(train, runner, variants, state_backlog=None, agent: int = 6) -> dict:
    """For each seed of the context-aware Aloha runs: the deterministic DAG G(o) at the state where every island
    has a backlog of one (Fig. 5's state; ``state_backlog`` to choose another), the parents of ``agent``
    (0-based; the paper's agent 7 is index 6), and every island's probability of sending under ancestral
    sampling means (Monte Carlo over 2000 joint actions), against the Uncorrelated runs."""
    import jax
    import jax.numpy as jnp
    from . import dag as Dg
    from .envs import AlohaState
    env, pol = train.env, train.policy
    N = env.n_agents
    b = jnp.ones((N,), jnp.int32) if state_backlog is None else jnp.asarray(state_backlog, jnp.int32)
    ts = env._timestep(AlohaState(b, jnp.int32(0)), 0.0, False)
    out = {"state_backlog": [int(x) for x in np.asarray(b)], "agent": agent + 1, "runs": []}
    for vi, v in enumerate(variants):
        if v not in ("context", "uncorrelated"):
            continue
        ns = jax.tree_util.tree_leaves(runner.params)[0].shape[1]
        for si in range(ns):
            p = jax.tree_util.tree_map(lambda x: x[vi, si], runner.params)
            var = jax.tree_util.tree_map(lambda x: x[vi, si], runner.variant)
            G = pol.dag(p, ts.obs, Dg.zero_noise(N), var)
            keys = jax.random.split(jax.random.PRNGKey(si), 2000)
            acts = jax.vmap(lambda k: pol.sample(p, ts.obs, G, ts.avail, k)[0])(keys)
            Gn = np.asarray(G)
            out["runs"].append({"variant": v, "seed": si, "parents_of_agent": [int(j) + 1 for j in np.nonzero(Gn[:, agent])[0]],
                                "p_send": [float(x) for x in np.asarray(acts).mean(0)], "density": float(Dg.density(G))})
    return out


def run_figure5(profile: str = "quick", out_dir: str | None = None, log=print, **kw) -> dict:
    """bnac Figure 5: learned parents of agent 7 in Aloha (the Aloha panel's runs; trains them if needed).
    No statement is decided: which islands agent 7 depends on in one trained policy is a property of that
    policy (the paper shows one), so the figure reports the parents per seed and the sending probabilities."""
    out_dir = out_dir or "notebooks/figures"
    os.makedirs(out_dir, exist_ok=True)
    with __import__("jax").enable_x64(False):
        runs = run_panels(profile, os.path.join(out_dir, "marl"), ["aloha"], log)
        r = runs["aloha"]
        data = figure5_data(r["train"], r["runner"], r["grid"]["variants"])
    path = os.path.join(out_dir, f"bnac_figure5_{profile}.json")
    with open(path, "w") as f:
        json.dump(data, f, indent=1)
    png = os.path.join(out_dir, f"bnac_figure5_{profile}.png")
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    ctx_runs = [x for x in data["runs"] if x["variant"] == "context"]
    fig, axes = plt.subplots(1, max(len(ctx_runs), 1), figsize=(3.2 * max(len(ctx_runs), 1), 2.4), squeeze=False)
    for ax, run in zip(axes[0], ctx_runs):
        for k in range(10):
            r_, c_ = divmod(k, 5)
            col = "tab:red" if k + 1 == data["agent"] else ("tab:blue" if k + 1 in run["parents_of_agent"] else "lightgrey")
            ax.scatter([c_], [-r_], s=500, c=col)
            ax.text(c_, -r_, f"{k + 1}\n{run['p_send'][k]:.2f}", ha="center", va="center", fontsize=6)
        ax.set_title(f"seed {run['seed']}: parents of agent {data['agent']} (blue)", fontsize=7)
        ax.set_xlim(-0.6, 4.6)
        ax.set_ylim(-1.6, 0.6)
        ax.axis("off")
    fig.tight_layout()
    fig.savefig(png, dpi=90)
    plt.close(fig)
    return {"statements": [], "png": png, "data": path, "configuration": {"profile": profile, "state": data["state_backlog"]}}


FIGURES["bnac:figure-5"] = run_figure5


def exact_final(train, runner, variants, seeds) -> list[dict]:
    """Per run: exact POA, J and Nash gap (context-dependent BN best responses, ``verify.marl.exact``) of the
    final deterministic-DAG policy on the Coordination Game."""
    import jax
    from . import exact
    N = train.env.n_agents
    with jax.enable_x64(False):
        loc, G = exact.policy_tables_batched(train, runner.params, runner.variant)
    out = []
    with jax.enable_x64(True):
        for vi, v in enumerate(variants):
            for si, s in enumerate(seeds):
                m = exact.exact_metrics(exact.joint_from_tables(loc[vi, si]), N)
                gaps = exact.nash_gaps(loc[vi, si], G[vi, si], N)
                out.append({"variant": v, "seed": s, "poa": m["poa"], "J": m["J"], "nash_gap": float(gaps.max()),
                            "return_20": m["return_T"]})
    return out


# ------------------------------------------------------------------------------------------------
# Figures 7-10: which parents the density-annealed context-aware policy picks, and its multi-modality
# ------------------------------------------------------------------------------------------------
r"""Numeric definitions of the Sec. 7.4 statements about Figures 7-10, fixed before any run (``DEFS_ANALYSIS``);
the per-agent quantities are those of ``verify.marl.analysis`` (means over the states of a checkpoint's
rollouts where defined), the runs are the 'context-annealed' variant (Sec. 7.4.4), seeds paired.

* agent numbering: the paper's agent k is the harness's ally index k - 1 (column ``agent`` = k); on
  smax:MMM2-approx agents 1-2 are marauders and 3-10 marines (SMAC's MMM2 unit order is not printed, and the
  stand-in has no medivac): MMM2 statements are decided on the stand-in (a reading, stated in every record);
* a per-seed time average is the nan-mean over the checkpoints (within a window of training progress where
  the statement names one);
* "agent k depends on agents with relatively low (high) health / short (long) distance": the seeds' time
  averages of agent k's relative health (distance) are < 0 (> 0) by a one-sided Wilcoxon signed-rank test
  (p < alpha); the opposite one-sided test with p < alpha: did not hold; otherwise within noise.  Readings:
  the comparison pool is all alive allies ('all') or the allies that can be parents ('cand');
* "the percentage of visible agents ... almost consistently increasing" (Fig. 7): per seed, the least-squares
  slope of the agent-mean visible fraction against training progress is > 0 (one-sided Wilcoxon over
  seeds; reading 'agent-mean'), or the same for every agent with parents (reading 'every-agent');
* "agent k has the largest (smallest) multi-modality" (Fig. 10): agent k's time-averaged KL exceeds (falls
  below) that of every other agent 2..N by a paired one-sided Wilcoxon test (agent 1 has no possible parent
  and the paper excepts it); readings: the KL's 'conditional' and 'marginal' forms;
* "increasing DAG density regularization also decreases multi-modality": the agent-mean KL averaged over
  progress in [a, b) exceeds its average over progress >= c (paired one-sided Wilcoxon; reading 'phase');
  or its maximum over progress < c does (reading 'peak'); a, b, c those of the run's annealing schedule;
* "the purely decentralized one has zero multi-modality": the agent-mean KL over the last 10% of
  checkpoints is <= zero_kl for every seed (the policy the annealing ends with); the KL of the empty-DAG
  policy itself is 0 by construction (an identity of the estimator, tested in tests/test_marl_analysis.py);
* MMM2, "all agents depend on relatively high health after the middle of a% to b%, agent 7 to the extreme":
  over progress >= (a + b) / 2, every agent with parents has relative health > 0 (test as above) and agent
  7's exceeds every other agent's (paired test);
* fewer than ``min_checkpoints`` checkpoints per run: the statement is not decided (data too short).
"""

DEFS_ANALYSIS = {"alpha": 0.05, "min_checkpoints": 5, "zero_kl": 1e-6, "last_fraction": 0.1,
                 "variant": "context-annealed"}


def _agrid(env, steps, seeds, n_envs, checkpoints, stride, n_kl, extra=None):
    return {"env": env, "env_kwargs": {}, "steps": steps, "seeds": seeds, "n_envs": n_envs,
            "variants": ["context-annealed"], "checkpoints": checkpoints, "stride": stride, "n_kl": n_kl,
            "extra": extra or {}}


_MMM2_ANNEAL = {"anneal": {"alpha_start": 0.05, "alpha_end": 0.5}}
_LR = {"lr_actor": 5e-4, "lr_critic": 5e-4}

#: per profile, per panel: the annealed runs the analyses are computed on (Table 2: 2e7 steps, 5 seeds, 8 envs)
ANALYSIS_PROFILES = {
    "quick": {"smax6h": _agrid("smax:6h_vs_8z", 8 * 100 * 4, 2, 4, 8, 20, 16, _LR),
              "smaxMMM2": _agrid("smax:MMM2-approx", 8 * 100 * 4, 2, 4, 8, 20, 16, {**_LR, **_MMM2_ANNEAL})},
    "paper": {"smax6h": _agrid("smax:6h_vs_8z", 20_000_000, 5, 8, 50, 10, 32, _LR),
              "smaxMMM2": _agrid("smax:MMM2-approx", 20_000_000, 5, 8, 50, 10, 32, {**_LR, **_MMM2_ANNEAL})},
    "deep": {"smax6h": _agrid("smax:6h_vs_8z", 20_000_000, 10, 8, 50, 10, 32, _LR),
             "smaxMMM2": _agrid("smax:MMM2-approx", 20_000_000, 10, 8, 50, 10, 32, {**_LR, **_MMM2_ANNEAL})},
}

_MMM2_NOTE = ("decided on smax:MMM2-approx (no medivac, no healing; not StarCraft II); the paper's agent k is "
              "the stand-in's ally k (1-2 marauders, 3-10 marines)")


def analysis_spec(profile: str, panel: str, seed0: int = 0) -> dict:
    g = ANALYSIS_PROFILES[profile][panel]
    cfg = {"env": g["env"], "env_kwargs": g["env_kwargs"], "total_steps": g["steps"], "n_envs": g["n_envs"], **g["extra"]}
    return {"tag": f"analysis_{profile}_{panel}", "config": cfg, "variants": g["variants"],
            "seeds": list(range(seed0, seed0 + g["seeds"])), "checkpoints": g["checkpoints"], "stride": g["stride"],
            "n_kl": g["n_kl"], "dag_noise": False}


def anneal_phases(config: dict) -> dict:
    """(a, b, c) of the annealing schedule a run used (``bnmappo.ANNEAL_DEFAULTS`` updated by its config)."""
    from .bnmappo import ANNEAL_DEFAULTS
    kw = {**ANNEAL_DEFAULTS, **(config.get("anneal") or {})}
    return {k: kw[k] for k in ("a", "b", "c")}


def _aseries(rows, col, variant=None):
    """{seed: {agent: (progress, values)}} of one per-agent column."""
    variant = variant or DEFS_ANALYSIS["variant"]
    by: dict = {}
    for r in rows:
        if r["variant"] != variant:
            continue
        v = r[col]
        by.setdefault(int(r["seed"]), {}).setdefault(int(r["agent"]), []).append(
            (float(r["progress"]), float(v) if v not in ("", None) else np.nan))
    return {s: {a: tuple(np.array(z) for z in zip(*sorted(x))) for a, x in d.items()} for s, d in by.items()}


def _window(p, lo=0.0, hi=np.inf):
    return (p >= lo) & (p < hi)


def time_avg(rows, col, lo=0.0, hi=np.inf) -> dict:
    """{agent: {seed: nan-mean of col over checkpoints with lo <= progress < hi}}."""
    out: dict = {}
    for s, d in _aseries(rows, col).items():
        for a, (p, x) in d.items():
            w = x[_window(p, lo, hi)]
            out.setdefault(a, {})[s] = float(np.nanmean(w)) if np.isfinite(w).any() else np.nan
    return out


def agent_mean_series(rows, col) -> dict:
    """{seed: (progress, nan-mean over agents)}."""
    out = {}
    for s, d in _aseries(rows, col).items():
        p = next(iter(d.values()))[0]
        X = np.stack([d[a][1] for a in sorted(d)])
        with np.errstate(all="ignore"):
            m = np.where(np.isfinite(X).any(0), np.nanmean(np.where(np.isfinite(X), X, np.nan), 0), np.nan)
        out[s] = (p, m)
    return out


def sign_test(vals: dict, sign: str) -> dict:
    """One-sided Wilcoxon signed-rank test over seeds that the values are > 0 ('+') or < 0 ('-')."""
    x = np.array([v for v in vals.values() if np.isfinite(v)])
    p_gt, p_lt = wilcoxon_p(x, "greater"), wilcoxon_p(x, "less")
    p_yes, p_no = (p_gt, p_lt) if sign == "+" else (p_lt, p_gt)
    held = True if p_yes < DEFS_ANALYSIS["alpha"] else (False if p_no < DEFS_ANALYSIS["alpha"] else None)
    return {"held": held, "p": p_yes, "p_opposite": p_no, "n": int(x.size), "mean": float(np.mean(x)) if x.size else np.nan}


def _slope(p, x):
    ok = np.isfinite(x)
    if ok.sum() < 3 or np.ptp(p[ok]) == 0:
        return np.nan
    return float(np.polyfit(p[ok], x[ok], 1)[0])


def _extreme(avgs: dict, k: int, largest: bool, exclude=(1,)) -> dict:
    """Agent k's time averages against every other agent's (paired one-sided Wilcoxon over seeds)."""
    parts = {}
    for m in sorted(avgs):
        if m == k or m in exclude:
            continue
        a, b = (avgs[k], avgs[m]) if largest else (avgs[m], avgs[k])
        parts[f"agent {k} {'>' if largest else '<'} agent {m}"] = outperforms(a, b)
    return {"held": _all(parts) if parts else None, "parts": parts}


def _too_short(rows) -> bool:
    n = {}
    for r in rows:
        if r["variant"] == DEFS_ANALYSIS["variant"] and r["agent"] == "1":
            n[r["seed"]] = n.get(r["seed"], 0) + 1
    return not n or min(n.values()) < DEFS_ANALYSIS["min_checkpoints"]


def _astmt(fig, panel, slug, text, res):
    st = _stmt(f"{panel}-{slug}", text, res, panel, fig)
    if panel == "smaxMMM2":
        st["numbers"]["stand-in"] = _MMM2_NOTE
    return st


def _relative(rows, col, agent, sign, lo=0.0):
    r = {pool: sign_test(time_avg(rows, f"{col}_rel_{pool}", lo).get(agent, {}), sign) for pool in ("all", "cand")}
    return {"held": _agree(r), "readings": r}


def statements_analysis(panels: dict, fig: str) -> list[dict]:
    """The Sec. 7.4 statements about Figure ``fig`` (7, 8, 9 or 10) that the panels' data can decide."""
    out = []
    for p in ("smax6h", "smaxMMM2"):
        if p not in panels:
            continue
        R = panels[p]["rows"]
        ph = anneal_phases(panels[p]["config"])
        short = _too_short(R)
        sts = []
        mm = p == "smaxMMM2"
        if fig == "7":
            slopes = {s: _slope(*ps) for s, ps in agent_mean_series(R, "visible_frac").items()}
            per_agent = {}
            for s, d in _aseries(R, "visible_frac").items():
                for a, (pp, x) in d.items():
                    per_agent.setdefault(a, {})[s] = _slope(pp, x)
            every = {f"agent {a}": sign_test(v, "+") for a, v in sorted(per_agent.items())
                     if np.isfinite(list(v.values())).sum() >= 2}
            r = {"agent-mean": sign_test(slopes, "+"), "every-agent": {"held": _all(every) if every else None, "parts": every}}
            sts.append(_astmt("7", p, "visible-fraction-increases", "the percentage of the visible agents that an agent "
                              "wants to depend on almost consistently increasing", {"held": _agree(r), "readings": r}))
        elif fig == "8":
            if not mm:
                a5, a6 = _relative(R, "health", 5, "-"), _relative(R, "health", 6, "-")
                sts.append(_astmt("8", p, "agents-5-6-low-health", "for 6h_vs_8z, agents 5 and 6 tend to depend on the "
                                  "actions of agents with a relatively low health bar",
                                  {"held": _all({"agent 5": a5, "agent 6": a6}), "parts": {"agent 5": a5, "agent 6": a6}}))
                sts.append(_astmt("8", p, "agent-2-high-health", "while agent 2 tends to depend on the actions of agents "
                                  "with relatively high health", _relative(R, "health", 2, "+")))
            else:
                lo = (ph["a"] + ph["b"]) / 2
                parts = {}
                for pool in ("all", "cand"):
                    avg = time_avg(R, f"health_rel_{pool}", lo)
                    each = {f"agent {a}": sign_test(v, "+") for a, v in sorted(avg.items())
                            if np.isfinite(list(v.values())).sum() >= 1 and a != 1}
                    ext = _extreme(avg, 7, True) if 7 in avg else {"held": None}
                    parts[pool] = {"held": _all({**each, "agent 7 extreme": ext}) if each else None,
                                   "every agent": each, "agent 7 extreme": ext}
                sts.append(_astmt("8", p, "high-health-after-regularization", "For MMM2 ... in the middle of a% to b%, "
                                  "the increase of the regularization causes all agents to depend on actions of agents "
                                  "with relatively high health, with agent 7 to the extreme",
                                  {"held": _agree(parts), "readings": parts, "window_from_progress": lo,
                                   "not decided": "'health does not differentiate ... until the middle of a% to b%' "
                                                  "(the absence of a difference is not established by a test over seeds)"}))
        elif fig == "9":
            sts.append(_astmt("9", p, "agent-6-distant", "in both scenarios, agent 6 tends to depend on the actions of "
                              "agents in relatively long distances", _relative(R, "dist", 6, "+")))
            if not mm:
                sts.append(_astmt("9", p, "agent-2-near", "In 6h_vs_8z, agent 2 tends to depend on the actions of agents "
                                  "with relatively short distances", _relative(R, "dist", 2, "-")))
            else:
                sts.append(_astmt("9", p, "agent-8-distant", "For MMM2, agent 8 consistently depends on the actions of "
                                  "agents from relatively longer distances", _relative(R, "dist", 8, "+")))
                sts.append(_astmt("9", p, "agent-5-near", "whereas agent 5 behaves the opposite [MMM2]",
                                  _relative(R, "dist", 5, "-")))
        elif fig == "10":
            big = 8 if mm else 6
            for slug, k, largest, text in ((f"agent-{big}-largest-kl", big, True, f"agent {big} ... has the largest "
                                            "multi-modality"),
                                           ("agent-2-smallest-kl", 2, False, "agent 2 with least possible parent actions "
                                            "except agent 1 has the smallest multi-modality")):
                r = {form: _extreme(time_avg(R, f"kl_{form[:4] if form == 'marginal' else 'cond'}"), k, largest)
                     for form in ("conditional", "marginal")}
                sts.append(_astmt("10", p, slug, text, {"held": _agree(r), "readings": r}))
            r = {}
            for form, col in (("conditional", "kl_cond"), ("marginal", "kl_marg")):
                ser = agent_mean_series(R, col)
                before = {s: float(np.nanmean(x[_window(pp, ph["a"], ph["b"])])) if _window(pp, ph["a"], ph["b"]).any() else np.nan
                          for s, (pp, x) in ser.items()}
                peak = {s: float(np.nanmax(x[pp < ph["c"]])) if (pp < ph["c"]).any() else np.nan for s, (pp, x) in ser.items()}
                after = {s: float(np.nanmean(x[pp >= ph["c"]])) if (pp >= ph["c"]).any() else np.nan for s, (pp, x) in ser.items()}
                r[f"phase/{form}"] = outperforms(before, after)
                r[f"peak/{form}"] = outperforms(peak, after)
            sts.append(_astmt("10", p, "regularization-decreases-kl", "increasing DAG density regularization also "
                              "decreases multi-modality", {"held": _agree(r), "readings": r, "phases": ph}))
            fin = {}
            for s, (pp, x) in agent_mean_series(R, "kl_cond").items():
                k = max(1, int(round(DEFS_ANALYSIS["last_fraction"] * len(x))))
                fin[s] = float(np.nanmean(x[-k:]))
            dens = final_values([dict(r_, update=r_["update"]) for r_ in R if r_["agent"] == "1"],
                                DEFS_ANALYSIS["variant"], "dag_density") if R else {}
            vals = [v for v in fin.values() if np.isfinite(v)]
            sts.append(_astmt("10", p, "decentralized-zero-kl", "the purely decentralized one has zero multi-modality",
                              {"held": (max(vals) <= DEFS_ANALYSIS["zero_kl"]) if vals else None, "final_kl": fin,
                               "final_dag_density": dens, "zero_kl": DEFS_ANALYSIS["zero_kl"]}))
        for st in sts:
            if short:
                st["held"] = None
                st["too_short"] = True
                st["note"] = f"fewer than {DEFS_ANALYSIS['min_checkpoints']} checkpoints per run: not decided"
        out += sts
    return out


def plot_analysis(panels: dict, col: str, ylabel: str, path: str, title: str):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    ps = list(panels)
    fig, ax = plt.subplots(1, max(len(ps), 1), figsize=(4.2 * max(len(ps), 1), 3.2), squeeze=False)
    for k, p in enumerate(ps):
        R = panels[p]["rows"]
        ser = _aseries(R, col)
        agents = sorted({a for d in ser.values() for a in d})
        for a in agents:
            xs = [d[a] for d in ser.values() if a in d]
            L = min(len(x[0]) for x in xs)
            X = np.stack([x[1][:L] for x in xs])
            steps = np.array([float(r["env_steps"]) for r in R if r["agent"] == str(a) and
                              int(r["seed"]) == next(iter(ser))])[:L]
            with np.errstate(all="ignore"):
                m = np.nanmean(X, 0)
            ax[0, k].plot(steps, m, label=f"agent {a}")
        if col.endswith(("_all", "_cand")):
            ax[0, k].axhline(0.0, color="grey", lw=0.5)
        ax[0, k].set_title(f"{title}: {panels[p]['config']['env']} (SMAX, not SC2)", fontsize=7)
        ax[0, k].set_xlabel("environment steps")
        ax[0, k].legend(fontsize=5)
    ax[0, 0].set_ylabel(ylabel)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


_AFIG = {"7": ("visible_frac", "fraction of chosen parents visible", "Visibility of allies"),
         "8": ("health_rel_all", "parents' health - allies' health", "Average health"),
         "9": ("dist_rel_all", "parents' distance - allies' distance", "Average distance"),
         "10": ("kl_cond", "KL(pi_G || pi_empty) per agent", "Multi-modality")}


def run_analysis_panels(profile: str, out_dir: str, panels=None, log=print) -> dict:
    """Train (or read back) the annealed runs of the profile with the Figs. 7-10 analysis; writes the tidy data
    ``bnac_analysis_{profile}_{panel}.csv.gz`` into out_dir."""
    from ..errors import InputError
    from .analysis import run_analysis
    if profile not in ANALYSIS_PROFILES:
        raise InputError(f"unknown profile {profile!r}; choose quick, paper or deep")
    panels = list(ANALYSIS_PROFILES[profile]) if panels is None else list(panels)
    out = {}
    for p in panels:
        if p not in ANALYSIS_PROFILES[profile]:
            raise InputError(f"panel {p!r} is not in the {profile} profile ({', '.join(ANALYSIS_PROFILES[profile])})")
        spec = analysis_spec(profile, p)
        t = time.time()
        res = run_analysis(spec, os.path.join(out_dir, "marl"), log=log)
        log(f"{p}: {len(res['rows'])} rows, {time.time() - t:.0f} s")
        gz = os.path.join(out_dir, f"bnac_analysis_{profile}_{p}.csv.gz")
        with open(res["csv"], "rb") as f, open(gz, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as g:
            g.write(f.read())
        out[p] = {"rows": res["rows"], "config": spec["config"], "grid": ANALYSIS_PROFILES[profile][p], "csv": gz,
                  "wall_s": time.time() - t, "complete": res["complete"]}
    return out


def load_analysis(profile: str, out_dir: str | None = None) -> dict:
    """The committed tidy data of the Figs. 7-10 analysis (``bnac_analysis_{profile}_{panel}.csv.gz``)."""
    import csv
    import io
    from ..experiments.registry import RESULTS_DIR
    out_dir = out_dir or RESULTS_DIR
    out = {}
    for p in ANALYSIS_PROFILES.get(profile, {}):
        path = os.path.join(out_dir, f"bnac_analysis_{profile}_{p}.csv.gz")
        if os.path.exists(path):
            with gzip.open(path, "rt") as f:
                out[p] = {"rows": list(csv.DictReader(io.StringIO(f.read()))), "csv": path,
                          "config": analysis_spec(profile, p)["config"], "grid": ANALYSIS_PROFILES[profile][p]}
    return out


def _run_afigure(fig: str, profile: str, out_dir: str | None, log, panels=None) -> dict:
    out_dir = out_dir or "notebooks/figures"
    os.makedirs(out_dir, exist_ok=True)
    t0 = time.time()
    runs = run_analysis_panels(profile, out_dir, panels, log)
    stmts = statements_analysis(runs, fig)
    for st in stmts:
        g = runs[st["panel"]]["grid"]
        st["budget_fraction"] = g["steps"] / PAPER_STEPS["smax"]
        if g["steps"] < PAPER_STEPS["smax"]:
            st.setdefault("note", f"at {g['steps']} of the paper's {PAPER_STEPS['smax']} environment steps per run: the "
                                  "statement (about the paper's training) is not decided at this profile")
    col, ylabel, title = _AFIG[fig]
    png = os.path.join(out_dir, f"bnac_figure{fig}_{profile}.png")
    plot_analysis(runs, col, ylabel, png, title)
    conf = {"profile": profile, "panels": {p: r["grid"] for p, r in runs.items()}, "definitions": DEFS_ANALYSIS,
            "seconds": {p: r["wall_s"] for p, r in runs.items()},
            "notes": ["SMAX results (not StarCraft II); smax:MMM2-approx has no medivac, no healing",
                      "variant: context-aware with density annealing (Sec. 7.4.4); agent k = ally index k - 1",
                      "per-agent quantities: verify.marl.analysis (deterministic DAG, means over rollout states)"]}
    with open(os.path.join(out_dir, f"bnac_figure{fig}_{profile}_statements.json"), "w") as f:
        json.dump({"configuration": conf, "statements": stmts}, f, indent=1, default=float)
    return {"statements": stmts, "png": png, "csvs": [r["csv"] for r in runs.values()], "seconds": time.time() - t0,
            "configuration": conf}


def run_figure7(profile: str = "quick", out_dir: str | None = None, log=print, panels=None, **kw) -> dict:
    """bnac Figure 7: fraction of each agent's chosen parents that are visible to it, during training."""
    return _run_afigure("7", profile, out_dir, log, panels)


def run_figure8(profile: str = "quick", out_dir: str | None = None, log=print, panels=None, **kw) -> dict:
    """bnac Figure 8: average health of each agent's chosen parents relative to all allies, during training."""
    return _run_afigure("8", profile, out_dir, log, panels)


def run_figure9(profile: str = "quick", out_dir: str | None = None, log=print, panels=None, **kw) -> dict:
    """bnac Figure 9: average distance of each agent's chosen parents relative to all allies, during training."""
    return _run_afigure("9", profile, out_dir, log, panels)


def run_figure10(profile: str = "quick", out_dir: str | None = None, log=print, panels=None, **kw) -> dict:
    """bnac Figure 10: multi-modality, KL(BN policy || same policy with the empty DAG) per agent, during training."""
    return _run_afigure("10", profile, out_dir, log, panels)


FIGURES.update({"bnac:figure-7": run_figure7, "bnac:figure-8": run_figure8, "bnac:figure-9": run_figure9,
                "bnac:figure-10": run_figure10})
