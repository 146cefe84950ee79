"""Pause, resume and turn off a published journey. Paused: none of its steps run and its messages
wait in the outbox; nobody new enters. Resumed: what fell due meanwhile runs once, in order. Off:
everyone on it leaves with the reason, its messages not yet handed over are dismissed, nobody
enters until it is turned on again. Each is kept, with who did it, in the journey's history."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from switchback.runtime.problems import InputError
from switchback.runtime.state import ACTIVE, EXITED
from switchback.runtime.store.models import (Contact, EnrollmentRow, JourneyControl, JourneyRow, JourneyVersion,
                                             OutboxRow, StepRow)

LIVE, PAUSED, OFF = "live", "paused", "off"
TURNED_OFF = "the journey was turned off"


@dataclass(frozen=True)
class Control:
    key: str
    action: str
    at: datetime
    by: str
    note: str | None


def _published(s: Session, key: str) -> JourneyRow:
    row = s.get(JourneyRow, key, with_for_update=s.bind.dialect.name != "sqlite")
    if row is None:
        raise InputError(key, "no such journey in the workspace")
    if s.scalar(select(JourneyVersion.id).where(JourneyVersion.key == key).limit(1)) is None:
        raise InputError(key, "is a draft that was never published: there is nothing running to control")
    return row


def _log(s: Session, row: JourneyRow, state: str, action: str, by: str, now: datetime, note: str | None) -> None:
    row.state = state
    s.add(JourneyControl(key=row.key, action=action, at=now, by=by, note=note))


def _wake(s: Session, key: str, now: datetime) -> int:
    """Contacts on the journey are due now: the scheduler looks at them again (and sees the change)."""
    ids = [i for (i,) in s.execute(select(EnrollmentRow.contact_id).where(EnrollmentRow.journey == key,
                                                                            EnrollmentRow.state == ACTIVE).distinct())]
    for start in range(0, len(ids), 500):
        part = ids[start:start + 500]
        s.execute(update(Contact).where(Contact.id.in_(part)).values(version=Contact.version + 1))
        s.execute(update(Contact).where(Contact.id.in_(part), (Contact.next_due.is_(None)) | (Contact.next_due > now))
                  .values(next_due=now))
    return len(ids)


def pause(s: Session, key: str, by: str, now: datetime, note: str | None = None) -> int:
    """Returns how many contacts are held where they are."""
    row = _published(s, key)
    if row.state != LIVE:
        raise InputError(key, f"is {row.state} already" if row.state == PAUSED else "is off: turn it on first")
    _log(s, row, PAUSED, "paused", by, now, note)
    return _wake(s, key, now)


def resume(s: Session, key: str, by: str, now: datetime, note: str | None = None) -> int:
    """Live again (a journey turned off is turned on: nobody who left comes back). Returns how many
    contacts go on from where they were held."""
    row = _published(s, key)
    if row.state == LIVE:
        raise InputError(key, "is running already")
    _log(s, row, LIVE, "resumed" if row.state == PAUSED else "turned on", by, now, note)
    return _wake(s, key, now)


def turn_off(s: Session, key: str, by: str, now: datetime, note: str | None = None) -> tuple[int, int]:
    """Everyone on the journey leaves it, with the reason in their trace; messages of it not handed
    over yet are dismissed. Returns (contacts that left, messages dismissed)."""
    row = _published(s, key)
    if row.state == OFF:
        raise InputError(key, "is off already")
    on = s.execute(select(EnrollmentRow.id, EnrollmentRow.contact_id, EnrollmentRow.node)
                   .where(EnrollmentRow.journey == key, EnrollmentRow.state == ACTIVE)).all()
    reason = f"{TURNED_OFF} by {by}" + (f": {note}" if note else "")
    left = _wake(s, key, now)
    s.execute(update(EnrollmentRow).where(EnrollmentRow.journey == key, EnrollmentRow.state == ACTIVE)
              .values(state=EXITED, ended_at=now, due=None))
    if on:
        s.execute(StepRow.__table__.insert(), [dict(contact_id=c, enrollment_id=e, journey=key, node=n, at=now,
                                                    what="exited", detail=reason) for e, c, n in on])
    dismissed = s.execute(update(OutboxRow).where(OutboxRow.journey == key, OutboxRow.status == "pending")
                          .values(status="dismissed", error=reason)).rowcount or 0
    _log(s, row, OFF, "turned off", by, now, note)
    return left, dismissed


def states(s: Session) -> dict[str, str]:
    """The journeys that are not live, by key."""
    return dict(s.execute(select(JourneyRow.key, JourneyRow.state).where(JourneyRow.state != LIVE)).all())


def paused(s: Session) -> list[str]:
    return [k for k, v in states(s).items() if v == PAUSED]


def controls(s: Session, key: str) -> list[Control]:
    """Newest first, like the versions beside them."""
    return [Control(r.key, r.action, r.at, r.by, r.note) for r in
            s.scalars(select(JourneyControl).where(JourneyControl.key == key).order_by(JourneyControl.at.desc(),
                                                                                       JourneyControl.id.desc()))]


def count(s: Session) -> int:
    """Grows with every control: the scheduler reloads its published journeys when it does."""
    return s.scalar(select(func.count(JourneyControl.id))) or 0
