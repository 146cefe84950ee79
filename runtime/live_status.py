"""What the workspace is doing while it runs, in the words of the designer's status bar (SPEC 9):
journeys live, contacts waiting, the next send, events in the last hour, and any connector failing.
Read in one short session, off the GUI thread."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select

from switchback.runtime import journey_controls
from switchback.runtime.state import ACTIVE
from switchback.runtime.store.models import (Contact, EnrollmentRow, EventRow, JourneyRow, JourneyVersion, OutboxRow,
                                             Setting)
from switchback.runtime.store.workspace import Store

FAILING_SINCE = timedelta(hours=24)
ROUTINE_FAILING = "failing:"             # the settings key the connectors' scheduled rounds note a failure under      # a sender's failures this recent still count as failing


@dataclass
class LiveStatus:
    live: int = 0                         # published journeys neither paused nor off
    waiting: int = 0                      # contacts on a journey now
    next_send: datetime | None = None     # the soonest pending message, or else the soonest step
    next_is_step: bool = False
    events_hour: int = 0
    failing: dict[str, str] = field(default_factory=dict)      # connector -> what went wrong


def read(store: Store, now: datetime) -> LiveStatus:
    out = LiveStatus()
    with store.session() as s:
        published = select(JourneyVersion.key).distinct()
        out.live = s.scalar(select(func.count(JourneyRow.key)).where(
            JourneyRow.state == journey_controls.LIVE, JourneyRow.key.in_(published))) or 0
        out.waiting = s.scalar(select(func.count(func.distinct(EnrollmentRow.contact_id)))
                               .where(EnrollmentRow.state == ACTIVE)) or 0
        out.next_send = s.scalar(select(func.min(func.coalesce(OutboxRow.next_attempt, OutboxRow.at))).where(OutboxRow.status == "pending"))
        if out.next_send is None:
            out.next_send, out.next_is_step = s.scalar(select(func.min(Contact.next_due))), True
        if out.next_send is not None and out.next_send.tzinfo is None:
            out.next_send = out.next_send.replace(tzinfo=now.tzinfo)
        out.events_hour = s.scalar(select(func.count(EventRow.id)).where(EventRow.at > now - timedelta(hours=1))) or 0
        rows = s.execute(select(OutboxRow.connector, OutboxRow.channel, OutboxRow.error, OutboxRow.status)
                         .where(OutboxRow.error.is_not(None), OutboxRow.status.in_(("pending", "failed", "uncertain")),
                                OutboxRow.at > now - FAILING_SINCE).order_by(OutboxRow.id.desc()).limit(200))
        for connector, channel, error, status in rows:
            out.failing.setdefault(connector or channel, (error or "").splitlines()[0] if error else status)
        for key, why in s.execute(select(Setting.key, Setting.value).where(Setting.key.startswith(ROUTINE_FAILING))):
            if why:
                out.failing.setdefault(key.removeprefix(ROUTINE_FAILING), f"sync failing ({why})")
    return out


def _when(moment: datetime, now: datetime) -> str:
    ahead = moment - now
    if ahead <= timedelta(0):
        return "due now"
    if ahead < timedelta(hours=1):
        return f"in {max(1, int(ahead.total_seconds() // 60))} min"
    if ahead < timedelta(days=1):
        return f"in {ahead.total_seconds() / 3600:.0f} h"
    days = round(ahead / timedelta(days=1))
    return f"in {days} day{'s' if days != 1 else ''}"


def words(status: LiveStatus, now: datetime, running: bool = True) -> str:
    """One line, plain: 'Running · 2 journeys live · 14 contacts waiting · next send in 5 min · ...'."""
    plural = lambda n, one, many: f"{n:,} {one if n == 1 else many}"
    parts = ["Running" if running else "Not running",
             plural(status.live, "journey live", "journeys live"),
             plural(status.waiting, "contact waiting", "contacts waiting")]
    if status.next_send is None:
        parts.append("nothing due")
    else:
        parts.append(f"next {'step' if status.next_is_step else 'send'} {_when(status.next_send, now)}")
    parts.append(plural(status.events_hour, "event", "events") + " in the last hour")
    for name, why in sorted(status.failing.items())[:2]:
        parts.append(f"{name} failing: {why[:80]}")
    if len(status.failing) > 2:
        parts.append(f"{len(status.failing) - 2} more connectors failing")
    return " · ".join(parts)
