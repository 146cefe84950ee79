"""Handing messages from the outbox to connectors, once.

A message is in the outbox (status `pending`) before any connector sees it. Delivery marks it
`sending` with a lease, hands it over, and marks it `sent` (or `failed`, or back to `pending` with a
later attempt on a passing fault). If a worker dies mid-hand-off the lease runs out: a sender that
honours idempotency keys gets it again under the same key; any other sender's message becomes
`uncertain` and waits for a person, since sending it again could send it twice. A message the
workspace keeps (the recorder's) is recorded in the transaction that marks it `sent`.
"""
from __future__ import annotations

import os
import random
from dataclasses import dataclass
import socket
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Protocol

from sqlalchemy import literal, or_, select, update
from sqlalchemy.orm import Session

from runtime.store import bulk
from runtime.store.models import UTC, Delivery, OutboxRow
from runtime.store.workspace import Store

LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 8
HOST = socket.gethostname()
WORKER = f"{HOST}:{os.getpid()}"


def _dead(worker: str | None) -> bool:
    """A worker on this machine whose process is gone: its claims need not wait for the lease."""
    host, _, pid = (worker or "").rpartition(":")
    if host != HOST or not pid.isdigit():
        return False
    if int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


class TemporaryFailure(Exception):
    """Worth trying again later (a timeout, 429, 5xx). `retry_after` if the provider said."""

    def __init__(self, reason: str, retry_after: float | None = None):
        super().__init__(reason)
        self.retry_after = retry_after


class PermanentFailure(Exception):
    """Will not work however often it is tried (a bad address, 4xx): the message is marked failed."""


class Sender(Protocol):
    idempotent: bool          # True when handing the same key twice delivers once
    external: bool            # False when nothing it is handed leaves this workspace (taken as True if absent)

    def send(self, message: OutboxRow) -> None: ...


class RecordingSender:
    """The sender of a workspace without connectors: it records each message in the store, once
    per idempotency key. Previews, tests and the crash test read what it recorded. Since nothing
    leaves the workspace, `deliver` has it record in the transaction that marks the messages sent."""
    idempotent = True
    external = False

    def __init__(self, store: Store):
        self.store = store

    def send(self, message: OutboxRow) -> None:
        with self.store.session() as s:
            self.record(s, [message.id])

    def record(self, s: Session, ids: list[int]) -> None:
        """Copy these outbox messages into the deliveries, in the caller's transaction (a copy
        inside the database: payloads are not decoded and encoded again)."""
        o, d = OutboxRow.__table__, Delivery.__table__
        done = select(d.c.key).where(d.c.key == o.c.key).exists()
        copied = (select(o.c.key, o.c.channel, o.c.to, o.c.payload, literal(datetime.now(timezone.utc), UTC()))
                  .where(bulk.among(s, o.c.id, ids), ~done))
        s.execute(d.insert().from_select(["key", "channel", "to", "payload", "at"], copied))


SenderFor = Callable[[str, str | None], Sender]


def backoff(attempts: int) -> timedelta:
    """Exponential with full jitter: 30 s, 1 min, 2 min, ... capped at an hour."""
    return timedelta(seconds=random.uniform(0.5, 1.0) * min(3600, 30 * 2 ** (attempts - 1)))


def _stale(claimed_until: datetime | None, claimed_by: str | None, wall: datetime) -> bool:
    return claimed_until is None or claimed_until < wall or _dead(claimed_by)


def recover(store: Store, wall: datetime, sender_for: SenderFor) -> None:
    """Messages whose worker died mid-hand-off: retry where that cannot duplicate, else flag.
    The senders are looked up between transactions: finding one may read the store itself."""
    t = OutboxRow.__table__
    with store.session() as s:
        stale = [(i, channel, connector) for i, channel, connector, until, by in
                 s.execute(select(t.c.id, t.c.channel, t.c.connector, t.c.claimed_until, t.c.claimed_by)
                           .where(t.c.status == "sending"))
                 if _stale(until, by, wall)]
    if not stale:
        return
    retry = {i for i, channel, connector in stale if sender_for(channel, connector).idempotent}
    with store.session() as s:
        # Looked at again, locked, in this transaction: since the first look another worker may
        # have recovered and re-claimed a message, and that claim must stand. Rows another
        # worker holds are skipped, so two workers recovering at once never wait on each other.
        q = (select(t.c.id, t.c.claimed_until, t.c.claimed_by)
             .where(bulk.among(s, t.c.id, [i for i, _, _ in stale]), t.c.status == "sending"))
        if not store.is_sqlite:
            q = q.with_for_update(skip_locked=True)
        ids = [i for i, until, by in s.execute(q) if _stale(until, by, wall)]
        again = [i for i in ids if i in retry]
        flagged = [i for i in ids if i not in retry]
        if again:
            s.execute(update(t).where(bulk.among(s, t.c.id, again))
                      .values(status="pending", claimed_until=None, claimed_by=None))
        if flagged:
            s.execute(update(t).where(bulk.among(s, t.c.id, flagged)).values(
                status="uncertain",
                error="the worker stopped while handing this over; not sent again so it cannot arrive twice"))


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


_CLAIMED = ("id", "key", "contact_id", "journey", "node", "channel", "connector", "to", "at", "attempts", "next_attempt")


def deliver(store: Store, sender_for: SenderFor, now: datetime, limit: int = 2000, skip_locked: bool = False) -> int:
    """Hand due messages to their senders; returns how many were handled."""
    wall = datetime.now(timezone.utc)
    recover(store, wall, sender_for)
    t = OutboxRow.__table__
    with store.session() as s:
        q = (select(*[t.c[n] for n in _CLAIMED])
             .where(t.c.status == "pending", or_(t.c.next_attempt.is_(None), t.c.next_attempt <= now))
             .order_by(t.c.id).limit(limit))
        if skip_locked:
            q = q.with_for_update(skip_locked=True)
        batch = [Handoff(*r[:9], r.attempts + 1, r.next_attempt) for r in s.execute(q).all()]
        if batch:
            s.execute(update(t).where(bulk.among(s, t.c.id, [h.id for h in batch]))
                      .values(status="sending", attempts=t.c.attempts + 1, claimed_until=wall + LEASE, claimed_by=WORKER))
    groups: dict[int, tuple[Sender, list[Handoff]]] = {}
    for h in batch:
        sender = sender_for(h.channel, h.connector)
        groups.setdefault(id(sender), (sender, []))[1].append(h)
    recorded = [(sender, handoffs) for sender, handoffs in groups.values() if isinstance(sender, RecordingSender)]
    others = [(sender, handoffs) for sender, handoffs in groups.values() if not isinstance(sender, RecordingSender)]
    if recorded:                      # nothing leaves the workspace: recorded and marked sent together
        with store.session() as s:
            for sender, handoffs in recorded:
                sender.record(s, [h.id for h in handoffs])
            _mark_sent(s, [h.id for _, handoffs in recorded for h in handoffs])
    outgoing = [h for _, handoffs in others for h in handoffs]
    if outgoing:
        # Before anything leaves: a power cut after the hand-off must find these `sending`
        # (resolved by recover()), never `pending`, or they would go out again. SQLite syncs
        # commits only at checkpoints; one synced commit makes all before it durable too.
        leaves = store.is_sqlite and any(getattr(sender, "external", True) for sender, _ in others)
        ids = [h.id for h in outgoing]
        with store.session(durable=leaves) as s:
            payloads = dict(s.execute(select(t.c.id, t.c.payload).where(bulk.among(s, t.c.id, ids))).all())
            if leaves:
                s.execute(update(t).where(bulk.among(s, t.c.id, ids), t.c.claimed_by == WORKER)
                          .values(claimed_until=datetime.now(timezone.utc) + LEASE))
        for h in outgoing:
            h.payload = payloads[h.id]
    failures: list[tuple[Handoff, Exception]] = []
    for sender, handoffs in others:
        for h in handoffs:
            try:
                sender.send(h)
            except (TemporaryFailure, PermanentFailure) as e:
                failures.append((h, e))
            except Exception as e:
                failures.append((h, _unexpected(e)))
    # Marked after the hand-off: a crash in between leaves `sending`, which recover() resolves.
    failed = {h.id for h, _ in failures}
    if outgoing:
        with store.session() as s:
            _mark_sent(s, [h.id for h in outgoing if h.id not in failed])
            for h, e in failures:
                s.execute(update(t).where(t.c.id == h.id, *_MINE).values(**_outcome(h, e, now)))
    return len(batch)


# Only what is still this worker's claim: one whose lease ran out may have been recovered and
# claimed by another worker since, and that worker now answers for it.
_MINE = (OutboxRow.__table__.c.status == "sending", OutboxRow.__table__.c.claimed_by == WORKER)


def _mark_sent(s: Session, ids: list[int]) -> None:
    if ids:
        t = OutboxRow.__table__
        s.execute(update(t).where(bulk.among(s, t.c.id, ids), *_MINE)
                  .values(status="sent", sent_at=datetime.now(timezone.utc), claimed_until=None, claimed_by=None, error=None))


def _unexpected(e: Exception) -> TemporaryFailure:
    """A sender's own bug must not stop the scheduler: the message waits and says what happened."""
    return TemporaryFailure(f"the sender failed unexpectedly ({type(e).__name__}: {e})")


def _outcome(row: Handoff, failure: Exception, now: datetime) -> dict[str, Any]:
    """How a message that did not go out is marked: tried again later, or failed for good."""
    if isinstance(failure, TemporaryFailure) and row.attempts < MAX_ATTEMPTS:
        wait = timedelta(seconds=failure.retry_after) if failure.retry_after else backoff(row.attempts)
        return dict(status="pending", next_attempt=now + wait, error=str(failure), claimed_until=None, claimed_by=None)
    error = f"gave up after {row.attempts} attempts: {failure}" if isinstance(failure, TemporaryFailure) else str(failure)
    return dict(status="failed", error=error, claimed_until=None, claimed_by=None)
