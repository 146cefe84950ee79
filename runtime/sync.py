"""Contacts in from a CRM, and the fields journeys changed back out: the loop every CRM connector
shares. It knows nothing of HTTP or of any one CRM; a source (connectors/) pages through its
records and says how far it got, and this commits each page together with that cursor, so a
cancelled or crashed sync resumes from the last page it kept and the next one asks only for what
changed since.

A source is an object with:
- `id_field`: the contact field that holds the CRM's record id (`hubspot_id`, `pipedrive_id`);
- `pull(cursor, progress, cancelled)`: yields `Page`s from `cursor` (None: from the beginning),
  calling `progress(done, total)` as it goes and stopping when `cancelled()` is true;
- `push(updates)`: writes `[(crm_id, {field: value})]` back, returning {crm_id: why} for the
  records it could not write; a call that fails as a whole raises."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterator, Protocol

from switchback.runtime.store import repository as repo
from switchback.runtime.store.workspace import Store

Progress = Callable[[int, "int | None"], None]
WRITE_BACK = ("score", "lifecycle_stage", "owner")
SETTLE = timedelta(minutes=1)        # on PostgreSQL, steps this recent may have older ids still committing


@dataclass
class Page:
    """Records in our field names, each with the CRM id (`id_field`) and `email`; a field the CRM
    has emptied is None. `cursor` is where to resume once this page is kept."""
    contacts: list[dict[str, Any]]
    cursor: str


class Source(Protocol):
    id_field: str

    def pull(self, cursor: str | None, progress: Progress, cancelled: Callable[[], bool]) -> Iterator[Page]: ...

    def push(self, updates: list[tuple[str, dict[str, Any]]]) -> dict[str, str]: ...


@dataclass
class SyncResult:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    pages: int = 0
    cursor: str | None = None
    skipped: int = 0                                       # records without an id or a usable address
    conflicts: list[str] = field(default_factory=list)
    cancelled: bool = False


@dataclass
class PushResult:
    sent: int = 0                                          # records the CRM took
    failed: dict[str, str] = field(default_factory=dict)   # CRM id -> why not

    def lines(self, id_field: str) -> list[str]:
        """One line per reason: `hubspot_id 7, 9 (+3 more): owner 'x' is not a HubSpot user`."""
        by_reason: dict[str, list[str]] = {}
        for crm_id, why in self.failed.items():
            by_reason.setdefault(why, []).append(crm_id)
        out = []
        for why, ids in by_reason.items():
            shown = ", ".join(ids[:5]) + (f" (+{len(ids) - 5} more)" if len(ids) > 5 else "")
            out.append(f"{id_field} {shown}: {why}")
        return out


def setting_key(prefix: str, name: str) -> str:
    """`sync:NAME`; a name too long for the settings key column is shortened by a hash."""
    key = f"{prefix}:{name}"
    return key if len(key) <= 64 else f"{prefix}:{name[:30]}~{hashlib.sha1(name.encode()).hexdigest()[:16]}"


def _clock(now: datetime | Callable[[], datetime] | None) -> Callable[[], datetime]:
    if now is None:
        return lambda: datetime.now(timezone.utc)
    if callable(now):
        return now
    return lambda: now


def cursor_of(store: Store, name: str) -> str | None:
    with store.session() as s:
        value = repo.get_setting(s, setting_key("sync", name))
    return value.get("cursor") if isinstance(value, dict) else None


def sync(store: Store, name: str, source: Source, progress: Progress | None = None,
         cancelled: Callable[[], bool] | None = None,
         now: datetime | Callable[[], datetime] | None = None) -> SyncResult:
    """Pull from where the last sync of connector `name` stopped. Each page is one transaction:
    its contacts, their `contact_updated` events and the cursor after it."""
    clock = _clock(now)
    stop = cancelled or (lambda: False)
    key = setting_key("sync", name)
    result = SyncResult(cursor=cursor_of(store, name))
    with store.session() as s:
        known = repo.crm_ids(s, source.id_field)
    pages = source.pull(result.cursor, progress or (lambda done, total: None), stop)
    stopped = False
    try:
        for page in pages:
            at = clock()
            with store.session() as s:
                merged = repo.merge_crm_contacts(s, page.contacts, source.id_field, at, known)
                repo.set_setting(s, key, {"cursor": page.cursor, "at": at.isoformat()})
            result.pages += 1
            result.cursor = page.cursor
            result.added += merged.added
            result.updated += merged.updated
            result.unchanged += merged.unchanged
            result.skipped += merged.skipped
            result.conflicts += merged.conflicts
            if stop():
                stopped = True
                break
    finally:
        close = getattr(pages, "close", None)
        if close:
            close()
    result.cancelled = stopped or stop()
    return result


def push_changes(store: Store, name: str, source: Source,
                 now: datetime | Callable[[], datetime] | None = None) -> PushResult:
    """Send score, lifecycle stage and owner of the contacts journeys changed since the last push
    (the step log says which: `updated` steps with a journey, never the CRM's own changes coming in).
    The cursor, the newest step sent, moves only after the source took the batch; a failure for a
    single record is reported and not retried, a failed call leaves the cursor where it was."""
    clock = _clock(now)
    key = setting_key("push", name)
    settled = None if store.is_sqlite else clock() - SETTLE      # SQLite commits in id order
    with store.session() as s:
        kept = repo.get_setting(s, key)
        after = kept.get("step", 0) if isinstance(kept, dict) else 0
        ids, newest = repo.journey_changes(s, after, settled)
        updates = repo.crm_values(s, ids, source.id_field, WRITE_BACK)
    result = PushResult()
    if updates:
        result.failed = dict(source.push(updates) or {})
        result.sent = len(updates) - len(result.failed)
    if newest != after:
        with store.session() as s:
            repo.set_setting(s, key, {"step": newest, "at": clock().isoformat()})
    return result
