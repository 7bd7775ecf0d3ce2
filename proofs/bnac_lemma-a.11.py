r"""bnac Appendix A, Lemma A.11 and its proof (prose).

Instances: synthetic rows (s, a^{P^i}) of one agent i, constructed to meet the lemma's premise, because no run does:
the limits engineer's runs (``verify.limit_runs``, docs/limits.md) never show I_+ nonempty where lim d(s, a^P) > 0, so
on real runs every line of this proof would be vacuous.  Each instance draws the limit values (I_0, I_+, I_- with
A^inf = 0, > 0, < 0; Delta the smallest nonzero |A^inf|; Q^inf(s, a^P, a) = Q^inf(s, a^P) + A^inf), a time t > T_0
(|Q^t - Q^inf| <= Delta/4 entrywise, Lemma A.6, and for Q^t(s, a^P) = sum_a pi^t Q^t too), theta^t (pi^t its
softmax), d^t(s, a^P) in (0, 1), gamma and a step eta.  The gradient is Lemma A.4's expression (checked against exact
gradients in bnac:lemma-a.4/proof and on real runs in A.8-A.10).  Entries are the pairs (a_+, a), a_+ in I_+, a in
I_0, with the premise pi^t(a) <= pi^t(a_+) (NaN, "does not apply", elsewhere).

The statement is printed without its conclusion ("if exists t >= T_1 such that pi(a) <= pi(a_+)."); the mpg twin
(Lemma C.9) reads "then for all tau >= t, pi^tau(a) <= pi^tau(a_+)".  That conclusion is checked as one step of the
induction the proof leaves implicit (theta^{t+1} = theta^t + eta grad).
"""
import importlib.util
from pathlib import Path

from verify.proofs import Skip, Step, Transcript

_c = importlib.util.spec_from_file_location("_limit_common", Path(__file__).with_name("_limit_common.py"))
C = importlib.util.module_from_spec(_c)
_c.loader.exec_module(C)

LIMIT = C.LIMIT
sample, build = C.seed_sample, C.one_step     # one step of the update at a row (s, a^{P^i}) after T_0
on_pairs, col, row, c = C.on_pairs, C.col, C.row, C.grad_factor


TRANSCRIPT = Transcript(
    id="bnac:lemma-a.11/proof", paper="bnac", location="Appendix A, proof of Lemma A.11", theorem_claim_id="bnac:lemma-a.11",
    statement=r"\text{For some } s, i, a^{\mathcal{P}^i}, \text{ suppose } a^i_+ \in I^{s, a^{\mathcal{P}^i}, i}_+. \forall a \in I^{s, a^{\mathcal{P}^i}, i}_0, \text{ if } \exists t \geq T_1 \text{ such that } \pi^{t, i}(a|s, a^{\mathcal{P}^i}) \leq \pi^{t, i}(a^i_+|s, a^{\mathcal{P}^i}).",
    statement_expr=None, statement_relation="<=", conclusion_step=12, sample=sample, build=build, instances=8, prose=True,
    printed_lines=12,
    skipped=[Skip(r"\frac{\partial V^{t}(\mu)}{\partial \theta_{s,a^{\mathcal{P}^{i}},a^{i}}^{i}} = \frac{1}{1-\gamma} d_{\mu}^{\pi^{t}}(s,a^{\mathcal{P}^{i}})\pi^{t,i}(a^{i}|s,a^{\mathcal{P}^{i}})A^{t,i}(s,a^{\mathcal{P}^{i}},a^{i})",
                  "Lemma A.4 restated for a generic a^i; the synthetic instances take the gradient to be this expression "
                  "(Lemma A.4 is checked against exact gradients in bnac:lemma-a.4/proof)", 1),
             Skip("the first copy of the 'where the last step holds because' chain, inside the display",
                  "garbled in the extraction (the chain repeated with its relations scrambled); the clean copy after the "
                  "display is replayed", 1),
             Skip("the two displays defining B_0(a_+) and its complement in I_0", "definitions, not assertions", 2)],
    steps=[
        Step(r"\frac{\partial V^{t}(\mu)}{\partial \theta_{s,a^{\mathcal{P}^{i}},a}^{i}}", "start",
             lambda ctx: col(ctx, ctx["grad"]), "Lemma A.4 (the gradient of the synthetic instance)"),
        Step(r"= \frac{1}{1-\gamma} d_{\mu}^{\pi^{t}}(s,a^{\mathcal{P}^{i}})\pi^{t,i}(a^{i}|s,a^{\mathcal{P}^{i}}) \Big[Q^{t,i}(s,a^{\mathcal{P}^{i}},a^{i}) - Q^{t,i}(s,a^{\mathcal{P}^{i}})\Big]",
             "=", lambda ctx: col(ctx, c(ctx) * ctx["pi"] * (ctx["qt"] - ctx["qrow"])), "A = Q(s, a^P, a) - Q(s, a^P)",
             note="a^i on the right stands for the action a of the left side (line 1's generic a^i); read so"),
        Step(r"\leq \frac{1}{1-\gamma} d_{\mu}^{\pi_{\theta}}(s,a^{\mathcal{P}^{i}})\pi^{t,i}(a_{+}^{i}|s,a^{\mathcal{P}^{i}}) \Big[Q^{t,i}(s,a^{\mathcal{P}^{i}},a^{i}) - Q^{t,i}(s,a^{\mathcal{P}^{i}})\Big]",
             "<=", lambda ctx: on_pairs(ctx, c(ctx) * ctx["pi"][:, None] * (ctx["qt"] - ctx["qrow"])[None, :]),
             "pi(a) <= pi(a_+)",
             note="needs Q^t(s,a^P,a) - Q^t(s,a^P) >= 0, which the premise does not give: a in I_0 has A^inf(a) = 0 and "
                  "A^t(a) of either sign, and where A^t(a) < 0 the larger factor pi(a_+) makes the right side smaller"),
        Step(r"\leq \frac{1}{1-\gamma} d_{\mu}^{\pi_{\theta}}(s,a^{\mathcal{P}^{i}})\pi^{t,i}(a_{+}^{i}|s,a^{\mathcal{P}^{i}}) \Big[Q^{t,i}(s,a^{\mathcal{P}^{i}},a^{i}_{+}) - Q^{t,i}(s,a^{\mathcal{P}^{i}})\Big]",
             "<=", lambda ctx: row(ctx, c(ctx) * ctx["pi"] * (ctx["qt"] - ctx["qrow"])), "Q^t(a_+) >= Q^t(a) (the chain below)"),
        Step(r"= \frac{\partial V^{t}(\mu)}{\partial \theta_{s,a^{\mathcal{P}^{i}},a^{i}_{+}}^{i}}", "=",
             lambda ctx: row(ctx, ctx["grad"]), "Lemma A.4"),
        Step(r"Q^{t,i}(s, a^{\mathcal{P}}, a^{i}_{+})", "start", lambda ctx: row(ctx, ctx["qt"]),
             "'where the last step holds because'", garbled="a^t_+ printed for a^i_+; read as a^i_+"),
        Step(r"\ge Q^{\infty,i}(s, a^{\mathcal{P}}, a^{i}_{+}) - \frac{\Delta}{4}", ">=",
             lambda ctx: row(ctx, ctx["qinf"] - ctx["delta"] / 4), "t > T_0 (Lemma A.6)"),
        Step(r"\ge Q^{\infty,i}(s, a^{\mathcal{P}}, a) + \Delta - \frac{\Delta}{4}", ">=",
             lambda ctx: col(ctx, ctx["qinf"] + ctx["delta"] - ctx["delta"] / 4), "A^inf(a_+) >= Delta, A^inf(a) = 0"),
        Step(r"\ge Q^{t,i}(s, a^{\mathcal{P}}, a) - \frac{\Delta}{4} + \Delta - \frac{\Delta}{4}", ">=",
             lambda ctx: col(ctx, ctx["qt"] - ctx["delta"] / 4 + ctx["delta"] - ctx["delta"] / 4), "t > T_0 (Lemma A.6)"),
        Step(r"\ge Q^{t,i}(s, a^{\mathcal{P}}, a) \text{ for } t > T_0", ">=", lambda ctx: col(ctx, ctx["qt"]), ""),
        Step(r"[\text{conclusion, as in Lemma C.9}] \; \pi^{t+1,i}(a|s,a^{\mathcal{P}^i})", "start",
             lambda ctx: col(ctx, ctx["pi1"]), "one step of the induction: theta^{t+1} = theta^t + eta grad, "
             "grad_a <= grad_{a_+} (lines 1-5) and theta_a <= theta_{a_+}"),
        Step(r"\le \pi^{t+1,i}(a^i_+|s,a^{\mathcal{P}^i})", "<=", lambda ctx: row(ctx, ctx["pi1"]), "the lemma's conclusion at tau = t + 1"),
    ],
    notes=lambda st: ("The line 2 -> 3 step (pi(a) replaced by the larger pi(a_+)) needs A^t(a) >= 0, which fails for "
                      "a in I_0 with A^t(a) < 0; the lemma's conclusion survives (there d V/d theta_a < 0 < d V/d theta_{a_+}, "
                      "and the one-step induction holds). " if st.get(3) == "fails" else "") +
                     "Instances are synthetic rows constructed to meet the premise (no run meets it).",
)
