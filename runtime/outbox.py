"""Handing messages from the outbox to connectors, once.

A message is in the outbox (status `pending`) before any connector sees it. Delivery marks it
`sending` with a lease, hands it over, and marks it `sent` (or `failed`, or back to `pending` with a
later attempt on a passing fault). If a worker dies mid-hand-off the lease runs out: a sender that
honours idempotency keys gets it again under the same key; any other sender's message becomes
`uncertain` and waits for a person, since sending it again could send it twice.
"""
from __future__ import annotations

import os
import random
import socket
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Protocol

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from runtime.store.models import Delivery, OutboxRow
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

    def send(self, message: OutboxRow) -> None: ...


class RecordingSender:
    """The sender of a workspace without connectors: it records each message in the store, once
    per idempotency key. Previews, tests and the crash test read what it recorded."""
    idempotent = True

    def __init__(self, store: Store):
        self.store = store

    def send(self, message: OutboxRow) -> None:
        with self.store.session() as s:
            if s.scalar(select(Delivery.id).where(Delivery.key == message.key)) is None:
                s.add(Delivery(key=message.key, channel=message.channel, to=message.to, payload=message.payload,
                               at=datetime.now(timezone.utc)))


SenderFor = Callable[[str, str | None], Sender]


def backoff(attempts: int) -> timedelta:
    """Exponential with full jitter: 30 s, 1 min, 2 min, ... capped at an hour."""
    return timedelta(seconds=random.uniform(0.5, 1.0) * min(3600, 30 * 2 ** (attempts - 1)))


def recover(s: Session, wall: datetime, sender_for: SenderFor) -> None:
    """Messages whose worker died mid-hand-off: retry where that cannot duplicate, else flag."""
    claimed = s.scalars(select(OutboxRow).where(OutboxRow.status == "sending")).all()
    for row in claimed:
        if row.claimed_until >= wall and not _dead(row.claimed_by):
            continue
        if sender_for(row.channel, row.connector).idempotent:
            row.status, row.claimed_until = "pending", None
        else:
            row.status = "uncertain"
            row.error = "the worker stopped while handing this over; not sent again so it cannot arrive twice"


def deliver(store: Store, sender_for: SenderFor, now: datetime, limit: int = 500, skip_locked: bool = False) -> int:
    """Hand due messages to their senders; returns how many were handled."""
    wall = datetime.now(timezone.utc)
    with store.session() as s:
        recover(s, wall, sender_for)
        q = (select(OutboxRow).where(OutboxRow.status == "pending",
                                     or_(OutboxRow.next_attempt.is_(None), OutboxRow.next_attempt <= now))
             .order_by(OutboxRow.id).limit(limit))
        if skip_locked:
            q = q.with_for_update(skip_locked=True)
        batch = s.scalars(q).all()
        for row in batch:
            row.status, row.attempts, row.claimed_until, row.claimed_by = "sending", row.attempts + 1, wall + LEASE, WORKER
    for row in batch:
        outcome: dict[str, Any]
        try:
            sender_for(row.channel, row.connector).send(row)
            outcome = dict(status="sent", sent_at=datetime.now(timezone.utc), error=None)
        except TemporaryFailure as e:
            wait = timedelta(seconds=e.retry_after) if e.retry_after else backoff(row.attempts)
            if row.attempts >= MAX_ATTEMPTS:
                outcome = dict(status="failed", error=f"gave up after {row.attempts} attempts: {e}")
            else:
                outcome = dict(status="pending", next_attempt=now + wait, error=str(e))
        except PermanentFailure as e:
            outcome = dict(status="failed", error=str(e))
        with store.session() as s:
            s.execute(update(OutboxRow).where(OutboxRow.id == row.id).values(claimed_until=None, claimed_by=None, **outcome))
    return len(batch)
