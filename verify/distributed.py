"""The task layer: the harness's work as named tasks, run in this process or on a Dask cluster.

A task is ``Task(name, inputs)``: ``name`` is ``"module:function"`` and ``inputs`` a JSON-able dict of
keyword arguments; the function returns a JSON-able result.  Tasks travel by name, never as pickled
closures: a worker imports ``verify`` itself and calls the function.  ``run_tasks`` runs a list of
them::

    run_tasks(tasks)                                   # in this process, one after the other
    run_tasks(tasks, workers=2)                        # a local Dask cluster of 2 worker processes
    run_tasks(tasks, scheduler="tcp://host:8786")      # an existing Dask cluster

With a ``store`` (``verify.taskstore.TaskStore``) every result is written, as it completes, to a file
named by the hash of its inputs and the code version; tasks whose file exists are not run again, so a
rerun after completion computes nothing and a killed worker loses at most its task in flight (Dask
runs it again elsewhere).  The worker writes the file (atomic rename) and returns the result; the
client writes what returns where the worker's write is missing (a worker on a machine without the
shared folder).  A worker whose ``verify`` differs from the client's (another code version) refuses
its task, so results are never mixed across code versions.  Randomness lives in the tasks' inputs
(each claim draws from its seed and id), so the results equal those of the serial run.

dask.distributed is an optional extra: ``pip install -e '.[distributed]'``.
"""
from __future__ import annotations

import contextlib
import csv
import dataclasses
import importlib
import json
import os
import pickle
import time

from .errors import InputError
from .taskstore import TaskStore, code_version, task_key

__all__ = ["Task", "Cluster", "run_tasks", "check_options", "execute", "figure_record", "grid_chunk", "sweep_tasks",
           "run_sweep", "sweeps", "grid", "sweep_figure", "CONNECT_TIMEOUT_S", "MISSING", "SEEDS_PER_TASK"]

#: seeds per task of a training sweep cut into tasks (``--seeds-per-task``)
SEEDS_PER_TASK = 5

#: how long to wait for a ``--scheduler`` before saying it cannot be reached
CONNECT_TIMEOUT_S = 5.0

MISSING = ("--workers and --scheduler need dask.distributed, an optional extra: "
           "pip install -e '.[distributed]'")


@dataclasses.dataclass(frozen=True)
class Task:
    """One unit of work: the function ``name`` ("module:function") called with ``inputs``."""
    name: str
    inputs: dict

    def key(self, code: str | None = None) -> str:
        return task_key(self.name, self.inputs, code)


class CodeMismatch(RuntimeError):
    """A worker runs another version of the harness than the client."""


def _function(name: str):
    mod, _, fn = name.partition(":")
    return getattr(importlib.import_module(mod), fn)


def execute(name: str, inputs: dict, key: str, code: str, store_root: str | None = None,
            run: str | None = None):
    """What a worker runs: check the code version, call the task, write its result to the store
    (where the store's folder exists on this machine), return it.  ``run`` labels a dict result with
    the run that computed it (a report counts its runs by it)."""
    mine = code_version()
    if mine != code:
        raise CodeMismatch(f"a worker runs verify code version {mine}, the client {code}; install the "
                           "same checkout on every worker")
    result = _function(name)(**inputs)
    if run is not None and isinstance(result, dict):
        result["run"] = run
    if store_root is not None:
        try:
            TaskStore(store_root).put(key, name, inputs, result, code, create=False)
        except OSError:
            pass  # the client writes it
    return result


def check_options(workers: int | None = None, scheduler: str | None = None) -> bool:
    """Refuse bad ``--workers`` / ``--scheduler`` before any work (one-line InputError); True when a
    cluster is asked for.  A scheduler's reachability is tested when the run connects."""
    if workers is not None and scheduler is not None:
        raise InputError("give either --workers (a local Dask cluster) or --scheduler (an existing one), not both")
    if workers is not None and workers < 1:
        raise InputError(f"--workers must be at least 1 (got {workers})")
    if scheduler is not None and not scheduler.strip():
        raise InputError("--scheduler needs an address, such as tcp://host:8786")
    if workers is None and scheduler is None:
        return False
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise InputError(MISSING) from None
    return True


class Cluster:
    """The Dask client of a run: a local cluster of ``workers`` processes, or a connection to the
    ``scheduler`` at an address.  Started on first use (a run with nothing to compute starts none),
    shared by every ``run_tasks`` given it, closed on exit."""

    def __init__(self, workers: int | None = None, scheduler: str | None = None):
        self.wanted = check_options(workers, scheduler)
        self.workers, self.scheduler = workers, scheduler
        self._client = self._cluster = None

    @property
    def client(self):
        if self._client is None:
            import logging

            from distributed import Client, LocalCluster
            if self.workers is not None:
                self._cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=True,
                                             dashboard_address=None, silence_logs=logging.ERROR)
                self._client = Client(self._cluster)
            else:
                try:
                    self._client = Client(self.scheduler, timeout=CONNECT_TIMEOUT_S)
                except (OSError, TimeoutError, ValueError) as e:
                    raise InputError(f"cannot reach the Dask scheduler at {self.scheduler} within "
                                     f"{CONNECT_TIMEOUT_S:.0f} s ({type(e).__name__})") from None
        return self._client

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()
        self._client = self._cluster = None


def run_tasks(tasks: list[Task], workers: int | None = None, scheduler: str | None = None,
              store: TaskStore | None = None, progress=None, run: str | None = None,
              cluster: Cluster | None = None) -> list:
    """Run ``tasks`` and return their results in the order given.

    ``store``: results already stored are taken from it (``progress(i, task, result, "stored")``);
    the others are computed (``progress(i, task, result, "computed")`` as each completes) and stored.
    Without ``workers``, ``scheduler`` or ``cluster`` they run here, one after the other; with one, on
    Dask (one Dask task per task, keyed by the task's hash), and no cluster is started when nothing is
    left to compute.  ``run`` labels computed dict results (``execute``)."""
    if cluster is None:
        cluster = Cluster(workers, scheduler)
        with cluster:
            return run_tasks(tasks, store=store, progress=progress, run=run, cluster=cluster)
    code = code_version()
    keys = [t.key(code) for t in tasks]
    results: list = [None] * len(tasks)
    pending = []
    for i, (t, k) in enumerate(zip(tasks, keys)):
        entry = store.get(k) if store is not None else None
        if entry is not None:
            results[i] = entry["result"]
            if progress:
                progress(i, t, results[i], "stored")
        else:
            pending.append(i)
    root = os.path.abspath(store.root) if store is not None else None
    if store is not None and pending:
        os.makedirs(store.root, exist_ok=True)

    def landed(i, res):
        results[i] = res
        if store is not None and store.get(keys[i]) is None:  # the worker could not write it
            store.put(keys[i], tasks[i].name, tasks[i].inputs, res, code)
        if progress:
            progress(i, tasks[i], res, "computed")

    if not cluster.wanted or not pending:
        for i in pending:
            landed(i, execute(tasks[i].name, tasks[i].inputs, keys[i], code, None, run))
        return results
    from distributed import as_completed
    client = cluster.client
    futures = {}
    for i in pending:
        f = client.submit(execute, tasks[i].name, tasks[i].inputs, keys[i], code, root, run,
                          key=f"verify-{keys[i]}-{run or 'x'}", pure=False)
        futures[f] = i
    for f in as_completed(list(futures)):
        try:
            res = f.result()
        except CodeMismatch as e:
            raise InputError(str(e)) from None
        landed(futures[f], res)
    return results


# ------------------------------------------------------------------------------------------------
# named tasks beyond the report's (claims and proofs: verify.report.claim_record, proof_record)
# ------------------------------------------------------------------------------------------------
def _plain(obj, default=str):
    """``obj`` as JSON gives it back: the form a stored result has, so that every path returns the same."""
    return json.loads(json.dumps(obj, default=default))


def figure_record(figure: str, profile: str, out: str) -> dict:
    """One figure configuration of ``verify figures``: run it (writing its CSV and PNG under ``out``)
    and return what it returns (the figure statements), as JSON gives it back."""
    from .experiments.registry import figures
    return _plain(figures()[figure](profile, out))


def grid_chunk(spec: dict, out_dir: str) -> dict:
    """One seed chunk of a training sweep (``verify.marl.experiments.run_grid`` on ``spec``, whose
    ``seeds`` are the chunk's): its tidy rows and whether it ran to the end."""
    from .marl.experiments import run_grid
    res = run_grid(spec, out_dir, log=lambda *a: None, progress=False)
    return _plain({"tag": spec["tag"], "seeds": spec["seeds"], "rows": res["rows"], "complete": res["complete"],
                   "csv": res["csv"]})


def sweep_tasks(spec: dict, out_dir: str, seeds_per_task: int) -> list[Task]:
    """A sweep ``spec`` (``run_grid``'s) cut into tasks of ``seeds_per_task`` consecutive seeds each;
    chunk ``[a..b]`` trains under the tag ``<tag>/seeds-a-b``.  The cut is an input of every task, so
    the same cut gives the same numbers whether its chunks run here or on a cluster."""
    if seeds_per_task < 1:
        raise InputError(f"seeds per task must be at least 1 (got {seeds_per_task})")
    seeds = [int(s) for s in spec["seeds"]]
    tasks = []
    for j in range(0, len(seeds), seeds_per_task):
        part = seeds[j:j + seeds_per_task]
        sub = dict(spec, seeds=part, tag=f"{spec['tag']}/seeds-{part[0]}-{part[-1]}")
        tasks.append(Task("verify.distributed:grid_chunk", {"spec": sub, "out_dir": os.path.abspath(out_dir)}))
    return tasks


def run_sweep(spec: dict, out_dir: str, seeds_per_task: int, workers: int | None = None,
              scheduler: str | None = None, store: TaskStore | None = None, progress=None,
              cluster: Cluster | None = None) -> dict:
    """A training sweep as seed-chunk tasks; returns {"rows" (every chunk's, in the order the
    uncut run writes them), "complete", "tasks", "chunks" (the chunks' tags), "wall_s"}."""
    t = time.time()
    tasks = sweep_tasks(spec, out_dir, seeds_per_task)
    res = run_tasks(tasks, workers=workers, scheduler=scheduler, store=store, progress=progress, cluster=cluster)
    variants = {v: i for i, v in enumerate(spec["variants"])}
    seeds = {int(s): i for i, s in enumerate(spec["seeds"])}
    chunk = max(1, int(spec.get("chunk", 25)))

    def order(r):  # run_grid writes update-chunk by update-chunk, then variant, seed, update
        u = int(r["update"])
        return ((u - 1) // chunk, variants[r["variant"]], seeds[int(r["seed"])], u)
    rows = sorted((r for x in res for r in x["rows"]), key=order)
    return {"rows": rows, "complete": all(x["complete"] for x in res), "tasks": len(tasks),
            "chunks": [x["tag"] for x in res], "wall_s": time.time() - t}


#: figure modules whose training sweeps ``grid`` cuts into seed-chunk tasks: under a cluster these
#: figures run in the client and send out their chunks, instead of running whole as one task
SWEEP_FIGURE_MODULES = ("verify.marl.figures",)


def sweep_figure(fn) -> bool:
    """Whether the figure function ``fn`` trains sweeps through ``grid``."""
    return getattr(fn, "__module__", None) in SWEEP_FIGURE_MODULES


#: the active sweep setting (``sweeps``): None runs every sweep in one piece, in this process
_SWEEPS: dict | None = None


@contextlib.contextmanager
def sweeps(cluster: Cluster | None = None, seeds_per_task: int = SEEDS_PER_TASK, store_root: str | None = None):
    """Within this block, ``grid`` cuts every training sweep into seed-chunk tasks run on ``cluster``
    (or in this process when it asks for none), with results stored under ``store_root``."""
    global _SWEEPS
    if seeds_per_task < 1:
        raise InputError(f"--seeds-per-task must be at least 1 (got {seeds_per_task})")
    old, _SWEEPS = _SWEEPS, {"cluster": cluster, "seeds_per_task": seeds_per_task, "store_root": store_root}
    try:
        yield
    finally:
        _SWEEPS = old


def grid(spec: dict, out_dir: str, log=print, progress: bool = True) -> dict:
    """``verify.marl.experiments.run_grid``, or within ``sweeps`` the same sweep as seed-chunk tasks:
    the chunks' rows merged in the uncut run's order (also written to ``<out_dir>/<tag>/chunks.csv``),
    the chunks' final runner states joined along the seed axis (read from the chunks' folders, so
    ``out_dir`` must be a folder every worker shares), and ``train`` built here."""
    from .marl.experiments import run_grid
    if _SWEEPS is None:
        return run_grid(spec, out_dir, log=log, progress=progress)
    import jax
    import jax.numpy as jnp
    import numpy as np

    from .marl.bnmappo import make_train
    st = TaskStore(_SWEEPS["store_root"]) if _SWEEPS["store_root"] else None
    res = run_sweep(spec, out_dir, _SWEEPS["seeds_per_task"], store=st, cluster=_SWEEPS["cluster"],
                    progress=lambda i, t, r, how: log(f"{t.inputs['spec']['tag']}: {how}"))
    runners = []
    for tag in res["chunks"]:
        path = os.path.join(out_dir, tag, "runner.pkl")
        if not os.path.exists(path):
            raise InputError(f"{path} is missing: a sweep on a cluster needs an output folder that every worker "
                             "shares")
        with open(path, "rb") as f:
            runners.append(pickle.load(f))
    runner = jax.tree_util.tree_map(lambda *x: jnp.asarray(np.concatenate(x, axis=1)), *runners)
    train = make_train(spec["config"])
    d = os.path.join(out_dir, spec["tag"])
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "chunks.csv")
    if res["rows"]:
        with open(path + ".tmp", "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(res["rows"][0].keys()))
            w.writeheader()
            w.writerows(res["rows"])
        os.replace(path + ".tmp", path)
    steps = train.n_updates * train.steps_per_update * len(spec["variants"]) * len(spec["seeds"])
    return {"rows": res["rows"], "train": train, "runner": runner, "complete": res["complete"],
            "wall_s": res["wall_s"], "steps_per_s": steps / max(res["wall_s"], 1e-9), "csv": path}
