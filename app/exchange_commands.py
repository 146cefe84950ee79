"""The commands that deal with the outside world: connectors, bundles, the audit report, other
platforms' journeys converted, and CRM syncs."""
from __future__ import annotations

import argparse
import sys

from switchback.app import arguments
from switchback.app.commands import _args, _store, _workspace
from switchback.app.registry import command
from switchback.runtime import document
from switchback.runtime.problems import InputError


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
    from switchback.connectors.secrets import has_secret
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
        store = _store(args, create=False, reads_only=True)
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


def sync_activity(store, name: str, activity):
    from switchback.runtime.crm_activity import sync_activity as run
    return run(store, name, activity)


def activity_lines(a) -> list[str]:
    """The activity's summary, then its log: one line per record the sync could not take as it was."""
    read = ", ".join(f"{n:,} {stream}" for stream, n in a.read.items())
    head = (f"activity: read {read}; {a.events} event(s) for journeys, {a.history} kept as history; "
            f"{a.left} contact(s) left journeys (deleted in CRM), {a.merged} merged")
    return [head] + [f"log: {line}" for line in a.lines]


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
        activity = sync_activity(store, args.name, source.activity()) if hasattr(source, "activity") else None
        pushed = crm.push_changes(store, args.name, source) if not args.no_push else None
    except (CrmError, SecretsUnavailable) as e:
        print(file=sys.stderr)
        raise InputError(args.name, str(e)) from None
    print(f"{args.name}: {result.added} added, {result.updated} updated, {result.unchanged} unchanged "
          f"in {result.pages} page(s)" + (f"; pushed {pushed.sent} change(s) back" if pushed else ""))
    for line in activity_lines(activity) if activity else []:
        print(line)
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
