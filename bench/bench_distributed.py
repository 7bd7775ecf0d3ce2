"""Wall time of ``verify report`` serial against ``--workers N`` (a local Dask cluster) on the same cores,
and whether the two give the same JSON (timings aside); then the rerun, which takes every result from
the task store and computes nothing.

The point is correctness and overhead: on one machine, workers share its cores, so the gain is at most
the number of cores and the cluster's start-up (spawning workers, each importing JAX and the claims) is
paid once.  The deep profile of every claim takes hours on 2 cores; ``--ids`` times a stated subset.

Run: ``python bench/bench_distributed.py --profile deep --workers 2 [--ids ID ...] [--json PATH]``.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

#: the default subset: cheap claims (verified, refuted, ambiguous) and three that take seconds at the
#: quick profile, so that the deep profile gives each worker real work
SUBSET = ["mpg:definition-4.1", "mabn:remark-3.1", "mabn:remark-3.4", "bnac:remark-4", "mabn:section-5-examples",
          "mpg:theorem-4.5", "mabn:section-3.2-mabn-size", "mpg:corollary-4.8", "bnac:figure-1",
          "mpg:theorem-4.7", "mabn:property-3.3", "mabn:theorem-3.6"]

TIMING = ("seconds", "elapsed", "run", "seconds_this_run", "runs", "machine")


def strip(obj):
    if isinstance(obj, dict):
        return {k: strip(v) for k, v in obj.items() if k not in TIMING}
    if isinstance(obj, list):
        return [strip(v) for v in obj]
    return obj


def load_average() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:  # pragma: no cover
        return None


def timed_report(out: str, profile: str, ids: list[str], extra: list[str]) -> dict:
    cmd = [sys.executable, "-m", "verify", "report", "--profile", profile, "--out", out, *ids, *extra]
    load0 = load_average()
    t = time.perf_counter()
    p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - t
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{p.stderr[-3000:]}")
    return {"command": " ".join(["verify", *cmd[3:]]), "wall_s": round(wall, 1), "load_before": load0,
            "load_after": load_average(), "resumed": p.stdout.count("(resumed)")}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--profile", default="deep", choices=("quick", "paper", "deep"))
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--ids", nargs="*", default=SUBSET, help="claim ids (default: a stated subset; none: all)")
    ap.add_argument("--json", default=os.path.join(ROOT, "bench", "results", "bench_distributed.json"),
                    help="where to write the measurements")
    a = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-distributed-") as tmp:
        serial = timed_report(os.path.join(tmp, "serial"), a.profile, a.ids, [])
        par = timed_report(os.path.join(tmp, "workers"), a.profile, a.ids, ["--workers", str(a.workers)])
        rerun = timed_report(os.path.join(tmp, "workers"), a.profile, a.ids, ["--workers", str(a.workers)])
        objs = [json.load(open(os.path.join(tmp, d, "verification-report.json"))) for d in ("serial", "workers")]
    same = strip(objs[0]) == strip(objs[1])
    differ = [x["id"] for x, y in zip(objs[0]["claims"], objs[1]["claims"]) if strip(x) != strip(y)]
    res = {"machine": f"{platform.machine()}, {os.cpu_count()} CPU cores (shared with other work: see the load "
                      "averages)", "profile": a.profile, "ids": a.ids or "all", "workers": a.workers,
           "serial": serial, "cluster": par, "rerun_from_store": rerun,
           "speedup": round(serial["wall_s"] / par["wall_s"], 2), "same_json_timings_aside": same,
           "claims_that_differ": differ,
           "claim_seconds_serial": {r["id"]: r["seconds"] for r in objs[0]["claims"]}}
    os.makedirs(os.path.dirname(os.path.abspath(a.json)), exist_ok=True)
    with open(a.json, "w") as f:
        json.dump(res, f, indent=1)
    print(f"{a.profile} profile, {len(a.ids) or 'all'} claims: serial {serial['wall_s']} s, --workers {a.workers} "
          f"{par['wall_s']} s (x{res['speedup']}), rerun {rerun['wall_s']} s ({rerun['resumed']} claims from the "
          f"store); same JSON timings aside: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
