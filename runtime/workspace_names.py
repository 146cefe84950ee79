"""The names a workspace holds that a journey refers to — event types, contact fields, journey
keys — for the designer's pickers. Read from what is there, bounded, so a large workspace answers
as fast as a small one."""
from __future__ import annotations

from sqlalchemy import select

from switchback.runtime.store.models import Contact, EventRow, JourneyRow
from switchback.runtime.store.workspace import Store

# SPEC section 4's standard fields, and the events that engagement and the CRM record (11, 14).
STANDARD_FIELDS = ("email", "first_name", "last_name", "phone", "company", "job_title", "country", "timezone",
                   "lifecycle_stage", "owner", "score", "tags", "consent_email", "consent_sms")
KNOWN_EVENTS = ("email_opened", "email_clicked", "email_bounced", "email_complained", "unsubscribed",
                "form_submitted", "page_view", "deal_stage_changed", "contact_updated")
SAMPLE = 500                        # contacts read for their custom fields; event types read distinct


def names(store: Store) -> dict[str, list[str]]:
    with store.session() as s:
        events = set(s.scalars(select(EventRow.type).distinct().limit(1000)))
        custom = {k for fields in s.scalars(select(Contact.fields).limit(SAMPLE)) for k in (fields or {})}
        journeys = list(s.scalars(select(JourneyRow.key).order_by(JourneyRow.key)))
    return {"event": sorted(events | set(KNOWN_EVENTS)),
            "field": list(STANDARD_FIELDS) + sorted(custom - set(STANDARD_FIELDS)),
            "journey": journeys}
