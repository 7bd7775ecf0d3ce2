r"""bnrate Appendix A.1, proof of Lemma 1 (BN policy gradient with the log-barrier regularizer).

Arrays of the shape of theta^i on random instances; d is the paper's unnormalized d^pi_mu (Sec. 2).
Terms (1) = dV/dtheta and (2) = d(lambda sum_i E[KL])/dtheta are computed by finite differences.
"""
import numpy as np

from verify.proofs import Skip, Step, Transcript, bn_context, bn_sampler, fd_grad
from verify.evaluation import bn_advantage, visitation_parents
from verify.gradients import bnrate_lemma_1

FD = (1e-6, 1e-8)


def sample(rng):
    spec = bn_sampler()(rng)
    spec["agent"] = int(rng.integers(0, spec["n_agents"]))
    spec["lambda"] = float(rng.choice([0.01, 0.1, 1.0]))
    return spec


def build(spec):
    ctx = bn_context({k: v for k, v in spec.items() if k not in ("agent",)})
    i, lam, game, pol = spec["agent"], spec["lambda"], ctx["game"], ctx["policy"]
    ctx.update(i=i, lam=lam)
    zero = np.zeros((game.n_states, game.n_joint))
    ctx["fdL"] = fd_grad(game, pol, barrier=lam)[i]
    ctx["fdV"] = fd_grad(game, pol)[i]
    ctx["fdB"] = fd_grad(game, pol, reward=zero, barrier=lam)[i]   # d/dtheta lambda sum_i (mean log pi + log|A^i|)
    nP = int(np.prod([game.action_sizes[j] for j in pol.dag.parents[i]])) if pol.dag.parents[i] else 1
    ctx["barrier"] = lam / (game.n_states * nP) * (1.0 / game.action_sizes[i] - pol.local(i))
    ctx["pg"] = (visitation_parents(game, pol, i)[..., None] * pol.local(i) * bn_advantage(game, pol, i, Q=ctx["Q"])
                 / (1 - game.gamma))
    return ctx


def theorem_check(ctx):
    b = bnrate_lemma_1(ctx["game"], ctx["policy"], ctx["lam"])[ctx["i"]]
    return np.allclose(ctx["fdL"], b, rtol=1e-6, atol=1e-8), f"max |FD - printed| = {np.abs(ctx['fdL'] - b).max():.3g}"


D = r"\frac{\partial L_\lambda(\theta)}{\partial \theta^i_{s, a^{\mathcal{P}^i}, a^i}}"
PG = r"\frac{1}{1-\gamma} d_\mu^{\pi_\theta}(s, a^{\mathcal{P}^i}) \pi_{\theta^i}^i(a^i | s, a^{\mathcal{P}^i}) A_\theta^i(s, a^{\mathcal{P}^i}, a^i)"
BAR = r"\frac{\lambda}{|\mathcal{S}||\mathcal{A}^{\mathcal{P}^i}|} \left( \frac{1}{|\mathcal{A}^i|} - \pi_{\theta^i}^i(a^i | s, a^{\mathcal{P}^i}) \right)"
TRANSCRIPT = Transcript(
    id="bnrate:lemma-1/proof", paper="bnrate", location="Appendix A.1", theorem_claim_id="bnrate:lemma-1",
    statement=D + " = " + PG + " + " + BAR,
    statement_expr=lambda ctx: bnrate_lemma_1(ctx["game"], ctx["policy"], ctx["lam"])[ctx["i"]],
    sample=sample, build=build, instances=5, theorem_check=theorem_check, conclusion_step=10,
    printed_lines=6,
    steps=[
        Step(D, "start", lambda c: c["fdL"], "finite differences of L_lambda"),
        Step(r"= \underbrace{\frac{\partial V_\theta(\mu)}{\partial \theta^i}}_{(1)} - \underbrace{\frac{\partial ( \lambda \sum_{i=1}^N \mathbb{E}[\text{KL}(\text{Unif}_{\mathcal{A}^i}, \pi_\theta(\cdot | s, a^{\mathcal{P}^i}))])}{\partial \theta^i}}_{(2)}",
             "=", lambda c: c["fdV"] + c["fdB"], "definition of L_lambda", tol=FD),
        Step("(1)", "start", lambda c: c["fdV"], "term (1), finite differences of V(mu)"),
        Step("(1) = " + PG, "=", lambda c: c["pg"], "according to lemma 5.1 in [7]", tol=FD,
             note="with the paper's unnormalized d the factor 1/(1-gamma) is extra (bnac Lemma 5.1)"),
        Step("(2)", "start", lambda c: -c["fdB"], "term (2), finite differences (KL = -(mean log pi + log|A^i|))"),
        Step(r"(2) = \frac{\partial \left( \lambda \sum_{i=1}^N \mathbb{E}_{s, a^{\mathcal{P}^i} \sim \text{Unif}} \lambda \sum_{i=1}^N \left( \frac{\sum_{s, a^{\mathcal{P}^i}, a^i} \log \pi_{\theta^i}^i(a^i | s, a^{\mathcal{P}^i})}{|\mathcal{S}||\mathcal{A}^{\mathcal{P}^i}||\mathcal{A}^i|} + \log |\mathcal{A}^i| \right) \right)}{\partial \theta^i_{s, a^{\mathcal{P}^i}, a^i}}",
             "=", lambda c: c["fdB"], "by the definition of KL divergence", tol=FD,
             garbled="the prefix 'lambda sum_i E' appears twice; transcribed as d/dtheta of lambda sum_i (mean log pi + log|A^i|)",
             note="KL(Unif, pi) = -(mean log pi + log|A^i|): the minus sign is missing"),
        Step("= -" + BAR, "=", lambda c: -c["barrier"], "differentiate the log-softmax"),
        Step(D, "start", lambda c: c["fdL"], "finite differences of L_lambda"),
        Step("= (1) - (2)", "=", lambda c: c["fdV"] + c["fdB"], "therefore", tol=FD),
        Step("= " + PG + " + " + BAR, "=", lambda c: c["pg"] + c["barrier"], "(1) and (2) above", tol=FD),
    ],
)
