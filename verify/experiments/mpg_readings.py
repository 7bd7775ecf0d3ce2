r"""mpg Sec. 5.1 / 5.2's sentences about Figures 1, 2 and App. H.1, each decided by a stated test over
the initializations (``verify.statistics``) under every reasonable reading of the choices the paper
leaves open (x-axis unit, convergence tolerance, early window, network initialization, "significantly",
"the PG family").

Runs: ``mpg_figures.figure_1`` / ``figure_2`` / ``appendix_h1`` results (``by_N`` curves, ``sweeps``).
The tabular algorithms share their initial parameters (one key per initialization), and so do the
network variants among themselves, so comparisons inside a family are paired over initializations; a
network against a tabular curve is Welch.  The best K and the best lambda are *selected on separate
runs* (another initialization seed) and the statement is tested on the figure's runs; where no
separate runs exist (quick profile) the selection is made on the same runs and said so.

Every function returns readings ``{"name", "source", "clauses", "holds"}`` (``statistics.to_reading``).
"""
from __future__ import annotations

import numpy as np

from .. import statistics as S
from . import mpg_figures as F

TOLS = (0.01, 0.001)            # convergence: the mean curve stays within tol of its final value
UNITS = ("outer iterations", "inner steps", "gradient evaluations")
EARLY = (0.1, 0.05, 0.01)       # "at the beginning of the training": the first 10% / 5% / 1% of the iterations
PRACTICAL = 0.01                # "significantly" read as a visible difference on the POA axis


def unit_factor(alg: str, K: int, N: int, unit: str) -> int:
    """Work per outer iteration in a unit: NPG-BR's outer iteration holds K inner (soft policy
    iteration) steps per agent; one advantage evaluation per agent and step.  PG / NPG: one step,
    one gradient evaluation of the joint parameters per iteration."""
    if alg != "npg-br" or unit == "outer iterations":
        return 1
    return int(K) if unit == "inner steps" else int(N * K)


# ------------------------------------------------------------------------------------------------
# the curves a statement is tested on, with the K / lambda selected on separate runs
# ------------------------------------------------------------------------------------------------
def selection(sel_fig: dict | None, test_fig: dict, fig2: bool = False) -> tuple[dict, str]:
    """{N: {"K": best K, alg: best lambda}} chosen on ``sel_fig`` (separate runs) or, without them,
    on ``test_fig``; and a sentence saying which."""
    src = sel_fig if sel_fig is not None else test_fig
    out = {}
    for N, cv in src["by_N"].items():
        d = {}
        if "npg-br" in cv:
            d["K"] = int(cv["npg-br"].K)
        for alg in ("pg", "npg", "npg-br", "nn-pg", "nn-adam"):
            if alg + "+lb" in cv:
                d[alg] = float(cv[alg + "+lb"].lam)
        out[N] = d
    if sel_fig is not None:
        how = (f"best K / lambda selected on separate runs (initialization seed {sel_fig['config']['seed']}), "
               f"tested on seed {test_fig['config']['seed']}")
    else:
        how = "best K / lambda selected on the same runs (no separate runs at this profile)"
    return out, how


def curves_fig1(fig1: dict, sel: dict) -> dict:
    """Plain PG, NPG and NPG-BR at the selected K (from the test seed's K sweep)."""
    out = {}
    for N, cv in fig1["by_N"].items():
        K = sel.get(N, {}).get("K", cv["npg-br"].K)
        sweep = fig1.get("sweeps", {}).get(N)
        br = F.Curve("NPG-BR", sweep, 0.0, K) if sweep is not None and K in set(int(k) for k in sweep.Ks) else cv["npg-br"]
        out[N] = {"pg": cv["pg"], "npg": cv["npg"], "npg-br": br}
    return out


def curves_fig2(fig2: dict, sel: dict) -> dict:
    """Figure 2's curves with each barrier curve at the selected lambda."""
    out = {}
    for N, cv in fig2["by_N"].items():
        d = {}
        for alg in ("pg", "npg", "nn-pg", "nn-adam"):
            d[alg] = cv[alg]
            lam = sel.get(N, {}).get(alg)
            if lam is not None and not cv[alg].run.diverged(lam, cv[alg].K):
                d[alg + "+lb"] = F.Curve(cv[alg].label + " + log barrier", cv[alg].run, lam, cv[alg].K)
        out[N] = d
    return out


def _tab(a):
    return not a.startswith("nn")


def compare(a_curve, b_curve, a_vals, b_vals):
    """Paired when both curves come from the same family (shared initializations), Welch otherwise."""
    if _tab(a_curve.run.algorithm) == _tab(b_curve.run.algorithm) and len(a_vals) == len(b_vals):
        return S.paired(a_vals, b_vals)
    return S.welch(a_vals, b_vals)


# ------------------------------------------------------------------------------------------------
# Figure 1
# ------------------------------------------------------------------------------------------------
def _t_conv(c, metric, tol, unit, N):
    def t(poa, gap):
        its = c.run.iterations
        y = poa.mean(0) if metric == "POA" else gap.mean(0) / c.run.J_star
        return F.conv_iteration(y, its, tol) * unit_factor(c.run.algorithm, c.K, N, unit)
    return t


def npg_fastest(by_N: dict, order=("npg", "npg-br", "pg")) -> list[dict]:
    """'In terms of both the POA and the Nash-gap, NPG converges fastest, with NPG-BR the second and PG
    the slowest': t_conv(a) - t_conv(b) < 0 for each adjacent pair of the order, POA and Nash-gap, per N;
    bootstrap over initializations (paired), under each x-axis unit and convergence tolerance."""
    out = []
    for unit in UNITS:
        for tol in TOLS:
            cl = []
            for N, cv in sorted(by_N.items()):
                for a, b in zip(order, order[1:]):
                    for metric in ("POA", "Nash-gap"):
                        ta, tb = _t_conv(cv[a], metric, tol, unit, N), _t_conv(cv[b], metric, tol, unit, N)
                        est = S.bootstrap(lambda pa, ga, pb, gb: ta(pa, ga) - tb(pb, gb),
                                          [cv[a].poa, cv[a].gap, cv[b].poa, cv[b].gap], n_boot=300)
                        cl.append(S.clause(f"N{N}/{metric}: t({a}) - t({b}) [{unit}]", est, 0.0, "<"))
            out.append({"name": f"x-axis = {unit}; converged = within {tol:g} of the final value",
                        "source": "mpg Figure 1 plots against 'iteration' without saying what one NPG-BR "
                                  "iteration counts; tolerance not given",
                        "clauses": cl, "holds": unit == "outer iterations" and tol == TOLS[0]})
    return out


def _avg_poa_window(c, n_units, unit, N):
    """Per-initialization POA averaged over the first ``n_units`` units of work (outer iterations of the
    curve's own algorithm converted by ``unit_factor``)."""
    f = unit_factor(c.run.algorithm, c.K, N, unit)
    its = c.run.iterations
    sel = its * f <= n_units
    return c.poa[:, sel].mean(1)


def npg_highest_poa(by_N: dict, order=("npg", "npg-br", "pg")) -> list[dict]:
    """'NPG enjoys the overall highest POA, with NPG-BR the second and PG the lowest': per-initialization
    POA a - b > 0 for adjacent pairs (paired t), per N, under three readings of 'overall POA'."""
    out = []
    for name, kind, holds in (("overall POA = POA averaged over the run (outer iterations)", "avg", True),
                              ("overall POA = final POA", "final", False),
                              ("overall POA = POA averaged over the same number of inner steps (x-axis = inner steps)",
                               "inner", False)):
        cl = []
        for N, cv in sorted(by_N.items()):
            T = int(cv["pg"].run.iterations[-1])
            for a, b in zip(order, order[1:]):
                if kind == "avg":
                    va, vb = cv[a].poa.mean(1), cv[b].poa.mean(1)
                elif kind == "final":
                    va, vb = cv[a].poa[:, -1], cv[b].poa[:, -1]
                else:
                    va, vb = _avg_poa_window(cv[a], T, "inner steps", N), _avg_poa_window(cv[b], T, "inner steps", N)
                cl.append(S.clause(f"N{N}: POA({a}) - POA({b})", compare(cv[a], cv[b], va, vb), 0.0, ">"))
        out.append({"name": name, "source": "'overall highest POA' is not defined in mpg", "clauses": cl,
                    "holds": holds})
    return out


# ------------------------------------------------------------------------------------------------
# App. H.1
# ------------------------------------------------------------------------------------------------
STATED_K = {2: 50, 3: 5, 5: 5}


def _k_vals(sweep, K, kind):
    p = sweep.curve(0.0, K)[0]
    return p[:, -1] if kind == "final" else p.mean(1)


def k_best(sweeps: dict) -> list[dict]:
    """'K = 5 is the best for N = 3, 5 and K = 50 ... is the best for N = 2': per N, the stated K's POA
    minus every other K's (paired: the sweep shares its initializations) > 0."""
    out = []
    for name, kind, holds in (("best = highest final POA", "final", True),
                              ("best = highest run-averaged POA", "avg", False)):
        cl = []
        for N, sw in sorted(sweeps.items()):
            if N not in STATED_K:
                continue
            k0 = STATED_K[N]
            for K in sw.Ks:
                if int(K) == k0:
                    continue
                est = S.paired(_k_vals(sw, k0, kind), _k_vals(sw, int(K), kind))
                cl.append(S.clause(f"N{N}: POA(K={k0}) - POA(K={int(K)})", est, 0.0, ">"))
        out.append({"name": name, "source": "App. H.1: 'the best-performing K in terms of the POA'", "clauses": cl,
                    "holds": holds})
    return out


def twin_k_best(sweeps: dict) -> list[dict]:
    """/corrected: the best K is at least 10 at every N: max over K >= 10 of the mean final POA minus
    max over K < 10 > 0 (bootstrap over initializations)."""
    cl = []
    for N, sw in sorted(sweeps.items()):
        big = [sw.curve(0.0, int(K))[0][:, -1] for K in sw.Ks if K >= 10]
        small = [sw.curve(0.0, int(K))[0][:, -1] for K in sw.Ks if K < 10]
        arr = np.stack(big + small, axis=1)
        nb = len(big)
        est = S.bootstrap(lambda a: a[:, :nb].mean(0).max() - a[:, nb:].mean(0).max(), [arr])
        cl.append(S.clause(f"N{N}: best(K >= 10) - best(K < 10) final POA", est, 0.0, ">"))
    return cl


# ------------------------------------------------------------------------------------------------
# Figure 2
# ------------------------------------------------------------------------------------------------
def nn_pg_beats_softmax_pg(by_N: dict, label: str = "network init N(0, 1) (Sec. 5 read literally)",
                           holds: bool = True) -> dict:
    """'NN-PG significantly outperforms Softmax-PG in terms of both the convergence rate and the POA':
    run-averaged POA (Welch) > 0 and t_conv(NN-PG) - t_conv(Softmax-PG) < 0 (bootstrap), per N."""
    cl = []
    for N, cv in sorted(by_N.items()):
        a, b = cv["nn-pg"], cv["pg"]
        cl.append(S.clause(f"N{N}: run-averaged POA NN-PG - Softmax-PG", S.welch(a.poa.mean(1), b.poa.mean(1)), 0.0, ">"))
        ta, tb = _t_conv(a, "POA", F.CONV_TOL, "outer iterations", N), _t_conv(b, "POA", F.CONV_TOL, "outer iterations", N)
        n = min(a.poa.shape[0], b.poa.shape[0])
        est = S.bootstrap(lambda pa, ga, pb, gb: ta(pa, ga) - tb(pb, gb),
                          [a.poa[:n], a.gap[:n], b.poa[:n], b.gap[:n]], n_boot=300)
        cl.append(S.clause(f"N{N}: t_conv(NN-PG) - t_conv(Softmax-PG)", est, 0.0, "<"))
    return {"name": label, "source": "Sec. 5: parameters 'sampled from the normal distribution of mean 0 and "
            "standard deviation 1'; Table G.2 gives no initialization for the networks", "clauses": cl, "holds": holds}


def _early(c, frac):
    its = c.run.iterations
    sel = (its > 0) & (its <= max(frac * its[-1], its[1] if len(its) > 1 else 1))
    return c.poa[:, sel].mean(1)


def nn_pg_early_npg_final(by_N: dict) -> list[dict]:
    """'NN-PG even outperforms Softmax-NPG in terms of POA at the beginning of the training, ... eventually
    the POA of Softmax-NPG is the highest among all': early POA NN-PG - Softmax-NPG > 0 (Welch) and final
    POA Softmax-NPG - c > 0 for every other curve c of Figure 2, per N."""
    out = []
    for frac in EARLY:
        cl = []
        for N, cv in sorted(by_N.items()):
            cl.append(S.clause(f"N{N}: early POA NN-PG - Softmax-NPG (first {frac:.0%})",
                               S.welch(_early(cv["nn-pg"], frac), _early(cv["npg"], frac)), 0.0, ">"))
            for k, c in cv.items():
                if k == "npg":
                    continue
                cl.append(S.clause(f"N{N}: final POA Softmax-NPG - {k}",
                                   compare(cv["npg"], c, cv["npg"].poa[:, -1], c.poa[:, -1]), 0.0, ">"))
        out.append({"name": f"beginning of the training = the first {frac:.0%} of the iterations",
                    "source": "window not given in mpg", "clauses": cl, "holds": frac == EARLY[0]})
    return out


def _delta(c_lb, c):
    """Per initialization: final POA and final Nash-gap of the barrier curve minus the plain curve (paired)."""
    return c_lb.poa[:, -1] - c.poa[:, -1], c_lb.gap[:, -1] - c.gap[:, -1]


def barrier_larger_under_nn(by_N: dict) -> list[dict]:
    """'the log barrier regularization under NN has a significantly larger impact: it both improves the POA
    and reduces the Nash-gap at convergence, especially when N is large (e.g., N = 5)'."""
    Ns = sorted(by_N)
    big, small = Ns[-1], Ns[0]
    out = []
    for name, margin, holds in (("significantly = statistically, 95% intervals", 0.0, True),
                                (f"significantly = practically: by more than {PRACTICAL} POA", PRACTICAL, False)):
        cl = []
        cv = by_N[big]
        nn = [a for a in ("nn-pg", "nn-adam") if a + "+lb" in cv]
        tab = [a for a in ("pg", "npg") if a + "+lb" in cv]
        for a in nn:
            dp, dg = _delta(cv[a + "+lb"], cv[a])
            cl.append(S.clause(f"N{big}: {a} barrier gain in final POA", S.t_interval(dp), margin, ">"))
            cl.append(S.clause(f"N{big}: {a} barrier change of final Nash-gap", S.t_interval(dg), 0.0, "<"))
        if nn and tab:
            arr_nn = np.stack([_delta(cv[a + "+lb"], cv[a])[0] for a in nn], 1)
            arr_tab = np.stack([_delta(cv[a + "+lb"], cv[a])[0] for a in tab], 1)
            n = min(len(arr_nn), len(arr_tab))
            est = S.bootstrap(lambda x, y: x.mean(0).max() - y.mean(0).max(), [arr_nn[:n], arr_tab[:n]])
            cl.append(S.clause(f"N{big}: largest NN gain - largest tabular gain", est, margin, ">"))
        sv = by_N[small]
        nn_s = [a for a in ("nn-pg", "nn-adam") if a + "+lb" in sv]
        if nn and nn_s and big != small:
            x = np.stack([_delta(cv[a + "+lb"], cv[a])[0] for a in nn], 1)
            y = np.stack([_delta(sv[a + "+lb"], sv[a])[0] for a in nn_s], 1)
            n = min(len(x), len(y))
            est = S.bootstrap(lambda x, y: x.mean(0).max() - y.mean(0).max(), [x[:n], y[:n]])
            cl.append(S.clause(f"largest NN gain N{big} - N{small}", est, 0.0, ">"))
        out.append({"name": name, "source": "'significantly' not defined in mpg", "clauses": cl, "holds": holds})
    return out


NN_VARIANTS = ("nn-pg", "nn-pg+lb", "nn-adam", "nn-adam+lb")


def _best_clauses(cv, N, best, others, tag=""):
    cl = []
    for o in others:
        if o in cv and o != best:
            cl.append(S.clause(f"N{N}: final POA {best} - {o}{tag}",
                               S.paired(cv[best].poa[:, -1], cv[o].poa[:, -1]), 0.0, ">"))
    return cl


def nn_optimizer(by_N: dict, sel_by_N: dict | None = None) -> list[dict]:
    """'Among all NN variants, NN-PG is the best in terms of POA when N is small, and the regularized
    NN-Adam is the best when N is large': final POA of the named variant minus each other NN variant > 0
    (paired: the variants share the network initialization)."""
    Ns = sorted(by_N)
    out = []
    for k, (name, family, smalls, holds) in enumerate((
            (f"NN-PG = plain NN-PG; small N = {Ns[0]}, large N = {Ns[-1]}", False, Ns[:1], True),
            (f"NN-PG = the PG family (plain or regularized, the better on the selection runs); small N = {Ns[0]}",
             True, Ns[:1], False),
            (f"NN-PG = plain NN-PG; small N = every N below {Ns[-1]}", False, Ns[:-1], False))):
        if k == 2 and len(Ns[:-1]) <= 1:
            continue  # the same reading as the first when only one N lies below the largest
        cl = []
        for N in smalls:
            cv = by_N[N]
            best = "nn-pg"
            if family and "nn-pg+lb" in cv:
                ref = (sel_by_N or by_N).get(N, cv)
                if "nn-pg+lb" in ref and ref["nn-pg+lb"].poa[:, -1].mean() > ref["nn-pg"].poa[:, -1].mean():
                    best = "nn-pg+lb"
            others = [o for o in NN_VARIANTS if not (family and o.startswith("nn-pg"))]
            cl += _best_clauses(cv, N, best, others)
        big = Ns[-1]
        if "nn-adam+lb" in by_N[big]:
            cl += _best_clauses(by_N[big], big, "nn-adam+lb", NN_VARIANTS)
        out.append({"name": name, "source": "'small' / 'large' N and 'NN-PG' (with or without barrier) not fixed "
                    "in mpg", "clauses": cl, "holds": holds})
    return out


def twin_nn_optimizer(by_N: dict) -> list[dict]:
    """/corrected: the regularized NN-PG has the highest final POA among the NN variants at every N."""
    cl = []
    for N, cv in sorted(by_N.items()):
        if "nn-pg+lb" in cv:
            cl += _best_clauses(cv, N, "nn-pg+lb", NN_VARIANTS)
    return cl


def reg_adam_below_npg(by_N: dict) -> list[dict]:
    """'When N = 5, the POA of the best NN variant, the regularized NN-Adam, is still significantly
    smaller than Softmax-NPG': final POA Softmax-NPG - regularized NN-Adam > 0 (Welch: the network and
    the tabular initializations differ)."""
    big = sorted(by_N)[-1]
    cv = by_N[big]
    if "nn-adam+lb" not in cv:
        return []
    a, b = cv["npg"].poa[:, -1], cv["nn-adam+lb"].poa[:, -1]
    out = []
    for name, level, margin, holds in (("significantly = Welch t, two-sided 95%", 0.95, 0.0, True),
                                       ("significantly = Welch t, one-sided 5% (two-sided 90% interval)", 0.90, 0.0, False),
                                       (f"significantly = practically: by more than {PRACTICAL} POA (95%)", 0.95,
                                        PRACTICAL, False)):
        est = S.welch(a, b, level)
        out.append({"name": name, "source": "'significantly' not defined in mpg",
                    "clauses": [S.clause(f"N{big}: final POA Softmax-NPG - regularized NN-Adam", est, margin, ">",
                                         level=level)], "holds": holds})
    return out


# ------------------------------------------------------------------------------------------------
# the other /corrected twins (formed on seed 0; checked on fresh runs before they are called verified)
# ------------------------------------------------------------------------------------------------
def twin_fastest(by_N: dict) -> list[dict]:
    """NPG-BR (at its best K) converges fastest in POA and Nash-gap, NPG no slower than PG (outer iterations)."""
    cl = []
    for N, cv in sorted(by_N.items()):
        for metric in ("POA", "Nash-gap"):
            for a, b, rel in (("npg-br", "npg", "<"), ("npg", "pg", "<=")):
                ta = _t_conv(cv[a], metric, F.CONV_TOL, "outer iterations", N)
                tb = _t_conv(cv[b], metric, F.CONV_TOL, "outer iterations", N)
                est = S.bootstrap(lambda pa, ga, pb, gb: ta(pa, ga) - tb(pb, gb),
                                  [cv[a].poa, cv[a].gap, cv[b].poa, cv[b].gap], n_boot=300)
                cl.append(S.clause(f"N{N}/{metric}: t({a}) - t({b})", est, 0.0, rel))
    return cl


def twin_highest(by_N: dict) -> list[dict]:
    """NPG-BR (best K) has the highest run-averaged POA, then NPG, then PG."""
    return [c for c in npg_highest_poa(by_N, ("npg-br", "npg", "pg"))[0]["clauses"]]


def twin_nn_vs_pg(by_N: dict) -> list[dict]:
    """Softmax-PG's run-averaged POA is at least NN-PG's at every N."""
    return [S.clause(f"N{N}: run-averaged POA Softmax-PG - NN-PG",
                     S.welch(cv["pg"].poa.mean(1), cv["nn-pg"].poa.mean(1)), 0.0, ">=") for N, cv in sorted(by_N.items())]


def twin_npg_top(by_N: dict) -> list[dict]:
    """Softmax-NPG's POA is at least NN-PG's early (first 10%) and the highest final POA of Figure 2."""
    cl = []
    for N, cv in sorted(by_N.items()):
        cl.append(S.clause(f"N{N}: early POA Softmax-NPG - NN-PG", S.welch(_early(cv["npg"], EARLY[0]),
                                                                         _early(cv["nn-pg"], EARLY[0])), 0.0, ">="))
        for k, c in cv.items():
            if k != "npg":
                cl.append(S.clause(f"N{N}: final POA Softmax-NPG - {k}",
                                   compare(cv["npg"], c, cv["npg"].poa[:, -1], c.poa[:, -1]), 0.0, ">="))
    return cl


def twin_adam_npg(by_N: dict) -> list[dict]:
    """At the largest N the final POA of regularized NN-Adam is below Softmax-NPG's."""
    big = sorted(by_N)[-1]
    cv = by_N[big]
    if "nn-adam+lb" not in cv:
        return []
    return [S.clause(f"N{big}: final POA Softmax-NPG - regularized NN-Adam",
                     S.welch(cv["npg"].poa[:, -1], cv["nn-adam+lb"].poa[:, -1]), 0.0, ">")]
