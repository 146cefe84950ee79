"""What the scheduler and the audit run against, built from the store's plain rows: the published
journeys (every published version), the workspace's rules, and how far back the frequency caps look."""
from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from switchback.nodes.durations import as_published
from switchback.runtime import journey_controls
from switchback.runtime.published import Published, PublishedJourneys
from switchback.runtime.engine import WorkspaceRules
from switchback.runtime.settings import FrequencyCap, QuietHours
from switchback.runtime.store import journeys
from switchback.runtime.store.settings import get_settings


def published_journeys(s: Session) -> PublishedJourneys:
    with as_published():          # configs parsed as they were accepted (nodes/durations.py)
        return PublishedJourneys([Published(journey, version) for journey, version in journeys.published(s)],
                       journey_controls.states(s))


def rules(s: Session) -> WorkspaceRules:
    values = get_settings(s)
    out = WorkspaceRules()
    if values.get("timezone"):
        out.timezone = ZoneInfo(values["timezone"])
    if values.get("quiet_hours"):
        out.quiet_hours = QuietHours.model_validate(values["quiet_hours"])
    if values.get("frequency_cap"):
        out.frequency_cap = FrequencyCap.model_validate(values["frequency_cap"])
    return out


def cap_window(published: PublishedJourneys, rules: WorkspaceRules) -> timedelta | None:
    windows = [p.settings.frequency_cap.window for p in published.versions.values() if p.settings.frequency_cap]
    if rules.frequency_cap:
        windows.append(rules.frequency_cap.window)
    return max(windows) if windows else None
