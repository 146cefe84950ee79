"""The commands of SPEC section 13: publish (with a note, under review), approve, history, diff."""
from __future__ import annotations

import argparse
import json
import sys

from switchback.app.acting import as_option, person
from switchback.app.commands import _args, _now, _store, _workspace, load_valid
from switchback.app.registry import command
from switchback.runtime import validation
from switchback.runtime.problems import InputError, InvalidJourneys


def _versions():
    """The store's versions, imported when a command runs: SQLAlchemy is not for every command's start-up."""
    from switchback.runtime.store import versions
    return versions


@_workspace
@command("publish", "validate, store and publish a new version of a journey (a file, or the key of a draft)")
def publish(args: argparse.Namespace) -> int:
    from pathlib import Path
    store = _store(args)
    if not Path(args.file).exists() and not args.file.endswith(".json"):
        with store.session() as s:
            from switchback.runtime.journey_list import revision
            if revision(s, args.file) is None:
                raise InputError(args.file, "no such file, and no journey with this key in the workspace")
            journey = _versions().document_at(s, args.file, None)
        problems = validation.validate(journey)
        if problems:
            raise InvalidJourneys([p.line(args.file) for p in problems])
    else:
        journey = load_valid([args.file])[0]
    now = _now(store)
    with store.session() as s:
        outcome = _versions().publish(s, journey, now, by=person(args), note=args.note)
    if outcome.version is None:
        print(outcome.missing)
        return 1
    print(f"published {journey.key} version {outcome.version}")
    return 0


@_args(publish)
def _(p):
    p.add_argument("file", metavar="FILE.journey.json|KEY")
    p.add_argument("--note", metavar="TEXT", help="what changed and why, shown by `switchback history`")
    as_option(p)


@_workspace
@command("approve", "approve a journey's draft so that it may be published (journeys with settings.review)")
def approve(args: argparse.Namespace) -> int:
    store = _store(args)
    by = person(args)
    now = _now(store)
    try:
        with store.session() as s:
            revision = _versions().approve(s, args.key, by, now)
    except _versions().Refused as e:
        print(e)
        return 1
    print(f"{args.key}: draft revision {revision} approved by {by}; it may be published now "
          f"(an edit before then needs a new approval)")
    return 0


@_args(approve)
def _(p):
    p.add_argument("key", metavar="KEY")
    as_option(p)


@_workspace
@command("history", "a journey's versions: when, by whom, the note, and how many contacts are on each now")
def history(args: argparse.Namespace) -> int:
    store = _store(args)
    with store.session() as s:
        rows = _versions().history(s, args.key)
        draft = _versions().draft_info(s, args.key)
        from switchback.runtime.journey_controls import controls
        done = controls(s, args.key)
    print(f"{'version':>7}  {'published (UTC)':<16}  {'by':<14}  {'contacts':>8}  note")
    lines = []
    for v in rows:
        by = (v.by or "someone") + (f", approved by {v.approved_by}" if v.approved_by else "")
        lines.append((v.published_at, f"{v.version:>7}  {v.published_at:%Y-%m-%d %H:%M}  {by:<14}  {v.contacts:>8}  "
                                      f"{v.note or ''}"))
    lines += [(c.at, f"{c.action:>7}  {c.at:%Y-%m-%d %H:%M}  {c.by:<14}  {'':>8}  {c.note or ''}") for c in done]
    for _, line in sorted(lines, key=lambda x: x[0], reverse=True):
        print(line.rstrip())
    if not rows:
        print(f"{args.key} has not been published yet")
    if draft.edited:
        line = f"  draft  revision {draft.revision}, saved {draft.updated_at:%Y-%m-%d %H:%M} by {draft.updated_by or 'someone'}"
        if draft.review:
            line += f"; approved by {draft.approved_by}" if draft.approved_by else "; awaiting approval"
        print(line)
    return 0


@_args(history)
def _(p):
    p.add_argument("key", metavar="KEY")


def _version(text: str | None, key: str) -> int | None:
    """A version number; `draft` (or nothing) is the draft."""
    if text is None or text == "draft":
        return None
    try:
        n = int(text.lstrip("v"))
    except ValueError:
        raise InputError(f"{key} {text}", "not a version: give its number (see switchback history) or draft") from None
    return n


@_workspace
@command("diff", "what changed between two versions of a journey (default: the latest published and the draft)")
def diff(args: argparse.Namespace) -> int:
    store = _store(args)
    with store.session() as s:
        if args.v1 is None:
            v1 = _versions().latest_version(s, _versions().journey_row(s, args.key).key)
            if v1 is None:
                raise InputError(args.key, "not published yet: there is no version to compare the draft with")
        else:
            v1 = _version(args.v1, args.key)
        v2 = _version(args.v2, args.key)
        before, after = _versions().document_at(s, args.key, v1), _versions().document_at(s, args.key, v2)
    from switchback.runtime.diff import describe, diff as diff_of
    changes = diff_of(before, after)
    if args.json:
        json.dump(changes.to_json(), sys.stdout, ensure_ascii=False)
        print()
        return 0
    name = lambda v: "the draft" if v is None else f"version {v}"  # noqa: E731
    print(f"{args.key}: {name(v1)} -> {name(v2)}")
    for line in describe(changes, before, after) or ["no change (a move on the canvas is not a change)"]:
        print(f"  {line}")
    return 0


@_args(diff)
def _(p):
    p.add_argument("key", metavar="KEY")
    p.add_argument("v1", nargs="?", metavar="V1", help="default: the latest published version")
    p.add_argument("v2", nargs="?", metavar="V2", help="default: the draft")
    p.add_argument("--json", action="store_true")

