r"""bnrate Appendix A, proof of Lemma 4 (L_lambda is beta_lambda-smooth).  A prose proof of three assertions:

(i) "Lemma A.3 in [7] shows that V_theta is 8N(r_max - r_min)/(1-gamma)^3-smooth"; (ii) "from the perspective of the
augmented state, Lemma D.4 in [8] becomes that the regularizer for each agent i is 2 lambda/(|S||A^{P^i}|)-smooth";
(iii) "thus beta_lambda = 8N(r_max - r_min)/(1-gamma)^3 + sum_i 2 lambda/(|S||A^{P^i}|) is an upper bound on the
smoothness of L_lambda".  Each is checked as a bound on a Hessian's spectral norm at a random theta: the Hessian of V
by central differences of the exact gradient (verify.proofs.hessian_fd); the regularizer's Hessian in closed form,
block (s, a^{P^i}) of agent i: -lambda/(|S||A^{P^i}|) (diag(pi) - pi pi^T) (from sum_x log softmax(theta)_x =
sum_x theta_x - |A^i| logsumexp(theta)).
"""
import numpy as np

from verify.proofs import Step, Transcript, bn_context, bn_sampler, hessian_fd, param_blocks


def sample(rng):
    spec = bn_sampler(action=(2, 3))(rng)
    spec["agent"] = int(rng.integers(0, spec["n_agents"]))
    spec["lambda"] = float(rng.choice([0.01, 0.1, 1.0, 10.0]))
    return spec


def barrier_hessian(game, pol, lam, i):
    """Hessian of lambda (sum_{s,a^P,a^i} log pi^i(a^i|s,a^P)/(|S||A^P||A^i|) + log|A^i|) in theta^i (flat)."""
    loc = pol.local(i)
    A = loc.shape[-1]
    blocks = loc.reshape(-1, A)
    nP = blocks.shape[0] // game.n_states
    H = np.zeros((blocks.size, blocks.size))
    for b, p in enumerate(blocks):
        H[b * A:(b + 1) * A, b * A:(b + 1) * A] = -lam / (game.n_states * nP) * (np.diag(p) - np.outer(p, p))
    return H, nP


def build(spec):
    ctx = bn_context({k: v for k, v in spec.items() if k not in ("agent", "lambda")})
    game, pol, lam, i = ctx["game"], ctx["policy"], spec["lambda"], spec["agent"]
    R = float(game.r_max - game.r_min)
    HV = hessian_fd(game, pol)
    HL = HV.copy()
    nPs = []
    for j, sl in enumerate(param_blocks(pol)):
        Hj, nP = barrier_hessian(game, pol, lam, j)
        HL[sl, sl] += Hj
        nPs.append(nP)
    ctx.update(i=i, lam=lam, R=R, HV=HV, HL=HL, Hreg=barrier_hessian(game, pol, lam, i)[0], nP=nPs,
               betaV=8 * game.n_agents * R / (1 - game.gamma) ** 3)
    if R <= 0:
        ctx["trivial"] = "a constant reward"
    return ctx


def beta_lambda(c):
    return c["betaV"] + sum(2 * c["lam"] / (c["S"] * k) for k in c["nP"])


def theorem_check(ctx):
    n = np.linalg.norm(ctx["HL"], 2)
    return n <= beta_lambda(ctx) * (1 + 1e-6), f"||Hessian of L_lambda||_2 = {n:.4g}, beta_lambda = {beta_lambda(ctx):.4g}"


FD = (1e-6, 1e-8)
TRANSCRIPT = Transcript(
    id="bnrate:lemma-4/proof", paper="bnrate", location="Appendix A, proof of Lemma 4", theorem_claim_id="bnrate:lemma-4",
    statement=r"L_\lambda(\theta) \text{ is } \beta_\lambda\text{-smooth}, \beta_\lambda = \frac{8N(r_{\max}-r_{\min})}{(1-\gamma)^3} + \sum_i \frac{2\lambda}{|\mathcal{S}||\mathcal{A}^{\mathcal{P}^i}|}",
    statement_expr=beta_lambda, statement_relation="<=", sample=sample, build=build, instances=8,
    theorem_check=theorem_check, prose=True, printed_lines=3,
    steps=[
        Step(r"\|\nabla^2_\theta V_\theta(\mu)\|_2", "start", lambda c: np.linalg.norm(c["HV"], 2),
             "the Hessian of V (central differences of the exact gradient)"),
        Step(r"V_\theta \text{ is } \frac{8N(r_{\max}-r_{\min})}{(1-\gamma)^3}\text{-smooth}", "<=", lambda c: c["betaV"],
             "Lemma A.3 in [7] (bnac)", tol=FD),
        Step(r"\|\nabla^2_{\theta^i} \lambda \mathbb{E}_{s, a^{\mathcal{P}^i}}[\log \text{-barrier}]\|_2", "start",
             lambda c: np.linalg.norm(c["Hreg"], 2), "the regularizer of agent i (closed form)"),
        Step(r"\text{the regularizer for each agent } i \text{ is } \frac{2\lambda}{|\mathcal{S}||\mathcal{A}^{\mathcal{P}^i}|}\text{-smooth}",
             "<=", lambda c: 2 * c["lam"] / (c["S"] * c["nP"][c["i"]]), "Lemma D.4 in [8] on the augmented state (s, a^{P^i})"),
        Step(r"\|\nabla^2_\theta L_\lambda(\theta)\|_2", "start", lambda c: np.linalg.norm(c["HL"], 2),
             "the Hessian of L_lambda = that of V plus the block-diagonal regularizer Hessian"),
        Step(r"\beta_\lambda = \frac{8N(r_{\max}-r_{\min})}{(1-\gamma)^3} + \sum_i \frac{2\lambda}{|\mathcal{S}||\mathcal{A}^{\mathcal{P}^i}|} \text{ is an upper bound on the smoothness of } L_\lambda(\theta)",
             "<=", beta_lambda, "triangle inequality", tol=FD),
    ],
    notes="A prose proof of three assertions, each a spectral-norm bound at the sampled theta; the regularizer's bound has "
          "room (its Hessian blocks have norm at most lambda/(|S||A^{P^i}|) max pi <= lambda/(|S||A^{P^i}|)).",
)
