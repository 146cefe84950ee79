"""The commands of SPEC section 5, each a small function over runtime/."""
from __future__ import annotations

import argparse
import sys

from app.cli import command
from runtime import document, validation
from runtime.problems import InputError


def _args(fn):
    def attach(setup):
        fn.arguments = setup
        return fn
    return attach


@command("validate", "check journey files: one line per problem, FILE:NODE: message")
def validate(args: argparse.Namespace) -> int:
    lines, bad_input = [], []
    for path in args.files:
        try:
            journey = document.load(path)
        except InputError as e:
            bad_input.append(str(e))
            continue
        lines += [p.line(path) for p in validation.validate(journey)]
    for line in bad_input + lines:
        print(line)
    return 2 if bad_input else (1 if lines else 0)


@_args(validate)
def _(p):
    p.add_argument("files", nargs="+", metavar="FILE")
