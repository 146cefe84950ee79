"""Keeping the workspace running without the designer open: switchback service install|uninstall (SPEC 9)."""
from __future__ import annotations

import argparse
from pathlib import Path

from switchback.app.commands import _args
from switchback.app.registry import command


@command("service", "start `switchback run --serve` at login (systemd user unit, launchd agent or scheduled task), or stop that")
def service(args: argparse.Namespace) -> int:
    from switchback.app import service as platform
    from switchback.runtime.store.workspace import default_path, open_store
    if args.action == "install":
        workspace = Path(args.workspace) if args.workspace else default_path()
        open_store(workspace).close()              # exists and is migrated before anything starts it
        lines = platform.install(workspace)
    else:
        lines = platform.uninstall()
    for line in lines:
        if line:
            print(line)
    return 0


@_args(service)
def _(p):
    p.add_argument("action", choices=["install", "uninstall"])
    p.add_argument("--workspace", metavar="FILE", help="the workspace it runs (default: your local workspace)")
