"""The claim registry: every lemma, theorem, formula and figure statement of the papers, with its
location, the statement as printed, its assumptions, the domain it quantifies over, its checkers and
a check function that returns a verdict with evidence.

Verdicts: ``verified`` (held on every instance tried; count and worst error given), ``refuted``
(a counterexample, shrunk, with a command that rebuilds it), ``inconclusive`` (with why),
``not-checked``.  A claim refuted as printed has a ``/corrected`` twin that states what does hold.
"""
from __future__ import annotations

import dataclasses
import importlib
import time
from typing import Callable

from .errors import InputError

VERDICTS = ("verified", "refuted", "inconclusive", "not-checked")
PROFILES = ("quick", "paper", "deep")


@dataclasses.dataclass
class Context:
    """How hard to look: ``profile`` sets instance counts; ``seed`` makes every instance rebuildable;
    ``instance`` (a spec dict) checks a single instance, as a reproduction command does."""
    profile: str = "quick"
    seed: int = 0
    instance: dict | None = None

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

    def __post_init__(self):
        if self.verdict not in VERDICTS:
            raise ValueError(f"bad verdict {self.verdict}")


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
    return {
        "id": c.id, "verdict": r.verdict, "as_printed": c.as_printed,
        "checked_instances": r.checked_instances, "max_error": r.max_error,
        "counterexample": r.counterexample, "reproduce": r.reproduce, "corrected": corrected,
        "notes": r.notes,
        "paper": c.paper, "location": c.location, "statement": c.statement,
        "assumptions": c.assumptions, "domain": c.domain, "checkers": c.checkers,
        "evidence": r.evidence, "seconds": round(r.seconds, 3), "group": c.group,
    }
