r"""bnac Appendix A, Lemma A.7 and its proof (prose with two displayed chains, (6) and (7)).

Instances are states along real runs (``verify.limit_runs``: exact PG at the stated step on the games of the
limit claims), at checkpoints after the estimated T_1.  Q^{inf,i} and Delta are the run's estimates at its last
iterate (T = 2e4); I_-, I_+ the estimated sets.  Every line is an array over all agents' entries (s, a^P, a^i);
entries outside the set a chain is about, or at which the instance does not meet the chain's premises
(|Q^{t,i} - Q^{inf,i}| <= Delta/4 for both Q's: "t > T_1"), are NaN (the line does not apply there).
"""
import importlib.util
from pathlib import Path

from verify import limit_runs as LR
from verify.proofs import Skip, Step, Transcript

_c = importlib.util.spec_from_file_location("_limit_common", Path(__file__).with_name("_limit_common.py"))
C = importlib.util.module_from_spec(_c)
_c.loader.exec_module(C)

sample = LR.transcript_sampler("bnac", plans=(0, 0, 1, 2))   # the adversarial start (I_+ rows) weighted twice
build = LR.transcript_context

_line, A = C.chain_line, C.chain_A        # per-entry lines on the actions of I_- or I_+


def diff(ctx):
    return lambda i: ctx["q"][i]["Qplus"] - ctx["q"][i]["Qpar"]


def lim_plus(sign):
    return lambda ctx: (lambda i: ctx["qinf"][i]["Qplus"] + sign * ctx["delta"] / 4 - ctx["q"][i]["Qpar"])


def lim_both(sign):
    return lambda ctx: (lambda i: ctx["qinf"][i]["Qplus"] + sign * ctx["delta"] / 4 - ctx["qinf"][i]["Qpar"]
                        + sign * ctx["delta"] / 4)


def delta_line(sign):
    return lambda ctx: (lambda i: sign * (ctx["delta"] - ctx["delta"] / 4 - ctx["delta"] / 4))


def quarter(sign):
    return lambda ctx: (lambda i: sign * ctx["delta"] / 4)


NEG, POS = C.chain_nontrivial("I_-"), C.chain_nontrivial("I_+")
LIMIT = "limit: the existence of T_1 is a statement about lim_t Q^{t,i}(s, a^P)"

TRANSCRIPT = Transcript(
    id="bnac:lemma-a.7/proof", paper="bnac", location="Appendix A, proof of Lemma A.7", theorem_claim_id="bnac:lemma-a.7",
    statement=r"\exists T_1 \text{ such that } \forall t > T_1, i, s, a^{\mathcal{P}^i}, a^i: A^{t,i} < -\frac{\Delta}{4} \text{ for } a^i \in I_-; A^{t,i} > \frac{\Delta}{4} \text{ for } a^i \in I_+",
    statement_expr=None, statement_relation="<=", conclusion_step=7, sample=sample, build=build, instances=24, prose=True,
    printed_lines=13,
    skipped=[Skip("'For a^i in I_-' / 'For a^i in I_+'", "prose announcing the cases; the chains' masks encode them", 2)],
    steps=[
        Step(r"\exists T_1 > T_0 \ldots Q^{\infty,i}(s,a^{\mathcal{P}^i}) - \frac{\Delta}{4} \le Q^{t,i}(s,a^{\mathcal{P}^i}) \le Q^{\infty,i}(s,a^{\mathcal{P}^i}) + \frac{\Delta}{4}",
             "start", None, "Q^{t,i}(s, a^P) -> Q^{inf,i}(s, a^P) (Lemma A.6)", why=LIMIT),
        Step(r"A^{t,i}(s, a^{\mathcal{P}^{i}}, a^{i})", "start", _line("I_-", A), "(6), a^i in I_-", nontrivial=NEG),
        Step(r"= Q^{t,i}(s, a^{\mathcal{P}^{i}}, a^{i}) - Q^{t,i}(s, a^{\mathcal{P}^{i}})", "=", _line("I_-", diff),
             "definition of A^{t,i}", nontrivial=NEG),
        Step(r"\leq Q^{\infty,i}(s, a^{\mathcal{P}^{i}}, a^{i}) + \frac{\Delta}{4} - Q^{t,i}(s, a^{\mathcal{P}^{i}})", "<=",
             _line("I_-", lim_plus(+1)), "t > T_0 (Lemma A.6)", nontrivial=NEG),
        Step(r"\leq Q^{\infty,i}(s, a^{\mathcal{P}^{i}}, a^{i}) + \frac{\Delta}{4} - Q^{\infty,i}(s, a^{\mathcal{P}^{i}}) + \frac{\Delta}{4}",
             "<=", _line("I_-", lim_both(+1)), "t > T_1", nontrivial=NEG),
        Step(r"\leq -\Delta + \frac{\Delta}{4} + \frac{\Delta}{4}", "<=", _line("I_-", delta_line(-1)),
             "a^i in I_-: A^{inf,i} <= -Delta (definition of Delta)", nontrivial=NEG,
             note="as printed the line reads -Delta + Delta/4 + Delta/4; the evaluated expression is that"),
        Step(r"< -\frac{\Delta}{4}", "<=", _line("I_-", quarter(-1)), "-Delta/2 < -Delta/4", nontrivial=NEG,
             note="'<' checked as '<='"),
        Step(r"A^{t,i}(s, a^{\mathcal{P}^{i}}, a^{i})", "start", _line("I_+", A), "(7), a^i in I_+", nontrivial=POS),
        Step(r"= Q^{t,i}(s, a^{\mathcal{P}^{i}}, a^{i}) - Q^{t,i}(s, a^{\mathcal{P}^{i}})", "=", _line("I_+", diff),
             "definition of A^{t,i}", nontrivial=POS),
        Step(r"\geq Q^{\infty,i}(s, a^{\mathcal{P}^{i}}, a^{i}) - \frac{\Delta}{4} - Q^{t,i}(s, a^{\mathcal{P}^{i}})", ">=",
             _line("I_+", lim_plus(-1)), "t > T_0", nontrivial=POS),
        Step(r"\geq Q^{\infty,i}(s, a^{\mathcal{P}^{i}}, a^{i}) - \frac{\Delta}{4} - Q^{\infty,i}(s, a^{\mathcal{P}^{i}}) - \frac{\Delta}{4}",
             ">=", _line("I_+", lim_both(-1)), "t > T_1", nontrivial=POS),
        Step(r"\geq \Delta - \frac{\Delta}{4} - \frac{\Delta}{4}", ">=", _line("I_+", delta_line(+1)),
             "a^i in I_+: A^{inf,i} >= Delta", nontrivial=POS),
        Step(r"> \frac{\Delta}{4}", ">=", _line("I_+", quarter(+1)), "Delta/2 > Delta/4", nontrivial=POS,
             note="'>' checked as '>='"),
    ],
    notes="The chains hold wherever their premises do; the existence of T_1 (line 1) is a limit statement. I_+ entries "
          "occur on the runs only where d(s, a^P) decays (the adversarial start), which Lemma A.7 does not exclude.",
)
