r"""mabn Section 5 and Appendix J: Figures 1, 2, 11 and Table 1 reproduced with MAStAC (``verify.marl.mastac``)
and the baselines (``verify.marl.baselines`` when present), and their statements decided by statistics.

Panels: Figure 1 = Examples 1-3 (``ex1`` warehouse9, ``ex2`` warehouse40, ``ex3`` temperature40) with every
algorithm; Figure 2 = the ablation on Example 1 (MAStAC simultaneous, undecomposed Q, undecomposed Qhat);
Figure 11 = MAStAC approximated on Example 2 with kappa = 2, 4, 6, 8; Table 1 = mean and standard deviation
over seeds of each run's average over the final 20% of the epochs (Figure 1's runs), next to the paper's.

Numeric definitions, fixed before any run (``DEFS``):

* a run's *final value*: its mean return over the last 20% of epochs (Table 1's definition); *learning
  speed*: its mean return over all epochs (area under the learning curve, reading 'auc') or the first epoch
  at which its running mean (window 5% of the epochs) reaches the common level L = the lowest final value
  (mean over seeds) among the compared algorithms (reading 'time-to-level'; never reached = epochs + 1);
* the return is the training episode's team return (reading of record 'return': the curves Algorithm 1
  produces); 'eval_return' (one episode without exploration noise after each epoch) is a second reading;
* "A is higher / faster than B": one-sided paired Wilcoxon signed-rank test over seeds (the runs of one seed
  share the seed and so the environment's initial states; the algorithms' networks differ) at alpha = 0.05;
  the reverse one-sided test significant -> did not hold; otherwise within noise;
* "highest among a set": A higher than every other member (held if all held; did not hold if any reverse
  holds; else within noise);
* "larger kappa converges more slowly": every consecutive pair kappa < kappa' has kappa faster (reading
  'consecutive'), or only kappa = 2 faster than kappa = 8 (reading 'extremes');
* Figure 2's values "after 2000 / at the 6000th iteration": mean return over the epochs
  [it - 5% of the epochs, it] per run; the ordering statement (simultaneous above both undecomposed
  variants) is decided by the test; the printed means +- standard deviations are reported beside.

Statements about algorithms not available here (the baselines, until ``verify.marl.baselines`` exists) have
no data and are not-checked.  At profiles below Table 3's epochs and 15 seeds no statement is decided.
"""
from __future__ import annotations

import csv
import gzip
import io
import json
import os
import re
import time

import numpy as np

from ..errors import InputError
from ..statistics import readings_held as _agree, wilcoxon_over_seeds

__all__ = ["DEFS", "PROFILES", "PAPER_TABLE1", "PAPER_FIG2", "run_figure", "statements", "table1", "FIGURES",
           "load_panels", "algorithm_label"]

DEFS = {"final_fraction": 0.2, "alpha": 0.05, "window_fraction": 0.05, "fig2_iterations": (2000, 6000),
        "reading_of_record": "return", "readings": ("return", "eval_return")}

#: Table 1 as printed (mean +- standard deviation over 15 seeds of the final-20% average)
PAPER_TABLE1 = {
    "MAStAC Sim.": {"ex1": (-0.35, 0.26), "ex2": (-13.68, 0.64), "ex3": (-160.86, 5.41)},
    "MAStAC approx.": {"ex1": (-0.356, 0.26), "ex2": (-13.73, 1.26), "ex3": (-174.43, 22.38)},
    "MADDPG": {"ex1": (-0.417, 0.45), "ex2": (-18.09, 0.28), "ex3": (-1311.87, 542.13)},
    "MATD3": {"ex1": (-0.67, 0.55), "ex2": (-17.62, 0.35), "ex3": (-1160.0, 334.59)},
    "FACMAC": {"ex1": (-1.266, 0.66), "ex2": (-19.76, 4.72), "ex3": (-1390.96, 565.46)},
    "QDCG (Centralized)": {"ex2": (-15.13, 0.47), "ex3": (-356.47, 292.9)},
    "QDCG (Decentralized)": {"ex2": (-14.72, 0.6), "ex3": (-462.66, 295.75)},
}

#: Sec. 5, Ablation study: average rewards after 2000 iterations and at the 6000th
PAPER_FIG2 = {2000: {"mastac-simultaneous": (-0.525, 0.32), "mastac-undecomposed-q": (-1.439, 0.46),
                     "mastac-undecomposed-qhat": (-1.381, 0.53)},
              6000: {"mastac-simultaneous": (-0.244, 0.18), "mastac-undecomposed-q": (-0.777, 0.36),
                     "mastac-undecomposed-qhat": (-0.602, 0.57)}}

#: Table 1 label -> run key
LABELS = {"MAStAC Sim.": "mastac-simultaneous", "MAStAC approx.": "mastac-approximated-k2", "MADDPG": "maddpg",
          "MATD3": "matd3", "FACMAC": "facmac", "QDCG (Centralized)": "qdcg-centralized",
          "QDCG (Decentralized)": "qdcg-decentralized"}
BASELINES = ("maddpg", "matd3", "facmac", "qdcg-centralized", "qdcg-decentralized")

_MASTAC = ["mastac-simultaneous", "mastac-approximated-k2"]


def _panel(system, algos, epochs, seeds, n=None, batch=256, kappas=None, **loop):
    return {"system": system, "algos": list(algos), "epochs": epochs, "seeds": seeds, "n": n, "batch": batch,
            "loop": loop}


def _profile(scale_epochs, seeds, n_big, batch, kappas11, fig2_epochs, chunk):
    ex1 = _MASTAC + ["maddpg", "matd3", "facmac"]
    ex23 = _MASTAC + list(BASELINES)
    return {
        "figure-1": {"ex1": _panel("warehouse9", ex1, scale_epochs(3500), seeds, None, batch),
                     "ex2": _panel("warehouse40", ex23, scale_epochs(6000), seeds, n_big, batch),
                     "ex3": _panel("temperature40", ex23, scale_epochs(5000), seeds, n_big, batch)},
        "figure-2": {"ablation": _panel("warehouse9", ["mastac-simultaneous", "mastac-undecomposed-q",
                                                       "mastac-undecomposed-qhat"], fig2_epochs, seeds, None, batch)},
        "figure-11": {"kappa": _panel("warehouse40", [f"mastac-approximated-k{k}" for k in kappas11],
                                      scale_epochs(6000), seeds, n_big, batch)},
        "chunk": chunk,
    }


#: quick: minutes on 2 CPU cores (reduced n, epochs, seeds, batch: never decides a statement);
#: paper: Table 3's epochs and batch, 15 seeds, n = 40 (Figure 2 to 6000 iterations as Sec. 5 prints);
#: deep: paper's budgets with 30 seeds
PROFILES = {
    "quick": _profile(lambda e: 60, 3, 16, 32, (1, 2), 60, 30),
    "paper": _profile(lambda e: e, 15, None, 256, (2, 4, 6, 8), 6000, 500),
    "deep": _profile(lambda e: e, 30, None, 256, (2, 4, 6, 8), 6000, 500),
}
PAPER_EPOCHS = {"warehouse9": 3500, "warehouse40": 6000, "temperature40": 5000}


def algorithm_label(key: str) -> str:
    for lab, k in LABELS.items():
        if k == key:
            return lab
    return key


def _norm(s: str) -> str:
    return re.sub(r"[^a-z0-9]", "", s.lower())


def resolve_algorithm(key: str):
    """(OffPolicyAlgo, algo cfg builder) for a run key, or None when the algorithm is not available."""
    from . import offpolicy as O
    from . import mastac as MS
    m = re.fullmatch(r"mastac-approximated-k(\d+)", key)
    if m:
        return O.ALGORITHMS["mastac-approximated"], ("mastac-approximated", int(m.group(1)))
    if key.startswith("mastac-"):
        return O.ALGORITHMS[key], (key, None)
    for name in O.ALGORITHMS.keys():
        if _norm(name) == _norm(key):
            return O.ALGORITHMS[name], (name, None)
    return None


def _algo_cfg(key, system, n, kappa):
    from . import mastac as MS
    from . import mabn_systems as S
    if key.startswith("mastac-"):
        v = key[len("mastac-"):]
        v = "approximated" if v.startswith("approximated") else v
        qm = S.mask_of(S.kappa_sets(system, kappa, n=n)) if v == "approximated" else None
        return MS.config_for(system, v, q_mask=qm)
    try:
        from . import baselines as B
    except ImportError:
        B = None
    if B is not None and hasattr(B, "config_for"):
        return B.config_for(system, key)
    t = MS.TABLE3[system]     # the baselines share Table 3's networks and rates (the paper prints only MAStAC's)
    return {"gamma": t["gamma"], "tau": MS.DEFAULTS["tau"], "noise": MS.DEFAULTS["noise"],
            "lr_actor": t["lr_actor"], "lr_critic": t["lr_critic"], "actor_hidden": t["actor_hidden"],
            "critic_hidden": MS.DEFAULTS["critic_hidden"], "actor_out": t["actor_out"]}


def _spec_hash(d) -> str:
    import hashlib
    return hashlib.sha256(json.dumps(d, sort_keys=True, default=str).encode()).hexdigest()[:16]


COLS = ["return", "eval_return", "critic_loss", "q_mean", "updates"]


def _group_path(out_dir, profile, panel, key):
    return os.path.join(out_dir, f"mabn_{profile}_{panel}_{key}.csv.gz")


def _read_group(path, h):
    if not os.path.exists(path):
        return None
    with gzip.open(path, "rt") as f:
        rows = list(csv.DictReader(io.StringIO(f.read())))
    if not rows or rows[0].get("spec") != h:
        return None
    return rows


def run_group(profile: str, panel: str, key: str, g: dict, out_dir: str, chunk: int, log=print, seed0: int = 0,
              time_budget_s: float | None = None):
    """Train (or reuse) every seed of one algorithm on one panel; seeds vmapped, epochs in chunks; the tidy
    rows are written after each chunk to ``mabn_<profile>_<panel>_<key>.csv.gz`` (a partial file is
    recomputed; a complete file with the same spec hash is reused, also from the committed results)."""
    import jax
    import jax.numpy as jnp
    from . import offpolicy as O
    from . import mabn_systems as S
    from ..experiments.registry import RESULTS_DIR
    res = resolve_algorithm(key)
    if res is None:
        return None
    algo, (name, kappa) = res
    seeds = list(range(seed0, seed0 + g["seeds"]))
    with jax.enable_x64(False):
        acfg = _algo_cfg(key, g["system"], g["n"], kappa)
    # the algorithm's options (discount, rates, networks, the critic masks) are part of what a stored run answers
    spec = {"panel": panel, "key": key, "system": g["system"], "n": g["n"], "epochs": g["epochs"], "seeds": seeds,
            "batch": g["batch"], "loop": g["loop"], "chunk": chunk, "version": 1,
            "algo": {k: (v.tolist() if hasattr(v, "tolist") else v) for k, v in acfg.items()}}
    h = _spec_hash(spec)
    path = _group_path(out_dir, profile, panel, key)
    for p in (path, _group_path(RESULTS_DIR, profile, panel, key)):
        rows = _read_group(p, h)
        if rows is not None and len(rows) == g["epochs"] * len(seeds):
            return {"rows": rows, "csv": p, "wall_s": 0.0, "reused": True, "complete": True}
    t0 = time.time()
    with jax.enable_x64(False):
        env = S.make_system(g["system"], n=g["n"])
        cfg = O.make_config(acfg, epochs=g["epochs"], batch_size=g["batch"], **g["loop"])
        train = O.make_train(cfg, algo, env)
        rngs = jnp.stack([jax.random.PRNGKey(s) for s in seeds])
        carry = jax.jit(jax.vmap(train.init))(rngs)
        done, rows, compiled = 0, [], {}
        complete = True
        while done < g["epochs"]:
            n = min(chunk, g["epochs"] - done)
            if n not in compiled:
                compiled[n] = jax.jit(jax.vmap(lambda c, e0, n=n: train.run(c, e0, n), (0, None)))
            carry, m = compiled[n](carry, jnp.int32(done))
            m = jax.device_get(m)
            for si, s in enumerate(seeds):
                for k in range(n):
                    r = {"spec": h, "panel": panel, "algorithm": key, "system": g["system"], "seed": s, "epoch": done + k + 1}
                    r.update({c: float(m[c][si, k]) if c in m else "" for c in COLS})
                    rows.append(r)
            done += n
            _write_rows(path, rows)
            log(f"  {panel}/{key}: {done}/{g['epochs']} epochs, {time.time() - t0:.0f} s")
            if time_budget_s is not None and time.time() - t0 > time_budget_s and done < g["epochs"]:
                complete = False
                break
    return {"rows": [{k: str(v) for k, v in r.items()} for r in rows], "csv": path, "wall_s": time.time() - t0,
            "reused": False, "complete": complete, "epochs_per_s": done * len(seeds) / max(time.time() - t0, 1e-9)}


def _write_rows(path, rows):
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows[0].keys()))
    w.writeheader()
    w.writerows(rows)
    tmp = path + ".tmp"
    with open(tmp, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
        gz.write(buf.getvalue().encode())
    os.replace(tmp, path)


# ------------------------------------------------------------------------------------------------
# statistics
# ------------------------------------------------------------------------------------------------
def series(rows, key, col="return") -> dict:
    """{seed: array over epochs}."""
    by = {}
    for r in rows:
        if r["algorithm"] == key and r.get(col) not in ("", None):
            by.setdefault(int(r["seed"]), []).append((int(r["epoch"]), float(r[col])))
    return {s: np.array([v for _, v in sorted(x)]) for s, x in by.items()}


def final_values(rows, key, col="return") -> dict:
    out = {}
    for s, x in series(rows, key, col).items():
        k = max(1, int(round(DEFS["final_fraction"] * len(x))))
        out[s] = float(np.mean(x[-k:]))
    return out


def auc_values(rows, key, col="return") -> dict:
    return {s: float(np.mean(x)) for s, x in series(rows, key, col).items()}


def window_values(rows, key, it, col="return") -> dict:
    out = {}
    for s, x in series(rows, key, col).items():
        if len(x) < it:
            continue
        w = max(1, int(round(DEFS["window_fraction"] * len(x))))
        out[s] = float(np.mean(x[max(0, it - w):it]))
    return out


def time_to_level(rows, key, level, col="return") -> dict:
    out = {}
    for s, x in series(rows, key, col).items():
        w = max(1, int(round(DEFS["window_fraction"] * len(x))))
        rm = np.convolve(x, np.ones(w) / w, mode="valid")
        hit = np.nonzero(rm >= level)[0]
        out[s] = float(hit[0] + w) if hit.size else float(len(x) + 1)
    return out


def _paired(a, b):
    seeds = sorted(set(a) & set(b))
    return np.array([a[s] for s in seeds]), np.array([b[s] for s in seeds])


def higher(a: dict, b: dict) -> dict:
    """One-sided paired Wilcoxon over seeds: held (A > B at alpha), False (B > A at alpha) or None."""
    x, y = _paired(a, b)
    return wilcoxon_over_seeds(x, y, DEFS["alpha"], empty=None)


def _all(parts: dict):
    hs = [p["held"] for p in parts.values()]
    if not hs:
        return None
    if any(h is False for h in hs):
        return False
    return True if all(h is True for h in hs) else None


def _present(rows):
    return sorted({r["algorithm"] for r in rows})


def _stmt(fig, slug, text, panel, res, needs=()):
    return {"id": f"mabn:{fig}/{slug}", "slug": slug, "figure": fig, "text": text, "panel": panel,
            "held": res.get("held"), "numbers": res, "needs": list(needs)}


def _missing(rows, needs):
    have = set(_present(rows))
    return [k for k in needs if k not in have]


def statements(panels: dict) -> list[dict]:
    """Every statement of Sec. 5 / Appendix J the panels can decide; a statement whose algorithms have no runs
    carries ``held = None`` and ``missing``."""
    out = []
    rd = DEFS["readings"]

    def add(fig, slug, text, panel, needs, fn):
        if panel not in panels:
            return
        R = panels[panel]["rows"]
        miss = _missing(R, needs)
        if miss:
            out.append(_stmt(fig, slug, text, panel, {"held": None, "missing": miss}, needs))
            return
        res = {c: fn(R, c) for c in rd}
        out.append(_stmt(fig, slug, text, panel, {"held": _agree(res), "readings": res}, needs))

    for ex in ("ex1", "ex2", "ex3"):
        if ex not in panels:
            continue
        others = [k for k in _present(panels[ex]["rows"]) if k != "mastac-simultaneous"]
        expected = (_MASTAC + ["maddpg", "matd3", "facmac"] + (["qdcg-centralized", "qdcg-decentralized"] if ex != "ex1" else []))
        add("figure-1", f"{ex}-sim-highest-mean", f"'MAStAC simultaneous' has the highest mean final reward (Table 1, "
            f"Example {ex[-1]})", ex, expected,
            lambda R, c, others=others: {"held": _all(p := {o: higher(final_values(R, "mastac-simultaneous", c),
                                                                       final_values(R, o, c)) for o in others}), "parts": p})
    for ex in ("ex2", "ex3"):
        if ex not in panels:
            continue
        expected = _MASTAC + list(BASELINES)

        def fastest(R, c):
            others = [k for k in _present(R) if k != "mastac-approximated-k2"]
            auc = {o: higher(auc_values(R, "mastac-approximated-k2", c), auc_values(R, o, c)) for o in others}
            lvl = min(float(np.mean(list(final_values(R, k, c).values()))) for k in _present(R))
            ttl = {}
            for o in others:
                a, b = time_to_level(R, "mastac-approximated-k2", lvl, c), time_to_level(R, o, lvl, c)
                r = higher({s: -v for s, v in a.items()}, {s: -v for s, v in b.items()})
                ttl[o] = r
            return {"held": _agree({"auc": {"held": _all(auc)}, "time-to-level": {"held": _all(ttl)}}),
                    "auc": {"held": _all(auc), "parts": auc}, "time-to-level": {"held": _all(ttl), "level": lvl, "parts": ttl}}
        add("figure-1", f"{ex}-approx-fastest", f"'MAStAC approximated' with kappa = 2 achieves the fastest convergence "
            f"(Example {ex[-1]})", ex, expected, fastest)
        add("figure-1", f"{ex}-qdcg-beats-ctde", f"QDCG centralized and decentralized perform better than MADDPG, MATD3 "
            f"and FACMAC (Example {ex[-1]})", ex, expected,
            lambda R, c: {"held": _all(p := {f"{q}>{b}": higher(final_values(R, q, c), final_values(R, b, c))
                                             for q in ("qdcg-centralized", "qdcg-decentralized")
                                             for b in ("maddpg", "matd3", "facmac")}), "parts": p})
        add("figure-1", f"{ex}-mastac-beats-qdcg", f"QDCG converges to lower average rewards than MAStAC (simultaneous "
            f"and approximated) (Example {ex[-1]})", ex, expected,
            lambda R, c: {"held": _all(p := {f"{m}>{q}": higher(final_values(R, m, c), final_values(R, q, c))
                                             for m in _MASTAC for q in ("qdcg-centralized", "qdcg-decentralized")}),
                          "parts": p})
    add("figure-1", "ex3-sim-beats-approx", "'MAStAC simultaneous' converges to a higher reward than 'MAStAC "
        "approximated' (Example 3, Table 1)", "ex3", _MASTAC,
        lambda R, c: higher(final_values(R, "mastac-simultaneous", c), final_values(R, "mastac-approximated-k2", c)))

    if "kappa" in panels:
        R = panels["kappa"]["rows"]
        ks = sorted(int(k.rsplit("k", 1)[1]) for k in _present(R))

        def slower(R, c):
            auc = {k: auc_values(R, f"mastac-approximated-k{k}", c) for k in ks}
            cons = {f"k{a}>k{b}": higher(auc[a], auc[b]) for a, b in zip(ks, ks[1:])}
            ext = {f"k{ks[0]}>k{ks[-1]}": higher(auc[ks[0]], auc[ks[-1]])} if len(ks) > 1 else {}
            return {"held": _all(cons), "consecutive": {"held": _all(cons), "parts": cons},
                    "extremes": {"held": _all(ext), "parts": ext}, "kappas": ks}
        add("figure-11", "larger-kappa-slower", "as the value of kappa increases, the rate of convergence decreases "
            "(Fig. 11, Example 2)", "kappa", [f"mastac-approximated-k{k}" for k in ks], slower)

    if "ablation" in panels:
        R = panels["ablation"]["rows"]
        E = max(int(r["epoch"]) for r in R)
        for it in DEFS["fig2_iterations"]:
            at = min(it, E)

            def order(R, c, at=at, it=it):
                sim = window_values(R, "mastac-simultaneous", at, c)
                p = {v: higher(sim, window_values(R, v, at, c)) for v in ("mastac-undecomposed-q", "mastac-undecomposed-qhat")}
                vals = {k: (float(np.mean(list(window_values(R, k, at, c).values()))),
                            float(np.std(list(window_values(R, k, at, c).values()), ddof=1)) if len(window_values(R, k, at, c)) > 1 else None)
                        for k in PAPER_FIG2[it]}
                return {"held": _all(p), "parts": p, "at_epoch": at, "ours": vals, "printed": PAPER_FIG2[it]}
            add("figure-2", f"sim-above-undecomposed-{it}", f"after {it} iterations 'MAStAC simultaneous' is above "
                f"'undecomposed Q' and 'undecomposed Qhat' (printed: {PAPER_FIG2[it]})", "ablation",
                list(PAPER_FIG2[it]), order)
    return out


def table1(panels: dict, col: str = "return") -> list[dict]:
    """Table 1 rows: ours (mean, std over seeds of the final-20% average) next to the printed values."""
    out = []
    for lab, key in LABELS.items():
        row = {"algorithm": lab, "key": key}
        for ex in ("ex1", "ex2", "ex3"):
            ours = None
            if ex in panels and key in _present(panels[ex]["rows"]):
                v = np.array(list(final_values(panels[ex]["rows"], key, col).values()))
                ours = [float(v.mean()), float(v.std(ddof=1)) if v.size > 1 else None, int(v.size)]
            row[ex] = {"ours": ours, "paper": PAPER_TABLE1[lab].get(ex)}
        out.append(row)
    return out


def table1_markdown(rows) -> str:
    def f(x):
        if x is None:
            return "-"
        m, s = x[0], x[1]
        return f"{m:.3g} +- {s:.3g}" if s is not None else f"{m:.3g}"
    lines = ["| algorithm | Ex. 1 ours | Ex. 1 paper | Ex. 2 ours | Ex. 2 paper | Ex. 3 ours | Ex. 3 paper |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        cells = []
        for ex in ("ex1", "ex2", "ex3"):
            cells += [f(r[ex]["ours"]), f(r[ex]["paper"])]
        lines.append(f"| {r['algorithm']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------------
# running, plotting, entry points
# ------------------------------------------------------------------------------------------------
def run_panels(profile: str, fig: str, out_dir: str, log=print, panels=None, time_budget_s=None) -> dict:
    if profile not in PROFILES:
        raise InputError(f"unknown profile {profile!r}; choose quick, paper or deep")
    prof = PROFILES[profile][fig]
    chunk = PROFILES[profile]["chunk"]
    out = {}
    for p in (panels or list(prof)):
        if p not in prof:
            raise InputError(f"panel {p!r} is not in {fig} ({', '.join(prof)})")
        g = prof[p]
        rows, info = [], {}
        for key in g["algos"]:
            r = run_group(profile, p, key, g, out_dir, chunk, log, time_budget_s=time_budget_s)
            if r is None:
                info[key] = "not available (no implementation in this tree)"
                continue
            rows += r["rows"]
            info[key] = {"csv": os.path.basename(r["csv"]), "wall_s": r["wall_s"], "reused": r["reused"],
                         "complete": r["complete"]}
        out[p] = {"rows": rows, "grid": g, "runs": info}
    return out


def plot(panels: dict, path: str, title: str):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    ps = list(panels)
    fig, ax = plt.subplots(1, len(ps), figsize=(4.2 * len(ps), 3.2), squeeze=False)
    for k, p in enumerate(ps):
        R = panels[p]["rows"]
        for key in _present(R):
            ser = series(R, key)
            L = min(len(x) for x in ser.values())
            X = np.stack([x[:L] for x in ser.values()])
            m, sd = X.mean(0), X.std(0)
            ax[0, k].plot(np.arange(1, L + 1), m, label=algorithm_label(key), lw=1)
            ax[0, k].fill_between(np.arange(1, L + 1), m - sd, m + sd, alpha=0.15)
        g = panels[p]["grid"]
        ax[0, k].set_title(f"{p}: {g['system']}" + (f" (n = {g['n']})" if g["n"] else ""), fontsize=8)
        ax[0, k].set_xlabel("epoch")
        ax[0, k].legend(fontsize=5)
    ax[0, 0].set_ylabel("team return per episode (mean +- sd over seeds)")
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def _budget_note(panels):
    notes = {}
    for p, r in panels.items():
        g = r["grid"]
        need = PAPER_EPOCHS[g["system"]] if p != "ablation" else 6000
        notes[p] = {"epochs": g["epochs"], "paper_epochs": need, "seeds": g["seeds"], "n": g["n"] or 40 if g["system"] != "warehouse9" else 9,
                    "batch": g["batch"], "decides": g["epochs"] >= need and g["seeds"] >= 15 and g["n"] in (None, 40) and g["batch"] == 256}
    return notes


def run_figure(fig: str, profile: str = "quick", out_dir: str | None = None, log=print, **kw) -> dict:
    from ..experiments.registry import RESULTS_DIR
    out_dir = out_dir or RESULTS_DIR
    os.makedirs(out_dir, exist_ok=True)
    t0 = time.time()
    f = "figure-1" if fig == "table-1" else fig
    panels = run_panels(profile, f, out_dir, log, time_budget_s=kw.get("time_budget_s"))
    sts = [s for s in statements(panels) if (fig != "table-1" or "highest" in s["slug"] or "beats-approx" in s["slug"])]
    budget = _budget_note(panels)
    for s in sts:
        s["budget"] = budget[s["panel"]]
    png = os.path.join(out_dir, f"mabn_{fig}_{profile}.png")
    plot(panels, png, f"mabn {fig} ({profile} profile)")
    conf = {"profile": profile, "definitions": DEFS, "budget": budget,
            "runs": {p: r["runs"] for p, r in panels.items()},
            "notes": ["Example 1 uses the sparse stand-in graph of verify.marl.mabn_systems (Fig. 10 is only a picture)",
                      "A_i for Example 2 not printed: +1 for even, -1 for odd agents (1-based)",
                      "return = team reward summed over the episode (the paper's 'total average reward' unit is not stated)",
                      "harness choices: gamma 0.95, tau 0.01, exploration noise 0.1 (high - low), buffer 1e5"]}
    res = {"statements": sts, "png": png, "configuration": conf, "seconds": time.time() - t0}
    if fig in ("figure-1", "table-1"):
        res["table1"] = table1(panels)
        res["table1_markdown"] = table1_markdown(res["table1"])
    with open(os.path.join(out_dir, f"mabn_{fig}_{profile}_statements.json"), "w") as fh:
        json.dump({k: v for k, v in res.items() if k != "png"}, fh, indent=1, default=float)
    return res


def load_panels(profile: str, fig: str, out_dir: str | None = None) -> dict:
    """The committed runs of a profile (files ``mabn_<profile>_<panel>_<key>.csv.gz`` with the current spec
    hash and complete); panels without any are left out."""
    from ..experiments.registry import RESULTS_DIR
    out_dir = out_dir or RESULTS_DIR
    f = "figure-1" if fig == "table-1" else fig
    out = {}
    for p, g in PROFILES[profile][f].items():
        rows = []
        for key in g["algos"]:
            path = _group_path(out_dir, profile, p, key)
            if os.path.exists(path):
                with gzip.open(path, "rt") as fh:
                    rs = list(csv.DictReader(io.StringIO(fh.read())))
                if len(rs) == g["epochs"] * g["seeds"]:
                    rows += rs
        if rows:
            out[p] = {"rows": rows, "grid": g}
    return out


FIGURES = {f"mabn:{f}": (lambda profile="quick", out_dir=None, log=print, f=f, **kw: run_figure(f, profile, out_dir, log, **kw))
           for f in ("figure-1", "figure-2", "figure-11", "table-1")}
