r"""The limit lemmas behind the asymptotic convergence theorems, observed along long exact runs:
bnac Lemmas A.6-A.16 (behind Theorem 5.5 = A.17 and Corollary 5.8 = A.18) and mpg Lemmas C.4-C.13
(behind Theorem 3.4).

Each lemma speaks of limits (Q^{inf,i}, the sets I_0, I_+, I_- and Delta, the times T_0, T_1 they define), so
no finite run decides it: its verdict is ``inconclusive`` with reason ``limit-statement``, and the evidence
states the runs (games, seeded specs, the stated step size, the run length T) and what they show at the last
iterate (``verify.limit_runs``: the sets estimated from A^{T,i} against A^{T/10,i}, Delta, T_0 and T_1 estimated
on the checkpoints, the trends).  The finite-t statements inside the lemmas and their proofs *are* checked
as such, and refute when violated on a run that meets the hypotheses (the stated step size):

* V^{t+1}(mu) >= V^t(mu) at every iterate (the premise "V^t bounded and monotonically increasing" of A.6/C.4);
* sign(theta^{t+1} - theta^t) = sign(d(s, a^P) pi A^{t,i}) at every checkpoint (the step of A.9/C.7 from the
  gradient form of Lemma A.4 / mpg Lemma 3.1);
* sum_{a^i} theta^{t,i}_{s, a^P, a^i} = sum_{a^i} theta^{0,i}_{s, a^P, a^i} (the invariant of A.10/C.8's proof).

A lemma whose premise is vacuous on a run (e.g. "I_+ nonempty where lim d(s, a^P) > 0", which Lemma A.16 /
Theorem 3.4 shows never happens) counts that run as no check; the evidence says so.

Profiles: quick runs the matrix games live for ``limit_runs.T_QUICK`` steps; paper and deep add the seeded
two-state games live and read the committed long runs (``results/limits/{paper}_{profile}.json``, 1e6 and
1e7 steps, rebuilt by ``python -m verify.limit_runs PAPER PROFILE``).
"""
from __future__ import annotations

import json

import numpy as np

from .. import limit_runs as LR
from ..checking import reproduce_cmd
from ..errors import InputError
from ..registry import Context, Result, claim, reading
from .convergence import build_instance  # noqa: F401  (the --instance specs are its specs, plus "T")

SUM_TOL = 1e-9          # relative drift of sum_a theta^{t,i} that counts as a violation of the invariant
MONO_TOL = 1e-12        # a one-step decrease of V(mu) beyond MONO_TOL x scale counts as a violation

LIMIT_READING = ("as printed: a statement about lim_{t -> inf} (Q^{inf,i}, I_0/I_+/I_-, Delta, T_0, T_1 defined "
                 "through the limits), observed along finite runs")


# =================================================================================================
# the runs a claim looks at
# =================================================================================================
def _runs(ctx: Context, paper: str) -> list[dict]:
    """The observations of the profile, or of the one run the user gave (--instance '{..., "T": n}')."""
    if ctx.instance is not None:
        spec = dict(ctx.instance)
        try:
            T = int(spec.pop("T", LR.T_QUICK))
        except (TypeError, ValueError):
            raise InputError("T must be an integer") from None
        o = LR.public(LR.run_plan(paper, spec, T))
        o["game"] = "given instance"
        o["source"] = "given"
        return [o]
    return [LR.public(o) if any(k.startswith("_") for k in o) else o for o in LR.observed_runs(paper, ctx.profile)]


def _run_line(o: dict) -> dict:
    sets = {}
    for e in o["entries"]:
        sets[e["set"]] = sets.get(e["set"], 0) + 1
    out = {"game": o["game"], "spec": o["spec"], "T": o["T"], "eta": o["eta"], "source": o["source"],
           "sets_at_T": sets, "delta_est": o["delta"], "T0_est": o["T0_est"], "T1_est": o["T1_est"],
           "seconds": o["seconds"]}
    if o.get("gaps"):
        out["nash_gap_T"] = o["gaps"][-1]["nash_gap"]
        out["optimality_gap_T"] = o["gaps"][-1]["optimality_gap"]
        out["theorem_trend"] = theorem_trend(o["gaps"])
    return out


def theorem_trend(gaps: list[dict]) -> dict:
    r"""The trend of the theorems' quantities along a run (bnac Theorem 5.5: the Nash gap; Corollary 5.8: the
    optimality gap; mpg Theorem 3.4: the Nash gap): their values at the recorded iterates t >= 1000 and the log-log
    slope of each over the last two records (about -1 for a gap closing like 1/t; about 0 for one that stays)."""
    rec = [g for g in gaps if g["t"] >= 1000]
    out = {"t": [g["t"] for g in rec], "nash_gap": [g["nash_gap"] for g in rec],
           "optimality_gap": [g["optimality_gap"] for g in rec]}
    for key in ("nash_gap", "optimality_gap"):
        if len(rec) >= 2 and rec[-2][key] > 0 and rec[-1][key] > 0:
            out[f"{key}_loglog_slope_last"] = float(np.log(rec[-1][key] / rec[-2][key]) / np.log(rec[-1]["t"] / rec[-2]["t"]))
    return out


def _rows(o: dict) -> dict:
    """Entries grouped by (agent, s, a^{P^i}): the rows over which I_0, I_+, I_- partition the local actions."""
    rows: dict = {}
    for e in o["entries"]:
        rows.setdefault((e["agent"],) + tuple(e["entry"][:-1]), []).append(e)
    return rows


def _label(o: dict, key) -> str:
    return f"{o['game']} (T = {o['T']}): agent {key[0]}, (s, a^P) = {list(key[1:])}"


# =================================================================================================
# finite-t statements
# =================================================================================================
def finite_monotone(runs, plant: str | None = None) -> dict:
    r"""V^{t+1}(mu) >= V^t(mu) at every iterate: the smallest one-step change, tracked inside the compiled loop,
    is >= -MONO_TOL x scale.  ``plant='reverse'`` checks the reversed statement V^{t+1}(mu) <= V^t(mu) at every
    iterate instead, violated by any run whose V(mu) rose overall (V_T - V_0 = optimality gap at 0 minus at T)."""
    bad = []
    for o in runs:
        if plant == "reverse":
            rise = (o["gaps"][0]["optimality_gap"] - o["gaps"][-1]["optimality_gap"]) / o["value_scale"]
            if rise > MONO_TOL:
                bad.append(o)
        elif o["min_dV_rel"] < -MONO_TOL:
            bad.append(o)
    return {"ok": not bad, "bad": bad, "iterates": sum(o["T"] for o in runs),
            "worst": min(o["min_dV_rel"] for o in runs)}


def finite_sign(runs, plant: str | None = None) -> dict:
    r"""sign(theta^{t+1} - theta^t) = sign(d(s, a^P) pi A^{t,i}) on every counted entry of every checkpoint
    (``plant='sign'``: the opposite sign)."""
    counted = sum(o["sign_agreement"]["counted"] for o in runs)
    dis = sum(o["sign_agreement"]["disagree"] for o in runs)
    if plant == "sign":
        dis = counted - dis
    bad = [o for o in runs if (o["sign_agreement"]["counted"] - o["sign_agreement"]["disagree"] if plant == "sign"
                               else o["sign_agreement"]["disagree"]) > 0]
    return {"ok": dis == 0, "bad": bad, "counted": counted, "disagree": dis}


def finite_sum(runs, plant: str | None = None) -> dict:
    r"""sum_{a^i} theta^{t,i}_{s,a^P,a^i} constant in t (``plant='sum'``: it grows by 1e-6 per checkpoint)."""
    worst = max(o["theta_sum_drift"] for o in runs)
    if plant == "sum":
        worst = worst + 1e-6
    bad = [o for o in runs if o["theta_sum_drift"] + (1e-6 if plant == "sum" else 0.0) > SUM_TOL]
    return {"ok": worst <= SUM_TOL, "bad": bad, "worst_relative_drift": worst}


FINITE = {
    "monotone": (finite_monotone, "V^{t+1}(mu) >= V^t(mu) at every iterate of every run",
                 "the proof's premise 'V^t is bounded and monotonically increasing' (Lemma A.5 / C.3)",
                 "reversed-inequality"),
    "sign": (finite_sign, "sign(theta^{t+1} - theta^t) = sign(A^{t,i}) wherever d(s, a^P) pi > 0, at every checkpoint",
             "the step 'A^{t,i} < -Delta/4 => dV/dtheta < 0 => theta strictly decreasing' of the proof "
             "(gradient form of Lemma A.4 / mpg Lemma 3.1)", "inconsistent-definition"),
    "sum": (finite_sum, "sum_{a^i} theta^{t,i}_{s,a^P,a^i} = sum_{a^i} theta^{0,i}_{s,a^P,a^i} at every checkpoint",
            "'The sum of the gradient is always zero ... a constant' (proof of A.10 / C.8)", "wrong-constant"),
}


# =================================================================================================
# what each lemma's limit part shows along the runs
# =================================================================================================
def obs_convergence(runs):
    """A.6 / C.4: V^t, Q^t, Q^{t,i} converge; T_0 with |Q^{t,i} - Q^{inf,i}| <= Delta/4."""
    items = [{"game": o["game"], "T": o["T"], "max |Q^{T,i} - Q^{T/10,i}|": o["q_change_last_decade"],
              "T0_est": o["T0_est"], "delta_est": o["delta"]} for o in runs]
    n = sum(o["delta"] is not None for o in runs)
    txt = "; ".join(f"{o['game']}: max|Q^(T,i) - Q^(T/10,i)| = {o['q_change_last_decade']:.2g} over the last decade, "
                    f"T_0 ~ {o['T0_est']} at Delta ~ {o['delta']:.3g}" if o["delta"] is not None else
                    f"{o['game']}: no entry settled away from 0 (Delta undefined at T)" for o in runs)
    return n, items, txt


def obs_t1(runs):
    """A.7 / C.5: T_1 after which A^{t,i} < -Delta/4 on I_-, > Delta/4 on I_+."""
    items = []
    for o in runs:
        neg = [e["A_T"] for e in o["entries"] if e["set"] == "I_-"]
        pos = [e["A_T"] for e in o["entries"] if e["set"] == "I_+"]
        items.append({"game": o["game"], "T": o["T"], "T1_est": o["T1_est"], "I_-": len(neg), "I_+": len(pos),
                      "max A on I_-": max(neg) if neg else None, "min A on I_+": min(pos) if pos else None})
    n = sum(it["I_-"] + it["I_+"] > 0 for it in items)
    txt = "; ".join(f"{it['game']}: T_1 ~ {it['T1_est']} ({it['I_-']} entries in I_-, {it['I_+']} in I_+)" for it in items)
    return n, items, txt


def obs_grad(runs):
    """A.8 / C.6: dV/dtheta -> 0; where lim d > 0, pi -> 0 on I_- and I_+, sum of pi over I_0 -> 1."""
    items, n = [], 0
    for o in runs:
        g_T = max(abs(e["d_T"] * e["pi_T"] * e["A_T"]) for e in o["entries"])
        g_10 = max(abs(e["d_T10"] * e["pi_T10"] * e["A_T10"]) for e in o["entries"])
        pm = [e for e in o["entries"] if e["set"] in ("I_+", "I_-") and e["lim_d_positive"]]
        n += len(pm)
        rows = _rows(o)
        i0 = [1 - sum(e["pi_T"] for e in r if e["set"] == "I_0") for r in rows.values()
              if all(e["lim_d_positive"] for e in r) and any(e["set"] == "I_0" for e in r)]
        items.append({"game": o["game"], "T": o["T"], "max |d pi A| at T/10": g_10, "max |d pi A| at T": g_T,
                      "max pi on I_+- (lim d > 0) at T/10": max((e["pi_T10"] for e in pm), default=None),
                      "max pi on I_+- (lim d > 0) at T": max((e["pi_T"] for e in pm), default=None),
                      "max 1 - sum_{I_0} pi at T": max(i0, default=None)})
    txt = "; ".join(f"{it['game']}: max|d pi A| {it['max |d pi A| at T/10']:.2g} -> {it['max |d pi A| at T']:.2g}, "
                    f"max pi on I_+- {it['max pi on I_+- (lim d > 0) at T/10'] or 0:.2g} -> "
                    f"{it['max pi on I_+- (lim d > 0) at T'] or 0:.2g} (T/10 -> T)" for it in items)
    return n, items, txt


def obs_monotone_theta(runs):
    """A.9 / C.7: after T_1, theta strictly decreasing on I_-, increasing on I_+."""
    items, n = [], 0
    for o in runs:
        ent = [e for e in o["entries"] if e["set"] in ("I_+", "I_-") and e["lim_d_positive"]]
        n += len(ent)
        items.append({"game": o["game"], "T": o["T"], "T1_est": o["T1_est"],
                      "entries": [{"agent": e["agent"], "entry": e["entry"], "set": e["set"],
                                   "last_sign_change_of_increment": e["last_sign_change"],
                                   "final_step_sign": e["final_step_sign"]} for e in ent]})
    txt = "; ".join(f"{it['game']}: {len(it['entries'])} entries in I_+- with lim d > 0, their increments last "
                    f"changed sign at iterate <= {max((x['last_sign_change_of_increment'] for x in it['entries']), default=0)}"
                    for it in items)
    return n, items, txt


def _plus_rows(o, need_d: bool, need_i0: bool = False):
    out = []
    for key, r in _rows(o).items():
        if not any(e["set"] == "I_+" for e in r):
            continue
        if need_d and not all(e["lim_d_positive"] for e in r):
            continue
        if need_i0 and not any(e["set"] == "I_0" for e in r):
            continue
        out.append((key, r))
    return out


def _plus_summary(runs, need_d: bool, need_i0: bool, what: str):
    items, n = [], 0
    excluded = []
    for o in runs:
        rows = _plus_rows(o, need_d, need_i0)
        n += len(rows)
        for key, r in _plus_rows(o, False):
            if (key, r) not in rows:
                excluded.append({"row": _label(o, key), "sets": [e["set"] for e in r],
                                 "d_T10": r[0]["d_T10"], "d_T": r[0]["d_T"]})
        items.append({"game": o["game"], "T": o["T"], "rows_meeting_premise": [_label(o, k) for k, _ in rows]})
    txt = (f"{n} (run, s, a^P) rows meet the premise ({what})" +
           (f"; rows with I_+ nonempty that do not: {', '.join(x['row'] + ' (d ' + format(x['d_T10'], '.2g') + ' -> ' + format(x['d_T'], '.2g') + ', sets ' + '/'.join(x['sets']) + ')' for x in excluded)}"
            if excluded else "; no row has I_+ nonempty"))
    return n, {"runs": items, "rows_with_I_plus_outside_premise": excluded}, txt


def obs_a10(runs):
    """A.10 / C.8: where lim d > 0 and I_+ nonempty, max theta over I_0 -> inf and min theta -> -inf."""
    return _plus_summary(runs, True, False, "I_+ nonempty and lim d(s, a^P) > 0")


def obs_a11(runs):
    """A.11 / C.9: with a_+ in I_+, a in I_0: once pi(a) <= pi(a_+) after T_1 it stays so (no d hypothesis)."""
    n, items, txt = _plus_summary(runs, False, True, "I_+ and I_0 both nonempty; the lemma has no d hypothesis")
    viol = []
    for o in runs:
        ts = o["t"]
        t1 = o["T1_est"] or 0
        for key, r in _plus_rows(o, False, True):
            for ap in (e for e in r if e["set"] == "I_+"):
                for a in (e for e in r if e["set"] == "I_0"):
                    ks = [k for k, t in enumerate(ts) if t >= t1]
                    once = next((k for k in ks if a["series"]["pi"][k] <= ap["series"]["pi"][k]), None)
                    if once is not None and any(a["series"]["pi"][k] > ap["series"]["pi"][k] for k in ks if k > once):
                        viol.append(_label(o, key))
    items["ordering_broken_after_T1_est"] = viol
    return n, items, txt + (f"; ordering broken at {viol}" if viol else "")


def obs_a12(runs):
    """A.12 / C.10: where lim d > 0 and I_+ nonempty, B_0(a_+) nonempty and sum_{B_0} pi -> 1."""
    return _plus_summary(runs, True, False, "I_+ nonempty and lim d(s, a^P) > 0")


def obs_a13(runs):
    """A.13 / C.11: where I_+ nonempty, pi(a_+) > pi(a) for a in Bbar_0(a_+) eventually (no d hypothesis)."""
    n, items, txt = _plus_summary(runs, False, True, "I_+ and I_0 both nonempty; the lemma has no d hypothesis")
    return n, items, txt


def obs_a14(runs):
    """A.14 / C.12: where lim d > 0, theta on I_+ bounded below, theta on I_- -> -inf."""
    items, n = [], 0
    for o in runs:
        neg = [e for e in o["entries"] if e["set"] == "I_-" and e["lim_d_positive"]]
        pos = [e for e in o["entries"] if e["set"] == "I_+" and e["lim_d_positive"]]
        n += len(neg) + len(pos)
        items.append({"game": o["game"], "T": o["T"],
                      "theta on I_- (0, T/10, T)": [[e["theta_0"], e["theta_T10"], e["theta_T"]] for e in neg],
                      "theta on I_+ (0, T/10, T)": [[e["theta_0"], e["theta_T10"], e["theta_T"]] for e in pos]})
    txt = "; ".join(f"{it['game']}: theta on I_- " + ", ".join(f"{a:.3g} -> {b:.3g} -> {c:.3g}" for a, b, c in
                                                              it["theta on I_- (0, T/10, T)"]) for it in items)
    return n, items, txt + " (theta 0 -> T/10 -> T; a decrease per decade of t is the log t divergence)"


def obs_a15(runs):
    """A.15 / C.13: where lim d > 0 and I_+ nonempty, sum of theta over B_0(a_+) -> inf."""
    return _plus_summary(runs, True, False, "I_+ nonempty and lim d(s, a^P) > 0")


def obs_a16(runs):
    """A.16 (and the last step of mpg Theorem 3.4's proof): I_+ empty where lim d(s, a^P) > 0."""
    items, n = [], 0
    for o in runs:
        rows = _rows(o)
        with_d = [k for k, r in rows.items() if all(e["lim_d_positive"] for e in r)]
        plus_d = [k for k in with_d if any(e["set"] == "I_+" for e in rows[k])]
        plus_nod = [k for k, r in rows.items() if k not in with_d and any(e["set"] == "I_+" for e in r)]
        n += len(with_d)
        items.append({"game": o["game"], "T": o["T"], "rows_with_lim_d_positive": len(with_d),
                      "of_them_with_I_plus": [_label(o, k) for k in plus_d],
                      "rows_with_I_plus_and_d_decaying": [_label(o, k) for k in plus_nod],
                      "gaps": o.get("gaps")})
    txt = "; ".join(f"{it['game']}: {it['rows_with_lim_d_positive']} rows with lim d > 0 observed, "
                    f"{len(it['of_them_with_I_plus'])} with I_+ nonempty at T; "
                    f"{len(it['rows_with_I_plus_and_d_decaying'])} rows with I_+ nonempty where d(s, a^P) decays"
                    + (f"; Nash gap {it['gaps'][0]['nash_gap']:.3g} -> {it['gaps'][-1]['nash_gap']:.3g}, optimality gap "
                       f"{it['gaps'][0]['optimality_gap']:.3g} -> {it['gaps'][-1]['optimality_gap']:.3g}" if it["gaps"] else "")
                    for it in items)
    plus = [x for it in items for x in it["of_them_with_I_plus"]]
    return n, dict(runs=items, rows_with_lim_d_and_I_plus=plus), txt


# =================================================================================================
# the claims
# =================================================================================================
def _verdict(ctx, claim_id: str, paper: str, observe, finite: tuple, why: str, plant: str | None,
             extra_readings=None) -> Result:
    runs = _runs(ctx, paper)
    n, items, txt = observe(runs)
    readings = [reading(LIMIT_READING, f"{claim_id} as printed", "inconclusive",
                        {"nonvacuous_instances": n, "observed": items}, notes=why, holds=True)]
    refuted = None
    fin_txt = []
    for key in finite:
        fn, name, source, kind = FINITE[key]
        r = fn(runs, plant)
        ev = {k: v for k, v in r.items() if k != "bad"}
        readings.append(reading("finite-t: " + name, source, "verified" if r["ok"] else "refuted", ev,
                                notes="checked at the stated step size on every run listed", holds=True))
        fin_txt.append(f"{name}: {'held' if r['ok'] else 'VIOLATED'} ({', '.join(f'{k} {v:.3g}' if isinstance(v, float) else f'{k} {v}' for k, v in ev.items() if k != 'ok')})")
        if not r["ok"] and refuted is None:
            refuted = (key, kind, r["bad"][0] if r["bad"] else runs[0])
    if extra_readings:
        readings += extra_readings(runs)
    T_list = sorted({o["T"] for o in runs})
    ev = {"runs": [_run_line(o) for o in runs], "run_lengths": T_list,
          "step_size": "the stated bound, computed per game (bnac: (1-gamma)^3/(8N(r_max - r_min)); mpg: Theorem 3.4's min)",
          "readings_of_the_harness": {"I_0": f"|A^T| <= {LR.ZERO_TOL:g} x scale or |A^T| <= |A^(T/10)|/2",
                                      "I_+/I_-": "|A^T| above that and within 25% of A^(T/10)",
                                      "lim d > 0": f"d^T >= d^(T/10)/2 and normalized d^T >= {LR.D_FLOOR:g}",
                                      "T_0, T_1": "estimated on the logarithmic checkpoints"},
          "nonvacuous_instances": n, "finite_t": fin_txt}
    notes = (f"runs of length {', '.join(str(t) for t in T_list)} on {len({o['game'] for o in runs})} games at the "
             f"stated step: {txt}" + (". Finite-t: " + "; ".join(fin_txt) if fin_txt else "") +
             (f". The premise is vacuous on every run ({why})" if n == 0 else ""))
    if refuted is not None:
        key, kind, o = refuted
        readings[0] = dict(readings[0], verdict="not-checked",
                           notes="moot: a finite-t part of the statement is violated")
        spec = dict(o["spec"], T=o["T"])
        return Result("refuted", len(runs), None, {"spec": spec, "statement": FINITE[key][1], "found_by": "search"},
                      reproduce_cmd(claim_id, spec), f"finite-t statement violated: {FINITE[key][1]}. " + notes, ev,
                      kind=kind, readings=readings, found_by="given" if ctx.instance is not None else "search")
    return Result("inconclusive", n, None, notes=notes + ". A limit statement: no finite run decides it.",
                  evidence=ev, readings=readings, reason="limit-statement")


TYPO_TEXT = {
    "Lemma A.9": "as printed in Lemma A.9: 'strictly decreasing for a^i in I_+ and strictly increasing for a^i in I_+' "
                 "(both on I_+)",
    "Lemma C.7": "as printed in Lemma C.7: 'strictly decreasing for a^i in I_- and strictly increasing for a^i in "
                 "I^{+s,i}_-' (the second set read as I_-)",
}


def _typo_reading(label: str):
    def extra(runs):
        rows = [(o, k, r) for o in runs for k, r in _rows(o).items()
                if any(e["set"] == "I_+" for e in r) and all(e["lim_d_positive"] for e in r)]
        return [reading(TYPO_TEXT[label], f"{label} statement",
                        "inconclusive", {"rows_with_I_plus_and_lim_d_positive": len(rows)},
                        notes=("self-contradictory wherever the doubled set is nonempty; the proof's last line states the "
                               "evident intended I_- (decreasing) / I_+ (increasing), which the finite-t sign reading "
                               "checks" + ("; where lim d > 0 Lemma A.16 makes I_+ empty, so the printed text is "
                                           "vacuous there" if label == "Lemma A.9" else "")), holds=False)]
    return extra


WHY = {
    "sets": "Q^{inf,i}, the sets I_0, I_+, I_- and Delta are limits; the run estimates them at its last iterate",
    "plus_d": "the premise 'I_+ nonempty where lim d(s, a^P) > 0' is what Lemma A.16 / Theorem 3.4 shows never "
              "happens: the lemma is a step of a proof by contradiction, so no run can meet its premise",
    "plus": "the premise needs I_+ nonempty (it occurs only where d(s, a^P) -> 0) and I_0 nonempty in the same row",
}

BNAC = [
    ("a.6", "For all s, a, V^t(s) -> V^inf(s), Q^t(s, a) -> Q^inf(s, a); for all i, s, a^{P^i}, a^i, Q^{t,i}(s, a^{P^i}, a^i) -> "
            "Q^{inf,i}(s, a^{P^i}, a^i) and Q^{t,i}(s, a^{P^i}) -> Q^{inf,i}(s, a^{P^i}). Delta = min over A^{inf,i} != 0 of "
            "|A^{inf,i}|; there is T_0 with Q^{inf,i} - Delta/4 <= Q^{t,i} <= Q^{inf,i} + Delta/4 for t > T_0.",
     obs_convergence, ("monotone",), "sets", None),
    ("a.7", "exists T_1 such that for all t > T_1, i, s, a^{P^i}, a^i: A^{t,i} < -Delta/4 for a^i in I_-; A^{t,i} > Delta/4 for a^i in I_+.",
     obs_t1, (), "sets", None),
    ("a.8", "dV^t(mu)/dtheta^i_{s,a^{P^i},a^i} -> 0; if lim_t d(s, a^{P^i}) > 0, then pi^{t,i}(a^i|s, a^{P^i}) -> 0 for a^i in "
            "I_- u I_+ and sum_{a^i in I_0} pi^{t,i} -> 1.", obs_grad, (), "sets", None),
    ("a.9", "For t >= T_1, if lim_t d(s, a^{P^i}) > 0, then theta^i_{s,a^{P^i},a^i} is strictly decreasing for a^i in I_+ and "
            "strictly increasing for a^i in I_+ (as printed; the proof concludes: decreasing on I_-, increasing on I_+).",
     obs_monotone_theta, ("sign",), "sets", "Lemma A.9"),
    ("a.10", "If lim_t d(s, a^{P^i}) > 0 and I_+ nonempty: max_{a^i in I_0} theta^{t,i} -> inf, min_{a^i} theta^{t,i} -> -inf.",
     obs_a10, ("sum",), "plus_d", None),
    ("a.11", "With a_+ in I_+ and a in I_0: if pi^{t,i}(a) <= pi^{t,i}(a_+) at some t >= T_1, then for all tau >= t "
             "pi^{tau,i}(a) <= pi^{tau,i}(a_+) (the printed statement stops after 'such that ...'; the proof gives this).",
     obs_a11, (), "plus", None),
    ("a.12", "If lim_t d(s, a^{P^i}) > 0 and I_+ nonempty: for a_+ in I_+, B_0(a_+) is nonempty, sum_{B_0(a_+)} pi^{t,i} -> 1 "
             "and max_{B_0(a_+)} theta^{t,i} -> inf.", obs_a12, (), "plus_d", None),
    ("a.13", "Where I_+ is nonempty: for a_+ in I_+ there is T such that for t > T and a^i in Bbar_0(a_+), "
             "pi^{t,i}(a_+) > pi^{t,i}(a^i).", obs_a13, (), "plus", None),
    ("a.14", "If lim_t d(s, a^{P^i}) > 0: theta^i on I_+ is lower bounded as t -> inf, theta^i on I_- -> -inf.",
     obs_a14, (), "sets", None),
    ("a.15", "Where I_+ is nonempty and lim_t d(s, a^{P^i}) > 0: sum_{a^i in B_0(a_+)} theta^{t,i} -> inf.",
     obs_a15, (), "plus_d", None),
    ("a.16", "For all i, a^{P^i}: if lim_t d(s, a^{P^i}) > 0 then I_+^{s, a^{P^i}, i} is empty.", obs_a16, (), "sets", None),
]

MPG = [
    ("c.4", "V_phi^t(s) -> V_phi^inf(s), Q_phi^t(s, a) -> Q_phi^inf(s, a), Q_phi^{t,i}(s, a^i) -> Q_phi^{inf,i}(s, a^i); "
            "Delta = min over A_phi^{inf,i} != 0 of |A_phi^{inf,i}|; there is T_0 with |Q_phi^{t,i} - Q_phi^{inf,i}| <= Delta/4 "
            "for t > T_0; I_0/I_+/I_- by Q_phi^{inf,i}(s, a^i) =, >, < V_phi^inf(s).", obs_convergence, ("monotone",), "sets", None),
    ("c.5", "exists T_1 such that for t > T_1: A_phi^{t,i}(s, a^i) < -Delta/4 on I_-, > Delta/4 on I_+.", obs_t1, (), "sets", None),
    ("c.6", "dPhi(mu)/dtheta^i_{s,a^i} -> 0; pi^{t,i}(a^i|s) -> 0 on I_- u I_+ and sum_{I_0} pi^{t,i} -> 1.", obs_grad, (), "sets", None),
    ("c.7", "For t >= T_1, theta^i_{s,a^i} is strictly decreasing on I_- and strictly increasing on 'I^{+s,i}_-' (as printed; "
            "the evident intended set is I_+).", obs_monotone_theta, ("sign",), "sets", None),
    ("c.8", "For all s where I_+ is nonempty: max_{I_0} theta^{t,i} -> inf, min_{a^i} theta^{t,i} -> -inf.", obs_a10, ("sum",),
     "plus_d", None),
    ("c.9", "a_+ in I_+, a in I_0: if pi^{t,i}(a|s) <= pi^{t,i}(a_+|s) at some t >= T_1 then for all tau >= t the same holds.",
     obs_a11, (), "plus", None),
    ("c.10", "If I_+ nonempty: for a_+ in I_+, B_0(a_+) nonempty, sum_{B_0(a_+)} pi^{t,i} -> 1 and max_{B_0(a_+)} theta -> inf.",
     obs_a12, (), "plus_d", None),
    ("c.11", "Where I_+ is nonempty: there is T with pi^{t,i}(a_+|s) > pi^{t,i}(a^i|s) for t > T and a^i in Bbar_0(a_+).",
     obs_a13, (), "plus", None),
    ("c.12", "theta^i_{s,a_+} is lower bounded for a_+ in I_+; theta^i_{s,a_-} -> -inf for a_- in I_-.", obs_a14, (), "sets", None),
    ("c.13", "Where I_+ is nonempty: for a_+ in I_+, sum_{a in B_0(a_+)} theta^{t,i}_{s,a} -> inf (the statement is garbled in "
             "the extraction; this is the bnac Lemma A.15 analogue the proof of Theorem 3.4 uses).", obs_a15, (), "plus_d", None),
]

CHECKERS = ["compiled exact PG runs at the stated step (verify.limit_runs: own small JAX value, first step checked "
            "against the verify.dynamics oracle)", "the lemmas' quantities at logarithmic checkpoints from the NumPy "
            "reference (verify.evaluation)", "finite-t statements at every iterate / checkpoint"]


def _register(paper: str, rows, location: str, assumptions: list[str]):
    for label, stmt, observe, finite, why, typo in rows:
        cid = f"{paper}:lemma-{label}"

        def make(cid=cid, observe=observe, finite=finite, why=WHY[why], typo=typo):
            def check(ctx: Context, plant: str | None = None) -> Result:
                return _verdict(ctx, cid, paper, observe, finite, why, plant,
                                _typo_reading(typo) if typo else None)
            check.__doc__ = observe.__doc__
            return check
        claim(id=cid, paper=paper, location=f"Lemma {label.upper()}, {location}", statement=stmt,
              assumptions=assumptions, group="convergence", expected="inconclusive",
              domain=("2x2 team matrix games on the fully-correlated DAG (adversarial and uniform starts) in quick, "
                      "plus a seeded random 2-state team game (line DAG) in paper/deep; runs of 2e4 steps live, "
                      "1e6 (paper) and 1e7 (deep) steps committed" if paper == "bnac" else
                      "the 2x2 identical-interest matrix game (start on the worse profile) in quick, plus a seeded "
                      "random 2-state MPG in paper/deep; runs of 2e4 steps live, 1e6 (paper) and 1e7 (deep) committed"),
              checkers=CHECKERS,
              readings=[{"reading": LIMIT_READING, "source": "as printed"}])(make())


_register("bnac", BNAC, "Appendix A (proof of Theorem 5.5 = A.17)",
          ["team reward; every agent follows the PG dynamics (2) at eta = (1-gamma)^3/(8N(r_max - r_min))",
           "Assumptions 5.2-5.4 (5.4, the policy converges, observed through the settling of A^{t,i})"])
_register("mpg", MPG, "Appendix C (proof of Theorem 3.4)",
          ["Markov potential game, product softmax policies, each agent ascends its own V^i (= grad Phi)",
           "eta = min((1-gamma)/(N max(5, sqrt N)(Phi_max - Phi_min)), 4(1-gamma)^3/(41N)) (Theorem 3.4)",
           "Assumption 2.1 (mu > 0): lim d(s) > 0 for every s"])
