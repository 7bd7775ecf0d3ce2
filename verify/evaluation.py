r"""Exact tabular evaluation: values, visitation measures, conditional Q, BN advantages, optimal
values, optimality gap, price of anarchy and Nash gaps.  All vectorized NumPy, float64.

Two visitation measures, never to be confused:

* ``visitation_unnormalized``: the papers' d^pi_mu(s) := E_{s0~mu} sum_t gamma^t Pr^pi(s_t = s | s0)
  (bnac Sec. 3, bnrate Sec. 2, mpg Sec. 2); it sums to 1/(1-gamma);
* ``visitation_normalized``: (1 - gamma) times the above, a probability distribution (the d of
  Agarwal et al.'s policy-gradient theorem).
"""
from __future__ import annotations

import numpy as np

from .errors import InputError
from .games import MarkovGame
from .policies import BNPolicy


# ------------------------------------------------------------------------------------------------
# core linear algebra, with optional leading batch axes on pi
# ------------------------------------------------------------------------------------------------
def _reward(game: MarkovGame, i) -> np.ndarray:
    """r[s, a] flat: i an agent index, None for the team reward, 'potential' for phi, or an array."""
    if isinstance(i, np.ndarray):
        return i.reshape(game.n_states, game.n_joint)
    if i is None:
        return game.reward_flat(None)
    if isinstance(i, str) and i == "potential":
        if game.potential is None:
            raise InputError("this game has no potential function")
        return game.potential.reshape(game.n_states, game.n_joint)
    if isinstance(i, str) and i == "sum":
        return game.rewards.sum(axis=0).reshape(game.n_states, game.n_joint)
    return game.reward_flat(int(i))


def _pi_flat(game, policy) -> np.ndarray:
    if isinstance(policy, BNPolicy):
        if policy.action_sizes != game.action_sizes or policy.n_states != game.n_states:
            raise InputError("the policy's state and action sizes do not match the game's")
        return policy.joint_flat()
    pi = np.asarray(policy, float)
    return pi.reshape(pi.shape[:-1 - game.n_agents] + (game.n_states, game.n_joint)) \
        if pi.shape[-game.n_agents:] == game.action_sizes else pi


def state_values(game: MarkovGame, pi_flat: np.ndarray, r_flat: np.ndarray) -> np.ndarray:
    """V = (I - gamma P_pi)^{-1} r_pi for pi_flat of shape (..., S, |A|); returns (..., S)."""
    P_pi = np.einsum("...sa,sat->...st", pi_flat, game.P_flat)
    r_pi = np.einsum("...sa,sa->...s", pi_flat, r_flat)
    I = np.eye(game.n_states)
    return np.linalg.solve(I - game.gamma * P_pi, r_pi[..., None])[..., 0]


# ------------------------------------------------------------------------------------------------
# values
# ------------------------------------------------------------------------------------------------
def value(game: MarkovGame, policy, i=None) -> np.ndarray:
    """V^pi(s) for agent i's reward (None: team reward; 'potential': the total potential Phi)."""
    return state_values(game, _pi_flat(game, policy), _reward(game, i))


def value_mu(game: MarkovGame, policy, i=None) -> float:
    """V^pi(mu) = E_{s0 ~ mu} V^pi(s0)."""
    return float(game.mu @ value(game, policy, i))


def q_values(game: MarkovGame, policy, i=None) -> np.ndarray:
    """Q^pi(s, a) = r(s, a) + gamma sum_s' P(s'|s, a) V^pi(s'), shape (S, A^1, ..., A^N)."""
    r = _reward(game, i)
    V = state_values(game, _pi_flat(game, policy), r)
    Q = r + game.gamma * game.P_flat @ V
    return Q.reshape((game.n_states,) + game.action_sizes)


def visitation_unnormalized(game: MarkovGame, policy) -> np.ndarray:
    r"""d^pi_mu(s) = E_{s0~mu} sum_t gamma^t Pr^pi(s_t = s | s0) = mu^T (I - gamma P_pi)^{-1}; sums to 1/(1-gamma)."""
    pi = _pi_flat(game, policy)
    P_pi = np.einsum("sa,sat->st", pi, game.P_flat)
    return np.linalg.solve((np.eye(game.n_states) - game.gamma * P_pi).T, game.mu)


def visitation_normalized(game: MarkovGame, policy) -> np.ndarray:
    """(1 - gamma) d^pi_mu(s): a probability distribution over states."""
    return (1.0 - game.gamma) * visitation_unnormalized(game, policy)


def visitation_parents(game: MarkovGame, policy: BNPolicy, i: int, normalized: bool = False) -> np.ndarray:
    r"""d^pi_mu(s, a^{P^i}) := d^pi_mu(s) sum_{a^{-P^i}} pi(a^{-P^i}, a^{P^i} | s)   (bnac Lemma 5.1),
    shape (S, A^{P^i}...), with the unnormalized d unless ``normalized``."""
    d = visitation_normalized(game, policy) if normalized else visitation_unnormalized(game, policy)
    m = policy.marginal(policy.dag.parents[i])
    return d.reshape((-1,) + (1,) * (m.ndim - 1)) * m


# ------------------------------------------------------------------------------------------------
# conditional Q and BN advantages
# ------------------------------------------------------------------------------------------------
def q_subset(game: MarkovGame, policy: BNPolicy, M, i=None, Q=None) -> np.ndarray:
    r"""Q_pi(s, a^M) := E_{a^{-M} ~ pi^{-M}(.|s, a^M)} [Q_pi(s, a^M, a^{-M})]   (bnac Sec. 5),
    shape (S, A^{m_1}, ...) with M sorted.  pi^{-M}(.|s, a^M) is the conditional of the joint pi."""
    M = sorted(set(M))
    Q = q_values(game, policy, i) if Q is None else Q
    pi = policy.joint()
    other = tuple(1 + j for j in range(game.n_agents) if j not in M)
    num = (pi * Q).sum(axis=other)
    den = pi.sum(axis=other)
    return num / den


def bn_advantage(game: MarkovGame, policy: BNPolicy, i: int, reward=None, Q=None) -> np.ndarray:
    r"""A^i(s, a^{P^i}, a^i) := Q(s, a^{P^i_+}) - Q(s, a^{P^i}),  P^i_+ = P^i ∪ {i}
    (bnrate Lemma 1; bnac Lemma 5.1 prints Q(s, a^{P^i}) - Q(s, a^{P^i}), evidently a typo for this).
    Shape (S, A^{P^i}..., A^i), the shape of theta^i."""
    ps = list(policy.dag.parents[i])
    Q = q_values(game, policy, reward) if Q is None else Q
    plus = sorted(ps + [i])
    q_plus = q_subset(game, policy, plus, Q=Q)
    q_plus = np.moveaxis(q_plus, 1 + plus.index(i), -1)  # parents in order, then a^i
    q_par = q_subset(game, policy, ps, Q=Q)
    return q_plus - q_par[..., None]


def product_advantage(game: MarkovGame, policy: BNPolicy, i: int, reward=None) -> np.ndarray:
    r"""A^i(s, a^i) := E_{a^{-i} ~ pi^{-i}(.|s)} [Q^i(s, a^i, a^{-i}) - V^i(s)]  (mpg Lemma 3.1), shape (S, A^i)."""
    if policy.dag.edges:
        raise InputError("the product-policy advantage needs the empty DAG")
    r = reward if reward is not None else i
    Q = q_values(game, policy, r)
    V = value(game, policy, r)
    q_i = q_subset(game, policy, [i], Q=Q)
    return q_i - V[:, None]


# ------------------------------------------------------------------------------------------------
# optimal values, best responses, gaps
# ------------------------------------------------------------------------------------------------
def solve_mdp(T: np.ndarray, R: np.ndarray, gamma: float, max_iter: int = 10_000):
    """Exact policy iteration for a finite MDP with T[x, u, x'] and R[x, u].  Returns (V*, greedy)."""
    X, U = R.shape
    pol = np.argmax(R, axis=1)
    I = np.eye(X)
    V = None
    for _ in range(max_iter):
        Tp = T[np.arange(X), pol]
        Rp = R[np.arange(X), pol]
        V = np.linalg.solve(I - gamma * Tp, Rp)
        Qx = R + gamma * T @ V
        best = Qx.max(axis=1)
        cur = Qx[np.arange(X), pol]
        improve = best > cur + 1e-12 * (1.0 + np.abs(cur))
        if not improve.any():
            return V, pol
        pol = np.where(improve, np.argmax(Qx, axis=1), pol)
    raise RuntimeError("policy iteration did not converge")  # pragma: no cover


def optimal_values(game: MarkovGame, i="sum") -> np.ndarray:
    """V*(s) = max over joint policies (an MDP over joint actions) of the given reward."""
    V, _ = solve_mdp(game.P_flat, _reward(game, i), game.gamma)
    return V


def optimal_value_mu(game: MarkovGame, i="sum") -> float:
    return float(game.mu @ optimal_values(game, i))


def optimality_gap(game: MarkovGame, policy, i=None) -> float:
    """max_pi* V_pi*(mu) - V_pi(mu)  (bnrate Definition 2), team reward by default."""
    r = i if i is not None else None
    return optimal_value_mu(game, r if r is not None else _reward(game, None)) - value_mu(game, policy, r)


def price_of_anarchy(game: MarkovGame, policy) -> float:
    """POA = sum_i V^i_pi(mu) / max_pi sum_i V^i_pi(mu)  (mpg Def. 4.1; bnac Sec. 7.1 for a team game,
    where it equals V_pi(mu) / max_pi V_pi(mu)).  The max over product policies equals the max over
    joint policies: an optimal policy of the summed-reward MDP is deterministic, hence a product."""
    return value_mu(game, policy, "sum") / optimal_value_mu(game, "sum")


def best_response_value(game: MarkovGame, policy: BNPolicy, i: int, reward=None) -> float:
    r"""max over pibar^i(a^i | s, a^{P^i}) of V^i_{pibar^i, pi^{-i}}(mu), the other agents' conditionals fixed.

    For a BN policy this is an MDP over the augmented state (s, a^{P^i}) (bnac Sec. 5.1): the parents'
    actions are drawn from their marginal m(a^{P^i}|s), which does not depend on pi^i (parents are not
    descendants of i); agent i picks a^i; the remaining agents follow their conditionals given
    (a^{P^i}, a^i), which do not depend on pi^i either.  For the empty DAG it is the usual best response."""
    r = _reward(game, i if reward is None else reward)
    S, A, N = game.n_states, game.action_sizes, game.n_agents
    ps = list(policy.dag.parents[i])
    thetas = list(policy.thetas)
    thetas[i] = np.zeros_like(thetas[i])  # uniform pi^i: the conditionals of the others are unchanged
    pu = policy.with_thetas(thetas).joint()  # (S, *A)
    plus = ps + [i]
    rest = [j for j in range(N) if j not in plus]
    perm = [0] + [1 + j for j in plus] + [1 + j for j in rest]
    n_p = int(np.prod([A[j] for j in ps])) if ps else 1
    w = np.transpose(pu, perm).reshape(S, n_p, A[i], -1)
    w = w / w.sum(axis=-1, keepdims=True)  # Pr(a^{rest} | s, a^{P^i}, a^i)
    r_full = np.transpose(r.reshape((S,) + A), perm).reshape(S, n_p, A[i], -1)
    P_full = np.transpose(game.P, perm + [N + 1]).reshape(S, n_p, A[i], -1, S)
    R_aug = (w * r_full).sum(-1)  # (S, n_p, A^i)
    P_s = np.einsum("spxr,spxrt->spxt", w, P_full)  # (S, n_p, A^i, S')
    m = policy.marginal(ps).reshape(S, n_p)  # m(p | s)
    T = np.einsum("spxt,tq->spxtq", P_s, m).reshape(S * n_p, A[i], S * n_p)
    V, _ = solve_mdp(T, R_aug.reshape(S * n_p, A[i]), game.gamma)
    init = (game.mu[:, None] * m).reshape(-1)
    return float(init @ V)


def nash_gaps(game: MarkovGame, policy: BNPolicy, per_agent_rewards: bool | None = None) -> np.ndarray:
    """Per agent: max_{pibar^i} V^i_{pibar^i, pi^{-i}}(mu) - V^i_pi(mu)."""
    per = (not game.is_team_game) if per_agent_rewards is None else per_agent_rewards
    out = []
    for i in range(game.n_agents):
        rew = i if per else None
        out.append(best_response_value(game, policy, i, rew) - value_mu(game, policy, rew))
    return np.array(out)


def nash_gap(game: MarkovGame, policy: BNPolicy) -> float:
    """Nash-gap(pi) := max_i (max_{pibar^i} V^i_{pibar^i, pi^{-i}}(mu) - V^i_pi(mu))  (bnrate Def. 1, mpg Def. 2.4)."""
    return float(nash_gaps(game, policy).max())
