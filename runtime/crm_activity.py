"""The CRM's activity, beside its contacts (SPEC 14): deals, form submissions, and contacts deleted
or merged there. The loop every CRM source shares: a source names its streams and pages through
each from that stream's cursor; each page is kept in one transaction with the cursor after it, so a
cancelled or crashed sync resumes where it stopped and the next asks only for what changed.

A stream's first pass reads what happened before the workspace knew the CRM: it is recorded (the
deals' stages, the submissions as history) and starts nothing. A stream that fails (an outage, a
page that is not what the CRM documents) is a line in the sync log; the other streams go on and
the failed one resumes from its last kept page next time.

A source offers `streams` (names, in order) and `activity(stream, cursor, known, cancelled)` that
yields `ActivityPage`s; `known` maps the CRM's contact ids to ours."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Iterator, Protocol

from switchback.runtime.store import crm_activity as store_activity
from switchback.runtime.store import repository as repo
from switchback.runtime.store.workspace import Store


@dataclass
class Deal:
    id: str
    name: str | None
    pipeline: str | None
    stage: str | None
    stage_label: str | None
    amount: float | None
    close_date: str | None
    contacts: list[str]                 # the CRM's ids of the contacts associated with it


@dataclass
class Submission:
    email: str
    at: datetime
    form: str
    form_id: str
    page_url: str | None
    fields: dict[str, Any]


@dataclass
class ActivityPage:
    cursor: str | None
    deals: list[Deal] = field(default_factory=list)
    submissions: list[Submission] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)                    # CRM contact ids
    merged: list[tuple[str, list[str]]] = field(default_factory=list)   # (into, [merged ids])
    lines: list[str] = field(default_factory=list)                      # for the sync log
    read: int = 0                                                       # records this page read


class ActivitySource(Protocol):
    id_field: str
    streams: tuple[str, ...]

    def activity(self, stream: str, cursor: str | None, known: dict[str, int],
                 cancelled: Callable[[], bool]) -> Iterator[ActivityPage]: ...


@dataclass
class ActivityResult:
    read: dict[str, int] = field(default_factory=dict)      # stream -> records read
    events: int = 0                                         # events recorded that journeys react to
    history: int = 0                                        # recorded from a first pass, starting nothing
    left: int = 0                                           # contacts that left journeys (deleted in the CRM)
    merged: int = 0
    lines: list[str] = field(default_factory=list)
    cancelled: bool = False


def sync_activity(store: Store, name: str, source: ActivitySource, cancelled: Callable[[], bool] | None = None,
                  now: Callable[[], datetime] | None = None) -> ActivityResult:
    clock = now or (lambda: datetime.now(timezone.utc))
    stop = cancelled or (lambda: False)
    result = ActivityResult()
    for stream in source.streams:
        if stop():
            result.cancelled = True
            break
        with store.session() as s:
            cursor, live = store_activity.cursor(s, name, stream)
            known = repo.crm_ids(s, source.id_field)
        pages = source.activity(stream, cursor, known, stop)
        result.read.setdefault(stream, 0)
        try:
            for page in pages:
                with store.session() as s:
                    kept = store_activity.keep(s, name, source.id_field, page, live, known, clock())
                    store_activity.set_cursor(s, name, stream, page.cursor, live, clock())
                result.read[stream] += page.read
                result.events += kept.events
                result.history += kept.history
                result.left += kept.left
                result.merged += kept.merged
                result.lines += page.lines + kept.lines
                if stop():
                    break
            else:
                if not live:
                    with store.session() as s:
                        store_activity.set_cursor(s, name, stream, None, True, clock(), keep_cursor=True)
        except RuntimeError as e:       # the source's CrmError: the CRM failed or answered out of shape
            result.lines.append(f"{stream}: {str(e).splitlines()[0]}; the next sync resumes from the last page kept")
        finally:
            close = getattr(pages, "close", None)
            if close:
                close()
        if stop():
            result.cancelled = True
            break
    return result

