r"""mpg Appendix C, Lemma C.9 and its proof (prose).

Instances: synthetic states s of one agent i, constructed to meet the lemma's premise, because no run does: the limits
engineer's runs (``verify.limit_runs``, docs/limits.md) never show I_+^{s,i} nonempty at a state with mu(s) > 0, so on
real runs every line of this proof would be vacuous.  Each instance draws the limit values (I_0, I_+, I_- with
A^inf = 0, > 0, < 0; Delta the smallest nonzero |A^inf|; Q^inf_phi(s, a) = V^inf(s) + A^inf), a time t > T_0
(|Q^t - Q^inf| <= Delta/4 entrywise, Lemma C.4, and for V^t(s) = sum_a pi^t Q^t too), theta^t (pi^t its softmax),
d^t(s) in (0, 1), gamma and a step eta.  The gradient is Lemma 3.1's expression (checked against exact gradients in
mpg:lemma-c.6/proof on real runs).  Entries are the pairs (a_+, a), a_+ in I_+, a in I_0, with the premise
pi^t(a) <= pi^t(a_+) (NaN, "does not apply", elsewhere).

The statement's conclusion is garbled ("pi^tau(a|s) <= T_1. pi^tau(a_+|s)"); its evident reading, for all tau >= t,
pi^tau(a|s) <= pi^tau(a_+|s), is checked as one step of the induction the proof leaves implicit
(theta^{t+1} = theta^t + eta grad).
"""
import importlib.util
from pathlib import Path

from verify.proofs import Skip, Step, Transcript

_c = importlib.util.spec_from_file_location("_limit_common", Path(__file__).with_name("_limit_common.py"))
C = importlib.util.module_from_spec(_c)
_c.loader.exec_module(C)

LIMIT = C.LIMIT
sample, build = C.seed_sample, C.one_step     # one step of the update at a state s after T_0
on_pairs, col, row, c = C.on_pairs, C.col, C.row, C.grad_factor


TRANSCRIPT = Transcript(
    id="mpg:lemma-c.9/proof", paper="mpg", location="Appendix C, proof of Lemma C.9", theorem_claim_id="mpg:lemma-c.9",
    statement=r"\text{Suppose } a^i_+ \in I^{s,i}_+. \forall a \in I^{s,i}_0, \text{ if } \exists t \geq T_1 \text{ such that } \pi^{t,i}(a|s) \leq \pi^{t,i}(a^i_+|s), \text{ then } \forall \tau \geq t, \pi^{\tau,i}(a|s) \leq T_1. \pi^{\tau,i}(a^i_\perp|s).",
    statement_expr=None, statement_relation="<=", conclusion_step=6, sample=sample, build=build, instances=8, prose=True,
    printed_lines=6,
    skipped=[Skip(r"Q_{\phi}^{t,i}(s,a) \text{ for } t > T_0",
                  "garbled: the end of the 'where the last step holds because' chain (its Q^t(a_+) >= ... >= Q^t(a) lines "
                  "are lost in the extraction; bnac:lemma-a.11/proof replays the bnac twin of the chain)", 1),
             Skip("the two definitions of B_0(a_+) and its complement in I_0", "definitions, not assertions", 2)],
    steps=[
        Step(r"\frac{\partial \Phi^t(\mu)}{\partial \theta_{\alpha,a}^i}", "start", lambda ctx: col(ctx, ctx["grad"]),
             "Lemma 3.1 (the gradient of the synthetic instance)", garbled="theta_{alpha,a} for theta_{s,a}; read so"),
        Step(r"= \frac{1}{1-\gamma} d_{\mu}^{\pi^t}(s) \pi^{t,i}(a|s) (Q_{\phi}^{t,i}(s,a) - V_{\Phi}^t(s))", "=",
             lambda ctx: col(ctx, c(ctx) * ctx["pi"] * (ctx["qt"] - ctx["qrow"])), "A = Q(s, a) - V(s)"),
        Step(r"\leq \frac{1}{1-\gamma} d_{\mu}^{\pi^{t}}(s) \pi^{t,i}(a_{+}^{i}|s) (Q_{\phi}^{t,i}(s,a_{+}^{i}) - V_{\Phi}^{t}(s))", "<=",
             lambda ctx: row(ctx, c(ctx) * ctx["pi"] * (ctx["qt"] - ctx["qrow"])),
             "pi(a) <= pi(a_+) and Q^t(a_+) >= Q^t(a) (t > T_0)",
             note="one inequality where bnac Lemma A.11 prints two; this combined one holds (if A^t(a) < 0 the left side "
                  "is negative, the right side positive)"),
        Step(r"= \frac{\partial \Phi^{t}(\mu)}{\partial \theta_{s,a^{i}}^{i}}", "=", lambda ctx: row(ctx, ctx["grad"]), "Lemma 3.1",
             garbled="theta_{s,a^i} for theta_{s,a^i_+} (the subscript's + is lost); read as a^i_+"),
        Step(r"[\text{conclusion}] \; \pi^{t+1,i}(a|s)", "start", lambda ctx: col(ctx, ctx["pi1"]),
             "one step of the induction: theta^{t+1} = theta^t + eta grad, grad_a <= grad_{a_+} (lines 1-3) and "
             "theta_a <= theta_{a_+}"),
        Step(r"\le \pi^{t+1,i}(a^i_+|s)", "<=", lambda ctx: row(ctx, ctx["pi1"]),
             "the lemma's conclusion at tau = t + 1", garbled="the statement prints 'pi^tau(a|s) <= T_1. pi^tau(a_perp|s)'; read as pi^tau(a|s) <= pi^tau(a_+|s)"),
    ],
    notes="Instances are synthetic states constructed to meet the premise (no run meets it).",
)
