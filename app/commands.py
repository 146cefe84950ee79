"""The commands of SPEC section 5, each a small function over runtime/."""
from __future__ import annotations

import argparse
import sys

from switchback.app import arguments
from switchback.app.registry import command
from switchback.runtime import document, validation
from switchback.runtime.problems import InputError, InvalidJourneys


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
    for line in bad_input:                  # as every command's bad input: on stderr
        print(line, file=sys.stderr)
    for line in lines:
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


def _zone(name: str, place: str = "--timezone"):
    from zoneinfo import ZoneInfo
    try:
        return ZoneInfo(name)
    except Exception:
        raise InputError(place, f"{name!r} is not an IANA time zone (such as Europe/Berlin)") from None


def _cap(text: str, place: str = "--cap"):
    from switchback.runtime.settings import FrequencyCap
    try:
        n, per = text.split("/", 1)
        return FrequencyCap(messages=int(n), per=per)
    except Exception:
        raise InputError(place, f"{text!r} is not N/DURATION (such as 3/7d)") from None


@command("simulate", "run journeys together on a virtual clock; nothing is sent")
def simulate(args: argparse.Namespace) -> int:
    import json
    from datetime import datetime, timezone

    from switchback.runtime.contacts import read_contacts_csv, read_events_jsonl
    from switchback.runtime.engine import WorkspaceRules
    from switchback.runtime.simulation import simulate as run_simulation

    journeys = load_valid(args.files)
    contacts = read_contacts_csv(args.contacts)
    events = read_events_jsonl(args.events) if args.events else []
    start = args.start or datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
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
    p.add_argument("--days", type=arguments.days, default=30)
    p.add_argument("--start", type=arguments.start, metavar="ISO", help="default: this hour")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--timezone", metavar="TZ", help="the workspace's time zone (default UTC)")
    p.add_argument("--cap", metavar="N/DURATION", help="a frequency cap across all journeys, such as 3/7d")
    p.add_argument("--json", action="store_true")


def _store(args: argparse.Namespace, create: bool = True, reads_only: bool = False):
    """The workspace; a command that only reads (or needs what only an existing one has) passes
    create=False, and a mistyped path is refused instead of becoming a new empty workspace. One that
    `reads_only` skips reading every page of a big file on opening (see open_store)."""
    from switchback.runtime.store.workspace import open_store
    return open_store(args.workspace, args.db, create, reads_only)


def _now(store):
    """The workspace's time: the wall clock, or its virtual clock while one runs (`run --fast-forward`)."""
    from datetime import datetime, timezone

    from switchback.runtime.clock import parse_instant
    from switchback.runtime.store import repository as repo
    with store.session() as s:
        virtual = repo.get_settings(s).get("virtual_now")
    return parse_instant(virtual) if virtual else datetime.now(timezone.utc)


def _workspace(fn):
    fn.workspace = True
    return fn


@_workspace
@command("import", "add or update contacts from a CSV (by email)")
def import_(args: argparse.Namespace) -> int:
    from switchback.runtime.contacts import read_contacts_csv
    from switchback.runtime.store import repository as repo
    contacts = read_contacts_csv(args.csv)                # all of it reads, or nothing is imported
    store = _store(args)
    now = _now(store)
    with store.session() as s:
        r = repo.import_contacts(s, contacts, now)
    print(f"{r.added} added, {r.updated} updated, {r.unchanged} unchanged"
          + (f"; {r.erased} not added: erased on request, with no new consent" if r.erased else ""))
    return 0


@_args(import_)
def _(p):
    p.add_argument("csv", metavar="CSV")


@_workspace
@command("events", "record events from a JSONL file; triggers and waits react to them")
def events(args: argparse.Namespace) -> int:
    from switchback.runtime.contacts import read_events_jsonl
    from switchback.runtime.store import repository as repo
    items = read_events_jsonl(args.jsonl)
    store = _store(args)
    now = _now(store)
    with store.session() as s:
        n = repo.record_events(s, items, now)
    print(f"{n} events recorded")
    return 0


@_args(events)
def _(p):
    p.add_argument("jsonl", metavar="JSONL")


@_workspace
@command("enroll", "enroll contacts in a published trigger.manual journey now")
def enroll(args: argparse.Namespace) -> int:
    from switchback.runtime.contacts_directory import enroll as enroll_contacts
    store = _store(args, create=False)
    count = enroll_contacts(store, args.key, _now(store), emails=args.emails, where=args.where)
    print(f"{count} contacts will be enrolled in {args.key}")
    return 0


@_args(enroll)
def _(p):
    p.add_argument("key", metavar="KEY")
    p.add_argument("emails", nargs="*", metavar="EMAIL")
    p.add_argument("--where", metavar="CONDITION")


@_workspace
@command("workspace", "workspace settings: timezone, quiet_hours (20:00-08:00), frequency_cap (3/7d), "
                      "allow_private_webhooks (true: node URLs may reach this machine and its network), public_url (https://...: emails are tracked there)")
def workspace(args: argparse.Namespace) -> int:
    from switchback.runtime import workspace_settings
    if args.action != "set":
        raise InputError("workspace", f"unknown action {args.action!r} (use: workspace set KEY=VALUE ...)")
    values = {}
    for pair in args.pairs:
        key, _, value = pair.partition("=")
        values[key] = workspace_settings.parse(key, value)          # all checked before any is written
    workspace_settings.write(_store(args), values)
    for key, value in values.items():
        print(workspace_settings.describe(key, value))
    return 0


@_args(workspace)
def _(p):
    p.add_argument("action", choices=["set"])
    p.add_argument("pairs", nargs="+", metavar="KEY=VALUE")


@_workspace
@command("run", "the scheduler, headless")
def run(args: argparse.Namespace) -> int:
    import signal

    from switchback.runtime.clock import StoredClock, WallClock
    from switchback.runtime.scheduler import Scheduler
    store = _store(args)
    if args.fast_forward:
        clock = StoredClock(store, args.start)
    else:
        clock = WallClock()
    from switchback.connectors.workspace import sender_for
    stopping = []
    signal.signal(signal.SIGTERM, lambda *a: stopping.append(1))
    scheduler = Scheduler(store, clock, sender_for(store))
    routines = None
    if not args.fast_forward and args.sync_every != "0":
        from switchback.connectors.routines import scheduled
        from switchback.nodes.durations import parse_duration
        try:
            routines = scheduled(store, parse_duration(args.sync_every))
        except ValueError as e:
            raise InputError("--sync-every", str(e)) from None
    from switchback.app.serving import serving
    with serving(store, args):
        total = scheduler.run(until_idle=args.until_idle or args.fast_forward, fast_forward=args.fast_forward,
                              stop=lambda: bool(stopping), routines=routines)
    print(f"{total.contacts} contact wake-ups, {total.steps} steps, {total.messages} new messages; "
          f"{handed_words(scheduler.outcomes)}")
    return 0


# What became of the messages handed over, in the trace's words and order.
HANDED = (("recorded", "recorded in the workspace (no connector: nothing left this machine)"), ("sent", "sent"),
          ("queued", "queued to try again (`switchback outbox` says why)"), ("failed", "failed"),
          ("uncertain", "uncertain"))


def handed_words(outcomes) -> str:
    parts = [f"{outcomes[word]} {said}" for word, said in HANDED if outcomes.get(word)]
    return ", ".join(parts) if parts else "no message was due to go out"


@_args(run)
def _(p):
    p.add_argument("--until-idle", action="store_true", help="return when nothing is due")
    p.add_argument("--fast-forward", action="store_true",
                   help="run on a virtual clock kept in the workspace, jumping to each due moment (previews and tests)")
    p.add_argument("--start", type=arguments.start, metavar="ISO", help="with --fast-forward: where the virtual clock starts")
    p.add_argument("--sync-every", default="15m", metavar="DURATION",
                   help="how often CRM connectors sync and SendGrid's unsubscribes are pulled (0: never)")
    from switchback.app.serving import server_args
    p.add_argument("--serve", action="store_true", help="run the intake server too (SPEC 9)")
    server_args(p)


@_workspace
@command("trace", "a contact's timeline: every step, message, skip and its reason")
def trace(args: argparse.Namespace) -> int:
    from switchback.runtime.trace import as_object, timeline
    store = _store(args, create=False, reads_only=True)
    with store.session() as s:
        lines = (as_object if args.json else timeline)(s, args.email)
    if lines is None:
        from switchback.runtime.erasure import is_erased
        with store.session() as s:
            erased = is_erased(s, args.email)
        raise InputError(args.email, "erased on request: the workspace keeps nothing of this contact" if erased
                         else "no such contact in the workspace")
    if args.json:
        import json
        json.dump(lines, sys.stdout, ensure_ascii=False)
        print()
        return 0
    for line in lines:
        print(line)
    return 0


@_args(trace)
def _(p):
    p.add_argument("email", metavar="EMAIL")
    p.add_argument("--json", action="store_true", help="one object: fields, consent, journeys, events, timeline, messages")


@command("export-image", "draw a journey as the designer shows it, to PNG, SVG or PDF")
def export_image(args: argparse.Namespace) -> int:
    import os
    from pathlib import Path
    journey = document.load(args.file)
    if Path(args.out).suffix.lower() not in (".png", ".svg", ".pdf"):
        raise InputError(args.out, "name a .png, .svg or .pdf file")
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import qInstallMessageHandler
    from PySide6.QtWidgets import QApplication
    qInstallMessageHandler(lambda *_: None)   # Qt's warnings (a painter that could not begin) repeat our one line

    from switchback.canvas.export import export_image as draw
    app = QApplication.instance() or QApplication(["switchback"])  # noqa: F841  (the scene needs one)
    try:
        out = draw(journey, args.out)
    except OSError as e:
        raise InputError(args.out, f"cannot write: {e.strerror or e}") from None
    print(out.note)
    return 0


@_args(export_image)
def _(p):
    p.add_argument("file", metavar="FILE.journey.json")
    p.add_argument("out", metavar="OUT.(png|svg|pdf)")
