"""Argument types of the command line that refuse, as they are read, a value no command can use:
argparse hands them the text, and the InputError they raise is the one line a person reads."""
from __future__ import annotations

from datetime import datetime

from switchback.runtime.problems import InputError

MAX_DAYS = 3650              # ten years of simulated time; the calendar ends long after


def days(text: str) -> float:
    """`--days`: more than zero and at most MAX_DAYS (so neither nan, inf nor 1e12)."""
    try:
        value = float(text)
    except ValueError:
        raise InputError("--days", f"{text!r} is not a number of days") from None
    if not 0 < value <= MAX_DAYS:                    # NaN fails every comparison
        raise InputError("--days", f"{text!r} must be more than 0 and at most {MAX_DAYS:,}")
    return value


def start(text: str) -> datetime:
    """`--start`: an ISO 8601 time with a zone, in the years a simulation can run from."""
    from switchback.runtime.clock import parse_given
    try:
        return parse_given(text)
    except ValueError as e:
        raise InputError("--start", str(e)) from None
