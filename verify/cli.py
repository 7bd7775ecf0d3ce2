"""Command line: ``verify list | check | report | proof | figures``.  Bad input: one line on stderr, exit 2."""
from __future__ import annotations

import argparse
import json
import sys

from .errors import InputError
from .registry import PROFILES, Context, all_claims, get, to_json


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit status 2
        sys.stderr.write(f"verify: error: {message}\n")
        raise SystemExit(2)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="verify", description="Verification harness for the BN / MPG / MABN papers.")
    sub = p.add_subparsers(dest="cmd", required=True, parser_class=_Parser)
    ls = sub.add_parser("list", help="list claim ids")
    ls.add_argument("--json", action="store_true")
    ck = sub.add_parser("check", help="check claims")
    ck.add_argument("ids", nargs="+", metavar="ID")
    ck.add_argument("--profile", choices=PROFILES, default="quick")
    ck.add_argument("--seed", type=int, default=0)
    ck.add_argument("--json", action="store_true")
    ck.add_argument("--instance", help="check one instance, given as its JSON spec (from a report's reproduce line)")
    ck.add_argument("--no-witnesses", action="store_true",
                    help="leave out the typed-in witness corpus: verdicts rest on the searches alone")
    rp = sub.add_parser("report", help="check every claim and write verification-report.md / .json")
    rp.add_argument("--out", default="report")
    rp.add_argument("--profile", choices=PROFILES, default="quick")
    rp.add_argument("--seed", type=int, default=0)
    rp.add_argument("--fresh", action="store_true", help="ignore results saved by an interrupted run")
    rp.add_argument("--no-witnesses", action="store_true",
                    help="leave out the typed-in witness corpus: verdicts rest on the searches alone")
    pr = sub.add_parser("proof", help="replay printed proofs step by step")
    pr.add_argument("ids", nargs="*", metavar="ID")
    pr.add_argument("--profile", choices=PROFILES, default="quick")
    pr.add_argument("--seed", type=int, default=0)
    pr.add_argument("--json", action="store_true")
    fg = sub.add_parser("figures", help="reproduce the papers' figures (tidy CSV + PNG + statements)")
    fg.add_argument("ids", nargs="*", metavar="ID", help="figure ids (default: all)")
    fg.add_argument("--profile", choices=PROFILES, default="paper")
    fg.add_argument("--out", default=None, help="output folder (default: results/figures in the project)")
    fg.add_argument("--json", action="store_true")
    return p


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except InputError as e:
        sys.stderr.write(f"verify: error: {e}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("verify: interrupted (a report run resumes where it stopped)\n")
        return 130


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
    if args.cmd == "check":
        claims = [get(i) for i in args.ids]  # unknown ids fail before any work
        inst = None
        if args.instance is not None:
            from .instances import parse_spec
            inst = parse_spec(args.instance)
        ctx = Context(profile=args.profile, seed=args.seed, instance=inst, witnesses=not args.no_witnesses)
        recs = []
        for c in claims:
            try:
                r = c.run(ctx)
            except (KeyError, TypeError, ValueError) as e:
                if inst is None or isinstance(e, InputError):
                    raise
                raise InputError(f"malformed instance spec for {c.id}: {type(e).__name__} {e}") from None
            recs.append(to_json(c, r))
            if not args.json:
                print(f"{c.id:34s} {r.verdict:12s} instances={r.checked_instances:<5d} "
                      f"max_error={r.max_error if r.max_error is None else format(r.max_error, '.3g')}")
                if r.notes:
                    print(f"    {r.notes}")
                for rd in r.readings or []:
                    mark = " (holds)" if rd.get("holds") else ""
                    print(f"    reading: {rd['reading']} [{rd['source']}]: {rd['verdict']}{mark}")
                if r.reproduce:
                    print(f"    reproduce: {r.reproduce}")
        if args.json:
            keys = ("id", "verdict", "as_printed", "kind", "kind_text", "found_by", "reason", "reason_text",
                    "readings", "checked_instances", "max_error", "counterexample", "reproduce", "corrected",
                    "notes")
            print(json.dumps({"claims": [{k: r[k] for k in keys} | {"evidence": r["evidence"]} for r in recs]},
                             indent=1, default=float))
        return 0
    if args.cmd == "report":
        from .report import write_report
        ctx = Context(profile=args.profile, seed=args.seed, witnesses=not args.no_witnesses)
        obj = write_report(args.out, ctx, progress=lambda i, v, t: print(f"{i:34s} {v:12s} {t}", flush=True),
                           fresh=args.fresh)
        counts = {}
        for r in obj["claims"]:
            counts[r["verdict"]] = counts.get(r["verdict"], 0) + 1
        print(f"wrote {args.out}/verification-report.md and .json in {obj['seconds']} s: "
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
        return 0
    if args.cmd == "figures":
        from .experiments.registry import RESULTS_DIR, figures as _figures
        table = _figures()
        args.out = args.out or RESULTS_DIR
        ids = args.ids or list(table)
        for i in ids:  # unknown ids fail before any work
            if i not in table:
                raise InputError(f"unknown figure id {i!r}; choose from {', '.join(table)}")
        out = {}
        for i in ids:
            res = table[i](args.profile, args.out)
            out[i] = res
            if not args.json:
                print(f"{i}: written to {args.out}")
                sts = (res or {}).get("statements", [])
                if isinstance(sts, dict):  # id -> record
                    sts = [dict(v, id=k) for k, v in sts.items()]
                for st in sts:
                    held = st.get("held")
                    mark = "held" if held is True else "did not hold" if held is False else str(held)
                    print(f"    [{mark}] {st.get('id', '')} {st.get('text', st.get('statement', ''))}")
        if args.json:
            print(json.dumps({"figures": out}, indent=1, default=str))
        return 0
    return 2  # pragma: no cover


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
