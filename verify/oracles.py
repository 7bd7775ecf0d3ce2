r"""Independent oracles for gradients.  None of them calls ``verify.gradients``.

1. ``fd_gradient``: central finite differences with Richardson extrapolation and a step sweep, on a
   batched float64 NumPy value function (``verify.evaluation.state_values``);
2. ``jax_*``: the JAX implementation of V(theta) of ``verify.jax_engine`` (its own softmax, joint
   policy and linear solve, independent of the NumPy reference), differentiated by ``jax.grad`` in float64;
3. ``sympy_*``: symbolic derivatives on small symbolic games (``verify.symbolic``).
"""
from __future__ import annotations

import functools

import numpy as np

from .evaluation import state_values
from .games import MarkovGame
from .policies import BNPolicy, unflatten

# ------------------------------------------------------------------------------------------------
# 1. finite differences
# ------------------------------------------------------------------------------------------------
STEPS = (2e-2, 5e-3, 1.25e-3, 3.125e-4)


def fd_gradient(f_batch, x: np.ndarray, steps=STEPS):
    r"""Gradient of a scalar function by central differences with one Richardson step,
    R(h) = (4 D(h/2) - D(h)) / 3 with D(h) = (f(x + h e_k) - f(x - h e_k)) / (2h), error O(h^4),
    swept over ``steps``: the estimate kept per coordinate is the one whose neighbour in the sweep
    agrees best.  ``f_batch`` maps (B, n) to (B,).  Returns (gradient, error estimate)."""
    x = np.asarray(x, float)
    n = x.size
    E = np.eye(n)
    ests = []
    for h in steps:
        pts = np.concatenate([x + h * E, x - h * E, x + h / 2 * E, x - h / 2 * E])
        v = f_batch(pts).reshape(4, n)
        D1 = (v[0] - v[1]) / (2 * h)
        D2 = (v[2] - v[3]) / h
        ests.append((4 * D2 - D1) / 3)
    ests = np.array(ests)
    diffs = np.abs(np.diff(ests, axis=0))  # (len(steps)-1, n)
    k = np.argmin(diffs, axis=0)
    grad = ests[k + 1, np.arange(n)]
    return grad, diffs[k, np.arange(n)]


def _joint_batch(X: np.ndarray, dag, action_sizes, S) -> np.ndarray:
    """Joint pi for a batch of flat BN parameters, shape (B, S, |A|)."""
    B, N = X.shape[0], len(action_sizes)
    shapes = [(S,) + tuple(action_sizes[j] for j in ps) + (action_sizes[i],) for i, ps in enumerate(dag.parents)]
    pi = np.ones((B, S) + tuple(action_sizes))
    k = 0
    for i, (ps, shp) in enumerate(zip(dag.parents, shapes)):
        m = int(np.prod(shp))
        th = X[:, k:k + m].reshape((B,) + shp)
        k += m
        th = th - th.max(axis=-1, keepdims=True)
        loc = np.exp(th)
        loc /= loc.sum(axis=-1, keepdims=True)
        order = list(ps) + [i]
        srt = sorted(order)
        loc = np.transpose(loc, [0, 1] + [2 + order.index(j) for j in srt])
        pi = pi * loc.reshape((B, S) + tuple(action_sizes[j] if j in srt else 1 for j in range(N)))
    return pi.reshape(B, S, -1)


def fd_value_gradient(game: MarkovGame, policy: BNPolicy, reward=None, barrier: float = 0.0, chunk: int = 4096):
    """FD gradient of V^reward(mu) (+ the bnrate log-barrier term if ``barrier`` = lambda > 0) in the flat
    parameters of ``policy``.  Returns (list of per-agent arrays, max error estimate).
    The reward is centred first (see below)."""
    from .evaluation import _reward
    r = _reward(game, reward)
    # a constant shift of the reward shifts V by c/(1-gamma) and leaves the gradient alone; centring
    # keeps |V| small, and with it the round-off of the differences
    r = r - r.mean()
    dag, A, S = policy.dag, game.action_sizes, game.n_states

    def f(X):
        out = []
        for c in range(0, X.shape[0], chunk):
            Xc = X[c:c + chunk]
            pi = _joint_batch(Xc, dag, A, S)
            v = state_values(game, pi, r) @ game.mu
            if barrier:
                v = v + barrier * _barrier_batch(Xc, policy)
            out.append(v)
        return np.concatenate(out)

    g, err = fd_gradient(f, policy.flat())
    return unflatten(g, policy.theta_shapes), float(err.max(initial=0.0))


def _barrier_batch(X, policy):
    tot = np.zeros(X.shape[0])
    k = 0
    for i, shp in enumerate(policy.theta_shapes):
        m = int(np.prod(shp))
        th = X[:, k:k + m].reshape((-1,) + shp)
        k += m
        mx = th.max(axis=-1, keepdims=True)
        logp = th - mx - np.log(np.exp(th - mx).sum(axis=-1, keepdims=True))
        tot += logp.reshape(X.shape[0], -1).mean(axis=1) + np.log(shp[-1])
    return tot


# ------------------------------------------------------------------------------------------------
# 2. JAX autodiff of an independent implementation
# ------------------------------------------------------------------------------------------------
def _jax():
    import jax
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    return jax, jnp


def jax_instance(game: MarkovGame, policy: BNPolicy, reward=None):
    """The game, policy and reward on the shared JAX engine (``verify.jax_engine``), oracle padding."""
    from .evaluation import _reward
    from .jax_engine import Instance, oracle_pads
    r = _reward(game, reward)
    return Instance(game, policy, r, pads=oracle_pads(game.n_states, game.action_sizes, policy.n_params))


def jax_value_and_grad(game: MarkovGame, policy: BNPolicy, reward=None, barrier: float = 0.0):
    """(V(mu) + barrier term, per-agent gradient arrays) from the independent JAX implementation."""
    inst = jax_instance(game, policy, reward)
    x = policy.flat()
    return inst.value(x, lam=barrier), unflatten(inst.grad(x, lam=barrier), policy.theta_shapes)


def jax_value_gradient(game: MarkovGame, policy: BNPolicy, reward=None, barrier: float = 0.0):
    return jax_value_and_grad(game, policy, reward, barrier)[1]


def jax_value_hessian(game: MarkovGame, policy: BNPolicy, reward=None, barrier: float = 0.0) -> np.ndarray:
    """Exact Hessian of V(mu) (+ barrier) in the flat parameters, float64."""
    return jax_instance(game, policy, reward).hess(policy.flat(), lam=barrier)


# mbpg coverage entropy, in JAX (padded to 8 agents x 8 states, one compiled function per mu_j form)
@functools.lru_cache(maxsize=None)
def _jax_coverage(param: str):
    jax, jnp = _jax()

    def J(th, agent_mask, state_mask):
        if param == "softmax":
            mus = jax.nn.softmax(jnp.where(state_mask, th, -1e30), axis=-1)
        else:
            mus = jax.nn.sigmoid(th)
        mus = jnp.where(agent_mask[:, None] & state_mask[None, :], mus, 0.0)
        mu = 1 - jnp.prod(1 - mus, axis=0)
        safe = jnp.where(state_mask, mu, 1.0)
        return -jnp.sum(jnp.where(state_mask, safe * jnp.log(safe), 0.0))

    return jax.jit(jax.grad(J))


def jax_coverage_gradient(thetas: np.ndarray, param: str) -> np.ndarray:
    _, jnp = _jax()
    N, S = thetas.shape
    th = np.zeros((8, 8))
    th[:N, :S] = thetas
    g = _jax_coverage(param)(jnp.asarray(th), jnp.arange(8) < N, jnp.arange(8) < S)
    return np.asarray(g)[:N, :S]


def fd_coverage_gradient(thetas: np.ndarray, param: str):
    """FD gradient of J = -sum_s mu log mu, mu = 1 - prod_j (1 - mu_j), vectorized over the sweep."""
    shp = thetas.shape

    def f(X):
        th = X.reshape((-1,) + shp)
        if param == "softmax":
            z = np.exp(th - th.max(axis=-1, keepdims=True))
            mus = z / z.sum(axis=-1, keepdims=True)
        else:
            mus = 1.0 / (1.0 + np.exp(-th))
        mu = 1 - np.prod(1 - mus, axis=1)
        return -(mu * np.log(mu)).sum(axis=-1)

    g, err = fd_gradient(f, thetas.ravel())
    return g.reshape(shp), float(err.max())
