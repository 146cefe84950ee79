"""JSON columns as the workspace stores them: dates and times survive the trip, tagged
(`{"$date": "2026-03-10"}`, `{"$datetime": "2026-03-10T09:00:00+00:00"}`).

The store's engine uses these for every JSON column, so the rest of the code reads and writes
plain Python values."""
from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any


def _tagged(value: Any) -> Any:
    # json.dumps calls this only for what it cannot write itself: plain values cost nothing.
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    raise TypeError(f"{type(value).__name__} is not JSON")


def _untagged(d: dict) -> Any:
    if len(d) == 1:
        if "$date" in d:
            return date.fromisoformat(d["$date"])
        if "$datetime" in d:
            return datetime.fromisoformat(d["$datetime"])
    return d


# One of each, made once: json.dumps/loads with a hook would build a new coder on every call.
_ENCODER = json.JSONEncoder(default=_tagged)
_DECODER = json.JSONDecoder(object_hook=_untagged)
dumps = _ENCODER.encode


def loads(text: str | bytes | memoryview) -> Any:
    return _DECODER.decode(text if isinstance(text, str) else bytes(text).decode())
