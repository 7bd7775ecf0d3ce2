"""The pytest report plugin: running the test suite checks every registered claim
(tests/test_claims.py) and ends with a table of claims and verdicts; ``--verify-report PATH``
also writes that report (Markdown, and JSON next to it).

Options: ``--verify-profile quick|paper|deep`` (default quick), ``--verify-seed S``.
"""
from __future__ import annotations

import json
import os

import pytest

_RESULTS: dict[str, dict] = {}


def pytest_addoption(parser):
    g = parser.getgroup("verify")
    g.addoption("--verify-profile", default=os.environ.get("VERIFY_PROFILE", "quick"),
                choices=("quick", "paper", "deep"), help="instance counts for the claim checks")
    g.addoption("--verify-seed", type=int, default=0, help="seed for the claim checks")
    g.addoption("--verify-report", default=None, help="write the claim report (Markdown) to this path")


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: long checks, run with -m slow (not in the default run)")
    config.addinivalue_line("markers", "claim(id): a test that checks a registered claim")


@pytest.fixture(scope="session")
def verify_context(request):
    from verify.registry import Context
    return Context(profile=request.config.getoption("--verify-profile"),
                   seed=request.config.getoption("--verify-seed"))


@pytest.fixture(scope="session")
def claim_results():
    """Session-wide store: claim id -> JSON record, filled by tests/test_claims.py."""
    return _RESULTS


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not _RESULTS:
        return
    tr = terminalreporter
    tr.section("verification report (claims and verdicts)")
    w = max(len(k) for k in _RESULTS)
    tr.write_line(f"{'claim':{w}s}  {'verdict':12s} {'printed':7s} {'inst':>5s}  max error")
    for k, r in _RESULTS.items():
        me = "-" if r["max_error"] is None else f"{r['max_error']:.3g}"
        tr.write_line(f"{k:{w}s}  {r['verdict']:12s} {'yes' if r['as_printed'] else 'no':7s} "
                      f"{r['checked_instances']:5d}  {me}")
    counts = {}
    for r in _RESULTS.values():
        counts[r["verdict"]] = counts.get(r["verdict"], 0) + 1
    tr.write_line("verdicts: " + ", ".join(f"{v} {k}" for k, v in sorted(counts.items())))
    path = config.getoption("--verify-report")
    if path:
        from verify.registry import Context
        from verify.report import markdown
        ctx = Context(profile=config.getoption("--verify-profile"), seed=config.getoption("--verify-seed"))
        recs = list(_RESULTS.values())
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(path, "w") as f:
            f.write(markdown(recs, ctx, sum(r.get("seconds", 0) for r in recs)))
        with open(os.path.splitext(path)[0] + ".json", "w") as f:
            json.dump({"claims": recs}, f, indent=1, default=float)
        tr.write_line(f"report written to {path}")
