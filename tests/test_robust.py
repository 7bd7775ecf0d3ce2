"""The command line as a new user meets it: bad output folders, unknown --instance keys, oversized
instances, kills during a report, --help and --version, verify show, progress lines, cut marks in
the report, and your own game (--game).  Every bad input: one line on stderr, exit status 2."""
import io
import json
import os
import random
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from verify.errors import InputError

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLE = os.path.join(ROOT, "examples", "team_coordination.json")


def run(*args, timeout=600, env=None):
    return subprocess.run([sys.executable, "-m", "verify", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT, env=env)


def one_line_exit_2(p, needle):
    err = p.stderr.strip()
    assert p.returncode == 2, (p.returncode, err[-2000:])
    assert "\n" not in err and "Traceback" not in err, err
    assert needle in err, err
    return err


# ---- 1. --out validated before any work ---------------------------------------------------------
@pytest.mark.parametrize("cmd", ["report", "figures"])
@pytest.mark.parametrize("case", ["file", "under-file", "not-writable"])
def test_out_folder_validated_before_any_work(tmp_path, cmd, case):
    f = tmp_path / "afile"
    f.write_text("x")
    out = {"file": str(f), "under-file": str(f / "sub" / "dir"), "not-writable": "/proc/verify-cannot-write"}[case]
    t = time.time()
    p = run(cmd, "--out", out)
    one_line_exit_2(p, "--out")
    assert time.time() - t < 60  # no claim or figure was run
    assert f.read_text() == "x"


# ---- 2. --instance keys -------------------------------------------------------------------------
@pytest.mark.parametrize("spec, needle", [
    ('{"gama": 1.0}', "'gama'"),
    ('{"n_states": 1, "P": [[1.0]]}', "'P'"),
])
def test_unknown_instance_keys_are_refused(spec, needle):
    err = one_line_exit_2(run("check", "bnac:lemma-5.1", "--instance", spec), needle)
    assert "gamma" in err  # the accepted keys are listed


def test_instance_on_a_claim_that_takes_none():
    one_line_exit_2(run("check", "bnac:remark-4", "--instance", "{}"), "takes no --instance")


def test_accepted_keys_cover_the_samplers_keys():
    from verify.instances import GAME_KEYS, POLICY_KEYS, accepted_keys, sample_spec
    from verify.registry import get
    keys = accepted_keys(get("bnrate:lemma-1"))
    assert set(sample_spec(np.random.default_rng(0))) <= keys and "lambda" in keys
    assert GAME_KEYS | POLICY_KEYS <= keys and "gama" not in keys
    assert accepted_keys(get("bnac:remark-4")) is None


def test_validate_instance_catches_a_planted_typo():
    from verify.instances import validate_instance
    from verify.registry import get
    validate_instance(get("bnac:lemma-5.1"), {"gamma": 0.5, "theta_seed": 1})
    with pytest.raises(InputError, match="'theta_sed'"):
        validate_instance(get("bnac:lemma-5.1"), {"gamma": 0.5, "theta_sed": 1})


def test_reproduce_without_an_unread_instance():
    from verify.instances import drop_unread_instance
    from verify.registry import get
    cmd = "python -m verify check bnac:remark-4 --instance '{\"n\":1}'"
    assert drop_unread_instance(get("bnac:remark-4"), cmd) == "python -m verify check bnac:remark-4"
    cmd = "python -m verify check bnac:lemma-5.1 --instance '{\"gamma\":0.5}'"
    assert drop_unread_instance(get("bnac:lemma-5.1"), cmd) == cmd


# ---- 3. oversized instances ---------------------------------------------------------------------
def test_oversized_instance_refused_before_allocation():
    spec = '{"n_agents": 8, "action_sizes": [3,3,3,3,3,3,3,3], "n_states": 2000}'
    one_line_exit_2(run("check", "bnac:lemma-5.1", "--instance", spec), "too large")


def test_size_estimate():
    from verify.games import check_size, estimate_bytes
    assert estimate_bytes(2000, [3] * 8) > 196 * 2**30  # P alone is 2000 * 6561 * 2000 floats
    check_size(4, [3, 3, 3, 3])
    with pytest.raises(InputError, match="too large"):
        check_size(2000, [3] * 8)


# ---- 4. atomic report files, torn journal lines, kills -------------------------------------------
def test_atomic_write_keeps_the_old_file_when_interrupted(tmp_path, monkeypatch):
    from verify import report
    p = tmp_path / "r.json"
    report.atomic_write(str(p), '{"a": 1}')

    def boom(*a):
        raise KeyboardInterrupt

    monkeypatch.setattr(report.os, "replace", boom)
    with pytest.raises(KeyboardInterrupt):
        report.atomic_write(str(p), '{"a": 2, "b": "never complete"}')
    assert json.loads(p.read_text()) == {"a": 1}
    assert [x.name for x in tmp_path.iterdir()] == ["r.json"]  # no temporary file left behind


def test_torn_last_journal_line_is_dropped(tmp_path):
    from verify.report import read_journal
    j = tmp_path / "verification-results.jsonl"
    j.write_text(json.dumps({"id": "a", "verdict": "verified"}) + "\n" + '{"id": "b", "verd')
    recs = read_journal(str(j))
    assert [r["id"] for r in recs] == ["a"]
    assert j.read_text().endswith("}\n")  # the next record starts on its own line
    with open(j, "a") as f:
        f.write(json.dumps({"id": "b", "verdict": "refuted"}) + "\n")
    assert [r["id"] for r in read_journal(str(j))] == ["a", "b"]


FAST = ["mpg:theorem-4.7", "mpg:corollary-4.8", "bnac:figure-1", "bnac:lemma-5.1/corrected"]


def _report_files_parse(out):
    for name in ("verification-report.md", "verification-report.json"):
        p = os.path.join(out, name)
        if os.path.exists(p):
            text = open(p).read()
            assert text.strip(), f"{name} is empty"
            if name.endswith(".json"):
                json.loads(text)


def test_kill_report_at_random_moments_then_resume(tmp_path):
    out = str(tmp_path / "r")
    rng = random.Random(11)
    cmd = [sys.executable, "-m", "verify", "report", "--out", out, *FAST]
    for _ in range(3):
        p = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        t_end = time.time() + rng.uniform(3.0, 25.0)
        while time.time() < t_end and p.poll() is None:
            _report_files_parse(out)
            time.sleep(0.005)
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
        p.wait()
        _report_files_parse(out)
    p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr[-2000:]
    _report_files_parse(out)
    obj = json.load(open(os.path.join(out, "verification-report.json")))
    assert [r["id"] for r in obj["claims"]] == FAST
    ids = [json.loads(line)["id"] for line in open(os.path.join(out, "verification-results.jsonl"))]
    assert sorted(ids) == sorted(FAST)  # nothing lost, nothing duplicated


# ---- 5/9. the report's Markdown marks every cut; total time over resumed runs --------------------
def test_markdown_marks_every_cut():
    from verify.registry import Context
    from verify.report import CUT_MARK, markdown
    rec = {"id": "x:y", "verdict": "verified", "as_printed": True, "checked_instances": 1, "max_error": 0.0,
           "notes": "n" * 500, "paper": "p", "location": "l", "statement": "s", "assumptions": [], "domain": "d",
           "checkers": [], "evidence": {"big": list(range(3000))}, "readings": None}
    md = markdown([rec], Context(), 1.0)
    assert md.count(CUT_MARK) == 1 and "evidence cut:" in md
    block = md.split("```json\n")[1].split("```")[0]
    assert block.rstrip().endswith(",")  # cut at a line boundary, inside the fence
    rec["notes"], rec["evidence"] = "short", {"a": 1}
    md = markdown([rec], Context(), 1.0)
    assert CUT_MARK not in md and "evidence cut" not in md


def test_total_time_over_resumed_runs(tmp_path):
    from verify.registry import Context
    from verify.report import write_report
    out = str(tmp_path)
    j = os.path.join(out, "verification-results.jsonl")
    old = {"id": "mpg:theorem-4.7", "verdict": "refuted", "profile": "quick", "seed": 0, "witnesses": True,
           "elapsed": 1000.0, "run": "1-1", "seconds": 999.0}
    from verify.registry import get, to_json
    from verify.registry import Result
    rec = dict(to_json(get("mpg:theorem-4.7"), Result("refuted")), **old)
    with open(j, "w") as f:
        f.write(json.dumps(rec) + "\n")
    from verify.report import TASKS_DIR, claim_tasks
    from verify.taskstore import TaskStore
    t = claim_tasks(["mpg:theorem-4.7"], Context())[0]  # the task store is the journal a run resumes from
    TaskStore(os.path.join(out, TASKS_DIR)).put(t.key(), t.name, t.inputs, rec)
    stale = os.path.join(out, ".verification-report.json.abc123.tmp")  # left by a kill during a write
    open(stale, "w").write('{"half')
    obj = write_report(out, Context(), ids=["mpg:theorem-4.7", "mpg:corollary-4.8"], with_proofs=False)
    assert not os.path.exists(stale)
    assert obj["seconds"] >= 1000 and obj["seconds_this_run"] < 1000 and obj["runs"] == 2
    assert "in total over 2 runs" in open(os.path.join(out, "verification-report.md")).read()


# ---- 6/7. verify show, --help, --version ---------------------------------------------------------
def test_show_prints_the_claim_and_its_last_verdict(tmp_path):
    p = run("show", "bnac:lemma-5.1", "--report", str(tmp_path))
    assert p.returncode == 0, p.stderr
    for needle in ("statement as printed", "Lemma 5.1", "assumptions", "domain checked", "readings",
                   "checkers", "no report under"):
        assert needle in p.stdout, needle
    with open(tmp_path / "verification-report.json", "w") as f:
        json.dump({"profile": "quick", "seed": 0, "claims": [{"id": "bnac:lemma-5.1", "verdict": "refuted"}]}, f)
    p = run("show", "bnac:lemma-5.1", "--report", str(tmp_path))
    assert "last verdict: refuted" in p.stdout
    one_line_exit_2(run("show", "no:such"), "unknown claim id")


def test_version():
    from verify import __version__
    p = run("--version")
    assert p.returncode == 0 and p.stdout.strip() == f"verify {__version__}"


def test_every_option_says_what_it_does_and_its_default():
    import argparse
    from verify.cli import _parser
    p = _parser()
    sub = next(a for a in p._actions if isinstance(a, argparse._SubParsersAction))
    for name, sp in sub.choices.items():
        assert sp.formatter_class is argparse.ArgumentDefaultsHelpFormatter, name
        for a in sp._actions:
            if isinstance(a, argparse._HelpAction):
                continue
            assert a.help, f"{name} {a.option_strings or a.dest} has no help"
        text = sp.format_help()
        for a in sp._actions:
            if a.option_strings and not isinstance(a, argparse._HelpAction):
                assert "(default:" in text, name
    assert "--version" in p.format_help()


# ---- 8. progress ---------------------------------------------------------------------------------
def test_progress_plain_lines_and_bar():
    from verify.progress import Progress
    out = io.StringIO()
    with Progress(2, "claims", out=out, bar=False) as p:
        p.phase("replaying proofs")
        p.advance("a verified")
        p.advance("b refuted")
    text = out.getvalue()
    assert "... replaying proofs" in text and "[1/2" in text and "[2/2" in text and "left]" in text
    err = io.StringIO()
    with Progress(2, "claims", err=err, bar=True) as p:
        p.phase("compiling")
        p.advance("a verified")
        p.advance("b verified")
    assert "a verified" in err.getvalue() and "2/2" in err.getvalue()


# ---- 10. your own game ---------------------------------------------------------------------------
def test_shipped_examples_load():
    from verify.gamefile import load_game_file
    for name in os.listdir(os.path.join(ROOT, "examples")):
        if name.endswith((".json", ".npz")):
            gf = load_game_file(os.path.join(ROOT, "examples", name))
            assert gf.game.n_agents >= 2


def test_corrected_lemma_5_1_verified_on_the_example_game():
    p = run("check", "bnac:lemma-5.1/corrected", "--game", EXAMPLE, "--json")
    assert p.returncode == 0, p.stderr[-2000:]
    rec = json.loads(p.stdout)["claims"][0]
    assert rec["verdict"] == "verified" and rec["checked_instances"] >= 20


def test_printed_lemma_5_1_refuted_on_the_example_game_and_reproduced():
    p = run("check", "bnac:lemma-5.1", "--game", EXAMPLE, "--json")
    rec = json.loads(p.stdout)["claims"][0]
    assert rec["verdict"] == "refuted" and rec["found_by"] == "search" and "--game" in rec["reproduce"]
    import shlex
    args = shlex.split(rec["reproduce"])[3:]
    q = run(*args, "--json")
    assert q.returncode == 0 and json.loads(q.stdout)["claims"][0]["verdict"] == "refuted"


def _game(tmp_path, **change):
    obj = json.load(open(EXAMPLE))
    for k, v in change.items():
        if v is None:
            obj.pop(k, None)
        else:
            obj[k] = v
    path = tmp_path / "game.json"
    path.write_text(json.dumps(obj).replace('"__nan__"', "NaN"))
    return str(path)


def test_row_summing_to_0_9_refused(tmp_path):
    P = json.load(open(EXAMPLE))["P"]
    P[1][0][1] = [0.2, 0.7]
    one_line_exit_2(run("check", "bnac:lemma-5.1/corrected", "--game", _game(tmp_path, P=P)), "sums to 0.9")


BAD_GAMES = [
    ({"P": [[[[0.9, 0.1], [0.5, 0.5]], [[0.5, 0.5], [0.2, 0.8]]]]}, "rewards\\b|reward must have shape|P's last axis"),
    ({"P": [[[[1.1, -0.1], [0.5, 0.5]], [[0.5, 0.5], [0.2, 0.8]]],
            [[[0.6, 0.4], [0.3, 0.7]], [[0.3, 0.7], [0.1, 0.9]]]]}, "non-negative"),
    ({"reward": [[[1.0, "__nan__"], [0.0, 0.5]], [[2.0, -1.0], [-1.0, 1.5]]]}, "NaN"),
    ({"gamma": 1.0}, "gamma"),
    ({"gamma": "0.9"}, "gamma"),
    ({"mu": [0.6, 0.6]}, "mu"),
    ({"mu": [0.5, 0.5, 0.0]}, "mu must have shape"),
    ({"dag": [[1], [0]]}, "cycle"),
    ({"dag": [[], [0], [1]]}, "3 agents"),
    ({"action_sizes": [2, 3]}, "disagree"),
    ({"gama": 0.9}, "unknown key"),
    ({"reward": None}, "exactly one of reward"),
    ({"P": None}, "P is missing"),
    ({"theta": [[0.0]]}, "theta"),
    ({"reward": [[1.0, 0.0]]}, "reward must have shape"),
]


@pytest.mark.parametrize("change, needle", BAD_GAMES)
def test_malformed_game_files_one_line(tmp_path, change, needle):
    import re
    from verify.gamefile import load_game_file
    with pytest.raises(InputError) as e:
        load_game_file(_game(tmp_path, **change))
    msg = str(e.value)
    assert "\n" not in msg and re.search(needle, msg), msg


def test_game_file_errors_from_the_command_line(tmp_path):
    one_line_exit_2(run("check", "bnac:lemma-5.1", "--game", str(tmp_path / "missing.json")), "no such file")
    bad = tmp_path / "bad.json"
    bad.write_text("{oops")
    one_line_exit_2(run("check", "bnac:lemma-5.1", "--game", str(bad)), "not valid JSON")
    one_line_exit_2(run("check", "bnac:remark-4", "--game", EXAMPLE), "does not take --game")
    one_line_exit_2(run("check", "bnac:lemma-5.1", "--game", EXAMPLE, "--instance", '{"gamma": 0.5}'),
                    "cannot be combined with --game")
    pot = os.path.join(ROOT, "examples", "potential_game.json")
    one_line_exit_2(run("check", "bnac:lemma-5.1", "--game", pot), "cooperative")


def test_npz_game_with_adjacency_and_theta(tmp_path):
    from verify.gamefile import build_on_game, load_game_file
    obj = json.load(open(EXAMPLE))
    th = [np.zeros((2, 2)), np.ones((2, 2, 2))]
    path = str(tmp_path / "g.npz")
    np.savez(path, P=np.array(obj["P"]), reward=np.array(obj["reward"]), gamma=np.array(0.9),
             dag=np.array([[0, 1], [0, 0]]), theta_0=th[0], theta_1=th[1])
    gf = load_game_file(path)
    assert gf.dag.parents == ((), (0,)) and gf.thetas is not None
    game, pol = build_on_game({"game": path})
    assert np.allclose(pol.thetas[1], 1.0) and np.allclose(game.mu, 0.5)
    np.savez(path, P=np.array(obj["P"]), reward=np.array(obj["reward"]), gamma=np.array(0.9),
             dag=np.array([[0, 1], [0, 0]]), theta_0=th[0], theta_1=np.ones((2, 2)))
    with pytest.raises(InputError, match="theta\\[1\\] must have shape"):
        load_game_file(path)
