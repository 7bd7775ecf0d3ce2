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
