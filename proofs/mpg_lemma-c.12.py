r"""mpg Appendix C, Lemma C.12 and its proof (prose).

Instances: synthetic trajectories of one state s of agent i from T_1 on, constructed to meet the premises of
the lemma and of its proof by contradiction, because no run does: the limits engineer's runs (``verify.limit_runs``,
docs/limits.md) never show I_+^{s,i} nonempty at a state with mu(s) > 0, and a proof by contradiction has premises no run can
meet (here lim theta_{a_-} = theta_0 finite).  Each instance runs the printed update theta^{t'+1} = theta^{t'} + eta
dPhi/dtheta (Lemma 3.1's gradient 1/(1-gamma) d^{t'} pi^{t'} A^{t'}) for 20-40 steps from T_1 with drawn Q^{t'} (so
A^{t'} = Q^{t'} - sum pi Q^{t'}, sum_a pi A = 0) and d^{t'} in (0.1, 1): an action a_+ with A > 0 and a_- with A < 0 at
every step, the action a whose theta falls (the 'liminf = -infinity' action of (13)), and I_0 actions.  Then
Phi_max - Phi_min >= max |A| and Delta = 4 u min(A(a_+), -A(a_-)), u in (0.5, 1) (so |A(a_-)| >= Delta/4), theta_0 below
every theta_{a_-} (the contradiction hypothesis), delta > 0 with theta_a^{T_1} >= theta_0 - delta and theta_a falling
below theta_0 - delta, t the last step, tau(t) and the set T^{t,i} as defined; instances with T^{t,i} empty are
redrawn.  Entries: the steps t' of the window (per-step lines) or t' in T^{t,i} (lines (15)).
"""
import importlib.util
from pathlib import Path

import numpy as np

from verify.proofs import Skip, Step, Transcript

_c = importlib.util.spec_from_file_location("_limit_common", Path(__file__).with_name("_limit_common.py"))
C = importlib.util.module_from_spec(_c)
_c.loader.exec_module(C)

LIMIT = C.LIMIT
AP, AM, AA = C.AP, C.AM, C.AA                           # a_+, a_-, a
sample, build = C.seed_sample, C.contradiction_window   # the window of one state s from T_1 on
in_T, Z, c10, bound = C.in_T, C.Z, C.c10, C.bound      # c10: the factor of (15); bound: (Phi_max - Phi_min)/(1-gamma)


TRANSCRIPT = Transcript(
    id="mpg:lemma-c.12/proof", paper="mpg", location="Appendix C, proof of Lemma C.12", theorem_claim_id="mpg:lemma-c.12",
    statement=r"\forall a^i_+ \in I^{s,i}_+, \theta^i_{s,a^i_+} \text{ is lower bounded as } t \to \infty. \forall a^i_- \in I^{s,i}_-, \theta^i_{s,a^i_-} \to -\infty \text{ as } t \to \infty",
    statement_expr=None, statement_relation="=", conclusion_step=29, sample=sample, build=build, instances=8, prose=True,
    printed_lines=27,
    skipped=[Skip(r"\text{We immediately know that } \forall t \geq T_{1}, \theta_{s,a_{-}^{i}}^{i} > \theta_{0}^{i}",
                  "the contradiction hypothesis (the instances are built to meet it)", 1),
             Skip(r"\text{the definitions of } \delta^i, \tau^i(t), \mathcal{T}^{t,i}, Z^{t,i} \text{ (and } Z = 0 \text{ if } \mathcal{T}^{t,i} = \emptyset)",
                  "definitions, not assertions", 4),
             Skip(r"|A^{t',i}(s, a^i)| \leq \Phi_{\max} - \Phi_{\min}, \; \forall t' > T_1, |A^{t',i}(s, a^i_-)| \geq \frac{\Delta}{4}; \text{ both derivatives are negative}",
                  "the facts used for (15), premises the instances are built to meet", 2)],
    steps=[
        Step(r"\text{after } T_1, \theta_{s,a_+^i}^i \text{ is strictly increasing}: \theta^{t'+1,i}_{a_+}", "start",
             lambda ctx: ctx["TH"][1:, AP], "'lemma 6' (Lemma C.7; A^{t'}(a_+) > 0), one step of the update per t'"),
        Step(r"> \theta^{t',i}_{a_+}", ">=", lambda ctx: ctx["TH"][:-1, AP], "", note="strict, checked as >="),
        Step(r"\text{and is therefore bounded from below}: \theta^{t',i}_{s,a_+^i}", "start",
             lambda ctx: ctx["TH"][:, AP], "increasing after T_1"),
        Step(r"\ge \theta^{T_1,i}_{s,a_+^i}", ">=", lambda ctx: np.full(ctx["t"] + 1, ctx["TH"][0, AP]), ""),
        Step(r"\text{after } T_1, \theta_{s,a_-^i}^i \text{ is strictly decreasing}: \theta^{t'+1,i}_{a_-}", "start",
             lambda ctx: ctx["TH"][1:, AM], "'lemma 6' (Lemma C.7; A^{t'}(a_-) < 0)"),
        Step(r"< \theta^{t',i}_{a_-}", "<=", lambda ctx: ctx["TH"][:-1, AM], "", note="strict, checked as <="),
        Step(r"\lim_{t\to\infty} \theta_{s,a_{-}^{i}}^{i} \text{ exists and is either } -\infty \text{ or some constant } \theta_{0}^{i}",
             "start", None, "monotone convergence", why=LIMIT),
        Step(r"\text{By lemma 7}, \exists a^i: \lim \inf_{t \to \infty} \inf_{s,a^i} \theta_{s,a^i}^{t,i} = -\infty \quad (13)",
             "start", None, "'lemma 7' (Lemma C.8)", why=LIMIT),
        Step(r"Z^{t,i} = \sum_{t'\in\mathcal{T}^{t,i}} \frac{\partial \Phi^{t'}(\mu)}{\partial \theta^{i}_{s,a^{i}}}",
             "start", Z, "definition of Z"),
        Step(r"\leq \sum_{t'=\tau^{i}(t)+1}^{t-1} \frac{\partial \Phi^{t'}(\mu)}{\partial \theta^{i}_{s,a^{i}}}", "<=",
             lambda ctx: float(ctx["G"][ctx["tau"] + 1:ctx["t"], AA].sum()), "the other steps of (tau, t) increase theta_a"),
        Step(r"\leq \sum_{t'=\tau^{i}(t)}^{t-1} \frac{\partial \Phi^{t'}(\mu)}{\partial \theta^{i}_{s,a^{i}}} + \frac{1}{(1-\gamma)} (\Phi_{\max} - \Phi_{\min})", "<=",
             lambda ctx: float(ctx["G"][ctx["tau"]:ctx["t"], AA].sum()) + bound(ctx), "|dV/dtheta| <= (V_max - V_min)/(1-gamma)"),
        Step(r"= \frac{1}{\eta} (\theta^{t,i}_{s,a^{i}} - \theta^{\tau^{i}(t),i}_{s,a^{i}}) + \frac{1}{(1-\gamma)} (\Phi_{\max} - \Phi_{\min})", "=",
             lambda ctx: (ctx["TH"][ctx["t"], AA] - ctx["TH"][ctx["tau"], AA]) / ctx["eta"] + bound(ctx), "the update (3)"),
        Step(r"\left|\frac{\partial \Phi^{t'}(\mu)}{\partial \theta_{s,a^{i}}^{i}}\right|", "start",
             lambda ctx: np.abs(ctx["G"][:, AA]), "'where we have used'"),
        Step(r"\leq \frac{1}{(1-\gamma)}(\Phi_{\max}-\Phi_{\min})", "<=", lambda ctx: np.full(ctx["t"], bound(ctx)), "",
             note="holds with the normalized d <= 1 the instances draw; with the paper's unnormalized d (up to 1/(1-gamma)) "
                  "the bound needs 1/(1-gamma)^2"),
        Step(r"\lim_{t \to \infty} Z^{t,i} = -\infty \quad (14)", "start", None, "(13)", why=LIMIT,
             garbled="printed 'lim inf Z^{t,i} = -infinity'; its number (14) is printed apart"),
        Step(r"\left|\frac{\partial \Phi^{t'}(\mu)/\partial \theta^{i}_{s,a^{i}_{-}}}{\partial \Phi^{t'}(\mu)/\partial \theta^{i}_{s,a^{i}}}\right|",
             "start", lambda ctx: in_T(ctx, np.abs(ctx["G"][:, AM] / ctx["G"][:, AA])), "'lemma 1' (Lemma 3.1), t' in T^{t,i}",
             garbled="the denominator's theta is printed with a^i_- as well; read as a^i (the ratio is otherwise 1)"),
        Step(r"= \left|\frac{\pi^{t',i}(a^{i}_{-}|s)A^{t',i}(s,a^{i}_{-})}{\pi^{t',i}(a^{i}|s)A^{t',i}(s,a^{i})}\right|", "=",
             lambda ctx: in_T(ctx, np.abs(ctx["PI"][:, AM] * ctx["A"][:, AM] / (ctx["PI"][:, AA] * ctx["A"][:, AA]))), "the common factor cancels"),
        Step(r"\ge \exp(\theta^{i}_{0} - \theta^{t',i}_{s,a^{i}})\frac{\Delta}{4(\Phi_{\max} - \Phi_{\min})}", ">=",
             lambda ctx: in_T(ctx, np.exp(ctx["theta0"] - ctx["TH"][:-1, AA]) * ctx["Delta"] / (4 * ctx["R"])),
             "theta_{a_-} > theta_0, |A(a_-)| >= Delta/4, |A(a)| <= V_max - V_min"),
        Step(r"\geq \exp(\delta^i) \frac{\Delta}{4(\Phi_{\max} - \Phi_{\min})}", ">=", lambda ctx: in_T(ctx, np.full(ctx["t"], c10(ctx))),
             "theta_a^{t'} < theta_0 - delta on (tau(t), t)", garbled="'rac' for \\frac in the extraction"),
        Step(r"\frac{\partial \Phi^{t'}(\mu)}{\partial \theta^{i}_{s,a^{i}_{-}}}", "start", lambda ctx: in_T(ctx, ctx["G"][:, AM]),
             "(15), t' in T^{t,i}"),
        Step(r"\leq \exp(\delta^{i}) \frac{\Delta}{4(\Phi_{\max} - \Phi_{\min})} \frac{\partial \Phi^{t'}(\mu)}{\partial \theta^{i}_{s,a^{i}}} \quad (15)",
             "<=", lambda ctx: in_T(ctx, c10(ctx) * ctx["G"][:, AA]), "both derivatives are negative"),
        Step(r"\frac{1}{\eta}(\theta^{t,i}_{s,a^{i}_{-}}-\theta^{T_{1},i}_{s,a^{i}_{-}})", "start",
             lambda ctx: (ctx["TH"][ctx["t"], AM] - ctx["TH"][0, AM]) / ctx["eta"], "for non-empty T^{t,i}"),
        Step(r"=\sum_{t'=T_{1}}^{t-1}\frac{\partial \Phi^{t'}(\mu)}{\partial \theta^{i}_{s,a^{i}_{-}}}", "=",
             lambda ctx: float(ctx["G"][:ctx["t"], AM].sum()), "the update (3)"),
        Step(r"\leq\sum_{t'\in\mathcal{T}^{t,i}}\frac{\partial \Phi^{t'}(\mu)}{\partial \theta^{i}_{s,a^{i}_{-}}}", "<=",
             lambda ctx: float(ctx["G"][ctx["T"], AM].sum()), "every term is negative after T_1"),
        Step(r"\leq \exp(\delta^{i}) \frac{\Delta}{4(\Phi_{\max} - \Phi_{\min})} \sum_{t' \in \mathcal{T}^{t,i}} \frac{\partial \Phi^{t'}(\mu)}{\partial \theta^{i}_{s,a^{i}}}", "<=",
             lambda ctx: c10(ctx) * Z(ctx), "by equation (15)"),
        Step(r"= \exp(\delta^{i}) \frac{\Delta}{2} Z^{t,i}", "=", lambda ctx: c10(ctx) * Z(ctx),
             "definition of Z", note="the same expression as the line before (Z is its sum); holds by definition",
             garbled="printed '= exp(delta^i) Delta/2 Z^{t,i}' with a stray 'exp(delta) 1/(4(Phi_max - Phi_min)^2)' beside it; the evident meaning (the factor of the line before) is transcribed"),
        Step(r"\theta^{t,i}_{s,a^i_-} \to -\infty \text{ as } t \to \infty", "start", None,
             "(14) and theta^{T_1} finite", why=LIMIT),
        Step(r"\text{this contradicts the assumption that } \{\theta^i_{s,a^{t,i}_-}\}_{t\geq T_1} \text{ is lower bounded by } \theta^i_0",
             "start", None, "", why=LIMIT),
        Step(r"\forall a_-^i \in I^{s,i}_-: \theta_{s,a_-^i}^{t,i} \to -\infty \text{ (the second claim)}", "start", None,
             "the contradiction", why=LIMIT),
    ],
    notes="Instances are synthetic trajectories constructed to meet the premises (no run meets them); every finite-t "
          "step of the contradiction argument is checked on them, the limits are not evaluable.",
)
