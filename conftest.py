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
    _notebooks_write_to_a_temporary_folder(config)


_NB_TMP: list[str] = []


def _notebooks_write_to_a_temporary_folder(config) -> None:
    """The notebooks under test (nbval) write their figures relative to their working folder
    (``figures/``, ``../results/figures``), which is the notebook's own folder in the repository: a
    test run would rewrite tracked files.  Their kernels instead start in a temporary copy of that
    layout: IPython runs the startup file of the profile in ``$IPYTHONDIR`` before the first cell, and
    it puts the repository first on ``sys.path`` (so the notebooks import this checkout's ``verify``)
    and changes into ``<tmp>/notebooks``.  Set ``VERIFY_NOTEBOOK_OUTPUTS=repo`` to let a run write
    into the repository on purpose (to refresh the committed quick figures)."""
    if os.environ.get("VERIFY_NOTEBOOK_OUTPUTS") == "repo":
        return
    import tempfile
    repo = os.path.dirname(os.path.abspath(__file__))
    tmp = tempfile.mkdtemp(prefix="verify-notebooks-")
    _NB_TMP.append(tmp)
    nb = os.path.join(tmp, "notebooks")
    for d in (os.path.join(nb, "figures"), os.path.join(tmp, "results", "figures")):
        os.makedirs(d, exist_ok=True)
    startup = os.path.join(tmp, "ipython", "profile_default", "startup")
    os.makedirs(startup)
    with open(os.path.join(startup, "00-verify-outputs.py"), "w") as f:
        f.write("import os, sys\n"
                f"sys.path.insert(0, {repo!r})\n"
                f"os.chdir({nb!r})\n")
    os.environ["IPYTHONDIR"] = os.path.join(tmp, "ipython")
    os.environ["VERIFY_NOTEBOOK_TMP"] = tmp


def pytest_unconfigure(config):
    import shutil
    while _NB_TMP:
        shutil.rmtree(_NB_TMP.pop(), ignore_errors=True)
        os.environ.pop("IPYTHONDIR", None)
        os.environ.pop("VERIFY_NOTEBOOK_TMP", None)


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
        from verify.report import atomic_write, markdown
        ctx = Context(profile=config.getoption("--verify-profile"), seed=config.getoption("--verify-seed"))
        recs = list(_RESULTS.values())
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        atomic_write(path, markdown(recs, ctx, sum(r.get("seconds", 0) for r in recs)))
        atomic_write(os.path.splitext(path)[0] + ".json", json.dumps({"claims": recs}, indent=1, default=float))
        tr.write_line(f"report written to {path}")
