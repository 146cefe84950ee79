"""Journeys' published versions, as the scheduler and the audit read them."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from switchback.nodes.durations import as_published
from switchback.runtime import document, journey_controls
from switchback.runtime.document import Journey
from switchback.runtime.problems import InputError
from switchback.runtime.store import versions
from switchback.runtime.store.models import JourneyVersion


def publish(s: Session, journey: Journey, now: datetime, by: str | None = None) -> int:
    """Publish without a note (versions.publish has the note and says why review held it back);
    the version, or InputError when review holds it back."""
    outcome = versions.publish(s, journey, now, by)
    if outcome.version is None:
        raise InputError(journey.key, outcome.missing)
    return outcome.version


def generation(s: Session) -> int:
    """Grows with every publish, pause, resume and turn-off; the scheduler reloads its published journeys when
    it changes."""
    return (s.scalar(select(func.count(JourneyVersion.id))) or 0) + journey_controls.count(s)


def published(s: Session) -> list[tuple[Journey, int]]:
    """Every published version, as (document, version), by key then version."""
    rows = s.scalars(select(JourneyVersion).order_by(JourneyVersion.key, JourneyVersion.version))
    with as_published():
        return [(document.loads(r.document, f"{r.key} v{r.version}"), r.version) for r in rows]
