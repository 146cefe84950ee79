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


def _store(args: argparse.Namespace, create: bool = True):
    """The workspace; a command that only reads (or needs what only an existing one has) passes
    create=False, and a mistyped path is refused instead of becoming a new empty workspace."""
    from switchback.runtime.store.workspace import open_store
    return open_store(args.workspace, args.db, create)


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
    total = scheduler.run(until_idle=args.until_idle or args.fast_forward, fast_forward=args.fast_forward,
                          stop=lambda: bool(stopping), routines=routines)
    from switchback.connectors.workspace import has_connectors
    went = "sent" if has_connectors(store) else "recorded in the workspace (no connector: nothing left this machine)"
    print(f"{total.contacts} contact wake-ups, {total.steps} steps, {total.messages} messages queued, "
          f"{total.delivered} {went}")
    return 0


@_args(run)
def _(p):
    p.add_argument("--until-idle", action="store_true", help="return when nothing is due")
    p.add_argument("--fast-forward", action="store_true",
                   help="run on a virtual clock kept in the workspace, jumping to each due moment (previews and tests)")
    p.add_argument("--start", type=arguments.start, metavar="ISO", help="with --fast-forward: where the virtual clock starts")
    p.add_argument("--sync-every", default="15m", metavar="DURATION",
                   help="how often CRM connectors sync and SendGrid's unsubscribes are pulled (0: never)")


@_workspace
@command("trace", "a contact's timeline: every step, message, skip and its reason")
def trace(args: argparse.Namespace) -> int:
    from switchback.runtime.trace import timeline
    store = _store(args, create=False)
    with store.session() as s:
        lines = timeline(s, args.email)
    if lines is None:
        from switchback.runtime.erasure import is_erased
        with store.session() as s:
            erased = is_erased(s, args.email)
        raise InputError(args.email, "erased on request: the workspace keeps nothing of this contact" if erased
                         else "no such contact in the workspace")
    for line in lines:
        print(line)
    return 0


@_args(trace)
def _(p):
    p.add_argument("email", metavar="EMAIL")


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


@_workspace
@command("connector", "configure a connector; --secret KEY reads its value from standard input into the keyring")
def connector(args: argparse.Namespace) -> int:
    from switchback.connectors import workspace as connectors
    from switchback.connectors.secrets import SecretsUnavailable
    if args.action != "add":
        raise InputError("connector", f"unknown action {args.action!r} (use: connector add NAME --kind KIND ...)")
    settings = {}
    for pair in args.set or []:
        key, sep, value = pair.partition("=")
        if not sep:
            raise InputError(f"--set {pair}", "use KEY=VALUE")
        settings[key] = value
    secrets = {}
    for key in args.secret or []:
        value = sys.stdin.readline().rstrip("\n")
        if not value:
            raise InputError(f"--secret {key}", "expected its value on standard input (one line per --secret)")
        secrets[key] = value
    store = _store(args)
    try:
        warnings = connectors.add(store, args.name, args.kind, settings, secrets)
    except SecretsUnavailable as e:
        raise InputError("keyring", str(e)) from None
    for line in warnings:
        print(f"warning: {args.name}: {line}", file=sys.stderr)
    print(f"connector {args.name} ({args.kind}) saved" + (f"; {len(secrets)} secret(s) in the keyring" if secrets else ""))
    return 0


@_args(connector)
def _(p):
    p.add_argument("action", choices=["add"])
    p.add_argument("name", metavar="NAME")
    p.add_argument("--kind", required=True)
    p.add_argument("--set", action="append", metavar="KEY=VALUE")
    p.add_argument("--secret", action="append", metavar="KEY")


@_workspace
@command("bundle", "export journeys to a .swbundle, or import one (never a secret inside)")
def bundle(args: argparse.Namespace) -> int:
    from switchback.runtime import bundles
    store = _store(args, create=args.action == "import")
    if args.action == "export":
        if not args.output:
            raise InputError("bundle export", "name the bundle with -o FILE.swbundle")
        try:
            warnings = bundles.export_bundle(store, args.items, args.output, drafts=args.drafts)
        except bundles.BundleRefused as e:          # what the bundle would carry breaks SPEC 7: exit 1
            print(e)
            return 1
        for line in warnings:
            print(f"warning: {line}", file=sys.stderr)
        print(args.output)
        return 0
    if len(args.items) != 1:
        raise InputError("bundle import", "give one FILE.swbundle")
    mapping = {}
    for pair in args.map or []:
        name, sep, target = pair.partition("=")
        if not sep or not name or not target:
            raise InputError(f"--map {pair}", "use NAME=TARGET")
        mapping[name] = target
    from switchback.connectors import registry
    from switchback.connectors.secrets import SecretsUnavailable, get_secret

    def has_secret(connector: str, key: str) -> bool:
        try:
            return get_secret(connector, key) is not None
        except SecretsUnavailable:
            return False

    try:
        plan = bundles.plan_import(store, args.items[0], mapping,
                                   secrets_of=lambda kind: registry.get(kind).required_secrets if registry.get(kind) else (),
                                   has_secret=has_secret)
    except bundles.BundleRefused as e:              # a bundle outside SPEC 7's rules: exit 1
        print(e)
        return 1
    if plan.problems:
        for line in plan.problems:
            print(line)
        return 1
    bundles.apply_import(store, plan)
    for j in plan.journeys:
        print(f"{j.key}: " + ("a new draft of the existing journey" if j.key in plan.updates else "added as a draft"))
    for line in plan.secrets_needed:
        print(f"secret needed: {line}")
    return 0


@_args(bundle)
def _(p):
    p.add_argument("action", choices=["export", "import"])
    p.add_argument("items", nargs="+", metavar="KEY... | FILE.swbundle")
    p.add_argument("-o", "--output", metavar="FILE.swbundle")
    p.add_argument("--drafts", action="store_true", help="export drafts instead of the latest published versions")
    p.add_argument("--map", action="append", metavar="NAME=TARGET")


@_workspace
@command("audit", "the cross-journey report: inventory, problems, conflicts and, with contacts, messages (HTML or PDF)")
def audit(args: argparse.Namespace) -> int:
    from pathlib import Path

    from switchback.runtime import audit as report
    from switchback.runtime.contacts import read_contacts_csv, read_events_jsonl
    if bool(args.files) == bool(args.workspace or args.db):
        raise InputError("audit", "give journey files or --workspace FILE (or --db URL), not both")
    if Path(args.output).suffix.lower() not in (".html", ".htm", ".pdf"):
        raise InputError(args.output, "the report must be an .html or .pdf file")
    if Path(args.output).suffix.lower() == ".pdf":
        report.chromium()                                  # before any work: one line if it is missing
    contacts = read_contacts_csv(args.contacts) if args.contacts else None
    events = read_events_jsonl(args.events) if args.events else None
    if events and contacts is None:
        raise InputError("--events", "events need --contacts: the simulation runs on contacts")
    if args.files:
        journeys, sources = [], {}
        for path in args.files:
            journey = document.load(path)                  # invalid journeys are reported, not refused
            journeys.append(journey)
            sources.setdefault(journey.key, Path(path).name)
        subject = "Journey files" if len(journeys) != 1 else Path(args.files[0]).name
        result = report.build_audit(journeys, None, contacts, events, args.days, args.start, sources=sources, subject=subject)
    else:
        store = _store(args, create=False)
        subject = f"Workspace {Path(args.workspace).name}" if args.workspace else "Shared workspace"
        result = report.audit_workspace(store, contacts, events, args.days, args.start, subject=subject)
    if args.title:
        result.title = args.title
    out = report.write_report(result, args.output)
    by = result.conflicts_by_severity
    messages = f", {result.messages.to_contacts} messages simulated" if result.messages else ""
    print(f"{out}: {len(result.journeys)} journeys, {len(result.problems)} problems, {len(result.findings)} conflicts "
          f"({by['high']} high, {by['medium']} medium, {by['low']} low){messages}")
    return 0


@_args(audit)
def _(p):
    p.add_argument("files", nargs="*", metavar="FILE.journey.json")
    p.add_argument("--contacts", metavar="CSV", help="simulate the journeys on these contacts")
    p.add_argument("--events", metavar="JSONL", help="events for the simulation (needs --contacts)")
    p.add_argument("--days", type=arguments.days, default=30, help="how long to simulate (default 30)")
    p.add_argument("--start", type=arguments.start, metavar="ISO",
                   help="when the simulation starts (default: the day of the first event, else this hour)")
    p.add_argument("--title", metavar="TEXT", help="the report's heading (default: Journey audit)")
    p.add_argument("-o", "--output", required=True, metavar="REPORT.(html|pdf)")


@command("convert", "turn another platform's campaign, journey or flow into a journey (mautic, dittofeed, hubspot)")
def convert(args: argparse.Namespace) -> int:
    from pathlib import Path

    from switchback.connectors.convert import convert as convert_file
    journey, warnings = convert_file(args.file, args.from_)
    out = Path(args.output)
    if out.is_dir():
        raise InputError(args.output, "is a folder; give a file name such as OUT.journey.json")
    try:
        document.save(journey, out)
    except OSError as e:
        raise InputError(args.output, f"cannot write: {e.strerror or e}") from None
    for line in warnings:
        print(line, file=sys.stderr)
    print(f"{out}: {journey.name} ({journey.key}), {len(journey.nodes)} nodes"
          + (f", {len(warnings)} warning{'s' if len(warnings) != 1 else ''}" if warnings else ""))
    return 0


@_args(convert)
def _(p):
    from switchback.connectors.convert import PLATFORMS
    p.add_argument("file", metavar="FILE")
    p.add_argument("--from", dest="from_", required=True, choices=sorted(PLATFORMS), metavar="PLATFORM",
                   help="the platform the file comes from: " + ", ".join(sorted(PLATFORMS)))
    p.add_argument("-o", "--output", required=True, metavar="OUT.journey.json")


@_workspace
@command("sync", "pull contacts from a CRM connector (incremental after the first run) and push back score, stage and owner")
def sync(args: argparse.Namespace) -> int:
    from switchback.connectors import registry
    from switchback.connectors.crm_http import CrmError
    from switchback.connectors.secrets import SecretsUnavailable, get_secret
    from switchback.runtime import sync as crm
    from switchback.runtime import workspace_connectors
    store = _store(args, create=False)
    row = workspace_connectors.find(store, args.name)
    kind, settings = (row.kind, row.settings) if row else (None, None)
    if kind is None:
        raise InputError(args.name, "no connector of that name in the workspace (switchback connector add ...)")
    spec = registry.get(kind)
    if spec is None or spec.source is None:
        raise InputError(args.name, f"a {kind} connector is not a CRM source")
    source = spec.source(args.name, spec.settings.model_validate(settings), lambda key: get_secret(args.name, key))
    shown = [-1]

    def progress(done: int, total: int | None) -> None:
        percent = int(done * 100 / total) if total else None
        if sys.stderr.isatty() or percent is None or percent >= shown[0] + 10 or done == total:
            shown[0] = percent if percent is not None else shown[0]
            print(f"\r{args.name}: {done:,}" + (f" of {total:,} ({percent}%)" if total else "") + " contacts",
                  end="", file=sys.stderr, flush=True)
    try:
        result = crm.sync(store, args.name, source, progress=progress)
        print(file=sys.stderr)
        pushed = crm.push_changes(store, args.name, source) if not args.no_push else None
    except (CrmError, SecretsUnavailable) as e:
        print(file=sys.stderr)
        raise InputError(args.name, str(e)) from None
    print(f"{args.name}: {result.added} added, {result.updated} updated, {result.unchanged} unchanged "
          f"in {result.pages} page(s)" + (f"; pushed {pushed.sent} change(s) back" if pushed else ""))
    for line in getattr(result, "conflicts", []) or []:
        print(f"conflict: {line}")
    if pushed and pushed.failed:
        for crm_id, why in pushed.failed.items():
            print(f"not written back: {crm_id}: {why}")
    return 0


@_args(sync)
def _(p):
    p.add_argument("name", metavar="NAME")
    p.add_argument("--no-push", action="store_true", help="only pull; do not write score, stage and owner back")
