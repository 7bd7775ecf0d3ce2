"""bnac Sec. 7.4 (Figures 4 and 6): the statements about the context-aware BN actor-critic, decided on the
BN-MAPPO runs of ``verify.marl.figures`` (numeric definitions in ``verify.marl.figures.DEFS``, fixed before
the runs; paired Wilcoxon tests over seeds).  The checks read the committed tidy data of the profile
(``results/figures/bnac_figure{4,6}_<profile>_<panel>.csv.gz``, written by ``verify figures``); a statement
whose panel has no data at the profile is not-checked.  SMAX panels are SMAX results (not StarCraft II).
"""
from __future__ import annotations

import json

from ..registry import Context, Result, claim, reading

_CACHE: dict = {}


def _statements(ctx: Context, fig: str) -> dict:
    key = (ctx.profile, fig)
    if key not in _CACHE:
        from ..marl import figures as F
        panels = F.load_panels(ctx.profile, fig)
        sts = F.statements4(panels) if fig == "4" else F.statements6(panels)
        _CACHE[key] = ({s["slug"]: s for s in sts}, panels)
    return _CACHE[key]


def _n_runs(panel) -> int:
    return len({(r["variant"], r["seed"]) for r in panel["rows"]})


def _statement_claim(fig: str, slug: str, printed: str, panel: str, expected: str):
    cid = f"bnac:figure-{fig}/{slug}"

    def check(ctx: Context) -> Result:
        sts, panels = _statements(ctx, fig)
        if slug not in sts:
            from ..marl.figures import PROFILES
            if panel not in PROFILES[ctx.profile]:    # observable, but not by this profile's runs
                runs_in = [p for p, prof in PROFILES.items() if panel in prof]
                return Result("inconclusive", notes=f"not decided at the {ctx.profile} profile: panel {panel} is run only "
                                                    f"in the {' and '.join(runs_in)} profiles (a GPU run; SMAX, not "
                                                    "StarCraft II)")
            return Result("not-checked", notes=f"no {ctx.profile}-profile data for panel {panel}: run "
                                               f"`python -m verify figures bnac:figure-{fig} --profile {ctx.profile}`")
        s = sts[slug]
        ev = {"numbers": s["numbers"], "panel": panel, "csv": panels[panel]["csv"]}
        n = _n_runs(panels[panel])
        nums = json.dumps(s["numbers"], default=float)[:500]
        reads = None
        if "readings" in s["numbers"]:
            reads = [reading(name, "Sec. 7.4 (final performance: " + name + ")",
                             {True: "verified", False: "refuted", None: "inconclusive"}.get(r["held"], "inconclusive"),
                             r, holds=None) for name, r in s["numbers"]["readings"].items()]
        held = s["held"]
        from ..marl.figures import PAPER_STEPS
        env = panels[panel]["grid"]["env"]
        steps = max(float(r["env_steps"]) for r in panels[panel]["rows"])
        need = PAPER_STEPS["smax" if env.startswith("smax") else env]
        if steps < need:
            return Result("inconclusive", checked_instances=n,
                          notes=f"reduced budget: {steps:.0f} of the paper's {need:.0f} environment steps per run, and "
                                "the statement is about the end of the paper's training; at this budget: "
                                f"{'held' if held is True else 'did not hold' if held is False else held}: " + nums,
                          evidence=ev, readings=reads)
        if held is True:
            return Result("verified", checked_instances=n, notes="held: " + nums, evidence=ev, readings=reads)
        if held is False:
            return Result("refuted", checked_instances=n, kind="figure-statement", found_by="search",
                          counterexample={"panel": panel, "numbers": s["numbers"]},
                          reproduce=f"python -m verify figures bnac:figure-{fig} --profile {ctx.profile}",
                          notes="did not hold: " + nums, evidence=ev, readings=reads)
        if held == "ambiguous":
            return Result("ambiguous", checked_instances=n, notes="readings disagree: " + nums, evidence=ev, readings=reads)
        return Result("inconclusive", checked_instances=n, reason="within-noise",
                      notes="within noise (paired Wilcoxon over seeds): " + nums, evidence=ev, readings=reads)

    claim(id=cid, paper="bnac", location=f"Sec. 7.4, Figure {fig}", statement=printed,
          assumptions=["BN-MAPPO as in verify.marl.bnmappo (Table 2 where printed, choices documented)",
                       "numeric definition fixed before the runs (verify.marl.figures.DEFS)"],
          domain=f"the {panel} panel's runs at the profile", group="figures", expected=expected,
          checkers=["paired Wilcoxon signed-rank tests over seeds (scipy)", "exact POA (verify.marl.exact) on CG"],
          readings=[{"reading": "return", "source": "sampled episode return"},
                    {"reading": "exact-poa", "source": "exact engine, CG only"}] if slug.startswith("cg-n") and "density" not in slug else None,
          )(check)


# expected verdicts: those the committed quick-profile data give (2 seeds: within noise)
_statement_claim("4", "cg-n2-context-beats-full", "Remarkably, the result in N = 2 shows that our context-aware DAG "
                 "learning outperforms the Fully-correlated.", "cg2", "inconclusive")
_statement_claim("4", "cg-n2-density-50-55", "the density of the unregularized learned context-aware DAG is increasing "
                 "in both N = 2 and N = 5 scenarios, from 50% to 55% [N = 2]", "cg2", "inconclusive")
_statement_claim("4", "cg-n5-context-similar-full", "The context-aware DAG topology performs similarly to "
                 "Fully-correlated in N = 5", "cg5", "inconclusive")
_statement_claim("4", "cg-n5-both-beat-uncorrelated", "and both outperform Uncorrelated [N = 5]", "cg5", "inconclusive")
_statement_claim("4", "cg-n5-density-50-53", "... and 50% to 53% [N = 5], respectively", "cg5", "inconclusive")
_statement_claim("4", "aloha-context-comparable-full", "our context-aware DAG learning performs comparably to "
                 "Fully-correlated [Aloha]", "aloha", "inconclusive")
_statement_claim("4", "aloha-both-beat-uncorrelated", "and both outperform Uncorrelated [Aloha]", "aloha", "inconclusive")
_statement_claim("4", "aloha-density-50-62", "the density of the unregularized learned context-aware DAG is also "
                 "increasing from 50% to 62%", "aloha", "inconclusive")
_statement_claim("4", "smax6h-almost-full", "the unregularized context-aware graph degenerates to an almost "
                 "Full-Dependency graph in 6h_vs_8z (SMAX here, not StarCraft II)", "smax6h", "inconclusive")
_statement_claim("4", "smaxMMM2-around-70", "densely correlated graph with around 70% DAG density in MMM2 "
                 "(smax:MMM2-approx here: no medivac, no healing; not StarCraft II)", "smaxMMM2", "inconclusive")
_statement_claim("6", "smax6h-annealed-ends-uncorrelated", "This multi-phase regularization strategy results in purely "
                 "uncorrelated policies [6h_vs_8z, SMAX]", "smax6h", "inconclusive")
_statement_claim("6", "smax6h-annealed-beats-uncorrelated", "but achieves better performance than Uncorrelated "
                 "[6h_vs_8z, SMAX]", "smax6h", "inconclusive")


# ------------------------------------------------------------------------------------------------
# Figures 7-10 (Sec. 7.4.4, analyses of the density-annealed context-aware policy on SMAX)
# ------------------------------------------------------------------------------------------------
_V = {True: "verified", False: "refuted", None: "inconclusive", "ambiguous": "ambiguous"}


def _analysis_statements(ctx: Context, fig: str) -> tuple:
    key = (ctx.profile, "analysis", fig)
    if key not in _CACHE:
        from ..marl import figures as F
        panels = F.load_analysis(ctx.profile)
        _CACHE[key] = ({s["slug"]: s for s in F.statements_analysis(panels, fig)}, panels)
    return _CACHE[key]


def _analysis_readings(s: dict, panel: str, overall: str) -> list | None:
    reads = []
    for name, r in (s["numbers"].get("readings") or {}).items():
        reads.append(reading(name, "Sec. 7.4.4 (" + name + ", verify.marl.figures.DEFS_ANALYSIS)",
                             _V.get(r.get("held"), "inconclusive"), r))
    if panel == "smaxMMM2":
        reads.append(reading("stand-in smax:MMM2-approx", "Sec. 7.4.4 (MMM2; SMAX has no medivac)", overall,
                             {"note": s["numbers"].get("stand-in")},
                             notes="MMM2 statements are decided on the stand-in, not on SMAC's MMM2"))
    return reads or None


def _analysis_claim(fig: str, panel: str, slug: str, printed: str, expected: str):
    cid = f"bnac:figure-{fig}/{panel}-{slug}"

    def check(ctx: Context) -> Result:
        sts, panels = _analysis_statements(ctx, fig)
        key = f"{panel}-{slug}"
        if key not in sts:
            return Result("not-checked", notes=f"no {ctx.profile}-profile analysis data for panel {panel}: run "
                                               f"`python -m verify figures bnac:figure-{fig} --profile {ctx.profile}`")
        s = sts[key]
        n = len({r["seed"] for r in panels[panel]["rows"]})
        ev = {"numbers": s["numbers"], "panel": panel, "csv": panels[panel]["csv"]}
        nums = json.dumps(s["numbers"], default=float)[:500]
        if s.get("too_short"):
            return Result("not-checked", checked_instances=n, evidence=ev,
                          notes=f"data too short: {s['note']}")
        held = s["held"]
        from ..marl.figures import PAPER_STEPS
        steps = max(float(r["env_steps"]) for r in panels[panel]["rows"])
        need = PAPER_STEPS["smax"]
        if steps < need:
            verdict = "inconclusive"
            res = Result(verdict, checked_instances=n, reason="within-noise" if held is None else None,
                         notes=f"reduced budget: {steps:.0f} of the paper's {need:.0f} environment steps per run "
                               f"({n} seeds); at this budget: "
                               f"{'held' if held is True else 'did not hold' if held is False else held}: " + nums,
                         evidence=ev)
        elif held is True:
            res = Result("verified", checked_instances=n, notes="held: " + nums, evidence=ev)
        elif held is False:
            res = Result("refuted", checked_instances=n, kind="figure-statement", found_by="search",
                         counterexample={"panel": panel, "numbers": s["numbers"]},
                         reproduce=f"python -m verify figures bnac:figure-{fig} --profile {ctx.profile}",
                         notes="did not hold: " + nums, evidence=ev)
        elif held == "ambiguous":
            res = Result("ambiguous", checked_instances=n, notes="readings disagree: " + nums, evidence=ev)
        else:
            res = Result("inconclusive", checked_instances=n, reason="within-noise",
                         notes="within noise (Wilcoxon over seeds): " + nums, evidence=ev)
        res.readings = _analysis_readings(s, panel, res.verdict)
        return res

    claim(id=cid, paper="bnac", location=f"Sec. 7.4.4, Figure {fig}", statement=printed,
          assumptions=["BN-MAPPO, context-aware with density annealing (Sec. 7.4.4), fixed ordering Pi = I",
                       "numeric definitions fixed before the runs (verify.marl.figures.DEFS_ANALYSIS)",
                       "agent k of the paper = ally index k - 1" + ("; smax:MMM2-approx stands in for MMM2 (no medivac, "
                                                                    "no healing; not StarCraft II)" if panel == "smaxMMM2"
                                                                    else "; SMAX, not StarCraft II")],
          domain=f"the {panel} annealed runs at the profile", group="figures", expected=expected,
          checkers=["Wilcoxon signed-rank tests over seeds (scipy)", "per-agent analysis (verify.marl.analysis)"],
          )(check)


# expected verdicts: those the committed quick-profile data give (2 seeds, 3.2e3 steps per run)
for _fig, _panel, _slug, _text in [
        ("7", "smax6h", "visible-fraction-increases", "the percentage of the visible agents that an agent wants to "
         "depend on almost consistently increasing in Figure 7 [6h_vs_8z]"),
        ("7", "smaxMMM2", "visible-fraction-increases", "the percentage of the visible agents that an agent wants to "
         "depend on almost consistently increasing in Figure 7 [MMM2]"),
        ("8", "smax6h", "agents-5-6-low-health", "for 6h_vs_8z, agents 5 and 6 tend to depend on the actions of agents "
         "with a relatively low health bar"),
        ("8", "smax6h", "agent-2-high-health", "while agent 2 tends to depend on the actions of agents with relatively "
         "high health [6h_vs_8z]"),
        ("8", "smaxMMM2", "high-health-after-regularization", "For MMM2, health does not differentiate agents' "
         "selections of parent actions until in the middle of a% to b%, where the increase of the regularization "
         "causes all agents to depend on actions of agents with relatively high health, with agent 7 to the extreme"),
        ("9", "smax6h", "agent-6-distant", "in both scenarios, agent 6 tends to depend on the actions of agents in "
         "relatively long distances [6h_vs_8z]"),
        ("9", "smaxMMM2", "agent-6-distant", "in both scenarios, agent 6 tends to depend on the actions of agents in "
         "relatively long distances [MMM2]"),
        ("9", "smax6h", "agent-2-near", "In 6h_vs_8z, agent 2 tends to depend on the actions of agents with relatively "
         "short distances"),
        ("9", "smaxMMM2", "agent-8-distant", "For MMM2, agent 8 consistently depends on the actions of agents from "
         "relatively longer distances"),
        ("9", "smaxMMM2", "agent-5-near", "whereas agent 5 behaves the opposite [MMM2]"),
        ("10", "smax6h", "agent-6-largest-kl", "in 6h_vs_8z, agent 6 with most possible parent actions has the largest "
         "multi-modality"),
        ("10", "smax6h", "agent-2-smallest-kl", "whereas agent 2 with least possible parent actions except agent 1 has "
         "the smallest multi-modality [6h_vs_8z]"),
        ("10", "smaxMMM2", "agent-8-largest-kl", "In MMM2, agent 8 emerges with the largest multi-modality"),
        ("10", "smaxMMM2", "agent-2-smallest-kl", "whereas agent 2 with least possible parent actions except agent 1 "
         "has the smallest multi-modality [MMM2]"),
        ("10", "smax6h", "regularization-decreases-kl", "increasing DAG density regularization also decreases "
         "multi-modality [6h_vs_8z]"),
        ("10", "smaxMMM2", "regularization-decreases-kl", "increasing DAG density regularization also decreases "
         "multi-modality [MMM2]"),
        ("10", "smax6h", "decentralized-zero-kl", "where the purely decentralized one has zero multi-modality "
         "[6h_vs_8z]"),
        ("10", "smaxMMM2", "decentralized-zero-kl", "where the purely decentralized one has zero multi-modality [MMM2]")]:
    _analysis_claim(_fig, _panel, _slug, _text, "inconclusive")
