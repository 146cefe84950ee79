"""Handing messages from the outbox to connectors, once: the outbox is a ledger.

A message is in the outbox (status `pending`, shown as "queued") before any connector sees it. A
worker reserves a few due ones (runtime/queue.py); each stays `pending` until the moment it is
handed over, is marked `sending` in a transaction of its own just before (synced to disk on SQLite),
and its outcome is written right after, in the transaction that marks the next one `sending`: one
commit per message that leaves the workspace. So a crash leaves at most the one message in flight
`sending`, and `queue.recover` resolves it. A message the workspace keeps (the recorder's) needs
none of this: it is recorded, and marked `sent`, with its whole batch in one transaction.

Statuses: pending, sending, sent, failed, uncertain (a person resends or dismisses those:
runtime/outbox_review.py).
"""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone
from typing import Callable, Protocol

from sqlalchemy import literal, select
from sqlalchemy.orm import Session

from switchback.runtime import queue
from switchback.runtime.failures import (MAX_ATTEMPTS, NeedsSetup, PermanentFailure, TemporaryFailure, Uncertain, backoff,
                              outcome, unexpected)
from switchback.runtime.queue import LEASE, Handoff, recover
from switchback.runtime.store import bulk
from switchback.runtime.store.models import UTC, Delivery, OutboxRow
from switchback.runtime.store.workspace import Store

__all__ = ["MAX_ATTEMPTS", "LEASE", "NeedsSetup", "PermanentFailure", "TemporaryFailure", "Uncertain", "backoff",
           "recover", "Sender", "SenderFor", "RecordingSender", "Handoff", "deliver"]

WORDS = {"pending": "queued", "sent": "sent", "failed": "failed", "uncertain": "uncertain"}   # as trace says them
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


Group = tuple[Sender, list[Handoff]]


def deliver(store: Store, sender_for: SenderFor, now: datetime, limit: int = 2000, skip_locked: bool = False,
            stop: Callable[[], bool] = lambda: False, tally: Counter | None = None) -> int:
    """Hand due messages to their senders; returns how many were handled. `stop` is asked before
    each message that leaves the workspace: once it says so, the rest go back to the queue.
    `tally` counts what became of them in the trace's words (recorded, sent, queued, failed, uncertain)."""
    tally = Counter() if tally is None else tally
    queue.recover(store, queue.wall(), sender_for)
    batch = queue.claim_messages(store, now, limit, skip_locked)
    inside, outgoing = _by_destination(batch, sender_for)
    if inside:
        _keep(store, inside, now, tally)
    queue.release(store, [h.id for _, h in outgoing[CHUNK:]])
    handed = _hand_over(store, outgoing[:CHUNK], now, stop, tally)
    return sum(len(handoffs) for _, handoffs in inside) + handed


def _by_destination(batch: list[Handoff], sender_for: SenderFor) -> tuple[list[Group], list[tuple[Sender, Handoff]]]:
    """The messages the workspace keeps, by sender; and those that leave it, one by one in queue order."""
    groups: dict[int, Group] = {}
    for h in batch:
        sender = sender_for(h.channel, h.connector)
        groups.setdefault(id(sender), (sender, []))[1].append(h)
    inside = [g for g in groups.values() if not getattr(g[0], "external", True)]
    outgoing = sorted(((sender, h) for sender, handoffs in groups.values() if getattr(sender, "external", True)
                       for h in handoffs), key=lambda pair: pair[1].id)
    return inside, outgoing


def _keep(store: Store, inside: list[Group], now: datetime, tally: Counter) -> None:
    """Messages that do not leave the workspace: handed over and marked in one transaction (the
    recorder's inside it; no sync needed, since a repeat could not reach anyone)."""
    failures: list[tuple[Sender, Handoff, Exception]] = []
    for sender, handoffs in inside:
        if not isinstance(sender, RecordingSender):
            failures += [(sender, h, e) for h in handoffs if (e := _send(sender, h)) is not None]
    failed = {h.id for _, h, _ in failures}
    with store.session() as s:
        for sender, handoffs in inside:
            if isinstance(sender, RecordingSender):
                sender.record(s, [h.id for h in handoffs])
                tally["recorded"] += len(handoffs)
            else:
                tally["sent"] += sum(h.id not in failed for h in handoffs)
        queue.finish_kept(s, [h.id for _, handoffs in inside for h in handoffs if h.id not in failed])
        for sender, h, e in failures:
            values = outcome(e, h.attempts, sender.idempotent, now)
            queue.finish(s, h, {"attempts": h.attempts} | values, "pending")
            tally[WORDS[values["status"]]] += 1


def _send(sender: Sender, h: Handoff) -> Exception | None:
    """Hand one message over; the failure it met, if any, as one of ours."""
    try:
        sender.send(h)
    except (TemporaryFailure, PermanentFailure) as e:
        return e
    except Exception as e:
        return unexpected(e)
    return None


class Interrupted(Uncertain):
    """The worker was stopped (Ctrl+C) while the message was on its way."""


def _hand_over(store: Store, items: list[tuple[Sender, Handoff]], now: datetime, stop: Callable[[], bool],
               tally: Counter) -> int:
    """One message at a time: marked `sending` (synced) just before it leaves, its outcome written
    with the next one's mark. Returns how many were handed over."""
    if not items:
        return 0
    run = _HandOver(store, now, tally)
    with queue.Heartbeat(store, [h.id for _, h in items]):
        try:
            for sender, h in items:
                if stop():
                    break
                run.one(sender, h)
        except BaseException:
            run.interrupted()
            raise
        finally:
            run.settle()
            queue.release(store, [h.id for _, h in items])
    return run.handed


class _HandOver:
    """Where one worker's run of hand-offs stands, so that whatever stops it is written down right."""

    def __init__(self, store: Store, now: datetime, tally: Counter):
        self.store, self.now, self.tally = store, now, tally
        self.done: tuple[Sender, Handoff, Exception | None] | None = None   # handed over, outcome not yet written
        self.marked: tuple[Sender, Handoff] | None = None                   # `sending`, on its way or about to be
        self.leaving = False
        self.waiting: list[tuple[Handoff, NeedsSetup]] = []                 # not tried: their connector needs setting up
        self.setup: dict[int, NeedsSetup] = {}
        self.handed = 0

    def one(self, sender: Sender, h: Handoff) -> None:
        if id(sender) in self.setup:
            self.waiting.append((h, self.setup[id(sender)]))
            return
        self.marked = (sender, h)
        with self.store.session(durable=self.store.is_sqlite) as s:
            self._write_done(s)
            mine = queue.start(s, h)
        self.done = None              # written, now that it is committed
        if not mine:                  # another worker took it over: it answers for it now
            self.marked = None
            return
        self.leaving = True
        failure = _send(sender, h)
        self.marked, self.leaving, self.done = None, False, (sender, h, failure)
        self.handed += 1
        if isinstance(failure, NeedsSetup):
            self.setup[id(sender)] = failure

    def interrupted(self) -> None:
        """Stopped mid-hand-off: the message may or may not have arrived."""
        if self.marked is not None and self.leaving:
            self.done = (*self.marked, Interrupted("stopped while handing this over"))

    def settle(self) -> None:
        """Write what is still unwritten: the last outcome, a mark that never left, the waiting."""
        with self.store.session() as s:
            self._write_done(s)
            if self.marked is not None and not self.leaving:     # marked, but stopped before it left
                queue.unstart(s, self.marked[1])
            for h, failure in self.waiting:
                queue.finish(s, h, outcome(failure, h.attempts, True, self.now), "pending")
                self.tally["queued"] += 1

    def _write_done(self, s: Session) -> None:
        """What became of the message handed over last (unless its claim was lost since)."""
        if self.done is not None:
            sender, h, failure = self.done
            values = queue.sent() if failure is None else outcome(failure, h.attempts, sender.idempotent, self.now)
            if queue.finish(s, h, values, "sending"):
                self.tally[WORDS[values["status"]]] += 1
