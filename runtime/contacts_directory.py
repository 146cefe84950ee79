"""The workspace's contacts as a person browses them: found by a few letters of an address, a name
or a company; each with its consent and the journeys it is in; enrolled by hand; unsubscribed.

Changes go in as events (`contact_updated`, the enrollment event), as the command line's do, so
the scheduler acts on them in order, they survive a crash, and journeys react to them."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select

from switchback.runtime import engine_inputs, sandbox
from switchback.runtime.published import PublishedJourneys
from switchback.runtime.contacts import Event, identity
from switchback.runtime.engine import ENROLL_EVENT
from switchback.runtime.problems import InputError
from switchback.runtime.store import repository as repo
from switchback.runtime.store.models import Contact, EnrollmentRow
from switchback.runtime.store.workspace import Store
from switchback.runtime.state import ACTIVE

SHOWN = 200                          # rows a search returns; the count says how many matched in all


@dataclass
class ContactSummary:
    email: str
    name: str
    company: str
    stage: str
    consent_email: str
    consent_sms: str
    journeys: list[str]              # the journeys it is in now


def find(store: Store, text: str = "", limit: int = SHOWN, consent: str | None = None,
         journey: str | None = None) -> tuple[list[ContactSummary], int]:
    """Contacts whose address, first or last name or company contains `text` (any case), and how
    many matched in all; only those whose email consent is `consent` (unknown: none given), and
    those in `journey` now, when given."""
    needle = f"%{text.strip().lower()}%"
    where = [] if not text.strip() else [or_(
        Contact.email.like(needle),
        *[func.lower(Contact.fields[f].as_string()).like(needle) for f in ("first_name", "last_name", "company")])]
    if consent:
        given = Contact.fields["consent_email"].as_string()
        where.append(or_(given.is_(None), given == "unknown") if consent == "unknown" else given == consent)
    if journey:
        where.append(Contact.id.in_(select(EnrollmentRow.contact_id).where(EnrollmentRow.journey == journey,
                                                                            EnrollmentRow.state == ACTIVE)))
    with store.session() as s:
        total = s.scalar(select(func.count(Contact.id)).where(*where)) or 0
        rows = list(s.execute(select(Contact.id, Contact.email, Contact.fields).where(*where)
                              .order_by(Contact.email).limit(limit)))
        active: dict[int, list[str]] = {}
        if rows:
            for cid, journey in s.execute(select(EnrollmentRow.contact_id, EnrollmentRow.journey).where(
                    EnrollmentRow.contact_id.in_([r.id for r in rows]), EnrollmentRow.state == ACTIVE)):
                active.setdefault(cid, []).append(journey)
    out = []
    for cid, email, fields in rows:
        f = fields or {}
        name = " ".join(str(f[k]) for k in ("first_name", "last_name") if f.get(k))
        out.append(ContactSummary(email, name, str(f.get("company") or ""), str(f.get("lifecycle_stage") or ""),
                                  str(f.get("consent_email") or "unknown"), str(f.get("consent_sms") or "unknown"),
                                  sorted(active.get(cid, []))))
    return out, total


def journeys(store: Store) -> list[tuple[str, str]]:
    """(key, name) of the published journeys, which contacts may be in."""
    with store.session() as s:
        published: PublishedJourneys = engine_inputs.published_journeys(s)
    return sorted((p.key, p.journey.name) for p in published.current.values())


def enrollable(store: Store) -> list[tuple[str, str]]:
    """(key, name) of the published journeys a person may enroll contacts in by hand."""
    with store.session() as s:
        published: PublishedJourneys = engine_inputs.published_journeys(s)
    return sorted((p.key, p.journey.name) for p in published.current.values() if p.by_hand())


def enroll(store: Store, key: str, now: datetime, emails: list[str] | None = None, where: str | None = None) -> int:
    """Queue the enrollment in `key` now of these contacts, or of those meeting `where`. An
    enrollment is an event the scheduler acts on, so it is logged and survives a crash. All or
    nothing: an unknown address, or a condition that fails on some contact, enrolls no one."""
    if bool(emails) == bool(where):
        raise InputError("enroll", "give either email addresses or --where CONDITION")
    if where and (problem := sandbox.check(where, "condition")):
        raise InputError("--where", f"condition {problem}")
    with store.session() as s:
        if engine_inputs.published_journeys(s).current.get(key) is None:
            raise InputError(key, "no published journey has this key")
        chosen = []
        for email in emails or []:
            if repo.contact_id(s, email) is None:
                raise InputError(email, "no such contact in the workspace")
            chosen.append(identity(email))
        if where:
            for email, fields in s.execute(select(Contact.email, Contact.fields)):
                try:
                    if sandbox.evaluate(where, {"contact": sandbox.Fields(fields)}):
                        chosen.append(email)
                except sandbox.RunError as e:
                    raise InputError("--where", f"{email}: {e}") from None
        repo.record_events(s, [Event(email, ENROLL_EVENT, now, {"journey": key}) for email in chosen], now)
    return len(chosen)


def unsubscribe(store: Store, email: str, channel: str, now: datetime) -> None:
    """The contact's consent on `channel` (email or sms) becomes `unsubscribed`, as an event that
    takes effect on every journey at once (SPEC section 4)."""
    if channel not in ("email", "sms"):
        raise InputError(channel, "a channel is email or sms")
    with store.session() as s:
        if repo.contact_id(s, email) is None:
            raise InputError(email, "no such contact in the workspace")
        repo.record_events(s, [Event(identity(email), "contact_updated", now, {f"consent_{channel}": "unsubscribed"})], now)
