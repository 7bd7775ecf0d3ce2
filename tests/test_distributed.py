"""The task layer (verify.distributed, verify.taskstore): a report on a Dask cluster gives the serial
run's JSON, a killed worker costs only its task in flight, a rerun after completion computes nothing,
and bad cluster options are one-line errors with exit status 2."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from verify.errors import InputError

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

#: cheap claims (each under 1 s at the quick profile on 2 cores), verified, refuted and ambiguous ones
IDS = ["mpg:definition-4.1", "mabn:remark-3.1", "mabn:remark-3.4", "bnac:remark-4", "mabn:section-5-examples",
       "mpg:theorem-4.5", "mabn:section-3.2-mabn-size", "mpg:corollary-4.8", "bnac:figure-1"]

#: what differs between runs by design: wall times, run labels, the machine line
TIMING = ("seconds", "elapsed", "run", "seconds_this_run", "runs", "machine")


def strip(obj):
    """A report's JSON without its timings."""
    if isinstance(obj, dict):
        return {k: strip(v) for k, v in obj.items() if k not in TIMING}
    if isinstance(obj, list):
        return [strip(v) for v in obj]
    return obj


def run(*args, timeout=300):
    return subprocess.run([sys.executable, "-m", "verify", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


def one_line_exit_2(p, needle):
    assert p.returncode == 2, (p.returncode, p.stderr[-2000:])
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], p.stderr
    assert "Traceback" not in p.stderr


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    """The serial report on IDS (in this process, as `verify report` without cluster options)."""
    from verify.registry import Context
    from verify.report import write_report
    out = str(tmp_path_factory.mktemp("serial"))
    return write_report(out, Context(), ids=IDS)


# ---- the store ----------------------------------------------------------------------------------
def test_task_key_covers_every_input_and_the_code_version(tmp_path):
    from verify.report import claim_tasks
    from verify.registry import Context
    from verify.taskstore import TaskStore, code_version, task_key
    base = claim_tasks(["mpg:definition-4.1"], Context())[0]
    k = base.key()
    assert k == claim_tasks(["mpg:definition-4.1"], Context())[0].key()  # stable
    others = [claim_tasks(["mpg:definition-4.2"], Context())[0], claim_tasks(["mpg:definition-4.1"], Context(seed=1))[0],
              claim_tasks(["mpg:definition-4.1"], Context(profile="paper"))[0],
              claim_tasks(["mpg:definition-4.1"], Context(witnesses=False))[0]]
    assert len({k} | {t.key() for t in others}) == 5
    assert task_key(base.name, base.inputs, code="another-version") != k
    assert len(code_version()) == 16
    st = TaskStore(str(tmp_path / "s"))
    assert st.get(k) is None
    st.put(k, base.name, base.inputs, {"x": 1.5})
    assert st.get(k)["result"] == {"x": 1.5} and st.keys() == [k]
    assert [p.name for p in (tmp_path / "s").iterdir()] == [f"{k}.json"]  # no temporary file left
    # a file whose content belongs to another key, or does not parse, is not a result
    other = task_key(base.name, dict(base.inputs, seed=7))
    (tmp_path / "s" / f"{other}.json").write_text((tmp_path / "s" / f"{k}.json").read_text())
    (tmp_path / "s" / "torn.json").write_text('{"key": "torn", "res')
    assert st.get(other) is None and st.get("torn") is None
    st.clear()
    assert st.keys() == []


def test_code_version_follows_the_sources(tmp_path, monkeypatch):
    from verify import taskstore
    a = tmp_path / "a.py"
    a.write_text("x = 1\n")
    monkeypatch.setattr(taskstore, "_source_files", lambda: [str(a)])
    taskstore.code_version.cache_clear()
    try:
        v1 = taskstore.code_version()
        a.write_text("x = 2\n")
        taskstore.code_version.cache_clear()
        assert taskstore.code_version() != v1
    finally:
        taskstore.code_version.cache_clear()


def test_a_worker_with_other_code_refuses(tmp_path):
    from verify.distributed import CodeMismatch, execute
    with pytest.raises(CodeMismatch, match="code version"):
        execute("verify.report:claim_record", {"claim": "bnac:figure-1", "profile": "quick", "seed": 0,
                                               "witnesses": True}, "k", "not-this-version")


# ---- options ------------------------------------------------------------------------------------
def test_bad_cluster_options_are_one_line_errors():
    one_line_exit_2(run("report", "bnac:figure-1", "--workers", "0", "--out", "/nonexistent/never"),
                    "--workers must be at least 1")
    one_line_exit_2(run("check", "bnac:figure-1", "--workers", "2", "--scheduler", "tcp://127.0.0.1:9"),
                    "not both")
    one_line_exit_2(run("figures", "no-such-figure", "--workers", "-3"), "--workers must be at least 1")
    one_line_exit_2(run("check", "bnac:figure-1", "--workers", "2", "--instance", "{}"), "--instance")
    one_line_exit_2(run("figures", "bnac:figure-4", "--seeds-per-task", "0"), "--seeds-per-task must be at least 1")


def test_unreachable_scheduler_is_a_one_line_error(capsys):
    """Through the command line's error path, in this process (a subprocess would only add its imports)."""
    from verify import distributed
    from verify.cli import main
    t = time.time()
    assert main(["check", "bnac:figure-1", "mpg:definition-4.1", "--scheduler", "tcp://127.0.0.1:9"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in err[0], err
    assert time.time() - t < 4 * distributed.CONNECT_TIMEOUT_S + 10


def test_missing_dask_is_a_one_line_error(tmp_path):
    code = ("import sys; sys.modules['distributed'] = None; from verify.cli import main; "
            f"sys.exit(main(['report', 'bnac:figure-1', '--workers', '2', '--out', {str(tmp_path)!r}]))")
    p = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    one_line_exit_2(p, "pip install -e '.[distributed]'")
    from verify import distributed
    assert distributed.check_options() is False  # without options nothing is imported or asked


# ---- the report on a cluster --------------------------------------------------------------------
def test_report_on_two_workers_equals_the_serial_run_and_a_rerun_computes_nothing(tmp_path, serial):
    out = str(tmp_path / "r")
    p = run("report", *IDS, "--workers", "2", "--out", out)
    assert p.returncode == 0, p.stderr[-3000:]
    obj = json.load(open(os.path.join(out, "verification-report.json")))
    assert strip(obj) == strip(serial)
    assert [r["id"] for r in obj["claims"]] == IDS
    tasks = os.path.join(out, "verification-tasks")
    before = {n: os.stat(os.path.join(tasks, n)).st_mtime_ns for n in os.listdir(tasks)}
    assert len(before) == len(IDS) + len(obj["proofs"])
    journal = open(os.path.join(out, "verification-results.jsonl")).read()
    # the rerun: every task is taken from the store; no cluster is started, nothing is computed
    p = run("report", *IDS, "--workers", "2", "--out", out)
    assert p.returncode == 0, p.stderr[-3000:]
    assert p.stdout.count("(resumed)") == len(IDS)
    after = {n: os.stat(os.path.join(tasks, n)).st_mtime_ns for n in os.listdir(tasks)}
    assert after == before
    assert open(os.path.join(out, "verification-results.jsonl")).read() == journal
    assert strip(json.load(open(os.path.join(out, "verification-report.json")))) == strip(serial)


def test_rerun_in_process_computes_nothing_and_fresh_recomputes(tmp_path, serial, monkeypatch):
    from verify import distributed
    from verify.registry import Context
    from verify.report import write_report
    out = str(tmp_path)
    write_report(out, Context(), ids=IDS[:3], with_proofs=False)
    calls = []
    real = distributed.execute
    monkeypatch.setattr(distributed, "execute", lambda *a, **k: calls.append(a[0]) or real(*a, **k))
    seen = []
    obj = write_report(out, Context(), ids=IDS[:3], with_proofs=False, progress=lambda i, v, t: seen.append(t))
    assert calls == [] and seen == ["(resumed)"] * 3
    assert strip(obj["claims"]) == strip(serial["claims"][:3])
    obj = write_report(out, Context(), ids=IDS[:3], with_proofs=False, fresh=True)
    assert len(calls) == 3 and strip(obj["claims"]) == strip(serial["claims"][:3])
    # another seed is another task: computed, not taken from the store
    write_report(out, Context(seed=1), ids=IDS[:1], with_proofs=False)
    assert len(calls) == 4


def test_a_killed_worker_loses_only_its_task_in_flight(tmp_path, serial):
    """Two worker processes; when the first result lands, the worker running a task is killed (SIGKILL);
    Dask runs that task again on a fresh worker and every claim completes, with the serial results."""
    from distributed import Client, LocalCluster

    from verify.distributed import run_tasks
    from verify.registry import Context
    from verify.report import claim_tasks
    from verify.taskstore import TaskStore
    killed = {}
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=50) as cluster, Client(cluster) as client:
        client.wait_for_workers(2, timeout=120)

        def kill_one(i, task, rec, how):
            if killed:
                return
            deadline = time.time() + 20
            while time.time() < deadline:
                busy = {w: ks for w, ks in client.processing().items() if ks}
                if busy:
                    break
                time.sleep(0.02)
            pids = client.run(os.getpid)
            victim = next(iter(busy)) if busy else next(iter(pids))
            killed.update(worker=victim, pid=pids[victim], in_flight=list(busy.get(victim, [])))
            os.kill(pids[victim], signal.SIGKILL)

        store = TaskStore(str(tmp_path / "tasks"))
        recs = run_tasks(claim_tasks(IDS, Context()), scheduler=cluster.scheduler_address, store=store,
                         progress=kill_one)
    assert killed and killed["in_flight"], killed  # a task was in flight on the killed worker
    assert [r["id"] for r in recs] == IDS
    assert strip(recs) == strip(serial["claims"])
    assert len(store.keys()) == len(IDS)


def test_figures_and_sweeps_are_cut_into_tasks(tmp_path):
    from verify.distributed import sweep_tasks
    spec = {"tag": "quick_cg2", "config": {"env": "coordination"}, "variants": ["context"],
            "seeds": [0, 1, 2, 3, 4], "chunk": 25}
    ts = sweep_tasks(spec, str(tmp_path), 2)
    assert [t.inputs["spec"]["seeds"] for t in ts] == [[0, 1], [2, 3], [4]]
    assert [t.inputs["spec"]["tag"] for t in ts] == ["quick_cg2/seeds-0-1", "quick_cg2/seeds-2-3",
                                                     "quick_cg2/seeds-4-4"]
    assert len({t.key() for t in ts}) == 3
    with pytest.raises(InputError):
        sweep_tasks(spec, str(tmp_path), 0)


def _fake_chunk(spec, out_dir):
    """Rows as run_grid writes them (update-chunk, variant, seed, update) for the chunk's seeds."""
    n, chunk = 5, spec["chunk"]
    rows = []
    for c0 in range(0, n, chunk):
        for v in spec["variants"]:
            for s in spec["seeds"]:
                for u in range(c0 + 1, min(c0 + chunk, n) + 1):
                    rows.append({"variant": v, "seed": str(s), "update": str(u), "return": f"{s * 10 + u}"})
    return {"tag": spec["tag"], "seeds": spec["seeds"], "rows": rows, "complete": True, "csv": ""}


def test_a_cut_sweep_merges_its_rows_in_the_uncut_order(tmp_path, monkeypatch):
    from verify import distributed
    from verify.taskstore import TaskStore
    monkeypatch.setattr(distributed, "grid_chunk", _fake_chunk)
    spec = {"tag": "t", "config": {}, "variants": ["context", "full"], "seeds": [3, 4, 5, 6, 7], "chunk": 2}
    whole = _fake_chunk(spec, "")["rows"]
    for k in (1, 2, 5):
        res = distributed.run_sweep(spec, str(tmp_path), k, store=TaskStore(str(tmp_path / f"s{k}")))
        assert res["rows"] == whole and res["tasks"] == -(-5 // k)
    # a planted error: one chunk's rows left out is caught by the comparison
    monkeypatch.setattr(distributed, "grid_chunk", lambda spec, out_dir: dict(
        _fake_chunk(spec, out_dir), rows=[] if spec["seeds"][0] == 5 else _fake_chunk(spec, out_dir)["rows"]))
    assert distributed.run_sweep(spec, str(tmp_path), 1)["rows"] != whole


@pytest.mark.slow
def test_a_sweep_cut_into_seed_chunks_gives_the_same_numbers_here_and_on_two_workers(tmp_path):
    """The same cut (2 seeds per task) in this process and on a local cluster of two workers: the same
    rows and runner states.  (The uncut run, all seeds in one vmapped batch, differs from a cut one in the
    last float32 bits of some losses: the cut is an input of the result, like the seed.)"""
    import jax
    import numpy as np

    from verify import distributed as D
    cfg = {"env": "coordination", "env_kwargs": {"n_agents": 2}, "total_steps": 640, "n_envs": 4,
           "ppo_epochs": 1, "hidden": 8}
    spec = {"tag": "t", "config": cfg, "variants": ["context", "uncorrelated"], "seeds": [0, 1, 2], "chunk": 4,
            "exact": True}
    out = {}
    for name, cluster in (("here", D.Cluster()), ("cluster", D.Cluster(workers=2))):
        with cluster, D.sweeps(cluster, 2, str(tmp_path / name / "tasks")):
            out[name] = D.grid(spec, str(tmp_path / name), log=lambda *a: None, progress=False)
    assert out["here"]["rows"] == out["cluster"]["rows"] and len(out["here"]["rows"]) == 2 * 3 * 8
    for x, y in zip(jax.tree_util.tree_leaves(out["here"]["runner"]), jax.tree_util.tree_leaves(out["cluster"]["runner"])):
        assert np.array_equal(np.asarray(x), np.asarray(y))
