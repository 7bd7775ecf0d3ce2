r"""The mpg paper's figures (Sec. 5, App. G, App. H.1, Figure 4) and the statements its text makes about
them, checked on the reproduced curves.

``FIGURES = {"mpg:figure-1", "mpg:figure-2", "mpg:figure-4", "mpg:appendix-h.1"}``, each
``fn(profile, out_dir) -> dict`` with ``statements`` (id -> {statement, definition, held, details}),
``config``, ``files`` and ``summary``.  With ``out_dir`` set, every run (algorithm, N, grid) is written as
a tidy CSV under ``out_dir/mpg_runs/`` and reused when it exists (resume); the figure's CSV and PNG go to
``out_dir/mpg_<figure>.{csv,png}``.  Runs are also cached in the process, so figures share them.

Selection rules (the paper: "picked the one with the best POA", "the best-performing K in terms of the
POA"): the *best* lambda / K is the one with the highest mean POA at the last iteration; means within
1e-4 are broken by the run-averaged POA; a grid point where any initialization diverged (non-finite
parameters) is not eligible.  NPG-BR: the K sweep is run without barrier (App. H.1), then lambda is
searched at the best K.
"""
from __future__ import annotations

import dataclasses
import json
import os
import time

import jax
import numpy as np

from ..errors import InputError
from . import mpg_algorithms as TA
from . import mpg_nn as NN

LAMS = (0.01, 0.1, 1.0, 10.0, 100.0)          # mpg Sec. 5 grid
KS = (1, 5, 10, 20, 50)                       # mpg Sec. 5.1 / App. H.1 grid

#: profiles: Ns, initializations (figure 1/4/H.1 and figure 2), iterations T, recording interval.
PROFILES = {
    "quick": {"Ns": (2, 3), "n_init": 3, "n_init_nn": 3, "T": 60, "every": 2},
    "paper": {"Ns": (2, 3, 5), "n_init": 10, "n_init_nn": 20, "T": 400, "every": 1},
    "deep": {"Ns": (2, 3, 5, 8), "n_init": 20, "n_init_nn": 40, "T": 800, "every": 2},
}
#: step sizes (the paper gives none): see mpg_algorithms.DEFAULTS and mpg_nn.DEFAULTS
CONFIG = {"eta_pg": 1.0, "eta_npg": 1.0, "eta_br": 1.0, "eta_nn_pg": 1.0, "lr_adam": 1e-3,
          "nn_act": "relu", "nn_init": "normal", "gamma": 0.95, "eps": 0.1, "seed": 0}
#: why each choice (printed at the top of the notebooks and in docs/mpg_figures.md)
REASONS = {
    "T": "App. G.3: 'a single run of 400 iterations' (paper profile); quick uses 60, deep 800",
    "n_init": "Sec. 5 / Fig. 1 and 4 captions: 10 random initializations (Fig. 2: 20), theta ~ N(0, 1)",
    "Ns": "Sec. 5: N = 2, 3, 5 (quick: 2, 3; deep adds 8)",
    "lambda grid": "Sec. 5: {0.01, 0.1, 1, 10, 100}, best by POA; NPG-BR: lambda searched at its best K",
    "K grid": "Sec. 5.1 / App. H.1: {1, 5, 10, 20, 50}, best by POA without barrier",
    "eta_pg = eta_npg = 1": "not given by the paper; one common step for PG and NPG, equal to the NPG-BR "
                            "inner step that Eq. (5) prints (theta + A, i.e. step 1)",
    "NPG step": "Lemma 3.7 as printed: theta^i += eta A^i (the Fisher matrix with the paper's unnormalized d; "
                "Agarwal et al.'s normalized d would read eta/(1-gamma) A^i)",
    "eta_br = 1": "Eq. (5) as printed",
    "eta_nn_pg = 1": "not given; the tabular PG step, so that only the parameterization differs",
    "lr_adam = 1e-3": "not given; Adam's library default (PyTorch, optax)",
    "nn_act = relu": "Table G.2 prints 2^N-FC-2^N-FC-2^N-Linear-2-softmax without activations; ReLU chosen",
    "nn_init = normal": "Sec. 5: initial parameters 'sampled from the normal distribution of mean 0 and "
                        "standard deviation 1' (read literally for the network weights and biases too)",
    "gradients": "exact (jax.grad of the exact potential); Sec. 6: the experiments are 'limited to exact "
                 "gradient computation'",
    "gamma, eps, mu": "Table G.2: 0.95, 0.1, uniform",
    "selection": "best lambda / K: highest mean final POA (ties within 1e-4 broken by run-averaged POA); "
                 "a grid point with a diverged initialization is not eligible",
}
TIE = 1e-4          # final-POA ties in the best-lambda / best-K rule
CONV_TOL = 0.01     # convergence: within 0.01 of the final value (POA; Nash-gap / J*)
EARLY = 0.1         # "at the beginning of the training": the first 10% of the iterations

CSV_COLUMNS = ("figure", "algorithm", "N", "lambda", "K", "seed", "iteration", "poa", "nash_gap")


def profile_config(profile: str, seed: int = 0, overrides: dict | None = None) -> dict:
    if profile not in PROFILES:
        raise InputError(f"unknown profile {profile!r}; choose from {', '.join(PROFILES)}")
    bad = set(overrides or {}) - set(CONFIG)
    if bad:
        raise InputError(f"unknown configuration keys {sorted(bad)}; choose from {', '.join(CONFIG)}")
    return dict(PROFILES[profile], **dict(CONFIG, **(overrides or {}), seed=int(seed)), profile=profile)


# ------------------------------------------------------------------------------------------------
# runs (cached in process, resumable on disk)
# ------------------------------------------------------------------------------------------------
@dataclasses.dataclass(repr=False)
class Run:
    """One algorithm at one N over a (lambda, K) grid: arrays (n_lam, n_K, n_init, n_rec)."""
    algorithm: str
    N: int
    lams: np.ndarray
    Ks: np.ndarray
    iterations: np.ndarray
    poa: np.ndarray
    nash_gap: np.ndarray
    seeds: np.ndarray
    J_star: float

    def __repr__(self):
        return f"Run({self.algorithm}, N={self.N}, lambdas={list(self.lams)}, Ks={list(self.Ks)}, inits={len(self.seeds)})"

    def curve(self, lam: float, K: int):
        i, k = int(np.argmin(np.abs(self.lams - lam))), int(np.argmin(np.abs(self.Ks - K)))
        return self.poa[i, k], self.nash_gap[i, k]

    def diverged(self, lam, K) -> bool:
        p, g = self.curve(lam, K)
        return bool(~np.isfinite(p).all() or ~np.isfinite(g).all())

    def rows(self, figure: str):
        for a, lam in enumerate(self.lams):
            for b, K in enumerate(self.Ks):
                for c, seed in enumerate(self.seeds):
                    for d, it in enumerate(self.iterations):
                        yield (figure, self.algorithm, self.N, float(lam), int(K), int(seed), int(it),
                               float(self.poa[a, b, c, d]), float(self.nash_gap[a, b, c, d]))


_RUNS: dict = {}


def _j_star(N, cfg):
    from . import core
    return float(core.optimal_value(core.coord_game(N, cfg["eps"], cfg["gamma"])))


def _run_key(alg, N, lams, Ks, n_init, cfg):
    keep = {k: cfg[k] for k in ("T", "every", "eta_pg", "eta_npg", "eta_br", "eta_nn_pg", "lr_adam",
                                "nn_act", "nn_init", "gamma", "eps", "seed")}
    return json.dumps({"alg": alg, "N": N, "lams": list(lams), "Ks": list(Ks), "n_init": n_init, **keep},
                      sort_keys=True)


def _csv_path(out_dir, key):
    import hashlib
    d = json.loads(key)
    h = hashlib.sha1(key.encode()).hexdigest()[:10]
    return os.path.join(out_dir, "mpg_runs", f"{d['alg']}_N{d['N']}_{h}.csv")


def _write_run(path, run: Run, key: str):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("# " + key + "\n")
        f.write(",".join(CSV_COLUMNS) + "\n")
        for r in run.rows("run"):
            f.write(",".join(repr(x) if isinstance(x, float) else str(x) for x in r) + "\n")
    os.replace(tmp, path)


def _read_run(path, alg, N, J_star) -> Run:
    import csv
    with open(path) as f:
        f.readline()
        rows = list(csv.DictReader(f))
    lams = np.array(sorted({float(r["lambda"]) for r in rows}))
    Ks = np.array(sorted({int(r["K"]) for r in rows}))
    seeds = np.array(sorted({int(r["seed"]) for r in rows}))
    its = np.array(sorted({int(r["iteration"]) for r in rows}))
    shape = (len(lams), len(Ks), len(seeds), len(its))
    P, G = np.full(shape, np.nan), np.full(shape, np.nan)
    li = {v: i for i, v in enumerate(lams)}
    ki = {v: i for i, v in enumerate(Ks)}
    si = {v: i for i, v in enumerate(seeds)}
    ti = {v: i for i, v in enumerate(its)}
    for r in rows:
        idx = (li[float(r["lambda"])], ki[int(r["K"])], si[int(r["seed"])], ti[int(r["iteration"])])
        P[idx], G[idx] = float(r["poa"]), float(r["nash_gap"])
    return Run(alg, N, lams, Ks, its, P, G, seeds, J_star)


def get_run(alg: str, N: int, lams, Ks, n_init: int, cfg: dict, out_dir=None, resume: bool = True) -> Run:
    """Run (or load) one algorithm at one N over the grid; ``alg`` in pg, npg, npg-br, nn-pg, nn-adam."""
    lams, Ks = tuple(float(x) for x in lams), tuple(int(k) for k in Ks)
    key = _run_key(alg, N, lams, Ks, n_init, cfg)
    if key in _RUNS:
        return _RUNS[key]
    J_star = _j_star(N, cfg)
    path = _csv_path(out_dir, key) if out_dir else None
    if path and resume and os.path.exists(path):
        run = _read_run(path, alg, N, J_star)
    else:
        rng = jax.random.PRNGKey(cfg["seed"])
        if alg.startswith("nn-"):
            out = NN.run_grid({"N": N, "algorithm": alg, "T": cfg["T"], "eta": cfg["eta_nn_pg"],
                               "lr": cfg["lr_adam"], "n_init": n_init, "lams": lams, "act": cfg["nn_act"],
                               "init": cfg["nn_init"], "eps": cfg["eps"], "gamma": cfg["gamma"]},
                              rng, cfg["every"])
        else:
            out = TA.run_grid({"N": N, "algorithm": alg, "T": cfg["T"], "eta": cfg["eta_npg"] if alg == "npg" else cfg["eta_pg"], "eta_br": cfg["eta_br"], "n_init": n_init,
                               "lams": lams, "Ks": Ks if alg == "npg-br" else (5,),
                               "eps": cfg["eps"], "gamma": cfg["gamma"]}, rng, cfg["every"])
        run = Run(alg, N, np.asarray(lams), np.asarray(Ks if alg == "npg-br" else (0,)),
                  out["iterations"], out["poa"], out["nash_gap"], np.arange(n_init), J_star)
        if path:
            _write_run(path, run, key)
    _RUNS[key] = run
    return run


#: the committed tidy data of the paper-profile runs (results/figures): figure -> file stem; runs on
#: another initialization seed carry it in the name (``mpg_figure-1_seed1.csv.gz``), runs with the
#: PyTorch-default network initialization ``_torchinit``
COMMITTED = ("figure-1", "appendix-h.1", "figure-2")


def committed_name(figure: str, seed: int = 0, nn_init: str = "normal") -> str:
    return f"mpg_{figure}" + ("" if seed == 0 else f"_seed{seed}") + ("" if nn_init == "normal" else "_torchinit") + ".csv.gz"


def _cache_dir():
    return os.environ.get("VERIFY_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "verify")


def read_tidy(path: str) -> dict:
    """The columns of a committed tidy CSV (gzipped): {"algorithm": str array, "N", "lambda", "K",
    "seed", "iteration", "poa", "nash_gap": arrays}.  Parsed once and kept as .npz under the user
    cache (``VERIFY_CACHE`` or ~/.cache/verify), keyed by the file's size and mtime; never in the tree."""
    import gzip
    import hashlib
    import io
    st = os.stat(path)
    tag = hashlib.sha1(f"{os.path.abspath(path)}:{st.st_size}:{st.st_mtime_ns}".encode()).hexdigest()[:16]
    cache = os.path.join(_cache_dir(), f"tidy_{tag}.npz")
    if os.path.exists(cache):
        with np.load(cache) as z:
            return {k: z[k] for k in z.files}
    with gzip.open(path, "rt") as f:
        txt = f.read()
    num = np.loadtxt(io.StringIO(txt), delimiter=",", skiprows=1, usecols=(2, 3, 4, 5, 6, 7, 8), ndmin=2)
    alg = np.loadtxt(io.StringIO(txt), delimiter=",", skiprows=1, usecols=(1,), dtype=str, ndmin=1)
    out = {"algorithm": alg, "N": num[:, 0].astype(int), "lambda": num[:, 1], "K": num[:, 2].astype(int),
           "seed": num[:, 3].astype(int), "iteration": num[:, 4].astype(int), "poa": num[:, 5], "nash_gap": num[:, 6]}
    try:
        os.makedirs(os.path.dirname(cache), exist_ok=True)
        tmp = cache + f".{os.getpid()}.tmp.npz"
        np.savez(tmp, **out)
        os.replace(tmp, cache)
    except OSError:
        pass
    return out


def runs_from_tidy(cols: dict, cfg: dict) -> dict:
    """Runs (the ``get_run`` cache keys -> Run) rebuilt from a figure's tidy columns."""
    out = {}
    for alg in np.unique(cols["algorithm"]):
        for N in np.unique(cols["N"][cols["algorithm"] == alg]):
            m = (cols["algorithm"] == alg) & (cols["N"] == N)
            lams, Ks = np.unique(cols["lambda"][m]), np.unique(cols["K"][m])
            seeds, its = np.unique(cols["seed"][m]), np.unique(cols["iteration"][m])
            shape = (len(lams), len(Ks), len(seeds), len(its))
            P, G = np.full(shape, np.nan), np.full(shape, np.nan)
            idx = (np.searchsorted(lams, cols["lambda"][m]), np.searchsorted(Ks, cols["K"][m]),
                   np.searchsorted(seeds, cols["seed"][m]), np.searchsorted(its, cols["iteration"][m]))
            P[idx], G[idx] = cols["poa"][m], cols["nash_gap"][m]
            alg_s, N = str(alg), int(N)
            key_Ks = tuple(int(k) for k in Ks)
            if alg_s in ("pg", "npg"):
                key_Ks = (5,)
            run = Run(alg_s, N, lams, Ks, its, P, G, seeds, _j_star(N, cfg))
            out[_run_key(alg_s, N, tuple(float(x) for x in lams), key_Ks, len(seeds), cfg)] = run
    return out


def preload(profile: str, seed: int, read_dir: str, nn_init: str = "normal") -> list[str]:
    """Put the committed runs of (profile, seed) into the in-process cache, so that the figure
    functions called without ``out_dir`` reuse them and write nothing.  Only the paper profile is
    committed; returns the files read."""
    if profile != "paper" or not read_dir:
        return []
    cfg = dict(profile_config(profile, seed), nn_init=nn_init)
    read = []
    for fig in COMMITTED:
        path = os.path.join(read_dir, committed_name(fig, seed, nn_init))
        if os.path.exists(path):
            for k, run in runs_from_tidy(read_tidy(path), cfg).items():
                _RUNS.setdefault(k, run)
            read.append(path)
        if nn_init != "normal":
            # the tabular curves of a figure do not depend on the network initialization
            base = os.path.join(read_dir, committed_name(fig, seed))
            if os.path.exists(base):
                for k, run in runs_from_tidy(read_tidy(base), cfg).items():
                    if not run.algorithm.startswith("nn"):
                        _RUNS.setdefault(k, run)
    return read


# ------------------------------------------------------------------------------------------------
# curve statistics (numeric definitions of the paper's words)
# ------------------------------------------------------------------------------------------------
def mean_se(x: np.ndarray):
    """Mean and standard error over initializations (axis 0)."""
    n = x.shape[0]
    return x.mean(0), (x.std(0, ddof=1) / np.sqrt(n) if n > 1 else np.zeros(x.shape[1:]))


def conv_iteration(curve: np.ndarray, its: np.ndarray, tol: float) -> int:
    """The first recorded iteration after which the (mean) curve stays within ``tol`` of its final value."""
    off = np.abs(curve - curve[-1]) > tol
    if not off.any():
        return int(its[0])
    last = int(np.nonzero(off)[0].max())
    return int(its[min(last + 1, len(its) - 1)])


def best_grid_point(run: Run, lams=None, Ks=None):
    """(lambda, K) with the best POA (see the module docstring); None if every point diverged."""
    best, best_key = None, None
    for lam in (run.lams if lams is None else lams):
        for K in (run.Ks if Ks is None else Ks):
            if run.diverged(lam, K):
                continue
            p, _ = run.curve(lam, K)
            m = p.mean(0)
            key = (m[-1], m.mean())
            if best is None or key[0] > best_key[0] + TIE or (abs(key[0] - best_key[0]) <= TIE and key[1] > best_key[1]):
                best, best_key = (float(lam), int(K)), key
    return best


@dataclasses.dataclass(repr=False)
class Curve:
    """One drawn curve: label, the run and its grid point; statistics over initializations."""
    label: str
    run: Run
    lam: float
    K: int

    def __repr__(self):
        return f"Curve({self.label!r}, lambda={self.lam:g}, K={self.K})"

    @property
    def poa(self):
        return self.run.curve(self.lam, self.K)[0]

    @property
    def gap(self):
        return self.run.curve(self.lam, self.K)[1]

    def final_poa(self):
        return float(self.poa.mean(0)[-1])

    def final_poa_se(self):
        return float(mean_se(self.poa)[1][-1])

    def final_gap(self):
        return float(self.gap.mean(0)[-1])

    def avg_poa(self):
        """Run-averaged POA: the mean curve averaged over the recorded iterations."""
        return float(self.poa.mean(0).mean())

    def avg_poa_per_init(self):
        return self.poa.mean(1)

    def early_poa(self):
        its = self.run.iterations
        sel = (its > 0) & (its <= EARLY * its[-1])
        return float(self.poa.mean(0)[sel].mean())

    def t_conv_poa(self):
        return conv_iteration(self.poa.mean(0), self.run.iterations, CONV_TOL)

    def t_conv_gap(self):
        return conv_iteration(self.gap.mean(0) / self.run.J_star, self.run.iterations, CONV_TOL)


def tabular_curves(N, cfg, out_dir, n_init, algs=("pg", "npg", "npg-br"), resume=True):
    """Plain and best-lambda curves of the tabular algorithms at N (NPG-BR at its best K)."""
    curves, runs = {}, {}
    for alg in algs:
        if alg == "npg-br":
            sweep = get_run(alg, N, (0.0,), KS, n_init, cfg, out_dir, resume)
            K = best_grid_point(sweep)[1]
            reg = get_run(alg, N, (0.0,) + LAMS, (K,), n_init, cfg, out_dir, resume)
            runs["npg-br-sweep"] = sweep
        else:
            K = 0
            reg = get_run(alg, N, (0.0,) + LAMS, (5,), n_init, cfg, out_dir, resume)
        runs[alg] = reg
        curves[alg] = Curve(alg.upper(), reg, 0.0, K)
        best = best_grid_point(reg, lams=LAMS)
        if best is not None:
            curves[alg + "+lb"] = Curve(f"{alg.upper()} + log barrier (lambda={best[0]:g})", reg, best[0], K)
    return curves, runs


def nn_curves(N, cfg, out_dir, n_init, resume=True):
    curves = {}
    for alg in ("nn-pg", "nn-adam"):
        run = get_run(alg, N, (0.0,) + LAMS, (0,), n_init, cfg, out_dir, resume)
        curves[alg] = Curve(alg.upper(), run, 0.0, 0)
        best = best_grid_point(run, lams=LAMS)
        if best is not None:
            curves[alg + "+lb"] = Curve(f"{alg.upper()} + log barrier (lambda={best[0]:g})", run, best[0], 0)
    return curves


# ------------------------------------------------------------------------------------------------
# statements (the paper's words; each with its numeric definition)
# ------------------------------------------------------------------------------------------------
def _order(vals: dict, names, higher_better=True):
    return all((vals[a] > vals[b]) if higher_better else (vals[a] < vals[b]) for a, b in zip(names, names[1:]))


def st_npg_fastest(by_N: dict) -> dict:
    """Sec. 5.1: 'In terms of both the POA and the Nash-gap, NPG converges fastest, with NPG-BR the second
    and PG the slowest.'"""
    det, held = {}, True
    for N, cv in by_N.items():
        names = ("npg", "npg-br", "pg")
        tp = {a: cv[a].t_conv_poa() for a in names}
        tg = {a: cv[a].t_conv_gap() for a in names}
        ok = _order(tp, names, False) and _order(tg, names, False)
        held &= ok
        det[N] = {"t_conv_poa": tp, "t_conv_nash_gap": tg, "K_npg_br": cv["npg-br"].K, "held": ok}
    return {"statement": "In terms of both the POA and the Nash-gap, NPG converges fastest, with NPG-BR the "
                         "second and PG the slowest.",
            "definition": f"t_conv = first recorded iteration after which the mean curve (plain, no barrier; "
                          f"NPG-BR at its best K) stays within {CONV_TOL} of its final value (Nash-gap divided by "
                          f"J*); held iff t(NPG) < t(NPG-BR) < t(PG) for POA and for Nash-gap at every N",
            "held": bool(held), "details": det}


def st_npg_highest_poa(by_N: dict) -> dict:
    """Sec. 5.1: 'NPG enjoys the overall highest POA, with NPG-BR the second and PG the lowest.'"""
    det, held = {}, True
    for N, cv in by_N.items():
        names = ("npg", "npg-br", "pg")
        avg = {a: cv[a].avg_poa() for a in names}
        fin = {a: cv[a].final_poa() for a in names}
        ok = _order(avg, names)
        held &= ok
        det[N] = {"run_avg_poa": avg, "final_poa": fin, "held": ok}
    return {"statement": "Consistent with the converge rate, NPG enjoys the overall highest POA, with NPG-BR "
                         "the second and PG the lowest.",
            "definition": "run-averaged mean POA (plain curves) ordered NPG > NPG-BR > PG at every N "
                          "(final POA reported alongside)",
            "held": bool(held), "details": det}


def st_k_best(sweeps: dict) -> dict:
    """Sec. 5.1 / App. H.1: 'K = 5 is the best for N = 3, 5 and K = 50 ... is the best for N = 2.'"""
    stated = {2: 50, 3: 5, 5: 5}
    det, held = {}, True
    for N, run in sweeps.items():
        best = best_grid_point(run)[1]
        fin = {int(K): float(run.curve(0.0, K)[0].mean(0)[-1]) for K in run.Ks}
        ok = (best == stated[N]) if N in stated else None
        if ok is not None:
            held &= ok
        det[N] = {"best_K": best, "stated_K": stated.get(N), "final_poa_by_K": fin, "held": ok}
    return {"statement": "We observe that K = 5 is the best for N = 3, 5 and K = 50, the largest value we "
                         "searched, is the best for N = 2.",
            "definition": f"best K = highest mean final POA of NPG-BR without barrier (ties within {TIE} broken "
                          "by the run-averaged POA); held iff it is the stated K at every stated N present",
            "held": bool(held), "details": det}


def _sig_greater(a: np.ndarray, b: np.ndarray) -> tuple[bool, float, float]:
    """mean(a) - mean(b) > 2 standard errors (independent samples of per-initialization values)."""
    diff = float(a.mean() - b.mean())
    se = float(np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))) if min(len(a), len(b)) > 1 else 0.0
    return diff > 2 * se, diff, se


def st_nn_pg_beats_softmax_pg(by_N: dict) -> dict:
    det, held = {}, True
    for N, cv in by_N.items():
        a, b = cv["nn-pg"], cv["pg"]
        sig, diff, se = _sig_greater(a.avg_poa_per_init(), b.avg_poa_per_init())
        faster = a.t_conv_poa() < b.t_conv_poa()
        ok = sig and faster
        held &= ok
        det[N] = {"run_avg_poa_nn_pg": a.avg_poa(), "run_avg_poa_softmax_pg": b.avg_poa(), "diff": diff,
                  "se_diff": se, "t_conv_poa_nn_pg": a.t_conv_poa(), "t_conv_poa_softmax_pg": b.t_conv_poa(),
                  "held": ok}
    return {"statement": "With the NN parameterization, the PG algorithm (\"NN-PG\") significantly outperforms "
                         "its tabular softmax counterpart (\"Softmax-PG\") in terms of both the convergence rate "
                         "and the POA.",
            "definition": "run-averaged POA of NN-PG exceeds Softmax-PG's by more than 2 standard errors of the "
                          f"difference, and NN-PG's t_conv (POA, tol {CONV_TOL}) is smaller, at every N (plain curves)",
            "held": bool(held), "details": det}


def st_nn_pg_early_npg_final(by_N: dict) -> dict:
    det, held = {}, True
    for N, cv in by_N.items():
        early = cv["nn-pg"].early_poa() > cv["npg"].early_poa()
        fin = {k: c.final_poa() for k, c in cv.items()}
        top = fin["npg"] >= max(v for k, v in fin.items() if k != "npg") - TIE
        ok = early and top
        held &= ok
        det[N] = {"early_poa_nn_pg": cv["nn-pg"].early_poa(), "early_poa_softmax_npg": cv["npg"].early_poa(),
                  "final_poa": fin, "held": ok}
    return {"statement": "NN-PG even outperforms Softmax-NPG in terms of POA at the beginning of the training, "
                         "although and eventually the POA of Softmax-NPG is the highest among all.",
            "definition": f"mean POA over the first {int(EARLY * 100)}% of the iterations: NN-PG > Softmax-NPG; and "
                          f"final mean POA of Softmax-NPG (plain) >= every other Figure 2 curve - {TIE}; at every N",
            "held": bool(held), "details": det}


def _delta(cv, alg):
    if alg + "+lb" not in cv:
        return None, None
    return cv[alg + "+lb"].final_poa() - cv[alg].final_poa(), cv[alg + "+lb"].final_gap() - cv[alg].final_gap()


def st_barrier_nn(by_N: dict) -> dict:
    Ns = sorted(by_N)
    big, small = Ns[-1], Ns[0]
    d = {N: {a: _delta(by_N[N], a) for a in ("nn-pg", "nn-adam", "pg", "npg")} for N in Ns}
    nn_improves = all(d[big][a][0] is not None and d[big][a][0] > 0 and d[big][a][1] < 0 for a in ("nn-pg", "nn-adam"))
    nn_max = max(d[big][a][0] for a in ("nn-pg", "nn-adam") if d[big][a][0] is not None)
    tab_max = max(d[big][a][0] for a in ("pg", "npg") if d[big][a][0] is not None)
    larger = nn_max > tab_max
    nn_small = max(d[small][a][0] for a in ("nn-pg", "nn-adam") if d[small][a][0] is not None)
    esp = nn_max >= nn_small
    held = nn_improves and larger and esp
    return {"statement": "Compared with the results under tabular softmax, the log barrier regularization under NN "
                         "has a significantly larger impact: it both improves the POA and reduces the Nash-gap at "
                         "convergence, especially when N is large (e.g., N = 5).",
            "definition": f"Delta = final mean of (best-lambda curve) - (plain curve). Held iff at the largest N ({big}) "
                          "both NN algorithms have Delta POA > 0 and Delta Nash-gap < 0, the largest NN Delta POA "
                          "exceeds the largest tabular (PG, NPG) Delta POA, and the largest NN Delta POA at the "
                          f"largest N is >= that at the smallest N ({small})",
            "held": bool(held),
            "details": {"delta_poa_gap": {N: {a: v for a, v in d[N].items()} for N in Ns},
                        "nn_improves_at_largest_N": nn_improves, "nn_larger_than_tabular": larger,
                        "larger_at_large_N": esp}}


def st_nn_optimizer(by_N: dict) -> dict:
    Ns = sorted(by_N)
    small, big = Ns[0], Ns[-1]
    fs = {k: by_N[small][k].final_poa() for k in ("nn-pg", "nn-pg+lb", "nn-adam", "nn-adam+lb") if k in by_N[small]}
    fb = {k: by_N[big][k].final_poa() for k in ("nn-pg", "nn-pg+lb", "nn-adam", "nn-adam+lb") if k in by_N[big]}
    a = fs.get("nn-pg", -1) >= max(fs.values()) - TIE
    b = "nn-adam+lb" in fb and fb["nn-adam+lb"] >= max(fb.values()) - TIE
    return {"statement": "Among all NN variants, NN-PG is the best in terms of POA when N is small, and the "
                         "regularized NN-Adam is the best when N is large.",
            "definition": f"final mean POA: plain NN-PG is the highest NN curve (within {TIE}) at the smallest N "
                          f"({small}) and regularized NN-Adam the highest at the largest N ({big})",
            "held": bool(a and b), "details": {"final_poa_small_N": fs, "final_poa_large_N": fb,
                                               "nn_pg_best_small": a, "reg_adam_best_large": b}}


def st_adam_below_npg(by_N: dict) -> dict:
    big = sorted(by_N)[-1]
    cv = by_N[big]
    if "nn-adam+lb" not in cv:
        return {"statement": "", "definition": "", "held": False, "details": {"reason": "no regularized NN-Adam"}}
    sig, diff, se = _sig_greater(cv["npg"].poa[:, -1], cv["nn-adam+lb"].poa[:, -1])
    return {"statement": "When N = 5, the POA of the best NN variant, the regularized NN-Adam, is still "
                         "significantly smaller than Softmax-NPG.",
            "definition": f"at the largest N ({big}) final POA of Softmax-NPG exceeds regularized NN-Adam's by more "
                          "than 2 standard errors of the difference",
            "held": bool(sig), "details": {"N": big, "final_poa_softmax_npg": cv["npg"].final_poa(),
                                           "final_poa_reg_nn_adam": cv["nn-adam+lb"].final_poa(),
                                           "diff": diff, "se_diff": se}}


# ------------------------------------------------------------------------------------------------
# plots and figure functions
# ------------------------------------------------------------------------------------------------
COLORS = {"pg": "tab:blue", "npg": "tab:orange", "npg-br": "tab:green", "nn-pg": "tab:red", "nn-adam": "tab:purple"}


def plot_panels(by_N: dict, path: str, title: str, color_of=None, style_of=None):
    """POA (top) and Nash-gap (bottom) per N, mean +- standard error bands."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    Ns = sorted(by_N)
    fig, axes = plt.subplots(2, len(Ns), figsize=(4.2 * len(Ns), 6.4), squeeze=False)
    for j, N in enumerate(Ns):
        for name, cv in by_N[N].items():
            its = cv.run.iterations
            color = (color_of or (lambda n: COLORS[n.replace("+lb", "")]))(name)
            ls = (style_of or (lambda n: "--" if n.endswith("+lb") else "-"))(name)
            for row, y in ((0, cv.poa), (1, cv.gap)):
                m, se = mean_se(y)
                ax = axes[row, j]
                ax.plot(its, m, ls, color=color, label=cv.label, lw=1.4)
                ax.fill_between(its, m - se, m + se, color=color, alpha=0.15)
        axes[0, j].set_title(f"N = {N}")
        axes[0, j].set_ylabel("POA")
        axes[1, j].set_ylabel("Nash-gap")
        axes[1, j].set_xlabel("iteration")
    axes[0, -1].legend(fontsize=6, loc="lower right")
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _write_figure_csv(path, figure, runs):
    with open(path, "w") as f:
        f.write(",".join(CSV_COLUMNS) + "\n")
        for run in runs:
            for r in run.rows(figure):
                f.write(",".join(repr(x) if isinstance(x, float) else str(x) for x in r) + "\n")


def _finish(figure, cfg, out_dir, runs, by_N, statements, title, t0, **plot_kw):
    files = []
    if out_dir:
        os.makedirs(out_dir, exist_ok=True)
        stem = os.path.join(out_dir, "mpg_" + figure.split(":")[1])
        _write_figure_csv(stem + ".csv", figure, runs)
        plot_panels(by_N, stem + ".png", title, **plot_kw)
        files = [stem + ".csv", stem + ".png"]
    sane = all(np.isfinite(c.poa).all() and (c.poa <= 1 + 1e-9).all() and (c.poa > 0).all()
               and (c.gap >= -1e-8).all() for cv in by_N.values() for c in cv.values())
    n_runs = sum(int(np.prod(r.poa.shape[:3])) for r in runs)
    summary = {N: {k: {"final_poa": c.final_poa(), "final_poa_se": c.final_poa_se(), "final_nash_gap": c.final_gap(),
                       "lambda": c.lam, "K": c.K} for k, c in cv.items()} for N, cv in by_N.items()}
    return {"figure": figure, "config": cfg, "files": files, "statements": statements, "sane": bool(sane),
            "n_runs": n_runs, "summary": summary, "seconds": round(time.time() - t0, 1), "by_N": by_N}


def figure_1(profile: str = "quick", out_dir=None, seed: int = 0, resume: bool = True,
             overrides: dict | None = None) -> dict:
    """mpg Figure 1: PG, NPG, NPG-BR (best K), plain and best-lambda log barrier, per N."""
    t0, cfg = time.time(), profile_config(profile, seed, overrides)
    by_N, runs, sweeps = {}, [], {}
    for N in cfg["Ns"]:
        cv, rs = tabular_curves(N, cfg, out_dir, cfg["n_init"], resume=resume)
        by_N[N] = cv
        sweeps[N] = rs.pop("npg-br-sweep")
        runs += list(rs.values())
    st = {"mpg:figure-1/npg-fastest": st_npg_fastest(by_N),
          "mpg:figure-1/npg-highest-poa": st_npg_highest_poa(by_N)}
    res = _finish("mpg:figure-1", cfg, out_dir, runs, by_N, st,
                  "mpg Figure 1 (reproduced): tabular softmax; dashed = best-lambda log barrier", t0)
    res["sweeps"] = sweeps
    return res


def appendix_h1(profile: str = "quick", out_dir=None, seed: int = 0, resume: bool = True,
                overrides: dict | None = None) -> dict:
    """mpg App. H.1: the K sweep of NPG-BR (no barrier)."""
    t0, cfg = time.time(), profile_config(profile, seed, overrides)
    sweeps = {N: get_run("npg-br", N, (0.0,), KS, cfg["n_init"], cfg, out_dir, resume) for N in cfg["Ns"]}
    by_N = {N: {f"K={K}": Curve(f"NPG-BR K={K}", run, 0.0, K) for K in KS} for N, run in sweeps.items()}
    cmap = dict(zip((f"K={K}" for K in KS), ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple")))
    st = {"mpg:appendix-h.1/k-best": st_k_best(sweeps)}
    res = _finish("mpg:appendix-h.1", cfg, out_dir, list(sweeps.values()), by_N, st,
                  "mpg App. H.1 (reproduced): NPG-BR, K sweep, no barrier", t0,
                  color_of=lambda n: cmap[n], style_of=lambda n: "-")
    res["sweeps"] = sweeps
    return res


def figure_4(profile: str = "quick", out_dir=None, seed: int = 0, resume: bool = True,
             overrides: dict | None = None) -> dict:
    """mpg Figure 4: PG under tabular softmax for every lambda of the grid (and lambda = 0)."""
    t0, cfg = time.time(), profile_config(profile, seed, overrides)
    runs = {N: get_run("pg", N, (0.0,) + LAMS, (5,), cfg["n_init"], cfg, out_dir, resume) for N in cfg["Ns"]}
    names = ("lambda=0",) + tuple(f"lambda={lam:g}" for lam in LAMS)
    by_N = {N: {n: Curve(f"PG {n}", run, lam, 0) for n, lam in zip(names, (0.0,) + LAMS)} for N, run in runs.items()}
    cmap = dict(zip(names, ("black", "tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple")))
    best = {N: best_grid_point(run, lams=LAMS) for N, run in runs.items()}
    res = _finish("mpg:figure-4", cfg, out_dir, list(runs.values()), by_N, {},
                  "mpg Figure 4 (reproduced): PG, log-barrier lambda sweep", t0,
                  color_of=lambda n: cmap[n], style_of=lambda n: "-")
    res["best_lambda"] = {N: (b[0] if b else None) for N, b in best.items()}
    res["diverged_lambdas"] = {N: [float(lam) for lam in LAMS if run.diverged(lam, 0)] for N, run in runs.items()}
    return res


def figure_2(profile: str = "quick", out_dir=None, seed: int = 0, resume: bool = True,
             overrides: dict | None = None) -> dict:
    """mpg Figure 2: NN-PG and NN-Adam (plain and best-lambda barrier) beside Softmax-PG and Softmax-NPG."""
    t0, cfg = time.time(), profile_config(profile, seed, overrides)
    by_N, runs = {}, []
    for N in cfg["Ns"]:
        cv, rs = tabular_curves(N, cfg, out_dir, cfg["n_init_nn"], algs=("pg", "npg"), resume=resume)
        cv.update(nn_curves(N, cfg, out_dir, cfg["n_init_nn"], resume=resume))
        for c in cv.values():
            c.label = ("Softmax-" if not c.run.algorithm.startswith("nn") else "") + c.label
        by_N[N] = cv
        runs += list(rs.values()) + [cv["nn-pg"].run, cv["nn-adam"].run]
    st = {"mpg:figure-2/nn-pg-beats-softmax-pg": st_nn_pg_beats_softmax_pg(by_N),
          "mpg:figure-2/nn-pg-early-npg-final": st_nn_pg_early_npg_final(by_N),
          "mpg:figure-2/barrier-larger-under-nn": st_barrier_nn(by_N),
          "mpg:figure-2/nn-optimizer": st_nn_optimizer(by_N),
          "mpg:figure-2/reg-adam-below-npg": st_adam_below_npg(by_N)}
    return _finish("mpg:figure-2", cfg, out_dir, runs, by_N, st,
                   "mpg Figure 2 (reproduced): NN parameterization vs tabular softmax; dashed = best-lambda log barrier",
                   t0)


FIGURES = {"mpg:figure-1": figure_1, "mpg:figure-2": figure_2, "mpg:figure-4": figure_4,
           "mpg:appendix-h.1": appendix_h1}


def statement_table(results) -> str:
    """Markdown table of the statements of one or more figure results."""
    if isinstance(results, dict) and "statements" in results:
        results = [results]
    lines = ["| statement | held | definition |", "| --- | --- | --- |"]
    for r in results:
        for sid, s in r["statements"].items():
            lines.append(f"| `{sid}`: {s['statement']} | {'held' if s['held'] else 'did not hold'} | {s['definition']} |")
    return "\n".join(lines)
