"""A machine that slept or was off catches up when it wakes (SPEC 9): everything that fell due runs
once, in order, and a send that now falls in quiet hours waits for the end of the window. The
scheduler of `run` and of the designer, on a virtual clock that jumps over the hours it was off."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select

from switchback.runtime.clock import VirtualClock
from switchback.runtime.contacts import Event
from switchback.runtime.scheduler import Scheduler
from switchback.runtime.store import repository as repo
from switchback.runtime.store.models import Delivery, OutboxRow, StepRow
from switchback.runtime.store.workspace import Store
from tests.runtime.test_rules import QUIET, delay, email, journey, on

DAY = datetime(2026, 3, 10, tzinfo=timezone.utc)


def at(hour: int, minute: int = 0, day: int = 0) -> datetime:
    return DAY.replace(day=10 + day, hour=hour, minute=minute)


def sends(store: Store) -> list[tuple[str, str, str]]:
    """(contact, subject, when it went) in the order they went."""
    with store.session() as s:
        assert s.query(Delivery).count() == s.query(OutboxRow).filter(OutboxRow.status == "sent").count()
        return [(m.to, m.payload["subject"], m.at.strftime("%d %H:%M"))
                for m in s.scalars(select(OutboxRow).order_by(OutboxRow.id))]


def wake(store: Store, moment: datetime) -> None:
    Scheduler(store, VirtualClock(moment)).run(until_idle=True)


def steps_of(store: Store) -> list[tuple[str, str, str, str]]:
    with store.session() as s:
        return [(st.at.strftime("%d %H:%M"), st.contact_id, st.node, st.what)
                for st in s.scalars(select(StepRow).where(StepRow.what.in_(("sent", "held", "left"))).order_by(StepRow.id))]


def test_after_a_sleep_what_fell_due_runs_once_in_order_and_quiet_hours_hold_the_late_sends(tmp_path):
    steps = journey("steps", on("signed_up"), email("one", subject="One"), delay("hour", "2h"),
                    email("two", subject="Two"), delay("later", "2h"), email("three", subject="Three"), quiet_hours=QUIET)
    store = Store(f"sqlite:///{tmp_path / 'w.sqlite'}")
    with store.session() as s:
        repo.publish(s, steps, at(9))
        repo.import_contacts(s, [{"email": "early@c.test"}, {"email": "late@c.test"}], at(9))
        repo.record_events(s, [Event("early@c.test", "signed_up", at(16)),
                               Event("late@c.test", "signed_up", at(16, 30))], at(9))
    wake(store, at(16, 45))
    assert sends(store) == [("early@c.test", "One", "10 16:00"), ("late@c.test", "One", "10 16:30")]

    # The lid closed at 16:45 and opened at 23:00: both waits ended while it slept (18:00 and 18:30).
    # They end now, the earlier first; the emails they lead to now fall in quiet hours (20:00-08:00).
    wake(store, at(23))
    assert sends(store)[2:] == []
    assert steps_of(store)[2:] == [("10 23:00", 1, "hour", "left"), ("10 23:00", 1, "two", "held"),
                                   ("10 23:00", 2, "hour", "left"), ("10 23:00", 2, "two", "held")]
    with store.session() as s:
        held = [st.detail for st in s.scalars(select(StepRow).where(StepRow.what == "held"))]
    assert held == ["held by quiet hours until 2026-03-11 08:00 UTC"] * 2
    wake(store, at(7, 59, day=1))
    assert sends(store)[2:] == []                     # still quiet

    # Off all night, on again at 09:00: each held email goes once, in order, and the next wait starts now.
    wake(store, at(9, day=1))
    assert sends(store)[2:] == [("early@c.test", "Two", "11 09:00"), ("late@c.test", "Two", "11 09:00")]
    wake(store, at(12, day=1))
    assert sends(store)[4:] == [("early@c.test", "Three", "11 12:00"), ("late@c.test", "Three", "11 12:00")]
    for moment in (at(12, day=1), at(18, day=2)):
        wake(store, moment)
    assert len(sends(store)) == 6                     # nothing runs twice however often it wakes
    assert [(who, what) for _, who, what, kind in steps_of(store) if kind == "sent"] == [
        (1, "one"), (2, "one"), (1, "two"), (2, "two"), (1, "three"), (2, "three")]
