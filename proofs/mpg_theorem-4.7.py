r"""mpg Appendix F.1, proof of Theorem 4.7 (POA bound of maximum-gain eps-ratio-best-response in smooth MPGs).

Instances and runs: proofs/_poa_runs.py (exact (alpha, beta)-smooth MPGs with Assumption 4.6, the maximum-gain
eps-ratio-best-response dynamics of verify.claims.poa with the proofs' reading of Definition 4.4, exact best
responses).  Each line is an array over the policies of the run it speaks of: every pi_t, the "bad" ones
(violating (8)), the "good" updated ones; NaN marks a policy a line does not speak of.  Strict inequalities
(">") are checked as ">=".  The proof's "m and T - m ... bad and good policies in the sequence" counts the T
updated policies pi_0..pi_{T-1} (the ones the per-step bounds (20) and the good-step ratio speak of); the
statement's count is over pi_0..pi_T.
"""
import importlib.util
import math
from pathlib import Path

import numpy as np

from verify.proofs import Skip, Step, Transcript

_h = importlib.util.spec_from_file_location("_poa_runs", Path(__file__).with_name("_poa_runs.py"))
R = importlib.util.module_from_spec(_h)
_h.loader.exec_module(R)
on = R.on


def sample(rng):
    return R.sample(rng, "br")


build = R.build


def Delta(c):
    return (c["Vdev"] - c["Vi"]).sum(1)


def bad_upd(c):
    return c["bad"][:-1]


def good_upd(c):
    return ~c["bad"][:-1]


def nxt(x):
    return np.asarray(x)[1:]


def cur(x):
    return np.asarray(x)[:-1]


def own_gain(c):
    """V^i_{pi_{t+1}} - V^i_{pi_t} for the agent i updated at t."""
    return np.array([c["Vi"][t + 1, i] - c["Vi"][t, i] for t, i in enumerate(c["upd"])])


def x_bad(c):
    return 1 + c["sigma"] * (1 + c["beta"]) / c["N"]


def m_upd(c):
    return int(bad_upd(c).sum())


def bound7(c):
    rho = (1 - c["eps"]) * x_bad(c)
    if abs(math.log(rho)) < 1e-15:
        return np.nan
    return math.log(c["phimax"] / c["Phi"][0]) / math.log(rho) - c["T"] * math.log(1 / (1 - c["eps"])) / math.log(rho)


def theorem_check(c):
    m = int(c["bad"].sum())
    b = bound7(c)
    rho = (1 - c["eps"]) * x_bad(c)
    return bool(m <= b + 1e-9), f"{m} of the {c['T'] + 1} policies violate (8); the count (7) is {b:.4g} (rho = {rho:.4g})"


def _any(mask_fn):
    return lambda c: bool(np.any(mask_fn(c)))


TRANSCRIPT = Transcript(
    id="mpg:theorem-4.7/proof", paper="mpg", location="Appendix F.1", theorem_claim_id="mpg:theorem-4.7",
    statement=r"\text{all but at most } \log_{\rho} \frac{\Phi_{\max}}{\Phi_0} - T \log_{\rho} \frac{1}{1-\epsilon} \ (7) \text{ policies } \pi_t \text{ satisfy } V_{\pi_t}(\mu) \ge \frac{\alpha}{(1+\beta)(1+\sigma)} V_{\pi_*}(\mu) \ (8), \ \rho = (1 - \epsilon)(1 + \frac{\sigma(1+\beta)}{N})",
    statement_expr=bound7, statement_relation="<=", conclusion_step=26,
    sample=sample, build=build, instances=18, theorem_check=theorem_check, printed_lines=9,
    skipped=[Skip(r"\delta^{i}(\pi_{t}) := V_{\pi_{*}^{i},\pi_{t}^{-i}}^{i} - V_{\pi_{t}}^{i}, \Delta(\pi_{t}) := \sum_{i} \delta^{i}(\pi_{t})",
                  "definitions (used by the lines below)", 1)],
    steps=[
        Step(r"V_{\pi_t}", "start", lambda c: c["V_direct"], "V_pi := sum_i V^i_pi, evaluated with the summed reward"),
        Step(r"= \sum_i V_{\pi_t}^i", "=", lambda c: c["Vi"].sum(1), "definition"),
        Step(r"= \sum_i \left(V_{\pi_*^i, \pi_t^{-i}}^i - \delta^i(\pi_t)\right)", "=",
             lambda c: (c["Vdev"] - (c["Vdev"] - c["Vi"])).sum(1), "definition of delta^i"),
        Step(r"\ge \alpha V_{\pi_*} - \beta V_{\pi_t} - \Delta(\pi_t)", ">=",
             lambda c: c["alpha"] * c["Vstar"] - c["beta"] * c["V"] - Delta(c), "(alpha, beta)-smoothness (Definition 4.2)",
             nontrivial=lambda c: c["alpha"] > 0),
        Step(r"V_{\pi_t}", "start", lambda c: c["V"], "(19)"),
        Step(r"V_{\pi_t} \ge \frac{\alpha}{1+\beta} V_{\pi_*} - \frac{1}{1+\beta} \Delta(\pi_t) \quad (19)", ">=",
             lambda c: (c["alpha"] * c["Vstar"] - Delta(c)) / (1 + c["beta"]), "rearranging"),
        Step(r"\Delta(\pi_t) \quad (\pi_t \text{ bad})", "start", lambda c: on(c["bad"], Delta(c)), "a bad policy violates (8)"),
        Step(r"\ge \alpha V_{\pi_*} - (1+\beta)V_{\pi_t}", ">=", lambda c: on(c["bad"], c["alpha"] * c["Vstar"] - (1 + c["beta"]) * c["V"]),
             "(19)", nontrivial=_any(lambda c: c["bad"])),
        Step(r"> (1+\beta)(1+\sigma)V_{\pi_t} - (1+\beta)V_{\pi_t}", ">=",
             lambda c: on(c["bad"], (1 + c["beta"]) * (1 + c["sigma"]) * c["V"] - (1 + c["beta"]) * c["V"]),
             "pi_t violates (8)", nontrivial=_any(lambda c: c["bad"])),
        Step(r"= \sigma(1+\beta)V_{\pi_t}", "=", lambda c: on(c["bad"], c["sigma"] * (1 + c["beta"]) * c["V"]), "algebra",
             nontrivial=_any(lambda c: c["bad"])),
        Step(r"\ge \sigma(1+\beta)\Phi_{\pi_t}", ">=", lambda c: on(c["bad"], c["sigma"] * (1 + c["beta"]) * c["Phi"]),
             "Assumption 4.6: Phi <= V", nontrivial=_any(lambda c: c["bad"])),
        Step(r"\text{the increase in the maximum-gain agent's local value, } \max_i \left(\max_{\pi'^i} V^i_{\pi'^i, \pi_t^{-i}} - V^i_{\pi_t}\right)",
             "start", lambda c: on(bad_upd(c), cur(c["BR"] - c["Vi"]).max(1)), "the best response of the maximum-gain agent"),
        Step(r"\text{is at least } \frac{\sigma(1+\beta)}{N} \Phi_{\pi_t} \text{ since } \Delta(\pi_t) = \sum_i \delta^i(\pi_t)", ">=",
             lambda c: on(bad_upd(c), c["sigma"] * (1 + c["beta"]) / c["N"] * cur(c["Phi"])), "max >= mean and the lines above",
             nontrivial=_any(bad_upd)),
        Step(r"\Phi_{t+1} - \Phi_{\pi_t}", "start", lambda c: on(bad_upd(c), nxt(c["Phi"]) - cur(c["Phi"])), "the potential's change"),
        Step(r"\ge \frac{\sigma(1+\beta)}{N} \Phi_{\pi_t}", ">=", lambda c: on(bad_upd(c), c["sigma"] * (1 + c["beta"]) / c["N"] * cur(c["Phi"])),
             "the characteristic of Phi in (1): the updated agent's gain is the potential's", nontrivial=_any(bad_upd)),
        Step(r"\Phi_{t+1}", "start", lambda c: on(bad_upd(c), nxt(c["Phi"])), "(20)"),
        Step(r"\Phi_{t+1} \ge (1 + \sigma(1 + \beta)/N) \Phi_{\pi_t}. \quad (20)", ">=",
             lambda c: on(bad_upd(c), x_bad(c) * cur(c["Phi"])), "rearranging", nontrivial=_any(bad_upd)),
        Step(r"\frac{\Phi_{t+1} - \Phi_t}{\Phi_t} \quad (\pi_t \text{ good, updated})", "start",
             lambda c: on(good_upd(c), (nxt(c["Phi"]) - cur(c["Phi"])) / cur(c["Phi"])), "a good pi_t being updated"),
        Step(r"= \frac{V_{\pi_{t+1}}^i - V_{\pi_t}^i}{\Phi_t}", "=", lambda c: on(good_upd(c), own_gain(c) / cur(c["Phi"])),
             "(1): the updated agent's value changes as Phi", nontrivial=_any(good_upd)),
        Step(r"= \frac{V_{\pi_{t+1}} - V_{\pi_t}}{\Phi_t}", "=",
             lambda c: on(good_upd(c), (nxt(c["V"]) - cur(c["V"])) / cur(c["Phi"])), "(none given)",
             nontrivial=lambda c: bool(np.any(good_upd(c))) and c["N"] > 1,
             note="one agent's gain equated with the change of the summed value V = sum_j V^j: every agent's value "
                  "moves when one agent deviates (by as much as Phi in a team game, so V moves N times as much)"),
        Step(r"\ge \frac{V_{\pi_{t+1}} - V_{\pi_t}}{V_{\pi_t}}", ">=",
             lambda c: on(good_upd(c), (nxt(c["V"]) - cur(c["V"])) / cur(c["V"])), "Phi <= V (Assumption 4.6)",
             nontrivial=_any(good_upd)),
        Step(r"> \frac{1}{1 - \epsilon} - 1", ">=", lambda c: on(good_upd(c), 1 / (1 - c["eps"]) - 1),
             "pi_t is not eps-ratio-Nash (the dynamics have not stopped)", nontrivial=_any(good_upd)),
        Step(r"\Phi_0(1 + \frac{\sigma(1+\beta)}{N})^m (\frac{1}{1-\epsilon})^{T-m}", "start",
             lambda c: c["Phi"][0] * x_bad(c) ** m_upd(c) * (1 / (1 - c["eps"])) ** (c["T"] - m_upd(c)),
             "m bad and T - m good updated policies", garbled="the factor's numerator prints as a line number (1249)"),
        Step(r"\le \Phi_{\max}", "<=", lambda c: c["phimax"], "(20), the good-step ratio, and Phi_T <= Phi_max"),
        Step(r"m \quad (\text{the policies violating (8)})", "start", lambda c: float(c["bad"].sum()),
             "the statement counts pi_0, ..., pi_T"),
        Step(r"\le \log_{\rho} \frac{\Phi_{\max}}{\Phi_0} - T \log_{\rho} \frac{1}{1-\epsilon} \quad \text{which implies (7)}", "<=",
             bound7, "taking logarithms: dividing by log rho keeps the direction only when rho > 1",
             note="with rho < 1 (small sigma) the division by log rho < 0 reverses the inequality: the count turns "
                  "negative while a bad pi_0 exists (the refutation of mpg:theorem-4.7)"),
    ],
    notes="The smoothness, (19) and bad-step lines hold; the good-step line equating one agent's gain with the change "
          "of V fails in team games (N > 1); the final division by log rho needs rho > 1, which sigma > 0 does not give.",
)
