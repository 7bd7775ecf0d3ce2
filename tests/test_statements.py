"""The checkers of verify.claims.statements and verify.claims.tables catch planted errors, and count only
non-trivial instances."""
import pytest

from verify.claims import statements as S
from verify.claims import tables as T
from verify.registry import Context, get


def _run(cid, **kw):
    return get(cid).run(Context(**kw))


@pytest.mark.parametrize("plant,cid,instance", [
    ("max-edges-n2", "bnac:definition-5.7", {"N": 3}),
    ("l-lambda-no-log", "mpg:section-3.2-l-lambda-identity", {"S": 2, "A": [3], "parents": [[]], "seed": 1}),
    ("l-lambda-no-log", "bnrate:section-4.1-l-lambda-identity", {"S": 2, "A": [2, 3], "parents": [[], [0]], "seed": 1}),
    ("nn-pg-as-printed", "mpg:section-5-nn-pg-gradient/corrected", {"S": 3, "A": [2, 2], "seed": 2}),
    ("critic-on-observation", "mabn:section-3.3-unbiased-critics", None),
    ("receding-too-short", "mabn:remark-3.5", None),
])
def test_planted_error_is_caught(monkeypatch, plant, cid, instance):
    assert _run(cid, instance=instance).verdict == "verified"
    monkeypatch.setitem(S.PLANTS, plant, True)
    assert _run(cid, instance=instance).verdict == "refuted"


def test_bijection_roundtrip_plant_is_caught(monkeypatch):
    r = _run("mabn:section-2-policy-bijection")
    assert r.readings[0]["verdict"] == "verified" and r.readings[1]["verdict"] == "refuted"
    monkeypatch.setitem(S.PLANTS, "bijection-wrong-state", True)
    assert _run("mabn:section-2-policy-bijection").readings[0]["verdict"] == "refuted"


def test_dag_decomposition_strict_reading_and_plant(monkeypatch):
    r = _run("bnac:section-6.1-dag-decomposition", instance={"N": 4, "seed": 0})
    assert [x["verdict"] for x in r.readings] == ["verified", "refuted"]
    monkeypatch.setitem(S.PLANTS, "dag-diagonal", True)
    r = _run("bnac:section-6.1-dag-decomposition", instance={"N": 4, "seed": 0})
    assert r.readings[0]["verdict"] == "refuted"


def test_every_dag_on_three_nodes_is_enumerated():
    assert sum(1 for _ in S.all_dags(3)) == 25          # OEIS A003024: 1, 3, 25, 543
    assert sum(1 for _ in S.all_dags(4)) == 543


def test_trivial_instances_are_not_counted():
    # a uniform policy makes both forms of L_lambda zero: the instance is trivial
    rec = S.l_lambda_instance({"S": 2, "A": [2], "parents": [[]], "seed": 0, "scale": 0.0})
    assert rec["err"] < 1e-15 and not rec["nontrivial"]
    # single-agent systems are not partially observed: the critic and bijection searches draw none
    specs = S._tab_specs(Context(), 4)
    from verify.mabn_envs import TabularModel
    assert all(any(len(TabularModel(s).c.I_O(i, 0)) < s["n"] for i in range(s["n"])) for s in specs)


def test_tables_have_no_undeclared_mismatch():
    for tid in T.TABLES:
        c = T.compare(tid)
        if "unavailable" in c:
            continue
        assert not c["mismatch"], (tid, c["mismatch"])
        assert c["match"], tid


def test_table_checker_catches_a_planted_mismatch(monkeypatch):
    rows = list(T.TABLES["bnac:table-1"])
    bad = T.Row(rows[0].name, "0.99", 0.99, rows[0].used)
    monkeypatch.setitem(T.TABLES, "bnac:table-1", [bad] + rows[1:])
    r = _run("bnac:table-1")
    assert r.verdict == "inconclusive" and "0.99" in r.notes


@pytest.mark.parametrize("cid,instance", [("mpg:section-5-nn-pg-gradient", {"S": 2, "A": [2], "seed": 0, "hidden": 2}),
                                          ("bnac:definition-5.7", {"N": 13}),
                                          ("mpg:section-3.2-l-lambda-identity", {"S": 2, "A": [2], "parents": [[1]]})])
def test_bad_instances_are_one_line_errors(cid, instance):
    from verify.errors import InputError
    if cid == "mpg:section-5-nn-pg-gradient":
        assert _run(cid, instance=instance).verdict == "refuted"
        return
    with pytest.raises(InputError):
        _run(cid, instance=instance)
