"""The commands of SPEC section 5, each a small function over runtime/."""
from __future__ import annotations

import argparse
import sys

from app.cli import command
from runtime import document, validation
from runtime.problems import InputError, InvalidJourneys


def _args(fn):
    def attach(setup):
        fn.arguments = setup
        return fn
    return attach


@command("validate", "check journey files: one line per problem, FILE:NODE: message")
def validate(args: argparse.Namespace) -> int:
    lines, bad_input = [], []
    for path in args.files:
        try:
            journey = document.load(path)
        except InputError as e:
            bad_input.append(str(e))
            continue
        lines += [p.line(path) for p in validation.validate(journey)]
    for line in bad_input + lines:
        print(line)
    return 2 if bad_input else (1 if lines else 0)


@_args(validate)
def _(p):
    p.add_argument("files", nargs="+", metavar="FILE")


def load_valid(paths: list[str]) -> list:
    """Journeys that may run: any problem is bad input here (exit 2), one line each."""
    journeys, lines, keys = [], [], {}
    for path in paths:
        journey = document.load(path)
        lines += [p.line(path) for p in validation.validate(journey)]
        if journey.key in keys:
            lines.append(f"{path}:journey: key {journey.key!r} is also the key of {keys[journey.key]}")
        keys[journey.key] = path
        journeys.append(journey)
    if lines:
        raise InvalidJourneys(lines)
    return journeys


def _zone(name: str):
    from zoneinfo import ZoneInfo
    try:
        return ZoneInfo(name)
    except Exception:
        raise InputError("--timezone", f"{name!r} is not an IANA time zone (such as Europe/Berlin)") from None


def _cap(text: str):
    from runtime.settings import FrequencyCap
    try:
        n, per = text.split("/", 1)
        return FrequencyCap(messages=int(n), per=per)
    except Exception:
        raise InputError("--cap", f"{text!r} is not N/DURATION (such as 3/7d)") from None


@command("simulate", "run journeys together on a virtual clock; nothing is sent")
def simulate(args: argparse.Namespace) -> int:
    import json
    from datetime import datetime, timezone

    from runtime.clock import parse_instant
    from runtime.contacts import read_contacts_csv, read_events_jsonl
    from runtime.engine import WorkspaceRules
    from runtime.simulation import simulate as run_simulation

    journeys = load_valid(args.files)
    contacts = read_contacts_csv(args.contacts)
    events = read_events_jsonl(args.events) if args.events else []
    try:
        start = parse_instant(args.start) if args.start else datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
    except ValueError as e:
        raise InputError("--start", str(e)) from None
    rules = WorkspaceRules(timezone=_zone(args.timezone) if args.timezone else timezone.utc,
                           frequency_cap=_cap(args.cap) if args.cap else None)
    result = run_simulation(journeys, contacts, events, start, args.days, seed=args.seed, rules=rules)
    if args.json:
        json.dump(result.to_json(), sys.stdout, ensure_ascii=False)
        print()
        return 0
    print(f"Simulated {len(result.states)} contacts for {args.days:g} days from {start:%Y-%m-%d %H:%M} UTC: "
          f"{result.steps} steps, {len(result.messages)} messages.")
    for j in journeys:
        sent = sum(1 for m in result.messages if m.journey == j.key)
        print(f"\n{j.name} ({j.key}): {sent} messages")
        for n in j.nodes:
            print(f"  {n.id:<24} {result.entered.get((j.key, n.id), 0):>8} entered")
    return 0


@_args(simulate)
def _(p):
    p.add_argument("files", nargs="+", metavar="FILE.journey.json")
    p.add_argument("--contacts", required=True, metavar="CSV")
    p.add_argument("--events", metavar="JSONL")
    p.add_argument("--days", type=float, default=30)
    p.add_argument("--start", metavar="ISO", help="default: this hour")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--timezone", metavar="TZ", help="the workspace's time zone (default UTC)")
    p.add_argument("--cap", metavar="N/DURATION", help="a frequency cap across all journeys, such as 3/7d")
    p.add_argument("--json", action="store_true")
