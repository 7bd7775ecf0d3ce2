r"""BN-MAPPO: MAPPO (no recurrence) with a Bayesian-network joint policy and the context-aware DAG learner
(bnac Secs. 6.2-6.3, Appendix B Table 2), in the PureJaxRL style:

    train = make_train(config)          # config: see DEFAULTS
    out = jax.jit(train)(rng)           # or jax.vmap over seeds / variants
    out["metrics"]                      # one row per update

One ``lax.scan`` runs the updates.  A *variant* is data, not code: ``{"learn": 1.0 or 0.0, "G": (N, N)}``;
the DAG used is learn * G_learned(o) + (1 - learn) * G_fixed, so Context-aware (learn = 1),
Fully-correlated (G = {(j, i) | i > j}), Uncorrelated (G empty) and 'line' ({(j, i) | i = j + 1}, the DAG
Sec. 7.2 prints under the name Uncorrelated) are trained by one compiled function (``variant_data``).

Per step: the DAG G(o) = Pi^T U Pi is sampled (Gumbel noise, ``verify.marl.dag``), then the joint action is
drawn by ancestral sampling, a^i ~ pi^i(. | o^i, a^{P^i}) (Sec. 6.2): with one Gumbel draw per agent fixed,
N rounds of "every agent acts on its parents' current actions" reach the ancestral sample (an agent at
depth d of the DAG is final after round d + 1).  Training (Sec. 6.3, MAPPO): per-agent clipped ratios
pi^i(a^i|o^i, a^{P^i}) / pi^i_old with the team advantage (GAE), the DAG recomputed from the current
parameters with the stored noise so that the gradient flows from pi^i to G and on to the permutation and
edge nets (straight-through), a centralized critic on the global state with value normalization (MAPPO's
running mean/variance, beta = 0.99999) and clipped value loss, the density regularizer alpha |rho(G) - eta|
(Sec. 6.3) with constant (alpha, eta) or the annealing schedule of Sec. 7.4.4.

Choices where the paper is silent (all parameters): gamma = 0.95 for CG (Table 1), 0.99 otherwise; GAE
lambda 0.95; clip 0.2; entropy coefficient 0.01; value-loss coefficient 1; gradient-norm clip 10 per
optimizer; one minibatch; rollout length = episode length; the episode end (a time limit) is treated as
terminal, so returns are the finite-horizon returns the environments define.
"""
from __future__ import annotations

import copy
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from ..errors import InputError
from . import dag as D
from .envs import make_env
from .networks import Actor, Critic, EdgeNet, PermNet

__all__ = ["DEFAULTS", "make_train", "make_config", "variant_data", "VARIANTS", "Policy"]

DEFAULTS: dict[str, Any] = {
    "env": "coordination", "env_kwargs": {"n_agents": 2},
    "total_steps": 200_000,            # environment steps per run (Table 2: 2e5 CG, 1e6 Aloha, 2e7 SMAC)
    "n_envs": 32,                      # rollout threads (Table 2: 32 CG/Aloha, 8 SMAC)
    "rollout_len": None,               # None: the episode length
    "ppo_epochs": 5, "n_minibatches": 1,
    "lr_actor": 7e-4, "lr_critic": 7e-4,   # Table 2 (5e-4 for SMAC)
    "gamma": None,                     # None: 0.95 for CG (Table 1), 0.99 otherwise
    "gae_lambda": 0.95, "clip_eps": 0.2, "ent_coef": 0.01, "vf_coef": 1.0, "max_grad_norm": 10.0,
    "hidden": 64, "actor_arch": None, "edge_arch": None,   # None: Table 2's for the environment
    "learn_perm": None,                # None: True for CG/Aloha, False (Pi = I) for SMAC (Sec. 7.4.4)
    "tau_perm": 1.0, "tau_edge": 1.0, "sinkhorn_iters": 20,
    "alpha": 0.0, "eta": 1.0,          # constant regularizer (alpha = 0: none, Secs. 7.4.1-7.4.3)
    "anneal": None,                    # None: ANNEAL_DEFAULTS; dict(a, b, c, l_eta, l_alpha, alpha_start,
                                       # alpha_end) for the 'context-annealed' variant (Sec. 7.4.4)
    "value_norm": True,
}

VARIANTS = ("context", "context-annealed", "full", "uncorrelated", "line")

#: the density annealing of Sec. 7.4.4: alpha 0.1 -> 1 as printed for 6h_vs_8z (0.05 -> 0.5 for MMM2);
#: a, b, c, l_eta, l_alpha are not printed -- these are the harness's choices
ANNEAL_DEFAULTS = {"a": 0.2, "b": 0.5, "c": 0.8, "l_eta": 5, "l_alpha": 5, "alpha_start": 0.1, "alpha_end": 1.0}


def make_config(**over) -> dict:
    cfg = copy.deepcopy(DEFAULTS)
    for k, v in over.items():
        if k not in cfg:
            raise InputError(f"unknown BN-MAPPO option {k!r}")
        cfg[k] = v
    env = cfg["env"]
    smax = env.startswith("smax:")
    if cfg["gamma"] is None:
        cfg["gamma"] = 0.95 if env == "coordination" else 0.99
    if cfg["actor_arch"] is None:
        cfg["actor_arch"] = {"coordination": "cg", "aloha": "aloha"}.get(env, "smax")
    if cfg["edge_arch"] is None:
        cfg["edge_arch"] = "deepset" if env == "coordination" else "mlp"
    if cfg["learn_perm"] is None:
        cfg["learn_perm"] = not smax
    if int(cfg["n_envs"]) < 1 or int(cfg["total_steps"]) < 1:
        raise InputError("n_envs and total_steps must be positive")
    return cfg


def variant_data(name: str, N: int) -> dict:
    """The data that selects a variant: learn flag, fixed DAG (Sec. 7.2) and annealing flag (Sec. 7.4.4)."""
    if name not in VARIANTS:
        raise InputError(f"unknown variant {name!r}; choose from {', '.join(VARIANTS)}")
    learn = name.startswith("context")
    G = D.fixed_dag("full" if learn else name, N)
    return {"learn": jnp.float32(learn), "G": G, "anneal": jnp.float32(name == "context-annealed")}


class ValueNorm(NamedTuple):
    """MAPPO's running normalizer of value targets (beta = 0.99999, debiased)."""
    mean: jnp.ndarray
    mean_sq: jnp.ndarray
    debias: jnp.ndarray


def vn_init():
    return ValueNorm(jnp.float32(0.0), jnp.float32(0.0), jnp.float32(0.0))


def vn_stats(vn: ValueNorm):
    d = jnp.maximum(vn.debias, 1e-5)
    m = vn.mean / d
    var = jnp.maximum(vn.mean_sq / d - m ** 2, 1e-2)
    return m, jnp.sqrt(var)


def vn_update(vn: ValueNorm, x, beta: float = 0.99999):
    return ValueNorm(beta * vn.mean + (1 - beta) * jnp.mean(x), beta * vn.mean_sq + (1 - beta) * jnp.mean(x ** 2),
                     beta * vn.debias + (1 - beta))


class Policy:
    """The BN joint policy: nets + DAG + ancestral sampling (pure functions of params)."""

    def __init__(self, cfg: dict, env):
        self.cfg, self.env = cfg, env
        N, nA = env.n_agents, env.n_actions
        self.N, self.nA = N, nA
        self.actor = Actor(nA, cfg["hidden"], cfg["actor_arch"])
        self.critic = Critic(cfg["hidden"])
        self.perm = PermNet(N, cfg["hidden"])
        self.edge = EdgeNet(N, cfg["hidden"], cfg["edge_arch"])

    def init(self, key):
        N, nA, od = self.N, self.nA, self.env.obs_dim
        k = jax.random.split(key, 4)
        o = jnp.zeros((N, od), jnp.float32)
        return {"actor": self.actor.init(k[0], o[0], jnp.zeros((N, nA)), o),
                "critic": self.critic.init(k[1], jnp.zeros((self.env.state_dim,), jnp.float32)),
                "perm": self.perm.init(k[2], o), "edge": self.edge.init(k[3], o)}

    def dag(self, params, obs, noise: D.DAGNoise, variant) -> jnp.ndarray:
        """G(o) for one environment: learned (Sec. 6.1) or fixed (Sec. 7.2), selected by variant['learn']."""
        c = self.cfg
        pl = self.perm.apply(params["perm"], obs) if c["learn_perm"] else jnp.zeros((self.N, self.N))
        el = self.edge.apply(params["edge"], obs)
        Gl = D.learned_dag(pl, el, noise, c["tau_perm"], c["tau_edge"], c["sinkhorn_iters"],
                           learn_perm=bool(c["learn_perm"]))
        return variant["learn"] * Gl + (1.0 - variant["learn"]) * variant["G"]

    def logits(self, params, obs, G, actions, avail):
        """Logits of pi^i(. | o^i, a^{P^i}) for every agent i given the joint action's parent part."""
        pa = jax.nn.one_hot(actions, self.nA, dtype=jnp.float32)          # (N, nA)
        par_act = G.T[:, :, None] * pa[None]                                 # (i, j, nA): G[j, i] one_hot(a^j)
        par_obs = G.T[:, :, None] * obs[None]                                # (i, j, od)
        lg = jax.vmap(self.actor.apply, (None, 0, 0, 0))(params["actor"], obs, par_act, par_obs)
        return jnp.where(avail, lg, -1e9)

    def sample(self, params, obs, G, avail, key):
        """Ancestral sampling on G with one Gumbel draw per agent; returns (actions, log pi^i(a^i|...))."""
        g = jax.random.gumbel(key, (self.N, self.nA), jnp.float32)

        def rnd(a, _):
            return jnp.argmax(self.logits(params, obs, G, a, avail) + g, axis=-1).astype(jnp.int32), None

        a, _ = jax.lax.scan(rnd, jnp.zeros((self.N,), jnp.int32), None, length=self.N)
        lp = jax.nn.log_softmax(self.logits(params, obs, G, a, avail), axis=-1)
        return a, jnp.take_along_axis(lp, a[:, None], axis=-1)[:, 0]

    def value(self, params, state):
        return self.critic.apply(params["critic"], state)


class Runner(NamedTuple):
    params: Any
    opt_state: Any
    env_state: Any
    ts: Any
    vn: ValueNorm
    rng: jnp.ndarray
    update: jnp.ndarray
    ep_ret: jnp.ndarray       # (E,) undiscounted return of the running episode
    ep_disc: jnp.ndarray      # (E,) discounted return of the running episode
    ep_t: jnp.ndarray         # (E,) step within the running episode
    variant: Any


def make_train(config: dict | None = None, probe=None, **over):
    """``train(rng, variant=None) -> {"runner": Runner, "metrics": {name: (n_updates,)}}`` (jit-able,
    vmappable over rng and variant).  ``train.init(rng, variant)`` and ``train.update(runner)`` (one update)
    are exposed for chunked, resumable runs; ``train.n_updates``, ``train.env``, ``train.policy``,
    ``train.config``, ``train.steps_per_update``.  ``probe(policy, params, variant, traj, key) -> dict`` (optional,
    not part of the config): evaluated on each update's rollout (``traj`` carries the environment states as
    ``env_state``) with the parameters that collected it, returned as ``metrics["probe"]``; training itself is
    unchanged (the probe's key is folded out of the runner's key, which is not advanced)."""
    cfg = make_config(**{**(config or {}), **over})
    env = make_env(cfg["env"], **cfg["env_kwargs"])
    pol = Policy(cfg, env)
    N, E = env.n_agents, int(cfg["n_envs"])
    T = int(cfg["rollout_len"] or env.episode_length)
    per_update = T * E
    n_updates = max(int(cfg["total_steps"]) // per_update, 1)
    gamma, lam = float(cfg["gamma"]), float(cfg["gae_lambda"])
    labels = {"actor": "actor", "perm": "actor", "edge": "actor", "critic": "critic"}
    tx = optax.multi_transform(
        {"actor": optax.chain(optax.clip_by_global_norm(cfg["max_grad_norm"]), optax.adam(cfg["lr_actor"], eps=1e-5)),
         "critic": optax.chain(optax.clip_by_global_norm(cfg["max_grad_norm"]), optax.adam(cfg["lr_critic"], eps=1e-5))},
        labels)
    default_variant = variant_data("context", N)

    anneal_kw = {**ANNEAL_DEFAULTS, **(cfg["anneal"] or {})}

    def schedule(update, variant):
        """(eta, alpha): the annealing schedule for the annealed variant, the constants otherwise."""
        frac = update.astype(jnp.float32) / n_updates
        eta_a, alpha_a = D.annealing(frac, **anneal_kw)
        f = variant["anneal"]
        return f * eta_a + (1 - f) * jnp.float32(cfg["eta"]), f * alpha_a + (1 - f) * jnp.float32(cfg["alpha"])

    def init(rng, variant=None):
        variant = default_variant if variant is None else variant
        rng, k_p, k_e = jax.random.split(rng, 3)
        params = pol.init(k_p)
        env_state, ts = jax.vmap(env.reset)(jax.random.split(k_e, E))
        z = jnp.zeros((E,), jnp.float32)
        return Runner(params, tx.init(params), env_state, ts, vn_init(), rng, jnp.int32(0), z, z,
                      jnp.zeros((E,), jnp.int32), variant)

    def collect(r: Runner):
        def step(c, _):
            env_state, ts, rng, ep_ret, ep_disc, ep_t = c
            rng, k_d, k_a, k_e = jax.random.split(rng, 4)
            noise = jax.vmap(D.sample_noise, (0, None))(jax.random.split(k_d, E), N)
            G = jax.vmap(pol.dag, (None, 0, 0, None))(r.params, ts.obs, noise, r.variant)
            a, logp = jax.vmap(pol.sample, (None, 0, 0, 0, 0))(r.params, ts.obs, G, ts.avail, jax.random.split(k_a, E))
            v = jax.vmap(pol.value, (None, 0))(r.params, ts.state)
            env_state2, ts2 = jax.vmap(env.step)(jax.random.split(k_e, E), env_state, a)
            ep_ret = ep_ret + ts2.reward
            ep_disc = ep_disc + gamma ** ep_t.astype(jnp.float32) * ts2.reward
            tr = {"obs": ts.obs, "state": ts.state, "avail": ts.avail, "noise": noise, "a": a, "logp": logp,
                  "v": v, "reward": ts2.reward, "done": ts2.done, "density": D.density(G),
                  "ret": ep_ret, "disc": ep_disc}
            if probe is not None:
                tr["env_state"] = env_state
            keep = 1.0 - ts2.done.astype(jnp.float32)
            c = (env_state2, ts2, rng, ep_ret * keep, ep_disc * keep, jnp.where(ts2.done, 0, ep_t + 1))
            return c, tr

        c0 = (r.env_state, r.ts, r.rng, r.ep_ret, r.ep_disc, r.ep_t)
        c, traj = jax.lax.scan(step, c0, None, length=T)
        return c, traj

    def gae(v, reward, done, last_v):
        def body(carry, x):
            adv_next, v_next = carry
            vt, rt, dt = x
            nd = 1.0 - dt.astype(jnp.float32)
            delta = rt + gamma * v_next * nd - vt
            adv = delta + gamma * lam * nd * adv_next
            return (adv, vt), adv

        _, adv = jax.lax.scan(body, (jnp.zeros_like(last_v), last_v), (v, reward, done), reverse=True)
        return adv, adv + v

    def loss_fn(params, b, variant, eta, alpha, vn_mean, vn_std):
        G = jax.vmap(pol.dag, (None, 0, 0, None))(params, b["obs"], b["noise"], variant)
        lg = jax.vmap(pol.logits, (None, 0, 0, 0, 0))(params, b["obs"], G, b["a"], b["avail"])
        lp_all = jax.nn.log_softmax(lg, axis=-1)
        lp = jnp.take_along_axis(lp_all, b["a"][..., None], axis=-1)[..., 0]            # (B, N)
        ratio = jnp.exp(lp - b["logp"])
        adv = b["adv"][:, None]
        eps = cfg["clip_eps"]
        pg = -jnp.mean(jnp.minimum(ratio * adv, jnp.clip(ratio, 1 - eps, 1 + eps) * adv))
        p_all = jnp.exp(lp_all)
        ent = -jnp.mean(jnp.sum(jnp.where(b["avail"], p_all * lp_all, 0.0), axis=-1))
        v = jax.vmap(pol.value, (None, 0))(params, b["state"])
        tgt = (b["ret"] - vn_mean) / vn_std
        v_old = b["v"]
        v_clip = v_old + jnp.clip(v - v_old, -eps, eps)
        vloss = 0.5 * jnp.mean(jnp.maximum((v - tgt) ** 2, (v_clip - tgt) ** 2))
        reg = variant["learn"] * jnp.mean(D.density_penalty(G, alpha, eta))                # Sec. 6.3
        total = pg - cfg["ent_coef"] * ent + cfg["vf_coef"] * vloss + reg
        clipfrac = jnp.mean((jnp.abs(ratio - 1) > eps).astype(jnp.float32))
        return total, {"pg_loss": pg, "v_loss": vloss, "entropy": ent, "reg": reg, "clip_frac": clipfrac}

    def update(r: Runner):
        (env_state, ts, rng, ep_ret, ep_disc, ep_t), traj = collect(r)
        eta, alpha = schedule(r.update, r.variant)
        use_vn = bool(cfg["value_norm"])
        m, s = vn_stats(r.vn) if use_vn else (jnp.float32(0.0), jnp.float32(1.0))
        v_den = traj["v"] * s + m                                            # (T, E) denormalized
        last_v = jax.vmap(pol.value, (None, 0))(r.params, ts.state) * s + m
        adv, ret = gae(v_den, traj["reward"], traj["done"], last_v)
        vn = vn_update(r.vn, ret) if use_vn else r.vn
        m2, s2 = vn_stats(vn) if use_vn else (m, s)
        adv = (adv - adv.mean()) / (adv.std() + 1e-8)
        flat = lambda x: x.reshape((T * E,) + x.shape[2:])
        batch = {k: jax.tree_util.tree_map(flat, traj[k]) for k in ("obs", "state", "avail", "noise", "a", "logp", "v")}
        batch["adv"], batch["ret"] = flat(adv), flat(ret)
        # the stored values are in the old normalization; express them in the new one for value clipping
        batch["v"] = (batch["v"] * s + m - m2) / s2
        nmb = int(cfg["n_minibatches"])

        def epoch(c, _):
            params, opt_state, rng = c
            rng, k = jax.random.split(rng)
            perm = jax.random.permutation(k, T * E)
            mbs = jax.tree_util.tree_map(lambda x: x[perm].reshape((nmb, -1) + x.shape[1:]), batch)

            def mb_step(c2, mb):
                params, opt_state = c2
                (_, aux), grads = jax.value_and_grad(loss_fn, has_aux=True)(params, mb, r.variant, eta, alpha, m2, s2)
                upd, opt_state = tx.update(grads, opt_state, params)
                return (optax.apply_updates(params, upd), opt_state), aux

            (params, opt_state), aux = jax.lax.scan(mb_step, (params, opt_state), mbs)
            return (params, opt_state, rng), aux

        (params, opt_state, rng), aux = jax.lax.scan(epoch, (r.params, r.opt_state, rng), None, length=int(cfg["ppo_epochs"]))
        d = traj["done"].astype(jnp.float32)
        n_done = jnp.maximum(d.sum(), 1.0)
        metrics = {k: v.mean() for k, v in aux.items()}
        metrics.update({
            "env_steps": (r.update + 1).astype(jnp.float32) * per_update,
            "return": jnp.where(d.sum() > 0, (traj["ret"] * d).sum() / n_done, jnp.nan),
            "disc_return": jnp.where(d.sum() > 0, (traj["disc"] * d).sum() / n_done, jnp.nan),
            "reward_per_step": traj["reward"].mean(),
            "density": traj["density"].mean(), "eta": eta, "alpha": alpha,
        })
        if probe is not None:
            metrics["probe"] = probe(pol, r.params, r.variant, traj, jax.random.fold_in(r.rng, 7919))
        r2 = Runner(params, opt_state, env_state, ts, vn, rng, r.update + 1, ep_ret, ep_disc, ep_t, r.variant)
        return r2, metrics

    def train(rng, variant=None):
        r = init(rng, variant)
        r, metrics = jax.lax.scan(lambda r, _: update(r), r, None, length=n_updates)
        return {"runner": r, "metrics": metrics}

    train.init, train.update, train.n_updates, train.env, train.policy = init, update, n_updates, env, pol
    train.config, train.steps_per_update = cfg, per_update
    return train


def make_evaluate(train, n_episodes: int = 100, deterministic_dag: bool = True):
    """``evaluate(params, variant, rng) -> {"return", "disc_return", "density"}`` over ``n_episodes`` sampled
    episodes (Table 2: 100 evaluation episodes for CG and Aloha, 32 for SMAC), run in parallel.  With
    ``deterministic_dag`` the DAG carries no Gumbel noise (the policy that ``verify.marl.exact`` evaluates);
    actions are always sampled from the BN policy.  Episodes end at the environment's episode length."""
    env, pol, cfg = train.env, train.policy, train.config
    N, E, T = env.n_agents, int(n_episodes), int(env.episode_length)
    gamma = float(cfg["gamma"])

    def evaluate(params, variant, rng):
        rng, k0 = jax.random.split(rng)
        env_state, ts = jax.vmap(env.reset)(jax.random.split(k0, E))

        def step(c, t):
            env_state, ts, rng, ret, disc, alive = c
            rng, k_d, k_a, k_e = jax.random.split(rng, 4)
            if deterministic_dag:
                noise = jax.tree_util.tree_map(lambda x: jnp.broadcast_to(x, (E,) + x.shape), D.zero_noise(N))
            else:
                noise = jax.vmap(D.sample_noise, (0, None))(jax.random.split(k_d, E), N)
            G = jax.vmap(pol.dag, (None, 0, 0, None))(params, ts.obs, noise, variant)
            a, _ = jax.vmap(pol.sample, (None, 0, 0, 0, 0))(params, ts.obs, G, ts.avail, jax.random.split(k_a, E))
            env_state, ts2 = jax.vmap(env.step)(jax.random.split(k_e, E), env_state, a)
            ret = ret + alive * ts2.reward
            disc = disc + alive * gamma ** t * ts2.reward
            alive = alive * (1.0 - ts2.done.astype(jnp.float32))
            return (env_state, ts2, rng, ret, disc, alive), D.density(G)

        z = jnp.zeros((E,), jnp.float32)
        c, dens = jax.lax.scan(step, (env_state, ts, rng, z, z, jnp.ones((E,), jnp.float32)), jnp.arange(T, dtype=jnp.float32))
        return {"return": c[3], "disc_return": c[4], "density": dens.mean()}

    return evaluate
