"""What a provider reports about a message after it left (SPEC 11), recorded once: each event is
kept under the provider's own id for it in the same transaction as what it records, so a callback
the provider retries, or an event a pull sees again, is acknowledged and not recorded twice."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from switchback.runtime.contacts import Event
from switchback.runtime.engagement import record_in, suppress, unsuppress
from switchback.runtime.store import repository as repo
from switchback.runtime.store.models import Contact, OutboxRow, StepRow
from switchback.runtime.store.provider_models import ProviderCursorRow, ProviderEventRow
from switchback.runtime.store.workspace import Store

RECORDED, REPLAYED, UNKNOWN = "recorded", "replayed", "unknown"


def message_for(store: Store, id_: Any = None, key: Any = None) -> int | None:
    """The outbox id a provider event names: our id where the sender put it, else our idempotency key."""
    with store.session() as s:
        if id_ is not None and str(id_).isdigit():
            found = s.scalar(select(OutboxRow.id).where(OutboxRow.id == int(id_)))
            if found is not None:
                return found
        if key:
            return s.scalar(select(OutboxRow.id).where(OutboxRow.key == str(key)))
    return None


def _seen(s, connector: str, event_id: str) -> bool:
    return s.scalar(select(ProviderEventRow.id).where(ProviderEventRow.connector == connector,
                                                      ProviderEventRow.event_id == event_id)) is not None


def record_once(store: Store, connector: str, event_id: str, message_id: int | None, type: str,
                properties: dict[str, Any], at: datetime) -> str:
    """Record engagement event `type` for the message unless `connector` already reported
    `event_id`: RECORDED, REPLAYED, or UNKNOWN when the message is not this workspace's."""
    if message_id is None:
        return UNKNOWN
    try:
        with store.session() as s:
            if _seen(s, connector, event_id):
                return REPLAYED
            if not record_in(s, message_id, type, properties, at):
                return UNKNOWN
            s.add(ProviderEventRow(connector=connector, event_id=event_id, at=datetime.now(timezone.utc)))
    except IntegrityError:          # the same event, recorded by a concurrent request a moment ago
        return REPLAYED
    return RECORDED


def sms_consent(store: Store, connector: str, event_id: str, phone: str, subscribed: bool, at: datetime) -> str:
    """An inbound STOP (or START) from `phone`: `consent_sms` of the contacts with that number
    becomes `unsubscribed` (or `subscribed`), with the reason in their trace."""
    value = "subscribed" if subscribed else "unsubscribed"
    at = at.astimezone(timezone.utc)
    try:
        with store.session() as s:
            if _seen(s, connector, event_id):
                return REPLAYED
            found = s.execute(select(Contact.id, Contact.email)
                              .where(Contact.fields["phone"].as_string() == phone)).all()
            if not found:
                return UNKNOWN
            why = f"SMS {'START' if subscribed else 'STOP'} from {phone} via {connector}"
            repo.record_events(s, [Event(email, "contact_updated", at, {"consent_sms": value}) for _, email in found], at)
            for cid, _ in found:
                s.add(StepRow(contact_id=cid, enrollment_id=None, journey=None, node=None, at=at, what="event",
                              detail=f"{why}: consent_sms {value}"))
            if subscribed:
                unsuppress(s, "sms", phone)
            else:
                suppress(s, "sms", phone, why, at)
            s.add(ProviderEventRow(connector=connector, event_id=event_id, at=datetime.now(timezone.utc)))
    except IntegrityError:
        return REPLAYED
    return RECORDED


def cursor(store: Store, connector: str) -> str | None:
    with store.session() as s:
        row = s.get(ProviderCursorRow, connector)
        return row.cursor if row is not None else None


def keep_cursor(store: Store, connector: str, value: str) -> None:
    with store.session() as s:
        row = s.get(ProviderCursorRow, connector)
        if row is None:
            s.add(ProviderCursorRow(connector=connector, cursor=value, at=datetime.now(timezone.utc)))
        else:
            row.cursor, row.at = value, datetime.now(timezone.utc)
