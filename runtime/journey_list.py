"""The workspace's journeys as the designer lists and opens them, and its contacts for previews."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session

from switchback.runtime import document
from switchback.runtime.document import Journey
from switchback.runtime.store.models import Contact, EnrollmentRow, JourneyRow, JourneyVersion
from switchback.runtime.store.workspace import Store


@dataclass
class JourneyInfo:
    key: str
    name: str
    revision: int
    published: int | None
    updated_at: datetime
    active: int
    edited: bool = False                  # the draft differs from the latest published version
    state: str = "live"                   # live, paused or off

    @property
    def status(self) -> str:
        if self.published is None:
            return "draft"
        return (f"published v{self.published}" + (", edited since" if self.edited else "")
                + ("" if self.state == "live" else f" · {self.state}"))


def journeys(store: Store) -> list[JourneyInfo]:
    """Every journey by name: its draft's revision, latest version, and contacts active in it."""
    with store.session() as s:
        published = dict(s.execute(select(JourneyVersion.key, func.max(JourneyVersion.version))
                                    .group_by(JourneyVersion.key)).all())
        latest = {key: doc for key, doc in s.execute(
            select(JourneyVersion.key, JourneyVersion.document)
            .where(tuple_(JourneyVersion.key, JourneyVersion.version).in_(list(published.items()))))} if published else {}
        active = dict(s.execute(select(EnrollmentRow.journey, func.count()).where(EnrollmentRow.state == "active")
                                .group_by(EnrollmentRow.journey)).all())
        return [JourneyInfo(r.key, r.name, r.revision, published.get(r.key), r.updated_at, active.get(r.key, 0),
                            edited=r.key in latest and latest[r.key] != r.draft, state=r.state)
                for r in s.scalars(select(JourneyRow).order_by(JourneyRow.name))]


def draft(store: Store, key: str) -> tuple[Journey, int]:
    """A journey's draft and its revision."""
    with store.session() as s:
        row = s.get(JourneyRow, key)
        return document.loads(row.draft, key), row.revision


def revision(s: Session, key: str) -> int | None:
    """The draft's revision; None when the workspace has no journey of that key."""
    row = s.get(JourneyRow, key)
    return row.revision if row is not None else None


def state(s: Session, key: str) -> str | None:
    """The journey's state (live, paused, off); None when the workspace has no journey of that key."""
    row = s.get(JourneyRow, key)
    return row.state if row is not None else None


def any_journey(s: Session) -> bool:
    return bool(s.scalar(select(func.count(JourneyRow.key))))


def contact_fields(store: Store, limit: int | None = None) -> list[dict[str, Any]]:
    """Contacts' fields in the order they came in (the first `limit` of them)."""
    with store.session() as s:
        q = select(Contact.fields).order_by(Contact.id)
        if limit:
            q = q.limit(limit)
        return list(s.scalars(q))
