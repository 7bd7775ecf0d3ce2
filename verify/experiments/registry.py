"""The figure table behind ``verify figures``: figure id -> ``run(profile, out_dir) -> dict``.

Each experiments module that reproduces figures exposes ``FIGURES``; the dict a run returns carries
``statements``, the paper's own words about the figure, each with ``held`` True/False."""
from __future__ import annotations

import importlib

FIGURE_MODULES = ["verify.experiments.bnac_figures", "verify.experiments.mpg_figures"]


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
