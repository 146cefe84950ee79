"""A contact's timeline, as `switchback trace` prints it: every step, message, skip and its reason."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from switchback.nodes.outcomes import Did
from switchback.runtime.store import repository as repo
from switchback.runtime.store.models import Delivery, OutboxRow, StepRow

# A message's line says exactly what became of it: `recorded` when nothing left this machine (no
# connector), `sent` once a provider or server took it, `delivered` once the provider reported delivery.
STATUS = {"pending": "queued", "sending": "sending", "sent": "sent", "delivered": "delivered", "failed": "failed", "uncertain": "uncertain",
          "dismissed": "dismissed"}


def timeline(s: Session, email: str) -> list[str] | None:
    cid = repo.contact_id(s, email)
    if cid is None:
        return None
    steps = s.scalars(select(StepRow).where(StepRow.contact_id == cid).order_by(StepRow.at, StepRow.id)).all()
    outbox = {(m.journey, m.node, m.at): m for m in s.scalars(select(OutboxRow).where(OutboxRow.contact_id == cid))}
    keys = [m.key for m in outbox.values() if m.status == "sent"]
    recorded = set(s.scalars(select(Delivery.key).where(Delivery.key.in_(keys)))) if keys else set()
    lines = []
    for step in steps:
        where = f"{step.journey}/{step.node}" if step.journey and step.node else (step.journey or step.node or "-")
        what, detail = step.what, step.detail
        if step.what == Did.SENT:
            m = outbox.get((step.journey, step.node, step.at))
            if m is not None:
                what = "recorded" if m.key in recorded else STATUS.get(m.status, m.status)
                if m.status in ("sent", "delivered") and m.sent_at:
                    detail += f" at {m.sent_at:%Y-%m-%d %H:%M:%S}"
                if what == "recorded":
                    detail += " (no connector: nothing left this machine)"
                elif m.error:
                    detail += f": {m.error}"
        lines.append(f"{step.at:%Y-%m-%d %H:%M} UTC  {where:<32} {what:<10} {detail}".rstrip())
    return lines


def as_object(s: Session, email: str) -> dict | None:
    """What `trace` shows as one object (SPEC 12), for tools and tests."""
    from switchback.runtime.clock import iso
    from switchback.runtime.contacts import jsonable
    from switchback.runtime.store.models import Contact, EnrollmentRow, EventRow
    cid = repo.contact_id(s, email)
    if cid is None:
        return None
    contact = s.get(Contact, cid)
    fields = contact.fields or {}
    journeys = []
    for e in s.scalars(select(EnrollmentRow).where(EnrollmentRow.contact_id == cid).order_by(EnrollmentRow.entered_at)):
        item = {"journey": e.journey, "version": e.version, "state": e.state, "node": e.node,
                "entered_at": iso(e.entered_at)}
        marks = e.marks or {}
        if marks.get("v"):
            item["variant"] = dict(marks["v"])
        if marks.get("h"):
            item["held_out"] = True
        journeys.append(item)
    events = s.scalars(select(EventRow).where(EventRow.contact_id == cid).order_by(EventRow.at, EventRow.id)).all()
    engaged: dict[tuple[int, str], bool] = {}
    for ev in events:
        message = (ev.properties or {}).get("message")
        if message is not None and ev.type in ("email_opened", "email_clicked"):
            engaged[(message, ev.type)] = True
    steps = s.scalars(select(StepRow).where(StepRow.contact_id == cid).order_by(StepRow.at, StepRow.id)).all()
    messages = []
    for m in s.scalars(select(OutboxRow).where(OutboxRow.contact_id == cid).order_by(OutboxRow.at, OutboxRow.id)):
        item = {"id": m.id, "at": iso(m.at), "journey": m.journey, "node": m.node, "channel": m.channel,
                "status": STATUS.get(m.status, m.status)}
        if m.channel == "email":
            item["opened"] = engaged.get((m.id, "email_opened"), False)
            item["clicked"] = engaged.get((m.id, "email_clicked"), False)
        messages.append(item)
    return {"contact": jsonable(fields),
            "consent": {"email": fields.get("consent_email", "unknown"), "sms": fields.get("consent_sms", "unknown")},
            "journeys": journeys,
            "events": [{"type": ev.type, "at": iso(ev.at), "properties": jsonable(ev.properties or {})} for ev in events],
            "timeline": [{"at": iso(x.at), "journey": x.journey, "node": x.node, "what": x.what, "note": x.detail}
                         for x in steps],
            "messages": messages}
