r"""Searches behind the log-barrier rate claims (bnrate Theorems 1-2, Lemmas 2-3; mpg Lemma 3.5, Theorem 3.6).

1. **The freedoms of bnrate Theorems 1 and 2.**  As printed, the theorems say: under Assumptions 1-2,
   if every agent follows (2) with eta <= 1/beta_lambda, then min_{t<T} gap_t <= eps whenever T >= T(eps)
   (Theorem 1: Nash gap; Theorem 2: optimality gap, fully-correlated DAG).  The printed T depends on
   neither eta nor theta_0 and its first term not on lambda, while the statement restricts none of the
   three.  ``freedom_run`` runs the dynamics for ceil(T) steps with a step eta = eta_scale / beta_lambda,
   a regularization lambda = lambda_scale x (the proof's lambda) and a start theta_0, and evaluates the
   gap at every iterate t < T exactly; ``search_freedoms`` walks each freedom on a grid of seeded
   one-state games (bandits: N = 1, fully-correlated trivially; M = 1 exactly, since
   d^pi_mu(s) = 1/(1-gamma) for every pi; |S| = 1, so the printed T is as small as the statement allows).

   The run is compiled: ``lax.scan`` over the gradient of the independent JAX value of
   ``verify.oracles`` (the padded implementation used by every exact PG run of the harness); the iterates
   are kept, and the gap of each is the exact one-state formula
   gap(theta) = (max_a r(a) - sum_a pi_theta(a) r(a)) / (1-gamma) (for one agent and one state the
   Nash gap equals the optimality gap), cross-checked against ``verify.evaluation.nash_gap`` and
   ``optimality_gap`` at the first, the last and the best iterate.

2. **Near-stationary points** of L_lambda (bnrate Lemmas 2-3, mpg Lemma 3.5).  ``min_grad_norm``
   minimizes ||grad L_lambda(theta)||^2 with L-BFGS (gradient of the squared norm 2 H g by a central
   difference of the compiled JAX gradient along g) from a start; started from many random
   points, near-deterministic ones included, it finds stationary points of every kind (maxima, saddles),
   not only the first PG iterate crossing the lemma's threshold.
"""
from __future__ import annotations

import functools
import math

import numpy as np

from .errors import InputError
from .evaluation import nash_gap, optimality_gap
from .games import make_game
from .oracles import _jax, jax_instance
from .policies import DAG, BNPolicy

MAX_STEPS = 2_000_000


# ------------------------------------------------------------------------------------------------
# the compiled exact PG run on a one-agent one-state game
# ------------------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=None)
def _one_state_loop(sizes: tuple):
    r"""A compiled run of theta_{t+1} = theta_t + eta grad L_lambda(theta_t) on a one-state game with N agents,
    product softmax policies (the empty DAG; for N = 1 it is also fully correlated) and a common payoff
    phi (the team reward of bnrate, the potential of an identical-interest MPG of mpg):

        L_lambda(theta) = sum_a prod_i pi^i(a^i) phi(a) / (1-gamma) + lambda sum_i (mean_{a^i} log pi^i(a^i) + log|A^i|)

    (bnrate Eq. (4) and mpg Sec. 3.2 with |S| = 1 and no parents), its gradient by jax.grad; in the loop
    the exact gap of each iterate,

        gap(theta) = max_i max_{a^i} sum_{a^{-i}} pi^{-i}(a^{-i}) phi(a^i, a^{-i}) / (1-gamma) - V(theta)

    (the Nash gap; for N = 1 also the optimality gap).  Stops at the first t with gap_t <= eps or at
    t = T; carries the smallest gap and its iterate."""
    jax, jnp = _jax()
    N = len(sizes)
    letters = "abcdefgh"[:N]
    cuts = np.cumsum((0,) + sizes)

    def pis(th):
        return [jax.nn.softmax(th[cuts[i]:cuts[i + 1]]) for i in range(N)]

    def value(ps, phi):
        return jnp.einsum(",".join([letters] + list(letters)) + "->", phi, *ps)

    def L(th, phi, gamma, lam):
        reg = sum(jnp.mean(jax.nn.log_softmax(th[cuts[i]:cuts[i + 1]])) + jnp.log(sizes[i]) for i in range(N))
        return value(pis(th), phi) / (1.0 - gamma) + lam * reg

    dL = jax.grad(L)

    def gap(th, phi, gamma):
        ps = pis(th)
        v = value(ps, phi)
        best = v
        for i in range(N):
            others = [letters[j] for j in range(N) if j != i]
            q = jnp.einsum(",".join([letters] + others) + "->" + letters[i], phi, *[ps[j] for j in range(N) if j != i])
            best = jnp.maximum(best, jnp.max(q))
        return (best - v) / (1.0 - gamma)

    def run(th0, phi, gamma, lam, eta, eps, T):
        def cond(c):
            return (c[0] < T) & (c[2] > eps)

        def body(c):
            t, th, best, best_t, best_th = c
            g = gap(th, phi, gamma)
            better = g < best
            return (t + 1, th + eta * dL(th, phi, gamma, lam), jnp.minimum(g, best),
                    jnp.where(better, t, best_t), jnp.where(better, th, best_th))

        return jax.lax.while_loop(cond, body, (jnp.asarray(0), th0, jnp.asarray(jnp.inf), jnp.asarray(-1), th0))

    return jax.jit(run)


def one_state_run(game, theta0: np.ndarray, lam: float, eta: float, eps: float, T: int, reward=None) -> dict:
    r"""Exact regularized PG on a one-state game for t = 0, ..., T-1 (stopped at the first iterate with
    gap <= eps): the smallest gap over the iterates run, where it occurs, and the iterate after the last.
    ``reward``: None (team reward) or "potential"."""
    if game.n_states != 1:
        raise InputError("the compiled run is for one-state games")
    if not (eta > 0 and math.isfinite(eta)):
        raise InputError(f"step size must be positive and finite, got {eta}")
    if not 1 <= T <= MAX_STEPS:
        raise InputError(f"iteration count must be in 1..{MAX_STEPS}, got {T}")
    _, jnp = _jax()
    from .evaluation import _reward
    phi = np.asarray(_reward(game, reward), float).reshape(tuple(game.action_sizes))
    t, th, best, best_t, best_th = _one_state_loop(tuple(game.action_sizes))(
        jnp.asarray(theta0, dtype=float), jnp.asarray(phi), float(game.gamma), float(lam), float(eta),
        float(eps), int(T))
    return {"iterations": int(t), "min_gap": float(best), "argmin_t": int(best_t),
            "theta_argmin": np.asarray(best_th), "theta_next": np.asarray(th)}


def cross_check(game, pol: BNPolicy, run: dict, lam: float, eta: float, kind: str, reward=None) -> dict:
    """Independent checks of a compiled run: two steps against ``verify.dynamics.exact_gradient`` (the JAX
    oracle of verify.oracles) and the gap at theta_0 and at the best iterate against ``verify.evaluation``."""
    from .dynamics import exact_gradient
    th0 = pol.flat()
    two = one_state_run(game, th0, lam, eta, -1.0, 2, reward)["theta_next"]
    p = pol
    for _ in range(2):
        p = p.with_thetas([a + eta * b for a, b in zip(p.thetas, exact_gradient(game, p, reward, lam))])
    step_err = float(np.abs(two - p.flat()).max())
    oracle = nash_gap if kind == "nash" else optimality_gap
    g0 = float(oracle(game, pol))
    gb = float(oracle(game, pol.with_flat(run["theta_argmin"])))
    gap_err = abs(gb - run["min_gap"])
    if step_err > 1e-9 * max(1.0, float(np.abs(th0).max())) or gap_err > 1e-9 * max(1.0, abs(gb)):
        raise RuntimeError(f"compiled run disagrees with the oracles (step {step_err:.3g}, gap {gap_err:.3g})")
    return {"gap_0": g0, "gap_at_argmin": gb, "step_error": step_err, "gap_error": gap_err}


# ------------------------------------------------------------------------------------------------
# bnrate Theorems 1-2: a run with the statement's freedoms
# ------------------------------------------------------------------------------------------------
def bandit_game(rewards, gamma: float):
    """One agent, one state, team reward ``rewards`` (one per action), discount ``gamma``."""
    r = np.asarray(rewards, float)
    if r.ndim != 1 or r.size < 2 or not np.all(np.isfinite(r)):
        raise InputError("'rewards' must be a list of at least two finite numbers")
    if not 0.0 <= gamma < 1.0:
        raise InputError(f"gamma must lie in [0, 1), got {gamma}")
    if r.max() == r.min():
        raise InputError("constant rewards: every policy is optimal")
    return make_game(np.ones((1, r.size, 1)), r[None], [1.0], float(gamma), name="bandit")


def seeded_bandit(seed: int, n_actions: int, gamma: float) -> dict:
    """A one-state game spec with rewards drawn uniformly from [0, 1] (seeded), rounded to 6 digits."""
    rng = np.random.default_rng(seed)
    r = [round(float(x), 6) for x in rng.random(n_actions)]
    return {"rewards": r, "gamma": gamma}


def printed_T(tid: str, T_expr: str, game, eps: float, lam: float) -> float:
    """The theorem's T on a one-agent one-state game (M = 1, |S| = 1, |A| = max|A^i| = |A^1|,
    sum_i 1/|A^{P^i}| = 1), with lambda as given (the printed Theorem 1 T carries a lambda)."""
    from .claims.rates import _SYM, _e
    A = game.action_sizes[0]
    vals = {"N": 1, "S": 1, "Aj": A, "Amax": A, "sumInvAP": 1.0, "sumInvA": 1.0 / A, "M": 1.0,
            "R": game.r_max - game.r_min, "gamma": game.gamma, "eps": eps, "lam": lam}
    return float(_e(T_expr).subs({_SYM[k]: v for k, v in vals.items()}))


def freedom_run(tid: str, spec: dict, T_expr: str) -> dict:
    r"""One run with the statement's freedoms: ``spec`` = {"rewards", "gamma", "eps", "eta_scale" (eta =
    eta_scale / beta_lambda, the statement allows eta_scale in (0, 1]), "lambda_scale" (lambda =
    lambda_scale x the proof's lambda, eps/(2M) resp. eps/(2^{N+1} N M)), "theta0" (the start; default 0)}.
    Runs T = ceil(T_printed) steps and returns the smallest exact gap over t < T."""
    from .claims.rates import THEOREMS, _SYM, _e, beta_lambda
    try:
        game = bandit_game(spec["rewards"], float(spec.get("gamma", 0.0)))
        eps = float(spec["eps"])
        eta_scale = float(spec.get("eta_scale", 1.0))
        lam_scale = float(spec.get("lambda_scale", 1.0))
        theta0 = np.asarray(spec.get("theta0", [0.0] * game.action_sizes[0]), float)
    except (KeyError, TypeError, ValueError) as e:
        raise InputError(f"malformed theorem instance: {e}") from None
    if not eps > 0:
        raise InputError(f"eps must be positive, got {eps}")
    if not 0 < eta_scale <= 1:
        raise InputError(f"eta_scale must lie in (0, 1] (the statement's eta <= 1/beta_lambda), got {eta_scale}")
    if not lam_scale > 0:
        raise InputError(f"lambda_scale must be positive, got {lam_scale}")
    if theta0.shape != (game.action_sizes[0],) or not np.all(np.isfinite(theta0)):
        raise InputError("theta0 must be a list of finite numbers, one per action")
    th = THEOREMS[tid]
    lam = lam_scale * float(_e(th["lam"]).subs({_SYM["eps"]: eps, _SYM["M"]: 1.0, _SYM["N"]: 1}))
    dag = DAG.empty(1)
    beta = beta_lambda(tid, game, dag, lam)
    eta = eta_scale / beta
    Tp = printed_T(tid, T_expr, game, eps, lam)
    T = int(math.ceil(Tp))
    if T > MAX_STEPS:
        return {"status": "skip", "why": f"T = {Tp:.4g} exceeds the run cap {MAX_STEPS}", "T": Tp}
    pol = BNPolicy(dag, game.action_sizes, 1).with_flat(theta0)
    run = one_state_run(game, theta0, lam, eta, eps, T)
    check = cross_check(game, pol, run, lam, eta, th["kind"])
    fails = run["iterations"] == T and run["min_gap"] > eps
    return {"status": "fails" if fails else "holds", "T_printed": Tp, "T_run": T,
            "eps": eps, "lambda": lam, "beta_lambda": beta, "eta": eta, "iterations_run": run["iterations"],
            "min_gap_t<T": run["min_gap"], "argmin_t": run["argmin_t"], "gap_0": check["gap_0"],
            "margin_min_gap_over_eps": run["min_gap"] / eps, "oracle_check": check}


#: the freedoms searched, per reading (the grid values are multipliers; the first is the proof's choice)
ETA_SCALES = (1.0, 0.1, 1e-2, 1e-3, 1e-6, 1e-9)
LAMBDA_SCALES = (1.0, 4.0, 16.0, 64.0)
THETA0_GAPS = (0.0, 10.0, 100.0, 1000.0, 10000.0)


def freedom_specs(base: dict, freedom: str, profile: str) -> list[dict]:
    """Runs along one freedom from a base game (eps = eps_fraction x the gap at the uniform start).
    theta0 moves the best action's logit down by G (its probability ~ exp(-G))."""
    game = bandit_game(base["rewards"], base["gamma"])
    r = np.asarray(base["rewards"], float)
    gap_u = (r.max() - r.mean()) / (1 - game.gamma)
    out = []
    common = {"rewards": base["rewards"], "gamma": base["gamma"], "eps": round(0.5 * gap_u, 9)}
    if freedom == "eta":
        for s in ETA_SCALES:
            out.append(dict(common, eta_scale=s))
    elif freedom == "lambda":
        for s in LAMBDA_SCALES:
            out.append(dict(common, lambda_scale=s))
    elif freedom == "theta0":
        for G in THETA0_GAPS:
            th = [0.0] * len(r)
            th[int(np.argmax(r))] = -G
            out.append(dict(common, theta0=th))
    else:
        raise ValueError(freedom)
    return out


def bandit_bases(seed: int, n: int) -> list[dict]:
    """n seeded one-state games (2 or 3 actions, gamma in {0, 0.2})."""
    rng = np.random.default_rng(seed)
    return [seeded_bandit(int(rng.integers(0, 2**31 - 1)), int(rng.choice([2, 3])), float(rng.choice([0.0, 0.2])))
            for _ in range(n)]


def search_freedoms(tid: str, T_expr: str, freedoms: tuple, bases: list[dict], profile: str) -> dict:
    """Walk the given freedoms from each base game; every run is recorded; the first failing run per
    freedom is the counterexample (the grids start at the proof's own choices)."""
    runs, first = [], {}
    for b in bases:
        for f in freedoms:
            for s in freedom_specs(b, f, profile):
                r = freedom_run(tid, s, T_expr)
                runs.append({"freedom": f, "spec": s, **{k: v for k, v in r.items() if k != "oracle_check"}})
                if r["status"] == "fails" and f not in first:
                    first[f] = {"spec": s, **r}
                if r["status"] == "fails" and profile == "quick":
                    break     # later grid values only move further from the proof's choice
    return {"runs": runs, "first_failure": first}


# ------------------------------------------------------------------------------------------------
# near-stationary points: minimize ||grad L_lambda||^2
# ------------------------------------------------------------------------------------------------
def min_grad_norm(game, policy: BNPolicy, lam: float, reward=None, maxiter: int = 150):
    r"""Minimize f(theta) = ||grad_theta L_lambda(theta)||_2^2 over theta from ``policy`` (L-BFGS).  grad f = 2 H g
    (H the Hessian of L_lambda, g its gradient) is formed as a central difference of the gradient along g,
    H g ~ (g(theta + h u) - g(theta - h u)) ||g|| / (2h), u = g/||g||, h = 1e-5: two calls of the compiled
    JAX gradient of ``verify.jax_engine`` per evaluation.  Returns (policy at the minimizer, its grad norm)."""
    from scipy.optimize import minimize
    inst = jax_instance(game, policy, reward)   # the one general JAX engine (verify.jax_engine)

    def grad(x):
        return inst.grad(np.asarray(x, float), lam=lam)

    def f(x):
        g = grad(x)
        ng = float(np.linalg.norm(g))
        if ng == 0.0:
            return 0.0, np.zeros_like(x)
        u, h = g / ng, 1e-5
        Hg = (grad(x + h * u) - grad(x - h * u)) * ng / (2 * h)
        return ng ** 2, 2.0 * Hg

    res = minimize(f, policy.flat(), jac=True, method="L-BFGS-B",
                   options={"maxiter": maxiter, "gtol": 1e-30, "ftol": 0.0})
    p = policy.with_flat(res.x)
    return p, float(np.linalg.norm(grad(res.x)))


# ------------------------------------------------------------------------------------------------
# mpg Theorem 3.6 on one-state potential games, over the potential's range
# ------------------------------------------------------------------------------------------------
def potential_game(potential, gamma: float):
    """One state, identical interest r^i = phi (a Markov potential game with potential phi)."""
    phi = np.asarray(potential, float)
    if phi.ndim < 1 or phi.ndim > 4 or min(phi.shape) < 1 or not np.all(np.isfinite(phi)):
        raise InputError("'potential' must be a finite nested list with one axis per agent (1..4 agents)")
    if not 0.0 <= gamma < 1.0:
        raise InputError(f"gamma must lie in [0, 1), got {gamma}")
    return make_game(np.ones((1,) + phi.shape + (1,)), phi[None], [1.0], float(gamma), potential=phi[None],
                     name="one-state potential game")


def seeded_potential(seed: int) -> dict:
    """A one-state potential game spec: N in {1, 2}, |A^i| in {2, 3}, phi uniform in [0, 1] (6 digits), gamma in {0, 0.2}."""
    rng = np.random.default_rng(seed)
    N = int(rng.choice([1, 2, 2]))
    shape = tuple(int(rng.choice([2, 3])) for _ in range(N))
    phi = np.round(rng.random(shape), 6)
    return {"potential": phi.tolist(), "gamma": float(rng.choice([0.0, 0.2]))}


def potential_bases(seed: int, n: int) -> list[dict]:
    rng = np.random.default_rng(seed + 36)
    return [seeded_potential(int(rng.integers(0, 2**31 - 1))) for _ in range(n)]


#: multipliers of a [0, 1] potential: 1 stays where the proof of Lemma 3.2 works, the others leave it
POTENTIAL_SCALES = (1.0, 10.0, 100.0, 1000.0, 10000.0)


def mpg36_run(spec: dict, T_expr: str, T_factor: float = 1.0) -> dict:
    r"""mpg Theorem 3.6 on a one-state game, as stated: theta_0 = 0, lambda = eps/(2M), eta = 1/beta_lambda,
    beta_lambda = 41N/(4(1-gamma)^3) + 2 lambda N/|S| (M = 1 for one state).  ``spec`` = {"potential",
    "gamma", "scale" (phi = scale x potential), "eps" (absolute) or "eps_fraction" (of the gap at theta_0)}.
    Runs T = ceil(T_factor x T(eps)) steps (``T_factor`` < 1 plants a smaller T) and returns the smallest
    exact Nash gap over t < T."""
    from .claims.rates import T_value
    try:
        scale = float(spec.get("scale", 1.0))
        game = potential_game(scale * np.asarray(spec["potential"], float), float(spec.get("gamma", 0.0)))
    except (KeyError, TypeError, ValueError) as e:
        raise InputError(f"malformed potential-game instance: {e}") from None
    N = game.n_agents
    pol = BNPolicy(DAG.empty(N), game.action_sizes, 1)        # theta_0 = 0
    gap0 = float(nash_gap(game, pol))
    eps = float(spec["eps"]) if "eps" in spec else float(spec.get("eps_fraction", 0.5)) * gap0
    if not eps > 0:
        raise InputError("eps must be positive (the uniform start is already a Nash policy here)")
    lam = eps / 2.0                                             # lambda = eps/(2M), M = 1
    beta = 41 * N / (4 * (1 - game.gamma) ** 3) + 2 * lam * N / 1
    eta = 1.0 / beta
    Tp = T_value("mpg:theorem-3.6", T_expr, game, pol.dag, 1.0, eps) * T_factor
    T = int(math.ceil(Tp))
    if T > MAX_STEPS:
        return {"status": "skip", "why": f"T = {Tp:.4g} exceeds the run cap {MAX_STEPS}", "T_printed": Tp}
    run = one_state_run(game, pol.flat(), lam, eta, eps, T, reward="potential")
    check = cross_check(game, pol, run, lam, eta, "nash", reward="potential")
    fails = run["iterations"] == T and run["min_gap"] > eps
    first_hit = run["iterations"] if not fails else None
    return {"status": "fails" if fails else "holds", "T_printed": Tp, "T_run": T, "eps": eps, "lambda": lam,
            "beta_lambda": beta, "eta": eta, "Phi_range": float(np.ptp(game.potential)) / (1 - game.gamma),
            "iterations_run": run["iterations"], "first_hit": first_hit,
            "slack_T_over_first_hit": (Tp / max(first_hit, 1)) if first_hit is not None else None,
            "min_gap_t<T": run["min_gap"], "argmin_t": run["argmin_t"], "gap_0": gap0,
            "margin_min_gap_over_eps": run["min_gap"] / eps, "oracle_check": check}


def symmetric_potential(seed: int, n_actions: int = 2) -> dict:
    """A symmetric two-agent one-state potential, phi(a, b) = phi(b, a) uniform in [0, 1] (6 digits): from
    theta_0 = 0 both agents move in lockstep, the case where simultaneous steps can overshoot together."""
    rng = np.random.default_rng(seed)
    x = np.round(rng.random((n_actions, n_actions)), 6)
    phi = np.triu(x) + np.triu(x, 1).T
    return {"potential": phi.tolist(), "gamma": 0.0}


def symmetric_bases(seed: int, n: int) -> list[dict]:
    rng = np.random.default_rng(seed + 3600)
    return [symmetric_potential(int(rng.integers(0, 2**31 - 1))) for _ in range(n)]


#: eps as a fraction of the Nash gap at theta_0 = 0 (the statement holds for every eps > 0)
EPS_FRACTIONS = (0.5, 0.05)


def search_mpg36(T_expr: str, bases: list[dict], scales: tuple, profile: str, T_factor: float = 1.0) -> dict:
    """Every base game x potential scale x eps fraction, as the statement fixes theta_0, lambda and eta."""
    runs, first = [], None
    for b in bases:
        for sc in scales:
            for fr in EPS_FRACTIONS:
                s = dict(b, scale=sc, eps_fraction=fr)
                r = mpg36_run(s, T_expr, T_factor)
                runs.append({"spec": s, **{k: v for k, v in r.items() if k != "oracle_check"}})
                if r["status"] == "fails" and first is None:
                    first = {"spec": s, **r}
                    if profile == "quick":
                        return {"runs": runs, "first_failure": first}
    return {"runs": runs, "first_failure": first}
