r"""The noise model of the figure statements: every sentence a paper says about a figure is decided by a
stated test over seeds (initializations) at a stated level, never by one draw's mean curve.

An *estimate* is an effect with its interval: paired over seeds where the runs share initializations
(the same seed drives both), Welch's t where they do not, a percentile bootstrap over seeds where the
effect is a statistic of mean curves (a convergence time, a fraction of iterations).  A *clause*
compares an estimate with the threshold the statement's reading sets:

    holds   if the whole interval lies on the side the statement asserts,
    fails   if the whole interval lies on the other side,
    within noise (inconclusive) otherwise: a threshold within noise of the observed value decides nothing.

A statement with several clauses (per N, per part of the sentence) is their conjunction
(``conjunction``): refuted if a clause is refuted, verified if all are verified, else inconclusive; so
one marginal cell is visible as such.  A statement with several readings of an open choice takes the
verdict ``verify.registry.from_readings`` derives from the readings' verdicts.
"""
from __future__ import annotations

import math

import numpy as np
from scipy import stats as _st

#: the level of every interval (two-sided); a one-sided decision at either end is at (1 - LEVEL) / 2
LEVEL = 0.95
#: bootstrap resamples (percentile intervals) and the seed of the resampling
N_BOOT = 1000
BOOT_SEED = 12345
#: fewer seeds than this give no bootstrap interval (the percentile bootstrap of 3 seeds is far too narrow)
MIN_BOOT_N = 10


def _clean(x) -> np.ndarray:
    x = np.asarray(x, dtype=float).ravel()
    return x[np.isfinite(x)]


def t_interval(x, level: float = LEVEL) -> dict:
    r"""One-sample t interval of the mean of x:  mean +- t_{n-1, (1+level)/2} s / sqrt(n).
    p: the two-sided p-value of mean = 0."""
    x = _clean(x)
    n = len(x)
    m = float(x.mean()) if n else float("nan")
    if n < 2:
        return {"effect": m, "se": float("nan"), "interval": [float("nan"), float("nan")], "n": n, "p": float("nan"),
                "test": f"one-sample t interval: {n} seed(s), no interval"}
    se = float(x.std(ddof=1) / math.sqrt(n))
    if se == 0.0:
        return {"effect": m, "se": 0.0, "interval": [m, m], "n": n, "p": 0.0 if m != 0 else 1.0,
                "test": f"one-sample t interval over {n} seeds (no spread)"}
    q = float(_st.t.ppf(0.5 + level / 2, n - 1))
    p = float(2 * _st.t.sf(abs(m) / se, n - 1))
    return {"effect": m, "se": se, "interval": [m - q * se, m + q * se], "n": n, "p": p,
            "test": f"one-sample t interval over {n} seeds"}


def paired(a, b, level: float = LEVEL) -> dict:
    r"""Paired t over seeds: the mean of a_s - b_s (runs that share seed s), its t interval."""
    a, b = np.asarray(a, float).ravel(), np.asarray(b, float).ravel()
    if a.shape != b.shape:
        raise ValueError("paired samples need the same seeds")
    r = t_interval(a - b, level)
    r["test"] = f"paired t over {r['n']} seeds (runs share initializations)"
    return r


def welch(a, b, level: float = LEVEL) -> dict:
    r"""Welch's t for mean(a) - mean(b), independent samples:  se^2 = s_a^2/n_a + s_b^2/n_b,
    Welch-Satterthwaite degrees of freedom."""
    a, b = _clean(a), _clean(b)
    na, nb = len(a), len(b)
    d = float(a.mean() - b.mean())
    va, vb = a.var(ddof=1) / na, b.var(ddof=1) / nb
    se = float(math.sqrt(va + vb))
    test = f"Welch t, {na} vs {nb} seeds (independent runs)"
    if se == 0.0:
        return {"effect": d, "se": 0.0, "interval": [d, d], "n": [na, nb], "p": 0.0 if d != 0 else 1.0, "test": test}
    df = (va + vb) ** 2 / (va ** 2 / (na - 1) + vb ** 2 / (nb - 1))
    q = float(_st.t.ppf(0.5 + level / 2, df))
    return {"effect": d, "se": se, "interval": [d - q * se, d + q * se], "n": [na, nb],
            "p": float(2 * _st.t.sf(abs(d) / se, df)), "test": test}


def bootstrap(stat, arrays, level: float = LEVEL, n_boot: int = N_BOOT, seed: int = BOOT_SEED) -> dict:
    r"""Percentile bootstrap over seeds: ``stat(*arrays)`` with axis 0 of every array the seeds,
    resampled jointly (the same seed indices for every array: paired where the runs share seeds)."""
    arrays = [np.asarray(a, float) for a in arrays]
    n = arrays[0].shape[0]
    if any(a.shape[0] != n for a in arrays):
        raise ValueError("bootstrap arrays need the same seeds on axis 0")
    rng = np.random.default_rng(seed)
    est = float(stat(*arrays))
    if n < MIN_BOOT_N:
        return {"effect": est, "se": float("nan"), "interval": [float("nan"), float("nan")], "n": n,
                "test": f"percentile bootstrap: not computed with {n} < {MIN_BOOT_N} seeds (no interval)"}
    reps = np.empty(n_boot)
    for b in range(n_boot):
        idx = rng.integers(0, n, n)
        reps[b] = stat(*(a[idx] for a in arrays))
    lo, hi = np.nanquantile(reps, [0.5 - level / 2, 0.5 + level / 2])
    return {"effect": est, "se": float(np.nanstd(reps, ddof=1)), "interval": [float(lo), float(hi)], "n": n,
            "test": f"percentile bootstrap over {n} seeds ({n_boot} resamples, seed {seed})"}


def proportion(k: int, n: int, level: float = LEVEL) -> dict:
    r"""A fraction of seeds k / n with its Clopper-Pearson (exact binomial) interval."""
    a = 1 - level
    lo = 0.0 if k == 0 else float(_st.beta.ppf(a / 2, k, n - k + 1))
    hi = 1.0 if k == n else float(_st.beta.ppf(1 - a / 2, k + 1, n - k))
    return {"effect": k / n if n else float("nan"), "interval": [lo, hi], "n": n,
            "test": f"Clopper-Pearson interval of a proportion over {n} seeds"}


def spearman(x, y, level: float = LEVEL) -> dict:
    r"""Spearman's rank correlation over seeds with the Fisher-z interval
    tanh(artanh(rho) +- z_{(1+level)/2} 1.06 / sqrt(n - 3))  (Fieller, Hartley and Pearson's variance)."""
    x, y = np.asarray(x, float).ravel(), np.asarray(y, float).ravel()
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    n = len(x)
    rho = float(_st.spearmanr(x, y)[0]) if n > 2 else float("nan")
    test = f"Spearman rank correlation over {n} seeds, Fisher-z interval"
    if n < 4 or not np.isfinite(rho):
        return {"effect": rho, "interval": [float("nan"), float("nan")], "n": n, "test": test}
    z, q = math.atanh(max(min(rho, 1 - 1e-12), -1 + 1e-12)), float(_st.norm.ppf(0.5 + level / 2))
    se = 1.06 / math.sqrt(n - 3)
    return {"effect": rho, "se": se, "interval": [math.tanh(z - q * se), math.tanh(z + q * se)], "n": n, "test": test}


def wilcoxon_p(d, alternative: str) -> float:
    r"""The one-sided p-value ('greater' or 'less') of the Wilcoxon signed-rank test of the values d over seeds
    (zero differences split); fewer than two values, or all of them zero, give p = 1."""
    if d.size < 2 or np.all(d == 0):
        return 1.0
    return float(_st.wilcoxon(d, alternative=alternative, zero_method="zsplit").pvalue)


def wilcoxon_over_seeds(x, y, alpha: float, empty=None) -> dict:
    r"""One-sided paired Wilcoxon signed-rank tests of d = x - y over seeds (x[k] and y[k] from the same seed):
    held True where x > y at alpha, False where y > x at alpha, None otherwise (noise); ``empty`` is the mean
    of no seeds."""
    x, y = np.asarray(x), np.asarray(y)
    d = x - y
    p_gt, p_lt = wilcoxon_p(d, "greater"), wilcoxon_p(d, "less")
    held = True if p_gt < alpha else (False if p_lt < alpha else None)
    return {"held": held, "p_greater": p_gt, "p_less": p_lt, "n": int(d.size),
            "mean_a": float(np.mean(x)) if x.size else empty, "mean_b": float(np.mean(y)) if y.size else empty}


def readings_held(readings: dict):
    r"""The held value of a figure statement from its readings' held values (True, False or None): the common
    value when they agree, ``ambiguous`` when some hold and others fail, None (within noise) otherwise."""
    hs = {r["held"] for r in readings.values()}
    if len(hs) == 1:
        return hs.pop()
    if hs == {True, False}:
        return "ambiguous"
    return None


def decide(est: dict, threshold: float, holds_if: str = ">") -> str:
    r"""The clause verdict: ``holds_if`` ">" asserts effect > threshold (">=" the same; "<", "<=" the
    reverse).  Verified if the whole interval is on the asserted side, refuted if it is on the other
    side, inconclusive (within noise) if the threshold lies inside the interval."""
    lo, hi = est["interval"]
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return "inconclusive"
    if holds_if in (">", ">="):
        if lo > threshold or (holds_if == ">=" and lo >= threshold):
            return "verified"
        if hi < threshold or (holds_if == ">" and hi <= threshold):
            return "refuted"
        return "inconclusive"
    if holds_if in ("<", "<="):
        if hi < threshold or (holds_if == "<=" and hi <= threshold):
            return "verified"
        if lo > threshold or (holds_if == "<" and lo >= threshold):
            return "refuted"
        return "inconclusive"
    raise ValueError(f"bad comparison {holds_if!r}")


def decide_within(est: dict, margin: float) -> str:
    r"""Equivalence ('similar', 'close'): |effect| <= margin.  Verified if the interval lies inside
    [-margin, margin] (two one-sided tests), refuted if it lies wholly outside, inconclusive otherwise."""
    lo, hi = est["interval"]
    if -margin <= lo and hi <= margin:
        return "verified"
    if lo > margin or hi < -margin:
        return "refuted"
    return "inconclusive"


def clause(name: str, est: dict, threshold: float, holds_if: str = ">", verdict: str | None = None,
           level: float = LEVEL, **extra) -> dict:
    """One clause: its estimate, threshold, comparison and verdict (``decide`` unless given)."""
    v = verdict or decide(est, threshold, holds_if)
    rec = {"clause": name, "verdict": v, "test": est.get("test", ""), "level": level,
           "effect": _r(est["effect"]), "interval": [_r(x) for x in est["interval"]],
           "threshold": threshold, "asserts": f"effect {holds_if} {threshold:g}"}
    if "se" in est:
        rec["se"] = _r(est["se"])
    if "p" in est:
        rec["p"] = _r(est["p"])
    rec.update(extra)
    return rec


def exact_clause(name: str, value: float, holds: bool, what: str) -> dict:
    """A clause with no noise (a deterministic fact of the runs: two DAGs are the same object)."""
    return {"clause": name, "verdict": "verified" if holds else "refuted", "test": "exact (no noise)",
            "level": None, "effect": _r(value), "interval": [_r(value), _r(value)], "asserts": what}


def conjunction(clauses: list[dict]) -> str:
    """The statement's verdict from its clauses (all must hold): refuted if any clause is refuted,
    verified if every clause is verified, inconclusive otherwise."""
    vs = [c["verdict"] for c in clauses if c["verdict"] != "not-checked"]
    if not vs:
        return "not-checked"
    if "refuted" in vs:
        return "refuted"
    if all(v == "verified" for v in vs):
        return "verified"
    return "inconclusive"


def marginal(clauses: list[dict]) -> list[str]:
    """The clauses that decide nothing (within noise)."""
    return [c["clause"] for c in clauses if c["verdict"] == "inconclusive"]


def headline(clauses: list[dict]) -> dict:
    """The clause that decides the statement (the first refuted one, else the first inconclusive one,
    else the one whose interval is nearest its threshold), as the reading's test/level/effect/interval."""
    clauses = [c for c in clauses if c["verdict"] != "not-checked"] or clauses
    if not clauses:
        return {}
    order = [c for c in clauses if c["verdict"] == "refuted"] or [c for c in clauses if c["verdict"] == "inconclusive"]
    if not order:
        def margin(c):
            lo, hi = c["interval"]
            t = c.get("threshold", 0.0) or 0.0
            return min(abs(lo - t), abs(hi - t)) if lo is not None and hi is not None else 0.0
        order = sorted(clauses, key=margin)
    c = order[0]
    return {k: c.get(k) for k in ("clause", "test", "level", "effect", "interval", "threshold", "asserts")}


def _r(x):
    if x is None:
        return None
    x = float(x)
    return None if not np.isfinite(x) else float(f"{x:.6g}")


# ------------------------------------------------------------------------------------------------
# from clauses and readings to a claim's Result
# ------------------------------------------------------------------------------------------------
def to_reading(spec: dict, replication: dict | None = None) -> dict:
    """A reading (``registry.reading``) from ``{"name", "source", "clauses", "holds", "notes"}``: its
    verdict is the conjunction of its clauses; evidence: the deciding clause's test, level, effect
    and interval, the table of clauses, the within-noise clauses and (``replication``) the same
    reading's verdict on fresh seeds."""
    from .registry import reading
    v = conjunction(spec["clauses"])
    ev = dict(headline(spec["clauses"]))
    ev["clauses"] = spec["clauses"]
    ev["within_noise"] = marginal(spec["clauses"])
    untested = [c["clause"] for c in spec["clauses"] if c["verdict"] == "not-checked"]
    if untested:
        ev["untested"] = untested
    if replication is not None:
        ev["replication"] = replication
    return reading(spec["name"], spec["source"], v, ev, spec.get("notes", ""), spec.get("holds"))


def replicate(spec: dict, label: str) -> dict:
    """The verdict of a reading on another set of seeds (reported beside it, not part of the verdict)."""
    c = spec["clauses"]
    return {"seeds": label, "verdict": conjunction(c), "within_noise": marginal(c),
            "refuted": [x["clause"] for x in c if x["verdict"] == "refuted"]}


def statement_result(specs: list[dict], checked: int, instance: dict, reproduce: str, fresh: list[dict] | None = None,
                     fresh_label: str = "", extra: dict | None = None):
    """The Result of a figure statement from its readings (``registry.from_readings``): ``refuted`` and
    ``ambiguous`` carry kind "figure-statement" and the failing clauses as the counterexample;
    ``inconclusive`` carries reason "within-noise" with the effect and its interval."""
    from .registry import Result, from_readings
    fresh_by = {f["name"]: f for f in (fresh or [])}
    rds = [to_reading(s, replicate(fresh_by[s["name"]], fresh_label) if s["name"] in fresh_by else None)
           for s in specs]
    v = from_readings(rds)
    main = next((r for r in rds if r.get("holds")), rds[0])
    ev = {k: main["evidence"].get(k) for k in ("test", "level", "effect", "interval", "clause", "threshold", "asserts")}
    ev["reading_of_record"] = main["reading"]
    ev["readings_table"] = [{"reading": r["reading"], "verdict": r["verdict"], "clause": r["evidence"].get("clause"),
                             "effect": r["evidence"].get("effect"), "interval": r["evidence"].get("interval"),
                             "threshold": r["evidence"].get("threshold"),
                             "fresh_seeds": (r["evidence"].get("replication") or {}).get("verdict")} for r in rds]
    ev["verdict_rule"] = ("each clause: interval wholly on the asserted side -> holds, wholly on the other -> fails, "
                          f"else within noise ({LEVEL:.0%} intervals); a reading: the conjunction of its clauses; "
                          "the statement: registry.from_readings over the readings")
    ev.update(extra or {})
    summary = "; ".join(f"[{r['verdict']}] {r['reading']}" for r in rds)
    kw = {}
    if v in ("refuted", "ambiguous"):
        kw["kind"] = "figure-statement"
    if v == "refuted" or v == "ambiguous":
        bad = [dict(c, reading=r["reading"]) for r in rds for c in r["evidence"]["clauses"] if c["verdict"] == "refuted"]
        kw.update(counterexample={"instance": instance, "failing_clauses": bad[:6]}, reproduce=reproduce,
                  found_by="search")
    if v == "inconclusive":
        kw["reason"] = "within-noise"
    h = ev
    notes = (f"{v}: {h.get('clause')}: effect {h.get('effect')} {h.get('test', '')}, {LEVEL:.0%} interval "
             f"{h.get('interval')} against {h.get('asserts')}. Readings: {summary}")
    return Result(v, checked_instances=checked, notes=notes, evidence=ev, readings=rds, **kw)


def twin_result(clauses: list[dict], fresh: list[dict] | None, checked: int, instance: dict, reproduce: str,
                fresh_label: str, formation_label: str):
    """A /corrected twin: formed on one set of seeds, checked on a fresh set before it is called
    verified.  The verdict is the conjunction over both sets; a twin that fails on the fresh seeds is
    refuted there (reported, with the failing clauses)."""
    from .registry import Result
    sets = [{"name": f"{formation_label} (formation)", "source": "the seeds the twin was written from",
             "clauses": clauses, "holds": True}]
    if fresh is not None:
        sets.append({"name": f"{fresh_label} (fresh)", "source": "fresh seeds (results/figures)",
                     "clauses": fresh, "holds": True})
    rds = [to_reading(s) for s in sets]
    allc = [dict(c, seeds=s["name"]) for s in sets for c in s["clauses"]]
    v = conjunction(allc)
    h = headline(allc)
    ev = dict(h, verdict_rule="conjunction over the formation and the fresh seeds", clauses=allc,
              fresh_seeds_checked=fresh is not None)
    kw = {}
    if v == "refuted":
        kw = dict(kind="figure-statement", found_by="search", reproduce=reproduce,
                  counterexample={"instance": instance, "failing_clauses": [c for c in allc if c["verdict"] == "refuted"][:6]})
    elif v == "inconclusive":
        kw["reason"] = "within-noise"
    if fresh is None and v == "verified":
        v = "inconclusive"
        kw = {"reason": None}
    notes = (f"{v} on " + " and ".join(f"{r['reading']}: {r['verdict']}" for r in rds)
             + f"; deciding clause {h.get('clause')}: effect {h.get('effect')}, interval {h.get('interval')} "
             f"against {h.get('asserts')}" + ("" if fresh is not None else "; not checked on fresh seeds"))
    return Result(v, checked_instances=checked, notes=notes, evidence=ev, readings=rds, **kw)


def readings_markdown(title: str, specs: list[dict]) -> str:
    """The table of readings of one statement (reading, verdict, deciding clause, test, effect,
    interval, threshold) and the statement's verdict by ``registry.from_readings``."""
    from .registry import from_readings
    rds = [to_reading(s) for s in specs]
    lines = [f"**{title}**: {from_readings(rds)}", "",
             "| reading | verdict | deciding clause | test | effect | 95% interval | asserts |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for r in rds:
        e = r["evidence"]
        iv = e.get("interval") or [None, None]
        fmt = (lambda x: "-" if x is None else f"{x:.4g}")
        lines.append(f"| {r['reading']} | {r['verdict']} | {e.get('clause')} | {e.get('test', '')} | "
                     f"{fmt(e.get('effect'))} | [{fmt(iv[0])}, {fmt(iv[1])}] | {e.get('asserts', '')} |")
    return "\n".join(lines)
