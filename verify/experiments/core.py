r"""Exact, compiled policy-gradient engine for bnac's Coordination Game (bnac Sec. 7.1, App. B.1).

Everything is JAX, float64, pure and jit/vmap-friendly.  Shapes for N agents, S = A = 2^N:

* states s = (s^1, ..., s^N) and joint actions a = (a^1, ..., a^N) are indexed by their bits in
  C order (agent 0 is the most significant bit), as in ``verify.games.coordination_game``;
* ``q[a^i, s'^i]`` the local transition, P(s'^i = 0 | a^i = 0) = 1 - eps, P(s'^i = 0 | a^i = 1) = eps;
* the global transition factors and does not depend on s:

      P(s' | s, a) = prod_i q[a^i, s'^i]                                                 (Sec. 7.1)

  so sum_{s'} P(s'|a) X(s') is computed by contracting one agent axis at a time (N contractions of
  cost 2 * 2^N each), never by building the S x A x S tensor;
* ``r[s]`` the team reward of Algorithm 1 (a function of the state only); ``mu`` uniform.

Policies are tabular softmax BN policies (bnac Eq. (1)) with the harness' parameter layout
(``verify.policies.BNPolicy``): ``thetas[i]`` has shape (S, 2, ..., 2, 2), one axis per parent of
agent i in increasing agent order and then agent i's own action; ``parents[i]`` is the sorted tuple of
agent i's parents (edge j -> i: j is a parent of i, bnrate Sec. 3).

Evaluation of a policy (V_pi and d^pi_mu) is exact in three forms: the dense solve (``evaluate``,
``evaluate_direct``, one LU), and the certified warm-started Krylov solve (``evaluate_warm``) used along a
policy-gradient run, which applies I - gamma P_pi in factored form (two small matrix products and one
S x A matrix-vector product) and stops only when the residual proves |x - x*| <= tol, else solves directly.

Values use the papers' *unnormalized* discounted visitation d^pi_mu(s) = sum_t gamma^t Pr(s_t = s)
(bnac Sec. 3), which sums to 1/(1-gamma).
"""
from __future__ import annotations

import math
from typing import NamedTuple, Sequence

import jax

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

from ..errors import InputError  # noqa: E402
from ..games import coordination_reward  # noqa: E402

__all__ = ["CoordGame", "coord_game", "n_agents_of", "expect_next", "push_forward", "local_policies",
           "joint_policy", "product_joint", "evaluate", "value_mu", "optimal_value", "poa",
           "parent_marginal", "parent_visitation", "min_parent_visitation", "best_response_value",
           "nash_gaps", "nash_gap", "dag_parents", "theta_shapes", "init_thetas", "EVAL_METHODS",
           "bellman_apply", "bellman_apply_T", "certified_solve", "evaluate_warm", "evaluate_direct",
           "value_gradient_pi", "joint_from_locals_chain", "joint_policy_chain",
           "joint_policy_chain_vjp"]


class CoordGame(NamedTuple):
    """The Coordination Game in factored form (a pytree of arrays; n_agents is also read off shapes)."""
    n_agents: int
    q: jnp.ndarray      # (2, 2)  q[a^i, s'^i]
    r: jnp.ndarray      # (S,)    team reward r(s), Algorithm 1
    mu: jnp.ndarray     # (S,)    initial distribution, uniform (Table 1)
    gamma: float        # discount, 0.95 (Table 1)


def coord_game(N: int, eps: float = 0.1, gamma: float = 0.95) -> CoordGame:
    """bnac's Coordination Game with N agents (Sec. 7.1; Table 1: eps = 0.1, gamma = 0.95, mu uniform)."""
    if not isinstance(N, (int, np.integer)) or N < 1:
        raise InputError(f"the Coordination Game needs an integer N >= 1, got {N!r}")
    if N > 16:
        raise InputError(f"N = {N} is too large for the exact tabular engine (S = A = 2^N); use N <= 16")
    if not 0.0 <= eps <= 1.0:
        raise InputError(f"eps must lie in [0, 1], got {eps}")
    if not 0.0 <= gamma < 1.0:
        raise InputError(f"gamma must lie in [0, 1), got {gamma}")
    S = 2 ** N
    bits = np.array(list(np.ndindex(*(2,) * N)), dtype=int).reshape(S, N)
    r = np.array([coordination_reward(b) for b in bits])  # bnac Algorithm 1 (App. B.1.1)
    q = np.array([[1.0 - eps, eps], [eps, 1.0 - eps]])
    return CoordGame(int(N), jnp.asarray(q), jnp.asarray(r), jnp.full(S, 1.0 / S), float(gamma))


def n_agents_of(game: CoordGame) -> int:
    """N read off the (static) shape of r, so that it stays a Python int under jit."""
    S = game.r.shape[0]
    N = int(round(math.log2(S)))
    if 2 ** N != S:
        raise InputError(f"the reward vector must have 2^N entries, got {S}")
    return N


# ------------------------------------------------------------------------------------------------
# factored transitions
# ------------------------------------------------------------------------------------------------
def _blocks(game: CoordGame):
    """The transition matrix K[a, s'] = prod_i q[a^i, s'^i] = kron(q, ..., q) (C order) split as
    K = kron(K_1, K_2) with K_1 the Kronecker product of the first floor(N/2) agents' q and K_2 of the rest:
    two small dense factors, so that applying K is two matrix products (no S x A x S tensor, no per-agent
    transposes)."""
    N = n_agents_of(game)
    n1 = N // 2
    K1, K2 = jnp.ones((1, 1)), jnp.ones((1, 1))
    for _ in range(n1):
        K1 = jnp.kron(K1, game.q)
    for _ in range(N - n1):
        K2 = jnp.kron(K2, game.q)
    return K1, K2


def expect_next(game: CoordGame, X: jnp.ndarray) -> jnp.ndarray:
    r"""(E X)[..., a] = sum_{s'} P(s'|a) X[..., s'] = sum_{s'} prod_i q[a^i, s'^i] X[..., s'],  (..., S) -> (..., A),
    computed as K_1 X K_2^T on the (first agents, last agents) split of s' (``_blocks``)."""
    K1, K2 = _blocks(game)
    batch = X.shape[:-1]
    Y = X.reshape(batch + (K1.shape[1], K2.shape[1]))
    Y = jnp.einsum("...cd,ac,bd->...ab", Y, K1, K2)
    return Y.reshape(batch + (K1.shape[0] * K2.shape[0],))


def push_forward(game: CoordGame, Y: jnp.ndarray) -> jnp.ndarray:
    r"""(Y P)[..., s'] = sum_a Y[..., a] prod_i q[a^i, s'^i],  (..., A) -> (..., S) (the adjoint of expect_next)."""
    K1, K2 = _blocks(game)
    batch = Y.shape[:-1]
    Z = Y.reshape(batch + (K1.shape[0], K2.shape[0]))
    Z = jnp.einsum("...ab,ac,bd->...cd", Z, K1, K2)
    return Z.reshape(batch + (K1.shape[1] * K2.shape[1],))


# ------------------------------------------------------------------------------------------------
# policies
# ------------------------------------------------------------------------------------------------
def dag_parents(dag, N: int) -> tuple[tuple[int, ...], ...]:
    """Parent tuples from a name ('uncorrelated' = empty DAG, 'line' = i-1 -> i, 'full' = j -> i for all
    j < i, bnac Sec. 7.2), a ``verify.policies.DAG`` or explicit parent lists; checked acyclic."""
    from ..policies import DAG
    if isinstance(dag, str):
        table = {"uncorrelated": DAG.empty, "empty": DAG.empty, "product": DAG.empty,
                 "line": DAG.line, "full": DAG.full}
        if dag not in table:
            raise InputError(f"unknown DAG {dag!r}; choose from uncorrelated, line, full or give parent lists")
        return table[dag](N).parents
    if isinstance(dag, DAG):
        d = dag
    else:
        d = DAG.from_parents(dag)
    if d.n != N:
        raise InputError(f"the DAG has {d.n} agents, the game {N}")
    return d.parents


def theta_shapes(parents, S: int) -> list[tuple[int, ...]]:
    return [(S,) + (2,) * len(ps) + (2,) for ps in parents]


def init_thetas(key, parents, S: int, scale: float = 1.0):
    """theta^i_{s, a^{P^i}, a^i} ~ scale * N(0, 1), i.i.d. (one key split per agent)."""
    keys = jax.random.split(key, len(parents))
    return tuple(scale * jax.random.normal(k, shp) for k, shp in zip(keys, theta_shapes(parents, S)))


def local_policies(thetas) -> tuple:
    """pi^i(a^i | s, a^{P^i}) = softmax_{a^i} theta^i_{s, a^{P^i}, .}   (bnac Eq. (1))."""
    return tuple(jax.nn.softmax(t, axis=-1) for t in thetas)


def _expand(local: jnp.ndarray, ps: Sequence[int], i: int, N: int) -> jnp.ndarray:
    """A table over (s, a^{P^i}, a^i) broadcast onto the joint grid (S, 2, ..., 2)."""
    own = list(ps) + [i]
    order = sorted(own)
    t = jnp.transpose(local, [0] + [1 + own.index(j) for j in order])
    return t.reshape((local.shape[0],) + tuple(2 if j in own else 1 for j in range(N)))


def joint_from_locals(locs, parents) -> jnp.ndarray:
    """pi(a|s) = prod_i pi^i(a^i | s, a^{P^i})   (bnac Eq. (1)),  shape (S, A)."""
    N = len(parents)
    S = locs[0].shape[0]
    pi = jnp.ones((S,) + (2,) * N)
    for i, (loc, ps) in enumerate(zip(locs, parents)):
        pi = pi * _expand(loc, ps, i, N)
    return pi.reshape(S, 2 ** N)


def _runs(ps: Sequence[int], i: int) -> list[tuple[bool, int]]:
    """Agents 0..i-1 split into maximal runs of parents / non-parents of agent i: [(is_parent, length)]."""
    runs: list[tuple[bool, int]] = []
    for j in range(i):
        p = j in ps
        if runs and runs[-1][0] == p:
            runs[-1] = (p, runs[-1][1] + 1)
        else:
            runs.append((p, 1))
    return runs


def joint_from_locals_chain(locs, parents) -> jnp.ndarray:
    r"""pi(a|s) = prod_i pi^i(a^i | s, a^{P^i})   (bnac Eq. (1)), shape (S, A), for DAGs whose parents
    precede their children in agent order (j < i for every edge j -> i; the Uncorrelated, Line- and
    Fully-correlated DAGs): built agent by agent as the chain

        pi_{0..i}(a^0..a^i | s) = pi_{0..i-1}(a^0..a^{i-1} | s) pi^i(a^i | s, a^{P^i}),

    each factor broadcast over runs of consecutive non-parents (no transposes; about 2 S A products in all,
    against N S A for ``joint_from_locals``).  Other DAGs are passed to ``joint_from_locals``.  Both give
    the same products up to the order of the floating-point multiplications."""
    if any(j >= i for i, ps in enumerate(parents) for j in ps):
        return joint_from_locals(locs, parents)
    S = locs[0].shape[0]
    P = jnp.ones((S, 1), dtype=locs[0].dtype)
    for i, (loc, ps) in enumerate(zip(locs, parents)):
        runs = _runs(ps, i)
        p_shape = tuple(2 ** n for _, n in runs)
        l_shape = tuple(2 ** n if par else 1 for par, n in runs)
        P = (P.reshape((S,) + p_shape + (1,)) * loc.reshape((S,) + l_shape + (2,))).reshape(S, 2 ** (i + 1))
    return P


def joint_policy_chain(thetas, parents) -> jnp.ndarray:
    """The joint policy of a softmax BN policy by ``joint_from_locals_chain``, (S, A)."""
    parents = tuple(tuple(int(j) for j in ps) for ps in parents)
    return joint_from_locals_chain(local_policies(thetas), parents)


def joint_policy_chain_vjp(thetas, parents):
    r"""(pi, vjp) for theta -> pi = ``joint_policy_chain(theta, parents)``, the pullback written out along the
    chain (reverse messages), for DAGs whose parents precede their children (else ``jax.vjp``):

        B_N = G,   B_i(s, a^{<=i-1}) = sum_{a^i} pi^i(a^i | s, a^{P^i}) B_{i+1}(s, a^{<=i}),
        dL^i(s, a^{P^i}, a^i) = sum_{a^j: j < i, j not in P^i} pi_{0..i-1}(a^{<i} | s) B_{i+1}(s, a^{<=i}),
        dtheta^i = pi^i (dL^i - sum_{a^i} pi^i dL^i)                      (softmax pullback, bnac Eq. (1)).

    The same sums as reverse-mode differentiation, in an order that avoids the high-rank intermediates
    of the Fully-correlated DAG."""
    parents = tuple(tuple(int(j) for j in ps) for ps in parents)
    if any(j >= i for i, ps in enumerate(parents) for j in ps):
        return jax.vjp(lambda t: joint_policy_chain(t, parents), thetas)
    locs = local_policies(thetas)
    S = locs[0].shape[0]
    prefix, shapes = [jnp.ones((S, 1), dtype=locs[0].dtype)], []
    for i, (loc, ps) in enumerate(zip(locs, parents)):
        runs = _runs(ps, i)
        p_shape = tuple(2 ** n for _, n in runs)
        l_shape = tuple(2 ** n if par else 1 for par, n in runs)
        shapes.append((p_shape, l_shape))
        prefix.append((prefix[-1].reshape((S,) + p_shape + (1,)) * loc.reshape((S,) + l_shape + (2,)))
                      .reshape(S, 2 ** (i + 1)))

    def vjp(G):
        out = [None] * len(locs)
        for i in reversed(range(len(locs))):
            p_shape, l_shape = shapes[i]
            Gr = G.reshape((S,) + p_shape + (2,))
            free = tuple(1 + k for k, (a, b) in enumerate(zip(p_shape, l_shape)) if b == 1 and a > 1)
            dL = (Gr * prefix[i].reshape((S,) + p_shape + (1,))).sum(axis=free, keepdims=True)
            dL = dL.reshape(locs[i].shape)
            out[i] = locs[i] * (dL - (locs[i] * dL).sum(-1, keepdims=True))
            G = (Gr * locs[i].reshape((S,) + l_shape + (2,))).sum(-1).reshape(S, 2 ** i)
        return (tuple(out),)

    return prefix[-1], vjp


def joint_policy(thetas, parents) -> jnp.ndarray:
    """The joint policy of a softmax BN policy, (S, A)."""
    parents = tuple(tuple(int(j) for j in ps) for ps in parents)
    return joint_from_locals(local_policies(thetas), parents)


def product_joint(local: jnp.ndarray) -> jnp.ndarray:
    """pi(a|s) = prod_i pi^i(a^i|s) from local (N, S, 2), shape (S, A)."""
    N = local.shape[0]
    return joint_from_locals([local[i] for i in range(N)], tuple(() for _ in range(N)))


# ------------------------------------------------------------------------------------------------
# evaluation
# ------------------------------------------------------------------------------------------------
def _P_pi(game: CoordGame, pi: jnp.ndarray) -> jnp.ndarray:
    """P_pi[s, s'] = sum_a pi(a|s) P(s'|a)."""
    return push_forward(game, pi)


#: systems up to this size are solved by Gauss-Jordan elimination written in jnp (see ``solve``)
GJ_MAX = 64


def _gauss_jordan(M: jnp.ndarray, b: jnp.ndarray) -> jnp.ndarray:
    """x = M^{-1} b by Gauss-Jordan elimination without pivoting, one pivot per step of a fori_loop.
    Used for M = I - gamma P_pi (or its transpose), strictly diagonally dominant, for which no pivoting
    is needed and elimination is stable (Schur complements stay diagonally dominant)."""
    S = M.shape[0]

    def body(k, c):
        M, b = c
        piv = M[k, k]
        row = M[k] / piv
        bk = b[k] / piv
        f = M[:, k].at[k].set(0.0)
        M = (M - f[:, None] * row[None, :]).at[k].set(row)
        b = (b - f * bk).at[k].set(bk)
        return M, b

    return jax.lax.fori_loop(0, S, body, (M, b))[1]


def solve(M: jnp.ndarray, b: jnp.ndarray, method: str = "auto") -> jnp.ndarray:
    """M^{-1} b.  ``auto``: Gauss-Jordan in jnp for S <= GJ_MAX, LAPACK (jnp.linalg.solve) above;
    ``lapack``: always LAPACK.  (Batched LAPACK calls issued concurrently from vmapped, independent
    branches were seen to hang XLA:CPU with jaxlib 0.10.2; the metrics use ``auto``, the gradient
    dynamics, one solve per step, use ``lapack``.)"""
    if method == "lapack" or M.shape[0] > GJ_MAX:
        return jnp.linalg.solve(M, b)
    return _gauss_jordan(M, b)


def value(game: CoordGame, pi: jnp.ndarray, method: str = "auto") -> jnp.ndarray:
    """V_pi = (I - gamma P_pi)^{-1} r   (r depends on s only, so r_pi = r)."""
    S = game.r.shape[0]
    return solve(jnp.eye(S) - game.gamma * _P_pi(game, pi), game.r, method)


def value_mu(game: CoordGame, pi: jnp.ndarray, method: str = "auto") -> jnp.ndarray:
    """J(pi) = V_pi(mu) = mu^T V_pi."""
    return game.mu @ value(game, pi, method)


def evaluate(game: CoordGame, pi: jnp.ndarray) -> dict:
    r"""V_pi(s), Q_pi(s, a) = r(s) + gamma sum_{s'} P(s'|a) V_pi(s'), the unnormalized visitation
    d^pi_mu = mu^T (I - gamma P_pi)^{-1} (bnac Sec. 3; sums to 1/(1-gamma)) and J = mu^T V_pi."""
    S = game.r.shape[0]
    M = jnp.eye(S) - game.gamma * _P_pi(game, pi)
    V = solve(M, game.r)
    Q = game.r[:, None] + game.gamma * expect_next(game, V)[None, :]
    d = solve(M.T, game.mu)
    return {"V": V, "Q": Q, "d": d, "J": game.mu @ V}


# ------------------------------------------------------------------------------------------------
# warm-started, certified evaluation (Krylov iterations from the previous iterate's V and d)
# ------------------------------------------------------------------------------------------------
#: the evaluation methods of the policy-gradient engine: ``direct`` (one dense LU solve per system) and
#: ``warm`` (certified restarted GMRES from the previous iterate, direct solve as fallback)
EVAL_METHODS = ("direct", "warm")

#: defaults of the warm evaluation: certified accuracy |x - x*| <= EVAL_TOL, Krylov dimension per
#: restart, restarts before the fallback to the direct solve
EVAL_TOL = 1e-11
EVAL_KRYLOV = 24
EVAL_MAX_CYCLES = 6


def bellman_apply(game: CoordGame, pi: jnp.ndarray, x: jnp.ndarray) -> jnp.ndarray:
    r"""(I - gamma P_pi) x = x - gamma pi (E x),  P_pi = pi K with K[a, s'] = P(s'|a)  (factored; no S x S matrix)."""
    return x - game.gamma * (pi @ expect_next(game, x))


def bellman_apply_T(game: CoordGame, pi: jnp.ndarray, y: jnp.ndarray) -> jnp.ndarray:
    r"""(I - gamma P_pi)^T y = y - gamma K^T (pi^T y)  (the adjoint system of the visitation)."""
    return y - game.gamma * push_forward(game, y @ pi)


#: inside a GMRES cycle the least-squares residual is checked every this many Arnoldi steps
GMRES_CHECK_EVERY = 3


def _gmres_cycle(apply, b, x, r, m: int, target):
    """One GMRES(m) cycle from x with residual r = b - A x: Arnoldi with classical Gram-Schmidt applied
    twice (CGS2); every GMRES_CHECK_EVERY steps (and at step m) y = argmin || beta e_1 - H y ||_2 (least
    squares on the (m+1) x m Hessenberg matrix, unfilled columns zero) and the cycle stops early once that
    residual is <= target (2-norm).  Returns x + Q_j y.  A breakdown (an exactly invariant subspace)
    leaves zero rows, which the least squares solve ignores."""
    S = b.shape[0]
    beta = jnp.linalg.norm(r)
    safe = jnp.where(beta > 0, beta, 1.0)
    Q = jnp.zeros((m + 1, S), b.dtype).at[0].set(r / safe)
    H = jnp.zeros((m + 1, m), b.dtype)
    e1 = jnp.zeros(m + 1, b.dtype).at[0].set(beta)

    def least_squares(H):
        y = jnp.linalg.lstsq(H, e1)[0]
        return y, jnp.linalg.norm(e1 - H @ y)

    def cond(c):
        return jnp.logical_and(c[0] < m, ~(c[4] <= target))

    def body(c):
        j, Q, H, y, est = c
        w = apply(Q[j])
        h = Q @ w                      # rows of Q not yet filled are zero
        w = w - h @ Q
        h2 = Q @ w
        w = w - h2 @ Q
        h = h + h2
        hn = jnp.linalg.norm(w)
        h = h.at[j + 1].set(hn)
        Q = Q.at[j + 1].set(w / jnp.where(hn > 0, hn, 1.0))
        H = H.at[:, j].set(h)
        j = j + 1
        y, est = jax.lax.cond(jnp.logical_or(j % GMRES_CHECK_EVERY == 0, j == m), least_squares,
                              lambda _: (y, est), H)
        return j, Q, H, y, est

    _, Q, H, y, _ = jax.lax.while_loop(cond, body, (jnp.array(0), Q, H, jnp.zeros(m, b.dtype), beta))
    return x + y @ Q[:m]


def certified_solve(apply, b, x0, gamma, norm_ord, tol: float = EVAL_TOL, m: int = EVAL_KRYLOV,
                    max_cycles: int = EVAL_MAX_CYCLES):
    r"""x with A x = b for A = I - gamma P_pi (``norm_ord`` = inf) or its transpose (``norm_ord`` = 1),
    by restarted GMRES(m) from the warm start x0 (each cycle stopped early by its own residual estimate),
    stopped when the recomputed residual certifies the error:

        |x - x*| = |A^{-1} (b - A x)| <= ||A^{-1}|| |b - A x| <= |b - A x| / (1 - gamma),

    because ||(I - gamma P_pi)^{-1}||_inf = ||(I - gamma P_pi)^{-T}||_1 <= sum_k gamma^k = 1/(1 - gamma)
    (P_pi row-stochastic).  The residual is recomputed from A, not taken from the Arnoldi recurrence.
    Returns (x, bound, cycles); bound > tol (or NaN) means the certificate was not reached within
    ``max_cycles`` restarts, and the caller falls back to the direct solve."""
    scale = 1.0 / (1.0 - gamma)
    # a cycle stops when its 2-norm residual estimate would certify with a factor 2 to spare
    # (|r|_inf <= |r|_2, |r|_1 <= sqrt(S) |r|_2)
    target = 0.5 * tol / scale / (1.0 if norm_ord == jnp.inf else math.sqrt(b.shape[0]))

    def cert(r):
        return scale * jnp.linalg.norm(r, ord=norm_ord)

    def cond(c):
        return jnp.logical_and(~(c[2] <= tol), c[3] < max_cycles)   # ~(<=): NaN keeps iterating

    def body(c):
        x, r, _, k = c
        x = _gmres_cycle(apply, b, x, r, m, target)
        r = b - apply(x)
        return x, r, cert(r), k + 1

    r0 = b - apply(x0)
    x, _, bound, k = jax.lax.while_loop(cond, body, (x0, r0, cert(r0), jnp.array(0)))
    return x, bound, k


def evaluate_warm(game: CoordGame, pi: jnp.ndarray, V0: jnp.ndarray, d0: jnp.ndarray, tol: float = EVAL_TOL,
                  m: int = EVAL_KRYLOV, max_cycles: int = EVAL_MAX_CYCLES) -> dict:
    r"""V_pi and the unnormalized visitation d^pi_mu (as in ``evaluate``), warm-started from V0, d0 (the
    previous iterate's), each certified to |V - V_pi|_inf <= tol and |d - d^pi_mu|_inf <= |d - d^pi_mu|_1
    <= tol by its residual (``certified_solve``).  Where a certificate is not reached within
    ``max_cycles`` restarts, that system is solved directly (LU), so the result is exact either way.

    Returns V, d, J = mu^T V, the certified bounds (the direct solve reports 0) and ``fallback`` (number
    of the two systems that took the direct solve)."""
    V, bV, kV = certified_solve(lambda x: bellman_apply(game, pi, x), game.r, V0, game.gamma, jnp.inf,
                                tol, m, max_cycles)
    d, bd, kd = certified_solve(lambda y: bellman_apply_T(game, pi, y), game.mu, d0, game.gamma, 1,
                                tol, m, max_cycles)
    S = game.r.shape[0]
    okV, okd = bV <= tol, bd <= tol

    def direct_V(_):
        return jnp.linalg.solve(jnp.eye(S) - game.gamma * _P_pi(game, pi), game.r)

    def direct_d(_):
        return jnp.linalg.solve((jnp.eye(S) - game.gamma * _P_pi(game, pi)).T, game.mu)

    V = jax.lax.cond(okV, lambda _: V, direct_V, None)
    d = jax.lax.cond(okd, lambda _: d, direct_d, None)
    return {"V": V, "d": d, "J": game.mu @ V, "bound_V": jnp.where(okV, bV, 0.0),
            "bound_d": jnp.where(okd, bd, 0.0), "cycles": kV + kd,
            "fallback": (~okV).astype(jnp.int32) + (~okd).astype(jnp.int32)}


def evaluate_direct(game: CoordGame, pi: jnp.ndarray) -> dict:
    r"""V_pi = (I - gamma P_pi)^{-1} r and d^pi_mu = (I - gamma P_pi)^{-T} mu from one LU factorization
    (LAPACK getrf, then one solve with the matrix and one with its transpose); J = mu^T V_pi."""
    S = game.r.shape[0]
    lu = jax.scipy.linalg.lu_factor(jnp.eye(S) - game.gamma * _P_pi(game, pi))
    V = jax.scipy.linalg.lu_solve(lu, game.r)
    d = jax.scipy.linalg.lu_solve(lu, game.mu, trans=1)
    return {"V": V, "d": d, "J": game.mu @ V}


def value_gradient_pi(game: CoordGame, V: jnp.ndarray, d: jnp.ndarray) -> jnp.ndarray:
    r"""dJ/dpi(a|s) for J = mu^T (I - gamma P_pi)^{-1} r (r independent of pi):

        dJ/dpi(a|s) = mu^T (I - gamma P_pi)^{-1} gamma e_s (E V)(a) = gamma d^pi_mu(s) sum_{s'} P(s'|a) V_pi(s'),

    the policy-gradient theorem d(s) (Q(s, a) - r(s)) with Q = r + gamma E V; shape (S, A)."""
    return game.gamma * d[:, None] * expect_next(game, V)[None, :]


def optimal_value(game: CoordGame) -> jnp.ndarray:
    r"""J* = max_pi V_pi(mu), exactly.

    Because r depends on s only and P(.|s, a) does not depend on s, Q*(s, a) = r(s) + gamma (E V*)(a)
    has the same maximizer a* for every s, so V*(s) = r(s) + gamma c with
    c = max_a sum_{s'} P(s'|a) V*(s') = max_a (E r)(a) + gamma c, i.e.

        c = max_a (E r)(a) / (1 - gamma),    J* = mu^T r + gamma c.

    (Tested against policy iteration on the dense game, ``verify.evaluation.optimal_value_mu``.)"""
    c = jnp.max(expect_next(game, game.r)) / (1.0 - game.gamma)
    return game.mu @ game.r + game.gamma * c


def poa(game: CoordGame, pi: jnp.ndarray) -> jnp.ndarray:
    """POA = V_pi(mu) / max_pi V_pi(mu)   (bnac Sec. 7.1)."""
    return value_mu(game, pi) / optimal_value(game)


# ------------------------------------------------------------------------------------------------
# visitation of augmented states (Assumption 5.6)
# ------------------------------------------------------------------------------------------------
def parent_marginal(pi: jnp.ndarray, ps: Sequence[int], N: int) -> jnp.ndarray:
    """m(a^{P^i} | s) = sum_{a^{-P^i}} pi(a^{-P^i}, a^{P^i} | s), shape (S, 2, ..., 2) (parents sorted)."""
    S = pi.shape[0]
    grid = pi.reshape((S,) + (2,) * N)
    other = [j for j in range(N) if j not in ps]
    # transpose then reduce one flat axis (keeps every array's rank <= 3 under vmap)
    t = jnp.transpose(grid, [0] + [1 + j for j in ps] + [1 + j for j in other])
    return t.reshape(S, 2 ** len(ps), 2 ** len(other)).sum(-1).reshape((S,) + (2,) * len(ps))


def parent_visitation(game: CoordGame, pi: jnp.ndarray, ps: Sequence[int], d=None) -> jnp.ndarray:
    r"""d^pi_mu(s, a^{P^i}) := d^pi_mu(s) sum_{a^{-P^i}} pi(a^{-P^i}, a^{P^i}|s)  (bnac Lemma 5.1, Assumption 5.6)."""
    N = n_agents_of(game)
    if d is None:
        d = evaluate(game, pi)["d"]
    m = parent_marginal(pi, ps, N)
    return d.reshape((-1,) + (1,) * (m.ndim - 1)) * m


def min_parent_visitation(game: CoordGame, pi: jnp.ndarray, parents, d=None) -> jnp.ndarray:
    """min over agents with at least one parent, states and parent actions of d(s, a^{P^i})
    (Assumption 5.6 asks for it to stay positive); +inf for the empty DAG."""
    if d is None:
        d = evaluate(game, pi)["d"]
    out = jnp.asarray(jnp.inf, dtype=d.dtype)
    for ps in parents:
        if len(ps):
            out = jnp.minimum(out, jnp.min(parent_visitation(game, pi, ps, d)))
    return out


# ------------------------------------------------------------------------------------------------
# Nash gap with BN best responses
# ------------------------------------------------------------------------------------------------
def best_response_value(game: CoordGame, thetas, parents, i: int, max_iter: int = 64):
    r"""max over pibar^i(a^i | s, a^{P^i}) of V_{pibar^i, pi^{-i}}(mu), the other agents' conditionals fixed.

    Agent i's problem is an MDP over the augmented state (s, a^{P^i}) (bnac Sec. 5.1): the parents'
    marginal m(a^{P^i}|s) and the conditionals w(a^{rest} | s, a^{P^i}, a^i) of the other agents do not
    depend on pibar^i.  With r = r(s) and P independent of s, its value is a function of s alone,
    W(s) = r(s) + gamma sum_{a^{P^i}} m(a^{P^i}|s) max_{a^i} G(s, a^{P^i}, a^i),
    G(s, a^{P^i}, a^i) = sum_{rest} w(rest | s, a^{P^i}, a^i) (E W)(a).  Policy iteration: evaluate a
    deterministic pibar^i by one S x S solve (W = V of the joint policy with pi^i replaced), improve by
    argmax_{a^i} G, starting from the greedy response to V_pi; stop when no augmented state improves by
    more than 1e-12 (1 + |G|), at most ``max_iter`` rounds.  Returns (value at mu, converged
    flag, rounds used); a False flag means the value is a lower bound of the best response."""
    N = n_agents_of(game)
    ps = tuple(parents[i])
    own = list(ps) + [i]                                     # (parents in order, then i)
    rest = [j for j in range(N) if j not in own]
    S = game.r.shape[0]
    n_p, n_r = 2 ** len(ps), 2 ** len(rest)
    locs = list(local_policies(thetas))
    locs_u = list(locs)
    locs_u[i] = jnp.full_like(locs[i], 0.5)
    # pi with uniform pi^i, laid out as (s, (a^{P^i}, a^i), a^{rest}): every array here has rank <= 3
    pu = joint_from_locals(locs_u, parents).reshape((S,) + (2,) * N)
    pu = jnp.transpose(pu, [0] + [1 + j for j in own] + [1 + j for j in rest]).reshape(S, 2 * n_p, n_r)
    den = pu.sum(axis=-1)                                               # 1/2 m(a^{P^i}|s)

    def G_of(W):
        EW = expect_next(game, W).reshape((2,) * N)
        EW = jnp.transpose(EW, own + rest).reshape(1, 2 * n_p, n_r)
        num = (pu * EW).sum(axis=-1)
        G = jnp.where(den > 0, num / jnp.where(den > 0, den, 1.0), 0.0)
        return G.reshape(S, n_p, 2)                                     # G(s, a^{P^i}, a^i)

    def evaluate_det(x):
        # x: (S, 2^{|P^i|}) in {0, 1}: pibar^i = one-hot(x)
        loc = jax.nn.one_hot(x, 2, dtype=pu.dtype).reshape(locs[i].shape)
        ls = list(locs)
        ls[i] = loc
        return value(game, joint_from_locals(ls, parents))

    W0 = value(game, joint_from_locals(locs, parents))
    x0 = jnp.argmax(G_of(W0), axis=-1)

    def cond(c):
        return jnp.logical_and(~c[2], c[3] < max_iter)

    def body(c):
        x, _, _, k = c
        W = evaluate_det(x)
        G = G_of(W)
        cur = jnp.take_along_axis(G, x[..., None], axis=-1)[..., 0]
        improve = G.max(axis=-1) > cur + 1e-12 * (1.0 + jnp.abs(cur))
        return jnp.where(improve, jnp.argmax(G, axis=-1), x), W, ~improve.any(), k + 1

    # (for S <= GJ_MAX the loop body is LAPACK-free; see ``solve``)
    x, W, done, k = jax.lax.while_loop(cond, body, (x0, W0, jnp.array(False), jnp.array(0)))
    return game.mu @ W, done, k


def nash_gaps(game: CoordGame, thetas, parents, max_iter: int = 64):
    """Per agent: max_{pibar^i} V_{pibar^i, pi^{-i}}(mu) - V_pi(mu); also whether every best response converged."""
    parents = tuple(tuple(int(j) for j in ps) for ps in parents)
    J = value_mu(game, joint_policy(thetas, parents))
    gaps, ok = [], jnp.array(True)
    for i in range(len(parents)):
        br, done, _ = best_response_value(game, thetas, parents, i, max_iter)
        gaps.append(br - J)
        ok = ok & done
    return jnp.stack(gaps), ok


def nash_gap(game: CoordGame, thetas, parents, max_iter: int = 64) -> jnp.ndarray:
    """Nash-gap(pi) := max_i (max_{pi^i} V_{pi^i, pi^{-i}}(mu) - V_pi(mu))   (bnac Sec. 7.1),
    pi^i ranging over agent i's BN conditionals pi^i(a^i | s, a^{P^i})."""
    return nash_gaps(game, thetas, parents, max_iter)[0].max()
# CORE_API_READY
