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


# ---- bnrate Theorems 1-2: the freedoms the statement leaves ------------------------------------------
from verify import rates_search as RS  # noqa: E402

BANDIT = {"rewards": [0.9, 0.2], "gamma": 0.0, "eps": 0.175}


@pytest.mark.parametrize("tid", ["bnrate:theorem-1", "bnrate:theorem-2"])
def test_freedom_runs_decide_both_ways(tid):
    T = R.THEOREMS[tid]["printed"]
    ok = RS.freedom_run(tid, BANDIT, T)                          # the proof's choices: eps reached well before T
    assert ok["status"] == "holds" and ok["iterations_run"] < ok["T_run"]
    bad = RS.freedom_run(tid, dict(BANDIT, eta_scale=1e-9), T)  # eta <= 1/beta_lambda, far below it
    assert bad["status"] == "fails" and bad["iterations_run"] == bad["T_run"] and bad["min_gap_t<T"] > bad["eps"]
    assert bad["oracle_check"]["gap_error"] < 1e-12 and bad["oracle_check"]["step_error"] < 1e-12
    r = R.check_bnrate_theorem(Context(instance=dict(BANDIT, eta_scale=1e-9)), tid)
    assert r.verdict == "refuted" and r.found_by == "given" and r.kind == "missing-hypothesis" and r.reproduce


def test_freedom_search_finds_each_freedom_on_its_own():
    tid = "bnrate:theorem-1"
    srch = RS.search_freedoms(tid, R.THEOREMS[tid]["printed"], ("eta", "lambda", "theta0"), RS.bandit_bases(0, 1), "quick")
    assert set(srch["first_failure"]) == {"eta", "lambda", "theta0"}
    # each grid starts at the proof's own choice, where the printed T holds
    firsts = {}
    for r in srch["runs"]:
        firsts.setdefault(r["freedom"], r)
    assert all(r["status"] == "holds" for r in firsts.values())


def test_freedom_search_power_near_the_boundary():
    """Plant T x 10 (a violation needs a 10x smaller step): the eta search still finds one, at a smaller eta."""
    tid = "bnrate:theorem-1"
    T = R.THEOREMS[tid]["printed"]
    base = RS.bandit_bases(0, 1)
    e1 = RS.search_freedoms(tid, T, ("eta",), base, "quick")["first_failure"]["eta"]["spec"]["eta_scale"]
    e100 = RS.search_freedoms(tid, f"10*({T})", ("eta",), base, "quick")["first_failure"]["eta"]["spec"]["eta_scale"]
    assert e100 < e1


def test_theorem_proof_claims_fail_at_the_step_and_can_pass():
    # first failure: line 3, L(theta*) - L(theta_0) <= V_max - V_min, false for a theta_0 far from uniform
    # (neither theorem restricts theta_0); the arithmetic slips of the T (line 9, line 7) fail too
    def failing(r):
        return [s["n"] for s in r.evidence["replay"]["steps"] if s["status"] == "fails"]
    r1 = R.check_theorem_proof(Context(), "bnrate:theorem-1")
    assert r1.verdict == "refuted" and r1.counterexample["step"] == 3 and r1.kind == "wrong-constant"
    assert 9 in failing(r1)
    r2 = R.check_theorem_proof(Context(), "bnrate:theorem-2")
    assert r2.verdict == "refuted" and r2.counterexample["step"] == 3 and 7 in failing(r2)
    assert R.check_theorem_proof(Context(), "mpg:theorem-3.6").verdict == "verified"


def test_bnrate_theorem_profiles_nested():
    q, p = RS.bandit_bases(0, 1), RS.bandit_bases(0, 3)
    assert p[:1] == q
    assert RS.potential_bases(0, 3) == RS.potential_bases(0, 8)[:3]
    assert RS.symmetric_bases(0, 12) == RS.symmetric_bases(0, 40)[:12]


# ---- mpg Theorem 3.6 -----------------------------------------------------------------------------------
def test_mpg36_planted_T_over_1000_refutes():
    held = R.check_mpg_36(Context(), unit_only=True)
    assert held.verdict == "verified" and held.evidence["min_slack_T_over_first_hit"] < 1000
    planted = R.check_mpg_36(Context(), T_factor=1e-3, unit_only=True)
    assert planted.verdict == "refuted" and planted.reproduce and planted.found_by == "search"


def test_mpg36_scaled_potential_refutes_and_unit_scale_holds():
    spec = {"potential": [[0.2, 1.0], [1.0, 0.0]], "gamma": 0.0, "eps_fraction": 0.5}
    T = R.THEOREMS["mpg:theorem-3.6"]["printed"]
    big = RS.mpg36_run(dict(spec, scale=1000.0), T)
    assert big["status"] == "fails" and big["min_gap_t<T"] > big["eps"]
    assert RS.mpg36_run(dict(spec, scale=10.0), T)["status"] == "holds"
    r = R.check_mpg_36(Context(instance=dict(spec, scale=1000.0)))
    assert r.verdict == "refuted" and r.found_by == "given"
    with pytest.raises(InputError):
        R.check_mpg_theorem_3_6_corrected(Context(instance=dict(spec, scale=1000.0)))


# ---- near-stationary points by gradient-norm minimization ---------------------------------------------
def test_stationary_search_meets_the_hypothesis_and_catches_a_planted_constant():
    spec = R._tight_spec("bnrate:lemma-2")
    rec = R.stationary_instance("bnrate:lemma-2", spec, 0)
    assert rec["reached"] and rec["grad_norm"] <= rec["threshold"] and rec["status"] == "holds"
    planted = R.stationary_instance("bnrate:lemma-2", spec, 0, const_scale=0.05)
    assert planted["status"] == "fails"
    r = R.check_lemma(Context(instance=dict(spec, start=0)), "bnrate:lemma-2", const_scale=0.05)
    assert r.verdict == "refuted" and r.reproduce and "start" in r.counterexample["spec"]


def test_rates_bad_input():
    with pytest.raises(InputError):
        RS.freedom_run("bnrate:theorem-1", dict(BANDIT, eta_scale=2.0), "1")
    with pytest.raises(InputError):
        RS.freedom_run("bnrate:theorem-1", {"rewards": [1.0, 1.0], "eps": 0.1}, "1")
    with pytest.raises(InputError):
        RS.mpg36_run({"potential": "x"}, "1")
    with pytest.raises(InputError):
        R.check_theorem_proof(Context(instance={"rewards": [1, 0]}), "bnrate:theorem-1")
