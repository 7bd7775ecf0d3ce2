r"""FACMAC (Peng et al. 2021), a baseline of mabn Section 5, Figure 1 and Table 1: factored multi-agent
centralised policy gradients.

Critic: per-agent utilities Q_i(o_i, a_i) (one network per agent: the agents of Example 1 have heterogeneous
observations) mixed by a monotonic, state-conditioned mixer (QMIX's mixer, which FACMAC uses):

    Q_tot(s, a) = g_psi(s, Q_1(o_1, a_1), ..., Q_N(o_N, a_N))
    g_psi(s, q) = w_2(s)^T elu(W_1(s)^T q + b_1(s)) + V(s),   W_1(s) = |H_1(s)|, w_2(s) = |H_2(s)|

with hypernetworks H_1, H_2 (two layers, ``hyper_hidden`` units), b_1 (one layer) and V (two layers); the
absolute values make dQ_tot/dQ_i >= 0 (monotonicity).  The critic learns the team reward r = sum_i r_i:

    y = r + gamma (1 - d) Q'_tot(s', a') |_{a'_i = mu'_i(o'_i)}                 (Peng et al., Eq. 5)

Actors: the centralised policy gradient through the mixer, all agents' actions from the current policies
(not from the buffer, which is FACMAC's difference to MADDPG):

    grad J(mu) = E grad_mu Q_tot(s, mu_1(o_1), ..., mu_N(o_N))                  (Peng et al., Eq. 6)

Target networks (utilities, mixer, actors) follow soft updates with rate ``tau``.
"""
from __future__ import annotations

import flax.linen as nn
import jax
import jax.numpy as jnp
import optax

from .common import (COMMON_DEFAULTS, MLP, act, actor_critic_state, actors_apply, actors_init, adam,
                     agent_axis_init, bootstrap, check_config, soft_update, table3_config)

__all__ = ["default_config", "init", "act", "update", "Mixer", "nonnegative", "td_target", "q_tot", "KNOWN"]

KNOWN = tuple(COMMON_DEFAULTS) + ("actor_out", "lr_actor", "lr_critic", "batch_size", "mixer_embed",
                                  "hyper_hidden")


def default_config(example: int = 1) -> dict:
    """Table 3 (column ``example``) for learning rates, batch size and actor output; the mixer sizes are
    QMIX's published ones (embedding 32, hypernetwork hidden layer 64), which FACMAC uses."""
    return dict(COMMON_DEFAULTS, **table3_config(example), mixer_embed=32, hyper_hidden=64)


def nonnegative(w):
    """|w|: the mixing weights of a monotonic mixer (QMIX / FACMAC)."""
    return jnp.abs(w)


class Mixer(nn.Module):
    """The monotonic mixer g_psi(s, q) of the module docstring; ``q [..., n]``, ``s [..., state_dim]``."""
    embed: int = 32
    hyper_hidden: int = 64

    @nn.compact
    def __call__(self, s, q):
        n = q.shape[-1]
        w1 = nonnegative(MLP(n * self.embed, self.hyper_hidden, 1)(s)).reshape(s.shape[:-1] + (n, self.embed))
        b1 = nn.Dense(self.embed)(s)
        h = nn.elu(jnp.einsum("...n,...ne->...e", q, w1) + b1)
        w2 = nonnegative(MLP(self.embed, self.hyper_hidden, 1)(s))
        v = MLP(1, self.hyper_hidden, 1)(s)[..., 0]
        return jnp.sum(h * w2, -1) + v


def _utility(cfg) -> MLP:
    return MLP(1, cfg["hidden"], cfg["layers"])


def _mixer(cfg) -> Mixer:
    return Mixer(cfg["mixer_embed"], cfg["hyper_hidden"])


def utilities(params, obs, act, cfg):
    """Q_i(o_i, a_i): ``obs [B, n, obs_dim]``, ``act [B, n, act_dim]`` -> ``[B, n]``."""
    net = _utility(cfg)
    inp = jnp.moveaxis(jnp.concatenate([obs, act], -1), -2, 0)   # [n, B, .]
    return jax.vmap(lambda p, z: net.apply(p, z)[..., 0])(params, inp).T


def q_tot(critic, state, obs, act, cfg):
    """Q_tot(s, a) = g_psi(s, Q_1(o_1, a_1), ..., Q_N(o_N, a_N)) -> ``[B]``."""
    return _mixer(cfg).apply(critic["mixer"], state, utilities(critic["util"], obs, act, cfg))


def td_target(state, batch, key, cfg):
    """y = sum_i r_i + gamma (1 - d) Q'_tot(s', mu'(o'))  -> ``[B]``."""
    a2 = actors_apply(state["actor_t"], batch.next_obs, state["low"], state["high"], cfg)
    q2 = q_tot(state["critic_t"], batch.next_state, batch.next_obs, a2, cfg)
    return batch.rew.sum(-1) + cfg["gamma"] * bootstrap(batch.done, cfg) * q2


def init(key, spec, cfg):
    check_config(cfg, KNOWN)
    ka, ku, km = jax.random.split(key, 3)
    actor = actors_init(ka, spec, cfg)
    z = jnp.zeros((spec.obs_dim + spec.act_dim,), jnp.float32)
    critic = {"util": agent_axis_init(_utility(cfg), ku, spec.n, z),
              "mixer": _mixer(cfg).init(km, jnp.zeros((spec.state_dim,), jnp.float32),
                                        jnp.zeros((spec.n,), jnp.float32))}
    return actor_critic_state(actor, critic, spec, cfg)


def update(state, batch, key, cfg):
    """One FACMAC step: critic (utilities + mixer) on the team TD target, then the centralised policy
    gradient through the updated critic, then soft target updates."""
    y = jax.lax.stop_gradient(td_target(state, batch, key, cfg))

    def critic_loss(cp):
        q = q_tot(cp, batch.state, batch.obs, batch.act, cfg)
        return jnp.mean((q - y) ** 2), q

    (lc, q), gc = jax.value_and_grad(critic_loss, has_aux=True)(state["critic"])
    uc, opt_c = adam(cfg["lr_critic"], cfg["grad_clip"]).update(gc, state["opt_critic"], state["critic"])
    critic = optax.apply_updates(state["critic"], uc)

    def actor_loss(ap):
        mu = actors_apply(ap, batch.obs, state["low"], state["high"], cfg)
        return -q_tot(critic, batch.state, batch.obs, mu, cfg).mean()

    la, ga = jax.value_and_grad(actor_loss)(state["actor"])
    ua, opt_a = adam(cfg["lr_actor"], cfg["grad_clip"]).update(ga, state["opt_actor"], state["actor"])
    actor = optax.apply_updates(state["actor"], ua)
    tau = cfg["tau"]
    new = dict(state, actor=actor, critic=critic, opt_actor=opt_a, opt_critic=opt_c,
               actor_t=soft_update(state["actor_t"], actor, tau),
               critic_t=soft_update(state["critic_t"], critic, tau), step=state["step"] + 1)
    return new, {"critic_loss": lc, "actor_loss": la, "q_mean": q.mean()}
