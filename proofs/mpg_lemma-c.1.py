r"""mpg Appendix C.2, proof of Lemma C.1 (F_s(theta_s) = pi_{theta_s} . c_s is N max(5, sqrt N)||c||_inf-smooth).

Instances: N agents at one state, random logits theta_s^i and a random vector c over joint actions.
Gradients are exact (b^i := E_{a^{-i}} c(a^i, a^{-i}), grad_i F = pi^i * b^i - (pi^i . b^i) pi^i); the
Hessian is central differences of that gradient.  (The lemma's constant is lost in extraction: "is -smooth";
the constant is taken from the proof's last line.)
"""
import numpy as np

from verify.proofs import NotEvaluable, Step, Transcript


def sample(rng):
    N = int(rng.integers(1, 4))
    return {"action_sizes": [int(x) for x in rng.integers(1, 4, size=N)], "seed": int(rng.integers(0, 2**31 - 1)),
            "scale": float(rng.choice([0.5, 2.0, 5.0])), "c_kind": str(rng.choice(["signed", "ones"]))}


def _pis(th):
    return [np.exp(t - t.max()) / np.exp(t - t.max()).sum() for t in th]


def _b(pis, c, i):
    """b^i = E_{a^{-i} ~ pi^{-i}} c(a^i, a^{-i}): contract every axis but i."""
    x = c
    for j in range(len(pis) - 1, -1, -1):
        if j != i:
            x = np.tensordot(x, pis[j], axes=([j], [0]))
    return x


def grad(th, c):
    pis = _pis(th)
    g = []
    for i, p in enumerate(pis):
        b = _b(pis, c, i)
        g.append(p * b - (p @ b) * p)
    return np.concatenate(g)


def build(spec):
    rng = np.random.default_rng(spec["seed"])
    A = spec["action_sizes"]
    th = [spec["scale"] * rng.standard_normal(a) for a in A]
    c = rng.uniform(-1, 1, size=A) if spec["c_kind"] == "signed" else np.ones(A)
    x = np.concatenate(th)
    sl = np.cumsum([0] + A)
    split = lambda v: [v[sl[k]:sl[k + 1]] for k in range(len(A))]
    n, h = x.size, 1e-5
    H = np.zeros((n, n))
    for k in range(n):
        e = np.zeros(n)
        e[k] = h
        H[:, k] = (grad(split(x + e), c) - grad(split(x - e), c)) / (2 * h)
    H = (H + H.T) / 2
    pis = _pis(th)
    i = int(rng.integers(0, len(A)))
    return {"th": th, "c": c, "H": H, "sl": sl, "pis": pis, "i": i, "b": _b(pis, c, i), "N": len(A),
            "cinf": np.abs(c).max()}


def hess_ii(ctx):
    s = slice(ctx["sl"][ctx["i"]], ctx["sl"][ctx["i"] + 1])
    return ctx["H"][s, s]


def printed_ii(ctx):
    p, b = ctx["pis"][ctx["i"]], ctx["b"]
    dp = np.diag(p) - np.outer(p, p)
    grad_pb = p * b - (p @ b) * p
    return np.diag(p * b) - np.outer(p, p * b) - (p @ b) * dp - np.outer(grad_pb, p)


def theorem_check(ctx):
    nrm = np.linalg.norm(ctx["H"], 2)
    bound = ctx["N"] * max(5, np.sqrt(ctx["N"])) * ctx["cinf"]
    return nrm <= bound * (1 + 1e-9), f"||Hessian||_2 = {nrm:.4g}, bound {bound:.4g}"


TRANSCRIPT = Transcript(
    id="mpg:lemma-c.1/proof", paper="mpg", location="Appendix C.2", theorem_claim_id="mpg:lemma-c.1",
    statement=r"\left\|\nabla_{\theta_s}^2 F_s(\theta_s) \right\|_2 \le N \max(5, \sqrt{N}) \left\|c \right\|_{\infty}",
    statement_expr=lambda c: c["N"] * max(5, np.sqrt(c["N"])) * c["cinf"], statement_relation="<=",
    sample=sample, build=build, instances=6, theorem_check=theorem_check,
    steps=[
        Step(r"\nabla^2_{\theta^i_s \theta^i_s} F_s(\theta_s)", "start", hess_ii, "the diagonal block (central differences)"),
        Step(r"= \operatorname{diag}(\pi_{\theta_s^i}^i \odot b) - \pi_{\theta_s^i}^i(\pi_{\theta_s^i}^i \odot b)^\top - (\pi_{\theta_s^i}^i \cdot b)\nabla_{\theta_s^i}(\pi_{\theta_s^i}^i) - (\nabla_{\theta_s^i}(\pi_{\theta_s^i}^i \cdot b))(\pi_{\theta_s^i}^i)^\top",
             "=", printed_ii, "product rule, b = (pi^{-i} (x) I)^T M^i c", tol=(1e-6, 1e-8)),
        Step(r"|\pi^{i}_{\theta^{i}_{s}}\cdot b| \leq \|b\|_{\infty}", "start", lambda c: np.abs(c["b"]).max(), "b is an average of entries of c"),
        Step(r"\|b\|_{\infty} = \|c\|_{\infty}", "=", lambda c: c["cinf"], "(none given)", note="only <= holds"),
        Step(r"\left\| \nabla_{\theta_s^i \theta_s^i}^2 F_s(\theta_s) \right\|_2", "start", lambda c: np.linalg.norm(hess_ii(c), 2),
             "the spectral norm of the diagonal block"),
        Step(r"\le 5 \left\| c \right\|_{\infty}", "<=", lambda c: 5 * c["cinf"], "the four terms, with the bounds above"),
        Step(r"\left\|M^{j}M^{i}c_{s}\right\|_{2}", "start", lambda c: np.linalg.norm(c["c"]), "permutations preserve the 2-norm"),
        Step(r"\leq \sqrt{N}\left\|c\right\|_{\infty}", "<=", lambda c: np.sqrt(c["N"]) * c["cinf"], "(none given)",
             note="c has |A| entries: ||c||_2 <= sqrt(|A|) ||c||_inf, and |A| can exceed N"),
        Step(r"\nabla^2_{\theta^i_s \theta^j_s} F_s(\theta_s) \quad (j \neq i), \text{ its spectral norm}", "start",
             lambda c: _offdiag(c), "the off-diagonal blocks"),
        Step(r"\|\nabla^2_{\theta^i_s \theta^j_s} F_s(\theta_s)\| \leq \sqrt{N} \|c\|_\infty", "<=",
             lambda c: np.sqrt(c["N"]) * c["cinf"], "(10) and the lines above",
             garbled="the extracted lines (10)-(671) are unreadable; the evident bound is transcribed"),
        Step(r"\left\| \nabla_{\theta_s}^2 F_s(\theta_s) \right\|_2", "start", lambda c: np.linalg.norm(c["H"], 2), "the Hessian"),
        Step(r"\le N \max(5, \sqrt{N}) \left\| c \right\|_{\infty}", "<=", lambda c: c["N"] * max(5, np.sqrt(c["N"])) * c["cinf"],
             "Claim C.2 of Leonardos et al. (block bound L gives NL)"),
    ],
)


def _offdiag(ctx):
    sl, N = ctx["sl"], ctx["N"]
    if N < 2:
        raise NotEvaluable("one agent: no off-diagonal block")
    return max(np.linalg.norm(ctx["H"][sl[a]:sl[a + 1], sl[b]:sl[b + 1]], 2) for a in range(N) for b in range(N) if a != b)
