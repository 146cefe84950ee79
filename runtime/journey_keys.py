"""A journey's key follows its name while it is only a draft: "New journey" renamed "Spring sale"
becomes `spring-sale`. Once published, the key is what enrollments, moves and suppressions name,
so it stays."""
from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from switchback.runtime.store.models import Approval, EnrollmentRow, JourneyRow, JourneyVersion


def key_for(name: str, fallback: str = "journey") -> str:
    """Lower-case letters, digits and dashes, from a name."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:100] or fallback


def follow_name(s: Session, key: str, name: str) -> str:
    """The key the draft `key` has after being named `name`: a new one, free in the workspace, when
    it was never published (nothing outside the draft names it yet); else `key` itself."""
    wanted = key_for(name)
    if wanted == key or key.startswith(wanted + "-") and key[len(wanted) + 1:].isdigit():
        return key                                       # already follows this name
    for table, column in ((JourneyVersion, JourneyVersion.key), (EnrollmentRow, EnrollmentRow.journey),
                          (Approval, Approval.key)):
        if s.scalar(select(column).where(column == key).limit(1)) is not None:
            return key
    row = s.get(JourneyRow, key)
    if row is None:
        return key
    taken = set(s.scalars(select(JourneyRow.key).where(JourneyRow.key.like(f"{wanted}%"))))
    new, i = wanted, 2
    while new in taken:
        new, i = f"{wanted}-{i}", i + 1
    s.add(JourneyRow(key=new, name=name, draft=row.draft, revision=row.revision, updated_at=row.updated_at,
                     updated_by=row.updated_by, editors=row.editors))
    s.delete(row)
    return new
