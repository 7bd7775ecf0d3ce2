"""Proof replay: every transcript replays; every checker catches a planted error at the planted step."""
import json
import time
from pathlib import Path

import pytest

from verify.errors import InputError
from verify.proofs import (PROOF_DIR, STATUSES, list_proofs, load, proof_report_markdown, rebuild, replay,
                           replay_all)

REQUIRED = {
    "mbpg:theorem-1/proof", "bnac:lemma-a.4/proof", "bnac:lemma-a.2/proof", "bnac:lemma-a.3/proof",
    "bnac:corollary-a.18/proof", "bnrate:lemma-1/proof", "bnrate:lemma-2/proof", "bnrate:theorem-1/proof",
    "bnrate:lemma-3/proof", "bnrate:theorem-2/proof", "mpg:lemma-3.2/proof", "mpg:lemma-c.1/proof",
    "mpg:lemma-3.5/proof", "mpg:theorem-3.6/proof", "mpg:proposition-4.3/proof", "mpg:theorem-4.5/proof",
    "mabn:theorem-3.7b/proof",
    "bnac:lemma-a.1/proof", "bnac:lemma-a.5/proof", "bnac:theorem-a.17/proof", "bnrate:lemma-4/proof",
}


@pytest.fixture(scope="module")
def all_results():
    t = time.perf_counter()
    res = replay_all("quick", 0)
    return res, time.perf_counter() - t


def test_every_required_proof_has_a_transcript():
    assert REQUIRED <= set(list_proofs())


def test_every_transcript_replays(all_results):
    res, seconds = all_results
    assert seconds < 60
    for r in res:
        json.dumps(r, default=str)
        assert r["steps"], r["id"]
        for s in r["steps"]:
            assert s["status"] in STATUSES
            assert s["quote"]
        ff = r["first_failure"]
        fails = [s["n"] for s in r["steps"] if s["status"] == "fails"]
        assert (ff is None) == (not fails)
        if ff:
            assert ff["n"] == fails[0]


def test_mbpg_lists_every_step_and_pins_the_product_typo():
    r = replay("mbpg:theorem-1/proof")
    assert [s["n"] for s in r["steps"]] == list(range(1, 12))
    assert r["first_failure"]["n"] == 8
    assert "prod_{j=1, j \\neq i}^N" in r["first_failure"]["quote"].replace(" ", "").replace("\\prod_", "prod_") or \
        "\\prod_{j=1, j \\neq i}^N (1 - \\mu_j(s))}{1 - \\mu_i(s)}" in r["first_failure"]["quote"]
    # the next line fails against the typo but holds against the line before it: the error is confined
    assert r["steps"][8]["against_line_before_failure"]["status"] == "holds"
    assert r["conclusion_matches_statement"] is True
    assert r["theorem_holds"]["status"] == "holds"


def test_known_failures_are_pinned(all_results):
    by_id = {r["id"]: r for r in all_results[0]}
    assert by_id["bnac:lemma-a.4/proof"]["first_failure"]["n"] == 2           # normalized-d form, 1/(1-gamma)
    assert by_id["bnac:lemma-a.4/proof"]["theorem_holds"]["status"] == "fails"
    assert by_id["bnrate:lemma-1/proof"]["first_failure"]["n"] == 4
    assert by_id["bnrate:theorem-1/proof"]["conclusion_matches_statement"] is False
    assert by_id["bnrate:theorem-2/proof"]["first_failure"]["n"] == 3          # L(theta*) - L(theta_0) unbounded in theta_0
    assert by_id["bnrate:theorem-2/proof"]["steps"][6]["status"] == "fails"    # 2^{N+5} for 2^{2N+5}
    assert by_id["mpg:lemma-3.2/proof"]["first_failure"]["n"] == 3
    assert by_id["mpg:lemma-3.2/proof"]["theorem_holds"]["status"] == "holds"
    assert by_id["mpg:theorem-3.6/proof"]["first_failure"] is None
    assert by_id["mabn:theorem-3.7b/proof"]["conclusion_matches_statement"] is False


def test_failing_instance_rebuilds():
    r = replay("bnac:lemma-a.4/proof")
    spec = r["first_failure"]["instance"]["spec"]
    ctx = rebuild("bnac:lemma-a.4/proof", spec)
    assert ctx["game"].n_agents == spec["n_agents"]


# ------------------------------------------------------------------------------------------------
# planted errors: copy a transcript, change one line, the replayer pins that line
# ------------------------------------------------------------------------------------------------
def _plant(tmp_path, proof_id, old, new):
    src = PROOF_DIR / (proof_id[:-len("/proof")].replace(":", "_", 1) + ".py")
    text = src.read_text()
    assert text.count(old) == 1, f"planting site not unique in {src.name}: {old!r}"
    dst = tmp_path / src.name
    dst.write_text(text.replace(old, new))
    return replay(proof_id, path=dst)


def _status(r, n):
    return r["steps"][n - 1]["status"]


PLANTS = [
    # (proof, old, new, step that must fail, checker exercised)
    ("mpg:theorem-3.6/proof", '"328*N*M**2*S**2*Amax**2*P/((1-gamma)**3*eps**2) + 64*lam',
     '"328*N*M**2*S**2*Amax**2*P/((1-gamma)**2*eps**2) + 64*lam', 7, "symbolic = (changed exponent)"),
    ("mpg:theorem-3.6/proof", '"=", "32*M**2*S**2*Amax**2*beta*P/eps**2"', '"=", "M**2*S**2*Amax**2*beta*P/eps**2"', 6,
     "symbolic = (dropped factor)"),
    ("bnrate:theorem-2/proof", '">=", "lam/(2*S*Aj*Amax)"', '">=", "lam/(S*Aj*Amax)"', 11, "symbolic >= (dropped factor)"),
    ("mpg:lemma-3.2/proof", '"<=", "8/(1-gamma)**3"', '"<=", "5/(1-gamma)**3"', 5, "sympy <= on instances (changed constant)"),
    ("bnac:lemma-a.3/proof", '"sqrt=", "8*N*R/(1-gamma)**3*sqrt(T2)"', '"sqrt=", "8*N**2*R/(1-gamma)**3*sqrt(T2)"', 8,
     "sqrt= (changed exponent)"),
    ("bnac:lemma-a.3/proof", '"=", "64*N*R**2/(1-gamma)**6*S1**2"', '"=", "64*N**2*R**2/(1-gamma)**6*S1**2"', 5,
     "symbolic = with Sum (64N vs 64N^2)"),
    ("mabn:theorem-3.7b/proof", 'lambda c: c["eta"][:, None] * c["phi"], "(51)"',
     'lambda c: c["d"][:, None] * c["phi"], "(51)"', 4, "numeric = (dropped factor)"),
    ("mabn:theorem-3.7b/proof", '"propto", lambda c: c["d"][:, None] * c["phi"]',
     '"propto", lambda c: (c["d"] ** 2)[:, None] * c["phi"]', 7, "numeric propto (changed exponent)"),
    ("bnac:corollary-a.18/proof", '"<=", lambda c: cq(c, "star", [0]),', '"<=", lambda c: cq(c, "star", [0]) - 0.5,', 7,
     "numeric <="),
    ("bnrate:lemma-3/proof", '">=",\n             lambda c: np.full_like(c["mP"], np.prod',
     '">=",\n             lambda c: 4 * np.full_like(c["mP"], np.prod', 5, "numeric >= (changed factor)"),
    ("mbpg:theorem-1/proof", "out += (np.log(mu[s]) + 1) * (1 - mu[s]) * g", "out += (np.log(mu[s]) + 1) * (1 - mu[s]) ** 2 * g",
     11, "numeric = (changed exponent)"),
]


@pytest.mark.parametrize("proof_id,old,new,step,what", PLANTS, ids=[p[4] for p in PLANTS])
def test_planted_error_is_pinned(tmp_path, proof_id, old, new, step, what):
    before = replay(proof_id)
    assert _status(before, step) == "holds", f"step {step} must hold before planting"
    after = _plant(tmp_path, proof_id, old, new)
    assert _status(after, step) == "fails", what
    earlier = [s["n"] for s in before["steps"] if s["status"] == "fails" and s["n"] < step]
    assert after["first_failure"]["n"] == (earlier[0] if earlier else step)


def test_conclusion_mismatch_is_reported(tmp_path):
    r = _plant(tmp_path, "mpg:theorem-3.6/proof", 'statement_expr="328*N*M**2*S**2*Amax**2*P/((1-gamma)**3*eps**2) + 32*N*M',
               'statement_expr="328*N*M**2*S**2*Amax**2*P/((1-gamma)**3*eps**2) + 16*N*M')
    assert r["first_failure"] is None and r["conclusion_matches_statement"] is False


# ------------------------------------------------------------------------------------------------
# bad input
# ------------------------------------------------------------------------------------------------
def test_unknown_proof_id():
    with pytest.raises(InputError, match="unknown proof id"):
        replay("mbpg:theorem-9/proof")
    with pytest.raises(InputError, match="not a proof id"):
        replay("mbpg:theorem-1")


def test_malformed_transcripts(tmp_path):
    bad = tmp_path / "x_y.py"
    bad.write_text("X = 1\n")
    with pytest.raises(InputError, match="no TRANSCRIPT"):
        replay("x:y/proof", path=bad)
    bad.write_text("this is not python(\n")
    with pytest.raises(InputError, match="malformed transcript"):
        replay("x:y/proof", path=bad)
    for old, new, msg in [('"=", "8*beta*S**2', '"==", "8*beta*S**2', "relation"),
                          ('"8*beta*S**2*Amax**2*P/lam**2"', '"8*beta*S**2*Amax**2*Pz/lam**2"', "undeclared"),
                          ('"8*beta*S**2*Amax**2*P/lam**2"', '"8*beta*S**2*Amax**2*P/lam**"', "not a sympy")]:
        with pytest.raises(InputError, match=msg) as e:
            _plant(tmp_path, "mpg:theorem-3.6/proof", old, new)
        assert "\n" not in str(e.value)


def test_report_section(all_results):
    md = proof_report_markdown(all_results[0])
    assert md.startswith("## Proof replay")
    for pid in REQUIRED:
        assert f"`{pid}`" in md
    assert "First failing step #8" in md
