"""A scheduler worker's copy of the contacts it visited, kept between visits.

Most contacts come back to the same worker (on SQLite there is only one), and reading a contact's
state back from the store was a quarter of the scheduler's time. A copy is used only when the
contact's version in the store is still the one the copy was saved as: every writer of a contact's
state bumps it, so a change made by another worker, a CRM sync or anyone else means a fresh read.
"""
from __future__ import annotations

from itertools import islice
from typing import Any, Protocol


class Versioned(Protocol):
    id: int
    version: int


class StateCache:
    """Contact id -> the state as this worker last saved it, least recently visited first."""

    def __init__(self, limit: int = 200_000):
        self.limit = limit
        self._items: dict[int, Any] = {}

    def __len__(self) -> int:
        return len(self._items)

    def take(self, contact: int, version: int) -> Any | None:
        """The copy, if it is of that version. It leaves the cache: a visit that fails must not
        leave a half-stepped copy behind, so only `keep` (after the commit) puts it back."""
        item = self._items.pop(contact, None)
        return item if item is not None and item.version == version else None

    def clear(self) -> None:
        self._items.clear()

    def keep(self, items: list[Versioned]) -> None:
        for item in items:
            self._items[item.id] = item
        excess = len(self._items) - self.limit
        if excess > 0:
            for contact in list(islice(self._items, excess)):
                del self._items[contact]
