"""Contacts as a CRM knows them: pages of records merged in, and the changes journeys made, sent back."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from switchback.runtime.contacts import identity, with_defaults
from switchback.runtime.erasure import barred
from switchback.runtime.store.bulk import chunks
from switchback.runtime.store.models import Contact, EventRow, StepRow


_ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+$")


@dataclass
class CrmMerge:
    """What one page of CRM records did to the contacts."""
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0                                   # no CRM id or no usable email address
    conflicts: list[str] = field(default_factory=list)  # one line each, for the person running the sync


def crm_ids(s: Session, id_field: str) -> dict[str, int]:
    """CRM record id -> contact id, for every contact linked to that CRM. One pass over the table,
    so a sync can match each page by id without a JSON index."""
    value = Contact.fields[id_field].as_string()
    return {str(crm): cid for cid, crm in s.execute(select(Contact.id, value).where(value.is_not(None)))}


def _effective(rows: dict[int, Any], s: Session) -> dict[int, dict[str, Any]]:
    """Each contact's fields as they will be once its pending `contact_updated` events are applied:
    a sync compares with these, so a change already on its way is not sent twice."""
    out = {cid: dict(row.fields) for cid, row in rows.items()}
    ev = EventRow.__table__.c
    for part in chunks(list(rows)):
        q = (select(ev.contact_id, ev.properties)
             .where(ev.contact_id.in_(part), ev.processed.is_(False), ev.type == "contact_updated")
             .order_by(ev.at, ev.id))
        for cid, properties in s.execute(q):
            out[cid].update(properties or {})
    return out


def merge_crm_contacts(s: Session, records: list[dict[str, Any]], id_field: str, now: datetime,
                       known: dict[str, int]) -> CrmMerge:
    """Bring one page of CRM records in. A record is matched by its CRM id first (`known`, which this
    keeps up to date), then by email, any case; a new one is added. What changed on a known contact
    becomes a `contact_updated` event, so triggers, exits and goals see it; a `None` value clears a
    field. A changed address moves the contact's identity (the email column) at once, unless another
    contact already has that address: that, and an address two CRM records share, is a conflict,
    reported and otherwise left alone. The CRM id itself is written straight into the contact's
    fields as well, so the next page and the next sync find it even before the scheduler runs."""
    out = CrmMerge()
    latest = _latest(records, id_field, out)
    if not latest:
        return out
    page = _Page(s, id_field, now, out)
    page.find(latest, known)
    for crm, record in latest.items():
        row = page.match(crm, record, known)
        if row is None:
            page.add(crm, record)
        elif row is not _CONFLICT:
            known[crm] = row.id
            page.update(crm, record, row)
    page.write(known)
    return out


_CONFLICT = object()          # a record matched no contact it may be merged into


def _latest(records: list[dict[str, Any]], id_field: str, out: CrmMerge) -> dict[str, dict[str, Any]]:
    """CRM id -> record, the last version of a record in a page winning; those without an id or a
    usable address counted as skipped."""
    latest: dict[str, dict[str, Any]] = {}
    for record in records:
        crm, email = record.get(id_field), record.get("email")
        if crm is None or not isinstance(email, str) or not _ADDRESS.match(email.strip()):
            out.skipped += 1
            continue
        latest[str(crm)] = dict(record, **{id_field: str(crm), "email": email.strip()})
    return latest


class _Page:
    """One page's merge: the contacts it may touch, read once, and the rows and events it writes."""

    def __init__(self, s: Session, id_field: str, now: datetime, out: CrmMerge):
        self.s, self.id_field, self.now, self.out = s, id_field, now, out
        self.by_id: dict[int, Any] = {}
        self.by_email: dict[str, Any] = {}
        self.current: dict[int, dict[str, Any]] = {}
        self.refused: set[str] = set()                    # erased on request, and no new consent
        self.new_rows: list[dict[str, Any]] = []
        self.new_crm: dict[str, str] = {}                 # email -> CRM id, for the rows added now
        self.events: list[dict[str, Any]] = []
        self.due: list[int] = []

    def find(self, latest: dict[str, dict[str, Any]], known: dict[str, int]) -> None:
        """Read the contacts the page names, by CRM id and by address, with their effective fields."""
        c = Contact.__table__.c
        columns = (c.id, c.email, c.fields, c.next_due)
        for part in chunks([known[k] for k in latest if k in known]):
            self.by_id.update({r.id: r for r in self.s.execute(select(*columns).where(c.id.in_(part)))})
        for part in chunks(sorted({identity(r["email"]) for r in latest.values()})):
            self.by_email.update({r.email: r for r in self.s.execute(select(*columns).where(c.email.in_(part)))})
        rows = dict(self.by_id)
        rows.update({r.id: r for r in self.by_email.values()})
        self.current = _effective(rows, self.s)
        self.refused = barred(self.s, {identity(r["email"]): r for crm, r in latest.items()
                                       if known.get(crm) not in self.by_id and identity(r["email"]) not in self.by_email},
                              self.now)

    def match(self, crm: str, record: dict[str, Any], known: dict[str, int]) -> Any:
        """The contact a record is: by CRM id, else by address unless that contact is another
        record's (a conflict); None for a new one."""
        row = self.by_id.get(known.get(crm, -1))
        if row is not None:
            return row
        email = identity(record["email"])
        row = self.by_email.get(email)
        if row is not None:
            other = self.current[row.id].get(self.id_field)
            if other is not None and str(other) != crm:
                return self._conflict(f"{self.id_field} {crm}: {email} is already the contact of {self.id_field} "
                                      f"{other}; not merged")
        return row

    def add(self, crm: str, record: dict[str, Any]) -> None:
        email = identity(record["email"])
        if email in self.refused:
            self.out.skipped += 1
            return
        if email in self.new_crm:
            self._conflict(f"{self.id_field} {crm}: {email} is also the address of {self.id_field} "
                           f"{self.new_crm[email]}; not added")
            return
        self.new_crm[email] = crm
        fields = {k: v for k, v in record.items() if v is not None}
        now = self.now
        self.new_rows.append(dict(email=email, fields=with_defaults(fields), timers=[], history={}, admitted=0,
                                  last_activity=now, next_due=now, created_at=now, updated_at=now))
        self.out.added += 1

    def update(self, crm: str, record: dict[str, Any], row: Any) -> None:
        """What changed becomes an event; a new address and the CRM id are written at once."""
        c, now = Contact.__table__.c, self.now
        email = identity(record["email"])
        fields = self.current[row.id]
        changes = {k: v for k, v in record.items() if fields.get(k) != v}
        direct: dict[str, Any] = {}
        if email != row.email:
            holder = self.s.scalar(select(c.id).where(c.email == email))
            if (holder is not None and holder != row.id) or email in self.new_crm:
                self.out.conflicts.append(f"{self.id_field} {crm}: its new address {email} already belongs to "
                                          f"another contact; {row.email} kept")
                changes.pop("email", None)
            else:
                direct["email"] = email
        if str(fields.get(self.id_field)) != crm:
            raw = dict(row.fields or {})
            raw[self.id_field] = crm
            direct["fields"] = raw
        if direct:
            self.s.execute(update(Contact.__table__).where(c.id == row.id)
                           .values(updated_at=now, version=c.version + 1, **direct))
        if not changes:
            self.out.unchanged += 1
            return
        self.events.append(dict(contact_id=row.id, type="contact_updated", at=now, properties=changes, processed=False))
        if row.next_due is None or row.next_due > now:
            self.due.append(row.id)
        self.out.updated += 1

    def write(self, known: dict[str, int]) -> None:
        """The new contacts (their ids into `known`), the events, and the contacts now due."""
        c = Contact.__table__.c
        if self.new_rows:
            self.s.execute(Contact.__table__.insert(), self.new_rows)
            for part in chunks(list(self.new_crm)):
                for cid, email in self.s.execute(select(c.id, c.email).where(c.email.in_(part))):
                    known[self.new_crm[email]] = cid
        if self.events:
            self.s.execute(EventRow.__table__.insert(), self.events)
        for part in chunks(self.due):
            self.s.execute(update(Contact.__table__).where(c.id.in_(part)).values(next_due=self.now))

    def _conflict(self, line: str) -> object:
        self.out.conflicts.append(line)
        self.out.skipped += 1
        return _CONFLICT


def journey_changes(s: Session, after: int, settled: datetime | None = None) -> tuple[list[int], int]:
    """Contacts whose fields a journey changed (an `updated` step with a journey) in steps newer than
    `after`, and the step id to continue from next time. CRM changes coming in are `updated` steps
    without a journey, so they are never sent back. With `settled`, the id to continue from is the
    newest step taken before that time: on PostgreSQL a step with a smaller id can still be
    committing while newer ones are visible, so the last minute or so is looked at again."""
    st = StepRow.__table__.c
    mine = (st.id > after, st.what == "updated", st.journey.is_not(None))
    found = s.execute(select(st.contact_id, func.max(st.id)).where(*mine).group_by(st.contact_id)).all()
    if settled is None:
        newest = max((m for _, m in found), default=after)
    else:
        newest = s.scalar(select(func.max(st.id)).where(*mine, st.at <= settled)) or after
    return [cid for cid, _ in found], newest


def crm_values(s: Session, contact_ids: list[int], id_field: str, names: tuple[str, ...]) -> list[tuple[str, dict[str, Any]]]:
    """(CRM id, {field: value}) for those of the contacts linked to the CRM, with the named fields they have."""
    out = []
    c = Contact.__table__.c
    for part in chunks(contact_ids):
        for (raw,) in s.execute(select(c.fields).where(c.id.in_(part)).order_by(c.id)):
            fields = raw or {}
            crm = fields.get(id_field)
            if crm is None:
                continue
            values = {n: fields[n] for n in names if fields.get(n) is not None}
            if values:
                out.append((str(crm), values))
    return out
