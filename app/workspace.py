"""The designer's view of a workspace: journeys, drafts, publishing and contacts for previews."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import func, select, tuple_

from switchback.resources import ROOT as RESOURCES
from switchback.runtime import document, references, validation
from switchback.runtime.contacts import read_contacts_csv
from switchback.runtime.document import Journey
from switchback.runtime.store import repository as repo
from switchback.runtime.store import versions
from switchback.runtime.store.models import Contact, EnrollmentRow, JourneyRow, JourneyVersion
from switchback.runtime.store.workspace import Store

SAMPLE_JOURNEY = "welcome-series"


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


class Workspace:
    def __init__(self, store: Store, label: str):
        self.store, self.label = store, label
        self.revisions: dict[str, int] = {}          # the draft revision each open journey was loaded at
        self.user = versions.person(store.url)

    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    def journeys(self) -> list[JourneyInfo]:
        with self.store.session() as s:
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

    def load(self, key: str) -> Journey:
        with self.store.session() as s:
            row = s.get(JourneyRow, key)
            journey = document.loads(row.draft, key)
        self.revisions[key] = row.revision
        return journey

    def save_draft(self, journey: Journey) -> int:
        """Raises repository.StaleDraft when someone else saved this journey since we loaded it."""
        with self.store.session() as s:
            revision = repo.save_draft(s, journey, self.now(), by=self.user,
                                       expected_revision=self.revisions.get(journey.key))
        self.revisions[journey.key] = revision
        return revision

    def follow_name(self, journey: Journey) -> bool:
        """A draft never published takes a key from its new name (the draft is saved under it)."""
        from switchback.runtime.journey_keys import follow_name
        self.save_draft(journey)
        with self.store.session() as s:
            key = follow_name(s, journey.key, journey.name)
        if key == journey.key:
            return False
        self.revisions[key] = self.revisions.pop(journey.key, 1)
        journey.key = key
        self.save_draft(journey)                  # the document inside names its key too
        return True

    def publish(self, journey: Journey, note: str | None = None) -> tuple[int | None, list]:
        """The new version, or None and the problems that refuse it. Under review without an
        approval, raises versions.Refused saying what is missing (the draft is saved)."""
        problems = validation.validate(journey) + references.check(journey, self.names())
        if problems:
            return None, problems
        self.save_draft(journey)                  # refused if someone else changed it meanwhile
        with self.store.session() as s:
            outcome = versions.publish(s, journey, self.now(), by=self.user, note=note)
            self.revisions[journey.key] = s.get(JourneyRow, journey.key).revision   # publishing saved the draft too
        if outcome.version is None:
            raise versions.Refused(outcome.missing)
        return outcome.version, []

    # --- versions (SPEC section 13) --------------------------------------------------------------
    def history(self, key: str) -> tuple[list[versions.VersionInfo], versions.DraftInfo, dict[str, dict[int, int]]]:
        """The versions newest first, the draft's state, and contacts on older versions by node."""
        with self.store.session() as s:
            return versions.history(s, key), versions.draft_info(s, key), versions.on_older_versions(s, key)

    def controls(self, key: str) -> tuple[str, list]:
        """The journey's state (live, paused, off) and its pauses, resumes and turn-offs, newest first."""
        from switchback.runtime import journey_controls as jc
        with self.store.session() as s:
            row = s.get(JourneyRow, key)
            return (row.state if row else jc.LIVE), jc.controls(s, key)

    def control(self, key: str, action: str, note: str | None = None) -> str:
        """Pause, resume or turn off; returns what happened in words. InputError when it cannot."""
        from switchback.runtime import journey_controls as jc
        with self.store.session() as s:
            if action == "pause":
                n = jc.pause(s, key, self.user, self.now(), note)
                return f"Paused: {n:,} contact{'' if n == 1 else 's'} wait where they are; its messages wait too"
            if action == "resume":
                n = jc.resume(s, key, self.user, self.now(), note)
                return f"Running again: {n:,} contact{'' if n == 1 else 's'} go on from where they were"
            left, dismissed = jc.turn_off(s, key, self.user, self.now(), note)
            return (f"Turned off: {left:,} contact{'' if left == 1 else 's'} left it; {dismissed:,} queued "
                    f"message{'' if dismissed == 1 else 's'} will not be sent")

    def version(self, key: str, version: int | None) -> Journey:
        """A published version, or the draft (None)."""
        with self.store.session() as s:
            return versions.document_at(s, key, version)

    def approve(self, key: str) -> int:
        """Raises versions.Refused (or InputError) saying why not."""
        with self.store.session() as s:
            return versions.approve(s, key, self.user, self.now())

    def names(self) -> dict[str, list[str]]:
        """What the inspector's pickers offer: connectors by channel, event types, fields, journeys."""
        from switchback.connectors.workspace import names_by_channel
        from switchback.runtime.workspace_names import names
        return names(self.store) | names_by_channel(self.store)

    def preview_of(self, journey) -> dict:
        """What the inspector's template previews show as `journey` and `event`."""
        from switchback.runtime.preview_event import preview_event
        return {"key": journey.key, "name": journey.name, "event": preview_event(self.store, journey)}

    def contacts(self, limit: int | None = None) -> list[dict]:
        with self.store.session() as s:
            q = select(Contact.fields).order_by(Contact.id)
            if limit:
                q = q.limit(limit)
            return list(s.scalars(q))

    def seed_if_empty(self) -> str | None:
        """A new workspace starts with sample contacts and a template journey, so there is something
        to look at and simulate. Returns the key of the journey to open."""
        with self.store.session() as s:
            if s.scalar(select(func.count(JourneyRow.key))):
                return None
            repo.import_contacts(s, read_contacts_csv(RESOURCES / "samples" / "contacts.csv"), self.now())
            template = templates_dir() / f"{SAMPLE_JOURNEY}.journey.json"
            journey = document.load(template)
            repo.save_draft(s, journey, self.now())
            return journey.key


def templates_dir() -> Path:
    return RESOURCES / "templates"


def templates() -> list[Journey]:
    return [document.load(p) for p in sorted(templates_dir().glob("*.journey.json"))]
