r"""mpg Appendix C, Lemma C.7 and its proof (prose).

Instances: states along real runs after the estimated T_1 (``verify.limit_runs``: each agent ascends its own V^i
at Theorem 3.4's step); the entries of the estimated I_- (I_+) at which the instance meets the premises of Lemma
C.5 (|Q^{t,i} - Q^{inf,i}| <= Delta/4; mu > 0 gives lim d(s) > 0).  The gradient is the central difference of the exact value;
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
sample = LR.transcript_sampler("mpg")
build = LR.transcript_context
grad_on, A_on, zero_on, quarter_on, step_on = C.grad_on, C.A_on, C.zero_on, C.quarter_on, C.step_on   # on a set where lim d > 0
nt = C.nt


TRANSCRIPT = Transcript(
    id="mpg:lemma-c.7/proof", paper="mpg", location="Appendix C, proof of Lemma C.7", theorem_claim_id="mpg:lemma-c.7",
    statement=r"\text{For } t \ge T_1, \theta_{s,a^i}^i \text{ is strictly decreasing } \forall a^i \in I^{s,i}_- \text{ and } \theta_{s,a^i}^i \text{ is strictly increasing } \forall a^i \in I^{+s,i}_-",
    statement_expr=None, statement_relation="<=", conclusion_step=12, sample=sample, build=build, instances=16, prose=True,
    printed_lines=6,
    steps=[
        Step(r"\frac{\partial \Phi^t(\mu)}{\partial \theta^i_{s,a^i}}", "start", LR.exact_gradient_entries,
             "the gradient (central differences of the exact value)"),
        Step(r"= \frac{1}{1-\gamma} d^{\pi^t}_{\mu}(s) \pi^{t,i}(a^i|s) A^{t,i}_{\phi}(s,a^i)",
             "=", LR.printed_gradient_form, "from lemma 1 (Lemma 3.1)", tol=FD,
             note="the printed 1/(1-gamma), absent from Lemma 3.1 (unnormalized d); the signs the proof uses are unaffected"),
        Step(r"A^{t,i}_{\phi}(s, a^i), \; a^i \in I^{s,i}_-", "start", A_on("I_-"), "from lemma 4 (Lemma C.5), t > T_1", nontrivial=nt("I_-")),
        Step(r"\le -\frac{\Delta}{4}", "<=", quarter_on("I_-", -1), "Lemma C.5", nontrivial=nt("I_-")),
        Step(r"A^{t,i}_{\phi}(s, a^i), \; a^i \in I^{s,i}_+", "start", A_on("I_+"), "Lemma C.5", nontrivial=nt("I_+")),
        Step(r"\ge \frac{\Delta}{4}", ">=", quarter_on("I_+", +1), "Lemma C.5", nontrivial=nt("I_+")),
        Step(r"\frac{\partial \Phi^t(\mu)}{\partial \theta^i_{s,a^i}}, \; a^i \in I_-", "start", grad_on("I_-"),
             "after iteration T_1", nontrivial=nt("I_-")),
        Step(r"< 0", "<=", zero_on("I_-"), "", nontrivial=nt("I_-")),
        Step(r"\frac{\partial \Phi^t(\mu)}{\partial \theta^i_{s,a^i}}, \; a^i \in I_+", "start", grad_on("I_+"),
             "", nontrivial=nt("I_+")),
        Step(r"> 0", ">=", zero_on("I_+"), "", nontrivial=nt("I_+")),
        Step(r"\theta^{t+1,i}_{s,a^i} - \theta^{t,i}_{s,a^i}, \; a^i \in I^{s,i}_- \text{ (strictly decreasing)}",
             "start", step_on("I_-"), "theta^{t+1} = theta^t + eta grad", nontrivial=nt("I_-")),
        Step(r"< 0", "<=", zero_on("I_-"), "", nontrivial=nt("I_-")),
    ],
    notes="The statement prints 'I^{+s,i}_-' for the increasing set; the proof's conclusion line states only the I_- half "
          "(decreasing), transcribed here; the I_+ lines apply to no instance (I_+ is empty on every run, Theorem 3.4).",
)
