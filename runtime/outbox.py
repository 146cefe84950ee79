"""Handing messages from the outbox to connectors, once: the outbox is a ledger.

A message is in the outbox (status `pending`, shown as "queued") before any connector sees it. A
worker reserves a few due ones (runtime/claims.py); each stays `pending` until the moment it is
handed over, is marked `sending` in a transaction of its own just before (synced to disk on SQLite),
and its outcome is written right after, in the transaction that marks the next one `sending`: one
commit per message that leaves the workspace. So a crash leaves at most the one message in flight
`sending`, and `claims.recover` resolves it. A message the workspace keeps (the recorder's) needs
none of this: it is recorded, and marked `sent`, with its whole batch in one transaction.

Statuses: pending, sending, sent, failed, uncertain (a person resends or dismisses those:
runtime/outbox_review.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Protocol

from sqlalchemy import literal, or_, select, update
from sqlalchemy.orm import Session

from switchback.runtime import claims, journey_controls
from switchback.runtime.claims import LEASE, WORKER, Heartbeat, recover, release
from switchback.runtime.failures import (MAX_ATTEMPTS, NeedsSetup, PermanentFailure, TemporaryFailure, Uncertain, backoff,
                              outcome, unexpected)
from switchback.runtime.store import bulk
from switchback.runtime.store.models import UTC, Delivery, OutboxRow
from switchback.runtime.store.workspace import Store

__all__ = ["MAX_ATTEMPTS", "LEASE", "NeedsSetup", "PermanentFailure", "TemporaryFailure", "Uncertain", "backoff",
           "recover", "Sender", "SenderFor", "RecordingSender", "Handoff", "deliver"]

CHUNK = 25        # messages that leave the workspace reserved at a time: other workers take the rest
_T = OutboxRow.__table__


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
        o, d = _T, Delivery.__table__
        done = select(d.c.key).where(d.c.key == o.c.key).exists()
        copied = (select(o.c.key, o.c.channel, o.c.to, o.c.payload, literal(datetime.now(timezone.utc), UTC()))
                  .where(bulk.among(s, o.c.id, ids), ~done))
        s.execute(d.insert().from_select(["key", "channel", "to", "payload", "at"], copied))


SenderFor = Callable[[str, str | None], Sender]


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


def deliver(store: Store, sender_for: SenderFor, now: datetime, limit: int = 2000, skip_locked: bool = False,
            stop: Callable[[], bool] = lambda: False) -> int:
    """Hand due messages to their senders; returns how many were handled. `stop` is asked before
    each message that leaves the workspace: once it says so, the rest go back to the queue."""
    wall = claims.wall()
    recover(store, wall, sender_for)
    with store.session() as s:
        held = journey_controls.paused(s)                  # a paused journey's messages wait
        q = (select(*[_T.c[n] for n in _RESERVED])
             .where(_T.c.status == "pending", or_(_T.c.next_attempt.is_(None), _T.c.next_attempt <= now),
                    claims.available(wall), _T.c.journey.not_in(held))
             .order_by(_T.c.id).limit(limit))
        if skip_locked:
            q = q.with_for_update(skip_locked=True)
        batch = [Handoff(*r[:9], r.attempts + 1, r.next_attempt) for r in s.execute(q).all()]
        if batch:
            s.execute(update(_T).where(bulk.among(s, _T.c.id, [h.id for h in batch]))
                      .values(claimed_until=wall + LEASE, claimed_by=WORKER))
    inside: list[tuple[Sender, list[Handoff]]] = []
    outgoing: list[tuple[Sender, Handoff]] = []
    groups: dict[int, tuple[Sender, list[Handoff]]] = {}
    for h in batch:
        sender = sender_for(h.channel, h.connector)
        groups.setdefault(id(sender), (sender, []))[1].append(h)
    for sender, handoffs in groups.values():
        if getattr(sender, "external", True):
            outgoing += [(sender, h) for h in handoffs]
        else:
            inside.append((sender, handoffs))
    if inside:
        _keep(store, inside, now)
    outgoing.sort(key=lambda pair: pair[1].id)
    release(store, [h.id for _, h in outgoing[CHUNK:]])
    handled = _hand_over(store, outgoing[:CHUNK], now, stop)
    return sum(len(handoffs) for _, handoffs in inside) + handled


def _keep(store: Store, inside: list[tuple[Sender, list[Handoff]]], now: datetime) -> None:
    """Messages that do not leave the workspace: handed over and marked in one transaction (the
    recorder's inside it; no sync needed, since a repeat could not reach anyone)."""
    failures: list[tuple[Sender, Handoff, Exception]] = []
    for sender, handoffs in inside:
        if isinstance(sender, RecordingSender):
            continue
        for h in handoffs:
            try:
                sender.send(h)
            except Exception as e:
                failures.append((sender, h, e if isinstance(e, (TemporaryFailure, PermanentFailure)) else unexpected(e)))
    failed = {h.id for _, h, _ in failures}
    with store.session() as s:
        for sender, handoffs in inside:
            if isinstance(sender, RecordingSender):
                sender.record(s, [h.id for h in handoffs])
        done = [h.id for _, handoffs in inside for h in handoffs if h.id not in failed]
        if done:
            s.execute(update(_T).where(bulk.among(s, _T.c.id, done), _T.c.status == "pending", _T.c.claimed_by == WORKER)
                      .values(status="sent", attempts=_T.c.attempts + 1, sent_at=datetime.now(timezone.utc),
                              claimed_until=None, claimed_by=None, error=None))
        for sender, h, e in failures:
            _write(s, h, {"attempts": h.attempts} | outcome(e, h.attempts, sender.idempotent, now), "pending")


def _write(s: Session, h: Handoff, values: dict[str, Any], status: str) -> bool:
    """A message's new row values, if this worker still holds it in `status`."""
    return s.execute(update(_T).where(_T.c.id == h.id, _T.c.status == status, _T.c.claimed_by == WORKER)
                     .values(**values)).rowcount == 1


def _sent() -> dict[str, Any]:
    return dict(status="sent", sent_at=datetime.now(timezone.utc), claimed_until=None, claimed_by=None, error=None)


class Interrupted(Uncertain):
    """The worker was stopped (Ctrl+C) while the message was on its way."""


def _hand_over(store: Store, items: list[tuple[Sender, Handoff]], now: datetime, stop: Callable[[], bool]) -> int:
    """One message at a time: marked `sending` (synced) just before it leaves, its outcome written
    with the next one's mark. Returns how many were handed over."""
    if not items:
        return 0
    durable = store.is_sqlite
    done: tuple[Sender, Handoff, Exception | None] | None = None     # handed over, outcome not yet written
    waiting: list[tuple[Handoff, NeedsSetup]] = []                   # not tried: their connector needs setting up
    setup: dict[int, NeedsSetup] = {}
    marked: tuple[Sender, Handoff] | None = None                     # `sending`, on its way or about to be
    leaving = False
    handed = 0
    with Heartbeat(store, [h.id for _, h in items]):
        try:
            for sender, h in items:
                if stop():
                    break
                if id(sender) in setup:
                    waiting.append((h, setup[id(sender)]))
                    continue
                marked = (sender, h)
                with store.session(durable=durable) as s:
                    if done is not None:
                        _finish(s, *done, now)
                    mine = _write(s, h, dict(status="sending", attempts=_T.c.attempts + 1,
                                             claimed_until=claims.wall() + LEASE), "pending")
                    h.payload = s.scalar(select(_T.c.payload).where(_T.c.id == h.id)) if mine else None
                done = None
                if not mine:                  # another worker took it over: it answers for it now
                    marked = None
                    continue
                leaving = True
                try:
                    sender.send(h)
                    failure = None
                except (TemporaryFailure, PermanentFailure) as e:
                    failure = e
                except Exception as e:
                    failure = unexpected(e)
                marked, leaving, done = None, False, (sender, h, failure)
                handed += 1
                if isinstance(failure, NeedsSetup):
                    setup[id(sender)] = failure
        except BaseException:
            if marked is not None and leaving:      # stopped mid-hand-off: it may or may not have arrived
                done = (*marked, Interrupted("stopped while handing this over"))
            raise
        finally:
            with store.session() as s:
                if done is not None:
                    _finish(s, *done, now)
                if marked is not None and not leaving:     # marked, but stopped before it left
                    _write(s, marked[1], dict(status="pending", attempts=_T.c.attempts - 1), "sending")
                for h, failure in waiting:
                    _write(s, h, outcome(failure, h.attempts, True, now), "pending")
            release(store, [h.id for _, h in items])
    return handed


def _finish(s: Session, sender: Sender, h: Handoff, failure: Exception | None, now: datetime) -> None:
    """Write what became of a message this worker handed over (unless its claim was lost since)."""
    _write(s, h, _sent() if failure is None else outcome(failure, h.attempts, sender.idempotent, now), "sending")

