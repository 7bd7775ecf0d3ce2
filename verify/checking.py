"""Shared verdict calculus for claims checked instance by instance, with hypothesis shrinking.

A check evaluates ``error(spec) -> (err, details)`` on seeded random instance specs.  Tolerances are
explicit: ``err <= tol`` holds, ``err > 10 tol`` fails, anything between is too close to call
(``inconclusive``).  A failing instance is shrunk with ``hypothesis.find`` over the claim's spec
strategy to a minimal one, and reported with a command that rebuilds it.
"""
from __future__ import annotations

import math
import time
from typing import Callable

import numpy as np
from hypothesis import HealthCheck, Phase, find, settings
from hypothesis.errors import NoSuchExample

from .instances import spec_json
from .registry import Context, Result

TOL = 1e-6          # relative error allowed between a printed formula and an oracle
FD_AD_TOL = 1e-7    # relative agreement required between finite differences and autodiff
NEAR = 10.0         # err in (tol, NEAR * tol] is inconclusive


def rel_err(a, b, floor: float = 1e-12) -> float:
    """max |a - b| / max(max |b|, floor) over lists of arrays."""
    a = np.concatenate([np.ravel(x) for x in a]) if isinstance(a, (list, tuple)) else np.ravel(a)
    b = np.concatenate([np.ravel(x) for x in b]) if isinstance(b, (list, tuple)) else np.ravel(b)
    if a.size == 0:
        return 0.0
    return float(np.abs(a - b).max() / max(np.abs(b).max(), floor))


def grad_floor(game) -> float:
    """The smallest gradient scale a relative error is measured against: 1e-9 of the natural scale
    max|r| / (1-gamma)^2 of a policy gradient.  It only matters where the gradient vanishes (an agent
    with one action, a saturated policy), where it keeps floating-point noise from reading as error."""
    r = max(float(np.abs(game.rewards).max()), 1e-3)
    if game.potential is not None:
        r = max(r, float(np.abs(game.potential).max()))
    return 1e-9 * r / (1.0 - game.gamma) ** 2


def reproduce_cmd(claim_id: str, spec: dict) -> str:
    return f"python -m verify check {claim_id} --instance '{spec_json(spec)}'"


def shrink(fails: Callable[[dict], bool], strategy, budget_s: float = 20.0, max_examples: int = 300):
    """The smallest spec hypothesis can find on which ``fails`` holds, or None."""
    t0 = time.time()

    def cond(spec):
        if time.time() - t0 > budget_s:
            return False
        try:
            return bool(fails(spec))
        except Exception:
            return False

    try:
        return find(strategy, cond, settings=settings(
            max_examples=max_examples, database=None, derandomize=True, deadline=None,
            suppress_health_check=list(HealthCheck), phases=[Phase.generate, Phase.shrink]))
    except NoSuchExample:
        return None


def run_instances(ctx: Context, claim_id: str, n_quick: int, sample: Callable[[np.random.Generator], dict],
                  error: Callable[[dict], tuple[float, dict]], strategy=None, tol: float = TOL,
                  symbolic: dict | None = None, summarize: Callable[[list[dict]], dict] | None = None,
                  first_counterexample: dict | None = None) -> Result:
    """Evaluate ``error`` on ctx's instances and turn the worst error into a verdict.

    ``error(spec)`` returns (err, details); details may carry ``oracle_disagreement`` (a float that
    must stay below FD_AD_TOL) and per-oracle errors.  ``symbolic`` is a sympy result
    {"holds": bool, ...} that must agree with the numeric verdict."""
    if ctx.instance is not None:
        specs = [dict(ctx.instance)]
    else:
        rng = np.random.default_rng(ctx.seed)
        specs = [sample(rng) for _ in range(ctx.n(n_quick))]
    worst, worst_spec, fails, recs = -1.0, None, [], []
    oracle_worst = 0.0
    for spec in specs:
        err, det = error(spec)
        det = dict(det)
        det["err"] = err
        recs.append({"spec": spec, **det})
        oracle_worst = max(oracle_worst, det.get("oracle_disagreement", 0.0))
        if err > worst or math.isnan(err):
            worst, worst_spec = err, spec
        if not err <= NEAR * tol:
            fails.append(spec)
    ev = {"tolerance": tol, "instances": len(specs), "worst_error": worst,
          "worst_instance": worst_spec}
    if recs and "oracle_disagreement" in recs[0]:
        ev["fd_vs_autodiff_max_rel"] = oracle_worst
        ev["fd_vs_autodiff_tolerance"] = FD_AD_TOL
    for key in ("err_fd", "err_autodiff", "err_closed_form"):
        vals = [r[key] for r in recs if key in r]
        if vals:
            ev[key.replace("err_", "max_error_vs_")] = max(vals)
    if summarize:
        ev["coverage"] = summarize(specs)
    if symbolic is not None:
        ev["sympy"] = symbolic
    res = Result("verified", checked_instances=len(specs), max_error=worst, evidence=ev)
    if oracle_worst > FD_AD_TOL:
        res.verdict = "inconclusive"
        res.reason = "oracle-disagreement"
        res.notes = f"the oracles disagree with each other ({oracle_worst:.2e} > {FD_AD_TOL:g})"
        return res
    if fails:
        res.verdict = "refuted"
        cx = fails[0]
        res.found_by = "given" if ctx.instance is not None else "search"
        if strategy is not None and ctx.instance is None:
            small = shrink(lambda s: not error(s)[0] <= NEAR * tol, strategy)
            if small is not None:
                cx = small
        e, det = error(cx)
        res.counterexample = {"spec": cx, "error": e, **{k: v for k, v in det.items() if k != "oracle_disagreement"}}
        res.reproduce = reproduce_cmd(claim_id, cx)
        res.notes = f"fails on {len(fails)} of {len(specs)} instances; worst relative error {worst:.3g}"
        if symbolic is not None and symbolic.get("holds"):
            res.verdict = "inconclusive"
            res.reason = "encoding-disagreement"
            res.notes += ("; but the symbolic check says it holds: encoding disagreement (a harness bug to "
                          "repair, not a finding about the paper)")
        return res
    if worst > tol:
        res.verdict = "inconclusive"
        res.reason = "within-tolerance-band"
        res.notes = f"worst error {worst:.3g} lies within a factor {NEAR:g} of the tolerance {tol:g}"
        return res
    if symbolic is not None and not symbolic.get("holds"):
        res.verdict = "inconclusive"
        res.reason = "encoding-disagreement"
        res.notes = "holds numerically but the symbolic check fails: encoding disagreement"
        return res
    res.notes = f"held on all {len(specs)} instances (worst relative error {worst:.2e} <= {tol:g})"
    return res


def coverage_summary(specs: list[dict]) -> dict:
    """What the instances covered: sizes, gamma range, DAG edge counts, transition kinds."""
    from .games import normalize_spec
    if not specs or "action_sizes" not in specs[0] and "n_agents" not in specs[0]:
        return {}
    specs = [dict(normalize_spec({k: v for k, v in s.items() if k in ("n_agents", "action_sizes", "n_states",
             "gamma", "transition", "reward")}), dag=s.get("dag", [])) for s in specs]
    return {
        "n_agents": sorted({s["n_agents"] for s in specs}),
        "n_states": sorted({s["n_states"] for s in specs}),
        "mixed_action_sizes": sum(len(set(s["action_sizes"])) > 1 for s in specs),
        "gamma_range": [min(s["gamma"] for s in specs), max(s["gamma"] for s in specs)],
        "gamma_in_[0.5,0.99]": sum(0.5 <= s["gamma"] <= 0.99 for s in specs),
        "dag_edges": sorted({sum(len(p) for p in s.get("dag", [])) for s in specs}),
        "transitions": sorted({s["transition"] for s in specs}),
        "rewards": sorted({s["reward"] for s in specs}),
    }
