r"""Sympy oracles on small symbolic games.

* ``bn_gradient_single_state``: a one-state Markov game (a repeated game) with N = 2 agents, the BN
  edge 0 -> 1, two actions each, symbolic rewards r(a), symbolic gamma and symbolic parameters
  x = exp(theta).  V(mu) = sum_a pi(a) r(a) / (1 - gamma) exactly, so dV/dtheta = x dV/dx is exact; a
  printed formula, built from the same symbols by the paper's own definitions, is compared by
  simplification.  The ratio printed / exact is reported as an expression.
* ``coverage_gradient``: mbpg Theorem 1 with symbolic functions mu_j(theta_j), N = 2..6.
"""
from __future__ import annotations

import itertools

import sympy as sp


def _bn_single_state(potential_game: bool = False):
    g = sp.Symbol("gamma", positive=True)
    x0 = sp.symbols("x0_0:2", positive=True)             # exp(theta^0_{a0})
    x1 = sp.symbols("x1_0:2_0:2", positive=True)         # exp(theta^1_{a0, a1}) (parent a0)
    x1 = [[x1[2 * a + b] for b in range(2)] for a in range(2)]
    r = {a: sp.Symbol(f"r_{a[0]}{a[1]}") for a in itertools.product(range(2), range(2))}
    pi0 = [x0[a] / sum(x0) for a in range(2)]
    pi1 = [[x1[a][b] / sum(x1[a]) for b in range(2)] for a in range(2)]
    pi = {a: pi0[a[0]] * pi1[a[0]][a[1]] for a in r}
    V = sum(pi[a] * r[a] for a in r) / (1 - g)
    return g, x0, x1, r, pi0, pi1, pi, V


def bn_gradient_single_state(formula: str = "printed", factor=None) -> dict:
    r"""Compare dV/dtheta^i_{s,a^{P^i},a^i} with  c * d(s,a^{P^i}) pi^i(a^i|s,a^{P^i}) A^i(s,a^{P^i},a^i),
    c = 1/(1-gamma) ('printed', bnac Lemma 5.1) or 1 ('corrected'), or an explicit sympy ``factor``.
    d is the paper's unnormalized d(s) = 1/(1-gamma) on the single state."""
    g, x0, x1, r, pi0, pi1, pi, V = _bn_single_state()
    c = factor if factor is not None else (1 / (1 - g) if formula == "printed" else sp.Integer(1))
    d_s = 1 / (1 - g)
    Q = {a: r[a] + g * V for a in r}
    ratios, ok = [], True
    # agent 0 (no parents): A^0(a0) = Q(s, a0) - Q(s)
    Vs = sum(pi[a] * Q[a] for a in r)
    for a0 in range(2):
        q_a0 = sum(pi[a] * Q[a] for a in r if a[0] == a0) / pi0[a0]
        lhs = sp.simplify(x0[a0] * sp.diff(V, x0[a0]))
        rhs = c * d_s * pi0[a0] * (q_a0 - Vs)
        ratios.append(sp.simplify(rhs / lhs))
        ok &= sp.simplify(rhs - lhs) == 0
    # agent 1 (parent 0): A^1(a0, a1) = Q(s, a0, a1) - Q(s, a0)
    for a0 in range(2):
        q_par = sum(pi[a] * Q[a] for a in r if a[0] == a0) / pi0[a0]
        for a1 in range(2):
            lhs = sp.simplify(x1[a0][a1] * sp.diff(V, x1[a0][a1]))
            rhs = c * d_s * pi0[a0] * pi1[a0][a1] * (Q[(a0, a1)] - q_par)
            ratios.append(sp.simplify(rhs / lhs))
            ok &= sp.simplify(rhs - lhs) == 0
    uniq = sorted({str(x) for x in ratios})
    return {"holds": bool(ok), "ratio_printed_over_exact": uniq, "game": "one state, N=2, edge 0->1, |A^i|=2, symbolic r, gamma"}


def product_gradient_single_state(factor=None, advantage_of: str = "own") -> dict:
    r"""mpg Lemma 3.1 / C.2 on a one-state 2-agent MPG with r^i = phi + c^i:
    dPhi/dtheta^i = dV^i/dtheta^i  vs  factor * d(s) pi^i(a^i) A^i(s, a^i)."""
    g = sp.Symbol("gamma", positive=True)
    xs = [sp.symbols(f"x{i}_0:2", positive=True) for i in range(2)]
    phi = {a: sp.Symbol(f"phi_{a[0]}{a[1]}") for a in itertools.product(range(2), range(2))}
    cst = sp.symbols("c0:2")
    pis = [[x[k] / sum(x) for k in range(2)] for x in xs]
    pi = {a: pis[0][a[0]] * pis[1][a[1]] for a in phi}
    Phi = sum(pi[a] * phi[a] for a in phi) / (1 - g)
    c = sp.Integer(1) if factor is None else factor
    ok, ratios = True, []
    for i in range(2):
        rew = {a: phi[a] + cst[i] for a in phi} if advantage_of == "own" else phi
        Vi = sum(pi[a] * rew[a] for a in phi) / (1 - g)
        Q = {a: rew[a] + g * Vi for a in phi}
        for k in range(2):
            lhs_V = sp.simplify(xs[i][k] * sp.diff(Vi, xs[i][k]))
            lhs_Phi = sp.simplify(xs[i][k] * sp.diff(Phi, xs[i][k]))
            q_ik = sum(pi[a] * Q[a] for a in phi if a[i] == k) / pis[i][k]
            rhs = c * (1 / (1 - g)) * pis[i][k] * (q_ik - Vi)
            ok &= sp.simplify(lhs_V - lhs_Phi) == 0 and sp.simplify(rhs - lhs_V) == 0
            ratios.append(sp.simplify(rhs / lhs_V))
    return {"holds": bool(ok), "ratio_printed_over_exact": sorted({str(x) for x in ratios}),
            "game": "one state, N=2 product policy, |A^i|=2, r^i = phi + c^i symbolic, gamma symbolic"}


def coverage_gradient(N: int, formula=None) -> dict:
    r"""mbpg Theorem 1 with symbolic mu_j(theta_j): d/dtheta_i of J(s) = -mu log mu, mu = 1 - prod_j (1 - mu_j),
    against (log mu + 1)(1 - mu) d/dtheta_i log(1 - mu_i) (or ``formula(mu, mu_i, theta_i)``)."""
    th = sp.symbols(f"theta1:{N + 1}", real=True)
    mus = [sp.Function(f"mu{j + 1}")(th[j]) for j in range(N)]
    mu = 1 - sp.Mul(*[(1 - m) for m in mus])
    J = -mu * sp.log(mu)
    ok = True
    for i in range(N):
        lhs = sp.diff(J, th[i])
        rhs = ((sp.log(mu) + 1) * (1 - mu) * sp.diff(sp.log(1 - mus[i]), th[i]) if formula is None
               else formula(mu, mus[i], th[i]))
        ok &= sp.cancel(lhs - rhs) == 0  # rational in mu_j, mu_j' and log(mu)
    return {"holds": bool(ok), "N": N}


def barrier_gradient(factor=None) -> dict:
    r"""bnrate Lemma 1's regularizer term on one state, one parent with 2 actions, |A^i| = 3:
    d/dtheta of lambda * sum log pi^i / (|S||A^{P^i}||A^i|) against lambda/(|S||A^{P^i}|) (1/|A^i| - pi^i)."""
    lam = sp.Symbol("lambda", positive=True)
    th = [[sp.Symbol(f"t_{p}{a}", real=True) for a in range(3)] for p in range(2)]
    pi = [[sp.exp(th[p][a]) / sum(sp.exp(t) for t in th[p]) for a in range(3)] for p in range(2)]
    reg = lam * sum(sp.log(pi[p][a]) for p in range(2) for a in range(3)) / (1 * 2 * 3)
    c = factor if factor is not None else lam / (1 * 2)
    ok = all(sp.simplify(sp.diff(reg, th[p][a]) - c * (sp.Rational(1, 3) - pi[p][a])) == 0
             for p in range(2) for a in range(3))
    return {"holds": bool(ok), "game": "one state, |A^{P^i}|=2, |A^i|=3, symbolic theta and lambda"}
