r"""mpg Section 4.1, proof of Proposition 4.3 (reward and transition smoothness imply game smoothness).

A one-state reading with scalar symbols: M1 = M_{pi'} (applied to a nonnegative reward), M0 = M_pi,
Rd = sum_i r^i_{pi'^i, pi^{-i}}, r1 = r_{pi'}, r0 = r_pi; kappa, nu transition and lam, mu reward
smoothness constants.  Hypotheses are not evaluated; the printed algebra between them is.
"""
from verify.proofs import Skip, Step, Transcript

SYMS = {"M1": "pos", "M0": "pos", "Rd": "pos", "r1": "pos", "r0": "pos", "kappa": "pos", "nu": "pos",
        "lam": "pos", "mu": "pos", "e1": "nonneg", "e2": "nonneg"}
# reward smoothness as the proof uses it: sum_i r^i_{pi'^i, pi^{-i}} >= lam r_{pi'} and <= mu r_pi
REWARD = {"r1": "(Rd - e1)/lam", "r0": "(Rd + e2)/mu"}


def notes(status):
    """Computed from the run: the survival statement only when the slips fail and the nu-kept bookkeeping holds."""
    slips = [n for n in (3, 6) if status.get(n) == "fails"]
    head = (f"Two slips ({', '.join('#%d' % n for n in slips)} fail): nu becomes mu in line 3 and mu*mu becomes mu*nu in "
            "line 6. " if slips else "Lines 3 and 6 do not fail on this run. ")
    if status.get(8) == "holds":
        return head + ("They cancel: the bookkeeping with nu kept (-nu M_pi sum_i r^i >= -nu mu M_pi r_pi, the two steps "
                       "after line 6, not printed) holds and reaches the printed conclusion kappa lam V_pi' - mu nu V_pi, so "
                       "beta = mu nu survives. The proposition itself is checked directly as mpg:proposition-4.3 (refuted "
                       "only for its missing hypothesis kappa, nu >= 0; the corrected twin is verified).")
    return head + f"The nu-kept bookkeeping did not hold on this run ({status.get(8)}): no survival claim."


TRANSCRIPT = Transcript(
    id="mpg:proposition-4.3/proof", paper="mpg", location="Section 4.1, proof of Proposition 4.3",
    theorem_claim_id="mpg:proposition-4.3",
    statement=r"the Markov game is (\alpha = \kappa\lambda, \beta = \mu\nu)-smooth",
    statement_expr="kappa*lam*M1*r1 - mu*nu*M0*r0", statement_relation=">=", symbols=SYMS, conclusion_step=6,
    printed_lines=5,
    steps=[
        Step(r"\sum_{i} V^{i}_{\pi^{i},\pi^{-i}}(s) = \sum_{i} M_{\pi^{i},\pi^{-i}} r^{i}_{\pi^{i},\pi^{-i}}", "start",
             None, "V = M r", why="the deviating policies' M differ per agent; a hypothesis-level line"),
        Step(r"\geq \sum_{i} \kappa M_{\pi}, r^{i}_{\pi^{i},\pi^{-i}} - \nu M_{\pi} r^{i}_{\pi^{i},\pi^{-i}}", ">=",
             "kappa*M1*Rd - nu*M0*Rd", "smoothness of the transition function",
             garbled="'M_{\\pi},' is read as M_{\\pi'} (the prime lost)"),
        Step(r"= \kappa M_{\pi}, \sum_{i} r^{i}_{\pi^{i},\pi^{-i}} - \mu M_{\pi} \sum_{i} r^{i}_{\pi^{i},\pi^{-i}}", "=",
             "kappa*M1*Rd - mu*M0*Rd", "linearity", garbled="'M_{\\pi},' read as M_{\\pi'}",
             note="nu has become mu"),
        Step(r"\geq \kappa M_{\pi}, \lambda r_{\pi}, -\mu M_{\pi} \mu r_{\pi}", ">=", None,
             "smoothness of the reward functions", why="needs Rd >= lam r_{pi'} and Rd <= mu r_pi (hypotheses)",
             garbled="primes lost: read as kappa M_{pi'} lam r_{pi'} - mu M_pi mu r_pi"),
        Step(r"\kappa M_{\pi'} \lambda r_{\pi'} - \mu M_{\pi} \mu r_{\pi}", "start", "kappa*M1*lam*r1 - mu*M0*mu*r0",
             "the previous line, transcribed"),
        Step(r"= \kappa \lambda V_{\pi}, -\mu \nu V_{\pi}", "=", "kappa*lam*M1*r1 - mu*nu*M0*r0", "V = M r",
             garbled="'V_{\\pi},' read as V_{\\pi'}", note="mu M mu r = mu^2 V, not mu nu V; with line 3's nu -> mu the two slips cancel (see the notes)"),
        Step(r"\sum_{i} \kappa M_{\pi'} r^{i}_{\pi'^{i},\pi^{-i}} - \nu M_{\pi} r^{i}_{\pi'^{i},\pi^{-i}} \quad \text{(line 2, continued with nu)}",
             "start", "kappa*M1*Rd - nu*M0*Rd", "the correct bookkeeping, not printed: line 2 as printed"),
        Step(r"\geq \kappa M_{\pi'} \lambda r_{\pi'} - \nu M_{\pi} \mu r_{\pi} = \kappa\lambda V_{\pi'} - \mu\nu V_{\pi} \quad \text{(not printed)}",
             ">=", "kappa*lam*M1*r1 - nu*mu*M0*r0", "reward smoothness (kappa, nu >= 0)", given=REWARD,
             note="with nu kept, the reward-smoothness step gives the printed conclusion: the slips of lines 3 and 6 cancel"),
    ],
    notes=notes,
)
