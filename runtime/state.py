"""A contact's state as the engine sees it: its fields, its enrollments and the history that rules
depend on (messages for caps, entries for re-entry, events for `events()`).

The engine works on one ContactState at a time and records what it did on it (new messages, step
log lines); the simulator keeps these in memory, the scheduler loads and saves them from the store.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from switchback.nodes.outcomes import Did

ACTIVE, COMPLETED, EXITED, CONVERTED, ERROR = "active", "completed", "exited", "converted", "error"


@dataclass(slots=True)
class Enrollment:
    id: str
    journey: str
    version: int
    contact: str
    node: str
    entered_at: datetime
    state: str = ACTIVE
    due: datetime | None = None          # when it next runs; None while it waits for an event alone
    wait_event: str | None = None        # waiting at a wait node: for this event type ...
    wait_where: str | None = None
    on_event: str | None = None          # ... leaving by this port when it comes,
    on_time: str | None = None           # ... by this one when `due` passes
    held: bool = False                   # a send held by quiet hours or a cap, retried at `due`
    ended_at: datetime | None = None
    error: str | None = None
    seq: int = 0                          # steps taken; part of every message's idempotency key
    event: dict[str, Any] | None = None   # what templates see as `event`: the enrolling event, or the one a wait.event took
    marks: dict[str, Any] | None = None   # its variants, whether held out, what its results counted (runtime/tally.py)
    dirty: bool = True                    # changed since the store last saw it
    stored: bool = False                  # the store has a row for it

    @property
    def waiting(self) -> bool:
        return self.on_time is not None or self.wait_event is not None


@dataclass(slots=True)
class Message:
    """An outbox entry: written before any connector sees it, keyed so it is sent once."""
    key: str
    contact: str
    journey: str
    node: str
    channel: str
    connector: str | None
    to: str | None
    payload: dict[str, Any]
    at: datetime


@dataclass(slots=True)
class Step:
    """One line of a contact's timeline: what happened, where, when and why."""
    at: datetime
    contact: str
    journey: str | None
    node: str | None
    what: Did
    detail: str = ""
    enrollment: str | None = None


@dataclass(slots=True)
class ContactState:
    email: str                                           # identity, lower-cased
    fields: dict[str, Any]
    enrollments: list[Enrollment] = field(default_factory=list)
    sent: list[tuple[datetime, str]] = field(default_factory=list)       # (at, journey) of messages, in time order
    events: dict[str, list[datetime]] = field(default_factory=dict)      # type -> times, in order
    last_activity: datetime | None = None
    timers: dict[tuple[str, str], datetime | None] = field(default_factory=dict)  # (journey, trigger node) -> fires at
    # What the engine did since the owner last collected it:
    outbox: list[Message] = field(default_factory=list)
    log: list[Step] = field(default_factory=list)
    fields_dirty: bool = False
    events_dirty: bool = False                                    # `events` changed since loaded
    changes: list[dict[str, Any]] = field(default_factory=list)   # fields before each change a step made, to react to
    paused: frozenset[str] = frozenset()                          # journeys whose steps wait: not due
    counted: list[tuple] = field(default_factory=list)            # results beyond the log (runtime/experiments.py)

    def active(self, journey: str | None = None) -> list[Enrollment]:
        return [e for e in self.enrollments if e.state == ACTIVE and (journey is None or e.journey == journey)]

    def in_journey(self, journey: str) -> bool:
        return any(e.state == ACTIVE and e.journey == journey for e in self.enrollments)

    def count_events(self, type: str, since: datetime | None) -> int:
        times = self.events.get(type, [])
        return len(times) if since is None else len(times) - bisect.bisect_left(times, since)

    def record_event(self, type: str, at: datetime) -> None:
        bisect.insort(self.events.setdefault(type, []), at)
        self.events_dirty = True
        if self.last_activity is None or at > self.last_activity:
            self.last_activity = at

    def next_due(self) -> datetime | None:
        times = [e.due for e in self.enrollments if e.state == ACTIVE and e.due is not None and e.journey not in self.paused]
        times += [t for t in self.timers.values() if t is not None]
        return min(times) if times else None
