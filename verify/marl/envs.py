r"""Vmappable multi-agent environments with one interface (bnac Sec. 7.1).

Every environment ``env`` exposes ``n_agents``, ``n_actions``, ``obs_dim``, ``state_dim``,
``episode_length`` and two pure functions

    env.reset(key)                 -> (env_state, Timestep)
    env.step(key, env_state, a)    -> (env_state, Timestep)      a: int32 (N,)

where ``Timestep`` holds the local observations ``obs`` (N, obs_dim), the global state ``state``
(state_dim,), the available actions ``avail`` (N, n_actions), the team ``reward`` of the step just taken
and ``done``.  ``step`` resets automatically when an episode ends (the returned observations are those of
the next episode's first state; ``reward`` and ``done`` belong to the step that ended).

Stand-ins are named as such: ``smax:MMM2-approx`` is *not* SMAC's MMM2 (SMAX has no medivac, no healing,
and SMAX is not StarCraft II).
"""
from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from ..errors import InputError

__all__ = ["Timestep", "CoordinationGameEnv", "AlohaEnv", "SMAXEnv", "make_env", "ENV_NAMES",
           "coordination_reward_jnp"]


class Timestep(NamedTuple):
    obs: jnp.ndarray      # (N, obs_dim) float32 local observations o^i
    state: jnp.ndarray    # (state_dim,) float32 global state
    avail: jnp.ndarray    # (N, n_actions) bool available actions
    reward: jnp.ndarray   # () float32 team reward of the step just taken (0 after reset)
    done: jnp.ndarray     # () bool the step just taken ended the episode


def _agent_ids(N: int) -> jnp.ndarray:
    return jnp.eye(N, dtype=jnp.float32)


# ------------------------------------------------------------------------------------------------
# The Coordination Game (bnac Sec. 7.1, Algorithm 1, Table 1), sampled
# ------------------------------------------------------------------------------------------------
def coordination_reward_jnp(bits: jnp.ndarray) -> jnp.ndarray:
    r"""Team reward of bnac Algorithm 1 (App. B.1.1) for local states ``bits`` (N,) in {0, 1}:
    difference_bound = 1 if N in {2, 3} else 2; |#0 - #1| <= bound: 1 if #0 < #1 else 0;
    otherwise 3 if #0 > #1 else 2."""
    N = bits.shape[-1]
    bound = 1 if N in (2, 3) else 2
    c1 = jnp.sum(bits, axis=-1)
    c0 = N - c1
    near = jnp.abs(c0 - c1) <= bound
    return jnp.where(near, jnp.where(c0 < c1, 1.0, 0.0), jnp.where(c0 > c1, 3.0, 2.0)).astype(jnp.float32)


class CGState(NamedTuple):
    s: jnp.ndarray   # (N,) int32 local states s^i in {0, 1}
    t: jnp.ndarray   # () int32 time step within the episode


class CoordinationGameEnv:
    r"""bnac's Coordination Game as a sampled episodic environment with exactly the dynamics of the exact
    engine (``verify.experiments.core``):

    * s_0 ~ mu uniform over {0, 1}^N (Table 1);
    * the reward of step t is r(s_t) of Algorithm 1 (a function of the state; the exact engine's
      V(s) = r(s) + gamma sum_{s'} P(s'|a) V(s'));
    * s_{t+1}^i ~ q[a_t^i, .] independently, P(s'^i = 0 | a^i = 0) = 1 - eps, P(s'^i = 0 | a^i = 1) = eps
      (Sec. 7.1), independent of s_t;
    * episodes last ``episode_length`` = 20 steps (Table 2; the authors' public code uses 25), so a
      sampled discounted return estimates the 20-step truncation of V_pi(mu).

    Global observability (Sec. 7.4.1): every agent observes s (N bits), followed by a one-hot agent id
    (``agent_id=True``, a choice: the actor's parameters are shared across agents); the global state is s.
    """

    name = "coordination"

    def __init__(self, n_agents: int = 2, eps: float = 0.1, gamma: float = 0.95, episode_length: int = 20,
                 agent_id: bool = True):
        if not isinstance(n_agents, (int, np.integer)) or not 1 <= n_agents <= 16:
            raise InputError(f"the Coordination Game needs an integer N in 1..16, got {n_agents!r}")
        if not 0.0 <= eps <= 1.0:
            raise InputError(f"eps must lie in [0, 1], got {eps}")
        if int(episode_length) < 1:
            raise InputError(f"episode_length must be >= 1, got {episode_length}")
        self.n_agents, self.eps, self.gamma = int(n_agents), float(eps), float(gamma)
        self.episode_length, self.agent_id = int(episode_length), bool(agent_id)
        self.n_actions = 2
        self.state_dim = self.n_agents
        self.obs_dim = self.n_agents + (self.n_agents if agent_id else 0)

    def _timestep(self, st: CGState, reward, done) -> Timestep:
        N = self.n_agents
        s = st.s.astype(jnp.float32)
        obs = jnp.broadcast_to(s, (N, N))
        if self.agent_id:
            obs = jnp.concatenate([obs, _agent_ids(N)], axis=1)
        return Timestep(obs, s, jnp.ones((N, 2), bool), jnp.asarray(reward, jnp.float32), jnp.asarray(done))

    def _init(self, key):
        s = jax.random.bernoulli(key, 0.5, (self.n_agents,)).astype(jnp.int32)  # mu uniform (Table 1)
        return CGState(s, jnp.int32(0))

    def reset(self, key):
        st = self._init(key)
        return st, self._timestep(st, 0.0, False)

    def step(self, key, st: CGState, actions):
        r = coordination_reward_jnp(st.s)                                # r(s_t), Algorithm 1
        p_one = jnp.where(actions == 1, 1.0 - self.eps, self.eps)        # P(s'^i = 1 | a^i), Sec. 7.1
        k1, k2 = jax.random.split(key)
        s_next = jax.random.bernoulli(k1, p_one).astype(jnp.int32)
        t = st.t + 1
        done = t >= self.episode_length
        nxt = CGState(s_next, t)
        fresh = self._init(k2)
        nxt = jax.tree_util.tree_map(lambda a, b: jnp.where(done, a, b), fresh, nxt)
        return nxt, self._timestep(nxt, r, done)


# ------------------------------------------------------------------------------------------------
# Aloha (bnac Sec. 7.1, after Wang et al. 2022)
# ------------------------------------------------------------------------------------------------
class AlohaState(NamedTuple):
    backlog: jnp.ndarray  # (N,) int32
    t: jnp.ndarray


def grid_neighbours(rows: int, cols: int, neighbourhood: str = "4") -> np.ndarray:
    """Adjacency (N, N) of islands on a rows x cols array: '4' = von Neumann (up, down, left, right),
    '8' = Moore (diagonals too).  Agent k sits at (k // cols, k % cols)."""
    if neighbourhood not in ("4", "8"):
        raise InputError(f"neighbourhood must be '4' or '8', got {neighbourhood!r}")
    N = rows * cols
    A = np.zeros((N, N), bool)
    for k in range(N):
        r, c = divmod(k, cols)
        for l in range(N):
            r2, c2 = divmod(l, cols)
            dr, dc = abs(r - r2), abs(c - c2)
            if k != l and (dr + dc == 1 or (neighbourhood == "8" and dr == 1 and dc == 1)):
                A[k, l] = True
    return A


class AlohaEnv:
    r"""Aloha (bnac Sec. 7.1): 10 islands in a 2 x 5 array, each with a backlog of messages; action 1 =
    send, 0 = do not send.  Per step, with the paper's numbers:

    * an island that sends with a non-empty backlog while no neighbour sends delivers one message:
      +0.1 to the team reward per delivered message, backlog - 1;
    * an island that sends while at least one neighbour also sends collides: -10 per colliding island
      (nothing is delivered);
    * then each island receives a new message with probability 0.6.

    Where the paper is silent (choices, parameters): ``neighbourhood`` '4' (islands sharing an edge of
    the array), ``backlog_cap`` 5 (arrivals beyond it are lost), ``initial_backlog`` 1 (Fig. 5 shows a
    state where every island has a backlog of one), sending with an empty backlog transmits nothing
    (all actions always available), episode length 25 (Table 2).  Partial observability (Sec. 7.4.3):
    o^i = one-hot backlog of island i (cap + 1 entries) and a one-hot agent id; the global state is the
    vector of backlogs / cap.
    """

    name = "aloha"

    def __init__(self, rows: int = 2, cols: int = 5, p_message: float = 0.6, success_reward: float = 0.1,
                 collision_reward: float = -10.0, backlog_cap: int = 5, initial_backlog: int = 1,
                 neighbourhood: str = "4", episode_length: int = 25, agent_id: bool = True):
        if rows < 1 or cols < 1:
            raise InputError(f"Aloha needs a positive grid, got {rows} x {cols}")
        if not 0.0 <= p_message <= 1.0:
            raise InputError(f"p_message must lie in [0, 1], got {p_message}")
        if backlog_cap < 1 or not 0 <= initial_backlog <= backlog_cap:
            raise InputError(f"need backlog_cap >= 1 and 0 <= initial_backlog <= cap, got {backlog_cap}, {initial_backlog}")
        self.rows, self.cols = int(rows), int(cols)
        self.n_agents = self.rows * self.cols
        self.p_message, self.success_reward, self.collision_reward = float(p_message), float(success_reward), float(collision_reward)
        self.backlog_cap, self.initial_backlog = int(backlog_cap), int(initial_backlog)
        self.neighbourhood, self.episode_length, self.agent_id = neighbourhood, int(episode_length), bool(agent_id)
        self.adjacency = jnp.asarray(grid_neighbours(self.rows, self.cols, neighbourhood))
        self.n_actions = 2
        self.obs_dim = self.backlog_cap + 1 + (self.n_agents if agent_id else 0)
        self.state_dim = self.n_agents

    def _timestep(self, st: AlohaState, reward, done) -> Timestep:
        N = self.n_agents
        obs = jax.nn.one_hot(st.backlog, self.backlog_cap + 1, dtype=jnp.float32)
        if self.agent_id:
            obs = jnp.concatenate([obs, _agent_ids(N)], axis=1)
        state = st.backlog.astype(jnp.float32) / self.backlog_cap
        return Timestep(obs, state, jnp.ones((N, 2), bool), jnp.asarray(reward, jnp.float32), jnp.asarray(done))

    def _init(self):
        return AlohaState(jnp.full((self.n_agents,), self.initial_backlog, jnp.int32), jnp.int32(0))

    def reset(self, key):
        st = self._init()
        return st, self._timestep(st, 0.0, False)

    def transmissions(self, backlog, actions):
        """(sent, delivered, collided) per island: sent = a^i = 1 and backlog > 0; collided = sent and a
        neighbour sent; delivered = sent and not collided."""
        sent = (actions == 1) & (backlog > 0)
        neighbour_sent = (self.adjacency.astype(jnp.int32) @ sent.astype(jnp.int32)) > 0
        collided = sent & neighbour_sent
        return sent, sent & ~collided, collided

    def step(self, key, st: AlohaState, actions):
        _, delivered, collided = self.transmissions(st.backlog, actions)
        reward = self.success_reward * jnp.sum(delivered) + self.collision_reward * jnp.sum(collided)
        arrivals = jax.random.bernoulli(key, self.p_message, (self.n_agents,)).astype(jnp.int32)
        backlog = jnp.minimum(st.backlog - delivered.astype(jnp.int32) + arrivals, self.backlog_cap)
        t = st.t + 1
        done = t >= self.episode_length
        nxt = AlohaState(backlog, t)
        nxt = jax.tree_util.tree_map(lambda a, b: jnp.where(done, a, b), self._init(), nxt)
        return nxt, self._timestep(nxt, reward, done)


# ------------------------------------------------------------------------------------------------
# SMAX (JaxMARL) -- optional
# ------------------------------------------------------------------------------------------------
#: SMAX unit types: 0 marine, 1 marauder, 2 stalker, 3 zealot, 4 zergling, 5 hydralisk
MMM2_APPROX = {"allies": [1, 1] + [0] * 8, "enemies": [1, 1, 1] + [0] * 9}
MMM2_APPROX_TEXT = ("smax:MMM2-approx: 10 allies (2 marauders, 8 marines) vs 12 enemies (3 marauders, 9 marines); "
                    "SMAC's MMM2 has a medivac on each side, replaced here by a marine: no medivac, no healing; "
                    "SMAX, not StarCraft II")


def _jaxmarl():
    try:
        import contextlib
        import io
        with contextlib.redirect_stdout(io.StringIO()):
            import jaxmarl  # noqa: F401
            from jaxmarl.environments.smax import map_name_to_scenario  # noqa: F401
        return jaxmarl
    except ModuleNotFoundError as e:
        raise InputError(f"SMAX environments need the 'jaxmarl' package (missing: {e.name}); "
                         "pip install jaxmarl") from None


def _to_float32(env, depth: int = 0):
    """Cast float64 array attributes of a JaxMARL environment (and the environment it wraps) to float32:
    defaults such as SMAX's unit velocities are built when jaxmarl is imported, in float64 if x64 was on."""
    for k, v in list(vars(env).items()):
        if isinstance(v, jax.Array) and v.dtype == jnp.float64:
            setattr(env, k, jnp.asarray(np.asarray(v), jnp.float32))
        elif depth < 2 and hasattr(v, "__dict__") and type(v).__module__.startswith("jaxmarl"):
            _to_float32(v, depth + 1)


class SMAXEnv:
    r"""A SMAX map from JaxMARL (heuristic enemies, as JaxMARL's own MAPPO uses) behind the common interface.
    ``map_name`` 'smax:6h_vs_8z' (exists in SMAX) or 'smax:MMM2-approx' (a stand-in, see MMM2_APPROX_TEXT).
    Results are SMAX results, compared with the paper's trends, never SMAC numbers.  Episode length is
    SMAX's (100 steps; SMAC's is 400, Table 2).  The team reward is SMAX's (identical for every ally)."""

    def __init__(self, map_name: str = "smax:6h_vs_8z"):
        with jax.enable_x64(False):   # SMAX is written for 32-bit JAX (also where the exact engine enabled x64)
            self._build(map_name)

    def _build(self, map_name):
        jm = _jaxmarl()
        from jaxmarl.environments.smax import map_name_to_scenario
        from jaxmarl.environments.smax.smax_env import Scenario
        short = map_name.split(":", 1)[-1]
        if short == "6h_vs_8z":
            scen = map_name_to_scenario("6h_vs_8z")
        elif short == "MMM2-approx":
            types = jnp.array(MMM2_APPROX["allies"] + MMM2_APPROX["enemies"], jnp.uint8)
            scen = Scenario(types, len(MMM2_APPROX["allies"]), len(MMM2_APPROX["enemies"]), False, False)
        else:
            raise InputError(f"unknown SMAX map {map_name!r}; choose smax:6h_vs_8z or smax:MMM2-approx")
        self.name = "smax:" + short
        self.description = MMM2_APPROX_TEXT if short == "MMM2-approx" else "smax:6h_vs_8z (SMAX, not StarCraft II)"
        with jax.enable_x64(False):   # SMAX is written for 32-bit JAX
            self._env = jm.make("HeuristicEnemySMAX", scenario=scen)
            _to_float32(self._env)
            self.agents = list(self._env.agents)
            self.n_agents = len(self.agents)
            self.n_actions = int(self._env.action_spaces[self.agents[0]].n)
            self.obs_dim = int(self._env.observation_spaces[self.agents[0]].shape[0])
            obs, st = self._env.reset(jax.random.PRNGKey(0))
        self.state_dim = int(obs["world_state"].shape[0])
        self.episode_length = int(getattr(self._env, "max_steps", 100))

    def _timestep(self, obs, st, reward, done) -> Timestep:
        o = jnp.stack([obs[a] for a in self.agents]).astype(jnp.float32)
        av = self._env.get_avail_actions(st)
        avail = jnp.stack([av[a] for a in self.agents]).astype(bool)
        return Timestep(o, obs["world_state"].astype(jnp.float32), avail, jnp.asarray(reward, jnp.float32),
                        jnp.asarray(done))

    def reset(self, key):
        obs, st = self._env.reset(key)
        return st, self._timestep(obs, st, 0.0, False)

    def step(self, key, st, actions):
        acts = {a: actions[k] for k, a in enumerate(self.agents)}
        obs, st, rew, dones, _ = self._env.step(key, st, acts)   # JaxMARL resets automatically
        return st, self._timestep(obs, st, rew[self.agents[0]], dones["__all__"])

    def unit_features(self, st):
        """Allies' health (N,), positions (N, 2) and alive flags (N,) for the parent analyses (Figs. 8, 9)."""
        inner = st.state if hasattr(st, "state") else st
        N = self.n_agents
        return inner.unit_health[:N], inner.unit_positions[:N], inner.unit_alive[:N]

    def ally_view(self, st) -> dict:
        """What the parent analyses of bnac Figs. 7-9 need about the allies (jit-able):
        ``health`` (N,) as a fraction of the unit type's maximum, ``positions`` (N, 2), ``alive`` (N,), and
        ``visible`` (N, N): visible[i, j] = ally j lies within ally i's sight range and both are alive
        (SMAX's own rule for what enters o^i, ``get_obs_unit_list``)."""
        inner = st.state if hasattr(st, "state") else st
        N, e = self.n_agents, self._env
        types = inner.unit_types[:N]
        health = inner.unit_health[:N] / e.unit_type_health[types]
        pos = inner.unit_positions[:N]
        alive = inner.unit_alive[:N].astype(bool)
        dist = jnp.linalg.norm(pos[:, None, :] - pos[None, :, :], axis=-1)
        visible = (dist < e.unit_type_sight_ranges[types][:, None]) & alive[:, None] & alive[None, :]
        visible = visible & ~jnp.eye(N, dtype=bool)
        return {"health": health.astype(jnp.float32), "positions": pos.astype(jnp.float32), "alive": alive,
                "visible": visible}


ENV_NAMES = ("coordination", "aloha", "smax:6h_vs_8z", "smax:MMM2-approx")


def make_env(name: str, **kw):
    """An environment by name: 'coordination' (n_agents=...), 'aloha', 'smax:6h_vs_8z', 'smax:MMM2-approx'."""
    if name == "coordination":
        return CoordinationGameEnv(**kw)
    if name == "aloha":
        return AlohaEnv(**kw)
    if name.startswith("smax:"):
        return SMAXEnv(name, **kw)
    raise InputError(f"unknown environment {name!r}; choose from {', '.join(ENV_NAMES)}")
