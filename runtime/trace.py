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
