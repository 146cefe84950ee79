"""The command line's table of commands: each command module registers its functions here, and
`app.cli` builds its parser from it (so the modules that hold commands never import the parser)."""
from __future__ import annotations

import argparse
from typing import Callable

COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {}


def command(name: str, help: str):
    def wrap(fn):
        fn.help = help
        COMMANDS[name] = fn
        return fn
    return wrap
