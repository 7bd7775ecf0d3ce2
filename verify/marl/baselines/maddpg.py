r"""MADDPG (Lowe et al. 2017), the first baseline of mabn Section 5, Figure 1 and Table 1.

Each agent i has a deterministic actor mu_i(o_i) and a centralized critic Q_i(x, a_1, ..., a_N), where x is
the global state (``critic_input="state"``, default; the mabn setting is reactive under full observability,
Sec. 3.3, so the state is the union of the observations) or all observations (``"obs"``, Lowe's x).

Critic i learns agent i's own reward (``reward="local"``, default): Lowe et al. define MADDPG for agents with
individual rewards r_i, and the mabn systems give every agent its local reward r_i (Examples 1-3), so the
critic of agent i regresses on r_i.  ``reward="team"`` gives every critic the team reward sum_j r_j (the
cooperative reading); both are options, the default is the algorithm as published.

    y_i = r_i + gamma (1 - d) Q'_i(x', a'_1, ..., a'_N) |_{a'_k = mu'_k(o'_k)}        (Lowe et al., Eq. 6)
    L(phi_i) = E (Q_i(x, a_1, ..., a_N) - y_i)^2                                       (Eq. 6)
    grad J(theta_i) = E grad_theta_i mu_i(o_i) grad_{a_i} Q_i(x, a_1, ..., a_N) |_{a_i = mu_i(o_i)}   (Eq. 5)

with the other agents' actions a_j (j != i) in Eq. 5 taken from the replay buffer, as in Lowe et al.; target
networks follow theta' <- tau theta + (1 - tau) theta'.  One ``update`` = one critic step, one actor step
(on the updated critics) and one soft target update, for all agents at once.

MATD3 (``verify.marl.baselines.matd3``) reuses this update with twin critics, delayed actor updates and
target policy smoothing.
"""
from __future__ import annotations

from typing import Callable

import jax
import jax.numpy as jnp
import optax

from ...errors import InputError
from .common import (COMMON_DEFAULTS, MLP, act, actor_critic_state, actors_apply, actors_init, adam,
                     agent_axis_init, bootstrap, check_config, critic_context, select, soft_update, table3_config)

__all__ = ["default_config", "init", "act", "update", "critic_values", "target_actions", "td_target", "KNOWN"]

KNOWN = tuple(COMMON_DEFAULTS) + ("actor_out", "lr_actor", "lr_critic", "reward", "batch_size")


def default_config(example: int = 1) -> dict:
    """Table 3 (column ``example``) for learning rates, batch size and actor output; the rest are
    ``COMMON_DEFAULTS`` (not printed in the paper) and ``reward="local"`` (critic i learns r_i)."""
    return dict(COMMON_DEFAULTS, **table3_config(example), reward="local")


def _critic(cfg) -> MLP:
    return MLP(1, cfg["hidden"], cfg["layers"])


def critics_init(key, spec, cfg, twins: int = 1):
    """``twins`` x n centralized critics, parameters stacked on axes [twins, n]."""
    x = jnp.zeros((spec.state_dim if cfg["critic_input"] == "state" else spec.n * spec.obs_dim,), jnp.float32)
    inp = jnp.concatenate([x, jnp.zeros((spec.n * spec.act_dim,), jnp.float32)])
    keys = jax.random.split(key, twins)
    return jax.vmap(lambda k: agent_axis_init(_critic(cfg), k, spec.n, inp))(keys)


def critic_values(params, x, joint, cfg):
    """Q_{k,i}(x, a) for every twin k and agent i.

    ``x [B, dx]``; ``joint [B, n, act_dim]`` (one joint action for all critics) or ``[n, B, n, act_dim]``
    (critic i sees its own joint action, for Eq. 5).  Returns ``[twins, n, B]``."""
    net = _critic(cfg)
    n = jax.tree_util.tree_leaves(params)[0].shape[1]
    if joint.ndim == 3:
        joint = jnp.broadcast_to(joint, (n,) + joint.shape)
    flat = joint.reshape(joint.shape[:2] + (-1,))                  # [n, B, n*act_dim]

    def one(p, a):                                                # one critic, its joint actions [B, ...]
        return net.apply(p, jnp.concatenate([x, a], -1))[..., 0]

    return jax.vmap(lambda pk: jax.vmap(one)(pk, flat))(params)


def _rewards(batch, cfg):
    """[n, B]: critic i's reward, r_i (``reward="local"``) or sum_j r_j (``"team"``)."""
    r = batch.rew.T
    return jnp.broadcast_to(r.sum(0), r.shape) if cfg["reward"] == "team" else r


def target_actions(state, next_obs, key, cfg, smoothing: tuple | None = None):
    r"""a' = mu'(o'), or with ``smoothing = (sigma, c)`` TD3's smoothed target actions
    a'_j = clip(mu'_j(o'_j) + clip(eps, -c h, c h), low, high), eps ~ N(0, (sigma h)^2), h = (high - low) / 2."""
    low, high = state["low"], state["high"]
    a2 = actors_apply(state["actor_t"], next_obs, low, high, cfg)
    if smoothing is not None:
        sigma, c = smoothing
        half = (high - low) / 2.0
        eps = jnp.clip(sigma * half * jax.random.normal(key, a2.shape, jnp.float32), -c * half, c * half)
        a2 = jnp.clip(a2 + eps, low, high)
    return a2


def td_target(state, batch, key, cfg, reduce: Callable | None = None, smoothing: tuple | None = None):
    r"""y_i = r_i + gamma (1 - d) reduce_k Q'_{k,i}(x', a') with a' = mu'(o') (+ clipped noise when
    ``smoothing = (sigma, c)``, TD3's target policy smoothing, as fractions of the half action range).
    Returns ``[n, B]``."""
    a2 = target_actions(state, batch.next_obs, key, cfg, smoothing)
    x2 = critic_context(batch.next_obs, batch.next_state, cfg)
    q2 = critic_values(state["critic_t"], x2, a2, cfg)            # [twins, n, B]
    q2 = q2[0] if reduce is None else reduce(q2)
    return _rewards(batch, cfg) + cfg["gamma"] * bootstrap(batch.done, cfg)[None, :] * q2


def init(key, spec, cfg, twins: int = 1, known: tuple = KNOWN):
    """Actors, critics, their targets (copies), Adam states, the step counter and the action box."""
    check_config(cfg, known)
    if cfg["reward"] not in ("local", "team"):
        raise InputError(f"reward must be local or team, got {cfg['reward']!r}")
    if "policy_delay" in cfg and (not isinstance(cfg["policy_delay"], int) or cfg["policy_delay"] < 1):
        raise InputError(f"policy_delay must be a positive integer, got {cfg['policy_delay']!r}")
    ka, kc = jax.random.split(key)
    actor, critic = actors_init(ka, spec, cfg), critics_init(kc, spec, cfg, twins)
    return actor_critic_state(actor, critic, spec, cfg)


def update(state, batch, key, cfg, reduce: Callable | None = None, smoothing: tuple | None = None,
           delay: int = 1):
    """One MADDPG step (Eqs. 5-6 of Lowe et al.); MATD3 passes its twin reduction, smoothing and delay."""
    low, high = state["low"], state["high"]
    y = jax.lax.stop_gradient(td_target(state, batch, key, cfg, reduce, smoothing))
    x = critic_context(batch.obs, batch.state, cfg)

    def critic_loss(cp):
        q = critic_values(cp, x, batch.act, cfg)                  # [twins, n, B]
        return jnp.mean((q - y[None]) ** 2), q

    (lc, q), gc = jax.value_and_grad(critic_loss, has_aux=True)(state["critic"])
    copt = adam(cfg["lr_critic"], cfg["grad_clip"])
    uc, opt_c = copt.update(gc, state["opt_critic"], state["critic"])
    critic = optax.apply_updates(state["critic"], uc)

    n = batch.act.shape[1]
    eye = jnp.eye(n, dtype=bool)[:, None, :, None]                # [n(critic), 1, n(slot), 1]

    def actor_loss(ap):
        mu = actors_apply(ap, batch.obs, low, high, cfg)          # [B, n, act_dim]
        joint = jnp.where(eye, mu[None], batch.act[None])         # critic i: slot i = mu_i(o_i), others buffer
        qi = critic_values(critic, x, joint, cfg)[0]              # first twin (TD3), [n, B]
        return -qi.mean(1).sum()                                  # each actor ascends its own critic

    la, ga = jax.value_and_grad(actor_loss)(state["actor"])
    aopt = adam(cfg["lr_actor"], cfg["grad_clip"])
    ua, opt_a = aopt.update(ga, state["opt_actor"], state["actor"])
    actor = optax.apply_updates(state["actor"], ua)

    on = (state["step"] % delay) == 0                             # delayed policy and target updates (TD3)
    actor, opt_a = select(on, actor, state["actor"]), select(on, opt_a, state["opt_actor"])
    tau = cfg["tau"]
    actor_t = select(on, soft_update(state["actor_t"], actor, tau), state["actor_t"])
    critic_t = select(on, soft_update(state["critic_t"], critic, tau), state["critic_t"])
    new = dict(state, actor=actor, actor_t=actor_t, critic=critic, critic_t=critic_t, opt_actor=opt_a,
               opt_critic=opt_c, step=state["step"] + 1)
    return new, {"critic_loss": lc, "actor_loss": la / n, "q_mean": q.mean()}
