r"""Independent oracles for gradients.  None of them calls ``verify.gradients``.

1. ``fd_gradient``: central finite differences with Richardson extrapolation and a step sweep, on a
   batched float64 NumPy value function (``verify.evaluation.state_values``);
2. ``jax_*``: an independent JAX implementation of V(theta) (its own softmax, joint policy and
   linear solve), differentiated by ``jax.grad`` in float64;
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


def _pads(game: MarkovGame):
    """Padded sizes (S, A, N), rounded up so that most instances share one compiled function."""
    up = lambda x, opts: next(o for o in opts + (x,) if o >= x)
    return (up(game.n_states, (4, 8, 16, 32)), up(max(game.action_sizes), (3, 4)), up(game.n_agents, (4, 5, 6)))


def _grid_index(policy: BNPolicy, pads):
    """For agent i and each padded grid cell (s, a^1..a^N): the flat index of theta^i_{s, a^{P^i}, a^i}."""
    Sp, Ap, Np = pads
    S, A = policy.n_states, policy.action_sizes
    N = len(A)
    idx = np.zeros((Np, Sp) + (Ap,) * Np, dtype=np.int32)
    grid = np.indices((Sp,) + (Ap,) * Np)
    offset = 0
    for i, (ps, shp) in enumerate(zip(policy.dag.parents, policy.theta_shapes)):
        coords = [np.minimum(grid[0], S - 1)] + [np.minimum(grid[1 + j], A[j] - 1) for j in list(ps) + [i]]
        idx[i] = offset + np.ravel_multi_index(coords, shp)
        offset += int(np.prod(shp))
    for i in range(N, Np):
        idx[i] = 0
    valid = np.ones((Sp,) + (Ap,) * Np, dtype=bool)
    valid &= grid[0] < S
    for j in range(Np):
        valid &= grid[1 + j] < (A[j] if j < N else 1)
    return idx, valid


_JAX_CACHE: dict = {}


def _jax_padded_value(pads):
    """One compiled V(theta_flat; structure arrays) for all instances that fit the padded sizes:
    logits are gathered from theta on the joint grid, each agent's log-softmax taken along its own
    action axis (masked), log pi = sum_i log pi^i, then V = (I - gamma P_pi)^{-1} r_pi."""
    if pads in _JAX_CACHE:
        return _JAX_CACHE[pads]
    jax, jnp = _jax()
    Sp, Ap, Np = pads

    def V(theta, idx, valid, n_real, P, r, mu, gamma, barrier, reg_w):
        logpi = jnp.zeros(valid.shape)
        reg = 0.0
        for i in range(Np):
            L = jnp.where(valid, theta[idx[i]], -1e30)
            ls = jax.nn.log_softmax(L, axis=1 + i)
            real = i < n_real
            logpi = logpi + jnp.where(real, ls, 0.0)
            reg = reg + jnp.where(real, jnp.sum(jnp.where(valid, ls, 0.0) * reg_w[i]), 0.0)
        pi = jnp.where(valid, jnp.exp(logpi), 0.0).reshape(Sp, -1)
        P_pi = jnp.einsum("sa,sat->st", pi, P)
        r_pi = jnp.sum(pi * r, axis=1)
        v = jnp.linalg.solve(jnp.eye(Sp) - gamma * P_pi, r_pi)
        return mu @ v + barrier * reg

    fns = (jax.jit(V), jax.jit(jax.grad(V)), jax.jit(jax.hessian(V)))
    _JAX_CACHE[pads] = fns
    return fns


def _jax_args(game: MarkovGame, policy: BNPolicy, reward, barrier):
    from .evaluation import _reward
    pads = _pads(game)
    Sp, Ap, Np = pads
    S, A, N = game.n_states, game.action_sizes, game.n_agents
    idx, valid = _grid_index(policy, pads)
    P = np.zeros((Sp,) + (Ap,) * Np + (Sp,))
    P[..., :] = 0.0
    for s in range(Sp):
        P[s, ..., s] = 1.0  # padded cells: self-loops (never reached with positive probability)
    sl = (slice(0, S),) + tuple(slice(0, a) for a in A) + (0,) * (Np - N)
    P[sl + (slice(None),)] = 0.0
    P[sl + (slice(0, S),)] = game.P
    r = np.zeros((Sp,) + (Ap,) * Np)
    r[sl] = _reward(game, reward).reshape((S,) + A)
    mu = np.zeros(Sp)
    mu[:S] = game.mu
    theta = np.zeros(Np * Sp * Ap ** Np + 1)  # fixed length: one compiled function per pad size
    # reg weights: the barrier's mean over theta^i's own entries, spread over the grid's replicas
    reg_w = np.zeros(Np)
    cells = valid.sum()
    for i in range(N):
        reg_w[i] = 1.0 / cells
    args = (idx, valid, N, P.reshape(Sp, -1, Sp), r.reshape(Sp, -1), mu, game.gamma, barrier, reg_w)
    return pads, theta, args


def jax_value_and_grad(game: MarkovGame, policy: BNPolicy, reward=None, barrier: float = 0.0):
    """(V(mu) + barrier term, per-agent gradient arrays) from the independent JAX implementation."""
    _, jnp = _jax()
    pads, theta, args = _jax_args(game, policy, reward, barrier)
    theta[:policy.n_params] = policy.flat()
    f, g, _ = _jax_padded_value(pads)
    val = float(f(jnp.asarray(theta), *args))
    grad = np.asarray(g(jnp.asarray(theta), *args))[:policy.n_params]
    return val, unflatten(grad, policy.theta_shapes)


def jax_value_gradient(game: MarkovGame, policy: BNPolicy, reward=None, barrier: float = 0.0):
    return jax_value_and_grad(game, policy, reward, barrier)[1]


def jax_value_hessian(game: MarkovGame, policy: BNPolicy, reward=None, barrier: float = 0.0) -> np.ndarray:
    """Exact Hessian of V(mu) (+ barrier) in the flat parameters, float64."""
    _, jnp = _jax()
    pads, theta, args = _jax_args(game, policy, reward, barrier)
    theta[:policy.n_params] = policy.flat()
    _, _, h = _jax_padded_value(pads)
    n = policy.n_params
    return np.asarray(h(jnp.asarray(theta), *args))[:n, :n]


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
