r"""bnac Appendix A, proof of Lemma A.5 (monotone improvement under the step size bound).  A prose proof:

"Since V(theta) is 8N(r_max - r_min)/(1-gamma)^3-smooth, we know that with learning rate eta <= (1-gamma)^3 /
(8N(r_max - r_min)), V is monotonic increasing and therefore Q is also monotonic increasing."

Its three assertions are the steps: (i) the smoothness (the Hessian's spectral norm at theta, Lemma A.3);
(ii) V increases under one parallel step at the largest allowed eta, read both as V(mu) (what the ascent lemma
gives) and per state V(s) (what the lemma states); (iii) Q(s, a) increases.  Instances: random BN games with team
rewards and random softmax parameters; the step uses the exact gradient (verify.gradients.bn_pg_corrected);
the Hessian is central differences of that gradient (verify.proofs.hessian_fd).
"""
import numpy as np

from verify.proofs import Step, Transcript, bn_context, bn_sampler, hessian_fd
from verify.evaluation import q_values, value, value_mu
from verify.gradients import bn_pg_corrected


def sample(rng):
    return bn_sampler(action=(2, 3))(rng)


def build(spec):
    ctx = bn_context(spec)
    game, pol = ctx["game"], ctx["policy"]
    R = float(game.r_max - game.r_min)
    beta = 8 * game.n_agents * R / (1 - game.gamma) ** 3
    eta = 1.0 / beta if R > 0 else 0.0
    nxt = pol.with_thetas([th + eta * g for th, g in zip(pol.thetas, bn_pg_corrected(game, pol))])
    ctx.update(R=R, beta=beta, eta=eta, H=hessian_fd(game, pol), V0=value(game, pol), V1=value(game, nxt),
               Q0=q_values(game, pol), Q1=q_values(game, nxt), Vmu0=value_mu(game, pol), Vmu1=value_mu(game, nxt))
    if R <= 0:
        ctx["trivial"] = "a constant reward"
    return ctx


def theorem_check(ctx):
    tol = 1e-12 * (1 + np.abs(ctx["Q0"]).max())
    dv, dq = float((ctx["V0"] - ctx["V1"]).max()), float((ctx["Q0"] - ctx["Q1"]).max())
    return max(dv, dq) <= tol, f"largest decrease: V(s) {dv:.3g}, Q(s,a) {dq:.3g}"


MONO = (1e-9, 1e-12)


def moved(c):
    """The step changes V(mu) by more than 10x the comparison tolerance (else '>=' could not fail)."""
    return abs(c["Vmu1"] - c["Vmu0"]) > 10 * (MONO[1] + MONO[0] * abs(c["Vmu0"]))
TRANSCRIPT = Transcript(
    id="bnac:lemma-a.5/proof", paper="bnac", location="Appendix A, proof of Lemma A.5", theorem_claim_id="bnac:lemma-a.5",
    statement=r"V^{t+1}(s) \ge V^t(s); Q^{t+1}(s, a) \ge Q^t(s, a)",
    statement_expr=lambda c: c["Q0"], statement_relation=">=", sample=sample, build=build, instances=8,
    theorem_check=theorem_check, prose=True, printed_lines=3,
    steps=[
        Step(r"\|\nabla^2_\theta V(\theta)\|_2", "start", lambda c: np.linalg.norm(c["H"], 2),
             "the Hessian's spectral norm at theta (central differences of the exact gradient)"),
        Step(r"V(\theta) \text{ is } \frac{8N(r_{\max}-r_{\min})}{(1-\gamma)^3}\text{-smooth}", "<=", lambda c: c["beta"],
             "Lemma A.3", tol=(1e-6, 1e-8)),
        Step(r"V^{t+1}(\mu) \quad (\eta = (1-\gamma)^3/(8N(r_{\max}-r_{\min})))", "start", lambda c: c["Vmu1"],
             "one parallel step of every agent at the largest allowed eta"),
        Step(r"\text{with learning rate } \eta \leq \frac{(1-\gamma)^3}{8N(r_{\max}-r_{\min})}, V \text{ is monotonic increasing} \quad (\ge V^t(\mu))",
             ">=", lambda c: c["Vmu0"], "the ascent lemma for a beta-smooth function", tol=MONO,
             nontrivial=moved),
        Step(r"V^{t+1}(s)", "start", lambda c: c["V1"], "the per-state values after the step"),
        Step(r"V \text{ is monotonic increasing} \quad (\ge V^t(s) \text{ for every } s)", ">=", lambda c: c["V0"],
             "(read per state, as the lemma states it)", tol=MONO, nontrivial=moved,
             note="the smoothness argument gives V(mu) only; per-state monotonicity is not implied by it (it holds on the "
                  "instances: the lemma's claim is checked separately as bnac:lemma-a.5)"),
        Step(r"Q^{t+1}(s, a)", "start", lambda c: c["Q1"], "the Q values after the step"),
        Step(r"\text{therefore } Q \text{ is also monotonic increasing} \quad (\ge Q^t(s, a))", ">=", lambda c: c["Q0"],
             "Q = r + gamma P V", tol=MONO, nontrivial=moved,
             note="follows from V(s') increasing for every s' (Q = r + gamma P V), not from V(mu) increasing"),
    ],
    notes="A prose proof of three assertions. The smoothness gives the ascent lemma for V(mu); the lemma states V(s) and "
          "Q(s, a) for every s, a, which the argument does not reach (a gap, not a failure: they hold on the instances).",
)
