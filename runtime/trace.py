"""A contact's timeline, as `switchback trace` prints it: every step, message, skip and its reason."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from runtime.store import repository as repo
from runtime.store.models import OutboxRow, StepRow

DELIVERY = {"pending": "queued", "sending": "being handed over", "sent": "delivered", "failed": "FAILED",
            "uncertain": "UNCERTAIN"}


def timeline(s: Session, email: str) -> list[str] | None:
    cid = repo.contact_id(s, email)
    if cid is None:
        return None
    steps = s.scalars(select(StepRow).where(StepRow.contact_id == cid).order_by(StepRow.at, StepRow.id)).all()
    outbox = {(m.journey, m.node, m.at): m for m in s.scalars(select(OutboxRow).where(OutboxRow.contact_id == cid))}
    lines = []
    for step in steps:
        where = f"{step.journey}/{step.node}" if step.journey and step.node else (step.journey or step.node or "-")
        detail = step.detail
        if step.what == "sent":
            m = outbox.get((step.journey, step.node, step.at))
            if m is not None:
                state = DELIVERY.get(m.status, m.status)
                if m.status == "sent" and m.sent_at:
                    state += f" {m.sent_at:%Y-%m-%d %H:%M:%S}"
                if m.error:
                    state += f": {m.error}"
                detail += f" [{state}]"
        lines.append(f"{step.at:%Y-%m-%d %H:%M} UTC  {where:<32} {step.what:<10} {detail}".rstrip())
    return lines
