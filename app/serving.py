"""The intake server as `serve` and `run --serve` start it: its options, and it running beside a block."""
from __future__ import annotations

import argparse
from contextlib import contextmanager
from typing import Iterator


def server_args(p: argparse.ArgumentParser) -> None:
    from switchback.connectors.intake import DEFAULT_HOST, DEFAULT_PORT
    p.add_argument("--host", default=DEFAULT_HOST, help=f"the address to listen on (default {DEFAULT_HOST}: this machine only)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"the port to listen on (default {DEFAULT_PORT}; 0: any free one)")


@contextmanager
def serving(store, args: argparse.Namespace) -> Iterator[object | None]:
    """The intake server, on its own thread, while the block runs (`run --serve`); nothing without --serve."""
    if not getattr(args, "serve", False):
        yield None
        return
    from switchback.connectors.intake.server import IntakeServer
    server = IntakeServer(store, args.host, args.port)
    server.start()
    print(f"intake server listening on {server.url}", flush=True)
    from switchback.runtime.sources import list_sources
    if not list_sources(store):
        print("no source of events yet: the Tracking API answers 401 until one is added "
              "(switchback source add NAME)", flush=True)
    try:
        yield server
    finally:
        server.stop()
