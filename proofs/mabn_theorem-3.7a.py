r"""mabn Appendix E (a), proof of Theorem 3.7(a) (the deterministic P-DTDE policy gradient).

Instances: the linear-quadratic version of the temperature model (verify.mabn_envs.temperature_lq: random sparse
wall and observation graphs on 3-4 zones, x' = A x + B u + w, w ~ N(0, W), r_i = -x_i^2 - beta u_i^2, x_0 ~ p =
N(0, Sigma0), gamma = 0.9) with a deterministic structured linear policy u_i = K_i x_{I_O^i} (theta_i: the
entries of row K_i on I_O^i), a random stabilising K, one agent i and a random state s = x.  I_GD^i from the
folded MABN.  Everything is recomputed here in numpy: P_j from the Lyapunov equation P_j = e_j e_j^T + beta
K_j^T K_j + gamma Acl^T P_j Acl, V_j(x) = -(x^T P_j x + c_j) with c_j = gamma tr(P_j W)/(1-gamma), Q_j(x, u) =
r_j(x, u) + gamma E V_j(A x + B u + w); gradients in theta_i by central differences of these closed forms;
expectations over the next states in closed form (Gaussian second moments).  Lines are vectors over theta_i.

eta(s') is printed as sum_k rho(s -> s', k), without gamma^k and without p(s): read literally it diverges (each
term is a probability); (37)-(39) are evaluated with the discounted eta that (35)-(36) carry (the skipped
definition line says so), d^pi = eta / int eta normalised as the proof defines it.
"""
import numpy as np

from verify import mabn as M
from verify.proofs import Skip, Step, Transcript

H_FD = 1e-5


def sample(rng):
    """Rejection sampling over seeds for an agent whose I_GD^i is a proper subset (sparse wall graphs), so that
    (25) says something; the last draw is kept if none is found."""
    for _ in range(40):
        spec = {"n": int(rng.choice([3, 4])), "seed": int(rng.integers(0, 2**31 - 1)), "gamma": 0.9,
                "p": float(rng.choice([0.15, 0.3])), "agent": 0, "x_seed": int(rng.integers(0, 2**31 - 1))}
        cpl, _, _, _ = _instance(spec)
        GD = M.gd_sets(M.vd_sets_folded(M.folded_mabn(cpl), spec["n"]))
        small = [i for i in range(spec["n"]) if len(GD[i]) < spec["n"]]
        if small:
            spec["agent"] = int(rng.choice(small))
            return spec
    return spec


def _instance(spec):
    from verify.mabn_envs import structured_mask, temperature_lq
    rng = np.random.default_rng(spec["seed"])
    n, g = spec["n"], float(spec["gamma"])
    walls = sorted({(j, i) for (i, j) in M.random_edges(rng, n, spec["p"])} | set(M.random_edges(rng, n, 0.0)))
    walls = sorted(set(walls) | {(i, j) for (j, i) in walls})
    eo = M.random_edges(rng, n, spec["p"])
    c = M.couplings(n, walls, eo, [], 0)
    lq = temperature_lq(c, gamma=g)
    mask = structured_mask(c)
    K = -0.5 * mask * rng.uniform(0.2, 1.0, size=(n, n))
    return c, {k: (np.asarray(v, float) if not np.isscalar(v) else v) for k, v in lq.items()}, mask, K


def P_all(lq, K):
    """P_j for every agent j: (n, n, n)."""
    A, B, g, beta = lq["A"], lq["B"], lq["gamma"], lq["beta"]
    n = A.shape[0]
    Acl = A + B @ K
    L = np.eye(n * n) - g * np.kron(Acl.T, Acl.T)
    out = []
    for j in range(n):
        Mj = np.outer(np.eye(n)[j], np.eye(n)[j]) + beta * np.outer(K[j], K[j])
        out.append(np.linalg.solve(L, Mj.reshape(-1)).reshape(n, n))
    return np.stack(out)


def c_all(lq, P):
    g = lq["gamma"]
    return g / (1 - g) * np.einsum("jab,ba->j", P, lq["W"])


def V_j(lq, K, x):
    P = P_all(lq, K)
    return -(np.einsum("a,jab,b->j", x, P, x) + c_all(lq, P))


def EV_next(lq, K_val, K_pol, x, u=None):
    """E_{x' ~ p(.|x, u)} V_j(x') with V under K_val and u = K_pol x unless given: (n,)."""
    P = P_all(lq, K_val)
    u = K_pol @ x if u is None else u
    xn = lq["A"] @ x + lq["B"] @ u
    return -(np.einsum("a,jab,b->j", xn, P, xn) + np.einsum("jab,ba->j", P, lq["W"]) + c_all(lq, P))


def r_j(lq, x, u):
    return -(x ** 2 + lq["beta"] * u ** 2)


def Q_j(lq, K, x, u):
    return r_j(lq, x, u) + lq["gamma"] * EV_next(lq, K, K, x, u)


def J(lq, K):
    P = P_all(lq, K)
    return float(-(np.einsum("jab,ba->j", P, lq["Sigma0"]) + c_all(lq, P)).sum())


def fd(c, f):
    """Central differences of f(K) in the entries theta_i = K[i, I_O^i]."""
    K, i = c["K"], c["i"]
    out = []
    for m in c["cols"]:
        Kp, Km = K.copy(), K.copy()
        Kp[i, m] += H_FD
        Km[i, m] -= H_FD
        out.append((np.asarray(f(Kp)) - np.asarray(f(Km))) / (2 * H_FD))
    return np.stack(out, axis=-1)


def build(spec):
    cpl, lq, mask, K = _instance(spec)
    n = spec["n"]
    i = spec["agent"] % n
    IQ = M.vd_sets_folded(M.folded_mabn(cpl), n)
    GD = sorted(M.gd_sets(IQ)[i])
    x = np.random.default_rng(spec["x_seed"]).multivariate_normal(np.zeros(n), lq["Sigma0"])
    c = {"lq": lq, "K": K, "i": i, "GD": GD, "x": x, "n": n, "g": lq["gamma"], "cols": [int(m) for m in np.flatnonzero(mask[i])],
         "Acl": lq["A"] + lq["B"] @ K}
    c["P"] = P_all(lq, K)
    c["dP"] = fd(c, lambda Kk: P_all(lq, Kk))                     # (n, n, n, p)
    c["dc"] = fd(c, lambda Kk: c_all(lq, P_all(lq, Kk)))          # (n, p)
    c["gvec"] = _g(c)
    return c


def _g(c):
    """g with grad_{u_i} Qhat_i(y, u)|_{u = K y} = g . y: d/du_i of r_j + gamma E V_j(A y + B u + w), j in I_GD^i."""
    lq, i = c["lq"], c["i"]
    g = np.zeros(c["n"])
    for j in c["GD"]:
        if j == i:
            g = g - 2 * lq["beta"] * c["K"][i]
        g = g - 2 * c["g"] * (lq["B"].T @ c["P"][j] @ c["Acl"])[i]
    return g


def xsel(c, y):
    return y[c["cols"]]


def phi(c, y):
    """phi(y) = grad_{theta_i} pi_i(y) grad_{a_i} Qhat_i(y, a)|_{a = pi(y)} = y_{I_O^i} (g . y)."""
    return xsel(c, y) * (c["gvec"] @ y)


def phi_second(c, S):
    """E[phi(y)] for E[y y^T] = S: (S g) on I_O^i."""
    return (S @ c["gvec"])[c["cols"]]


def gradV_expect(c, S, agents=None):
    """E[grad_{theta_i} sum_j V_j(y)] for E[y y^T] = S (agents: the j summed, default all)."""
    agents = range(c["n"]) if agents is None else agents
    return -sum(np.einsum("ab,abp->p", S, c["dP"][j]) + c["dc"][j] for j in agents)


def disc_second(c, S0):
    """sum_k gamma^k E[x_k x_k^T] from E[x_0 x_0^T] = S0: X = S0 + gamma Acl X Acl^T + gamma W/(1-gamma)."""
    n, g, Acl = c["n"], c["g"], c["Acl"]
    L = np.eye(n * n) - g * np.kron(Acl, Acl)
    return np.linalg.solve(L, (S0 + g / (1 - g) * c["lq"]["W"]).reshape(-1)).reshape(n, n)


def disc_second_iter(c, S0, tol=1e-14):
    """The same series summed term by term until gamma^k is negligible."""
    g, Acl, W = c["g"], c["Acl"], c["lq"]["W"]
    S, tot, k = S0.copy(), np.zeros_like(S0), 0
    while True:
        tot = tot + g ** k * S
        if g ** k * np.abs(S).max() < tol * np.abs(tot).max() or k > 5000:
            return tot
        S = Acl @ S @ Acl.T + W
        k += 1


# ---- the lines ---------------------------------------------------------------------------------
def l24a(c):
    return fd(c, lambda Kk: V_j(c["lq"], Kk, c["x"]).sum())


def l24b(c):
    return fd(c, lambda Kk: Q_j(c["lq"], Kk, c["x"], Kk @ c["x"]).sum())


def l25(c):
    return fd(c, lambda Kk: Q_j(c["lq"], Kk, c["x"], Kk @ c["x"])[c["GD"]].sum())


def l26(c):
    lq, x = c["lq"], c["x"]
    return fd(c, lambda Kk: (r_j(lq, x, Kk @ x) + lq["gamma"] * EV_next(lq, Kk, Kk, x))[c["GD"]].sum())


def _dr(c):
    """grad_{theta_i} pi_i(x) sum_{j in GD} grad_{a_i} r_j = x_{I_O^i} (-2 beta u_i if i in GD)."""
    u = c["K"] @ c["x"]
    return xsel(c, c["x"]) * (-2 * c["lq"]["beta"] * u[c["i"]] if c["i"] in c["GD"] else 0.0)


def l27a(c):
    lq, x = c["lq"], c["x"]
    return _dr(c) + lq["gamma"] * fd(c, lambda Kk: EV_next(lq, Kk, Kk, x)[c["GD"]].sum())


def _p_gradV(c):
    """gamma sum_{GD} int p(s'|s, pi(s)) grad V_j(s') ds' (the transition at the current action)."""
    xn = c["Acl"] @ c["x"]
    S = np.outer(xn, xn) + c["lq"]["W"]
    return c["g"] * gradV_expect(c, S, c["GD"])


def _dpi_dp_V(c):
    """gamma sum_{GD} int grad pi_i grad_{a_i} p(s'|s, a) V_j(s') ds' = x_{I_O^i} d/du_i gamma E V_j."""
    lq = c["lq"]
    xn = c["Acl"] @ c["x"]
    d = sum(-2 * (lq["B"].T @ c["P"][j] @ xn)[c["i"]] for j in c["GD"])
    return xsel(c, c["x"]) * c["g"] * d


def l27b(c):
    return _dr(c) + _p_gradV(c) + _dpi_dp_V(c)


def l27c(c):
    return phi(c, c["x"]) + _p_gradV(c)


def l28(c):
    return phi(c, c["x"]) + _p_gradV(c)


def l30a(c):
    xn = c["Acl"] @ c["x"]
    return phi(c, c["x"]) + c["g"] * gradV_expect(c, np.outer(xn, xn) + c["lq"]["W"])


def l30b(c):
    xn = c["Acl"] @ c["x"]
    S1 = np.outer(xn, xn) + c["lq"]["W"]
    S2 = c["Acl"] @ S1 @ c["Acl"].T + c["lq"]["W"]
    return phi(c, c["x"]) + c["g"] * phi_second(c, S1) + c["g"] ** 2 * gradV_expect(c, S2)


def l33(c):
    return phi_second(c, disc_second(c, np.outer(c["x"], c["x"])))


def l32(c):
    return phi_second(c, disc_second_iter(c, np.outer(c["x"], c["x"])))


def l34(c):
    return fd(c, lambda Kk: J(c["lq"], Kk))


def l35(c):
    return phi_second(c, disc_second(c, c["lq"]["Sigma0"]))


def l36(c):
    return phi_second(c, disc_second_iter(c, c["lq"]["Sigma0"]))


def l38(c):
    return (1 - c["g"]) * l35(c)


def theorem_check(c):
    exact, printed = l34(c), l38(c)
    err = float(np.abs(exact - printed).max())
    ok = err <= 1e-6 * np.abs(exact).max() + 1e-8
    k = float(exact @ printed / (printed @ printed)) if printed @ printed else float("nan")
    return bool(ok), f"grad J / E_(d^pi normalised)[...] = {k:.6g} (1/(1-gamma) = {1 / (1 - c['g']):.6g}); max error {err:.3g}"


FD = (1e-5, 1e-7)
TRANSCRIPT = Transcript(
    id="mabn:theorem-3.7a/proof", paper="mabn", location="Appendix E (a)", theorem_claim_id="mabn:theorem-3.7a",
    statement=r"\nabla_{\theta_i} J(\theta) = \mathbb{E}_{s_{\mathcal{I}_{\hat{Q}}^i} \sim d^\pi(s_{\mathcal{I}_O^i})} \left[ \nabla_{\theta_i} \pi_{\theta_i}(s_{\mathcal{I}_O^i}) \nabla_{a_i} \hat{Q}_i(s_{\mathcal{I}_{\hat{Q}}^i}, a_{\mathcal{I}_{\hat{Q}}^i}) \Big|_{a_i = \pi_{\theta_i}(\cdot)} \right]",
    statement_expr=l38, statement_relation="=",
    sample=sample, build=build, instances=8, theorem_check=theorem_check, printed_lines=16,
    skipped=[Skip(r"\rho^{\pi_{\theta}}(s \rightarrow x, k) = \int_p \rho^{\pi_{\theta}}(s \rightarrow p, k-1) \rho^{\pi_{\theta}}(p \rightarrow x, 1) dp \quad (29)",
                  "the Chapman-Kolmogorov identity, used in closed form (Gaussian second moments) by the lines below", 1),
             Skip(r"\text{Denote } \eta(s') = \sum_{k=0}^{\infty} \rho^{\pi_\theta}(s \rightarrow s', k)",
                  "a definition; read literally (no gamma^k, no p(s)) it diverges; (37)-(39) use the discounted "
                  "eta(s') = int p(s) sum_k gamma^k rho(s -> s', k) ds that (35)-(36) carry", 1)],
    steps=[
        Step(r"\nabla_{\theta_i} V^{\pi_\theta}(s)", "start", l24a, "central differences of V(x) = sum_j V_j(x)"),
        Step(r"= \nabla_{\theta_i} Q^{\pi_\theta}(s, \pi_\theta(s)) \quad (24)", "=", l24b, "V(s) = Q(s, pi(s))", tol=FD),
        Step(r"= \nabla_{\theta_i} \widehat{Q}^{\pi_\theta}(s, \pi_\theta(s)) \quad (25)", "=", l25, "Theorem 3.6", tol=FD,
             nontrivial=lambda c: len(c["GD"]) < c["n"]),
        Step(r"= \nabla_{\theta_i} \sum_{j \in \mathcal{I}_{\text{GD}}^i} \left[ r_j(s_{\mathcal{I}_R^j}, \pi_{\theta_{\mathcal{I}_R^j}}(s_{\mathcal{I}_O^j})) + \gamma \int_{s' \in \mathcal{S}} p(s' | s, \pi_\theta(s)) V^{\pi_{\theta_j}}(s') ds' \right] \quad (26)",
             "=", l26, "the Bellman equation of Q_j", tol=FD),
        Step(r"= \nabla_{\theta_i} \pi_{\theta_i}(s_{\mathcal{I}_O^j}) \sum_{j \in \mathcal{I}_{\text{GD}}^i} \nabla_{a_i} r_j \Big|_{a_i} + \gamma \sum_{j \in \mathcal{I}_{\text{GD}}^i} \int_{s' \in \mathcal{S}} \nabla_{\theta_i} [p(s'|s, \pi_{\theta}(s)) V^{\pi_{\theta_j}}(s')] ds'",
             "=", l27a, "interchanging gradient and integral", tol=FD),
        Step(r"= \nabla_{\theta_i} \pi_{\theta_i} \sum_{j} \nabla_{a_i} r_j \Big|_{a_i} + \gamma \sum_{j} \int p(s'|s, \pi_{\theta}(s)) [\nabla_{\theta_i} V^{\pi_{\theta_j}}(s')] ds' + \gamma \sum_{j} \int \nabla_{\theta_i} \pi_{\theta_i} \nabla_{a_i} p(s'|s, \pi_{\theta}(s)) \Big|_{a_i} V^{\pi_{\theta_j}}(s') ds'",
             "=", l27b, "product rule", tol=FD),
        Step(r"= \nabla_{\theta_i} \pi_{\theta_i}(s_{\mathcal{I}_O^j}) \sum_{j} \nabla_{a_i} \left[ r_j + \gamma \int p(s'|s, \pi_{\theta}(s)) V^{\pi_{\theta_j}}(s') ds' \right]_{a_i} + \gamma \sum_{j} \int p(s'|s, \pi_{\theta}(s)) \nabla_{\theta_i} V^{\pi_{\theta_j}}(s') ds' \quad (27)",
             "=", l27c, "collecting the a_i-derivatives", tol=FD),
        Step(r"= \nabla_{\theta_i} \pi_{\theta_i}(s_{\mathcal{I}_O^j}) \nabla_{a_i} \widehat{Q}_i^{\pi}(s, a) \Big|_{a_i} + \gamma \int_{s' \in \mathcal{S}} p(s'|s, \pi_{\theta}(s)) \nabla_{\theta_i} \sum_{j \in \mathcal{I}_{\text{GD}}^i} V^{\pi_{\theta_j}}(s') ds' \quad (28)",
             "=", l28, "definition of Qhat_i"),
        Step(r"\nabla_{\theta_i} V^{\pi_{\theta}}(s)", "start", l24a, "central differences (phi(s) := grad pi_i grad_{a_i} Qhat_i)"),
        Step(r"= \phi(s) + \gamma \int_{s' \in \mathcal{S}} \rho^{\pi_{\theta}}(s \rightarrow s', 1) \nabla_{\theta_i} V^{\pi_{\theta}}(s') ds'", "=",
             l30a, "(28) with grad sum_GD V_j = grad V (Theorem 3.6)", tol=FD),
        Step(r"= \phi(s) + \gamma \int \rho^{\pi_{\theta}}(s \rightarrow s', 1) \phi(s') ds' + \gamma^2 \int \rho^{\pi_{\theta}}(s \rightarrow s', 1) \int \rho^{\pi_{\theta}}(s' \rightarrow s'', 1) \nabla_{\theta_i} V^{\pi_{\theta}}(s'') ds'' ds' \quad (30)",
             "=", l30b, "unrolling once", tol=FD),
        Step(r"= \phi(s) + \gamma \int \rho^{\pi_\theta}(s \rightarrow s', 1) \phi(s') \big|_{a'_i} ds' + \gamma^2 \int_{s''} \int_{s'} \rho^{\pi_\theta}(s \rightarrow s', 1) \rho^{\pi_\theta}(s' \rightarrow s'', 1) \nabla_{\theta_i} V^{\pi_\theta}(s'') ds' ds'' \quad (31)",
             "=", l30b, "Fubini"),
        Step(r"= \phi(s) + \gamma \int_{s' \in \mathcal{S}} \rho^{\pi_\theta}(s \rightarrow s', 1) \phi(s') \gamma^2 \int_{s'' \in \mathcal{S}} \rho^{\pi_\theta}(s \rightarrow s'', 2) \phi(s'') + \dots \quad (32)",
             "=", l32, "unrolling", tol=FD, garbled="the '+' before gamma^2 is missing; the series is transcribed"),
        Step(r"= \int_{s' \in \mathcal{S}} \sum_{k=0}^{\infty} \gamma^k \rho^{\pi_\theta}(s \rightarrow s', k) \phi(s') ds'. \quad (33)",
             "=", l33, "the series in closed form"),
        Step(r"\nabla_{\theta_i} J(\theta) = \nabla_{\theta_i} \int_{s' \in \mathcal{S}} p(s) V^{\pi_\theta}(s') ds' \quad (34)", "start", l34,
             "central differences of J", garbled="p(s) V(s') with mismatched variables: read as int p(s) V(s) ds"),
        Step(r"= \int_{s \in \mathcal{S}} p(s) \int_{s' \in \mathcal{S}} \sum_{k=0}^{\infty} \gamma^k \rho^{\pi_\theta}(s \rightarrow s', k) \phi(s') ds' ds \quad (35)",
             "=", l35, "(33), Leibniz and Fubini", tol=FD),
        Step(r"= \int_{s' \in \mathcal{S}} \int_{s \in \mathcal{S}} \gamma^k p(s) \sum_{k=0}^{\infty} \rho^{\pi_\theta}(s \rightarrow s', k) \phi(s') ds ds'. \quad (36)",
             "=", l36, "Fubini", garbled="gamma^k stands outside the sum over k (k unbound there); read inside, as in (35)"),
        Step(r"\nabla_{\theta_i} J(\theta) = \int_{s' \in \mathcal{S}} \left( \int_{s' \in \mathcal{S}} \eta(s') \right) \int_{s \in \mathcal{S}} p(s) \frac{\eta(s')}{\int_{s' \in \mathcal{S}} \eta(s')} \phi(s') ds ds' \quad (37)",
             "=", l35, "multiply and divide by int eta"),
        Step(r"\propto \int_{s' \in \mathcal{S}} \int_{s \in \mathcal{S}} p(s) \frac{\eta(s')}{\int_{s' \in \mathcal{S}} \eta(s')} \phi(s') ds' \quad (38)",
             "propto", l38, "int eta is a constant (\"equal to the length of episode in episodic case and 1 in continuous case\")",
             note="the constant is 1/(1-gamma) for the discounted return, not 1"),
        Step(r"= \int_{s' \in \mathcal{S}} d^\pi(s') \nabla_{\theta_i} \pi_{\theta_i}(s'_{\mathcal{I}_O^i}) \nabla_{a'_i} \widehat{Q}_i^\pi(s', a') \big|_{a'_i = \pi_{\theta_i}(s'_{\mathcal{I}_O^i})} ds' \quad (39)",
             "=", l38, "d^pi(s') := int p(s) eta(s') / int eta"),
        Step(r"= \mathbb{E}_{s'_{\mathcal{I}_{\widehat{Q}}^i} \sim d^\pi(s'_{\mathcal{I}_{\widehat{Q}}^i})} \left[ \nabla_{\theta_i} \pi_{\theta_i}(s'_{\mathcal{I}_O^i}) \nabla_{a'_i} \widehat{Q}_i^\pi(s'_{\mathcal{I}_{\widehat{Q}}^i}, a'_{\mathcal{I}_{\widehat{Q}}^i}) \big|_{a'_i = \pi_{\theta_i}(s'_{\mathcal{I}_O^i})} \right] \quad (40)",
             "=", lambda c: (1 - c["g"]) * phi_second(c, disc_second_iter(c, c["lq"]["Sigma0"])),
             "Theorem 3.2: the integrand depends on s only through s_{I_Qhat^i}"),
    ],
    notes="Every line holds, but (38) is a 'proportional to' and the theorem says '=': with the normalised d^pi the proof "
          "defines, the right-hand side is (1-gamma) times the gradient (the 'constant ... 1 in continuous case').",
)
