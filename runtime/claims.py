"""Which worker answers for which outbox message, and for how long.

A worker reserves due messages (`claimed_by` itself, `claimed_until` a lease ahead); they stay
`pending` until the moment each is handed over, so a worker that dies leaves them simply queued:
another takes them once the lease runs out (at once, for a dead process on this machine). A
heartbeat renews the lease while the work goes on. Only a message caught mid-hand-off is left
`sending`; `recover` resolves those: handed over again under the same key where that cannot
duplicate, else `uncertain` for a person. As in procrastinate's worker, every write a worker makes
to a message names itself (`claimed_by = me`): one whose claim was taken over matches no row, and
the worker leaves that message alone.
"""
from __future__ import annotations

import os
import socket
import threading
from datetime import datetime, timedelta, timezone
from typing import Callable, Protocol

from sqlalchemy import or_, select, update
from sqlalchemy.exc import SQLAlchemyError

from switchback.runtime.store import bulk
from switchback.runtime.store.models import OutboxRow
from switchback.runtime.store.workspace import Store

LEASE = timedelta(minutes=5)
HOST = socket.gethostname()
WORKER = f"{HOST}:{os.getpid()}"
_T = OutboxRow.__table__


class _Sender(Protocol):
    idempotent: bool


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


def available(now: datetime):
    """A pending message no live worker holds."""
    return or_(_T.c.claimed_by.is_(None), _T.c.claimed_until < now, _T.c.claimed_by == WORKER)


def release(store: Store, ids: list[int]) -> None:
    """Give back reserved messages this worker will not hand over now: queued again at once."""
    if ids:
        with store.session() as s:
            s.execute(update(_T).where(bulk.among(s, _T.c.id, ids), _T.c.status == "pending", _T.c.claimed_by == WORKER)
                      .values(claimed_by=None, claimed_until=None))


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
