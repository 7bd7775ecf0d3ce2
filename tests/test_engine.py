"""The exact engine against brute force and first principles."""
import itertools

import numpy as np
import pytest

from verify import evaluation as E
from verify.errors import InputError
from verify.games import coordination_game, coordination_reward, make_game, random_game
from verify.policies import DAG, BNPolicy, joint_from_policy_table


def test_coordination_game_matches_algorithm_1_and_table_1():
    g = coordination_game(3)
    assert g.gamma == 0.95 and np.allclose(g.mu, 1 / 8) and g.n_states == 8 and g.action_sizes == (2, 2, 2)
    # Algorithm 1, N = 3 (difference bound 1): counts (c0, c1)
    assert coordination_reward([0, 0, 0]) == 3.0   # |3-0| > 1, c0 > c1
    assert coordination_reward([1, 1, 1]) == 2.0
    assert coordination_reward([0, 0, 1]) == 0.0   # |2-1| <= 1, c0 >= c1
    assert coordination_reward([0, 1, 1]) == 1.0
    assert coordination_reward([0, 0, 1, 1, 1]) == 1.0  # N = 5, bound 2
    assert coordination_reward([0, 0, 0, 0, 1]) == 3.0
    # P(s'^i = 0 | a^i = 0) = 1 - eps, independently of s and of the other agents
    P = g.P.reshape(8, 2, 2, 2, 2, 2, 2)
    assert np.isclose(P[5, 0, 1, 0].sum(axis=(1, 2))[0], 0.9)
    assert np.isclose(P[2, 0, 1, 0, 0, 0, 0], 0.9 * 0.9 * 0.1)


@pytest.mark.parametrize("bad, msg", [
    (dict(gamma=1.0), "gamma"), (dict(gamma=-0.1), "gamma"), (dict(gamma=float("nan")), "gamma"),
    (dict(P_scale=1.1), "sums to"), (dict(nan_reward=True), "NaN"), (dict(mu=[0.5, 0.6]), "mu"),
])
def test_malformed_games_are_rejected_in_one_line(bad, msg):
    P = np.full((2, 2, 2), 0.5) * bad.get("P_scale", 1.0)
    r = np.zeros((2, 2))
    if bad.get("nan_reward"):
        r[0, 0] = np.nan
    with pytest.raises(InputError, match=msg) as e:
        make_game(P, r, bad.get("mu", [0.5, 0.5]), bad.get("gamma", 0.9))
    assert "\n" not in str(e.value)


def test_cyclic_dag_rejected():
    with pytest.raises(InputError, match="cycle"):
        DAG.from_adjacency([[0, 1, 0], [0, 0, 1], [1, 0, 0]])


def test_dag_constructors_agree_and_any_topological_order():
    d = DAG.from_adjacency([[0, 1, 1], [0, 0, 1], [0, 0, 0]])
    assert d == DAG.full(3) and d.is_fully_correlated()
    rng = np.random.default_rng(0)
    for _ in range(20):
        dag = DAG.random(5, rng)
        order = dag.topological_order()
        pos = {a: k for k, a in enumerate(order)}
        assert all(pos[j] < pos[i] for j, i in dag.edges)


def test_empty_dag_is_product_and_dense_dag_any_joint():
    rng = np.random.default_rng(1)
    p = BNPolicy.random(DAG.empty(3), (2, 3, 2), 2, rng)
    prod = np.einsum("sa,sb,sc->sabc", p.local(0), p.local(1), p.local(2))
    assert np.allclose(p.joint(), prod)
    pi = rng.dirichlet(np.ones(12), size=2).reshape(2, 2, 3, 2)
    q = joint_from_policy_table(pi, DAG.full(3))
    assert np.allclose(q.joint(), pi, atol=1e-12)


def test_sampling_matches_joint():
    rng = np.random.default_rng(2)
    p = BNPolicy.random(DAG.line(3), (2, 2, 2), 1, rng)
    counts = np.zeros((2, 2, 2))
    for _ in range(4000):
        counts[p.sample(0, rng)] += 1
    assert np.abs(counts / 4000 - p.joint()[0]).max() < 0.04


def test_values_by_bellman_and_by_rollout_sum():
    g = random_game({"action_sizes": [2, 3], "n_states": 3, "seed": 4, "gamma": 0.8})
    p = BNPolicy.random(DAG.from_parents([[], [0]]), g.action_sizes, 3, np.random.default_rng(3))
    V = E.value(g, p)
    Q = E.q_values(g, p)
    pi = p.joint()
    assert np.allclose((pi * Q).sum(axis=(1, 2)), V)
    # d sums to 1/(1-gamma); the normalized one to 1; and V(mu) = sum_s d(s) r_pi(s)
    d = E.visitation_unnormalized(g, p)
    assert np.isclose(d.sum(), 1 / (1 - g.gamma)) and np.isclose(E.visitation_normalized(g, p).sum(), 1)
    r_pi = (pi * g.team_reward).sum(axis=(1, 2))
    assert np.isclose(d @ r_pi, E.value_mu(g, p))
    # truncated series
    P_pi = np.einsum("sa,sat->st", p.joint_flat(), g.P_flat)
    acc, x = np.zeros(3), g.mu.copy()
    for t in range(400):
        acc += g.gamma ** t * x
        x = x @ P_pi
    assert np.allclose(acc, d)


def test_q_subset_and_advantage_definitions():
    g = random_game({"action_sizes": [2, 2, 2], "n_states": 2, "seed": 5})
    p = BNPolicy.random(DAG.full(3), g.action_sizes, 2, np.random.default_rng(4))
    Q, pi = E.q_values(g, p), p.joint()
    q1 = E.q_subset(g, p, [1])
    for s, a1 in itertools.product(range(2), range(2)):
        w = pi[s, :, a1, :]
        assert np.isclose(q1[s, a1], (w * Q[s, :, a1, :]).sum() / w.sum())
    A = E.bn_advantage(g, p, 2)  # parents {0, 1}: A = Q(s, a0, a1, a2) - Q(s, a0, a1)
    q01 = E.q_subset(g, p, [0, 1])
    assert np.allclose(A, Q - q01[..., None])
    # the policy-weighted advantage vanishes
    assert np.allclose((p.local(2) * A).sum(-1), 0)


def _brute_force_best_response(g, p, i):
    """Enumerate agent i's deterministic policies a^i = f(s, a^{P^i})."""
    ps = p.dag.parents[i]
    keys = list(itertools.product(range(g.n_states), *[range(g.action_sizes[j]) for j in ps]))
    best = -np.inf
    for choice in itertools.product(range(g.action_sizes[i]), repeat=len(keys)):
        th = np.full(p.thetas[i].shape, -60.0)
        for k, c in zip(keys, choice):
            th[k + (c,)] = 60.0
        thetas = list(p.thetas)
        thetas[i] = th
        best = max(best, E.value_mu(g, p.with_thetas(thetas)))
    return best


@pytest.mark.parametrize("dag", [[[], []], [[], [0]], [[1], []]])
def test_best_response_against_enumeration(dag):
    g = random_game({"action_sizes": [2, 2], "n_states": 2, "seed": 7, "gamma": 0.7})
    p = BNPolicy.random(DAG.from_parents(dag), g.action_sizes, 2, np.random.default_rng(5))
    for i in range(2):
        assert np.isclose(E.best_response_value(g, p, i), _brute_force_best_response(g, p, i), atol=1e-9)
    assert E.nash_gap(g, p) >= -1e-12


def test_optimal_value_poa_and_gap():
    g = coordination_game(2)
    rng = np.random.default_rng(0)
    p = BNPolicy.random(DAG.full(2), (2, 2), 4, rng)
    vstar = E.optimal_value_mu(g, None)
    # the optimum is attained by a deterministic joint policy; compare with enumeration
    best = -np.inf
    for choice in itertools.product(range(4), repeat=4):
        pi = np.zeros((4, 4))
        pi[np.arange(4), choice] = 1
        best = max(best, E.value_mu(g, pi))
    assert np.isclose(vstar, best)
    assert 0 < E.price_of_anarchy(g, p) <= 1
    assert np.isclose(E.optimality_gap(g, p), vstar - E.value_mu(g, p))
