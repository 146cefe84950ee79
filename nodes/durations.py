"""Durations (`30m`, `4h`, `2d`, `1w`, `-30d`) and times of day (`09:00`) as they appear in journey files."""
from __future__ import annotations

import re
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from datetime import time, timedelta
from typing import Annotated, Iterator

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
    if len(digits) > 15 or int(digits) * _UNITS[m.group(3)] > timedelta.max.total_seconds():
        raise ValueError(_TOO_LONG.format(_shown(text)))
    return timedelta(seconds=sign * int(digits) * _UNITS[m.group(3)])


_TOO_LONG = "{} is longer than 100 years (the longest a wait or an offset may be)"
_published: ContextVar[bool] = ContextVar("published", default=False)


@contextmanager
def as_published() -> Iterator[None]:
    """Read versions already published as they were accepted: the 100-year bound holds for what is
    validated from now on, and a stored version past it still loads (its contacts are parked at
    run time, where their moment leaves the calendar) instead of stopping every journey."""
    token = _published.set(True)
    try:
        yield
    finally:
        _published.reset(token)


def _bounded(text: str) -> None:
    if not _published.get() and abs(parse_duration(text)) > MAX_DURATION:
        raise ValueError(_TOO_LONG.format(_shown(text)))


def _days(n: int) -> int:
    if not _published.get() and n > MAX_DAYS:
        raise ValueError(f"{n:,} days is longer than 100 years ({MAX_DAYS:,} days)")
    return n


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
    _bounded(text)
    return text


def _signed(text: str) -> str:
    _bounded(text)
    return text


def _time(text: str) -> str:
    parse_time_of_day(text)
    return text


# Kept as the text the user wrote, so a file saves back exactly as it was loaded.
Duration = Annotated[str, AfterValidator(_positive)]
Offset = Annotated[str, AfterValidator(_signed)]
TimeOfDay = Annotated[str, AfterValidator(_time)]
Days = Annotated[int, AfterValidator(_days)]


def describe(text: str) -> str:
    """`2d` -> `2 days`, for node summaries."""
    d = _DURATION.match(text)
    if not d:
        return text
    n, unit = int(d.group(2)), {"s": "second", "m": "minute", "h": "hour", "d": "day", "w": "week"}[d.group(3)]
    return f"{d.group(1)}{n} {unit}{'' if n == 1 else 's'}"
