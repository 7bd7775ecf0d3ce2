r"""mpg Appendix C, Lemma C.4 and its proof (prose).

Instances: states along real runs (``verify.limit_runs``, the stated step), at any checkpoint.  The proof's one
finite-t assertion, "{V^t(s)} is bounded and monotonically increasing" (and, "similarly", Q^t(s, a)), is checked
on the potential value Phi: V^t(s) <= V^{t+1}(s) with t+1 one exact step of the run's update, and V^t(s) <= max r / (1-gamma).
Every convergence assertion is a limit (not evaluable); the definitions of Delta and of I_0, I_+, I_- are
definitions, not assertions.
"""
import importlib.util
from pathlib import Path

from verify import limit_runs as LR
from verify.proofs import Skip, Step, Transcript

_c = importlib.util.spec_from_file_location("_limit_common", Path(__file__).with_name("_limit_common.py"))
C = importlib.util.module_from_spec(_c)
_c.loader.exec_module(C)

sample = LR.transcript_sampler("mpg", plans=(1,), after_t1=False)   # gamma > 0: Q^t(s, a) moves (at gamma = 0 it is r)
build = LR.transcript_context
LIMIT = C.LIMIT
v_now, v_next, q_now, q_next = C.v_now, C.v_next, C.q_now, C.q_next          # now and one exact step later
bound_v, bound_q, v_moves, q_moves = C.bound_v, C.bound_q, C.v_moves, C.q_moves


TRANSCRIPT = Transcript(
    id="mpg:lemma-c.4/proof", paper="mpg", location="Appendix C, proof of Lemma C.4", theorem_claim_id="mpg:lemma-c.4",
    statement=r"V_{\phi}^t(s) \to V_{\phi}^{\infty}(s), Q_{\phi}^t(s,a) \to Q_{\phi}^{\infty}(s,a), Q_{\phi}^{t,i}(s,a) \to Q_{\phi}^{\infty,i}(s,a); \exists T_0: Q_{\phi}^{\infty,i}(s,a^i) - \frac{\Delta}{4} \le Q_{\phi}^{t,i}(s,a^i) \le Q_{\phi}^{\infty,i}(s,a^i) + \frac{\Delta}{4}",
    statement_expr=None, statement_relation="<=", conclusion_step=3, sample=sample, build=build, instances=8, prose=True,
    printed_lines=10,
    skipped=[Skip("the display defining Delta^i and Delta", "a definition (garbled in the extraction), not an assertion", 1),
             Skip("the three displays defining I_0, I_+, I_-", "definitions, not assertions", 3)],
    steps=[
        Step(r"\{V_{\phi}^{t}(s)\} \text{ is bounded and monotonically increasing}: V^t(s)", "start", v_now, "Lemma C.3 (eta at Theorem 3.4's bound)", nontrivial=v_moves),
        Step(r"\le V^{t+1}(s)", "<=", v_next, "monotonically increasing", nontrivial=v_moves),
        Step(r"V^t(s) \le \frac{\max r}{1-\gamma} \text{ (bounded)}", "start", v_now, "bounded"),
        Step(r"\le \frac{\max r}{1-\gamma}", "<=", bound_v, "rewards bounded"),
        Step(r"\text{therefore } V_{\phi}^{t}(s) \rightarrow V_{\phi}^{\infty}(s)", "start", None, "monotone convergence", why=LIMIT),
        Step(r"\text{Similarly, we know } Q_{\phi}^{t}(s, a) \rightarrow V_{\phi}^{\infty}(s). Q_{\phi}^{\infty}(s, a): Q^t(s, a)", "start", q_now, "'Similarly' (Q is monotone and bounded as V is)", nontrivial=q_moves,
             garbled="'Q_phi^t(s, a) -> V_phi^inf(s). Q_phi^inf(s, a)': a stray 'V_phi^inf(s).'; Q_phi^t(s, a) -> Q_phi^inf(s, a) is meant"),
        Step(r"\le Q^{t+1}(s, a)", "<=", q_next, "", nontrivial=q_moves),
        Step(r"Q^t(s, a) \le \frac{\max r}{1-\gamma}", "start", q_now, "bounded"),
        Step(r"\le \frac{\max r}{1-\gamma}", "<=", bound_q, "rewards bounded"),
        Step(r"\text{Similarly, we know } Q_{\phi}^{t}(s, a) \rightarrow V_{\phi}^{\infty}(s). Q_{\phi}^{\infty}(s, a)", "start", None, "monotone convergence", why=LIMIT, garbled="'Q_phi^t(s, a) -> V_phi^inf(s). Q_phi^inf(s, a)': a stray 'V_phi^inf(s).'; Q_phi^t(s, a) -> Q_phi^inf(s, a) is meant"),
        Step(r"\text{Since the product policy is assumed to converge, } \{Q_{\phi}^{t,i}(s, a^i)\} \text{ is convergent}", "start", None, "Assumption 3.3 (the policy converges)", why=LIMIT),
        Step(r"\exists T_0 \; \forall t > T_0: Q_{\phi}^{\infty,i}(s,a^i) - \frac{\Delta}{4} \le Q_{\phi}^{t,i}(s,a^i) \le Q_{\phi}^{\infty,i}(s,a^i) + \frac{\Delta}{4}", "start", None, "convergence of Q^{t,i}", why=LIMIT),
    ],
    notes="The finite-t premise holds at every instance (it is Lemma C.3 at the stated step); "
          "the lemma itself is a limit statement.",
)
