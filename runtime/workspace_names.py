"""The names a workspace holds that a journey refers to — event types, contact fields, journey
keys — for the designer's pickers. Read from what is there, bounded, so a large workspace answers
as fast as a small one."""
from __future__ import annotations

import re
from datetime import date
from typing import Any

from sqlalchemy import select

from switchback.runtime.store.models import Contact, EventRow, JourneyRow
from switchback.runtime.store.workspace import Store

# SPEC section 4's standard fields, and the events that engagement and the CRM record (11, 14).
STANDARD_FIELDS = ("email", "first_name", "last_name", "phone", "company", "job_title", "country", "timezone",
                   "lifecycle_stage", "owner", "score", "tags", "consent_email", "consent_sms")
KNOWN_EVENTS = ("email_opened", "email_clicked", "email_bounced", "email_complained", "unsubscribed",
                "form_submitted", "page_view", "deal_stage_changed", "contact_updated")
SAMPLE = 500                        # contacts read for their custom fields; event types read distinct


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}.*)?")
TYPED = {"score": "number", "tags": "list"}          # the standard fields whose type is known


def _kind(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "list"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return "number"
    if isinstance(value, date) or (isinstance(value, str) and _DATE.fullmatch(value)):
        return "date"
    return "text"


def names(store: Store) -> dict[str, list[str]]:
    """Event types, fields and journey keys; `field:number`, `field:date`, `field:list` and `field:text` name the
    fields whose sampled values are all of that type (a condition offers their operators)."""
    with store.session() as s:
        events = set(s.scalars(select(EventRow.type).distinct().limit(1000)))
        sample = list(s.scalars(select(Contact.fields).limit(SAMPLE)))
        journeys = list(s.scalars(select(JourneyRow.key).order_by(JourneyRow.key)))
    seen: dict[str, set[str]] = {}
    for fields in sample:
        for k, v in (fields or {}).items():
            if v is not None and v != "":
                seen.setdefault(k, set()).add(_kind(v))
    custom = {k for fields in sample for k in (fields or {})}
    kinds = {k: next(iter(found)) for k, found in seen.items() if len(found) == 1} | TYPED
    owners = {str(fields["owner"]) for fields in sample if fields and fields.get("owner")}
    out = {"event": sorted(events | set(KNOWN_EVENTS)),
           "field": list(STANDARD_FIELDS) + sorted(custom - set(STANDARD_FIELDS)),
           "journey": journeys,
           "owner": sorted(owners),
           "recipient": ["owner"] + sorted(owners)}      # whom a notification goes to: `owner`, the contact's
    for kind in ("number", "date", "list", "text"):
        out[f"field:{kind}"] = sorted(k for k, found in kinds.items() if found == kind)
    return out
