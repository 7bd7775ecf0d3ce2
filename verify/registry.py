"""The claim registry: every lemma, theorem, formula and figure statement of the papers, with its
location, the statement as printed, its assumptions, the domain it quantifies over, its checkers and
a check function that returns a verdict with evidence.

Verdicts: ``verified`` (held on every instance tried by a search able to find a violation; count and
worst error given), ``refuted`` (a failing instance: it meets every hypothesis of the printed statement
and violates its conclusion, shrunk, with a command that rebuilds it), ``ambiguous`` (the text admits
several readings and they disagree; each reading carries its own verdict), ``inconclusive`` (with
why), ``not-checked``.  A claim refuted as printed has a ``/corrected`` twin that states what does hold.

Every refutation names its *kind* (``KINDS``); every choice the harness makes where the text admits
several readings is a *reading* (``reading(...)``) with its own verdict and evidence, and the claim's
verdict is derived from its readings by ``from_readings``.  Every counterexample records how it was
found (``found_by``: ``search``, ``hypothesis`` or ``witness``).
"""
from __future__ import annotations

import dataclasses
import importlib
import time
from typing import Callable

from .errors import InputError

VERDICTS = ("verified", "refuted", "inconclusive", "not-checked", "ambiguous")
PROFILES = ("quick", "paper", "deep")

#: what kind of error a refutation is (the JSON ``kind``); extend, never rename
KINDS = {
    "wrong-constant": "wrong constant or formula",
    "missing-hypothesis": "missing hypothesis (a degenerate case the statement does not exclude)",
    "typo": "typo with an evident intended reading",
    "reversed-inequality": "reversed inequality",
    "inconsistent-definition": "definition inconsistent with its use",
    "not-implied-by-proof": "the statement does not follow from its proof",
    "figure-statement": "a statement about a figure that the reproduction does not bear out",
}

#: how a counterexample was found (the JSON ``found_by``)
FOUND_BY = ("search", "hypothesis", "witness", "given")

#: why a check is inconclusive, where it is one of a few named reasons (the JSON ``reason``)
REASONS = {
    "encoding-disagreement": "the printed formula disagrees with both numeric oracles while sympy says it "
                             "holds: a harness encoding to repair, not a finding about the paper",
    "oracle-disagreement": "the independent oracles disagree with each other",
    "within-tolerance-band": "the observed error lies within the band between 'holds' and 'fails'",
    "limit-statement": "a statement about a limit, which no finite run decides",
    "within-noise": "the effect lies within the noise of the seeds",
}


def reading(name: str, source: str, verdict: str, evidence: dict | None = None, notes: str = "",
            holds: bool | None = None) -> dict:
    """One reading of a statement the text admits several ways: ``name`` (what the reading takes the
    text to mean), ``source`` (where in the paper it comes from), its own ``verdict`` and ``evidence``;
    ``holds``: True for the reading the report says holds (the paper's own definitions, or the one
    the text supports best), so that an ``ambiguous`` verdict says which reading is right."""
    if verdict not in VERDICTS:
        raise ValueError(f"bad verdict {verdict}")
    rec = {"reading": name, "source": source, "verdict": verdict, "evidence": evidence or {}, "notes": notes}
    if holds is not None:
        rec["holds"] = bool(holds)
    return rec


def from_readings(readings: list[dict]) -> str:
    """The claim's verdict from its readings: the common verdict when they agree; ``ambiguous`` when
    readings the text supports disagree between ``verified`` and ``refuted``; ``inconclusive``
    when a reading cannot be decided and the decided ones do not already disagree."""
    vs = {r["verdict"] for r in readings if r["verdict"] != "not-checked"}
    if not vs:
        return "not-checked"
    if len(vs) == 1:
        return vs.pop()
    if {"verified", "refuted"} <= vs or "ambiguous" in vs:
        return "ambiguous"
    return "inconclusive"


@dataclasses.dataclass
class Context:
    """How hard to look: ``profile`` sets instance counts; ``seed`` makes every instance rebuildable;
    ``instance`` (a spec dict) checks a single instance, as a reproduction command does."""
    profile: str = "quick"
    seed: int = 0
    instance: dict | None = None
    witnesses: bool = True   # False: the typed-in witness corpus is left out (search only)

    def __post_init__(self):
        if self.profile not in PROFILES:
            raise InputError(f"unknown profile {self.profile!r}; choose from {', '.join(PROFILES)}")

    def n(self, quick: int, paper: int | None = None, deep: int | None = None) -> int:
        """Instance count for this profile (paper defaults to 5x quick, deep to 25x quick)."""
        return {"quick": quick, "paper": paper or 5 * quick, "deep": deep or 25 * quick}[self.profile]


@dataclasses.dataclass
class Result:
    verdict: str
    checked_instances: int = 0
    max_error: float | None = None
    counterexample: dict | None = None
    reproduce: str | None = None
    notes: str = ""
    evidence: dict = dataclasses.field(default_factory=dict)
    seconds: float = 0.0
    kind: str | None = None            # for a refutation: a key of KINDS
    readings: list | None = None       # [reading(...)] where the text admits several readings
    found_by: str | None = None        # for a counterexample: one of FOUND_BY
    reason: str | None = None          # for an inconclusive verdict: a key of REASONS, where one fits

    def __post_init__(self):
        if self.verdict not in VERDICTS:
            raise ValueError(f"bad verdict {self.verdict}")
        if self.kind is not None and self.kind not in KINDS:
            raise ValueError(f"bad refutation kind {self.kind}")
        if self.found_by is not None and self.found_by not in FOUND_BY:
            raise ValueError(f"bad found_by {self.found_by}")


@dataclasses.dataclass
class Claim:
    id: str
    paper: str
    location: str
    statement: str
    assumptions: list[str]
    domain: str
    checkers: list[str]
    check: Callable[[Context], Result] | None = None
    as_printed: bool = True
    corrected: str | None = None       # id of the /corrected twin, for a claim refuted as printed
    what_changed: str | None = None    # for a /corrected claim: what differs from the printed one
    discrepancy: str | None = None     # the known discrepancy (the xfail reason in the test suite)
    expected: str = "verified"         # the verdict the harness currently reaches (tests pin it)
    slow: bool = False                 # excluded from the default test run, run under -m slow
    group: str = "formulas"
    kind: str | None = None            # the kind of error (KINDS) when refuted as printed
    readings: list | None = None       # the readings the text admits: [{"reading", "source"}], static part

    def __post_init__(self):
        if self.kind is not None and self.kind not in KINDS:
            raise ValueError(f"{self.id}: bad refutation kind {self.kind}")
        if self.expected not in VERDICTS:
            raise ValueError(f"{self.id}: bad expected verdict {self.expected}")

    def run(self, ctx: Context) -> Result:
        if self.check is None:
            return Result("not-checked", notes="no checker registered yet")
        t = time.perf_counter()
        res = self.check(ctx)
        res.seconds = time.perf_counter() - t
        return res


REGISTRY: dict[str, Claim] = {}

#: modules that register claims; extend this list, never rename ids
CLAIM_MODULES = [
    "verify.claims.gradients",
    "verify.claims.mabn",
    "verify.claims.smoothness",
    "verify.claims.convergence",
    "verify.claims.rates",
    "verify.claims.poa",
    "verify.claims.figures_bnac",
    "verify.claims.figures_mpg",
    "verify.claims.figures_marl",
    "verify.claims.figures_mabn",
]


def register(claim: Claim) -> Claim:
    if claim.id in REGISTRY:
        raise ValueError(f"duplicate claim id {claim.id}")
    REGISTRY[claim.id] = claim
    return claim


def claim(**meta):
    """Decorator form: ``@claim(id=..., paper=..., ...)`` on a ``check(ctx) -> Result`` function."""
    def deco(fn):
        register(Claim(check=fn, **meta))
        return fn
    return deco


_loaded = False


def load() -> dict[str, Claim]:
    global _loaded
    if not _loaded:
        for m in CLAIM_MODULES:
            importlib.import_module(m)
        _loaded = True
    return REGISTRY


def get(claim_id: str) -> Claim:
    load()
    if claim_id not in REGISTRY:
        raise InputError(f"unknown claim id {claim_id!r} (run 'verify list' for the ids)")
    return REGISTRY[claim_id]


def all_claims() -> list[Claim]:
    return list(load().values())


def to_json(c: Claim, r: Result) -> dict:
    """The stable per-claim JSON record of ``verify check --json`` and the report."""
    corrected = None
    if c.corrected:
        twin = REGISTRY.get(c.corrected)
        corrected = {"id": c.corrected, "statement": twin.statement if twin else None,
                     "what_changed": twin.what_changed if twin else None}
    kind = None
    if r.verdict in ("refuted", "ambiguous"):
        kind = r.kind or c.kind
    cx = r.counterexample
    if cx is not None and r.found_by and "found_by" not in cx:
        cx = dict(cx, found_by=r.found_by)
    found_by = r.found_by or (cx or {}).get("found_by")
    return {
        "id": c.id, "verdict": r.verdict, "as_printed": c.as_printed, "kind": kind,
        "kind_text": KINDS.get(kind) if kind else None, "found_by": found_by,
        "reason": r.reason, "reason_text": REASONS.get(r.reason) if r.reason else None,
        "readings": r.readings,
        "checked_instances": r.checked_instances, "max_error": r.max_error,
        "counterexample": cx, "reproduce": r.reproduce, "corrected": corrected,
        "notes": r.notes,
        "paper": c.paper, "location": c.location, "statement": c.statement,
        "assumptions": c.assumptions, "domain": c.domain, "checkers": c.checkers,
        "evidence": r.evidence, "seconds": round(r.seconds, 3), "group": c.group,
    }
