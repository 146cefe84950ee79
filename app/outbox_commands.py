"""`switchback outbox`: the messages that have not gone out, and a person's resend or dismiss (SPEC 5)."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from switchback.app.acting import person
from switchback.app.commands import _args, _now, _workspace
from switchback.app.registry import command
from switchback.runtime.problems import InputError

ACTIONS = ("list", "resend", "dismiss")


def _existing(args: argparse.Namespace):
    """The workspace named, opened only if it already is one: reviewing never creates a workspace
    (nor its folder) where a path was mistyped."""
    import sqlite3

    from sqlalchemy.exc import SQLAlchemyError

    from switchback.runtime.store.workspace import Store, default_path
    if args.db:
        place, url = args.db.split("@")[-1], args.db
    else:
        path = Path(args.workspace) if args.workspace else default_path()
        place, url = str(path), f"sqlite:///{path}"
        if not path.is_file():
            raise InputError(place, "is a folder, not a workspace" if path.is_dir() else "no such workspace")
        try:                                   # mode=rw: never creates the file
            con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True)
            try:
                con.execute("SELECT version_num FROM alembic_version").fetchone()
            finally:
                con.close()
        except sqlite3.Error:
            raise InputError(place, "is not a Switchback workspace") from None
    try:
        store = Store(url, migrate=False)
        if store.revision() is None:
            raise InputError(place, "is not a Switchback workspace")
        store.migrate()
    except (SQLAlchemyError, ImportError) as e:           # ImportError: no driver for that database
        raise InputError(place, "cannot open the workspace: " + " ".join(str(e).split()[:20])) from None
    return store


def _ids(texts: list[str], action: str) -> list[int]:
    ids = []
    for text in texts:
        if not (text.isascii() and text.isdigit()) or not 0 < int(text) < 2 ** 31:
            raise InputError(f"outbox {action}", f"{text!r} is not a message id (the numbers `switchback outbox` lists)")
        ids.append(int(text))
    return ids


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _print_list(rows, status: str | None) -> None:
    if not rows:
        print(f"No {status} messages." if status else "Nothing waiting: every message has gone out or been closed.")
        return
    by = {}
    for r in rows:
        by[r.status] = by.get(r.status, 0) + 1
    print(f"{_plural(len(rows), 'message')} not gone out: " + ", ".join(f"{n} {word}" for word, n in by.items()) + ".")
    table = [("ID", "STATUS", "SINCE", "CONTACT", "JOURNEY › STEP", "CHANNEL")]
    table += [(str(r.id), r.status, f"{r.since:%Y-%m-%d %H:%M} UTC", r.contact, f"{r.journey} › {r.label}",
               r.channel + (f" via {r.connector}" if r.connector else "")) for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    for k, row in enumerate(table):
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
        if k:
            print(" " * (widths[0] + 2) + rows[k - 1].reason)
    if any(r.status in ("uncertain", "failed") for r in rows):
        print("\nHand an uncertain or failed message over again with `switchback outbox resend ID...` (an uncertain\n"
              "one may have arrived already and may then arrive twice), or close it with `switchback outbox dismiss ID...`.")


@_workspace
@command("outbox", "the messages that have not gone out and why; resend or dismiss uncertain and failed ones")
def outbox(args: argparse.Namespace) -> int:
    from switchback.runtime import outbox_review as review
    if args.action not in ACTIONS:
        raise InputError("outbox", f"unknown action {args.action!r} (use: outbox, outbox resend ID..., "
                         "outbox dismiss ID...)")
    if args.action == "list":
        if args.ids:
            raise InputError("outbox", f"{args.ids[0]!r}: give ids to `outbox resend` or `outbox dismiss`")
        if args.status is not None and args.status not in review.STATUSES:
            raise InputError("--status", f"{args.status!r} is not a status: use " + ", ".join(review.STATUSES))
        rows = review.pending_messages(_existing(args), args.status)
        if args.json:
            json.dump([r.to_json() for r in rows], sys.stdout, ensure_ascii=False)
            print()
        else:
            _print_list(rows, args.status)
        return 0
    if args.status is not None:
        raise InputError("--status", f"lists messages; `outbox {args.action}` takes ids")
    if args.all_uncertain and args.action != "resend":
        raise InputError("--all-uncertain", "goes with `outbox resend`")
    if bool(args.ids) == bool(args.all_uncertain):
        raise InputError(f"outbox {args.action}", "give the ids of the messages (from `switchback outbox`)"
                         + (" or --all-uncertain" if args.action == "resend" else ""))
    ids = None if args.all_uncertain else _ids(args.ids, args.action)
    store = _existing(args)
    if args.action == "resend":
        done = review.resend(store, ids, person(args), _now(store))
    else:
        done = review.dismiss(store, ids, person(args), _now(store))
    if args.json:
        json.dump({"resent" if args.action == "resend" else "dismissed": [p.id for p in done]}, sys.stdout)
        print()
        return 0
    if not done:
        print("No uncertain messages to resend.")
    for p in done:
        what = f"{p.id}  {p.channel} '{p.label}' to {p.contact}"
        print(f"{what}: queued again (it was {p.status})" if args.action == "resend" else
              f"{what}: dismissed; it will not be sent")
    if done and args.action == "resend":
        print(f"{_plural(len(done), 'message')} queued again: the scheduler hands "
              f"{'it' if len(done) == 1 else 'them'} over at its next round. The contact's trace says you resent "
              f"{'it' if len(done) == 1 else 'them'}.")
    return 0


@_args(outbox)
def _(p):
    p.add_argument("action", nargs="?", default="list", metavar="resend|dismiss",
                   help="without one, lists the messages that have not gone out")
    p.add_argument("ids", nargs="*", metavar="ID")
    p.add_argument("--status", metavar="queued|sending|uncertain|failed", help="list only messages in this state")
    p.add_argument("--all-uncertain", action="store_true", help="with resend: every uncertain message")
    p.add_argument("--json", action="store_true", help="machine-readable output")
