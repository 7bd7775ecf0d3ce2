"""The verification report: every registered claim checked, written as Markdown and JSON.

Each claim and each proof replay is a task (``verify.distributed``); its result is written, as it
finishes, to ``<out>/verification-tasks/<hash>.json``, the hash taken over the claim or proof id, the
profile, the seed, the witness setting and the code version.  That store is the journal: an
interrupted run resumes where it stopped, and a rerun after completion computes nothing;
``fresh=True`` starts over.  Every computed claim record is also appended to
``<out>/verification-results.jsonl``, a readable log (``verify show`` reads it).  With ``workers`` or
``scheduler`` the tasks run on a Dask cluster; the records are the same as in the serial run.
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


#: the task store under a report's folder: one file per finished task (claim or proof), named by the
#: hash of (task, claim or proof id, profile, seed, witnesses, code version); the journal a rerun
#: resumes from
TASKS_DIR = "verification-tasks"


def claim_record(claim: str, profile: str, seed: int, witnesses: bool) -> dict:
    """The task of one claim: check it at (profile, seed, witnesses) and return its JSON record (as
    JSON gives it back, the form it has in the store), with ``elapsed`` its wall time.  A crashing
    checker is reported, never hidden."""
    from .instances import drop_unread_instance
    t = time.perf_counter()
    c = get(claim)
    ctx = Context(profile=profile, seed=seed, witnesses=witnesses)
    try:
        r = c.run(ctx)
    except Exception as e:
        r = Result("inconclusive", notes=f"the checker raised {type(e).__name__}: {e}")
    rec = to_json(c, r)
    rec["reproduce"] = drop_unread_instance(c, rec.get("reproduce"))
    rec["profile"], rec["seed"], rec["witnesses"] = profile, seed, witnesses
    rec["elapsed"] = round(time.perf_counter() - t, 3)
    return json.loads(json.dumps(rec, default=float))


def proof_record(proof: str, profile: str, seed: int) -> dict:
    """The task of one proof: its step-by-step replay (``verify.proofs.replay``)."""
    from .proofs import replay
    return json.loads(json.dumps(replay(proof, profile=profile, seed=seed), default=float))


def claim_tasks(ids: list[str], ctx: Context) -> list:
    from .distributed import Task
    return [Task("verify.report:claim_record", {"claim": i, "profile": ctx.profile, "seed": ctx.seed,
                                                 "witnesses": ctx.witnesses}) for i in ids]


def run_claims(ids: list[str] | None, ctx: Context, progress=None, journal: str | None = None,
               fresh: bool = False, workers: int | None = None, scheduler: str | None = None,
               cluster=None) -> list[dict]:
    """Check the claims as tasks (``verify.distributed.run_tasks``: here, or on a Dask cluster with
    ``workers`` / ``scheduler``).  With a ``journal`` path, the task store beside it
    (``TASKS_DIR``) is the journal: claims whose result is stored for this profile, seed, witness
    setting and code version are not checked again; every result is also appended, once, to the
    journal file as a readable log (with its task key under ``task``); ``fresh`` empties both first."""
    from .distributed import run_tasks
    from .taskstore import TaskStore
    claims = [get(i) for i in ids] if ids else all_claims()
    store = None
    if journal:
        store = TaskStore(os.path.join(os.path.dirname(os.path.abspath(journal)), TASKS_DIR))
        if fresh:
            store.clear()
            if os.path.exists(journal):
                os.remove(journal)
    logged = set()
    if journal and os.path.exists(journal):
        # cut a torn last line, so that the next record starts on its own line
        logged = {r.get("task") for r in read_journal(journal)}
    run_id = f"{os.getpid()}-{time.time():.0f}"

    def landed(i, task, rec, how):
        key = task.key()
        if journal and key not in logged:  # computed now, or stored by a run killed before it logged it
            with open(journal, "a") as f:
                f.write(json.dumps(dict(rec, task=key), default=float) + "\n")
                f.flush()
            logged.add(key)
        if progress:
            progress(rec["id"], rec["verdict"], "(resumed)" if how == "stored" else f"{rec['seconds']:.1f}s")

    return run_tasks(claim_tasks([c.id for c in claims], ctx), workers=workers, scheduler=scheduler,
                     store=store, progress=landed, run=run_id, cluster=cluster)


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
                 phase=None, workers: int | None = None, scheduler: str | None = None) -> dict:
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
    from .distributed import Cluster, Task, run_tasks
    from .taskstore import TaskStore
    with Cluster(workers, scheduler) as cluster:  # one cluster for the claims and the proofs
        recs = run_claims(ids, ctx, progress, journal=os.path.join(out_dir, "verification-results.jsonl"),
                          fresh=fresh, cluster=cluster)
        proofs = None
        if with_proofs:
            try:
                from .proofs import list_proofs
                names = list_proofs()
            except ImportError:
                names = None
            if names is not None:
                if phase:
                    phase(f"replaying {len(names)} proofs step by step")
                proofs = run_tasks([Task("verify.report:proof_record", {"proof": p, "profile": ctx.profile,
                                                                        "seed": ctx.seed}) for p in names],
                                   store=TaskStore(os.path.join(out_dir, TASKS_DIR)), cluster=cluster)
    if phase:
        phase("writing the report")
    t_this = time.time() - t
    this = _this_run(recs, t)
    runs = len({r.get("run") for r in recs if r.get("run")}) or 1
    # this run's wall time (its claims, in parallel or not, and its proof replay) plus the per-claim
    # times of the earlier runs it resumed from
    secs = sum(float(r.get("elapsed", r.get("seconds", 0.0)) or 0.0) for r in recs
               if this is None or r.get("run") != this) + t_this
    md = markdown(recs, ctx, secs, proofs, runs=runs, seconds_this_run=t_this)
    obj = {"profile": ctx.profile, "seed": ctx.seed, "machine": _machine(), "seconds": round(secs, 1),
           "seconds_this_run": round(t_this, 1), "runs": runs, "claims": recs}
    if proofs is not None:
        obj["proofs"] = proofs
    atomic_write(os.path.join(out_dir, "verification-report.json"), json.dumps(obj, indent=1, default=float))
    atomic_write(os.path.join(out_dir, "verification-report.md"), md)
    return obj


def _this_run(recs: list[dict], t0: float):
    """The run id of the records this process computed (the newest run id), or None when all were resumed."""
    mine = [r.get("run") for r in recs if str(r.get("run", "")).startswith(f"{os.getpid()}-")]
    return mine[-1] if mine else None
