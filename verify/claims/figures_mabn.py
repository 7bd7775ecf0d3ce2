"""mabn Section 5 and Appendix J (Figures 1, 2, 11 and Table 1): the statements about MAStAC and the baselines,
decided on the runs of ``verify.marl.mabn_figures`` (numeric definitions in ``verify.marl.mabn_figures.DEFS``,
fixed before the runs; paired Wilcoxon tests over seeds).  The checks read the committed tidy data of the
profile (``results/figures/mabn_<profile>_<panel>_<algorithm>.csv.gz``, written by ``verify figures``).  A
statement about an algorithm with no runs (a baseline not implemented in this tree) is not-checked with that
reason; below Table 3's epochs, 15 seeds, n = 40 and batch 256 no statement is decided (inconclusive).
Example 1 runs on the documented sparse stand-in for Fig. 10's graph; Example 2's A_i are a harness choice.
"""
from __future__ import annotations

import json

from ..registry import Context, Result, claim, reading

_CACHE: dict = {}

_VERDICT = {True: "verified", False: "refuted", None: "inconclusive", "ambiguous": "ambiguous"}


def _statements(ctx: Context, fig: str) -> tuple[dict, dict]:
    key = (ctx.profile, fig)
    if key not in _CACHE:
        from ..marl import mabn_figures as F
        panels = F.load_panels(ctx.profile, fig)
        _CACHE[key] = ({s["slug"]: s for s in F.statements(panels)}, panels)
    return _CACHE[key]


def _statement_claim(fig: str, slug: str, printed: str, location: str, panel: str, expected: str):
    cid = f"mabn:{fig}/{slug}"

    def check(ctx: Context) -> Result:
        from ..marl import mabn_figures as F
        sts, panels = _statements(ctx, fig)
        if slug not in sts:
            return Result("not-checked", notes=f"no {ctx.profile}-profile runs for panel {panel}: run "
                                               f"`python -m verify figures mabn:{fig} --profile {ctx.profile}`")
        s = sts[slug]
        num = s["numbers"]
        if num.get("missing"):
            return Result("not-checked", notes="no runs of " + ", ".join(num["missing"]) + " (the baselines live in "
                          "verify.marl.baselines, not present in this tree or not run at this profile)")
        g = panels[panel]["grid"]
        n_runs = len({(r["algorithm"], r["seed"]) for r in panels[panel]["rows"]})
        need = F.PAPER_EPOCHS[g["system"]] if panel != "ablation" else 6000
        full = g["epochs"] >= need and g["seeds"] >= 15 and g["n"] in (None, 40) and g["batch"] == 256
        reads = [reading(name, f"{location} (return column: {name})", _VERDICT.get(r["held"], "inconclusive"),
                         json.loads(json.dumps(r, default=float)), holds=None)
                 for name, r in num["readings"].items()]
        nums = json.dumps({k: v.get("held") for k, v in num["readings"].items()}, default=str)
        ev = {"panel": panel, "numbers": json.loads(json.dumps(num, default=float)), "epochs": g["epochs"],
              "seeds": g["seeds"], "n": g["n"], "batch": g["batch"]}
        held = s["held"]
        said = {True: "held", False: "did not hold", None: "within noise", "ambiguous": "readings disagree"}[held]
        if not full:
            return Result("inconclusive", checked_instances=n_runs, evidence=ev, readings=reads,
                          notes=f"reduced budget ({g['epochs']} of {need} epochs, {g['seeds']} of 15 seeds, n = "
                                f"{g['n'] or 'as printed'}, batch {g['batch']}): not decided; at this budget: {said} {nums}")
        if held is True:
            return Result("verified", checked_instances=n_runs, notes="held: " + nums, evidence=ev, readings=reads)
        if held is False:
            return Result("refuted", checked_instances=n_runs, kind="figure-statement", found_by="search",
                          counterexample={"panel": panel, "numbers": ev["numbers"]},
                          reproduce=f"python -m verify figures mabn:{fig} --profile {ctx.profile}",
                          notes="did not hold: " + nums, evidence=ev, readings=reads)
        if held == "ambiguous":
            return Result("ambiguous", checked_instances=n_runs, notes="readings disagree: " + nums, evidence=ev,
                          readings=reads)
        return Result("inconclusive", checked_instances=n_runs, reason="within-noise",
                      notes="within noise (paired Wilcoxon over seeds): " + nums, evidence=ev, readings=reads)

    claim(id=cid, paper="mabn", location=location, statement=printed,
          assumptions=["MAStAC as in verify.marl.mastac (Table 3 where printed, choices documented)",
                       "systems of verify.marl.mabn_systems (Example 1: documented sparse stand-in for Fig. 10)",
                       "numeric definition fixed before the runs (verify.marl.mabn_figures.DEFS)"],
          domain=f"the {panel} panel's runs at the profile", group="figures", expected=expected,
          checkers=["paired one-sided Wilcoxon signed-rank tests over seeds (scipy)"],
          readings=[{"reading": "return", "source": "training episode return (of record)"},
                    {"reading": "eval_return", "source": "episode without exploration noise"}])(check)


for _ex, _k in (("ex1", "1"), ("ex2", "2"), ("ex3", "3")):
    _statement_claim("figure-1", f"{_ex}-sim-highest-mean", "'MAStAC Sim.' has the highest mean of the average return "
                     f"over the final 20% of the epochs (Table 1, Example {_k}; bold in Table 1)",
                     "Sec. 5, Table 1 and Figure 1", _ex, "inconclusive")
for _ex, _k in (("ex2", "2"), ("ex3", "3")):
    _statement_claim("figure-1", f"{_ex}-approx-fastest", "'MAStAC approximated' with kappa = 2 achieves the fastest "
                     f"convergence across the benchmarks (Example {_k})", "Sec. 5, Figure 1", _ex, "inconclusive")
    _statement_claim("figure-1", f"{_ex}-qdcg-beats-ctde", "QDCG centralized and QDCG decentralized perform better than "
                     f"MADDPG, MATD3, and FACMAC (Example {_k})", "Sec. 5, Figure 1 and Table 1", _ex, "inconclusive")
    _statement_claim("figure-1", f"{_ex}-mastac-beats-qdcg", "they [QDCG] converge to lower average rewards when compared "
                     f"to MAStAC (Simultaneous and Approximated) (Example {_k})", "Sec. 5, Figure 1 and Table 1", _ex,
                     "inconclusive")
_statement_claim("figure-1", "ex3-sim-beats-approx", "'MAStAC simultaneous' converges to a higher reward than 'MAStAC "
                 "approximated' (Example 3, Table 1)", "Sec. 5, Example 3 and Table 1", "ex3", "inconclusive")
_statement_claim("figure-11", "larger-kappa-slower", "as the value of kappa increases, the rate of convergence decreases "
                 "(kappa = 2, 4, 6, 8, 40-warehouse)", "Appendix J, Figure 11", "kappa", "inconclusive")
for _it in (2000, 6000):
    _statement_claim("figure-2", f"sim-above-undecomposed-{_it}", f"after {_it} iterations 'MAStAC simultaneous' is above "
                     "'MAStAC undecomposed Q' and 'MAStAC undecomposed Qhat' (printed averages -0.525 / -1.439 / -1.381 "
                     "after 2000, -0.244 / -0.777 / -0.602 at the 6000th)", "Sec. 5, Ablation study, Figure 2",
                     "ablation", "inconclusive")
