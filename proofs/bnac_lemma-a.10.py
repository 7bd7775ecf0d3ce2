r"""bnac Appendix A, Lemma A.10 and its proof (prose).

The lemma's premise (I_+ nonempty where lim d(s, a^{P^i}) > 0) is what Lemma A.16 shows never happens: on the runs
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
sample = LR.transcript_sampler("bnac", plans=(0, 2), after_t1=False)   # starts with nonzero sum_a theta^0
build = LR.transcript_context
LIMIT = C.LIMIT
grad_sum, printed_sum, zero, theta_sum, theta0_sum = C.grad_sum, C.printed_sum, C.zero, C.theta_sum, C.theta0_sum   # per row
moving, moved = C.moving, C.moved


TRANSCRIPT = Transcript(
    id="bnac:lemma-a.10/proof", paper="bnac", location="Appendix A, proof of Lemma A.10", theorem_claim_id="bnac:lemma-a.10",
    statement=r"\text{If } \lim_{t \to \infty} d^{\pi^t}_{\mu}(s, a^{\mathcal{P}^i}) > 0 \text{ and } I_{+} \neq \emptyset: \max_{a^i \in I_0} \theta^{t, i}_{s, a^{\mathcal{P}^i}, a^i} \to \infty, \min_{a^i} \theta^{t, i}_{s, a^{\mathcal{P}^i}, a^i} \to -\infty",
    statement_expr=None, statement_relation="=", conclusion_step=9, sample=sample, build=build, instances=8, prose=True,
    printed_lines=12,
    skipped=[Skip("'Since I_+ nonempty, we have some action a_+ in I_+' ; 'Note this also implies max_a theta -> inf'",
                  "prose: the premise restated, and a restatement of the previous limit", 2)],
    steps=[
        Step(r"\pi^{t,i}(a^{i}_{+}|s,a^{\mathcal{P}}) \to 0 \text{ as } t \to \infty", "start", None, "'From lemma 12' (Lemma A.8)",
             why=LIMIT, garbled="pi^{iota,iota}(a^iota_+ ...) and 'lemma 12' for Lemma A.8"),
        Step(r"\frac{\exp(\theta^{t,i}_{s,a^{\mathcal{P}^{i}},a^{i}_{+}})}{\sum_{a^{i}} \exp(\theta^{t,i}_{s,a^{\mathcal{P}^{i}},a^{i}})} \to 0",
             "start", None, "softmax", why=LIMIT),
        Step(r"\sum_{a^i} \exp(\theta^{t,i}_{s,a^{\mathcal{P}^i},a^i}) \to \infty", "start", None,
             "theta_{a_+} increasing (Lemma A.9)", why=LIMIT),
        Step(r"\frac{\sum_{a^{i} \in I_{0}} \exp(\theta^{t,i})}{\sum_{a^{i}} \exp(\theta^{t,i})} \to 1 \;\Rightarrow\; \sum_{a^i \in I_0} \exp(\theta^{t,i}) \to \infty \;\Rightarrow\; \max_{a^i \in I_0} \theta^{t, i} \to \infty",
             "start", None, "Lemma A.8", why=LIMIT),
        Step(r"\sum_{a^i \in \mathbb{A}^i} \frac{\partial V^t(\mu)}{\partial \theta^i_{s,a^{\mathcal{P}^i},a^i}}", "start", grad_sum,
             "the sum of the gradient (central differences of the exact value), per row (i, s, a^P)", nontrivial=moving),
        Step(r"= \frac{1}{1-\gamma} d^{\pi^t}_{\mu}(s) \pi^{t,\mathcal{P}^i}(a^{\mathcal{P}^i}|s) \sum_{a^i \in \mathbb{A}^i} \pi^{t,i}(a^i|s,a^{\mathcal{P}^i}) A^{t,i}(s,a^{\mathcal{P}^i},a^i)",
             "=", printed_sum, "Lemma A.4", tol=FD, nontrivial=moving,
             note="both sides vanish, so the check is weak (0 = 0): Lemma A.4's extra 1/(1-gamma) is invisible in a sum that "
                  "is 0; the content is that the entries, nonzero, cancel"),
        Step(r"= 0", "=", zero, "sum_a pi A = 0", tol=FD, nontrivial=moving),
        Step(r"\sum_{a^i \in \mathbb{A}^i} \theta^{t,i}_{s,a^{\mathcal{P}^i},a^i}", "start", theta_sum, "", nontrivial=moved),
        Step(r"= \sum_{a^i \in \mathbb{A}^i} \theta^{0,i}_{s,a^{\mathcal{P}^i},a^i}", "=", theta0_sum, "which is a constant",
             nontrivial=moved),
        Step(r"\min_{a^i \in \mathbb{A}^i} \theta^{t,i}_{s,a^{\mathcal{P}^i},a^i} \to -\infty", "start", None,
             "max -> inf and the sum is constant", why=LIMIT),
    ],
    notes="The limit lines use the premise 'I_+ nonempty where lim d > 0', which Lemma A.16 rules out; the two "
          "algebraic facts hold on every row of every instance.",
)
