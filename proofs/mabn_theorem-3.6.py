r"""mabn Appendix D, proof of Theorem 3.6 (gradient decomposition: grad_{theta_i} Q = grad_{theta_i} sum_{j in I_GD^i} Q_j).

Instances (proofs/_mabn_helpers.py): random time-invariant factored games with sparse random couplings, 2 or 3
agents, softmax policies on partial observations, discounted infinite horizon, one agent i whose I_GD^i
(from the folded MABN's value-dependency sets) is a proper subset, so that Qbar_i = sum_{k not in I_GD^i} Q_k
is not empty.  Lines are arrays over (s, a) (values) or (s, a, theta_i entries) (gradients, central
differences of numpy linear solves).  ``p(s(1) | s, pi_theta(s))`` in (18) and (22) is read literally as
the transition under the policy's action, sum_a' pi(a'|s) p(s'|s, a') (the notation of the deterministic
case, Appendix E(a)).
"""
import importlib.util
from pathlib import Path

import numpy as np

from verify.proofs import Step, Transcript

_h = importlib.util.spec_from_file_location("_mabn_helpers", Path(__file__).with_name("_mabn_helpers.py"))
H = importlib.util.module_from_spec(_h)
_h.loader.exec_module(H)


def sample(rng):
    return H.sample_sparse(rng)


def build(spec):
    m = H.model(spec)
    i = spec["agent"]
    n = m["n"]
    GD = sorted(m["GD"][i])
    NG = [k for k in range(n) if k not in GD]
    th = m["theta"]
    c = {"m": m, "i": i, "GD": GD, "NG": NG, "g": m["gamma"], "P": m["P"], "r": m["r"]}
    c["VQ"] = [H.VQ(m, th, m["r"][j]) for j in range(n)]
    c["Q_global"] = H.VQ(m, th, m["r"].sum(0))[1]
    c["pi"] = H.joint_pi(m, th)
    c["P_pi"] = np.einsum("sa,sat->st", c["pi"], m["P"])
    # gradients (central differences in theta_i)
    c["dQ"] = H.fd_theta_i(m, i, lambda t: H.VQ(m, t, m["r"].sum(0))[1])
    c["dQhat"] = H.fd_theta_i(m, i, lambda t: sum(H.VQ(m, t, m["r"][j])[1] for j in GD))
    c["dQbar"] = H.fd_theta_i(m, i, lambda t: sum((H.VQ(m, t, m["r"][k])[1] for k in NG), np.zeros_like(c["Q_global"])))
    delta = np.random.default_rng(spec.get("seed", 0) + 1).standard_normal(th[i].shape)
    moved = th.copy()
    moved[i] = moved[i] + delta
    c["Qbar_moved"] = sum((H.VQ(m, moved, m["r"][k])[1] for k in NG), np.zeros_like(c["Q_global"]))
    c["dQsplit"] = H.fd_theta_i(m, i, lambda t: sum(H.VQ(m, t, m["r"][j])[1] for j in range(n)))
    c["d22a"] = H.fd_theta_i(m, i, lambda t: _eq22_inner(c, t))
    c["dV_NG"] = H.fd_theta_i(m, i, lambda t: np.stack([H.VQ(m, t, m["r"][k])[0] for k in NG]) if NG
                              else np.zeros((1, len(c["pi"]))))
    return c


def _eq22_inner(c, t):
    """sum_{k not in I_GD^i} [r_k + gamma sum_s' p(s'|s, pi_theta(s)) V_k(s')] at theta = t (literal p under pi)."""
    m = c["m"]
    pi = H.joint_pi(m, t)
    P_pi = np.einsum("sa,sat->st", pi, m["P"])
    out = np.zeros_like(c["Q_global"])
    for k in c["NG"]:
        V = H.VQ(m, t, m["r"][k])[0]
        out = out + m["r"][k] + m["gamma"] * (P_pi @ V)[:, None]
    return out


def Qs(c, J):
    return sum((c["VQ"][j][1] for j in J), np.zeros_like(c["Q_global"]))


def bellman(c, J, under_policy=False):
    """sum_{j in J} [r_j + gamma sum_s' p(s'|s, a) V_j(s')] (or with p under the policy's action)."""
    out = np.zeros_like(c["Q_global"])
    for j in J:
        V = c["VQ"][j][0]
        nxt = (c["P_pi"] @ V)[:, None] if under_policy else c["P"] @ V
        out = out + c["r"][j] + c["g"] * nxt
    return out


def eq15(c):
    """sum_{s1} p(s1|s, a) sum_{j in GD} [r_j + sum_{a1} pi(a1|s1) E[sum_{t>=1} gamma^t r_j | s1, a1]],
    the inner expectation gamma Q_j(s1, a1)."""
    out = np.zeros_like(c["Q_global"])
    for j in c["GD"]:
        inner = (c["pi"] * c["g"] * c["VQ"][j][1]).sum(1)          # sum_a1 pi(a1|s1) gamma Q_j(s1, a1)
        out = out + c["r"][j] + c["P"] @ inner
    return out


def eq16a(c):
    out = np.zeros_like(c["Q_global"])
    for j in c["GD"]:
        out = out + c["r"][j] + c["g"] * c["P"] @ (c["pi"] * c["VQ"][j][1]).sum(1)
    return out


def eq19(c):
    """One solve for the reward summed over I_GD^i and one for the rest."""
    m = c["m"]
    th = m["theta"]
    rG = c["r"][c["GD"]].sum(0)
    rN = c["r"][c["NG"]].sum(0) if c["NG"] else np.zeros_like(rG)
    return H.VQ(m, th, rG)[1] + H.VQ(m, th, rN)[1]


def qhat_engine(c):
    """Qhat_i + Qbar_i, each by one solve with the summed reward of its agents."""
    return eq19(c)


def theorem_check(c):
    """The statement directly: central differences of Q (global reward) against those of sum_{j in I_GD^i} Q_j.
    (The JAX engine's exact Jacobians are the check of the claim mabn:theorem-3.6.)"""
    err = float(np.abs(c["dQ"] - c["dQhat"]).max())
    return bool(err <= 1e-8 + 1e-5 * np.abs(c["dQ"]).max()), f"max |grad Q - grad sum_GD Q_j| = {err:.2g} (central differences)"


def _ng(c):
    return bool(c["NG"])


FD = (1e-5, 1e-8)
TRANSCRIPT = Transcript(
    id="mabn:theorem-3.6/proof", paper="mabn", location="Appendix D", theorem_claim_id="mabn:theorem-3.6",
    statement=r"\nabla_{\theta_i} Q^\pi(s, a) = \nabla_{\theta_i} \left( \sum_{j \in \mathcal{I}_{\text{GD}}^i} Q_j^\pi(s_{\mathcal{I}_Q^j}, a_{\mathcal{I}_Q^j}) \right)",
    statement_expr=lambda c: c["dQhat"], statement_relation="=",
    sample=sample, build=build, instances=8, theorem_check=theorem_check, printed_lines=14,
    steps=[
        Step(r"Q^\pi(s, a) = \mathbb{E}_\pi \left[ \sum_{i=1}^N \sum_{t=0}^{\infty} \gamma^t r_i(s_{\mathcal{I}_R^i}(t), a_{\mathcal{I}_R^i}(t)) | s(0) = s, a(0) = a \right]",
             "start", lambda c: c["Q_global"], "definition (one solve with the global reward)"),
        Step(r"= \mathbb{E}_\pi \left[ \sum_{j \in \mathcal{I}_{\text{GD}}^i} \sum_{t=0}^{\infty} \gamma^t r_j + \sum_{j \setminus \mathcal{I}_{\text{GD}}^i} \sum_{t=0}^{\infty} \gamma^t r_j \middle| s(0) = s, a(0) = a \right] \quad (14)",
             "=", lambda c: Qs(c, c["GD"]) + Qs(c, c["NG"]), "splitting the agents by I_GD^i", nontrivial=_ng),
        Step(r"\mathbb{E}_\pi \left[ \sum_{j \in \mathcal{I}_{\text{GD}}^i} \sum_{t=0}^{\infty} \gamma^t r_j(s_{\mathcal{I}_R^j}(t), a_{\mathcal{I}_R^j}(t)) | s(0) = s, a(0) = a \right]",
             "start", lambda c: Qs(c, c["GD"]), "the first term of (14)"),
        Step(r"= \int_{s(1), r(1)} p(s(1), r(1) | s, a) \sum_{j \in \mathcal{I}_{\text{GD}}^i} \left[ r_j + \int_{\pi(a(1)|s(1))} \mathbb{E}_\pi \left[ \sum_{t=1}^{\infty} \gamma^t r_j(t) | s(1), a(1) \right] da(1) \right] dr(1) ds(1) \quad (15)",
             "=", eq15, "one step of the expectation"),
        Step(r"= \sum_{j \in \mathcal{I}_{\text{GD}}^i} \left[ r_j(s_{\mathcal{I}_R^j}, a_{\mathcal{I}_R^j}) + \gamma \int_{s(1)} p(s(1) | s, a) \int_{\pi(a(1)|s(1))} Q_j^\pi(s(1), a(1)) da(1) ds(1) \right]",
             "=", eq16a, "a deterministic reward"),
        Step(r"= \sum_{j \in \mathcal{I}_{\text{GD}}^i} \left[ r_j(s_{\mathcal{I}_R^j}, a_{\mathcal{I}_R^j}) + \gamma \int_{s(1)} p(s(1) | s, a) V_j^\pi(s(1)) ds(1) \right] \quad (16)",
             "=", lambda c: bellman(c, c["GD"]), "V_j = E_a Q_j"),
        Step(r"\mathbb{E}_\pi \left[ \sum_{j \setminus \mathcal{I}_{\text{GD}}^i} \sum_{t=0}^{\infty} \gamma^t r_j(s_{\mathcal{I}_R^j}(t), a_{\mathcal{I}_R^j}(t)) | s(0) = s, a(0) = a \right]",
             "start", lambda c: Qs(c, c["NG"]), "the second term of (14)"),
        Step(r"= \sum_{j \setminus \mathcal{I}_{\text{GD}}^i} \left[ r_j(s_{\mathcal{I}_R^j}, a_{\mathcal{I}_R^j}) + \gamma \int_{s(1)} p(s(1) | s, a) V_j^\pi(s(1)) ds(1) \right] \quad (17)",
             "=", lambda c: bellman(c, c["NG"]), "similarly", nontrivial=_ng),
        Step(r"Q^\pi(s, a)", "start", lambda c: c["Q_global"], "Using (16) and (17)"),
        Step(r"= \sum_{j \in \mathcal{I}_{\text{GD}}^i} [r_j + \gamma \int_{s(1) \in \mathcal{S}} p(s(1) | s, \pi_\theta(s)) V^{\pi_{\theta_j}}(s(1))] + \sum_{k \notin \mathcal{I}_{\text{GD}}^i} [r_k + \gamma \int_{s' \in \mathcal{S}} p(s(1) | s, \pi_\theta(s)) V^{\pi_{\theta_k}}(s(1))] \quad (18)",
             "=", lambda c: bellman(c, c["GD"], True) + bellman(c, c["NG"], True), "(16) and (17)",
             note="p(s(1) | s, pi_theta(s)) replaces the action a of (16)-(17) by the policy's: the line is Q with the "
                  "first transition averaged over the policy, not Q(s, a).  A notational slip confined to the line "
                  "(the next line holds against (17)'s sum, which the replay's check against the line before shows)"),
        Step(r"= \sum_{j \in \mathcal{I}_{\text{GD}}^i} \mathbb{E}_\pi \left[ \sum_{t=0}^{\infty} \gamma^t r_j | s(0) = s, a(0) = a \right] + \sum_{k \notin \mathcal{I}_{\text{GD}}^i} \mathbb{E}_\pi \left[ \sum_{t=0}^{\infty} \gamma^t r_k | s(0) = s, a(0) = a \right] \quad (19)",
             "=", eq19, "linearity of expectation"),
        Step(r"= \sum_{j \in \mathcal{I}_{\text{GD}}^i} Q_j^\pi(s, a) + \sum_{k \notin \mathcal{I}_{\text{GD}}^i} Q_k^\pi(s, a) \quad (20)",
             "=", lambda c: Qs(c, c["GD"]) + Qs(c, c["NG"]), "definition of Q_j"),
        Step(r"= \widehat{Q}_i^\pi(s, a) + \bar{Q}_i^\pi(s, a) \quad (21)", "=", qhat_engine,
             "definitions"),
        Step(r"\bar{Q}_i^\pi \text{ at } (\theta_i + \delta, \theta_{-i}) \quad (\text{a finite change of } \theta_i)", "start",
             lambda c: c["Qbar_moved"], "Qbar_i with theta_i moved by a random delta (entries N(0, 1))"),
        Step(r"\text{It then follows that } Q_k^\pi(\cdot), V_k^\pi(\cdot) \text{ are independent of } \theta_i, \forall k \notin \mathcal{I}_{\text{GD}}^i",
             "=", lambda c: Qs(c, c["NG"]), "if k not in I_GD^i then i not in I_Q^k (Theorem 3.2)", nontrivial=_ng),
        Step(r"\nabla_{\theta_i} \bar{Q}_i^\pi", "start", lambda c: c["dQbar"], "central differences of Qbar_i"),
        Step(r"= \nabla_{\theta_i} \sum_{k \notin \mathcal{I}_{\text{GD}}^i} \left[ r_k(s_{\mathcal{I}_R^k}, a_{\mathcal{I}_R^k}) + \gamma \int_{s' \in \mathcal{S}} p(s' | s, \pi_\theta(s)) V_k^\pi(s') \right]",
             "=", lambda c: c["d22a"], "(18)'s second sum", tol=FD, nontrivial=_ng,
             note="holds even with p under the policy's action: for k not in I_GD^i, V_k does not depend on the states "
                  "agent i's action moves, so the transition's dependence on theta_i does not reach the line"),
        Step(r"= \sum_{k \notin \mathcal{I}_{\text{GD}}^i} \left[ \nabla_{\theta_i} r_k(s_{\mathcal{I}_R^k}, a_{\mathcal{I}_R^k}) + \gamma \int_{s' \in \mathcal{S}} p(s' | s, \pi_\theta(s)) \nabla_{\theta_i} [V_k^\pi(s')] \right]",
             "=", lambda c: sum((c["g"] * np.einsum("st,ktp->sp", c["P_pi"], c["dV_NG"][[n]])[:, None, :]
                                 for n in range(len(c["NG"]))), np.zeros_like(c["dQbar"])),
             "interchanging derivative and integral", tol=FD, nontrivial=_ng,
             note="drops the derivative of p(s'|s, pi_theta(s)) in theta_i; the dropped term is 0 for the same reason"),
        Step(r"= 0, \quad (22)", "=", lambda c: np.zeros_like(c["dQbar"]),
             "Q_k, V_k do not depend on theta_i for k not in I_GD^i (Theorem 3.2)", tol=FD, nontrivial=_ng),
        Step(r"\nabla_{\theta_i} Q^\pi(s, a)", "start", lambda c: c["dQ"], "central differences of Q"),
        Step(r"= \nabla_{\theta_i} [\widehat{Q}_i^\pi + \bar{Q}_i^\pi]", "=", lambda c: c["dQsplit"], "(21)", tol=FD,
             nontrivial=lambda c: float(np.abs(c["dQ"]).max()) > 1e-8),
        Step(r"= \nabla_{\theta_i} \widehat{Q}_i^\pi. \quad (23)", "=", lambda c: c["dQhat"], "(22)", tol=FD,
             nontrivial=lambda c: _ng(c) and float(np.abs(c["dQ"]).max()) > 1e-8),
    ],
    notes="Every line holds except (18), which writes p(s(1) | s, pi_theta(s)) (the deterministic-policy notation of "
          "Appendix E(a)) for p(s(1) | s, a): read literally it is not Q(s, a); (19) holds against Q(s, a), the line before (18).  In (22) the "
          "same notation does no harm; its three gradient lines are 0 = 0 on every instance (reported weak: nothing but "
          "zeros to compare), and the independence they rest on is checked with a finite change of theta_i (the line "
          "before them).  The decomposition (23) holds on every instance.",
)
