"""Who is acting on the command line: the `--as` option and the person it names, for every command that
keeps who did what (publish, approve, pause, forget ...)."""
from __future__ import annotations

import argparse


def as_option(p: argparse.ArgumentParser, help: str = "who is acting (for scripts; default: your login name, "
                                                      "or the team workspace's user)") -> None:
    p.add_argument("--as", dest="as_", metavar="NAME", help=help)


def person(args: argparse.Namespace) -> str:
    """The name given with --as, else the workspace's user (a team database's) or the login name."""
    # The store's versions module loads SQLAlchemy: imported when a command runs, not at start-up.
    from switchback.runtime.store import versions
    return versions.person(args.db, getattr(args, "as_", None))
