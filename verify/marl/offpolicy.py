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

``make_train(config, algo, env)`` returns a jit-able ``train(rng)``: one ``lax.scan`` over epochs (an epoch is
``steps_per_epoch`` environment steps, the episode length by default, each step followed by a buffer insert;
then ``updates_per_round`` calls of ``update`` every ``update_every`` epochs once ``warmup`` transitions are
stored), vmappable over seeds; it returns the per-epoch metrics (``return``: the team return of the epoch's
steps; ``eval_return``: one episode without exploration noise).  ``config`` comes from ``make_config``.

Conventions the systems of ``verify.marl.mabn_systems`` follow: the global state is agent-major
(``state.reshape(n, -1)[j]`` is agent j's local state s_j); observations are padded with zeros to
``obs_dim``; ``q_mask`` is I_Q^i computed exactly by ``verify.mabn`` (Property 3.3 on the folded MABN).
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
# the loop (Algorithm 1, lines 1-11)

DEFAULTS: dict[str, Any] = {
    "epochs": 100,               # K of Algorithm 1
    "steps_per_epoch": None,     # None: the episode length (reading 'epoch = episode': Sec. 4.1, "all the actor
                                 # and critic networks are updated at the end of each epoch"); 1: Algorithm 1's
                                 # line-by-line reading (one environment step per epoch)
    "update_every": 1,           # an update round every this many epochs (Algorithm 1 line 11 prints
                                 # 'epoch % batch_size == 0', i.e. update_every = batch_size)
    "updates_per_round": 1,      # calls of ``update`` per round (harness choice)
    "buffer_size": 100_000,      # not printed: harness choice
    "batch_size": 256,           # M (Table 3)
    "warmup": None,              # transitions stored before the first update; None: batch_size
    "evaluate": True,            # also run one episode without exploration noise per epoch ('eval_return')
}


def make_config(algo_cfg: dict | None = None, **over) -> dict:
    """The loop's options (``DEFAULTS``) with ``over`` applied; unknown keys raise ``InputError``."""
    cfg = copy.deepcopy(DEFAULTS)
    for k, v in over.items():
        if k not in cfg:
            raise InputError(f"unknown off-policy loop option {k!r}")
        cfg[k] = v
    for k in ("epochs", "buffer_size", "batch_size", "update_every", "updates_per_round"):
        if not isinstance(cfg[k], (int, np.integer)) or isinstance(cfg[k], bool) or cfg[k] < 1:
            raise InputError(f"{k} must be a positive integer, got {cfg[k]!r}")
    for k in ("steps_per_epoch", "warmup"):
        v = cfg[k]
        if v is not None and (not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < (1 if k == "steps_per_epoch" else 0)):
            raise InputError(f"{k} must be None or a {'positive' if k == 'steps_per_epoch' else 'non-negative'} integer, got {v!r}")
    if cfg["warmup"] is None:
        cfg["warmup"] = cfg["batch_size"]
    cfg["algo"] = dict(algo_cfg or {})
    return cfg


def _where(c, a, b):
    return jax.tree_util.tree_map(lambda x, y: jnp.where(c, x, y), a, b)


def make_train(config: dict, algo: OffPolicyAlgo, env: SystemEnv) -> Callable:
    """A jit-able, vmappable ``train(rng) -> {"metrics": {name: [epochs]}, "state": final algorithm state}``.

    One ``lax.scan`` over the K epochs.  An epoch: ``steps_per_epoch`` environment steps (act with
    exploration, step, store (o, s, a, r, o', s', done) in the buffer; a new episode is drawn from the initial
    distribution every ``horizon`` steps, lines 3-4), then, every ``update_every`` epochs once ``warmup``
    transitions are stored, ``updates_per_round`` calls of ``algo.update`` on uniform minibatches of
    ``batch_size`` (lines 11-22).  Metrics per epoch: ``return`` (team reward summed over the epoch's steps:
    the training episode's return when an epoch is an episode), ``eval_return`` (one episode without
    exploration after the epoch's updates), ``updates`` and the epoch's mean of every scalar ``update``
    reports.
    """
    if not isinstance(config, dict) or "algo" not in config:
        raise InputError("make_train needs a config from offpolicy.make_config")
    cfg = config
    acfg = cfg["algo"]
    spec, H = env.spec, int(env.horizon)
    L = int(cfg["steps_per_epoch"] or H)
    upd_n, every, bsz = int(cfg["updates_per_round"]), int(cfg["update_every"]), int(cfg["batch_size"])
    warm = max(int(cfg["warmup"]), 1)
    evaluate = bool(cfg["evaluate"])

    def _zero_metrics(astate, buf, key):
        _, probe = jax.eval_shape(lambda s, b, k: algo.update(s, b, k, acfg), astate, buffer_sample(buf, key, bsz), key)
        return jax.tree_util.tree_map(lambda x: jnp.zeros(x.shape, jnp.float32), probe)

    def init(rng):
        """The loop's carry before epoch 0: (algorithm state, buffer, env state, obs, state, step count, key)."""
        k_init, k0, key = jax.random.split(rng, 3)
        astate = algo.init(k_init, spec, acfg)
        buf = buffer_init(int(cfg["buffer_size"]), spec)
        es0, obs0, st0 = env.reset(k0)
        return (astate, buf, es0, obs0, st0, jnp.zeros((), jnp.int32), key)

    def run(carry, e0, n_epochs: int):
        """Epochs e0 .. e0 + n_epochs - 1 from ``carry``: (carry, metrics per epoch)."""
        astate, buf, es0, obs0, st0, count0, key = carry
        zero_m = _zero_metrics(astate, buf, key)

        def env_step(carry, key):
            astate, buf, es, obs, st, count = carry
            kr, ka, ks = jax.random.split(key, 3)
            fresh = env.reset(kr)
            es, obs, st = _where(count % H == 0, fresh, (es, obs, st))       # lines 3-4
            act = algo.act(astate, obs, ka, True, acfg)                     # line 7
            es2, obs2, st2, rew, done = env.step(ks, es, act)               # line 9
            buf = buffer_add(buf, Transition(obs, st, act, rew, obs2, st2, jnp.asarray(done, jnp.float32)))
            return (astate, buf, es2, obs2, st2, count + 1), rew.sum()

        def eval_episode(astate, key):
            kr, key = jax.random.split(key)
            es, obs, _ = env.reset(kr)

            def one(c, k):
                es, obs = c
                act = algo.act(astate, obs, k, False, acfg)
                es, obs, _, rew, _ = env.step(k, es, act)
                return (es, obs), rew.sum()
            _, r = jax.lax.scan(one, (es, obs), jax.random.split(key, H))
            return r.sum()

        def epoch(carry, xs):
            e, key = xs
            astate, buf, es, obs, st, count = carry
            ks, ku, ke = jax.random.split(key, 3)
            (astate, buf, es, obs, st, count), rews = jax.lax.scan(
                env_step, (astate, buf, es, obs, st, count), jax.random.split(ks, L))

            def do_updates(a):
                def one(c, k):
                    s, ms = c
                    kb, ku2 = jax.random.split(k)
                    s, m = algo.update(s, buffer_sample(buf, kb, bsz), ku2, acfg)
                    ms = jax.tree_util.tree_map(lambda x, y: x + jnp.asarray(y, jnp.float32), ms, m)
                    return (s, ms), None
                (a, ms), _ = jax.lax.scan(one, (a, zero_m), jax.random.split(ku, upd_n))
                return a, ms, jnp.float32(upd_n)

            ready = (buf.size >= warm) & ((e + 1) % every == 0)
            astate, ms, cnt = jax.lax.cond(ready, do_updates, lambda a: (a, zero_m, jnp.float32(0.0)), astate)
            metrics = {k: v / jnp.maximum(cnt, 1.0) for k, v in ms.items()} if isinstance(ms, dict) else {}
            metrics["return"] = rews.sum()
            metrics["updates"] = cnt
            if evaluate:
                metrics["eval_return"] = eval_episode(astate, ke)
            return (astate, buf, es, obs, st, count), metrics

        key, kk = jax.random.split(key)
        ks = jax.random.split(kk, n_epochs)
        (astate, buf, es, obs, st, count), metrics = jax.lax.scan(
            epoch, (astate, buf, es0, obs0, st0, count0), (e0 + jnp.arange(n_epochs), ks))
        return (astate, buf, es, obs, st, count, key), metrics

    K = int(cfg["epochs"])

    def train(rng):
        carry, metrics = run(init(rng), 0, K)
        return {"metrics": metrics, "state": carry[0]}

    train.spec, train.env, train.config, train.init, train.run = spec, env, cfg, init, run
    return train
