r"""Tabular softmax dynamics of the mpg paper (Sec. 3, Sec. 5.1, Figure 1, Figure 4, Appendix H.1) on the
Coordination Game, compiled in JAX (float64): ``make_train(config) -> train(rng)``, ``lax.scan`` over
iterations, ``vmap`` over initializations and over the (lambda, K) grid.

Product policies, one softmax table per agent (mpg Sec. 3):

    pi^i_{theta^i}(a^i | s) = exp(theta^i_{s,a^i}) / sum_{a'} exp(theta^i_{s,a'}),   theta stored as (N, S, 2).

The objective is the total potential Phi_theta(mu); in the Coordination Game the reward is shared, so
Phi = V (the team value) and the log-barrier objective of mpg Sec. 3.2 is

    L_lambda(theta) = Phi_theta(mu) + lambda sum_i ( sum_{s,a^i} log pi^i(a^i|s) / (|S| |A^i|) + log |A^i| ).

Algorithms (``config["algorithm"]``):

* ``pg``  -- mpg Eq. (3) (and Sec. 3.2 with lambda > 0), every agent at once:
      theta_{t+1} = theta_t + eta grad_theta L_lambda(theta_t);
  the gradient is ``jax.grad`` of the exact objective (no printed formula is used).
* ``npg`` -- mpg Eq. (4), every agent at once, theta^i += eta (F^i_theta)^dagger grad_{theta^i} L_lambda,
  the Fisher matrix taken with the paper's (unnormalized) d^pi_mu.  The Fisher matrix is block diagonal
  over states, F^i_s = d(s) (diag pi^i_s - pi^i_s pi^i_s^T), and grad L_lambda sums to zero over a^i, so
  y_{s,a} = grad_{s,a} / (d(s) pi^i(a|s)) solves F^i_s y = grad_s; F^dagger grad is y minus its mean
  over a^i, which moves the same policy.  We add y itself, which is Lemma 3.7 as printed:
      lambda = 0:  theta^i_{t+1} = theta^i_t + eta A^i_{theta_t}(s, a^i)                  (Lemma 3.7)
      lambda > 0:  ... + eta lambda / (|S| d(s)) (1 / (|A^i| pi^i(a^i|s)) - 1)          (barrier part)
  With Agarwal et al.'s *normalized* d the same step reads eta / (1-gamma) A^i; Lemma 3.7 uses the
  unnormalized d of Sec. 2, hence eta A^i.
* ``npg-br`` -- mpg Eqs. (5), (6): every agent i, the others held at theta_t^{-i}, does K soft policy
  iteration steps theta^i_{t,k} = theta^i_{t,k-1} + A^i_{t,k-1} (step 1, as printed in Eq. (5); with the
  barrier the natural-gradient barrier part above is added); then only the agent with the largest gain
  Phi_{theta^i_{t,K}, theta_t^{-i}}(mu) - Phi_{theta_t}(mu) keeps its update (Eq. (6)).  One outer
  iteration t is one point on the x axis.

A^i(s, a^i) := E_{a^{-i} ~ pi^{-i}(.|s)} [Q(s, a^i, a^{-i})] - V(s) (mpg Lemma 3.1) is computed by
contracting the joint Q table with the other agents' policies (``local_advantages``).

Metrics recorded at t = 0, ..., T: POA (mpg Def. 4.1: sum_i V^i / max sum_i V^i, which is V / V* for a
team reward) and Nash-gap (mpg Def. 2.4), both from ``verify.experiments.core``.
"""
from __future__ import annotations

import hashlib
import json

import jax

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

from ..errors import InputError  # noqa: E402
from . import core  # noqa: E402

ALGORITHMS = ("pg", "npg", "npg-br")

#: defaults: eta = 1 for PG and NPG is our choice (the paper gives no step size); the NPG-BR inner
#: step is 1 as printed in Eq. (5); T = 400 from App. G.3 ("a single run of 400 iterations").
DEFAULTS = {
    "N": 2, "algorithm": "pg", "T": 400, "eta": 1.0, "eta_br": 1.0, "n_init": 10,
    "lams": (0.0,), "Ks": (5,), "eps": 0.1, "gamma": 0.95, "init_scale": 1.0,
}


def merge_config(defaults: dict, config: dict, algorithms) -> dict:
    """``defaults`` updated with ``config``; unknown keys and algorithms are one-line InputErrors."""
    unknown = set(config) - set(defaults)
    if unknown:
        raise InputError(f"unknown configuration keys {sorted(unknown)}; known: {sorted(defaults)}")
    c = dict(defaults, **config)
    if c["algorithm"] not in algorithms:
        raise InputError(f"unknown algorithm {c['algorithm']!r}; choose from {', '.join(algorithms)}")
    return c


def full_config(config: dict) -> dict:
    """DEFAULTS updated with ``config``; validated (one-line InputError on bad input)."""
    c = merge_config(DEFAULTS, config, ALGORITHMS)
    if not (isinstance(c["N"], (int, np.integer)) and 1 <= c["N"] <= 12):
        raise InputError(f"N must be an integer in 1..12, got {c['N']!r}")
    if int(c["T"]) < 0 or int(c["n_init"]) < 1:
        raise InputError("T must be >= 0 and n_init >= 1")
    if not (c["eta"] > 0 and c["eta_br"] > 0):
        raise InputError("step sizes must be positive")
    c["lams"] = tuple(float(x) for x in c["lams"])
    c["Ks"] = tuple(int(k) for k in c["Ks"])
    if any(x < 0 for x in c["lams"]) or any(k < 1 for k in c["Ks"]):
        raise InputError("lambda must be >= 0 and K >= 1")
    if c["algorithm"] != "npg-br":
        c["Ks"] = (0,)
    c["T"], c["n_init"], c["N"] = int(c["T"]), int(c["n_init"]), int(c["N"])
    return c


def config_key(config: dict) -> str:
    """A short stable hash of a full configuration (file names of resumable runs)."""
    return hashlib.sha1(json.dumps(full_config(config), sort_keys=True).encode()).hexdigest()[:10]


# ------------------------------------------------------------------------------------------------
# building blocks (all pure, jit/vmap friendly)
# ------------------------------------------------------------------------------------------------
def init_params(rng, N: int, n_init: int, scale: float = 1.0) -> jnp.ndarray:
    """theta^i_{s,a^i} ~ N(0, 1) i.i.d. (mpg Sec. 5: 'sampled from the normal distribution of mean 0 and
    standard deviation 1'), shape (n_init, N, S, 2).  The same rng gives the same initializations to
    every algorithm (the paper's algorithms 'share the same initial policy parameters')."""
    S = 2 ** N
    return scale * jax.random.normal(rng, (n_init, N, S, 2))


def locals_of(theta: jnp.ndarray) -> jnp.ndarray:
    """pi^i(a^i|s) = softmax_{a^i} theta^i_{s,.}, (N, S, 2)."""
    return jax.nn.softmax(theta, axis=-1)


def potential(game: core.CoordGame, local: jnp.ndarray) -> jnp.ndarray:
    """Phi(mu) = V_pi(mu) for the product policy of ``local`` (N, S, 2) (team reward = potential)."""
    return core.value_mu(game, core.product_joint(local))


def barrier(local: jnp.ndarray, lam) -> jnp.ndarray:
    """lambda sum_i ( sum_{s,a^i} log pi^i(a^i|s) / (|S||A^i|) + log |A^i| )   (mpg Sec. 3.2)."""
    N, S, A = local.shape
    return lam * (jnp.sum(jnp.log(local)) / (S * A) + N * jnp.log(A))


def objective(game, theta, lam) -> jnp.ndarray:
    """L_lambda(theta) = Phi_theta(mu) + barrier (mpg Sec. 3.2); lambda = 0 gives Phi_theta(mu).
    The barrier is evaluated through log_softmax (no log of an underflowed probability)."""
    N, S, A = theta.shape
    logp = jax.nn.log_softmax(theta, axis=-1)
    return potential(game, jnp.exp(logp)) + lam * (jnp.sum(logp) / (S * A) + N * jnp.log(A))


def local_advantages(game, local: jnp.ndarray, ev: dict | None = None) -> jnp.ndarray:
    r"""A^i(s, a^i) = sum_{a^{-i}} prod_{j != i} pi^j(a^j|s) Q(s, a^i, a^{-i}) - V(s)   (mpg Lemma 3.1), (N, S, 2)."""
    N, S, _ = local.shape
    if ev is None:
        ev = core.evaluate(game, core.product_joint(local))
    Qg = ev["Q"].reshape((S,) + (2,) * N)
    out = []
    for i in range(N):
        others = local.at[i].set(1.0)                         # pi^{-i}, replicated over a^i
        w = core.product_joint(others).reshape(Qg.shape)
        axes = tuple(1 + j for j in range(N) if j != i)
        out.append((w * Qg).sum(axis=axes) - ev["V"][:, None])
    return jnp.stack(out)


def natural_direction(game, local: jnp.ndarray, lam) -> jnp.ndarray:
    r"""(F^i)^dagger-direction of grad L_lambda as added by mpg Lemma 3.7 (see module docstring):
    A^i(s,a^i) + lambda / (|S| d(s)) (1 / (|A^i| pi^i(a^i|s)) - 1), shape (N, S, 2)."""
    N, S, A = local.shape
    ev = core.evaluate(game, core.product_joint(local))
    adv = local_advantages(game, local, ev)
    reg = lam / (S * ev["d"])[None, :, None] * (1.0 / (A * local) - 1.0)
    return adv + jnp.where(lam > 0, reg, 0.0)


def pg_step(game, theta, lam, eta):
    """mpg Eq. (3) / Sec. 3.2: theta + eta grad_theta L_lambda(theta) (jax.grad of the exact objective)."""
    return theta + eta * jax.grad(objective, argnums=1)(game, theta, lam)


def npg_step(game, theta, lam, eta):
    """mpg Eq. (4) via Lemma 3.7: theta^i + eta A^i (+ barrier part), all agents at once."""
    return theta + eta * natural_direction(game, locals_of(theta), lam)


def npg_br_step(game, theta, lam, K, eta_br):
    """mpg Eqs. (5)-(6): each agent K soft-policy-iteration steps against theta_t^{-i}; the agent with the
    largest potential gain keeps its update.  K may be a traced integer (vmapped grids)."""
    N = theta.shape[0]
    phi0 = potential(game, locals_of(theta))

    def best_response_of(i):
        def inner(_, th_i):                                   # Eq. (5): theta^i_{t,k} = theta^i_{t,k-1} + A^i_{t,k-1}
            th = theta.at[i].set(th_i)
            return th_i + eta_br * natural_direction(game, locals_of(th), lam)[i]
        th_i = jax.lax.fori_loop(0, K, inner, theta[i])
        gain = potential(game, locals_of(theta.at[i].set(th_i))) - phi0
        return th_i, gain

    cands, gains = jax.vmap(best_response_of)(jnp.arange(N))
    i_star = jnp.argmax(gains)                                # Eq. (6)
    return theta.at[i_star].set(cands[i_star])


def metrics(game, theta):
    """(POA, Nash-gap) of the product policy softmax(theta)."""
    N = theta.shape[0]
    pi = core.product_joint(locals_of(theta))
    parents = ((),) * N
    return core.poa(game, pi), core.nash_gap(game, tuple(theta[i] for i in range(N)), parents)


# ------------------------------------------------------------------------------------------------
# make_train (pure, jit-able) and the compiled driver used by the figures
# ------------------------------------------------------------------------------------------------
def step_fn(c: dict, game):
    """The one-iteration update of ``c['algorithm']``: ``step(theta, lam, K) -> theta``."""
    alg, eta, eta_br = c["algorithm"], c["eta"], c["eta_br"]

    def step(theta, lam, K):
        if alg == "pg":
            return pg_step(game, theta, lam, eta)
        if alg == "npg":
            return npg_step(game, theta, lam, eta)
        return npg_br_step(game, theta, lam, K, eta_br)
    return step


def trajectory(step, theta0, lam, K, T: int, every: int = 1):
    """theta_0, theta_every, theta_2every, ..., theta_T (T // every + 1 snapshots) of ``step``."""
    def outer(theta, _):
        theta = jax.lax.fori_loop(0, every, lambda _, th: step(th, lam, K), theta)
        return theta, theta
    _, snaps = jax.lax.scan(outer, theta0, None, length=T // every)
    return jnp.concatenate([theta0[None], snaps])


def make_train(config: dict):
    """``train(rng) -> dict`` (pure, jit-able): one algorithm, one N, the grid lams x Ks, n_init inits.

    Returns ``poa`` and ``nash_gap`` of shape (n_lam, n_K, n_init, T+1) and the grid.  Initializations
    come from ``init_params(rng, N, n_init)`` and are shared by every grid point (and every algorithm).
    The figures use ``run_grid``, which computes the same numbers with fewer compilations."""
    c = full_config(config)
    game = core.coord_game(c["N"], c["eps"], c["gamma"])
    step = step_fn(c, game)

    def run_one(theta0, lam, K):
        thetas = trajectory(step, theta0, lam, K, c["T"])
        return jax.vmap(lambda th: metrics(game, th))(thetas)

    over_init = jax.vmap(run_one, in_axes=(0, None, None))
    over_grid = jax.vmap(jax.vmap(over_init, in_axes=(None, None, 0)), in_axes=(None, 0, None))
    lams, Ks = jnp.asarray(c["lams"]), jnp.asarray(c["Ks"])

    def train(rng):
        theta0 = init_params(rng, c["N"], c["n_init"], c["init_scale"])
        p, g = over_grid(theta0, lams, Ks)
        return {"poa": p, "nash_gap": g, "lams": lams, "Ks": Ks}

    return train


# compiled pieces, cached per process (claims, figures and tests share them)
_TRAJ: dict = {}
_METRICS: dict = {}
METRIC_CHUNK = 512


def _trajectory_compiled(c: dict, every: int):
    key = (c["algorithm"], c["N"], c["T"], every, c["eta"], c["eta_br"], c["eps"], c["gamma"])
    if key not in _TRAJ:
        game = core.coord_game(c["N"], c["eps"], c["gamma"])
        step = step_fn(c, game)
        f = jax.vmap(jax.vmap(lambda th0, lam, K: trajectory(step, th0, lam, K, c["T"], every),
                              in_axes=(0, None, None)), in_axes=(None, 0, None))
        _TRAJ[key] = jax.jit(f)      # (theta0 (n_init,...), lams (n_lam,), K scalar) -> (n_lam, n_init, n_rec, N, S, 2)
    return _TRAJ[key]


def metrics_batch(N: int, thetas: np.ndarray, eps: float = 0.1, gamma: float = 0.95):
    """POA and Nash-gap of a batch of product policies softmax(thetas), thetas (..., N, S, 2), computed in
    fixed-size chunks by one compiled function per (N, eps, gamma)."""
    key = (N, eps, gamma)
    if key not in _METRICS:
        game = core.coord_game(N, eps, gamma)
        _METRICS[key] = jax.jit(jax.vmap(lambda th: metrics(game, th)))
    f = _METRICS[key]
    thetas = np.asarray(thetas)
    lead = thetas.shape[:-3]
    flat = thetas.reshape((-1,) + thetas.shape[-3:])
    n = flat.shape[0]
    n_pad = -n % METRIC_CHUNK
    flat = np.concatenate([flat, np.zeros((n_pad,) + flat.shape[1:])]) if n_pad else flat
    p, g = [], []
    for k in range(0, flat.shape[0], METRIC_CHUNK):
        pk, gk = f(jnp.asarray(flat[k:k + METRIC_CHUNK]))
        p.append(np.asarray(pk))
        g.append(np.asarray(gk))
    p, g = np.concatenate(p)[:n], np.concatenate(g)[:n]
    return p.reshape(lead), g.reshape(lead)


def run_grid(config: dict, rng, every: int = 1) -> dict:
    """``make_train(config)(rng)`` computed with per-process cached compilations: the trajectory of each
    K (a traced scalar, so the K grid reuses one compilation and each K runs exactly K inner steps) and
    the metrics in fixed-size chunks.  Records every ``every`` iterations.

    Returns numpy ``poa``, ``nash_gap`` (n_lam, n_K, n_init, n_rec), ``iterations`` (n_rec,), ``lams``, ``Ks``,
    and ``diverged`` (n_lam, n_K, n_init): a run whose parameters became non-finite."""
    c = full_config(config)
    if c["T"] % every:
        raise InputError(f"T = {c['T']} must be a multiple of the recording interval {every}")
    theta0 = init_params(rng, c["N"], c["n_init"], c["init_scale"])
    traj = _trajectory_compiled(c, every)
    lams = jnp.asarray(c["lams"])
    P, G, D = [], [], []
    for K in c["Ks"]:
        th = np.asarray(traj(theta0, lams, jnp.asarray(K)))      # (n_lam, n_init, n_rec, N, S, 2)
        bad = ~np.isfinite(th).all(axis=(-3, -2, -1))             # (n_lam, n_init, n_rec)
        th = np.where(bad[..., None, None, None], 0.0, th)
        p, g = metrics_batch(c["N"], th, c["eps"], c["gamma"])
        p[bad], g[bad] = np.nan, np.nan
        P.append(p), G.append(g), D.append(bad.any(axis=-1))
    return {"poa": np.stack(P, 1), "nash_gap": np.stack(G, 1), "diverged": np.stack(D, 1),
            "iterations": np.arange(0, c["T"] + 1, every), "lams": np.asarray(c["lams"]),
            "Ks": np.asarray(c["Ks"]), "config": c}
