r"""bnac Appendix A, proof of Lemma A.3 (smoothness 8N(r_max - r_min)/(1-gamma)^3 of V under BN softmax).

Instances: a random BN instance and a perturbed parameter theta~ = theta + delta.  Gradients are exact
(verify.gradients.bn_pg_corrected).  Symbols bound per instance: R = r_max - r_min, N, gamma,
S1 = sum_i ||theta~^i - theta^i||_2, S2 = sum_i ||theta~^i - theta^i||_2^2, T2 = ||theta~ - theta||_2^2.
"""
import numpy as np

from verify.proofs import Skip, Step, Transcript, bn_context, bn_sampler
from verify.gradients import bn_pg_corrected

SYMS = {"N": "posint", "R": "pos", "gamma": "unit", "S1": "pos", "S2": "pos", "T2": "pos", "i": "posint"}


def sample(rng):
    spec = bn_sampler()(rng)
    spec["delta_scale"] = float(rng.choice([0.01, 0.3, 2.0]))
    spec["delta_seed"] = int(rng.integers(0, 2**31 - 1))
    return spec


def build(spec):
    ctx = bn_context({k: v for k, v in spec.items() if not k.startswith("delta")})
    game, pol = ctx["game"], ctx["policy"]
    rng = np.random.default_rng(spec["delta_seed"])
    x = pol.flat()
    xt = x + spec["delta_scale"] * rng.standard_normal(x.size)
    pt = pol.with_flat(xt)
    g0, g1 = bn_pg_corrected(game, pol), bn_pg_corrected(game, pt)
    diffs = [a - b for a, b in zip(g1, g0)]
    dth = [a - b for a, b in zip(pt.thetas, pol.thetas)]
    R = game.r_max - game.r_min
    if R <= 0:
        R = 1e-12
    S1 = sum(np.linalg.norm(d) for d in dth)
    ctx.update(diffs=diffs, dth=dth)
    ctx["sym"] = {"N": game.n_agents, "R": R, "gamma": game.gamma, "S1": S1,
                  "S2": sum(np.linalg.norm(d) ** 2 for d in dth), "T2": float(np.sum((xt - x) ** 2))}
    return ctx


def theorem_check(ctx):
    s = ctx["sym"]
    lhs = np.sqrt(sum(np.sum(d ** 2) for d in ctx["diffs"]))
    rhs = 8 * s["N"] * s["R"] / (1 - s["gamma"]) ** 3 * np.sqrt(s["T2"])
    return lhs <= rhs * (1 + 1e-9), f"||grad diff||_2 = {lhs:.4g} <= {rhs:.4g}"


TRANSCRIPT = Transcript(
    id="bnac:lemma-a.3/proof", paper="bnac", location="Appendix A, proof of Lemma A.3", theorem_claim_id="bnac:lemma-a.3",
    statement=r"\|\nabla_{\theta} V(\tilde{\theta}) - \nabla_{\theta} V(\theta)\|_{2} \le \frac{8N(r_{\max} - r_{\min})}{(1 - \gamma)^{3}} \|\tilde{\theta} - \theta\|_{2}",
    statement_expr="8*N*R/(1-gamma)**3*sqrt(T2)", statement_relation="<=",
    symbols=SYMS, sample=sample, build=build, instances=6, theorem_check=theorem_check,
    printed_lines=7,
    steps=[
        Step(r"\|\nabla_{\theta} V(\tilde{\theta}) - \nabla_{\theta} V(\theta)\|_{2}^{2}", "start",
             lambda c: sum(np.sum(d ** 2) for d in c["diffs"]), "the squared quantity"),
        Step(r"= \sum_{i=1}^{N} \|\nabla_{\theta^{i}} V(\tilde{\theta}) - \nabla_{\theta^{i}} V(\theta)\|_{2}^{2}", "=",
             lambda c: sum(np.linalg.norm(d.ravel()) ** 2 for d in c["diffs"]), "block decomposition"),
        Step(r"\leq \sum_{i=1}^{N} \|\nabla_{\theta^{i}} V(\tilde{\theta}) - \nabla_{\theta^{i}} V(\theta)\|_{1}^{2}", "<=",
             lambda c: sum(np.abs(d).sum() ** 2 for d in c["diffs"]), "||x||_2 <= ||x||_1"),
        Step(r"\leq \sum_{i=1}^{N} \left(\frac{8(r_{\max} - r_{\min})}{(1 - \gamma)^3} \sum_{j=1}^{N} \|\tilde{\theta}^j - \theta^j\|_2 \right)^2",
             "<=", "Sum((8*R/(1-gamma)**3*S1)**2, (i, 1, N))", "by lemma (A.2)"),
        Step(r"= \frac{64N(r_{\max} - r_{\min})^2}{(1 - \gamma)^6} \left(\sum_{i=1}^{N} \|\tilde{\theta}^i - \theta^i\|_2 \right)^2",
             "=", "64*N*R**2/(1-gamma)**6*S1**2", "the summand does not depend on i"),
        Step(r"\leq \frac{64N^2(r_{\max} - r_{\min})^2}{(1 - \gamma)^6} \sum_{i=1}^N \|\tilde{\theta}^i - \theta^i\|_2^2",
             "<=", "64*N**2*R**2/(1-gamma)**6*S2", "Cauchy-Schwarz: (sum_i x_i)^2 <= N sum_i x_i^2"),
        Step(r"= \frac{64N^2(r_{\max} - r_{\min})^2}{(1 - \gamma)^6} \|\tilde{\theta} - \theta\|_2^2", "=",
             "64*N**2*R**2/(1-gamma)**6*T2", "sum of blocks"),
        Step(r"\|\nabla_{\theta} V(\tilde{\theta}) - \nabla_{\theta} V(\theta)\|_{2} \le \frac{8N(r_{\max} - r_{\min})}{(1 - \gamma)^{3}} \|\tilde{\theta} - \theta\|_{2}",
             "sqrt=", "8*N*R/(1-gamma)**3*sqrt(T2)", "therefore (square roots)"),
    ],
)
