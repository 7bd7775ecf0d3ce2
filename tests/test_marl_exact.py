"""Exact evaluation of BN-MAPPO policies on the Coordination Game: the context-dependent Nash gap agrees
with the exact engine's best responses on fixed DAGs, and a trained policy's exact return agrees with its
Monte Carlo return."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from verify.marl import exact
from verify.marl.bnmappo import make_evaluate, make_train, variant_data


def _loc_from_thetas(thetas, parents, N):
    """loc[s, a, i] = softmax(theta^i)[s, a^{P^i}, a^i] for every joint action a (C-order bits)."""
    bits = exact.state_bits(N)
    S = 2 ** N
    loc = np.zeros((S, 2 ** N, N))
    for i, ps in enumerate(parents):
        p = np.asarray(jax.nn.softmax(thetas[i], axis=-1))
        for ai, a in enumerate(bits):
            idx = tuple(a[j] for j in ps) + (a[i],)
            loc[:, ai, i] = p[(slice(None),) + idx]
    return loc


@pytest.mark.parametrize("N,dag", [(2, "full"), (3, "line"), (3, "full"), (3, "uncorrelated")])
def test_context_nash_gap_matches_engine_on_fixed_dags(N, dag):
    from verify.experiments import core
    parents = core.dag_parents(dag, N)
    game = core.coord_game(N)
    thetas = core.init_thetas(jax.random.PRNGKey(7 + N), parents, 2 ** N, scale=2.0)
    ref, ok = core.nash_gaps(game, thetas, parents)
    assert bool(ok)
    loc = _loc_from_thetas(thetas, parents, N)
    G = np.zeros((2 ** N, N, N))
    for i, ps in enumerate(parents):
        G[:, list(ps), i] = 1.0
    pi = exact.joint_from_tables(loc)
    assert np.allclose(pi, np.asarray(core.joint_policy(thetas, parents)), atol=1e-12)
    gaps = exact.nash_gaps(loc, G, N)
    assert np.allclose(gaps, np.asarray(ref), atol=1e-9), (gaps, ref)
    # a planted error (the best response told the wrong parents) changes the gaps whenever parents exist
    if any(parents):
        G_bad = np.zeros_like(G)
        assert not np.allclose(exact.nash_gaps(loc, G_bad, N), np.asarray(ref), atol=1e-6)


def test_trained_policy_exact_return_matches_monte_carlo():
    N = 2
    tr = make_train(env_kwargs={"n_agents": N}, total_steps=640 * 8)
    v = variant_data("context", N)
    out = jax.jit(tr)(jax.random.PRNGKey(0), v)
    params = out["runner"].params
    loc, G = exact.policy_tables(tr, params, v)
    pi = exact.joint_from_tables(loc)
    m = exact.exact_metrics(pi, N, T=20)
    ev = jax.jit(make_evaluate(tr, n_episodes=4000))(params, v, jax.random.PRNGKey(1))
    d = np.asarray(ev["disc_return"], np.float64)
    se = d.std(ddof=1) / np.sqrt(d.size)
    assert abs(d.mean() - m["return_T"]) < 4 * se, (d.mean(), m["return_T"], se)
    assert 0.0 < m["poa"] <= 1.0 + 1e-12
    # the comparison can fail: the infinite-horizon J differs from the 20-step return by far more than 4 SE
    assert abs(d.mean() - m["J"]) > 4 * se
