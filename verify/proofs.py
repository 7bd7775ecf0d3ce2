r"""Proof replay: every printed proof as a checkable transcript.

A *transcript* (one Python module per proof under ``proofs/``, named after the proof id with ``:`` and
``/proof`` replaced, e.g. ``proofs/mbpg_theorem-1.py`` for ``mbpg:theorem-1/proof``) defines
``TRANSCRIPT = Transcript(...)``: the statement being proved and the printed chain, one ``Step`` per
printed line.  Each step carries

* ``quote``: the line as printed (LaTeX as extracted);
* ``relation`` to the previous step: ``start`` (begins a chain), ``=``, ``<=``, ``>=``, ``propto``
  (a constant positive factor apart), or ``sqrt=`` (the square root of the previous line);
* ``expr``: a sympy expression (a string over the transcript's declared ``symbols``) or a Python
  function ``f(ctx)`` of a random instance (``ctx`` is what the transcript's ``build(spec)`` returns);
  ``None`` when the line cannot be evaluated (``why`` says why);
* ``justification``: the reason the paper gives;
* ``garbled``: set when the extracted text is garbled; it says what is garbled and what evident intended
  meaning the ``expr`` transcribes instead.

``replay(proof_id)`` checks each step against the previous one: symbolically (sympy simplification
with the symbols' assumptions) when both sides are sympy expressions and simplification decides it,
otherwise numerically on seeded random instances (every failing instance is reported with the spec that
rebuilds it: ``rebuild(proof_id, spec)``).  It reports per step ``holds``, ``fails`` or
``not-evaluable``; the first failing step; whether the chain's conclusion matches the statement; and,
when the transcript has a direct check of the statement, whether the statement itself holds.

Tolerances (explicit): numeric ``=`` holds when |a - b| <= ATOL + RTOL * max(|a|, |b|) entrywise with
RTOL = 1e-7, ATOL = 1e-9 (a step may set ``tol=(rtol, atol)``, e.g. for finite-difference oracles);
``<=`` holds when a <= b + ATOL + RTOL * max(|a|, |b|).  NaN entries mark entries to which a line does
not apply (e.g. "for (s, a^i) with A >= 0") and are skipped.
"""
from __future__ import annotations

import dataclasses
import importlib.util
import json
import os
import sys
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np
import sympy as sp

from .errors import InputError

RELATIONS = ("start", "=", "<=", ">=", "propto", "sqrt=")
STATUSES = ("holds", "fails", "not-evaluable", "start", "weak")
STATUS_TEXT = {
    "holds": "holds (symbolically, or on at least MIN_NONTRIVIAL non-trivial instances)",
    "fails": "fails on an instance (shown, with the values evaluated)",
    "not-evaluable": "cannot be evaluated (why given)",
    "start": "begins a chain (nothing to check; not counted as holding)",
    "weak": "holds on fewer than MIN_NONTRIVIAL non-trivial instances",
}
MIN_NONTRIVIAL = 8                        # non-trivial instances a numeric check needs to count as holding
RTOL, ATOL = 1e-7, 1e-9
SYMBOL_KINDS = ("unit", "pos", "posint", "real", "nonneg")
PROOF_DIR = Path(__file__).resolve().parent.parent / "proofs"
N_INSTANCES = {"quick": 1, "paper": 5, "deep": 25}   # multiplied by Transcript.instances


class NotEvaluable(Exception):
    """Raised by a step function when the line does not apply to the instance at hand."""


@dataclasses.dataclass
class Step:
    quote: str
    relation: str
    expr: str | Callable | None
    justification: str = ""
    garbled: str | None = None
    why: str | None = None               # why not evaluable (expr None)
    given: dict | None = None            # sympy substitutions applied to both sides ("plugging in ...")
    tol: tuple | None = None             # (rtol, atol) override for numeric comparisons
    note: str = ""
    nontrivial: Callable | None = None   # ctx -> bool: whether the step says something on this instance
                                         # (not both sides identically zero, not a constant F, ...)


@dataclasses.dataclass
class Skip:
    """Printed lines a transcript does not replay, and why (shown in the transcript and the report)."""
    lines: str                            # the printed lines, quoted or located ("lines 1-9 (PDL)")
    reason: str                           # why they are not replayed
    count: int = 1                        # how many printed lines this covers


@dataclasses.dataclass
class Transcript:
    id: str
    paper: str
    location: str
    theorem_claim_id: str
    statement: str                        # the statement as printed (quoted)
    steps: list
    statement_expr: str | Callable | None = None   # what the chain's last step must equal
    statement_relation: str = "="         # start REL end, as the statement asserts it
    symbols: dict = dataclasses.field(default_factory=dict)   # name -> kind (SYMBOL_KINDS)
    sample: Callable | None = None        # rng -> JSON-able spec
    build: Callable | None = None         # spec -> ctx dict; ctx["sym"] binds symbols numerically
    instances: int = 4                    # quick-profile instance count
    theorem_check: Callable | None = None  # ctx -> (ok: bool, detail: str): the statement, directly
    conclusion_step: int | None = None    # the line that concludes the proof (default: the last line)
    notes: str | Callable = ""           # or status -> str, status = {step n: its status}: notes computed from the run
    printed_lines: int | None = None      # lines of the printed proof (steps + skipped lines cover them)
    skipped: list = dataclasses.field(default_factory=list)   # Skip(...) for every printed line not replayed
    prose: bool = False                   # the printed proof is prose; its assertions are the steps
    sample_symbols: Callable | None = None  # rng -> {symbol: value}: realizable symbol points (default: each
                                            # symbol drawn from its kind's range independently)


# ------------------------------------------------------------------------------------------------
# loading
# ------------------------------------------------------------------------------------------------
def _file_for(proof_id: str) -> Path:
    if not isinstance(proof_id, str) or ":" not in proof_id or not proof_id.endswith("/proof"):
        raise InputError(f"not a proof id: {proof_id!r} (expected PAPER:LABEL/proof)")
    paper, label = proof_id[:-len("/proof")].split(":", 1)
    return PROOF_DIR / f"{paper}_{label}.py"


def list_proofs() -> list[str]:
    """The ids of all proofs with a transcript under proofs/."""
    out = []
    for p in sorted(PROOF_DIR.glob("*.py")):
        if p.name.startswith("_"):
            continue
        paper, _, label = p.stem.partition("_")
        out.append(f"{paper}:{label}/proof")
    return out


def load_path(path) -> Transcript:
    path = Path(path)
    if not path.is_file():
        raise InputError(f"no transcript file {path}")
    name = "proof_transcript_" + "".join(c if c.isalnum() else "_" for c in path.stem)
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(mod)
    except Exception as e:  # a transcript that does not even import is malformed input
        raise InputError(f"malformed transcript {path.name}: {type(e).__name__}: {e}".splitlines()[0]) from None
    tr = getattr(mod, "TRANSCRIPT", None)
    if not isinstance(tr, Transcript):
        raise InputError(f"malformed transcript {path.name}: it defines no TRANSCRIPT = Transcript(...)")
    validate(tr)
    return tr


def load(proof_id: str) -> Transcript:
    f = _file_for(proof_id)
    if not f.is_file():
        raise InputError(f"unknown proof id {proof_id!r} (known: {', '.join(list_proofs())})")
    tr = load_path(f)
    if tr.id != proof_id:
        raise InputError(f"malformed transcript {f.name}: its id is {tr.id!r}, not {proof_id!r}")
    return tr


def validate(tr: Transcript) -> None:
    """Reject malformed transcripts with a one-line InputError."""
    where = f"transcript {tr.id!r}"
    if not tr.steps:
        raise InputError(f"malformed {where}: no steps")
    for k, v in tr.symbols.items():
        if v not in SYMBOL_KINDS:
            raise InputError(f"malformed {where}: symbol {k!r} has kind {v!r}; choose from {SYMBOL_KINDS}")
    if tr.conclusion_step is not None and not 1 <= tr.conclusion_step <= len(tr.steps):
        raise InputError(f"malformed {where}: conclusion_step {tr.conclusion_step} is not a step")
    if tr.statement_relation not in ("=", "<=", ">=", "propto"):
        raise InputError(f"malformed {where}: statement_relation {tr.statement_relation!r}")
    needs_instance = False
    for n, st in enumerate(tr.steps, 1):
        if not isinstance(st, Step):
            raise InputError(f"malformed {where}: step {n} is not a Step")
        if st.relation not in RELATIONS:
            raise InputError(f"malformed {where}: step {n} has relation {st.relation!r}; choose from {RELATIONS}")
        if n == 1 and st.relation != "start":
            raise InputError(f"malformed {where}: step 1 must have relation 'start'")
        if not st.quote or not isinstance(st.quote, str):
            raise InputError(f"malformed {where}: step {n} quotes no line of the paper")
        if st.expr is None and not st.why:
            raise InputError(f"malformed {where}: step {n} has no expression and no reason why")
        if isinstance(st.expr, str):
            _sympify(tr, st.expr, f"step {n}")
            for k, v in (st.given or {}).items():
                _sympify(tr, v, f"step {n} given {k}")
        elif callable(st.expr):
            needs_instance = True
        elif st.expr is not None:
            raise InputError(f"malformed {where}: step {n}'s expr must be a sympy string, a function or None")
        if st.nontrivial is not None and not callable(st.nontrivial):
            raise InputError(f"malformed {where}: step {n}'s nontrivial must be a function ctx -> bool")
    if not isinstance(tr.skipped, (list, tuple)):
        raise InputError(f"malformed {where}: skipped must be a list of Skip(lines, reason, count)")
    for k, sk in enumerate(tr.skipped, 1):
        if not isinstance(sk, Skip):
            raise InputError(f"malformed {where}: skipped entry {k} is not a Skip(lines, reason, count)")
        if not (isinstance(sk.lines, str) and sk.lines.strip() and isinstance(sk.reason, str) and sk.reason.strip()):
            raise InputError(f"malformed {where}: skipped entry {k} needs the lines and the reason they are not replayed")
        if not isinstance(sk.count, int) or isinstance(sk.count, bool) or sk.count < 1:
            raise InputError(f"malformed {where}: skipped entry {k} has count {sk.count!r}; a positive integer")
    if tr.printed_lines is not None:
        if not isinstance(tr.printed_lines, int) or isinstance(tr.printed_lines, bool) or tr.printed_lines < 1:
            raise InputError(f"malformed {where}: printed_lines {tr.printed_lines!r} is not a positive integer")
        covered = len(tr.steps) + sum(sk.count for sk in tr.skipped)
        if covered < tr.printed_lines:
            raise InputError(f"malformed {where}: {len(tr.steps)} steps and {covered - len(tr.steps)} skipped lines "
                             f"do not cover the {tr.printed_lines} printed {'assertions' if tr.prose else 'lines'}")
    if isinstance(tr.statement_expr, str):
        _sympify(tr, tr.statement_expr, "statement_expr")
    if (needs_instance or callable(tr.statement_expr)) and (tr.sample is None or tr.build is None):
        raise InputError(f"malformed {where}: numeric steps need sample(rng) and build(spec)")


# ------------------------------------------------------------------------------------------------
# sympy side
# ------------------------------------------------------------------------------------------------
def _symbol_table(tr: Transcript) -> dict:
    table = {}
    for name, kind in tr.symbols.items():
        kw = {"unit": dict(positive=True), "pos": dict(positive=True), "posint": dict(positive=True, integer=True),
              "real": dict(real=True), "nonneg": dict(nonnegative=True)}[kind]
        table[name] = sp.Symbol(name, **kw)
    return table


def _sympify(tr: Transcript, text: str, what: str):
    table = _symbol_table(tr)
    table.setdefault("Sum", sp.Sum)
    table.setdefault("solve_for", solve_for)
    try:
        e = sp.sympify(text, locals=table)
    except (sp.SympifyError, SyntaxError, TypeError) as ex:
        raise InputError(f"malformed transcript {tr.id!r}: {what} is not a sympy expression: {text!r}") from None
    unknown = {s.name for s in e.free_symbols} - set(tr.symbols) - _bound_vars(e)
    if unknown:
        raise InputError(f"malformed transcript {tr.id!r}: {what} uses undeclared symbols {sorted(unknown)}")
    return e


def solve_for(var, expr):
    """The positive root in ``var`` of ``expr = 0`` (for "solving the above inequality we obtain ...")."""
    roots = [r for r in sp.solve(sp.Eq(expr, 0), var) if r.is_positive is not False]
    if len(roots) != 1:
        raise InputError(f"solve_for: {len(roots)} admissible roots of {expr} in {var}")
    return roots[0]


def _bound_vars(e) -> set:
    out = set()
    for s in e.atoms(sp.Sum):
        for lim in s.limits:
            out.add(lim[0].name)
    return out


def _sample_symbols(tr: Transcript, rng) -> dict:
    vals = {}
    for name, kind in tr.symbols.items():
        if kind == "unit":
            vals[name] = float(rng.choice([rng.uniform(0.0, 1.0), rng.uniform(0.9, 0.999), rng.uniform(0, 0.05)]))
        elif kind == "pos":
            vals[name] = float(np.exp(rng.uniform(-3, 3)))
        elif kind == "nonneg":
            vals[name] = float(rng.choice([0.0, np.exp(rng.uniform(-3, 3))]))
        elif kind == "posint":
            vals[name] = int(rng.integers(1, 9))
        else:
            vals[name] = float(rng.normal() * 3)
    return vals


def _sym_eval(tr, e, values: dict) -> float:
    table = _symbol_table(tr)
    subs = {table[k]: v for k, v in values.items() if k in table}
    r = e.subs(subs).doit()
    try:
        return float(sp.N(r, 30))
    except TypeError:
        raise NotEvaluable(f"expression does not evaluate to a number: {r}") from None


def _symbolic_check(rel: str, prev, cur):
    """True/False when sympy decides prev REL cur, else None."""
    try:
        if rel == "=":
            d = sp.simplify(sp.expand(prev.doit() - cur.doit()))
            if d == 0:
                return True, "simplifies to 0"
            return None, f"prev - cur simplifies to {sp.sstr(d)[:160]}"
        if rel in ("<=", ">="):
            d = sp.simplify((cur - prev) if rel == "<=" else (prev - cur)).doit()
            d = sp.simplify(sp.factor(sp.together(d)))
            if d.is_nonnegative:
                return True, f"the gap {sp.sstr(d)[:120]} is nonnegative under the assumptions"
            if d.is_negative:
                return False, f"the gap {sp.sstr(d)[:120]} is negative under the assumptions"
            return None, f"gap {sp.sstr(d)[:120]} undecided symbolically"
        if rel == "sqrt=":
            d = sp.simplify(cur.doit() ** 2 - prev.doit())
            if d == 0 and cur.is_nonnegative is not False:
                return True, "square of the line equals the previous line"
            return None, f"cur^2 - prev simplifies to {sp.sstr(d)[:120]}"
        if rel == "propto":
            q = sp.simplify(cur.doit() / prev.doit())
            return (True, f"ratio {q}") if q.is_positive and q.is_number else (None, f"ratio {q}")
    except Exception as ex:  # pragma: no cover - sympy internals
        return None, f"sympy gave up: {type(ex).__name__}"
    return None, "no symbolic rule"


# ------------------------------------------------------------------------------------------------
# numeric side
# ------------------------------------------------------------------------------------------------
def _value(tr: Transcript, expr, ctx, sym_cache: dict):
    if callable(expr):
        v = expr(ctx)
        return np.asarray(v, dtype=float)
    e = sym_cache.get(expr)
    if e is None:
        e = sym_cache[expr] = _sympify(tr, expr, "expression")
    return np.asarray(_sym_eval(tr, e, ctx.get("sym", {})), dtype=float)


def _apply_given(tr, expr, given):
    if not given or not isinstance(expr, str):
        return expr
    table = _symbol_table(tr)
    e = _sympify(tr, expr, "expression")
    subs = {table[k]: _sympify(tr, v, "given") for k, v in given.items()}
    for _ in range(len(subs) + 1):      # substitute until no substituted symbol is left (givens may nest)
        if not (e.free_symbols & set(subs)):
            break
        e = e.subs(subs)
    return sp.sstr(e)


def _num_compare(rel: str, a, b, tol):
    """(ok, worst violation, index of worst) for a REL b entrywise (a the previous line)."""
    rtol, atol = tol or (RTOL, ATOL)
    a, b = np.broadcast_arrays(np.asarray(a, float), np.asarray(b, float))
    mask = ~(np.isnan(a) | np.isnan(b))
    if not mask.any():
        raise NotEvaluable("the line applies to no entry of this instance")
    scale = np.maximum(np.abs(a), np.abs(b))
    if rel == "=":
        viol = np.abs(a - b) - (atol + rtol * scale)
    elif rel == "<=":
        viol = a - b - (atol + rtol * scale)
    elif rel == ">=":
        viol = b - a - (atol + rtol * scale)
    elif rel == "sqrt=":
        viol = np.abs(b - np.sqrt(np.maximum(a, 0))) - (atol + rtol * np.abs(b))
    elif rel == "propto":
        am, bm = a[mask], b[mask]
        k = np.argmax(np.abs(am))
        if abs(am[k]) <= atol:
            ok = bool(np.all(np.abs(bm) <= atol + rtol * np.abs(bm).max(initial=0)))
            return ok, 0.0 if ok else float(np.abs(bm).max()), None
        c = bm[k] / am[k]
        v = np.abs(bm - c * am) - (atol + rtol * np.maximum(np.abs(bm), np.abs(c * am)))
        ok = bool(c > 0 and np.all(v <= 0))
        return ok, float(max(v.max(), 0.0 if c > 0 else abs(c))), {"factor": float(c)}
    else:  # pragma: no cover
        raise ValueError(rel)
    viol = np.where(mask, viol, -np.inf)
    worst = float(viol.max())
    idx = np.unravel_index(int(np.argmax(viol)), viol.shape) if viol.ndim else ()
    return worst <= 0, worst, {"entry": [int(x) for x in idx], "prev": float(a[idx]), "this": float(b[idx])}


# ------------------------------------------------------------------------------------------------
# replay
# ------------------------------------------------------------------------------------------------
def _chains(tr: Transcript) -> list[list[int]]:
    out = []
    for n, st in enumerate(tr.steps, 1):
        if st.relation == "start":
            out.append([n])
        else:
            out[-1].append(n)
    return out


def instance_trivial(ctx: dict, spec=None) -> str | None:
    """Why an instance says nothing (a sampler-level guard), or None.  A transcript's ``build`` may set
    ``ctx["trivial"]`` (a reason, or None) itself; otherwise an instance with a single-action agent (a
    game or a spec with ``action_sizes`` containing 1) is trivial."""
    if "trivial" in ctx:
        return ctx["trivial"] or None
    sizes = None
    game = ctx.get("game")
    if game is not None and hasattr(game, "action_sizes"):
        sizes = list(game.action_sizes)
    elif isinstance(spec, dict) and isinstance(spec.get("action_sizes"), (list, tuple)):
        sizes = list(spec["action_sizes"])
    if sizes and min(sizes) <= 1:
        return "an agent with a single action"
    return None


def _instances(tr: Transcript, profile: str, seed: int):
    """(specs, ctxs, trivial reasons): seeded instances, drawn until max(tr.instances, MIN_NONTRIVIAL) x the
    profile's factor of them pass the sampler-level guard (``instance_trivial``), at most 3x + 20 draws.  The
    draws are a prefix of one seeded stream, so a longer profile includes every instance of a shorter one."""
    if profile not in N_INSTANCES:
        raise InputError(f"unknown profile {profile!r}; choose from {', '.join(N_INSTANCES)}")
    if tr.sample is None:
        return [], [], []
    rng = np.random.default_rng(seed)
    target = max(tr.instances, MIN_NONTRIVIAL) * N_INSTANCES[profile]
    specs, ctxs, triv = [], [], []
    good = 0
    while good < target and len(specs) < 3 * target + 20:
        spec = tr.sample(rng)
        ctx = tr.build(spec)
        t = instance_trivial(ctx, spec)
        specs.append(spec)
        ctxs.append(ctx)
        triv.append(t)
        good += t is None
    return specs, ctxs, triv


def _both_zero(a, b, tol) -> bool:
    """Both sides (numerically) zero on every entry the line applies to: the relation says nothing."""
    rtol, atol = tol or (RTOL, ATOL)
    a, b = np.broadcast_arrays(np.asarray(a, float), np.asarray(b, float))
    mask = ~(np.isnan(a) | np.isnan(b))
    return bool(np.all(np.abs(a[mask]) <= atol) and np.all(np.abs(b[mask]) <= atol))


def _step_nontrivial(step: Step, ctx) -> bool:
    if step.nontrivial is None:
        return True
    try:
        return bool(step.nontrivial(ctx))
    except NotEvaluable:
        return False


def _shown_symbols(tr, vals: dict, given: dict | None, exprs) -> dict:
    """The symbol values a numeric check evaluated: the free symbols of the two sides after the ``given``
    substitution, plus each substituted symbol's value computed from its ``given`` expression (so a
    sampled value the substitution overrode is never shown)."""
    table = _symbol_table(tr)
    free = set()
    for e in exprs:
        free |= {s.name for s in e.free_symbols}
    out = {k: v for k, v in vals.items() if k in free}
    cur = dict(vals)
    for _ in range(len(given or {}) + 1):    # to the fixed point, as _apply_given substitutes nested givens
        for k, v in (given or {}).items():
            subs = {table[x]: y for x, y in cur.items() if x in table}
            try:
                cur[k] = float(sp.N(_sympify(tr, v, "given").subs(subs), 30))
            except (TypeError, ValueError):
                continue
    for k in (given or {}):
        if k in cur:
            out[k] = int(round(cur[k])) if tr.symbols.get(k) == "posint" and abs(cur[k] - round(cur[k])) < 1e-9 \
                else cur[k]
    return _round(dict(sorted(out.items())))


def _result(status, detail, instance=None, method=None, checked=None, nontrivial=None, trivial_reasons=None):
    r = {"status": status, "detail": detail, "instance": instance, "method": method,
         "instances_checked": checked, "instances_nontrivial": nontrivial}
    if trivial_reasons:
        r["trivial_reasons"] = trivial_reasons
    return r


def _weak_or_holds(detail_head, n_checked, n_nontriv, method, reasons):
    if n_checked == 0:
        return _result("not-evaluable", detail_head + "applies to none of the sampled instances", None, None, 0, 0, reasons)
    what = "symbol values" if method == "numeric-symbols" else "instance(s)"
    d = (f"{detail_head}numeric: held on {n_checked} {what}, {n_nontriv} of them non-trivial")
    if n_nontriv < MIN_NONTRIVIAL:
        return _result("weak", d + f" (fewer than {MIN_NONTRIVIAL})", None, method, n_checked, n_nontriv, reasons)
    return _result("holds", d, None, method, n_checked, n_nontriv, reasons)


def _symbol_search(tr, rel, pe, ce, cur: Step, rng, n_points: int = 200):
    """Evaluate pe REL ce at n_points seeded random points of the symbols' domains.  Returns
    (first violation or None, points evaluated, non-trivial points)."""
    names = list(tr.symbols)
    table = _symbol_table(tr)
    fp = sp.lambdify([table[k] for k in names], pe.doit(), "math")
    fc = sp.lambdify([table[k] for k in names], ce.doit(), "math")
    n_checked = n_nontriv = 0
    for _ in range(n_points):
        vals = _sample_symbols(tr, rng)
        if tr.sample_symbols is not None:
            vals.update(tr.sample_symbols(rng))
        try:
            a = float(fp(*[vals[k] for k in names]))
            b = float(fc(*[vals[k] for k in names]))
        except (ZeroDivisionError, OverflowError, ValueError, TypeError):
            continue
        if not (np.isfinite(a) and np.isfinite(b)):
            continue
        ok, w, where = _num_compare(rel, a, b, cur.tol)
        shown = None
        if not ok:
            shown = _shown_symbols(tr, vals, cur.given, (pe, ce))
            return {"symbols": shown, "previous_line": a, "this_line": b}, n_checked + 1, n_nontriv
        n_checked += 1
        if not _both_zero(a, b, cur.tol) and _step_nontrivial(cur, {"sym": vals}):
            n_nontriv += 1
    return None, n_checked, n_nontriv


def _check_pair(tr, prev: Step, cur: Step, ctxs, specs, sym_cache, rng, trivial=None):
    """Check prev --cur.relation--> cur.  Returns a dict: status, detail, instance (the failing instance, as
    evaluated), method ("symbolic", "numeric-symbols", "numeric"), instances_checked, instances_nontrivial
    ("symbolic" for a sympy decision, which covers every instance)."""
    rel = cur.relation
    trivial = trivial if trivial is not None else [None] * len(ctxs)
    if prev.expr is None or cur.expr is None:
        if cur.expr is None:
            return _result("not-evaluable", cur.why or "no expression")
        return _result("not-evaluable", "the previous line is not evaluable")
    p_expr = _apply_given(tr, prev.expr, cur.given)
    c_expr = _apply_given(tr, cur.expr, cur.given)
    sym_note = ""
    if isinstance(p_expr, str) and isinstance(c_expr, str):
        pe, ce = _sympify(tr, p_expr, "prev"), _sympify(tr, c_expr, "this")
        verdict, why = _symbolic_check(rel, pe, ce)
        if verdict is True:
            return _result("holds", f"symbolic: {why}", None, "symbolic", "symbolic", "symbolic")
        if verdict is False:
            # a witness point for the reader (the decision is sympy's)
            inst, _, _ = _symbol_search(tr, rel, pe, ce, cur, rng)
            return _result("fails", f"symbolic: {why}", inst, "symbolic", "symbolic", "symbolic")
        sym_note = f"symbolic undecided ({why}); "
        # bound symbols on instances when the transcript has them, else sample the symbols' domains
        if not ctxs or not all(k in ctxs[0].get("sym", {}) for k in {s.name for s in (pe - ce).free_symbols}):
            inst, n_checked, n_nontriv = _symbol_search(tr, rel, pe, ce, cur, rng)
            if inst is not None:
                return _result("fails", sym_note + f"numeric at symbol values {inst['symbols']}: previous line "
                               f"{inst['previous_line']:.6g}, this line {inst['this_line']:.6g}", inst,
                               "numeric-symbols", n_checked, n_nontriv)
            return _weak_or_holds(sym_note, n_checked, n_nontriv, "numeric-symbols", None)
    n_checked = n_nontriv = 0
    reasons: dict = {}
    failed = None      # the first failure on an instance the guard calls trivial, kept while a non-trivial one is sought
    for ctx, spec, triv in zip(ctxs, specs, trivial):
        try:
            a = _value(tr, p_expr, ctx, sym_cache)
            b = _value(tr, c_expr, ctx, sym_cache)
            ok, w, where = _num_compare(rel, a, b, cur.tol)
        except NotEvaluable:
            continue
        n_checked += 1
        if not ok:
            inst = {"spec": spec, "rebuild": f"verify.proofs.rebuild({tr.id!r}, spec)", "evaluated": where}
            if ctx.get("sym"):
                table_free = [_sympify(tr, x, "expression") for x in (p_expr, c_expr) if isinstance(x, str)]
                inst["symbols"] = _shown_symbols(tr, ctx["sym"], cur.given, table_free) if table_free else \
                    _round(dict(ctx["sym"]))
            if triv:
                inst["trivial"] = triv
            res = _result("fails", sym_note + f"numeric: violated by {w:.3g} beyond tolerance at {where}", inst,
                          "numeric", n_checked, n_nontriv)
            if not triv:
                return res
            failed = failed or res
            continue
        why = triv or ("both sides zero" if _both_zero(a, b, cur.tol) else None) or \
            (None if _step_nontrivial(cur, ctx) else "the step's own non-triviality condition")
        if why is None:
            n_nontriv += 1
        else:
            reasons[why] = reasons.get(why, 0) + 1
    if failed is not None:      # it fails only on instances the guard calls trivial: still a failure
        return failed
    return _weak_or_holds(sym_note, n_checked, n_nontriv, "numeric", reasons or None)


def _round(d):
    return {k: (float(f"{v:.7g}") if isinstance(v, float) else v) for k, v in d.items()}


def rebuild(proof_id: str, spec: dict) -> dict:
    """The instance context a failing step reports, rebuilt from its spec."""
    tr = load(proof_id)
    if tr.build is None:
        raise InputError(f"{proof_id} has no instances")
    return tr.build(spec)


def replay(proof_id: str, profile: str = "quick", seed: int = 0, transcript: Transcript | None = None,
           path=None) -> dict:
    """Replay a transcript; see the module docstring for what is checked and reported."""
    t0 = time.perf_counter()
    tr = transcript if transcript is not None else (load_path(path) if path is not None else load(proof_id))
    if transcript is not None:
        validate(tr)
    specs, ctxs, trivial = _instances(tr, profile, seed)
    rng = np.random.default_rng(seed + 1)
    sym_cache: dict = {}
    steps_out = []
    status_of: dict[int, str] = {}
    for chain in _chains(tr):
        for n in chain:
            st = tr.steps[n - 1]
            rec = {"n": n, "quote": st.quote, "relation": st.relation, "justification": st.justification,
                   "garbled": st.garbled, "status": None, "detail": "", "instance": None}
            if st.relation == "start":
                if st.expr is None:
                    rec["status"], rec["detail"] = "not-evaluable", st.why
                else:
                    rec["status"], rec["detail"] = "start", "start of a chain (nothing to check)"
            else:
                prev = tr.steps[n - 2]
                res = _check_pair(tr, prev, st, ctxs, specs, sym_cache, rng, trivial)
                rec.update(res)
                if status_of.get(n - 1) == "fails" and n - 2 >= chain[0]:
                    # the previous line was wrong: does this one hold against the line before it?  If so the
                    # error is confined to that line (a typo); if not, it propagates.
                    k = n - 2
                    rel = _compose([tr.steps[m - 1].relation for m in (n - 1, n)])
                    if rel is not None and rel != "sqrt=":
                        probe = dataclasses.replace(st, relation=rel)
                        r2 = _check_pair(tr, tr.steps[k - 1], probe, ctxs, specs, sym_cache, rng, trivial)
                        rec["against_line_before_failure"] = {"step": k, "relation": rel, "status": r2["status"],
                                                              "detail": r2["detail"]}
            if st.note:
                rec["note"] = st.note
            status_of[n] = rec["status"]
            steps_out.append(rec)
    first = next((s for s in steps_out if s["status"] == "fails"), None)
    concl = _conclusion(tr, ctxs, specs, sym_cache, rng, trivial)
    thm = _theorem(tr, ctxs, specs, trivial)
    counts = {k: sum(s["status"] == k for s in steps_out) for k in STATUSES}
    skipped = [{"lines": sk.lines, "reason": sk.reason, "count": sk.count} for sk in tr.skipped]
    totals = {
        "printed_lines": tr.printed_lines,
        "prose": tr.prose,
        "transcribed_steps": len(steps_out),
        "chain_starts": counts["start"],
        "checked": counts["holds"] + counts["fails"],     # decided: symbolically or on >= MIN_NONTRIVIAL
        "holds": counts["holds"],                          # non-trivial instances, or failing on one
        "fails": counts["fails"],
        "weak": counts["weak"],
        "not_evaluable": counts["not-evaluable"],
        "skipped_lines": sum(sk.count for sk in tr.skipped),
        "min_nontrivial": MIN_NONTRIVIAL,
    }
    return {
        "id": tr.id, "paper": tr.paper, "location": tr.location, "theorem_claim_id": tr.theorem_claim_id,
        "statement": tr.statement, "profile": profile, "seed": seed, "instances": len(specs),
        "instances_nontrivial": sum(t is None for t in trivial),
        "steps": steps_out,
        "first_failure": None if first is None else {"n": first["n"], "quote": first["quote"],
                                                      "detail": first["detail"], "instance": first["instance"]},
        "counts": counts, "totals": totals, "skipped": skipped,
        "conclusion_matches_statement": concl["matches"], "conclusion": concl,
        "theorem_holds": thm, "notes": tr.notes(dict(status_of)) if callable(tr.notes) else tr.notes,
        "seconds": round(time.perf_counter() - t0, 3),
    }


def _compose(rels: list[str]) -> str | None:
    r = "="
    for x in rels:
        if x in ("=", "sqrt="):   # square roots preserve the order of nonnegative quantities
            continue
        if r == "=":
            r = x
        elif r != x:
            return None
    return r


def _conclusion(tr, ctxs, specs, sym_cache, rng, trivial=None) -> dict:
    last_n = tr.conclusion_step or len(tr.steps)
    chain = next(c for c in _chains(tr) if last_n in c)
    chain = chain[:chain.index(last_n) + 1]
    rel = _compose([tr.steps[n - 1].relation for n in chain[1:]])
    out = {"chain_relation": rel, "statement_relation": tr.statement_relation, "matches": None, "detail": ""}
    if rel is None or (tr.statement_relation == "=" and rel != "=") or \
            (tr.statement_relation in ("<=", ">=") and rel not in ("=", tr.statement_relation)) or \
            (tr.statement_relation == "propto" and rel not in ("=", "propto")):
        out["matches"] = False
        out["detail"] = f"the final chain establishes '{rel}', the statement asserts '{tr.statement_relation}'"
        return out
    if tr.statement_expr is None:
        out["detail"] = "no expression for the statement"
        return out
    last = tr.steps[chain[-1] - 1]
    stmt = Step(quote="statement", relation="=", expr=tr.statement_expr)
    res = _check_pair(tr, last, stmt, ctxs, specs, sym_cache, rng, trivial)
    out["matches"] = {"holds": True, "fails": False}.get(res["status"])
    if res["status"] == "weak" and (res.get("instances_checked") or 0) >= MIN_NONTRIVIAL:
        out["matches"] = True      # the last line and the statement agree on every instance, trivially (e.g. both 0)
    out["detail"] = "last line vs statement: " + res["detail"]
    out["status"] = res["status"]
    if res["instance"]:
        out["instance"] = res["instance"]
    return out


def _theorem(tr, ctxs, specs, trivial=None) -> dict:
    if tr.theorem_check is None:
        return {"status": "not-evaluated", "detail": "the transcript has no direct check of the statement"}
    n = k = 0
    trivial = trivial if trivial is not None else [None] * len(ctxs)
    for ctx, spec, triv in zip(ctxs, specs, trivial):
        try:
            ok, detail = tr.theorem_check(ctx)
        except NotEvaluable:
            continue
        n += 1
        k += triv is None
        if not ok:
            return {"status": "fails", "detail": detail, "instance": {"spec": spec}}
    if n == 0:
        return {"status": "not-evaluated", "detail": "no instance to check"}
    return {"status": "holds", "detail": f"held on {n} instance(s), {k} of them non-trivial"}


# ------------------------------------------------------------------------------------------------
# report
# ------------------------------------------------------------------------------------------------
def replay_all(profile: str = "quick", seed: int = 0) -> list[dict]:
    return [replay(pid, profile, seed) for pid in list_proofs()]


def proof_report_markdown(results: list[dict]) -> str:
    """The report section: per proof, printed lines, transcribed steps, steps checked on non-trivial instances,
    skipped lines with their reasons, the first failing step (quoted) and the statement's status."""
    lines = ["## Proof replay", "",
             f"A step *holds* when sympy decides it or it holds on at least {MIN_NONTRIVIAL} non-trivial instances "
             "(not both sides zero, not an instance the transcript's guard marks trivial such as a single-action "
             "agent); *weak* when it holds on fewer; chain starts are counted apart and never as holding.", "",
             "| proof | printed lines | steps (starts) | checked: holds / fails | weak | not evaluable | skipped lines "
             "| first failing step | conclusion = statement | statement itself |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in results:
        c = r["counts"]
        t = r.get("totals", {})
        ff = r["first_failure"]
        ffs = "none" if ff is None else f"#{ff['n']}"
        cm = {True: "yes", False: "no", None: "undecided"}[r["conclusion_matches_statement"]]
        pl = t.get("printed_lines")
        pl = "not counted" if pl is None else f"{pl}{' (prose)' if t.get('prose') else ''}"
        lines.append(f"| `{r['id']}` | {pl} | {len(r['steps'])} ({c.get('start', 0)}) | {c['holds']} / {c['fails']} | "
                     f"{c.get('weak', 0)} | {c['not-evaluable']} | {t.get('skipped_lines', 0)} | {ffs} | {cm} | "
                     f"{r['theorem_holds']['status']} |")
    lines.append("")
    for r in results:
        lines.append(f"### `{r['id']}` ({r['location']})")
        lines.append("")
        t = r.get("totals", {})
        lines.append(f"Printed {'assertions' if t.get('prose') else 'lines'}: {t.get('printed_lines', 'not counted')}; "
                     f"transcribed steps: {len(r['steps'])} ({t.get('chain_starts', 0)} chain starts); checked: "
                     f"{t.get('checked', 0)} ({t.get('holds', 0)} hold, {t.get('fails', 0)} fail); weak: "
                     f"{t.get('weak', 0)}; not evaluable: {t.get('not_evaluable', 0)}; skipped lines: "
                     f"{t.get('skipped_lines', 0)}; instances: {r['instances']} "
                     f"({r.get('instances_nontrivial', r['instances'])} non-trivial).")
        ff = r["first_failure"]
        if ff is None:
            lines.append("No step fails.")
        else:
            lines.append(f"First failing step #{ff['n']}: `{_short(ff['quote'])}` — {ff['detail']}")
            inst = ff.get("instance") or {}
            if inst.get("spec"):
                lines.append(f"  instance: `{json.dumps(inst['spec'], sort_keys=True)}`")
            if inst.get("symbols"):
                lines.append(f"  evaluated at: `{json.dumps(inst['symbols'], sort_keys=True)}`")
        others = [s["n"] for s in r["steps"] if s["status"] == "fails"][1:]
        if others:
            lines.append(f"Other failing steps: {', '.join('#%d' % n for n in others)}.")
        for s in r["steps"]:
            if s.get("note") and s["status"] == "fails":
                lines.append(f"- #{s['n']}: {s['note']}")
        weak = [s for s in r["steps"] if s["status"] == "weak"]
        if weak:
            lines.append("Weak (fewer than %d non-trivial instances): %s." % (MIN_NONTRIVIAL, ", ".join(
                f"#{s['n']} ({s.get('instances_nontrivial')} of {s.get('instances_checked')})" for s in weak)))
        ne = [s["n"] for s in r["steps"] if s["status"] == "not-evaluable"]
        if ne:
            lines.append(f"Not evaluable: {', '.join('#%d' % n for n in ne)}.")
        for sk in r.get("skipped", []):
            lines.append(f"- skipped ({sk['count']} line{'s' if sk['count'] != 1 else ''}) {sk['lines']}: {sk['reason']}")
        lines.append(f"Conclusion matches statement: {r['conclusion_matches_statement']} ({r['conclusion']['detail']}).")
        lines.append(f"Statement checked directly: {r['theorem_holds']['status']} ({r['theorem_holds']['detail']}).")
        if r.get("notes"):
            lines.append(f"Notes: {' '.join(r['notes'].split())}")
        lines.append("")
    return "\n".join(lines)


def _short(q: str, n: int = 140) -> str:
    q = " ".join(q.split()).replace("`", "'")
    return q if len(q) <= n else q[:n - 3] + "..."


def main(argv=None) -> int:  # a small stand-alone entry point: python -m verify.proofs ID [--json]
    argv = list(sys.argv[1:] if argv is None else argv)
    as_json = "--json" in argv
    ids = [a for a in argv if not a.startswith("--")] or list_proofs()
    try:
        res = [replay(i) for i in ids]
    except InputError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if as_json:
        print(json.dumps(res if len(res) > 1 else res[0], indent=1, default=str))
    else:
        print(proof_report_markdown(res))
    return 0




# ------------------------------------------------------------------------------------------------
# helpers shared by the transcripts (instances built from the engine)
# ------------------------------------------------------------------------------------------------
SMALL_DOMAIN = {"n_agents": (1, 3), "action": (1, 3), "states": (1, 3), "max_joint": 18}


def bn_sampler(**domain):
    """sample(rng) -> an instance spec (verify.instances) on a small domain, with overrides."""
    from .instances import sample_spec

    dom = dict(SMALL_DOMAIN, **domain)

    def sample(rng):
        return sample_spec(rng, dom)
    return sample


def bn_context(spec: dict) -> dict:
    """Game, policy and the exact quantities most transcripts need."""
    from . import evaluation as ev
    from .instances import build

    game, policy = build(spec)
    ctx = {"spec": spec, "game": game, "policy": policy, "gamma": game.gamma, "N": game.n_agents,
           "S": game.n_states}
    ctx["d"] = ev.visitation_unnormalized(game, policy)
    ctx["Q"] = ev.q_values(game, policy, None) if game.is_team_game else None
    ctx["V"] = ev.value(game, policy, None) if game.is_team_game else None
    return ctx


def fd_grad(game, policy, reward=None, barrier: float = 0.0):
    """Finite-difference gradient (verify.oracles, Richardson-extrapolated central differences)."""
    from .oracles import fd_value_gradient
    return fd_value_gradient(game, policy, reward=reward, barrier=barrier)[0]


def hessian_fd(game, policy, reward=None, h: float = 1e-5) -> np.ndarray:
    """Hessian of V(mu) in the flat parameters: central differences (step h) of the exact gradient
    (verify.gradients.bn_pg_corrected, itself checked against the oracles in the claim registry);
    symmetrized.  Error O(h^2) ~ 1e-9 relative on the small instances used here."""
    from .gradients import bn_pg_corrected
    x = policy.flat()
    n = x.size
    H = np.zeros((n, n))
    for k in range(n):
        e = np.zeros(n)
        e[k] = h
        gp = np.concatenate([g.ravel() for g in bn_pg_corrected(game, policy.with_flat(x + e), reward)])
        gm = np.concatenate([g.ravel() for g in bn_pg_corrected(game, policy.with_flat(x - e), reward)])
        H[:, k] = (gp - gm) / (2 * h)
    return (H + H.T) / 2


def param_blocks(policy) -> list[slice]:
    """Slices of the flat parameter vector, one per agent."""
    out, k = [], 0
    for shp in policy.theta_shapes:
        m = int(np.prod(shp))
        out.append(slice(k, k + m))
        k += m
    return out


def bn_grid(ctx: dict, i: int) -> dict:
    """Joint-grid arrays of a BN instance rearranged as [s, a^{P^i}, a^i, a^{rest}] (flattened groups):
    ``m`` = Pr(a^P | s), ``loc`` = pi^i(a^i | s, a^P), ``w`` = Pr(a^rest | s, a^P, a^i), and the
    advantage ``A`` = Q(s, a) - V(s) and ``Q`` on that grid."""
    game, policy = ctx["game"], ctx["policy"]
    S, A, N = game.n_states, game.action_sizes, game.n_agents
    ps = list(policy.dag.parents[i])
    rest = [j for j in range(N) if j not in ps and j != i]
    perm = [0] + [1 + j for j in ps] + [1 + i] + [1 + j for j in rest]
    nP = int(np.prod([A[j] for j in ps])) if ps else 1
    pi = np.transpose(policy.joint(), perm).reshape(S, nP, A[i], -1)
    Q = np.transpose(ctx["Q"], perm).reshape(S, nP, A[i], -1)
    m = pi.sum(axis=(2, 3))
    loc = policy.local(i).reshape(S, nP, A[i])
    w = pi / pi.sum(axis=3, keepdims=True)
    return {"m": m, "loc": loc, "w": w, "Q": Q, "A": Q - ctx["V"][:, None, None, None],
            "shape": policy.theta_shapes[i]}


def local_on_grid(policy, i: int, action_sizes) -> np.ndarray:
    """pi^i(x | s, a^{P^i}) broadcast to the joint grid: shape (S, A^1, ..., A^N, |A^i|)."""
    loc = policy.local(i)
    ps = list(policy.dag.parents[i])
    out = np.zeros((loc.shape[0],) + tuple(action_sizes) + (action_sizes[i],))
    for a in np.ndindex(*action_sizes):
        out[(slice(None),) + a] = loc[(slice(None),) + tuple(a[j] for j in ps)]
    return out


def expect_agent(Q: np.ndarray, P: np.ndarray, i: int) -> np.ndarray:
    """E_{x ~ P(. | s, a^{P^i})} Q(s, x, a^{-i}) on the joint grid (P from ``local_on_grid``)."""
    Qx = np.expand_dims(np.moveaxis(Q, 1 + i, -1), 1 + i)
    return (P * Qx).sum(axis=-1)


def deviation_grid(game, base, dev, i: int) -> dict:
    """The quantities of a performance-difference argument in which only agent i's parameters change (base
    theta_*, deviation theta'_* = [theta_*^{-i}, theta~^i]), on the grid [s, a^{P^i}, a^i, a^{rest}]:
    ``m`` = Pr(a^P | s) (the same under both: parents are not descendants of i), ``loc``/``loc2`` = the base's
    and the deviation's pi^i(a^i | s, a^P), ``w`` = Pr(a^rest | s, a^P, a^i) (the same under both),
    ``wp``/``wp2`` = Pr(a^rest | s, a^P) under the base / the deviation (a^i marginalized), ``Q``/``V`` and
    ``Q2``/``V2`` the base's and the deviation's Q(s, a) and V(s), ``d``/``d2`` their unnormalized visitations,
    ``Qi`` = Q^{pi,i}(s, a^P, a^i), ``QiP`` = Q^{pi,i}(s, a^P) of the base (``Qi2``, ``QiP2`` of the deviation)."""
    from .evaluation import q_values, value, visitation_unnormalized
    S, A, N = game.n_states, game.action_sizes, game.n_agents
    ps = list(base.dag.parents[i])
    rest = [j for j in range(N) if j not in ps and j != i]
    perm = [0] + [1 + j for j in ps] + [1 + i] + [1 + j for j in rest]
    nP = int(np.prod([A[j] for j in ps])) if ps else 1

    def grid(x):
        return np.transpose(x, perm).reshape(S, nP, A[i], -1)
    pi, pi2 = grid(base.joint()), grid(dev.joint())
    Q, Q2 = grid(q_values(game, base)), grid(q_values(game, dev))
    m = pi.sum(axis=(2, 3))
    loc, loc2 = base.local(i).reshape(S, nP, A[i]), dev.local(i).reshape(S, nP, A[i])
    w = pi / pi.sum(axis=3, keepdims=True)
    wp = pi.sum(axis=2) / pi.sum(axis=(2, 3))[..., None]
    wp2 = pi2.sum(axis=2) / pi2.sum(axis=(2, 3))[..., None]
    V, V2 = value(game, base), value(game, dev)
    Qi = (w * Q).sum(axis=3)
    Qi2 = (w * Q2).sum(axis=3)
    return {"m": m, "loc": loc, "loc2": loc2, "w": w, "wp": wp, "wp2": wp2, "Q": Q, "Q2": Q2, "V": V, "V2": V2,
            "d": visitation_unnormalized(game, base), "d2": visitation_unnormalized(game, dev), "Qi": Qi,
            "QiP": (loc * Qi).sum(axis=2), "Qi2": Qi2, "QiP2": (loc2 * Qi2).sum(axis=2), "nP": nP,
            "Vmu": float(game.mu @ V), "V2mu": float(game.mu @ V2), "gamma": game.gamma}


if __name__ == "__main__":  # pragma: no cover
    from verify.proofs import main as _main   # the package module, whose classes the transcripts import
    raise SystemExit(_main())
