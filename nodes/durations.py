"""Durations (`30m`, `4h`, `2d`, `1w`, `-30d`) and times of day (`09:00`) as they appear in journey files."""
from __future__ import annotations

import re
from functools import lru_cache
from datetime import time, timedelta
from typing import Annotated

from pydantic import AfterValidator

_DURATION = re.compile(r"^(-?)(\d+)([smhdw])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
# Longer than this leaves the calendar soon enough (a timer past year 9999 cannot be kept) and is
# never meant: a wait, an offset or a re-entry period is at most 100 years either way.
MAX_DAYS = 36_525
MAX_DURATION = timedelta(days=MAX_DAYS)


@lru_cache(maxsize=1024)
def parse_duration(text: str) -> timedelta:
    """`2d` -> 2 days. Raises ValueError naming the accepted forms."""
    m = _DURATION.match(text.strip()) if isinstance(text, str) else None
    if not m:
        raise ValueError(f"{text!r} is not a duration (use a number and s, m, h, d or w, such as 30m, 2d, 1w)")
    sign, digits = -1 if m.group(1) else 1, m.group(2)
    if len(digits) > 12 or int(digits) * _UNITS[m.group(3)] > MAX_DURATION.total_seconds():
        raise ValueError(f"{_shown(text)} is longer than 100 years (the longest a wait or an offset may be)")
    return timedelta(seconds=sign * int(digits) * _UNITS[m.group(3)])


def _shown(text: str) -> str:
    return repr(text) if len(text) <= 40 else repr(text[:20] + "…" + text[-4:])


@lru_cache(maxsize=1024)
def parse_time_of_day(text: str) -> time:
    """`09:00` -> time(9, 0). Raises ValueError."""
    m = _TIME.match(text.strip()) if isinstance(text, str) else None
    if not m:
        raise ValueError(f"{text!r} is not a time of day (use HH:MM, such as 09:00)")
    return time(int(m.group(1)), int(m.group(2)))


def _positive(text: str) -> str:
    if parse_duration(text) <= timedelta(0):
        raise ValueError(f"{text!r} must be longer than zero")
    return text


def _signed(text: str) -> str:
    parse_duration(text)
    return text


def _time(text: str) -> str:
    parse_time_of_day(text)
    return text


# Kept as the text the user wrote, so a file saves back exactly as it was loaded.
Duration = Annotated[str, AfterValidator(_positive)]
Offset = Annotated[str, AfterValidator(_signed)]
TimeOfDay = Annotated[str, AfterValidator(_time)]


def describe(text: str) -> str:
    """`2d` -> `2 days`, for node summaries."""
    d = _DURATION.match(text)
    if not d:
        return text
    n, unit = int(d.group(2)), {"s": "second", "m": "minute", "h": "hour", "d": "day", "w": "week"}[d.group(3)]
    return f"{d.group(1)}{n} {unit}{'' if n == 1 else 's'}"
