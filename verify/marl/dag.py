r"""The differentiable DAG learner of bnac Sec. 6.1 and its density regularizer (Secs. 6.3, 7.4.4).

Orientation (the harness's, bnrate Sec. 3 and bnac Sec. 6.1): G[j, i] = 1 iff j is a parent of i.

    Pi = ST-Hungarian(Gumbel-Sinkhorn(l_Pi))          permutation matrix (hard forward, soft backward)
    U  = ST-Gumbel-softmax(l_U)[..., 1] * triu_1      strictly upper-triangular edge matrix
    G  = Pi^T U Pi                                    (Sec. 6.1)

With Pi[k, j] = 1 iff agent j has position k in the topological order, G[j, i] = U[pos(j), pos(i)], so
every edge goes from an earlier to a later position and G is acyclic for every Pi and U.

    rho(G) = 2 / (N (N - 1)) sum_{i, j} G[j, i]        (Sec. 6.3)
    loss_reg = alpha |rho(G) - eta|                    (Sec. 6.3)
"""
from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
from optax.assignment import hungarian_algorithm

__all__ = ["DAGNoise", "sample_noise", "zero_noise", "gumbel_sinkhorn", "hard_permutation", "st_permutation",
           "st_edges", "dag_from", "learned_dag", "density", "density_penalty", "annealing", "triu_mask",
           "fixed_dag", "is_dag"]


class DAGNoise(NamedTuple):
    perm: jnp.ndarray   # (N, N) Gumbel noise for Gumbel-Sinkhorn
    edge: jnp.ndarray   # (N, N, 2) Gumbel noise for the edge Gumbel-softmax


def sample_noise(key, N: int) -> DAGNoise:
    k1, k2 = jax.random.split(key)
    return DAGNoise(jax.random.gumbel(k1, (N, N), jnp.float32), jax.random.gumbel(k2, (N, N, 2), jnp.float32))


def zero_noise(N: int) -> DAGNoise:
    """No noise: the deterministic (evaluation) DAG, argmax edges and the Hungarian matching of Sinkhorn(l_Pi)."""
    return DAGNoise(jnp.zeros((N, N), jnp.float32), jnp.zeros((N, N, 2), jnp.float32))


def triu_mask(N: int) -> jnp.ndarray:
    """The strictly upper-triangular mask (1 above the diagonal)."""
    return jnp.triu(jnp.ones((N, N), jnp.float32), k=1)


def gumbel_sinkhorn(logits, noise, tau: float = 1.0, n_iter: int = 20) -> jnp.ndarray:
    r"""Gumbel-Sinkhorn (Mena et al. 2018) in log space: X = (l + g) / tau, then n_iter times
    X <- X - logsumexp_cols(X) (rows sum to 1), X <- X - logsumexp_rows(X) (columns sum to 1);
    returns exp(X), a doubly-stochastic matrix (approximately, after finitely many iterations)."""
    X = (jnp.nan_to_num(logits) + noise) / tau

    def body(X, _):
        X = X - jax.scipy.special.logsumexp(X, axis=1, keepdims=True)
        X = X - jax.scipy.special.logsumexp(X, axis=0, keepdims=True)
        return X, None

    X, _ = jax.lax.scan(body, X, None, length=n_iter)
    return jnp.exp(X)


def hard_permutation(P_soft) -> jnp.ndarray:
    """The permutation matrix nearest to P_soft: the assignment maximizing sum_k P_soft[k, sigma(k)]
    (Hungarian algorithm, ``optax.assignment.hungarian_algorithm`` on the cost -P_soft)."""
    N = P_soft.shape[0]
    cost = -jnp.nan_to_num(jax.lax.stop_gradient(P_soft))
    rows, cols = hungarian_algorithm(cost)
    return jnp.zeros((N, N), P_soft.dtype).at[rows, cols].set(1.0)


def st_permutation(logits, noise, tau: float = 1.0, n_iter: int = 20) -> jnp.ndarray:
    r"""Straight-through permutation: forward the hard matching, backward the Gumbel-Sinkhorn gradient,
    Pi = hard + (soft - stop_gradient(soft)); the bracket is exactly 0 forward, so Pi is exactly 0/1."""
    soft = gumbel_sinkhorn(logits, noise, tau, n_iter)
    hard = hard_permutation(soft)
    return hard + (soft - jax.lax.stop_gradient(soft))


def st_edges(logits, noise, tau: float = 1.0) -> jnp.ndarray:
    r"""Straight-through Gumbel-softmax edges (Jang et al. 2016) on the strictly upper-triangular mask:
    y = softmax((l + g) / tau) over {no edge, edge}; forward one_hot(argmax y), backward dy;
    U = (hard + (y - sg(y)))[..., 1] * triu_1."""
    N = logits.shape[0]
    y = jax.nn.softmax((jnp.nan_to_num(logits) + noise) / tau, axis=-1)
    hard = jax.nn.one_hot(jnp.argmax(y, axis=-1), 2, dtype=y.dtype)
    st = hard + (y - jax.lax.stop_gradient(y))  # exactly 0/1 forward
    return st[..., 1] * triu_mask(N)


def dag_from(Pi, U) -> jnp.ndarray:
    """G = Pi^T U Pi  (Sec. 6.1)."""
    return Pi.T @ U @ Pi


def learned_dag(perm_logits, edge_logits, noise: DAGNoise, tau_perm: float = 1.0, tau_edge: float = 1.0,
                n_iter: int = 20, learn_perm=True) -> jnp.ndarray:
    """G(o) from the two nets' logits (Sec. 6.1).  ``learn_perm`` False (a data flag, 0/1) fixes Pi to the
    identity (bnac Sec. 7.4.4 for SMAC, and the fixed-DAG baselines, Sec. 7.2)."""
    N = edge_logits.shape[0]
    Pi = st_permutation(perm_logits, noise.perm, tau_perm, n_iter)
    Pi = jnp.where(learn_perm, Pi, jnp.eye(N, dtype=Pi.dtype))
    return dag_from(Pi, st_edges(edge_logits, noise.edge, tau_edge))


def fixed_dag(name: str, N: int) -> jnp.ndarray:
    """The fixed DAGs of Sec. 7.2 as adjacency G[j, i]: 'full' {(j, i) | i > j}; 'uncorrelated' the empty
    DAG (what the name and Fig. 6's 'purely uncorrelated' mean); 'line' {(j, i) | i = j + 1}, which Sec. 7.2
    prints as the Uncorrelated DAG."""
    if name == "full":
        return triu_mask(N)
    if name == "uncorrelated":
        return jnp.zeros((N, N), jnp.float32)
    if name == "line":
        return jnp.eye(N, k=1, dtype=jnp.float32)
    raise ValueError(f"unknown fixed DAG {name!r}")


def density(G) -> jnp.ndarray:
    r"""rho(G) = 2 / (N (N - 1)) sum_{i, j} G[j, i]   (Sec. 6.3); 0 for N = 1."""
    N = G.shape[-1]
    return jnp.sum(G, axis=(-2, -1)) * (2.0 / max(N * (N - 1), 1))


def density_penalty(G, alpha, eta) -> jnp.ndarray:
    """alpha |rho(G) - eta|   (Sec. 6.3)."""
    return alpha * jnp.abs(density(G) - eta)


def annealing(frac, a: float = 0.2, b: float = 0.5, c: float = 0.8, l_eta: int = 5, l_alpha: int = 5,
              alpha_start: float = 0.1, alpha_end: float = 1.0):
    r"""(eta, alpha) at training fraction ``frac`` in [0, 1] (Sec. 7.4.4):

    * frac < a: eta = 1;
    * a <= frac < b: eta decreases from 1 to 0 uniformly in l_eta steps, eta = 1 - floor(l_eta (frac - a)/(b - a)) / l_eta;
    * frac >= b: eta = 0;
    * alpha = alpha_start before b; from b to c it increases from alpha_start to alpha_end uniformly in
      l_alpha steps, alpha = alpha_start + (alpha_end - alpha_start) floor(l_alpha (frac - b)/(c - b)) / l_alpha;
      alpha_end after c.

    The paper gives alpha 0.1 -> 1 (6h_vs_8z) and 0.05 -> 0.5 (MMM2); a, b, c, l_eta, l_alpha and
    alpha before b are not printed: the defaults here are the harness's choices."""
    frac = jnp.asarray(frac, jnp.float32)
    k_eta = jnp.clip(jnp.floor(l_eta * (frac - a) / (b - a)), 0, l_eta)
    eta = jnp.where(frac < a, 1.0, 1.0 - k_eta / l_eta)
    k_al = jnp.clip(jnp.floor(l_alpha * (frac - b) / (c - b)), 0, l_alpha)
    alpha = jnp.where(frac < b, alpha_start, alpha_start + (alpha_end - alpha_start) * k_al / l_alpha)
    return eta, alpha


def is_dag(G) -> bool:
    """Acyclic 0/1 adjacency with zero diagonal (numpy check: G is nilpotent, G^N = 0)."""
    import numpy as np
    G = np.asarray(G)
    if not np.all((G == 0) | (G == 1)) or np.any(np.diag(G) != 0):
        return False
    M = np.eye(G.shape[0])
    for _ in range(G.shape[0]):
        M = (M @ G > 0).astype(float)
    return not M.any()
