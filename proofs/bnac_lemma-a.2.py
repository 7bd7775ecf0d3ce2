r"""bnac Appendix A, proof of Lemma A.2 (Lipschitz bound on the per-agent gradient).

Instances: a random BN instance and a perturbed theta~ = theta + delta; exact gradients
(verify.gradients.bn_pg_corrected); R = r_max - r_min; d the paper's unnormalized visitation.
Scalars per instance.  Lines 3-9 are replayed on the joint grid (S, A^1, ..., A^N): d(s) pi(a|s) =
d(s, a^P) pi^i(a^i|s, a^P) pi(a^{-P+}|s, a^P, a^i); E~ Q(s, a) = E_{abar^i ~ pi~^i(.|s, a^P)} Q(s, abar^i, a^{-i});
Abar = Q - E Q with each policy's own pi^i (Lemma A.1).  Where an extracted line is garbled (tildes lost, a bar
missing, the same symbols on both sides of a difference) its note says so and the evident meaning is transcribed.
"""
import numpy as np

from verify.proofs import Skip, Step, Transcript, bn_context, bn_sampler, expect_agent, local_on_grid
from verify.gradients import bn_pg_corrected
from verify.evaluation import visitation_parents, bn_advantage, q_values, visitation_unnormalized


def sample(rng):
    spec = bn_sampler()(rng)
    spec["agent"] = int(rng.integers(0, spec["n_agents"]))
    spec["delta_scale"] = float(rng.choice([0.01, 0.3, 2.0]))
    spec["delta_seed"] = int(rng.integers(0, 2**31 - 1))
    return spec


def build(spec):
    ctx = bn_context({k: v for k, v in spec.items() if not k.startswith("delta") and k != "agent"})
    game, pol, i = ctx["game"], ctx["policy"], spec["agent"]
    rng = np.random.default_rng(spec["delta_seed"])
    x = pol.flat()
    pt = pol.with_flat(x + spec["delta_scale"] * rng.standard_normal(x.size))
    R = max(game.r_max - game.r_min, 1e-12)
    ctx.update(i=i, pt=pt, R=R, g=game.gamma)
    ctx["lhs"] = np.abs(bn_pg_corrected(game, pt)[i] - bn_pg_corrected(game, pol)[i]).sum()
    parts = {}
    for name, p in (("t", pt), ("0", pol)):
        parts[name] = (visitation_parents(game, p, i)[..., None] * p.local(i) * bn_advantage(game, p, i))
    # line 2 as printed: the second term uses pi_{theta~}^i
    second = visitation_parents(game, pol, i)[..., None] * pt.local(i) * bn_advantage(game, pol, i)
    ctx["line2"] = np.abs(parts["t"] - second).sum() / (1 - game.gamma)
    ctx["pidiff_s"] = np.array([np.abs(pt.joint_flat()[s] - pol.joint_flat()[s]).sum() for s in range(game.n_states)])
    shp = [t.reshape(game.n_states, -1, t.shape[-1]) for t in pol.thetas]
    shq = [t.reshape(game.n_states, -1, t.shape[-1]) for t in pt.thetas]
    loc0 = [pol.local(j).reshape(game.n_states, -1, game.action_sizes[j]) for j in range(game.n_agents)]
    loc1 = [pt.local(j).reshape(game.n_states, -1, game.action_sizes[j]) for j in range(game.n_agents)]
    ctx["local_l1"] = np.array([sum(np.abs(a[s] - b[s]).sum() for a, b in zip(loc1, loc0)) for s in range(game.n_states)])
    ctx["theta_parent_l2"] = np.array([sum(np.linalg.norm(q[s] - p[s], axis=-1).sum() for q, p in zip(shq, shp))
                                       for s in range(game.n_states)])
    ctx["theta_state_l2"] = np.array([sum(np.linalg.norm(q[s] - p[s]) for q, p in zip(shq, shp)) for s in range(game.n_states)])
    ctx["theta_l2"] = sum(np.linalg.norm(a - b) for a, b in zip(pt.thetas, pol.thetas))
    # the joint grid for lines 3-9
    A = game.action_sizes
    Q, Qt = ctx["Q"], q_values(game, pt)
    P, Pt = local_on_grid(pol, i, A), local_on_grid(pt, i, A)
    dt = visitation_unnormalized(game, pt)
    bc = (slice(None),) + (None,) * game.n_agents
    w0, w1 = ctx["d"][bc] * pol.joint(), dt[bc] * pt.joint()           # d(s) pi(a|s), d~(s) pi~(a|s)
    ps = list(pol.dag.parents[i])
    rest = [j for j in range(game.n_agents) if j not in ps and j != i]
    perm = [0] + [1 + j for j in ps] + [1 + i] + [1 + j for j in rest]
    grp = lambda x: np.transpose(x, perm).reshape(game.n_states, -1, A[i], int(np.prod([A[j] for j in rest]))).sum(-1)
    ctx.update(Qt=Qt, w0=w0, w1=w1, grp=grp, EtQt=expect_agent(Qt, Pt, i), EtQ=expect_agent(Q, Pt, i),
               Abar=Q - expect_agent(Q, P, i), Abart=Qt - expect_agent(Qt, Pt, i),
               D=float(ctx["pidiff_s"].max()))
    return ctx


def l3(c):
    """sum_{s,a^P,a^i} |d~(s,a^P) pi~^i sum_{a^{-P+}} pi~(.|s,a^P,a^i)(Q~ - E~Q~) - d(s,a^P) pi^i sum pi(.|...)(Q - E~Q)|,
    the expectation over abar^i under pi~^i in both terms, as printed."""
    g = c["grp"]
    return np.abs(g(c["w1"] * (c["Qt"] - c["EtQt"])) - g(c["w0"] * (c["Q"] - c["EtQ"]))).sum() / (1 - c["g"])


def l4(c):
    """sum_{s,a} |d~(s) pi~(a|s)(Q~ - E~Q~) - d(s) pi(a|s)(Q - E~Q)| (the absolute value moved inside the sum)."""
    return np.abs(c["w1"] * (c["Qt"] - c["EtQt"]) - c["w0"] * (c["Q"] - c["EtQ"])).sum() / (1 - c["g"])


def l5(c):
    return np.abs(c["w1"] * c["Abart"] - c["w0"] * c["Abar"]).sum() / (1 - c["g"])


def l6(c):
    return (np.sum(np.abs(c["w1"] - c["w0"]) * np.abs(c["Abart"])) + np.sum(c["w0"] * np.abs(c["Abart"] - c["Abar"]))) / (1 - c["g"])


def l7(c):
    k = 2 * c["R"] / (1 - c["g"])
    return (k * np.abs(c["w1"] - c["w0"]).sum() + np.abs(c["Abart"] - c["Abar"]).max()) / (1 - c["g"])


def l8(c):
    k = 2 * c["R"] / (1 - c["g"])
    return (k * np.abs(c["w1"] - c["w0"]).sum() + k / (1 - c["g"]) * c["D"]) / (1 - c["g"])


def l9(c):
    return 2 * (2 * c["R"] / (1 - c["g"]) ** 2 * c["D"]) / (1 - c["g"])


def K(c, k):
    return k * c["R"] / (1 - c["g"]) ** 3


def theorem_check(c):
    rhs = K(c, 8) * c["theta_l2"]
    return c["lhs"] <= rhs * (1 + 1e-9), f"{c['lhs']:.4g} <= {rhs:.4g}"


TRANSCRIPT = Transcript(
    id="bnac:lemma-a.2/proof", paper="bnac", location="Appendix A, proof of Lemma A.2", theorem_claim_id="bnac:lemma-a.2",
    statement=r"\|\nabla_{\theta^i} V(\tilde{\theta}) - \nabla_{\theta^i} V(\theta)\|_1 \leq \frac{8(r_{\max} - r_{\min})}{(1 - \gamma)^3} \sum_{i=1}^N \|\tilde{\theta}^i - \theta^i\|_2",
    statement_expr=lambda c: K(c, 8) * c["theta_l2"], statement_relation="<=",
    sample=sample, build=build, instances=8, theorem_check=theorem_check,
    printed_lines=15,
    skipped=[
        Skip("'Since Abar <= 2(r_max - r_min)/(1-gamma)' (the bound used in line 7)",
             "an assertion inside line 7's justification; line 7 is checked with it", 1),
    ],
    steps=[
        Step(r"\|\nabla_{\theta^{i}}V(\theta) - \nabla_{\theta^{i}}V(\theta)\|_{1}", "start", lambda c: c["lhs"],
             "the quantity bounded", garbled="the first theta is evidently theta~ (the tilde is lost)"),
        Step(r"= \frac{1}{1 - \gamma} \sum_{s,a^{\mathcal{P}^{i}},a^{i}} |d^{\pi_{\bar{\theta}}}_{\mu}(s,a^{\mathcal{P}^{i}})\pi^{i}_{\bar{\theta}^{i}}(a^{i}|s,a^{\mathcal{P}^{i}})A^{\pi_{\bar{\theta}},i}(s,a^{\mathcal{P}^{i}},a^{i}) - d^{\pi_{\theta}}_{\mu}(s,a^{\mathcal{P}^{i}})\pi^{i}_{\bar{\theta}^{i}}(a^{i}|s,a^{\mathcal{P}^{i}})A^{\pi_{\theta},i}(s,a^{\mathcal{P}^{i}},a^{i})|",
             "=", lambda c: c["line2"], "Lemma A.4", garbled="bar-theta is the extraction of theta~",
             note="Lemma A.4's extra 1/(1-gamma), and the second term's pi^i carries theta~ as printed"),
        Step(r"= \frac{1}{1 - \gamma} \sum_{s,a^{\mathcal{P}^{i}},a^{i}} |d^{\pi_{\bar{\theta}}}_{\mu}(s,a^{\mathcal{P}^{i}})\pi^{i}_{\bar{\theta}^{i}}(a^{i}|s,a^{\mathcal{P}^{i}}) * \sum_{a^{-\mathcal{P}^{i}_{+}}} \pi_{\bar{\theta}}(a^{-\mathcal{P}^{i}_{+}}|s,a^{\mathcal{P}^{i}},a^{i}) \left(Q^{\pi_{\bar{\theta}}}(s,a) - \mathbb{E}_{\bar{a}^{i} \sim \pi^{i}_{\bar{\theta}^{i}}}Q^{\pi_{\bar{\theta}}}(s,a^{\mathcal{P}^{i}},\bar{a}^{i},a^{-\mathcal{P}^{i}_{+}})\right) - d^{\pi_{\theta}}_{\mu}(s,a^{\mathcal{P}^{i}})\pi^{i}_{\theta^{i}}(a^{i}|s,a^{\mathcal{P}^{i}})\sum_{a^{-\mathcal{P}^{i}_{+}}} \pi_{\theta}(a^{-\mathcal{P}^{i}_{+}}|s,a^{\mathcal{P}^{i}},a^{i}) \left(Q^{\pi_{\theta}}(s,a) - \mathbb{E}_{\bar{a}^{i} \sim \pi^{i}_{\bar{\theta}^{i}}}Q^{\pi_{\theta}}(s,a^{\mathcal{P}^{i}},\bar{a}^{i},a^{-\mathcal{P}^{i}_{+}})\right)|",
             "=", l3, "the advantage written out", garbled="bar-theta is the extraction of theta~",
             note="the second term now has pi^i_theta (line 2 had pi~^i), and both expectations are under pi~^i; the other "
                  "agents' actions a^{-P+} stay those drawn given a^i"),
        Step(r"\leq \frac{1}{1-\gamma}\sum_{s,a} |d^{\pi_{\theta}}_{\mu}(s)\pi_{\bar{\theta}}(a|s) \left(Q^{\pi_{\theta}}(s,a) - \mathbb{E}_{\bar{a}^{i} \sim \pi^{i}_{\bar{\theta}^{i}}}Q^{\pi_{\theta}}(s,\bar{a}^{i},a^{-i})\right) - d^{\pi_{\theta}}_{\mu}(s)\pi_{\theta}(a|s) \left(Q^{\pi_{\theta}}(s,a) - \mathbb{E}_{\bar{a}^{i} \sim \pi^{i}_{\bar{\theta}^{i}}}Q^{\pi_{\theta}}(s,\bar{a}^{i},a^{-i})\right)|",
             "<=", l4, "the absolute value moved inside the sum over a^{-P+}",
             garbled="the first term's d and Q print theta where theta~ is evident (its pi keeps the bar); transcribed as d~, Q~"),
        Step(r"\text{Denote } \overline{A}^{\pi_{\theta,i}}(s,a) = Q^{\pi_{\theta}}(s,a) - \mathbb{E}_{\bar{a}^{i} \sim \pi_{\theta^{i}}^{i}} Q^{\pi_{\theta}}(s,\bar{a}^{i},a^{-i}), \quad = \frac{1}{1-\gamma} \sum_{s,a} |d_{\mu}^{\pi_{\bar{\theta}}}(s)\pi_{\bar{\theta}}(a|s)\overline{A}^{\pi_{\bar{\theta},i}}(s,a) - d_{\mu}^{\pi_{\theta}}(s)\pi_{\theta}(a|s)\overline{A}^{\pi_{\theta,i}}(s,a)|",
             "=", l5, "the definition of Abar",
             note="Abar^{pi_theta,i} takes the expectation under pi^i_theta, the previous line under pi~^i: the '=' holds only "
                  "when agent i's own policy is unchanged (the slip of Lemma A.1's line 1)"),
        Step(r"\leq \frac{1}{1-\gamma} \bigg(\sum_{s,a} |d_{\mu}^{\pi_{\bar{\theta}}}(s)\pi_{\bar{\theta}}(a|s) - d_{\mu}^{\pi_{\bar{\theta}}}(s)\pi_{\bar{\theta}}(a|s)| |\overline{A}^{\pi_{\bar{\theta},i}}(s,a)| + \sum_{s,a} d_{\mu}^{\pi_{\theta}}(s)\pi_{\theta}(a|s) |\overline{A}^{\pi_{\bar{\theta},i}}(s,a) - \overline{A}^{\pi_{\theta,i}}(s,a)| \bigg)",
             "<=", l6, "triangle inequality",
             garbled="the first difference prints d~pi~ - d~pi~ (identically 0); transcribed as d~pi~ - d pi"),
        Step(r"\text{Since } \overline{A} \leq \frac{2(r_{\max}-r_{\min})}{1-\gamma}, \leq \frac{1}{1-\gamma} \bigg(\sum_{s,a} \frac{2(r_{\max} - r_{\min})}{1-\gamma} |d^{\pi_{\tilde{\theta}}}_{\mu}(s)\pi_{\tilde{\theta}}(a|s) - d^{\pi_{\tilde{\theta}}}_{\mu}(s)\pi_{\tilde{\theta}}(a|s) + \max_{s,a} \left| \overline{A}^{\pi_{\tilde{\theta},i}}(s,a) - \overline{A}^{\pi_{\theta},i}(s,a) \right| \bigg)",
             "<=", l7, "|Abar| <= 2(r_max - r_min)/(1-gamma); sum_{s,a} d(s)pi(a|s) |.| <= max |.|",
             garbled="the same d~pi~ - d~pi~, and its closing bar is missing; transcribed as |d~pi~ - d pi|",
             note="with the paper's unnormalized d, sum_{s,a} d(s)pi(a|s) = 1/(1-gamma), not 1, so in general the max "
                  "term needs a factor 1/(1-gamma); the replay shows whether an instance reaches it"),
        Step(r"\text{By Equation (5)}, \leq \frac{1}{1-\gamma} \bigg(\sum_{s,a} \frac{2(r_{\max} - r_{\min})}{1-\gamma} | d_{\mu}^{\pi_{\tilde{\theta}}}(s) \pi_{\tilde{\theta}}(a|s) - d_{\mu}^{\pi_{\tilde{\theta}}}(s) \pi_{\tilde{\theta}}(a|s) + \frac{2(r_{\max} - r_{\min})}{(1-\gamma)^2} \max_{s} \|\pi_{\tilde{\theta}_{s}} - \pi_{\theta_{s}}\|_{1} \bigg)",
             "<=", l8, "Lemma A.1, equation (5)", garbled="as in the previous line"),
        Step(r"\text{By corollary (35) in (Zhang et al., 2022)}, \leq \frac{1}{1-\gamma} \left(\frac{2(r_{\max} - r_{\min})}{(1-\gamma)^2} \max_{s} \|\pi_{\tilde{\theta}_s} - \pi_{\theta_s}\|_1 + \frac{2(r_{\max} - r_{\min})}{(1-\gamma)^2} \max_{s} \|\pi_{\tilde{\theta}_s} - \pi_{\theta_s}\|_1 \right)",
             "<=", l9, "corollary (35) of Zhang et al.: sum_{s,a} |d~pi~ - d pi| <= max_s ||pi~_s - pi_s||_1/(1-gamma)",
             note="Zhang et al.'s bound is for the normalized visitation; with the paper's unnormalized d the sum can reach "
                  "1/(1-gamma)^2 times the max"),
        Step(r"= \frac{4(r_{\max} - r_{\min})}{(1-\gamma)^3} \max_{s} \|\pi_{\tilde{\theta}_s} - \pi_{\theta_s}\|_1", "=",
             lambda c: K(c, 4) * c["pidiff_s"].max(), "sum of the two terms"),
        Step(r"\leq \frac{4(r_{\max} - r_{\min})}{(1-\gamma)^3} \max_{s} \sum_{s} \|\pi_{\tilde{\theta}_s} - \pi_{\theta_s}\|_1", "<=",
             lambda c: K(c, 4) * c["pidiff_s"].sum(), "(none given)", garbled="'max_s sum_s' read as sum_s"),
        Step(r"\leq \frac{1}{(1-\gamma)^3} \max_{s} \sum_{i,a^{\mathcal{P}^i}} \|\pi_{\tilde{\theta}^i}_{s,a^{\mathcal{P}^i}} - \pi_{\theta^i}_{s,a^{\mathcal{P}^i}}\|", "<=",
             lambda c: c["local_l1"].max() / (1 - c["g"]) ** 3, "(none given)",
             garbled="the norm's subscript is missing; read as the 1-norm",
             note="the factor 4(r_max - r_min) is dropped"),
        Step(r"\leq \frac{8(r_{\max} - r_{\min})}{(1 - \gamma)^3} \max_s \sum_{i, a^{\mathcal{P}^i}} \|\tilde{\theta}^i_{s, a^{\mathcal{P}^i}} - \theta^i_{s, a^{\mathcal{P}^i}}\|_2", "<=",
             lambda c: K(c, 8) * c["theta_parent_l2"].max(), "by corollary (37) in (Zhang et al., 2022)"),
        Step(r"\leq \frac{8(r_{\max} - r_{\min})}{(1 - \gamma)^3} \max_s \sum_{i=1}^N \|\tilde{\theta}^i_s - \theta^i_s\|_2", "<=",
             lambda c: K(c, 8) * c["theta_state_l2"].max(), "(none given)",
             note="sum over a^P of 2-norms is at least the 2-norm of the stacked vector: the inequality goes the other way"),
        Step(r"\leq \frac{8(r_{\max} - r_{\min})}{(1 - \gamma)^3} \sum_{i=1}^N \|\tilde{\theta}^i - \theta^i\|_2", "<=",
             lambda c: K(c, 8) * c["theta_l2"], "(none given)"),
    ],
)
