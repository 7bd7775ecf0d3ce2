r"""mpg Appendix C, Lemma C.8 and its proof (prose).

The lemma's premise (I_+ nonempty; mu > 0 gives lim d(s) > 0) is what the proof of Theorem 3.4 shows never happens: on the runs
no row meets it, so the lines that use it are evaluated on no instance (they return NaN: "does not apply").  The
proof's algebraic lines hold on every row and are checked on states along real runs (``verify.limit_runs``):
the sum of the gradient over a^i, and the invariance of sum_{a^i} theta^{t,i} it implies.
"""
import importlib.util
from pathlib import Path

from verify import limit_runs as LR
from verify.proofs import Skip, Step, Transcript

_c = importlib.util.spec_from_file_location("_limit_common", Path(__file__).with_name("_limit_common.py"))
C = importlib.util.module_from_spec(_c)
_c.loader.exec_module(C)

FD = C.FD
sample = LR.transcript_sampler("mpg", after_t1=False)   # both starts have nonzero sum_a theta^0
build = LR.transcript_context
LIMIT = C.LIMIT
grad_sum, printed_sum, zero, theta_sum, theta0_sum = C.grad_sum, C.printed_sum, C.zero, C.theta_sum, C.theta0_sum   # per row
moving, moved = C.moving, C.moved


TRANSCRIPT = Transcript(
    id="mpg:lemma-c.8/proof", paper="mpg", location="Appendix C, proof of Lemma C.8", theorem_claim_id="mpg:lemma-c.8",
    statement=r"\text{For all states s where } I_{+}^{s,i} \neq \emptyset: \max_{a^i \in I_0^{s,i}} \theta_{s,a^i}^{t,i} \to \infty, \min_{a^i \in \mathbb{A}^i} \theta_{s,a^i}^{t,i} \to -\infty",
    statement_expr=None, statement_relation="=", conclusion_step=9, sample=sample, build=build, instances=8, prose=True,
    printed_lines=12,
    skipped=[Skip("'Since I_+ nonempty, we have some action a_+ in I_+' ; 'Note this also implies max_a theta -> inf'",
                  "prose: the premise restated, and a restatement of the previous limit", 2)],
    steps=[
        Step(r"\pi^{t,i}(a^i_\perp|s) \to 0 \text{ as } t \to \infty", "start", None, "'From lemma 5' (Lemma C.6)", why=LIMIT,
             garbled="a^i_perp for a^i_+; the lemma numbers are the paper's internal ones (5 = C.6)"),
        Step(r"\frac{\exp(\theta_{s,a_{+}^{i}}^{t,i})}{\sum_{a^{i} \in \mathbb{A}^{i}} \exp(\theta_{s,a^{i}}^{t,i})} \to 0", "start",
             None, "softmax", why=LIMIT),
        Step(r"\sum_{i=1}^{n} \exp(\theta_{s,a^i}^{t,i}) \to \infty", "start", None,
             "'From lemma 6' theta_{a_+} increasing (Lemma C.7)", why=LIMIT,
             garbled="the sum index is printed as i = 1..n; the sum over a^i in A^i is meant"),
        Step(r"\frac{\sum_{a^i \in I_0^{s,i}} \exp(\theta_{s,a^i}^{t,i})}{\sum_{a^i \in \mathbb{A}^i} \exp(\theta_{s,a^i}^{t,i})} \to 1 \;\Rightarrow\; \max_{a^i \in I_0^{s,i}} \theta_{s,a^i}^{t,i} \to \infty",
             "start", None, "Lemma C.6", why=LIMIT),
        Step(r"\sum_{a^i \in \mathbb{A}^i} \frac{\partial \Phi^t(\mu)}{\partial \theta^i_{s,a^i}}", "start", grad_sum,
             "the sum of the gradient (central differences of the exact potential value), per (i, s)", nontrivial=moving),
        Step(r"= \frac{1}{1-\gamma}d^{\pi^{t}}_{\mu}(s)\sum_{a^{i}\in\mathbb{A}^{i}}\pi_{\theta^{i}}(a^{i}|s)A^{\pi^{t,i}}_{\phi}(s,a^{i})",
             "=", printed_sum, "Lemma 3.1", tol=FD, nontrivial=moving,
             note="both sides vanish, so the check is weak (0 = 0): the printed 1/(1-gamma) is invisible in a sum that is 0; "
                  "the content is that the entries, nonzero, cancel"),
        Step(r"= 0", "=", zero, "sum_a pi A = 0", tol=FD, nontrivial=moving),
        Step(r"\sum_{a^{i}\in\mathbb{A}^{i}}\theta^{t,i}_{s,a^{i}}", "start", theta_sum, "", nontrivial=moved),
        Step(r"= \sum_{a^{i}\in\mathbb{A}^{i}}\theta^{0,i}_{s,a^{i}}", "=", theta0_sum, "which is a constant", nontrivial=moved),
        Step(r"\min_{a^i \in \mathbb{A}^i} \theta_{s,a^i}^{t,i} \to -\infty", "start", None,
             "max -> inf and the sum is constant", why=LIMIT),
    ],
    notes="The limit lines use the premise 'I_+ nonempty', which the proof of Theorem 3.4 rules out; the two "
          "algebraic facts hold for every state of every instance.",
)
