"""The verification report: every registered claim checked, written as Markdown and JSON.

Results are appended to ``<out>/verification-results.jsonl`` as each claim finishes, so an
interrupted run resumes where it stopped (claims already checked with the same profile and seed are
not redone); ``fresh=True`` starts over.
"""
from __future__ import annotations

import datetime
import json
import os
import platform
import tempfile
import time

from .registry import Context, Result, all_claims, get, to_json


def _machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} CPU cores, Python {platform.python_version()}"


def atomic_write(path: str, text: str) -> None:
    """Write ``text`` to ``path`` so that a reader (or a kill at any moment) sees either the old file or
    the complete new one: write a temporary file in the same folder, flush it to disk, rename it."""
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=d)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def read_journal(journal: str) -> list[dict]:
    """The complete records of a results journal.  A torn last line (a kill during its write) is cut
    off the file, so that the next record starts on a line of its own; a line that does not parse
    is skipped."""
    with open(journal, "rb") as f:
        data = f.read()
    if data and not data.endswith(b"\n"):
        keep = data.rfind(b"\n") + 1
        with open(journal, "r+b") as f:
            f.truncate(keep)
        data = data[:keep]
    return parse_journal(data.decode("utf-8", "replace"))


def parse_journal(text: str) -> list[dict]:
    """The claim records among a journal's lines (a line that does not parse is skipped)."""
    recs = []
    for line in text.splitlines():
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(rec, dict) and "id" in rec:
            recs.append(rec)
    return recs


def run_claims(ids: list[str] | None, ctx: Context, progress=None, journal: str | None = None,
               fresh: bool = False) -> list[dict]:
    claims = [get(i) for i in ids] if ids else all_claims()
    done: dict[str, dict] = {}
    if journal and os.path.exists(journal) and not fresh:
        for rec in read_journal(journal):
            if (rec.get("profile") == ctx.profile and rec.get("seed") == ctx.seed
                    and rec.get("witnesses", True) == ctx.witnesses):
                done[rec["id"]] = rec
    elif journal and fresh and os.path.exists(journal):
        os.remove(journal)
    out = []
    run_id = f"{os.getpid()}-{time.time():.0f}"
    last = time.perf_counter()
    for c in claims:
        if c.id in done:
            out.append(done[c.id])
            if progress:
                progress(c.id, done[c.id]["verdict"], "(resumed)")
            continue
        try:
            r = c.run(ctx)
        except Exception as e:  # a crashing checker is reported, never hidden
            r = Result("inconclusive", notes=f"the checker raised {type(e).__name__}: {e}")
        rec = to_json(c, r)
        from .instances import drop_unread_instance
        rec["reproduce"] = drop_unread_instance(c, rec.get("reproduce"))
        now = time.perf_counter()
        # wall time since the previous claim finished (its check plus the harness around it): the
        # report's total over resumed runs is the sum of these
        rec["profile"], rec["seed"], rec["witnesses"] = ctx.profile, ctx.seed, ctx.witnesses
        rec["elapsed"], rec["run"] = round(now - last, 3), run_id
        last = now
        out.append(rec)
        if journal:
            with open(journal, "a") as f:
                f.write(json.dumps(rec, default=float) + "\n")
                f.flush()
        if progress:
            progress(c.id, r.verdict, f"{r.seconds:.1f}s")
    return out


def _fmt(x) -> str:
    if x is None:
        return "-"
    if isinstance(x, float):
        return f"{x:.3g}"
    return str(x)


def _ratio(rec: dict):
    """For a bound: the largest observed ratio of the observed quantity to the claimed bound (a value
    above 1 refutes), when the checker reports one as ``evidence['max_ratio']``."""
    ev = rec.get("evidence") or {}
    for key in RATIO_KEYS:
        x = ev.get(key)
        if isinstance(x, (int, float)) and not isinstance(x, bool):
            return float(x)
    x = ev.get("min_slack_T_over_first_hit")  # iteration counts: first iteration reaching eps / T
    if isinstance(x, (int, float)) and x > 0:
        return 1.0 / float(x)
    return None


#: evidence keys under which checkers report observed / claimed (a value above 1 refutes)
RATIO_KEYS = ("max_ratio", "largest_ratio_observed_over_bound", "max_ratio_gap_over_bound_at_M_lower")


#: how much of a note the summary table shows, and of the evidence each claim's section shows; the
#: JSON report keeps everything, and every cut says so
NOTE_CHARS = 160
EVIDENCE_CHARS = 4000
CUT_MARK = " [cut; the full text is in verification-report.json]"


def _cut(text: str, n: int) -> str:
    """``text`` if it has at most ``n`` characters, else its first ``n`` and a marker pointing to the JSON."""
    return text if len(text) <= n else text[:n].rstrip() + " ..." + CUT_MARK


def _evidence_block(evidence) -> list[str]:
    """The evidence as a fenced JSON block, cut at a line boundary after EVIDENCE_CHARS characters; a
    cut block ends with a line outside the fence that says how much was left out and where it is."""
    text = json.dumps(evidence, default=float, indent=1)
    if len(text) <= EVIDENCE_CHARS:
        return [text, "```"]
    head = text[:EVIDENCE_CHARS]
    head = head[: head.rfind("\n")] if "\n" in head else head
    return [head, "```", "", f"(evidence cut: {len(head)} of {len(text)} characters shown; the full evidence is "
                             "in verification-report.json under this claim's \"evidence\")"]


def markdown(records: list[dict], ctx: Context, seconds: float, proofs: list[dict] | None = None,
             runs: int = 1, seconds_this_run: float | None = None) -> str:
    counts = {}
    for r in records:
        counts[r["verdict"]] = counts.get(r["verdict"], 0) + 1
    lines = [
        "# Verification report",
        "",
        f"Profile `{ctx.profile}`, seed {ctx.seed}, {datetime.date.today().isoformat()}, {_machine()}, "
        f"{seconds:.0f} s" + (f" in total over {runs} runs (this run {seconds_this_run:.0f} s)"
                               if runs > 1 and seconds_this_run is not None else "") + "." + ("" if ctx.witnesses else " Witness corpus left out (`--no-witnesses`): "
                               "every verdict rests on the searches alone."),
        "",
        "Verdicts: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) + ".",
        "",
        "| claim | verdict | kind | as printed | instances | max error | max ratio to claimed | notes |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in records:
        note = _cut((r.get("notes") or "").replace("|", "\\|").replace("\n", " "), NOTE_CHARS)
        lines.append(f"| `{r['id']}` | **{r['verdict']}** | {r.get('kind') or r.get('reason') or ''} | "
                     f"{'yes' if r['as_printed'] else 'no'} | "
                     f"{r['checked_instances']} | {_fmt(r['max_error'])} | {_fmt(_ratio(r))} | {note} |")
    lines += ["", "## Claims refuted as printed", ""]
    any_ref = False
    for r in records:
        if r["verdict"] != "refuted":
            continue
        any_ref = True
        lines += [f"### `{r['id']}` ({r['paper']}, {r['location']})", "",
                  f"As printed: {r['statement']}", "", f"Kind: {r.get('kind_text') or r.get('kind') or 'not stated'}", "",
                  f"Finding: {r['notes']}", ""]
        if r.get("found_by"):
            lines += [f"Found by: {r['found_by']}", ""]
        if r.get("counterexample"):
            lines += ["Counterexample (shrunk):", "", "```json", json.dumps(r["counterexample"], default=float, indent=1), "```", ""]
        if r.get("reproduce"):
            lines += ["Reproduce:", "", "```", r["reproduce"], "```", ""]
        if r.get("corrected"):
            twin = next((x for x in records if x["id"] == r["corrected"]["id"]), None)
            verdict = twin["verdict"] if twin else "not run in this report"
            lines += [f"Corrected statement `{r['corrected']['id']}` ({verdict}): {r['corrected']['statement']}",
                      f"What changed: {r['corrected']['what_changed']}", ""]
    if not any_ref:
        lines += ["None in this run.", ""]
    lines += ["## Readings", "",
              "Where the text admits several readings, each is checked; the verdict is `ambiguous` when "
              "readings the text supports disagree. (holds) marks the reading the report takes to be right.", ""]
    any_rd = False
    for r in records:
        if not r.get("readings"):
            continue
        any_rd = True
        lines += [f"### `{r['id']}`: **{r['verdict']}**", "", "| reading | source | verdict | notes |",
                  "| --- | --- | --- | --- |"]
        for rd in r["readings"]:
            nt = (rd.get("notes") or "").replace("|", "\\|").replace("\n", " ")
            mark = " (holds)" if rd.get("holds") else ""
            lines.append(f"| {rd['reading']}{mark} | {rd['source']} | **{rd['verdict']}** | {nt} |")
        lines.append("")
    if not any_rd:
        lines += ["None in this run.", ""]
    figs = [r for r in records if r.get("group") == "figures" and "/" in r["id"]
            and not r["id"].endswith("/corrected")]
    if figs:
        lines += ["## The papers' statements about their figures, in the reproduction", "",
                  f"At profile `{ctx.profile}` (`python -m verify figures --profile paper` writes the paper-scale "
                  "figures; `--profile paper` on a report or a check re-judges the statements on them).", "",
                  "| statement | held? | what the reproduction shows |", "| --- | --- | --- |"]
        for r in figs:
            held = {"verified": "held", "refuted": "did not hold"}.get(r["verdict"], r["verdict"])
            note = r.get("notes") or ""
            ev = r.get("evidence") or {}
            nums = ev.get("details", ev.get("numbers"))
            if nums is not None and len(note) < 40:
                note = f"{note} {json.dumps(nums, default=float)}"
            note = note.replace("|", "\\|").replace("\n", " ")
            note = _cut(note, 300)
            lines.append(f"| `{r['id']}`: {r['statement']} | **{held}** | {note} |")
        lines.append("")
    lines += ["## Evidence per claim", ""]
    for r in records:
        lines += [f"### `{r['id']}`", "", f"- location: {r['paper']}, {r['location']}",
                  f"- statement: {r['statement']}", f"- assumptions: {'; '.join(r['assumptions'])}",
                  f"- domain: {r['domain']}", f"- checkers: {'; '.join(r['checkers'])}",
                  f"- verdict: **{r['verdict']}** on {r['checked_instances']} instances, max error {_fmt(r['max_error'])}",
                  f"- notes: {r['notes']}", "", "```json", *_evidence_block(r.get("evidence", {})), ""]
    if proofs:
        try:
            from .proofs import proof_report_markdown
            lines += [proof_report_markdown(proofs)]
        except Exception as e:  # pragma: no cover
            lines += [f"(proof section unavailable: {e})"]
    return "\n".join(lines) + "\n"


def write_report(out_dir: str, ctx: Context, ids=None, progress=None, fresh=False, with_proofs=True,
                 phase=None) -> dict:
    """Check the claims (resuming from the journal), replay the proofs, and write the Markdown and JSON
    reports, each atomically.  ``seconds`` is the total over every run that contributed a result (the
    sum of the journaled per-claim times, plus this run's proof replay); ``seconds_this_run`` this run's."""
    os.makedirs(out_dir, exist_ok=True)
    for name in os.listdir(out_dir):  # temporary files of a run killed while writing its report
        if name.startswith(".verification-report.") and name.endswith(".tmp"):
            try:
                os.unlink(os.path.join(out_dir, name))
            except OSError:
                pass
    t = time.time()
    recs = run_claims(ids, ctx, progress, journal=os.path.join(out_dir, "verification-results.jsonl"), fresh=fresh)
    proofs = None
    if with_proofs:
        try:
            from .proofs import list_proofs, replay
            names = list_proofs()
            if phase:
                phase(f"replaying {len(names)} proofs step by step")
            proofs = [replay(p, profile=ctx.profile, seed=ctx.seed) for p in names]
        except ImportError:
            proofs = None
    if phase:
        phase("writing the report")
    t_this = time.time() - t
    t_proofs = time.time() - t - sum(r.get("elapsed", 0.0) for r in recs if r.get("run") == _this_run(recs, t))
    runs = len({r.get("run") for r in recs if r.get("run")}) or 1
    secs = sum(float(r.get("elapsed", r.get("seconds", 0.0)) or 0.0) for r in recs) + max(t_proofs, 0.0)
    md = markdown(recs, ctx, secs, proofs, runs=runs, seconds_this_run=t_this)
    obj = {"profile": ctx.profile, "seed": ctx.seed, "machine": _machine(), "seconds": round(secs, 1),
           "seconds_this_run": round(t_this, 1), "runs": runs, "claims": recs}
    if proofs is not None:
        obj["proofs"] = proofs
    atomic_write(os.path.join(out_dir, "verification-report.json"), json.dumps(obj, indent=1, default=float))
    atomic_write(os.path.join(out_dir, "verification-report.md"), md)
    return obj


def _this_run(recs: list[dict], t0: float):
    """The run id of the records this process wrote (the newest run id), or None when all were resumed."""
    import os as _os
    mine = [r.get("run") for r in recs if str(r.get("run", "")).startswith(f"{_os.getpid()}-")]
    return mine[-1] if mine else None
