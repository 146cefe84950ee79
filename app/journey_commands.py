"""`switchback pause`, `resume` and `turn-off`: a person's controls over a published journey."""
from __future__ import annotations

import argparse

from switchback.app.acting import as_option, person
from switchback.app.commands import _args, _now, _store, _workspace
from switchback.app.registry import command


def _arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("key", metavar="KEY")
    p.add_argument("--note", metavar="TEXT", help="why, for the journey's history")
    as_option(p, "who is acting (default: your login name)")


def _control(args: argparse.Namespace, what: str):
    """Pause, resume or turn off the journey named, as the person acting, with the note for its history."""
    from switchback.runtime import journey_controls as jc
    store = _store(args, create=False)
    with store.session() as s:
        return getattr(jc, what)(s, args.key, person(args), _now(store), args.note)


@_workspace
@command("pause", "pause a published journey: none of its steps run and its messages wait until it is resumed")
def pause(args: argparse.Namespace) -> int:
    n = _control(args, "pause")
    print(f"{args.key} is paused: {n:,} contact{'' if n == 1 else 's'} wait where they are; its messages wait too.")
    return 0


@_workspace
@command("resume", "resume a paused journey (or turn one that is off on again): what fell due runs now, in order")
def resume(args: argparse.Namespace) -> int:
    n = _control(args, "resume")
    print(f"{args.key} is running: {n:,} contact{'' if n == 1 else 's'} go on from where they were.")
    return 0


@_workspace
@command("turn-off", "turn a journey off: everyone on it leaves with the reason, nobody enters, its queued messages are dismissed")
def turn_off(args: argparse.Namespace) -> int:
    left, dismissed = _control(args, "turn_off")
    print(f"{args.key} is off: {left:,} contact{'' if left == 1 else 's'} left it, {dismissed:,} queued "
          f"message{'' if dismissed == 1 else 's'} dismissed.")
    return 0


for _fn in (pause, resume, turn_off):
    _args(_fn)(_arguments)
