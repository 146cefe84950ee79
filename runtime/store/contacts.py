"""Contacts and their events, as imports and event feeds bring them in."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from switchback.runtime.contacts import Event, identity, with_defaults
from switchback.runtime.erasure import barred
from switchback.runtime.store.bulk import chunks, insert, rows_where_in, update_by_id
from switchback.runtime.store.models import Contact, EventRow, as_utc


@dataclass
class ImportResult:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    erased: int = 0            # erased on request and carrying no new consent: not added


def import_contacts(s: Session, contacts: list[dict[str, Any]], now: datetime) -> ImportResult:
    """New contacts are added; a known one (by email, any case) gets a `contact_updated` event with
    what changed, so triggers, exits and goals react to it when the scheduler runs."""
    result = ImportResult()
    for part in chunks(contacts):
        emails = [identity(c["email"]) for c in part]
        known = {row.email: row for row in s.scalars(select(Contact).where(Contact.email.in_(emails)))}
        refused = barred(s, {e: f for f, e in zip(part, emails) if e not in known}, now)
        new_rows, events = [], []
        for fields, email in zip(part, emails):
            row = known.get(email)
            if email in refused:
                result.erased += 1
                continue
            if row is None:
                new_rows.append(dict(email=email, fields=with_defaults(fields), timers=[], history={}, admitted=0,
                                     last_activity=now, next_due=now, created_at=now, updated_at=now))
                result.added += 1
                continue
            current = row.fields
            changes = {k: v for k, v in fields.items() if current.get(k) != v}
            if not changes:
                result.unchanged += 1
                continue
            events.append(dict(contact_id=row.id, type="contact_updated", at=now, properties=changes, processed=False))
            row.next_due = now if row.next_due is None or row.next_due > now else row.next_due
            result.updated += 1
        if new_rows:
            s.execute(Contact.__table__.insert(), new_rows)
        if events:
            s.execute(EventRow.__table__.insert(), events)
    return result


def record_events(s: Session, events: list[Event], now: datetime, processed: bool = False) -> int:
    """Record events for the scheduler; a contact not known yet is added with just its email.
    `processed`: history only (what a CRM's first sync reads), no journey reacts to it. The intake
    server calls this for every batch it acknowledges, so it runs few statements, each the same
    whatever the batch's size, with the rows straight through the driver."""
    known: dict[str, tuple[int, datetime | None]] = {}
    emails = sorted({e.contact for e in events})

    def look_up(wanted: list[str]) -> None:
        for part in chunks(wanted):
            found = rows_where_in(s, Contact.__table__, ("email", "id", "next_due"), "email", part)
            known.update((email, (cid, as_utc(due))) for email, cid, due in found)
    look_up(emails)
    missing = [e for e in emails if e not in known]
    said: dict[str, dict[str, Any]] = {}
    if missing:
        absent = set(missing)
        for e in events:
            if e.contact in absent:
                said.setdefault(e.contact, {}).update(e.properties)
    refused = barred(s, said, now)
    missing = [e for e in missing if e not in refused]
    if refused:
        events = [e for e in events if e.contact not in refused]
    if missing:
        import_contacts(s, [{"email": e} for e in missing], now)
        look_up(missing)
    rows, due = [], {}
    for e in events:
        cid = known[e.contact][0]
        rows.append((cid, e.type, e.at, e.properties, processed))
        if not processed:
            due[cid] = min(due.get(cid, e.at), e.at)
    for part in chunks(rows):
        insert(s, EventRow.__table__, part, ("contact_id", "type", "at", "properties", "processed"))
    current = {cid: at for cid, at in known.values()}
    moves = [(at, cid) for cid, at in due.items() if current[cid] is None or current[cid] > at]
    update_by_id(s, Contact.__table__, moves, ("next_due", "id"))
    return len(rows)


def contact_id(s: Session, email: str) -> int | None:
    return s.scalar(select(Contact.id).where(Contact.email == identity(email)))
