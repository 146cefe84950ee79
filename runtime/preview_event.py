"""The `event` a template preview shows (SPEC 11: templates see the event that enrolled the
contact): the workspace's latest event of a type that enrolls contacts in the journey, so the
preview reads as a real email would; else one made from the trigger's own `where`."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from switchback.nodes.registry import Entry
from switchback.runtime.document import Journey
from switchback.runtime.sample_events import properties_meeting
from switchback.runtime.store.models import EventRow
from switchback.runtime.store.workspace import Store


def preview_event(store: Store, journey: Journey) -> dict[str, Any] | None:
    """`{"type", "at", "properties"}`, or None when no event enrolls contacts in this journey."""
    listens: dict[str, str | None] = {}
    for node in journey.triggers():
        if node.declaration.enters_on is Entry.EVENT:
            try:
                heard = node.declaration.listens(node.parsed())
            except ValueError:                      # a trigger still being written
                continue
            listens.setdefault(heard.event, heard.where)
    if not listens:
        return None
    with store.session() as s:
        row = s.execute(select(EventRow.type, EventRow.at, EventRow.properties)
                        .where(EventRow.type.in_(list(listens))).order_by(EventRow.id.desc()).limit(1)).first()
    if row is not None:
        return {"type": row.type, "at": row.at, "properties": dict(row.properties or {})}
    first = next(iter(listens))
    return {"type": first, "at": None, "properties": properties_meeting(listens[first])}
