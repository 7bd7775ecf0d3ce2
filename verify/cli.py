"""Command line: ``verify list | show | check | report | proof | figures``.  Bad input: one line on stderr, exit 2."""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile

from . import __version__
from .errors import InputError
from .registry import PROFILES, Context, all_claims, get, to_json


class _Parser(argparse.ArgumentParser):
    def __init__(self, *a, **kw):
        kw.setdefault("formatter_class", argparse.ArgumentDefaultsHelpFormatter)
        super().__init__(*a, **kw)

    def error(self, message):  # one line, exit status 2
        sys.stderr.write(f"verify: error: {message}\n")
        raise SystemExit(2)


_PROFILE_HELP = "how hard to look: instance counts and search starts (paper = 5x quick, deep = 25x quick)"
_SEED_HELP = "seed of every random instance; the same seed gives the same results"
_NO_WIT_HELP = "leave out the typed-in witness corpus: verdicts rest on the searches alone"
_WORKERS_HELP = ("run the tasks (one per claim, figure or seed chunk) on a local Dask cluster of N worker "
                 "processes (needs pip install -e '.[distributed]'); without it or --scheduler, in this process")
_SCHEDULER_HELP = "run the tasks on an existing Dask cluster, given its scheduler's address (tcp://host:8786)"


def _add_cluster_options(sp) -> None:
    sp.add_argument("--workers", type=int, default=None, metavar="N", help=_WORKERS_HELP)
    sp.add_argument("--scheduler", default=None, metavar="ADDRESS", help=_SCHEDULER_HELP)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="verify", description="Verification harness for the BN / MPG / MABN papers: every "
                "lemma, theorem, formula and figure statement is a claim with an id (verify list).")
    p.add_argument("--version", action="version", version=f"verify {__version__}",
                   help="print the harness version and exit")
    sub = p.add_subparsers(dest="cmd", required=True, parser_class=_Parser, metavar="COMMAND")
    ls = sub.add_parser("list", help="list claim ids and where they are printed",
                        description="List every registered claim id with its location in the papers.")
    ls.add_argument("--json", action="store_true", help="print JSON (id, paper, location, as_printed, expected)")
    sh = sub.add_parser("show", help="show a claim: statement as printed, assumptions, domain, readings, "
                        "checkers, last verdict", description="Show what a claim states and how it is checked, "
                        "and its verdict in the last report under --report, if there is one.")
    sh.add_argument("ids", nargs="+", metavar="ID", help="claim ids (verify list)")
    sh.add_argument("--report", default="report", help="folder of a report whose verdicts to show")
    sh.add_argument("--json", action="store_true", help="print JSON")
    ck = sub.add_parser("check", help="check claims", description="Check claims and print their verdicts.")
    ck.add_argument("ids", nargs="+", metavar="ID", help="claim ids (verify list)")
    ck.add_argument("--profile", choices=PROFILES, default="quick", help=_PROFILE_HELP)
    ck.add_argument("--seed", type=int, default=0, help=_SEED_HELP)
    ck.add_argument("--json", action="store_true", help="print the verdicts as JSON")
    ck.add_argument("--instance", metavar="SPEC",
                    help="check one instance, given as its JSON spec (from a report's reproduce line); keys the "
                         "claim does not read are refused")
    ck.add_argument("--game", metavar="FILE",
                    help="check on your own game, a JSON or .npz file (see examples/README.md); the claim's "
                         "search over policy parameters runs on that game")
    ck.add_argument("--no-witnesses", action="store_true", help=_NO_WIT_HELP)
    _add_cluster_options(ck)
    rp = sub.add_parser("report", help="check every claim and write verification-report.md / .json",
                        description="Check every claim, replay the proofs, and write DIR/verification-report.md "
                        "and .json; each result is stored as it finishes in DIR/verification-tasks (one file per "
                        "claim or proof, named by a hash of its inputs and the code version) and logged in "
                        "DIR/verification-results.jsonl, so an interrupted run resumes where it stopped and a "
                        "rerun computes nothing.")
    rp.add_argument("ids", nargs="*", metavar="ID", help="claim ids to report on (default: every claim)")
    rp.add_argument("--out", default="report", metavar="DIR", help="output folder (created if missing)")
    rp.add_argument("--profile", choices=PROFILES, default="quick", help=_PROFILE_HELP)
    rp.add_argument("--seed", type=int, default=0, help=_SEED_HELP)
    rp.add_argument("--fresh", action="store_true", help="ignore results saved by an interrupted run")
    rp.add_argument("--no-witnesses", action="store_true", help=_NO_WIT_HELP)
    _add_cluster_options(rp)
    pr = sub.add_parser("proof", help="replay printed proofs step by step",
                        description="Replay printed proofs step by step; each step holds, fails or is not evaluable.")
    pr.add_argument("ids", nargs="*", metavar="ID", help="proof ids (default: all)")
    pr.add_argument("--profile", choices=PROFILES, default="quick", help=_PROFILE_HELP)
    pr.add_argument("--seed", type=int, default=0, help=_SEED_HELP)
    pr.add_argument("--json", action="store_true", help="print JSON")
    fg = sub.add_parser("figures", help="reproduce the papers' figures (tidy CSV + PNG + statements)",
                        description="Reproduce the papers' figures: tidy CSV, PNG and the figure statements.")
    fg.add_argument("ids", nargs="*", metavar="ID", help="figure ids (default: all)")
    fg.add_argument("--profile", choices=PROFILES, default="paper", help=_PROFILE_HELP)
    fg.add_argument("--out", default=None, metavar="DIR",
                    help="output folder (default: results/figures in the project)")
    fg.add_argument("--json", action="store_true", help="print JSON")
    _add_cluster_options(fg)
    fg.add_argument("--seeds-per-task", type=int, default=None, metavar="K",
                    help="cut the training sweeps (bnac Figures 4-6) into tasks of K seeds each (default 5 "
                         "under --workers / --scheduler; without them the chunks run in this process)")
    return p


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except InputError as e:
        sys.stderr.write(f"verify: error: {' '.join(str(e).split())}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("verify: interrupted (a report run resumes where it stopped)\n")
        return 130


def writable_dir(path: str, option: str = "--out") -> str:
    """Check, before any work, that ``path`` is (or can be made) a folder we can write in; create it."""
    if not path or "\0" in path:
        raise InputError(f"{option} needs a folder name")
    if os.path.exists(path) and not os.path.isdir(path):
        raise InputError(f"{option} {path} is a file, not a folder")
    parent = os.path.abspath(path)
    while not os.path.exists(parent):
        parent = os.path.dirname(parent)
    if not os.path.isdir(parent):
        raise InputError(f"{option} {path} lies under {parent}, which is a file, not a folder")
    try:
        os.makedirs(path, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".verify-probe-", dir=path)
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        raise InputError(f"{option} {path} is not writable ({e.strerror or type(e).__name__})") from None
    return path


class _TrackedContext(Context):
    """A Context that records whether the check read ``instance``."""

    def __getattribute__(self, name):
        if name == "instance":
            object.__setattr__(self, "_instance_read", True)
        return object.__getattribute__(self, name)


def _print_check(c, r, reproduce) -> None:
    print(f"{c.id:34s} {r.verdict:12s} instances={r.checked_instances:<5d} "
          f"max_error={r.max_error if r.max_error is None else format(r.max_error, '.3g')}")
    if r.notes:
        print(f"    {r.notes}")
    for rd in r.readings or []:
        mark = " (holds)" if rd.get("holds") else ""
        print(f"    reading: {rd['reading']} [{rd['source']}]: {rd['verdict']}{mark}")
    if reproduce:
        print(f"    reproduce: {reproduce}")


def _run_one(c, ctx: Context):
    """Run one claim; with a given instance, a malformed spec is bad input, and a check that never read
    the instance is refused (it would have checked something other than what it was asked)."""
    try:
        r = c.run(ctx)
    except (KeyError, TypeError, ValueError) as e:
        if ctx.instance is None or isinstance(e, InputError):
            raise
        raise InputError(f"malformed instance spec for {c.id}: {type(e).__name__} {e}") from None
    if ctx.instance is not None and not getattr(ctx, "_instance_read", True):
        raise InputError(f"{c.id} did not read --instance (its check takes no instance)")
    return r


def _game_instance(c, text: str) -> dict:
    """The --instance given with --game: only the policy's keys (the game comes from the file)."""
    from .gamefile import LAMBDA_CLAIMS
    from .instances import GAME_FILE_SPEC_KEYS, parse_spec
    spec = parse_spec(text)
    allowed = GAME_FILE_SPEC_KEYS - {"game"} - (set() if c.id in LAMBDA_CLAIMS else {"lambda"})
    bad = sorted(set(spec) - allowed)
    if bad:
        raise InputError(f"--instance key{'s' if len(bad) > 1 else ''} {', '.join(map(repr, bad))} cannot be "
                         f"combined with --game for {c.id} (the game comes from the file); allowed: "
                         f"{', '.join(sorted(allowed))}")
    return spec


def _check_on_game(c, args, path: str):
    """The claim's search over policy parameters, run on the game in ``path``: one check per drawn
    instance, combined (refuted on the first failing draw, verified when every draw holds)."""
    from .gamefile import GAME_CLAIMS, LAMBDA_CLAIMS, PRODUCT_CLAIMS, cached, search_specs
    from .registry import Result
    if c.id not in GAME_CLAIMS:
        raise InputError(f"{c.id} does not take --game; the claims that do: {', '.join(GAME_CLAIMS)}")
    gf = cached(path)
    ctx0 = Context(profile=args.profile, seed=args.seed, witnesses=not args.no_witnesses)
    if args.instance is not None:
        specs = [dict(_game_instance(c, args.instance), game=path)]
    else:
        specs = search_specs(gf, path, ctx0.n(20), args.seed, c.id in LAMBDA_CLAIMS, c.id not in PRODUCT_CLAIMS)
    worst, first_fail, verdicts, n, found = None, None, [], 0, "search" if args.instance is None else "given"
    for s in specs:
        ctx = _TrackedContext(profile=args.profile, seed=args.seed, instance=s, witnesses=not args.no_witnesses)
        try:
            r = _run_one(c, ctx)
        except InputError as e:
            raise InputError(f"{c.id} on --game {path}: {e}") from None
        n += r.checked_instances
        verdicts.append(r.verdict)
        if r.max_error is not None and (worst is None or r.max_error > worst):
            worst = r.max_error
        if r.verdict == "refuted" and first_fail is None:
            first_fail = (s, r)
    inst_txt = lambda s: json.dumps({k: v for k, v in s.items() if k != "game"}, sort_keys=True,
                                    separators=(",", ":"))
    ev = {"game_file": path, "game": gf.game.describe(), "dag_from_file": gf.dag is not None,
          "theta_from_file": gf.thetas is not None, "draws": len(specs),
          "verdicts": {v: verdicts.count(v) for v in sorted(set(verdicts))}}
    if first_fail is not None:
        s, r = first_fail
        res = Result("refuted", checked_instances=n, max_error=worst, evidence=ev, kind=r.kind, found_by=found,
                     counterexample={"spec": s, **{k: v for k, v in (r.counterexample or {}).items() if k != "spec"}},
                     reproduce=f"python -m verify check {c.id} --game {path} --instance '{inst_txt(s)}'",
                     notes=f"on {gf.game.describe()}: fails on {verdicts.count('refuted')} of {len(specs)} draws "
                           f"of the policy parameters; worst error {worst:.3g}")
    elif all(v == "verified" for v in verdicts):
        res = Result("verified", checked_instances=n, max_error=worst, evidence=ev,
                     notes=f"on {gf.game.describe()}: held on all {len(specs)} draws of the policy parameters"
                           + (f" (worst error {worst:.3g})" if worst is not None else ""))
    else:
        res = Result("inconclusive", checked_instances=n, max_error=worst, evidence=ev,
                     notes=f"on {gf.game.describe()}: verdicts over the draws {ev['verdicts']}")
    return res


def _last_verdicts(folder: str) -> dict:
    """claim id -> record of the report (or its journal) in ``folder``; {} when there is none."""
    js = os.path.join(folder, "verification-report.json")
    recs = {}
    jl = os.path.join(folder, "verification-results.jsonl")
    if os.path.isfile(jl):
        for r in read_journal_readonly(jl):
            recs[r["id"]] = dict(r, _source=jl)
    if os.path.isfile(js):
        try:
            with open(js) as f:
                obj = json.load(f)
            for r in obj.get("claims", []):
                recs[r["id"]] = dict(r, _source=js, profile=obj.get("profile"), seed=obj.get("seed"))
        except (OSError, json.JSONDecodeError, AttributeError):
            pass
    return recs


def read_journal_readonly(path: str) -> list[dict]:
    """The records of a results journal, without repairing a torn last line (``verify show`` only reads)."""
    from .report import parse_journal
    with open(path, encoding="utf-8", errors="replace") as f:
        return parse_journal(f.read())


def _show(args) -> int:
    from .instances import accepted_keys
    from .gamefile import GAME_CLAIMS
    claims = [get(i) for i in args.ids]
    last = _last_verdicts(args.report)
    objs = []
    for c in claims:
        keys = accepted_keys(c)
        rec = last.get(c.id)
        o = {"id": c.id, "paper": c.paper, "location": c.location, "statement": c.statement,
             "assumptions": c.assumptions, "domain": c.domain, "readings": c.readings, "checkers": c.checkers,
             "as_printed": c.as_printed, "expected": c.expected, "kind": c.kind, "discrepancy": c.discrepancy,
             "corrected": c.corrected, "what_changed": c.what_changed, "slow": c.slow, "group": c.group,
             "takes_instance": keys is not None, "takes_game": c.id in GAME_CLAIMS,
             "last": None if rec is None else {k: rec.get(k) for k in ("verdict", "profile", "seed", "notes",
                                                                       "reproduce", "readings", "_source")}}
        objs.append(o)
    if args.json:
        print(json.dumps({"claims": objs}, indent=1, default=str))
        return 0
    for o in objs:
        print(f"{o['id']}  ({o['paper']}, {o['location']})")
        print(f"  statement as printed: {o['statement']}" if o["as_printed"] else f"  statement: {o['statement']}")
        if o["what_changed"]:
            print(f"  what changed from the printed statement: {o['what_changed']}")
        print("  assumptions:")
        for a in o["assumptions"] or ["(none stated)"]:
            print(f"    - {a}")
        print(f"  domain checked: {o['domain']}")
        last_rd = (o["last"] or {}).get("readings") or []
        if last_rd:
            print("  readings (verdicts from the last report):")
            for r in last_rd:
                print(f"    - {r.get('reading')} [{r.get('source')}]: {r.get('verdict')}"
                      + (" (holds)" if r.get("holds") else ""))
        else:
            print("  readings: " + ("; ".join(f"{r.get('reading')} [{r.get('source')}]" for r in o["readings"])
                                    if o["readings"] else "none recorded (the harness made no choice of reading)"))
        print("  checkers: " + "; ".join(o["checkers"]))
        print(f"  expected verdict: {o['expected']}" + (f" (kind: {o['kind']})" if o["kind"] else ""))
        if o["discrepancy"]:
            print(f"  known discrepancy: {o['discrepancy']}")
        if o["corrected"]:
            print(f"  corrected twin: {o['corrected']}")
        print(f"  takes --instance: {'yes' if o['takes_instance'] else 'no'}; takes --game: "
              f"{'yes' if o['takes_game'] else 'no'}")
        if o["last"]:
            L = o["last"]
            print(f"  last verdict: {L['verdict']} (profile {L.get('profile')}, seed {L.get('seed')}, from {L['_source']})")
            if L.get("notes"):
                print(f"    {L['notes']}")
            if L.get("reproduce"):
                print(f"    reproduce: {L['reproduce']}")
        else:
            print(f"  last verdict: no report under {args.report}/ (python -m verify report --out {args.report})")
        print()
    return 0


def _cluster_wanted(args) -> bool:
    """Whether --workers or --scheduler asks for a Dask cluster; bad values are refused before any work."""
    from .distributed import check_options
    return check_options(getattr(args, "workers", None), getattr(args, "scheduler", None))


def _check_on_cluster(claims, args) -> list[dict]:
    """``verify check`` of many claims on a Dask cluster: one task per claim (the report's task), the
    records in the order asked; a bar on a terminal advances as each claim lands."""
    from types import SimpleNamespace

    from .distributed import run_tasks
    from .progress import Progress
    from .report import claim_tasks
    ctx = Context(profile=args.profile, seed=args.seed, witnesses=not args.no_witnesses)
    with Progress(len(claims), "claims", bar=None) as prog:
        adv = (lambda i, t, rec, how: prog.advance(f"{rec['id']} {rec['verdict']}")) if prog.bar else None
        recs = run_tasks(claim_tasks([c.id for c in claims], ctx), workers=args.workers,
                         scheduler=args.scheduler, progress=adv)
    if not args.json:
        for c, rec in zip(claims, recs):
            r = SimpleNamespace(**{k: rec.get(k) for k in ("verdict", "checked_instances", "max_error", "notes",
                                                           "readings")})
            _print_check(c, r, rec.get("reproduce"))
    return recs


def _figures_on_cluster(ids, args, prog, cluster) -> dict:
    """``verify figures`` on a Dask cluster: one task per figure configuration, each result stored
    under ``<out>/figure-tasks`` as it lands (a rerun skips the finished ones)."""
    import os as _os

    from .distributed import Task, run_tasks
    from .taskstore import TaskStore
    tasks = [Task("verify.distributed:figure_record", {"figure": i, "profile": args.profile,
                                                       "out": _os.path.abspath(args.out)}) for i in ids]
    prog.phase(f"running {len(ids)} figure configurations on the cluster")
    if not tasks:
        return {}
    res = run_tasks(tasks, cluster=cluster, store=TaskStore(_os.path.join(args.out, "figure-tasks")),
                    progress=lambda i, t, r, how: prog.advance(f"{ids[i]} done" + (" (stored)" if how == "stored"
                                                                                   else "")))
    return dict(zip(ids, res))


def _run(args) -> int:
    if args.cmd == "list":
        cl = all_claims()
        if args.json:
            print(json.dumps({"claims": [{"id": c.id, "paper": c.paper, "location": c.location,
                                          "as_printed": c.as_printed, "expected": c.expected} for c in cl]}, indent=1))
        else:
            for c in cl:
                print(f"{c.id:34s} {c.location}")
        return 0
    if args.cmd == "show":
        return _show(args)
    if args.cmd == "check":
        from .progress import Progress, phase
        if _cluster_wanted(args) and (args.game is not None or args.instance is not None):
            raise InputError("--workers / --scheduler run many claims as tasks; --instance and --game check "
                             "in this process (leave the cluster options out)")
        phase("loading the claims (imports and JAX set-up take a few seconds)")
        claims = [get(i) for i in args.ids]  # unknown ids fail before any work
        inst = None
        if args.game is not None:
            from .gamefile import GAME_CLAIMS, cached
            for c in claims:
                if c.id not in GAME_CLAIMS:
                    raise InputError(f"{c.id} does not take --game; the claims that do: {', '.join(GAME_CLAIMS)}")
            gf = cached(args.game)  # a malformed file fails before any work
            from .gamefile import PRODUCT_CLAIMS
            for c in claims:
                if c.id not in PRODUCT_CLAIMS and not gf.game.is_team_game:
                    raise InputError(f"{c.id} is stated for cooperative games (one team reward); {args.game} gives "
                                     "per-agent rewards that differ")
                if args.instance is not None:
                    _game_instance(c, args.instance)
        elif args.instance is not None:
            from .instances import parse_spec, validate_instance
            inst = parse_spec(args.instance)
            for c in claims:
                validate_instance(c, inst)
            if any(k in inst for k in ("n_states", "action_sizes", "n_agents")):
                from .games import normalize_spec
                normalize_spec({k: inst[k] for k in ("n_states", "action_sizes", "n_agents") if k in inst})
        from .instances import drop_unread_instance
        recs = []
        if _cluster_wanted(args):
            recs = _check_on_cluster(claims, args)
        with Progress(len(claims), "claims") as prog:  # a bar on a terminal only: stdout stays plain
            for c in ([] if recs else claims):
                if prog.bar:
                    prog.phase(f"checking {c.id}")
                if args.game is not None:
                    r = _check_on_game(c, args, args.game)
                else:
                    ctx = _TrackedContext(profile=args.profile, seed=args.seed, instance=inst,
                                          witnesses=not args.no_witnesses)
                    r = _run_one(c, ctx)
                rec = to_json(c, r)
                rec["reproduce"] = drop_unread_instance(c, rec.get("reproduce"))
                recs.append(rec)
                if not args.json:
                    _print_check(c, r, rec["reproduce"])
                if prog.bar:
                    prog.advance(f"{c.id} {r.verdict}")
        if args.json:
            keys = ("id", "verdict", "as_printed", "kind", "kind_text", "found_by", "reason", "reason_text",
                    "readings", "checked_instances", "max_error", "counterexample", "reproduce", "corrected",
                    "notes")
            print(json.dumps({"claims": [{k: r[k] for k in keys} | {"evidence": r["evidence"]} for r in recs]},
                             indent=1, default=float))
        return 0
    if args.cmd == "report":
        from .progress import Progress, phase
        _cluster_wanted(args)
        writable_dir(args.out)
        phase("loading the claims (imports and JAX set-up take a few seconds)")
        from .report import write_report
        ctx = Context(profile=args.profile, seed=args.seed, witnesses=not args.no_witnesses)
        ids = [get(i).id for i in args.ids] or None  # unknown ids fail before any work
        with Progress(len(ids or all_claims()), "claims") as prog:
            obj = write_report(args.out, ctx, ids=ids, progress=lambda i, v, t: prog.advance(f"{i:34s} {v:12s} {t}"),
                               fresh=args.fresh, phase=prog.phase, workers=args.workers,
                               scheduler=args.scheduler)
        counts = {}
        for r in obj["claims"]:
            counts[r["verdict"]] = counts.get(r["verdict"], 0) + 1
        tot = f"{obj['seconds']} s" + (f" in total over {obj['runs']} runs (this run {obj['seconds_this_run']} s)"
                                       if obj.get("runs", 1) > 1 else "")
        print(f"wrote {args.out}/verification-report.md and .json in {tot}: "
              + ", ".join(f"{v} {k}" for k, v in sorted(counts.items())))
        return 0
    if args.cmd == "proof":
        try:
            from .proofs import list_proofs, replay
        except ImportError:
            raise InputError("proof replay is not available in this build") from None
        ids = args.ids or list_proofs()
        res = [replay(i, profile=args.profile, seed=args.seed) for i in ids]
        if args.json:
            print(json.dumps(res[0] if len(res) == 1 else {"proofs": res}, indent=1, default=str))
        else:
            for r in res:
                ff = r.get("first_failure")
                where = f"#{ff['n']} {ff['quote'][:70]}" if isinstance(ff, dict) else (ff or "none")
                print(f"{r['id']:36s} steps={len(r['steps']):3d} first failure: {where}")
                t = r.get("totals") or {}
                if t:
                    print(f"{'':36s} printed={t.get('printed_lines')} checked={t.get('checked')} "
                          f"(holds {t.get('holds')}, fails {t.get('fails')}) weak={t.get('weak')} "
                          f"starts={t.get('chain_starts')} not-evaluable={t.get('not_evaluable')} "
                          f"skipped lines={t.get('skipped_lines')}")
        return 0
    if args.cmd == "figures":
        from .progress import Progress, phase
        _cluster_wanted(args)
        if args.seeds_per_task is not None and args.seeds_per_task < 1:
            raise InputError(f"--seeds-per-task must be at least 1 (got {args.seeds_per_task})")
        if args.out is not None:
            writable_dir(args.out)
        phase("loading the figure modules (imports and JAX set-up take a few seconds)")
        from .experiments.registry import RESULTS_DIR, figures as _figures
        table = _figures()
        ids = args.ids or list(table)
        for i in ids:  # unknown ids fail before any work
            if i not in table:
                raise InputError(f"unknown figure id {i!r}; choose from {', '.join(table)}")
        if args.out is None:
            args.out = writable_dir(RESULTS_DIR)
        out = {}
        done = {}
        from contextlib import ExitStack

        from .distributed import SEEDS_PER_TASK, Cluster, sweep_figure, sweeps
        on_cluster = _cluster_wanted(args)
        with Progress(len(ids), "figures", out=sys.stderr if args.json else None) as prog, ExitStack() as stack:
            cluster = stack.enter_context(Cluster(args.workers, args.scheduler))
            if on_cluster:  # one task per figure; figures that train sweeps send out seed chunks instead
                done = _figures_on_cluster([i for i in ids if not sweep_figure(table[i])], args, prog, cluster)
            if on_cluster or args.seeds_per_task is not None:
                stack.enter_context(sweeps(cluster, SEEDS_PER_TASK if args.seeds_per_task is None else args.seeds_per_task,
                                           os.path.join(args.out, "figure-tasks")))
            for i in ids:
                if i not in done:
                    prog.phase(f"running {i}")
                res = done[i] if i in done else table[i](args.profile, args.out)
                out[i] = res
                lines = [f"{i}: written to {args.out}"]
                sts = (res or {}).get("statements", [])
                if isinstance(sts, dict):  # id -> record
                    sts = [dict(v, id=k) for k, v in sts.items()]
                for st in sts:
                    held = st.get("held")
                    mark = "held" if held is True else "did not hold" if held is False else str(held)
                    lines.append(f"    [{mark}] {st.get('id', '')} {st.get('text', st.get('statement', ''))}")
                if not args.json:
                    for ln in lines:
                        print(ln)
                if (prog.bar or args.json) and i not in done:
                    prog.advance(f"{i} done")
        if args.json:
            print(json.dumps({"figures": out}, indent=1, default=str))
        return 0
    return 2  # pragma: no cover


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
