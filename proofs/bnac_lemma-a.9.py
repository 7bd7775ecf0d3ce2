r"""bnac Appendix A, Lemma A.9 and its proof (prose).

Instances: states along real runs after the estimated T_1 (``verify.limit_runs``); the entries of the estimated
I_- (I_+) at which the instance meets the premises of Lemma A.7 (|Q^{t,i} - Q^{inf,i}| <= Delta/4) and, as the
lemma assumes, lim d(s, a^{P^i}) > 0 is observed.  The gradient is the central difference of the exact value;
theta^{t+1} - theta^t is one step of the run's update.  Strict inequalities are checked as non-strict.
"""
import importlib.util
from pathlib import Path

from verify import limit_runs as LR
from verify.proofs import Step, Transcript

_c = importlib.util.spec_from_file_location("_limit_common", Path(__file__).with_name("_limit_common.py"))
C = importlib.util.module_from_spec(_c)
_c.loader.exec_module(C)

FD = C.FD
sample = LR.transcript_sampler("bnac")
build = LR.transcript_context
grad_on, A_on, zero_on, quarter_on, step_on = C.grad_on, C.A_on, C.zero_on, C.quarter_on, C.step_on   # on a set where lim d > 0
nt = C.nt


TRANSCRIPT = Transcript(
    id="bnac:lemma-a.9/proof", paper="bnac", location="Appendix A, proof of Lemma A.9", theorem_claim_id="bnac:lemma-a.9",
    statement=r"\text{For } t \ge T_1, \forall i, \forall a^{\mathcal{P}^i}, \text{ if } \lim_{t\to\infty} d^{\pi^i}_{\mu}(s, a^{\mathcal{P}^i}) > 0, \theta^i_{s, a^{\mathcal{P}^i}, a^i} \text{ is strictly decreasing } \forall a^i \in I_+ \text{ and strictly increasing } \forall a^i \in I_+",
    statement_expr=None, statement_relation="<=", conclusion_step=11, sample=sample, build=build, instances=16, prose=True,
    printed_lines=6,
    steps=[
        Step(r"\frac{\partial V^t(\mu)}{\partial \theta^i_{s,a^{\mathcal{P}^i},a^i}}", "start", LR.exact_gradient_entries,
             "the gradient (central differences of the exact value)"),
        Step(r"= \frac{1}{1-\gamma} d^{\pi^t}_{\mu}(s,a^{\mathcal{P}^i}) \pi^{t,i}(a^i|s,a^{\mathcal{P}^i}) A^{t,i}(s,a^{\mathcal{P}^i},a^i)",
             "=", LR.printed_gradient_form, "From A.4", tol=FD,
             note="Lemma A.4's extra 1/(1-gamma) (unnormalized d); the signs the proof uses are unaffected"),
        Step(r"A^{t,i}(s,a^{\mathcal{P}^i},a^i), \; a^i \in I_-", "start", A_on("I_-"), "Lemma A.7, t > T_1", nontrivial=nt("I_-")),
        Step(r"< -\frac{\Delta}{4}", "<=", quarter_on("I_-", -1), "Lemma A.7", nontrivial=nt("I_-")),
        Step(r"A^{t,i}(s,a^{\mathcal{P}^i},a^i), \; a^i \in I_+", "start", A_on("I_+"), "Lemma A.7", nontrivial=nt("I_+")),
        Step(r"> \frac{\Delta}{4}", ">=", quarter_on("I_+", +1), "Lemma A.7", nontrivial=nt("I_+")),
        Step(r"\frac{\partial V^t(\mu)}{\partial \theta^i_{s,a^{\mathcal{P}^i},a^i}}, \; a^i \in I_-", "start", grad_on("I_-"),
             "after iteration T_1", nontrivial=nt("I_-")),
        Step(r"< 0", "<=", zero_on("I_-"), "", nontrivial=nt("I_-")),
        Step(r"\frac{\partial V^t(\mu)}{\partial \theta^i_{s,a^{\mathcal{P}^i},a^i}}, \; a^i \in I_+", "start", grad_on("I_+"),
             "", nontrivial=nt("I_+")),
        Step(r"> 0", ">=", zero_on("I_+"), "", nontrivial=nt("I_+")),
        Step(r"\theta^{t+1,i}_{s,a^{\mathcal{P}^i},a^i} - \theta^{t,i}_{s,a^{\mathcal{P}^i},a^i}, \; a^i \in I_- \text{ (strictly decreasing)}",
             "start", step_on("I_-"), "theta^{t+1} = theta^t + eta grad", nontrivial=nt("I_-")),
        Step(r"< 0", "<=", zero_on("I_-"), "", nontrivial=nt("I_-")),
        Step(r"\theta^{t+1,i}_{s,a^{\mathcal{P}^i},a^i} - \theta^{t,i}_{s,a^{\mathcal{P}^i},a^i}, \; a^i \in I_+ \text{ (strictly increasing)}",
             "start", step_on("I_+"), "", nontrivial=nt("I_+")),
        Step(r"> 0", ">=", zero_on("I_+"), "", nontrivial=nt("I_+")),
    ],
    notes="The statement prints I_+ twice; the proof's last line has the evident I_- (decreasing) and I_+ (increasing), "
          "transcribed here. On the runs I_+ with lim d > 0 never occurs (Lemma A.16), so the I_+ lines apply to no "
          "instance.",
)
