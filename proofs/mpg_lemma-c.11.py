r"""mpg Appendix C, Lemma C.11 and its proof (prose).

Instances: synthetic states s of one agent i, constructed to meet the lemma's premise, because no run does: the
limits engineer's runs (``verify.limit_runs``, docs/limits.md) never show I_+^{s,i} nonempty at a state with
mu(s) > 0, so on real runs every line of this proof would be vacuous.  The instances are those of
mpg:lemma-c.9/proof (limit values, a time t > T_0 with |Q^t - Q^inf| <= Delta/4, theta^t, d^t(s) in (0, 1), one
step theta^{t+1} = theta^t + eta grad with Lemma 3.1's gradient); the complement of B_0(a_+) in I_0 is read at t
as the a in I_0 with pi^t(a) <= pi^t(a_+) (the time t' of its definition).
"""
import importlib.util
from pathlib import Path

from verify.proofs import Skip, Step, Transcript

_c = importlib.util.spec_from_file_location("_limit_common", Path(__file__).with_name("_limit_common.py"))
C = importlib.util.module_from_spec(_c)
_c.loader.exec_module(C)

LIMIT = C.LIMIT
sample, build = C.seed_sample, C.one_step     # one step of the update at a state s after T_0
on_pairs, col, row = C.on_pairs, C.col, C.row


TRANSCRIPT = Transcript(
    id="mpg:lemma-c.11/proof", paper="mpg", location="Appendix C, proof of Lemma C.11", theorem_claim_id="mpg:lemma-c.11",
    statement=r"\forall a^i_+ \in I^{s,i}_+, \exists T_{a^i_+}: \forall t > T_{a^i_+}, \forall a^i \in \bar{B}^{s,i}_0(a^i_+), \pi^{t,i}(a^i_+|s)>\pi^{t,i}(a^i|s)",
    statement_expr=None, statement_relation="<=", conclusion_step=2, sample=sample, build=build, instances=8, prose=True,
    printed_lines=2,
    skipped=[Skip(r"\text{We can choose } T_{a_+^i} = \max_{a^i \in B_0^{s,i}(a_+^i)} t_{a^i}",
                  "a choice (a maximum over finitely many times), true by definition; the max is printed over B_0, where the "
                  "times t_{a^i} are defined for a^i in the complement of B_0 only", 1)],
    steps=[
        Step(r"\exists t_{a^i} > T_0: \forall \tau > t_{a^i}: \pi^{\tau,i}(a^i|s)", "start", lambda ctx: col(ctx, ctx["pi1"]),
             "the definition of the complement of B_0 and 'lemma 8' (Lemma C.9), at tau = t + 1"),
        Step(r"< \pi^{\tau,i}(a_+^i|s)", "<=", lambda ctx: row(ctx, ctx["pi1"]), "Lemma C.9",
             note="printed strict; checked as <= (Lemma C.9 gives <= from a <= premise)"),
    ],
    notes="Instances are synthetic states constructed to meet the premise (no run meets it).",
)
