r"""mpg Appendix C, Lemma C.10 and its proof (prose).

Instances: synthetic states s of one agent i, constructed to meet the lemma's premise, because no run does: the limits
engineer's runs (``verify.limit_runs``, docs/limits.md) never show I_+^{s,i} nonempty at a state with mu(s) > 0, so on
real runs every line of this proof would be vacuous. The instances are those of mpg:lemma-c.9/proof (limit values, a
time t > T_0 with |Q^t - Q^inf| <= Delta/4, theta^t, d^t(s) in (0, 1), one step theta^{t+1} = theta^t + eta grad with
Lemma 3.1's gradient); the complement of B_0(a_+) in I_0 is read at t as the a in I_0 with pi^t(a) <= pi^t(a_+) (the
time t' of its definition). The partition of I_0 is checked as the sum of pi^t over it.
"""
import importlib.util
from pathlib import Path

from verify.proofs import Skip, Step, Transcript

_c = importlib.util.spec_from_file_location("_limit_common", Path(__file__).with_name("_limit_common.py"))
C = importlib.util.module_from_spec(_c)
_c.loader.exec_module(C)

LIMIT = C.LIMIT
sample, build = C.seed_sample, C.one_step     # one step of the update at a state s after T_0
on_pairs, col, row, partition = C.on_pairs, C.col, C.row, C.partition


TRANSCRIPT = Transcript(
    id="mpg:lemma-c.10/proof", paper="mpg", location="Appendix C, proof of Lemma C.10", theorem_claim_id="mpg:lemma-c.10",
    statement=r"\text{Suppose } I^{s,i}_+ \neq \emptyset. \forall a^i_+ \in I^{s,i}_+: B^{s,i}_0(a^i_+) \neq \emptyset, \sum_{a^{i} \in B_{0}^{s,i}(a^{i}_{+})} \pi^{t,i}(a^{i}|s) \to 1, \max_{a^i \in B_0^{s,i}(a^i_{\pm})} \theta^{t,i}_s \to \infty",
    statement_expr=None, statement_relation="=", conclusion_step=8, sample=sample, build=build, instances=8, prose=True,
    printed_lines=8,
    skipped=[Skip(r"\text{there exists } t' > T_0 \text{ such that } \pi^{t,i}(a_+^i|s) \ge \pi^{t,i}(\bar{a}^i|s)",
                  "the definition of the complement of B_0(a_+) (the instances are built to meet it); t printed for t'", 1)],
    steps=[
        Step(r"\text{From lemma 8}, \forall \tau > t: \pi^{\tau,i}(\bar{a}^i|s)", "start",
             lambda ctx: col(ctx, ctx["pi1"]), "'lemma 8' (Lemma C.9), at tau = t + 1 (one step of the update)"),
        Step(r"\le \pi^{\tau,i}(a_+^i|s)", "<=", lambda ctx: row(ctx, ctx["pi1"]), "Lemma C.9"),
        Step(r"\text{From lemma 5}, \pi^{t,i}(a_+^i|s) \to 0 \text{ as } t \to \infty", "start", None, "'lemma 5' (Lemma C.6)", why=LIMIT),
        Step(r"\pi^{\iota,\iota}(\bar{a}^{\iota}|s) \to 0 \text{ as } t \to \infty", "start", None, "", why=LIMIT,
             garbled="iota for t and i"),
        Step(r"\sum_{a^i \in I_0^{s,i}} \pi^{t,i}(a^i|s) \quad [B_0^{s,i}(a_+^i) \cup \bar{B}_0^{s,i}(a_+^i) = I_0^{s,i}]",
             "start", lambda ctx: partition(ctx)[:, 0], "the partition, as a sum of pi^t over I_0"),
        Step(r"= \sum_{a^i \in B_0^{s,i}(a_+^i)} \pi^{t,i}(a^i|s) + \sum_{a^i \in \bar{B}_0^{s,i}(a_+^i)} \pi^{t,i}(a^i|s)",
             "=", lambda ctx: partition(ctx)[:, 1] + partition(ctx)[:, 2], "B_0 and its complement partition I_0"),
        Step(r"\sum_{a^i \in I_0^{s,i}} \pi^{t,i}(a^i|s) \to 1 \Rightarrow \sum_{a^i \in B_0^{s,i}(a^i_+)} \pi^{t,i}(a^i|s) \to 1, \; B_0^{s,i}(a_+^i) \neq \emptyset",
             "start", None, "Lemma C.6 and the two limits above", why=LIMIT),
        Step(r"\text{Using the same techniques in lemma 7}, \max_{a^i \in B_0^{s,i}(a^i_\perp)} \theta_s^{t,i} \to \infty",
             "start", None, "'lemma 7' (Lemma C.8)", why=LIMIT, garbled="a^i_perp for a^i_+; theta_s for theta_{s,a^i}"),
    ],
    notes="Instances are synthetic states constructed to meet the premise (no run meets it); the finite-t steps hold, "
          "the rest are limits.",
)
