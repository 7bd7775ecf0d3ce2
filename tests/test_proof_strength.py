"""Replay strength: chain starts are not holds, a numeric check counts only on non-trivial instances (at least
MIN_NONTRIVIAL of them), printed lines are covered by steps and skipped lines, failures show evaluated values."""
import json

import numpy as np
import pytest

from verify.errors import InputError
from verify.proofs import MIN_NONTRIVIAL, STATUSES, proof_report_markdown, replay

HEAD = '''
import numpy as np
from verify.proofs import Skip, Step, Transcript

def sample(rng):
    return {"x": float(rng.uniform(0.5, 2.0)), "n": int(rng.integers(1, 4)), "k": int(rng.integers(1, 3))}

def build(spec):
    return {"x": spec["x"], "n": spec["n"], "trivial": "k = 1 (a planted guard)" if spec["k"] == 1 else None,
            "sym": {"x": spec["x"]}}
'''


def _write(tmp_path, body, name="t_s.py"):
    f = tmp_path / name
    f.write_text(HEAD + body)
    return replay("t:s/proof", path=f)


def _tr(steps, extra=""):
    return f'''
TRANSCRIPT = Transcript(id="t:s/proof", paper="t", location="here", theorem_claim_id="t:s",
    statement="x", sample=sample, build=build, instances=4, symbols={{"x": "pos", "y": "pos", "m": "posint"}},
    steps=[{steps}], {extra})
'''


def test_chain_start_is_not_a_hold(tmp_path):
    r = _write(tmp_path, _tr('Step("x", "start", lambda c: c["x"]), Step("= x", "=", lambda c: c["x"])'))
    assert r["steps"][0]["status"] == "start"
    assert r["counts"]["start"] == 1 and r["counts"]["holds"] == 1
    assert r["totals"]["checked"] == 1 and r["totals"]["chain_starts"] == 1
    assert set(r["counts"]) == set(STATUSES)


def test_trivial_instance_is_not_counted(tmp_path):
    # both sides identically zero: the '=' holds on every instance but says nothing -> weak, never holds
    r = _write(tmp_path, _tr('Step("0", "start", lambda c: 0.0 * c["x"]), Step("= 0", "=", lambda c: np.zeros(3))'))
    s = r["steps"][1]
    assert s["status"] == "weak"
    assert s["instances_nontrivial"] == 0 and s["instances_checked"] >= MIN_NONTRIVIAL
    assert s["trivial_reasons"]["both sides zero"] >= 1
    assert r["counts"]["holds"] == 0 and r["totals"]["weak"] == 1


def test_sampler_guard_and_step_predicate(tmp_path):
    # the instance guard (ctx["trivial"]) drops k = 1 instances; the replayer draws until MIN_NONTRIVIAL pass it
    r = _write(tmp_path, _tr('Step("x", "start", lambda c: c["x"]), Step("= x", "=", lambda c: c["x"])'))
    s = r["steps"][1]
    assert s["status"] == "holds" and s["instances_nontrivial"] >= MIN_NONTRIVIAL
    assert s["instances_checked"] > s["instances_nontrivial"]
    assert r["instances_nontrivial"] >= MIN_NONTRIVIAL
    # a step whose own predicate holds on few instances (n == 3 only) is weak, not holds
    r = _write(tmp_path, _tr('Step("x", "start", lambda c: c["x"]), '
                             'Step("= x", "=", lambda c: c["x"], nontrivial=lambda c: c["n"] == 3 and c["x"] < 0.8)'))
    s = r["steps"][1]
    assert s["status"] == "weak" and s["instances_nontrivial"] < MIN_NONTRIVIAL
    assert "non-triviality" in json.dumps(s["trivial_reasons"])


def test_a_failure_on_any_instance_still_fails(tmp_path):
    r = _write(tmp_path, _tr('Step("x", "start", lambda c: c["x"]), Step("<= 1", "<=", lambda c: 1.0)'))
    s = r["steps"][1]
    assert s["status"] == "fails" and s["instance"]["spec"]["x"] > 1
    assert s["instance"]["evaluated"]["prev"] > 1


def test_symbolic_steps_count_for_all_instances(tmp_path):
    r = _write(tmp_path, _tr('Step("x", "start", "2*x"), Step("= x + x", "=", "x + x")'))
    s = r["steps"][1]
    assert s["status"] == "holds" and s["method"] == "symbolic" and s["instances_nontrivial"] == "symbolic"


def test_failure_shows_the_values_evaluated_after_given(tmp_path):
    # y is sampled, but the step substitutes y = m + 1: the failure must show y = m + 1, never the sampled y
    r = _write(tmp_path, _tr('Step("m", "start", "Max(m, 3)"), Step("<= y", "<=", "y", given={"y": "m + 1"})'))
    s = r["steps"][1]
    assert s["status"] == "fails"
    sy = s["instance"]["symbols"]
    assert sy["y"] == sy["m"] + 1 and sy["m"] < 2


def test_printed_lines_must_be_covered(tmp_path):
    body = _tr('Step("x", "start", lambda c: c["x"]), Step("= x", "=", lambda c: c["x"])',
               'printed_lines=5, skipped=[Skip("lines 3-4", "a hypothesis restated", 2)]')
    with pytest.raises(InputError, match="do not cover the 5 printed lines"):
        _write(tmp_path, body)
    body = body.replace("printed_lines=5", "printed_lines=4")
    r = _write(tmp_path, body)
    assert r["totals"]["printed_lines"] == 4 and r["totals"]["skipped_lines"] == 2
    assert r["skipped"] == [{"lines": "lines 3-4", "reason": "a hypothesis restated", "count": 2}]
    md = proof_report_markdown([r])
    assert "skipped (2 lines) lines 3-4: a hypothesis restated" in md
    for bad, msg in [('skipped=[Skip("", "r", 1)]', "needs the lines"), ('skipped=[Skip("l", "r", 0)]', "count"),
                     ('skipped=["lines 3-4"]', "not a Skip"), ('printed_lines=0', "printed_lines")]:
        with pytest.raises(InputError, match=msg) as e:
            _write(tmp_path, _tr('Step("x", "start", lambda c: c["x"])', bad))
        assert "\n" not in str(e.value)


def test_prose_proof_counts_assertions(tmp_path):
    body = _tr('Step("x", "start", lambda c: c["x"]), Step("= x", "=", lambda c: c["x"])',
               'printed_lines=3, prose=True')
    with pytest.raises(InputError, match="printed assertions"):
        _write(tmp_path, body)
    r = _write(tmp_path, body.replace("printed_lines=3", "printed_lines=2"))
    assert r["totals"]["prose"] is True
    assert "Printed assertions: 2" in proof_report_markdown([r])


# ------------------------------------------------------------------------------------------------
# the new transcripts: an error planted in each is pinned to its step
# ------------------------------------------------------------------------------------------------
from verify.proofs import PROOF_DIR  # noqa: E402

NEW = ["bnac:lemma-a.1/proof", "bnac:lemma-a.5/proof", "bnac:theorem-a.17/proof", "bnrate:lemma-4/proof"]

NEW_PLANTS = [
    # (proof, old, new, step that must go from holding to failing)
    ("bnac:lemma-a.1/proof", 'return dq + dq.reshape(dq.shape[0], -1).max(axis=1)',
     'return 0.5 * dq + dq.reshape(dq.shape[0], -1).max(axis=1)', 4),
    # planted near the largest ratio the instances reach (line 4 / line 5 about 0.06; ||Hessian||/beta about 5e-4;
    # the regularizer's block norm / its bound about 0.24): the bounds are loose, the plants are not 100x away
    ("bnac:lemma-a.1/proof", '"<=", lambda c: bound(c, 2), "by Equation (4)"', '"<=", lambda c: bound(c, 0.08), "by Equation (4)"', 5),
    ("bnac:lemma-a.5/proof", '"<=", lambda c: c["beta"],', '"<=", lambda c: 3e-4 * c["beta"],', 2),
    ("bnac:lemma-a.5/proof", '"start", lambda c: c["Q1"]', '"start", lambda c: c["Q0"] - 1e-3 * np.abs(c["Q0"]).max()', 8),
    ("bnac:theorem-a.17/proof", '"=", l7, "E_{a^P} Q^{pi,i}(s, a^P) = V(s)"', '"=", lambda c: l7(c) + 0.01, "E_{a^P} Q^{pi,i}(s, a^P) = V(s)"', 7),
    ("bnac:theorem-a.17/proof", '"<=", l5, "Lemma A.16', '"<=", lambda c: l5(c) - 1.0, "Lemma A.16', 5),
    ("bnrate:lemma-4/proof", '"<=", lambda c: c["betaV"],', '"<=", lambda c: 3e-4 * c["betaV"],', 2),
    ("bnrate:lemma-4/proof", '"<=", lambda c: 2 * c["lam"] / (c["S"] * c["nP"][c["i"]])',
     '"<=", lambda c: 0.4 * c["lam"] / (c["S"] * c["nP"][c["i"]])', 4),
]


def _plant_new(tmp_path, proof_id, old, new):
    src = PROOF_DIR / (proof_id[:-len("/proof")].replace(":", "_", 1) + ".py")
    text = src.read_text()
    assert text.count(old) == 1, f"planting site not unique in {src.name}: {old!r}"
    dst = tmp_path / src.name
    dst.write_text(text.replace(old, new))
    return replay(proof_id, path=dst)


@pytest.fixture(scope="module")
def new_results():
    return {pid: replay(pid) for pid in NEW}


@pytest.mark.parametrize("proof_id,old,new,step", NEW_PLANTS, ids=[f"{p[0]}#{p[3]}" for p in NEW_PLANTS])
def test_planted_error_in_new_transcript_is_pinned(tmp_path, new_results, proof_id, old, new, step):
    before = new_results[proof_id]
    assert before["steps"][step - 1]["status"] in ("holds", "weak")
    after = _plant_new(tmp_path, proof_id, old, new)
    assert after["steps"][step - 1]["status"] == "fails"
    # only the planted step (and what depends on it) changes: every step before it keeps its status
    for k in range(step - 1):
        assert after["steps"][k]["status"] == before["steps"][k]["status"]


def test_new_transcripts_findings(new_results):
    a1, a5, a17, l4 = (new_results[p] for p in NEW)
    assert a1["first_failure"]["n"] == 2 and a1["theorem_holds"]["status"] == "holds"
    assert a17["first_failure"]["n"] == 2                                   # PDL with unnormalized d
    assert a17["steps"][3]["against_line_before_failure"]["status"] == "holds"   # line 3's slip is confined
    assert a17["steps"][4]["status"] == "holds" and a17["theorem_holds"]["status"] == "holds"
    assert [s["status"] for s in a17["steps"][5:]] == ["weak", "weak"]       # identically 0 = 0: never 'holds'
    for r in (a5, l4):
        assert r["first_failure"] is None and r["totals"]["prose"] and r["totals"]["checked"] == r["totals"]["holds"]
        assert all(s["instances_nontrivial"] >= MIN_NONTRIVIAL for s in r["steps"] if s["status"] == "holds")


# ------------------------------------------------------------------------------------------------
# every transcript: printed lines covered, counts consistent, the findings pinned
# ------------------------------------------------------------------------------------------------
from verify.proofs import list_proofs, replay_all  # noqa: E402


@pytest.fixture(scope="module")
def every():
    return {r["id"]: r for r in replay_all("quick", 0)}


def test_every_transcript_counts_its_printed_lines(every):
    for pid, r in every.items():
        t = r["totals"]
        assert t["printed_lines"] is not None, pid
        assert t["transcribed_steps"] + t["skipped_lines"] >= t["printed_lines"], pid
        assert t["checked"] == t["holds"] + t["fails"], pid
        assert sum(r["counts"].values()) == len(r["steps"]), pid
        for sk in r["skipped"]:
            assert sk["reason"] and sk["lines"] and sk["count"] >= 1, pid
        for s in r["steps"]:
            if s["status"] == "holds" and s.get("method") == "numeric":
                assert s["instances_nontrivial"] >= MIN_NONTRIVIAL, (pid, s["n"])
            if s["status"] == "start":
                assert s["relation"] == "start"


def test_wrongly_not_evaluable_steps_are_evaluated(every):
    t1 = every["bnrate:theorem-1/proof"]
    assert t1["steps"][2]["status"] == "fails"          # L(theta*) - L(theta_0) <= V_max - V_min, theta_0 far from uniform
    assert t1["first_failure"]["n"] == 3
    l2 = every["bnrate:lemma-2/proof"]
    lemma1 = next(s for s in l2["steps"] if s["quote"].startswith(r"\stackrel{(i)}{=}"))
    assert lemma1["status"] == "fails"                  # Lemma 1 with the unnormalized d: off by 1/(1-gamma)
    inst = lemma1["instance"]["spec"]
    assert inst["agent"] < inst["n_agents"]


def test_pdl_slips_are_flagged_at_their_lines(every):
    l2 = every["bnrate:lemma-2/proof"]
    by_quote = {s["quote"][:40]: s for s in l2["steps"]}
    pdl = [s for s in l2["steps"] if s["n"] >= 14]
    notes = " ".join(s.get("note", "") for s in pdl)
    for slip in ("theta_*^i's own", "2(1-lambda)lambda", "second term", "|A^{P^i}| is lost"):
        assert slip in notes, slip
    failing = {s["n"] for s in pdl if s["status"] == "fails"}
    advantage = next(s["n"] for s in pdl if "A_{\\theta_*^i}(\\bar{s}, \\bar{a})" in s["quote"])
    dropped = next(s["n"] for s in pdl if "second term" in s.get("note", ""))
    assert advantage in failing and dropped in failing
    assert by_quote


def test_failure_instances_are_realizable(every):
    """No failing instance shows |A| < max_i |A^i| or a sampled value a substitution overrode."""
    for pid, r in every.items():
        for s in r["steps"]:
            sy = (s.get("instance") or {}).get("symbols") or {}
            if "Aj" in sy and "Amax" in sy:
                assert sy["Aj"] >= sy["Amax"], (pid, s["n"], sy)
            if "Aj" in sy and "AP" in sy and "Ai" in sy:
                assert sy["Aj"] >= sy["AP"] * sy["Ai"], (pid, s["n"], sy)
            if "M" in sy:
                assert sy["M"] >= 1, (pid, s["n"], sy)


def test_survival_and_root_cause_notes(every):
    p43 = every["mpg:proposition-4.3/proof"]
    assert "cancel" in p43["notes"] and "mpg:proposition-4.3" in p43["notes"]
    assert p43["steps"][-1]["status"] == "holds"         # the bookkeeping with nu kept reaches the printed conclusion
    l32 = every["mpg:lemma-3.2/proof"]
    assert "C1^2" in l32["notes"] and "D.2" in l32["notes"]
    root = next(s for s in l32["steps"] if "C_1^2" in s["quote"] and "not printed" in s["quote"])
    assert l32["steps"][root["n"]]["status"] == "holds"   # line 2 with C1^2 equals line 3 exactly
    md = proof_report_markdown([p43, l32])
    assert "cancel" in md and "C1^2" in md


def test_report_section_gives_the_counts(every):
    md = proof_report_markdown(list(every.values()))
    assert "| proof | printed lines |" in md
    for pid, r in every.items():
        t = r["totals"]
        assert f"Printed {'assertions' if t['prose'] else 'lines'}: {t['printed_lines']}" in md
    a2 = proof_report_markdown([every["bnac:lemma-a.2/proof"]])
    assert "skipped (7 lines)" not in a2                  # bnac A.2 lines 3-9 are replayed now
    assert every["bnac:lemma-a.2/proof"]["totals"]["skipped_lines"] == 1


def test_cli_proof_json_lists_the_counts(capsys):
    from verify.cli import main
    assert main(["proof", "mpg:proposition-4.3/proof", "bnac:lemma-a.1/proof", "--json"]) == 0
    obj = json.loads(capsys.readouterr().out)
    for r in obj["proofs"]:
        t = r["totals"]
        for k in ("printed_lines", "transcribed_steps", "checked", "weak", "skipped_lines", "chain_starts"):
            assert k in t
        assert isinstance(r["skipped"], list)
    assert main(["proof", "mpg:proposition-4.3/proof"]) == 0
    assert "printed=5" in capsys.readouterr().out
    assert main(["proof", "nope:x/proof"]) == 2


def test_mpg_theorem_3_6_line_3_holds_from_theta_0_zero_and_catches_a_plant(tmp_path, every):
    r = every["mpg:theorem-3.6/proof"]
    assert r["steps"][2]["status"] == "holds" and r["steps"][2]["instances_nontrivial"] >= MIN_NONTRIVIAL
    after = _plant_new(tmp_path, "mpg:theorem-3.6/proof", 'lambda c: 2 * c["beta"] * (c["Pmax"] - c["Pmin"]),',
                       'lambda c: 0.2 * c["beta"] * (c["Pmax"] - c["Pmin"]),')
    assert after["steps"][2]["status"] == "fails"
