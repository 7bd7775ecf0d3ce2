r"""mbpg Appendix A, proof of Theorem 1 (the coverage-entropy policy gradient).

Every line is a vector: the gradient with respect to theta_i (length |V|) of the line's expression,
evaluated on a random instance: N agents, |V| states, mu_j(s; theta_j) a softmax or sigmoid
parameterization (verify.gradients.coverage_mu_j), agent i drawn at random.  d mu_j / d theta_i is
zero for j != i (the fact the proof states it uses); d mu_i / d theta_i is the exact Jacobian.
"""
import numpy as np

from verify.proofs import Skip, Step, Transcript
from verify.gradients import coverage_mu_j, coverage_mu_j_jacobian, mbpg_theorem_1
from verify.oracles import fd_gradient


def sample(rng):
    return {"n_agents": int(rng.integers(1, 5)), "n_nodes": int(rng.integers(2, 6)),
            "param": str(rng.choice(["softmax", "sigmoid"])), "scale": float(rng.choice([0.5, 1.0, 2.0])),
            "seed": int(rng.integers(0, 2**31 - 1))}


def build(spec):
    rng = np.random.default_rng(spec["seed"])
    N, V, param = spec["n_agents"], spec["n_nodes"], spec["param"]
    thetas = spec["scale"] * rng.standard_normal((N, V))
    i = int(rng.integers(0, N))
    mus = np.stack([coverage_mu_j(t, param) for t in thetas])
    mu = 1 - np.prod(1 - mus, axis=0)
    jac = np.zeros((N, V, V))            # jac[j, s, k] = d mu_j(s) / d theta_{i,k}
    jac[i] = coverage_mu_j_jacobian(thetas[i], param)
    return {"thetas": thetas, "i": i, "param": param, "mus": mus, "mu": mu, "jac": jac, "N": N, "V": V}


def _J_of_theta_i(ctx, per_state):
    """FD gradient in theta_i of sum_s per_state(mu(s)) (an independent oracle: no chain rule used)."""
    th, i, param = ctx["thetas"], ctx["i"], ctx["param"]

    def f(X):
        out = []
        for x in X:
            t = th.copy()
            t[i] = x
            m = 1 - np.prod(1 - np.stack([coverage_mu_j(tj, param) for tj in t]), axis=0)
            out.append(per_state(m).sum())
        return np.array(out)
    return fd_gradient(f, th[i])[0]


def dJ_dmu(ctx):
    return -(np.log(ctx["mu"]) + 1)


def dmu_dmuj(ctx, j):
    """d mu(s) / d mu_j(s) = prod_{k != j} (1 - mu_k(s))."""
    m = ctx["mus"]
    return np.prod(np.delete(1 - m, j, axis=0), axis=0)


def s1(ctx):
    return _J_of_theta_i(ctx, lambda m: -m * np.log(m))


def s2(ctx):
    return _J_of_theta_i(ctx, lambda m: -m * np.log(m))   # sum_s J(s), J(s) = -mu(s) log mu(s)


def s3(ctx):
    inner = sum(dmu_dmuj(ctx, j)[:, None] * ctx["jac"][j] for j in range(ctx["N"]))
    return (dJ_dmu(ctx)[:, None] * inner).sum(axis=0)


def s4(ctx):
    return sum((dJ_dmu(ctx) * dmu_dmuj(ctx, j))[:, None] * ctx["jac"][j] for j in range(ctx["N"])).sum(axis=0)


def s5(ctx):
    i = ctx["i"]
    others = sum(((dJ_dmu(ctx) * dmu_dmuj(ctx, j))[:, None] * ctx["jac"][j]).sum(axis=0)
                 for j in range(ctx["N"]) if j != i)
    return others + ((dJ_dmu(ctx) * dmu_dmuj(ctx, i))[:, None] * ctx["jac"][i]).sum(axis=0)


def s6(ctx):
    i = ctx["i"]
    return ((dJ_dmu(ctx) * dmu_dmuj(ctx, i))[:, None] * ctx["jac"][i]).sum(axis=0)


def s7(ctx):
    i, m = ctx["i"], ctx["mus"]
    prod_ne_i = np.prod(np.delete(1 - m, i, axis=0), axis=0)
    return ((-(np.log(ctx["mu"]) + 1)) * prod_ne_i)[:, None].__mul__(ctx["jac"][i]).sum(axis=0)


def s8(ctx):
    i, m = ctx["i"], ctx["mus"]
    prod_ne_i = np.prod(np.delete(1 - m, i, axis=0), axis=0)
    w = -(np.log(ctx["mu"]) + 1) * prod_ne_i / (1 - m[i])
    return (w[:, None] * ctx["jac"][i]).sum(axis=0)


def s9(ctx):
    i, m, mu = ctx["i"], ctx["mus"], ctx["mu"]
    w = -(np.log(mu) + 1) * (1 - mu) / (1 - m[i])
    return (w[:, None] * ctx["jac"][i]).sum(axis=0)


def s11(ctx):
    """(log mu + 1)(1 - mu) grad log(1 - mu_i): grad log(1 - mu_i(s)) by finite differences."""
    th, i, param, mu = ctx["thetas"], ctx["i"], ctx["param"], ctx["mu"]
    out = np.zeros(ctx["V"])
    for s in range(ctx["V"]):
        g = fd_gradient(lambda X: np.array([np.log(1 - coverage_mu_j(x, param)[s]) for x in X]), th[i])[0]
        out += (np.log(mu[s]) + 1) * (1 - mu[s]) * g
    return out


def statement(ctx):
    return mbpg_theorem_1(ctx["thetas"], ctx["param"])[ctx["i"]]


def theorem_check(ctx):
    from verify.oracles import fd_coverage_gradient
    g, _ = fd_coverage_gradient(ctx["thetas"], ctx["param"])
    ok = np.allclose(g[ctx["i"]], statement(ctx), rtol=1e-6, atol=1e-8)
    return ok, f"max |FD - formula| = {np.abs(g[ctx['i']] - statement(ctx)).max():.3g}"


FD = (1e-6, 1e-8)   # finite-difference oracle lines

TRANSCRIPT = Transcript(
    id="mbpg:theorem-1/proof", paper="mbpg", location="Appendix A, proof of Theorem 1",
    theorem_claim_id="mbpg:theorem-1",
    statement=r"\nabla_{\boldsymbol{\theta}_i} J = \sum_{s \in \mathcal{V}} (\log \mu(s) + 1)(1 - \mu(s)) \nabla_{\boldsymbol{\theta}_i} \log(1 - \mu_i(s))",
    statement_expr=statement, sample=sample, build=build, instances=6, theorem_check=theorem_check,
    printed_lines=10,
    steps=[
        Step(r"\nabla \theta_i J", "start", s1, "the quantity to compute (finite differences of J in theta_i)",
             garbled=r"'\nabla \theta_i' is the extraction of \nabla_{\theta_i}"),
        Step(r"= \nabla \theta_i \sum_{s \in \mathcal{V}} J(s)", "=", s2, "J = sum_s J(s), J(s) = -mu(s) log mu(s)", tol=FD),
        Step(r"= \sum_{s \in \mathcal{V}} \left( \frac{\partial J(s)}{\partial \mu(s)} \times \sum_{j=1}^N \left( \frac{\partial \mu(s)}{\partial \mu_j(s)} \times \frac{\partial \mu_j(s)}{\partial \boldsymbol{\theta}_i} \right) \right)",
             "=", s3, "chain rule of multi-variable calculus", tol=FD),
        Step(r"= \sum_{s \in \mathcal{V}} \sum_{j=1}^N \frac{\partial J(s)}{\partial \mu(s)} \times \frac{\partial \mu(s)}{\partial \mu_j(s)} \times \frac{\partial \mu_j(s)}{\partial \boldsymbol{\theta}_i}",
             "=", s4, "distributivity"),
        Step(r"= \sum_{s \in \mathcal{V}} \sum_{j \neq i} \frac{\partial J(s)}{\partial \mu(s)} \frac{\partial \mu(s)}{\partial \mu_j(s)} \frac{\partial \mu_j(s)}{\partial \boldsymbol{\theta}_i} + \sum_{s \in \mathcal{V}} \frac{\partial J(s)}{\partial \mu(s)} \frac{\partial \mu(s)}{\partial \mu_i(s)} \frac{\partial \mu_i(s)}{\partial \boldsymbol{\theta}_i}",
             "=", s5, "split j != i and j = i"),
        Step(r"= \sum_{s \in \mathcal{V}} \frac{\partial J(s)}{\partial \mu(s)} \frac{\partial \mu(s)}{\partial \mu_i(s)} \frac{\partial \mu_i(s)}{\partial \boldsymbol{\theta}_i}",
             "=", s6, "for j != i, grad_{theta_i} mu_j(s) = 0"),
        Step(r"= \sum_{s \in \mathcal{V}} -(\log \mu(s) + 1) \times \prod_{j=1, j \neq i}^N (1 - \mu_j(s)) \times \frac{\partial \mu_i(s)}{\partial \boldsymbol{\theta}_i}",
             "=", s7, "dJ/dmu = -(log mu + 1); dmu/dmu_i = prod_{j != i}(1 - mu_j)"),
        Step(r"= \sum_{s \in \mathcal{V}} -(\log \mu(s) + 1) \times \frac{\prod_{j=1, j \neq i}^N (1 - \mu_j(s))}{1 - \mu_i(s)} \times \frac{\partial \mu_i(s)}{\partial \boldsymbol{\theta}_i}",
             "=", s8, "(none given: multiply and divide by 1 - mu_i(s))",
             note="evaluated as printed: the numerator prod_{j != i} is evidently meant as prod_{j=1}^N"),
        Step(r"= \sum_{s \in \mathcal{V}} -(\log \mu(s) + 1) \times \frac{1 - \mu(s)}{1 - \mu_i(s)} \times \frac{\partial \mu_i(s)}{\partial \boldsymbol{\theta}_i}",
             "=", s9, "prod_j (1 - mu_j(s)) = 1 - mu(s)"),
        Step(r"= \sum_{s \in \mathcal{V}} -(\log \mu(s) + 1) \times \frac{1 - \mu(s)}{1 - \mu_i(s)} \times \frac{\partial \mu_i(s)}{\partial \boldsymbol{\theta}_i}",
             "=", s9, "(the previous line repeated)"),
        Step(r"= \sum_{s \in \mathcal{V}} (\log \mu(s) + 1) (1 - \mu(s)) \nabla_{\boldsymbol{\theta}_i} \log(1 - \mu_i(s))",
             "=", s11, "grad log(1 - mu_i) = -grad mu_i / (1 - mu_i)", tol=FD),
    ],
    notes="Line 8 writes prod_{j != i}(1 - mu_j)/(1 - mu_i) where prod_{j=1}^N is meant; line 9 and the theorem are right.",
)
