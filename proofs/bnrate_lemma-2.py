r"""bnrate Appendix A.2, proof of Lemma 2 (approximate stationary points of L_lambda are 2 lambda M - Nash).

Scalar symbols at one entry (s, a^{P^i}, a^i) with A >= 0: g = dL/dtheta, p = pi^i(a^i|s,a^P),
dd = d(s, a^P), Adv = A^i(s,a^P,a^i), AP = |A^{P^i}|, Ai = |A^i|, Aj = |A|, Amax = max_j |A^j|,
the symbol points of line 2 stand for a realizable game (SIZES).

Line (i) and the performance-difference lines are replayed on BN instances: theta_* = theta (the policy of the
lemma) random, agent i random, theta_*^i = [theta_*^{-i}, theta~^i] a random deviation of agent i; every PDL line
is a scalar (the value difference at mu); d is the paper's unnormalized d^pi_mu; conditionings as printed.  The
hypothesis the PDL chain uses, the advantage bound (5) for theta, is met by construction: lambda is set to
kappa * max_{s,a^P,a^i} A^i_theta d(s,a^P) |S||A^P| / (2(1-gamma)), kappa in {1, 2}, so that (5) holds.
"""
import numpy as np

from verify.proofs import Skip, Step, Transcript, bn_context, bn_sampler, deviation_grid, fd_grad
from verify.gradients import bnrate_lemma_1
from verify.policies import BNPolicy

SYMS = {"lam": "pos", "S": "posint", "Aj": "posint", "Amax": "posint", "AP": "posint", "Ai": "posint",
        "Aq": "posint", "Ao": "posint", "Kp": "posint", "Kr": "posint", "g": "real", "p": "unit", "dd": "pos", "Adv": "nonneg", "gamma": "unit",
        "pe": "nonneg", "ge": "nonneg", "M": "pos", "rho": "pos", "k": "posint"}
# a realizable game: agent i with Ai actions, Kp parents with Aq actions each, Kr other agents with Ao each
SIZES = {"Aj": "Aq**Kp*Ai*Ao**Kr", "AP": "Aq**Kp", "Amax": "Max(Ai, Aq, Ao)"}
EPS = "lam/(2*S*AP*Ai)"


def sample(rng):
    spec = bn_sampler(action=(2, 3))(rng)
    with_parents = [j for j, ps in enumerate(spec["dag"]) if ps]
    pick_parents = with_parents and rng.uniform() < 0.75   # the PDL lines over a^P are trivial when |A^{P^i}| = 1
    spec["agent"] = int(rng.choice(with_parents)) if pick_parents else int(rng.integers(0, spec["n_agents"]))
    spec["kappa"] = float(rng.choice([1.0, 2.0]))
    spec["dev_seed"] = int(rng.integers(0, 2**31 - 1))
    spec["dev_scale"] = float(rng.choice([0.5, 1.0, 3.0]))
    return spec


def build(spec):
    ctx = bn_context({k: v for k, v in spec.items() if k not in ("agent", "kappa", "dev_seed", "dev_scale")})
    game, pol, i = ctx["game"], ctx["policy"], spec["agent"]
    thetas = list(pol.thetas)
    thetas[i] = spec["dev_scale"] * np.random.default_rng(spec["dev_seed"]).standard_normal(thetas[i].shape)
    g = deviation_grid(game, pol, pol.with_thetas(thetas), i)
    S, c = game.n_states, 1.0 / (1.0 - game.gamma)
    dP = g["d"][:, None] * g["m"]                                   # d(s, a^P) = d(s) pibar^P(a^P|s)
    Ai = g["Qi"] - g["QiP"][..., None]                               # A^i_theta(s, a^P, a^i)
    lam = spec["kappa"] * max(float((Ai * dP[..., None]).max()) * S * g["nP"] / (2 * (1 - game.gamma)), 1e-6)
    ctx.update(i=i, g=g, c=c, lam=lam, dP=dP, Ai_base=Ai,
               fdL=fd_grad(game, pol, barrier=lam)[i],
               lemma1=bnrate_lemma_1(game, pol, lam)[i])
    return ctx


def pdl(c, key):
    """The PDL lines as printed (c = 1/(1-gamma), g the deviation grid, ' the deviated policy theta_*^i)."""
    g, k, S, nP, lam = c["g"], c["c"], c["S"], c["g"]["nP"], c["lam"]
    V = g["V"]
    pi2 = g["m"][..., None, None] * g["loc2"][..., None] * g["w"]
    if key == 1:
        return g["V2mu"] - g["Vmu"]
    if key == 2:   # E_{s~d'} E_{a~pi'} [A_{theta_*^i}(s, a)]: the deviation's own advantage, as printed
        return k * float(np.einsum("s,spxr,spxr->", g["d2"], pi2, g["Q2"] - g["V2"][:, None, None, None]))
    if key in (3, 4):   # Q_{theta_*^i}(s, a^P, a^i, a^{-P}) - V_{theta_*}(s), a^{-P} drawn given (s, a^P) only
        wp = g["wp2"] if key == 3 else g["wp"]
        inner = np.einsum("spr,spxr->spx", wp, g["Q2"]) - V[:, None, None]
        return k * float(np.einsum("s,sp,spx,spx->", g["d2"], g["m"], g["loc2"], inner))
    first = k * float(np.einsum("s,sp,spx,spx->", g["d2"], g["m"], g["loc2"], g["Qi2"] - g["QiP2"][..., None]))
    second = k * float(np.einsum("s,sp,sp->", g["d2"], g["m"], g["QiP2"] - V[:, None]))
    if key in (5, 6, 7):   # Q^i_{theta_*^i}(s,a^P,a^i) - V, = A^i + Q^i(s,a^P) - V, split into the two terms
        return first + second
    if key == 8:   # the first term bounded by (5), printed with 2(1-lambda)lambda
        bound = 2 * (1 - lam) * lam / (c["dP"] * S * nP)
        return k * float(np.einsum("s,sp,spx,sp->", g["d2"], g["m"], g["loc2"], bound)) + second
    if key in (9, 10):   # 2(1-gamma)lambda/(d(s,a^P)|S||A^P|) = .../(d(s) pibar^P(a^P|s) |S||A^P|); no second term
        return k * float(np.einsum("s,sp,sp->", g["d2"], g["m"], 2 * (1 - c["gamma"]) * lam / (c["dP"] * S * nP)))
    if key in (11, 12):   # E_{s~d'} 2 lambda/(d(s)|S||A^P|) = sum_s d'(s) 2 lambda/(d(s)|S||A^P|)
        return float(g["d2"] @ (2 * lam / (g["d"] * S * nP)))
    if key == 13:   # 2 lambda/|A^P| max_s d'(s)/d(s)
        return 2 * lam / nP * float((g["d2"] / g["d"]).max())
    raise KeyError(key)

TRANSCRIPT = Transcript(
    id="bnrate:lemma-2/proof", paper="bnrate", location="Appendix A.2", theorem_claim_id="bnrate:lemma-2",
    statement=r"the BN (joint) policy \pi_\theta is a 2\lambda M-Nash policy", statement_expr="2*lam*M",
    statement_relation="<=", symbols=SYMS, sample=sample, build=build, instances=8,
    printed_lines=24,
    skipped=[Skip("By definition of epsilon-Nash, ... is a 2 lambda M-Nash policy",
                  "the conclusion drawn from the chain (its relation and bound are checked as conclusion = statement)", 1)],
    steps=[
        Step(r"\lambda / (2|\mathcal{S}||\mathcal{A}| \max_j |\mathcal{A}^j|)", "start", "lam/(2*S*Aj*Amax)", "Lemma 2's hypothesis"),
        Step(r"\geq \lambda / (2|\mathcal{S}||\mathcal{A}^{\mathcal{P}^i}||\mathcal{A}^i|) =: \epsilon_{\text{opt}}", ">=",
             "lam/(2*S*AP*Ai)", "(none given)", given=SIZES,
             note="|A| max_j |A^j| >= |A^{P^i}||A^i|, so the inequality goes the other way"),
        Step(r"\geq \frac{\partial L_\lambda(\theta)}{\partial \theta^i_{s, a^{\mathcal{P}^i}, a^i}}", ">=", None,
             "the hypothesis on the gradient norm", why="a hypothesis (an entry is at most the 2-norm)"),
        Step(r"\frac{\partial L_\lambda(\theta)}{\partial \theta^i_{s, a^{\mathcal{P}^i}, a^i}} \quad \text{(the previous line, restated)}",
             "start", lambda c: c["fdL"], "the gradient of L_lambda (finite differences of the exact L_lambda)"),
        Step(r"\stackrel{(i)}{=} \frac{1}{1-\gamma} d_\mu^{\pi_\theta}(s, a^{\mathcal{P}^i}) \pi_{\theta^i}^i(a^i | s, a^{\mathcal{P}^i}) A_\theta^i(s, a^{\mathcal{P}^i}, a^i) + \frac{\lambda}{|\mathcal{S}||\mathcal{A}^{\mathcal{P}^i}|} \left( \frac{1}{|\mathcal{A}^i|} - \pi_{\theta^i}^i(a^i | s, a^{\mathcal{P}^i}) \right)",
             "=", lambda c: c["lemma1"], "Lemma 1", tol=(1e-6, 1e-8),
             note="Lemma 1 with bnrate's unnormalized d: the policy-gradient term is off by the factor 1/(1-gamma) "
                  "(bnrate:lemma-1/proof line 4)"),
        Step(r"\frac{1}{1-\gamma} d \pi A + \frac{\lambda}{|\mathcal{S}||\mathcal{A}^{\mathcal{P}^i}|} ( \frac{1}{|\mathcal{A}^i|} - \pi )", "start",
             "dd*p*Adv/(1-gamma) + lam/(S*AP)*(1/Ai - p)", "(i), the previous line"),
        Step(r"\geq \frac{\lambda}{|\mathcal{S}||\mathcal{A}^{\mathcal{P}^i}|} \left( \frac{1}{|\mathcal{A}^i|} - \pi_{\theta^i}^i(a^i | s, a^{\mathcal{P}^i}) \right)", ">=",
             "lam/(S*AP)*(1/Ai - p)", "A >= 0"),
        Step(r"\epsilon_{\text{opt}} \geq \frac{\lambda}{|\mathcal{S}||\mathcal{A}^{\mathcal{P}^i}|} ( \frac{1}{|\mathcal{A}^i|} - \pi ) \text{, solved for } \pi", "start",
             "solve_for(p, lam/(2*S*AP*Ai) - lam/(S*AP)*(1/Ai - p))", "by rearranging (the boundary value of pi)"),
        Step(r"\pi_{\theta^i}^i(a^i | s, a^{\mathcal{P}^i}) \geq 1/2|\mathcal{A}^i| \quad (4)", "=", "1/(2*Ai)", "rearranging"),
        Step(r"A_\theta^i \text{ solved from (i)}", "start",
             "solve_for(Adv, g - (dd*p*Adv/(1-gamma) + lam/(S*AP)*(1/Ai - p)))", "solving (i) for A"),
        Step(r"= \frac{1-\gamma}{d_\mu^{\pi_\theta}(s, a^{\mathcal{P}^i})} \left( \frac{1}{\pi_{\theta^i}^i(a^i | s, a^{\mathcal{P}^i})} \frac{\partial L_\lambda(\theta)}{\partial \theta_{s, a^{\mathcal{P}^i}, a^i}^i} + \frac{\lambda}{|\mathcal{S}||\mathcal{A}^{\mathcal{P}^i}|} \left( 1 - \frac{1}{\pi_{\theta^i}^i(a^i | s, a^{\mathcal{P}^i})|\mathcal{A}^i|} \right) \right)",
             "=", "(1-gamma)/dd*(g/p + lam/(S*AP)*(1 - 1/(p*Ai)))", "algebra"),
        Step(r"\leq \frac{1-\gamma}{d_\mu^{\pi_\theta}(s, a^{\mathcal{P}^i})} \left( 2|\mathcal{A}^i|\epsilon_{\text{opt}} + \frac{\lambda}{|\mathcal{S}||\mathcal{A}^{\mathcal{P}^i}|} \right) \quad (\pi_{\theta^i}^i(a^i | s, a^{\mathcal{P}^i}) \geq 1/2|\mathcal{A}^i|)",
             "<=", f"(1-gamma)/dd*(2*Ai*{EPS} + lam/(S*AP))", "pi >= 1/(2|A^i|) and dL/dtheta <= eps_opt",
             given={"p": "1/(2*Ai) + pe", "g": f"{EPS} - ge"}),
        Step(r"\leq \frac{2(1-\gamma)\lambda}{d_\mu^{\pi_\theta}(s, a^{\mathcal{P}^i})|\mathcal{S}||\mathcal{A}^{\mathcal{P}^i}|} \quad (\epsilon_{\text{opt}} = \lambda/(2|\mathcal{S}||\mathcal{A}^{\mathcal{P}^i}||\mathcal{A}^i|)) \quad (5)",
             "<=", "2*(1-gamma)*lam/(dd*S*AP)", "eps_opt = lambda/(2|S||A^{P^i}||A^i|)"),
        Step(r"V_{\theta_*^i} - V_{\theta_*}", "start", lambda c: pdl(c, 1), "the value difference (exact)"),
        Step(r"= \frac{1}{1-\gamma} \mathbb{E}_{\bar{s} \sim d_\mu^{\pi_{\theta_*^i}}} \mathbb{E}_{\bar{a} \sim \pi_{\theta_*^i}} \left[ A_{\theta_*^i}(\bar{s}, \bar{a}) \right]",
             "=", lambda c: pdl(c, 2), "performance difference lemma",
             note="the advantage is the deviation theta_*^i's own, whose expectation under pi_{theta_*^i} is 0; the lemma "
                  "needs the base policy theta_*'s advantage (and, with the paper's unnormalized d, no 1/(1-gamma))"),
        Step(r"= \frac{1}{1-\gamma} \mathbb{E}_{\bar{s} \sim d_\mu^{\pi_{\theta_*^i}}(\cdot)} \mathbb{E}_{\bar{a}^{\mathcal{P}^i} \sim \bar{\pi}_{\theta_*^i}^{\mathcal{P}^i}(\cdot | \bar{s})} \mathbb{E}_{\bar{a}^i \sim \pi_{\theta_*^i}^i(\cdot | \bar{s}, \bar{a}^{\mathcal{P}^i})} \mathbb{E}_{\bar{a}^{-\mathcal{P}^i} \sim \pi_{\theta_*^i}^{-\mathcal{P}^i}(\cdot | \bar{s}, \bar{a}^{\mathcal{P}^i})} \left[ Q_{\theta_*^i}(\bar{s}, \bar{a}^{\mathcal{P}^i}, \bar{a}^i, \bar{a}^{-\mathcal{P}^i}) - V_{\theta_*}(\bar{s}) \right]",
             "=", lambda c: pdl(c, 3), "factor the joint action; A = Q - V",
             note="Q of theta_*^i minus V of theta_*; the other agents are drawn given (s, a^P) only"),
        Step(r"= \frac{1}{1-\gamma} \mathbb{E}_{\bar{s} \sim d_\mu^{\pi_{\theta_*^i}}(\cdot)} \mathbb{E}_{\bar{a}^{\mathcal{P}^i} \sim \bar{\pi}_{\theta_*}^{\mathcal{P}^i}(\cdot | \bar{s})} \mathbb{E}_{\bar{a}^i \sim \pi_{\theta_*^i}^i(\cdot | \bar{s}, \bar{a}^{\mathcal{P}^i})} \mathbb{E}_{\bar{a}^{-\mathcal{P}^i} \sim \pi_{\theta_*}^{-\mathcal{P}^i}(\cdot | \bar{s}, \bar{a}^{\mathcal{P}^i})} \left[ Q_{\theta_*^i}(\bar{s}, \bar{a}^{\mathcal{P}^i}, \bar{a}^i, \bar{a}^{-\mathcal{P}^i}) - V_{\theta_*}(\bar{s}) \right]",
             "=", lambda c: pdl(c, 4), "(theta_*^i)^{-i} = theta_*^{-i}: the parents' marginal and the others' conditionals are theta_*'s"),
        Step(r"= \frac{1}{1-\gamma} \mathbb{E}_{\bar{s} \sim d_\mu^{\pi_{\theta_*^i}}(\cdot)} \mathbb{E}_{\bar{a}^{\mathcal{P}^i} \sim \bar{\pi}_{\theta_*}^{\mathcal{P}^i}(\cdot | \bar{s})} \mathbb{E}_{\bar{a}^i \sim \pi_{\theta_*^i}^i(\cdot | \bar{s}, \bar{a}^{\mathcal{P}^i})} \left[ Q_{\theta_*^i}^i(\bar{s}, \bar{a}^{\mathcal{P}^i}, \bar{a}^i) - V_{\theta_*}(\bar{s}) \right]",
             "=", lambda c: pdl(c, 5), "definition of Q^i"),
        Step(r"= \frac{1}{1-\gamma} \mathbb{E}_{\bar{s} \sim d_\mu^{\pi_{\theta_*^i}}(\cdot)} \mathbb{E}_{\bar{a}^{\mathcal{P}^i} \sim \bar{\pi}_{\theta_*}^{\mathcal{P}^i}(\cdot | \bar{s})} \mathbb{E}_{\bar{a}^i \sim \pi_{\theta_*^i}^i(\cdot | \bar{s}, \bar{a}^{\mathcal{P}^i})} \left[ A_{\theta_*^i}^i(\bar{s}, \bar{a}^{\mathcal{P}^i}, \bar{a}^i) + Q_{\theta_*^i}^i(\bar{s}, \bar{a}^{\mathcal{P}^i}) - V_{\theta_*}(\bar{s}) \right]",
             "=", lambda c: pdl(c, 6), "A^i = Q^i(s, a^P, a^i) - Q^i(s, a^P)"),
        Step(r"= \frac{1}{1-\gamma} \mathbb{E}_{\bar{s} \sim d_\mu^{\pi_{\theta_*^i}}(\cdot)} \mathbb{E}_{\bar{a}^{\mathcal{P}^i} \sim \bar{\pi}_{\theta_*}^{\mathcal{P}^i}(\cdot | \bar{s})} \mathbb{E}_{\bar{a}^i \sim \pi_{\theta_*^i}^i(\cdot | \bar{s}, \bar{a}^{\mathcal{P}^i})} A_{\theta_*^i}^i(\bar{s}, \bar{a}^{\mathcal{P}^i}, \bar{a}^i) + \frac{1}{1-\gamma} \mathbb{E}_{\bar{s} \sim d_\mu^{\pi_{\theta_*^i}}(\cdot)} \mathbb{E}_{\bar{a}^{\mathcal{P}^i} \sim \bar{\pi}_{\theta_*}^{\mathcal{P}^i}(\cdot | \bar{s})} \mathbb{E}_{\bar{a}^i \sim \pi_{\theta_*^i}^i(\cdot | \bar{s}, \bar{a}^{\mathcal{P}^i})} \left[ Q_{\theta_*^i}^i(\bar{s}, \bar{a}^{\mathcal{P}^i}) - V_{\theta_*}(\bar{s}) \right]",
             "=", lambda c: pdl(c, 7), "linearity"),
        Step(r"\leq \frac{1}{1-\gamma} \mathbb{E}_{\bar{s} \sim d_\mu^{\pi_{\theta_*^i}}(\cdot)} \mathbb{E}_{\bar{a}^{\mathcal{P}^i} \sim \bar{\pi}_{\theta_*}^{\mathcal{P}^i}(\cdot | \bar{s})} \mathbb{E}_{\bar{a}^i \sim \pi_{\theta_*^i}^i(\cdot | \bar{s}, \bar{a}^{\mathcal{P}^i})} \frac{2(1-\lambda)\lambda}{d_\mu^{\pi_\theta}(\bar{s}, \bar{a}^{\mathcal{P}^i})|\mathcal{S}||\mathcal{A}^{\mathcal{P}^i}|} + \frac{1}{1-\gamma} \mathbb{E}_{\bar{s} \sim d_\mu^{\pi_{\theta_*^i}}(\cdot)} \mathbb{E}_{\bar{a}^{\mathcal{P}^i} \sim \bar{\pi}_{\theta_*}^{\mathcal{P}^i}(\cdot | \bar{s})} \left[ Q_{\theta_*^i}^i(\bar{s}, \bar{a}^{\mathcal{P}^i}) - V_{\theta_*}(\bar{s}) \right]",
             "<=", lambda c: pdl(c, 8), "the advantage bound (5)",
             note="(5) bounds the advantage of theta (= theta_*), but the line applies it to A^i_{theta_*^i}, the deviation's; "
                  "and it prints 2(1-lambda)lambda where (5) has 2(1-gamma)lambda"),
        Step(r"= \frac{1}{1-\gamma} \mathbb{E}_{\bar{s} \sim d_\mu^{\pi_{\theta_*^i}}(\cdot)} \mathbb{E}_{\bar{a}^{\mathcal{P}^i} \sim \bar{\pi}_{\theta_*}^{\mathcal{P}^i}(\cdot | \bar{s})} \frac{2(1-\gamma)\lambda}{d_\mu^{\pi_{\theta_*}}(\bar{s}, \bar{a}^{\mathcal{P}^i})|\mathcal{S}||\mathcal{A}^{\mathcal{P}^i}|}",
             "=", lambda c: pdl(c, 9), "(none given)",
             note="the second term E[Q^i_{theta_*^i}(s, a^P) - V_{theta_*}(s)] of the previous line is dropped (it is "
                  "V_{theta_*^i} - V_{theta_*} again up to weights, not 0), and 2(1-lambda) becomes 2(1-gamma)"),
        Step(r"= \frac{1}{1-\gamma} \mathbb{E}_{\bar{s} \sim d_\mu^{\pi_{\theta_*^i}}(\cdot)} \mathbb{E}_{\bar{a}^{\mathcal{P}^i} \sim \bar{\pi}_{\theta_*}^{\mathcal{P}^i}(\cdot | \bar{s})} \frac{2(1-\gamma)\lambda}{d_\mu^{\pi_{\theta_*}}(s) \bar{\pi}_{\theta_*}^{\mathcal{P}^i}(\cdot | s) |\mathcal{S}||\mathcal{A}^{\mathcal{P}^i}|}",
             "=", lambda c: pdl(c, 10), "d(s, a^P) = d(s) pibar^P(a^P|s)"),
        Step(r"= \mathbb{E}_{\bar{s} \sim d_\mu^{\pi_{\theta_*^i}}(\cdot)} \frac{2\lambda}{d_\mu^{\pi_{\theta_*}}(\bar{s}) |\mathcal{S}||\mathcal{A}^{\mathcal{P}^i}|}",
             "=", lambda c: pdl(c, 11), "(none given)",
             note="the expectation over a^P of c/pibar^P(a^P|s) is the sum over the |A^{P^i}| parent actions of c: a factor "
                  "|A^{P^i}| is lost"),
        Step(r"= \sum_{\bar{s}} d_\mu^{\pi_{\theta_*^i}}(\bar{s}) \frac{2\lambda}{d_\mu^{\pi_{\theta_*}}(\bar{s}) |\mathcal{S}||\mathcal{A}^{\mathcal{P}^i}|}",
             "=", lambda c: pdl(c, 12), "definition of the expectation"),
        Step(r"\leq \frac{2\lambda}{|\mathcal{A}^{\mathcal{P}^i}|} \max_s \left( \frac{d_\mu^{\pi_{\theta_*^i}}(s)}{d_\mu^{\pi_{\theta_*}}(s)} \right)", "<=",
             lambda c: pdl(c, 13), "each ratio at most its maximum; |S| terms"),
        Step(r"\frac{2\lambda}{|\mathcal{A}^{\mathcal{P}^i}|} \rho, \quad \rho = \max_s d_\mu^{\pi_{\theta_*^i}}(s)/d_\mu^{\pi_{\theta_*}}(s) \quad \text{(the previous line, restated)}",
             "start", "2*lam/AP*rho", "the previous line with the symbols of the bookkeeping chain"),
        Step(r"\leq \frac{2\lambda}{|\mathcal{A}^{\mathcal{P}^i}|} M \leq 2\lambda M", "<=", "2*lam*M", "rho <= M, |A^{P^i}| >= 1",
             given={"rho": "M"}),
    ],
    notes="The first inequality of the chain is reversed; the PDL bookkeeping loses a factor |A^{P^i}| (harmless for "
          "the final 2 lambda M only because the last step discards 1/|A^{P^i}|).",
)
