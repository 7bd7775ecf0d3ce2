r"""Runs of the mpg Sec. 4.3 dynamics for the transcripts of Theorem 4.7 and Corollary 4.8 (not a transcript).

An instance: a random Markov potential game with r^i = phi + c^i, c^i >= 0, or a team reward, phi >= offset > 0
(Assumption 4.6: 0 < Phi <= V), action-independent transitions when N = 2 (then Definition 4.2's constraints
on all deterministic pairs determine the feasible (alpha, beta) set exactly: verify.claims.poa); beta from the
spec and alpha the largest feasible alpha (exact) or a certified feasible one, so the game is (alpha,
beta)-smooth; sigma and eps from the spec; the dynamics start from the (smoothed) worst deterministic
product policy.  Every quantity is exact (policy iteration, linear solves); per-step arrays are over the
policies pi_0, ..., pi_T of the run.
"""
from __future__ import annotations

import math

import numpy as np

from verify.claims import poa as P
from verify.evaluation import solve_mdp


def sample(rng, dynamics: str) -> dict:
    N = int(rng.choice([1, 2, 2]))
    spec = {"n_agents": N, "action_sizes": [int(rng.choice([2, 3])) for _ in range(N)], "n_states": 2,
            "gamma": float(rng.choice([0.5, 0.8] if dynamics == "br" else [0.3, 0.5])),
            "transition": "action-independent" if N == 2 else str(rng.choice(["dense", "action-independent"])),
            "reward": str(rng.choice(["team", "potential"])), "reward_scale": 1.0,
            "reward_offset": float(rng.choice([0.1, 0.5])), "seed": int(rng.integers(0, 2**31 - 1)),
            "beta": float(rng.choice([0.0, 0.5])), "sigma": float(rng.choice([0.01, 0.05, 0.5])),
            "eps": float(rng.choice([0.01, 0.05]) if dynamics == "br" else rng.choice([0.2, 0.5])),
            "dynamics": dynamics}
    return spec


def optimal_policy(g):
    """pi_* = argmax_pi V_pi(mu): a deterministic joint action per state (a product of one-hot tables)."""
    S = g.n_states
    _, greedy = solve_mdp(g.P_flat, g.rewards.sum(0).reshape(S, -1), g.gamma)
    acts = np.stack(np.unravel_index(greedy, g.action_sizes), axis=1)       # (S, N)
    return [np.eye(k)[acts[:, i]] for i, k in enumerate(g.action_sizes)]


def build(spec: dict) -> dict:
    g = P.build_game({k: v for k, v in spec.items() if k in P.GAME_KEYS})
    N, S = g.n_agents, g.n_states
    beta, sigma, eps = spec["beta"], spec["sigma"], spec["eps"]
    C = P.smoothness_constraints(g, np.random.default_rng(0))
    alpha = C.alpha_interval(beta)[1] if C.exact else P.certified_alpha_lo(g, beta)
    _, _, locs = P.deterministic_policies(g)
    k = int(np.argmin(P.agent_values(g, locs).sum(0) @ g.mu))
    l0 = [0.98 * l[k] + 0.02 / l.shape[-1] for l in locs]
    if spec["dynamics"] == "br":
        seq = P.max_gain_br(g, l0, eps, t_max=60)
    else:
        K = int(math.ceil(4 / ((1 - g.gamma) ** 2 * eps)))
        seq = P.npg_br(g, [np.log(p) for p in l0], K, eps, t_max=30)
    pstar = optimal_policy(g)
    Vi = np.array([P.agent_values(g, l) @ g.mu for l in seq])                      # (T+1, N)
    BR = np.array([P.br_profile(g, l)[1] for l in seq])                           # (T+1, N)
    Vdev = np.array([[P.agent_values(g, [pstar[j] if j == i else l[j] for j in range(N)])[i] @ g.mu
                      for i in range(N)] for l in seq])                          # V^i_{pi_*^i, pi_t^{-i}}
    Phi = np.array([float(g.mu @ P.potential_values(g, l)) for l in seq])
    Vsum_direct = np.array([float(g.mu @ P.state_values(g, P.flat(g, P.joint(l)), g.rewards.sum(0).reshape(S, -1)))
                            for l in seq])
    upd = [int(np.argmax([np.abs(a - b).max() for a, b in zip(seq[t + 1], seq[t])])) for t in range(len(seq) - 1)]
    Vstar = float(g.mu @ P.state_values(g, P.flat(g, P.joint(pstar)), g.rewards.sum(0).reshape(S, -1)))
    phimax = float(P.extreme_values(g, g.potential.reshape(S, -1))[1].max())
    V = Vi.sum(1)
    bad = V < alpha / ((1 + beta) * (1 + sigma)) * Vstar * (1 - 1e-12)
    return {"spec": spec, "game": g, "N": N, "alpha": alpha, "beta": beta, "sigma": sigma, "eps": eps,
            "gamma": g.gamma, "exact": C.exact, "seq": seq, "Vi": Vi, "BR": BR, "Vdev": Vdev, "Phi": Phi,
            "V": V, "V_direct": Vsum_direct, "Vstar": Vstar, "phimax": phimax, "bad": bad, "upd": upd,
            "T": len(seq) - 1}


def on(mask, x):
    """x where mask holds, NaN elsewhere (a line that applies only to some policies)."""
    return np.where(mask, np.asarray(x, float), np.nan)


def updated(c):
    """The policies pi_0, ..., pi_{T-1} that the dynamics update."""
    return np.arange(c["T"])
