"""The baselines of mabn Section 5 (verify.marl.baselines) on one-step cooperative games with known answers.

The driver: a buffer of ``BUF`` transitions with joint actions drawn uniformly from [-1, 1]^(n x act_dim)
(for the coordination game: the uniform product grid, see ``grid_actions``),
observations the agents' one-hot ids, a constant state, done = 1 (one-step game, no bootstrap), then ``update``
repeatedly on uniformly resampled batches (one ``lax.scan``), then ``act(explore=False)``.

Games (continuous actions in [-1, 1]):

* separable: r_i(a) = -||a_i - c_i||^2 (local rewards; team reward sum_i r_i), unique optimum a* = c;
* coordination (n = 2, act_dim = 1): team reward R(a) = -k (a_1 - a_2)^2 - c (a_1 + a_2 - 2 t)^2, concave
  with the unique optimum a_1 = a_2 = t; each agent's local reward is R / 2.  Under the uniform product
  distribution of the buffer, the best additive fit sum_i g_i(a_i) of R (its projection on additive
  functions) is g_i(a) = -(k + c) a^2 + 2 c t a + const (the product term a_1 a_2 has zero projection),
  maximized at 2 c t / (k + c).  A critic restricted to additive functions (the VDN critic of QDCG
  Decentralized), and actors that ascend a joint critic against the *buffer's* uniform actions of the other
  agents (MADDPG, MATD3, Lowe et al. Eq. 5), both land at that point; a joint critic with pairwise payoffs
  whose actors ascend it at the current joint policy (QDCG Centralized) reaches the joint optimum.
"""
from __future__ import annotations

import time
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from verify.errors import InputError
from verify.marl import baselines as B
from verify.marl.baselines import facmac, maddpg, matd3, qdcg
from verify.marl.offpolicy import SystemSpec, Transition

BUF = 4096
TEST_CFG = {"actor_out": "tanh", "lr_actor": 1e-3, "lr_critic": 1e-3, "batch_size": 256, "hidden": 64,
            "layers": 2, "actor_layers": 2, "use_done": True}

C_SEP = np.array([[0.5, -0.3], [-0.6, 0.2], [0.1, 0.7]], np.float32)     # separable optimum, n = 3
K, CC, TT = 4.0, 1.0, 0.7                                                 # coordination game constants
JOINT_OPT = TT                                                            # 0.7
ADDITIVE_OPT = 2 * CC * TT / (K + CC)                                     # 0.28
TOL = 0.15      # max-norm tolerance: a ReLU critic's argmax is off by ~0.07-0.11 after these runs (measured),
                # and 2 TOL < 0.42 = JOINT_OPT - ADDITIVE_OPT, so no run can pass both coordination targets


def spec_for(n, act_dim):
    return SystemSpec(n=n, obs_dim=n, act_dim=act_dim, state_dim=n, act_low=-1.0, act_high=1.0,
                      q_mask=np.ones((n, n), bool), graph=np.ones((n, n), bool))


def separable_rewards(a):
    """r_i = -||a_i - c_i||^2, a [B, 3, 2] -> [B, 3]."""
    return -jnp.sum((a - C_SEP) ** 2, -1)


def coordination_team(a):
    """R(a) for a [B, 2, 1] -> [B]."""
    a1, a2 = a[:, 0, 0], a[:, 1, 0]
    return -K * (a1 - a2) ** 2 - CC * (a1 + a2 - 2 * TT) ** 2


def coordination_rewards(a):
    return jnp.repeat(coordination_team(a)[:, None] / 2.0, 2, axis=1)


def grid_actions(size=BUF):
    """The product grid of joint actions of the coordination game: a_1, a_2 over the midpoints of 64 equal
    cells of [-1, 1] (4096 pairs); its empirical distribution is a product of two uniform grids, so the best
    additive fit of R on this buffer has exactly the argmax 2 c t / (k + c) (a random buffer of this size
    moves the empirical marginal means by ~0.2 and the argmax of the additive fit by ~0.2)."""
    m = int(round(np.sqrt(size)))
    g = -1.0 + (2.0 * np.arange(m) + 1.0) / m
    a1, a2 = np.meshgrid(g, g, indexing="ij")
    return jnp.asarray(np.stack([a1.ravel(), a2.ravel()], 1)[:, :, None], jnp.float32)


def make_buffer(key, n, act_dim, reward_fn, size=BUF, grid=False):
    a = grid_actions(size) if grid else jax.random.uniform(key, (size, n, act_dim), minval=-1.0, maxval=1.0)
    obs = jnp.broadcast_to(jnp.eye(n), (size, n, n))
    st = jnp.ones((size, n))
    return Transition(obs=obs, state=st, act=a, rew=reward_fn(a), next_obs=obs, next_state=st,
                      done=jnp.ones((size,)))


def train(name, reward_fn, n, act_dim, updates, seed=0, over=None, module=None, grid=False):
    """Seeded short training on a fixed uniform buffer (random, or the product grid when ``grid``); returns
    the greedy joint action [n, act_dim], the final state and the critic losses."""
    algo = B.BASELINES[name]
    cfg = {**B.default_config(name), **TEST_CFG, **(over or {})}
    spec = spec_for(n, act_dim)
    k_buf, k_run = jax.random.split(jax.random.PRNGKey(seed))
    buf = make_buffer(k_buf, n, act_dim, reward_fn, grid=grid)
    bsz = cfg["batch_size"]
    upd = partial(module.update, cfg=cfg) if module is not None else partial(algo.update, cfg=cfg)

    @jax.jit
    def run(key):
        k_init, k_run = jax.random.split(key)

        def body(s, k):
            kb, ku = jax.random.split(k)
            idx = jax.random.randint(kb, (bsz,), 0, BUF)
            s, m = upd(s, jax.tree_util.tree_map(lambda d: d[idx], buf), ku)
            return s, m["critic_loss"]
        state, losses = jax.lax.scan(body, algo.init(k_init, spec, cfg), jax.random.split(k_run, updates))
        return algo.act(state, jnp.eye(n), k_run, False, cfg), state, losses

    a, state, losses = run(k_run)
    return np.asarray(a), state, np.asarray(losses)


# -- interface ----------------------------------------------------------------------------------------------

def test_default_configs_and_errors():
    assert set(B.BASELINES) == {"maddpg", "matd3", "facmac", "qdcg-centralized", "qdcg-decentralized"}
    c = B.default_config("maddpg")
    assert (c["lr_actor"], c["lr_critic"], c["batch_size"], c["actor_out"]) == (1e-4, 1e-3, 256, "softmax-keep")
    assert (c["layers"], c["actor_layers"], c["hidden"], c["reward"]) == (3, 3, 64, "local")
    assert B.default_config("facmac", example=2)["lr_critic"] == 5e-3
    assert B.default_config("qdcg-centralized")["graph"] == "complete"
    assert B.default_config("qdcg-decentralized")["graph"] == "empty"
    c3 = B.default_config("qdcg-centralized", example=3)
    assert (c3["actor_out"], c3["actor_layers"]) == ("tanh", 0)
    assert B.config_for("temperature40", "matd3")["actor_layers"] == 0
    assert B.config_for("warehouse40", "qdcg-decentralized", tau=0.1)["tau"] == 0.1
    with pytest.raises(InputError):
        B.config_for("warehouse7", "maddpg")
    with pytest.raises(InputError):
        B.default_config("coma")
    with pytest.raises(InputError):
        B.default_config("maddpg", example=4)
    with pytest.raises(InputError):
        B.BASELINES["maddpg"].init(jax.random.PRNGKey(0), spec_for(2, 1), {"no_such_option": 1})
    with pytest.raises(InputError):
        B.BASELINES["facmac"].init(jax.random.PRNGKey(0), spec_for(2, 1), {"actor_out": "relu"})


@pytest.mark.parametrize("name", sorted(B.BASELINES))
def test_interface_shapes_bounds_and_vmap(name):
    """act stays in the box (explore on and off), update returns scalars, and both vmap over seeds; an empty
    cfg (what the loop passes without options) gets the defaults."""
    algo, spec = B.BASELINES[name], SystemSpec(3, 4, 2, 5, 0.0, 1.0, np.eye(3, dtype=bool),
                                               np.eye(3, dtype=bool))
    keys = jax.random.split(jax.random.PRNGKey(3), 2)
    states = jax.jit(jax.vmap(lambda k: algo.init(k, spec, {})))(keys)
    obs = jax.random.normal(jax.random.PRNGKey(4), (3, 4)) * 3
    for on in (True, False):
        a = jax.jit(jax.vmap(lambda s, k: algo.act(s, obs, k, on, {})))(states, keys)
        assert a.shape == (2, 3, 2) and a.dtype == jnp.float32 and bool(jnp.all((a >= 0) & (a <= 1)))
    bt = Transition(obs=jnp.ones((8, 3, 4)), state=jnp.ones((8, 5)), act=jnp.full((8, 3, 2), 0.5),
                    rew=jnp.ones((8, 3)), next_obs=jnp.ones((8, 3, 4)), next_state=jnp.ones((8, 5)),
                    done=jnp.zeros((8,)))
    s2, m = jax.jit(jax.vmap(lambda s, k: algo.update(s, bt, k, {})))(states, keys)
    assert set(m) >= {"critic_loss", "actor_loss", "q_mean"}
    assert all(v.shape == (2,) and bool(jnp.all(jnp.isfinite(v))) for v in m.values())
    assert int(s2["step"][0]) == 1


# -- known answers --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(B.BASELINES))
def test_separable_game_reaches_the_unique_optimum(name):
    """Every baseline reaches a* = c (within TOL in each coordinate) on the separable game."""
    a, _, _ = train(name, separable_rewards, 3, 2, updates=2000, seed=0)
    err = np.abs(a - C_SEP).max()
    assert err < TOL, (name, a, err)


@pytest.mark.slow
@pytest.mark.parametrize("name,target", [("qdcg-centralized", JOINT_OPT), ("qdcg-decentralized", ADDITIVE_OPT),
                                         ("maddpg", ADDITIVE_OPT), ("matd3", ADDITIVE_OPT)])
def test_coordination_game_known_answers(name, target):
    """QDCG Centralized (pairwise payoffs, actors at the joint policy) reaches the joint optimum t = 0.7; the VDN
    critic of QDCG Decentralized and MADDPG/MATD3 (other agents' actions from the uniform buffer) reach the
    additive-projection optimum 2 c t / (k + c) = 0.28 instead, 0.42 away from the joint optimum.  (FACMAC's
    monotonic mixer cannot represent R either; it has no closed-form answer here and is not in this test.)"""
    a, _, _ = train(name, coordination_rewards, 2, 1, updates=2000, seed=0, grid=True)
    assert np.abs(a - target).max() < TOL, (name, a, target)


# -- planted errors -------------------------------------------------------------------------------------------

def _probe(n=3, act_dim=2, seed=5, done=0.0):
    """A random batch of 16 transitions of a 3-agent system with state, and the spec."""
    spec = SystemSpec(n, 4, act_dim, 6, -1.0, 1.0, np.ones((n, n), bool), np.ones((n, n), bool))
    k = jax.random.split(jax.random.PRNGKey(seed), 6)
    bt = Transition(obs=jax.random.normal(k[0], (16, n, 4)), state=jax.random.normal(k[1], (16, 6)),
                    act=jax.random.uniform(k[2], (16, n, act_dim), minval=-1, maxval=1),
                    rew=jax.random.normal(k[3], (16, n)), next_obs=jax.random.normal(k[4], (16, n, 4)),
                    next_state=jax.random.normal(k[5], (16, 6)), done=jnp.full((16,), done))
    return spec, bt


def matd3_target_error(cfg_over=None):
    """max |y - y_oracle| for MATD3's TD target without smoothing noise, where the oracle evaluates each twin
    critic k of each agent i on its own sliced parameters and takes min_k by hand:
    y_i = r_i + gamma (1 - d) min(Q'_{1,i}, Q'_{2,i})(s', mu'(o'))."""
    cfg = {**B.default_config("matd3"), "actor_out": "tanh", "target_noise": 0.0, "use_done": True,
           **(cfg_over or {})}
    spec, bt = _probe()
    state = jax.jit(lambda k: matd3.init(k, spec, cfg))(jax.random.PRNGKey(0))
    y = np.asarray(jax.jit(lambda s: matd3.td_target(s, bt, jax.random.PRNGKey(1), cfg))(state))
    net = maddpg._critic(cfg)
    apply = jax.jit(net.apply)
    a2 = np.stack([np.asarray(common_actor(state, i, bt.next_obs[:, i], cfg)) for i in range(3)], 1)
    inp = np.concatenate([np.asarray(bt.next_state), a2.reshape(16, -1)], -1)
    y_or = np.zeros((3, 16))
    for i in range(3):
        qs = [np.asarray(apply(jax.tree_util.tree_map(lambda p: p[k, i], state["critic_t"]), inp))[:, 0]
              for k in range(2)]
        assert np.abs(qs[0] - qs[1]).max() > 1e-2          # the twins differ: min and max are distinguishable
        y_or[i] = np.asarray(bt.rew[:, i]) + cfg["gamma"] * (1 - np.asarray(bt.done)) * np.minimum(*qs)
    return float(np.abs(y - y_or).max())


def common_actor(state, i, obs_i, cfg):
    from verify.marl.baselines.common import Actor
    p = jax.tree_util.tree_map(lambda x: x[i], state["actor_t"])
    act_dim = p["params"]["MLP_0"][f"Dense_{cfg['actor_layers']}"]["bias"].shape[-1]
    return jax.jit(Actor(act_dim, cfg["hidden"], cfg["actor_layers"], cfg["actor_out"]).apply)(p, obs_i, -1.0, 1.0)


def test_matd3_clipped_double_q_target_and_planted_max(monkeypatch):
    """The clipped double-Q target matches the hand oracle; with max instead of min of the twins (planted)
    the same check fails."""
    assert matd3_target_error() < 1e-5
    monkeypatch.setattr(matd3, "clipped_double_q", lambda q: jnp.max(q, axis=0))
    assert matd3_target_error() > 1e-2


def test_matd3_target_smoothing_is_clipped_and_actors_are_delayed():
    cfg = {**B.default_config("matd3"), "actor_out": "tanh", "target_noise": 10.0, "target_noise_clip": 0.3}
    spec, bt = _probe()
    state = jax.jit(lambda k: matd3.init(k, spec, cfg))(jax.random.PRNGKey(0))
    a0 = maddpg.target_actions(state, bt.next_obs, None, cfg)
    a1 = maddpg.target_actions(state, bt.next_obs, jax.random.PRNGKey(2), cfg, (10.0, 0.3))
    d = np.abs(np.asarray(a1 - a0))
    assert d.max() <= 0.3 + 1e-6 and d.max() > 0.29          # |eps| <= c (half range 1), and reached
    assert bool(jnp.all((a1 >= -1) & (a1 <= 1)))
    upd = jax.jit(lambda s, k: matd3.update(s, bt, k, cfg))
    s1, _ = upd(state, jax.random.PRNGKey(3))                 # step 0: actor and targets move
    s2, _ = upd(s1, jax.random.PRNGKey(4))                    # step 1: only the critics move (delay 2)
    changed = lambda a, b: any(bool(jnp.any(x != y)) for x, y in zip(jax.tree_util.tree_leaves(a),
                                                                       jax.tree_util.tree_leaves(b)))
    assert changed(state["actor"], s1["actor"]) and changed(state["critic_t"], s1["critic_t"])
    assert not changed(s1["actor"], s2["actor"]) and not changed(s1["actor_t"], s2["actor_t"])
    assert not changed(s1["critic_t"], s2["critic_t"]) and changed(s1["critic"], s2["critic"])


def facmac_min_mixing_slope(seed=0):
    """min over random mixers, states and utilities of dQ_tot/dQ_i (monotonicity: >= 0)."""
    cfg = B.default_config("facmac")
    mix = facmac._mixer(cfg)
    k = jax.random.split(jax.random.PRNGKey(seed), 3)
    s = jax.random.normal(k[0], (64, 6)) * 2
    q = jax.random.normal(k[1], (64, 5)) * 3
    slopes = []
    for kk in jax.random.split(k[2], 4):
        p = jax.jit(mix.init)(kk, s[0], q[0])
        g = jax.jit(jax.vmap(jax.grad(lambda qq, ss: mix.apply(p, ss, qq))))(q, s)
        slopes.append(float(g.min()))
    return min(slopes)


def test_facmac_mixer_is_monotonic_and_planted_signed_weights_are_caught(monkeypatch):
    assert facmac_min_mixing_slope() >= 0.0
    monkeypatch.setattr(facmac, "nonnegative", lambda w: w)    # planted: signed mixing weights
    assert facmac_min_mixing_slope() < 0.0


def test_facmac_target_and_critic_input():
    """y = sum_i r_i + gamma (1 - d) Q'_tot(s', mu'(o')), checked against the pieces evaluated separately."""
    cfg = {**B.default_config("facmac"), "actor_out": "tanh", "use_done": True}
    spec, bt = _probe()
    state = jax.jit(lambda k: facmac.init(k, spec, cfg))(jax.random.PRNGKey(0))
    a2 = np.stack([np.asarray(common_actor(state, i, bt.next_obs[:, i], cfg)) for i in range(3)], 1)
    util = facmac._utility(cfg)
    q = np.stack([np.asarray(jax.jit(util.apply)(jax.tree_util.tree_map(lambda p: p[i], state["critic_t"]["util"]),
                                        np.concatenate([np.asarray(bt.next_obs[:, i]), a2[:, i]], -1)))[:, 0]
                  for i in range(3)], 1)
    qt = np.asarray(facmac._mixer(cfg).apply(state["critic_t"]["mixer"], bt.next_state, q))
    y_or = np.asarray(bt.rew).sum(1) + cfg["gamma"] * qt
    assert np.abs(np.asarray(facmac.td_target(state, bt, None, cfg)) - y_or).max() < 1e-5


def test_qdcg_critic_is_the_coordination_graph_sum():
    """Q_CG = mean_i f^v + mean_{i<j} sym f^e on the complete graph; only utilities on the empty graph."""
    spec, bt = _probe()
    for graph, n_edges in (("complete", 3), ("empty", 0)):
        cfg = {**B.default_config("qdcg-centralized"), "graph": graph}
        state = jax.jit(lambda k: qdcg.init(k, spec, cfg))(jax.random.PRNGKey(0))
        assert state["critic"]["edges"].shape == (n_edges, 2)
        net = qdcg.MLP(1, cfg["hidden"], cfg["layers"])
        z = [np.concatenate([bt.obs[:, i], bt.act[:, i], np.tile(np.eye(3)[i], (16, 1))], -1) for i in range(3)]
        f = lambda p, x: np.asarray(jax.jit(net.apply)(state["critic"][p], x))[:, 0]
        q = sum(f("util", z[i]) for i in range(3)) / 3
        if n_edges:
            pairs = [(0, 1), (0, 2), (1, 2)]
            q = q + sum((f("pay", np.concatenate([z[i], z[j]], -1)) + f("pay", np.concatenate([z[j], z[i]], -1)))
                        / 2 for i, j in pairs) / 3
        assert np.abs(np.asarray(qdcg.q_cg(state["critic"], bt.obs, bt.act, cfg)) - q).max() < 1e-5
    assert qdcg.edges(4, "system", np.eye(4, k=1, dtype=bool)).tolist() == [[0, 1], [1, 2], [2, 3]]
