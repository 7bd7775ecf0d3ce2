r"""Models for the MABN paper (Syed & Bai), built from a JSON spec dict with a seed.

* :class:`TabularModel` -- a small finite partially-observable cooperative game with factored
  transitions P_i(s_i' | s_{I_S^i}, a_{I_S^i}), local rewards r_i(s_{I_R^i}, a_{I_R^i}) and local
  policies pi_i(a_i | s_{I_O^i}) (Sec. 2), possibly time-varying over a finite horizon (Sec. 3.2).
  Joint arrays are exact and small (ns^N states); used for the exact dynamic programming behind the
  checks of Theorems 3.2, 3.6, 3.7(b) and 4.2.
* :func:`warehouse_params` / :func:`warehouse_step` -- the N-warehouse resource allocation model
  (Appendix H, eqs. 82-83) in JAX, vectorised over a batch.
* :func:`temperature_params` / :func:`temperature_step` -- the multi-zone temperature model
  (Appendix I, eq. 84, Table 2) in JAX, vectorised over a batch; :func:`temperature_lq` its
  linear-quadratic version (affine terms dropped) used for Theorem 3.7(a).
* :func:`example1_couplings`, :func:`example2_couplings`, :func:`example3_couplings`, the coupling
  graphs of Sec. 5 (Example 1's graph exists only as a picture, Fig. 10; a documented stand-in is
  used, see the function).
"""
from __future__ import annotations

import itertools
import json
from functools import cached_property

import numpy as np

import jax
import jax.numpy as jnp

from . import mabn as M
from .errors import InputError

jax.config.update("jax_enable_x64", True)

TAB_DEFAULTS = {"n": 3, "ns": 2, "na": 2, "T": 3, "gamma": 0.9, "p": 0.35, "time_varying": False,
                "seed": 0, "convention": "arrival"}


def normalize_tabular_spec(spec: dict) -> dict:
    if not isinstance(spec, dict):
        raise InputError("an instance spec must be a JSON object")
    unknown = set(spec) - set(TAB_DEFAULTS) - {"couplings", "reward_const", "kind", "agent", "sigma_Q",
                                                 "sigma_Qhat", "temperature", "drop_gd"}
    if unknown:
        raise InputError(f"unknown instance keys: {', '.join(sorted(unknown))}")
    s = {**TAB_DEFAULTS, **spec}
    for k in ("n", "ns", "na", "T", "seed"):
        if not isinstance(s[k], int) or isinstance(s[k], bool) or s[k] < (0 if k in ("T", "seed") else 1):
            raise InputError(f"{k} must be a {'non-negative' if k in ('T', 'seed') else 'positive'} integer, got {s[k]!r}")
    if s["ns"] ** s["n"] * s["na"] ** s["n"] > 70000:
        raise InputError(f"joint state-action space ns^n*na^n = {s['ns'] ** s['n'] * s['na'] ** s['n']} is too large (max 70000)")
    if not 0 <= float(s["gamma"]) <= 1:
        raise InputError(f"gamma must lie in [0, 1], got {s['gamma']}")
    return s


class TabularModel:
    """A finite factored game over horizon T (time-varying tables when the couplings are)."""

    def __init__(self, spec: dict):
        s = normalize_tabular_spec(spec)
        self.spec = s
        self.n, self.ns, self.na, self.gamma = s["n"], s["ns"], s["na"], float(s["gamma"])
        self.convention = s["convention"]
        rng = np.random.default_rng(s["seed"])
        if "couplings" in s:
            self.c = M.couplings_from_spec(s["couplings"])
        else:
            self.c = M.random_couplings(rng, self.n, s["T"], s["p"], s["time_varying"])
        if self.c.n != self.n:
            raise InputError(f"couplings name {self.c.n} agents but n = {self.n}")
        self.T = self.c.T
        n, ns, na = self.n, self.ns, self.na
        self.S = np.array(list(itertools.product(range(ns), repeat=n)), dtype=int)
        self.A = np.array(list(itertools.product(range(na), repeat=n)), dtype=int)
        # local tables, one per time step (identical across t for time-invariant couplings)
        self.P_loc, self.R_loc, self.pol_loc = [], [], []
        rc = s.get("reward_const")
        for t in range(self.T + 1):
            if t > 0 and self.c.time_invariant:
                self.P_loc.append(self.P_loc[0]); self.R_loc.append(self.R_loc[0])
                self.pol_loc.append(self.pol_loc[0]); continue
            Pt, Rt, Lt = [], [], []
            for i in range(n):
                par = sorted(self.parents(i, t + 1)) if (t < self.T or self.c.time_invariant) else [i]
                Pt.append(rng.dirichlet(np.ones(ns), size=(ns,) * len(par) + (na,) * len(par)))
                ri = sorted(self.c.I_R(i, t))
                Rt.append(np.full((ns,) * len(ri) + (na,) * len(ri), float(rc[i])) if rc is not None
                          else rng.normal(size=(ns,) * len(ri) + (na,) * len(ri)))
                oi = sorted(self.c.I_O(i, t))
                Lt.append(rng.normal(size=(ns,) * len(oi) + (na,)))
            self.P_loc.append(Pt); self.R_loc.append(Rt); self.pol_loc.append(Lt)
        self.mu0 = np.full(ns ** n, 1.0 / ns ** n)

    def parents(self, i: int, t_next: int) -> frozenset[int]:
        if self.c.time_invariant:
            return self.c.I_S(i, 0)
        return M._state_parents(self.c, i, t_next, self.convention)

    # --- joint arrays -------------------------------------------------------------------------
    def _local(self, table, idx_s, idx_a):
        return table[tuple(self.S[:, k][:, None] for k in idx_s) + tuple(self.A[:, k][None, :] for k in idx_a)]

    def joint_P(self, t: int) -> np.ndarray:
        """P^t[s, a, s'] for the transition t -> t+1."""
        nS, nA = len(self.S), len(self.A)
        P = np.ones((nS, nA, 1))
        for i in range(self.n):
            par = sorted(self.parents(i, t + 1))
            Pi = self._local(self.P_loc[t][i], par, par)  # (nS, nA, ns)
            P = (P[..., :, None] * Pi[..., None, :]).reshape(nS, nA, -1)
        return P

    def joint_r(self, i: int, t: int) -> np.ndarray:
        ri = sorted(self.c.I_R(i, t))
        return self._local(self.R_loc[t][i], ri, ri)

    def policy_logits(self, i: int, t: int) -> np.ndarray:
        """logits[s, a_i] of pi_i(. | s_{I_O^i(t)})."""
        oi = sorted(self.c.I_O(i, t))
        return self.pol_loc[t][i][tuple(self.S[:, k] for k in oi)]

    def joint_pi(self, t: int) -> np.ndarray:
        pi = np.ones((len(self.S), len(self.A)))
        for i in range(self.n):
            L = self.policy_logits(i, t)
            p = np.exp(L - L.max(1, keepdims=True)); p /= p.sum(1, keepdims=True)
            pi *= p[:, self.A[:, i]]
        return pi

    def q_finite(self) -> list[np.ndarray]:
        """Q_i^t(s, a) for t = 0..T by backward DP on (9): list over t of arrays (n, nS, nA)."""
        n, T, g = self.n, self.T, self.gamma
        Q = [None] * (T + 1)
        Q[T] = np.stack([self.joint_r(i, T) for i in range(n)])
        for t in range(T - 1, -1, -1):
            P, pi1 = self.joint_P(t), self.joint_pi(t + 1)
            V1 = np.einsum("sa,isa->is", pi1, Q[t + 1])
            Q[t] = np.stack([self.joint_r(i, t) for i in range(n)]) + g * np.einsum("xas,is->ixa", P, V1)
        return Q

    def v_finite(self, Q: list[np.ndarray] | None = None) -> list[np.ndarray]:
        """V_i^t(s) = E_{a ~ pi^t(. | s)} Q_i^t(s, a): list over t of arrays (n, nS)."""
        Q = self.q_finite() if Q is None else Q
        return [np.einsum("sa,isa->is", self.joint_pi(t), Q[t]) for t in range(self.T + 1)]

    def state_dependence(self, Vi: np.ndarray, j: int) -> float:
        """max over everything else of the range of V_i when s_j alone varies."""
        X = np.moveaxis(Vi.reshape((self.ns,) * self.n), j, -1).reshape(-1, self.ns)
        return float(np.max(X.max(1) - X.min(1)))

    def dependence(self, Qi: np.ndarray, j: int) -> float:
        """max over everything else of the range of Q_i when (s_j, a_j) alone vary."""
        n, ns, na = self.n, self.ns, self.na
        X = Qi.reshape((ns,) * n + (na,) * n)
        X = np.moveaxis(X, (j, n + j), (-2, -1)).reshape(-1, ns * na)
        return float(np.max(X.max(1) - X.min(1)))


# --- infinite-horizon stationary version in JAX (Theorems 3.6, 3.7(b), 4.2) --------------------

class StationaryModel:
    """Discounted infinite-horizon version of a time-invariant :class:`TabularModel` with softmax
    policies pi_i(a_i | s_{I_O^i}) = softmax(theta_i[obs_i(s)]).  theta_i has one row per joint
    state (rows of states with the same observation are tied through ``obs_index``)."""

    def __init__(self, tab: TabularModel):
        if not tab.c.time_invariant:
            raise InputError("the stationary model needs time-invariant couplings")
        if not tab.gamma < 1:
            raise InputError(f"gamma must lie in [0, 1) for the infinite horizon, got {tab.gamma}")
        self.tab = tab
        n, ns = tab.n, tab.ns
        self.P = jnp.asarray(tab.joint_P(0))
        self.r = jnp.asarray(np.stack([tab.joint_r(i, 0) for i in range(n)]))
        self.obs = []
        for i in range(n):
            oi = sorted(tab.c.I_O(i, 0))
            self.obs.append(np.ravel_multi_index(tuple(tab.S[:, k] for k in oi), (ns,) * len(oi)) if oi else np.zeros(len(tab.S), int))
        self.obs = np.stack(self.obs)  # (n, nS)
        self.theta0 = jnp.asarray(np.stack([
            np.pad(tab.pol_loc[0][i].reshape(-1, tab.na), ((0, len(tab.S) - tab.ns ** len(tab.c.I_O(i, 0))), (0, 0)))
            for i in range(n)]))  # (n, nS, na)
        self.Aidx = jnp.asarray(tab.A)
        self.mu0 = jnp.asarray(tab.mu0)
        self.gamma = tab.gamma

    def _args(self):
        return (self.P, self.r, jnp.asarray(self.obs), self.Aidx, self.mu0, self.gamma)

    def local_pi(self, theta):
        """pi_i(b | s): (n, nS, na)."""
        return _local_pi(theta, jnp.asarray(self.obs))

    def joint_pi(self, theta):
        return _joint_pi(theta, jnp.asarray(self.obs), self.Aidx)

    def values(self, theta):
        """(V_j(s), Q_j(s, a)) for every agent j."""
        return _values(theta, *self._args())

    def J(self, theta):
        return _J(theta, *self._args())

    def grad_J(self, theta):
        """Exact gradient of J by reverse-mode autodiff through the linear solves."""
        return _grad_J(theta, *self._args())

    def jac_Q(self, theta):
        """d Q_j(s, a) / d theta: (n, nS, nA, n, nS, na)."""
        return _jac_Q(theta, *self._args())

    def visitation(self, theta):
        """Discounted visitation sum_k gamma^k Pr(s_k = s) (total mass 1/(1-gamma))."""
        return _visitation(theta, *self._args())

    def score(self, theta, i):
        """g_i(s, a) = grad_{theta_i} ln pi_i(a_i | s_{I_O^i}): (nS, nA, nS*na)."""
        lp = self.local_pi(theta)[i]  # (nS, na)
        nS, na = lp.shape
        onehot_obs = jax.nn.one_hot(self.obs[i], nS)  # row of theta_i used by state s
        eye = jnp.eye(na)
        d = eye[self.Aidx[:, i]][None, :, :] - lp[:, None, :]  # (nS, nA, na)
        return (onehot_obs[:, None, :, None] * d[:, :, None, :]).reshape(nS, len(self.tab.A), nS * na)


def _local_pi(theta, obs):
    logits = jnp.take_along_axis(theta, obs[:, :, None], axis=1)  # (n, nS, na)
    return jax.nn.softmax(logits, axis=-1)


def _joint_pi(theta, obs, Aidx):
    lp = _local_pi(theta, obs)  # (n, nS, na)
    n = lp.shape[0]
    # pi(a | s) = prod_i lp[i, s, a_i]
    picked = lp[jnp.arange(n)[:, None], :, Aidx.T]  # (n, nA, nS)
    return jnp.prod(picked, axis=0).T


def _values(theta, P, r, obs, Aidx, mu0, gamma):
    pi = _joint_pi(theta, obs, Aidx)
    Ppi = jnp.einsum("sa,sat->st", pi, P)
    rpi = jnp.einsum("sa,jsa->js", pi, r)
    nS = Ppi.shape[0]
    V = jnp.linalg.solve(jnp.eye(nS) - gamma * Ppi, rpi.T).T
    Q = r + gamma * jnp.einsum("sat,jt->jsa", P, V)
    return V, Q


def _J(theta, P, r, obs, Aidx, mu0, gamma):
    V, _ = _values(theta, P, r, obs, Aidx, mu0, gamma)
    return mu0 @ V.sum(0)


def _visitation_raw(theta, P, r, obs, Aidx, mu0, gamma):
    pi = _joint_pi(theta, obs, Aidx)
    Ppi = jnp.einsum("sa,sat->st", pi, P)
    return jnp.linalg.solve((jnp.eye(Ppi.shape[0]) - gamma * Ppi).T, mu0)


_grad_J = jax.jit(jax.grad(_J))
_jac_Q = jax.jit(jax.jacrev(lambda *a: _values(*a)[1]))
_values = jax.jit(_values)
_J = jax.jit(_J)
_visitation = jax.jit(_visitation_raw)


# --- coupling graphs of Sec. 5 ----------------------------------------------------------------

def example1_couplings(T: int = 0) -> M.Couplings:
    """A documented 9-agent stand-in for Example 1 (Fig. 10 exists only as a picture): G_S a sparse
    directed tree-like transfer graph, G_O = G_S transposed plus self, G_R two reward couplings."""
    ES = [(0, 1), (0, 2), (1, 3), (2, 4), (3, 5), (4, 6), (6, 7), (7, 8)]
    EO = [(1, 0), (2, 0), (3, 1), (4, 2), (5, 3), (6, 4), (7, 6), (8, 7)]
    ER = [(5, 3), (8, 7)]
    return M.couplings(9, ES, EO, ER, T)


def example2_couplings(n: int = 40, T: int = 0) -> M.Couplings:
    """Example 2: E_O = E_S = {(i, j) : |i - j| = 1} u {(1, N), (N, 1)}, E_R empty."""
    e = M.ring_edges(n)
    return M.couplings(n, e, e, [], T)


def example3_couplings(n: int = 40, T: int = 0) -> M.Couplings:
    """Example 3: E_O = {(i, j) : |i - j| = 2}, E_S = E_O u E_O^T, E_R empty."""
    eo = [(i, j) for i in range(n) for j in range(n) if abs(i - j) == 2]
    es = sorted(set(eo) | {(j, i) for (i, j) in eo})
    return M.couplings(n, es, eo, [], T)


def dense_example_couplings(n: int, T: int = 0) -> M.Couplings:
    """Sec. 4.1: E_S = {(i, j) : 0 <= i - j <= 1}, E_O = E_S^T, E_R empty."""
    es = [(i, j) for i in range(n) for j in range(n) if 0 <= i - j <= 1]
    return M.couplings(n, es, [(j, i) for (i, j) in es], [], T)


# --- warehouse resource allocation (Appendix H) -----------------------------------------------

def warehouse_params(c: M.Couplings, A=None, phi: float = 0.0, omega_scale: float = 0.0, m0=None):
    r"""Parameters of (82)-(83).  ``A`` amplitudes A_i (Example 1: A_i = 1 for i in {2,3,5,7}
    (1-based), else -1); the noise omega_i ~ U[-omega_scale, omega_scale].  The printed (82) uses
    omega_i both as a frequency and as the additive noise; we follow Example 1, z_i(t) = A_i sin(t)
    (+ noise), i.e. unit frequency."""
    n = c.n
    if A is None:
        A = np.array([1.0 if (i + 1) in (2, 3, 5, 7) else -1.0 for i in range(n)])
    out_adj = np.zeros((n, n))
    for (j, i) in c.ES[0]:
        if i != j:
            out_adj[j, i] = 1.0  # j sends to i: i is an out-neighbour of j in G_S
    R = np.zeros((n, n))
    for i in range(n):
        for j in c.I_R(i, 0):
            R[i, j] = 1.0
    return {"out_adj": jnp.asarray(out_adj), "A": jnp.asarray(np.asarray(A, float)), "phi": phi,
            "omega_scale": omega_scale, "reward_mat": jnp.asarray(R),
            "m0": jnp.asarray(np.ones(n) if m0 is None else np.asarray(m0, float))}


def warehouse_z(params, t, key):
    n = params["A"].shape[0]
    w = params["omega_scale"] * jax.random.uniform(key, (n,), minval=-1.0, maxval=1.0)
    return params["A"] * jnp.sin(t + params["phi"]) + w


@jax.jit
def _warehouse_core(out_adj, m, b, z):
    alpha = (m >= 0).astype(m.dtype)
    sent = alpha * m * (b * out_adj).sum(-1)                # sum_j alpha_i b_ij m_i
    received = ((alpha * m)[..., :, None] * b * out_adj).sum(-2)  # sum_j alpha_j b_ji m_j
    return m - sent + received + z


def warehouse_step(params, m, t, b, key):
    """One step of (82) for a batch: m (B, N), b (B, N, N) fractions b_ij (only out-neighbour entries
    used; rows should sum to at most 1).  Returns (m_next, z_t, rewards r_i(t) of (83))."""
    keys = jax.random.split(key, m.shape[0])
    z = jax.vmap(lambda k: warehouse_z(params, t, k))(keys)
    m_next = _warehouse_core(params["out_adj"], m, b, z)
    return m_next, z, warehouse_reward(params, m)


def warehouse_reward(params, m):
    """r_i = sum_{j in N_R^i} tau_j, tau_j = -m_j^2 if m_j < 0 else 0 (83)."""
    tau = jnp.where(m >= 0, 0.0, -m ** 2)
    return tau @ params["reward_mat"].T


def warehouse_policy_fractions(logits, out_adj):
    """Softmax over {keep} u out-neighbours: b_ij >= 0 with sum_j b_ij <= 1 (one reading of the
    paper's 'softmax at the actor output')."""
    mask = jnp.concatenate([jnp.ones(logits.shape[:-1] + (1,)), jnp.broadcast_to(out_adj, logits.shape[:-1] + out_adj.shape[-1:])], -1)
    z = jnp.where(mask > 0, logits, -jnp.inf)
    p = jax.nn.softmax(z, -1)
    return p[..., 1:]


# --- multi-zone temperature control (Appendix I) ------------------------------------------------

TABLE2 = {"N": 40, "Delta": 60.0, "x0_mean": 30.0, "x0_var": 2.5, "Sigma_x0": 1e-4, "target": 22.0,
          "eps0": 30.0, "noise_var_factor": 6.25, "beta": 0.01, "pi_heat": 1.0, "nu": 200.0,
          "zeta": 1.0, "zeta_ij": 1.0}


def temperature_matrices(c: M.Couplings, p: dict | None = None):
    """x_{t+1} = A x_t + B u_t + c0 + noise from (84) with Table 2 values (sum over N^i only: the
    Table's zeta^{ij} = 0 for non-neighbours is read as 'no coupling')."""
    p = {**TABLE2, **(p or {})}
    n, D, nu = c.n, p["Delta"], p["nu"]
    A = np.eye(n) * (1 - D / (nu * p["zeta"]))
    for (j, i) in c.ES[0]:
        if i != j:
            A[i, j] += D / (nu * p["zeta_ij"]); A[i, i] -= D / (nu * p["zeta_ij"])
    B = np.eye(n) * D / nu
    c0 = np.full(n, D / (nu * p["zeta"]) * p["eps0"] + D / nu * p["pi_heat"])
    W = np.eye(n) * D * p["noise_var_factor"] / nu ** 2
    return A, B, c0, W


def temperature_params(c: M.Couplings, p: dict | None = None):
    A, B, c0, W = temperature_matrices(c, p)
    p = {**TABLE2, **(p or {})}
    return {"A": jnp.asarray(A), "B": jnp.asarray(B), "c0": jnp.asarray(c0),
            "noise_std": jnp.sqrt(jnp.asarray(np.diag(W))), "target": p["target"], "beta": p["beta"]}


@jax.jit
def temperature_step(params, x, u, key):
    """Batch step of (84): x (B, N), u (B, N) -> (x_next, r) with r_i = -(x_i - x*)^2 - beta u_i^2."""
    w = jax.random.normal(key, x.shape) * params["noise_std"]
    x_next = x @ params["A"].T + u @ params["B"].T + params["c0"] + w
    r = -(x - params["target"]) ** 2 - params["beta"] * u ** 2
    return x_next, r


def temperature_lq(c: M.Couplings, gamma: float = 0.9, p: dict | None = None):
    """Linear-quadratic version of (84) for Theorem 3.7(a): affine terms (outdoor temperature,
    heat gain, target) dropped, so x is a deviation; r_i = -x_i^2 - beta u_i^2; x_0 ~ N(0, Sigma0)
    with Sigma0 = x0_var * I (Table 2's N(30, 2.5))."""
    pp = {**TABLE2, **(p or {})}
    A, B, _, W = temperature_matrices(c, p)
    return {"A": A, "B": B, "W": W, "Sigma0": np.eye(c.n) * pp["x0_var"], "beta": pp["beta"], "gamma": gamma}


def structured_mask(c: M.Couplings) -> np.ndarray:
    """mask[i, j] = 1 iff j in I_O^i: the sparsity of a structured linear policy u_i = K_i x_{I_O^i}."""
    m = np.zeros((c.n, c.n))
    for i in range(c.n):
        for j in c.I_O(i, 0):
            m[i, j] = 1.0
    return m


def dlyap(Acl, M0, gamma):
    """X = M0 + gamma Acl^T X Acl, by a dense solve (small N)."""
    n = Acl.shape[0]
    K = jnp.eye(n * n) - gamma * jnp.kron(Acl.T, Acl.T)
    return jnp.linalg.solve(K, M0.reshape(-1)).reshape(n, n)


def _lq_Ps(K, A, B, beta, gamma):
    n = A.shape[0]
    Acl = A + B @ K
    L = jnp.eye(n * n) - gamma * jnp.kron(Acl.T, Acl.T)
    E = jnp.eye(n)
    Ms = E[:, :, None] * E[:, None, :] + beta * K[:, :, None] * K[:, None, :]   # M_j = e_j e_j^T + beta K_j^T K_j
    return jnp.linalg.solve(L, Ms.reshape(n, -1).T).T.reshape(n, n, n)


def _lq_J(K, A, B, S0, W, beta, gamma):
    Ps = _lq_Ps(K, A, B, beta, gamma)
    return -jnp.sum(jnp.einsum("jab,ba->j", Ps, S0) + gamma / (1 - gamma) * jnp.einsum("jab,ba->j", Ps, W))


def _lq_dQ(K, A, B, W, beta, gamma):
    """T[j, i, :] with grad_{u_i} Q_j(x, u)|_{u = Kx} = T[j, i] . x (linear in x)."""
    Ps = _lq_Ps(K, A, B, beta, gamma)
    trPW = jnp.einsum("jab,ba->j", Ps, W)

    def Qall(x, u):
        xn = A @ x + B @ u
        return -(x ** 2 + beta * u ** 2) - gamma * (jnp.einsum("a,jab,b->j", xn, Ps, xn) + trPW + gamma / (1 - gamma) * trPW)

    def h(x):
        return jax.jacfwd(Qall, argnums=1)(x, K @ x)
    return jax.jacfwd(h)(jnp.zeros(A.shape[0]))


_lq_grad = jax.jit(jax.grad(_lq_J))
_lq_dQ_jit = jax.jit(_lq_dQ)
_lq_J_jit = jax.jit(_lq_J)


def _lq_arrays(lq):
    return (jnp.asarray(lq["A"]), jnp.asarray(lq["B"]))


def lq_cost_matrices(lq, K):
    """P_j with V_j(x) = -(x^T P_j x + c_j): P_j = E_jj + beta K_j^T K_j + gamma Acl^T P_j Acl."""
    A, B = _lq_arrays(lq)
    return _lq_Ps(jnp.asarray(K), A, B, lq["beta"], lq["gamma"])


def lq_J(lq, K):
    """J(K) = E sum_t gamma^t sum_i r_i = -sum_j (tr(P_j Sigma0) + gamma/(1-gamma) tr(P_j W))."""
    A, B = _lq_arrays(lq)
    return _lq_J_jit(jnp.asarray(K), A, B, jnp.asarray(lq["Sigma0"]), jnp.asarray(lq["W"]), lq["beta"], lq["gamma"])


def lq_grad_J(lq, K):
    """Exact grad_K J by reverse-mode autodiff through the Lyapunov solves."""
    A, B = _lq_arrays(lq)
    return _lq_grad(jnp.asarray(K), A, B, jnp.asarray(lq["Sigma0"]), jnp.asarray(lq["W"]), lq["beta"], lq["gamma"])


def lq_dQ(lq, K):
    """T[j, i, :]: grad_{u_i} Q_j(x, Kx) = T[j, i] . x, by forward-mode autodiff of the exact Q_j."""
    A, B = _lq_arrays(lq)
    return _lq_dQ_jit(jnp.asarray(K), A, B, jnp.asarray(lq["W"]), lq["beta"], lq["gamma"])


def lq_visitation_cov(lq, K):
    """Sigma_d = sum_t gamma^t E[x_t x_t^T] = Sigma0 + gamma Acl Sigma_d Acl^T + gamma/(1-gamma) W."""
    A, B, g = jnp.asarray(lq["A"]), jnp.asarray(lq["B"]), lq["gamma"]
    Acl = A + B @ jnp.asarray(K)
    return dlyap(Acl.T, jnp.asarray(lq["Sigma0"]) + g / (1 - g) * jnp.asarray(lq["W"]), g)
