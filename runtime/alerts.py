"""What needs a person's attention in a running workspace (SPEC 12): a delivery failure rate over
5 % in the last hour, enrollments in the last hour over three times the hourly median of the 7 days
before, contacts parked with errors, a connector failing. Each in plain words."""
from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select

from switchback.runtime.store.models import EnrollmentRow, OutboxRow
from switchback.runtime.store.workspace import Store

FAILURE_RATE = 0.05
SPIKE = 3.0
HOUR, WEEK = timedelta(hours=1), timedelta(days=7)


@dataclass(frozen=True)
class Alert:
    kind: str                 # failures, spike, errors, connector
    text: str
    journey: str | None = None
    node: str | None = None


def alerts(store: Store, now: datetime) -> list[Alert]:
    with store.session() as s:
        return _failures(s, now) + _spikes(s, now) + _parked(s) + _connectors(s, now)


def _failures(s, now: datetime) -> list[Alert]:
    """Of the messages handed to a sender in the last hour, the share that failed (for good, or
    waiting to be tried again after an error)."""
    ob = OutboxRow.__table__.c
    failed = or_(ob.status.in_(("failed", "uncertain")), ob.error.is_not(None) & (ob.status != "sent"))
    handed, bad = s.execute(select(func.count(), func.count().filter(failed))
                            .where(ob.at > now - HOUR, ob.at <= now, ob.attempts > 0)).one()
    if handed and bad / handed > FAILURE_RATE:
        return [Alert("failures", f"{bad} of {handed} messages handed to senders in the last hour failed "
                                  f"({bad / handed:.0%}, over {FAILURE_RATE:.0%})")]
    return []


def _spikes(s, now: datetime) -> list[Alert]:
    en = EnrollmentRow.__table__.c
    hours: dict[str, Counter] = {}
    for journey, at in s.execute(select(en.journey, en.entered_at).where(en.entered_at > now - WEEK - HOUR,
                                                                         en.entered_at <= now)):
        hours.setdefault(journey, Counter())[int((now - at) / HOUR)] += 1
    out = []
    for journey, counts in sorted(hours.items()):
        last = counts.get(0, 0)
        median = statistics.median(counts.get(h, 0) for h in range(1, 7 * 24 + 1))
        if last > SPIKE * max(median, 1):
            out.append(Alert("spike", f"{journey}: {last} enrollments in the last hour, over {SPIKE:g} times "
                                      f"the hourly median of the last 7 days ({median:g})", journey))
    return out


def _parked(s) -> list[Alert]:
    en = EnrollmentRow.__table__.c
    rows = s.execute(select(en.journey, en.node, func.count()).where(en.state == "error")
                     .group_by(en.journey, en.node).order_by(en.journey, en.node))
    return [Alert("errors", f"{journey}/{node}: {n} contact{'s' if n != 1 else ''} parked with an error",
                  journey, node) for journey, node, n in rows]


def _connectors(s, now: datetime) -> list[Alert]:
    """A connector whose latest outcome in the last hour is an error: nothing it handed over since."""
    ob = OutboxRow.__table__.c
    rows = s.execute(select(ob.connector, ob.status, ob.error, ob.sent_at, ob.at)
                     .where(ob.connector.is_not(None), ob.at > now - HOUR, ob.attempts > 0))
    last_sent: dict[str, datetime] = {}
    last_error: dict[str, tuple[datetime, str]] = {}
    for connector, status, error, sent_at, at in rows:
        if status == "sent" and sent_at is not None:
            last_sent[connector] = max(sent_at, last_sent.get(connector, sent_at))
        elif error:
            if connector not in last_error or at > last_error[connector][0]:
                last_error[connector] = (at, error)
    return [Alert("connector", f"connector {name} is failing: {error}")
            for name, (at, error) in sorted(last_error.items()) if name not in last_sent or last_sent[name] < at]
