"""The sampled environments of verify.marl: the Coordination Game agrees in distribution with the exact engine
(bnac Sec. 7.1, Algorithm 1); Aloha follows its stated rules (Sec. 7.1)."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import stats

from verify.errors import InputError
from verify.games import coordination_reward
from verify.marl.envs import AlohaEnv, CoordinationGameEnv, coordination_reward_jnp, grid_neighbours, make_env


@pytest.mark.parametrize("N", [1, 2, 3, 4, 5, 6])
def test_reward_is_algorithm_1(N):
    bits = np.array(list(np.ndindex(*(2,) * N)))
    r = np.asarray(coordination_reward_jnp(jnp.asarray(bits)))
    assert np.array_equal(r, [coordination_reward(b) for b in bits])


def _state_index(s):
    N = s.shape[-1]
    return (s * (2 ** np.arange(N)[::-1])).sum(-1)


def _sampled_states(env, p1, n_ep, T, seed):
    """Run n_ep episodes of env under the product policy P(a^i = 1 | s) = p1[s, i]; states (n_ep, T, N),
    rewards (n_ep, T)."""
    N = env.n_agents
    w = jnp.asarray(2 ** np.arange(N)[::-1])

    def episode(key):
        k0, key = jax.random.split(key)
        st, ts = env.reset(k0)

        def step(c, _):
            st, key = c
            key, ka, ke = jax.random.split(key, 3)
            s_idx = jnp.sum(st.s * w)
            a = jax.random.bernoulli(ka, jnp.asarray(p1)[s_idx]).astype(jnp.int32)
            st2, ts2 = env.step(ke, st, a)
            return (st2, key), (st.s, ts2.reward, ts2.done)

        _, out = jax.lax.scan(step, (st, key), None, length=T)
        return out

    s, r, d = jax.jit(jax.vmap(episode))(jax.random.split(jax.random.PRNGKey(seed), n_ep))
    return np.asarray(s), np.asarray(r), np.asarray(d)


def _exact_state_dists(N, p1, T):
    """d_t = mu P_pi^t from the exact engine (verify.experiments.core), pi the product policy p1."""
    from verify.experiments.core import coord_game, product_joint, push_forward
    game = coord_game(N)
    local = np.stack([np.stack([1 - p1[:, i], p1[:, i]], axis=-1) for i in range(N)])   # (N, S, 2)
    pi = product_joint(jnp.asarray(local))
    P = np.asarray(push_forward(game, pi))
    d = np.asarray(game.mu)
    out = []
    for _ in range(T):
        out.append(d)
        d = d @ P
    return np.array(out), np.asarray(game.r)


def _chi2_pvalues(states, dists):
    ps = []
    for t in range(dists.shape[0]):
        counts = np.bincount(_state_index(states[:, t]), minlength=dists.shape[1])
        exp = dists[t] * counts.sum()
        ps.append(stats.chisquare(counts, exp).pvalue)
    return np.array(ps)


@pytest.mark.parametrize("N", [2, 3])
def test_sampled_coordination_game_matches_exact_engine(N):
    rng = np.random.default_rng(N)
    p1 = rng.uniform(0.05, 0.95, size=(2 ** N, N))
    T = 5
    env = CoordinationGameEnv(N)
    s, r, _ = _sampled_states(env, p1, 8000, T, seed=N)
    dists, rew = _exact_state_dists(N, p1, T)
    p = _chi2_pvalues(s, dists)
    assert p.min() > 1e-4, p
    # the reward of every step is r(s_t) of Algorithm 1
    assert np.array_equal(r, rew[_state_index(s)])
    # the same test rejects a planted error (eps = 0.2 instead of 0.1)
    s_bad, _, _ = _sampled_states(CoordinationGameEnv(N, eps=0.2), p1, 8000, T, seed=N)
    assert _chi2_pvalues(s_bad, dists).min() < 1e-4


def test_coordination_episode_length_and_reset():
    env = CoordinationGameEnv(2)
    _, _, d = _sampled_states(env, np.full((4, 2), 0.5), 4, 45, seed=0)
    assert np.array_equal(np.nonzero(d[0])[0], [19, 39])          # 20-step episodes (Table 2)
    assert CoordinationGameEnv(2, episode_length=25).episode_length == 25


def test_aloha_rules():
    env = AlohaEnv(p_message=0.0)
    adj = grid_neighbours(2, 5)
    assert adj.sum() == 2 * (2 * 4 + 5 * 1)                       # 13 undirected edges of the 2 x 5 array
    st, ts = env.reset(jax.random.PRNGKey(0))
    a = jnp.zeros(10, jnp.int32).at[jnp.array([0, 2, 9])].set(1)  # 0, 2, 9 send, no two are neighbours
    st2, ts2 = env.step(jax.random.PRNGKey(1), st, a)
    assert np.isclose(float(ts2.reward), 0.3)
    assert np.array_equal(np.asarray(st2.backlog), np.where(np.isin(np.arange(10), [0, 2, 9]), 0, 1))
    a = jnp.zeros(10, jnp.int32).at[jnp.array([0, 1])].set(1)     # neighbours collide: -10 each
    _, ts3 = env.step(jax.random.PRNGKey(1), st, a)
    assert np.isclose(float(ts3.reward), -20.0)
    # an empty backlog transmits nothing
    _, ts4 = env.step(jax.random.PRNGKey(1), st2, jnp.ones(10, jnp.int32).at[1].set(0))
    assert float(ts4.reward) < 0                                  # islands 3..8 still collide
    # arrivals with probability 0.6, capped
    env6 = AlohaEnv(backlog_cap=2)
    st = env6.reset(jax.random.PRNGKey(0))[0]
    for k in range(5):
        st, _ = env6.step(jax.random.PRNGKey(k), st, jnp.zeros(10, jnp.int32))
    assert int(st.backlog.max()) <= 2


def test_aloha_arrival_rate():
    env = AlohaEnv(initial_backlog=0, backlog_cap=5)
    keys = jax.random.split(jax.random.PRNGKey(3), 4000)
    st = env.reset(keys[0])[0]
    b = jax.vmap(lambda k: env.step(k, st, jnp.zeros(10, jnp.int32))[0].backlog)(keys)
    m = float(np.asarray(b).mean())
    assert abs(m - 0.6) < 4 * np.sqrt(0.24 / b.size)


def test_bad_input():
    with pytest.raises(InputError):
        CoordinationGameEnv(0)
    with pytest.raises(InputError):
        AlohaEnv(p_message=1.5)
    with pytest.raises(InputError):
        make_env("nope")
