"""mpg figure claims: Figure 1, Figure 2, Figure 4 and App. H.1 reproduced (``verify.experiments.mpg_figures``)
and the statements Sec. 5.1 / 5.2 make about them, each decided by a stated test over the initializations
under every reading of the choices the paper leaves open (``verify.experiments.mpg_readings``,
``verify.statistics``).  Runs are cached in the process; the paper profile reads the committed runs
(results/figures/*.csv.gz) and writes nothing.  ``--instance '{"profile": "paper", "seed": 0}'`` re-checks at
another profile/seed.

The best K / lambda is selected on separate runs (initialization seed 1, committed) and every statement is
replicated there; a ``/corrected`` twin (formed on seed 0) is verified only if it also holds on seed 1."""
from __future__ import annotations

from ..checking import reproduce_cmd
from ..experiments import mpg_figures as F
from ..experiments.registry import RESULTS_DIR
from ..registry import Context, Result, claim

_CACHE: dict = {}

#: the separate runs: the best K / lambda is selected on them, the statements are replicated and the
#: /corrected twins checked on them (committed paper-profile runs, initialization seed 1)
FRESH_SEED = 1
#: the committed files each figure needs
_NEEDS = {"mpg:figure-1": ("figure-1", "appendix-h.1"), "mpg:appendix-h.1": ("appendix-h.1",),
          "mpg:figure-2": ("figure-2",), "mpg:figure-4": ("figure-1",)}


def _where(ctx: Context):
    inst = ctx.instance or {}
    return str(inst.get("profile", ctx.profile)), int(inst.get("seed", ctx.seed))


def _committed(fid: str, seed: int, nn_init: str = "normal") -> bool:
    import os
    return all(os.path.exists(os.path.join(RESULTS_DIR, F.committed_name(f, seed, nn_init))) for f in _NEEDS[fid])


def figure_result(fid: str, ctx: Context, seed: int | None = None, nn_init: str = "normal",
                  committed_only: bool = False) -> dict | None:
    """A figure at the context's profile, cached in the process.  Paper profile: read from the committed
    runs (results/figures/*.csv.gz, ``mpg_figures.preload``); nothing is ever written.  ``seed`` selects
    another initialization seed, ``nn_init`` the network initialization; ``committed_only``: None unless
    those runs are committed (the separate-seed and alternative-initialization readings never compute)."""
    profile, seed0 = _where(ctx)
    seed = seed0 if seed is None else int(seed)
    key = (fid, profile, seed, nn_init)
    if key not in _CACHE:
        if committed_only and not (profile == "paper" and _committed(fid, seed, nn_init)):
            return None
        F.preload(profile, seed, RESULTS_DIR, nn_init)
        over = None if nn_init == "normal" else {"nn_init": nn_init}
        _CACHE[key] = F.FIGURES[fid](profile, None, seed=seed, overrides=over)
    return _CACHE[key]


def _evidence(r: dict, extra=None) -> dict:
    ev = {"profile": r["config"]["profile"], "config": {k: v for k, v in r["config"].items()},
          "summary": r["summary"], "seconds": r["seconds"]}
    ev.update(extra or {})
    return ev


def _reproduced(fid: str):
    def check(ctx: Context) -> Result:
        r = figure_result(fid, ctx)
        profile, seed = _where(ctx)
        if not r["sane"]:
            return Result("refuted", r["n_runs"], counterexample={"profile": profile, "seed": seed},
                          reproduce=reproduce_cmd(fid, {"profile": profile, "seed": seed}),
                          notes="a drawn curve is non-finite or outside POA in (0, 1], Nash-gap >= 0",
                          evidence=_evidence(r))
        extra = {k: r[k] for k in ("best_lambda", "diverged_lambdas") if k in r}
        return Result("verified", r["n_runs"], notes=f"{r['n_runs']} runs (grid points x initializations) at "
                      f"profile {profile}; every drawn curve finite, POA in (0, 1], Nash-gap >= 0",
                      evidence=_evidence(r, extra))
    return check


def _pair(fid: str, ctx: Context, nn_init: str = "normal"):
    """(test runs, separate runs or None): the figure at the context's seed and at FRESH_SEED."""
    r = figure_result(fid, ctx, nn_init=nn_init)
    seed = _where(ctx)[1]
    other = figure_result(fid, ctx, seed=FRESH_SEED if seed != FRESH_SEED else 0, nn_init=nn_init,
                          committed_only=True)
    return r, other


def _curves(fid, test, sel):
    from ..experiments import mpg_readings as M
    chosen, how = M.selection(sel, test)
    if fid == "mpg:figure-1":
        return M.curves_fig1(test, chosen), how
    if fid == "mpg:figure-2":
        return M.curves_fig2(test, chosen), how
    return test["sweeps"], how


def _specs(sid: str, ctx: Context, test, sel, fid):
    """The readings of a statement on ``test`` with the selection made on ``sel``."""
    from ..experiments import mpg_readings as M
    cv, how = _curves(fid, test, sel)
    if sid == "mpg:figure-1/npg-fastest":
        return M.npg_fastest(cv), how
    if sid == "mpg:figure-1/npg-highest-poa":
        return M.npg_highest_poa(cv), how
    if sid == "mpg:appendix-h.1/k-best":
        return M.k_best(cv), how
    if sid == "mpg:figure-2/nn-pg-beats-softmax-pg":
        specs = [M.nn_pg_beats_softmax_pg(cv)]
        if test["config"]["nn_init"] == "normal":
            t2 = figure_result(fid, ctx, seed=test["config"]["seed"], nn_init="torch", committed_only=True)
            if t2 is not None:
                s2 = figure_result(fid, ctx, seed=sel["config"]["seed"], nn_init="torch", committed_only=True) if sel else None
                cv2, _ = _curves(fid, t2, s2)
                specs.append(M.nn_pg_beats_softmax_pg(cv2, "network init PyTorch default (U(+-1/sqrt(fan_in)))", False))
        return specs, how
    if sid == "mpg:figure-2/nn-pg-early-npg-final":
        return M.nn_pg_early_npg_final(cv), how
    if sid == "mpg:figure-2/barrier-larger-under-nn":
        return M.barrier_larger_under_nn(cv), how
    if sid == "mpg:figure-2/nn-optimizer":
        sel_cv = _curves(fid, sel, test)[0] if sel else None
        return M.nn_optimizer(cv, sel_cv), how
    if sid == "mpg:figure-2/reg-adam-below-npg":
        return M.reg_adam_below_npg(cv), how
    raise KeyError(sid)


def _statement(fid: str, sid: str):
    def check(ctx: Context) -> Result:
        from .. import statistics as S
        r, other = _pair(fid, ctx)
        profile, seed = _where(ctx)
        inst = {"profile": profile, "seed": seed}
        specs, how = _specs(sid, ctx, r, other, fid)
        fresh = _specs(sid, ctx, other, r, fid)[0] if other is not None else None
        s = r["statements"][sid]
        extra = {"selection": how, "profile": profile, "mean_curve_numbers": s["details"],
                 "previous_definition": s["definition"]}
        return S.statement_result(specs, r["n_runs"], dict(inst, figure=fid), reproduce_cmd(sid, inst), fresh,
                                  f"initialization seed {other['config']['seed']}" if other is not None else "", extra)
    return check


def _corrected(fid: str, cid: str, fn, text: str):
    """A corrected statement: ``fn(curves) -> clauses`` on the figure's runs (seed 0, where it was formed)
    and on the fresh runs (seed 1); verified only if it holds on both."""
    def check(ctx: Context) -> Result:
        from .. import statistics as S
        r, other = _pair(fid, ctx)
        profile, seed = _where(ctx)
        inst = {"profile": profile, "seed": seed}
        form = fn(_curves(fid, r, other)[0])
        fresh = fn(_curves(fid, other, r)[0]) if other is not None else None
        res = S.twin_result(form, fresh, r["n_runs"] + (other["n_runs"] if other else 0), inst,
                            reproduce_cmd(cid, inst), f"initialization seed {other['config']['seed'] if other else '-'}",
                            f"initialization seed {seed}")
        res.evidence["statement"] = text
        return res
    return check


COMMON = dict(paper="mpg", group="figures", assumptions=[
    "Coordination Game of mpg Sec. 5 / App. G.1 (gamma 0.95, eps 0.1, mu uniform)",
    "exact gradients; step sizes, NN activation/initialization chosen where the paper is silent "
    "(mpg_figures.REASONS)"], checkers=["exact JAX dynamics + exact POA / Nash-gap (verify.experiments.core)"])

# ---- the figures, reproduced -------------------------------------------------------------------
for _fid, _loc, _st in (
        ("mpg:figure-1", "Sec. 5.1, Figure 1", "POA (top) and Nash-gap (bottom) under the tabular softmax "
         "parameterization (means and standard errors over 10 random initializations); dashed: log barrier."),
        ("mpg:figure-2", "Sec. 5.2, Figure 2", "POA (top) and Nash-gap (bottom) under the NN parameterization "
         "(means and standard errors over 20 random initializations); dashed: log barrier."),
        ("mpg:figure-4", "App. H, Figure 4", "POA (top) and Nash-gap (bottom) for the PG dynamics under the "
         "tabular softmax parameterization with various choices for lambda."),
        ("mpg:appendix-h.1", "Sec. 5.1, App. H.1", "Grid search of K in {1, 5, 10, 20, 50} for NPG-BR.")):
    claim(id=_fid, location=_loc, statement=_st, domain="N = 2, 3 (quick), 2, 3, 5 (paper), + 8 (deep)",
          **COMMON)(_reproduced(_fid))


# ---- statements -----------------------------------------------------------------------------------
def _tw(name):
    def fn(cv):
        from ..experiments import mpg_readings as M
        return getattr(M, name)(cv)
    return fn


_c_fastest, _c_highest, _c_kbest = _tw("twin_fastest"), _tw("twin_highest"), _tw("twin_k_best")
_c_nn_vs_pg, _c_npg_top, _c_optimizer, _c_adam_npg = (_tw("twin_nn_vs_pg"), _tw("twin_npg_top"),
                                                      _tw("twin_nn_optimizer"), _tw("twin_adam_npg"))


STATEMENTS = [
    # (figure, statement id, location, expected, corrected fn, corrected text, discrepancy); "expected" is the
    # verdict at the quick profile (3 initializations: mostly within noise); the paper-profile verdicts are
    # pinned in tests/test_figure_verdicts.py
    ("mpg:figure-1", "mpg:figure-1/npg-fastest", "Sec. 5.1", "inconclusive", _c_fastest,
     "NPG-BR (at its best K) converges fastest in POA and Nash-gap, and NPG converges no slower than PG.",
     "NPG-BR at its best K (K >= 10 inner soft-policy-iteration steps per outer iteration) converges in fewer "
     "outer iterations than NPG"),
    ("mpg:figure-1", "mpg:figure-1/npg-highest-poa", "Sec. 5.1", "inconclusive", _c_highest,
     "NPG-BR (at its best K) has the highest run-averaged POA, then NPG, then PG.",
     "NPG-BR at its best K reaches a higher POA than NPG"),
    ("mpg:appendix-h.1", "mpg:appendix-h.1/k-best", "Sec. 5.1, App. H.1", "inconclusive", _c_kbest,
     "The best K (by POA, no barrier) is at least 10 at every N; K = 1 and K = 5 are never the best.",
     "K = 5 is not the best for N = 3: larger K (10, 20, 50, tied within 1e-4) give a higher final POA"),
    ("mpg:figure-2", "mpg:figure-2/nn-pg-beats-softmax-pg", "Sec. 5.2", "inconclusive", _c_nn_vs_pg,
     "Softmax-PG's run-averaged POA is at least NN-PG's at every N.",
     "with exact gradients, the same step and N(0, 1) network weights NN-PG is below Softmax-PG"),
    ("mpg:figure-2", "mpg:figure-2/nn-pg-early-npg-final", "Sec. 5.2", "inconclusive", _c_npg_top,
     "Softmax-NPG has a POA at least NN-PG's early in training and the highest final POA of Figure 2.",
     "NN-PG does not outperform Softmax-NPG early in training"),
    ("mpg:figure-2", "mpg:figure-2/barrier-larger-under-nn", "Sec. 5.2", "inconclusive", None, None,
     "at N = 5 the change of NN-Adam's final Nash-gap under the barrier lies within noise of 0"),
    ("mpg:figure-2", "mpg:figure-2/nn-optimizer", "Sec. 5.2", "inconclusive", _c_optimizer,
     "The regularized NN-PG (best lambda) has the highest final POA among the NN variants at every N.",
     "plain NN-PG is not the best NN variant for small N and regularized NN-Adam not for large N; "
     "regularized NN-PG is best"),
    ("mpg:figure-2", "mpg:figure-2/reg-adam-below-npg", "Sec. 5.2", "inconclusive", _c_adam_npg,
     "At the largest N the final POA of regularized NN-Adam is below Softmax-NPG's (without significance).",
     "the gap is about 2 standard errors with 20 initializations: significant one-sided at 5%, not two-sided at 95%"),
]

_STATEMENT_TEXT = {
    "mpg:figure-1/npg-fastest": F.st_npg_fastest,
    "mpg:figure-1/npg-highest-poa": F.st_npg_highest_poa,
}

for _fid, _sid, _loc, _exp, _cfn, _ctext, _disc in STATEMENTS:
    _doc = {
        "mpg:figure-1/npg-fastest": "In terms of both the POA and the Nash-gap, NPG converges fastest, with NPG-BR "
                                    "the second and PG the slowest.",
        "mpg:figure-1/npg-highest-poa": "Consistent with the converge rate, NPG enjoys the overall highest POA, with "
                                        "NPG-BR the second and PG the lowest.",
        "mpg:appendix-h.1/k-best": "We observe that K = 5 is the best for N = 3, 5 and K = 50, the largest value we "
                                   "searched, is the best for N = 2.",
        "mpg:figure-2/nn-pg-beats-softmax-pg": "With the NN parameterization, the PG algorithm (\"NN-PG\") "
                                               "significantly outperforms its tabular softmax counterpart "
                                               "(\"Softmax-PG\") in terms of both the convergence rate and the POA.",
        "mpg:figure-2/nn-pg-early-npg-final": "NN-PG even outperforms Softmax-NPG in terms of POA at the beginning of "
                                              "the training, although and eventually the POA of Softmax-NPG is the "
                                              "highest among all.",
        "mpg:figure-2/barrier-larger-under-nn": "Compared with the results under tabular softmax, the log barrier "
                                                "regularization under NN has a significantly larger impact: it both "
                                                "improves the POA and reduces the Nash-gap at convergence, especially "
                                                "when N is large (e.g., N = 5).",
        "mpg:figure-2/nn-optimizer": "Among all NN variants, NN-PG is the best in terms of POA when N is small, and "
                                     "the regularized NN-Adam is the best when N is large.",
        "mpg:figure-2/reg-adam-below-npg": "When N = 5, the POA of the best NN variant, the regularized NN-Adam, is "
                                           "still significantly smaller than Softmax-NPG.",
    }[_sid]
    meta = dict(id=_sid, location=_loc, statement=_doc, domain="the reproduced curves of " + _fid, expected=_exp,
                kind="figure-statement", discrepancy=_disc, corrected=_sid + "/corrected" if _cfn else None, **COMMON)
    claim(**meta)(_statement(_fid, _sid))
    if _cfn is not None:
        claim(id=_sid + "/corrected", location=_loc, statement=_ctext, domain="the reproduced curves of " + _fid,
              as_printed=False, what_changed=_disc, expected="inconclusive",
              **COMMON)(_corrected(_fid, _sid + "/corrected", _cfn, _ctext))
