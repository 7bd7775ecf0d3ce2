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


def _wilcoxon(d, alternative):
    from scipy import stats
    if d.size < 2 or np.all(d == 0):
        return 1.0
    return float(stats.wilcoxon(d, alternative=alternative, zero_method="zsplit").pvalue)


def outperforms(a: dict, b: dict) -> dict:
    """One-sided paired Wilcoxon over seeds: held (p < alpha), not held (reverse p < alpha) or None (noise)."""
    x, y = _paired(a, b)
    d = x - y
    p_gt, p_lt = _wilcoxon(d, "greater"), _wilcoxon(d, "less")
    held = True if p_gt < DEFS["alpha"] else (False if p_lt < DEFS["alpha"] else None)
    return {"held": held, "p_greater": p_gt, "p_less": p_lt, "n": int(d.size),
            "mean_a": float(np.mean(x)) if x.size else np.nan, "mean_b": float(np.mean(y)) if y.size else np.nan}


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


def _agree(readings: dict):
    hs = {r["held"] for r in readings.values()}
    if len(hs) == 1:
        return hs.pop()
    if hs == {True, False}:
        return "ambiguous"
    return None


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
