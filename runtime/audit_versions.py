"""The audit's "Changes" section (SPEC sections 8 and 13): the versions published in the period,
who published and approved them, and what each changed against the version before it, as
runtime/diff.py says it."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from switchback.runtime import document
from switchback.runtime.diff import describe, diff


@dataclass
class PublishedChange:
    key: str
    name: str
    version: int
    at: datetime
    by: str | None
    approved_by: str | None
    note: str | None
    lines: list[str]                      # the diff against the version before, one change a line


@dataclass
class Changes:
    since: datetime
    until: datetime
    published: list[PublishedChange] = field(default_factory=list)

    @property
    def people(self) -> list[str]:
        return sorted({c.by or "someone" for c in self.published})


def changes_between(store, since: datetime, until: datetime) -> Changes:
    """Every version published in [since, until), oldest first, with its diff."""
    from switchback.runtime.store import versions
    out = Changes(since, until)
    with store.session() as s:
        for row in versions.published_between(s, since, until):
            after = document.loads(row.document, f"{row.key} v{row.version}")
            if row.version > 1:
                before = versions.document_at(s, row.key, row.version - 1)
                lines = describe(diff(before, after), before, after) or ["no change but the layout"]
            else:
                lines = [f"first version: {len(after.nodes)} nodes"]
            out.published.append(PublishedChange(row.key, after.name, row.version, row.published_at, row.published_by,
                                                 row.approved_by, row.note, lines))
    return out
