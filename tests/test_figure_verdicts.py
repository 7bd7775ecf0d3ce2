"""The figure statements' verdicts at the paper profile, from the committed runs (results/figures/*.csv.gz):
each is pinned, so that a change of the data, the noise model or a reading is noticed.  The test suite's
own profile (quick) pins the quick verdicts through ``Claim.expected`` (tests/test_claims.py)."""
import pytest

from verify.registry import Context, get, to_json

#: verdicts of ``verify check ID --profile paper`` (README, "The papers' statements about their figures")
PAPER = {
    "bnac:figure-3/nash-gap-to-zero": "ambiguous",
    "bnac:figure-3/full-outperforms": "inconclusive",
    "bnac:figure-3/full-not-optimal": "inconclusive",
    "bnac:figure-3/assumption-5.6-violated": "inconclusive",
    "bnac:figure-3/full-slowest": "inconclusive",
    "bnac:figure-3/line-similar-n2-n5-poor-n3": "inconclusive",
    "bnac:figure-3/n2-line-full-coincide": "verified",
    "bnac:figure-3/nash-gap-to-zero/median": "verified",
    "bnac:figure-3/line-similar-n2-n5-poor-n3/corrected": "inconclusive",
    "bnac:figure-3/full-not-optimal/corrected": "inconclusive",
    "bnac:figure-3/full-outperforms/final": "verified",
    "mpg:figure-1/npg-fastest": "refuted",
    "mpg:figure-1/npg-fastest/corrected": "refuted",
    "mpg:figure-1/npg-highest-poa": "inconclusive",
    "mpg:figure-1/npg-highest-poa/corrected": "refuted",
    "mpg:appendix-h.1/k-best": "inconclusive",
    "mpg:appendix-h.1/k-best/corrected": "inconclusive",
}
#: Figure 2 (three 9 MB tidy files): under -m slow
PAPER_FIG2 = {
    "mpg:figure-2/nn-pg-beats-softmax-pg": "inconclusive",
    "mpg:figure-2/nn-pg-beats-softmax-pg/corrected": "inconclusive",
    "mpg:figure-2/nn-pg-early-npg-final": "inconclusive",
    "mpg:figure-2/nn-pg-early-npg-final/corrected": "inconclusive",
    "mpg:figure-2/barrier-larger-under-nn": "verified",
    "mpg:figure-2/nn-optimizer": "inconclusive",
    "mpg:figure-2/nn-optimizer/corrected": "refuted",
    "mpg:figure-2/reg-adam-below-npg": "verified",
    "mpg:figure-2/reg-adam-below-npg/corrected": "inconclusive",
}


def _check(cid):
    c = get(cid)
    r = c.run(Context(profile="paper"))
    rec = to_json(c, r)
    for k in ("test", "level", "effect", "interval"):
        assert k in r.evidence, (cid, k)
    assert r.readings, cid
    if r.verdict in ("refuted", "ambiguous"):
        assert rec["kind"] == "figure-statement" and r.counterexample and r.reproduce, cid
    if r.verdict == "inconclusive":
        assert r.reason == "within-noise", cid
    return r


@pytest.mark.parametrize("cid", sorted(PAPER))
def test_paper_verdict(cid, tmp_path, monkeypatch):
    monkeypatch.setenv("VERIFY_CACHE", str(tmp_path.parent / "verify-cache"))
    assert _check(cid).verdict == PAPER[cid]


@pytest.mark.slow
@pytest.mark.parametrize("cid", sorted(PAPER_FIG2))
def test_paper_verdict_figure2(cid, tmp_path, monkeypatch):
    monkeypatch.setenv("VERIFY_CACHE", str(tmp_path.parent / "verify-cache"))
    assert _check(cid).verdict == PAPER_FIG2[cid]
