r"""mpg Appendix F.2, proof of Corollary 4.8 (POA bound of the approximate-best-response NPG dynamics (5, 6)).

Instances and runs: proofs/_poa_runs.py with the NPG-BR dynamics of verify.claims.poa (K = ceil(4/((1-gamma)^2
eps)) soft-policy-iteration steps per agent, eta = 1, the maximum-gain agent keeps its change, stop when the
gain is at most eps/2).  Lines are arrays over the updated policies pi_0..pi_{T-1} (NaN where a line does not
speak of a policy); ">" is checked as ">=".  "m and T - m" count the T updated policies; the statement's
count is over pi_0..pi_T.
"""
import importlib.util
import math
from pathlib import Path

import numpy as np

from verify.proofs import Step, Transcript

_h = importlib.util.spec_from_file_location("_poa_runs", Path(__file__).with_name("_poa_runs.py"))
R = importlib.util.module_from_spec(_h)
_h.loader.exec_module(R)
on = R.on


def sample(rng):
    return R.sample(rng, "npg")


build = R.build


def bad_upd(c):
    return c["bad"][:-1]


def good_upd(c):
    return ~c["bad"][:-1]


def nxt(x):
    return np.asarray(x)[1:]


def cur(x):
    return np.asarray(x)[:-1]


def x_bad(c):
    return 1 + c["sigma"] * (1 + c["beta"]) / c["N"]


def y_good(c):
    return 1 + c["eps"] / (2 * (1 - c["gamma"]))


def own_gain(c):
    return np.array([c["Vi"][t + 1, i] - c["Vi"][t, i] for t, i in enumerate(c["upd"])])


def m_upd(c):
    return int(bad_upd(c).sum())


def bound9(c):
    rho = x_bad(c) / y_good(c)
    if abs(math.log(rho)) < 1e-15:
        return np.nan
    return math.log(c["phimax"] / c["Phi"][0]) / math.log(rho) - c["T"] * math.log(y_good(c)) / math.log(rho)


def theorem_check(c):
    m = int(c["bad"].sum())
    b = bound9(c)
    return bool(m <= b + 1e-9), (f"{m} of the {c['T'] + 1} policies violate (8); the count (9) is {b:.4g} "
                                 f"(rho = {x_bad(c) / y_good(c):.4g})")


def _any(mask_fn):
    return lambda c: bool(np.any(mask_fn(c)))


TRANSCRIPT = Transcript(
    id="mpg:corollary-4.8/proof", paper="mpg", location="Appendix F.2", theorem_claim_id="mpg:corollary-4.8",
    statement=r"\text{all but at most } \log_{\rho} \frac{\Phi_{\max}}{\Phi_0} - T \log_{\rho} \left(1 + \frac{\epsilon}{2(1-\gamma)} \right) \ (9) \text{ policies satisfy (8)}, \ \rho = (1 + \frac{\sigma(1+\beta)}{N})/(1 + \frac{\epsilon}{2(1-\gamma)})",
    statement_expr=bound9, statement_relation="<=", conclusion_step=11,
    sample=sample, build=build, instances=18, theorem_check=theorem_check, printed_lines=3,
    steps=[
        Step(r"\Phi_{t+1} \quad (\pi_t \text{ bad})", "start", lambda c: on(bad_upd(c), nxt(c["Phi"])),
             "Similar to the proof of Theorem 4.7, we can obtain inequality (20) for a bad pi_t"),
        Step(r"\ge (1 + \sigma(1 + \beta)/N) \Phi_{\pi_t} \quad (20)", ">=", lambda c: on(bad_upd(c), x_bad(c) * cur(c["Phi"])),
             "as in Theorem 4.7, with the NPG-BR agent's gain in place of a best response's", nontrivial=_any(bad_upd),
             note="(20) rests on the maximum-gain agent gaining at least Delta/N; an approximate best response after K "
                  "NPG steps gains less than the exact one"),
        Step(r"\frac{\Phi_{t+1} - \Phi_t}{\Phi_t} \quad (\pi_t \text{ good, updated})", "start",
             lambda c: on(good_upd(c), (nxt(c["Phi"]) - cur(c["Phi"])) / cur(c["Phi"])), "a good pi_t"),
        Step(r"= \frac{V_{\pi_{t+1}}^i - V_{\pi_t}^i}{\Phi_t}", "=", lambda c: on(good_upd(c), own_gain(c) / cur(c["Phi"])),
             "(1)", nontrivial=_any(good_upd)),
        Step(r"= \frac{V_{\pi_{t+1}} - V_{\pi_t}}{\Phi_t}", "=", lambda c: on(good_upd(c), (nxt(c["V"]) - cur(c["V"])) / cur(c["Phi"])),
             "(none given)", nontrivial=lambda c: bool(np.any(good_upd(c))) and c["N"] > 1,
             note="as in Theorem 4.7's proof: one agent's gain equated with the change of V = sum_j V^j"),
        Step(r"\ge \frac{V_{\pi_{t+1}} - V_{\pi_t}}{V_{\pi_t}}", ">=",
             lambda c: on(good_upd(c), (nxt(c["V"]) - cur(c["V"])) / cur(c["V"])), "Phi <= V", nontrivial=_any(good_upd)),
        Step(r"> \frac{\epsilon/2}{1 - \gamma}", ">=", lambda c: on(good_upd(c), c["eps"] / 2 / (1 - c["gamma"])),
             "the eps/2 increase per iteration", nontrivial=_any(good_upd),
             note="a gain of eps/2 in Phi gives the ratio eps/(2 V_t) at best, which exceeds eps/(2(1-gamma)) only "
                  "when V_t < 1 - gamma; with values of order 1/(1-gamma) the (1-gamma) is on the wrong side"),
        Step(r"\Phi_0(1 + \frac{\sigma(1+\beta)}{N})^m(1 + \frac{\epsilon}{2(1-\gamma)})^{T-m}", "start",
             lambda c: c["Phi"][0] * x_bad(c) ** m_upd(c) * y_good(c) ** (c["T"] - m_upd(c)),
             "m bad and T - m good updated policies", garbled="the factor's numerator prints as a line number (1260)"),
        Step(r"\leq \Phi_{\max}", "<=", lambda c: c["phimax"], "the two per-step bounds and Phi_T <= Phi_max"),
        Step(r"m \quad (\text{the policies violating (8)})", "start", lambda c: float(c["bad"].sum()),
             "the statement counts pi_0, ..., pi_T"),
        Step(r"\le \log_{\rho} \frac{\Phi_{\max}}{\Phi_0} - T \log_{\rho} \left(1 + \frac{\epsilon}{2(1-\gamma)} \right) \quad \text{which implies (9)}",
             "<=", bound9, "taking logarithms (needs rho > 1)"),
    ],
    notes="As in Theorem 4.7's proof, plus the good-step ratio eps/(2(1-gamma)), which inverts the (1-gamma).",
)
