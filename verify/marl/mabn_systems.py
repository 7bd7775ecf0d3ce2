r"""The three networked systems of mabn Section 5 as JAX environments for the off-policy loop
(``verify.marl.offpolicy.SystemEnv``), with their value dependency sets I_Q^i computed exactly by
``verify.mabn`` (Property 3.3 on the folded MABN G_F) and the kappa-approximations of Definition 4.3.

* ``warehouse9``  -- Example 1: 9 warehouses (Appendix H, eqs. 82-83), m_i(0) = 1, z_i(t) = A_i sin(t) with
                     A_i = 1 for i in {2, 3, 5, 7} (1-based) and -1 otherwise, as printed.  The couplings of
                     Fig. 10 exist only as a picture; two documented stand-ins (``graph``):
                     ``"sparse"`` (default): G_S = the transfer tree of ``verify.mabn_envs.example1_couplings``
                     (0->1, 0->2, 1->3, 2->4, 3->5, 4->6, 6->7, 7->8, 0-based), G_O = G_S (a warehouse observes
                     the warehouses that send to it), G_R = {(5, 3), (8, 7)}: this gives the *sparse* G_VD the
                     paper describes (I_Q^0 = {0}, I_Q^7 = {0, 2, 4, 6, 7, 8}, ...);
                     ``"mabn_envs"``: ``verify.mabn_envs.example1_couplings`` as it stands (G_O = G_S transposed),
                     whose G_VD is *complete* (I_Q^i = V for every i), contradicting "a sparse G_VD".
* ``warehouse40`` -- Example 2: 40 warehouses on a ring, E_O = E_S = {(i, j) : |i - j| = 1} u {(1, N), (N, 1)},
                     individual rewards (E_R empty); G_VD complete.  A_i is not printed for Example 2:
                     harness choice A_i = +1 for even i, -1 for odd i (1-based), m_i(0) = 1.
* ``temperature40`` -- Example 3: 40 zones, two floors (even / odd indices), E_O = {(i, j) : |i - j| = 2},
                     E_S = E_O u E_O^T, eq. (84) with Table 2; r_i = -(x_i - x*)^2 - beta u_i^2.

Encodings (harness choices, all parameters).  Warehouse: agent i's state s_i = (m_i, z_i); observation
o_i = (z_i, m_j for j in I_O^i sorted, zero padding); action a_i in [0, 1]^{d} (d = the largest out-degree
in G_S), a_i[k] the fraction b_ij sent to the k-th out-neighbour j (sorted); fractions are rescaled to sum to
at most one (b = a / max(1, sum a)); slots beyond agent i's out-degree are ignored.  The reward r_i(t) is
computed from m(t) (83).  Temperature: s_i = x_i - x* (deviation coordinates); o_i = (x_j - x*) for
j in I_O^i sorted, zero padding; u_i in [-u_max, u_max] (u_max = 10 kW: the steady state at x* needs
u = (x* - eps0)/zeta - pi = -9 kW); x_0^i ~ N(30, 2.5) (2.5 read as the variance).  The global state is
agent-major: ``state.reshape(n, -1)[j]`` is s_j.  Episodes end after ``horizon`` steps (Table 3: 8, 8, 40).
"""
from __future__ import annotations

from functools import lru_cache

import jax
import jax.numpy as jnp
import numpy as np

from .. import mabn as M
from .. import mabn_envs as E
from ..errors import InputError
from .offpolicy import SystemEnv, SystemSpec

__all__ = ["SYSTEMS", "make_system", "couplings_of", "iq_sets", "kappa_sets", "mask_of", "example1_sparse_couplings"]

SYSTEMS = ("warehouse9", "warehouse40", "temperature40")

#: Table 3 episode lengths
HORIZON = {"warehouse9": 8, "warehouse40": 8, "temperature40": 40}


def example1_sparse_couplings() -> M.Couplings:
    """Example 1 stand-in with a sparse G_VD: G_S the transfer tree of ``mabn_envs.example1_couplings``,
    G_O = G_S (a warehouse observes the warehouses sending to it), G_R = {(5, 3), (8, 7)} (0-based)."""
    ES = [(0, 1), (0, 2), (1, 3), (2, 4), (3, 5), (4, 6), (6, 7), (7, 8)]
    ER = [(5, 3), (8, 7)]
    return M.couplings(9, ES, ES, ER)


def couplings_of(name: str, n: int | None = None, graph: str = "sparse") -> M.Couplings:
    if name == "warehouse9":
        if graph == "sparse":
            return example1_sparse_couplings()
        if graph == "mabn_envs":
            return E.example1_couplings()
        raise InputError(f"graph must be 'sparse' or 'mabn_envs', got {graph!r}")
    if name == "warehouse40":
        return E.example2_couplings(n or 40)
    if name == "temperature40":
        return E.example3_couplings(n or 40)
    raise InputError(f"unknown system {name!r}; known: {', '.join(SYSTEMS)}")


@lru_cache(maxsize=64)
def _sets(name: str, n: int | None, graph: str, kappa: int | None) -> tuple:
    c = couplings_of(name, n, graph)
    GF = M.folded_mabn(c)
    if kappa is None:
        return tuple(M.vd_sets_folded(GF, c.n))
    return tuple(M.kappa_sets_folded(GF, c.n, kappa))


def iq_sets(name: str, n: int | None = None, graph: str = "sparse") -> list[frozenset]:
    """I_Q^i (Property 3.3 on the folded MABN; time-invariant couplings)."""
    return list(_sets(name, n, graph, None))


def kappa_sets(name: str, kappa: int, n: int | None = None, graph: str = "sparse") -> list[frozenset]:
    """I_VD^{kappa, i} of Definition 4.3 (back-edge traversals of G_F counted)."""
    if not isinstance(kappa, (int, np.integer)) or isinstance(kappa, bool) or kappa < 0:
        raise InputError(f"kappa must be a non-negative integer, got {kappa!r}")
    return list(_sets(name, n, graph, int(kappa)))


def mask_of(sets) -> np.ndarray:
    """mask[i, j] = j in sets[i]."""
    n = len(sets)
    m = np.zeros((n, n), bool)
    for i, s in enumerate(sets):
        m[i, sorted(s)] = True
    return m


def _padded_index(sets_or_lists, width):
    idx = np.zeros((len(sets_or_lists), width), np.int32)
    valid = np.zeros((len(sets_or_lists), width), np.float32)
    for i, s in enumerate(sets_or_lists):
        s = sorted(s)
        idx[i, :len(s)] = s
        valid[i, :len(s)] = 1.0
    return idx, valid


def make_system(name: str, n: int | None = None, graph: str = "sparse", horizon: int | None = None,
                u_max: float = 10.0, A=None) -> SystemEnv:
    """The JAX environment of one Section 5 example (see the module docstring for the encodings)."""
    if name not in SYSTEMS:
        raise InputError(f"unknown system {name!r}; known: {', '.join(SYSTEMS)}")
    if n is not None and (not isinstance(n, (int, np.integer)) or n < 3 or name == "warehouse9"):
        raise InputError(f"n must be an integer >= 3 for warehouse40 / temperature40 (warehouse9 has 9), got {n!r}")
    H = int(horizon or HORIZON[name])
    if H < 1:
        raise InputError(f"horizon must be positive, got {horizon!r}")
    c = couplings_of(name, n, graph)
    N = c.n
    iq = iq_sets(name, n, graph)
    graph_adj = np.zeros((N, N), bool)
    for (j, i) in c.ES[0]:
        if i != j:
            graph_adj[j, i] = graph_adj[i, j] = True
    obs_sets = [sorted(c.I_O(i, 0)) for i in range(N)]
    if name.startswith("warehouse"):
        return _warehouse(name, c, N, H, iq, graph_adj, obs_sets, A)
    return _temperature(name, c, N, H, iq, graph_adj, obs_sets, u_max)


def _warehouse(name, c, N, H, iq, graph_adj, obs_sets, A):
    if A is None:
        if name == "warehouse9":
            A = np.array([1.0 if (i + 1) in (2, 3, 5, 7) else -1.0 for i in range(N)])   # Example 1, as printed
        else:
            A = np.array([1.0 if (i + 1) % 2 == 0 else -1.0 for i in range(N)])          # Example 2: harness choice
    A = jnp.asarray(np.asarray(A, np.float32))
    p = E.warehouse_params(c)
    out_adj = np.asarray(p["out_adj"]) > 0
    R = np.asarray(p["reward_mat"], np.float32)            # R[i, j] = 1 iff j in I_R^i
    outs = [sorted(np.nonzero(out_adj[i])[0]) for i in range(N)]
    d = max(1, max(len(o) for o in outs))
    out_idx, out_valid = _padded_index(outs, d)
    o_idx, o_valid = _padded_index(obs_sets, max(len(s) for s in obs_sets))
    obs_dim = 1 + o_idx.shape[1]
    out_idx, out_valid, o_idx, o_valid = map(jnp.asarray, (out_idx, out_valid, o_idx, o_valid))
    Rj = jnp.asarray(R)

    def observe(m, z):
        return jnp.concatenate([z[:, None], m[o_idx] * o_valid], axis=1)          # o_i = (z_i, m_{I_O^i})

    def state_of(m, z):
        return jnp.stack([m, z], axis=1).reshape(-1)                              # agent-major (m_j, z_j)

    def z_at(t):
        return A * jnp.sin(t.astype(jnp.float32))                                  # z_i(t) = A_i sin(t)

    def reset(key):
        m = jnp.ones((N,), jnp.float32)                                           # m_i(0) = 1
        t = jnp.zeros((), jnp.int32)
        z = z_at(t)
        return (m, t), observe(m, z), state_of(m, z)

    def step(key, es, act):
        m, t = es
        z = z_at(t)
        a = jnp.clip(act, 0.0, 1.0) * out_valid
        b = a / jnp.maximum(1.0, a.sum(-1, keepdims=True))                         # sum_j b_ij <= 1
        alpha = (m >= 0).astype(jnp.float32)                                      # alpha_i(t)
        sent = alpha * m * b.sum(-1)                                              # (82): outflow
        received = jnp.zeros((N,), jnp.float32).at[out_idx.reshape(-1)].add((alpha[:, None] * m[:, None] * b).reshape(-1))
        m2 = m - sent + received + z                                              # (82)
        tau = jnp.where(m >= 0, 0.0, -m ** 2)                                     # (83)
        rew = Rj @ tau                                                            # r_i = sum_{j in N_R^i} tau_j
        t2 = t + 1
        z2 = z_at(t2)
        return (m2, t2), observe(m2, z2), state_of(m2, z2), rew, (t2 >= H).astype(jnp.float32)

    spec = SystemSpec(n=N, obs_dim=obs_dim, act_dim=d, state_dim=2 * N, act_low=0.0, act_high=1.0,
                      q_mask=mask_of(iq), graph=graph_adj)
    return SystemEnv(name, spec, H, reset, step)


def _temperature(name, c, N, H, iq, graph_adj, obs_sets, u_max):
    Am, Bm, c0, W = E.temperature_matrices(c)
    p = E.TABLE2
    target = float(p["target"])
    Am, Bm = jnp.asarray(Am, jnp.float32), jnp.asarray(Bm, jnp.float32)
    c0 = jnp.asarray(c0, jnp.float32)
    noise_std = jnp.asarray(np.sqrt(np.diag(W)), jnp.float32)
    beta = float(p["beta"])
    o_idx, o_valid = map(jnp.asarray, _padded_index(obs_sets, max(len(s) for s in obs_sets)))

    def observe(x):
        return (x - target)[o_idx] * o_valid

    def reset(key):
        x = p["x0_mean"] + np.sqrt(p["x0_var"]) * jax.random.normal(key, (N,), jnp.float32)
        return (x, jnp.zeros((), jnp.int32)), observe(x), x - target

    def step(key, es, act):
        x, t = es
        u = jnp.clip(act[:, 0], -u_max, u_max)
        w = jax.random.normal(key, (N,), jnp.float32) * noise_std
        x2 = Am @ x + Bm @ u + c0 + w                                              # (84)
        rew = -(x - target) ** 2 - beta * u ** 2                                   # r_i(t)
        t2 = t + 1
        return (x2, t2), observe(x2), x2 - target, rew, (t2 >= H).astype(jnp.float32)

    spec = SystemSpec(n=N, obs_dim=o_idx.shape[1], act_dim=1, state_dim=N, act_low=-float(u_max),
                      act_high=float(u_max), q_mask=mask_of(iq), graph=graph_adj)
    return SystemEnv(name, spec, H, reset, step)
