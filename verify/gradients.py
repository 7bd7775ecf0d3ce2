r"""The gradient formulas exactly as the papers print them.  Each function returns, per agent, an
array of the shape of theta^i.  Nothing here differentiates anything: the oracles in
``verify.oracles`` do that, by independent code paths.

Throughout, d is the papers' *unnormalized* visitation measure d^pi_mu(s) = E sum_t gamma^t Pr(s_t = s)
(bnac Sec. 3, bnrate Sec. 2, mpg Sec. 2) unless a function says otherwise.
"""
from __future__ import annotations

import numpy as np

from .evaluation import (bn_advantage, product_advantage, q_subset, q_values, visitation_normalized,
                         visitation_parents, visitation_unnormalized)
from .games import MarkovGame
from .policies import BNPolicy


def _bn_pg(game: MarkovGame, policy: BNPolicy, factor: float, reward=None) -> list[np.ndarray]:
    Q = q_values(game, policy, reward)
    out = []
    for i in range(game.n_agents):
        d_par = visitation_parents(game, policy, i)  # d(s, a^{P^i}), unnormalized
        A = bn_advantage(game, policy, i, Q=Q)
        out.append(factor * d_par[..., None] * policy.local(i) * A)
    return out


def bnac_lemma_5_1(game: MarkovGame, policy: BNPolicy) -> list[np.ndarray]:
    r"""bnac Lemma 5.1 (= Lemma A.4), as printed:

        dV_theta(mu) / d theta^i_{s,a^{P^i},a^i} = 1/(1-gamma) d^pi_mu(s, a^{P^i}) pi^i(a^i|s,a^{P^i}) A^i(s,a^{P^i},a^i)

    with d^pi_mu(s, a^{P^i}) := d^pi_mu(s) sum_{a^{-P^i}} pi(a^{-P^i}, a^{P^i}|s) and d the paper's
    unnormalized measure (Sec. 3); A^i := Q(s, a^{P^i_+}) - Q(s, a^{P^i}) (the printed
    Q(s, a^{P^i}) - Q(s, a^{P^i}) read as the evident typo)."""
    return _bn_pg(game, policy, 1.0 / (1.0 - game.gamma))


def bnac_lemma_a_4(game: MarkovGame, policy: BNPolicy) -> list[np.ndarray]:
    r"""bnac Lemma A.4, as printed: the same formula as Lemma 5.1, with Q^{pi,i}(s,a^{P^i},a^i) :=
    E_{a^{-P^i_+} ~ pi(.|s,a^{P^i},a^i)} Q(s, a) and Q^{pi,i}(s, a^{P^i}) := E_{a^{-P^i} ~ pi(.|s, a^{P^i})} Q(s, a)
    (the printed conditioning on a^i in the latter is read as a typo; conditioning on a^i there would
    make A^i vanish)."""
    return _bn_pg(game, policy, 1.0 / (1.0 - game.gamma))


def bnac_lemma_5_1_normalized_d(game: MarkovGame, policy: BNPolicy) -> list[np.ndarray]:
    r"""bnac Lemma 5.1 read with the *normalized* visitation d~ = (1-gamma) d (Agarwal et al.'s convention,
    not the paper's: bnac Sec. 3 defines d unnormalized):

        1/(1-gamma) d~(s, a^{P^i}) pi^i(a^i|s,a^{P^i}) A^i(s,a^{P^i},a^i),  d~(s, a^{P^i}) = d~(s) pi(a^{P^i}|s)."""
    Q = q_values(game, policy)
    return [visitation_parents(game, policy, i, normalized=True)[..., None] * policy.local(i)
            * bn_advantage(game, policy, i, Q=Q) / (1.0 - game.gamma) for i in range(game.n_agents)]


def bnac_lemma_5_1_literal(game: MarkovGame, policy: BNPolicy) -> list[np.ndarray]:
    r"""bnac Lemma 5.1 with A^i taken literally as printed, A^i(s,a^{P^i},a^i) := Q(s,a^{P^i}) - Q(s,a^{P^i})
    (both terms the conditional Q of bnac Sec. 5 on the parents' actions; identically zero)."""
    Q = q_values(game, policy)
    out = []
    for i in range(game.n_agents):
        ps = list(policy.dag.parents[i])
        q_par = q_subset(game, policy, ps, Q=Q)
        A = np.broadcast_to((q_par - q_par)[..., None], policy.thetas[i].shape)
        out.append(visitation_parents(game, policy, i)[..., None] * policy.local(i) * A / (1.0 - game.gamma))
    return out


def bnac_lemma_a_4_literal(game: MarkovGame, policy: BNPolicy) -> list[np.ndarray]:
    r"""bnac Lemma A.4 with Q^{pi,i}(s, a^{P^i}) taken literally as printed,
    E_{abar^{-P^i} ~ pi(.|s, a^{P^i}, a^i)} Q(s, a^{P^i}, abar^{-P^i}): conditioned on a^i as well, abar^i = a^i,
    so it is Q^{pi,i}(s, a^{P^i}, a^i) and A^{pi,i} = Q^{pi,i}(s,a^{P^i},a^i) - Q^{pi,i}(s,a^{P^i},a^i)."""
    Q = q_values(game, policy)
    out = []
    for i in range(game.n_agents):
        plus = sorted(list(policy.dag.parents[i]) + [i])
        q_plus = np.moveaxis(q_subset(game, policy, plus, Q=Q), 1 + plus.index(i), -1)
        q_par_given_ai = np.moveaxis(q_subset(game, policy, plus, Q=Q), 1 + plus.index(i), -1)
        out.append(visitation_parents(game, policy, i)[..., None] * policy.local(i)
                   * (q_plus - q_par_given_ai) / (1.0 - game.gamma))
    return out


def bn_pg_corrected(game: MarkovGame, policy: BNPolicy, reward=None) -> list[np.ndarray]:
    r"""bnac Lemma 5.1 corrected: with the paper's unnormalized d the factor 1/(1-gamma) must go,

        dV(mu)/d theta^i_{s,a^{P^i},a^i} = d^pi_mu(s, a^{P^i}) pi^i(a^i|s,a^{P^i}) A^i(s,a^{P^i},a^i),

    equivalently 1/(1-gamma) times the same expression with the normalized d."""
    return _bn_pg(game, policy, 1.0, reward)


def log_barrier_objective(game: MarkovGame, policy: BNPolicy, lam: float) -> float:
    r"""bnrate Sec. 4.1:  L_lambda(theta) = V_theta(mu) + lambda sum_i ( sum_{s,a^{P^i},a^i} log pi^i(a^i|s,a^{P^i})
    / (|S| |A^{P^i}| |A^i|) + log |A^i| )."""
    from .evaluation import value_mu
    total = value_mu(game, policy)
    for i in range(game.n_agents):
        logp = np.log(policy.local(i))
        total += lam * (logp.sum() / logp.size + np.log(game.action_sizes[i]))
    return total


def _barrier_grad(game: MarkovGame, policy: BNPolicy, lam: float) -> list[np.ndarray]:
    out = []
    for i in range(game.n_agents):
        n_par = int(np.prod([game.action_sizes[j] for j in policy.dag.parents[i]])) if policy.dag.parents[i] else 1
        out.append(lam / (game.n_states * n_par) * (1.0 / game.action_sizes[i] - policy.local(i)))
    return out


def bnrate_lemma_1(game: MarkovGame, policy: BNPolicy, lam: float) -> list[np.ndarray]:
    r"""bnrate Lemma 1, as printed:

        dL_lambda/d theta^i_{s,a^{P^i},a^i} = 1/(1-gamma) d^pi_mu(s,a^{P^i}) pi^i(a^i|s,a^{P^i}) A^i(s,a^{P^i},a^i)
                                             + lambda/(|S||A^{P^i}|) (1/|A^i| - pi^i(a^i|s,a^{P^i}))."""
    return [a + b for a, b in zip(bnac_lemma_5_1(game, policy), _barrier_grad(game, policy, lam))]


def bnrate_lemma_1_normalized_d(game: MarkovGame, policy: BNPolicy, lam: float) -> list[np.ndarray]:
    """bnrate Lemma 1 read with the normalized visitation (1-gamma) d (bnrate Sec. 2 defines d unnormalized)."""
    return [a + b for a, b in zip(bnac_lemma_5_1_normalized_d(game, policy), _barrier_grad(game, policy, lam))]


def bnrate_lemma_1_corrected(game: MarkovGame, policy: BNPolicy, lam: float) -> list[np.ndarray]:
    """bnrate Lemma 1 with the value part corrected as bnac Lemma 5.1 (no 1/(1-gamma) with unnormalized d)."""
    return [a + b for a, b in zip(bn_pg_corrected(game, policy), _barrier_grad(game, policy, lam))]


def mpg_lemma_3_1(game: MarkovGame, policy: BNPolicy) -> list[np.ndarray]:
    r"""mpg Lemma 3.1 (Eq. (2)), as printed, for a product policy:

        dPhi_theta(mu)/d theta^i_{s,a^i} = dV^i_theta(mu)/d theta^i_{s,a^i} = d^pi_mu(s) pi^i(a^i|s) A^i(s, a^i)

    with A^i(s, a^i) := E_{a^{-i} ~ pi^{-i}(.|s)} [A^i(s, a^i, a^{-i})] and A^i(s, a) = Q^i(s, a) - V^i(s)
    for agent i's own reward."""
    d = visitation_unnormalized(game, policy)
    return [d[:, None] * policy.local(i) * product_advantage(game, policy, i, reward=i)
            for i in range(game.n_agents)]


def mpg_lemma_3_1_normalized_d(game: MarkovGame, policy: BNPolicy) -> list[np.ndarray]:
    r"""mpg Lemma 3.1 read with the normalized visitation (1-gamma) d(s) (mpg Sec. 2 defines d unnormalized):
    (1-gamma) d(s) pi^i(a^i|s) A^i(s, a^i)."""
    d = visitation_normalized(game, policy)
    return [d[:, None] * policy.local(i) * product_advantage(game, policy, i, reward=i)
            for i in range(game.n_agents)]


def mpg_lemma_c_2_normalized_d(game: MarkovGame, policy: BNPolicy) -> list[np.ndarray]:
    r"""mpg Lemma C.2 read with the normalized visitation: 1/(1-gamma) (1-gamma) d(s) pi^i A_phi^{pi,i}(s, a^i)."""
    d = visitation_normalized(game, policy)
    return [d[:, None] * policy.local(i) * product_advantage(game, policy, i, reward="potential")
            / (1.0 - game.gamma) for i in range(game.n_agents)]


def mpg_lemma_c_2(game: MarkovGame, policy: BNPolicy) -> list[np.ndarray]:
    r"""mpg Lemma C.2 (Appendix C), as printed (the extraction is garbled; its evident content):

        dV^i(mu)/d theta^i_{s,a^i} = dPhi(mu)/d theta^i_{s,a^i} = 1/(1-gamma) d^pi_mu(s) pi^i(a^i|s) A^{pi,i}_phi(s, a^i)

    with Q^{pi,i}_phi(s,a^i) = E_{a^{-i}} Q^pi_phi(s,a^i,a^{-i}), A^{pi,i}_phi(s,a^i) = Q^{pi,i}_phi(s,a^i) - V^pi_phi(s),
    the Q and V of the potential phi, and d the paper's unnormalized measure (Sec. 2)."""
    d = visitation_unnormalized(game, policy)
    return [d[:, None] * policy.local(i) * product_advantage(game, policy, i, reward="potential")
            / (1.0 - game.gamma) for i in range(game.n_agents)]


# ------------------------------------------------------------------------------------------------
# mbpg Theorem 1: the coverage-entropy gradient
# ------------------------------------------------------------------------------------------------
def coverage_mu_j(theta_j: np.ndarray, param: str) -> np.ndarray:
    """A concrete mu_j(s; theta_j): 'softmax' (a state distribution) or 'sigmoid' (per-state coverage)."""
    if param == "softmax":
        z = np.exp(theta_j - theta_j.max())
        return z / z.sum()
    return 1.0 / (1.0 + np.exp(-theta_j))


def coverage_mu_j_jacobian(theta_j: np.ndarray, param: str) -> np.ndarray:
    """d mu_j(s) / d theta_{j,k}, shape (|V|, |V|)."""
    m = coverage_mu_j(theta_j, param)
    if param == "softmax":
        return np.diag(m) - np.outer(m, m)
    return np.diag(m * (1 - m))


def coverage_entropy(thetas: np.ndarray, param: str) -> float:
    r"""J = - sum_s mu(s) log mu(s),  mu(s) = 1 - prod_j (1 - mu_j(s))   (mbpg Theorem 1)."""
    mus = np.stack([coverage_mu_j(t, param) for t in thetas])
    mu = 1 - np.prod(1 - mus, axis=0)
    return float(-(mu * np.log(mu)).sum())


def mbpg_theorem_1(thetas: np.ndarray, param: str) -> np.ndarray:
    r"""mbpg Theorem 1, as printed:

        grad_{theta_i} J = sum_s (log mu(s) + 1)(1 - mu(s)) grad_{theta_i} log(1 - mu_i(s)),

    with grad log(1 - mu_i(s)) = - grad mu_i(s) / (1 - mu_i(s)).  Returns (N, |V|)."""
    mus = np.stack([coverage_mu_j(t, param) for t in thetas])
    mu = 1 - np.prod(1 - mus, axis=0)
    out = []
    for i, t in enumerate(thetas):
        grad_log = -coverage_mu_j_jacobian(t, param) / (1 - mus[i])[:, None]
        out.append(((np.log(mu) + 1) * (1 - mu)) @ grad_log)
    return np.stack(out)


def mbpg_theorem_1_log2(thetas: np.ndarray, param: str) -> np.ndarray:
    r"""mbpg Theorem 1 read with base-2 logarithms throughout (J in bits):
    sum_s (log2 mu(s) + 1)(1 - mu(s)) grad_{theta_i} log2(1 - mu_i(s)).  The gradient of J_2 = J / ln 2 is
    the natural-log gradient divided by ln 2, while this formula's factor is log2 mu + 1, not
    (ln mu + 1) / ln 2: the "+1" is the derivative of x ln x, so the base-2 reading fails."""
    mus = np.stack([coverage_mu_j(t, param) for t in thetas])
    mu = 1 - np.prod(1 - mus, axis=0)
    out = []
    for i, t in enumerate(thetas):
        grad_log2 = -coverage_mu_j_jacobian(t, param) / (1 - mus[i])[:, None] / np.log(2.0)
        out.append(((np.log2(mu) + 1) * (1 - mu)) @ grad_log2)
    return np.stack(out)
