"""A journey's drafts, published versions and approvals (SPEC section 13): who published what and
why, who approved which draft, and which versions contacts are still on.

A draft's revision grows with every change to it (saving it unchanged changes nothing), so an
approval names the revision it saw and no longer covers the draft once anyone edits it. The people
who edited a draft since its last publish are its authors: none of them may approve it."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from switchback.runtime import document, validation
from switchback.runtime.document import Journey
from switchback.runtime.problems import InputError
from switchback.runtime.store.models import Approval, Contact, EnrollmentRow, JourneyRow, JourneyVersion


def person(db_url: str | None = None, given: str | None = None) -> str:
    """Who is acting: `given` (`--as NAME`, for scripts), else the user a team workspace is opened
    as, else the OS login name."""
    if given and given.strip():
        return given.strip()
    if db_url and not db_url.startswith("sqlite"):
        from sqlalchemy.engine import make_url
        try:
            user = make_url(db_url).username
        except Exception:
            user = None
        if user:
            return user
    import getpass
    try:
        return getpass.getuser()
    except Exception:
        return "someone"


class StaleDraft(Exception):
    """Someone else saved this draft since it was opened: saving over it would lose their work."""

    def __init__(self, key: str, by: str | None, at: datetime):
        super().__init__(f"{key}: {by or 'someone'} changed this journey at {at:%Y-%m-%d %H:%M} UTC; "
                         "your changes were not saved over theirs")
        self.by, self.at = by, at


class Refused(Exception):
    """A rule of the workspace says no (publishing without approval, approving one's own draft):
    not bad input, one line for a person."""


def save_draft(s: Session, journey: Journey, now: datetime, by: str | None = None,
               expected_revision: int | None = None) -> int:
    """Save the draft and return its revision, new if it changed. With `expected_revision` (the
    revision the editor opened), a draft saved by someone else since is refused with StaleDraft."""
    row = s.get(JourneyRow, journey.key, with_for_update=s.bind.dialect.name != "sqlite")
    text = journey.dumps()
    if row is not None and row.draft == text and row.name == journey.name:
        return row.revision                          # nothing changed: an approval still covers it
    if row is not None and expected_revision is not None and row.revision != expected_revision:
        raise StaleDraft(journey.key, row.updated_by, row.updated_at)
    if row is None:
        row = JourneyRow(key=journey.key, name=journey.name, draft=text, revision=1, updated_at=now, updated_by=by,
                         editors=[by] if by else [])
        s.add(row)
    else:
        editors = list(row.editors or [])
        row.name, row.draft, row.revision, row.updated_at, row.updated_by = journey.name, text, row.revision + 1, now, by
        row.editors = editors + [by] if by and by not in editors else editors
    s.flush()
    return row.revision


@dataclass
class Outcome:
    version: int | None            # the version published, or None when review refused it
    missing: str | None = None     # what is missing, in one line


def publish(s: Session, journey: Journey, now: datetime, by: str | None = None, note: str | None = None) -> Outcome:
    """Store the journey as its next immutable version; contacts are re-admitted so its triggers
    see them. Enrollments already running stay on the version they entered. Under review, a draft
    no one else approved is saved as the draft awaiting approval and not published."""
    save_draft(s, journey, now, by)
    row = s.get(JourneyRow, journey.key)
    approval, missing = _approval(s, row)
    if missing:
        return Outcome(None, missing)
    last = latest_version(s, journey.key) or 0
    s.add(JourneyVersion(key=journey.key, version=last + 1, document=journey.dumps(), published_at=now,
                         published_by=by, approved_by=approval.by if approval else None, note=note or None))
    row.editors = []
    s.execute(update(Contact).values(next_due=now))
    return Outcome(last + 1)


def latest_version(s: Session, key: str) -> int | None:
    return s.scalar(select(func.max(JourneyVersion.version)).where(JourneyVersion.key == key))


def _published(s: Session, key: str, version: int | None = None) -> JourneyVersion | None:
    version = version if version is not None else latest_version(s, key)
    if version is None:
        return None
    return s.scalar(select(JourneyVersion).where(JourneyVersion.key == key, JourneyVersion.version == version))


def review_on(s: Session, row: JourneyRow) -> bool:
    """Review applies when the draft asks for it or the published version does: turning review off
    is itself a change someone else approves."""
    latest = _published(s, row.key)
    docs = [row.draft] + ([latest.document] if latest else [])
    return any(((document.loads(d, row.key).settings_raw or {}).get("review") is True) for d in docs)


def _approval(s: Session, row: JourneyRow) -> tuple[Approval | None, str | None]:
    """The approval covering the draft as it is, or what is missing."""
    if not review_on(s, row):
        return None, None
    authors = list(row.editors or [])
    found = s.scalars(select(Approval).where(Approval.key == row.key).order_by(Approval.id.desc())).first()
    if found is not None and found.revision == row.revision and found.by not in authors:
        return found, None
    who = f"someone other than {_and(authors)}" if authors else "someone"
    if found is not None and found.revision != row.revision:
        why = (f"{found.by}'s approval was of revision {found.revision} and the draft was edited since "
               f"(revision {row.revision}, by {row.updated_by or 'someone'})")
    else:
        why = f"review is on and draft revision {row.revision} is not approved"
    return None, (f"{row.key}: not published: {why}; it is saved as the draft awaiting approval by {who} "
                  f"(History › Approve draft, or `switchback approve {row.key}`)")


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def journey_row(s: Session, key: str) -> JourneyRow:
    row = s.get(JourneyRow, key)
    if row is None:
        raise InputError(key, "no journey with this key in the workspace")
    return row


def approve(s: Session, key: str, by: str, now: datetime) -> int:
    """Approve the draft as it is now; returns its revision. Refused for its authors, for a draft
    that is the published version already, and for one with problems; bad input (InputError) for
    an unknown key or a journey without review."""
    row = journey_row(s, key)
    if not review_on(s, row):
        raise InputError(key, "review is not on for this journey (settings.review): publishing needs no approval")
    if by in (row.editors or []):
        raise Refused(f"{key}: {by} edited this draft (revision {row.revision}) and cannot approve it; "
                      f"someone else must")
    latest = _published(s, key)
    if latest is not None and latest.document == row.draft:
        raise Refused(f"{key}: nothing to approve: the draft is version {latest.version} as published")
    problems = validation.validate(document.loads(row.draft, key))
    if problems:
        raise Refused(f"{key}: the draft has {len(problems)} problem(s) to fix before it can be approved "
                      f"(first: {problems[0].where}: {problems[0].message})")
    s.add(Approval(key=key, revision=row.revision, by=by, at=now))
    return row.revision


# --- reading the history -----------------------------------------------------------------------

@dataclass
class VersionInfo:
    version: int
    published_at: datetime
    by: str | None
    approved_by: str | None
    note: str | None
    contacts: int                  # active enrollments on this version now


@dataclass
class DraftInfo:
    revision: int
    updated_at: datetime
    updated_by: str | None
    editors: list[str]
    review: bool
    approved_by: str | None        # an approval that covers the draft as it is
    missing: str | None            # under review: what publishing still needs
    edited: bool                   # differs from the latest published version


def active_by_version(s: Session, key: str) -> dict[int, int]:
    q = (select(EnrollmentRow.version, func.count()).where(EnrollmentRow.journey == key, EnrollmentRow.state == "active")
         .group_by(EnrollmentRow.version))
    return dict(s.execute(q).all())


def history(s: Session, key: str) -> list[VersionInfo]:
    """Every published version, newest first. Raises InputError for an unknown key."""
    journey_row(s, key)
    on = active_by_version(s, key)
    rows = s.execute(select(JourneyVersion.version, JourneyVersion.published_at, JourneyVersion.published_by,
                            JourneyVersion.approved_by, JourneyVersion.note)
                     .where(JourneyVersion.key == key).order_by(JourneyVersion.version.desc())).all()
    return [VersionInfo(v, at, by, ok, note, on.get(v, 0)) for v, at, by, ok, note in rows]


def draft_info(s: Session, key: str) -> DraftInfo:
    row = journey_row(s, key)
    latest = _published(s, key)
    approval, missing = _approval(s, row)
    return DraftInfo(row.revision, row.updated_at, row.updated_by, list(row.editors or []), review_on(s, row),
                     approval.by if approval else None, missing, latest is None or latest.document != row.draft)


def document_at(s: Session, key: str, version: int | None) -> Journey:
    """A published version, or the draft (None). Raises InputError for an unknown key or version."""
    row = journey_row(s, key)
    if version is None:
        return document.loads(row.draft, key)
    found = _published(s, key, version)
    if found is None:
        latest = latest_version(s, key)
        known = f"versions 1 to {latest}" if latest else "no published version"
        raise InputError(f"{key} v{version}", f"no such version ({key} has {known})")
    return document.loads(found.document, f"{key} v{version}")


def on_older_versions(s: Session, key: str) -> dict[str, dict[int, int]]:
    """Node id -> {version: active contacts there} for every version older than the latest:
    contacts who will finish on what they entered, not on what the canvas shows."""
    latest = latest_version(s, key)
    if latest is None:
        return {}
    q = (select(EnrollmentRow.node, EnrollmentRow.version, func.count())
         .where(EnrollmentRow.journey == key, EnrollmentRow.state == "active", EnrollmentRow.version < latest)
         .group_by(EnrollmentRow.node, EnrollmentRow.version))
    out: dict[str, dict[int, int]] = {}
    for node, version, n in s.execute(q).all():
        out.setdefault(node, {})[version] = n
    return out


def published_between(s: Session, start: datetime, end: datetime) -> list[JourneyVersion]:
    """Versions published in [start, end), oldest first (the audit's "changes in the period")."""
    return list(s.scalars(select(JourneyVersion).where(JourneyVersion.published_at >= start,
                                                         JourneyVersion.published_at < end)
                          .order_by(JourneyVersion.published_at, JourneyVersion.key)))
