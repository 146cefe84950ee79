"""Engagement events (SPEC 11): what became of a message after it left — delivered, opened,
clicked, bounced, complained, unsubscribed — recorded on the message's contact as events the
journeys react to, by the tracking routes, the provider webhooks and the providers' event pulls
alike. A hard bounce, a complaint or an unsubscribe also stops all email to that address."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import and_, delete, select, update

from switchback.runtime.contacts import Event
from switchback.runtime.store import repository as repo
from switchback.runtime.store.models import Contact, EventRow, OutboxRow, StepRow
from switchback.runtime.store.provider_models import SuppressionRow
from switchback.runtime.store.workspace import Store

TYPES = ("email_delivered", "email_opened", "email_clicked", "email_bounced", "email_complained",
         "email_unsubscribed", "sms_delivered", "sms_failed")


def stops_email(type: str, properties: dict[str, Any]) -> bool:
    return type in ("email_unsubscribed", "email_complained") or (
        type == "email_bounced" and properties.get("kind") == "hard")


def record_engagement(store: Store, message_id: int, type: str, properties: dict[str, Any], at: datetime) -> bool:
    """Record `type` for outbox message `message_id` on its contact, with `journey`, `node` and
    `message` added to `properties`; False (nothing recorded) when the workspace has no such
    message. See `record_in`."""
    with store.session() as s:
        return record_in(s, message_id, type, properties, at)


def record_in(s, message_id: int, type: str, properties: dict[str, Any], at: datetime) -> bool:
    """`record_engagement` inside the caller's transaction. An open after the message's first is
    kept as an event with `first` false, so the first open counts as the open. One that stops email
    sets `consent_email` to `unsubscribed` in the same transaction, as an event the scheduler
    applies before the contact's next step, on every journey, and keeps the address suppressed
    with the reason. A delivery moves a sent message to `delivered`."""
    if type not in TYPES:
        raise ValueError(f"{type!r} is not an engagement event ({', '.join(TYPES)})")
    at = at.astimezone(timezone.utc)
    found = s.execute(select(OutboxRow.contact_id, OutboxRow.journey, OutboxRow.node, Contact.email)
                      .join(Contact, Contact.id == OutboxRow.contact_id)
                      .where(OutboxRow.id == message_id)).first()
    if found is None:
        return False
    cid, journey, node, email = found
    props = {**properties, "journey": journey, "node": node, "message": message_id}
    if type == "email_opened":
        props["first"] = not _opened_before(s, cid, message_id)
    events = [Event(email, type, at, props)]
    detail = type + (f" {props['url']}" if type == "email_clicked" and props.get("url") else "")
    if type in ("email_bounced", "sms_failed") and props.get("reason"):
        detail += f" ({props['reason']})"
    if stops_email(type, props):
        events.append(Event(email, "contact_updated", at, {"consent_email": "unsubscribed"}))
        detail += ": no more email to this address"
        suppress(s, "email", email, detail, at)
    if type in ("email_delivered", "sms_delivered"):
        s.execute(update(OutboxRow).where(OutboxRow.id == message_id, OutboxRow.status == "sent")
                  .values(status="delivered"))
    repo.record_events(s, events, at)
    s.add(StepRow(contact_id=cid, enrollment_id=None, journey=journey, node=node, at=at, what="event",
                  detail=f"{detail} (message {message_id})"))
    return True


def suppress(s, channel: str, address: str, reason: str, at: datetime) -> None:
    """Keep `address` suppressed on `channel` with the reason; the first reason stays."""
    if s.scalar(select(SuppressionRow.id).where(SuppressionRow.channel == channel,
                                                SuppressionRow.address == address)) is None:
        s.add(SuppressionRow(channel=channel, address=address, reason=reason, at=at))


def unsuppress(s, channel: str, address: str) -> None:
    s.execute(delete(SuppressionRow).where(SuppressionRow.channel == channel, SuppressionRow.address == address))


def _opened_before(s, contact_id: int, message_id: int) -> bool:
    opens = s.scalars(select(EventRow.properties).where(
        and_(EventRow.contact_id == contact_id, EventRow.type == "email_opened")))
    return any(isinstance(p, dict) and p.get("message") == message_id for p in opens)
