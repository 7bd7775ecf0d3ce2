"""Monotone-improvement and convergence checkers (verify.claims.convergence): each catches a planted
false variant, and the building blocks agree with independent computations."""
import numpy as np
import pytest

from verify.claims import convergence as C
from verify.errors import InputError
from verify.registry import Context


def test_step_bounds_on_coordination_game():
    g = C.coordination_game(2)
    assert C.bnac_step_bound(g) == pytest.approx(0.05 ** 3 / (8 * 2 * 3))
    lo, hi = C.phi_range(g)
    assert 0 <= lo < hi <= 3 / 0.05 + 1e-9
    assert C.mpg_thm34_step_bound(g) <= C.mpg_c3_step_bound(g)


def test_monotone_bnac_planted_step_x200_refuted():
    # x100 the bnac bound decreases nothing anywhere searched (the bound is conservative by > 100 on the
    # 2x2 coordination bandit); x200 must be caught
    r = C.check_bnac_lemma_a_5(Context(), multiplier=200.0)
    assert r.verdict == "refuted" and r.reproduce and r.counterexample


def test_monotone_mpg_planted_step_x100_refuted():
    r = C.check_mpg_lemma_c_3(Context(), multiplier=100.0)
    assert r.verdict == "refuted" and r.max_error > 1e-3


def test_monotone_pinned_x100_instance():
    spec = {"gamma": 0.0, "kind": "matrix", "reward": [[1.0, 0.0], [0.0, 1.0]],
            "theta": [-2.2242, -1.681347, -4.596167, -5.139027]}
    r = C.check_mpg_lemma_c_3(Context(instance=spec), multiplier=100.0)
    assert r.verdict == "refuted"
    assert C.check_mpg_lemma_c_3(Context(instance=spec)).verdict == "verified"


@pytest.mark.parametrize("factor", ["1/(1-gamma)", -1.0, 1.01])
def test_npg_identity_planted_refuted(factor):
    assert C.check_mpg_lemma_3_7(Context(), factor=factor).verdict == "refuted"


def test_npg_fisher_is_block_diagonal_scaled_covariance():
    g, p = C.build_instance({"n_agents": 2, "action_sizes": [3, 2], "n_states": 2, "seed": 3,
                             "dag": [[], []], "theta_scale": 1.0, "theta_seed": 4})
    F = C.fisher(g, p, 0)
    d = C.E.visitation_unnormalized(g, p)
    pi = p.local(0)
    for s in range(2):
        blk = F[3 * s:3 * s + 3, 3 * s:3 * s + 3]
        assert np.allclose(blk, d[s] * (np.diag(pi[s]) - np.outer(pi[s], pi[s])), atol=1e-13)


def test_local_advantage_matches_evaluation():
    g, p = C.build_instance({"n_agents": 3, "action_sizes": [2, 3, 2], "n_states": 3, "seed": 1,
                             "reward": "potential", "dag": [[], [], []], "theta_scale": 1.0, "theta_seed": 2})
    for i in range(3):
        assert np.allclose(C.local_advantage(g, p, i), C.E.product_advantage(g, p, i, reward=i), atol=1e-12)


def test_npg_br_corrected_reversed_refuted():
    assert C.check_mpg_theorem_3_8_corrected(Context(), reverse=True).verdict == "refuted"


def test_npg_br_printed_bound_holds_near_uniform_start():
    # the refutation needs a start far from uniform: G = 1 stays within the proof's count
    err, det = C.npg_br_error()(C._family(1))
    assert det["reached"] and err <= 1.0


def test_convergence_reversed_inequality_refuted():
    r = C.check_bnac_theorem_5_5(Context(), reverse=True)
    assert r.verdict == "refuted"


def test_bad_instance_kind_is_input_error():
    with pytest.raises(InputError):
        C.build_instance({"kind": "nope"})
    with pytest.raises(InputError):
        C.fisher(*C.build_instance({"n_agents": 2, "dag": [[], [0]], "theta_scale": 1.0}), 0)


def test_npg_br_theorem_38_profiles_nested():
    """Verdicts monotone in effort: every family and start log-odds of the quick profile is in the paper and
    deep profiles, so the quick refutation is never lost."""
    plans = {p: C.thm38_plan(Context(profile=p)) for p in ("quick", "paper", "deep")}
    for small, big in (("quick", "paper"), ("paper", "deep")):
        assert set(plans[small][0]) <= set(plans[big][0])
        assert all(b in plans[big][1] for b in plans[small][1])
    r = C.check_mpg_theorem_3_8(Context())
    assert r.verdict == "refuted" and r.kind == "missing-hypothesis" and r.found_by == "search"
    assert [x["verdict"] for x in r.readings] == ["refuted", "refuted"]
    fam = next(f for f in r.evidence["families"] if f["grows"])
    assert fam["records"][-1]["steps_over_B"] > 20 * fam["records"][0]["steps_over_B"]


def test_npg_br_growth_criterion_can_fail():
    # a family that does not grow (the same start repeated) is not taken for growth
    rec = {"inner_steps": 10, "reached": True}
    assert not C._grows([dict(rec, G=10), dict(rec, G=100), dict(rec, G=300)])
    assert C._grows([dict(rec, G=10), dict(rec, G=100, inner_steps=100), dict(rec, G=300, inner_steps=300)])


def test_limit_statements_carry_the_reason():
    r = C.check_mpg_theorem_3_4(Context())
    assert r.verdict == "inconclusive" and r.reason == "limit-statement"


def test_monotone_checks_steps_below_the_bound():
    # on the pinned x100 instance the decrease appears at the bound; the one-step check also covers smaller steps
    spec = {"gamma": 0.0, "kind": "matrix", "reward": [[1.0, 0.0], [0.0, 1.0]],
            "theta": [-2.2242, -1.681347, -4.596167, -5.139027]}
    err = C._monotone_error("own", "potential", C.mpg_c3_step_bound, 100.0, 0, 0)
    e, det = err(spec)
    assert e > 1e-3 and det["step_fractions"] == list(C.STEP_FRACTIONS) and min(C.STEP_FRACTIONS) < 1
