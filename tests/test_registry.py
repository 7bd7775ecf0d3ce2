"""The verdict calculus: readings, kinds, found_by, and the verdict derived from readings."""
import pytest

from verify.registry import KINDS, Claim, Context, Result, from_readings, reading, to_json


def test_from_readings_rule():
    v, r, i = (reading("a", "s", x) for x in ("verified", "refuted", "inconclusive"))
    assert from_readings([v, dict(v)]) == "verified"
    assert from_readings([r, dict(r)]) == "refuted"
    assert from_readings([v, r]) == "ambiguous"
    assert from_readings([v, r, i]) == "ambiguous"
    assert from_readings([v, i]) == "inconclusive"
    assert from_readings([]) == "not-checked"


def test_bad_kind_and_found_by_are_rejected():
    with pytest.raises(ValueError):
        Result("refuted", kind="nonsense")
    with pytest.raises(ValueError):
        Result("refuted", found_by="luck")
    with pytest.raises(ValueError):
        reading("a", "s", "maybe")


def test_json_carries_kind_readings_found_by():
    c = Claim(id="x:y", paper="x", location="here", statement="s", assumptions=[], domain="d", checkers=[],
              kind="wrong-constant")
    r = Result("refuted", counterexample={"spec": {}}, found_by="search",
               readings=[reading("a", "s", "refuted")])
    j = to_json(c, r)
    assert j["kind"] == "wrong-constant" and j["kind_text"] == KINDS["wrong-constant"]
    assert j["found_by"] == "search" and j["counterexample"]["found_by"] == "search"
    assert j["readings"][0]["verdict"] == "refuted"
    assert to_json(c, Result("verified"))["kind"] is None
    assert Context().witnesses is True
