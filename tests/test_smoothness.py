"""Checkers of the smoothness, Lipschitz and representation claims (verify.claims.smoothness): the exact
Hessian agrees with the independent oracle, each checker accepts the true statement on a fixed instance and
refutes planted false variants (the constant divided by 10 -- or by more where the printed constant is
more than 10x loose and C/10 is itself true --, the inequality reversed)."""
import dataclasses

import numpy as np
import pytest

from verify import oracles as O
from verify.claims import smoothness as M
from verify.errors import InputError
from verify.policies import DAG, BNPolicy, joint_from_policy_table
from verify.registry import Context

# one agent, two actions, one state, gamma = 0, r = (0, 1): sup ||Hessian V|| = 2 max|sigma''| = 1/(3 sqrt 3)
TINY = {"n_agents": 1, "action_sizes": [2], "n_states": 1, "gamma": 0.0, "transition": "dense", "reward": "team",
        "reward_scale": 1.0, "reward_offset": 0.0, "seed": 1, "dag": [[]], "theta_scale": 1.0, "theta_seed": 3,
        "r_table": [[0.0, 1.0]]}
BN = {"n_agents": 3, "action_sizes": [2, 3, 2], "n_states": 2, "gamma": 0.9, "transition": "dense", "reward": "team",
      "reward_scale": 10.0, "reward_offset": -5.0, "seed": 1, "dag": [[], [0], [0, 1]], "theta_scale": 1.0,
      "theta_seed": 3}


def test_padded_hessian_matches_oracle():
    """The padded implementation's Hessian (V and the bnrate L_lambda) equals verify.oracles' (another JAX code)."""
    game, pol, r = M.build(BN)
    pd = M.Padded(game, pol)
    f = M.fns(pd.name)
    for lam in (0.0, 0.7):
        H = np.asarray(f["hess"](pd.theta(), pd.reward(r), lam, pd.aux))[:pd.n, :pd.n]
        H2 = O.jax_value_hessian(game, pol, barrier=lam)
        assert np.abs(H - H2).max() <= 1e-10 * max(1.0, np.abs(H2).max())


def test_tiny_search_finds_the_known_supremum():
    res = M.hessian_search(TINY, 3, 10)
    assert abs(res["norm"] - 1 / (3 * np.sqrt(3))) < 1e-5


@pytest.mark.parametrize("kind", ["bnac:lemma-a.3", "bnrate:lemma-4", "mpg:lemma-3.2/corrected"])
def test_hessian_checkers_accept_true_and_refute_planted(kind):
    spec = dict(TINY, **({"lambda": 0.1} if kind == "bnrate:lemma-4" else {}),
                **({"kind": "potential", "reward": "potential"} if kind.startswith("mpg") else {}))
    true = M.hessian_ratio(kind, spec, 2, 8)
    assert M.bound_status([true["ratio"]])[0] == "holds"
    # the printed constants are ~40x loose here (sup ratio 0.024 for A.3): C/10 is still true, so the planted
    # constant is C/100, which is false on this instance
    planted = M.hessian_ratio(kind, spec, 2, 8, factor=0.01)
    assert M.bound_status([planted["ratio"]])[0] == "fails"
    # the inequality reversed (||Hessian|| >= C) fails
    assert M.bound_status([true["min_ratio"]], ">=")[0] == "fails"


def test_mpg_3_2_printed_refuted_by_the_minimal_game():
    q = M.hessian_ratio("mpg:lemma-3.2", dict(M.MPG_PHI_COUNTEREXAMPLE), 1, 0)
    assert q["ratio"] > 1.8 and abs(q["norm"] - 100 / (3 * np.sqrt(3))) < 1e-9


def test_c1_checker():
    spec = {"action_sizes": [2, 3], "seed": 4, "theta_scale": 1.0, "c_scale": 1.0, "c_offset": 0.0,
            "adversarial_reward": True}
    true = M.c1_ratio(spec, 2, 8)
    assert M.bound_status([true["ratio"]])[0] == "holds"
    # sup ||Hess F_s|| / ||c||_inf is ~0.5 while N max(5, sqrt N) = 10 here: C/10 is true, C/100 is not
    assert M.bound_status([M.c1_ratio(spec, 2, 8, factor=0.01)["ratio"]])[0] == "fails"
    assert M.bound_status([true["min_ratio"]], ">=")[0] == "fails"


def test_c1_hessian_matches_value_hessian():
    """F_s with c = r is V at gamma = 0, one state: compare with verify.oracles' Hessian."""
    spec = {"n_agents": 2, "action_sizes": [2, 3], "n_states": 1, "gamma": 0.0, "transition": "dense",
            "reward": "team", "reward_scale": 1.0, "reward_offset": 0.0, "seed": 2, "dag": [[], []],
            "theta_scale": 1.0, "theta_seed": 5}
    game, pol, r = M.build(spec)
    inst = M.C1Instance([2, 3])
    H = inst.top_H(pol.flat(), r[0])
    assert np.abs(H - O.jax_value_hessian(game, pol)).max() < 1e-12


def test_a1_checkers():
    spec = dict(BN, n_states=1, gamma=0.9)
    game, pol, r = M.build(spec)
    pd = M.Padded(game, pol)
    R = float(r.max() - r.min())
    rng = np.random.default_rng(0)
    x = pol.flat()
    y = x + 0.5 * rng.standard_normal(x.size)
    q = M.a1_ratios(pd, pd.theta(x), pd.theta(y), pd.reward(r), R)
    assert q["eq4"] <= 0.45 + 1e-12 and q["eq5_corrected"] <= 1
    # reversed inequalities fail
    assert M.bound_status([q["eq4"]], ">=")[0] == "fails"
    assert M.bound_status([q["eq5_corrected"]], ">=")[0] == "fails"
    # eq. (4) with C/100 fails on one agent, one state, gamma = 0.9, where the exact ratio is gamma (1-gamma)/2
    # = 0.045 on every pair (so C/10 is still true there)
    one = dict(TINY, gamma=0.9)
    b = M.pair_search(one, "eq4", 1, 0)
    assert abs(b["ratio"] - 0.045) < 1e-9
    assert M.bound_status([M.pair_search(one, "eq4", 1, 0, factor=0.01)["ratio"]])[0] == "fails"
    cx = dict(M.A1_COUNTEREXAMPLE)
    assert M.pair_search(cx, "eq5", 1, 0)["ratio"] > 10          # the printed (5) fails
    assert M.pair_search(cx, "eq5_corrected", 1, 0)["ratio"] <= 1  # (5') holds
    assert M.pair_search(cx, "eq5_corrected", 1, 0, factor=0.1)["ratio"] > 1


def test_a2_checker():
    spec = dict(TINY, gamma=0.5)
    true = M.a2_search(spec, 2, 3)
    assert M.bound_status([true["ratio"]])[0] == "holds"
    # the constant 8R/(1-gamma)^3 is > 100x loose here: planted C/1000
    assert M.bound_status([M.a2_search(spec, 2, 3, factor=1e-3)["ratio"]])[0] == "fails"
    game, pol, r = M.build(spec)
    pd = M.Padded(game, pol)
    x = pol.flat()
    assert M.bound_status([M.a2_ratio_pair(pd, x, x + 0.3, pd.reward(r), 1.0)], ">=")[0] == "fails"


def test_remark4_pieces():
    pi = np.array([[[0.4, 0.1], [0.1, 0.4]]])
    assert np.abs(joint_from_policy_table(pi, DAG.full(2)).joint() - pi).max() < 1e-15
    q = M.chain_rule_projection(pi, DAG.empty(2))
    assert np.abs(q - 0.25).max() < 1e-15          # the best product policy is uniform: pi is not a product
    assert len(M.all_dags(3)) == 25 and sum(M.is_complete(d) for d in M.all_dags(3)) == 6
    # planted: claim that the empty DAG represents pi -> the KL gap is positive, the checker says no
    assert np.sum(pi * np.log(pi / q)) > 0.1
    pz = np.array([[[0.5, 0.0], [0.0, 0.5]]])
    errs = [np.abs(M.theta_with_floor(pz, DAG.full(2), m).joint() - pz).max() for m in (5, 10, 20)]
    assert errs[0] > errs[1] > errs[2] > 0        # reached only in the limit
    r = M.check_bnac_remark_4(Context())
    assert r.verdict == "verified"


def test_bad_input_is_one_line_error():
    with pytest.raises(InputError):
        M.build(dict(TINY, r_table=[[0.0]]))
    with pytest.raises(InputError):
        M.c1_search({"action_sizes": [11, 11, 11]}, 1, 1)
