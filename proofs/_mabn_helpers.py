r"""Factored MABN instances for the mabn transcripts (not a transcript itself).

An instance is a random time-invariant factored game (verify.mabn_envs.TabularModel: local transition,
reward and observation tables on random coupling graphs, 2 local states and actions per agent), its
discounted infinite-horizon version with softmax policies pi_i(a_i | s_{I_O^i}) (StationaryModel, for its
tables only), I_Q from the folded MABN and I_GD = the in-neighbours in the transposed value-dependency graph
(verify.mabn).  Values, Q and their derivatives are recomputed here with numpy (direct linear solves and
central differences in theta_i), independently of the JAX engine.
"""
from __future__ import annotations

import numpy as np

from verify import mabn as M


def sample_sparse(rng, tries: int = 40, gamma=(0.5, 0.9)):
    """A spec {n, ns, na, seed, p, gamma, agent} whose agent i has I_GD^i a proper subset of the agents (so the
    decomposition says something); rejection sampling over seeds."""
    from verify.mabn_envs import TabularModel
    spec = None
    for _ in range(tries):
        spec = {"n": int(rng.choice([2, 3])), "ns": 2, "na": 2, "seed": int(rng.integers(0, 2**31 - 1)),
                "p": float(rng.choice([0.2, 0.3])), "gamma": float(rng.choice(gamma))}
        tab = TabularModel({**spec, "T": 0, "time_varying": False})
        GD = M.gd_sets(M.vd_sets_folded(M.folded_mabn(tab.c), tab.n))
        small = [i for i in range(tab.n) if len(GD[i]) < tab.n]
        if small:
            spec["agent"] = int(rng.choice(small))
            return spec
    spec["agent"] = 0
    return spec


def model(spec):
    """Numpy tables of the instance: P (nS, nA, nS), r (n, nS, nA), theta (n, nS, na), obs (n, nS), A (nA, n),
    mu0, gamma, I_Q, I_GD, and the JAX StationaryModel (for the engine's Jacobian in theorem checks)."""
    from verify.mabn_envs import StationaryModel, TabularModel
    tab = TabularModel({k: v for k, v in spec.items() if k not in ("agent", "extra")} | {"T": 0, "time_varying": False})
    st = StationaryModel(tab)
    IQ = M.vd_sets_folded(M.folded_mabn(tab.c), tab.n)
    return {"tab": tab, "st": st, "P": np.asarray(st.P), "r": np.asarray(st.r), "theta": np.asarray(st.theta0),
            "obs": np.asarray(st.obs), "A": np.asarray(tab.A), "mu0": np.asarray(st.mu0), "gamma": float(st.gamma),
            "IQ": IQ, "GD": M.gd_sets(IQ), "n": tab.n}


def local_pi(m, theta):
    """pi_i(b | s) = softmax(theta_i[obs_i(s)]): (n, nS, na)."""
    L = np.stack([theta[i][m["obs"][i]] for i in range(m["n"])])
    z = np.exp(L - L.max(-1, keepdims=True))
    return z / z.sum(-1, keepdims=True)


def joint_pi(m, theta):
    lp = local_pi(m, theta)
    pi = np.ones((lp.shape[1], m["A"].shape[0]))
    for i in range(m["n"]):
        pi = pi * lp[i][:, m["A"][:, i]]
    return pi


def VQ(m, theta, r):
    """V (nS,), Q (nS, nA) for the reward table r (nS, nA): V = (I - gamma P_pi)^{-1} r_pi, Q = r + gamma P V."""
    pi = joint_pi(m, theta)
    P_pi = np.einsum("sa,sat->st", pi, m["P"])
    V = np.linalg.solve(np.eye(len(P_pi)) - m["gamma"] * P_pi, (pi * r).sum(1))
    return V, r + m["gamma"] * m["P"] @ V


def fd_theta_i(m, i, fn, h=1e-6):
    """d fn(theta) / d theta_i by central differences over every entry of theta_i: fn's shape + (nS * na,)."""
    th = m["theta"]
    cols = []
    for k in range(th[i].size):
        tp, tm = th.copy(), th.copy()
        tp[i].flat[k] += h
        tm[i].flat[k] -= h
        cols.append((fn(tp) - fn(tm)) / (2 * h))
    return np.stack(cols, axis=-1)
