r"""bnac Appendix A, Lemma A.8 and its proof (prose).

Instances: states along real runs after the estimated T_1 (``verify.limit_runs``).  The gradient line is Lemma
A.4's formula as printed, with the paper's d^pi_mu(s, a^{P^i}) (Sec. 3: the UNNORMALIZED discounted visitation
d(s) times Pr(a^{P^i}|s)); the left side is dV(mu)/dtheta by central differences of the exact NumPy value.
"""
import importlib.util
from pathlib import Path

from verify import limit_runs as LR
from verify.proofs import Skip, Step, Transcript

_c = importlib.util.spec_from_file_location("_limit_common", Path(__file__).with_name("_limit_common.py"))
C = importlib.util.module_from_spec(_c)
_c.loader.exec_module(C)

FD = C.FD
sample = LR.transcript_sampler("bnac")
build = LR.transcript_context
LIMIT = C.LIMIT
abs_A, quarter, moving, some_pm = C.abs_A, C.quarter, C.moving, C.some_pm     # on the entries of I_- and I_+


TRANSCRIPT = Transcript(
    id="bnac:lemma-a.8/proof", paper="bnac", location="Appendix A, proof of Lemma A.8", theorem_claim_id="bnac:lemma-a.8",
    statement=r"\frac{\partial V^t(\mu)}{\partial \theta^i_{s,a^{\mathcal{P}^i},a^i}} \to 0; \text{ if } \lim_t d^{\pi^t}_{\mu}(s, a^{\mathcal{P}^i}) > 0, \pi^{t,i}(a^i|s, a^{\mathcal{P}^i}) \to 0 \; \forall a^i \in I_- \cup I_+, \sum_{a^i \in I_0} \pi^{t,i} \to 1",
    statement_expr=None, statement_relation="<=", sample=sample, build=build, instances=16, prose=True, printed_lines=6,
    skipped=[Skip("'From Lemma A.9 to Lemma A.15, we prove the properties under the condition ...'",
                  "prose announcing the standing hypothesis of the next lemmas", 1)],
    steps=[
        Step(r"\text{Since } V^{\pi_{\theta}}(\mu) \text{ is } \frac{8N(r_{\max}-r_{\min})}{(1-\gamma)^3}\text{-smooth ... } \frac{\partial V^t(\mu)}{\partial \theta^i_{s,a^{\mathcal{P}^i},a^i}} \to 0",
             "start", None, "smoothness and eta below 1/L", why=LIMIT),
        Step(r"\frac{\partial V^t(\mu)}{\partial \theta^i_{s,a^{\mathcal{P}^i},a^i}}", "start", LR.exact_gradient_entries,
             "the gradient (central differences of the exact value)", nontrivial=moving),
        Step(r"= \frac{1}{1-\gamma} d^{\pi^t}_{\mu}(s,a^{\mathcal{P}^i}) \pi^{t,i}(a^i|s,a^{\mathcal{P}^i}) A^{t,i}(s,a^{\mathcal{P}^i},a^i)",
             "=", LR.printed_gradient_form, "Lemma A.4", tol=FD, nontrivial=moving,
             note="Lemma A.4's extra 1/(1-gamma) (Agarwal et al.'s normalized-d form with the paper's unnormalized d); "
                  "invisible on the gamma = 0 matrix games, a factor 1/(1-gamma) on the two-state game"),
        Step(r"|A^{\pi_{\theta}}(s, a^{\mathcal{P}^{i}}, a^{i})|", "start", abs_A,
             "Lemma A.7, t > T_1, a^i in I_- u I_+", nontrivial=some_pm),
        Step(r"> \frac{\Delta}{4}", ">=", quarter, "Lemma A.7", nontrivial=some_pm, note="'>' checked as '>='"),
        Step(r"\text{... together with } \lim_{t\to\infty} d^{\pi^{t}}_{\mu}(s, a^{\mathcal{P}^{i}}) > 0 \text{ proves } \pi^{t,i}(a^{i}|s, a^{\mathcal{P}^{i}}) \to 0",
             "start", None, "", why=LIMIT),
        Step(r"\sum_{a^{i} \in I_{0}^{s, a^{\mathcal{P}^{i}}, i}} \pi^{t,i}(a^{i}|s, a^{\mathcal{P}^{i}}) \to 1", "start", None, "", why=LIMIT),
    ],
    notes="The gradient line inherits Lemma A.4's extra factor 1/(1-gamma); the lemma's conclusion (a limit) does not "
          "depend on the factor.",
)
