"""Segment's calls (track, page, identify, group, alias) as the events they record (SPEC 10). Pure:
a call's JSON in, an `Incoming` or a BadCall naming what is wrong out; the routes do the HTTP."""
from __future__ import annotations

import functools
import re
from datetime import datetime, timedelta
from typing import Any

from switchback.runtime.clock import parse_instant
from switchback.runtime.intake import Incoming

CALLS = ("track", "page", "screen", "identify", "group", "alias")
# Segment's traits with a contact field of their own (SPEC 4); the rest keep their name in snake case.
TRAITS = {"first_name": "first_name", "last_name": "last_name", "phone": "phone", "title": "job_title",
          "job_title": "job_title", "company": "company", "country": "country", "timezone": "timezone"}
PAGE_FIELDS = ("url", "path", "title", "referrer")
MAX_ID = 256


class BadCall(ValueError):
    """What is wrong with a call, in words for the client's developer."""


@functools.lru_cache(maxsize=4096)       # a source sends the same few event names over and over
def snake(name: str) -> str:
    """`Form Submitted`, `formSubmitted` and `form-submitted` -> `form_submitted`."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name.strip())
    return re.sub(r"[^0-9a-zA-Z]+", "_", spaced).strip("_").lower()


def _object(call: dict, key: str) -> dict[str, Any]:
    value = call.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadCall(f"`{key}` must be an object, not {type(value).__name__}")
    return value


def _id(call: dict, key: str) -> str | None:
    value = call.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise BadCall(f"`{key}` must be a string, not {type(value).__name__}")
    value = str(value)
    if len(value) > MAX_ID:
        raise BadCall(f"`{key}` is longer than {MAX_ID} characters")
    if "\x00" in value:                  # SQLite's JSON functions end a text there, PostgreSQL refuses it
        raise BadCall(f"`{key}` contains a NUL character (\\u0000)")
    return value


def time_of(call: dict, key: str) -> datetime | None:
    value = call.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadCall(f"`{key}` must be an ISO 8601 time, not {type(value).__name__}")
    try:
        return parse_instant(value)
    except ValueError:
        raise BadCall(f"`{key}` is not an ISO 8601 time with a zone: {value[:40]!r}") from None


def when(call: dict, received: datetime, sent_at: datetime | None) -> datetime:
    """The event's time: its `timestamp`, moved by how far the sender's clock is off (the time it
    said it sent the call against the time it came in); else the time received."""
    at = time_of(call, "timestamp")
    sent = time_of(call, "sentAt") or sent_at
    if at is None:
        return received
    if sent is not None:
        at += received - sent
    return min(at, received + timedelta(minutes=5))


def traits_as_fields(traits: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for key, value in traits.items():
        name = snake(key)
        if name == "email" or not name:
            continue
        if name == "company" and isinstance(value, dict):
            if "name" in value:
                fields["company"] = value["name"]
            continue
        fields[TRAITS.get(name, name)] = value
    return fields


def incoming(call: Any, kind: str | None, received: datetime, sent_at: datetime | None = None) -> Incoming:
    """The call as the intake records it. `kind` is the endpoint's (None in a batch: the call's own `type`)."""
    if not isinstance(call, dict):
        raise BadCall(f"a call must be a JSON object, not {type(call).__name__}")
    kind = kind or call.get("type")
    if kind not in CALLS:
        raise BadCall(f"`type` must be one of {', '.join(CALLS)}, not {str(kind)[:40]!r}")
    user, anonymous = _id(call, "userId"), _id(call, "anonymousId")
    if user is None and anonymous is None:
        raise BadCall("a call needs `userId` or `anonymousId`")
    context = _object(call, "context")
    item = Incoming(type=None, at=when(call, received, sent_at), user_id=user, anonymous_id=anonymous,
                    message_id=_id(call, "messageId"))
    if kind == "track":
        event = call.get("event")
        if not isinstance(event, str) or not snake(event):
            raise BadCall("a track needs `event`, a name such as \"Form Submitted\"")
        item.type, item.properties = snake(event), dict(_object(call, "properties"))
    elif kind in ("page", "screen"):
        properties = dict(_object(call, "properties"))
        page = _object(context, "page")
        for key in PAGE_FIELDS:
            if key not in properties and key in page:
                properties[key] = page[key]
        name = call.get("name")
        if isinstance(name, str) and name:
            properties.setdefault("name", name)
        item.type, item.properties = "page_view", properties
    elif kind == "identify":
        traits = _object(call, "traits") or _object(context, "traits")
        email = traits.get("email")
        if email is not None and not (isinstance(email, str) and "@" in email):
            raise BadCall("`traits.email` must be an email address")
        item.email = email
        fields = traits_as_fields(traits)
        if fields:
            item.type, item.properties = "contact_updated", fields
    elif kind == "group":
        traits = _object(call, "traits")
        fields = {("company" if k == "name" else f"company_{snake(k)}"): v for k, v in traits.items() if snake(k)}
        if fields:
            item.type, item.properties = "contact_updated", fields
    else:
        previous = _id(call, "previousId")
        if previous is None or user is None:
            raise BadCall("an alias needs `previousId` and `userId`")
        item.previous_id = previous
    return item
