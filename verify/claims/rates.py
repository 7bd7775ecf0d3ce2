r"""Near-stationarity and iteration-count claims of the log-barrier policy gradient:
bnrate Lemmas 2, 3 and Theorems 1, 2; mpg Lemma 3.5 and Theorem 3.6.

The distribution-mismatch coefficient (bnrate Lemmas 2-3, mpg Lemma 3.5)

    M := max_{pi, pi'} || d^pi_mu / d^pi'_mu ||_inf ,   d^pi_mu(s) = E_{s0~mu} sum_t gamma^t Pr^pi(s_t = s | s0)

(the unnormalized d of bnrate Sec. 2 / mpg Sec. 2; the ratio is the same for the normalized d) is
bracketed per game.  For a fixed s, d^pi_mu(s) is the value of the reward 1[s_t = s] (an MDP over the
joint actions), so max_pi d^pi(s) and min_pi d^pi(s) are attained by deterministic joint policies
(products of deterministic local policies, so they lie in every policy class the papers use):

* ``M_lower`` = max_s d^{pi_+^s}(s) / d^{pi_-^s}(s) for the two deterministic policies policy iteration
  returns, each evaluated exactly by ``visitation_unnormalized``: a ratio attained by a policy pair,
  hence a certified lower bound;
* ``M_upper`` = the same with the Bellman certificate V* <= V + delta/(1-gamma) (delta the Bellman
  residual of the returned values, and likewise for the minimum): a certified upper bound;
* ``M_upper_crude`` = max_s (mu(s) + gamma pmax(s)/(1-gamma)) / (mu(s) + gamma pmin(s)/(1-gamma)),
  pmax/pmin(s) the largest/smallest one-step probability of reaching s (from d(s) = mu(s) + gamma
  sum_s' d(s') P_pi(s|s') and sum_s' d(s') = 1/(1-gamma)); ``M_upper_naive`` = max_s 1/((1-gamma) mu(s)).

A bound c lambda M is *verified* on an instance when the gap is <= c lambda M_lower (it then holds
for the true M), *refuted* when the gap exceeds c lambda M_upper, and inconclusive in between.

Near-stationary points are found by the regularized exact policy gradient ``verify.dynamics.pg``
(``barrier=lambda``, JAX autodiff gradients) from the instance's random initial parameters, with a
step size adapted between chunks of steps (a chunk that lowers L_lambda is undone and the step
halved); the run stops at the first iterate whose exact gradient norm is at most the lemma's
threshold.  From that point a *boundary probe* moves along -grad V (towards worse policies) and keeps
every point that still satisfies the hypothesis; the largest gap among them is the one compared.

Iteration counts (Theorems): (a) sympy re-derives T from the proof's inequalities, i.e. the threshold
of the lemma as stated, beta_lambda as stated, L(theta*) - L(theta_0) <= V_max - V_min and
lambda as the proof sets it, and compares with the printed T term by term (coefficients of the powers
of 1/epsilon); (b) runs pg with the stated lambda = eps/(2M) (M = M_lower; the bracket is reported)
and eta = 1/beta_lambda from theta_0 = 0, with epsilon = half the initial gap (a choice), and
compares the first iteration that reaches epsilon (checked every ``every`` steps) with T.  Along the
run the ascent inequality L(theta_{t+1}) >= L(theta_t) + (eta/2) ||grad L(theta_t)||^2 on which the
proofs' bound min_t ||grad L||^2 <= 2 beta (L* - L_0)/T rests is checked at every step.
"""
from __future__ import annotations

import functools
import json
import math

import numpy as np
import sympy as sp

from .. import oracles as _oracles  # noqa: F401  (every JAX gradient goes through oracles._jax(), which enables float64)
from ..dynamics import exact_gradient, grad_norm, pg
from ..errors import InputError
from ..evaluation import (_reward, nash_gap, optimality_gap, solve_mdp, value_mu,
                          visitation_unnormalized)
from ..games import coordination_game
from ..instances import build, sample_spec, spec_json
from ..policies import DAG, BNPolicy
from ..registry import Context, Result, claim

# ------------------------------------------------------------------------------------------------
# numerical tolerances (explicit; the effects compared are O(lambda) = O(1e-2 .. 1))
# ------------------------------------------------------------------------------------------------
ABS_TOL = 1e-9        # absolute slack on a gap (exact evaluation error is ~1e-13)
ASCENT_TOL = 1e-10    # slack on the per-step ascent inequality


# ================================================================================================
# the mismatch coefficient M
# ================================================================================================
def _det_pi(game, pol_idx) -> np.ndarray:
    pi = np.zeros((game.n_states, game.n_joint))
    pi[np.arange(game.n_states), pol_idx] = 1.0
    return pi


def _bellman_residual(game, R, V, sign) -> float:
    """max_x |max_u (R + gamma P V)(x, u) - V(x)| for the maximisation of sign * R."""
    Qx = sign * R + game.gamma * game.P_flat @ V
    return float(np.abs(Qx.max(axis=1) - V).max())


def mismatch_bracket(game) -> dict:
    r"""Certified bracket of M = max_{pi,pi'} max_s d^pi_mu(s) / d^pi'_mu(s)  (bnrate Lemma 2, mpg Lemma 3.5)."""
    S, g = game.n_states, game.gamma
    lo_ratio, hi_ratio, arg = 0.0, 0.0, None
    for s in range(S):
        R = np.zeros((S, game.n_joint))
        R[s] = 1.0
        Vmax, pmax = solve_mdp(game.P_flat, R, g)
        Vmin_neg, pmin = solve_mdp(game.P_flat, -R, g)
        d_hi = visitation_unnormalized(game, _det_pi(game, pmax))[s]
        d_lo = visitation_unnormalized(game, _det_pi(game, pmin))[s]
        if d_lo <= 0:
            return {"lower": math.inf, "upper": math.inf, "assumption_1": False}
        lo = d_hi / d_lo
        dmx = _bellman_residual(game, R, Vmax, 1.0) / (1 - g)
        dmn = _bellman_residual(game, R, Vmin_neg, -1.0) / (1 - g)
        up_num = float(game.mu @ (Vmax + dmx))
        up_den = float(game.mu @ (-Vmin_neg - dmn))
        hi = up_num / up_den if up_den > 0 else math.inf
        if lo > lo_ratio:
            lo_ratio, arg = lo, s
        hi_ratio = max(hi_ratio, hi)
    Pf = game.P_flat
    pmx = Pf.max(axis=(0, 1))
    pmn = Pf.min(axis=(0, 1))
    crude = np.max((game.mu + g * pmx / (1 - g)) / np.maximum(game.mu + g * pmn / (1 - g), 1e-300))
    naive = float(np.max(1.0 / np.maximum((1 - g) * game.mu, 1e-300)))
    return {"lower": float(lo_ratio), "upper": float(hi_ratio), "upper_crude": float(crude),
            "upper_naive": naive, "argmax_state": arg, "assumption_1": True}


# ================================================================================================
# L_lambda, its exact gradient, and the drive to a near-stationary point
# ================================================================================================
def barrier_term(policy: BNPolicy) -> float:
    r"""sum_i ( sum_{s,a^{P^i},a^i} log pi^i(a^i|s,a^{P^i}) / (|S||A^{P^i}||A^i|) + log|A^i| )   (bnrate Eq. (4), mpg Sec. 3.2)."""
    tot = 0.0
    for i in range(policy.n_agents):
        th = policy.thetas[i]
        mx = th.max(axis=-1, keepdims=True)
        logp = th - mx - np.log(np.exp(th - mx).sum(axis=-1, keepdims=True))
        tot += float(logp.mean()) + math.log(th.shape[-1])
    return tot


def objective(game, policy, lam: float, reward=None) -> float:
    """L_lambda(theta) = V_theta(mu) (or Phi_theta(mu) with reward='potential') + lambda * barrier."""
    return value_mu(game, policy, reward) + lam * barrier_term(policy)


def drive_to_threshold(game, policy, lam, thr, reward=None, eta0=0.1, max_iters=4000, chunk=50):
    """Regularized exact PG (``verify.dynamics.pg``) until ||grad L_lambda|| <= thr; the step size is
    adapted between chunks (a chunk that lowers L is undone and eta halved; else eta grows by 1.5).
    Returns (policy, iterations, grad norm, reached)."""
    pol, t_total, eta = policy, 0, eta0
    stop = lambda t, p, g: grad_norm(g) <= thr
    L0 = objective(game, pol, lam, reward)
    while t_total < max_iters:
        n = min(chunk, max_iters - t_total)
        run = pg(game, pol, eta, n, reward=reward, barrier=lam, stop=stop)
        if run.stopped_early:
            gn = grad_norm(exact_gradient(game, run.policy, reward, lam))
            return run.policy, t_total + run.iterations, gn, True
        L1 = objective(game, run.policy, lam, reward)
        if not np.isfinite(L1) or L1 < L0 - 1e-12:
            eta /= 2.0
            if eta < 1e-8:
                break
            continue
        pol, L0, t_total, eta = run.policy, L1, t_total + n, min(eta * 1.5, 50.0)
    gn = grad_norm(exact_gradient(game, pol, reward, lam))
    return pol, t_total, gn, gn <= thr


def boundary_probe(game, policy, lam, thr, gap_fn, reward=None, n=10):
    """The largest gap over points theta - t v (v = grad V / ||grad V||) that still satisfy the hypothesis
    ||grad L_lambda|| <= thr (t on a geometric grid); returns (gap, t, grad norm)."""
    g = exact_gradient(game, policy, reward, 0.0)
    nv = grad_norm(g)
    best = (gap_fn(policy), 0.0, grad_norm(exact_gradient(game, policy, reward, lam)))
    if nv == 0:
        return best
    for t in np.geomspace(1e-3, 3.0, n):
        p = policy.with_thetas([th - t * gi / nv for th, gi in zip(policy.thetas, g)])
        gn = grad_norm(exact_gradient(game, p, reward, lam))
        if gn > thr:
            break
        gp = gap_fn(p)
        if gp > best[0]:
            best = (gp, float(t), gn)
    return best


# ================================================================================================
# the near-stationarity lemmas
# ================================================================================================
def _max_a(game):
    return max(game.action_sizes)


LEMMAS = {
    # id: (threshold(game, lam), constant(N), gap kind, reward for L, dag kind, text of the threshold)
    "bnrate:lemma-2": (lambda g, lam: lam / (2 * g.n_states * g.n_joint * _max_a(g)),
                       lambda N: 2.0, "nash", None, "random", "lambda/(2|S||A| max_i|A^i|)"),
    "bnrate:lemma-3": (lambda g, lam: lam / (2 * g.n_states * g.n_joint * _max_a(g)),
                       lambda N: 2.0 ** (N + 1) * N, "opt", None, "full", "lambda/(2|S||A| max_i|A^i|)"),
    "mpg:lemma-3.5": (lambda g, lam: lam / (2 * g.n_states * _max_a(g)),
                      lambda N: 2.0, "nash", "potential", "empty", "lambda/(2|S| max_i|A^i|)"),
}

LEMMA_DOMAIN = {"n_agents": (1, 3), "action": (1, 3), "states": (1, 3), "max_joint": 8,
                "gamma": (0.3, 0.7), "gamma_near": False, "reward_scales": (1.0,), "reward_offsets": (0.0,),
                "theta_scales": (0.5, 1.0)}
LAMBDAS = (0.3, 1.0)


def _lemma_sample(lid):
    dag_kind = LEMMAS[lid][4]
    rewards = ("potential", "potential-dummy") if lid.startswith("mpg") else ("team",)
    dom = dict(LEMMA_DOMAIN, dag=dag_kind, rewards=rewards)

    def sample(rng):
        s = sample_spec(rng, dom)
        s["lambda"] = float(rng.choice(LAMBDAS))
        return s
    return sample


def _gap_fn(game, kind):
    if kind == "nash":
        return lambda p: nash_gap(game, p)
    return lambda p: optimality_gap(game, p)


@functools.lru_cache(maxsize=512)
def _lemma_point(lid: str, spec_key: str, max_iters: int):
    """Drive to the lemma's threshold and probe the boundary: the expensive part, shared by variants."""
    spec = json.loads(spec_key)
    thr_fn, _, kind, reward, _, _ = LEMMAS[lid]
    game, pol = build(spec)
    if "lambda" not in spec:
        raise InputError("a near-stationarity instance needs a positive 'lambda' in its spec")
    lam = float(spec["lambda"])
    if not lam > 0:
        raise InputError(f"lambda must be positive, got {lam}")
    thr = thr_fn(game, lam)
    eta0 = float(spec.get("eta0", 0.5 * (1 - game.gamma) ** 2))
    p, iters, gn, ok = drive_to_threshold(game, pol, lam, thr, reward, eta0, max_iters)
    gap_fn = _gap_fn(game, kind)
    gap_first = gap_fn(p)
    gap, t_probe, gn_probe = boundary_probe(game, p, lam, thr, gap_fn, reward) if ok else (gap_first, 0.0, gn)
    return {"reached": bool(ok), "iterations": iters, "threshold": thr, "grad_norm": gn,
            "gap_at_first_hit": gap_first, "gap": gap, "probe_t": t_probe, "probe_grad_norm": gn_probe,
            "M": mismatch_bracket(game), "N": game.n_agents, "lambda": lam}


def lemma_instance(lid: str, spec: dict, const_scale: float = 1.0, reversed_: bool = False,
                   max_iters: int = 4000) -> dict:
    """One instance of a near-stationarity lemma: status 'holds' (certified against M_lower), 'fails'
    (certified against M_upper), 'open' (in between) or 'skip' (threshold not reached)."""
    rec = dict(_lemma_point(lid, spec_json(spec), max_iters))
    c = LEMMAS[lid][1](rec["N"]) * const_scale
    lo, hi = c * rec["lambda"] * rec["M"]["lower"], c * rec["lambda"] * rec["M"]["upper"]
    gap = rec["gap"]
    rec.update(bound_lower=lo, bound_upper=hi, ratio=gap / lo if lo > 0 else math.inf)
    if not rec["reached"]:
        rec["status"] = "skip"
    elif not reversed_:   # claim: gap <= c lambda M
        rec["status"] = "holds" if gap <= lo + ABS_TOL else ("fails" if gap > hi + 10 * ABS_TOL else "open")
    else:                 # planted: gap >= c lambda M
        rec["status"] = "holds" if gap >= hi - ABS_TOL else ("fails" if gap < lo - 10 * ABS_TOL else "open")
    return rec


def check_lemma(ctx: Context, lid: str, n_quick: int = 8, const_scale: float = 1.0, reversed_: bool = False,
                claim_id: str | None = None) -> Result:
    claim_id = claim_id or lid
    if ctx.instance is not None:
        specs = [dict(ctx.instance)]
    else:
        rng = np.random.default_rng(ctx.seed)
        sampler = _lemma_sample(lid)
        specs = [sampler(rng) for _ in range(ctx.n(n_quick))]
        # a one-state instance with a strict best action where the bound is nearly tight (gap ~ lambda)
        specs.append(_tight_spec(lid))
    max_iters = {"quick": 3000, "paper": 20000, "deep": 50000}[ctx.profile]
    recs = []
    for s in specs:
        r = lemma_instance(lid, s, const_scale, reversed_, max_iters)
        recs.append({"spec": s, **{k: v for k, v in r.items() if k != "M"}, "M_bracket": r["M"]})
    done = [r for r in recs if r["status"] != "skip"]
    fails = [r for r in done if r["status"] == "fails"]
    opens = [r for r in done if r["status"] == "open"]
    ev = {"threshold": LEMMAS[lid][5], "instances": len(specs), "reached_threshold": len(done),
          "max_ratio_gap_over_bound_at_M_lower": max((r["ratio"] for r in done), default=None),
          "verdict_rests_on": "M_upper (refutation)" if fails else "M_lower (verification)",
          "records": recs,
          "choices": "lambda in {0.3, 1.0}; gamma in [0.3, 0.7]; N <= 3, |S| <= 3; |A| <= 8; reward scale 1; "
                     "eta0 = 0.5 (1-gamma)^2 adapted between chunks of 50 steps; plus one tight one-state instance"}
    res = Result("verified", checked_instances=len(done), evidence=ev,
                 max_error=ev["max_ratio_gap_over_bound_at_M_lower"])
    if fails:
        cx = min(fails, key=lambda r: (r["spec"].get("n_states", 1), r["N"]))
        res.verdict = "refuted"
        res.counterexample = {"spec": cx["spec"], "gap": cx["gap"], "bound_at_M_upper": cx["bound_upper"],
                              "grad_norm": cx["probe_grad_norm"], "threshold": cx["threshold"]}
        from ..checking import reproduce_cmd
        res.reproduce = reproduce_cmd(claim_id, cx["spec"])
        res.notes = (f"gap {cx['gap']:.4g} > bound {cx['bound_upper']:.4g} (at M_upper) on {len(fails)} of "
                     f"{len(done)} instances")
    elif opens or not done:
        res.verdict = "inconclusive"
        res.notes = (f"{len(opens)} instances fall between the bounds at M_lower and M_upper"
                     if done else "no instance reached the gradient threshold")
    else:
        res.notes = (f"held on all {len(done)} near-stationary points (worst gap / bound at M_lower "
                     f"= {ev['max_ratio_gap_over_bound_at_M_lower']:.3g})")
    return res


def _tight_spec(lid):
    """One state, one agent with 3 actions (or 2 agents for the MPG), small gamma: the gap at a
    regularized stationary point is about lambda (|A|-1)/|A|, the bound 2 lambda M with M = 1."""
    base = {"n_agents": 1, "action_sizes": [3], "n_states": 1, "gamma": 0.3, "transition": "dense",
            "reward": "team", "reward_scale": 1.0, "reward_offset": 0.0, "seed": 3, "dag": [[]],
            "theta_scale": 0.5, "theta_seed": 1, "lambda": 0.3}
    if lid.startswith("mpg"):
        base["reward"] = "potential"
    return base


# ================================================================================================
# iteration counts: (a) symbolic re-derivation
# ================================================================================================
_SYM = dict(N=sp.Symbol("N", positive=True, integer=True), S=sp.Symbol("S", positive=True, integer=True),
            Aj=sp.Symbol("Aj", positive=True), Amax=sp.Symbol("Amax", positive=True),
            sumInvAP=sp.Symbol("sumInvAP", positive=True), sumInvA=sp.Symbol("sumInvA", positive=True),
            M=sp.Symbol("M", positive=True), R=sp.Symbol("R", positive=True), P=sp.Symbol("P", positive=True),
            gamma=sp.Symbol("gamma", positive=True), eps=sp.Symbol("eps", positive=True),
            lam=sp.Symbol("lam", positive=True), T=sp.Symbol("T", positive=True))


def _e(text):
    return sp.sympify(text, locals=_SYM)


THEOREMS = {
    "bnrate:theorem-1": {
        "printed": "256*N*M**2*S**2*Amax**2*R**2/((1-gamma)**4*eps**2) + 32*lam*M*S*Amax**2*sumInvAP*R/((1-gamma)*eps)",
        "threshold": "lam/(2*S*Aj*Amax)",          # Lemma 2 as stated
        "threshold_proof": "lam/(2*S*Amax)",        # the level the proof uses (A.3)
        "beta": "8*N*R/(1-gamma)**3 + 2*lam*sumInvAP/S",   # Lemma 4 / Theorem 1
        "beta_proof": "8*N*R/(1-gamma)**3 + 2*lam*sumInvA/S",
        "gap": "R/(1-gamma)",                       # L(theta*) - L(theta_0) <= V_max - V_min <= R/(1-gamma)
        "lam": "eps/(2*M)", "kind": "nash", "dag": "random", "reward": None},
    "bnrate:theorem-2": {
        "printed": "2**(N+8)*N**3*M**2*S**2*Aj**2*Amax**2*R**2/(eps**2*(1-gamma)**4) + 8*N*M*S*Aj**2*Amax**2*R*sumInvAP/(eps*(1-gamma))",
        "threshold": "lam/(2*S*Aj*Amax)", "threshold_proof": "lam/(2*S*Aj*Amax)",
        "beta": "8*N*R/(1-gamma)**3 + 2*lam*sumInvAP/S", "beta_proof": "8*N*R/(1-gamma)**3 + 2*lam*sumInvAP/S",
        "gap": "R/(1-gamma)", "lam": "eps/(2**(N+1)*N*M)", "kind": "opt", "dag": "full", "reward": None},
    "mpg:theorem-3.6": {
        "printed": "328*N*M**2*S**2*Amax**2*P/((1-gamma)**3*eps**2) + 32*N*M*S*Amax**2*P/eps",
        "threshold": "lam/(2*S*Amax)", "threshold_proof": "lam/(2*S*Amax)",
        "beta": "41*N/(4*(1-gamma)**3) + 2*lam*N/S", "beta_proof": "41*N/(4*(1-gamma)**3) + 2*lam*N/S",
        "gap": "P", "lam": "eps/(2*M)", "kind": "nash", "dag": "empty", "reward": "potential"},
}


@functools.lru_cache(maxsize=None)
def derived_T(tid: str, proof_level: bool = False) -> sp.Expr:
    r"""T from the proof's chain: min_t ||grad L||^2 <= 2 beta (L* - L_0)/T <= 2 beta Delta / T, and
    sqrt(2 beta Delta / T) <= threshold  <=>  T >= 2 beta Delta / threshold^2, then lambda substituted
    (bnrate A.3 / A.5, mpg D.2).  ``proof_level``: the proof's own threshold and beta instead of the lemmas'."""
    th = THEOREMS[tid]
    thr = _e(th["threshold_proof" if proof_level else "threshold"])
    beta = _e(th["beta_proof" if proof_level else "beta"])
    T = 2 * beta * _e(th["gap"]) / thr ** 2
    # T solves sqrt(2 beta Delta / T) = threshold (all symbols positive), and the left side decreases in T
    assert sp.simplify(sp.sqrt(2 * beta * _e(th["gap"]) / T) - thr) == 0
    return sp.factor(T.subs(_SYM["lam"], _e(th["lam"])))


def _terms(expr) -> dict:
    """Coefficients of the powers of x = 1/eps (the printed T's two terms are the x^2 and x^1 ones)."""
    x = sp.Symbol("x", positive=True)
    e = sp.expand(sp.simplify(expr.subs(_SYM["eps"], 1 / x)))
    poly = sp.Poly(e, x)
    return {int(m[0]): sp.factor(c) for m, c in zip(poly.monoms(), poly.coeffs())}


#: the smallest game the symbols can describe: one agent with two actions, one state (a bandit), M = 1
CANONICAL = {"N": 1, "S": 1, "Aj": 2, "Amax": 2, "sumInvAP": 1, "sumInvA": sp.Rational(1, 2), "M": 1, "R": 1,
             "P": 1, "gamma": sp.Rational(1, 2), "eps": sp.Rational(1, 4)}


def symbolic_check(tid: str, printed: str | None = None, values: dict | None = None) -> dict:
    key = json.dumps(values or {}, sort_keys=True, default=str)
    return dict(_symbolic_check(tid, printed or THEOREMS[tid]["printed"], key))


@functools.lru_cache(maxsize=64)
def _symbolic_check(tid: str, printed: str, values_key: str) -> dict:
    """Compare the printed T (lambda read as the proof sets it) with the re-derived T term by term.
    holds: printed >= derived identically (every term's ratio >= 1 on the symbols' domain, checked
    symbolically where possible and at the canonical point)."""
    th = THEOREMS[tid]
    values = json.loads(values_key)
    Tp = _e(printed).subs(_SYM["lam"], _e(th["lam"]))
    Td = derived_T(tid)
    Tpp = derived_T(tid, proof_level=True)
    tp, td = _terms(Tp), _terms(Td)
    per_term = {}
    for k in sorted(set(tp) | set(td), reverse=True):
        a, b = tp.get(k, sp.Integer(0)), td.get(k, sp.Integer(0))
        per_term[f"eps^-{k}"] = {"printed": str(a), "derived": str(b),
                                 "printed/derived": str(sp.simplify(a / b)) if b != 0 else "derived term is 0"}
    vals = dict(CANONICAL, **(values or {}))
    unknown = sorted(set(vals) - set(_SYM))
    if unknown:
        raise InputError(f"unknown symbols {unknown}; known: {sorted(k for k in _SYM if k not in ('lam', 'T'))}")
    try:
        sub = {_SYM[k]: sp.nsimplify(v) for k, v in vals.items()}
    except (sp.SympifyError, TypeError, ValueError) as e:
        raise InputError(f"bad symbol value: {e}") from None
    vp, vd = float(Tp.subs(sub)), float(Td.subs(sub))
    identical = all(sp.simplify(tp.get(k, 0) - td.get(k, 0)) == 0 for k in set(tp) | set(td))
    return {"printed_T": str(Tp), "derived_T": str(Td), "derived_T_proof_level": str(Tpp),
            "per_term": per_term, "identical": bool(identical),
            "at": {k: str(v) for k, v in vals.items()}, "printed_value": vp, "derived_value": vd,
            "printed_over_derived": vp / vd, "holds": bool(identical or vp >= vd * (1 - 1e-12))}


# ================================================================================================
# iteration counts: (b) the dynamics
# ================================================================================================
def beta_lambda(tid: str, game, dag: DAG, lam: float) -> float:
    """beta_lambda as the theorem states it (bnrate Lemma 4 / Thm 1-2; mpg Thm 3.6)."""
    S, N = game.n_states, game.n_agents
    if tid.startswith("mpg"):
        return 41 * N / (4 * (1 - game.gamma) ** 3) + 2 * lam * N / S
    R = game.r_max - game.r_min
    inv = sum(1.0 / int(np.prod([game.action_sizes[j] for j in ps])) if ps else 1.0 for ps in dag.parents)
    return 8 * N * R / (1 - game.gamma) ** 3 + 2 * lam * inv / S


def potential_range(game) -> float:
    """Phi_max - Phi_min over states and policies (tight: two MDP solves of phi)."""
    R = _reward(game, "potential")
    Vmax, _ = solve_mdp(game.P_flat, R, game.gamma)
    Vmin, _ = solve_mdp(game.P_flat, -R, game.gamma)
    return float(Vmax.max() + Vmin.max())


def T_value(tid: str, expr: str, game, dag: DAG, M: float, eps: float) -> float:
    """Evaluate a T expression (printed or derived, lambda already substituted or not) on a game."""
    th = THEOREMS[tid]
    A = game.action_sizes
    vals = {"N": game.n_agents, "S": game.n_states, "Aj": game.n_joint, "Amax": max(A),
            "sumInvAP": sum(1.0 / int(np.prod([A[j] for j in ps])) if ps else 1.0 for ps in dag.parents),
            "sumInvA": sum(1.0 / a for a in A), "M": M, "R": game.r_max - game.r_min,
            "gamma": game.gamma, "eps": eps}
    if tid.startswith("mpg"):
        vals["P"] = potential_range(game)
    e = _e(expr).subs(_SYM["lam"], _e(th["lam"]))
    return float(e.subs({_SYM[k]: v for k, v in vals.items()}))


THEOREM_DOMAIN = {"n_agents": (1, 2), "action": (2, 3), "states": (1, 2), "max_joint": 6,
                  "gamma": (0.0, 0.4), "gamma_near": False, "reward_scales": (1.0,), "reward_offsets": (0.0,),
                  "theta_scales": (1.0,)}


def _theorem_sample(tid):
    th = THEOREMS[tid]
    rewards = ("potential", "potential-dummy") if tid.startswith("mpg") else ("team",)
    dom = dict(THEOREM_DOMAIN, dag=th["dag"], rewards=rewards)
    return lambda rng: sample_spec(rng, dom)


def _build_theorem_instance(tid, spec):
    th = THEOREMS[tid]
    if spec.get("kind") == "coordination":
        game = coordination_game(int(spec.get("n_agents", 2)), float(spec.get("epsilon", 0.1)),
                                 float(spec.get("gamma", 0.95)))
        N = game.n_agents
        dag = {"random": DAG.line(N), "full": DAG.full(N), "empty": DAG.empty(N)}[th["dag"]]
        if spec.get("dag") is not None:
            dag = DAG.from_parents(spec["dag"])
    else:
        game, p = build(spec)
        dag = p.dag
    return game, BNPolicy(dag, game.action_sizes, game.n_states)   # theta_0 = 0 (uniform)


@functools.lru_cache(maxsize=256)
def _run_theorem(tid: str, spec_key: str, eta_scale: float, cap: int, every: int):
    """Run the stated dynamics; first iteration with gap <= eps (checked every ``every`` steps); the
    ascent inequality at every step."""
    spec = json.loads(spec_key)
    th = THEOREMS[tid]
    game, pol0 = _build_theorem_instance(tid, spec)
    gap_fn = _gap_fn(game, th["kind"])
    Mb = mismatch_bracket(game)
    M = Mb["lower"]
    gap0 = gap_fn(pol0)
    eps = float(spec.get("eps_fraction", 0.5)) * gap0
    N = game.n_agents
    lam = float(_e(th["lam"]).subs({_SYM["eps"]: eps, _SYM["M"]: M, _SYM["N"]: N}))
    beta = beta_lambda(tid, game, pol0.dag, lam)
    eta = eta_scale / beta
    reward = th["reward"]
    state = {"L": objective(game, pol0, lam, reward), "worst_ascent": math.inf, "hit": None, "gap": gap0,
             "gn2": None}

    def stop(t, p, g):
        gn2 = grad_norm(g) ** 2
        L = objective(game, p, lam, reward)
        if state["gn2"] is not None:
            slack = L - (state["L"] + 0.5 * eta * state["gn2"])   # L_{t} - L_{t-1} - eta/2 ||g_{t-1}||^2
            state["worst_ascent"] = min(state["worst_ascent"], slack / max(1e-300, 0.5 * eta * state["gn2"]))
            if slack < -ASCENT_TOL * max(1.0, abs(L)):
                state.setdefault("ascent_violation_t", t)
        state["L"], state["gn2"] = L, gn2
        if t % every == 0 or t <= 50:      # every step up to 50, so that a small first hit is exact
            gp = gap_fn(p)
            state["gap"] = gp
            if gp <= eps:
                state["hit"] = t
                return True
            state["above_until"] = t             # gap > eps at this iterate
        return False

    run = pg(game, pol0, eta, cap, reward=reward, barrier=lam, stop=stop)
    return {"eps": eps, "gap0": gap0, "lambda": lam, "beta": beta, "eta": eta, "M_bracket": Mb,
            "hit": state["hit"], "hit_lower": state.get("above_until", -1) + 1, "iterations_run": run.iterations, "gap_last": state["gap"],
            "ascent_violation_t": state.get("ascent_violation_t"),
            "worst_relative_ascent_slack": state["worst_ascent"], "every": every}


def dynamics_instance(tid: str, spec: dict, T_expr: str, eta_scale: float = 1.0, cap: int = 400,
                      every: int = 10) -> dict:
    """(b) on one instance: 'holds' when eps is reached by iteration T (slack = T / first hit) and the
    ascent inequality holds at every step; 'fails' when the ascent inequality fails (the step size is
    too large for beta_lambda) or the run reaches T without reaching eps; 'open' when the cap < T is
    reached first."""
    r = dict(_run_theorem(tid, spec_json(spec), float(eta_scale), int(cap), int(every)))
    game, pol0 = _build_theorem_instance(tid, spec)
    Tv = T_value(tid, T_expr, game, pol0.dag, r["M_bracket"]["lower"], r["eps"])
    Tv_hi = T_value(tid, T_expr, game, pol0.dag, r["M_bracket"]["upper"], r["eps"])
    r.update(T=Tv, T_at_M_upper=Tv_hi)
    if r["ascent_violation_t"] is not None:
        r["status"] = "fails"
        r["why"] = f"ascent inequality fails at t = {r['ascent_violation_t']}"
    elif r["hit"] is not None:
        # the first hit lies in [hit_lower, hit] (the gap is checked every step up to 50, then every `every`)
        r["slack"] = Tv / max(r["hit"], 1)
        r["status"] = "holds" if r["hit"] <= Tv else ("fails" if r["hit_lower"] > Tv else "open")
        r["why"] = (f"eps first reached at t in [{r['hit_lower']}, {r['hit']}]; T = {Tv:.4g}; "
                    f"slack T/t >= {r['slack']:.3g}")
    elif r["iterations_run"] >= Tv:
        r["status"] = "fails"
        r["why"] = f"eps not reached within T = {Tv:.4g} iterations"
    else:
        r["status"] = "open"
        r["why"] = f"cap {cap} < T = {Tv:.4g} reached first; gap {r['gap_last']:.4g} vs eps {r['eps']:.4g}"
    return r


STATEMENT_NOTES = {
    "bnrate:theorem-1": "the statement allows any eta <= 1/beta_lambda and leaves lambda and theta_0 free, yet T "
                        "depends on none of them; the proof uses eta = 1/beta_lambda (min ||grad||^2 <= 2 beta "
                        "(L* - L_0)/T), lambda = eps/2M and L(theta*) - L(theta_0) <= V_max - V_min, which needs "
                        "theta_0 uniform. The dynamics check and the corrected twin fix eta = 1/beta_lambda, "
                        "lambda = eps/2M, theta_0 = 0.",
    "bnrate:theorem-2": "as for Theorem 1: eta <= 1/beta_lambda, lambda and theta_0 are left free in the statement; "
                        "the check uses eta = 1/beta_lambda, lambda = eps/(2^{N+1} N M), theta_0 = 0.",
    "mpg:theorem-3.6": "the statement fixes theta_0 = 0, lambda = eps/2M and eta = 1/beta_lambda, as the proof needs.",
}


def _coordination_spec(tid):
    return {"kind": "coordination", "n_agents": 2, "epsilon": 0.1, "gamma": 0.95}


def check_theorem(ctx: Context, tid: str, T_expr: str | None = None, eta_scale: float = 1.0,
                  n_quick: int = 3, claim_id: str | None = None) -> Result:
    """(a) symbolic re-derivation against ``T_expr`` (default: as printed) and (b) the dynamics."""
    claim_id = claim_id or tid
    th = THEOREMS[tid]
    T_expr = T_expr or th["printed"]
    cap = {"quick": 400, "paper": 5000, "deep": 20000}[ctx.profile]
    inst = ctx.instance
    sym = None
    if inst is None or "symbols" in inst:
        sym = symbolic_check(tid, T_expr, (inst or {}).get("symbols"))
    dyn = []
    if inst is None or "symbols" not in inst:
        if inst is not None:
            specs = [dict(inst)]
        else:
            rng = np.random.default_rng(ctx.seed)
            specs = [_theorem_sample(tid)(rng) for _ in range(ctx.n(n_quick))] + [_coordination_spec(tid)]
        for s in specs:
            c = cap if s.get("kind") != "coordination" else {"quick": 100, "paper": 2000, "deep": 10000}[ctx.profile]
            r = dynamics_instance(tid, s, T_expr, eta_scale, c)
            dyn.append({"spec": s, **{k: v for k, v in r.items()}})
    ev = {"symbolic": sym, "dynamics": dyn, "statement_notes": STATEMENT_NOTES.get(tid),
          "choices": "theta_0 = 0 (uniform); eta = 1/beta_lambda as stated; lambda as the proof sets it with "
                     "M = M_lower (bracket reported; T also at M_upper); epsilon = 0.5 x the initial gap; gap "
                     "checked every 10 steps; random games: N in 1..2, |A^i| in 2..3, |A| <= 6, |S| <= 2, gamma in [0, 0.4], "
                     "reward scale 1; the Coordination Game (N = 2, gamma = 0.95) capped at 100 (quick) steps"}
    fails = [d for d in dyn if d["status"] == "fails"]
    held = [d for d in dyn if d["status"] == "holds"]
    res = Result("verified", checked_instances=len(held) + (1 if sym is not None else 0), evidence=ev)
    if held:
        res.max_error = max(1.0 / d["slack"] for d in held)   # observed / T
        ev["min_slack_T_over_first_hit"] = min(d["slack"] for d in held)
    from ..checking import reproduce_cmd
    if sym is not None and not sym["holds"]:
        res.verdict = "refuted"
        res.counterexample = {"symbols": sym["at"], "printed_T": sym["printed_value"],
                              "derived_T": sym["derived_value"], "per_term": sym["per_term"]}
        res.reproduce = reproduce_cmd(claim_id, {"symbols": {k: str(v) for k, v in sym["at"].items()}})
        res.notes = (f"the printed T is {sym['printed_over_derived']:.3g} x the T the proof's inequalities give "
                     f"at {sym['at']}")
        return res
    if fails:
        cx = fails[0]
        res.verdict = "refuted"
        res.counterexample = {"spec": cx["spec"], "why": cx["why"]}
        res.reproduce = reproduce_cmd(claim_id, cx["spec"])
        res.notes = f"dynamics: {cx['why']} on {len(fails)} of {len(dyn)} instances"
        return res
    if not held and sym is None:
        res.verdict = "inconclusive"
        res.notes = "no run reached epsilon within the cap (cap < T)"
        return res
    parts = []
    if sym is not None:
        parts.append("the re-derived T equals the stated T term by term" if sym["identical"]
                     else f"printed T >= re-derived T (ratio {sym['printed_over_derived']:.3g} at the canonical point)")
    if held:
        parts.append(f"dynamics reached epsilon on {len(held)} of {len(dyn)} runs well before T "
                     f"(smallest slack T/first-hit {ev['min_slack_T_over_first_hit']:.3g}); "
                     f"{len(dyn) - len(held)} capped below T")
    res.notes = "; ".join(parts)
    return res


# ================================================================================================
# registrations
# ================================================================================================
M_DEF = "M := max_{pi,pi'} || d^pi_mu / d^pi'_mu ||_inf (unnormalized d; the ratio is the same normalized)"
BN_ASSUMPTIONS = ["finite cooperative Markov game (team reward), Assumption 1 (d^pi_mu(s) > 0) and 2 (bounded r)",
                  "tabular softmax BN policy, Eq. (1)", "L_lambda of Sec. 4.1 (log barrier, weights 1/(|S||A^{P^i}||A^i|))",
                  M_DEF]
MPG_ASSUMPTIONS = ["finite Markov potential game, Assumptions 2.1 and 2.3", "tabular softmax product policy",
                   "L_lambda of Sec. 3.2 (Phi plus log barrier)", M_DEF]
LEMMA_CHECKERS = ["exact regularized PG (verify.dynamics.pg, JAX float64 gradients) to the gradient threshold",
                  "boundary probe along -grad V inside the hypothesis",
                  "exact Nash gap (BN best responses) / optimality gap (verify.evaluation)",
                  "certified bracket of M (deterministic policy pairs; Bellman certificates)"]
THEOREM_CHECKERS = ["sympy re-derivation of T from the proof's inequalities and the lemmas as stated, term by term",
                    "exact regularized PG with the stated lambda and eta from theta_0 = 0; first iteration reaching "
                    "epsilon vs T; the ascent inequality at every step"]
LEMMA_DOMAIN_TEXT = ("random games N <= 3, |A^i| <= 3, |A| <= 8, |S| <= 3, gamma in [0.3, 0.7], dense/sparse/"
                     "near-deterministic/action-independent transitions, reward scale 1, lambda in {0.3, 1}, "
                     "random initial theta; plus one one-state instance where the bound is nearly tight")


@claim(id="bnrate:lemma-2", paper="bnrate", location="Lemma 2, Sec. 4.2 (proof in Appendix A.2)",
       statement=r"If ||grad_theta L_lambda(theta)||_2 <= lambda/(2|S||A| max_i |A^i|), then the BN policy pi_theta is "
                 r"a 2 lambda M-Nash policy, " + M_DEF,
       assumptions=BN_ASSUMPTIONS, domain=LEMMA_DOMAIN_TEXT + "; random DAGs", checkers=LEMMA_CHECKERS,
       group="rates")
def check_bnrate_lemma_2(ctx: Context) -> Result:
    return check_lemma(ctx, "bnrate:lemma-2")


@claim(id="bnrate:lemma-3", paper="bnrate", location="Lemma 3, Sec. 4.2 (proof in Appendix A.4)",
       statement=r"For a fully-correlated BN policy, if ||grad_theta L_lambda(theta)||_2 <= lambda/(2|S||A| max_i |A^i|), "
                 r"then pi_theta is a 2^{N+1} N lambda M-optimal policy, " + M_DEF,
       assumptions=BN_ASSUMPTIONS + ["fully-correlated DAG (|E| = N(N-1)/2), Definition 3"],
       domain=LEMMA_DOMAIN_TEXT + "; the full DAG", checkers=LEMMA_CHECKERS, group="rates")
def check_bnrate_lemma_3(ctx: Context) -> Result:
    return check_lemma(ctx, "bnrate:lemma-3")


@claim(id="mpg:lemma-3.5", paper="mpg", location="Lemma 3.5, Sec. 3.2 (proof in Appendix D.1)",
       statement=r"If ||grad_theta L_lambda(theta)||_2 <= lambda/(2|S| max_i |A^i|), then the product policy pi_theta "
                 r"is a 2 lambda M-Nash policy, " + M_DEF,
       assumptions=MPG_ASSUMPTIONS,
       domain=LEMMA_DOMAIN_TEXT.replace("random games", "random MPGs (r^i = phi + c^i; r^i = phi + u^i(s, a^{-i}))"),
       checkers=LEMMA_CHECKERS, group="rates")
def check_mpg_lemma_3_5(ctx: Context) -> Result:
    return check_lemma(ctx, "mpg:lemma-3.5")


THEOREM_DOMAIN_TEXT = ("random games N in 1..2, |A^i| in 2..3, |A| <= 6, |S| <= 2, gamma in [0, 0.4], reward scale 1, "
                       "and the Coordination Game (N = 2, gamma = 0.95, capped run); symbolic: all positive symbols")
T1_CORRECTED = ("256*N*M**2*S**2*Aj**2*Amax**2*R**2/((1-gamma)**4*eps**2) "
                                 "+ 32*M*S*Aj**2*Amax**2*sumInvAP*R/((1-gamma)*eps)")
T2_CORRECTED = ("2**(2*N+8)*N**3*M**2*S**2*Aj**2*Amax**2*R**2/(eps**2*(1-gamma)**4) "
                "+ 2**(N+5)*N*M*S*Aj**2*Amax**2*R*sumInvAP/(eps*(1-gamma))")


@claim(id="bnrate:theorem-1", paper="bnrate", location="Theorem 1, Sec. 4.2 (proof in Appendix A.3)",
       statement=r"With eta <= 1/beta_lambda, beta_lambda = 8N(r_max-r_min)/(1-gamma)^3 + sum_i 2 lambda/(|S||A^{P^i}|): "
                 r"min_{t<T} Nash-gap_t <= eps whenever T >= 256 N M^2 |S|^2 max_i|A^i|^2 (r_max-r_min)^2/((1-gamma)^4 eps^2) "
                 r"+ 32 lambda M |S| max_i|A^i|^2 sum_i 1/|A^{P^i}| (r_max-r_min)/((1-gamma) eps)",
       assumptions=BN_ASSUMPTIONS + ["lambda = eps/(2M) as the proof sets it (the statement leaves it free)"],
       domain=THEOREM_DOMAIN_TEXT + "; random DAGs (line DAG for the Coordination Game)", checkers=THEOREM_CHECKERS,
       corrected="bnrate:theorem-1/corrected", expected="refuted", group="rates",
       discrepancy="the printed T does not follow from Lemma 2 and Lemma 4: Lemma 2's threshold carries |A|, so both "
                   "terms lack a factor |A|^2, and the second term keeps a factor lambda (64 lambda M^2/eps^2 at "
                   "lambda = eps/2M is 32 M/eps); the printed T is |A|^-2 x (first term) and lambda |A|^-2 x (second)")
def check_bnrate_theorem_1(ctx: Context) -> Result:
    return check_theorem(ctx, "bnrate:theorem-1")


@claim(id="bnrate:theorem-1/corrected", paper="bnrate", location="Theorem 1 (corrected)",
       statement=r"With lambda = eps/(2M), eta = 1/beta_lambda (Lemma 4) and theta_0 = 0: min_{t<T} Nash-gap_t <= eps "
                 r"whenever T >= 256 N M^2 |S|^2 |A|^2 max_i|A^i|^2 (r_max-r_min)^2/((1-gamma)^4 eps^2) "
                 r"+ 32 M |S| |A|^2 max_i|A^i|^2 sum_i 1/|A^{P^i}| (r_max-r_min)/((1-gamma) eps)",
       assumptions=BN_ASSUMPTIONS + ["Lemma 2 and Lemma 4 as stated"], domain=THEOREM_DOMAIN_TEXT,
       checkers=THEOREM_CHECKERS, as_printed=False, group="rates",
       what_changed="T re-derived from the proof's chain with Lemma 2's threshold lambda/(2|S||A| max|A^i|) (factor "
                    "|A|^2 in both terms), lambda = eps/(2M) substituted in the second term; eta = 1/beta_lambda, "
                    "lambda = eps/2M and theta_0 = 0 (uniform) made explicit, as the proof uses them")
def check_bnrate_theorem_1_corrected(ctx: Context) -> Result:
    return check_theorem(ctx, "bnrate:theorem-1", T1_CORRECTED, claim_id="bnrate:theorem-1/corrected")


@claim(id="bnrate:theorem-2", paper="bnrate", location="Theorem 2, Sec. 4.2 (proof in Appendix A.5)",
       statement=r"For the fully-correlated BN policy, with eta <= 1/beta_lambda: min_{t<T} optimality-gap_t <= eps whenever "
                 r"T >= 2^{N+8} N^3 M^2 |S|^2 |A|^2 max_i|A^i|^2 (r_max-r_min)^2/(eps^2 (1-gamma)^4) "
                 r"+ 8 N M |S| |A|^2 max_i|A^i|^2 (r_max-r_min) sum_i 1/|A^{P^i}|/(eps (1-gamma))",
       assumptions=BN_ASSUMPTIONS + ["fully-correlated DAG", "lambda = eps/(2^{N+1} N M) as the proof sets it"],
       domain=THEOREM_DOMAIN_TEXT + "; the full DAG", checkers=THEOREM_CHECKERS,
       corrected="bnrate:theorem-2/corrected", expected="refuted", group="rates",
       discrepancy="1/lambda^2 at lambda = eps/(2^{N+1} N M) gives 2^{2N+5}, not 2^{N+5} (proof step 7), so the "
                   "first term is 2^{2N+8} N^3 ..., and the second term is 2^{N+5} N M ..., not 8 N M ...; the printed T "
                   "is 2^-N x (first term) and 2^-(N+2) x (second)")
def check_bnrate_theorem_2(ctx: Context) -> Result:
    return check_theorem(ctx, "bnrate:theorem-2")


@claim(id="bnrate:theorem-2/corrected", paper="bnrate", location="Theorem 2 (corrected)",
       statement=r"With lambda = eps/(2^{N+1} N M), eta = 1/beta_lambda and theta_0 = 0: min_{t<T} optimality-gap_t <= eps "
                 r"whenever T >= 2^{2N+8} N^3 M^2 |S|^2 |A|^2 max_i|A^i|^2 (r_max-r_min)^2/(eps^2 (1-gamma)^4) "
                 r"+ 2^{N+5} N M |S| |A|^2 max_i|A^i|^2 (r_max-r_min) sum_i 1/|A^{P^i}|/(eps (1-gamma))",
       assumptions=BN_ASSUMPTIONS + ["fully-correlated DAG", "Lemma 3 and Lemma 4 as stated"],
       domain=THEOREM_DOMAIN_TEXT, checkers=THEOREM_CHECKERS, as_printed=False, group="rates",
       what_changed="exponent 2N+8 (not N+8) in the first term and 2^{N+5} N M (not 8 N M) in the second, as the "
                    "proof's own chain gives; eta = 1/beta_lambda, lambda and theta_0 = 0 made explicit")
def check_bnrate_theorem_2_corrected(ctx: Context) -> Result:
    return check_theorem(ctx, "bnrate:theorem-2", T2_CORRECTED, claim_id="bnrate:theorem-2/corrected")


@claim(id="mpg:theorem-3.6", paper="mpg", location="Theorem 3.6, Sec. 3.2 (proof in Appendix D.2)",
       statement=r"beta_lambda := 41N/(4(1-gamma)^3) + 2 lambda N/|S|; from theta_0 = 0 with lambda = eps/2M and "
                 r"eta = 1/beta_lambda: min_{t<T} Nash-gap_t <= eps whenever T >= 328 N M^2 |S|^2 max_i|A^i|^2 "
                 r"(Phi_max-Phi_min)/((1-gamma)^3 eps^2) + 32 N M |S| max_i|A^i|^2 (Phi_max-Phi_min)/eps",
       assumptions=MPG_ASSUMPTIONS + ["Phi_max - Phi_min taken tight (max/min over states and policies)"],
       domain=THEOREM_DOMAIN_TEXT.replace("random games", "random MPGs") + "; product policies",
       checkers=THEOREM_CHECKERS, group="rates")
def check_mpg_theorem_3_6(ctx: Context) -> Result:
    return check_theorem(ctx, "mpg:theorem-3.6")
