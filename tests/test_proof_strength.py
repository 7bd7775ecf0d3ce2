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
