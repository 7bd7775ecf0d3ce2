"""The differentiable DAG learner (bnac Sec. 6.1) and the density regularizer (Secs. 6.3, 7.4.4)."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from hypothesis import given, settings, strategies as st

from verify.marl import dag as D


@st.composite
def logits_and_key(draw):
    N = draw(st.integers(2, 6))
    f = st.floats(-1e3, 1e3, allow_nan=False, width=32)
    pl = np.array(draw(st.lists(f, min_size=N * N, max_size=N * N)), np.float32).reshape(N, N)
    el = np.array(draw(st.lists(f, min_size=2 * N * N, max_size=2 * N * N)), np.float32).reshape(N, N, 2)
    seed = draw(st.integers(0, 2 ** 31 - 1))
    tau = draw(st.sampled_from([0.1, 1.0, 5.0]))
    return pl, el, seed, tau


_dag = jax.jit(D.learned_dag, static_argnames=("n_iter", "learn_perm"))


@settings(max_examples=40, deadline=None)
@given(logits_and_key())
def test_learned_dag_is_a_dag_for_any_logits_and_key(x):
    pl, el, seed, tau = x
    N = pl.shape[0]
    for noise in (D.sample_noise(jax.random.PRNGKey(seed), N), D.zero_noise(N)):
        G = np.asarray(_dag(jnp.asarray(pl), jnp.asarray(el), noise, tau_perm=tau, tau_edge=tau, n_iter=20))
        assert D.is_dag(G), G
        assert 0.0 <= float(D.density(G)) <= 1.0


def test_is_dag_rejects_cycles_and_non_binary():
    assert not D.is_dag(np.array([[0, 1], [1, 0]]))
    assert not D.is_dag(np.array([[1, 0], [0, 0]]))
    assert not D.is_dag(np.array([[0, 0.5], [0, 0]]))
    assert D.is_dag(np.triu(np.ones((4, 4)), 1))
    # Pi^T U Pi with U not strictly upper triangular can be cyclic: the check would see it
    U = np.array([[0, 1, 0], [0, 0, 1], [1, 0, 0]], float)
    assert not D.is_dag(U)


def test_permutation_is_a_permutation_and_sinkhorn_doubly_stochastic():
    key = jax.random.PRNGKey(1)
    l = jax.random.normal(key, (5, 5)) * 3
    P = D.gumbel_sinkhorn(l, D.sample_noise(key, 5).perm, tau=1.0, n_iter=100)
    assert np.allclose(P.sum(0), 1, atol=1e-4) and np.allclose(P.sum(1), 1, atol=1e-4)
    H = np.asarray(D.hard_permutation(P))
    assert np.array_equal(H.sum(0), np.ones(5)) and np.array_equal(H.sum(1), np.ones(5))
    # the matching maximizes sum_k P[k, sigma(k)] (brute force over 5! permutations)
    import itertools
    best = max(sum(float(P[k, s[k]]) for k in range(5)) for s in itertools.permutations(range(5)))
    assert np.isclose(float((H * np.asarray(P)).sum()), best, atol=1e-5)


def test_straight_through_gradients_reach_edge_and_permutation_logits():
    N = 4
    key = jax.random.PRNGKey(3)
    pl = jax.random.normal(key, (N, N))
    el = jax.random.normal(jax.random.PRNGKey(4), (N, N, 2))
    noise = D.sample_noise(key, N)
    W = jax.random.normal(jax.random.PRNGKey(5), (N, N))

    def f(pl, el):
        return jnp.sum(D.learned_dag(pl, el, noise) * W)

    gp, ge = jax.grad(f, argnums=(0, 1))(pl, el)
    assert float(jnp.abs(gp).sum()) > 1e-6 and float(jnp.abs(ge).sum()) > 1e-6
    # the check can fail: the hard (non straight-through) DAG passes no gradient
    def hard(pl, el):
        Pi = D.hard_permutation(D.gumbel_sinkhorn(pl, noise.perm))
        y = jax.nn.softmax(el + noise.edge, axis=-1)
        U = jax.nn.one_hot(jnp.argmax(y, -1), 2)[..., 1] * D.triu_mask(N)
        return jnp.sum(D.dag_from(Pi, U) * W)

    hp, he = jax.grad(hard, argnums=(0, 1))(pl, el)
    assert float(jnp.abs(hp).sum()) == 0.0 and float(jnp.abs(he).sum()) == 0.0
    # the forward pass is exactly the hard DAG
    assert np.array_equal(np.asarray(D.learned_dag(pl, el, noise)), np.asarray(
        D.dag_from(D.hard_permutation(D.gumbel_sinkhorn(pl, noise.perm)),
                   jax.nn.one_hot(jnp.argmax(el + noise.edge, -1), 2)[..., 1] * D.triu_mask(N))))


def test_density_and_fixed_dags():
    for N in (2, 5, 10):
        assert float(D.density(D.fixed_dag("full", N))) == 1.0
        assert float(D.density(D.fixed_dag("uncorrelated", N))) == 0.0
        assert np.isclose(float(D.density(D.fixed_dag("line", N))), 2.0 / N)
    assert np.isclose(float(D.density_penalty(D.fixed_dag("full", 4), 0.5, 0.2)), 0.4)


def test_annealing_schedule():
    kw = dict(a=0.2, b=0.6, c=0.8, l_eta=4, l_alpha=2, alpha_start=0.1, alpha_end=1.0)
    eta = lambda f: float(D.annealing(f, **kw)[0])
    alpha = lambda f: float(D.annealing(f, **kw)[1])
    assert eta(0.0) == eta(0.19) == 1.0
    assert np.isclose(eta(0.21), 1.0) and np.isclose(eta(0.31), 0.75) and np.isclose(eta(0.59), 0.25)
    assert eta(0.6) == eta(1.0) == 0.0
    assert np.isclose(alpha(0.5), 0.1) and np.isclose(alpha(0.71), 0.55) and np.isclose(alpha(0.81), 1.0)
    assert np.isclose(alpha(1.0), 1.0)
