"""The limit lemmas (bnac A.6-A.16, mpg C.4-C.13): the compiled runs against independent dynamics, the verdicts
and what they state, the finite-t checkers catching planted errors, the committed long runs, bad input."""
import json
import subprocess
import sys

import numpy as np
import pytest

from verify import limit_runs as LR
from verify.claims.convergence import build_instance
from verify.errors import InputError
from verify.registry import REASONS, Context, get, to_json

BNAC = [f"bnac:lemma-a.{k}" for k in range(6, 17)]
MPG = [f"mpg:lemma-c.{k}" for k in range(4, 14)]
MATRIX_BN = {"kind": "matrix", "reward": [[2.0, 0.0], [0.0, 1.0]], "gamma": 0.0, "dag": [[], [0]],
             "theta": [0.0, 2.0, 0.0, 3.0, 0.0, 1.0]}
RANDOM_MPG = {"n_agents": 2, "action_sizes": [2, 2], "n_states": 2, "gamma": 0.4, "transition": "dense",
              "reward": "potential", "seed": 5, "dag": [[], []], "theta_scale": 1.0, "theta_seed": 2}


@pytest.mark.parametrize("spec,update,measure", [(MATRIX_BN, None, None), (RANDOM_MPG, "own", "potential")])
def test_compiled_run_matches_the_reference_dynamics(spec, update, measure):
    """50 compiled steps against 50 steps of verify.dynamics.pg (the JAX oracle of verify.oracles)."""
    from verify.dynamics import pg
    game, pol = build_instance(spec)
    eta = 0.05
    run = LR.compiled_run(game, pol, eta, 50, update, measure)
    ref = pg(game, pol, eta, 50, reward=update)
    assert run["t"][-1] == 50
    assert np.allclose(run["theta"][-1], ref.policy.flat(), rtol=1e-10, atol=1e-12)
    assert run["oracle_diff"] < 1e-7


def test_observation_on_a_known_game():
    """The 2x2 team game [[2,0],[0,1]] from the uniform start on the fully-correlated DAG goes to (0, 0): the
    leader's action 1 and the follower's action 1 given a^1 = 0 are in I_- at T, the leader's a = 0 in I_0."""
    spec = dict(MATRIX_BN, theta=[0.0] * 6)
    o = LR.public(LR.run_plan("bnac", spec, 5000))
    sets = {(e["agent"], tuple(e["entry"])): e["set"] for e in o["entries"]}
    assert sets[(0, (0, 1))] == "I_-" and sets[(0, (0, 0))] == "I_0"
    assert sets[(1, (0, 0, 1))] == "I_-"
    assert o["delta"] is not None and o["delta"] > 0.5
    assert o["theta_sum_drift"] < 1e-12 and o["min_dV_rel"] > -1e-12
    assert o["sign_agreement"]["counted"] > 0 and o["sign_agreement"]["disagree"] == 0
    assert o["gaps"][-1]["nash_gap"] < o["gaps"][0]["nash_gap"]


@pytest.mark.parametrize("cid", BNAC + MPG)
def test_limit_claims_state_their_runs(cid):
    c = get(cid)
    r = c.run(Context())
    rec = to_json(c, r)
    assert r.verdict == "inconclusive" and r.reason == "limit-statement" and r.reason in REASONS
    assert "runs of length 20000" in r.notes
    assert r.evidence["run_lengths"] == [LR.T_QUICK]
    assert all(x["spec"] and x["eta"] > 0 for x in r.evidence["runs"])
    assert rec["readings"] and rec["readings"][0]["verdict"] == "inconclusive"


def test_vacuous_premises_are_not_counted():
    """mpg Lemmas C.8, C.10, C.13 need I_+ nonempty, which full-support runs never show: zero instances, said so."""
    for cid in ("mpg:lemma-c.8", "mpg:lemma-c.10", "mpg:lemma-c.13", "bnac:lemma-a.12", "bnac:lemma-a.15"):
        r = get(cid).run(Context())
        assert r.checked_instances == 0, cid
        assert "vacuous" in r.notes, cid
    # bnac A.16: the adversarial start keeps I_+ nonempty only where d(s, a^P) decays (its hypothesis fails)
    r = get("bnac:lemma-a.16").run(Context())
    runs = r.readings[0]["evidence"]["observed"]["runs"]
    assert any(x["rows_with_I_plus_and_d_decaying"] for x in runs)
    assert not r.readings[0]["evidence"]["observed"]["rows_with_lim_d_and_I_plus"]


@pytest.mark.parametrize("cid,plant,kind", [("bnac:lemma-a.6", "reverse", "reversed-inequality"),
                                            ("bnac:lemma-a.9", "sign", "inconsistent-definition"),
                                            ("bnac:lemma-a.10", "sum", "wrong-constant"),
                                            ("mpg:lemma-c.4", "reverse", "reversed-inequality"),
                                            ("mpg:lemma-c.7", "sign", "inconsistent-definition"),
                                            ("mpg:lemma-c.8", "sum", "wrong-constant")])
def test_finite_t_checkers_catch_planted_errors(cid, plant, kind):
    r = get(cid).check(Context(), plant=plant)
    assert r.verdict == "refuted" and r.kind == kind and r.found_by == "search"
    assert r.counterexample and "--instance" in r.reproduce


def test_sum_checker_catches_a_drift_near_its_tolerance():
    """A drift of 2e-9 per run (twice the tolerance, far below any real drift's size) is caught."""
    from verify.claims import limits as L
    runs = [{"theta_sum_drift": 2e-9, "T": 1}]
    assert not L.finite_sum(runs)["ok"]
    assert L.finite_sum([{"theta_sum_drift": 1e-12, "T": 1}])["ok"]


def test_committed_long_runs_are_read_in_the_paper_profile():
    for paper in ("bnac", "mpg"):
        runs = LR.load_long(paper, "paper")
        assert runs and all(r["T"] == LR.T_LONG["paper"] for r in runs)
        assert all(r["oracle_diff"] < 1e-7 for r in runs)
    r = get("bnac:lemma-a.16").run(Context(profile="paper"))
    assert LR.T_LONG["paper"] in r.evidence["run_lengths"] and LR.T_QUICK in r.evidence["run_lengths"]


def test_missing_results_file_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(LR, "RESULTS_DIR", tmp_path)
    with pytest.raises(InputError, match="rebuild it"):
        LR.load_long("bnac", "deep")


def test_given_instance_runs_that_instance():
    spec = dict(MATRIX_BN, T=300)
    r = get("bnac:lemma-a.9").run(Context(instance=spec))
    assert r.verdict == "inconclusive" and r.evidence["run_lengths"] == [300]


@pytest.mark.parametrize("inst", ['{"kind": "matrix", "reward": [[1, 0], [0, 1]], "T": "many"}',
                                  '{"kind": "matrix", "reward": [[1, 0], [0, 1]], "T": 0}',
                                  '{"kind": "nope", "T": 10}'])
def test_bad_instance_is_one_line_exit_2(inst):
    p = subprocess.run([sys.executable, "-m", "verify", "check", "bnac:lemma-a.7", "--instance", inst],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 2, p.stderr
    assert "Traceback" not in p.stderr and len(p.stderr.strip().splitlines()) == 1


def test_limit_runs_cli_usage_error():
    assert LR.main(["bnac", "forever"]) == 2


# ---- the prose-proof transcripts of the limit lemmas -------------------------------------------------------------
TRANSCRIPTS = ["bnac:lemma-a.6/proof", "bnac:lemma-a.7/proof", "bnac:lemma-a.8/proof", "bnac:lemma-a.9/proof",
               "bnac:lemma-a.10/proof", "mpg:lemma-c.4/proof", "mpg:lemma-c.5/proof", "mpg:lemma-c.6/proof",
               "mpg:lemma-c.7/proof", "mpg:lemma-c.8/proof"]


def _planted(step):
    """The step with an error planted: '=' off by 1% + 0.01, '<=' lowered by |f| + 1, '>=' raised by |f| + 1."""
    import dataclasses
    f = step.expr
    if step.relation == "=":
        g = lambda ctx: np.asarray(f(ctx)) * 1.01 + 0.01
    elif step.relation == "<=":
        g = lambda ctx: np.asarray(f(ctx)) - np.abs(np.asarray(f(ctx))) - 1.0
    else:
        g = lambda ctx: np.asarray(f(ctx)) + np.abs(np.asarray(f(ctx))) + 1.0
    return dataclasses.replace(step, expr=g)


@pytest.mark.parametrize("pid", TRANSCRIPTS)
def test_transcript_replays_and_a_planted_error_is_pinned_to_its_step(pid):
    import dataclasses
    from verify.proofs import load, replay
    tr = load(pid)
    assert tr.prose and tr.printed_lines and tr.instances >= 8
    base = replay(pid)
    st = {s["n"]: s for s in base["steps"]}
    # only limit assertions are not evaluable for their own sake; other not-evaluable lines apply to no instance
    for s in base["steps"]:
        if tr.steps[s["n"] - 1].expr is None:
            assert tr.steps[s["n"] - 1].why.startswith("limit"), (pid, s["n"])
    checked = [s for s in base["steps"] if s["status"] == "holds"]
    assert checked, pid
    # a line counts as holding only on at least 8 non-trivial instances (verify.proofs.MIN_NONTRIVIAL)
    for s in checked:
        assert s["instances_nontrivial"] >= 8, (pid, s)
    n = checked[0]["n"]
    bad = dataclasses.replace(tr, steps=[_planted(x) if j == n - 1 else x for j, x in enumerate(tr.steps)])
    out = replay(pid, transcript=bad)
    got = {s["n"]: s["status"] for s in out["steps"]}
    assert got[n] == "fails", (pid, n, out["steps"][n - 1])
    assert all(got[m] == st[m]["status"] for m in got if m < n), pid


def test_finite_checkers_catch_violations_at_their_thresholds():
    """Planted just beyond each checker's threshold (not 100x away): one decrease of 2e-12 of the scale, one entry of
    hundreds with the other sign."""
    from verify.claims import limits as L
    assert not L.finite_monotone([{"min_dV_rel": -2e-12, "T": 1}])["ok"]
    assert L.finite_monotone([{"min_dV_rel": 0.0, "T": 1}])["ok"]
    assert not L.finite_sign([{"sign_agreement": {"counted": 500, "disagree": 1}}])["ok"]
    assert L.finite_sign([{"sign_agreement": {"counted": 500, "disagree": 0}}])["ok"]
