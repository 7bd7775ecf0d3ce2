"""The CLI contract reviewers script against: ids, --json keys, exit status 2 on bad input."""
import json
import subprocess
import sys

import pytest

KEYS = {"id", "verdict", "as_printed", "checked_instances", "max_error", "counterexample", "reproduce",
        "corrected", "notes"}


def run(*args):
    return subprocess.run([sys.executable, "-m", "verify", *args], capture_output=True, text=True, timeout=600)


def test_list_has_the_gradient_claims():
    out = run("list").stdout
    for cid in ["bnac:lemma-5.1", "bnac:lemma-a.4", "bnrate:lemma-1", "mpg:lemma-3.1", "mpg:lemma-c.2",
                "mpg:equation-1", "mbpg:theorem-1"]:
        assert cid in out


def test_check_json_and_reproduce_command():
    p = run("check", "bnac:lemma-5.1", "--instance",
            '{"action_sizes":[2],"dag":[[]],"gamma":0.5,"n_agents":1,"n_states":1,"seed":0}', "--json")
    assert p.returncode == 0, p.stderr
    obj = json.loads(p.stdout)
    rec = obj["claims"][0]
    assert KEYS <= set(rec)
    assert rec["verdict"] == "refuted" and rec["as_printed"] is True
    assert rec["corrected"]["id"] == "bnac:lemma-5.1/corrected"
    # gamma = 0.5: the printed formula is exactly twice the true gradient
    assert abs(rec["max_error"] - 1.0) < 1e-6


@pytest.mark.parametrize("args, needle", [
    (["check", "no:such-claim"], "unknown claim id"),
    (["check", "bnac:lemma-5.1", "--profile", "huge"], "invalid choice"),
    (["check", "bnac:lemma-5.1", "--instance", '{"gamma": 1.0}'], "gamma"),
    (["check", "bnac:lemma-5.1", "--instance", '{"dag": [[1], [0]]}'], "cycle"),
    (["check", "bnac:lemma-5.1", "--instance", '{"reward_offset": NaN}'], "NaN"),
    (["check", "bnac:lemma-5.1", "--instance", "{oops"], "JSON"),
    (["frobnicate"], "invalid choice"),
    (["figures", "no:figure-9"], "unknown figure id"),
    (["figures", "--profile", "huge"], "invalid choice"),
])
def test_bad_input_one_line_exit_2(args, needle):
    p = run(*args)
    assert p.returncode == 2
    err = p.stderr.strip()
    assert "\n" not in err and "Traceback" not in err and needle in err, err


def test_proof_json_lists_every_step_with_status():
    p = run("proof", "mbpg:theorem-1/proof", "--json")
    assert p.returncode == 0, p.stderr
    obj = json.loads(p.stdout)
    assert obj["id"] == "mbpg:theorem-1/proof" and len(obj["steps"]) >= 10
    assert all(s["status"] in ("holds", "fails", "not-evaluable", "start", "weak") for s in obj["steps"])
    assert obj["first_failure"]["n"] == 8  # the prod_{j != i} typo


def test_unknown_proof_id_exit_2():
    p = run("proof", "nope:x/proof")
    assert p.returncode == 2 and "\n" not in p.stderr.strip()
