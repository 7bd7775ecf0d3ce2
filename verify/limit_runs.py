r"""Long exact policy-gradient runs and what they show about the limit lemmas (bnac Lemmas A.6-A.16 behind
Theorem 5.5 / A.17 and Corollary 5.8 / A.18; mpg Lemmas C.4-C.13 behind Theorem 3.4).

The lemmas speak of limits: Q^{inf,i} = lim_t Q^{t,i}, the sets

    I_0 = {a^i : A^{inf,i}(s, a^{P^i}, a^i) = 0},  I_+ = {... > 0},  I_- = {... < 0}      (bnac A.6; mpg C.4)
    Delta = min over the entries with A^{inf,i} != 0 of |A^{inf,i}|,

and times T_0, T_1 defined through them.  A finite run cannot compute a limit; what it can do is run long,
record the iterates on a logarithmic grid of checkpoints, and report the sets and Delta *estimated at the last
iterate* together with how settled they look (the advantage of an entry at T against its value at T/10).

**The run.**  theta_{t+1} = theta_t + eta grad, compiled (``jax.lax.fori_loop`` over the gradient of the
independent JAX value of ``verify.jax_engine``, on a grid padded to the instance's own sizes): for bnac the
team value V(mu) of the BN policy (Eq. (2)); for mpg every agent ascends its own V^i(mu) (Eq. (3)).  Inside
the loop, at every iterate: the smallest one-step change of the measured value (team V(mu), or the potential
Phi(mu) for mpg), and per parameter entry the last iterate at which the sign of its increment changed.

**The observation.**  At each checkpoint the NumPy reference (``verify.evaluation``, independent of the JAX
engine) gives, per agent i and entry (s, a^{P^i}, a^i) (mpg: a^{P^i} empty, so Q^{t,i}(s) = V_phi^t(s)):

    Q^{t,i}(s, a^{P^i}, a^i) = E[Q^t(s, a) | a^{P^i_+}],  Q^{t,i}(s, a^{P^i}) = E[Q^t(s, a) | a^{P^i}],
    A^{t,i} = Q^{t,i}(s, a^{P^i}, a^i) - Q^{t,i}(s, a^{P^i}),  pi^{t,i}(a^i | s, a^{P^i}),  d^t(s, a^{P^i}).

Readings the harness chooses (recorded in every output):
* an entry is in the estimated I_0 when |A^{T}| <= ``zero_tol`` x scale or |A^{T}| <= |A^{T/10}| / 2 (still
  falling toward 0); in I_+ / I_- when |A^T| > ``zero_tol`` x scale and |A^T - A^{T/10}| <= |A^T| / 4
  (settled away from 0); otherwise "unsettled" (the run is too short to tell);
* lim d(s, a^{P^i}) > 0 is *observed* when d^T >= d^{T/10} / 2 and (1-gamma) d^T >= 1e-8; otherwise the entry's
  parent visitation is "decaying";
* T_0, T_1 are estimated on the checkpoints only (the first checkpoint from which the lemma's inequality holds
  at every later checkpoint, with the estimated limits and Delta).
"""
from __future__ import annotations

import functools
import json
import math
import time
from pathlib import Path

import numpy as np

from . import evaluation as E
from .errors import InputError

RESULTS_DIR = Path(__file__).resolve().parent.parent / "results" / "limits"
ZERO_TOL = 1e-6          # |A^T| <= ZERO_TOL x value scale: the entry counts as A^inf = 0
D_FLOOR = 1e-8           # normalized d(s, a^P) below this at T counts as decaying
MAX_T = 10 ** 9


# ------------------------------------------------------------------------------------------------
# the compiled loop
# ------------------------------------------------------------------------------------------------
_LET = "abcdefghij"


@functools.lru_cache(maxsize=None)
def _loop(S: int, A: tuple, parents: tuple, n_rewards: int):
    r"""The compiled run for one instance shape: its own small JAX value (unpadded, static shapes; a third
    implementation beside ``verify.evaluation`` and ``verify.jax_engine``)

        pi(a|s) = prod_i softmax(theta^i_{s, a^{P^i}, .})(a^i)                               bnac Eq. (1)
        V = (I - gamma P_pi)^{-1} r_pi,  V(mu) = mu^T V

    and a fori_loop of theta <- theta + eta sum_k mask_k * grad_theta V^{r_k}(mu) (one reward per updating
    agent, or one team reward), tracking min_t [V^{r_m}_{t+1}(mu) - V^{r_m}_t(mu)] and per entry the last
    iterate at which the sign of its increment changed."""
    import jax
    import jax.numpy as jnp

    N = len(A)
    shapes = [(S,) + tuple(A[j] for j in ps) + (A[i],) for i, ps in enumerate(parents)]
    sizes = [int(np.prod(s)) for s in shapes]
    offs = np.cumsum([0] + sizes)
    spec = ",".join("s" + "".join(_LET[j] for j in ps) + _LET[i] for i, ps in enumerate(parents))
    spec += "->s" + "".join(_LET[:N])

    def V(th, r, P, mu, gamma):
        locs = [jax.nn.softmax(th[offs[i]:offs[i + 1]].reshape(shapes[i]), axis=-1) for i in range(N)]
        pi = jnp.einsum(spec, *locs).reshape(S, -1)
        P_pi = jnp.einsum("sa,sat->st", pi, P)
        r_pi = jnp.sum(pi * r, axis=1)
        M = jnp.eye(S) - gamma * P_pi
        if S == 1:
            v = r_pi / M[:, 0]
        elif S == 2:   # Cramer's rule (a LAPACK call per step costs more than the rest of the step)
            det = M[0, 0] * M[1, 1] - M[0, 1] * M[1, 0]
            v = jnp.stack([M[1, 1] * r_pi[0] - M[0, 1] * r_pi[1], M[0, 0] * r_pi[1] - M[1, 0] * r_pi[0]]) / det
        else:
            v = jnp.linalg.solve(jnp.eye(S) - gamma * P_pi, r_pi)
        return mu @ v

    g = jax.grad(V)

    def run(carry, n_steps, R, masks, Rm, P, mu, gamma, eta):
        def body(_, c):
            t, th, prev_sign, last_change, min_dv, v = c
            G = jnp.stack([g(th, R[k], P, mu, gamma) for k in range(n_rewards)])
            step = eta * jnp.sum(masks * G, axis=0)
            sgn = jnp.sign(step)
            last_change = jnp.where((sgn != prev_sign) & (t > 0), t, last_change)
            th2 = th + step
            v2 = V(th2, Rm, P, mu, gamma)
            return (t + 1, th2, sgn, last_change, jnp.minimum(min_dv, v2 - v), v2)
        return jax.lax.fori_loop(0, n_steps, body, carry)

    return jax.jit(run), jax.jit(V), jax.jit(g)


def checkpoints(T: int, k: int = 60) -> list[int]:
    """0, then about k logarithmically spaced iterates up to T (T included)."""
    if T < 1:
        return [0]
    ts = np.unique(np.round(np.logspace(0, math.log10(T), k)).astype(int))
    return [0] + [int(t) for t in ts if 0 < t <= T]


def compiled_run(game, pol, eta: float, T: int, update: str | None, measure, k: int = 60) -> dict:
    r"""Run T steps of exact PG from ``pol`` at step ``eta`` on the compiled loop.  ``update``: None (every agent
    ascends the team value: bnac Eq. (2)) or "own" (agent i ascends V^i: mpg Eq. (3)); ``measure``: the reward
    whose value is tracked (None team, "potential" Phi).  Returns the checkpoint iterates (flat theta), the
    smallest one-step change of the measured V(mu), the last sign change per entry, the first step's direction
    against central differences of the NumPy reference (``oracle_diff``), the loop's own ``direction`` and the
    seconds."""
    if not (eta > 0 and math.isfinite(eta)):
        raise InputError(f"step size must be positive and finite, got {eta}")
    if not 1 <= int(T) <= MAX_T:
        raise InputError(f"iteration count must be in 1..{MAX_T}, got {T}")
    n, N = pol.n_params, game.n_agents
    offs = np.cumsum([0] + [int(np.prod(s)) for s in pol.theta_shapes])
    if update is None:
        R = np.stack([E._reward(game, None)])
        masks = np.ones((1, n))
    else:
        R = np.stack([E._reward(game, i) for i in range(N)])
        masks = np.zeros((N, n))
        for i in range(N):
            masks[i, offs[i]:offs[i + 1]] = 1.0
    Rm = np.asarray(E._reward(game, measure), float)
    P, mu, gam = np.asarray(game.P_flat, float), np.asarray(game.mu, float), float(game.gamma)
    fn, V, g = _loop(game.n_states, tuple(game.action_sizes), tuple(tuple(p) for p in pol.dag.parents), len(R))

    def direction(x):
        """The update direction sum_k mask_k grad V^{r_k}(mu) at flat theta x (this loop's own gradient)."""
        return np.sum(masks * np.stack([np.asarray(g(x, r, P, mu, gam)) for r in R]), axis=0)

    x0 = np.asarray(pol.flat(), float)
    oracle = fd_direction(game, pol, update)
    v0 = E.value_mu(game, pol, measure)
    carry = (np.asarray(0, np.int64), x0, np.zeros(n), np.zeros(n, dtype=np.int64), np.asarray(np.inf),
             np.asarray(v0, float))
    ts = checkpoints(int(T), k)
    thetas = [np.asarray(pol.flat(), float)]
    t0 = time.perf_counter()
    for a, b in zip(ts, ts[1:]):
        carry = fn(carry, int(b - a), R, masks, Rm, P, mu, gam, float(eta))
        thetas.append(np.asarray(carry[1]).copy())
    return {"t": ts, "theta": thetas, "min_dV": float(carry[4]),
            "last_sign_change": np.asarray(carry[3]).astype(int).tolist(),
            "final_sign": np.asarray(carry[2]).astype(int).tolist(), "seconds": time.perf_counter() - t0,
            "oracle_diff": float(np.abs(direction(x0) - oracle).max()), "direction": direction,
            "eta": float(eta), "T": int(T), "update": update, "measure": measure}


# ------------------------------------------------------------------------------------------------
# the quantities of the lemmas at one iterate (NumPy reference)
# ------------------------------------------------------------------------------------------------
def lemma_quantities(game, pol, reward) -> list[dict]:
    r"""Per agent i, arrays of the shape of theta^i (s, a^{P^i}..., a^i):
    ``Qplus`` = Q^{t,i}(s, a^{P^i}, a^i), ``Qpar`` = Q^{t,i}(s, a^{P^i}) (broadcast), ``A`` = their difference,
    ``pi`` = pi^{t,i}(a^i|s, a^{P^i}), ``d`` = (1-gamma) d^t(s, a^{P^i}) (normalized, broadcast), ``grad`` = the
    Lemma A.4 / mpg Lemma 3.1 form d(s, a^P) pi A (unnormalized d, without the printed 1/(1-gamma): only its
    sign is used), ``theta``."""
    Q = E.q_values(game, pol, reward)
    dn = E.visitation_normalized(game, pol)
    out = []
    for i in range(game.n_agents):
        ps = list(pol.dag.parents[i])
        plus = sorted(ps + [i])
        qp = np.moveaxis(E.q_subset(game, pol, plus, Q=Q), 1 + plus.index(i), -1)
        q0 = E.q_subset(game, pol, ps, Q=Q)[..., None]
        m = pol.marginal(ps)
        d = (dn.reshape((-1,) + (1,) * (m.ndim - 1)) * m)[..., None]
        loc = pol.local(i)
        A = qp - q0
        out.append({"Qplus": qp, "Qpar": np.broadcast_to(q0, qp.shape).copy(), "A": A, "pi": loc,
                    "d": np.broadcast_to(d, qp.shape).copy(), "theta": np.asarray(pol.thetas[i], float),
                    "grad": d / (1 - game.gamma) * loc * A})
    return out


def value_scale(game, reward) -> float:
    r = E._reward(game, reward)
    return max(float(np.abs(r).max()), 1e-3) / (1 - game.gamma)


# ------------------------------------------------------------------------------------------------
# the observation of a run
# ------------------------------------------------------------------------------------------------
def _first_from(ok: list[bool], ts: list[int]):
    """The first checkpoint t from which ok holds at every later checkpoint (None if not at the last)."""
    k = len(ok)
    while k > 0 and ok[k - 1]:
        k -= 1
    return None if k == len(ok) else ts[k]


def observe(game, pol0, run: dict, reward, zero_tol: float = ZERO_TOL) -> dict:
    r"""The estimated limit objects and the finite-t statements of bnac A.6-A.16 / mpg C.4-C.13 along a run
    (``compiled_run``).  ``reward``: the value whose Q the lemmas use (None team value; "potential" Phi)."""
    ts = run["t"]
    pols = [pol0.with_flat(th) for th in run["theta"]]
    qs = [lemma_quantities(game, p, reward) for p in pols]
    sc = value_scale(game, reward)
    T = ts[-1]
    k10 = max(j for j, t in enumerate(ts) if t <= max(T // 10, 0)) if T >= 10 else 0
    N = game.n_agents
    cls, dlim = [], []
    for i in range(N):
        aT, a10 = qs[-1][i]["A"], qs[k10][i]["A"]
        c = np.full(aT.shape, "unsettled", dtype=object)
        zero = (np.abs(aT) <= zero_tol * sc) | (np.abs(aT) <= 0.5 * np.abs(a10))
        settled = (np.abs(aT) > zero_tol * sc) & (np.abs(aT - a10) <= 0.25 * np.abs(aT))
        c[zero] = "I_0"
        c[settled & (aT > 0)] = "I_+"
        c[settled & (aT < 0)] = "I_-"
        cls.append(c)
        dT, d10 = qs[-1][i]["d"], qs[k10][i]["d"]
        dlim.append((dT >= 0.5 * d10) & (dT >= D_FLOOR))
    nonzero = [np.abs(qs[-1][i]["A"][(cls[i] == "I_+") | (cls[i] == "I_-")]) for i in range(N)]
    allnz = np.concatenate([x.ravel() for x in nonzero]) if nonzero else np.array([])
    delta = float(allnz.min()) if allnz.size else None
    # T_0 (A.6 / C.4): |Q^{t,i}(s,a^P,a^i) - Q^{T,i}| <= Delta/4 from there on
    t0 = t1 = None
    if delta is not None:
        ok0 = [all(np.all(np.abs(q[i]["Qplus"] - qs[-1][i]["Qplus"]) <= delta / 4) for i in range(N)) for q in qs]
        t0 = _first_from(ok0, ts)
        ok1 = [all(np.all(q[i]["A"][cls[i] == "I_-"] < -delta / 4) and np.all(q[i]["A"][cls[i] == "I_+"] > delta / 4)
                   for i in range(N)) for q in qs]
        t1 = _first_from(ok1, ts)
    # finite-t statements, at every checkpoint
    sum_dev = 0.0
    for q in qs:
        for i in range(N):
            s_t, s_0 = q[i]["theta"].sum(axis=-1), qs[0][i]["theta"].sum(axis=-1)
            sum_dev = max(sum_dev, float(np.abs(s_t - s_0).max() / max(1.0, np.abs(q[i]["theta"]).max())))
    # the entries' theta trend and the sign of the increment against the sign of A (Lemma A.4 form)
    entries = []
    for i in range(N):
        for idx in np.ndindex(cls[i].shape):
            e = {"agent": i, "entry": list(idx), "set": str(cls[i][idx]), "lim_d_positive": bool(dlim[i][idx]),
                 "A_T": float(qs[-1][i]["A"][idx]), "A_T10": float(qs[k10][i]["A"][idx]),
                 "pi_T": float(qs[-1][i]["pi"][idx]), "pi_T10": float(qs[k10][i]["pi"][idx]),
                 "d_T": float(qs[-1][i]["d"][idx]), "d_T10": float(qs[k10][i]["d"][idx]),
                 "theta_0": float(qs[0][i]["theta"][idx]), "theta_T10": float(qs[k10][i]["theta"][idx]),
                 "theta_T": float(qs[-1][i]["theta"][idx])}
            e["series"] = {"pi": [float(q[i]["pi"][idx]) for q in qs], "A": [float(q[i]["A"][idx]) for q in qs],
                           "theta": [float(q[i]["theta"][idx]) for q in qs]}
            entries.append(e)
    offs = np.cumsum([0] + [int(np.prod(s)) for s in pol0.theta_shapes])
    for e in entries:
        flat = int(offs[e["agent"]] + np.ravel_multi_index(tuple(e["entry"]), pol0.theta_shapes[e["agent"]]))
        e["last_sign_change"] = int(run["last_sign_change"][flat])
        e["final_step_sign"] = int(run["final_sign"][flat])
    q_change = max(float(np.abs(qs[-1][i]["Qplus"] - qs[k10][i]["Qplus"]).max()) for i in range(N))
    return {"T": T, "checkpoints": len(ts), "q_change_last_decade": q_change, "T10": ts[k10], "eta": run["eta"], "seconds": round(run["seconds"], 3), "oracle_diff": run["oracle_diff"],
            "value_scale": sc, "zero_tol": zero_tol, "delta": delta, "T0_est": t0, "T1_est": t1,
            "min_dV_rel": run["min_dV"] / sc, "theta_sum_drift": sum_dev, "entries": entries,
            "t": ts, "_q": qs, "_cls": cls, "_dlim": dlim, "_pols": pols}


def fd_direction(game, pol, update, h: float = 1e-5) -> np.ndarray:
    r"""The update direction by central differences of the NumPy value (``verify.evaluation.value_mu``): entry k of
    block i is d V^{r_i}(mu) / d theta_k (r_i the team reward, or agent i's own for ``update='own'``)."""
    x = pol.flat()
    offs = np.cumsum([0] + [int(np.prod(s)) for s in pol.theta_shapes])
    out = np.zeros(x.size)
    for i in range(game.n_agents):
        r = None if update is None else i
        for k in range(offs[i], offs[i + 1]):
            e = np.zeros(x.size)
            e[k] = h
            out[k] = (E.value_mu(game, pol.with_flat(x + e), r) - E.value_mu(game, pol.with_flat(x - e), r)) / (2 * h)
    return out


def sign_agreement(game, pol, direction, reward) -> dict:
    r"""The sign of the loop's update direction at ``pol`` against the sign of the NumPy d(s, a^P) pi A (the Lemma
    A.4 / mpg Lemma 3.1 form): the count of entries whose increment has the other sign.  Entries where
    |d pi A| <= 1e-12 x scale are not counted (the sign says nothing there)."""
    step = direction(pol.flat())
    q = lemma_quantities(game, pol, reward)
    sc = value_scale(game, reward)
    offs = np.cumsum([0] + [int(np.prod(s)) for s in pol.theta_shapes])
    bad = counted = 0
    for i in range(game.n_agents):
        form = q[i]["grad"].ravel()
        gi = step[offs[i]:offs[i + 1]]
        m = np.abs(form) > 1e-12 * sc
        counted += int(m.sum())
        bad += int(np.sum(np.sign(gi[m]) != np.sign(form[m])))
    return {"counted": counted, "disagree": bad}


def public(obs: dict) -> dict:
    """The JSON-able part of an observation."""
    return {k: v for k, v in obs.items() if not k.startswith("_") and not callable(v)}


# ------------------------------------------------------------------------------------------------
# the run plans (seeded specs of verify.claims.convergence.build_instance) and the committed long runs
# ------------------------------------------------------------------------------------------------
def _bn_specs():
    return [
        ("2x2 team matrix game [[2,0],[0,1]], fully-correlated DAG, adversarial start",
         {"kind": "matrix", "reward": [[2.0, 0.0], [0.0, 1.0]], "gamma": 0.0, "dag": [[], [0]],
          "theta": [0.0, 2.0, 0.0, 3.0, 0.0, 1.0]}),
        ("2x2 team matrix game [[2,0],[0,1]], fully-correlated DAG, uniform start",
         {"kind": "matrix", "reward": [[2.0, 0.0], [0.0, 1.0]], "gamma": 0.0, "dag": [[], [0]],
          "theta": [0.0] * 6}),
        ("random team game (seed 11), |S| = 2, line DAG, gamma = 0.4",
         {"n_agents": 2, "action_sizes": [2, 2], "n_states": 2, "gamma": 0.4, "transition": "dense",
          "reward": "team", "seed": 11, "dag": [[], [0]], "theta_scale": 1.0, "theta_seed": 1}),
    ]


def _mpg_specs():
    return [
        ("2x2 identical-interest matrix game [[2,0],[0,1]], product policies, start on the worse profile",
         {"kind": "matrix", "reward": [[2.0, 0.0], [0.0, 1.0]], "gamma": 0.0, "dag": [[], []],
          "theta": [0.0, 3.0, 0.0, 3.0]}),
        ("random MPG (seed 5) r^i = phi + c^i, |S| = 2, gamma = 0.4",
         {"n_agents": 2, "action_sizes": [2, 2], "n_states": 2, "gamma": 0.4, "transition": "dense",
          "reward": "potential", "seed": 5, "dag": [[], []], "theta_scale": 1.0, "theta_seed": 2}),
    ]


PLANS = {"bnac": _bn_specs, "mpg": _mpg_specs}
#: run lengths: the quick profile runs the matrix games live; paper and deep run every game live for T_QUICK
#: steps and read the committed long runs of every game
T_QUICK = 20_000
T_LONG = {"paper": 1_000_000, "deep": 10_000_000}


def step_bound(paper: str, game) -> float:
    from .claims.convergence import bnac_step_bound, mpg_thm34_step_bound
    return bnac_step_bound(game) if paper == "bnac" else mpg_thm34_step_bound(game)


def run_plan(paper: str, spec: dict, T: int) -> dict:
    """Build, run at the stated step bound, observe.  bnac: team update, team Q; mpg: own update, Phi's Q."""
    from .claims.convergence import build_instance
    game, pol = build_instance(spec)
    eta = step_bound(paper, game)
    update, reward = (None, None) if paper == "bnac" else ("own", "potential")
    run = compiled_run(game, pol, eta, T, update, reward)
    obs = observe(game, pol, run, reward)
    obs["spec"] = spec
    obs["oracle_diff"] = run["oracle_diff"]
    obs["_direction"] = run["direction"]
    # the finite-t sign statement at every checkpoint (one exact step from each)
    agg = {"counted": 0, "disagree": 0}
    for p in obs["_pols"]:
        r = sign_agreement(game, p, run["direction"], reward)
        agg = {k: agg[k] + r[k] for k in agg}
    obs["sign_agreement"] = agg
    # the trend of the theorems' quantities (bnac Theorem 5.5 / Corollary 5.8, mpg Theorem 3.4)
    ts = obs["t"]
    pick = sorted(set(list(range(0, len(ts), 6)) + [len(ts) - 1]))
    obs["gaps"] = [{"t": ts[k], "nash_gap": float(E.nash_gap(game, obs["_pols"][k])),
                    "optimality_gap": float(E.optimality_gap(game, obs["_pols"][k], reward))} for k in pick]
    return obs


@functools.lru_cache(maxsize=None)
def _cached(paper: str, spec_json: str, T: int) -> dict:
    return run_plan(paper, json.loads(spec_json), T)


def observed_runs(paper: str, profile: str) -> list[dict]:
    """The quick runs (live, cached per process) and, in the paper/deep profiles, the committed long runs."""
    out = []
    plans = PLANS[paper]()
    n_quick = {"bnac": 2, "mpg": 1}[paper]
    for name, spec in (plans[:n_quick] if profile == "quick" else plans):
        o = dict(_cached(paper, json.dumps(spec, sort_keys=True), T_QUICK))
        o["game"] = name
        o["source"] = "live"
        out.append(o)
    if profile in T_LONG:
        for rec in load_long(paper, profile):
            out.append(rec)
    return out


def long_path(paper: str, profile: str) -> Path:
    return RESULTS_DIR / f"{paper}_{profile}.json"


def load_long(paper: str, profile: str) -> list[dict]:
    p = long_path(paper, profile)
    if not p.exists():
        raise InputError(f"{p} is missing: rebuild it with 'python -m verify.limit_runs {paper} {profile}'")
    data = json.loads(p.read_text())
    for r in data["runs"]:
        r["source"] = f"committed {p.name} (python -m verify.limit_runs {paper} {profile})"
    return data["runs"]


def write_long(paper: str, profile: str) -> Path:
    """Run the long runs of a profile and write them under results/limits/ (a JSON of the observations)."""
    runs = []
    for name, spec in PLANS[paper]():
        o = public(run_plan(paper, spec, T_LONG[profile]))
        o["game"] = name
        runs.append(o)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    p = long_path(paper, profile)
    p.write_text(json.dumps({"paper": paper, "profile": profile, "T": T_LONG[profile], "runs": runs},
                            indent=1, default=float))
    return p


def main(argv=None) -> int:  # python -m verify.limit_runs PAPER PROFILE
    import sys
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if len(argv) != 2 or argv[0] not in PLANS or argv[1] not in T_LONG:
            raise InputError("usage: python -m verify.limit_runs {bnac|mpg} {paper|deep}")
        print(write_long(argv[0], argv[1]))
    except InputError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())


# ------------------------------------------------------------------------------------------------
# instances for the proof transcripts (proofs/bnac_lemma-a.*.py, proofs/mpg_lemma-c.*.py): states along real runs
# ------------------------------------------------------------------------------------------------
def transcript_sampler(paper: str, plans: tuple | None = None, after_t1: bool = True):
    """sample(rng) -> {"paper", "plan", "k"}: a game of the plan (``plans``: indices into PLANS[paper]) and a
    checkpoint k of its T_QUICK run (after the estimated T_1 when ``after_t1``; never the start)."""
    def sample(rng):
        idx = list(plans) if plans is not None else list(range(len(PLANS[paper]())))
        p = int(rng.choice(idx))
        o = _plan_obs(paper, p)
        ts = o["t"]
        lo = 1
        if after_t1 and o["T1_est"] is not None:
            lo = max(1, ts.index(o["T1_est"]))
        return {"paper": paper, "plan": p, "k": int(rng.integers(lo, len(ts) - 1))}
    return sample


def _plan_obs(paper: str, p: int) -> dict:
    plans = PLANS[paper]()
    if not 0 <= p < len(plans):
        raise InputError(f"plan index {p} out of range for {paper}")
    return _cached(paper, json.dumps(plans[p][1], sort_keys=True), T_QUICK)


def transcript_context(spec: dict) -> dict:
    r"""The state of a run at checkpoint k and the run's estimated limits: ``q`` (lemma_quantities at t_k),
    ``qn`` (at t_k + 1, one exact step on), ``q0`` (at t = 0), ``qinf`` (at the last iterate T, the estimate of
    the limits), ``sets``/``dlim`` (estimated I_0/I_+/I_- and lim d > 0 per entry), ``delta``, ``t``, ``eta``,
    ``gamma``, ``game``, ``policy`` and ``V`` (the measured value at t_k, per state) and ``Vn`` (at t_k + 1)."""
    from .claims.convergence import build_instance
    try:
        paper, p, k = spec["paper"], int(spec["plan"]), int(spec["k"])
    except (KeyError, TypeError, ValueError):
        raise InputError(f"malformed transcript instance {spec!r}") from None
    o = _plan_obs(paper, p)
    if not 0 <= k < len(o["t"]) - 1:
        raise InputError(f"checkpoint index {k} out of range")
    game, _ = build_instance(PLANS[paper]()[p][1])
    reward = None if paper == "bnac" else "potential"
    pol = o["_pols"][k]
    x = pol.flat()
    nxt = pol.with_flat(x + o["eta"] * o["_direction"](x))
    return {"spec": spec, "game": game, "policy": pol, "t": o["t"][k], "T": o["T"], "eta": o["eta"],
            "gamma": game.gamma, "N": game.n_agents, "q": o["_q"][k], "q0": o["_q"][0], "qinf": o["_q"][-1],
            "qn": lemma_quantities(game, nxt, reward), "next_policy": nxt, "sets": o["_cls"], "dlim": o["_dlim"],
            "delta": o["delta"], "reward": reward, "V": E.value(game, pol, reward), "Vn": E.value(game, nxt, reward),
            "scale": o["value_scale"], "T1": o["T1_est"], "T0": o["T0_est"]}


def per_entry(ctx: dict, f, where=None) -> np.ndarray:
    """f(i) over every agent's entries, flattened and concatenated; NaN where ``where(i)`` is False (the line does
    not apply to that entry)."""
    out = []
    for i in range(ctx["N"]):
        v = np.broadcast_to(np.asarray(f(i), float), ctx["q"][i]["A"].shape).copy()
        if where is not None:
            v[~np.asarray(where(i), bool)] = np.nan
        out.append(v.ravel())
    return np.concatenate(out)


def in_set(ctx: dict, name: str, lim_d: bool = False):
    """where(i): the entries of agent i in the estimated set ``name`` (and with lim d > 0 observed if asked)."""
    return lambda i: (ctx["sets"][i] == name) & (ctx["dlim"][i] if lim_d else True)


def has(ctx: dict, name: str, lim_d: bool = False) -> bool:
    """Whether any entry lies in the estimated set (a step on an empty set says nothing: not a check)."""
    return any(bool(np.any(in_set(ctx, name, lim_d)(i))) for i in range(ctx["N"]))


def fd_gradient(ctx: dict, h: float = 1e-5) -> list[np.ndarray]:
    """dV(mu)/dtheta^i (bnac: team V; mpg: Phi) by central differences of the NumPy value, per agent."""
    game, pol, reward = ctx["game"], ctx["policy"], ctx["reward"]
    x = pol.flat()
    g = np.zeros(x.size)
    for k in range(x.size):
        e = np.zeros(x.size)
        e[k] = h
        g[k] = (E.value_mu(game, pol.with_flat(x + e), reward) - E.value_mu(game, pol.with_flat(x - e), reward)) / (2 * h)
    offs = np.cumsum([0] + [int(np.prod(s)) for s in pol.theta_shapes])
    return [g[offs[i]:offs[i + 1]].reshape(pol.theta_shapes[i]) for i in range(game.n_agents)]


def near_limit(ctx: dict, i: int) -> np.ndarray:
    r"""The entries of agent i at which the instance meets the premises of the A.7 / C.5 chains: t > T_0 and
    t > T_1 in the sense used there, |Q^{t,i}(s,a^P,a^i) - Q^{inf,i}| <= Delta/4 and |Q^{t,i}(s,a^P) - Q^{inf,i}(s,a^P)|
    <= Delta/4 (with the estimated limits)."""
    q, qi, dl = ctx["q"][i], ctx["qinf"][i], ctx["delta"]
    if dl is None:
        return np.zeros(q["A"].shape, bool)
    return (np.abs(q["Qplus"] - qi["Qplus"]) <= dl / 4) & (np.abs(q["Qpar"] - qi["Qpar"]) <= dl / 4)


def chain_mask(ctx: dict, name: str, lim_d: bool = False):
    """where(i): entries in the estimated set ``name`` at which the instance meets the chains' premises."""
    return lambda i: in_set(ctx, name, lim_d)(i) & near_limit(ctx, i)


def TRANSCRIPT_SAMPLE(paper: str):
    """The transcripts' common sample: the quick plans of the paper's runs (matrix games: cheap to build) plus the
    two-state game, at checkpoints after the estimated T_1."""
    return transcript_sampler(paper)


def printed_gradient_form(ctx: dict) -> np.ndarray:
    r"""The right side of the gradient line of bnac A.8-A.11 (from Lemma A.4) and mpg C.6-C.9 (from Lemma 3.1) as
    printed: 1/(1-gamma) d^{pi^t}_mu(s, a^{P^i}) pi^{t,i}(a^i|s, a^{P^i}) A^{t,i}(s, a^{P^i}, a^i), with the papers'
    d^pi_mu the UNNORMALIZED visitation (bnac Sec. 3, mpg Sec. 2), over every agent's entries."""
    g = ctx["gamma"]
    return per_entry(ctx, lambda i: ctx["q"][i]["d"] / (1 - g) / (1 - g) * ctx["q"][i]["pi"] * ctx["q"][i]["A"])


def exact_gradient_entries(ctx: dict) -> np.ndarray:
    """dV(mu)/dtheta (bnac: team V; mpg: Phi) by central differences of the NumPy value, over every agent's entries."""
    if "_fd" not in ctx:
        ctx["_fd"] = fd_gradient(ctx)
    return per_entry(ctx, lambda i: ctx["_fd"][i])


def step_entries(ctx: dict, where=None) -> np.ndarray:
    """theta^{t+1} - theta^t over every agent's entries (one exact step of the run's own update)."""
    nxt = ctx["next_policy"]
    return per_entry(ctx, lambda i: np.asarray(nxt.thetas[i]) - np.asarray(ctx["policy"].thetas[i]), where)


def row_sums(ctx: dict, f) -> np.ndarray:
    """sum over a^i of f(i) (arrays of theta^i's shape), per row (i, s, a^{P^i}), concatenated."""
    return np.concatenate([np.asarray(f(i)).sum(axis=-1).ravel() for i in range(ctx["N"])])


def values_now_next(ctx: dict, which: str) -> tuple[np.ndarray, np.ndarray]:
    """(V^t(s), V^{t+1}(s)) or (Q^t(s, a), Q^{t+1}(s, a)) flattened, of the measured reward (team or Phi)."""
    if which == "V":
        return ctx["V"].ravel(), ctx["Vn"].ravel()
    return (E.q_values(ctx["game"], ctx["policy"], ctx["reward"]).ravel(),
            E.q_values(ctx["game"], ctx["next_policy"], ctx["reward"]).ravel())


def value_bound(ctx: dict) -> float:
    """max_{s,a} r(s, a) / (1-gamma): the bound on V^t(s) and Q^t(s, a) (rewards of the measured kind)."""
    return float(np.max(E._reward(ctx["game"], ctx["reward"]))) / (1 - ctx["gamma"])
