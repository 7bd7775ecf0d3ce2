"""The near-stationarity and iteration-count checkers (verify/claims/rates.py): the mismatch bracket
against brute force, and every checker refuting a planted false variant (constant divided by 10,
inequality reversed, step size x100, T scaled down)."""
import itertools

import numpy as np
import pytest

from verify.claims import rates as R
from verify.errors import InputError
from verify.evaluation import visitation_unnormalized
from verify.instances import build
from verify.registry import Context

GAME = {"n_agents": 2, "action_sizes": [2, 2], "n_states": 3, "gamma": 0.6, "transition": "dense",
        "reward": "team", "reward_scale": 1.0, "reward_offset": 0.0, "seed": 7, "dag": [[], [0]],
        "theta_scale": 1.0, "theta_seed": 2}
#: one agent, two actions, one state, gamma ~ 0.05: the local curvature of V reaches ~2% of beta_lambda,
#: so a step 100/beta_lambda overshoots (the ascent inequality fails on the first step) while 1/beta_lambda does not
STIFF = {"n_agents": 1, "action_sizes": [2], "n_states": 1, "gamma": 0.052451, "transition": "near-deterministic",
         "reward": "team", "reward_scale": 1.0, "reward_offset": 0.0, "seed": 411884607, "dag": [[]],
         "theta_scale": 1.0, "theta_seed": 1153138759}


def test_mismatch_bracket_matches_brute_force():
    game, _ = build(GAME)
    b = R.mismatch_bracket(game)
    # every deterministic joint policy: max_s max_pi d(s) / min_pi d(s)
    ds = []
    for choice in itertools.product(range(game.n_joint), repeat=game.n_states):
        pi = np.zeros((game.n_states, game.n_joint))
        pi[np.arange(game.n_states), choice] = 1.0
        ds.append(visitation_unnormalized(game, pi))
    ds = np.array(ds)
    brute = float((ds.max(axis=0) / ds.min(axis=0)).max())
    assert b["lower"] == pytest.approx(brute, rel=1e-12)
    assert b["lower"] <= b["upper"] * (1 + 1e-12) and b["upper"] <= b["upper_crude"] * (1 + 1e-9) <= b["upper_naive"]
    assert b["upper"] - b["lower"] < 1e-9 * b["lower"]
    one, _ = build(R._tight_spec("bnrate:lemma-2"))
    assert R.mismatch_bracket(one)["lower"] == pytest.approx(1.0)


@pytest.mark.parametrize("lid", list(R.LEMMAS))
def test_lemma_checker_refutes_planted_variants(lid):
    ctx = Context(instance=R._tight_spec(lid))
    assert R.check_lemma(ctx, lid).verdict == "verified"
    planted = R.check_lemma(ctx, lid, const_scale=0.1 if lid != "bnrate:lemma-3" else 0.05)
    assert planted.verdict == "refuted" and planted.counterexample and planted.reproduce
    assert R.check_lemma(ctx, lid, reversed_=True).verdict == "refuted"


def test_lemma_point_satisfies_hypothesis():
    rec = R.lemma_instance("bnrate:lemma-2", dict(GAME, **{"lambda": 1.0}))
    assert rec["reached"] and rec["grad_norm"] <= rec["threshold"] and rec["probe_grad_norm"] <= rec["threshold"]
    assert rec["gap"] >= rec["gap_at_first_hit"] >= 0


def test_symbolic_checker():
    # as printed: mpg Theorem 3.6 equals the re-derivation; bnrate Theorems 1-2 fall short
    assert R.symbolic_check("mpg:theorem-3.6")["identical"]
    assert not R.symbolic_check("bnrate:theorem-1")["holds"]
    t2 = R.symbolic_check("bnrate:theorem-2")
    assert t2["per_term"]["eps^-2"]["printed/derived"] == "2**(-N)"
    assert t2["per_term"]["eps^-1"]["printed/derived"] == "2**(-N - 2)"
    # the corrected T's are the re-derivations
    assert R.symbolic_check("bnrate:theorem-1", R.T1_CORRECTED)["identical"]
    assert R.symbolic_check("bnrate:theorem-2", R.T2_CORRECTED)["identical"]
    # planted: the constant 328 divided by 10
    planted = R.THEOREMS["mpg:theorem-3.6"]["printed"].replace("328", "32.8")
    r = R.check_theorem(Context(instance={"symbols": {}}), "mpg:theorem-3.6", planted)
    assert r.verdict == "refuted" and "symbols" in r.counterexample


@pytest.mark.parametrize("tid", list(R.THEOREMS))
def test_dynamics_checker_refutes_step_x100_and_small_T(tid):
    spec = dict(STIFF)
    if tid.startswith("mpg"):
        spec["reward"] = "potential"
    ctx = Context(instance=spec)
    T = R.T1_CORRECTED if tid == "bnrate:theorem-1" else R.T2_CORRECTED if tid == "bnrate:theorem-2" else None
    ok = R.check_theorem(ctx, tid, T)
    assert ok.verdict == "verified", ok.notes
    assert R.check_theorem(ctx, tid, T, eta_scale=100.0).verdict == "refuted"      # step size x100
    small = R.check_theorem(ctx, tid, "2")                                           # T scaled down to 2
    assert small.verdict == "refuted" and "reached" in small.notes


def test_bad_input():
    with pytest.raises(InputError):
        R.lemma_instance("bnrate:lemma-2", GAME)   # no lambda
    with pytest.raises(InputError):
        R.symbolic_check("mpg:theorem-3.6", values={"Q": 1})
