r"""mpg Appendix C.2, proof of Lemma C.3 (a round of parallel policy-gradient updates does not decrease V_phi, Q_phi).

The extraction (lines 715-771) is garbled: ``garbled`` flags say what each line transcribes.  Instances: random
Markov potential games (Phi is the value of the potential phi), product softmax policies, every agent with at
least two actions, one agent i and, for the lines that treat c(s, a) as a constant, a random signed vector c;
from line 14 on c = A_phi^t(s, a) = Q_phi(s, a) - V_phi(s) as the proof sets it.  Per-(s, a^i) arrays.  Oracles:
central differences of F_s and of the joint policy in theta^i, finite differences of Phi(mu) (verify.oracles),
values by a direct solve (proofs/_mpg_helpers.py).  Phi_max, Phi_min are the largest and smallest Q_phi^pi(s, a)
over all policies (the supposition of C.1, tight); beta = N max(5, sqrt N)(Phi_max - Phi_min), eta = f (1-gamma)/beta
with f in {1, 1/2} (the lemma's largest step and a smaller one); d is the paper's unnormalized visitation.
"""
import importlib.util
from pathlib import Path

import numpy as np

from verify.claims import poa as P
from verify.proofs import Skip, Step, Transcript, fd_grad

_h = importlib.util.spec_from_file_location("_mpg_helpers", Path(__file__).with_name("_mpg_helpers.py"))
H = importlib.util.module_from_spec(_h)
_h.loader.exec_module(H)

_base = H.mpg_sampler(states=(1, 3), gamma=(0.5, 0.95), gamma_near=False)


def sample(rng):
    spec = _base(rng)
    spec["extra"] = {"c_seed": int(rng.integers(0, 2**31 - 1)), "f": float(rng.choice([1.0, 0.5]))}
    return spec


def _F(pol, c):
    """F_s(theta_s) = sum_a pi_theta_s(a|s) c(s, a), for every s: shape (S,)."""
    pi = pol.joint()
    return (pi * c).reshape(pi.shape[0], -1).sum(1)


def _fd_theta_i(pol, i, fn, h=1e-5):
    """d fn(pol)[s] / d theta^i_{s, b} by central differences: shape (S, A^i) (+ fn's trailing axes)."""
    th = [np.asarray(t, float) for t in pol.thetas]
    S, Ai = th[i].shape
    out = None
    for s in range(S):
        for b in range(Ai):
            tp, tm = [t.copy() for t in th], [t.copy() for t in th]
            tp[i][s, b] += h
            tm[i][s, b] -= h
            v = (fn(pol.with_thetas(tp))[s] - fn(pol.with_thetas(tm))[s]) / (2 * h)
            if out is None:
                out = np.zeros((S, Ai) + np.shape(v))
            out[s, b] = v
    return out


def build(spec):
    game, pol = H.game_policy(spec)
    i = spec["agent"]
    N, S = game.n_agents, game.n_states
    A = game.action_sizes
    pi = pol.joint()
    loc = pol.local(i)
    V, Q = H.own_values(game, pi, game.potential)
    Aphi = Q - V.reshape((-1,) + (1,) * N)
    c = np.random.default_rng(spec["extra"]["c_seed"]).uniform(-1, 1, size=pi.shape)
    d = H.own_visitation(game, pi)
    lo, hi = P.extreme_values(game, game.potential.reshape(S, -1))       # extreme V_phi over policies
    r = game.potential.reshape(S, -1)
    Pf = game.P.reshape(S, -1, S)
    qmax, qmin = (r + game.gamma * Pf @ hi).max(), (r + game.gamma * Pf @ lo).min()
    beta = N * max(5.0, np.sqrt(N)) * (qmax - qmin)
    eta = spec["extra"]["f"] * (1 - game.gamma) / beta
    grads = fd_grad(game, pol, reward="potential")
    new = pol.with_thetas([np.asarray(t, float) + eta * g for t, g in zip(pol.thetas, grads)])  # update (3), all agents
    V1, Q1 = H.own_values(game, new.joint(), game.potential)
    eq = np.eye(A[i]).reshape([1] * (i + 1) + [A[i]] + [1] * (N - i - 1) + [A[i]])       # 1[a'[i] = a^i]
    eq = np.broadcast_to(eq, (1,) + tuple(A) + (A[i],))
    ax = tuple(range(1, N + 1))
    loc_b = loc.reshape((S,) + (1,) * N + (A[i],))                                        # pi^i(a^i|s)
    loc_ai = np.moveaxis(np.broadcast_to(loc.reshape((S,) + (1,) * i + (A[i],) + (1,) * (N - i - 1)), pi.shape), 0, 0)
    ctx = {"game": game, "pol": pol, "i": i, "N": N, "pi": pi, "loc": loc, "c": c, "Aphi": Aphi, "d": d,
           "g": game.gamma, "beta": beta, "eta": eta, "eq": eq, "ax": ax, "loc_b": loc_b,
           "loc_ai": loc_ai[..., None],                                                    # pi^i(a'[i]|s)
           "F_new": _F(new, Aphi), "F_old": _F(pol, Aphi), "V0": V, "V1": V1, "Q0": Q, "Q1": Q1,
           "fd_Phi": grads[i], "upd_i": eta * grads[i]}
    ctx["dF_c"] = _fd_theta_i(pol, i, lambda p: _F(p, c))
    ctx["dF_A"] = _fd_theta_i(pol, i, lambda p: _F(p, Aphi))
    ctx["dpi"] = _fd_theta_i(pol, i, lambda p: p.joint().reshape(S, -1))                 # (S, A^i, |A|)
    return ctx


def _sum(c, X):
    """sum over a' of X(s, a', a^i) -> (S, A^i)."""
    return X.sum(axis=c["ax"])


def _dpi(c):
    """d pi(a'|s) / d theta^i_{s, a^i} (central differences) as (S, A^1..A^N, A^i)."""
    S, Ai = c["loc"].shape
    return np.moveaxis(c["dpi"], 1, -1).reshape(c["pi"].shape + (Ai,))


def cvec(c, which):
    x = c["c"] if which == "c" else c["Aphi"]
    return x[..., None]


def chain_rule(c):
    return _sum(c, _dpi(c) * cvec(c, "c"))


def split(c):
    X = _dpi(c) * cvec(c, "c")
    return _sum(c, c["eq"] * X) + _sum(c, (1 - c["eq"]) * X)


def term1_fd(c):
    return _sum(c, c["eq"] * _dpi(c) * cvec(c, "c"))


def term1_printed(c):
    pb = c["loc_b"]
    return _sum(c, c["eq"] * (c["pi"][..., None] / pb) * (pb * (1 - pb)) * cvec(c, "c"))


def term1_simple(c):
    return _sum(c, c["eq"] * c["pi"][..., None] * (1 - c["loc_b"]) * cvec(c, "c"))


def term2_fd(c):
    return _sum(c, (1 - c["eq"]) * _dpi(c) * cvec(c, "c"))


def term2_printed(c):
    pa = c["loc_ai"]
    return _sum(c, (1 - c["eq"]) * (c["pi"][..., None] / pa) * (-c["loc_b"] * pa) * cvec(c, "c"))


def term2_simple(c):
    return -_sum(c, (1 - c["eq"]) * c["pi"][..., None] * c["loc_b"] * cvec(c, "c"))


def sum12(c, which="c"):
    x = cvec(c, which)
    pi = c["pi"][..., None]
    return _sum(c, c["eq"] * pi * x) - (_sum(c, c["eq"] * pi * c["loc_b"] * x) + _sum(c, (1 - c["eq"]) * pi * c["loc_b"] * x))


def sum12b(c, which="c"):
    x = cvec(c, which)
    pi = c["pi"][..., None]
    return _sum(c, c["eq"] * pi * x) - _sum(c, pi * c["loc_b"] * x)


def ind_A(c):
    return _sum(c, c["eq"] * c["pi"][..., None] * cvec(c, "A"))


def final(c):
    return c["loc"] * H.marginal_over_others(c["pi"], c["Aphi"], c["i"])


def theorem_check(c):
    dv = (c["V1"] - c["V0"]).min()
    dq = (c["Q1"] - c["Q0"]).min()
    ok = dv >= -1e-10 * (1 + np.abs(c["V0"]).max()) and dq >= -1e-10 * (1 + np.abs(c["Q0"]).max())
    return bool(ok), f"min (V^(t+1) - V^(t)) = {dv:.3g}, min (Q^(t+1) - Q^(t)) = {dq:.3g} at eta = {c['eta']:.3g}"


def _nz(c):
    return float(np.abs(final(c)).max()) > 1e-8


FD = (1e-6, 1e-8)
G = "extracted lines 722-771 interleave symbols and line numbers; the evident content is transcribed"
TRANSCRIPT = Transcript(
    id="mpg:lemma-c.3/proof", paper="mpg", location="Appendix C.2", theorem_claim_id="mpg:lemma-c.3",
    statement=r"\text{with } \eta \leq \frac{1-\gamma}{\beta}, \beta = NL(\Phi_{max} - \Phi_{min}), L = max(5, \sqrt{N}): V_{\phi}^{(t+1)}(s) \ge V_{\phi}^{(t)}(s), Q_{\phi}^{(t+1)}(s, a) \ge Q_{\phi}^{(t)}(s, a)",
    statement_expr=lambda c: c["Q0"], statement_relation=">=", conclusion_step=28,
    sample=sample, build=build, instances=8, theorem_check=theorem_check, printed_lines=20,
    skipped=[Skip(r"F_s(\theta_s) = \sum_a \pi_{\theta_s}(a|s)c(s,a) \text{ where } c(s, a) \text{ is treated as a constant}",
                  "definition (used by every line below)", 1),
             Skip(r"= \sum_{a'} \mathbb{1}[a'[i] = a^i] \pi^t(a'|s) (1 - \pi^{t,i}(a^i|s)) c(s,a') \quad \text{(line 736)}",
                  "the line above with the evaluation point theta^t written as a superscript: the same expression", 1),
             Skip(r"= -\sum_{a'} \mathbb{1}[a'[i] \neq a^i] \pi^t(a'|s) \pi^{t,i}(a^i|s) c(s,a') \quad \text{(line 744)}",
                  "the line above with the superscript t: the same expression", 1)],
    steps=[
        Step(r"\frac{\partial F_s(\theta_s)}{\partial \theta^{i}_{s,a^i}} \Big|_{\theta_s^{t,i}}", "start", lambda c: c["dF_c"],
             "central differences of F_s (the oracle)", garbled=G),
        Step(r"= \sum_{a'} \frac{\partial \pi_{\theta_s}(a'|s)}{\partial \theta^{i}_{s,a^i}} \Big|_{\theta_s^{t,i}} c(s,a')", "=",
             chain_rule, "chain rule", tol=FD, garbled=G, nontrivial=_nz),
        Step(r"= \sum_{a'} \mathbb{1}[a'[i] = a^i] \frac{\partial \pi_{\theta_s}(a'|s)}{\partial \theta^{i}_{s,a^i}} c(s,a') + \sum_{a'} \mathbb{1}[a'[i] \neq a^i] \frac{\partial \pi_{\theta_s}(a'|s)}{\partial \theta^{i}_{s,a^i}} c(s,a') = (1) + (2)",
             "=", split, "splitting by a'[i]", garbled=G, nontrivial=_nz),
        Step(r"(1)", "start", term1_fd, "the first sum (central differences of pi)"),
        Step(r"(1) = \sum_{a'} \mathbb{1}[a'[i] = a^{i}] \frac{\pi_{\theta_{s}}(a'|s)}{\pi_{\theta^i_{s}}(a^{i}|s)} \Big[\pi_{\theta_{s}^i}(a^{i}|s)(1 - \pi_{\theta_{s}^i}(a^{i}|s)) \Big] c(s, a')",
             "=", term1_printed, "d pi^i(a^i|s)/d theta^i_{s,a^i} = pi^i (1 - pi^i)", tol=FD, garbled=G, nontrivial=_nz),
        Step(r"= \sum_{a'} \mathbb{1}[a'[i] = a^{i}] \pi_{\theta_s}(a'|s) \left(1 - \pi_{\theta_s^i}(a^{i}|s)\right) \Big|_{\theta_{s,t}} c(s,a')",
             "=", term1_simple, "cancelling pi^i(a^i|s)", garbled=G, nontrivial=_nz),
        Step(r"(2)", "start", term2_fd, "the second sum (central differences of pi)"),
        Step(r"(2) = \sum_{a'} \mathbb{1}[a'[i] \neq a^{i}] \frac{\pi_{\theta_s}(a'|s)}{\pi_{\theta_s^i}(a'[i]|s)} \Big(-\pi_{\theta_{s}^i}(a^{i}|s)\pi_{\theta_{s}^i}(a'[i]|s) \Big) \Big|_{\theta_{s}^{t,i}} c(s,a')",
             "=", term2_printed, "d pi^i(a'[i]|s)/d theta^i_{s,a^i} = -pi^i(a^i|s) pi^i(a'[i]|s) for a'[i] != a^i", tol=FD,
             garbled=G + " (the denominator prints as pi(a^i|s); pi^i(a'[i]|s) is what the next line cancels)", nontrivial=_nz),
        Step(r"= -\sum_{a'} \mathbb{1}[a'[i] \neq a^i] \pi_{\theta_s}(a'|s) \pi_{\theta^i_s}(a^i|s) \bigg|_{\theta_s^{t,i}} c(s,a')",
             "=", term2_simple, "cancelling", garbled=G, nontrivial=_nz),
        Step(r"(1) + (2)", "start", lambda c: c["dF_c"], "the derivative of F_s (central differences)"),
        Step(r"(1) + (2) = \sum_{a'} \mathbb{1}[a'[i] = a^i]\pi^t(a'|s)c(s,a') - \left(\sum_{a'} \mathbb{1}[a'[i] = a^i]\pi^{t}(a'|s)\pi^{t,i}(a^i|s)c(s,a') + \sum_{a'} \mathbb{1}[a'[i] \neq a^i]\pi^{t}(a'|s)\pi^{t,i}(a^i|s)c(s,a')\right)",
             "=", sum12, "(1) - (the part with pi^i(a^i|s)) + (2)", tol=FD, garbled=G, nontrivial=_nz),
        Step(r"= \sum_{a'} \mathbb{1}[a'[i] = a^i]\pi^t(a'|s)c(s,a') - \sum_{a'} \pi^t(a'|s)\pi^{t,i}(a^i|s)c(s,a')", "=", sum12b,
             "the two indicators add to 1", garbled=G, nontrivial=_nz),
        Step(r"\frac{\partial F_s(\theta_s)}{\partial \theta^{i}_{s,a^i}} \text{ with } c(s,a') = A_{\phi}(s,a')", "start",
             lambda c: c["dF_A"], "Let c(s, a') = A_phi(s, a') (central differences)"),
        Step(r"= \sum_{a'} \mathbb{1}[a'[i] = a^i]\pi^t(a'|s)A_{\phi}(s,a') - \sum_{a'} \pi^t(a'|s)\pi^{t,i}(a^i|s)A_{\phi}(s,a')", "=",
             lambda c: sum12b(c, "A"), "the line above with c = A_phi", tol=FD, garbled=G, nontrivial=_nz),
        Step(r"= \sum_{a'} \mathbb{1}[a'[i] = a^i] \pi^t(a'|s) A_{\phi}(s, a')", "=", ind_A, "E_{a'} A_phi(s, a') = 0",
             garbled=G, nontrivial=_nz),
        Step(r"= \pi_{\theta^i}(a^i|s)A_\phi^{\pi_\theta,i}(s,a^i)", "=", final, "product policy, definition of A_phi^{pi,i}",
             garbled=G, nontrivial=_nz),
        Step(r"\nabla \Phi^t_{\theta^i_{s,a^i}}(\mu)", "start", lambda c: c["fd_Phi"], "finite differences of Phi(mu)"),
        Step(r"= \frac{1}{1-\gamma} d_\mu^{\pi_\theta}(s) \frac{\partial F_s(\theta_s)}{\partial \theta^i_{s,a^i}}", "=",
             lambda c: c["d"][:, None] * c["dF_A"] / (1 - c["g"]), "Lemma C.2", tol=FD, garbled=G,
             nontrivial=lambda c: _nz(c) and c["g"] > 0.01,
             note="Lemma C.2's extra 1/(1-gamma) with the unnormalized d (see mpg:lemma-c.2/proof)"),
        Step(r"\theta_s^{t+1} - \theta_s^t \quad (\text{the update (3), agent } i)", "start", lambda c: c["upd_i"],
             "eta times the gradient"),
        Step(r"\longrightarrow \theta_s^{t+1} = \theta_s^t + \eta \frac{1}{1-\gamma} d_\mu^{\pi_\theta}(s) \frac{\partial F_s(\theta_s)}{\partial \theta_s} \Big|_{\theta_s^t}",
             "=", lambda c: c["eta"] * c["d"][:, None] * c["dF_A"] / (1 - c["g"]), "the line above", tol=FD, garbled=G,
             nontrivial=lambda c: _nz(c) and c["g"] > 0.01),
        Step(r"\eta \frac{1}{1-\gamma} d_{\mu}^{\pi_{\theta}}(s) \quad (\eta \leq \frac{1-\gamma}{\beta})", "start",
             lambda c: c["eta"] * c["d"] / (1 - c["g"]), "the step F_s is ascended with, as printed"),
        Step(r"\leq \frac{1}{\beta}", "<=", lambda c: np.full_like(c["d"], 1 / c["beta"]),
             "our assumption eta <= (1-gamma)/beta implies it",
             note="needs d(s) <= 1; the paper's unnormalized d(s) reaches 1/(1-gamma).  The printed step carries "
                  "Lemma C.2's extra 1/(1-gamma); the true step eta d(s) <= eta/(1-gamma) <= 1/beta, so the two "
                  "slips cancel and the ascent below holds"),
        Step(r"F_s(\theta_s^{t+1}) \quad (c = A_\phi^{(t)})", "start", lambda c: c["F_new"],
             "F_s at the updated parameters (all agents, the update (3) with the exact gradient)"),
        Step(r"\ge F_s(\theta_s^t)", ">=", lambda c: c["F_old"], "F_s is beta-smooth (Lemma C.1 with ||c||_inf <= Phi_max - Phi_min) "
             "and the step is at most 1/beta", nontrivial=lambda c: _nz(c)),
        Step(r"V_{\phi}^{(t+1)}(s)", "start", lambda c: c["V1"], "exact values after the update"),
        Step(r"\ge V_{\phi}^{(t)}(s)", ">=", lambda c: c["V0"], "performance difference: V^(t+1) - V^(t) = sum_s' d^(t+1)(s') F_s'(theta^(t+1))",
             nontrivial=_nz),
        Step(r"Q_{\phi}^{(t+1)}(s,a)", "start", lambda c: c["Q1"], "exact Q after the update"),
        Step(r"\ge Q_{\phi}^{(t)}(s,a)", ">=", lambda c: c["Q0"], "Q = phi + gamma P V", nontrivial=_nz),
    ],
    notes="The algebra of dF/dtheta holds line by line.  Two slips cancel: the gradient carries Lemma C.2's extra 1/(1-gamma), "
          "and the step-size line needs d(s) <= 1, false for the unnormalized d; the true step eta d(s) is at most 1/beta, "
          "so the monotonicity the lemma states holds on every instance.",
)
