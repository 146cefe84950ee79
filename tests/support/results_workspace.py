"""A workspace the real scheduler ran for the results in the designer: the A/B journey with a 10 %
holdout, thousands of contacts signing up over the last three days, opens and clicks (clicks are
its goal), and a few messages of the last hour failed."""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import select

from switchback.runtime.clock import VirtualClock
from switchback.runtime.contacts import Event
from switchback.runtime.engagement import record_engagement
from switchback.runtime.scheduler import Scheduler
from switchback.runtime.store import repository as repo
from switchback.runtime.store.models import OutboxRow
from switchback.runtime.store.workspace import Store
from tests.runtime.results_kit import contacts, split_journey


def build(path: Path, n: int = 3000, failed: int = 6) -> datetime:
    """Writes the workspace at `path`; returns the moment it was run up to (a minute ago)."""
    now = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(minutes=1)
    start = now - timedelta(days=3)
    store = Store(f"sqlite:///{path}")
    people = contacts(n)
    for i, p in enumerate(people):
        p["last_name"] = ["Lovelace", "Hopper", "Turing", "Noether"][i % 4]
    clock = VirtualClock(start)
    span = (now - start).total_seconds()
    with store.session() as s:
        repo.import_contacts(s, people, start)
        repo.publish(s, split_journey(holdout=10), start)
        repo.record_events(s, [Event(p["email"], "signed_up", start + timedelta(seconds=span * (i + 0.5) / n), {})
                               for i, p in enumerate(people)], start)
    scheduler = Scheduler(store, clock)
    rng = random.Random(5)
    for hour in range(1, 73):                      # hour by hour, some of each hour's messages opened and clicked
        clock.advance_to(start + timedelta(hours=hour))
        scheduler.run(until_idle=True)
        with store.session() as s:
            ids = s.scalars(select(OutboxRow.id).where(OutboxRow.at > clock.now() - timedelta(hours=1))).all()
        for mid in ids:
            u = rng.random()
            if u < 0.4:
                record_engagement(store, mid, "email_opened", {}, clock.now())
            if u < 0.12:
                record_engagement(store, mid, "email_clicked", {"url": "https://example.test/"}, clock.now())
    clock.advance_to(now)
    scheduler.run(until_idle=True)
    with store.session() as s:
        ids = s.scalars(select(OutboxRow.id).where(OutboxRow.at > now - timedelta(minutes=50))
                        .order_by(OutboxRow.id)).all()
        s.execute(OutboxRow.__table__.update().where(OutboxRow.id.in_(ids[:failed]))
                  .values(status="failed", error="refused by the server", attempts=1))
    store.close()
    return now
