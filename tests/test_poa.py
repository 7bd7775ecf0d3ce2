"""Tests of the price-of-anarchy checkers (verify.claims.poa): each checker refutes a planted false
variant (its bound's constant scaled by 10), the exact building blocks agree with independent code in
verify.evaluation, and bad input gives a one-line InputError."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

import verify.claims.poa as P
from verify.errors import InputError
from verify.evaluation import best_response_value, product_advantage, value_mu
from verify.policies import BNPolicy
from verify.registry import Context

Q = Context(profile="quick", seed=0)


# --- planted false variants: every checker must catch them -----------------------------------------

@pytest.mark.parametrize("check", [
    P.check_def_4_1,                 # brute-force POA scaled by 10
    P.check_def_4_2,                 # certified lower bracket of alpha scaled by 10
    P.check_prop_4_3_corrected,      # alpha = 10 kappa lambda
    P.check_thm_4_5_corrected,       # POA bound times 10
    P.check_thm_4_7_corrected,       # threshold of (8) times 10 ((1 + sigma) divided by 10)
    P.check_cor_4_8_corrected,       # same, NPG-BR
])
def test_planted_constant_is_refuted(check):
    assert check(Q).verdict == "verified"
    r = check(Q, factor=10.0)
    assert r.verdict == "refuted", r.notes
    assert r.counterexample and r.reproduce.startswith("python -m verify check mpg:")


def test_planted_reversed_definition_4_4_changes_the_verdict():
    # reading Definition 4.4 as printed (reversed) leaves only exact Nash policies for positive values
    Vi, BR = np.array([1.0, 2.0]), np.array([1.5, 2.0])
    assert P.is_ratio_nash(Vi, BR, 0.4, "proof") and not P.is_ratio_nash(Vi, BR, 0.4, "printed")
    assert P.ratio_nash_eps(Vi, BR) == pytest.approx(1 / 3)


# --- exact building blocks against independent code -------------------------------------------------

SPEC = {"n_agents": 2, "action_sizes": [2, 3], "n_states": 2, "gamma": 0.8, "transition": "dense",
        "reward": "potential", "reward_scale": 1.0, "reward_offset": 0.1, "seed": 7}


def _product(game, locs):
    return BNPolicy.product(game.action_sizes, game.n_states, [np.log(p) for p in locs])


def test_best_response_and_advantage_match_evaluation():
    g = P.build_game(SPEC)
    rng = np.random.default_rng(1)
    st = P.random_policies(g, rng, 1)
    locs = [p[0] for p in st]
    pol = _product(g, locs)
    for i in range(2):
        V, _ = P.best_response(g, locs, i)
        assert float(g.mu @ V) == pytest.approx(best_response_value(g, pol, i, i), rel=1e-10)
        assert np.allclose(P.local_advantage(g, locs, i), product_advantage(g, pol, i, i), atol=1e-10)
    assert float(g.mu @ P.agent_values(g, locs)[0]) == pytest.approx(value_mu(g, pol, 0), rel=1e-12)


def test_reward_smoothness_is_attained_at_vertices():
    g = P.build_game(dict(SPEC, transition="action-independent"))
    lam, mu = P.reward_smoothness(g)
    rng = np.random.default_rng(2)
    pi, pp = P.random_policies(g, rng, 200), P.random_policies(g, rng, 200)
    rdev = sum((P.joint([pp[j] if j == i else pi[j] for j in range(2)]) * g.rewards[i]).sum(axis=(2, 3))
               for i in range(2))
    r1 = (P.joint(pp) * g.rewards.sum(0)).sum(axis=(2, 3))
    r0 = (P.joint(pi) * g.rewards.sum(0)).sum(axis=(2, 3))
    assert (rdev / r1).min() >= lam - 1e-12 and (rdev / r0).max() <= mu + 1e-12


def test_max_gain_br_ends_at_a_nash_policy_and_npg_br_raises_the_potential():
    g = P.build_game(SPEC)
    rng = np.random.default_rng(3)
    locs0 = [p[0] for p in P.random_policies(g, rng, 1)]
    end = P.max_gain_br(g, locs0, 0.0)[-1]
    Vi, BR, _ = P.br_profile(g, end)
    assert np.all(BR - Vi <= 1e-9)
    seq = P.npg_br(g, [np.log(p) for p in locs0], K=20, eps=0.01)
    phis = [float(g.mu @ P.potential_values(g, l)) for l in seq]
    assert len(seq) > 1 and all(b > a + 0.005 for a, b in zip(phis, phis[1:]))


def test_coordination_game_bracket():
    g = P.build_game(P.COORD2)
    C = P.smoothness_constraints(g)
    lo, hi = P.certified_alpha_lo(g, 0.5), C.alpha_interval(0.5)[1]
    assert 0 < lo <= hi <= 1.5 and not C.exact


# --- counterexamples rebuild from their specs; bad input -------------------------------------------

def test_counterexample_reproduces_from_the_command_line():
    r = P.check_thm_4_5(Q)
    spec = r.counterexample["spec"]
    out = subprocess.run([sys.executable, "-m", "verify", "check", "mpg:theorem-4.5", "--instance",
                          json.dumps(spec), "--json"], capture_output=True, text=True, check=False)
    assert json.loads(out.stdout)["claims"][0]["verdict"] == "refuted"


@pytest.mark.parametrize("spec", [
    {"kind": "coordination"},
    dict(SPEC, shifts=[1.0]),
    dict(SPEC, gamma=1.5),
    "not a dict",
])
def test_bad_input(spec):
    with pytest.raises(InputError):
        P.build_game(spec)


def test_certified_bracket_needs_nonnegative_rewards():
    with pytest.raises(InputError):
        P.certified_alpha_lo(P.build_game(dict(SPEC, reward_offset=-2.0)), 0.0)


# --- the verdict calculus: kinds, found_by, witnesses, readings ---------------------------------------

REFUTED = {"mpg:proposition-4.3": "missing-hypothesis", "mpg:theorem-4.5": "missing-hypothesis",
           "mpg:theorem-4.7": "missing-hypothesis", "mpg:corollary-4.8": "missing-hypothesis",
           "mpg:definition-4.4": "reversed-inequality"}


@pytest.mark.parametrize("cid", sorted(REFUTED))
def test_refutations_stand_on_the_search_alone(cid):
    """Without the typed-in witnesses the search still refutes, with a kind and found_by 'search'."""
    from verify.registry import get, to_json
    c = get(cid)
    for w in (True, False):
        r = c.run(Context(witnesses=w))
        j = to_json(c, r)
        assert r.verdict == "refuted" and j["kind"] == REFUTED[cid] and j["found_by"] == "search", r.notes
        assert j["counterexample"]["found_by"] == "search"
        assert r.evidence["witnesses"] == (1 if w else 0) and r.evidence["search_violations"] >= 1
        assert "meets" in r.notes  # the notes state the hypotheses the counterexample meets


def test_witness_alone_is_not_a_verdict():
    specs = P.Specs([{"w": 1}, {"s": 1}])
    specs.n_witness = 1
    r = P._verdict("x", specs, lambda s: {"ratio": 2.0 if "w" in s else 0.5, "certified": True})
    assert r.verdict == "inconclusive" and r.evidence["witness_violations"] == 1


def test_given_instance_is_found_by_given():
    spec = P.THM45_FIXED[0]
    r = P.check_thm_4_5(Context(instance=spec))
    assert r.verdict == "refuted" and r.found_by == "given"


@pytest.mark.parametrize("check, n", [(P.check_def_4_1, 2), (P.check_def_4_2, 2), (P.check_prop_4_3, 2),
                                      (P.check_thm_4_5, 2), (P.check_thm_4_7, 2), (P.check_cor_4_8, 3)])
def test_readings_recorded_and_verdict_derived(check, n):
    from verify.registry import from_readings
    r = check(Q)
    assert r.readings and len(r.readings) == n
    assert sum(bool(x.get("holds")) for x in r.readings) >= 1
    assert all("text supports" in x["notes"] or "exclude" in x["notes"] for x in r.readings)
    assert r.verdict == from_readings([x for x in r.readings if x["text_supports"]])


def test_definition_4_4_checker_catches_the_reversal():
    """The corrected checker passes with the proofs' inequality and refutes the printed (reversed) one."""
    specs = P._specs(Q, [], P._def44_sample, 8)
    assert P._verdict("x", specs, lambda s: P.def44_instance(s, "proof")).verdict == "verified"
    assert P._verdict("x", specs, lambda s: P.def44_instance(s, "printed")).verdict == "refuted"


def test_theorem_4_5_readings_of_definition_4_4_differ_where_they_should():
    """With positive values and eps > 0 no policy is eps-ratio-Nash as printed: the printed reading of
    Theorem 4.5 only sees eps = 0 policies, the proofs' reading sees eps = 0.1 ones too."""
    spec = {"n_agents": 1, "action_sizes": [2], "n_states": 1, "gamma": 0.0, "transition": "dense", "reward": "team",
            "reward_scale": 1.0, "reward_offset": 0.5, "seed": 1, "beta": 0.0}
    a = P.thm45_instance(dict(spec, eps=0.1), True, def44="printed")
    b = P.thm45_instance(dict(spec, eps=0.1), True, def44="proof")
    assert a["ratio"] is None and b["ratio"] is not None
