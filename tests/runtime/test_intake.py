"""Events from outside, recorded (runtime/intake.py), on SQLite and PostgreSQL: message ids make a
retry harmless, and the events of ids nobody is known by yet reach the contact, in their own time
order, in the transaction that joins the id, through an identify, an alias or a chain of them."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from switchback.runtime.intake import Incoming, record
from switchback.runtime.intake_writer import GroupWriter
from switchback.runtime.store.intake_models import IntakeMessage, PendingEvent
from switchback.runtime.store.models import Contact, EventRow
from switchback.runtime.store.workspace import Store
from tests.support import postgres

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)


@contextmanager
def workspace(kind: str, tmp_path):
    if kind == "sqlite":
        store = Store(f"sqlite:///{tmp_path / 'w.sqlite'}")
        yield store
        store.close()
        return
    if not postgres.available():
        pytest.skip("PostgreSQL is not installed (.ci/run installs it)")
    with postgres.server() as url:
        store = Store(url)
        yield store
        store.close()


def events(store: Store) -> list[tuple[str, str, int]]:
    with store.session() as s:
        q = (select(Contact.email, EventRow.type, EventRow.at).join(Contact, Contact.id == EventRow.contact_id)
             .order_by(Contact.email, EventRow.at))
        return [(e, t, int((at - T0).total_seconds() // 60)) for e, t, at in s.execute(q)]


def pending(store: Store) -> int:
    with store.session() as s:
        return s.scalar(select(func.count()).select_from(PendingEvent))


def track(minute: int, type: str, user: str | None = None, anonymous: str | None = None, mid: str | None = None) -> Incoming:
    return Incoming(type, T0 + timedelta(minutes=minute), user_id=user, anonymous_id=anonymous, message_id=mid)


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_ids_join_contacts_and_their_waiting_events_follow_in_time_order(kind, tmp_path):
    with workspace(kind, tmp_path) as store:
        record(store, [track(5, "pricing_viewed", anonymous="a1"), track(1, "landed", anonymous="a1"),
                       track(2, "landed", anonymous="a2")], T0)
        assert events(store) == [] and pending(store) == 3
        # an alias between two unknown ids ties them: still nobody's
        record(store, [Incoming(None, T0, user_id="u7", previous_id="a2")], T0)
        assert events(store) == [] and pending(store) == 3
        # a call with both ids ties the anonymous one to the user id
        record(store, [track(6, "trial_started", user="u7", anonymous="a1")], T0)
        assert events(store) == []
        # the identify joins u7, and with it a1 and a2, and their events become Ada's in time order
        record(store, [Incoming("contact_updated", T0 + timedelta(minutes=9), user_id="u7", email="Ada@Shop.test",
                                properties={"first_name": "Ada"})], T0)
        assert events(store) == [("ada@shop.test", "landed", 1), ("ada@shop.test", "landed", 2),
                                 ("ada@shop.test", "pricing_viewed", 5), ("ada@shop.test", "trial_started", 6),
                                 ("ada@shop.test", "contact_updated", 9)]
        assert pending(store) == 0
        # from now on each of those ids is Ada at once; an email as the id is its contact
        record(store, [track(10, "demo_booked", anonymous="a2"), track(11, "paid", user="Grace@Shop.test")], T0)
        assert events(store)[-2:] == [("ada@shop.test", "demo_booked", 10), ("grace@shop.test", "paid", 11)]


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_message_id_is_recorded_once_however_often_and_however_together_it_comes(kind, tmp_path):
    with workspace(kind, tmp_path) as store:
        batch = [track(n, "item_viewed", user="ada@shop.test", mid=f"m{n}") for n in range(5)]
        first = record(store, batch + [batch[0]], T0)
        assert (first.events, first.repeated) == (5, 1)
        again = record(store, batch, T0)
        assert (again.events, again.repeated) == (0, 5)
        # the server's writer puts requests that arrive together in one transaction: still once each
        writer = GroupWriter(store)
        done = [writer.record([track(n, "item_viewed", user="ada@shop.test", mid=f"m{n}")], T0) for n in range(3, 8)]
        assert [d.events for d in done] == [0, 0, 1, 1, 1]
        assert len(events(store)) == 8
        with store.session() as s:
            assert s.scalar(select(func.count()).select_from(IntakeMessage)) == 8
