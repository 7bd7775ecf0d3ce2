r"""bnac Sec. 7.3's sentences about Figure 3, each decided by a stated test over the 50 seeds
(``verify.statistics``) under every reasonable reading of the choices the paper leaves open.

A run is ``bnac_figures.collect``'s dict: per (N, DAG) the per-seed arrays ``poa`` (seeds, T + 1),
``nash_gap`` and ``min_dpar`` (seeds, R).  The three DAGs of one N use the same seeds (seed s draws
the initial parameters of every DAG), so comparisons between DAGs are paired over seeds; comparisons
between N are not (Welch).

Every function returns a list of readings ``{"name", "source", "clauses", "holds", "notes"}``; a
reading's verdict is the conjunction of its clauses (one per N, per DAG pair, per part of the
sentence) and the statement's verdict follows ``registry.from_readings``.
"""
from __future__ import annotations

import numpy as np

from .. import statistics as S

CONSISTENTLY = 0.9          # fraction of iterations (after the first 10%) for "consistently"
CLOSE = 0.01                # "close to zero": final Nash gap <= 1% of J*
DECREASE = 0.05             # "decreases": final Nash gap <= 5% of the initial one
NOT_OPTIMAL = 0.99          # "does not reach POA 1": final POA <= 0.99
NEAR_ONE = 1e-3             # "stays below 1": more than 1e-3 below
AT_OPTIMUM = 0.999          # a seed "reaches the optimum": final POA > 0.999
VANISH = 1e-2               # "visitation converges to zero": min d(T) / min d(0) < 1e-2
SIMILAR = (0.01, 0.02)      # "similar": |final POA difference| <= margin


def _fin(res, N, dag):
    return res[(N, dag)]["poa"][:, -1]


def _others(N):
    return ("uncorrelated",) if N == 2 else ("line", "uncorrelated")


def _J_star(N):
    from .bnac_figures import _J_star
    return _J_star(N)


# ------------------------------------------------------------------------------------------------
def nash_gap_to_zero(res, Ns) -> list[dict]:
    """'the Nash-gap indeed decreases and converges close to zero': per (N, DAG), the final mean Nash gap
    against J* (or against its initial value) and against its initial value, bootstrap over seeds."""
    out = []
    for name, scale, src in (
            (f"close to zero = final mean Nash gap <= {CLOSE:.0%} of J* = max V(mu)", "J*",
             "harness choice: the POA panel's scale"),
            (f"close to zero = final mean Nash gap <= {CLOSE:.0%} of its initial mean value", "initial",
             "harness choice: relative to where the curve starts")):
        cl = []
        for N in Ns:
            for dag in ("uncorrelated", "line", "full"):
                g = res[(N, dag)]["nash_gap"]
                g0, gT = g[:, 0], g[:, -1]
                ref = _J_star(N)
                if scale == "J*":
                    est = S.bootstrap(lambda a: np.mean(a) / ref, [gT])
                else:
                    est = S.bootstrap(lambda a, b: np.mean(a) / np.mean(b), [gT, g0])
                cl.append(S.clause(f"N{N}/{dag}: close to zero", est, CLOSE, "<"))
                dec = S.bootstrap(lambda a, b: np.mean(a) / np.mean(b), [gT, g0])
                cl.append(S.clause(f"N{N}/{dag}: decreases (final / initial mean gap)", dec, DECREASE, "<"))
        out.append({"name": name, "source": src, "clauses": cl, "holds": scale == "J*"})
    return out


def _frac_ge(f, o, start):
    return float(np.mean(f.mean(0)[start:] >= o.mean(0)[start:]))


def _frac_not_worse(f, o, start):
    d = f[:, start:] - o[:, start:]
    se = d.std(0, ddof=1) / np.sqrt(d.shape[0])
    return float(np.mean(d.mean(0) >= -2 * se))


def full_outperforms(res, Ns) -> list[dict]:
    """'Fully-correlated consistently outperforms Line-correlated and Uncorrelated' (POA), paired over seeds."""
    specs = [
        ("consistently = Full's mean POA >= the other's at >= 90% of the iterations after the first 10%",
         "harness choice (the previous default)", "frac", True),
        ("consistently = Full not below the other by more than 2 s.e. at >= 90% of the iterations after the first 10%",
         "harness choice: 'outperforms' read through the plotted error bands", "band", False),
        ("consistently = across N: Full's final POA above the other's at every N", "harness choice: "
         "'consistently' over the panels N = 2, 3, 5", "final", False),
        ("outperforms = higher run-averaged POA (area under the curve) at every N", "harness choice", "auc", False),
    ]
    out = []
    for name, src, kind, holds in specs:
        cl = []
        for N in Ns:
            f = res[(N, "full")]["poa"]
            start = f.shape[1] // 10
            for other in _others(N):
                o = res[(N, other)]["poa"]
                lab = f"N{N}/full>{other}"
                if kind == "frac":
                    est = S.bootstrap(lambda a, b: _frac_ge(a, b, start), [f, o])
                    cl.append(S.clause(lab, est, CONSISTENTLY, ">="))
                elif kind == "band":
                    est = S.bootstrap(lambda a, b: _frac_not_worse(a, b, start), [f, o])
                    cl.append(S.clause(lab, est, CONSISTENTLY, ">="))
                elif kind == "final":
                    cl.append(S.clause(lab, S.paired(f[:, -1], o[:, -1]), 0.0, ">"))
                else:
                    cl.append(S.clause(lab, S.paired(f.mean(1), o.mean(1)), 0.0, ">"))
        out.append({"name": name, "source": src, "clauses": cl, "holds": holds})
    return out


def full_not_optimal(res, Ns) -> list[dict]:
    """'[Fully-correlated] does not converge to an optimal policy with POA of 1'."""
    out = []
    for name, src, kind, holds in (
            (f"final mean POA <= {NOT_OPTIMAL}", "harness choice (the previous default)", "mean99", False),
            (f"final mean POA more than {NEAR_ONE:g} below 1", "harness choice: the plotted mean curve does not "
             "reach 1 (the reading of record: Figure 3 plots means)", "mean1", True),
            (f"a typical seed stops short of the optimum: more than half the seeds end with POA <= {AT_OPTIMUM}",
             "harness choice: 'converge' read per run", "seeds", False)):
        cl = []
        for N in Ns:
            p = _fin(res, N, "full")
            if kind == "mean99":
                cl.append(S.clause(f"N{N}: final POA", S.t_interval(p), NOT_OPTIMAL, "<="))
            elif kind == "mean1":
                cl.append(S.clause(f"N{N}: final POA", S.t_interval(p), 1 - NEAR_ONE, "<"))
            else:
                k = int(np.sum(p <= AT_OPTIMUM))
                cl.append(S.clause(f"N{N}: fraction of seeds at POA <= {AT_OPTIMUM}", S.proportion(k, len(p)), 0.5, ">"))
        out.append({"name": name, "source": src, "clauses": cl, "holds": holds})
    return out


def _ratio(md, a=0, b=-1):
    return md[:, b] / md[:, a]


def _causal(res, N) -> list[dict]:
    """'because Assumption 5.6 is violated': over Full's seeds at N, the statement implies that the more
    the visitation min d(s, a^{P^i}) vanishes, the further the run stops from POA 1: the rank correlation
    of log(min d(T) / min d(0)) with the final POA must be positive (Spearman, Fisher-z interval); and,
    where both groups have >= 3 seeds, the seeds where min d stays above VANISH x its start must end
    higher than those where it vanishes (Welch).  Observational (no intervention)."""
    md = res[(N, "full")]["min_dpar"]
    p = _fin(res, N, "full")
    r = _ratio(md)
    out = [S.clause(f"N{N}: because (rank correlation of log min-d drop with final POA)",
                    S.spearman(np.log(r), p), 0.0, ">")]
    v = r < VANISH
    lab = f"N{N}: because (final POA, seeds where min d stays >= {VANISH:g} x start minus seeds where it vanishes)"
    if v.sum() < 3 or (~v).sum() < 3:
        out.append({"clause": lab, "verdict": "not-checked", "test": "untested: fewer than 3 seeds in a group",
                    "level": S.LEVEL, "effect": None, "interval": [None, None], "asserts": "effect > 0",
                    "groups": {"violated": int(v.sum()), "not": int((~v).sum())}})
    else:
        out.append(S.clause(lab, S.welch(p[~v], p[v]), 0.0, ">", groups={"violated": int(v.sum()), "not": int((~v).sum())}))
    return out


def assumption_violated(res, Ns, res_eta=None) -> list[dict]:
    """'because Assumption 5.6 is violated, i.e., some (s, a^{P^i}) has visitation probability
    converges to zero': the drop of min d(s, a^{P^i}) of Fully-correlated (median over seeds,
    bootstrap), and the causal clause tested across seeds (``_causal``)."""
    out = []
    readings = [(f"converges to zero = median of min d(T) / min d(0) < {VANISH:g} (eta = 1)",
                 "harness choice (the previous default)", res, "drop", True),
                ("converges to zero = still falling at the end: median of min d(T) / min d(T/2) < 1 (eta = 1)",
                 "harness choice: a trend, not a level", res, "trend", False)]
    if res_eta is not None:
        readings.append((f"as the first, with step size eta = 0.5 (the paper prints no step)",
                         "step size not printed in bnac", res_eta, "drop", False))
    for name, src, r, kind, holds in readings:
        cl = []
        for N in Ns:
            md = r[(N, "full")]["min_dpar"]
            if kind == "drop":
                est = S.bootstrap(lambda a: np.median(_ratio(a)), [md])
                cl.append(S.clause(f"N{N}: median min d(T)/min d(0)", est, VANISH, "<"))
            else:
                h = md.shape[1] // 2
                est = S.bootstrap(lambda a: np.median(_ratio(a, h)), [md])
                cl.append(S.clause(f"N{N}: median min d(T)/min d(T/2)", est, 1.0, "<"))
            cl += _causal(r, N)
        out.append({"name": name, "source": src, "clauses": cl, "holds": holds})
    return out


def conv_time(poa_mean: np.ndarray, kind: str) -> int:
    """Convergence time of a mean POA curve: ``rise95`` / ``rise99``: first t with
    POA(t) >= POA_0 + 0.95 (0.99) (POA_T - POA_0); ``abs01``: first t after which |POA(t) - POA_T| <= 0.01."""
    if kind.startswith("rise"):
        frac = {"rise95": 0.95, "rise99": 0.99}[kind]
        p0, pT = poa_mean[0], poa_mean[-1]
        return int(np.argmax(poa_mean >= p0 + frac * (pT - p0)))
    off = np.abs(poa_mean - poa_mean[-1]) > 0.01
    return 0 if not off.any() else int(np.nonzero(off)[0].max() + 1)


def full_slowest(res, Ns) -> list[dict]:
    """'the convergence rate of Fully-correlated is the slowest': the convergence time of Full's mean
    curve minus the other DAG's (paired bootstrap over seeds) > 0, under three convergence criteria."""
    out = []
    for kind, name, holds in (("rise95", "converged = 95% of the rise from POA_0 to POA_T", True),
                              ("rise99", "converged = 99% of the rise from POA_0 to POA_T", False),
                              ("abs01", "converged = within 0.01 of the final POA from then on", False)):
        cl = []
        for N in Ns:
            if N == 2:
                others = ("uncorrelated",)
            else:
                others = ("line", "uncorrelated")
            f = res[(N, "full")]["poa"]
            for other in others:
                o = res[(N, other)]["poa"]
                est = S.bootstrap(lambda a, b: conv_time(a.mean(0), kind) - conv_time(b.mean(0), kind), [f, o],
                                  n_boot=500)
                cl.append(S.clause(f"N{N}: t(full) - t({other})", est, 0.0, ">"))
        out.append({"name": name, "source": "convergence criterion not given in bnac", "clauses": cl, "holds": holds})
    return out


def line_similar(res, Ns) -> list[dict]:
    """'Line-correlated has a similar performance to Fully-correlated in scenarios with N = 2, 5 agents,
    but it has poor performance in the scenario with 3 agents' (final POA, paired over seeds)."""
    from .core import dag_parents
    out = []
    specs = [(f"similar = |final POA difference| <= {m}; poor = more than {m} below Full and closer to "
              "Uncorrelated than to Full", "harness choice", m, m == SIMILAR[0]) for m in SIMILAR]
    specs.append(("relative: Full - Line at N = 3 exceeds Full - Line at N = 2 and at N = 5", "harness choice: "
                  "'poor' compared with the other panels", None, False))
    for name, src, m, holds in specs:
        cl = []
        for N in Ns:
            f, l, u = _fin(res, N, "full"), _fin(res, N, "line"), _fin(res, N, "uncorrelated")
            if m is None:
                continue
            if N == 2:
                same = dag_parents("line", 2) == dag_parents("full", 2)
                d = float(np.max(np.abs(l - f)))
                cl.append(S.exact_clause("N2: similar (Line = Full, the same DAG)", d, same and d <= m,
                                         f"|Line - Full| <= {m}"))
            elif N == 5:
                est = S.paired(l, f)
                cl.append(S.clause(f"N5: similar", est, m, "<=", verdict=S.decide_within(est, m)))
            elif N == 3:
                cl.append(S.clause("N3: poor (Full - Line)", S.paired(f, l), m, ">"))
                cl.append(S.clause("N3: closer to Uncorrelated (2 Line - Unc - Full)", S.paired(2 * l - u, f), 0.0, "<"))
        if m is None and 3 in Ns:
            g3 = _fin(res, 3, "full") - _fin(res, 3, "line")
            for N in (2, 5):
                if N in Ns:
                    gN = _fin(res, N, "full") - _fin(res, N, "line")
                    cl.append(S.clause(f"gap(N3) - gap(N{N})", S.welch(g3, gN), 0.0, ">"))
        out.append({"name": name, "source": src, "clauses": cl, "holds": holds})
    return out


def coincide(res, Ns) -> list[dict]:
    """Caption: 'with N = 2 agents, Line-correlated and Fully-correlated are the same and thus have
    overlapping curves' (a fact of the DAGs: no noise)."""
    from .core import dag_parents
    if 2 not in Ns:
        return []
    same = dag_parents("line", 2) == dag_parents("full", 2)
    d = float(np.nanmax(np.abs(res[(2, "line")]["poa"] - res[(2, "full")]["poa"])))
    return [{"name": "the same DAG and identical POA curves (max difference <= 1e-12)", "source": "caption",
             "clauses": [S.exact_clause("N2: Line = Full", d, same and d <= 1e-12, "max |POA difference| <= 1e-12")],
             "holds": True}]


STATEMENTS = {
    "nash-gap-to-zero": nash_gap_to_zero,
    "full-outperforms": full_outperforms,
    "full-not-optimal": full_not_optimal,
    "assumption-5.6-violated": assumption_violated,
    "full-slowest": full_slowest,
    "line-similar-n2-n5-poor-n3": line_similar,
    "n2-line-full-coincide": coincide,
}


# ------------------------------------------------------------------------------------------------
# the /corrected twins (formed on seeds 0-49; checked on fresh seeds before they are called verified)
# ------------------------------------------------------------------------------------------------
def twin_gap_median(res, Ns) -> list[dict]:
    cl = []
    for N in Ns:
        for dag in ("uncorrelated", "line", "full"):
            g = res[(N, dag)]["nash_gap"]
            ref = _J_star(N)
            est = S.bootstrap(lambda a: np.median(a) / ref, [g[:, -1]])
            cl.append(S.clause(f"N{N}/{dag}: median gap / J*", est, CLOSE, "<="))
            est = S.bootstrap(lambda a, b: np.median(a) / np.median(b), [g[:, -1], g[:, 0]])
            cl.append(S.clause(f"N{N}/{dag}: median gap(T) / median gap(0)", est, DECREASE, "<="))
    return cl


def twin_line(res, Ns) -> list[dict]:
    cl = []
    for N in Ns:
        f, l, u = _fin(res, N, "full"), _fin(res, N, "line"), _fin(res, N, "uncorrelated")
        if N == 2:
            d = float(np.max(np.abs(l - f)))
            cl.append(S.exact_clause("N2: Line = Full", d, d <= 1e-12, "|Line - Full| <= 1e-12"))
            continue
        cl.append(S.clause(f"N{N}: Line - Unc", S.paired(l, u), 0.0, ">"))
        cl.append(S.clause(f"N{N}: Full - Line", S.paired(f, l), 0.01, ">"))
        cl.append(S.clause(f"N{N}: (Full - Line) - (Line - Unc)", S.paired(f + u, 2 * l), 0.0, "<"))
    return cl


def twin_not_optimal(res, Ns) -> list[dict]:
    cl = []
    for N in Ns:
        p = _fin(res, N, "full")
        if N >= 3:
            cl.append(S.clause(f"N{N}: final POA", S.t_interval(p), NOT_OPTIMAL, "<="))
        else:
            cl.append(S.clause(f"N{N}: final POA", S.t_interval(p), 1 - NEAR_ONE, "<"))
            k = int(np.sum(p > AT_OPTIMUM))
            cl.append(S.clause(f"N{N}: fraction of seeds above {AT_OPTIMUM}", S.proportion(k, len(p)), 0.5, ">"))
    return cl


def twin_final(res, Ns) -> list[dict]:
    cl = []
    for N in Ns:
        f = _fin(res, N, "full")
        for other in _others(N):
            cl.append(S.clause(f"N{N}: Full - {other} (final POA)", S.paired(f, _fin(res, N, other)), 0.0, ">="))
    return cl


TWINS = {
    "nash-gap-to-zero/median": twin_gap_median,
    "line-similar-n2-n5-poor-n3/corrected": twin_line,
    "full-not-optimal/corrected": twin_not_optimal,
    "full-outperforms/final": twin_final,
}
