"""`switchback forget`: erase contacts on request, and the log of who was erased when (SPEC 14)."""
from __future__ import annotations

import argparse

from switchback.app.acting import as_option, person
from switchback.app.commands import _args, _now, _store, _workspace
from switchback.app.registry import command
from switchback.runtime.problems import InputError


@_workspace
@command("forget", "erase contacts on request: fields, events, steps and messages go; --log lists erasures")
def forget(args: argparse.Namespace) -> int:
    from switchback.runtime import erasure
    if args.log == bool(args.emails):
        raise InputError("forget", "name the addresses to erase, or give --log (not both)")
    store = _store(args, create=False)
    if args.log:
        with store.session() as s:
            rows = erasure.log(s)
        if not rows:
            print("No one has been erased from this workspace.")
        for r in rows:
            back = f"  (came back with new consent {r.lifted_at:%Y-%m-%d %H:%M} UTC)" if r.lifted_at else ""
            print(f"{r.at:%Y-%m-%d %H:%M} UTC  {r.hash[:16]}  asked by {r.by}{back}")
        return 0
    now = _now(store)
    try:
        n = erasure.erase(store, args.emails, person(args), now)
    except erasure.NotHeld as e:
        print(f"switchback forget: {e}")
        return 1
    print(f"Erased {n} contact{'' if n == 1 else 's'}: fields, events, steps and messages are gone from the "
          "workspace; a keyed hash stays so a later sync does not bring them back without new consent.")
    return 0


@_args(forget)
def _(p):
    p.add_argument("emails", nargs="*", metavar="EMAIL")
    p.add_argument("--log", action="store_true", help="list the erasures: when, who asked, a hash of the address")
    as_option(p, "who asked (default: your login name)")
