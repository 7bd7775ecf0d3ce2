r"""mpg Appendix D.1, proof of Lemma 3.5 (log-barrier stationary points are 2 lambda M - Nash, product policies).

Scalar symbols at one entry (s, a^i) with A >= 0: g = dL/dtheta, p = pi^i(a^i|s), dd = d(s), Adv = A^i(s, a^i).
Here the gradient form (i) has no 1/(1-gamma): consistent with the paper's unnormalized d (mpg Lemma 3.1).
"""
from verify.proofs import Skip, Step, Transcript

SYMS = {"lam": "pos", "S": "posint", "Ai": "posint", "g": "real", "p": "unit", "dd": "pos", "Adv": "nonneg",
        "pe": "nonneg", "ge": "nonneg", "M": "pos", "rho": "pos", "k": "posint"}
EPS = "lam/(2*S*Ai)"

TRANSCRIPT = Transcript(
    id="mpg:lemma-3.5/proof", paper="mpg", location="Appendix D.1", theorem_claim_id="mpg:lemma-3.5",
    statement=r"V^i_{\pi^i_*, \pi^{-i}}(\mu) - V^i_{\theta}(\mu) \leq 2\lambda M", statement_expr="2*lam*M",
    statement_relation="<=", symbols=SYMS, conclusion_step=13,
    printed_lines=13,
    skipped=[
        Skip("the second copy of the line <= 1/d(s) (2|A^i| eps_opt + lambda/|S|) (printed twice, the second with '|A^i|s')",
             'a duplicate of the previous line', 1),
        Skip('V^i_{pi*, pi^{-i}}(mu) - V^i_theta(mu) = E_s E_{a^i} E_{a^{-i}} [A^i] = sum_s d(s) sum_{a^i} pi*(a^i|s) A^i(s, a^i)',
             "performance-difference expectation lines; only the bound's bookkeeping is replayed", 2),
        Skip('<= 2 lambda max_s (d*/d) <= 2 lambda M',
             'two relations transcribed in one step', 1),
    ],
    steps=[
        Step(r"\lambda/(2|\mathcal{S}||\mathcal{A}^i|) =: \epsilon_{\text{opt}}", "start", EPS, "Lemma 3.5's hypothesis (per entry)",
             note="the hypothesis is lambda/(2|S| max_i |A^i|) <= lambda/(2|S||A^i|): consistent"),
        Step(r"\ge \frac{\partial L_{\lambda}(\theta)}{\partial \theta^i_{s,a^i}}", ">=", None, "the hypothesis", why="a hypothesis"),
        Step(r"\stackrel{(i)}{=} d^{\pi_{\theta}}_{\mu}(s) \pi^i_{\theta^i}(a^i|s) A^i_{\theta}(s,a^i) + \frac{\lambda}{|\mathcal{S}|} \left(\frac{1}{|\mathcal{A}^i|} - \pi^i_{\theta^i}(a^i|s)\right)",
             "=", None, "Lemma 3.1 plus the barrier gradient", why="the gradient form itself (claim mpg:lemma-3.1)"),
        Step(r"d \pi A + \frac{\lambda}{|\mathcal{S}|} (\frac{1}{|\mathcal{A}^i|} - \pi)", "start",
             "dd*p*Adv + lam/S*(1/Ai - p)", "(i)"),
        Step(r"\ge \frac{\lambda}{|\mathcal{S}|} \left(\frac{1}{|\mathcal{A}^i|} - \pi^i_{\theta^i}(a^i|s)\right)", ">=", "lam/S*(1/Ai - p)", "A >= 0"),
        Step(r"\epsilon_{opt} \geq \frac{\lambda}{|\mathcal{S}|}(\frac{1}{|\mathcal{A}^i|} - \pi) \text{ solved for } \pi", "start",
             f"solve_for(p, {EPS} - lam/S*(1/Ai - p))", "by rearranging"),
        Step(r"\pi^i_{\theta^i}(a^i|s) \ge 1/2|\mathcal{A}^i|", "=", "1/(2*Ai)", "rearranging"),
        Step(r"A \text{ solved from (i)}", "start", "solve_for(Adv, g - (dd*p*Adv + lam/S*(1/Ai - p)))", "solving (i) for A"),
        Step(r"A^{i}_{\theta}(s,a^{i}) = \frac{1}{d^{\pi_{\theta}}_{\mu}(s)} \left(\frac{1}{\pi^{i}_{\theta^{i}}(a^{i}|s)} \frac{\partial L_{\lambda}(\theta)}{\partial \theta^{i}_{s,a^{i}}} + \frac{\lambda}{|\mathcal{S}|} \left(1 - \frac{1}{\pi^{i}_{\theta^{i}}(a^{i}|s)|\mathcal{A}^{i}|} \right) \right)",
             "=", "1/dd*(g/p + lam/S*(1 - 1/(p*Ai)))", "algebra"),
        Step(r"\leq \frac{1}{d^{\pi_{\theta}}(s)} \left(2|\mathcal{A}^{i}|\epsilon_{\text{opt}} + \frac{\lambda}{|\mathcal{S}|} \right)", "<=",
             f"1/dd*(2*Ai*{EPS} + lam/S)", "pi >= 1/(2|A^i|)", given={"p": "1/(2*Ai) + pe", "g": f"{EPS} - ge"}),
        Step(r"\leq \frac{2\lambda}{d_{\mu}^{\pi_{\theta}}(s)|\mathcal{S}|}", "<=", "2*lam/(dd*S)",
             "eps_opt = lambda/(2|S||A^i|)"),
        Step(r"\sum_{s} d^{\pi*}_{\mu}(s) \frac{2\lambda}{d^{\pi\theta}_{\mu}(s)|\mathcal{S}|} \quad (\text{each ratio at its max } \rho)", "start",
             "Sum(rho*2*lam/S, (k, 1, S))", "multi-agent performance difference lemma (the expectation lines are not replayed)"),
        Step(r"\leq 2\lambda \max_{s} \left(\frac{d^{\pi*}_{\mu}(s)}{d^{\pi\theta}_{\mu}(s)} \right) \leq 2\lambda M", "<=", "2*lam*M",
             "rho <= M", given={"rho": "M"}),
    ],
)
