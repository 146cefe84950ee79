"""The designer's view of a workspace: journeys, drafts, publishing and contacts for previews."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from switchback.resources import ROOT as RESOURCES
from switchback.runtime import document, journey_list, references, validation
from switchback.runtime.contacts import read_contacts_csv
from switchback.runtime.document import Journey
from switchback.runtime.journey_list import JourneyInfo
from switchback.runtime.store import repository as repo
from switchback.runtime.store import versions
from switchback.runtime.store.workspace import Store

SAMPLE_JOURNEY = "welcome-series"


class Workspace:
    def __init__(self, store: Store, label: str):
        self.store, self.label = store, label
        self.revisions: dict[str, int] = {}          # the draft revision each open journey was loaded at
        self.user = versions.person(store.url)

    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    def journeys(self) -> list[JourneyInfo]:
        return journey_list.journeys(self.store)

    def load(self, key: str) -> Journey:
        journey, self.revisions[key] = journey_list.draft(self.store, key)
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

    def problems(self, journey: Journey) -> list:
        """What stops the journey from being published."""
        return validation.validate(journey) + references.check(journey, self.names())

    def going_live(self, journey: Journey) -> str | None:
        """What publishing the saved draft starts, in words for the person about to do it; None
        when publishing would be refused anyway (a review still missing an approval)."""
        with self.store.session() as s:
            if versions.draft_info(s, journey.key).missing:
                return None
        info = next((j for j in self.journeys() if j.key == journey.key), None)
        version = (info.published or 0) + 1 if info else 1
        sends = sum(1 for n in journey.nodes if n.declaration is not None and n.declaration.channel)
        words = (f"Version {version} goes live now: contacts who meet its trigger from now on enter it"
                 + (f", and its {sends} message step{' sends' if sends == 1 else 's send'} to them." if sends else "."))
        if info and info.active:
            words += (f" The {info.active:,} contact{' is' if info.active == 1 else 's are'} already in it finish "
                      "on the version they entered.")
        return words + " Messages go out while Switchback runs."

    def publish(self, journey: Journey, note: str | None = None) -> tuple[int | None, list]:
        """The new version, or None and the problems that refuse it. Under review without an
        approval, raises versions.Refused saying what is missing (the draft is saved)."""
        problems = self.problems(journey)
        if problems:
            return None, problems
        self.save_draft(journey)                  # refused if someone else changed it meanwhile
        with self.store.session() as s:
            outcome = versions.publish(s, journey, self.now(), by=self.user, note=note)
            self.revisions[journey.key] = journey_list.revision(s, journey.key)   # publishing saved the draft too
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
            return journey_list.state(s, key) or jc.LIVE, jc.controls(s, key)

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
        return journey_list.contact_fields(self.store, limit)

    def seed_if_empty(self) -> str | None:
        """A new workspace starts with sample contacts and a template journey, so there is something
        to look at and simulate. Returns the key of the journey to open."""
        with self.store.session() as s:
            if journey_list.any_journey(s):
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
