"""A batch of contacts' state, loaded for the engine and saved after it stepped them: the
scheduler's hot path, in plain column queries."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from sys import intern
from typing import Any, Sequence

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from switchback.nodes.outcomes import Did
from switchback.runtime.contacts import Event
from switchback.runtime.state import ContactState, Enrollment
from switchback.runtime import tally
from switchback.runtime.store import bulk, result_counts
from switchback.runtime.store.models import Contact, EnrollmentRow, EventRow, OutboxRow, StepRow
from switchback.runtime.store.state_cache import StateCache


@dataclass(slots=True)
class Loaded:
    """A contact as the scheduler holds it during one batch (and keeps it between batches)."""
    id: int
    version: int                   # the contact's version in the store, as of this state
    admitted: int
    state: ContactState
    events: Sequence[Event]        # pending events due now, in time order
    event_ids: Sequence[int]
    later_event: datetime | None   # the first pending event still in the future
    timers: list                   # as stored, to write them back only when they changed
    last_activity: datetime | None


def _times(values: list[str]) -> list[datetime]:
    return [datetime.fromisoformat(v) for v in values]


_ENROLLMENT_COLUMNS = ("id", "journey", "version", "node", "entered_at", "state", "due", "wait_event", "wait_where",
                       "on_event", "on_time", "held", "ended_at", "error", "seq", "event", "marks")


def load(s: Session, claimed: list[tuple[int, int]], now: datetime, cap_window: timedelta | None,
         cache: StateCache | None = None) -> list[Loaded]:
    """The contacts' state for the engine, for (contact id, version) pairs read in this
    transaction. A contact whose copy in `cache` is of that version is not read again, only its
    pending events are. Plain column queries: this is the hot path."""
    kept: dict[int, Loaded] = {}
    if cache is not None:
        for cid, version in claimed:
            item = cache.take(cid, version)
            if item is not None:
                kept[cid] = item
    ids = [cid for cid, _ in claimed]
    cold = [cid for cid in ids if cid not in kept]
    cutoff = now - cap_window if cap_window is not None else None      # messages older than this cap nothing
    c, en, ev, ob = Contact.__table__.c, EnrollmentRow.__table__.c, EventRow.__table__.c, OutboxRow.__table__.c
    rows, enrollments, sent = {}, {i: [] for i in cold}, {i: [] for i in cold}
    if cold:
        rows = {r.id: r for r in s.execute(select(c.id, c.email, c.fields, c.history, c.last_activity, c.timers, c.admitted)
                                           .where(bulk.among(s, c.id, cold))).all()}
        q = (select(en.contact_id, *[en[n] for n in _ENROLLMENT_COLUMNS])
             .where(bulk.among(s, en.contact_id, cold)).order_by(en.entered_at))
        for r in s.execute(q).all():
            enrollments[r.contact_id].append(Enrollment(
                id=r.id, journey=r.journey, version=r.version, contact=rows[r.contact_id].email, node=r.node,
                entered_at=r.entered_at, state=r.state, due=r.due, wait_event=r.wait_event, wait_where=r.wait_where,
                on_event=r.on_event, on_time=r.on_time, held=r.held, ended_at=r.ended_at, error=r.error, seq=r.seq,
                event=r.event, marks=r.marks, dirty=False, stored=True))
        if cutoff is not None:
            q = (select(ob.contact_id, ob.at, ob.journey)
                 .where(bulk.among(s, ob.contact_id, cold), ob.channel.in_(("email", "sms")), ob.at > cutoff)
                 .order_by(ob.at))
            for cid, at, journey in s.execute(q).all():
                sent[cid].append((at, journey))
    pending: dict[int, list] = {}
    q = (select(ev.id, ev.contact_id, ev.type, ev.at, ev.properties)
         .where(bulk.among(s, ev.contact_id, ids), ev.processed.is_(False)).order_by(ev.at, ev.id))
    for e in s.execute(q).all():
        pending.setdefault(e.contact_id, []).append(e)
    out = []
    for cid, version in claimed:
        item = kept.get(cid)
        if item is None:
            row = rows[cid]
            timers = row.timers or []
            # Names interned: a kept contact's field names are then shared, not a copy each.
            fields = dict(zip(map(intern, row.fields), row.fields.values()))
            cs = ContactState(email=row.email, fields=fields, enrollments=enrollments[cid], sent=sent[cid],
                              events={intern(k): _times(v) for k, v in (row.history or {}).items()},
                              last_activity=row.last_activity,
                              timers={(j, n): (datetime.fromisoformat(t) if t else None) for j, n, t in timers})
            item = Loaded(id=cid, version=version, admitted=row.admitted, state=cs,
                          events=(), event_ids=(), later_event=None, timers=timers, last_activity=row.last_activity)
        else:                                # as the store would give it: messages out of the window go
            cs = item.state
            if cs.sent and (cutoff is None or cs.sent[0][0] <= cutoff):
                cs.sent = [x for x in cs.sent if x[0] > cutoff] if cutoff is not None else []
        events = pending.get(cid)
        if events:
            due = [e for e in events if e.at <= now]
            later = [e.at for e in events if e.at > now]
            item.events = [Event(cs.email, e.type, e.at, e.properties) for e in due]
            item.event_ids = [e.id for e in due]
            item.later_event = min(later) if later else None
        else:
            item.later_event = None
        out.append(item)
    return out


# What a step can change of an enrollment: an UPDATE that names an indexed column rewrites its index
# entry even when the value is the same, so the columns fixed at entry are written once.
_ENROLLMENT_MOVES = ("node", "state", "due", "wait_event", "wait_where", "on_event", "on_time", "held", "ended_at", "error",
                     "seq", "event", "marks", "id")
_ENROLLMENT_WRITE = ("contact_id", "journey", "version", "entered_at", *_ENROLLMENT_MOVES)
_STEP_WRITE = ("contact_id", "enrollment_id", "journey", "node", "at", "what", "detail")
# A step's word as a plain str: sqlite3 binds a str subclass (the enum) through its adaptation
# protocol, at three times the cost, for every step written.
_WORD = {d: d.value for d in Did}
_OUTBOX_WRITE = ("key", "contact_id", "journey", "node", "channel", "connector", "to", "payload", "at", "status",
                 "attempts", "next_attempt")


def save(s: Session, batch: list[Loaded], now: datetime, generation: int) -> None:
    """Write back what the engine did, in the caller's transaction: state, step log and outbox
    together, so a crash keeps all of it or none. A contact's columns are written only when they
    changed: most visits move an enrollment along and touch nothing else of the contact."""
    contacts: dict[tuple[str, ...], list[tuple]] = {}
    new_enrollments, changed, steps, outbox, processed = [], [], [], [], []
    counts = Counter()
    for item in batch:
        cs = item.state
        tally.take(cs, counts)                          # the results' counts, in this same transaction
        due = cs.next_due()
        if item.later_event is not None and (due is None or item.later_event < due):
            due = item.later_event
        row: dict[str, Any] = {"updated_at": now, "next_due": due, "version": item.version + 1}
        if cs.fields_dirty:
            row["fields"] = cs.fields
        if cs.events_dirty:
            row["history"] = {k: [t.isoformat() for t in v] for k, v in cs.events.items()}
        if cs.last_activity != item.last_activity:
            row["last_activity"] = cs.last_activity
        timers = [[j, n, t.isoformat() if t else None] for (j, n), t in cs.timers.items()]
        if timers != item.timers:
            row["timers"] = timers
        if item.admitted != generation:
            row["admitted"] = generation
        contacts.setdefault(tuple(row), []).append((*row.values(), item.id))
        for e in cs.enrollments:
            if not e.dirty:
                continue
            moved = (e.node, e.state, e.due, e.wait_event, e.wait_where, e.on_event, e.on_time, e.held, e.ended_at,
                     e.error, e.seq, e.event, e.marks, e.id)
            if e.stored:
                changed.append(moved)
            else:
                new_enrollments.append((item.id, e.journey, e.version, e.entered_at, *moved))
            e.dirty, e.stored = False, True
        steps += [(item.id, x.enrollment, x.journey, x.node, x.at, _WORD[x.what], x.detail) for x in cs.log]
        outbox += [(m.key, item.id, m.journey, m.node, m.channel, m.connector, m.to, m.payload, m.at, "pending", 0, m.at)
                   for m in cs.outbox]
        processed += item.event_ids
        cs.log.clear()
        cs.outbox.clear()
        cs.fields_dirty = cs.events_dirty = False
        item.timers, item.last_activity, item.admitted = timers, cs.last_activity, generation
        item.version += 1
        if item.events:
            item.events, item.event_ids = (), ()
    for names, rows in contacts.items():
        bulk.update_by_id(s, Contact.__table__, rows, [*names, "id"])
    bulk.insert(s, EnrollmentRow.__table__, new_enrollments, _ENROLLMENT_WRITE)
    bulk.update_by_id(s, EnrollmentRow.__table__, changed, _ENROLLMENT_MOVES)
    bulk.insert(s, StepRow.__table__, steps, _STEP_WRITE)
    bulk.insert(s, OutboxRow.__table__, outbox, _OUTBOX_WRITE)
    result_counts.add(s, counts)
    if processed:
        s.execute(update(EventRow.__table__).where(bulk.among(s, EventRow.__table__.c.id, processed)).values(processed=True))
