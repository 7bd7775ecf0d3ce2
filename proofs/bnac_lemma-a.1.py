r"""bnac Appendix A, proof of Lemma A.1, equation (5) (equation (4) is cited from Zhang et al., lemma 32).

Lines are arrays over (s, a) (the joint grid) on random pairs theta, theta~ of softmax BN parameters of one random
game (team reward), agent i at random.  Abar^{pi,i}(s, a) = Q^pi(s, a) - E_{abar^i ~ pi^i(.|s, a^{P^i})} Q^pi(s, abar^i,
a^{-i}) as the lemma defines it, each policy with its own pi^i.  R = r_max - r_min (the extreme reward entries);
D = max_s ||pi~_s - pi_s||_1 over joint actions.
"""
import numpy as np

from verify.proofs import Skip, Step, Transcript, bn_context, bn_sampler, expect_agent
from verify.proofs import local_on_grid as _local_on_grid
from verify.evaluation import q_values


def sample(rng):
    spec = bn_sampler(action=(2, 3))(rng)
    spec["agent"] = int(rng.integers(0, spec["n_agents"]))
    spec["pert_seed"] = int(rng.integers(0, 2**31 - 1))
    spec["pert_scale"] = float(rng.choice([0.1, 1.0, 3.0]))
    return spec


local_on_grid = _local_on_grid
expect_i = expect_agent


def build(spec):
    ctx = bn_context({k: v for k, v in spec.items() if k not in ("agent", "pert_seed", "pert_scale")})
    game, pol, i = ctx["game"], ctx["policy"], spec["agent"]
    rng = np.random.default_rng(spec["pert_seed"])
    tilde = pol.with_flat(pol.flat() + spec["pert_scale"] * rng.standard_normal(pol.n_params))
    A = game.action_sizes
    Q, Qt = ctx["Q"], q_values(game, tilde)
    P, Pt = local_on_grid(pol, i, A), local_on_grid(tilde, i, A)
    S = game.n_states
    D = float(np.abs(tilde.joint().reshape(S, -1) - pol.joint().reshape(S, -1)).sum(axis=1).max())
    ctx.update(i=i, Qt=Qt, P=P, Pt=Pt, D=D, R=float(game.r_max - game.r_min),
               Abar=Q - expect_i(Q, P, i), Abart=Qt - expect_i(Qt, Pt, i))
    if ctx["R"] <= 0:
        ctx["trivial"] = "a constant reward"
    return ctx


def l1(c):
    """|Q~(s,a) - E_{abar^i ~ pi~^i} Q~(s, abar^i, a^{-i}) - (Q(s,a) - E_{abar^i ~ pi~^i} Q(s, abar^i, a^{-i}))|:
    both expectations under pi~^i, as printed."""
    return np.abs(c["Qt"] - expect_i(c["Qt"], c["Pt"], c["i"]) - (c["Q"] - expect_i(c["Q"], c["Pt"], c["i"])))


def l2(c):
    return np.abs(c["Qt"] - c["Q"]) + np.abs(expect_i(c["Qt"], c["Pt"], c["i"]) - expect_i(c["Q"], c["Pt"], c["i"]))


def l3(c):
    dq = np.abs(c["Qt"] - c["Q"])
    return dq + dq.reshape(dq.shape[0], -1).max(axis=1).reshape((-1,) + (1,) * (dq.ndim - 1))


def bound(c, k):
    return np.full_like(c["Q"], k * c["R"] / (1 - c["gamma"]) ** 2 * c["D"])


def theorem_check(ctx):
    lhs, rhs = np.abs(ctx["Abart"] - ctx["Abar"]), bound(ctx, 2)
    return bool(np.all(lhs <= rhs * (1 + 1e-9) + 1e-12)), f"max |Abar~ - Abar| = {lhs.max():.3g}, bound {rhs.max():.3g}"


TRANSCRIPT = Transcript(
    id="bnac:lemma-a.1/proof", paper="bnac", location="Appendix A, proof of Lemma A.1 (equation (5))",
    theorem_claim_id="bnac:lemma-a.1",
    statement=r"|\overline{A}^{\pi_{\tilde{\theta}},i}(s,a) - \overline{A}^{\pi_{\theta},i}(s,a)| \le \frac{2(r_{\max} - r_{\min})}{(1-\gamma)^2} \max_{s} \|\pi_{\tilde{\theta}_s} - \pi_{\theta_s}\|_1",
    statement_expr=lambda c: bound(c, 2), statement_relation="<=", sample=sample, build=build, instances=8,
    theorem_check=theorem_check, printed_lines=6,
    skipped=[Skip("Equation (4) is proved in lemma 32 in (Zhang et al., 2022)",
                  "a citation; equation (4) is used (and so checked) at line 4", 1)],
    steps=[
        Step(r"|A^{\pi_{\tilde{\theta}},i}(s,a) - A^{\pi_{\theta},i}(s,a)|", "start", lambda c: np.abs(c["Abart"] - c["Abar"]),
             "the left side of (5), each Abar with its own policy's pi^i"),
        Step(r"= |Q^{\pi_{\tilde{\theta}}}(s,a) - \mathbb{E}_{\bar{a}^{i} \sim \pi_{\tilde{\theta}^{i}}^{i}(\cdot|s,a^{\mathcal{P}^{i}})} Q^{\pi_{\tilde{\theta}}}(s,\bar{a}^{i},a^{-i}) - (Q^{\pi_{\theta}}(s,a) - \mathbb{E}_{\bar{a}^{i} \sim \pi_{\tilde{\theta}^{i}}^{i}(\cdot|s,a^{\mathcal{P}^{i}})} Q^{\pi_{\theta}}(s,\bar{a}^{i},a^{-i}))|",
             "=", l1, "definition of Abar",
             note="the second expectation is taken under pi~^i, but Abar^{pi_theta,i} uses pi^i_theta: the line is not "
                  "the definition unless the agent's own policy is unchanged"),
        Step(r"\leq |Q^{\pi_{\tilde{\theta}}}(s,a) - Q^{\pi_{\theta}}(s,a)| + |\mathbb{E}_{\bar{a}^{i} \sim \pi_{\tilde{\theta}^{i}}^{i}(\cdot|s,a^{\mathcal{P}^{i}})} Q^{\pi_{\tilde{\theta}}}(s,\bar{a}^{i},a^{-i}) - \mathbb{E}_{\bar{a}^{i} \sim \pi_{\tilde{\theta}^{i}}^{i}(\cdot|s,a^{\mathcal{P}^{i}})} Q^{\pi_{\theta}}(s,\bar{a}^{i},a^{-i})|",
             "<=", l2, "triangle inequality"),
        Step(r"\leq |Q^{\pi_{\tilde{\theta}}}(s,a) - Q^{\pi_{\theta}}(s,a)| + \max_{a} |Q^{\pi_{\tilde{\theta}}}(s,a) - Q^{\pi_{\theta}}(s,a)|",
             "<=", l3, "an average is at most the maximum"),
        Step(r"\leq \frac{r_{\max} - r_{\min}}{(1 - \gamma)^2} \max_{s} \|\pi_{\tilde{\theta}_s} - \pi_{\theta_s}\|_1 + \frac{r_{\max} - r_{\min}}{(1 - \gamma)^2} \max_{s} \|\pi_{\tilde{\theta}_s} - \pi_{\theta_s}\|_1",
             "<=", lambda c: bound(c, 2), "by Equation (4)"),
        Step(r"= \frac{2(r_{\max} - r_{\min})}{(1 - \gamma)^2} \max_{s} \|\pi_{\tilde{\theta}_s} - \pi_{\theta_s}\|_1",
             "=", lambda c: bound(c, 2), "adding"),
    ],
    notes="Line 1 evaluates the theta-term's expectation under pi~^i instead of pi^i_theta (a slip in the definition); "
          "the chain from line 1 on bounds that expression, not the left side of (5).",
)
