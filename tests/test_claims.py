"""Every registered claim, checked at the session's profile.  A claim refuted as printed is a strict
expected failure naming the discrepancy, so that any change of verdict is noticed."""
import json
import shlex

import pytest

from verify.registry import FOUND_BY, KINDS, Context, all_claims, from_readings, get, to_json


class ClaimRefuted(Exception):
    """Raised by a claim refuted as printed (with its counterexample): the one expected failure."""


def _params():
    out = []
    for c in all_claims():
        marks = [pytest.mark.claim(c.id)]
        if c.slow:
            marks.append(pytest.mark.slow)
        if c.expected == "refuted":
            marks.append(pytest.mark.xfail(strict=True, raises=ClaimRefuted,
                                           reason=f"{c.id} refuted as printed: {c.discrepancy}"))
        out.append(pytest.param(c, id=c.id, marks=marks))
    return out


@pytest.mark.parametrize("claim", _params())
def test_claim(claim, verify_context, claim_results):
    r = claim.run(verify_context)
    rec = claim_results[claim.id] = to_json(claim, r)
    _audit(rec, verify_context)
    if claim.expected == "refuted":
        # strict xfail(raises=ClaimRefuted): only a refutation with its evidence counts as expected;
        # 'verified' is an XPASS (a failure) and any other verdict is a plain failure
        if r.verdict == "refuted":
            assert r.counterexample and r.reproduce, "a refutation must carry a counterexample and a command"
            raise ClaimRefuted(r.notes)
        assert r.verdict == "verified", f"{claim.id}: verdict changed to {r.verdict}: {r.notes}"
        return
    assert r.verdict == claim.expected, f"{claim.id}: {r.verdict}: {r.notes}"
    if r.verdict == "verified":
        assert r.checked_instances > 0


def test_refuted_claims_carry_counterexample_and_correction(claim_results, verify_context):
    """Every refuted-as-printed claim names a /corrected twin that is registered."""
    from verify.registry import REGISTRY
    for c in all_claims():
        if c.expected == "refuted":
            assert c.corrected in REGISTRY, c.id
            assert c.discrepancy
            assert REGISTRY[c.corrected].as_printed is False


def _audit(rec: dict, ctx: Context) -> None:
    """What every verdict owes a reader: a refutation names its kind and how its counterexample was found;
    a verdict with readings follows from the readings the text supports; a ``reproduce`` command
    (``verify check ID --instance SPEC``), replayed in-process, gives the verdict it reproduces."""
    cid = rec["id"]
    if rec["verdict"] == "refuted":
        assert rec["kind"] in KINDS, f"{cid}: refutation without a kind"
        if rec.get("counterexample"):
            assert rec["found_by"] in FOUND_BY, f"{cid}: counterexample without found_by"
    if rec.get("readings") and rec["verdict"] in ("verified", "refuted", "ambiguous"):
        decisive = [x for x in rec["readings"] if x.get("text_supports", True)]
        assert from_readings(decisive) == rec["verdict"], f"{cid}: verdict does not follow its readings"
    cmd = rec.get("reproduce") or ""
    if rec["verdict"] in ("refuted", "ambiguous") and " check " in cmd and "--instance" in cmd:
        argv = shlex.split(cmd)
        spec = json.loads(argv[argv.index("--instance") + 1])
        again = get(argv[argv.index("check") + 1]).run(Context(profile=ctx.profile, seed=ctx.seed, instance=spec))
        assert again.verdict == rec["verdict"], \
            f"{cid}: {rec['verdict']} but its reproduce command gives {again.verdict}"
