"""Events from outside, recorded (SPEC 10): idempotent by message id, and the ids a website or an app
knows people by joined to contacts. The intake server's protocols map their calls to `Incoming`;
this module decides what is recorded, in one transaction per request.

An id is joined to a contact by an identify that carries an email, by an alias to an id that is
joined, or by being an email address itself. The events of an id not joined yet wait in
`intake_pending` and reach the contact, in their own time order, in the transaction that joins the
id: before that they trigger nothing."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from switchback.runtime.contacts import Event, identity
from switchback.runtime.store.bulk import chunks, insert_new
from switchback.runtime.store.contacts import import_contacts, record_events
from switchback.runtime.store.intake_models import IntakeId, IntakeLogRow, IntakeMessage, PendingEvent
from switchback.runtime.store.models import Contact
from switchback.runtime.store.workspace import Store

MAX_LINKS = 16           # how far `same_as` is followed: an alias of an alias of ... is never a loop


@dataclass
class Incoming:
    """One call: an event (`type`, `properties`) of `user_id` or `anonymous_id`; `email` when the
    call says who they are (an identify's traits); `previous_id` when it is an alias (no event)."""
    type: str | None
    at: datetime
    user_id: str | None = None
    anonymous_id: str | None = None
    properties: dict[str, Any] = field(default_factory=dict)
    message_id: str | None = None
    email: str | None = None
    previous_id: str | None = None


@dataclass
class Recorded:
    events: int = 0          # recorded for contacts now
    pending: int = 0         # kept for ids not joined yet
    repeated: int = 0        # message ids seen before: acknowledged, not recorded again


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")


def is_email(value: str | None) -> bool:
    return bool(value) and "@" in value and _EMAIL.fullmatch(value) is not None


def record(store: Store, items: list[Incoming], now: datetime, source: str = "", refused: list[str] = ()) -> Recorded:
    """Records the calls in one durable transaction, with `refused` (what the caller turned away of
    the same request) in the intake log. On PostgreSQL two servers may race on an id's row: the
    loser's transaction rolls back and runs again, and then sees the winner's rows (a message id
    the other committed first is simply not recorded again)."""
    for attempt in range(3):
        try:
            with store.session(durable=True) as s:
                return record_in(s, items, now, source, refused)
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def record_in(s: Session, items: list[Incoming], now: datetime, source: str = "", refused: list[str] = ()) -> Recorded:
    """`record` inside the caller's transaction."""
    done = _Recording(s, now).run(items)
    if refused:
        s.execute(IntakeLogRow.__table__.insert(), [dict(at=now, source=source, line=line[:1024]) for line in refused])
    return done


class _Recording:
    def __init__(self, s: Session, now: datetime):
        self.s, self.now = s, now
        self.ids: dict[str, IntakeId | None] = {}            # the rows of the ids seen, None when there is none
        self.contacts: dict[int, str] = {}                    # contact id -> email
        self.events: list[Event] = []
        self.pending: list[dict[str, Any]] = []
        self.done = Recorded()

    def run(self, items: list[Incoming]) -> Recorded:
        items = self._new(items)
        self._load({i for item in items for i in (item.user_id, item.anonymous_id, item.previous_id) if i})
        for item in items:
            if item.previous_id is not None:
                self._alias(item.previous_id, item.user_id)
                continue
            given = [i for i in (item.user_id, item.anonymous_id) if i]
            email = identity(item.email) if item.email else self._whose(given)
            if email is not None:
                for i in given:
                    self._join(i, email)
            elif len(given) == 2:
                self._tie(item.anonymous_id, item.user_id)        # one person: the anonymous id follows the user id
            if item.type is None:
                continue
            if email is not None:
                self.events.append(Event(email, item.type, item.at, item.properties))
            else:
                self.pending.append(dict(external_id=given[0], type=item.type, at=item.at, properties=item.properties))
        if self.pending:
            self.s.execute(PendingEvent.__table__.insert(), self.pending)
        self.done.pending = len(self.pending)
        if self.events:
            self.done.events = record_events(self.s, self.events, self.now)
        return self.done

    def _new(self, items: list[Incoming]) -> list[Incoming]:
        """The items whose message id was not seen before (in the store or earlier in this request),
        their ids kept from now on."""
        fresh = insert_new(self.s, IntakeMessage.__table__, "message_id",
                           [i.message_id for i in items if i.message_id], {"at": self.now})
        out = []
        for item in items:
            if item.message_id:
                if item.message_id not in fresh:
                    self.done.repeated += 1
                    continue
                fresh.discard(item.message_id)            # the same id again in this request is a repeat
            out.append(item)
        return out

    def _load(self, ids: set[str]) -> None:
        ids = {i for i in ids if i not in self.ids and not is_email(i)}
        for i in ids:
            self.ids[i] = None
        for part in chunks(sorted(ids)):
            for row in self.s.scalars(select(IntakeId).where(IntakeId.id.in_(part))):
                self.ids[row.id] = row
        wanted = {r.contact_id for r in self.ids.values() if r is not None and r.contact_id is not None} - set(self.contacts)
        for part in chunks(sorted(wanted)):
            self.contacts.update(self.s.execute(select(Contact.id, Contact.email).where(Contact.id.in_(part))).all())

    def _whose(self, given: list[str]) -> str | None:
        for external in given:
            email = self._email(external)
            if email is not None:
                return email
        return None

    def _email(self, external: str) -> str | None:
        """Whom this id is, following aliases; None while nobody knows."""
        for _ in range(MAX_LINKS):
            if is_email(external):
                return identity(external)
            self._load({external})
            row = self.ids.get(external)
            if row is None:
                return None
            if row.contact_id is not None:
                return self.contacts.get(row.contact_id)
            if not row.same_as:
                return None
            external = row.same_as
        return None

    def _row(self, external: str) -> IntakeId:
        self._load({external})
        row = self.ids.get(external)
        if row is None:
            row = self.ids[external] = IntakeId(id=external)
            self.s.add(row)
        return row

    def _tie(self, external: str, to: str) -> None:
        """`external` is whoever `to` turns out to be (an alias, or both ids on one call)."""
        if external == to or is_email(external):
            return
        row = self._row(external)
        if row.contact_id is None and not row.same_as:
            row.same_as = to
            self._move_pending({external}, to)

    def _alias(self, previous: str, user: str) -> None:
        email = self._email(user) or self._email(previous)
        if email is None:
            self._tie(previous, user)
        else:
            self._join(previous, email)
            self._join(user, email)

    def _join(self, external: str, email: str) -> None:
        """The id, and every id tied to it, is this contact from now on: their waiting events are its."""
        if is_email(external):
            return
        known = self.ids.get(external)
        if known is not None and known.contact_id is not None and self.contacts.get(known.contact_id) == email:
            return                                            # joined already (a website sends both ids on every call)
        cid = self._contact(email)
        if cid is None:
            return                                            # erased on request: its events keep waiting
        tied, todo = set(), [external]
        while todo and len(tied) < 1000:
            i = todo.pop()
            if i in tied or is_email(i):
                continue
            tied.add(i)
            row = self._row(i)
            if row.contact_id is not None and row.contact_id != cid and i != external:
                continue                                      # someone else already: leave them be
            row.contact_id, row.same_as = cid, None
            todo.extend(self.s.scalars(select(IntakeId.id).where(IntakeId.same_as == i)))
            todo.extend(k for k, r in self.ids.items() if r is not None and r.same_as == i)
        self.s.flush()
        self._move_pending(tied, None, email)

    def _move_pending(self, ids: set[str], to: str | None, email: str | None = None) -> None:
        """The waiting events of these ids: now under the id `to`, or the contact's (`email`)."""
        waiting = [p for p in self.pending if p["external_id"] in ids]
        if to is not None:
            for p in waiting:
                p["external_id"] = to
            self.s.execute(update(PendingEvent).where(PendingEvent.external_id.in_(ids)).values(external_id=to))
            return
        self.pending = [p for p in self.pending if p["external_id"] not in ids]
        stored = self.s.execute(select(PendingEvent.type, PendingEvent.at, PendingEvent.properties)
                                .where(PendingEvent.external_id.in_(ids))).all()
        self.s.execute(delete(PendingEvent).where(PendingEvent.external_id.in_(ids)))
        joined = [Event(email, t, at, p) for t, at, p in stored] + [Event(email, p["type"], p["at"], p["properties"]) for p in waiting]
        self.events.extend(sorted(joined, key=lambda e: e.at))

    def _contact(self, email: str) -> int | None:
        found = self.s.scalar(select(Contact.id).where(Contact.email == email))
        if found is None:
            import_contacts(self.s, [{"email": email}], self.now)
            found = self.s.scalar(select(Contact.id).where(Contact.email == email))
        if found is not None:
            self.contacts[found] = email
        return found
