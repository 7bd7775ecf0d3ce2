r"""mpg Appendix C, Lemma C.13 and its proof (prose).

Instances: synthetic trajectories of one state s of agent i from T_1 on, constructed to meet the lemma's premise,
because no run does: the limits engineer's runs (``verify.limit_runs``, docs/limits.md) never show I_+^{s,i} nonempty
at a state with mu(s) > 0, so on real runs every line of this proof would be vacuous. Each instance runs the printed
update for 20-40 steps (Lemma 3.1's gradient with drawn Q^{t'}, A^{t'} = Q^{t'} - sum pi Q^{t'}, d^{t'} in (0.1, 1))
with an action a_+ whose A stays > 0 (I_+, so theta_{a_+} increases: Lemma C.12's lower bound), one a_- and I_0
actions; B_0(a_+) is the set of I_0 actions with pi(a_+) < pi(a) at every step of the window (its definition, on the
window); instances with B_0 empty are redrawn. Entries: (t', a), a in B_0(a_+). The limit (Lemma C.10 with it) is not
evaluable.
"""
import importlib.util
from pathlib import Path

import numpy as np

from verify.proofs import Skip, Step, Transcript

_c = importlib.util.spec_from_file_location("_limit_common", Path(__file__).with_name("_limit_common.py"))
C = importlib.util.module_from_spec(_c)
_c.loader.exec_module(C)

LIMIT = C.LIMIT
AP = C.AP                                      # a_+
sample, build = C.seed_sample, C.b0_window     # the window of one state s from T_1 on
on_b0 = C.on_b0


TRANSCRIPT = Transcript(
    id="mpg:lemma-c.13/proof", paper="mpg", location="Appendix C, proof of Lemma C.13", theorem_claim_id="mpg:lemma-c.13",
    statement=r"\text{Consider any s where } I_{+}^{s,i} \neq \emptyset. \text{ Then, } \forall a_{+}^i \in I_{+}^{s,i}, \sum_{a^i \in B_0^{s,i}(a^i_+)} \theta^{t,i}_{s,a^i} \to \infty",
    statement_expr=None, statement_relation="=", conclusion_step=6, sample=sample, build=build, instances=8, prose=True,
    printed_lines=5,
    skipped=[Skip(r"\text{By definition, we know that } \forall t > T_0, \pi^{t,i}(a^i_+|s) < \pi^{t,i}(a|s)",
                  "the definition of B_0(a_+) (the instances are built to meet it)", 1)],
    steps=[
        Step(r"\text{which implies that } \theta_{s,a^i_+}^{t,i}", "start", lambda ctx: on_b0(ctx, ctx["TH"][:, AP]),
             "softmax: pi(a_+) < pi(a) iff theta_{a_+} < theta_a"),
        Step(r"< \theta_{s,a}^{t,i}", "<=", lambda ctx: on_b0(ctx, ctx["TH"]), "", note="strict, checked as <="),
        Step(r"\theta_{s,a}^{t,i} \text{ is lower bounded as } t \to \infty: \theta_{s,a}^{t,i}", "start",
             lambda ctx: on_b0(ctx, ctx["TH"]), "the line above"),
        Step(r"\ge \theta_{s,a^i_+}^{t,i}", ">=", lambda ctx: on_b0(ctx, ctx["TH"][:, AP]), "the line above"),
        Step(r"\ge \theta_{s,a^i_+}^{T_1,i} \quad (\text{in lemma 11, } \theta_{s,a^i_+}^{t,i} \text{ is lower bounded})", ">=",
             lambda ctx: on_b0(ctx, np.full(ctx["TH"].shape[0], ctx["TH"][0, AP])), "'lemma 11' (Lemma C.12; increasing after T_1)"),
        Step(r"\text{This together with lemma 9 proves that } \sum_{a^i\in B^{s,i}_0(a^i_{\cdot})}\theta^{t,i}_{s,a}\to\infty", "start", None,
             "'lemma 9' (Lemma C.10: max over B_0 -> infinity) and the lower bound", why=LIMIT,
             garbled="a^i_. for a^i_+; the statement's pieces are scattered through the extraction (the Lemma C.12 text is interleaved)"),
    ],
    notes="Instances are synthetic trajectories constructed to meet the premise (no run meets it); the finite-t steps "
          "hold, the conclusion is a limit.",
)
