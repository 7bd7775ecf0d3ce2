r"""bnrate Appendix A.2, proof of Lemma 2 (approximate stationary points of L_lambda are 2 lambda M - Nash).

Scalar symbols at one entry (s, a^{P^i}, a^i) with A >= 0: g = dL/dtheta, p = pi^i(a^i|s,a^P),
dd = d(s, a^P), Adv = A^i(s,a^P,a^i), AP = |A^{P^i}|, Ai = |A^i|, Aj = |A|, Amax = max_j |A^j|,
Ar = |A|/(|A^{P^i}||A^i|) (the other agents' joint actions), Ex = Amax - Ai.  The performance-difference
lines with expectations are not replayed (see docs/proofs.md); their constant bookkeeping is.
"""
from verify.proofs import Step, Transcript

SYMS = {"lam": "pos", "S": "posint", "Aj": "posint", "Amax": "posint", "AP": "posint", "Ai": "posint",
        "Ar": "posint", "Ex": "nonneg", "g": "real", "p": "unit", "dd": "pos", "Adv": "nonneg", "gamma": "unit",
        "pe": "nonneg", "ge": "nonneg", "M": "pos", "rho": "pos", "k": "posint"}
SIZES = {"Aj": "AP*Ai*Ar", "Amax": "Ai + Ex"}
EPS = "lam/(2*S*AP*Ai)"

TRANSCRIPT = Transcript(
    id="bnrate:lemma-2/proof", paper="bnrate", location="Appendix A.2", theorem_claim_id="bnrate:lemma-2",
    statement=r"the BN (joint) policy \pi_\theta is a 2\lambda M-Nash policy", statement_expr="2*lam*M",
    statement_relation="<=", symbols=SYMS, conclusion_step=17,
    steps=[
        Step(r"\lambda / (2|\mathcal{S}||\mathcal{A}| \max_j |\mathcal{A}^j|)", "start", "lam/(2*S*Aj*Amax)", "Lemma 2's hypothesis"),
        Step(r"\geq \lambda / (2|\mathcal{S}||\mathcal{A}^{\mathcal{P}^i}||\mathcal{A}^i|) =: \epsilon_{\text{opt}}", ">=",
             "lam/(2*S*AP*Ai)", "(none given)", given=SIZES,
             note="|A| max_j |A^j| >= |A^{P^i}||A^i|, so the inequality goes the other way"),
        Step(r"\geq \frac{\partial L_\lambda(\theta)}{\partial \theta^i_{s, a^{\mathcal{P}^i}, a^i}}", ">=", None,
             "the hypothesis on the gradient norm", why="a hypothesis (an entry is at most the 2-norm)"),
        Step(r"\stackrel{(i)}{=} \frac{1}{1-\gamma} d_\mu^{\pi_\theta}(s, a^{\mathcal{P}^i}) \pi_{\theta^i}^i(a^i | s, a^{\mathcal{P}^i}) A_\theta^i(s, a^{\mathcal{P}^i}, a^i) + \frac{\lambda}{|\mathcal{S}||\mathcal{A}^{\mathcal{P}^i}|} \left( \frac{1}{|\mathcal{A}^i|} - \pi_{\theta^i}^i(a^i | s, a^{\mathcal{P}^i}) \right)",
             "=", None, "Lemma 1", why="Lemma 1 itself (replayed in bnrate:lemma-1/proof, where it fails by 1/(1-gamma))"),
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
        Step(r"\frac{1}{1-\gamma} \mathbb{E}_{\bar{a}^{\mathcal{P}^i} \sim \bar{\pi}_{\theta_*}^{\mathcal{P}^i}(\cdot | \bar{s})} \frac{2(1-\gamma)\lambda}{d_\mu^{\pi_{\theta_*}}(s) \bar{\pi}_{\theta_*}^{\mathcal{P}^i}(\cdot | s) |\mathcal{S}||\mathcal{A}^{\mathcal{P}^i}|} \quad \text{(per state } \bar{s}\text{)}",
             "start", "Sum(2*(1-gamma)*lam/(dd*S*AP), (k, 1, AP))/(1-gamma)",
             "the expectation over a^P of c/pi^P(a^P|s) is the sum over a^P of c (dd here is d(s))"),
        Step(r"= \mathbb{E}_{\bar{s} \sim d_\mu^{\pi_{\theta_*^i}}(\cdot)} \frac{2\lambda}{d_\mu^{\pi_{\theta_*}}(\bar{s}) |\mathcal{S}||\mathcal{A}^{\mathcal{P}^i}|} \quad \text{(per state)}",
             "=", "2*lam/(dd*S*AP)", "(none given)",
             note="the sum over the |A^{P^i}| parent actions is dropped: a factor |A^{P^i}| is lost"),
        Step(r"\sum_{\bar{s}} d_\mu^{\pi_{\theta_*^i}}(\bar{s}) \frac{2\lambda}{d_\mu^{\pi_{\theta_*}}(\bar{s}) |\mathcal{S}||\mathcal{A}^{\mathcal{P}^i}|} \quad (\text{each ratio } d'/d \le \rho = \max_s d'/d)",
             "start", "Sum(rho*2*lam/(S*AP), (k, 1, S))", "every ratio at its maximum rho"),
        Step(r"\leq \frac{2\lambda}{|\mathcal{A}^{\mathcal{P}^i}|} \max_s \left( \frac{d_\mu^{\pi_{\theta_*^i}}(s)}{d_\mu^{\pi_{\theta_*}}(s)} \right)", "<=",
             "2*lam/AP*rho", "sum of |S| terms"),
        Step(r"\leq \frac{2\lambda}{|\mathcal{A}^{\mathcal{P}^i}|} M \leq 2\lambda M", "<=", "2*lam*M", "rho <= M, |A^{P^i}| >= 1",
             given={"rho": "M"}),
    ],
    notes="The first inequality of the chain is reversed; the PDL bookkeeping loses a factor |A^{P^i}| (harmless for "
          "the final 2 lambda M only because the last step discards 1/|A^{P^i}|).",
)
