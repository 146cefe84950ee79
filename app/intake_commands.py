"""The intake server on the command line (SPEC 9, 10): serve, and the sources that may send to it."""
from __future__ import annotations

import argparse
import signal
import threading

from switchback.app.commands import _args, _store, _workspace
from switchback.app.registry import command
from switchback.app.serving import server_args, serving
from switchback.runtime.problems import InputError


@_workspace
@command("serve", "the intake server alone: Segment's Tracking API, the email tracking links, the providers' callbacks")
def serve(args: argparse.Namespace) -> int:
    store = _store(args)
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stopping.set())
    with serving(store, argparse.Namespace(serve=True, host=args.host, port=args.port)) as server:
        try:
            while server.running and not stopping.wait(0.2):
                pass
        except KeyboardInterrupt:
            pass
    print("intake server stopped")
    return 0


@_args(serve)
def _(p):
    server_args(p)


@_workspace
@command("source", "sources of events for the intake server: add NAME (prints its write key once), list, remove NAME")
def source(args: argparse.Namespace) -> int:
    from switchback.runtime import sources
    store = _store(args, create=args.action == "add")
    if args.action == "list":
        if args.name:
            raise InputError("source list", "takes no name")
        found = sources.list_sources(store)
        for s in found:
            print(f"{s.name}\tadded {s.created_at:%Y-%m-%d %H:%M} UTC")
        if not found:
            print("no sources: add one with `switchback source add NAME`")
        return 0
    if not args.name:
        raise InputError(f"source {args.action}", "name the source")
    if args.action == "add":
        key = sources.add_source(store, args.name)
        print(f"source {args.name} added; its write key (shown only now, keep it where the sender's secrets are):")
        print(key)
        return 0
    sources.remove_source(store, args.name)
    print(f"source {args.name} removed: its write key no longer works")
    return 0


@_args(source)
def _(p):
    p.add_argument("action", choices=["add", "list", "remove"])
    p.add_argument("name", nargs="?", metavar="NAME")
