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
    return moment.astimezone(timezone.utc)


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


class StoredClock(VirtualClock):
    """A virtual clock kept in the workspace (setting `virtual_now`), so a restarted `run
    --fast-forward` goes on from where the last one stopped."""

    def __init__(self, store, start: datetime | None):
        from runtime.store import repository as repo
        self.store, self.repo = store, repo
        with store.session() as s:
            saved = repo.get_settings(s).get("virtual_now")
        super().__init__(parse_instant(saved) if saved else (start or datetime.now(timezone.utc)))
        if not saved:
            self._save()

    def advance_to(self, moment: datetime) -> None:
        if moment > self._now:
            self._now = moment
            self._save()

    def _save(self) -> None:
        with self.store.session() as s:
            self.repo.set_setting(s, "virtual_now", iso(self._now))
