"""The `switchback` command line (SPEC section 5). It parses, calls runtime/, and turns errors into
one line for a person: exit 1 for problems found, 2 for bad input or anything else that stopped a
command — never a traceback."""
from __future__ import annotations

import argparse
import sys
from typing import Sequence

from switchback.app.registry import COMMANDS
from switchback.runtime.problems import InputError


def _workspace_args(p: argparse.ArgumentParser) -> None:
    g = p.add_mutually_exclusive_group()
    g.add_argument("--workspace", metavar="FILE", help="a workspace file (default: your local workspace)")
    g.add_argument("--db", metavar="URL", help="a SQLAlchemy URL of a shared workspace database")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="switchback", description="Design and run marketing-automation journeys.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    from switchback.app import (commands, exchange_commands, forget_commands,  # noqa: F401  (they register)
                                intake_commands, journey_commands, outbox_commands,
                                report_commands, service_commands, version_commands)
    for name, fn in COMMANDS.items():
        p = sub.add_parser(name, help=fn.help, description=fn.help)
        fn.arguments(p) if hasattr(fn, "arguments") else None
        if getattr(fn, "workspace", False):
            _workspace_args(p)
    return parser


def open_designer(argv: Sequence[str]) -> int:
    p = argparse.ArgumentParser(prog="switchback", description="Opens the designer. Commands: "
                                + ", ".join(sorted(COMMANDS)) + " (switchback COMMAND --help).")
    p.add_argument("file", nargs="?", metavar="FILE.journey.json")
    p.add_argument("--check-startup", type=float, metavar="SECONDS", help=argparse.SUPPRESS)
    _workspace_args(p)
    args = p.parse_args(argv)
    from switchback.app.designer import run_designer
    return run_designer(journey_file=args.file, workspace=args.workspace, db=args.db, check_startup=args.check_startup)


def main(argv: Sequence[str] | None = None) -> int:
    whole_process = argv is None
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        if not argv or (argv[0] not in COMMANDS and argv[0] not in ("-h", "--help")):
            return open_designer(argv)
        args = parser.parse_args(argv)
        if whole_process and args.command in ("run", "serve"):   # not when a test calls main() in its process
            from switchback.runtime.gc_pause import settle_for_a_long_run
            settle_for_a_long_run()
        return COMMANDS[args.command](args)
    except InputError as e:
        print(str(e), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 1
    except Exception as e:
        # A cause no command foresaw. Still one line and exit 2, never a traceback; it names the
        # exception so that a report of it leads to the place to fix (each known cause has its own line).
        what = " ".join(str(e).split())[:300] or "no details"
        print(f"switchback {argv[0] if argv and argv[0] in COMMANDS else 'designer'}: {what} ({type(e).__name__})",
              file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
