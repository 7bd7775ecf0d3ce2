r"""mabn Appendix E (b), proof of Theorem 3.7(b) (the P-DTDE stochastic policy gradient).

Tabular reading on random instances: N agents with per-agent rewards r_j (a random potential game's
rewards), global reward r = sum_j r_j, product softmax policies, every agent observing the global state,
and dense coupling graphs, so that I_GD^i = I_Qhat^i = all agents and Qhat_i = sum_j Q_j = Q.  (Instances
with sparse MABN structure are not built; see docs/proofs.md.)  p(s) is mu; eta(s') the unnormalized
discounted visitation from p; d^pi(s') = eta(s') / sum_s' eta(s') the normalized one the proof defines.
Every line is the gradient with respect to theta_i, shape (S, A_i).
"""
import numpy as np

from verify.proofs import Skip, Step, Transcript, bn_sampler, fd_grad
from verify.evaluation import q_values, value, visitation_unnormalized
from verify.instances import build as build_instance


def sample(rng):
    spec = bn_sampler(dag="empty", rewards=("potential",), n_agents=(2, 3))(rng)
    spec["agent"] = int(rng.integers(0, spec["n_agents"]))
    return spec


def build(spec):
    game, pol = build_instance({k: v for k, v in spec.items() if k != "agent"})
    i = spec["agent"]
    N = game.n_agents
    Qs = [q_values(game, pol, j) for j in range(N)]
    Vs = [value(game, pol, j) for j in range(N)]
    pi = pol.joint()
    loc = pol.local(i)
    other = tuple(1 + j for j in range(N) if j != i)
    # phi(s')[b] = sum_a dpi_i(a_i|s')/dtheta_{s', b} pi_{-i}(a_{-i}|s') sum_j Q_j(s', a)
    Qsum = sum(Qs)
    Qi = (pi * Qsum).sum(axis=other) / pi.sum(axis=other)              # E_{a_-i} Q(s', a_i, a_-i), (S, A_i)
    phi = loc * (Qi - (loc * Qi).sum(axis=1, keepdims=True))
    eta = visitation_unnormalized(game, pol)
    d = eta / eta.sum()
    return {"game": game, "pol": pol, "i": i, "phi": phi, "eta": eta, "d": d, "V": sum(Vs), "pi": pi,
            "Qsum": Qsum, "fd": fd_grad(game, pol, reward="sum")[i]}


def v_literal(c):
    """sum_a pi(a|s) (sum_{j in I_GD} Q_j + sum_{k in I_GD} Q_k): the same set twice, as printed."""
    g = c["game"]
    return (c["pi"] * 2 * c["Qsum"]).reshape(g.n_states, -1).sum(axis=1)


def v_intended(c):
    g = c["game"]
    return (c["pi"] * c["Qsum"]).reshape(g.n_states, -1).sum(axis=1)


def statement(c):
    return c["d"][:, None] * c["phi"]


def theorem_check(c):
    ok = np.allclose(c["fd"], statement(c), rtol=1e-6, atol=1e-8)
    return ok, f"max |FD gradient - E_(d, pihat)[Qhat grad log pi]| = {np.abs(c['fd'] - statement(c)).max():.3g}"


FD = (1e-6, 1e-8)
TRANSCRIPT = Transcript(
    id="mabn:theorem-3.7b/proof", paper="mabn", location="Appendix E (b)", theorem_claim_id="mabn:theorem-3.7b",
    statement=r"\nabla_{\theta_i} J(\theta) = \mathbb{E}_{s_{\mathcal{I}_{\hat{Q}}^i} \sim d^\pi(s_{\mathcal{I}_O^i}), a_{\mathcal{I}_{\hat{Q}}^i} \sim \hat{\pi}^i} \left[ \hat{Q}_i(s_{\mathcal{I}_{\hat{Q}}^i}, a_{\mathcal{I}_{\hat{Q}}^i}) \nabla_{\theta_i} \ln \pi_{\theta_i}(a_i | s_{\mathcal{I}_O^i}) \right]",
    statement_expr=statement, sample=sample, build=build, instances=5, theorem_check=theorem_check,
    printed_lines=25,
    skipped=[
        Skip('(41) nabla V = nabla int pi Q and (43) the split of (42) into two gradients',
             'checked through the integrands at (42)', 2),
        Skip('(44)-(51): the value-gradient recursion (with Theorem 3.6, (45) Q_j = r_j + gamma int p V, (46), (47), (48) rho(s -> x, k), (49), (50), (51))',
             "the recursion's result (51) is what (53) uses and is checked there; on the dense coupling graphs built here Theorem 3.6 is vacuous, so the lines are not replayed one by one", 12),
        Skip('(57) second equality: Qhat_i replaces sum_{j in I_GD^i} Q_j',
             'Qhat_i = Q on the dense coupling graphs built here: the same expression', 1),
        Skip('(58) first two equalities (the sets I_Qhat^i, the ratio nabla pi / pi)',
             'identities on the dense coupling graphs built here; the last line of (58) is checked', 2),
    ],
    steps=[
        Step(r"\int_{a \in \mathcal{A}} \pi_\theta(a|s) Q^{\pi_\theta}(s, a) da \quad \text{(the integrand of (41))}", "start",
             lambda c: c["V"], "V(s) = E_a Q(s, a)"),
        Step(r"\int_{a \in \mathcal{A}} \pi_\theta(a|s) \left( \sum_{j \in \mathcal{I}_{\text{GD}}^i} Q_j^\pi(s, a) + \sum_{k \in \mathcal{I}_{\text{GD}}^i} Q_k^\pi(s, a) \right) da \quad (42)",
             "=", v_intended, "Q = sum_j Q_j split by I_GD^i",
             garbled="the second sum is printed over k in I_GD^i (the same set twice, doubling Q); "
                     "transcribed as the evident k not in I_GD^i"),
        Step(r"\nabla_{\theta_i} J(\theta) = \nabla_{\theta_i} \int_{s' \in \mathcal{S}} p(s) V^{\pi_\theta}(s') ds' \quad (52)", "start",
             lambda c: c["fd"], "finite differences of J", garbled="p(s) V(s') with mismatched variables: read as int p(s) V(s) ds"),
        Step(r"= \int_{s \in \mathcal{S}} p(s) \int_{s' \in \mathcal{S}} \sum_{k=0}^{\infty} \gamma^k \rho^{\pi_\theta}(s \rightarrow s', k) \phi(s') ds' ds \quad (53)",
             "=", lambda c: c["eta"][:, None] * c["phi"], "(51)", tol=FD),
        Step(r"= \int_{s' \in \mathcal{S}} \int_{s \in \mathcal{S}} p(s) \sum_{k=0}^{\infty} \gamma^k \rho^{\pi_\theta}(s \rightarrow s', k) \phi(s') ds ds' \quad (54)",
             "=", lambda c: c["eta"][:, None] * c["phi"], "Fubini"),
        Step(r"\nabla_{\theta_i} J(\theta) = \int_{s' \in S} \left( \int_{s' \in S} \eta(s') \right) \int_{s \in S} p(s) \frac{\eta(s')}{\int_{s' \in S} \eta(s')} \phi(s') ds ds' \quad (55)",
             "=", lambda c: c["eta"].sum() * c["d"][:, None] * c["phi"], "multiply and divide by int eta"),
        Step(r"\propto \int_{s' \in S} \int_{s \in S} p(s) \frac{\eta(s')}{\int_{s' \in S} \eta(s')} \phi(s') ds' \quad (56)",
             "propto", lambda c: c["d"][:, None] * c["phi"],
             "int eta is a constant (\"equal to the length of episode in episodic case and 1 in continuous case\")",
             note="the constant is 1/(1-gamma) for a discounted return, not 1"),
        Step(r"= \int_{s' \in S} d^\pi(s') \int_{a' \in \mathcal{A}} \nabla_{\theta_i} \pi_{\theta_i}(a'_i | s'_{\mathcal{I}_O^i}) \left( \prod_{j \setminus i} \pi_{\theta_j}(a'_j | s'_{\mathcal{I}_O^j}) \right) \left( \sum_{j \in \mathcal{I}_{\text{GD}}^i} Q_j^\pi(s', a') \right) da' ds'",
             "=", lambda c: c["d"][:, None] * c["phi"], "d^pi(s') := int p(s) eta(s')/int eta"),
        Step(r"= \mathbb{E}_{s' \sim d^\pi(s'), a' \sim \widehat{\pi}^i} \left[ \widehat{Q}_i^\pi(s'_{\mathcal{I}_{\widehat{Q}}^i}, a'_{\mathcal{I}_{\widehat{Q}}^i}) \nabla_{\theta_i} \ln \pi_{\theta_i}(a'_i | s'_{\mathcal{I}_O^i}) \right]. \quad (58)",
             "=", statement, "Qhat_i = sum_{j in I_GD^i} Q_j; log-derivative trick"),
    ],
    notes="The chain ends in 'proportional to' (56) yet the theorem states '='; with d^pi normalized as the proof "
          "defines it, the equality is off by 1/(1-gamma) (the proof's 'constant ... 1 in continuous case').",
)
