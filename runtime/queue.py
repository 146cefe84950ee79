"""The work queue, as procrastinate keeps its: every statement that claims, leases, keeps alive,
recovers or finishes work is here, for both kinds of work the workspace has.

Enrollments: a contact with something due (`next_due <= now`) is claimed for the length of its
batch's transaction; on PostgreSQL with FOR UPDATE SKIP LOCKED, so any number of workers share one
database and a dead worker's locks go with its connection. On SQLite every transaction begins
IMMEDIATE, which serialises workers.

Outbox messages: a worker reserves due messages (`claimed_by` itself, `claimed_until` a lease
ahead); they stay `pending` until the moment each is handed over, so a worker that dies leaves them
simply queued: another takes them once the lease runs out (at once, for a dead process on this
machine). A heartbeat renews the lease while the work goes on. Only a message caught mid-hand-off is
left `sending`; `recover` resolves those: handed over again under the same key where that cannot
duplicate, else `uncertain` for a person. As in procrastinate's worker, every write a worker makes
to a message names itself (`claimed_by = me`): one whose claim was taken over matches no row, and
the worker leaves that message alone.
"""
from __future__ import annotations

import os
import socket
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Protocol

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from switchback.runtime import journey_controls
from switchback.runtime.store import bulk
from switchback.runtime.store.models import Contact, OutboxRow
from switchback.runtime.store.workspace import Store

LEASE = timedelta(minutes=5)
HOST = socket.gethostname()
WORKER = f"{HOST}:{os.getpid()}"
_T = OutboxRow.__table__


# --- enrollments -------------------------------------------------------------------------------

def claim_contacts(s: Session, now: datetime, limit: int) -> list[tuple[int, int]]:
    """(id, version) of up to `limit` contacts due by `now`, soonest first, held until `s` ends."""
    q = select(Contact.id, Contact.version).where(Contact.next_due <= now).order_by(Contact.next_due).limit(limit)
    if s.bind.dialect.name != "sqlite":
        q = q.with_for_update(skip_locked=True)
    return [tuple(r) for r in s.execute(q)]


def next_due(s: Session) -> datetime | None:
    """The soonest moment any contact has something due."""
    return s.scalar(select(func.min(Contact.next_due)))


# --- outbox messages ---------------------------------------------------------------------------

class _Sender(Protocol):
    idempotent: bool


@dataclass(slots=True)
class Handoff:
    """One outbox message as a sender gets it."""
    id: int
    key: str
    contact_id: int
    journey: str
    node: str
    channel: str
    connector: str | None
    to: str | None
    at: datetime
    attempts: int                     # including this one
    next_attempt: datetime | None
    payload: dict[str, Any] | None = None     # read only for what leaves the workspace


_RESERVED = ("id", "key", "contact_id", "journey", "node", "channel", "connector", "to", "at", "attempts", "next_attempt")


def wall() -> datetime:
    return datetime.now(timezone.utc)


def dead(worker: str | None) -> bool:
    """A worker on this machine whose process is gone: its claims need not wait for the lease."""
    host, _, pid = (worker or "").rpartition(":")
    if host != HOST or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _stale(claimed_until: datetime | None, claimed_by: str | None, now: datetime) -> bool:
    return claimed_until is None or claimed_until < now or dead(claimed_by)


def claim_messages(store: Store, now: datetime, limit: int, skip_locked: bool) -> list[Handoff]:
    """Reserve up to `limit` pending messages due by `now` that no live worker holds, a lease ahead."""
    at = wall()
    with store.session() as s:
        held = journey_controls.paused(s)                  # a paused journey's messages wait
        q = (select(*[_T.c[n] for n in _RESERVED])
             .where(_T.c.status == "pending", or_(_T.c.next_attempt.is_(None), _T.c.next_attempt <= now),
                    or_(_T.c.claimed_by.is_(None), _T.c.claimed_until < at, _T.c.claimed_by == WORKER),
                    _T.c.journey.not_in(held))
             .order_by(_T.c.id).limit(limit))
        if skip_locked:
            q = q.with_for_update(skip_locked=True)
        batch = [Handoff(*r[:9], r[9] + 1, r[10]) for r in s.execute(q).all()]   # by place: a Row's names cost more
        if batch:
            s.execute(update(_T).where(bulk.among(s, _T.c.id, [h.id for h in batch]))
                      .values(claimed_until=at + LEASE, claimed_by=WORKER))
    return batch


def recover(store: Store, now: datetime, sender_for: Callable[[str, str | None], _Sender]) -> None:
    """Messages whose worker died mid-hand-off: retry where that cannot duplicate, else flag; and
    the reservations of dead workers on this machine, given back. The senders are looked up
    between transactions: finding one may read the store itself."""
    with store.session() as s:
        stale = [(i, channel, connector) for i, channel, connector, until, by in
                 s.execute(select(_T.c.id, _T.c.channel, _T.c.connector, _T.c.claimed_until, _T.c.claimed_by)
                           .where(_T.c.status == "sending"))
                 if _stale(until, by, now)]
        holders = [by for by in s.scalars(select(_T.c.claimed_by).distinct()
                                          .where(_T.c.status == "pending", _T.c.claimed_by.is_not(None)))
                   if dead(by)]
        if holders:
            s.execute(update(_T).where(_T.c.status == "pending", _T.c.claimed_by.in_(holders))
                      .values(claimed_by=None, claimed_until=None))
    if not stale:
        return
    retry = {i for i, channel, connector in stale if sender_for(channel, connector).idempotent}
    with store.session() as s:
        # Looked at again, locked, in this transaction: since the first look another worker may
        # have recovered and re-claimed a message, and that claim must stand. Rows another
        # worker holds are skipped, so two workers recovering at once never wait on each other.
        q = (select(_T.c.id, _T.c.claimed_until, _T.c.claimed_by)
             .where(bulk.among(s, _T.c.id, [i for i, _, _ in stale]), _T.c.status == "sending"))
        if not store.is_sqlite:
            q = q.with_for_update(skip_locked=True)
        ids = [i for i, until, by in s.execute(q) if _stale(until, by, now)]
        again = [i for i in ids if i in retry]
        flagged = [i for i in ids if i not in retry]
        if again:
            s.execute(update(_T).where(bulk.among(s, _T.c.id, again))
                      .values(status="pending", claimed_until=None, claimed_by=None))
        if flagged:
            s.execute(update(_T).where(bulk.among(s, _T.c.id, flagged)).values(
                status="uncertain", claimed_until=None, claimed_by=None,
                error="the worker stopped while handing this over; not sent again so it cannot arrive twice"))


def release(store: Store, ids: list[int]) -> None:
    """Give back reserved messages this worker will not hand over now: queued again at once."""
    if ids:
        with store.session() as s:
            s.execute(update(_T).where(bulk.among(s, _T.c.id, ids), _T.c.status == "pending", _T.c.claimed_by == WORKER)
                      .values(claimed_by=None, claimed_until=None))


def start(s: Session, h: Handoff) -> bool:
    """Mark a reserved message `sending`, a lease ahead, and read its payload into `h`. False when
    another worker has taken it over since: it answers for it now."""
    mine = finish(s, h, dict(status="sending", attempts=_T.c.attempts + 1, claimed_until=wall() + LEASE), "pending")
    h.payload = s.scalar(select(_T.c.payload).where(_T.c.id == h.id)) if mine else None
    return mine


def finish(s: Session, h: Handoff, values: dict[str, Any], status: str) -> bool:
    """A message's new row values, if this worker still holds it in `status`."""
    return s.execute(update(_T).where(_T.c.id == h.id, _T.c.status == status, _T.c.claimed_by == WORKER)
                     .values(**values)).rowcount == 1


def sent() -> dict[str, Any]:
    """The row values of a message handed over."""
    return dict(status="sent", sent_at=wall(), claimed_until=None, claimed_by=None, error=None)


def unstart(s: Session, h: Handoff) -> None:
    """A message marked `sending` that never left: pending again, its attempt not counted."""
    finish(s, h, dict(status="pending", attempts=_T.c.attempts - 1), "sending")


def finish_kept(s: Session, ids: list[int]) -> None:
    """Messages the workspace kept (nothing left it): sent, all in the caller's transaction."""
    if ids:
        s.execute(update(_T).where(bulk.among(s, _T.c.id, ids), _T.c.status == "pending", _T.c.claimed_by == WORKER)
                  .values(**sent(), attempts=_T.c.attempts + 1))


class Heartbeat:
    """While a worker hands messages over, renews its lease on them every third of the lease, from
    a thread of its own: a single slow hand-off is covered as well as a long batch."""

    def __init__(self, store: Store, ids: list[int]):
        self.store, self.ids = store, ids
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="outbox-heartbeat", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _beat(self) -> None:
        while not self._stop.wait(LEASE.total_seconds() / 3):
            try:
                renew(self.store, self.ids)
            except SQLAlchemyError:      # the store busy or gone for a moment: the next beat tries again
                pass


def renew(store: Store, ids: list[int]) -> None:
    """Push this worker's lease on these messages a lease ahead. On PostgreSQL rows another
    transaction is writing are skipped (the worker's own hand-off renews its own row), so a beat
    never waits on the hand-off or deadlocks with it."""
    with store.session() as s:
        mine = (bulk.among(s, _T.c.id, ids), _T.c.claimed_by == WORKER, _T.c.status.in_(("pending", "sending")))
        if not store.is_sqlite:
            ids = list(s.scalars(select(_T.c.id).where(*mine).with_for_update(skip_locked=True)))
            mine = (bulk.among(s, _T.c.id, ids), _T.c.claimed_by == WORKER)
        if ids:
            s.execute(update(_T).where(*mine).values(claimed_until=wall() + LEASE))
