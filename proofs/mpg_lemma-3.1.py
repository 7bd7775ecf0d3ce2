r"""mpg Appendix A, proof of Lemma 3.1 (the multi-agent tabular softmax policy gradient form, eq. (2)).

Instances: random Markov potential games (r^i = phi + c^i, r^i = phi + u^i(s, a^{-i}) with
action-independent transitions, or a team reward), product softmax policies, every agent with at least
two actions, one agent i per instance.  d_mu^pi is the paper's unnormalized visitation (mpg Sec. 2, it
sums to 1/(1-gamma)), so E_{s' ~ d} f(s') reads sum_s' d(s') f(s').  Oracles independent of the lines:
finite differences of V^i(mu) and Phi(mu) (verify.oracles), central differences of log pi, and values,
Q and d by a direct solve (proofs/_mpg_helpers.py).  printed_lines counts the proof's displayed lines.
"""
import importlib.util
from pathlib import Path

import numpy as np

from verify.proofs import Step, Transcript, fd_grad

_h = importlib.util.spec_from_file_location("_mpg_helpers", Path(__file__).with_name("_mpg_helpers.py"))
H = importlib.util.module_from_spec(_h)
_h.loader.exec_module(H)

sample = H.mpg_sampler()


def build(spec):
    game, pol = H.game_policy(spec)
    i = spec["agent"]
    pi = pol.joint()
    V, Q = H.own_values(game, pi, game.rewards[i])
    d = H.own_visitation(game, pi)
    A_full = Q - V.reshape((-1,) + (1,) * game.n_agents)          # A^i(s, a) = Q^i(s, a) - V^i(s)
    return {"game": game, "pol": pol, "i": i, "pi": pi, "loc": pol.local(i), "d": d, "A_full": A_full,
            "theta": np.asarray(pol.thetas[i], float),
            "fd_Vi": fd_grad(game, pol, reward=i)[i], "fd_Phi": fd_grad(game, pol, reward="potential")[i]}


def score_printed(c):
    r"""1[s = s'] (1[a^i = a^i_t] - pi^i(a^i|s)), indexed [s', a^i_t, s, a^i]."""
    S, A = c["loc"].shape
    eqs = np.eye(S)[:, None, :, None]
    eqa = np.eye(A)[None, :, None, :]
    return eqs * (eqa - c["loc"][None, None, :, :])


def line_expectation(c):
    r"""E_{s' ~ d} E_{a' ~ pi(.|s)} [1[(s', a'^i) = (s, a^i)] A^i(s', a')] for every (s, a^i): the indicator
    keeps s' = s, so the line is d(s) sum_{a'} pi(a'|s) 1[a'^i = a^i] A^i(s, a')."""
    i, pi, A_full = c["i"], c["pi"], c["A_full"]
    N = pi.ndim - 1
    other = tuple(1 + j for j in range(N) if j != i)
    return c["d"][:, None] * (pi * A_full).sum(axis=other)


def line_final(c):
    return c["d"][:, None] * c["loc"] * H.marginal_over_others(c["pi"], c["A_full"], c["i"])


def theorem_check(c):
    rhs = line_final(c)
    e1, e2 = np.abs(c["fd_Phi"] - rhs).max(), np.abs(c["fd_Vi"] - rhs).max()
    tol = 1e-8 + 1e-6 * np.abs(rhs).max()
    return bool(e1 <= tol and e2 <= tol), f"max |dPhi - (2)| = {e1:.2g}, max |dV^i - (2)| = {e2:.2g}"


def _nonzero(c):
    """Both sides vanish only for a one-action agent or a reward that does not depend on a^i."""
    return float(np.abs(line_final(c)).max()) > 1e-8


FD = (1e-6, 1e-8)
TRANSCRIPT = Transcript(
    id="mpg:lemma-3.1/proof", paper="mpg", location="Appendix A", theorem_claim_id="mpg:lemma-3.1",
    statement=r"\frac{\partial \Phi_{\theta}(\mu)}{\partial \theta_{s,a^{i}}^{i}} = \frac{\partial V_{\theta}^{i}(\mu)}{\partial \theta_{s,a^{i}}^{i}} = d_{\mu}^{\pi_{\theta}}(s)\pi_{\theta^{i}}^{i}(a^{i}|s)A_{\theta}^{i}(s,a^{i}) \quad (2)",
    statement_expr=line_final, statement_relation="=",
    sample=sample, build=build, instances=8, theorem_check=theorem_check, printed_lines=3,
    steps=[
        Step(r"\frac{\partial \log \pi^{i}_{\theta^{i}}(a^{i}_{t}|s')}{\partial \theta^{i}_{s,a^{i}}}", "start",
             lambda c: H.score_fd(c["theta"]), "central differences of log pi^i (the oracle)"),
        Step(r"= \mathbb{1}[s=s'](\mathbb{1}[a^{i}=a^{i}_{t}] - \pi^{i}_{\theta^{i}}(a^{i}|s))", "=", score_printed,
             "tabular softmax", tol=FD, nontrivial=lambda c: c["loc"].shape[1] > 1),
        Step(r"\frac{\partial V_{\theta}^{i}(\mu)}{\partial \theta_{s,a^{i}}^{i}}", "start", lambda c: c["fd_Vi"],
             "finite differences of V^i(mu) (the oracle)"),
        Step(r"= \mathbb{E}_{s' \sim d_{\mu}^{\pi_{\theta}}} \mathbb{E}_{a' \sim \pi_{\theta}(\cdot|s)} \left[\mathbb{1}[(s',a_{i}^{i}) = (s,a^{i})] A_{\theta}^{i}(s',a') \right]",
             "=", line_expectation, "plugging the score into the policy gradient theorem (Agarwal et al., Lemma C.1); "
             "the -pi^i(a^i|s) term drops since E_{a'} A^i(s', a') = 0", tol=FD, nontrivial=_nonzero,
             garbled="'a_i^i' is a'^i, and 'a' ~ pi(.|s)' conditions on s where s' is bound (equal under the indicator)"),
        Step(r"= d_{\mu}^{\pi_{\theta}}(s) \pi_{\theta^{i}}^{i}(a^{i}|s) \mathbb{E}_{a^{-i} \sim \pi_{\theta^{-i}}^{-i}(\cdot|s)} \left[A_{\theta}^{i}(s,a^{i},a^{-i}) \right]",
             "=", line_final, "product policy: pi(a|s) = pi^i(a^i|s) pi^{-i}(a^{-i}|s)", nontrivial=_nonzero),
    ],
    notes="The proof shows dV^i/dtheta^i; dPhi/dtheta^i = dV^i/dtheta^i is the potential property (1), not shown "
          "but checked directly (theorem_check).  With the unnormalized d of Sec. 2 there is no 1/(1-gamma) factor.",
)
