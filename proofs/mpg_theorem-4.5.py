r"""mpg Section 4.2, proof of Theorem 4.5 (POA of epsilon-ratio-Nash policies in smooth Markov games).

Scalar symbols at one state s: V = V_pi(s), Vd = sum_i V^i_{pi_*^i, pi^{-i}}(s), Vs = V_{pi_*}(s).
The two hypotheses (epsilon-ratio-Nash, (alpha, beta)-smoothness) enter as not-evaluable lines; the
rearrangement is checked symbolically.
"""
from verify.proofs import Skip, Step, Transcript

SYMS = {"V": "pos", "Vd": "pos", "Vs": "pos", "eps": "unit", "alpha": "pos", "beta": "pos"}

TRANSCRIPT = Transcript(
    id="mpg:theorem-4.5/proof", paper="mpg", location="Section 4.2, proof of Theorem 4.5", theorem_claim_id="mpg:theorem-4.5",
    statement=r"(as POA - bound, whose nonnegativity the chain gives) the POA of any \epsilon-ratio-Nash policy is at least \frac{(1-\epsilon)\alpha}{1+(1-\epsilon)\beta}",
    statement_expr="V/Vs - (1-eps)*alpha/(1+(1-eps)*beta)", statement_relation="=", symbols=SYMS,
    printed_lines=4,
    steps=[
        Step(r"V_{\pi}(s) = \sum_{i} V_{\pi}^{i}(s) \ge \sum_{i} (1-\epsilon) V_{\pi_{*}^{i},\pi^{-i}}^{i}(s)", "start", None,
             "by the definition of pi being epsilon-ratio-Nash",
             why="a hypothesis; note Definition 4.4 prints max V^i_{pi'^i, pi^{-i}} <= (1-eps) V^i_pi, the reverse of what is used here"),
        Step(r"\ge (1-\epsilon) \left(\alpha V_{\pi_{*}}(s) - \beta V_{\pi}(s)\right)", ">=", None,
             "by the definition of smooth Markov game", why="a hypothesis (Definition 4.2 with pi' = pi_*)"),
        Step(r"V - (1-\epsilon)(\alpha V_{\pi_*} - \beta V) \geq 0 \quad \text{(the two lines above, as one inequality)}", "start",
             "(V - (1-eps)*(alpha*Vs - beta*V))/(Vs*(1+(1-eps)*beta))", "rearranging the terms (divided by V_{pi_*} (1 + (1-eps) beta) > 0)"),
        Step(r"\frac{V_\pi}{V_{\pi_*}} - \frac{(1-\epsilon)\alpha}{1+(1-\epsilon)\beta}", "=",
             "V/Vs - (1-eps)*alpha/(1+(1-eps)*beta)", "rearranging the terms completes the proof"),
    ],
    conclusion_step=4,
    notes="The algebra holds; the statement follows from the two hypotheses. The per-state inequality gives the POA "
          "for mu by averaging only if V_pi(mu)/V_*(mu) is formed from the averaged inequality, which is linear.",
)
