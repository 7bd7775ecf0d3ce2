r"""QDCG, the coordination-graph baseline of mabn Section 5 (Figure 1, Table 1, Examples 2 and 3).

The mabn text (Sec. 5): DCG (Boehmer, Kurin and Whiteson 2020, [5]) "is not directly applicable, we implement
a variant by decomposing a centralized critic in a similar fashion to the DCG"; "QDCG Decentralized and QDCG
Centralized ... correspond [to] the graph used to decompose the critic being a completely disconnected graph
and a complete graph"; "The critic in QDCG Decentralized is equivalent to a centralized VDN critic"; "the DCG
formulation (and QDCG) is applicable only to homogeneous observation spaces"; QDCG is compared on the
"linear decomposition of the critic into individual and pairwise functions" (Sec. 5, last paragraph).

The harness's reading (the mabn text prints no equations for QDCG).  The critic is DCG's value factorization
(Boehmer et al., Eq. 3) with utilities and payoffs conditioned on the agents' observations (DCG conditions
them on histories; the mabn policies are reactive) and continuous actions as inputs:

    Q_CG(o, a) = 1/|V| sum_i f^v(o_i, a_i) + 1/|E| sum_{{i,j} in E} f^e_{ij}(o_i, a_i, o_j, a_j)
    f^e_{ij} = (f^e(o_i, a_i, o_j, a_j) + f^e(o_j, a_j, o_i, a_i)) / 2      (DCG's symmetric payoffs)

with one utility network f^v shared by all agents and one payoff network f^e shared by all edges (DCG's
parameter sharing; this is why the mabn text restricts QDCG to homogeneous observation spaces), each input
extended by the agent's one-hot id (``agent_id``).  E is the complete graph (``qdcg-centralized``) or empty
(``qdcg-decentralized``: Q_CG = 1/|V| sum_i f^v, a VDN critic).  The critic learns the team reward:

    y = sum_i r_i + gamma (1 - d) Q'_CG(o', mu'(o'))

DCG selects discrete actions by max-plus message passing; with continuous actions the harness instead trains
deterministic actors mu_i(o_i) (one per agent) by the gradient of the factored critic at the current joint
policy, grad_theta Q_CG(o, mu_1(o_1), ..., mu_N(o_N)) (the deterministic policy gradient through the
factored critic), which is what the mabn comparison needs (all its baselines use deterministic policies).
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax

from .common import (COMMON_DEFAULTS, MLP, actors_apply, actors_init, adam, bootstrap, bounds, check_config,
                     explore, soft_update, table3_config)
from ...errors import InputError

__all__ = ["default_config", "init", "act", "update", "q_cg", "payoffs", "td_target", "edges", "KNOWN"]

KNOWN = tuple(COMMON_DEFAULTS) + ("actor_out", "lr_actor", "lr_critic", "batch_size", "graph", "agent_id")


def default_config(example: int = 2, graph: str = "complete") -> dict:
    """Table 3 (column ``example``; QDCG runs on Examples 2 and 3 only) for learning rates, batch size and
    actor output; ``graph`` is ``"complete"`` (QDCG Centralized), ``"empty"`` (QDCG Decentralized) or
    ``"system"`` (the system's coupling graph ``SystemSpec.graph``, an extra option)."""
    return dict(COMMON_DEFAULTS, **table3_config(example), graph=graph, agent_id=True)


def edges(n: int, graph, spec_graph=None) -> np.ndarray:
    """The undirected edges {i, j}, i < j, of the coordination graph, as an ``[|E|, 2]`` int array."""
    if graph == "complete":
        g = np.ones((n, n), bool)
    elif graph == "empty":
        g = np.zeros((n, n), bool)
    elif graph == "system":
        g = np.asarray(spec_graph, bool)
        g = g | g.T
    else:
        raise InputError(f"graph must be complete, empty or system, got {graph!r}")
    i, j = np.nonzero(np.triu(g, 1))
    return np.stack([i, j], 1).astype(np.int32)


def _inputs(obs, act, cfg):
    """Per-agent inputs (o_i, a_i[, one_hot(i)]) ``[B, n, .]``."""
    z = jnp.concatenate([obs, act], -1)
    if cfg["agent_id"]:
        n = obs.shape[-2]
        z = jnp.concatenate([z, jnp.broadcast_to(jnp.eye(n), z.shape[:-2] + (n, n))], -1)
    return z


def q_cg(critic, obs, act, cfg):
    """Q_CG(o, a) of the module docstring -> ``[B]``; ``critic["edges"]`` holds E (``[|E|, 2]`` int)."""
    net = MLP(1, cfg["hidden"], cfg["layers"])
    z = _inputs(obs, act, cfg)                                     # [B, n, d]
    util = net.apply(critic["util"], z)[..., 0].mean(-1)           # 1/|V| sum_i f^v
    E = critic["edges"]
    if E.shape[0] == 0:
        return util
    f = (payoffs(critic["pay"], z, E[:, 0], E[:, 1], cfg) + payoffs(critic["pay"], z, E[:, 1], E[:, 0], cfg)) / 2.0
    return util + f.mean(-1)                                       # + 1/|E| sum_{ij} f^e_ij


def payoffs(params, z, i, j, cfg):
    """f^e(z_i, z_j) for the index arrays ``i, j [|E|]`` -> ``[B, |E|]``: the payoff MLP on the concatenation
    (z_i, z_j), with its first layer split as W_0 (z_i, z_j) = W_0^a z_i + W_0^b z_j and applied per agent
    (n products instead of |E|; the complete graph has n (n - 1) / 2 edges)."""
    p = params["params"]
    d = z.shape[-1]
    W0, b0 = p["Dense_0"]["kernel"], p["Dense_0"]["bias"]
    U, V = z @ W0[:d], z @ W0[d:]                                  # [B, n, H]
    h = jax.nn.relu(U[..., i, :] + V[..., j, :] + b0)              # [B, |E|, H]
    for k in range(1, cfg["layers"]):
        h = jax.nn.relu(h @ p[f"Dense_{k}"]["kernel"] + p[f"Dense_{k}"]["bias"])
    L = p[f"Dense_{cfg['layers']}"]
    return (h @ L["kernel"] + L["bias"])[..., 0]


def td_target(state, batch, key, cfg):
    """y = sum_i r_i + gamma (1 - d) Q'_CG(o', mu'(o'))  -> ``[B]``."""
    a2 = actors_apply(state["actor_t"], batch.next_obs, state["low"], state["high"], cfg)
    q2 = q_cg(state["critic_t"], batch.next_obs, a2, cfg)
    return batch.rew.sum(-1) + cfg["gamma"] * bootstrap(batch.done, cfg) * q2


def _critic_init(key, spec, cfg):
    d = spec.obs_dim + spec.act_dim + (spec.n if cfg["agent_id"] else 0)
    net = MLP(1, cfg["hidden"], cfg["layers"])
    ku, kp = jax.random.split(key)
    return {"util": net.init(ku, jnp.zeros((d,), jnp.float32)),
            "pay": net.init(kp, jnp.zeros((2 * d,), jnp.float32)),
            "edges": jnp.asarray(edges(spec.n, cfg["graph"], spec.graph))}


def init(key, spec, cfg):
    check_config(cfg, KNOWN)
    ka, kc = jax.random.split(key)
    actor, critic = actors_init(ka, spec, cfg), _critic_init(kc, spec, cfg)
    return {"actor": actor, "actor_t": actor, "critic": critic, "critic_t": critic,
            "opt_actor": adam(cfg["lr_actor"], cfg["grad_clip"]).init(actor),
            "opt_critic": adam(cfg["lr_critic"], cfg["grad_clip"]).init(_trainable(critic)),
            "step": jnp.zeros((), jnp.int32), **bounds(spec)}


def _trainable(critic):
    return {"util": critic["util"], "pay": critic["pay"]}


def act(state, obs, key, explore_on, cfg):
    a = actors_apply(state["actor"], obs, state["low"], state["high"], cfg)
    return explore(a, key, state["low"], state["high"], cfg["explore_std"], explore_on)


def update(state, batch, key, cfg):
    """One QDCG step: the factored critic on the team TD target, the actors by the gradient of the updated
    critic at the current joint policy, soft target updates."""
    y = jax.lax.stop_gradient(td_target(state, batch, key, cfg))
    E = state["critic"]["edges"]

    def critic_loss(tp):
        q = q_cg(dict(tp, edges=E), batch.obs, batch.act, cfg)
        return jnp.mean((q - y) ** 2), q

    tp = _trainable(state["critic"])
    (lc, q), gc = jax.value_and_grad(critic_loss, has_aux=True)(tp)
    uc, opt_c = adam(cfg["lr_critic"], cfg["grad_clip"]).update(gc, state["opt_critic"], tp)
    critic = dict(optax.apply_updates(tp, uc), edges=E)

    def actor_loss(ap):
        mu = actors_apply(ap, batch.obs, state["low"], state["high"], cfg)
        return -q_cg(critic, batch.obs, mu, cfg).mean()

    la, ga = jax.value_and_grad(actor_loss)(state["actor"])
    ua, opt_a = adam(cfg["lr_actor"], cfg["grad_clip"]).update(ga, state["opt_actor"], state["actor"])
    actor = optax.apply_updates(state["actor"], ua)
    tau = cfg["tau"]
    critic_t = dict(soft_update(_trainable(state["critic_t"]), _trainable(critic), tau), edges=E)
    new = dict(state, actor=actor, critic=critic, opt_actor=opt_a, opt_critic=opt_c,
               actor_t=soft_update(state["actor_t"], actor, tau), critic_t=critic_t, step=state["step"] + 1)
    return new, {"critic_loss": lc, "actor_loss": la, "q_mean": q.mean()}
