"""Every registered claim, checked at the session's profile.  A claim refuted as printed is a strict
expected failure naming the discrepancy, so that any change of verdict is noticed."""
import pytest

from verify.registry import all_claims, to_json


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
    claim_results[claim.id] = to_json(claim, r)
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


def test_every_refutation_names_its_kind_and_how_it_was_found(claim_results):
    """A refutation says what kind of error it is and how its counterexample was found; a claim whose
    readings disagree is ambiguous, never silently one of them."""
    from verify.registry import FOUND_BY, KINDS, from_readings
    if not claim_results:
        pytest.skip("run together with test_claim (the claim checks fill the results)")
    for cid, rec in claim_results.items():
        if rec["verdict"] == "refuted":
            assert rec["kind"] in KINDS, f"{cid}: refutation without a kind"
            if rec.get("counterexample"):
                assert rec["found_by"] in FOUND_BY, f"{cid}: counterexample without found_by"
        if rec.get("readings"):
            decisive = [r for r in rec["readings"] if r.get("text_supports", True)]
            if rec["verdict"] in ("verified", "refuted", "ambiguous"):
                assert from_readings(decisive) == rec["verdict"], f"{cid}: verdict does not follow its readings"


def test_every_reproduce_command_rebuilds_its_verdict(claim_results, verify_context):
    """Each refutation's ``reproduce`` command (``verify check ID --instance SPEC``), replayed in-process,
    gives the verdict it reproduces: the instance alone carries the refutation."""
    import json
    import shlex
    from verify.registry import Context, get
    if not claim_results:
        pytest.skip("run together with test_claim (the claim checks fill the results)")
    bad, n = [], 0
    for cid, rec in claim_results.items():
        cmd = rec.get("reproduce") or ""
        if rec["verdict"] not in ("refuted", "ambiguous") or " check " not in cmd or "--instance" not in cmd:
            continue
        argv = shlex.split(cmd)
        spec = json.loads(argv[argv.index("--instance") + 1])
        r = get(argv[argv.index("check") + 1]).run(Context(profile=verify_context.profile, seed=verify_context.seed,
                                                           instance=spec))
        n += 1
        if r.verdict != rec["verdict"]:
            bad.append(f"{cid}: {rec['verdict']} but its reproduce command gives {r.verdict}")
    assert n >= 10 and not bad, bad
