r"""MAStAC, the multi-agent structured actor-critic of mabn Algorithm 1 (Sec. 4.1), on the interface of
``verify.marl.offpolicy``.

Agent i has a deterministic actor pi_{theta_i}(o_i) and a critic Q_{mu_i}(s_{I_Q^i}, a_{I_Q^i}) whose input
is exactly the (state, action) of the agents in its value dependency set (Property 3.3), plus target copies.
One update (the 'simultaneous implementation': every actor and critic from the same minibatch and the same
pre-update parameters; targets by Polyak averaging):

* TD target (line 14, evident intent):  y_i = r_i + gamma Q'_{mu'_i}(s'_{I_Q^i}, a'_{I_Q^i}),
  a'_k = pi'_{theta'_k}(o'_k);
* critic loss (line 18, evident intent): L_{mu_i} = 1/M sum_m (y_i^m - Q_{mu_i}(s^m_{I_Q^i}, a^m_{I_Q^i}))^2;
* actor loss (line 16): grad L_{theta_i} = -1/M sum_m grad_{theta_i} pi_{theta_i}(o_i^m)
  grad_{a_i} sum_{j in I_GD^i} Q_{mu_j}(s^m_{I_Q^j}, a_i, a^m_{I_Q^j \ i}) at a_i = pi_{theta_i}(o_i^m)
  (the other agents' actions from the minibatch);
* mu'_i <- tau mu_i + (1 - tau) mu'_i, theta'_i <- tau theta_i + (1 - tau) theta'_i (lines 20-21).

Where Algorithm 1 as printed differs from that intent, the printed form is a switch:
``td_gamma="printed"`` uses y = r + Q' (no gamma, line 14) and the loss (y - gamma Q)^2 (line 18); the
fixed point of that critic iteration is Q = r / (gamma - 1) (of the opposite sign) and the iteration
Q <- (r + P Q)/gamma is expansive with modulus 1/gamma.  ``td_next="printed"`` evaluates the target at the
current (s^m, o^m) as line 14 prints, instead of (s'^m, o'^m).

Variants (data, not code: critic input sets, reward weights, gradient sets):
``simultaneous`` (I_Q^i exact), ``approximated`` (I_VD^{kappa, i} of Definition 4.3, mask passed in the
config), ``undecomposed-q`` (I_Q^i = V for all i, Fig. 2), ``undecomposed-qhat`` (Fig. 2: critic i learns
Qhat_i(s, a) of eq. (11) directly on global (s, a) with reward sum_{j in I_GD^i} r_j, and actor i uses
grad_{a_i} Qhat_i only).

Harness choices (not printed): gamma 0.95, tau 0.01, Gaussian exploration noise with standard deviation
0.1 (act_high - act_low), clipped to the action box; Adam; one minibatch shared by all agents; no terminal
masking in the TD target (Algorithm 1 has none; switch ``use_done``).  Networks (Sec. 5, Table 3): actors
3 x 64 ReLU with a softmax output (warehouse; the softmax runs over 'keep' and the out-neighbour slots and
the keep share is dropped, so the fractions sum to at most 1) or linear with tanh (temperature); critics
3 x 64 ReLU; Xavier-Glorot initialization.
"""
from __future__ import annotations

import copy
from functools import partial
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from ..errors import InputError
from .. import mabn as M
from .offpolicy import OffPolicyAlgo, SystemSpec, Transition

__all__ = ["VARIANTS", "DEFAULTS", "TABLE3", "make_algo", "ALGORITHMS", "structure", "config_for",
           "critic_values", "td_targets", "MAStACState"]

VARIANTS = ("simultaneous", "approximated", "undecomposed-q", "undecomposed-qhat")

DEFAULTS: dict[str, Any] = {
    "variant": "simultaneous",
    "q_mask": None,                 # [n, n] bool critic input sets; None: spec.q_mask (exact I_Q^i)
    "gamma": 0.95, "tau": 0.01, "noise": 0.1,
    "lr_actor": 1e-4, "lr_critic": 1e-3,
    "actor_hidden": (64, 64, 64), "critic_hidden": (64, 64, 64),
    "actor_out": "softmax-keep",    # or "tanh"
    "td_gamma": "intent",           # or "printed" (line 14 without gamma, line 18 with gamma in front of Q)
    "td_next": "intent",            # or "printed" (line 14 at the current s, o)
    "use_done": False,
}

#: Table 3 (per example); "epochs" and "episode" are the loop's, the rest MAStAC's
TABLE3 = {
    "warehouse9": {"actor_hidden": (64, 64, 64), "actor_out": "softmax-keep", "lr_actor": 1e-4, "lr_critic": 1e-3,
                   "batch_size": 256, "episode": 8, "epochs": 3500},
    "warehouse40": {"actor_hidden": (64, 64, 64), "actor_out": "softmax-keep", "lr_actor": 5e-4, "lr_critic": 5e-3,
                    "batch_size": 256, "episode": 8, "epochs": 6000},
    "temperature40": {"actor_hidden": (), "actor_out": "tanh", "lr_actor": 1e-4, "lr_critic": 1e-3,
                      "batch_size": 256, "episode": 40, "epochs": 5000},
}


def config_for(system: str, variant: str = "simultaneous", q_mask=None, **over) -> dict:
    """MAStAC options for a Section 5 system: ``DEFAULTS`` with Table 3's networks and learning rates."""
    if system not in TABLE3:
        raise InputError(f"unknown system {system!r}; known: {', '.join(TABLE3)}")
    t = TABLE3[system]
    cfg = copy.deepcopy(DEFAULTS)
    cfg.update({k: t[k] for k in ("actor_hidden", "actor_out", "lr_actor", "lr_critic")})
    cfg["variant"] = variant
    cfg["q_mask"] = q_mask
    for k, v in over.items():
        if k not in DEFAULTS:
            raise InputError(f"unknown MAStAC option {k!r}")
        cfg[k] = v
    return validate(cfg)


def validate(cfg: dict) -> dict:
    cfg = {**DEFAULTS, **cfg}
    if cfg["variant"] not in VARIANTS:
        raise InputError(f"MAStAC variant must be one of {', '.join(VARIANTS)}, got {cfg['variant']!r}")
    if cfg["variant"] == "approximated" and cfg["q_mask"] is None:
        raise InputError("the 'approximated' variant needs q_mask (the kappa-approximated sets of Definition 4.3)")
    if not 0 <= float(cfg["gamma"]) < 1:
        raise InputError(f"gamma must lie in [0, 1), got {cfg['gamma']!r}")
    if not 0 < float(cfg["tau"]) <= 1:
        raise InputError(f"tau must lie in (0, 1], got {cfg['tau']!r}")
    for k in ("lr_actor", "lr_critic"):
        if not float(cfg[k]) > 0:
            raise InputError(f"{k} must be positive, got {cfg[k]!r}")
    if float(cfg["noise"]) < 0:
        raise InputError(f"noise must be non-negative, got {cfg['noise']!r}")
    if cfg["actor_out"] not in ("softmax-keep", "tanh"):
        raise InputError(f"actor_out must be 'softmax-keep' or 'tanh', got {cfg['actor_out']!r}")
    for k in ("td_gamma", "td_next"):
        if cfg[k] not in ("intent", "printed"):
            raise InputError(f"{k} must be 'intent' or 'printed', got {cfg[k]!r}")
    return cfg


# ----------------------------------------------------------------------------------------------------------
# structure: which agents enter which critic, which critics drive which actor

def structure(spec: SystemSpec, cfg: dict) -> dict:
    """The variant's data (numpy): ``q_in[i, j]`` (agent j's (s_j, a_j) enters critic i), ``rew_w[i, j]``
    (critic i's reward is sum_j rew_w[i, j] r_j), ``grad[i, j]`` (actor i follows critic j)."""
    n = spec.n
    v = cfg["variant"]
    base = np.asarray(spec.q_mask if cfg.get("q_mask") is None else cfg["q_mask"], bool)
    if base.shape != (n, n):
        raise InputError(f"q_mask must be {n} x {n}, got shape {base.shape}")
    base = base | np.eye(n, dtype=bool)                       # I_Q^i contains i
    sets = [frozenset(np.nonzero(base[i])[0].tolist()) for i in range(n)]
    gd = np.zeros((n, n), bool)                               # gd[i, j]: j in I_GD^i = {j | i in I_Q^j} u {i}
    for i, G in enumerate(M.gd_sets(sets)):
        gd[i, sorted(G)] = True
    full = np.ones((n, n), bool)
    eye = np.eye(n, dtype=bool)
    if v in ("simultaneous", "approximated"):
        return {"q_in": base, "rew_w": eye.astype(np.float32), "grad": gd}
    if v == "undecomposed-q":
        return {"q_in": full, "rew_w": eye.astype(np.float32), "grad": full}
    # undecomposed-qhat: Qhat_i = sum_{j in I_GD^i} Q_j (eq. 11) learned on global (s, a)
    return {"q_in": full, "rew_w": gd.astype(np.float32), "grad": eye}


def _padded(mask):
    w = max(1, int(mask.sum(1).max()))
    idx = np.zeros((mask.shape[0], w), np.int32)
    val = np.zeros((mask.shape[0], w), np.float32)
    for i in range(mask.shape[0]):
        js = np.nonzero(mask[i])[0]
        idx[i, :len(js)] = js
        val[i, :len(js)] = 1.0
    return idx, val


# ----------------------------------------------------------------------------------------------------------
# networks: per-agent MLPs with parameters stacked on a leading agent axis

def _glorot(key, n, fan_in, fan_out):
    lim = np.sqrt(6.0 / (fan_in + fan_out))
    return jax.random.uniform(key, (n, fan_in, fan_out), jnp.float32, -lim, lim)


def mlp_init(key, n, sizes):
    keys = jax.random.split(key, len(sizes) - 1)
    return [{"W": _glorot(k, n, a, b), "b": jnp.zeros((n, b), jnp.float32)} for k, a, b in zip(keys, sizes[:-1], sizes[1:])]


def mlp_apply(params, x):
    """x [..., n, in] -> [..., n, out]; ReLU between layers, agent k uses its own layer weights."""
    for li, p in enumerate(params):
        x = jnp.einsum("...ni,nio->...no", x, p["W"]) + p["b"]
        if li < len(params) - 1:
            x = jax.nn.relu(x)
    return x


def mlp_apply_one(params, k, x):
    """Agent k's network (k may be traced) on x [..., in]."""
    for li, p in enumerate(params):
        x = x @ p["W"][k] + p["b"][k]
        if li < len(params) - 1:
            x = jax.nn.relu(x)
    return x


class MAStACState(NamedTuple):
    actor: Any
    critic: Any
    actor_t: Any
    critic_t: Any
    opt_a: Any
    opt_c: Any
    step: Any
    struct: dict            # q_idx, q_valid [n, K]; pairs p_i, p_j [P] of line 16; rew_w [n, n]; low, high


def actor_apply(params, obs, struct, cfg):
    """Deterministic actions pi_theta(o) for all agents: obs [..., n, obs_dim] -> [..., n, act_dim]."""
    z = mlp_apply(params, obs)
    lo, hi = struct["low"], struct["high"]
    if cfg["actor_out"] == "softmax-keep":
        p = jax.nn.softmax(z, axis=-1)[..., 1:]                 # drop the 'keep' share
        return lo + (hi - lo) * p
    return lo + (hi - lo) * (jnp.tanh(z) + 1.0) / 2.0


def _critic_input(s, a, idx, valid):
    """Concatenate (s_j, a_j) over the padded index list idx [K] (zeros where not valid):
    s [..., n, ds], a [..., n, da] -> [..., K (ds + da)]."""
    x = jnp.concatenate([s[..., idx, :], a[..., idx, :]], axis=-1) * valid[:, None]
    return x.reshape(x.shape[:-2] + (-1,))


def critic_values(params, s, a, struct):
    """Q_{mu_i}(s_{I_Q^i}, a_{I_Q^i}) for every i: s [B, n, ds], a [B, n, da] -> [B, n]."""
    X = jax.vmap(lambda idx, val: _critic_input(s, a, idx, val), out_axes=-2)(struct["q_idx"], struct["q_valid"])
    return mlp_apply(params, X)[..., 0]


def _split_state(state_vec, n):
    return state_vec.reshape(state_vec.shape[:-1] + (n, -1))


def td_targets(state: MAStACState, batch: Transition, cfg) -> jnp.ndarray:
    """y_i^m of line 14 (``td_gamma``/``td_next`` switches): [B, n]."""
    n = batch.rew.shape[-1]
    if cfg["td_next"] == "intent":
        s2, o2 = _split_state(batch.next_state, n), batch.next_obs
    else:
        s2, o2 = _split_state(batch.state, n), batch.obs
    a2 = actor_apply(state.actor_t, o2, state.struct, cfg)
    q2 = critic_values(state.critic_t, s2, a2, state.struct)
    r = batch.rew @ state.struct["rew_w"].T                      # critic i's reward sum_j w_ij r_j
    g = cfg["gamma"] if cfg["td_gamma"] == "intent" else 1.0
    cont = (1.0 - batch.done[:, None]) if cfg["use_done"] else 1.0
    return r + g * cont * q2


def _init(key, spec: SystemSpec, cfg: dict, variant: str | None = None) -> MAStACState:
    cfg = validate({**cfg, **({"variant": variant} if variant else {})})
    st = structure(spec, cfg)
    q_idx, q_val = _padded(st["q_in"])
    p_i, p_j = np.nonzero(st["grad"])                         # the pairs (i, j) of line 16
    n, ds = spec.n, spec.state_dim // spec.n
    if ds * n != spec.state_dim:
        raise InputError(f"state_dim {spec.state_dim} is not a multiple of n = {n} (agent-major state expected)")
    da = spec.act_dim
    out = da + 1 if cfg["actor_out"] == "softmax-keep" else da
    ka, kc = jax.random.split(key)
    actor = mlp_init(ka, n, [spec.obs_dim, *cfg["actor_hidden"], out])
    critic = mlp_init(kc, n, [q_idx.shape[1] * (ds + da), *cfg["critic_hidden"], 1])
    opt_a, opt_c = optax.adam(cfg["lr_actor"]), optax.adam(cfg["lr_critic"])
    struct = {"q_idx": jnp.asarray(q_idx), "q_valid": jnp.asarray(q_val), "p_i": jnp.asarray(p_i, jnp.int32),
              "p_j": jnp.asarray(p_j, jnp.int32), "rew_w": jnp.asarray(st["rew_w"]),
              "low": jnp.float32(spec.act_low), "high": jnp.float32(spec.act_high)}
    return MAStACState(actor, critic, actor, critic, opt_a.init(actor), opt_c.init(critic),
                       jnp.zeros((), jnp.int32), struct)


def _opts(cfg):
    return {**DEFAULTS, **(cfg or {})}


def _act(state: MAStACState, obs, key, explore, cfg):
    cfg = _opts(cfg)
    a = actor_apply(state.actor, obs, state.struct, cfg)
    lo, hi = state.struct["low"], state.struct["high"]
    if explore:
        a = a + cfg["noise"] * (hi - lo) * jax.random.normal(key, a.shape, a.dtype)
    return jnp.clip(a, lo, hi)


def actor_objective(actor, critic, batch: Transition, struct, cfg):
    """1/M sum_m sum_i sum_{j in grad set of i} Q_{mu_j}(s_{I_Q^j}, a_i = pi_i(o_i), a_{I_Q^j \\ i} from the
    batch) (line 16): its gradient in theta_i is agent i's actor gradient."""
    n = batch.rew.shape[-1]
    s = _split_state(batch.state, n)
    a = batch.act
    pi = actor_apply(actor, batch.obs, struct, cfg)           # [B, n, da]

    def pair(i, j):
        idx, qv = struct["q_idx"][j], struct["q_valid"][j]
        sel = (idx == i)[None, :, None]
        ai = jnp.where(sel, pi[:, i][:, None, :], a[:, idx])   # a_i from the actor, the rest from the batch
        x = (jnp.concatenate([s[:, idx], ai], -1) * qv[:, None]).reshape(s.shape[0], -1)
        return mlp_apply_one(critic, j, x)[:, 0]              # [B]

    Q = jax.vmap(pair)(struct["p_i"], struct["p_j"])           # one row per pair (i, j), j in the grad set of i
    return Q.sum(0).mean()


def _update(state: MAStACState, batch: Transition, key, cfg):
    cfg = _opts(cfg)
    n = batch.rew.shape[-1]
    s = _split_state(batch.state, n)
    y = jax.lax.stop_gradient(td_targets(state, batch, cfg))
    gq = 1.0 if cfg["td_gamma"] == "intent" else cfg["gamma"]

    def critic_loss(cp):
        q = critic_values(cp, s, batch.act, state.struct)
        return ((y - gq * q) ** 2).mean(0).sum(), q             # sum over agents of L_{mu_i} (line 18)

    (lc, q), gc = jax.value_and_grad(critic_loss, has_aux=True)(state.critic)
    critic_frozen = jax.lax.stop_gradient(state.critic)
    obj, ga = jax.value_and_grad(lambda ap: actor_objective(ap, critic_frozen, batch, state.struct, cfg))(state.actor)
    ga = jax.tree_util.tree_map(lambda g: -g, ga)               # minimize -objective
    ua, opt_a = optax.adam(cfg["lr_actor"]).update(ga, state.opt_a, state.actor)
    uc, opt_c = optax.adam(cfg["lr_critic"]).update(gc, state.opt_c, state.critic)
    actor = optax.apply_updates(state.actor, ua)
    critic = optax.apply_updates(state.critic, uc)
    tau = cfg["tau"]
    soft = lambda new, old: jax.tree_util.tree_map(lambda x, z: tau * x + (1 - tau) * z, new, old)
    new = MAStACState(actor, critic, soft(actor, state.actor_t), soft(critic, state.critic_t), opt_a, opt_c,
                      state.step + 1, state.struct)
    return new, {"critic_loss": lc / n, "actor_objective": obj / n, "q_mean": q.mean()}


def make_algo(variant: str) -> OffPolicyAlgo:
    if variant not in VARIANTS:
        raise InputError(f"MAStAC variant must be one of {', '.join(VARIANTS)}, got {variant!r}")
    return OffPolicyAlgo(f"mastac-{variant}", partial(_init, variant=variant), _act, _update)


ALGORITHMS = {f"mastac-{v}": make_algo(v) for v in VARIANTS}
