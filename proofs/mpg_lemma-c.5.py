r"""mpg Appendix C, Lemma C.5 and its proof (prose with two chains, (11) and (12)).

Instances are states along real runs (``verify.limit_runs``: each agent ascends its own V^i at Theorem 3.4's
step on the games of the limit claims), at checkpoints after the estimated T_1.  Q_phi^{inf,i}, V_phi^inf and
Delta are the run's estimates at its last iterate (T = 2e4).  For product policies Q^{t,i}(s, a^{P^i}) with no
parents is V_phi^t(s), the quantity the proof uses.  Lines are arrays over all agents' entries (s, a^i); NaN
where the entry is outside the chain's set or the instance does not meet the chain's premises.  The extraction
prints the lines of (11) out of order; they are transcribed in the order of the argument.
"""
import importlib.util
from pathlib import Path

from verify import limit_runs as LR
from verify.proofs import Skip, Step, Transcript

_c = importlib.util.spec_from_file_location("_limit_common", Path(__file__).with_name("_limit_common.py"))
C = importlib.util.module_from_spec(_c)
_c.loader.exec_module(C)

sample = LR.transcript_sampler("mpg")
build = LR.transcript_context

_line, A = C.chain_line, C.chain_A        # per-entry lines on the actions of I_- or I_+


def q_minus_v(ctx):
    return lambda i: ctx["q"][i]["Qplus"] - ctx["V"][:, None]


def lim_q(sign):
    return lambda ctx: (lambda i: ctx["qinf"][i]["Qplus"] + sign * ctx["delta"] / 4 - ctx["V"][:, None])


def lim_qv_plus(ctx):   # (11): + Delta/4 on V
    return lambda i: ctx["qinf"][i]["Qplus"] + ctx["delta"] / 4 - ctx["qinf"][i]["Qpar"] + ctx["delta"] / 4


def lim_qv_mono(ctx):   # (12): V^t <= V^inf (monotone), no Delta/4
    return lambda i: ctx["qinf"][i]["Qplus"] - ctx["delta"] / 4 - ctx["qinf"][i]["Qpar"]


def const(f):
    return lambda ctx: (lambda i: f(ctx["delta"]))


NEG, POS = C.chain_nontrivial("I_-"), C.chain_nontrivial("I_+")
GARBLED = "the extraction prints the lines of (11) in the order 3, 4, 1, 6, 5; transcribed in the argument's order"

TRANSCRIPT = Transcript(
    id="mpg:lemma-c.5/proof", paper="mpg", location="Appendix C, proof of Lemma C.5", theorem_claim_id="mpg:lemma-c.5",
    statement=r"\exists T_1 \text{ such that } \forall t > T_1, s: A_{\phi}^{t,i}(s,a^{i}) < -\frac{\Delta}{4} \text{ for } a^{i} \in I_{-}^{s,i}; A_{\phi}^{t,i}(s,a^{i}) > \frac{\Delta}{4} \text{ for } a^{i} \in I_{+}^{s,i}",
    statement_expr=None, statement_relation="<=", conclusion_step=7, sample=sample, build=build, instances=16,
    prose=True, printed_lines=13,
    skipped=[Skip("'For a^i in I_-^{s,i}, t > T_1 > T_0' / 'For a^i in I_+^{s,i}, ...'", "prose announcing the cases", 2)],
    steps=[
        Step(r"V_{\phi}^{\infty}(s) - \frac{\Delta}{4} \le V_{\phi}^{t}(s) \le V_{\phi}^{\infty}(s) + \frac{\Delta}{4}", "start", None,
             "V_phi^t(s) -> V_phi^inf(s)", why="limit: the existence of T_1 is a statement about lim_t V_phi^t(s)"),
        Step(r"A^{t,i}_{\phi}(s,a^i)", "start", _line("I_-", A), "(11), a^i in I_-", nontrivial=NEG),
        Step(r"= Q^{t,i}_{\phi}(s,a^i) - V^t_{\phi}(s)", "=", _line("I_-", q_minus_v), "definition", nontrivial=NEG,
             garbled=GARBLED),
        Step(r"\leq Q_{\phi}^{\infty,i}(s,a^i) + \frac{\Delta}{4} - V_{\phi}^t(s)", "<=", _line("I_-", lim_q(+1)), "t > T_0",
             nontrivial=NEG, garbled=GARBLED),
        Step(r"\leq Q_{\phi}^{\infty,i}(s,a^i) + \frac{\Delta}{4} - V_{\phi}^{\infty}(s) + \frac{\Delta}{4}", "<=",
             _line("I_-", lim_qv_plus), "t > T_1", nontrivial=NEG, garbled=GARBLED),
        Step(r"\leq -\Delta + \frac{\Delta}{4} + \frac{\Delta}{4}", "<=", _line("I_-", const(lambda d: -d + d / 4 + d / 4)),
             "a^i in I_-", nontrivial=NEG, garbled=GARBLED),
        Step(r"\leq -\frac{\Delta}{4}", "<=", _line("I_-", const(lambda d: -d / 4)), "-Delta/2 <= -Delta/4", nontrivial=NEG,
             garbled=GARBLED),
        Step(r"A^{t,i}_{\phi}(s,a^i)", "start", _line("I_+", A), "(12), a^i in I_+", nontrivial=POS),
        Step(r"= Q^{t,i}_{\phi}(s,a^i) - V^t_{\phi}(s)", "=", _line("I_+", q_minus_v), "definition", nontrivial=POS),
        Step(r"\geq Q_{\phi}^{\infty,i}(s,a^i) - \frac{\Delta}{\Lambda} - V_{\phi}^t(s)", ">=", _line("I_+", lim_q(-1)), "t > T_0",
             nontrivial=POS, garbled="Delta/Lambda for Delta/4 (the evident meaning, by the next line)"),
        Step(r"\geq Q_{\phi}^{\infty,i}(s,a^i) - \frac{\Delta}{4} - V_{\phi}^{\infty}(s)", ">=", _line("I_+", lim_qv_mono),
             "V_phi^t <= V_phi^inf (monotone, Lemma C.3)", nontrivial=POS),
        Step(r"\geq \Delta - \frac{\Delta}{4}", ">=", _line("I_+", const(lambda d: d - d / 4)), "a^i in I_+", nontrivial=POS),
        Step(r"\geq \frac{\Delta}{4}", ">=", _line("I_+", const(lambda d: d / 4)), "", nontrivial=POS),
    ],
    notes="Chain (12) uses V_phi^t <= V_phi^inf (monotonicity) where bnac's (7) uses t > T_1; both hold where their "
          "premises do. On the runs I_+ is empty (Theorem 3.4), so chain (12) applies to no instance.",
)
