"""A page of CRM activity kept: deals' stages as events and fields, form submissions as events,
contacts deleted in the CRM leaving their journeys, merged ones folded into the contact they were
merged into (one history: their events, steps, messages and places in journeys move over)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from switchback.runtime.contacts import Event
from switchback.runtime.state import ACTIVE, EXITED
from switchback.runtime.store.bulk import chunks
from switchback.runtime.store.contacts import record_events
from switchback.runtime.store.crm_models import CrmCursor, CrmDeal
from switchback.runtime.store.models import Contact, EnrollmentRow, EventRow, OutboxRow, StepRow

DELETED = "deleted in CRM"
STAGE_CHANGED, FORM_SUBMITTED, UPDATED = "deal_stage_changed", "form_submitted", "contact_updated"


@dataclass
class Kept:
    events: int = 0
    history: int = 0
    left: int = 0
    merged: int = 0
    lines: list[str] = field(default_factory=list)


def cursor(s: Session, connector: str, stream: str) -> tuple[str | None, bool]:
    row = s.get(CrmCursor, (connector, stream))
    return (row.cursor, row.live) if row else (None, False)


def set_cursor(s: Session, connector: str, stream: str, value: str | None, live: bool, now: datetime,
               keep_cursor: bool = False) -> None:
    row = s.get(CrmCursor, (connector, stream))
    if row is None:
        s.add(CrmCursor(connector=connector, stream=stream, cursor=value, live=live, at=now))
        return
    if not keep_cursor:
        row.cursor = value
    row.live, row.at = live, now


def keep(s: Session, connector: str, id_field: str, page: Any, live: bool, known: dict[str, int],
         now: datetime) -> Kept:
    out = Kept()
    if page.merged:
        _merges(s, page.merged, known, now, out)
    if page.deleted:
        _deleted(s, [known[c] for c in page.deleted if c in known], now, out)
    if page.deals:
        _deals(s, connector, id_field, page.deals, live, known, now, out)
    if page.submissions:
        events = [Event(contact=x.email, type=FORM_SUBMITTED, at=x.at,
                        properties={"form": x.form, "form_id": x.form_id, "page_url": x.page_url, **x.fields})
                  for x in page.submissions]
        n = record_events(s, events, now, processed=not live)
        if live:
            out.events += n
        else:
            out.history += n
    return out


def _due(s: Session, ids: list[int], now: datetime) -> None:
    """The scheduler looks at these contacts again (their cached state is stale)."""
    c = Contact.__table__.c
    for part in chunks(sorted(set(ids))):
        s.execute(update(Contact.__table__).where(c.id.in_(part)).values(version=c.version + 1))
        s.execute(update(Contact.__table__).where(c.id.in_(part), (c.next_due.is_(None)) | (c.next_due > now))
                  .values(next_due=now))


def _deals(s: Session, connector: str, id_field: str, deals: list, live: bool, known: dict[str, int],
           now: datetime, out: Kept) -> None:
    old = {}
    for part in chunks([d.id for d in deals]):
        old.update({r.deal: r for r in s.scalars(select(CrmDeal).where(CrmDeal.connector == connector,
                                                                       CrmDeal.deal.in_(part)))})
    events, direct = [], {}
    for d in deals:
        before = old.get(d.id)
        was = (before.stage, before.amount) if before is not None else None
        if before is None:
            s.add(CrmDeal(connector=connector, deal=d.id, pipeline=d.pipeline, stage=d.stage, amount=d.amount,
                          contacts=d.contacts, updated_at=now))
        else:
            before.pipeline, before.stage, before.amount, before.contacts = d.pipeline, d.stage, d.amount, d.contacts
            before.updated_at = now
        if not d.contacts:
            out.lines.append(f"deal {d.id} ({d.name or 'no name'}): no associated contact; kept, no event")
            continue
        ours = [known[c] for c in d.contacts if c in known]
        missing = [c for c in d.contacts if c not in known]
        if missing:
            out.lines.append(f"deal {d.id} ({d.name or 'no name'}): {id_field} {', '.join(missing[:5])} not in the "
                             f"workspace yet; no event for {'it' if len(missing) == 1 else 'them'}")
        values = {"deal_stage": d.stage, "deal_amount": d.amount}
        if not live:
            for cid in ours:
                direct.setdefault(cid, {}).update(values)
            continue
        moved = was is None or was[0] != d.stage
        changed = {k: v for k, v in values.items() if was is None or v != (was[0] if k == "deal_stage" else was[1])}
        for cid in ours:
            if moved:
                events.append(dict(contact_id=cid, type=STAGE_CHANGED, at=now, processed=False, properties={
                    "deal": d.id, "deal_name": d.name, "pipeline": d.pipeline, "stage": d.stage,
                    "from_stage": was[0] if was else None, "stage_label": d.stage_label,
                    "amount": d.amount, "close_date": d.close_date}))
            if changed:
                events.append(dict(contact_id=cid, type=UPDATED, at=now, processed=False, properties=changed))
    if direct:
        c = Contact.__table__.c
        for cid, fields in s.execute(select(c.id, c.fields).where(c.id.in_(list(direct)))).all():
            s.execute(update(Contact.__table__).where(c.id == cid)
                      .values(fields={**(fields or {}), **direct[cid]}, version=c.version + 1, updated_at=now))
    for part in chunks(events):
        s.execute(EventRow.__table__.insert(), part)
    out.events += sum(1 for e in events if e["type"] == STAGE_CHANGED)
    _due(s, [e["contact_id"] for e in events], now)


def leave_journeys(s: Session, contact_ids: list[int], reason: str, now: datetime) -> int:
    """These contacts leave every journey they are on, with the reason in their trace; their
    messages not handed over yet are dismissed. Returns how many left."""
    e = EnrollmentRow.__table__.c
    on = s.execute(select(e.id, e.contact_id, e.journey, e.node)
                   .where(e.contact_id.in_(contact_ids), e.state == ACTIVE)).all() if contact_ids else []
    if not on:
        return 0
    s.execute(update(EnrollmentRow.__table__).where(e.id.in_([r.id for r in on]))
              .values(state=EXITED, ended_at=now, due=None))
    s.execute(StepRow.__table__.insert(), [dict(contact_id=r.contact_id, enrollment_id=r.id, journey=r.journey,
                                                node=r.node, at=now, what="exited", detail=reason) for r in on])
    s.execute(update(OutboxRow).where(OutboxRow.contact_id.in_(contact_ids), OutboxRow.status == "pending")
              .values(status="dismissed", error=reason))
    _due(s, [r.contact_id for r in on], now)
    return len({r.contact_id for r in on})


def _deleted(s: Session, ids: list[int], now: datetime, out: Kept) -> None:
    out.left += leave_journeys(s, ids, DELETED, now)


def _merges(s: Session, merges: list[tuple[str, list[str]]], known: dict[str, int], now: datetime, out: Kept) -> None:
    for into, others in merges:
        winner = known.get(into)
        if winner is None:
            out.lines.append(f"contact {into}: merged in the CRM but not in the workspace yet; merge left for later")
            continue
        for other in others:
            loser = known.get(other)
            if loser is None or loser == winner:
                continue
            fold(s, loser, winner, now)
            known.pop(other, None)
            out.merged += 1


def fold(s: Session, loser: int, winner: int, now: datetime) -> None:
    """The contact `loser` continues as `winner`: one history. Where both are on the same journey,
    the winner's place is kept and the other leaves, saying why."""
    e = EnrollmentRow.__table__.c
    theirs = set(s.scalars(select(e.journey).where(e.contact_id == winner, e.state == ACTIVE)))
    twice = [r for r in s.execute(select(e.id, e.journey, e.node).where(e.contact_id == loser, e.state == ACTIVE))
             if r.journey in theirs]
    win = s.get(Contact, winner)
    lose = s.get(Contact, loser)
    if twice:
        s.execute(update(EnrollmentRow.__table__).where(e.id.in_([r.id for r in twice]))
                  .values(state=EXITED, ended_at=now, due=None))
        s.execute(StepRow.__table__.insert(), [dict(contact_id=loser, enrollment_id=r.id, journey=r.journey,
                                                    node=r.node, at=now, what="exited",
                                                    detail=f"merged in CRM into {win.email}, already on this journey")
                                               for r in twice])
    for table in (EventRow, StepRow, OutboxRow, EnrollmentRow):
        s.execute(update(table).where(table.contact_id == loser).values(contact_id=winner))
    history = dict(win.history or {})
    for kind, times in (lose.history or {}).items():
        history[kind] = sorted(set(history.get(kind, [])) | set(times))
    win.fields = {**(lose.fields or {}), **(win.fields or {})}
    win.timers = list(win.timers or []) + [t for t in (lose.timers or []) if t not in (win.timers or [])]
    win.history = history
    s.add(StepRow(contact_id=winner, journey=None, node=None, at=now, what="merged",
                  detail=f"{lose.email} was merged into this contact in the CRM; its history continues here"))
    s.flush()
    s.execute(delete(Contact).where(Contact.id == loser))
    _due(s, [winner], now)
