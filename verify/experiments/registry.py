"""The figure table behind ``verify figures``: figure id -> ``run(profile, out_dir) -> dict``.

Each experiments module that reproduces figures exposes ``FIGURES``; the dict a run returns carries
``statements``, the paper's own words about the figure, each with ``held`` True/False."""
from __future__ import annotations

import importlib
import os

#: where ``verify figures`` writes by default (tidy CSVs, PNGs, per-run CSVs that later runs resume from);
#: paper- and deep-profile claim checks reuse the runs saved there instead of recomputing them
RESULTS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                           "results", "figures")

FIGURE_MODULES = ["verify.experiments.bnac_figures", "verify.experiments.mpg_figures", "verify.marl.figures"]
FIGURE_MODULES.append("verify.marl.mabn_figures")


def figures() -> dict:
    table = {}
    for m in FIGURE_MODULES:
        try:
            mod = importlib.import_module(m)
        except ModuleNotFoundError as e:
            if e.name == m:
                continue
            raise
        table.update(getattr(mod, "FIGURES", {}))
    return table


def statement_lists(records: list[dict]) -> str:
    """README's figure-statement table from ``verify check <ids> --profile paper --json`` records:
    verdict, the reading of record with its test, effect and interval, and the verdict of every reading."""
    lines = ["| statement | verdict (paper profile) | reading of record: deciding clause, effect [95% interval] | "
             "readings (verdict) |", "| --- | --- | --- | --- |"]

    def fmt(x):
        return "-" if x is None else f"{x:.3g}"
    for r in records:
        ev = r.get("evidence") or {}
        iv = ev.get("interval") or [None, None]
        rds = "; ".join(f"{x['reading']} (**{x['verdict']}**" + (
            f", fresh seeds: {x['evidence']['replication']['verdict']}" if x["evidence"].get("replication") else "") + ")"
            for x in (r.get("readings") or []))
        lines.append(f"| `{r['id']}` | **{r['verdict']}** | {ev.get('clause')}: {fmt(ev.get('effect'))} "
                     f"[{fmt(iv[0])}, {fmt(iv[1])}] vs {ev.get('asserts')} ({ev.get('test')}) | {rds} |")
    return "\n".join(lines)
