r"""The general JAX implementation of V(theta), Q(theta), the visitation measure and the bnrate log-barrier
objective L_lambda(theta), for any tabular Markov game and any BN policy (bnac Eq. (1)), in float64.

It is independent of the NumPy reference (``verify.evaluation``): its own softmax, joint policy and linear
solve.  It serves the autodiff oracle (``verify.oracles``), the exact dynamics (``verify.dynamics``) and the
Hessian and Lipschitz searches (``verify.search``).  The factored Coordination Game engine of the figures
(``verify.experiments.core``) is a separate, specialized implementation.

Layout.  An instance (|S|, action sizes, DAG) is laid out on a padded joint grid (S_pad, A_pad^N_pad) so that
one compiled function serves every instance that fits: the structure (which theta entry governs which grid
cell) is an argument, not a constant.  For agent i and every grid cell (s, a^1..a^Np) ``idx[i]`` is the flat
position of theta^i_{s, a^{P^i}, a^i}; ``neg[i]`` is -1e30 on the cells whose own action a^i does not exist;
``valid`` marks the real cells.  Padded agents read a theta slot that is always zero and have one action.

    pi(a|s)  = prod_i softmax_{a^i}(theta^i_{s, a^{P^i}, .})(a^i)                        bnac Eq. (1)
    V        = (I - gamma P_pi)^{-1} r_pi,   V(mu) = mu^T V
    Q(s, a)  = r(s, a) + gamma sum_s' P(s'|s, a) V(s')
    d_mu     = mu^T (I - gamma P_pi)^{-1}      (unnormalized visitation; sums to 1/(1-gamma))
    L_lambda = V(mu) + lambda sum_i mean_{s, a^{P^i}, a^i} log pi^i(a^i|s, a^{P^i})    bnrate Eq. (4) up to a constant
"""
from __future__ import annotations

import functools

import numpy as np

import jax

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402

from .errors import InputError  # noqa: E402

#: preferred padded sizes (S_pad, A_pad, N_pad, L_pad) for the searches: small grids, cheap Hessians
SEARCH_PADS = ((3, 3, 3, 128), (2, 5, 2, 64), (2, 2, 4, 64), (2, 2, 5, 128), (4, 3, 3, 256))
NEG = -1e30


def _up(x: int, opts) -> int:
    return next((o for o in opts if o >= x), x)


def oracle_pads(S: int, A, n_params: int) -> tuple:
    """Few, larger buckets (the gradient oracle sees many instance sizes; one compile per bucket)."""
    Sp, Ap, Np = _up(S, (4, 8, 16, 32, 64)), _up(max(A), (3, 4, 6, 8)), _up(len(A), (4, 5, 6, 8))
    return Sp, Ap, Np, Np * Sp * Ap ** Np + 1


def search_pads(S: int, A, n_params: int) -> tuple:
    for pads in SEARCH_PADS:
        Sp, Ap, Np, Lp = pads
        if S <= Sp and max(A) <= Ap and len(A) <= Np and n_params < Lp:
            return pads
    raise InputError(f"instance too large for the exact Hessian search (|S|={S}, A={list(A)}, {n_params} parameters)")


class Layout:
    """A BN policy structure (|S|, action sizes, parents, theta shapes) on a padded grid."""

    def __init__(self, n_states: int, action_sizes, parents, theta_shapes, pads: tuple):
        Sp, Ap, Np, Lp = pads
        S, A, N = int(n_states), tuple(int(a) for a in action_sizes), len(action_sizes)
        n = int(sum(int(np.prod(s)) for s in theta_shapes))
        if S > Sp or max(A) > Ap or N > Np or n >= Lp:
            raise InputError(f"instance (|S|={S}, A={list(A)}, {n} parameters) does not fit the padding {pads}")
        self.S, self.A, self.N, self.n, self.pads = S, A, N, n, pads
        self.parents = [tuple(p) for p in parents]
        self.shape = (Sp,) + (Ap,) * Np
        sizes = list(A) + [1] * (Np - N)
        grid = np.indices(self.shape)
        valid = grid[0] < S
        for j in range(Np):
            valid = valid & (grid[1 + j] < sizes[j])
        idx = np.full((Np,) + self.shape, Lp - 1, dtype=np.int32)
        neg = np.zeros((Np,) + self.shape)
        off = 0
        for i in range(Np):
            neg[i][grid[1 + i] >= sizes[i]] = NEG
            if i >= N:
                continue
            coords = [np.minimum(grid[0], S - 1)] + [np.minimum(grid[1 + j], A[j] - 1) for j in list(parents[i]) + [i]]
            idx[i] = off + np.ravel_multi_index(coords, theta_shapes[i])
            off += int(np.prod(theta_shapes[i]))
        self.valid = valid
        self.sl = (slice(0, S),) + tuple(slice(0, a) for a in A) + (0,) * (Np - N)
        regw = np.array([1.0 / valid.sum() if i < N else 0.0 for i in range(Np)])
        self.struct = (jnp.asarray(idx), jnp.asarray(neg), jnp.asarray(valid.astype(float)), jnp.asarray(regw))

    @classmethod
    def of(cls, policy, pads: tuple) -> "Layout":
        return cls(policy.n_states, policy.action_sizes, policy.dag.parents, policy.theta_shapes, pads)

    # ---- padding of the arguments ---------------------------------------------------------------
    def theta(self, flat) -> jnp.ndarray:
        th = np.zeros(self.pads[3])
        th[:self.n] = np.asarray(flat, float)
        return jnp.asarray(th)

    def reward(self, r) -> jnp.ndarray:
        """r[s, a^1..a^N] (any shape with S |A| entries) -> the padded reward grid, flat per state."""
        Sp = self.pads[0]
        out = np.zeros(self.shape)
        out[self.sl] = np.asarray(r, float).reshape((self.S,) + self.A)
        return jnp.asarray(out.reshape(Sp, -1))

    def unpad_reward(self, rp) -> np.ndarray:
        return np.asarray(rp).reshape(self.shape)[self.sl]

    def transition(self, P) -> jnp.ndarray:
        """P[s, a^1..a^N, s'] -> padded (S_pad, cells, S_pad); padded states and cells have no mass."""
        Sp = self.pads[0]
        out = np.zeros(self.shape + (Sp,))
        out[self.sl + (slice(0, self.S),)] = np.asarray(P, float).reshape((self.S,) + self.A + (self.S,))
        return jnp.asarray(out.reshape(Sp, -1, Sp))

    def mu(self, mu) -> jnp.ndarray:
        m = np.zeros(self.pads[0])
        m[:self.S] = mu
        return jnp.asarray(m)

    def model(self, game, mu=None) -> tuple:
        """(P, mu, gamma) of a game, padded."""
        return (self.transition(game.P), self.mu(game.mu if mu is None else mu), float(game.gamma))

    def blocks(self) -> list[slice]:
        offs = np.cumsum([0] + [int(np.prod([self.S] + [self.A[j] for j in ps] + [self.A[i]]))
                                for i, ps in enumerate(self.parents)])
        return [slice(int(offs[i]), int(offs[i + 1])) for i in range(self.N)]


# ================================================================================================
# pure functions of one padded size (composable: the searches differentiate through P, r, mu, gamma)
# ================================================================================================
@functools.lru_cache(maxsize=None)
def pure(pads: tuple) -> dict:
    Sp, Ap, Np, Lp = pads
    shape = (Sp,) + (Ap,) * Np

    def policy(theta, struct):
        """log pi^i on the grid for each agent, and the joint pi (Sp, cells)."""
        idx, neg, valid, regw = struct
        logs = [jax.nn.log_softmax(theta[idx[i]] + neg[i], axis=1 + i) for i in range(Np)]
        pi = (jnp.exp(sum(logs)) * valid).reshape(Sp, -1)                   # bnac Eq. (1)
        return logs, pi

    def solve(theta, r, P, gamma, struct):
        logs, pi = policy(theta, struct)
        P_pi = jnp.einsum("sa,sat->st", pi, P)
        r_pi = jnp.sum(pi * r, axis=1)
        M = jnp.eye(Sp) - gamma * P_pi
        return jnp.linalg.solve(M, r_pi), M, pi, logs

    def barrier(logs, struct):
        valid, regw = struct[2], struct[3]
        return sum(jnp.sum(logs[i] * valid) * regw[i] for i in range(Np))

    def value(theta, r, lam, P, mu, gamma, struct):
        r"""L_lambda(theta) = mu^T V + lam sum_i mean log pi^i  (lam = 0: V(mu))."""
        v, _, _, logs = solve(theta, r, P, gamma, struct)
        return mu @ v + lam * barrier(logs, struct)

    def occupancy(theta, P, mu, gamma, struct):
        """d_mu(s) pi(a|s), the derivative of V(mu) in r(s, a)."""
        _, pi = policy(theta, struct)
        M = jnp.eye(Sp) - gamma * jnp.einsum("sa,sat->st", pi, P)
        d = jnp.linalg.solve(M.T, mu)
        return d[:, None] * pi

    def qgrid(theta, r, P, gamma, struct):
        """Q on the grid, the joint pi on the grid and every agent's local pi^i on the grid."""
        v, _, pi, logs = solve(theta, r, P, gamma, struct)
        Q = r + gamma * jnp.einsum("sat,t->sa", P, v)
        return Q.reshape(shape), pi.reshape(shape), jnp.stack([jnp.exp(lg) for lg in logs])

    def dd(theta, v, r, lam, P, mu, gamma, struct):
        """v^T Hess L_lambda(theta) v = d^2/dt^2 L_lambda(theta + t v) at t = 0 (two forward passes)."""
        f = lambda t: value(t, r, lam, P, mu, gamma, struct)
        return jax.jvp(lambda t: jax.jvp(f, (t,), (v,))[1], (theta,), (v,))[1]

    return {"value": value, "occupancy": occupancy, "qgrid": qgrid, "dd": dd, "policy": policy}


@functools.lru_cache(maxsize=None)
def compiled(pads: tuple) -> dict:
    p = pure(pads)
    return {"value": jax.jit(p["value"]), "grad": jax.jit(jax.grad(p["value"])),
            "hess": jax.jit(jax.hessian(p["value"])), "occupancy": jax.jit(p["occupancy"]),
            "qgrid": jax.jit(p["qgrid"]), "dd": jax.jit(p["dd"])}


class Instance:
    """A game and a BN policy structure on a padded grid, with the compiled functions bound to them:
    ``value(x)``, ``grad(x)``, ``hess(x)`` take the flat (unpadded) theta and an optional reward table
    (default: the given one), barrier weight lam and initial distribution mu."""

    def __init__(self, game, policy, r=None, pads: tuple | None = None, mu=None):
        self.game, self.policy = game, policy
        self.pads = pads or search_pads(game.n_states, game.action_sizes, policy.n_params)
        self.layout = Layout.of(policy, self.pads)
        self.n = self.layout.n
        self.P, self.mu, self.gamma = self.layout.model(game, mu)
        self.r = self.layout.reward(game.rewards[0] if r is None else r)
        self.f = compiled(self.pads)

    def with_mu(self, mu) -> "Instance":
        new = object.__new__(Instance)
        new.__dict__.update(self.__dict__)
        new.mu = self.layout.mu(mu)
        return new

    def _r(self, r):
        return self.r if r is None else r

    def value(self, x, r=None, lam: float = 0.0) -> float:
        return float(self.f["value"](self.layout.theta(x), self._r(r), lam, self.P, self.mu, self.gamma,
                                     self.layout.struct))

    def grad(self, x, r=None, lam: float = 0.0) -> np.ndarray:
        return np.asarray(self.f["grad"](self.layout.theta(x), self._r(r), lam, self.P, self.mu, self.gamma,
                                         self.layout.struct))[:self.n]

    def hess(self, x, r=None, lam: float = 0.0) -> np.ndarray:
        H = np.asarray(self.f["hess"](self.layout.theta(x), self._r(r), lam, self.P, self.mu, self.gamma,
                                      self.layout.struct))[:self.n, :self.n]
        return (H + H.T) / 2

    def occupancy(self, x) -> np.ndarray:
        return np.asarray(self.f["occupancy"](self.layout.theta(x), self.P, self.mu, self.gamma, self.layout.struct))

    def qgrid(self, x, r=None):
        return tuple(np.asarray(a) for a in self.f["qgrid"](self.layout.theta(x), self._r(r), self.P, self.gamma,
                                                             self.layout.struct))
