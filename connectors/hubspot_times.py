"""HubSpot's times and paging, as its APIs write them: what the contacts' sync and the activity's
streams both read."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

CONTACTS = "/crm/v3/objects/contacts"


def _instant(value: str) -> datetime | None:
    """A HubSpot time: ISO 8601 (`2019-12-07T16:50:06.678Z`) or milliseconds since the epoch."""
    value = value.strip()
    try:
        if value.isdigit():
            return datetime.fromtimestamp(int(value) / 1000, timezone.utc)
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
    except ValueError:
        return None


def ms(when: datetime) -> int:
    return int(when.timestamp() * 1000)


def iso(millis: int) -> str:
    return datetime.fromtimestamp(millis / 1000, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _next(body: Any) -> str | None:
    paging = body.get("paging") if isinstance(body, dict) else None
    after = paging.get("next") if isinstance(paging, dict) else None
    after = after.get("after") if isinstance(after, dict) else None
    return str(after) if after not in (None, "") else None
