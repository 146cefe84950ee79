"""Reading and writing the workspace: contacts and events in, contact state to and from the engine,
journeys and their published versions, workspace settings."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from sys import intern
from typing import Any, Iterable, Sequence
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from switchback.nodes.durations import as_published
from switchback.nodes.outcomes import Did
from switchback.runtime import document, journey_controls
from switchback.runtime.published import PublishedJourneys, Published
from switchback.runtime.contacts import Event, identity, with_defaults
from switchback.runtime.document import Journey
from switchback.runtime.engine import WorkspaceRules
from switchback.runtime.erasure import barred
from switchback.runtime.problems import InputError
from switchback.runtime.settings import FrequencyCap, QuietHours
from switchback.runtime.state import ContactState, Enrollment
from switchback.runtime.store import bulk, versions
from switchback.runtime.store.models import (Contact, EnrollmentRow, EventRow, JourneyVersion, OutboxRow, Setting,
                                  StepRow)
from switchback.runtime.store.state_cache import StateCache
from switchback.runtime.store.versions import StaleDraft, save_draft  # noqa: F401  (drafts live in versions.py; callers find them here too)

CHUNK = 500


def chunks(items: list, size: int = CHUNK) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


# --- workspace settings ------------------------------------------------------------------------

def get_settings(s: Session) -> dict[str, Any]:
    return {row.key: row.value for row in s.scalars(select(Setting))}


def get_setting(s: Session, key: str) -> Any:
    row = s.get(Setting, key)
    return row.value if row is not None else None


def set_setting(s: Session, key: str, value: Any) -> None:
    s.merge(Setting(key=key, value=value))


def rules(s: Session) -> WorkspaceRules:
    values = get_settings(s)
    out = WorkspaceRules()
    if values.get("timezone"):
        out.timezone = ZoneInfo(values["timezone"])
    if values.get("quiet_hours"):
        out.quiet_hours = QuietHours.model_validate(values["quiet_hours"])
    if values.get("frequency_cap"):
        out.frequency_cap = FrequencyCap.model_validate(values["frequency_cap"])
    return out


# --- journeys ------------------------------------------------------------------------------------

def publish(s: Session, journey: Journey, now: datetime, by: str | None = None) -> int:
    """Publish without a note (versions.publish has the note and says why review held it back);
    the version, or InputError when review holds it back."""
    outcome = versions.publish(s, journey, now, by)
    if outcome.version is None:
        raise InputError(journey.key, outcome.missing)
    return outcome.version


def generation(s: Session) -> int:
    """Grows with every publish, pause, resume and turn-off; the scheduler reloads its published journeys when
    it changes."""
    return (s.scalar(select(func.count(JourneyVersion.id))) or 0) + journey_controls.count(s)


def published_journeys(s: Session) -> PublishedJourneys:
    rows = s.scalars(select(JourneyVersion).order_by(JourneyVersion.key, JourneyVersion.version))
    with as_published():
        return PublishedJourneys([Published(document.loads(r.document, f"{r.key} v{r.version}"), r.version) for r in rows],
                       journey_controls.states(s))


# --- contacts and events -------------------------------------------------------------------------

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


def record_events(s: Session, events: list[Event], now: datetime) -> int:
    """Record events for the scheduler; a contact not known yet is added with just its email."""
    by_email: dict[str, int] = {}
    emails = sorted({e.contact for e in events})
    for part in chunks(emails):
        by_email.update(dict(s.execute(select(Contact.email, Contact.id).where(Contact.email.in_(part))).all()))
    missing = [e for e in emails if e not in by_email]
    said: dict[str, dict[str, Any]] = {}
    for e in events:
        if e.contact in missing:
            said.setdefault(e.contact, {}).update(e.properties)
    refused = barred(s, said, now)
    missing = [e for e in missing if e not in refused]
    events = [e for e in events if e.contact not in refused]
    if missing:
        import_contacts(s, [{"email": e} for e in missing], now)
        for part in chunks(missing):
            by_email.update(dict(s.execute(select(Contact.email, Contact.id).where(Contact.email.in_(part))).all()))
    rows, due = [], {}
    for e in events:
        cid = by_email[e.contact]
        rows.append(dict(contact_id=cid, type=e.type, at=e.at, properties=e.properties, processed=False))
        due[cid] = min(due.get(cid, e.at), e.at)
    for part in chunks(rows):
        s.execute(EventRow.__table__.insert(), part)
    current = {}
    for part in chunks(list(due)):
        current.update(dict(s.execute(select(Contact.id, Contact.next_due).where(Contact.id.in_(part))).all()))
    moves = [dict(id=cid, next_due=at) for cid, at in due.items() if current[cid] is None or current[cid] > at]
    if moves:
        s.execute(update(Contact), moves)
    return len(rows)


def contact_id(s: Session, email: str) -> int | None:
    return s.scalar(select(Contact.id).where(Contact.email == identity(email)))


# --- contact state for the engine ----------------------------------------------------------------

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
                       "on_event", "on_time", "held", "ended_at", "error", "seq", "event")


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
                event=r.event, dirty=False, stored=True))
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
                     "seq", "event", "id")
_ENROLLMENT_WRITE = ("contact_id", "journey", "version", "entered_at", *_ENROLLMENT_MOVES)
_STEP_WRITE = ("contact_id", "enrollment_id", "journey", "node", "at", "what", "detail")
_OUTBOX_WRITE = ("key", "contact_id", "journey", "node", "channel", "connector", "to", "payload", "at", "status",
                 "attempts", "next_attempt")


def save(s: Session, batch: list[Loaded], now: datetime, generation: int) -> None:
    """Write back what the engine did, in the caller's transaction: state, step log and outbox
    together, so a crash keeps all of it or none. A contact's columns are written only when they
    changed: most visits move an enrollment along and touch nothing else of the contact."""
    contacts: dict[tuple[str, ...], list[tuple]] = {}
    new_enrollments, changed, steps, outbox, processed = [], [], [], [], []
    for item in batch:
        cs = item.state
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
                     e.error, e.seq, e.event, e.id)
            if e.stored:
                changed.append(moved)
            else:
                new_enrollments.append((item.id, e.journey, e.version, e.entered_at, *moved))
            e.dirty, e.stored = False, True
        steps += [(item.id, x.enrollment, x.journey, x.node, x.at, x.what, x.detail) for x in cs.log]
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
    if processed:
        s.execute(update(EventRow.__table__).where(bulk.among(s, EventRow.__table__.c.id, processed)).values(processed=True))


def cap_window(published: PublishedJourneys, rules: WorkspaceRules) -> timedelta | None:
    windows = [p.settings.frequency_cap.window for p in published.versions.values() if p.settings.frequency_cap]
    if rules.frequency_cap:
        windows.append(rules.frequency_cap.window)
    return max(windows) if windows else None


# --- CRM sync ------------------------------------------------------------------------------------

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
    latest: dict[str, dict[str, Any]] = {}
    for record in records:                               # the last version of a record in a page wins
        crm, email = record.get(id_field), record.get("email")
        if crm is None or not isinstance(email, str) or not _ADDRESS.match(email.strip()):
            out.skipped += 1
            continue
        latest[str(crm)] = dict(record, **{id_field: str(crm), "email": email.strip()})
    if not latest:
        return out
    c = Contact.__table__.c
    columns = (c.id, c.email, c.fields, c.next_due)
    by_id: dict[int, Any] = {}
    for part in chunks([known[k] for k in latest if k in known]):
        by_id.update({r.id: r for r in s.execute(select(*columns).where(c.id.in_(part)))})
    by_email: dict[str, Any] = {}
    for part in chunks(sorted({identity(r["email"]) for r in latest.values()})):
        by_email.update({r.email: r for r in s.execute(select(*columns).where(c.email.in_(part)))})
    rows = dict(by_id)
    rows.update({r.id: r for r in by_email.values()})
    current = _effective(rows, s)
    refused = barred(s, {identity(r["email"]): r for crm, r in latest.items()
                         if known.get(crm) not in by_id and identity(r["email"]) not in by_email}, now)

    new_rows: list[dict[str, Any]] = []
    new_crm: dict[str, str] = {}                          # email -> CRM id, for the rows added now
    events: list[dict[str, Any]] = []
    due: list[int] = []
    for crm, record in latest.items():
        email = identity(record["email"])
        row = by_id.get(known.get(crm, -1))
        if row is None:
            row = by_email.get(email)
            if row is not None:
                other = current[row.id].get(id_field)
                if other is not None and str(other) != crm:
                    out.conflicts.append(f"{id_field} {crm}: {email} is already the contact of {id_field} {other}; "
                                         f"not merged")
                    out.skipped += 1
                    continue
        if row is None:
            if email in refused:                          # erased on request, and no new consent
                out.skipped += 1
                continue
            if email in new_crm:
                out.conflicts.append(f"{id_field} {crm}: {email} is also the address of {id_field} {new_crm[email]}; "
                                     f"not added")
                out.skipped += 1
                continue
            new_crm[email] = crm
            fields = {k: v for k, v in record.items() if v is not None}
            new_rows.append(dict(email=email, fields=with_defaults(fields), timers=[], history={}, admitted=0,
                                 last_activity=now, next_due=now, created_at=now, updated_at=now))
            out.added += 1
            continue
        known[crm] = row.id
        fields = current[row.id]
        changes = {k: v for k, v in record.items() if fields.get(k) != v}
        direct: dict[str, Any] = {}
        if email != row.email:
            holder = s.scalar(select(c.id).where(c.email == email))
            if (holder is not None and holder != row.id) or email in new_crm:
                out.conflicts.append(f"{id_field} {crm}: its new address {email} already belongs to another contact; "
                                     f"{row.email} kept")
                changes.pop("email", None)
            else:
                direct["email"] = email
        if str(fields.get(id_field)) != crm:
            raw = dict(row.fields or {})
            raw[id_field] = crm
            direct["fields"] = raw
        if direct:
            s.execute(update(Contact.__table__).where(c.id == row.id).values(updated_at=now, version=c.version + 1, **direct))
        if not changes:
            out.unchanged += 1
            continue
        events.append(dict(contact_id=row.id, type="contact_updated", at=now, properties=changes, processed=False))
        if row.next_due is None or row.next_due > now:
            due.append(row.id)
        out.updated += 1
    if new_rows:
        s.execute(Contact.__table__.insert(), new_rows)
        for part in chunks(list(new_crm)):
            for cid, email in s.execute(select(c.id, c.email).where(c.email.in_(part))):
                known[new_crm[email]] = cid
    if events:
        s.execute(EventRow.__table__.insert(), events)
    for part in chunks(due):
        s.execute(update(Contact.__table__).where(c.id.in_(part)).values(next_due=now))
    return out


def journey_changes(s: Session, after: int, settled: datetime | None = None) -> tuple[list[int], int]:
    """Contacts whose fields a journey changed (an `updated` step with a journey) in steps newer than
    `after`, and the step id to continue from next time. CRM changes coming in are `updated` steps
    without a journey, so they are never sent back. With `settled`, the id to continue from is the
    newest step taken before that time: on PostgreSQL a step with a smaller id can still be
    committing while newer ones are visible, so the last minute or so is looked at again."""
    st = StepRow.__table__.c
    mine = (st.id > after, st.what == Did.UPDATED, st.journey.is_not(None))
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
