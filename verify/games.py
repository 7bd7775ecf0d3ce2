r"""Finite Markov games  <N, S, A, P, r, mu, gamma>  (bnac Sec. 3, bnrate Sec. 2, mpg Sec. 2).

Shapes (everything is float64 NumPy):

* ``P[s, a^1, ..., a^N, s']``  transition probabilities, rows sum to 1;
* ``rewards[i, s, a^1, ..., a^N]``  per-agent rewards r^i (a team game has identical rows);
* ``potential[s, a^1, ..., a^N]``  the potential phi of a Markov potential game (mpg Def. 2.2), or None;
* ``mu[s]``  the initial distribution; ``gamma`` in [0, 1).

Joint actions are flattened in C order of (a^1, ..., a^N); ``joint_index`` and ``joint_actions``
convert between the two.
"""
from __future__ import annotations

import dataclasses
import json
from functools import cached_property
from typing import Sequence

import numpy as np

from .errors import InputError

_ROW_TOL = 1e-9


@dataclasses.dataclass(frozen=True, eq=False)
class MarkovGame:
    P: np.ndarray
    rewards: np.ndarray
    mu: np.ndarray
    gamma: float
    potential: np.ndarray | None = None
    name: str = "game"
    spec: dict | None = None  # how to rebuild it (random_game spec), when known

    def __post_init__(self):
        validate_game(self)

    # --- sizes -------------------------------------------------------------------------------
    @property
    def n_states(self) -> int:
        return self.P.shape[0]

    @property
    def action_sizes(self) -> tuple[int, ...]:
        return tuple(self.P.shape[1:-1])

    @property
    def n_agents(self) -> int:
        return len(self.action_sizes)

    @property
    def n_joint(self) -> int:
        return int(np.prod(self.action_sizes))

    # --- flat views -------------------------------------------------------------------------
    @cached_property
    def P_flat(self) -> np.ndarray:
        """P[s, a, s'] with a the flattened joint action."""
        return self.P.reshape(self.n_states, self.n_joint, self.n_states)

    def reward_flat(self, i: int | None = None) -> np.ndarray:
        """r^i[s, a] (i = None: the team reward, agent 0's row, for a team game)."""
        r = self.team_reward if i is None else self.rewards[i]
        return r.reshape(self.n_states, self.n_joint)

    @property
    def team_reward(self) -> np.ndarray:
        if not self.is_team_game:
            raise InputError("this game has per-agent rewards; name the agent i or use the potential")
        return self.rewards[0]

    @cached_property
    def is_team_game(self) -> bool:
        return bool(np.all(self.rewards == self.rewards[0:1]))

    @property
    def r_min(self) -> float:
        return float(self.rewards.min())

    @property
    def r_max(self) -> float:
        return float(self.rewards.max())

    def joint_actions(self) -> np.ndarray:
        """All joint actions as rows (a^1..a^N), in flat-index order."""
        return np.array(list(np.ndindex(*self.action_sizes)), dtype=int).reshape(self.n_joint, self.n_agents)

    def with_rewards(self, rewards, potential=None, name=None) -> "MarkovGame":
        return dataclasses.replace(self, rewards=np.asarray(rewards, float), potential=potential,
                                   name=name or self.name)

    def describe(self) -> str:
        return (f"{self.name}: N={self.n_agents}, |S|={self.n_states}, A={'x'.join(map(str, self.action_sizes))}, "
                f"gamma={self.gamma:g}, r in [{self.r_min:.3g}, {self.r_max:.3g}]")


def validate_game(g: MarkovGame) -> None:
    """Reject malformed games with a one-line InputError."""
    P = np.asarray(g.P)
    if P.ndim < 3:
        raise InputError(f"P must have shape (S, A^1, ..., A^N, S), got {P.shape}")
    S = P.shape[0]
    if P.shape[-1] != S:
        raise InputError(f"P's last axis ({P.shape[-1]}) must equal the number of states ({S})")
    if any(k < 1 for k in P.shape):
        raise InputError(f"every size must be at least 1, got P of shape {P.shape}")
    if not np.all(np.isfinite(P)):
        raise InputError("transition probabilities contain NaN or infinity")
    if np.any(P < 0):
        raise InputError(f"transition probabilities must be non-negative (min {P.min():.3g})")
    rows = P.sum(axis=-1)
    bad = np.abs(rows - 1.0) > _ROW_TOL
    if np.any(bad):
        idx = tuple(int(x) for x in np.argwhere(bad)[0])
        raise InputError(f"transition row P[{', '.join(map(str, idx))}, :] sums to {rows[idx]:.12g}, not 1")
    R = np.asarray(g.rewards)
    n = P.ndim - 2
    if R.shape != (n,) + P.shape[:-1]:
        raise InputError(f"rewards must have shape (N, S, A^1..A^N) = {(n,) + P.shape[:-1]}, got {R.shape}")
    if not np.all(np.isfinite(R)):
        raise InputError("rewards contain NaN or infinity")
    mu = np.asarray(g.mu)
    if mu.shape != (S,):
        raise InputError(f"mu must have shape ({S},), got {mu.shape}")
    if not np.all(np.isfinite(mu)) or np.any(mu < 0) or abs(mu.sum() - 1) > _ROW_TOL:
        raise InputError(f"mu must be a probability vector (sum {mu.sum():.12g})")
    gm = g.gamma
    if not isinstance(gm, (int, float, np.floating)) or not np.isfinite(gm) or not (0.0 <= gm < 1.0):
        raise InputError(f"gamma must lie in [0, 1), got {gm}")
    if g.potential is not None:
        ph = np.asarray(g.potential)
        if ph.shape != P.shape[:-1] or not np.all(np.isfinite(ph)):
            raise InputError(f"potential must be finite with shape {P.shape[:-1]}")


def make_game(P, rewards, mu, gamma, potential=None, name="game", spec=None) -> MarkovGame:
    """Build a game from array-likes; ``rewards`` may be a team reward of shape (S, A^1..A^N)."""
    try:
        P = np.asarray(P, dtype=float)
        R = np.asarray(rewards, dtype=float)
        mu = np.asarray(mu, dtype=float)
        gamma = float(gamma)
    except (TypeError, ValueError) as e:
        raise InputError(f"game arrays must be numeric: {e}") from None
    if R.shape == P.shape[:-1]:
        R = np.broadcast_to(R, (P.ndim - 2,) + R.shape).copy()
    ph = None if potential is None else np.asarray(potential, dtype=float)
    return MarkovGame(P=P, rewards=R, mu=mu, gamma=gamma, potential=ph, name=name, spec=spec)


def game_from_json(text_or_path: str) -> MarkovGame:
    """Read a game from a JSON file or string with keys P, rewards, mu, gamma (potential optional)."""
    try:
        if text_or_path.lstrip().startswith("{"):
            obj = json.loads(text_or_path)
        else:
            with open(text_or_path) as f:
                obj = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        raise InputError(f"cannot read game: {e}") from None
    missing = {"P", "rewards", "mu", "gamma"} - set(obj)
    if missing:
        raise InputError(f"game JSON lacks {sorted(missing)}")
    return make_game(obj["P"], obj["rewards"], obj["mu"], obj["gamma"], obj.get("potential"),
                     name=obj.get("name", "game"))


# ------------------------------------------------------------------------------------------------
# The Coordination Game (bnac Sec. 7.1, Appendix B.1 Algorithm 1 and Table 1)
# ------------------------------------------------------------------------------------------------
def coordination_reward(local_states: Sequence[int]) -> float:
    """Team reward of bnac Algorithm 1 for a global state given as its N local bits."""
    n = len(local_states)
    bound = 1 if n in (2, 3) else 2  # difference_bound
    c0 = sum(1 for x in local_states if x == 0)
    c1 = n - c0
    if abs(c0 - c1) <= bound:
        return 1.0 if c0 < c1 else 0.0
    return 3.0 if c0 > c1 else 2.0


def coordination_game(n_agents: int, epsilon: float = 0.1, gamma: float = 0.95) -> MarkovGame:
    r"""bnac's Coordination Game: S = {0,1}^N, A^i = {0,1}, P(s'^i = 0 | a^i = 0) = 1 - eps,
    P(s'^i = 0 | a^i = 1) = eps, independently per agent; reward by Algorithm 1 (a function of s only);
    mu uniform; Table 1: eps = 0.1, gamma = 0.95.  States are indexed by their bits in C order.

    For N = 1 Algorithm 1's branches still apply (|c0 - c1| = 1 <= 2)."""
    if n_agents < 1:
        raise InputError(f"the Coordination Game needs N >= 1, got {n_agents}")
    if not 0 <= epsilon <= 1:
        raise InputError(f"epsilon must lie in [0, 1], got {epsilon}")
    N = n_agents
    S = 2 ** N
    bits = np.array(list(np.ndindex(*(2,) * N)), dtype=int)  # (S, N)
    # per-agent local transition  q[a^i, s'^i]
    q = np.array([[1 - epsilon, epsilon], [epsilon, 1 - epsilon]])
    # P[s, a, s'] = prod_i q[a^i, s'^i]; independent of s
    Pa = np.ones((2,) * N + (S,))
    for i in range(N):
        shape = [1] * N + [S]
        shape[i] = 2
        Pa = Pa * q[:, bits[:, i]].reshape(shape)
    P = np.broadcast_to(Pa, (S,) + Pa.shape).copy()
    r_s = np.array([coordination_reward(b) for b in bits])
    R = np.broadcast_to(r_s.reshape((S,) + (1,) * N), (S,) + (2,) * N).copy()
    return make_game(P, R, np.full(S, 1.0 / S), gamma, potential=R.copy(),
                     name=f"coordination-N{N}", spec={"kind": "coordination", "n_agents": N,
                                                      "epsilon": epsilon, "gamma": gamma})


# ------------------------------------------------------------------------------------------------
# Seeded random games.  A *spec* is a small JSON-able dict; random_game(spec) rebuilds the same game
# bit for bit, so every instance a report mentions can be rebuilt from its spec.
# ------------------------------------------------------------------------------------------------
TRANSITION_KINDS = ("dense", "sparse", "near-deterministic", "action-independent")
REWARD_KINDS = ("team", "potential", "potential-dummy")

DEFAULT_SPEC = {
    "n_agents": 2, "action_sizes": [2, 2], "n_states": 2, "gamma": 0.9,
    "transition": "dense", "reward": "team", "reward_scale": 1.0, "reward_offset": 0.0, "seed": 0,
}


def normalize_spec(spec: dict) -> dict:
    s = dict(DEFAULT_SPEC)
    s.update(spec or {})
    if "action_sizes" not in (spec or {}):
        s["action_sizes"] = [2] * int(s["n_agents"])
    s["n_agents"] = len(s["action_sizes"])
    if s["transition"] not in TRANSITION_KINDS:
        raise InputError(f"unknown transition kind {s['transition']!r}; choose from {TRANSITION_KINDS}")
    if s["reward"] not in REWARD_KINDS:
        raise InputError(f"unknown reward kind {s['reward']!r}; choose from {REWARD_KINDS}")
    if int(s["n_states"]) < 1 or any(int(k) < 1 for k in s["action_sizes"]):
        raise InputError("n_states and every action size must be at least 1")
    check_size(int(s["n_states"]), [int(k) for k in s["action_sizes"]])
    return s


#: the largest game (estimated bytes of its arrays and the exact evaluation's working set) the harness
#: builds; ``VERIFY_MAX_GIB`` raises or lowers it
MAX_GIB_DEFAULT = 4.0


def estimate_bytes(n_states: int, action_sizes) -> int:
    r"""Float64 bytes of a game and its exact evaluation: P[s, a, s'] (S |A| S), the rewards and the
    potential (N + 1) S |A|, the joint policy S |A| and P^pi, (I - gamma P^pi) and its factorization
    (3 S^2), with a factor 2 for the working copies the oracles make."""
    S, A, N = int(n_states), int(np.prod([int(k) for k in action_sizes], dtype=object)), len(action_sizes)
    return 8 * 2 * (S * A * S + (N + 2) * S * A + 3 * S * S)


def check_size(n_states: int, action_sizes) -> None:
    """Refuse, in one line and before any allocation, a game too large to evaluate exactly."""
    import os
    try:
        limit = float(os.environ.get("VERIFY_MAX_GIB", MAX_GIB_DEFAULT))
    except ValueError:
        raise InputError(f"VERIFY_MAX_GIB must be a number, got {os.environ['VERIFY_MAX_GIB']!r}") from None
    need = estimate_bytes(n_states, action_sizes)
    if need > limit * 2**30:
        joint = int(np.prod([int(k) for k in action_sizes], dtype=object))
        raise InputError(f"instance too large: {len(action_sizes)} agents, |S| = {n_states}, {joint} joint actions "
                         f"need about {need / 2**30:.3g} GiB (limit {limit:g} GiB; set VERIFY_MAX_GIB to change it)")


def random_game(spec: dict) -> MarkovGame:
    """A seeded random Markov game.

    transition: ``dense`` (Dirichlet(1) rows), ``sparse`` (each row supported on 1..2 states),
    ``near-deterministic`` (mass 1 - 1e-3 on one state), ``action-independent`` (P(s'|s)).
    reward: ``team`` (one shared reward), ``potential`` (r^i = phi + c^i, a Markov potential game),
    ``potential-dummy`` (r^i = phi + u^i(s, a^{-i}) with action-independent transitions, which is an
    MPG: the dummy term's discounted sum does not depend on pi^i).
    Rewards are ``offset + scale * U[0, 1)``.
    """
    s = normalize_spec(spec)
    rng = np.random.default_rng(int(s["seed"]))
    S, A, N = int(s["n_states"]), tuple(int(k) for k in s["action_sizes"]), int(s["n_agents"])
    gamma = float(s["gamma"])
    kind = s["transition"]
    if s["reward"] == "potential-dummy":
        kind = "action-independent"
    shape = (S,) + A
    if kind == "dense":
        P = rng.dirichlet(np.ones(S), size=shape)
    elif kind == "sparse":
        P = np.zeros(shape + (S,))
        for idx in np.ndindex(*shape):
            k = rng.integers(1, min(2, S) + 1)
            support = rng.choice(S, size=k, replace=False)
            P[idx + (slice(None),)][support] = rng.dirichlet(np.ones(k))
    elif kind == "near-deterministic":
        P = np.zeros(shape + (S,))
        tgt = rng.integers(0, S, size=shape)
        P[...] = 1e-3 / S
        np.put_along_axis(P, tgt[..., None], 1 - 1e-3 + 1e-3 / S, axis=-1)
    else:  # action-independent
        row = rng.dirichlet(np.ones(S), size=S)
        P = np.broadcast_to(row.reshape((S,) + (1,) * N + (S,)), shape + (S,)).copy()
    P = P / P.sum(axis=-1, keepdims=True)
    scale, off = float(s["reward_scale"]), float(s["reward_offset"])
    phi = off + scale * rng.random(shape)
    if s["reward"] == "team":
        R = np.broadcast_to(phi, (N,) + shape).copy()
    elif s["reward"] == "potential":
        R = np.stack([phi + scale * rng.random() for _ in range(N)])
    else:
        R = np.empty((N,) + shape)
        for i in range(N):
            u_shape = list(shape)
            u_shape[1 + i] = 1  # u^i does not depend on a^i
            R[i] = phi + scale * rng.random(u_shape)
    mu = rng.dirichlet(np.ones(S))
    name = "random(" + ",".join(f"{k}={v}" for k, v in sorted(s.items())) + ")"
    return make_game(P, R, mu, gamma, potential=phi, name=name, spec=s)
