r"""Flax (linen) networks of BN-MAPPO (bnac Sec. 6.2, Appendix B Table 2; hidden size 64).

``Base`` is not defined in the paper; the harness reads it as MAPPO's MLP base: Dense(64)-ReLU-Dense(64)-ReLU
(orthogonal initialization).  Actor architectures (Table 2):

* 'cg'    : Concat(Base(s), a^{P^i}) - FC(action dim) - softmax
* 'aloha' : Concat(Base(o^i), Base(Concat(o^{P^i}, a^{P^i}))) - FC(action dim) - softmax
* 'smax'  : Concat(o^i, a^{P^i}) - Base(hidden) - FC(action dim) - softmax

Parents' actions (and, for 'aloha', observations) enter as N slots, slot j holding G[j, i] one_hot(a^j)
(zero padding for non-parents, Sec. 7.4).  The actor's parameters are shared by the agents (the
observations carry a one-hot agent id).  Critic: Base(state) - FC(1) on the global state.
Permutation Net: Concat(o) - FC(hidden) - ReLU - FC(N^2) (Table 2 prints FC(2N^2) for it too; a permutation
has N^2 logits).  Edge Net: Concat(o) - FC(hidden) - ReLU - FC(2N^2) ('mlp', Aloha and SMAC) or a DeepSet
('deepset', CG): rho(sum_i phi(o^i)) with phi, rho two-layer MLPs.
"""
from __future__ import annotations

from typing import Sequence

import flax.linen as nn
import jax.numpy as jnp
import numpy as np
import jax
from flax.linen.initializers import constant

__all__ = ["Base", "Actor", "Critic", "PermNet", "EdgeNet"]


def orthogonal(scale: float = 1.0, iters: int = 30):
    r"""Orthogonal initializer without LAPACK: the polar factor of a Gaussian matrix (Haar-distributed
    orthogonal columns or rows), by the Newton-Schulz iteration X <- 1.5 X - 0.5 X X^T X from X / ||X||_F.
    (MAPPO's orthogonal initialization; QR-based initialization issues batched LAPACK calls, which were
    seen to hang XLA:CPU under vmap with jaxlib 0.10.2.)"""
    def init(key, shape, dtype=jnp.float32):
        n_in, n_out = int(np.prod(shape[:-1])), shape[-1]
        X = jax.random.normal(key, (max(n_in, n_out), min(n_in, n_out)), jnp.float32)
        X = X / jnp.linalg.norm(X)

        def body(_, X):
            return 1.5 * X - 0.5 * X @ (X.T @ X)

        X = jax.lax.fori_loop(0, iters, body, X)
        X = X if n_in >= n_out else X.T
        return (scale * X).reshape(shape).astype(dtype)
    return init


def _dense(n, scale=np.sqrt(2.0)):
    return nn.Dense(n, kernel_init=orthogonal(scale), bias_init=constant(0.0))


class Base(nn.Module):
    hidden: int = 64

    @nn.compact
    def __call__(self, x):
        x = nn.relu(_dense(self.hidden)(x))
        return nn.relu(_dense(self.hidden)(x))


class Actor(nn.Module):
    n_actions: int
    hidden: int = 64
    arch: str = "cg"

    @nn.compact
    def __call__(self, obs_i, parent_actions, parent_obs):
        pa = parent_actions.reshape(-1)
        if self.arch == "cg":
            h = jnp.concatenate([Base(self.hidden)(obs_i), pa])
        elif self.arch == "aloha":
            h = jnp.concatenate([Base(self.hidden)(obs_i),
                                 Base(self.hidden)(jnp.concatenate([parent_obs.reshape(-1), pa]))])
        elif self.arch == "smax":
            h = Base(self.hidden)(jnp.concatenate([obs_i, pa]))
        else:
            raise ValueError(f"unknown actor architecture {self.arch!r}")
        return _dense(self.n_actions, 0.01)(h)


class Critic(nn.Module):
    hidden: int = 64

    @nn.compact
    def __call__(self, state):
        return _dense(1, 1.0)(Base(self.hidden)(state))[..., 0]


class PermNet(nn.Module):
    n_agents: int
    hidden: int = 64

    @nn.compact
    def __call__(self, obs):                      # obs (N, obs_dim)
        N = self.n_agents
        h = nn.relu(_dense(self.hidden)(obs.reshape(-1)))
        return _dense(N * N, 0.01)(h).reshape(N, N)


class EdgeNet(nn.Module):
    n_agents: int
    hidden: int = 64
    arch: str = "mlp"

    @nn.compact
    def __call__(self, obs):                      # obs (N, obs_dim)
        N = self.n_agents
        if self.arch == "deepset":
            phi = nn.relu(_dense(self.hidden)(nn.relu(_dense(self.hidden)(obs))))   # (N, hidden)
            h = nn.relu(_dense(self.hidden)(phi.sum(axis=0)))
        elif self.arch == "mlp":
            h = nn.relu(_dense(self.hidden)(obs.reshape(-1)))
        else:
            raise ValueError(f"unknown edge-net architecture {self.arch!r}")
        return _dense(2 * N * N, 0.01)(h).reshape(N, N, 2)
