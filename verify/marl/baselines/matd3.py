r"""MATD3 (Ackermann et al. 2019), a baseline of mabn Section 5, Figure 1 and Table 1: MADDPG with the three
changes of TD3 (Fujimoto et al. 2018) applied to every agent's centralized critic.

* twin critics Q_{1,i}, Q_{2,i} per agent, both regressed on the clipped double-Q target

      y_i = r_i + gamma (1 - d) min_{k=1,2} Q'_{k,i}(x', a'),                           (Ackermann et al., Eq. 6)

* target policy smoothing: a'_j = clip(mu'_j(o'_j) + clip(eps, -c, c), low, high), eps ~ N(0, sigma^2)
  (sigma, c as fractions of the half action range: ``target_noise``, ``target_noise_clip``);
* delayed policy updates: the actors and all target networks are updated every ``policy_delay`` critic
  updates; the actor of agent i ascends the first twin Q_{1,i} (Eq. 5 of Lowe et al. with Q_{1,i}).

Reward, critic input and the rest as in ``verify.marl.baselines.maddpg``.
"""
from __future__ import annotations

import jax.numpy as jnp

from . import maddpg

__all__ = ["default_config", "init", "act", "update", "clipped_double_q", "td_target", "KNOWN"]

KNOWN = maddpg.KNOWN + ("policy_delay", "target_noise", "target_noise_clip")


def default_config(example: int = 1) -> dict:
    """MADDPG's configuration plus TD3's published values (Fujimoto et al. 2018): policy delay 2, target
    smoothing noise sigma = 0.2 clipped at c = 0.5 (for actions in [-1, 1]; here fractions of the half range)."""
    return dict(maddpg.default_config(example), policy_delay=2, target_noise=0.2, target_noise_clip=0.5)


def clipped_double_q(q):
    """min over the twin axis of ``q [2, n, B]`` (the clipped double-Q estimate)."""
    return jnp.min(q, axis=0)


def _reduce(q):
    return clipped_double_q(q)       # looked up at trace time (a planted-bug test replaces it)


def td_target(state, batch, key, cfg):
    return maddpg.td_target(state, batch, key, cfg, _reduce, (cfg["target_noise"], cfg["target_noise_clip"]))


def init(key, spec, cfg):
    return maddpg.init(key, spec, cfg, twins=2, known=KNOWN)


act = maddpg.act


def update(state, batch, key, cfg):
    """One MATD3 step: both twins on the clipped double-Q target; actors and targets every ``policy_delay``."""
    return maddpg.update(state, batch, key, cfg, _reduce, (cfg["target_noise"], cfg["target_noise_clip"]),
                         int(cfg["policy_delay"]))
