r"""Pieces shared by the Figure 1 baselines of mabn Section 5: networks, per-agent deterministic actors,
exploration, soft target updates and the common configuration.

Networks (mabn Sec. 5, "each actor ... 3 hidden layers of 64 neurons each with ReLu activation"; "each critic
network ... 3 hidden layers of 64 neurons each with ReLu activation"; "xavier glorot initialization").  The
paper states these sizes for Algorithm 1; the harness gives the baselines the same networks (a reading: the
paper prints no baseline architecture).

Actors are deterministic, one network per agent (parameters stacked on a leading agent axis and applied with
``jax.vmap``; the agents of Example 1 have heterogeneous observations, padded to ``obs_dim``).  The actor's
output activation maps the last layer into ``[low, high]``:

* ``"tanh"``         : a = low + (high - low) (tanh(z) + 1) / 2          (Example 3, "tanh")
* ``"softmax-keep"`` : z has act_dim + 1 entries, a = low + (high - low) softmax(z)[1:]  (Examples 1-2,
                       "softmax": the fractions b_ij sent to the out-neighbours; the first share is the part
                       kept, so sum_j b_ij <= 1; the same reading as ``verify.marl.mastac``)
* ``"softmax"``      : a = low + (high - low) softmax(z)                  (fractions summing to 1)
* ``"sigmoid"``      : a = low + (high - low) sigmoid(z)

Table 3 prints no hidden layer for the actor of Example 3 ("linear actor network with tanh activation"):
``actor_layers = 0`` there (a linear map then tanh), 3 otherwise; critics have ``layers`` = 3.

Everything is a pure function of pytrees: jit-able and vmappable over seeds.  The algorithm configuration
``cfg`` is static (the caller closes over it).
"""
from __future__ import annotations

from typing import Any, Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp
import optax

from ...errors import InputError

Array = Any

__all__ = ["MLP", "Actor", "COMMON_DEFAULTS", "TABLE3", "check_config", "actors_init", "actors_apply",
           "explore", "act", "actor_critic_state", "soft_update", "adam", "agent_axis_init", "bounds", "select",
           "critic_context", "bootstrap", "table3_config"]


# Table 3 (Appendix K) "Parameters used in the MASTAC simultaneous algorithm": the paper prints no baseline
# hyperparameters; the harness gives the baselines the same learning rates and batch size (a reading).
TABLE3 = {
    1: {"lr_actor": 1e-4, "lr_critic": 1e-3, "batch_size": 256, "actor_out": "softmax", "episode_length": 8,
        "epochs": 3500, "gamma": 0.95},
    2: {"lr_actor": 5e-4, "lr_critic": 5e-3, "batch_size": 256, "actor_out": "softmax", "episode_length": 8,
        "epochs": 6000, "gamma": 0.95},
    3: {"lr_actor": 1e-4, "lr_critic": 1e-3, "batch_size": 256, "actor_out": "tanh", "episode_length": 40,
        "epochs": 5000, "actor_layers": 0, "gamma": 0.9},
}

# Values the paper does not print (harness choices, documented in ``default_config``).
COMMON_DEFAULTS = {
    "hidden": 64,             # Sec. 5: 64 neurons per hidden layer
    "layers": 3,              # Sec. 5 / Table 3: 3 hidden layers (critic)
    "actor_layers": 3,        # Table 3: 3 hidden layers (actor; none in Example 3)
    "gamma": 0.95,            # Table 3's discount per example overrides this (0.95, 0.95, 0.9), as verify.marl.mastac
    "tau": 0.01,              # not printed; MADDPG's soft target rate (Lowe et al. 2017), as verify.marl.mastac
    "explore_std": 0.1,       # Gaussian exploration noise, std as a fraction of (high - low), as MAStAC's
    "use_done": False,        # mask the bootstrap at done = 1 (Algorithm 1 has no terminal masking; the
                              # systems' done marks the time limit), as verify.marl.mastac
    "buffer_size": 100_000,   # not printed (the loop's replay buffer)
    "grad_clip": 0.0,         # global gradient-norm clip; 0 = none (not printed)
    "critic_input": "state",  # centralized critics see the global state ("state") or all observations ("obs")
}


def table3_config(example: int) -> dict:
    """The Table 3 column of ``example`` as baseline options (the printed "softmax" read as
    ``"softmax-keep"``, see the module docstring)."""
    t = TABLE3[example]
    return {"lr_actor": t["lr_actor"], "lr_critic": t["lr_critic"], "batch_size": t["batch_size"],
            "actor_out": "softmax-keep" if t["actor_out"] == "softmax" else t["actor_out"],
            "actor_layers": t.get("actor_layers", 3), "gamma": t["gamma"]}


def check_config(cfg: dict, known: Sequence[str]) -> None:
    """Unknown keys and malformed values raise ``InputError`` (one line)."""
    for k in cfg:
        if k not in known:
            raise InputError(f"unknown baseline option {k!r}")
    if cfg.get("actor_out") not in ("tanh", "softmax-keep", "softmax", "sigmoid"):
        raise InputError(f"actor_out must be tanh, softmax-keep, softmax or sigmoid, got {cfg.get('actor_out')!r}")
    if cfg.get("critic_input", "state") not in ("state", "obs"):
        raise InputError(f"critic_input must be state or obs, got {cfg.get('critic_input')!r}")
    for k in ("hidden", "layers"):
        if not isinstance(cfg.get(k), int) or isinstance(cfg[k], bool) or cfg[k] < 1:
            raise InputError(f"{k} must be a positive integer, got {cfg.get(k)!r}")
    if not isinstance(cfg.get("actor_layers"), int) or cfg["actor_layers"] < 0:
        raise InputError(f"actor_layers must be a non-negative integer, got {cfg.get('actor_layers')!r}")
    if not float(cfg.get("explore_std", 0.0)) >= 0:
        raise InputError(f"explore_std must be non-negative, got {cfg.get('explore_std')!r}")
    for k in ("lr_actor", "lr_critic"):
        if k in cfg and not float(cfg[k]) > 0:
            raise InputError(f"{k} must be positive, got {cfg[k]!r}")
    if not 0.0 <= float(cfg.get("gamma", 0.0)) < 1.0:
        raise InputError(f"gamma must lie in [0, 1), got {cfg.get('gamma')!r}")
    if not 0.0 < float(cfg.get("tau", 1.0)) <= 1.0:
        raise InputError(f"tau must lie in (0, 1], got {cfg.get('tau')!r}")


def _glorot():
    return nn.initializers.xavier_uniform()


class MLP(nn.Module):
    """``layers`` hidden layers of ``hidden`` ReLU units, then a linear layer of ``out`` units (Sec. 5)."""
    out: int
    hidden: int = 64
    layers: int = 3

    @nn.compact
    def __call__(self, x):
        for _ in range(self.layers):
            x = nn.relu(nn.Dense(self.hidden, kernel_init=_glorot())(x))
        return nn.Dense(self.out, kernel_init=_glorot())(x)


class Actor(nn.Module):
    """Deterministic actor mu_i(o_i) in [low, high]^act_dim (see the module docstring for ``out_act``)."""
    act_dim: int
    hidden: int = 64
    layers: int = 3
    out_act: str = "tanh"

    @nn.compact
    def __call__(self, obs, low, high):
        keep = self.out_act == "softmax-keep"
        z = MLP(self.act_dim + keep, self.hidden, self.layers)(obs)
        if self.out_act == "tanh":
            u = (jnp.tanh(z) + 1.0) / 2.0
        elif keep:
            u = jax.nn.softmax(z, axis=-1)[..., 1:]
        elif self.out_act == "softmax":
            u = jax.nn.softmax(z, axis=-1)
        else:
            u = jax.nn.sigmoid(z)
        return low + (high - low) * u


def bounds(spec) -> dict:
    """The action box of a system as arrays (leaves of the algorithm state, so act/update need no spec)."""
    return {"low": jnp.float32(spec.act_low), "high": jnp.float32(spec.act_high)}


def agent_axis_init(module: nn.Module, key, n: int, *example):
    """Parameters of ``n`` independent copies of ``module`` stacked on a leading agent axis."""
    return jax.vmap(lambda k: module.init(k, *example))(jax.random.split(key, n))


def _actor(spec_act_dim: int, cfg: dict) -> Actor:
    return Actor(spec_act_dim, cfg["hidden"], cfg["actor_layers"], cfg["actor_out"])


def actors_init(key, spec, cfg: dict):
    """One actor per agent, parameters stacked on the agent axis."""
    obs = jnp.zeros((spec.obs_dim,), jnp.float32)
    return agent_axis_init(_actor(spec.act_dim, cfg), key, spec.n, obs, jnp.float32(spec.act_low),
                           jnp.float32(spec.act_high))


def actors_apply(params, obs, low, high, cfg: dict):
    """mu(o): ``obs [..., n, obs_dim] -> actions [..., n, act_dim]``; agent i uses its own parameters."""
    out = params["params"]["MLP_0"][f"Dense_{cfg['actor_layers']}"]["bias"].shape[-1]   # [n, act_dim (+ 1)]
    act_dim = out - (cfg["actor_out"] == "softmax-keep")
    net = _actor(act_dim, cfg)
    lead = obs.shape[:-2]
    o = jnp.moveaxis(obs, -2, 0)                                 # [n, ..., obs_dim]
    a = jax.vmap(lambda p, x: net.apply(p, x, low, high))(params, o)
    return jnp.moveaxis(a, 0, -2) if lead else a


def explore(actions, key, low, high, std: float, on):
    """a + N(0, (std (high - low))^2), clipped to the box; ``on`` (bool, may be traced) switches it."""
    noise = std * (high - low) * jax.random.normal(key, actions.shape, jnp.float32)
    return jnp.clip(actions + jnp.asarray(on, jnp.float32) * noise, low, high).astype(jnp.float32)


def act(state, obs, key, explore_on, cfg):
    """a_i = mu_i(o_i) (+ Gaussian exploration noise when ``explore_on``), in the action box."""
    a = actors_apply(state["actor"], obs, state["low"], state["high"], cfg)
    return explore(a, key, state["low"], state["high"], cfg["explore_std"], explore_on)


def actor_critic_state(actor, critic, spec, cfg: dict) -> dict:
    """Actors, critics, their targets (copies), Adam states, the step counter and the action box."""
    return {"actor": actor, "actor_t": actor, "critic": critic, "critic_t": critic,
            "opt_actor": adam(cfg["lr_actor"], cfg["grad_clip"]).init(actor),
            "opt_critic": adam(cfg["lr_critic"], cfg["grad_clip"]).init(critic),
            "step": jnp.zeros((), jnp.int32), **bounds(spec)}


def soft_update(target, online, tau: float):
    """theta' <- tau theta + (1 - tau) theta' (Lowe et al. 2017; mabn Algorithm 1, lines 20-21)."""
    return jax.tree_util.tree_map(lambda t, o: tau * o + (1.0 - tau) * t, target, online)


def adam(lr: float, grad_clip: float = 0.0):
    """Adam, with a global gradient-norm clip when ``grad_clip > 0``."""
    opt = optax.adam(lr)
    return optax.chain(optax.clip_by_global_norm(grad_clip), opt) if grad_clip > 0 else opt


def select(flag, new, old):
    """``new`` where ``flag`` (a traced bool) else ``old``, leaf by leaf (delayed updates without lax.cond)."""
    return jax.tree_util.tree_map(lambda a, b: jnp.where(flag, a, b), new, old)


def bootstrap(done, cfg: dict):
    """(1 - d) when ``use_done``, else 1 (no terminal masking, as Algorithm 1)."""
    return 1.0 - done if cfg["use_done"] else jnp.ones_like(done)


def critic_context(obs, state, cfg: dict):
    """The centralized critic's view x: the global state or all observations concatenated."""
    if cfg["critic_input"] == "state":
        return state
    return obs.reshape(obs.shape[:-2] + (-1,))
