"""The clock is injected: the same engine and scheduler run on the wall clock and on a virtual one."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class WallClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class VirtualClock:
    """Time that moves only when told to: the simulator's clock, and the tests'."""

    def __init__(self, start: datetime):
        self._now = start

    def now(self) -> datetime:
        return self._now

    def advance_to(self, moment: datetime) -> None:
        if moment > self._now:
            self._now = moment


def parse_instant(text: str) -> datetime:
    """An ISO 8601 time with a zone (`Z` allowed) as an aware UTC datetime. Raises ValueError."""
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone (add Z or +01:00)")
    try:
        return moment.astimezone(timezone.utc)
    except OverflowError:                     # 9999-12-31T23:00-05:00 is after the calendar's end in UTC
        raise ValueError(f"{text!r} is outside the calendar") from None


YEARS = range(1900, 3000)


def parse_given(text: str) -> datetime:
    """A moment a person gives (an event's time, a simulation's start): parse_instant, within
    YEARS, so that the waits and windows counted from it stay inside the calendar. Raises ValueError."""
    moment = parse_instant(text)
    if moment.year not in YEARS:
        raise ValueError(f"{text!r} is not between the years {YEARS[0]} and {YEARS[-1]}")
    return moment


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


class StoredClock(VirtualClock):
    """A virtual clock kept in the workspace (setting `virtual_now`), so a restarted `run
    --fast-forward` goes on where the last one stopped, and several workers share one time."""

    def __init__(self, store, start: datetime | None):
        from switchback.runtime.store.models import Setting
        self.store, self.Setting = store, Setting
        super().__init__(start or datetime.now(timezone.utc))
        saved = self._read()
        if saved is None:
            self._write(self._now)
        else:
            self._now = saved

    def _read(self) -> datetime | None:
        with self.store.session() as s:
            row = s.get(self.Setting, "virtual_now")
            return parse_instant(row.value) if row else None

    def _write(self, moment: datetime) -> None:
        with self.store.session() as s:
            row = s.get(self.Setting, "virtual_now", with_for_update=not self.store.is_sqlite)
            if row is None:
                s.add(self.Setting(key="virtual_now", value=iso(moment)))
            elif parse_instant(row.value) < moment:           # time only moves forward
                row.value = iso(moment)

    def now(self) -> datetime:
        saved = self._read()
        if saved is not None and saved > self._now:
            self._now = saved
        return self._now

    def advance_to(self, moment: datetime) -> None:
        if moment > self._now:
            self._now = moment
            self._write(moment)
