r"""Adversarial searches for the supremum of a bound's ratio q / C (smoothness and Lipschitz claims).

A bound ``q(x) <= C(x)`` over a domain of continuous variables x (policy parameters, reward table, gamma,
transition kernel, initial distribution, barrier weight, potential range) and a discrete structure (N,
action sizes, |S|, DAG) is searched by **multi-start L-BFGS-B** on log(q / C), jointly in every continuous
variable the statement quantifies over, with box constraints where the statement fixes a range:

* the ratio is written as a smooth JAX function of the packed variables (for a Hessian norm, the Rayleigh
  quotient |v^T H v| / ||v||^2 with v a variable too: sup over v is the spectral norm, and v^T H v is two
  forward-mode passes, no Hessian); its gradient is exact (jax.grad);
* starts: random (several scales), extreme (large logits, near-deterministic policies, rare parent actions)
  and bang-bang rewards; gamma from 0 to near 1;
* the best point is then evaluated exactly (the full Hessian's spectral norm, or the pair's ratio) and
  returned with everything needed to rebuild it.

Search parameters that the papers do not fix are module constants, documented in docs/smoothness.md:
``THETA_MAX`` (box on every logit), ``GAMMA_MAX``, ``RANGE_MAX`` (largest potential range searched where a
statement fixes none), ``LAMBDA_RANGE`` (barrier weights searched).
"""
from __future__ import annotations

import functools
import math

import numpy as np
from scipy.optimize import minimize

import jax

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402

from . import jax_engine as E  # noqa: E402

THETA_MAX = 12.0                 # |theta| <= THETA_MAX (logit box; softmax probabilities down to ~e^-24)
GAMMA_MAX = 0.995
RANGE_MAX = 1000.0               # potential range searched when the statement fixes none (mpg Lemma 3.2)
LAMBDA_RANGE = (1e-3, 1e3)       # barrier weights lambda searched (bnrate Lemma 4)
P_LOGIT_MAX = 10.0


def lbfgs_max(fg, starts, bounds, maxiter: int) -> list[tuple[float, np.ndarray]]:
    """Maximize f from each start by L-BFGS-B over the coordinates whose bounds differ (the others stay
    pinned); ``fg(z) -> (f, grad f)``.  Returns [(f, z)] per start."""
    bounds = np.asarray(bounds, float)
    free = bounds[:, 0] < bounds[:, 1]
    out = []
    for z0 in starts:
        base = np.clip(np.asarray(z0, float), bounds[:, 0], bounds[:, 1])

        def neg(x):
            z = base.copy()
            z[free] = x
            f, g = fg(z)
            f, g = float(f), np.asarray(g, float)[free]
            if not np.isfinite(f):
                return 1e300, np.zeros_like(x)
            return -f, -np.nan_to_num(g, posinf=0.0, neginf=0.0)
        try:
            res = minimize(neg, base[free], jac=True, method="L-BFGS-B", bounds=bounds[free],
                           options={"maxiter": maxiter})
            z = base.copy()
            z[free] = res.x
            out.append((-float(res.fun), z))
        except (ValueError, FloatingPointError):
            out.append((-math.inf, base))
    return out


# ================================================================================================
# the packed variables of a game instance on the engine's padded grid
# ================================================================================================
class GameVars:
    """Packs (theta, v or theta~, r, gamma, P logits, mu logits, lam, scale) into one vector of a fixed length
    per padding (so that one compiled objective serves every game of that padding); entries that do not
    exist in the game (padding) or that the statement fixes are pinned by equal lower and upper bounds.

    ``r_box``: (lo, hi) of the reward table (the statement's [r_min, r_max]); ``free``: which of "gamma",
    "P", "mu", "lam", "scale" are searched (otherwise the game's own value, or ``fixed[name]``)."""

    def __init__(self, game, policy, r_box, free=("gamma", "P", "mu"), pads=None, second="v", fixed=None):
        self.game, self.policy = game, policy
        self.pads = pads or E.search_pads(game.n_states, game.action_sizes, policy.n_params)
        self.layout = E.Layout.of(policy, self.pads)
        self.n, self.S = self.layout.n, game.n_states
        Sp, Ap, Np, Lp = self.pads
        self.G = self.layout.valid.size                                      # padded (s, a) cells
        self.cells = np.flatnonzero(self.layout.valid.reshape(-1))           # real (s, a) cells of the grid
        self.n_cells = len(self.cells)
        self.free = tuple(free)
        self.second = second
        self.fixed = dict(fixed or {})
        sizes = [("theta", Lp), ("second", Lp), ("r", self.G), ("gamma", 1), ("P", self.G * Sp), ("mu", Sp),
                 ("lam", 1), ("scale", 1)]
        self.sl, off = {}, 0
        for k, m in sizes:
            self.sl[k] = slice(off, off + m)
            off += m
        self.dim = off
        self.r_box = (float(r_box[0]), float(r_box[1]))
        self.P0 = np.asarray(game.P, float).reshape(self.S, -1, self.S)
        self.mu0 = np.asarray(game.mu, float)
        smask = np.zeros(Sp)
        smask[:self.S] = 1.0
        self.data = {"struct": self.layout.struct, "snext": jnp.asarray(np.where(smask > 0, 0.0, E.NEG)),
                     "cmask": jnp.asarray(self.layout.valid.reshape(-1).astype(float))}

    @functools.cached_property
    def _rj(self):
        """For each real grid cell, the flat (s, joint action) index into the game's (S, |A|) tables."""
        coords = np.unravel_index(self.cells, self.layout.valid.shape)
        a = np.ravel_multi_index([coords[1 + j] for j in range(self.game.n_agents)], self.game.action_sizes)
        return coords[0] * int(np.prod(self.game.action_sizes)) + a

    def bounds(self) -> np.ndarray:
        Sp, Ap, Np, Lp = self.pads
        b = np.zeros((self.dim, 2))
        th = np.zeros((Lp, 2))
        th[:self.n] = [-THETA_MAX, THETA_MAX]
        b[self.sl["theta"]] = th
        sec = np.zeros((Lp, 2))
        sec[:self.n] = [-THETA_MAX, THETA_MAX] if self.second == "theta" else [-np.inf, np.inf]
        b[self.sl["second"]] = sec
        r = np.zeros((self.G, 2))
        r[self.cells] = self.r_box
        b[self.sl["r"]] = r
        g = self.fixed.get("gamma", self.game.gamma)
        b[self.sl["gamma"]] = [0.0, GAMMA_MAX] if "gamma" in self.free else [g, g]
        P = np.zeros((self.G, Sp, 2))
        if "P" in self.free:
            P[self.cells, :self.S] = [-P_LOGIT_MAX, P_LOGIT_MAX]
        else:
            L = self._p_logits(self.P0.reshape(-1, self.S)[self._rj])
            P[self.cells, :self.S, 0] = L
            P[self.cells, :self.S, 1] = L
        b[self.sl["P"]] = P.reshape(-1, 2)
        m = np.zeros((Sp, 2))
        if "mu" in self.free:
            m[:self.S] = [-P_LOGIT_MAX, P_LOGIT_MAX]
        else:
            L = self._p_logits(self.mu0)
            m[:self.S, 0] = L
            m[:self.S, 1] = L
        b[self.sl["mu"]] = m
        lam = self.fixed.get("lam", 0.0)
        b[self.sl["lam"]] = [math.log(LAMBDA_RANGE[0]), math.log(LAMBDA_RANGE[1])] if "lam" in self.free else \
            [math.log(lam) if lam > 0 else -745.0] * 2
        b[self.sl["scale"]] = [1.0, RANGE_MAX] if "scale" in self.free else [self.fixed.get("scale", 1.0)] * 2
        return b

    @staticmethod
    def _p_logits(p):
        return np.clip(np.log(np.maximum(np.asarray(p, float), 1e-300)), -P_LOGIT_MAX, P_LOGIT_MAX) \
            if np.all(np.asarray(p) > math.exp(-P_LOGIT_MAX)) else np.log(np.maximum(np.asarray(p, float), 1e-300))

    # ---- jnp unpacking (inside the objective) -------------------------------------------------
    def unpack(self, z, data):
        Sp = self.pads[0]
        theta, second = z[self.sl["theta"]], z[self.sl["second"]]
        r = (z[self.sl["r"]] * data["cmask"]).reshape(Sp, -1)
        gamma = z[self.sl["gamma"]][0]
        PL = z[self.sl["P"]].reshape(self.G, Sp) + data["snext"][None, :]
        P = (jax.nn.softmax(PL, axis=-1) * data["cmask"][:, None]).reshape(Sp, -1, Sp)
        mu = jax.nn.softmax(z[self.sl["mu"]] + data["snext"])
        return theta, second, r, gamma, P, mu, jnp.exp(z[self.sl["lam"]][0]), z[self.sl["scale"]][0]

    # ---- numpy packing (starts) and decoding (witnesses) ---------------------------------------
    def pack(self, theta, second=None, r=None, gamma=None, lam=None, scale=None) -> np.ndarray:
        """A start: the game's P and mu, the given theta, second (v or theta~), r (real cells), gamma."""
        b = self.bounds()
        fin = np.isfinite(b).all(axis=1)
        z = np.zeros(self.dim)
        z[fin] = b[fin].mean(axis=1)
        z[self.sl["theta"].start:self.sl["theta"].start + self.n] = theta
        if second is not None:
            z[self.sl["second"].start:self.sl["second"].start + self.n] = second
        rr = np.zeros(self.G)
        rr[self.cells] = np.asarray(r, float).reshape(-1)[:self.n_cells] if np.size(r) == self.n_cells else \
            np.asarray(r, float).reshape(-1)[self._rj]
        z[self.sl["r"]] = rr
        if "gamma" in self.free and gamma is not None:
            z[self.sl["gamma"]] = gamma
        P = np.zeros((self.G, self.pads[0]))
        P[self.cells, :self.S] = self._p_logits(self.P0.reshape(-1, self.S)[self._rj])
        z[self.sl["P"]] = P.ravel()
        m = np.zeros(self.pads[0])
        m[:self.S] = self._p_logits(self.mu0)
        z[self.sl["mu"]] = m
        if "lam" in self.free and lam is not None:
            z[self.sl["lam"]] = math.log(lam)
        if "scale" in self.free and scale is not None:
            z[self.sl["scale"]] = scale
        return np.clip(z, b[:, 0], b[:, 1])

    def decode(self, z) -> dict:
        """The game pieces at z, unpadded: theta, second, r table (S, A...), gamma, P (S, A..., S), mu, lam, scale."""
        z = np.asarray(z, float)
        Sp = self.pads[0]
        shape = (self.S,) + tuple(self.game.action_sizes)
        J = int(np.prod(self.game.action_sizes))
        rr = np.zeros(self.S * J)
        rr[self._rj] = z[self.sl["r"]][self.cells]
        L = z[self.sl["P"]].reshape(self.G, Sp)[self.cells, :self.S]
        Pr = np.exp(L - L.max(axis=1, keepdims=True))
        Pr /= Pr.sum(axis=1, keepdims=True)
        Pf = np.zeros((self.S * J, self.S))
        Pf[self._rj] = Pr
        m = z[self.sl["mu"]][:self.S]
        m = np.exp(m - m.max())
        return {"theta": z[self.sl["theta"]][:self.n].copy(), "second": z[self.sl["second"]][:self.n].copy(),
                "r": rr.reshape(shape), "gamma": float(z[self.sl["gamma"]][0]), "P": Pf.reshape(shape + (self.S,)),
                "mu": m / m.sum(), "lam": float(math.exp(z[self.sl["lam"]][0])), "scale": float(z[self.sl["scale"]][0])}


def random_starts(gv: GameVars, rng, k: int, r_table=None, extreme: bool = True, second_scale=(1e-3, 0.3, 3.0)):
    """k starts: random theta at scales 0.5..3, and extreme ones (one agent's block at +-(0.3..0.6) THETA_MAX:
    a near-deterministic agent, a rare parent action), random and bang-bang rewards, gamma in {0, game's, 0.9,
    0.99}, lambda and the potential scale spread over their boxes.  For pairs (second = theta~): theta~ near or
    far, in all blocks or in one agent's block; on the extreme starts theta~ moves another agent's block than
    the extreme one (a child's conditionals at a rare parent action)."""
    lo, hi = gv.r_box
    blocks = gv.layout.blocks()
    out = []
    for j in range(k):
        scale = [0.5, 1.0, 3.0][j % 3]
        th = scale * rng.standard_normal(gv.n)
        ext = int(rng.integers(len(blocks)))
        if extreme and j % 2 == 1:
            b = blocks[ext]
            m = b.stop - b.start
            th[b] = rng.choice([-1.0, 1.0], size=m) * rng.uniform(0.3, 0.6) * THETA_MAX * (rng.random(m) < 0.5)
        if gv.second == "theta":
            d = second_scale[j % len(second_scale)] * rng.standard_normal(gv.n)
            if len(blocks) > 1 and j % 4 != 0:
                other = [i for i in range(len(blocks)) if i != ext] if (extreme and j % 2 == 1) else list(range(len(blocks)))
                mask = np.zeros(gv.n)
                mask[blocks[int(rng.choice(other))]] = 1.0
                d = (d + 0.5 * (j % 2) * rng.standard_normal(gv.n)) * mask        # extreme: a visible move
            sec = np.clip(th + d, -THETA_MAX, THETA_MAX)
        else:
            sec = rng.standard_normal(gv.n)
        if r_table is not None and j == 0:
            r = np.asarray(r_table, float)
        elif j % 3 == 2:
            r = rng.uniform(lo, hi, size=gv.n_cells)
        else:
            r = np.where(rng.random(gv.n_cells) < 0.5, lo, hi)
        gamma = [0.0, gv.game.gamma, 0.9, 0.99][j % 4]
        lam = float(np.exp(rng.uniform(*np.log(LAMBDA_RANGE))))
        out.append(gv.pack(th, sec, r, gamma=gamma, lam=lam, scale=float(rng.uniform(1.0, RANGE_MAX))))
    return out


def rare_parent_starts(gv: GameVars, rng, k: int) -> list[np.ndarray]:
    """Pair starts at rare parent actions: for an agent i with parents, every parent's logits put probability
    ~e^{-m} (m in 6..10) on all but one of its actions, and theta~ moves agent i's block only (its
    conditionals, including those at the rare parent actions); bang-bang rewards, gamma 0 or the game's."""
    blocks = gv.layout.blocks()
    kids = [i for i, ps in enumerate(gv.layout.parents) if ps]
    out = []
    for j in range(k if kids else 0):
        i = kids[j % len(kids)]
        th = rng.standard_normal(gv.n)
        m = rng.uniform(6.0, 10.0)
        for p in gv.layout.parents[i]:
            b = blocks[p]
            A = gv.layout.A[p]
            blk = np.full((b.stop - b.start) // A * A, -m / 2).reshape(-1, A)
            blk[:, int(rng.integers(A))] = m / 2
            th[b] = blk.ravel()
        sec = th.copy()
        sec[blocks[i]] += 2.0 * rng.standard_normal(blocks[i].stop - blocks[i].start)
        r = np.where(rng.random(gv.n_cells) < 0.5, gv.r_box[0], gv.r_box[1])
        out.append(gv.pack(th, np.clip(sec, -THETA_MAX, THETA_MAX), r, gamma=[0.0, gv.game.gamma][j % 2]))
    return out


def _np(t):
    return float(t[0]), np.asarray(t[1])


def _run(gv, fg, starts, maxiter):
    res = lbfgs_max(lambda z: _np(fg(jnp.asarray(z), gv.data)), starts, gv.bounds(), maxiter)
    return sorted(res, key=lambda t: -t[0])


# ================================================================================================
# 1. sup_theta ||Hessian f(theta)||_2 / C: f = V(mu), L_lambda or Phi(s0)
# ================================================================================================
def hessian_objective(gv: GameVars):
    key = ("rayleigh", gv.pads)
    if key not in _OBJ:
        dd = E.pure(gv.pads)["dd"]
        unpack = gv.unpack

        def obj(z, data):
            theta, v, r, gamma, P, mu, lam, scale = unpack(z, data)
            q = dd(theta, v, r * scale, lam, P, mu, gamma, data["struct"]) / jnp.sum(v * v)
            a, N, R, b, w = data["a"], data["N"], data["R"], data["b"], data["scale_in_bound"]
            C = a * N * R * (w * scale + (1 - w)) / (1 - gamma) ** 3 + lam * b
            return jnp.log(jnp.abs(q) + 1e-300) - jnp.log(C)

        _OBJ[key] = jax.jit(jax.value_and_grad(obj))
    return _OBJ[key]


_OBJ: dict = {}


def hessian_sup(gv: GameVars, a: float, b: float, starts, maxiter: int, scale_in_bound: bool = False):
    """Multi-start L-BFGS-B on log(|v^T H v| / ||v||^2 / C), C = a N R' / (1-gamma)^3 + lam b, R' the reward
    range (times the potential scale when ``scale_in_bound``); returns [(log ratio, z)] best first."""
    gv.data.update(a=float(a), N=float(gv.game.n_agents), R=gv.r_box[1] - gv.r_box[0], b=float(b),
                   scale_in_bound=float(scale_in_bound))
    return _run(gv, hessian_objective(gv), starts, maxiter)


# ================================================================================================
# 2. bnac Lemma A.1: pairs (theta, theta~), ratios of Eqs. (4), (5), (5')
# ================================================================================================
def a1_terms(qg, theta, tht, r, P, gamma, struct, N, valid):
    """|Q~ - Q|, |Abar~^i - Abar^i| per agent, ||pi~^i - pi^i||_1 per agent (on the grid) and
    max_s ||pi~_s - pi_s||_1 (joint), in jnp."""
    Q, pi, loc = qg(theta, r, P, gamma, struct)
    Q2, pi2, loc2 = qg(tht, r, P, gamma, struct)
    Sp = pi.shape[0]
    delta = jnp.max(jnp.sum(jnp.abs(pi2 - pi).reshape(Sp, -1), axis=1))
    dQ = jnp.abs(Q2 - Q) * valid
    dA, dloc = [], []
    for i in range(N):
        ax = 1 + i
        Ab = Q - jnp.sum(loc[i] * Q, axis=ax, keepdims=True)      # Abar^i = Q - E_{abar^i ~ pi^i(.|s,a^{P^i})} Q
        Ab2 = Q2 - jnp.sum(loc2[i] * Q2, axis=ax, keepdims=True)
        dA.append(jnp.abs(Ab2 - Ab) * valid)
        dloc.append(jnp.sum(jnp.abs(loc2[i] - loc[i]), axis=ax, keepdims=True) * valid)
    return dQ, dA, dloc, delta


A1_OBJECTIVES = ("eq4", "eq5", "eq5_corrected")


def a1_objective(gv: GameVars):
    """z -> log of the Lemma A.1 ratio (data["which"]: index of 'eq4', 'eq5' or 'eq5_corrected'), max over
    (i, s, a); padded agents contribute zero (their local policy never changes)."""
    key = ("a1", gv.pads)
    if key not in _OBJ:
        qg = E.pure(gv.pads)["qgrid"]
        Np = gv.pads[2]
        unpack = gv.unpack

        def obj(z, data):
            theta, tht, r, gamma, P, mu, lam, scale = unpack(z, data)
            valid = data["cmask"].reshape(gv.layout.shape)
            R = data["R"] * data["factor"]
            dQ, dA, dloc, delta = a1_terms(qg, theta, tht, r, P, gamma, data["struct"], Np, valid)
            delta = delta + 1e-300
            rhs4 = R / (1 - gamma) ** 2 * delta                          # bnac Eq. (4)
            q4 = jnp.max(dQ) / rhs4
            q5 = jnp.max(jnp.stack([jnp.max(x) for x in dA])) / (2 * rhs4)     # bnac Eq. (5)
            q5c = jnp.max(jnp.stack([jnp.max(x / (2 * rhs4 + R / (2 * (1 - gamma)) * d + 1e-300)) # (5')
                                     for x, d in zip(dA, dloc)]))
            return jnp.log(jnp.stack([q4, q5, q5c])[data["which"]] + 1e-300)

        _OBJ[key] = jax.jit(jax.value_and_grad(obj))
    return _OBJ[key]


def pair_sup(gv: GameVars, objective: str, starts, maxiter: int, factor: float = 1.0):
    gv.data.update(R=gv.r_box[1] - gv.r_box[0], factor=float(factor), which=A1_OBJECTIVES.index(objective))
    return _run(gv, a1_objective(gv), starts, maxiter)


# ================================================================================================
# 3. bnac Lemma A.2: the near-pair limit max_i ||(H u)_i||_1 / sum_j ||u_j||_2
# ================================================================================================
def a2_objective(gv: GameVars):
    """z -> log( max_i ||(Hess V(theta) u)_{block i}||_1 / sum_j ||u_j||_2 ) - log(8 R/(1-gamma)^3); the blocks
    are given by a 0/1 matrix (agents x L_pad) in the data."""
    key = ("a2", gv.pads)
    if key not in _OBJ:
        val = E.pure(gv.pads)["value"]
        unpack = gv.unpack

        def obj(z, data):
            theta, u, r, gamma, P, mu, lam, scale = unpack(z, data)
            g = lambda t: jax.grad(val)(t, r, 0.0, P, mu, gamma, data["struct"])
            Hu = jax.jvp(g, (theta,), (u,))[1]
            B = data["blocks"]
            den = jnp.sum(jnp.sqrt(B @ (u * u) + 1e-300) * data["real_agent"])
            num = jnp.max(B @ jnp.abs(Hu))
            return jnp.log(num / den + 1e-300) - jnp.log(data["factor"] * 8 * data["R"] / (1 - gamma) ** 3)

        _OBJ[key] = jax.jit(jax.value_and_grad(obj))
    return _OBJ[key]


def a2_sup(gv: GameVars, starts, maxiter: int, factor: float = 1.0):
    Np, Lp = gv.pads[2], gv.pads[3]
    B = np.zeros((Np, Lp))
    for i, b in enumerate(gv.layout.blocks()):
        B[i, b] = 1.0
    gv.data.update(blocks=jnp.asarray(B), real_agent=jnp.asarray((np.arange(Np) < gv.game.n_agents).astype(float)),
                   R=gv.r_box[1] - gv.r_box[0], factor=float(factor))
    return _run(gv, a2_objective(gv), starts, maxiter)


# ================================================================================================
# 4. mpg Lemma C.1: F_s(theta_s) = sum_a pi(a|s) c_a at one state, product softmax
# ================================================================================================
@functools.lru_cache(maxsize=None)
def c1_general_objective(Np: int, Ap: int):
    """z = (theta (Np x Ap), v (Np x Ap), c (Ap^Np)) -> log |v^T Hess F v| / ||v||^2 (||c||_inf <= 1 by the box;
    the bound's N max(5, sqrt N) is applied by the caller); ``neg`` masks absent actions."""
    def F(theta, c, neg):
        ls = jax.nn.log_softmax(theta.reshape(Np, Ap) + neg, axis=1)
        lp = 0.0
        for i in range(Np):
            shp = [1] * Np
            shp[i] = Ap
            lp = lp + ls[i].reshape(shp)
        return jnp.sum(jnp.exp(lp) * c.reshape((Ap,) * Np))

    def obj(z, neg, mask):
        m = Np * Ap
        th, v, c = z[:m], z[m:2 * m] * mask, z[2 * m:]
        f = lambda t: F(t, c, neg)
        q = jax.jvp(lambda t: jax.jvp(f, (t,), (v,))[1], (th,), (v,))[1] / jnp.sum(v * v)
        return jnp.log(jnp.abs(q) + 1e-300)

    return jax.jit(jax.value_and_grad(obj)), jax.jit(jax.hessian(F))


@functools.lru_cache(maxsize=None)
def c1_symmetric_objective(N: int):
    """Two actions per agent and c(a) = g(#{i: a^i = 1}) (symmetric c, g in [-1, 1]^{N+1}):
    F = sum_k g_k Pr(K = k), K the number of agents playing action 1 (Poisson-binomial, by a recursion
    over the agents); z = (theta (N x 2), v (N x 2), g (N + 1))."""
    def F(theta, g):
        p = jax.nn.softmax(theta.reshape(N, 2), axis=1)[:, 1]

        def step(dist, pi):      # Pr(K_{i+1} = k) = Pr(K_i = k)(1 - p_i) + Pr(K_i = k - 1) p_i
            return dist * (1 - pi) + jnp.concatenate([jnp.zeros(1), dist[:-1]]) * pi, None

        dist, _ = jax.lax.scan(step, jnp.zeros(N + 1).at[0].set(1.0), p)
        return jnp.sum(dist * g)

    def obj(z):
        m = 2 * N
        th, v, g = z[:m], z[m:2 * m], z[2 * m:]
        f = lambda t: F(t, g)
        q = jax.jvp(lambda t: jax.jvp(f, (t,), (v,))[1], (th,), (v,))[1] / jnp.sum(v * v)
        return jnp.log(jnp.abs(q) + 1e-300)

    return jax.jit(jax.value_and_grad(obj)), jax.jit(jax.hessian(F))
