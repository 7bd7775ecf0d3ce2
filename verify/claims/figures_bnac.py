"""bnac's tabular figures: Figure 3 (POA and Nash gap of the exact BN policy-gradient dynamics on the
Coordination Game, ``verify.experiments.bnac_figures``) with one claim per sentence of Sec. 7.3, each decided
by a stated test over the 50 seeds under every reading of the choices the paper leaves open
(``verify.experiments.bnac_readings``, ``verify.statistics``), replicated on the fresh seeds 50-99; and the
DAG-topology figures bnac Figure 1 / bnrate Figure 1 (drawn from the DAG objects the experiments use).  All
statements of a profile share one in-process run of the figure; the paper profile reads the committed runs
(results/figures/*.csv.gz) and writes nothing."""
from __future__ import annotations

import json

import numpy as np

from ..registry import Context, Result, claim

_RUNS: dict = {}

FIG3_STATEMENT = ("Figure 3: POA (top) and Nash-gap (bottom) under the tabular softmax BN policy gradient "
                  "dynamics with various BN DAG topologies (means and standard errors over 50 random seeds), "
                  "Coordination Game N = 2, 3, 5.")


def _instance_key(ctx: Context) -> str:
    return json.dumps(ctx.instance or {}, sort_keys=True)


#: the fresh seeds the /corrected twins are checked on (and the statements replicated on): committed
#: paper-profile runs results/figures/bnac_figure3_paper_seeds50-99_*.csv.gz
FRESH_SEED0 = 50


def _paper_like(ctx: Context) -> bool:
    """No instance, or an instance with the paper profile's configuration (seeds 0-49, 400 iterations,
    eta 1): the committed fresh-seed and step-size runs then apply to it as well."""
    inst = ctx.instance or {}
    if not inst:
        return True
    p = __import__("verify.experiments.bnac_figures", fromlist=["PROFILES"]).PROFILES["paper"]
    return (int(inst.get("seed0", 0)) == 0 and int(inst.get("seeds", p["seeds"])) == p["seeds"]
            and int(inst.get("iterations", p["iterations"])) == p["iterations"] and float(inst.get("eta", 1.0)) == 1.0
            and set(inst.get("Ns", p["Ns"])) <= set(p["Ns"]))


def figure3_run(ctx: Context, seed0: int | None = None, eta: float | None = None, committed_only: bool = False) -> dict:
    """The figure at ctx.profile (or at the configuration ctx.instance names), cached in-process.
    An instance is {"Ns": [...], "seeds": k, "iterations": T, "metrics_every": m, "eta": e, "seed0": s}.
    Paper/deep without overrides read the committed runs (results/figures/*.csv.gz) and never write;
    ``seed0``/``eta`` select another committed run (fresh seeds, another step), read at every profile
    (the quick profile's configuration is the paper's at N = 2, 3); ``committed_only``: None when absent."""
    from ..experiments import bnac_figures as B
    from ..experiments.registry import RESULTS_DIR
    inst = dict(ctx.instance or {})
    other = seed0 is not None or eta is not None
    key = (ctx.profile, ctx.seed, _instance_key(ctx), seed0, eta)
    if key not in _RUNS:
        over = {k: inst[k] for k in ("seeds", "iterations", "metrics_every") if k in inst}
        Ns = tuple(inst["Ns"]) if "Ns" in inst else None
        s0 = int(seed0 if seed0 is not None else inst.get("seed0", ctx.seed))
        e = float(eta if eta is not None else inst.get("eta", 1.0))
        read = RESULTS_DIR if (ctx.profile != "quick" and not inst) or other else None
        prof_name = "paper" if other and ctx.profile == "quick" else ctx.profile
        if other:
            Ns = Ns or B.PROFILES[ctx.profile]["Ns"]
            have = all(B._exists(B._csv_path(RESULTS_DIR, prof_name, N, d, s0, e, B.PROFILES[prof_name]["seeds"]))
                       for N in Ns for d in B.DAGS)
            if committed_only and not have:
                _RUNS[key] = None
                return None
        run = B.collect(prof_name, None, Ns=Ns, seed0=s0, eta=e, prof_override=over, log=None, read_dir=read)
        _RUNS[key] = {"run": run, "statements": {s["slug"]: s for s in B.statements(run)}}
    return _RUNS[key]


def _instance_of(run: dict, Ns=None) -> dict:
    p = run["prof"]
    return {"Ns": list(Ns or run["Ns"]), "seeds": p["seeds"], "iterations": p["iterations"],
            "metrics_every": p["metrics_every"], "eta": run["eta"],
            "seed0": int(run["results"][(run["Ns"][0], "full")]["seeds"][0])}


def _reproduce(cid: str, inst: dict) -> str:
    return f"python -m verify check {cid} --instance '{json.dumps(inst, separators=(',', ':'))}'"


def _n_runs(run) -> int:
    return int(sum(r["poa"].shape[0] for r in run["results"].values()))


@claim(id="bnac:figure-3", paper="bnac", location="Sec. 7.3, Figure 3", statement=FIG3_STATEMENT,
       assumptions=["Coordination Game, eps = 0.1, gamma = 0.95, mu uniform (Table 1)",
                    "eta, iterations, init not printed: eta = 1, 400 iterations, theta ~ N(0, 1) (documented)"],
       domain="N in {2, 3} (quick) / {2, 3, 5} (paper); Uncorrelated, Line-correlated, Fully-correlated",
       checkers=["exact JAX BN policy-gradient engine (verify.experiments.core), tested against verify.evaluation"],
       group="figures")
def check_figure3(ctx: Context) -> Result:
    from ..experiments import bnac_figures as B
    from ..experiments.bn_pg import CONFIG_REASONS
    fr = figure3_run(ctx)
    ok, why = B.sanity(fr["run"])
    return Result("verified" if ok else "inconclusive", checked_instances=_n_runs(fr["run"]),
                  notes=f"figure reproduced: {why}",
                  evidence={"configuration": _instance_of(fr["run"]), "reasons": CONFIG_REASONS,
                            "definitions": B.definitions()})


def _fresh_label(run) -> str:
    sd = run["results"][(run["Ns"][0], "full")]["seeds"]
    return f"{int(sd[0])}-{int(sd[-1])}"


def _statement_claim(slug: str, location: str, printed: str, expected: str = "verified",
                     discrepancy: str | None = None, twin: str | None = None):
    cid = f"bnac:figure-3/{slug}"

    def check(ctx: Context) -> Result:
        from ..experiments import bnac_figures as B
        from ..experiments import bnac_readings as R
        from .. import statistics as S
        fr = figure3_run(ctx)
        run = fr["run"]
        res, Ns = run["results"], list(run["Ns"])
        fn = R.STATEMENTS[slug]
        kw = {}
        if slug == "assumption-5.6-violated" and _paper_like(ctx):
            alt = figure3_run(ctx, seed0=0, eta=0.5, committed_only=True)
            kw["res_eta"] = alt["run"]["results"] if alt else None
        specs = fn(res, Ns, **kw)
        if not specs:
            return Result("not-checked", notes="not applicable at this profile (N = 2 is not in it)")
        fresh = None
        fr2 = figure3_run(ctx, seed0=FRESH_SEED0, committed_only=True) if _paper_like(ctx) else None
        if fr2 is not None:
            fresh = fn(fr2["run"]["results"], Ns, **({"res_eta": None} if kw else {}))
        inst = _instance_of(run)
        extra = {"numbers_of_the_mean_curves": fr["statements"][slug]["numbers"], "definitions": B.definitions(),
                 "configuration": inst,
                 "causal_clause": ("tested as an association over Full's seeds (seeds where min d vanishes "
                                   "against the others; observational, no intervention)"
                                   if slug == "assumption-5.6-violated" else None)}
        return S.statement_result(specs, _n_runs(run), inst, _reproduce(cid, inst), fresh,
                                  "seeds " + _fresh_label(fr2["run"]) if fr2 else "", extra)

    kw = {"corrected": f"{cid}/{twin}" if twin else None, "discrepancy": discrepancy}
    claim(id=cid, paper="bnac", location=location, statement=printed,
          assumptions=["the figure's configuration (see bnac:figure-3)"],
          domain="the runs of bnac:figure-3 at the profile (50 seeds; readings of the open choices)",
          checkers=["stated test over seeds (verify.statistics) under each reading (bnac_readings)"],
          group="figures", expected=expected, kind="figure-statement", **kw)(check)


# expected: the verdict at the quick profile (the test suite's); the paper-profile verdicts are pinned in
# tests/test_figure_verdicts.py and listed in README / docs/experiments.md
_statement_claim("nash-gap-to-zero", "Sec. 7.3",
                 "The results demonstrate that the Nash-gap indeed decreases and converges close to zero as "
                 "proved in Theorem 5.5.", expected="inconclusive", twin="median",
                 discrepancy=("'close to zero' holds relative to J* (final mean gap <= 1% of J* at every N and DAG) "
                              "but not relative to the initial gap at N = 5 Uncorrelated (1.5% of it): ambiguous at "
                              "the paper profile"))
_statement_claim("full-outperforms", "Sec. 7.3",
                 "Fully-correlated consistently outperforms Line-correlated and Uncorrelated", expected="verified",
                 twin="final",
                 discrepancy=("at N = 5 Full is below Line for the first ~90 iterations: the fraction of iterations "
                              "with Full >= Line (0.87) lies within noise of 0.9; the final and run-averaged readings "
                              "differ"))
_statement_claim("full-not-optimal", "Sec. 7.3",
                 "[Fully-correlated] does not converge to an optimal policy with POA of 1", expected="inconclusive",
                 twin="corrected",
                 discrepancy=("at N = 2 the final mean POA 0.9917 lies within noise of 0.99 and of 1 - 1e-3; 88% of "
                              "the seeds reach POA > 0.999, so per seed the statement fails at N = 2"))
_statement_claim("assumption-5.6-violated", "Sec. 7.3",
                 "because Assumption 5.6 is violated, i.e., some (s, a^{P^i}) has visitation probability "
                 "converges to zero.", expected="inconclusive",
                 discrepancy=("the drop of min d at N = 5 (median ratio 0.0097) lies within noise of 1e-2; the "
                              "'because' clause is not borne out over seeds (rank correlation within noise, and of "
                              "the wrong sign on seeds 50-99)"))
_statement_claim("full-slowest", "Sec. 7.3", "the convergence rate of Fully-correlated is the slowest",
                 expected="inconclusive",
                 discrepancy="at N = 2 Full's convergence time exceeds Uncorrelated's within noise under every criterion")
_statement_claim("line-similar-n2-n5-poor-n3", "Sec. 7.3",
                 "Line-correlated has a similar performance to Fully-correlated in scenarios with N = 2, 5 "
                 "agents, but it has poor performance in the scenario with 3 agents.", expected="ambiguous",
                 twin="corrected",
                 discrepancy=("at N = 3 Line-correlated's final POA is closer to Fully-correlated's than to "
                              "Uncorrelated's (not poor, absolute readings refuted); the gap Full - Line at N = 3 "
                              "and at N = 5 agree within noise"))
_statement_claim("n2-line-full-coincide", "Figure 3 caption",
                 "with N = 2 agents, Line-correlated and Fully-correlated are the same and thus have "
                 "overlapping curves.")


@claim(id="bnac:figure-3/nash-gap-to-zero/median", paper="bnac", location="Sec. 7.3",
       statement=("The Nash gap decreases on every configuration and the MEDIAN over seeds converges close to "
                  "zero (<= 1% of J*, <= 5% of its initial value) within 400 iterations (with few seeds the mean "
                  "can miss it: a minority of seeds sit on plateaus, e.g. Fully-correlated at N = 3)."),
       assumptions=["the figure's configuration (see bnac:figure-3)"], domain="the runs of bnac:figure-3",
       checkers=["numerical definition (bnac_figures.DEFS) applied to the median over seeds"],
       as_printed=False, what_changed="median over seeds in place of the mean plotted in Figure 3 (robustness)",
       group="figures")
def check_gap_median(ctx: Context) -> Result:
    return _twin_check(ctx, "nash-gap-to-zero/median")


@claim(id="bnac:figure-3/line-similar-n2-n5-poor-n3/corrected", paper="bnac", location="Sec. 7.3",
       statement=("Line-correlated's final mean POA equals Fully-correlated's at N = 2 (the same DAG); at N = 3 and "
                  "at N = 5 alike it lies strictly between Uncorrelated's and Fully-correlated's, more than 0.01 "
                  "below Full and closer to Full than to Uncorrelated."),
       assumptions=["the figure's configuration (see bnac:figure-3)"], domain="the runs of bnac:figure-3",
       checkers=["final mean POA of each DAG"], as_printed=False,
       what_changed="'similar at N = 2, 5 but poor at N = 3' replaced by the ordering the reproduction shows",
       group="figures", expected="inconclusive")
def check_line_corrected(ctx: Context) -> Result:
    return _twin_check(ctx, "line-similar-n2-n5-poor-n3/corrected")


def _twin_check(ctx: Context, twin: str) -> Result:
    """A /corrected twin: its clauses (bnac_readings.TWINS) on the figure's seeds (0-49, where it was
    formed) and on the fresh seeds 50-99 (committed runs); verified only if it holds on both."""
    from ..experiments import bnac_readings as R
    from .. import statistics as S
    cid = f"bnac:figure-3/{twin}"
    run = figure3_run(ctx)["run"]
    Ns = list(run["Ns"])
    fn = R.TWINS[twin]
    fr2 = figure3_run(ctx, seed0=FRESH_SEED0, committed_only=True) if _paper_like(ctx) else None
    fresh = fn(fr2["run"]["results"], Ns) if fr2 else None
    inst = _instance_of(run)
    n = _n_runs(run) + (_n_runs(fr2["run"]) if fr2 else 0)
    return S.twin_result(fn(run["results"], Ns), fresh, n, inst, _reproduce(cid, inst),
                         "seeds " + _fresh_label(fr2["run"]) if fr2 else "", "seeds " + _fresh_label(run))


@claim(id="bnac:figure-3/full-not-optimal/corrected", paper="bnac", location="Sec. 7.3",
       statement=("Fully-correlated's final mean POA stays below 1 at every N: at most 0.99 for N >= 3, and below "
                  "1 - 1e-3 at N = 2, where most seeds do reach the optimum (POA > 0.999) and some stop at a "
                  "suboptimal Nash policy."),
       assumptions=["the figure's configuration (see bnac:figure-3)"], domain="the runs of bnac:figure-3",
       checkers=["final POA per seed"], as_printed=False,
       what_changed="at N = 2 only 'strictly below 1 (by 1e-3)' in place of 'does not reach POA 1 (<= 0.99)'",
       group="figures", expected="inconclusive")
def check_full_not_optimal_corrected(ctx: Context) -> Result:
    return _twin_check(ctx, "full-not-optimal/corrected")


@claim(id="bnac:figure-3/full-outperforms/final", paper="bnac", location="Sec. 7.3",
       statement=("Fully-correlated's final mean POA is at least Line-correlated's and Uncorrelated's at every N "
                  "(the reproduction's reading where 'consistently' fails: at N = 5 Fully-correlated is below "
                  "Line-correlated during roughly the first quarter of the iterations, as it converges slowest)."),
       assumptions=["the figure's configuration (see bnac:figure-3)"], domain="the runs of bnac:figure-3",
       checkers=["final mean POA of each DAG"], as_printed=False,
       what_changed="final POA in place of 'consistently' (at >= 90% of the iterations)", group="figures")
def check_full_outperforms_final(ctx: Context) -> Result:
    return _twin_check(ctx, "full-outperforms/final")


# ------------------------------------------------------------------------------------------------
# DAG topologies: bnac Figure 1, bnrate Figure 1
# ------------------------------------------------------------------------------------------------
def topology_checks(N: int = 4, rng_seed: int = 0) -> dict:
    """The DAGs the experiments use, checked against the papers' words: acyclic; the empty DAG gives a
    product policy (bnac Remark (ii), Figure 1 left); the fully-correlated DAG has N(N-1)/2 edges
    (Def. 5.7), topological order (1..N) (Sec. 7.2) and represents any joint policy exactly (Remark (ii),
    Figure 1 right); the line has N-1 edges {(j, j+1)}."""
    import networkx as nx

    from ..experiments.core import dag_parents
    from ..policies import DAG, BNPolicy, joint_from_policy_table
    rng = np.random.default_rng(rng_seed)
    out = {}
    for name in ("uncorrelated", "line", "full"):
        d = DAG(dag_parents(name, N))
        out[name] = {"acyclic": bool(nx.is_directed_acyclic_graph(d.graph())), "edges": d.edges,
                     "n_edges": len(d.edges), "topological_order_identity": d.topological_order() == list(range(N))}
    out["uncorrelated"]["matches"] = out["uncorrelated"]["n_edges"] == 0
    out["line"]["matches"] = sorted(out["line"]["edges"]) == [(j, j + 1) for j in range(N - 1)]
    out["full"]["matches"] = (out["full"]["n_edges"] == N * (N - 1) // 2
                              and sorted(out["full"]["edges"]) == sorted((j, i) for i in range(N) for j in range(i)))
    # product: the joint of an empty-DAG policy equals the product of its marginals
    S, A = 3, (2,) * 3
    p = BNPolicy.random(DAG.empty(3), A, S, rng)
    pj = p.joint()
    prod = np.einsum("sa,sb,sc->sabc", *(p.marginal([i]) for i in range(3)))
    out["uncorrelated"]["product_policy_err"] = float(np.abs(pj - prod).max())
    # dense: any joint policy is represented exactly
    target = rng.dirichlet(np.ones(8), size=S).reshape((S,) + A)
    rep = joint_from_policy_table(target, DAG.full(3)).joint()
    out["full"]["represents_any_joint_err"] = float(np.abs(rep - target).max())
    return out


def draw_topologies(path: str, N: int = 4, title: str = "DAG topologies"):
    """Draw the empty, line and fully-correlated DAGs (the objects the experiments use)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import networkx as nx

    from ..experiments.core import dag_parents
    from ..policies import DAG
    names = [("uncorrelated", "Uncorrelated (empty: product policy)"), ("line", "Line-correlated {(j, j+1)}"),
             ("full", "Fully-correlated {(j, i) | i > j}")]
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.4))
    for ax, (name, label) in zip(axes, names):
        g = DAG(dag_parents(name, N)).graph()
        g = nx.relabel_nodes(g, {i: i + 1 for i in range(N)})
        pos = nx.circular_layout(g)
        nx.draw_networkx(g, pos, ax=ax, node_color="#cfe3f5", arrows=True, arrowsize=15, node_size=600)
        ax.set_title(label, fontsize=9)
        ax.axis("off")
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _topology_result(ctx: Context) -> Result:
    Ns = [2, 3, 4, 5] if ctx.profile == "quick" else list(range(2, 11))
    if ctx.instance and "N" in ctx.instance:
        Ns = [int(ctx.instance["N"])]
    bad, ev = [], {}
    for N in Ns:
        c = topology_checks(N, ctx.seed)
        ev[f"N{N}"] = c
        for name in ("uncorrelated", "line", "full"):
            if not (c[name]["acyclic"] and c[name]["matches"] and c[name]["topological_order_identity"]):
                bad.append(f"N{N}/{name}")
        if c["uncorrelated"]["product_policy_err"] > 1e-12 or c["full"]["represents_any_joint_err"] > 1e-12:
            bad.append(f"N{N}: Remark (ii)")
    if bad:
        return Result("refuted", checked_instances=len(Ns), counterexample={"failing": bad},
                      reproduce=f"python -m verify check bnac:figure-1 --instance '{{\"N\":{Ns[0]}}}'",
                      notes="; ".join(bad), evidence=ev)
    return Result("verified", checked_instances=len(Ns) * 3,
                  max_error=max(max(v["uncorrelated"]["product_policy_err"], v["full"]["represents_any_joint_err"])
                                for v in ev.values()),
                  notes=("the drawn DAGs are acyclic, have the edges bnac Sec. 7.2 / Def. 5.7 describe and the "
                         "topological order (1..N); the empty DAG gives a product policy and the dense DAG "
                         "represents a random joint policy exactly (Remark (ii)). Line-correlated is read as "
                         "{(j, j+1)} since Sec. 7.2's 'Uncorrelated' DAG is that line."), evidence=ev)


@claim(id="bnac:figure-1", paper="bnac", location="Sec. 4, Figure 1 and Remark (ii)",
       statement=("Figure 1: Illustration of various DAG topologies. BN policies reduce to product policies when "
                  "G is an empty graph (Figure 1 (left)) and can model general joint policies when G is dense "
                  "(Figure 1 (right))."),
       assumptions=["edge j -> i: j is a parent of i (bnrate orientation; bnac Sec. 4 prints the opposite)"],
       domain="N = 2..5 (quick), 2..10 (paper/deep)", checkers=["networkx acyclicity", "exact joint tables"],
       group="figures")
def check_bnac_figure1(ctx: Context) -> Result:
    return _topology_result(ctx)


@claim(id="bnrate:figure-1", paper="bnrate", location="Sec. 3, Figure 1",
       statement="Figure 1: Various BN policies.",
       assumptions=["P^i = {j : (j, i) in E} (bnrate Sec. 3)"], domain="N = 2..5 (quick), 2..10 (paper/deep)",
       checkers=["networkx acyclicity", "exact joint tables"], group="figures")
def check_bnrate_figure1(ctx: Context) -> Result:
    return _topology_result(ctx)
