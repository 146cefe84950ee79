"""The results of live journeys on the command line: switchback report (SPEC 12)."""
from __future__ import annotations

import argparse
import json
import sys

from switchback.app.commands import _args, _now, _store, _workspace
from switchback.app.registry import command
from switchback.runtime.problems import InputError


def _instant(place: str):
    def parse(text: str):
        from switchback.runtime.clock import parse_given
        try:
            return parse_given(text)
        except ValueError as e:
            raise InputError(place, str(e)) from None
    return parse


@_workspace
@command("report", "the results of published journeys: counts, conversion, variants, holdout (JSON, HTML or PDF)")
def report(args: argparse.Namespace) -> int:
    from switchback.runtime.results import daily, journey_results
    if args.since and args.until and args.since > args.until:
        raise InputError("--since", f"{args.since:%Y-%m-%d %H:%M} UTC is after --until {args.until:%Y-%m-%d %H:%M} UTC")
    if args.out and not args.out.lower().endswith((".html", ".htm", ".pdf")):
        raise InputError(args.out, "the report must be an .html or .pdf file")
    store = _store(args, create=False, reads_only=True)
    keys = args.keys or None
    if keys:
        from switchback.runtime.engine_inputs import published_journeys
        with store.session() as s:
            current = published_journeys(s).current
        for key in keys:
            if key not in current:
                raise InputError(key, "no published journey with this key in the workspace")
    results = journey_results(store, keys, args.since, args.until)
    if args.out:
        from switchback.runtime.engine_inputs import published_journeys
        from switchback.runtime.results_page import render_html, write_results
        with store.session() as s:
            journeys = {k: p.journey for k, p in published_journeys(s).current.items()}
        days = {k: daily(store, k, args.since, args.until) for k in results["journeys"]}
        path = write_results(render_html(results, journeys, days, args.since, args.until, _now(store)), args.out)
        print(f"Wrote {path} ({len(results['journeys'])} journeys)")
    if args.json:
        json.dump(results, sys.stdout, ensure_ascii=False)
        print()
    elif not args.out:
        for key, r in results["journeys"].items():
            c = r["conversion"]
            print(f"{key}: {r['enrolled']} enrolled, {r['active']} active, {r['converted']} converted "
                  f"({100 * c['rate']:.1f} %, {100 * c['low']:.1f}–{100 * c['high']:.1f}), {r['errors']} errors")
    return 0


@_args(report)
def _(p):
    p.add_argument("keys", nargs="*", metavar="KEY", help="journeys to report on (default: every published one)")
    p.add_argument("--since", type=_instant("--since"), metavar="ISO")
    p.add_argument("--until", type=_instant("--until"), metavar="ISO")
    p.add_argument("--json", action="store_true")
    p.add_argument("-o", dest="out", metavar="REPORT.html|pdf")
