r"""bnac Appendix A, Lemma A.12 and its proof (prose).

Instances: synthetic rows (s, a^{P^i}) of one agent i, constructed to meet the lemma's premise, because no run does:
the limits engineer's runs (``verify.limit_runs``, docs/limits.md) never show I_+ nonempty where lim d(s, a^P) > 0, so
on real runs every line of this proof would be vacuous.  The instances are those of bnac:lemma-a.11/proof (limit
values, a time t > T_0 with |Q^t - Q^inf| <= Delta/4, theta^t, d^t in (0, 1), one step theta^{t+1} = theta^t + eta
grad with Lemma A.4's gradient); the complement of B_0(a_+) in I_0 is read at t as the a in I_0 with
pi^t(a) <= pi^t(a_+) (the time t' of its definition).  The partition of I_0 is checked as the sum of pi^t over it.
"""
import importlib.util
from pathlib import Path

from verify.proofs import Skip, Step, Transcript

_c = importlib.util.spec_from_file_location("_limit_common", Path(__file__).with_name("_limit_common.py"))
C = importlib.util.module_from_spec(_c)
_c.loader.exec_module(C)

LIMIT = C.LIMIT
sample, build = C.seed_sample, C.one_step     # one step of the update at a row (s, a^{P^i}) after T_0
on_pairs, col, row, partition = C.on_pairs, C.col, C.row, C.partition


TRANSCRIPT = Transcript(
    id="bnac:lemma-a.12/proof", paper="bnac", location="Appendix A, proof of Lemma A.12", theorem_claim_id="bnac:lemma-a.12",
    statement=r"\text{If } \lim_{t\to\infty} d^{\pi^t}_{\mu}(s, a^{\mathcal{P}^i}) > 0, I^{s, a^{\mathcal{P}^i}, i}_+ \neq \emptyset: \forall a^i_+ \in I_+, B_0(a^i_+) \neq \emptyset, \sum_{a^i \in B_0(a^i_+)} \pi^{t,i}(a^i|s,a^{\mathcal{P}^i}) \to 1, \max_{a^i \in B_0(a^i_+)} \theta^{t,i}_{s,a^{\mathcal{P}^i},a^i} \to \infty",
    statement_expr=None, statement_relation="=", conclusion_step=8, sample=sample, build=build, instances=8, prose=True,
    printed_lines=8,
    skipped=[Skip(r"\text{there exists } t' > T_0 \text{ such that } \pi^{t',i}(a_+^i|s,a^{\mathcal{P}^i}) \ge \pi^{t',i}(\bar{a}^i|s,a^{\mathcal{P}^i})",
                  "the definition of the complement of B_0(a_+) (the instances are built to meet it)", 1)],
    steps=[
        Step(r"\text{From lemma A.11}, \forall \tau > t': \pi^{\tau,i}(\bar{a}^i|s,a^{\mathcal{P}^i})", "start",
             lambda ctx: col(ctx, ctx["pi1"]), "Lemma A.11, at tau = t' + 1 (one step of the update)"),
        Step(r"\le \pi^{\tau,i}(a_+^i|s,a^{\mathcal{P}^i})", "<=", lambda ctx: row(ctx, ctx["pi1"]), "Lemma A.11"),
        Step(r"\text{From lemma A.8}, \pi^{t,i}(a_+^i|s,a^{\mathcal{P}^i}) \to 0", "start", None, "Lemma A.8", why=LIMIT),
        Step(r"\pi^{t,i}(\bar{a}^i|s, a^{\mathcal{P}^i}) \to 0 \text{ as } t \to \infty", "start", None, "", why=LIMIT),
        Step(r"\sum_{a^i \in I_0} \pi^{t,i}(a^i|s,a^{\mathcal{P}^i}) \quad [B_0^{s,a^{\mathcal{P}^i},i}(a_+^i) \cup \bar{B}_0^{s,a^{\mathcal{P}^i},i}(a_+^i) = I_0^{s,i}]",
             "start", lambda ctx: partition(ctx)[:, 0], "the partition, as a sum of pi^t over I_0"),
        Step(r"= \sum_{a^i \in B_0(a_+^i)} \pi^{t,i}(a^i|s,a^{\mathcal{P}^i}) + \sum_{a^i \in \bar{B}_0(a_+^i)} \pi^{t,i}(a^i|s,a^{\mathcal{P}^i})",
             "=", lambda ctx: partition(ctx)[:, 1] + partition(ctx)[:, 2], "B_0 and its complement partition I_0"),
        Step(r"\sum_{a^i \in I_0} \pi^{t,i}(a^i|s,a^{\mathcal{P}^i}) \to 1 \Rightarrow \sum_{a^i \in B_0(a_+^i)} \pi^{t,i}(a^i|s,a^{\mathcal{P}^i}) \to 1, \; B_0(a_+^i) \neq \emptyset",
             "start", None, "Lemma A.8 and the two limits above", why=LIMIT),
        Step(r"\text{Using the same techniques in A.10}, \max_{a^i \in B_0(a_+^i)} \theta_{s, a^{\mathcal{P}^i}, a^i}^{t, i} \to \infty",
             "start", None, "Lemma A.10's argument", why=LIMIT, garbled="i^i printed for a^i under the max"),
    ],
    notes="Instances are synthetic rows constructed to meet the premise (no run meets it); the finite-t steps hold, "
          "the rest are limits.",
)
