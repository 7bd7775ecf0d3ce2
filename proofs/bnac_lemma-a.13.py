r"""bnac Appendix A, Lemma A.13 and its proof (prose).

Instances: synthetic rows (s, a^{P^i}) of one agent i, constructed to meet the lemma's premise, because no run does:
the limits engineer's runs (``verify.limit_runs``, docs/limits.md) never show I_+ nonempty where lim d(s, a^P) > 0, so
on real runs every line of this proof would be vacuous.  The instances are those of bnac:lemma-a.11/proof (limit
values, a time t > T_0 with |Q^t - Q^inf| <= Delta/4, theta^t, d^t in (0, 1), one step theta^{t+1} = theta^t + eta
grad with Lemma A.4's gradient); the complement of B_0(a_+) in I_0 is read at t as the a in I_0 with
pi^t(a) <= pi^t(a_+) (the time t' of its definition).  
"""
import importlib.util
from pathlib import Path

from verify.proofs import Skip, Step, Transcript

_c = importlib.util.spec_from_file_location("_limit_common", Path(__file__).with_name("_limit_common.py"))
C = importlib.util.module_from_spec(_c)
_c.loader.exec_module(C)

LIMIT = C.LIMIT
sample, build = C.seed_sample, C.one_step     # one step of the update at a row (s, a^{P^i}) after T_0
on_pairs, col, row = C.on_pairs, C.col, C.row


TRANSCRIPT = Transcript(
    id="bnac:lemma-a.13/proof", paper="bnac", location="Appendix A, proof of Lemma A.13", theorem_claim_id="bnac:lemma-a.13",
    statement=r"\forall a^i_+ \in I^{s,a^{\mathcal{P}^i},i}_+, \exists T_{a^{\mathcal{P}^i},a^i_+}: \forall t > T_{a^{\mathcal{P}^i},a^i_+}, \forall a^i \in \overline{B}^{s,i}_0(a^i_+), \pi^{t,i}(a^i_+|s, a^{\mathcal{P}^i}) > \pi^{t,i}(a^i|s, a^{\mathcal{P}^i})",
    statement_expr=None, statement_relation="<=", conclusion_step=2, sample=sample, build=build, instances=8, prose=True,
    printed_lines=2,
    skipped=[Skip(r"\text{We can choose } T_{a^{\mathcal{P}^{i}},a_{+}^{i}} = \max_{a^{\mathcal{P}^{i}},a^{i} \in B_{0}^{s,i}(a_{+}^{i})} t_{a^{i}}",
                  "a choice (a maximum over finitely many times), true by definition; the max is printed over B_0 and over "
                  "a^P, where the times t_{a^i} are defined for a^i in the complement of B_0 only", 1)],
    steps=[
        Step(r"\forall a^{i} \in \bar{B}_{0}^{s,i}(a_{+}^{i}), \exists t_{a^{\mathcal{P}^{i}},a^{i}} > T_{0}: \forall \tau > t_{a^{\mathcal{P}^{i}},a^{i}}: \pi^{\tau,i}(a^{i}|s,a^{\mathcal{P}^{i}})",
             "start", lambda ctx: col(ctx, ctx["pi1"]), "the definition of the complement of B_0 and Lemma A.11, at tau = t + 1"),
        Step(r"< \pi^{\tau,i}(a_{+}^{i}|s,a^{\mathcal{P}^{i}})", "<=", lambda ctx: row(ctx, ctx["pi1"]), "Lemma A.11",
             note="printed strict; checked as <= (Lemma A.11 gives <= from a <= premise)"),
    ],
    notes="Instances are synthetic rows constructed to meet the premise (no run meets it).",
)
