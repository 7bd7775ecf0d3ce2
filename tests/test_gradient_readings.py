"""Readings of the gradient-formula claims: each choice the harness made where the text admits several
readings (d normalized or not, bnac's literal A^i, Lemma A.4's conditioning on a^i, the parent-edge
orientation, mpg Eq. (1)'s lost bar) is evaluated and recorded; only readings the text supports count."""
import numpy as np
import pytest

from verify import gradients as G
from verify.claims import gradients as CG
from verify.instances import build
from verify.policies import DAG
from verify.registry import Context, Result, get, to_json

SPEC = {"n_agents": 3, "action_sizes": [2, 3, 2], "n_states": 3, "gamma": 0.9, "transition": "dense",
        "reward": "team", "reward_scale": 1.0, "reward_offset": 0.0, "seed": 11, "dag": [[], [0], [0, 1]],
        "theta_scale": 1.0, "theta_seed": 3}


def test_transpose_dag_exchanges_parents_and_children():
    t = CG.transpose_dag(SPEC)
    assert t["dag"] == [[1, 2], [2], []]
    assert CG.transpose_dag(t)["dag"] == SPEC["dag"]
    DAG.from_parents(t["dag"])  # still acyclic
    for i, ps in enumerate(SPEC["dag"]):
        for j in ps:
            assert i in t["dag"][j]


def test_reading_formulas():
    game, pol = build(SPEC)
    # the normalized-d reading of the printed formula is exactly the corrected formula
    for a, b in zip(G.bnac_lemma_5_1_normalized_d(game, pol), G.bn_pg_corrected(game, pol)):
        assert np.allclose(a, b, rtol=1e-12, atol=0)
    # the literal A^i of Lemma 5.1 and the literal conditioning of Lemma A.4 vanish identically
    for f in (G.bnac_lemma_5_1_literal, G.bnac_lemma_a_4_literal):
        assert all(np.all(x == 0) for x in f(game, pol))
    # and the printed formula is 1/(1-gamma) times the corrected one
    for a, b in zip(G.bnac_lemma_5_1(game, pol), G.bn_pg_corrected(game, pol)):
        assert np.allclose(a, b / (1 - game.gamma))


@pytest.mark.parametrize("cid, n, counted", [("bnac:lemma-5.1", 4, 3), ("bnac:lemma-a.4", 4, 3),
                                              ("bnrate:lemma-1", 3, 1), ("bnac:lemma-5.1/corrected", 2, 2)])
def test_bn_claim_readings(cid, n, counted):
    spec = dict(SPEC, **({"lambda": 0.1} if cid.startswith("bnrate") else {}))
    c = get(cid)
    r = c.run(Context(instance=spec))
    j = to_json(c, r)
    assert len(j["readings"]) == n
    assert sum(x["text_supports"] for x in j["readings"]) == counted
    assert j["readings"][0]["holds"] is True and j["readings"][0]["verdict"] == r.verdict
    expected = c.expected
    assert r.verdict == expected
    if expected == "refuted":
        assert j["kind"] == "wrong-constant" and j["found_by"] == "given"
        norm = [x for x in j["readings"] if x["reading"].startswith("d the normalized")]
        assert norm and norm[0]["verdict"] == "verified" and not norm[0]["text_supports"]
        assert "exclude" in norm[0]["notes"]


def test_mpg_readings_and_equation_1():
    r = get("mpg:lemma-3.1").run(Context(instance=dict(SPEC, dag=[[], [], []], reward="potential")))
    assert [x["verdict"] for x in r.readings] == ["verified", "refuted"] and r.verdict == "verified"
    e = get("mpg:equation-1").run(Context(instance=dict(SPEC, dag=[[], [], []], reward="potential")))
    assert [x["verdict"] for x in e.readings] == ["verified", "not-checked"]


def test_mbpg_log_base_reading():
    r = get("mbpg:theorem-1").run(Context(instance={"N": 3, "n_states": 4, "param": "sigmoid", "scale": 1.0,
                                                    "seed": 5}))
    assert r.verdict == "verified"
    assert [(x["verdict"], x["text_supports"]) for x in r.readings] == [("verified", True), ("refuted", False)]


def test_supported_readings_that_disagree_make_the_verdict_ambiguous():
    ok, bad = Result("verified"), Result("refuted")
    rd = [CG.as_reading(ok, "a", "s", "", True, True), CG.as_reading(bad, "b", "s", "", False, True)]
    assert CG.decide(Result("verified"), rd).verdict == "ambiguous"
    rd[1]["text_supports"] = False   # a reading the paper's definitions exclude does not count
    assert CG.decide(Result("verified"), rd).verdict == "verified"
