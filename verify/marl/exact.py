r"""Exact evaluation of a learned BN-MAPPO policy on the Coordination Game (beyond the paper).

Under global observability (Sec. 7.4.1) the learned policy is a function of the state s in {0, 1}^N, so it is
a BN policy over 2^N states with a context-dependent DAG G(s).  With the deterministic DAG (no Gumbel noise:
argmax edges and the Hungarian matching of Sinkhorn(l_Pi)) its joint policy is

    pi(a | s) = prod_i pi^i(a^i | o^i(s), a^{P^i(s)}),       P^i(s) = {j : G(s)[j, i] = 1}     (bnac Eq. (1))

evaluated for every s and a.  The exact engine (``verify.experiments.core``, float64) then gives J(pi) =
V_pi(mu), the POA V_pi(mu) / max_pi V_pi(mu) and the 20-step truncated return that a sampled episode
estimates.  The exact Nash gap of a context-dependent BN policy is computed here by value iteration on agent
i's best-response problem over the augmented state (s, a^{P^i(s)}): the deviating pi'^i(a^i | s, a^{P^i(s)})
leaves the parents' marginal unchanged and the other agents' conditionals fixed, so

    W(s) = r(s) + gamma sum_x max_b sum_{a : a^{P^i(s)} = x, a^i = b} prod_{j != i} pi^j(a^j | s, a^{P^j(s)}) (E W)(a),

(E W)(a) = sum_{s'} P(s'|a) W(s'); Nash-gap_i = mu^T W - V_pi(mu) (Sec. 7.1).  For a fixed DAG this is the
engine's ``nash_gaps`` (policy iteration), against which it is tested.
"""
from __future__ import annotations

import numpy as np

__all__ = ["state_bits", "policy_tables", "joint_from_tables", "exact_metrics", "truncated_return",
           "best_response_value", "nash_gaps"]


def state_bits(N: int) -> np.ndarray:
    """(2^N, N) local bits of each global state / joint action in C order (agent 0 most significant),
    the engine's indexing."""
    return np.array(list(np.ndindex(*(2,) * N)), dtype=np.int32).reshape(2 ** N, N)


def policy_tables(train, params, variant=None, noise=None):
    """(loc, G): loc[s, a, i] = pi^i(a^i | o^i(s), a^{P^i(s)}) for every state s and joint action a, and the
    DAGs G[s] (deterministic DAG unless ``noise`` is given), float64 numpy."""
    import jax
    import jax.numpy as jnp
    from .dag import zero_noise
    from .envs import CGState
    env, pol = train.env, train.policy
    N = env.n_agents
    if variant is None:
        from .bnmappo import variant_data
        variant = variant_data("context", N)
    bits = state_bits(N)
    nz = zero_noise(N) if noise is None else noise

    def per_state(b):
        ts = env._timestep(CGState(jnp.asarray(b, jnp.int32), jnp.int32(0)), 0.0, False)
        G = pol.dag(params, ts.obs, nz, variant)

        def per_action(a):
            lp = jax.nn.softmax(pol.logits(params, ts.obs, G, a, ts.avail).astype(jnp.float32), axis=-1)
            return jnp.take_along_axis(lp, a[:, None], axis=-1)[:, 0]

        return jax.vmap(per_action)(jnp.asarray(bits)), G

    loc, G = jax.jit(jax.vmap(per_state))(jnp.asarray(bits))
    return np.asarray(loc, np.float64), np.asarray(G, np.float64)


def policy_tables_batched(train, params, variant):
    """``policy_tables`` for a batch of runs (leading axes of params and variant), one compiled function per
    train object; returns loc (..., S, A, N) and G (..., S, N, N)."""
    import jax
    fn = getattr(train, "_exact_tables", None)
    if fn is None:
        def one(p, v):
            return policy_tables_traced(train, p, v)
        fn = jax.jit(jax.vmap(jax.vmap(one)))
        train._exact_tables = fn
    loc, G = fn(params, variant)
    return np.asarray(loc, np.float64), np.asarray(G, np.float64)


def policy_tables_traced(train, params, variant):
    """The traceable core of ``policy_tables`` (deterministic DAG)."""
    import jax
    import jax.numpy as jnp
    from .dag import zero_noise
    from .envs import CGState
    env, pol = train.env, train.policy
    N = env.n_agents
    bits = jnp.asarray(state_bits(N))
    nz = zero_noise(N)

    def per_state(b):
        ts = env._timestep(CGState(b, jnp.int32(0)), 0.0, False)
        G = pol.dag(params, ts.obs, nz, variant)

        def per_action(a):
            lp = jax.nn.softmax(pol.logits(params, ts.obs, G, a, ts.avail).astype(jnp.float32), axis=-1)
            return jnp.take_along_axis(lp, a[:, None], axis=-1)[:, 0]

        return jax.vmap(per_action)(bits), G

    return jax.vmap(per_state)(bits)


def joint_from_tables(loc) -> np.ndarray:
    """pi(a | s) = prod_i loc[s, a, i]   (bnac Eq. (1)), renormalized against float32 rounding of the nets."""
    pi = np.prod(loc, axis=-1)
    return pi / pi.sum(axis=1, keepdims=True)


def _game(N: int):
    from ..experiments.core import coord_game
    return coord_game(N)


def truncated_return(game, pi, T: int = 20) -> float:
    r"""E sum_{t < T} gamma^t r(s_t) from s_0 ~ mu: d_0 = mu, d_{t+1} = d_t P_pi (what a sampled episode of
    length T estimates)."""
    from ..experiments.core import push_forward
    import jax.numpy as jnp
    P = np.asarray(push_forward(game, jnp.asarray(pi)))      # P_pi[s, s'] = sum_a pi(a|s) P(s'|a)
    d, r = np.asarray(game.mu, np.float64), np.asarray(game.r, np.float64)
    out = 0.0
    for t in range(T):
        out += game.gamma ** t * float(d @ r)
        d = d @ P
    return out


def exact_metrics(pi, N: int, T: int = 20) -> dict:
    """J = V_pi(mu), J* = max_pi V_pi(mu), POA = J / J* (Sec. 7.1) and the T-step truncated return."""
    import jax.numpy as jnp
    from ..experiments.core import optimal_value, value_mu
    game = _game(N)
    J = float(value_mu(game, jnp.asarray(pi)))
    Js = float(optimal_value(game))
    return {"J": J, "J_star": Js, "poa": J / Js, "return_T": truncated_return(game, pi, T)}


def _kernel(game) -> np.ndarray:
    """K[a, s'] = prod_i q[a^i, s'^i] (dense; N <= 10)."""
    q = np.asarray(game.q, np.float64)
    K = np.ones((1, 1))
    for _ in range(game.n_agents):
        K = np.kron(K, q)
    return K


def best_response_value(game, loc, G, i: int, tol: float = 1e-12, max_iter: int = 20000):
    """max over pi'^i(a^i | s, a^{P^i(s)}) of V_{pi'^i, pi^{-i}}(mu) by value iteration (module docstring);
    returns (value, iterations)."""
    S, A, N = loc.shape
    bits = state_bits(N)
    K = _kernel(game)
    r = np.asarray(game.r, np.float64)
    gamma = float(game.gamma)
    others = np.prod(np.delete(loc, i, axis=2), axis=2)                     # (S, A)
    weights = 2 ** np.arange(N)[::-1]
    par = (G[:, :, i] > 0.5).astype(np.int64)                               # (S, N) parents of i in s
    x = (bits[None, :, :] * par[:, None, :]) @ weights                      # (S, A) parent-action group
    X = 2 ** N
    idx = (np.arange(S)[:, None] * X + x).ravel()
    own = bits[:, i]
    W = r / (1.0 - gamma) * 0.0 + r
    for k in range(max_iter):
        EW = K @ W                                                          # (A,)
        c = others * EW[None, :]
        g0 = np.bincount(idx, weights=(c * (own == 0)[None]).ravel(), minlength=S * X).reshape(S, X)
        g1 = np.bincount(idx, weights=(c * (own == 1)[None]).ravel(), minlength=S * X).reshape(S, X)
        W_new = r + gamma * np.maximum(g0, g1).sum(axis=1)
        if np.max(np.abs(W_new - W)) <= tol * (1.0 + np.max(np.abs(W_new))):
            W = W_new
            break
        W = W_new
    return float(np.asarray(game.mu) @ W), k + 1


def nash_gaps(loc, G, N: int):
    """Per agent i: max_{pi'^i} V_{pi'^i, pi^{-i}}(mu) - V_pi(mu), for the context-dependent BN policy."""
    import jax.numpy as jnp
    from ..experiments.core import value_mu
    game = _game(N)
    J = float(value_mu(game, jnp.asarray(joint_from_tables(loc))))
    return np.array([best_response_value(game, loc, G, i)[0] - J for i in range(N)])
