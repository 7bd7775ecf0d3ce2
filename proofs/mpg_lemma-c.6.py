r"""mpg Appendix C, Lemma C.6 and its proof (prose).

Instances: states along real runs after the estimated T_1 (``verify.limit_runs``: each agent ascends its own V^i
at Theorem 3.4's step).  The gradient line is as printed, "from lemma 1" (Lemma 3.1), with the paper's d^pi_mu(s)
(Sec. 2: the UNNORMALIZED discounted visitation); the left side is dPhi(mu)/dtheta^i by central differences of the
exact NumPy potential value.  For product policies d(s, a^{P^i}) = d(s).
"""
import importlib.util
from pathlib import Path

from verify import limit_runs as LR
from verify.proofs import Step, Transcript

_c = importlib.util.spec_from_file_location("_limit_common", Path(__file__).with_name("_limit_common.py"))
C = importlib.util.module_from_spec(_c)
_c.loader.exec_module(C)

FD = C.FD
sample = LR.transcript_sampler("mpg")
build = LR.transcript_context
LIMIT = C.LIMIT
abs_A, quarter, moving, some_pm = C.abs_A, C.quarter, C.moving, C.some_pm     # on the entries of I_- and I_+


TRANSCRIPT = Transcript(
    id="mpg:lemma-c.6/proof", paper="mpg", location="Appendix C, proof of Lemma C.6", theorem_claim_id="mpg:lemma-c.6",
    statement=r"\frac{\partial \Phi^{\pi_{\theta}}(\mu)}{\partial \theta_{s,a^{i}}^{i}} \rightarrow 0; \forall a^{i} \in I_{-}^{s,i} \cup I_{+}^{s,i}, \pi^{t,i}(a^{i}|s) \rightarrow 0, \sum_{a^{i} \in I_{0}^{s,i}} \pi^{t,i}(a^{i}|s) \rightarrow 1",
    statement_expr=None, statement_relation="<=", sample=sample, build=build, instances=16, prose=True, printed_lines=5,
    steps=[
        Step(r"\text{Since } \Phi^{\pi_{\theta}}(\mu) \text{ is smooth, } \frac{\partial \Phi^{\pi_{\theta}}(\mu)}{\partial \theta^{i}_{s,a^i}} \to 0",
             "start", None, "smoothness", why=LIMIT),
        Step(r"\frac{\partial \Phi^t(\mu)}{\partial \theta^i_{s,a^i}}", "start", LR.exact_gradient_entries,
             "the gradient (central differences of the exact value)", nontrivial=moving),
        Step(r"= \frac{1}{1-\gamma} d^{\pi^t}_{\mu}(s) \pi^{t,i}(a^i|s) A^{\pi^{t,i}}_{\phi}(s,a^i)",
             "=", LR.printed_gradient_form, "'From lemma 1' (Lemma 3.1)", tol=FD, nontrivial=moving,
             note="Lemma 3.1 (and Lemma 3.5's proof) write the gradient without 1/(1-gamma) for the unnormalized d; "
                  "here the factor is printed: invisible at gamma = 0, a factor 1/(1-gamma) on the two-state game"),
        Step(r"|A_{\phi}^{t,i}(s,a^i)|", "start", abs_A, "'from lemma 4' (Lemma C.5), t > T_1, a^i in I_- u I_+",
             nontrivial=some_pm),
        Step(r"> \frac{\Delta}{4}", ">=", quarter, "Lemma C.5", nontrivial=some_pm, note="'>' checked as '>='"),
        Step(r"\text{... together with the assumption that } \mu \text{ is strict positive for all state s prove } \pi^{t,i}(a^i|s) \to 0",
             "start", None, "", why=LIMIT),
        Step(r"\sum_{a^i \in I_0^{s,i}} \pi^{t,i}(a^i|s) \to 1", "start", None, "", why=LIMIT),
    ],
    notes="The gradient line prints a factor 1/(1-gamma) that Lemma 3.1 does not have; the lemma's conclusion (a "
          "limit) does not depend on the factor.",
)
