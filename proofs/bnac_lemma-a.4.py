r"""bnac Appendix A.4, proof of Lemma A.4 (= Lemma 5.1): the tabular softmax BN policy gradient.

Every line is an array of the shape of theta^i (entries (s, a^{P^i}, a^i)) on a random instance (random
DAG, random game, random softmax parameters, agent i at random).  d is the paper's d^pi_mu (Sec. 3):
the UNNORMALIZED discounted visitation, summing to 1/(1-gamma).  A^pi(s, a) = Q(s, a) - V(s).
Expectations written with a conditioning are evaluated literally as printed.
"""
import numpy as np

from verify.proofs import Skip, Step, Transcript, bn_context, bn_grid, bn_sampler, fd_grad
from verify.evaluation import bn_advantage, q_subset
from verify.gradients import bnac_lemma_a_4

FD = (1e-6, 1e-8)


def sample(rng):
    spec = bn_sampler(n_agents=(2, 3))(rng)
    spec["agent"] = int(rng.integers(0, spec["n_agents"]))
    return spec


def build(spec):
    ctx = bn_context({k: v for k, v in spec.items() if k != "agent"})
    ctx["i"] = spec["agent"]
    ctx["g"] = bn_grid(ctx, ctx["i"])
    return ctx


def _out(ctx, arr):
    return arr.reshape(ctx["g"]["shape"])


def c(ctx):
    return 1.0 / (1.0 - ctx["gamma"])


def l1(ctx):
    return fd_grad(ctx["game"], ctx["policy"])[ctx["i"]]


def score_form(ctx):
    """1/(1-gamma) sum_sbar d(sbar) sum_abar pi(abar|sbar) A(sbar, abar) dlog pi^i(abar^i|sbar, abar^P)/dtheta_{s,a^P,a^i}
    = 1/(1-gamma) d(s) sum_{x', r} m loc(x') w(x', r) A(x', r) (1[x' = x] - loc(x))."""
    g, d = ctx["g"], ctx["d"]
    ex = (g["loc"][..., None] * g["w"] * g["A"]).sum(axis=3)                 # [s, p, x']
    val = ex - g["loc"] * ex.sum(axis=2, keepdims=True)                         # sum_x' ex (1[x'=x] - loc(x))
    return _out(ctx, c(ctx) * d[:, None, None] * g["m"][..., None] * val)


def literal_fixed_ai(ctx, with_dpa=False):
    """... E_{abar^i ~ pi^i(.|s,a^P), abar^{-P+} ~ pi(.|s,a^P,a^i)} [A(s,a^P,abar^i,abar^{-P+})(1[abar^i=a^i] - pi^i(a^i|s,a^P))]
    with abar^{-P+} drawn given the FIXED a^i, as printed."""
    g, d = ctx["g"], ctx["d"]
    # inner[s,p,x,x'] = sum_r w(x, r) A(x', r)
    inner = np.einsum("spxr,spyr->spxy", g["w"], g["A"])
    S, nP, Ai = g["loc"].shape
    out = np.zeros((S, nP, Ai))
    for x in range(Ai):
        ind = (np.arange(Ai) == x).astype(float)
        out[:, :, x] = (g["loc"] * inner[:, :, x, :] * (ind[None, None, :] - g["loc"][:, :, x:x + 1])).sum(axis=2)
    return _out(ctx, c(ctx) * d[:, None, None] * g["m"][..., None] * out)


def l7(ctx):
    """(E[A 1[abar^i = a^i]] - E_{abar^{-P^i} ~ pi(.|s,a^P)} [A(s, a^P, abar^{-P^i})]): no factor pi^i on the second term."""
    g, d = ctx["g"], ctx["d"]
    first = g["loc"] * (g["w"] * g["A"]).sum(axis=3)
    second = (g["loc"][..., None] * g["w"] * g["A"]).sum(axis=(2, 3))[..., None]
    return _out(ctx, c(ctx) * d[:, None, None] * g["m"][..., None] * (first - second))


def _l8(ctx, key):
    g, d = ctx["g"], ctx["d"]
    first = (g["w"] * g[key]).sum(axis=3)
    second = (g["loc"][..., None] * g["w"] * g[key]).sum(axis=(2, 3))[..., None]
    return _out(ctx, c(ctx) * d[:, None, None] * g["m"][..., None] * g["loc"] * (first - second))


def l10(ctx):
    game, pol, i = ctx["game"], ctx["policy"], ctx["i"]
    ps = list(pol.dag.parents[i])
    plus = sorted(ps + [i])
    qp = np.moveaxis(q_subset(game, pol, plus, Q=ctx["Q"]), 1 + plus.index(i), -1)
    q0 = q_subset(game, pol, ps, Q=ctx["Q"])[..., None]
    dpa = (ctx["d"].reshape((-1,) + (1,) * (pol.marginal(ps).ndim - 1)) * pol.marginal(ps))[..., None]
    return c(ctx) * dpa * pol.local(i) * (qp - q0)


def l11(ctx):
    game, pol, i = ctx["game"], ctx["policy"], ctx["i"]
    ps = list(pol.dag.parents[i])
    dpa = (ctx["d"].reshape((-1,) + (1,) * (pol.marginal(ps).ndim - 1)) * pol.marginal(ps))[..., None]
    return c(ctx) * dpa * pol.local(i) * bn_advantage(game, pol, i, Q=ctx["Q"])


def statement(ctx):
    return bnac_lemma_a_4(ctx["game"], ctx["policy"])[ctx["i"]]


def theorem_check(ctx):
    a, b = l1(ctx), statement(ctx)
    ok = np.allclose(a, b, rtol=1e-6, atol=1e-8)
    return ok, f"max |dV/dtheta (finite differences) - printed formula| = {np.abs(a - b).max():.3g}"


Q_ = r"\frac{\partial V^{\pi_{\theta}}(\mu)}{\partial \theta_{s,a^{\mathcal{P}^{i}},a^{i}}^{i}}"
TRANSCRIPT = Transcript(
    id="bnac:lemma-a.4/proof", paper="bnac", location="Appendix A.4, proof of Lemma A.4", theorem_claim_id="bnac:lemma-a.4",
    statement=r"\frac{\partial V^{\pi_{\theta}}(\mu)}{\partial \theta^{i}_{s,a^{\mathcal{P}^{i}},a^{i}}} = \frac{1}{1-\gamma} d^{\pi_{\theta}}_{\mu}(s,a^{\mathcal{P}^{i}}) \pi^{i}_{\theta^{i}}(a^{i}|s,a^{\mathcal{P}^{i}}) A^{\pi_{\theta},i}(s,a^{\mathcal{P}^{i}},a^{i})",
    statement_expr=statement, sample=sample, build=build, instances=10, theorem_check=theorem_check,
    printed_lines=10,
    steps=[
        Step(Q_, "start", l1, "the gradient (finite differences of the exact V(mu))"),
        Step(r"= \frac{1}{1-\gamma} \mathbb{E}_{\bar{s} \sim d_{\mu}^{\pi_{\theta}}} \mathbb{E}_{\bar{a} \sim \pi_{\theta}(\cdot|\bar{s})} \left[A^{\pi_{\theta}}(\bar{s},\bar{a}) \frac{\partial \log \pi_{\theta}^{i}(\bar{a}^{i}|s,a^{\mathcal{P}^{i}})}{\partial \theta_{s,a^{\mathcal{P}^{i}},a^{i}}^{i}} \right]",
             "=", score_form, "policy gradient theorem (Agarwal et al.), with the paper's d", tol=FD,
             note="Agarwal et al.'s form has the NORMALIZED d; with the paper's unnormalized d the factor 1/(1-gamma) is extra"),
        Step(r"= \frac{1}{1-\gamma} \mathbb{E}_{\bar{s} \sim d_{\mu}^{\pi_{\theta}}} \mathbb{E}_{\bar{a} \sim \pi_{\theta}(\cdot|\bar{s})} \left[A^{\pi_{\theta}}(\bar{s},\bar{a}) \mathbb{1}[\bar{s}=s] \mathbb{1}[\bar{a}^{\mathcal{P}^{i}} = a^{\mathcal{P}^{i}}] (\mathbb{1}[\bar{a}^{i}=a^{i}] - \pi_{\theta^{i}}^{i}(a^{i}|s,a^{\mathcal{P}^{i}})) \right]",
             "=", score_form, "derivative of the log-softmax"),
        Step(r"= \frac{1}{1-\gamma} d_{\mu}^{\pi_{\theta}}(s) \pi_{\theta}^{\mathcal{P}^{i}}(a^{\mathcal{P}^{i}}|s) \mathbb{E}_{\bar{a}^{i} \sim \pi_{\theta^{i}}^{i}(\cdot|s,a^{\mathcal{P}^{i}}), \bar{a}^{-\mathcal{P}^{i}_{+}} \sim \pi_{\theta}(\cdot|s,a^{\mathcal{P}^{i}},a^{i})} \left[A^{\pi_{\theta}}(s,a^{\mathcal{P}^{i}},\bar{a}^{i},\bar{a}^{-\mathcal{P}^{i}_{+}}) (\mathbb{1}[\bar{a}^{i}=a^{i}] - \pi_{\theta^{i}}^{i}(a^{i}|s,a^{\mathcal{P}^{i}})) \right]",
             "=", literal_fixed_ai, "sum out the indicators",
             note="as printed, abar^{-P+} is drawn given the fixed a^i, not abar^i; this differs when agent i has children"),
        Step(r"= \frac{1}{1-\gamma} d_{\mu}^{\pi_{\theta}}(s,a^{\mathcal{P}^{i}}) \mathbb{E}_{\bar{a}^{i} \sim \pi_{\theta^{i}}^{i}(\cdot|s,a^{\mathcal{P}^{i}}), \bar{a}^{-\mathcal{P}^{i}_{+}} \sim \pi_{\theta}(\cdot|s,a^{\mathcal{P}^{i}},a^{i})} \left[A^{\pi_{\theta}}(s,a^{\mathcal{P}^{i}},\bar{a}^{i},\bar{a}^{-\mathcal{P}^{i}_{+}}) (\mathbb{1}[\bar{a}^{i}=a^{i}] - \pi_{\theta^{i}}^{i}(a^{i}|s,a^{\mathcal{P}^{i}})) \right]",
             "=", literal_fixed_ai, "d(s, a^P) = d(s) pi^P(a^P|s)"),
        Step(r"= \frac{1}{1-\gamma} d_{\mu}^{\pi_{\theta}}(s,a^{\mathcal{P}^{i}}) \left[A^{\pi_{\theta}}(s,a^{\mathcal{P}^{i}},\bar{a}^{i},\bar{a}^{-\mathcal{P}^{i}_{+}}) (\mathbb{1}[\bar{a}^{i}=a^{i}] - \pi_{\theta^{i}}^{i}(a^{i}|s,a^{\mathcal{P}^{i}})) \right]",
             "=", literal_fixed_ai, "(the previous line, its expectation lost)",
             garbled="the expectation subscript of the previous line is missing; transcribed as the previous line"),
        Step(r"= \frac{1}{1-\gamma} d_{\mu}^{\pi_{\theta}}(s,a^{\mathcal{P}^{i}}) \left(\mathbb{E}_{\bar{a}^{i} \sim \pi_{\theta^{i}}^{i}(\cdot|s,a^{\mathcal{P}^{i}}), \bar{a}^{-\mathcal{P}^{i}_{+}} \sim \pi_{\theta}(\cdot|s,a^{\mathcal{P}^{i}},a^{i})} \left[A^{\pi_{\theta}}(s,a^{\mathcal{P}^{i}},\bar{a}^{i},\bar{a}^{-\mathcal{P}^{i}_{+}}) \mathbb{1}[\bar{a}^{i}=a^{i}] \right] - \mathbb{E}_{\bar{a}^{-\mathcal{P}^{i}} \sim \pi_{\theta}(\cdot|s,a^{\mathcal{P}^{i}})} \left[A^{\pi_{\theta}}(s,a^{\mathcal{P}^{i}},\bar{a}^{-\mathcal{P}^{i}_{+}}) \right]",
             "=", l7, "split the two terms",
             note="the second term lacks the factor pi^i(a^i|s,a^P) that the next line restores"),
        Step(r"= \frac{1}{1-\gamma} d_{\mu}^{\pi_{\theta}}(s,a^{\mathcal{P}^{i}}) \left(\pi_{\theta^{i}}^{i}(a^{i}|s,a^{\mathcal{P}^{i}}) \mathbb{E}_{\bar{a}^{-\mathcal{P}^{i}_{+}} \sim \pi_{\theta}(\cdot|s,a^{\mathcal{P}^{i}},a^{i})} \left[A^{\pi_{\theta}}(s,a^{\mathcal{P}^{i}},a^{i},\bar{a}^{-\mathcal{P}^{i}_{+}}) \right] -\pi_{\theta^{i}}^{i}(a^{i}|s,a^{\mathcal{P}^{i}}) \mathbb{E}_{\bar{a}^{-\mathcal{P}^{i}}\sim\pi_{\theta}(\cdot|s,a^{\mathcal{P}^{i}})} \left[A^{\pi_{\theta}}(s,a^{\mathcal{P}^{i}},\bar{a}^{-\mathcal{P}^{i}}) \right] \right)",
             "=", lambda ctx: _l8(ctx, "A"), "evaluate the indicator"),
        Step(r"= \frac{1}{1-\gamma} d_{\mu}^{\pi_{\theta}}(s,a^{\mathcal{P}^{i}})\pi_{\theta^{i}}^{i}(a^{i}|s,a^{\mathcal{P}^{i}}) \left(\mathbb{E}_{\bar{a}^{-\mathcal{P}^{i}_{+}}\sim\pi_{\theta}(\cdot|s,a^{\mathcal{P}^{i}},a^{i})} \left[Q^{\pi_{\theta}}(s,a^{\mathcal{P}^{i}},a^{i},\bar{a}^{-\mathcal{P}^{i}_{+}}) \right] - \mathbb{E}_{\bar{a}^{-\mathcal{P}^{i}}\sim\pi_{\theta}(\cdot|s,a^{\mathcal{P}^{i}})} \left[Q^{\pi_{\theta}}(s,a^{\mathcal{P}^{i}},\bar{a}^{-\mathcal{P}^{i}}) \right] \right)",
             "=", lambda ctx: _l8(ctx, "Q"), "A = Q - V, the V(s) terms cancel"),
        Step(r"= \frac{1}{1-\gamma} d_{\mu}^{\pi_{\theta}}(s,a^{\mathcal{P}^{i}})\pi_{\theta^{i}}^{i}(a^{i}|s,a^{\mathcal{P}^{i}}) \left[Q^{\pi_{\theta},i}(s,a^{\mathcal{P}^{i}},a^{i}) - Q^{\pi_{\theta},i}(s,a^{\mathcal{P}^{i}}) \right]",
             "=", l10, "definitions of Q^{pi,i}"),
        Step(r"= \frac{1}{1-\gamma} d_{\mu}^{\pi_{\theta}}(s,a^{\mathcal{P}^{i}})\pi_{\theta^{i}}^{i}(a^{i}|s,a^{\mathcal{P}^{i}}) A^{\pi_{\theta},i}(s,a^{\mathcal{P}^{i}},a^{i})",
             "=", l11, "definition of A^{pi,i}"),
    ],
    notes="Line 2 imports Agarwal et al.'s normalized-d form into the paper's unnormalized d: an extra 1/(1-gamma) "
          "that survives to the statement.",
)
