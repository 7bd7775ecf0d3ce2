r"""The shared off-policy loop of mabn Section 5 (Algorithm 1 and the baselines of Figure 1).

The interface every off-policy algorithm implements (MAStAC in ``verify.marl.mastac``; MADDPG, MATD3,
FACMAC and QDCG in ``verify.marl.baselines``, loaded lazily when present):

* ``SystemSpec``     -- static description of a networked system: n agents, per-agent observations padded to
                        ``obs_dim``, per-agent actions in ``[act_low, act_high]^act_dim``, the global state,
                        the value dependency sets ``q_mask[i, j]`` (agent j's (obs, action) enters critic i,
                        i.e. j in I_Q^i of mabn Definition 4.1, or its kappa approximation, Definition 4.3)
                        and the coupling graph (for coordination-graph critics);
* ``Transition``     -- a batch of transitions (leading batch axis B), local rewards r_i per agent
                        (the team reward is ``rew.sum(-1)``);
* ``OffPolicyAlgo``  -- ``init(key, spec, cfg) -> state``, ``act(state, obs, key, explore, cfg) -> actions``,
                        ``update(state, batch, key, cfg) -> (state, metrics)``; the state is any pytree.

``make_train(config, algo)`` returns a jit-able ``train(rng)``: one ``lax.scan`` over epochs (an epoch is
one episode of ``horizon`` environment steps, each followed by a buffer insert and ``updates_per_step``
calls of ``update`` once the buffer holds ``warmup`` transitions), vmappable over seeds; it returns the
per-epoch metrics (``return``: the undiscounted team return of the epoch's episode).
"""
from __future__ import annotations

import copy
from typing import Any, Callable, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from ..errors import InputError

Array = Any

__all__ = ["SystemSpec", "Transition", "OffPolicyAlgo", "SystemEnv", "Buffer", "buffer_init", "buffer_add",
           "buffer_sample", "make_train", "ALGORITHMS", "get_algorithm", "algorithm_names", "DEFAULTS",
           "make_config"]


class SystemSpec(NamedTuple):
    """Static description of a networked system (hashable fields except the two masks)."""
    n: int
    obs_dim: int            # per-agent observation, padded to obs_dim
    act_dim: int
    state_dim: int          # global state
    act_low: float
    act_high: float
    q_mask: np.ndarray      # [n, n] bool: q_mask[i, j] = agent j's (obs, action) enters critic i (I_Q^i)
    graph: np.ndarray       # [n, n] bool coupling graph (for coordination-graph critics)


class Transition(NamedTuple):
    """Arrays with a leading batch axis B."""
    obs: Array              # [B, n, obs_dim]
    state: Array            # [B, state_dim]
    act: Array              # [B, n, act_dim]
    rew: Array              # [B, n] local rewards r_i (team reward = rew.sum(-1))
    next_obs: Array         # [B, n, obs_dim]
    next_state: Array       # [B, state_dim]
    done: Array             # [B]


class OffPolicyAlgo(NamedTuple):
    name: str
    init: Callable          # (key, spec: SystemSpec, cfg: dict) -> state (pytree: params, targets, opt states, step)
    act: Callable           # (state, obs [n, obs_dim], key, explore: bool, cfg) -> actions [n, act_dim] in [low, high]
    update: Callable        # (state, batch: Transition, key, cfg) -> (state, metrics: dict of scalars)


class SystemEnv(NamedTuple):
    """A JAX networked system (``verify.marl.mabn_systems``): pure functions, vmappable.

    ``reset(key) -> (env_state, obs [n, obs_dim], state [state_dim])``;
    ``step(key, env_state, actions [n, act_dim]) -> (env_state, obs, state, rew [n], done)``.
    """
    name: str
    spec: SystemSpec
    horizon: int
    reset: Callable
    step: Callable


# ----------------------------------------------------------------------------------------------------------
# replay buffer: a ring of fixed capacity, a pytree of arrays (jit/scan friendly)

class Buffer(NamedTuple):
    data: Transition        # each field [capacity, ...]
    size: Array             # number of valid rows (<= capacity)
    ptr: Array              # next row written


def buffer_init(capacity: int, spec: SystemSpec) -> Buffer:
    """An empty buffer of ``capacity`` transitions of the shapes ``spec`` describes."""
    n, o, a, s = spec.n, spec.obs_dim, spec.act_dim, spec.state_dim
    z = lambda *shape: jnp.zeros((capacity,) + shape, jnp.float32)
    data = Transition(obs=z(n, o), state=z(s), act=z(n, a), rew=z(n), next_obs=z(n, o), next_state=z(s),
                      done=z())
    return Buffer(data, jnp.zeros((), jnp.int32), jnp.zeros((), jnp.int32))


def buffer_add(buf: Buffer, tr: Transition) -> Buffer:
    """Insert one transition (no batch axis) at the ring pointer."""
    cap = buf.data.done.shape[0]
    data = jax.tree_util.tree_map(lambda d, x: d.at[buf.ptr].set(jnp.asarray(x, d.dtype)), buf.data, tr)
    return Buffer(data, jnp.minimum(buf.size + 1, cap), (buf.ptr + 1) % cap)


def buffer_sample(buf: Buffer, key, batch: int) -> Transition:
    """``batch`` rows drawn uniformly with replacement from the valid part of the buffer."""
    idx = jax.random.randint(key, (batch,), 0, jnp.maximum(buf.size, 1))
    return jax.tree_util.tree_map(lambda d: d[idx], buf.data)


# ----------------------------------------------------------------------------------------------------------
# the algorithms

def _own_algorithms() -> dict[str, OffPolicyAlgo]:
    try:
        from .mastac import ALGORITHMS as mastac_algos
    except ImportError:        # pragma: no cover - mastac is part of this package
        return {}
    return dict(mastac_algos)


def _baselines() -> dict[str, OffPolicyAlgo]:
    """The baselines of Figure 1 (MADDPG, MATD3, FACMAC, QDCG) if ``verify.marl.baselines`` exists."""
    try:
        from . import baselines
    except ImportError:
        return {}
    return dict(getattr(baselines, "BASELINES", {}))


class _Algorithms(dict):
    """Name -> OffPolicyAlgo, filled on first access (the baselines are imported lazily)."""
    _loaded = False

    def _load(self):
        if not self._loaded:
            self._loaded = True
            self.update(_own_algorithms())
            self.update(_baselines())

    def __getitem__(self, k):
        self._load()
        return super().__getitem__(k)

    def __contains__(self, k):
        self._load()
        return super().__contains__(k)

    def __iter__(self):
        self._load()
        return super().__iter__()

    def __len__(self):
        self._load()
        return super().__len__()

    def keys(self):
        self._load()
        return super().keys()

    def items(self):
        self._load()
        return super().items()

    def values(self):
        self._load()
        return super().values()

    def get(self, k, default=None):
        self._load()
        return super().get(k, default)


ALGORITHMS: dict[str, OffPolicyAlgo] = _Algorithms()


def algorithm_names() -> list[str]:
    return sorted(ALGORITHMS.keys())


def get_algorithm(name: str) -> OffPolicyAlgo:
    if name not in ALGORITHMS:
        raise InputError(f"unknown off-policy algorithm {name!r}; known: {', '.join(algorithm_names())}")
    return ALGORITHMS[name]


# ----------------------------------------------------------------------------------------------------------
# the loop

DEFAULTS: dict[str, Any] = {
    "epochs": 100,               # training epochs (one episode each)
    "buffer_size": 100_000,      # not printed in the paper: harness choice
    "batch_size": 256,           # Table 3 (per example)
    "warmup": 1_000,             # transitions collected with exploration before the first update (choice)
    "updates_per_step": 1,       # update calls per environment step (choice)
}


def make_config(algo_cfg: dict | None = None, **over) -> dict:
    """The loop's options (``DEFAULTS``) with ``over`` applied; unknown keys raise ``InputError``."""
    cfg = copy.deepcopy(DEFAULTS)
    for k, v in over.items():
        if k not in cfg:
            raise InputError(f"unknown off-policy loop option {k!r}")
        cfg[k] = v
    for k in ("epochs", "buffer_size", "batch_size", "updates_per_step"):
        if not isinstance(cfg[k], (int, np.integer)) or cfg[k] < 1:
            raise InputError(f"{k} must be a positive integer, got {cfg[k]!r}")
    if not isinstance(cfg["warmup"], (int, np.integer)) or cfg["warmup"] < 0:
        raise InputError(f"warmup must be a non-negative integer, got {cfg['warmup']!r}")
    cfg["algo"] = dict(algo_cfg or {})
    return cfg


def make_train(config: dict, algo: OffPolicyAlgo, env: SystemEnv) -> Callable:
    """A jit-able ``train(rng) -> {"metrics": {name: [epochs]}, "state": final algorithm state}``.

    One ``lax.scan`` over epochs; inside, one ``lax.scan`` over the ``horizon`` steps of the episode: act
    (exploration on), step the system, insert the transition, and, once ``warmup`` transitions are stored,
    ``updates_per_step`` calls of ``algo.update`` on uniformly sampled batches.  The metrics per epoch are the
    team return of the episode (``return``), its per-step mean (``mean_reward``) and the mean over the epoch's
    updates of every scalar ``algo.update`` reports.
    """
    cfg = config
    acfg = cfg.get("algo", {})
    spec, horizon = env.spec, int(env.horizon)
    upd_n = int(cfg["updates_per_step"])
    bsz = int(cfg["batch_size"])

    def train(rng):
        k_init, k_env, rng = jax.random.split(rng, 3)
        astate = algo.init(k_init, spec, acfg)
        buf = buffer_init(int(cfg["buffer_size"]), spec)
        # shape of update metrics, for a fixed scan carry
        _, probe = jax.eval_shape(lambda s, b, k: algo.update(s, b, k, acfg), astate,
                                  buffer_sample(buf, k_env, bsz), k_env)
        zero_m = jax.tree_util.tree_map(lambda x: jnp.zeros(x.shape, jnp.float32), probe)

        def env_step(carry, _):
            astate, buf, es, obs, st, key, msum, mcount = carry
            key, ka, ks, ku = jax.random.split(key, 4)
            act = algo.act(astate, obs, ka, True, acfg)
            es2, obs2, st2, rew, done = env.step(ks, es, act)
            tr = Transition(obs, st, act, rew, obs2, st2, jnp.asarray(done, jnp.float32))
            buf = buffer_add(buf, tr)

            def do_updates(a):
                def one(c, k):
                    s, ms = c
                    kb, ku2 = jax.random.split(k)
                    s, m = algo.update(s, buffer_sample(buf, kb, bsz), ku2, acfg)
                    ms = jax.tree_util.tree_map(lambda x, y: x + jnp.asarray(y, jnp.float32), ms, m)
                    return (s, ms), None
                (a, ms), _ = jax.lax.scan(one, (a, zero_m), jax.random.split(ku, upd_n))
                return a, ms, jnp.float32(upd_n)

            ready = buf.size >= max(int(cfg["warmup"]), 1)
            astate, ms, cnt = jax.lax.cond(ready, do_updates, lambda a: (a, zero_m, jnp.float32(0.0)), astate)
            msum = jax.tree_util.tree_map(jnp.add, msum, ms)
            return (astate, buf, es2, obs2, st2, key, msum, mcount + cnt), rew.sum()

        def epoch(carry, key):
            astate, buf = carry
            kr, kk = jax.random.split(key)
            es, obs, st = env.reset(kr)
            init = (astate, buf, es, obs, st, kk, zero_m, jnp.float32(0.0))
            (astate, buf, *_, msum, mcount), rews = jax.lax.scan(env_step, init, None, length=horizon)
            metrics = {k: v / jnp.maximum(mcount, 1.0) for k, v in msum.items()} if isinstance(msum, dict) else {}
            metrics["return"] = rews.sum()
            metrics["mean_reward"] = rews.mean()
            metrics["updates"] = mcount
            return (astate, buf), metrics

        (astate, buf), metrics = jax.lax.scan(epoch, (astate, buf), jax.random.split(k_env, int(cfg["epochs"])))
        return {"metrics": metrics, "state": astate}

    return train
