r"""Instances and independent oracles shared by the mpg and mabn transcripts (not a transcript itself).

Independent oracles: values and Q by a direct linear solve written here (not verify.evaluation), the
score function of a tabular softmax by central differences of log pi, gradients of V(mu) by
verify.oracles' finite differences.
"""
from __future__ import annotations

import numpy as np

from verify.proofs import bn_sampler
from verify.instances import build as build_instance


def mpg_sampler(n_agents=(1, 3), action=(2, 3), states=(1, 3), rewards=("potential", "potential-dummy", "team"),
                **kw):
    """Product-policy instances (empty DAG) of random Markov potential games; every agent has at least
    two actions (a one-action agent makes every gradient line 0 = 0)."""
    base = bn_sampler(dag="empty", n_agents=n_agents, action=action, states=states, rewards=rewards, **kw)

    def sample(rng):
        spec = base(rng)
        spec["agent"] = int(rng.integers(0, spec["n_agents"]))
        return spec
    return sample


def game_policy(spec):
    return build_instance({k: v for k, v in spec.items() if k not in ("agent", "extra")})


def softmax(x, axis=-1):
    z = np.exp(x - x.max(axis=axis, keepdims=True))
    return z / z.sum(axis=axis, keepdims=True)


def own_values(game, pi_joint, r):
    """Oracle: V = (I - gamma P_pi)^{-1} r_pi and Q = r + gamma P V by a direct solve.
    pi_joint (S, A^1..A^N), r (S, A^1..A^N); returns V (S,), Q (S, A^1..A^N)."""
    S = game.n_states
    pf = pi_joint.reshape(S, -1)
    rf = r.reshape(S, -1)
    Pf = game.P.reshape(S, -1, S)
    P_pi = np.einsum("sa,sat->st", pf, Pf)
    V = np.linalg.solve(np.eye(S) - game.gamma * P_pi, (pf * rf).sum(1))
    Q = rf + game.gamma * Pf @ V
    return V, Q.reshape(r.shape)


def own_visitation(game, pi_joint):
    """Oracle: d_mu^pi(s) = sum_t gamma^t Pr(s_t = s) (unnormalized, sums to 1/(1-gamma)), by a direct solve."""
    S = game.n_states
    P_pi = np.einsum("sa,sat->st", pi_joint.reshape(S, -1), game.P.reshape(S, -1, S))
    return np.linalg.solve((np.eye(S) - game.gamma * P_pi).T, game.mu)


def marginal_over_others(pi_joint, X, i):
    """E_{a^{-i} ~ pi^{-i}(.|s)} X(s, a^i, a^{-i}) for a product policy: shape (S, A^i)."""
    N = pi_joint.ndim - 1
    other = tuple(1 + j for j in range(N) if j != i)
    return (pi_joint * X).sum(axis=other) / pi_joint.sum(axis=other)


def score_fd(theta_i, h=1e-5):
    r"""d log pi(a'|s') / d theta_{s,a} by central differences: shape (S, A, S, A) indexed [s', a', s, a]."""
    S, A = theta_i.shape
    out = np.zeros((S, A, S, A))
    for s in range(S):
        for a in range(A):
            e = np.zeros_like(theta_i)
            e[s, a] = h
            out[:, :, s, a] = (np.log(softmax(theta_i + e)) - np.log(softmax(theta_i - e))) / (2 * h)
    return out
