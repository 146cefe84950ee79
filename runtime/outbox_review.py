"""A person's review of the messages that have not gone out (SPEC 5, `switchback outbox`).

Delivery never resends an `uncertain` message by itself (it may have arrived) and gives up on a
`failed` one; here a person hands either over again or closes it. Each decision is a line in the
contact's trace, naming who made it. The store's `pending` is `queued` in the words shown.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Sequence

from sqlalchemy import func, select, update

from switchback.runtime import document
from switchback.runtime.problems import InputError
from switchback.runtime.store import bulk
from switchback.runtime.store.models import Contact, JourneyVersion, OutboxRow, StepRow
from switchback.runtime.store.workspace import Store

# Stored status -> the word a person reads, for the messages that have not gone out.
WORDS = {"pending": "queued", "sending": "sending", "uncertain": "uncertain", "failed": "failed"}
STATUSES = {word: stored for stored, word in WORDS.items()}
REVIEWABLE = ("uncertain", "failed")          # what a person may resend or dismiss
DISMISSED = "dismissed"                       # closed by a person; delivery never picks it up
CLOSED = {"sent": "delivered", DISMISSED: DISMISSED}   # the words for messages that are done


@dataclass(frozen=True, slots=True)
class Pending:
    """One message that has not gone out, as `switchback outbox` lists it."""
    id: int
    contact: str
    journey: str
    node: str
    label: str                    # the node as its card names it
    channel: str
    connector: str | None
    status: str                   # in words: queued, sending, uncertain, failed
    reason: str                   # in plain words
    attempts: int
    since: datetime               # when the journey wrote it

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "contact": self.contact, "journey": self.journey, "node": self.node,
                "label": self.label, "channel": self.channel, "connector": self.connector, "status": self.status,
                "reason": self.reason, "attempts": self.attempts, "since": self.since.isoformat()}


def _reason(status: str, attempts: int, error: str | None, next_attempt: datetime | None,
            claimed_until: datetime | None, wall: datetime) -> str:
    if status == "pending":
        if not error:
            return "not handed over yet: it goes out at the scheduler's next round"
        at = f" at {next_attempt:%Y-%m-%d %H:%M:%S} UTC" if next_attempt else ""
        return f"try {attempts} did not go through ({error}); it is tried again{at}"
    if status == "sending":
        if claimed_until is not None and claimed_until >= wall:
            return "being handed over now"
        return "its worker's claim ran out during the hand-off; the scheduler's next round settles it"
    if status not in REVIEWABLE:
        return ""                             # delivered or dismissed: nothing to explain
    if status == "uncertain":
        why = error or "its hand-off started and how it ended is not known"
        return f"{why}. It may have arrived: check before resending"
    return error or "the provider refused it"


def _labels(s, keys: set[str]) -> dict[tuple[str, str], str]:
    """(journey, node) -> the node's label as its card shows it, from each journey's latest version."""
    if not keys:
        return {}
    latest = (select(JourneyVersion.key, func.max(JourneyVersion.version).label("v"))
              .where(JourneyVersion.key.in_(sorted(keys))).group_by(JourneyVersion.key).subquery())
    rows = s.execute(select(JourneyVersion.key, JourneyVersion.document)
                     .join(latest, (JourneyVersion.key == latest.c.key) & (JourneyVersion.version == latest.c.v)))
    out = {}
    for key, text in rows:
        try:
            journey = document.loads(text, key)
        except InputError:
            continue
        for n in journey.nodes:
            out[(key, n.id)] = n.title
    return out


_o, _c = OutboxRow.__table__.c, Contact.__table__.c       # plain columns: no ORM loading per row
_COLUMNS = (_o.id, _c.email, _o.journey, _o.node, _o.channel, _o.connector, _o.status, _o.attempts, _o.error,
            _o.next_attempt, _o.claimed_until, _o.at)


def _pending(s, where, wall: datetime) -> list[Pending]:
    rows = s.execute(select(*_COLUMNS).join(Contact.__table__, _c.id == _o.contact_id).where(*where)
                     .order_by(_o.at, _o.id)).all()
    labels = _labels(s, {r[2] for r in rows})
    return [Pending(i, email, journey, node, labels.get((journey, node), node), channel, connector,
                    WORDS.get(status) or CLOSED.get(status, status),
                    _reason(status, attempts, error, next_attempt, claimed_until, wall), attempts, at)
            for i, email, journey, node, channel, connector, status, attempts, error, next_attempt, claimed_until, at
            in rows]


def pending_messages(store: Store, status: str | None = None) -> list[Pending]:
    """The messages that have not gone out, oldest first; `status` is a word of WORDS (None: all)."""
    if status is not None and status not in STATUSES:
        raise InputError("--status", f"{status!r} is not a status: use " + ", ".join(STATUSES))
    stored = [STATUSES[status]] if status else list(WORDS)
    with store.session() as s:
        return _pending(s, [OutboxRow.status.in_(stored)], datetime.now(timezone.utc))


def counts(store: Store) -> dict[str, int]:
    """How many messages have not gone out, by status in words (every word present)."""
    with store.session() as s:
        rows = dict(s.execute(select(OutboxRow.status, func.count()).where(OutboxRow.status.in_(list(WORDS)))
                              .group_by(OutboxRow.status)).all())
    return {word: rows.get(stored, 0) for stored, word in WORDS.items()}


_DONE = {"resend": "resent", "dismiss": "dismissed"}


def _decided(store: Store, ids: Sequence[int] | None, who: str, now: datetime | None, action: str,
             values: dict[str, Any]) -> list[Pending]:
    """Move reviewable messages (every uncertain one when `ids` is None) to `values`, with a trace
    line each, in one transaction; any id that cannot be moved refuses them all."""
    now = now or datetime.now(timezone.utc)
    with store.session() as s:
        where = [bulk.among(s, OutboxRow.id, list(ids))] if ids is not None else [OutboxRow.status == "uncertain"]
        if not store.is_sqlite:               # SQLite's write transaction already holds the whole file
            locked = select(OutboxRow.id).where(*where).with_for_update()
            where = [bulk.among(s, OutboxRow.id, list(s.scalars(locked)))]
        found = {p.id: p for p in _pending(s, where, datetime.now(timezone.utc))}
        for i in dict.fromkeys(ids or ()):
            p = found.get(i)
            if p is None:
                raise InputError(f"message {i}", "no such message in the workspace")
            if p.status in CLOSED.values():
                raise InputError(f"message {i}", f"was {p.status}; nothing to {action}")
            if p.status not in REVIEWABLE:
                raise InputError(f"message {i}", f"is {p.status}, not uncertain or failed; only those can be "
                                 f"{_DONE[action]}")
        chosen = list(found.values())
        if not chosen:
            return []
        chosen_ids = [p.id for p in chosen]
        contact_of = dict(s.execute(select(OutboxRow.id, OutboxRow.contact_id)
                                    .where(bulk.among(s, OutboxRow.id, chosen_ids))).all())
        s.execute(update(OutboxRow).where(bulk.among(s, OutboxRow.id, chosen_ids)).values(**values),
                  execution_options={"synchronize_session": False})
        s.add_all([StepRow(contact_id=contact_of[p.id], enrollment_id=None, journey=p.journey, node=p.node, at=now,
                           what=_DONE[action], detail=_trace_line(p, action, who)) for p in chosen])
    return chosen


def _trace_line(p: Pending, action: str, who: str) -> str:
    after = "after it was left uncertain" if p.status == "uncertain" else "after it failed"
    line = f"{p.channel} '{p.label}' (message {p.id}) {_DONE[action]} by {who} {after}"
    return line if action == "resend" else line + "; it will not be sent"


def resend(store: Store, ids: Sequence[int] | None, who: str, now: datetime | None = None) -> list[Pending]:
    """Queue uncertain or failed messages again, due now, under the same idempotency key; `ids`
    None resends every uncertain message. Returns them as they were."""
    return _decided(store, ids, who, now, "resend",
                    dict(status="pending", attempts=0, next_attempt=None, error=None, claimed_until=None,
                         claimed_by=None))


def dismiss(store: Store, ids: Sequence[int], who: str, now: datetime | None = None) -> list[Pending]:
    """Close uncertain or failed messages: they are never handed over again. Returns them as they were."""
    return _decided(store, ids, who, now, "dismiss", dict(status=DISMISSED, claimed_until=None, claimed_by=None))
