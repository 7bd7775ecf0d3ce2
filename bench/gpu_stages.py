"""Run the GPU paper/deep profiles as timed stages, copying each stage's results into OUT as it finishes.

    OUT=/dir python bench/gpu_stages.py --budget 480 [--only fig4_cg2,fig4_cg5,...]

Each stage runs in its own process under its own time limit (a share of the budget), writes into a work folder
outside OUT, and its small result files (tidy csv.gz, statements json, png, logs) are copied into OUT when it ends,
so a stage killed by its limit still returns what it had written (its partial metrics, gzipped, named *_partial).
Large resume state (runner pickles) never goes into OUT.  A log with per-stage wall time and throughput is
``OUT/gpu_stages_log.txt``; ``OUT/gpu_stages.json`` lists what each stage produced.
"""
from __future__ import annotations

import argparse
import glob
import gzip
import json
import os
import shutil
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
WORK = os.environ.get("GPU_WORK", "/tmp/gpu_work")

#: name -> (share of the budget, python code run with the work dir as WORK_DIR, result globs)
STAGES = {
    "fig4_cg2": (0.20, "from verify.marl.figures import run_figure4; run_figure4('paper', WORK_DIR, panels=['cg2'])",
                 ["bnac_figure4_paper_*.csv.gz", "bnac_figure4_paper*.json", "bnac_figure4_paper*.png"]),
    "fig4_cg5": (0.20, "from verify.marl.figures import run_figure4; run_figure4('paper', WORK_DIR, panels=['cg5'])",
                 ["bnac_figure4_paper_*.csv.gz", "bnac_figure4_paper*.json", "bnac_figure4_paper*.png"]),
    "fig4_aloha": (0.26, "from verify.marl.figures import run_figure4; run_figure4('paper', WORK_DIR, panels=['aloha'])",
                   ["bnac_figure4_paper_*.csv.gz", "bnac_figure4_paper*.json", "bnac_figure4_paper*.png"]),
}


def log(out, msg):
    line = f"[{time.strftime('%H:%M:%S')}] {msg}"
    print(line, flush=True)
    with open(os.path.join(out, "gpu_stages_log.txt"), "a") as f:
        f.write(line + "\n")


def collect(out, name, wd, globs, complete):
    got = []
    for g in globs:
        for p in sorted(glob.glob(os.path.join(wd, g))):
            dst = os.path.join(out, f"{name}__{os.path.basename(p)}")
            shutil.copyfile(p, dst + ".tmp")
            os.replace(dst + ".tmp", dst)
            got.append(os.path.basename(dst))
    if not complete:   # partial training metrics of a killed stage, gzipped
        for p in sorted(glob.glob(os.path.join(wd, "**", "metrics.csv"), recursive=True)):
            tag = os.path.basename(os.path.dirname(p))
            dst = os.path.join(out, f"{name}__{tag}_partial.csv.gz")
            with open(p, "rb") as f, gzip.open(dst, "wb") as g:
                g.write(f.read())
            got.append(os.path.basename(dst))
    return got


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--budget", type=float, default=480.0, help="seconds for all stages together")
    ap.add_argument("--only", default="", help="comma-separated stage names (default: all)")
    ap.add_argument("--extra", action="append", default=[],
                    help="NAME:SHARE:SHELL-COMMAND run with WORK_DIR and STAGE_BUDGET (seconds, the stage's limit less "
                         "a margin) in the environment; results *.csv.gz *.json *.png *.txt")
    a = ap.parse_args(argv)
    out = os.environ.get("OUT") or "/tmp/gpu_out"
    os.makedirs(out, exist_ok=True)
    stages = {k: v for k, v in STAGES.items() if not a.only or k in a.only.split(",")}
    extra = {}
    for e in a.extra:
        name, share, cmd = e.split(":", 2)
        extra[name] = (float(share), cmd, ["*.csv.gz", "*.json", "*.png", "*.txt"])
    order = list(stages) + list(extra)
    shares = {**{k: v[0] for k, v in stages.items()}, **{k: v[0] for k, v in extra.items()}}
    total_share = sum(shares.values())
    t_start = time.time()
    report = {}
    for i, name in enumerate(order):
        left = a.budget - (time.time() - t_start)
        rest = sum(shares[n] for n in order[i:])
        limit = max(10.0, left * shares[name] / rest) if left > 10 else 0
        if limit <= 0:
            log(out, f"{name}: skipped (budget spent)")
            report[name] = {"skipped": True}
            continue
        wd = os.path.join(WORK, name)
        os.makedirs(wd, exist_ok=True)
        env = dict(os.environ, PYTHONUNBUFFERED="1", WORK_DIR=wd, STAGE_BUDGET=str(int(max(5.0, limit - 25))),
                   PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
        if name in stages:
            cmd = [sys.executable, "-c", f"WORK_DIR = {wd!r}\n" + stages[name][1]]
            globs = stages[name][2]
        else:
            cmd = ["bash", "-c", extra[name][1]]
            globs = extra[name][2]
        log(out, f"{name}: start, limit {limit:.0f} s")
        t0 = time.time()
        with open(os.path.join(wd, "stage_log.txt"), "w") as lf:
            try:
                rc = subprocess.run(cmd, cwd=ROOT, env=env, stdout=lf, stderr=subprocess.STDOUT, timeout=limit).returncode
            except subprocess.TimeoutExpired:
                rc = "timeout"
        wall = time.time() - t0
        complete = rc == 0
        got = collect(out, name, wd, globs + ["stage_log.txt"], complete)
        report[name] = {"rc": rc, "wall_s": round(wall, 1), "complete": complete, "files": got}
        log(out, f"{name}: rc={rc} wall={wall:.0f}s files={len(got)}")
        with open(os.path.join(out, "gpu_stages.json"), "w") as f:
            json.dump({"budget_s": a.budget, "stages": report, "shares": shares, "total_share": total_share}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
