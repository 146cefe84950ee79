"""A worker keeps the contacts it visited between batches, and uses its copy only while nobody else
has changed the contact since: messages still go out once each, in order, whoever runs the step."""
import json
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from switchback.runtime import document
from switchback.runtime.clock import VirtualClock
from switchback.runtime.contacts import Event
from switchback.runtime.engine import ENROLL_EVENT
from switchback.runtime.scheduler import Scheduler
from switchback.runtime.store import repository as repo
from switchback.runtime.store.models import Delivery, EnrollmentRow, OutboxRow
from switchback.runtime.store.state_cache import StateCache
from switchback.runtime.store.workspace import Store

START = datetime(2026, 3, 10, 10, tzinfo=timezone.utc)
DRIP = {
    "format": "switchback.journey/1", "key": "drip", "name": "Drip",
    "nodes": [{"id": "all", "kind": "trigger.manual", "config": {}},
              *[{"id": f"m{i}", "kind": "action.email", "config": {"connector": "smtp", "subject": f"Part {i} for {{{{ contact.first_name }}}}",
                                                                   "body": "."}} for i in (1, 2, 3)],
              {"id": "d1", "kind": "wait.delay", "config": {"duration": "1d"}},
              {"id": "d2", "kind": "wait.delay", "config": {"duration": "1d"}}],
    "edges": [{"from": "all", "to": "m1"}, {"from": "m1", "to": "d1"}, {"from": "d1", "to": "m2"},
              {"from": "m2", "to": "d2"}, {"from": "d2", "to": "m3"}],
}
PEOPLE = [{"email": f"p{i}@shop.test", "first_name": f"P{i}", "consent_email": "subscribed"} for i in range(5)]


def drip_workspace(tmp_path) -> Store:
    store = Store(f"sqlite:///{tmp_path / 'w.sqlite'}")
    with store.session() as s:
        repo.import_contacts(s, PEOPLE, START)
        repo.publish(s, document.loads(json.dumps(DRIP)), START)
        repo.record_events(s, [Event(p["email"], ENROLL_EVENT, START, {"journey": "drip"}) for p in PEOPLE], START)
    return store


def delivered(store: Store) -> list[tuple[str, str]]:
    with store.session() as s:
        return sorted((d.to, d.payload["subject"]) for d in s.scalars(select(Delivery)))


def everyone_got_each_part_once(store: Store) -> None:
    assert delivered(store) == sorted((p["email"], f"Part {i} for {p['first_name']}") for p in PEOPLE for i in (1, 2, 3))
    with store.session() as s:
        assert {e.state for e in s.scalars(select(EnrollmentRow))} == {"completed"}


@pytest.mark.parametrize("kept", [200_000, 2, 0])
def test_two_workers_taking_turns_send_each_message_once(tmp_path, kept):
    store = drip_workspace(tmp_path)
    clock = VirtualClock(START)
    workers = [Scheduler(store, clock, kept=kept), Scheduler(store, clock, kept=kept)]
    visits = 0
    while (upcoming := workers[0].next_due()) is not None:
        clock.advance_to(max(upcoming, clock.now()))
        visits += workers[visits % 2].round().contacts > 0           # each visit by the other worker
    assert visits == 3
    everyone_got_each_part_once(store)


def test_an_address_the_crm_changes_between_visits_gets_the_next_message(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'w.sqlite'}")
    with store.session() as s:
        known: dict[str, int] = {}
        repo.merge_crm_contacts(s, [{"crm_id": "7", "email": "ada@old.test", "first_name": "Ada",
                                     "consent_email": "subscribed"}], "crm_id", START, known)
        repo.publish(s, document.loads(json.dumps(DRIP)), START)
        repo.record_events(s, [Event("ada@old.test", ENROLL_EVENT, START, {"journey": "drip"})], START)
    clock = VirtualClock(START)
    worker = Scheduler(store, clock)
    worker.step_batch()
    with store.session() as s:
        repo.merge_crm_contacts(s, [{"crm_id": "7", "email": "ada@new.test", "first_name": "Ada",
                                     "consent_email": "subscribed"}], "crm_id", START, known)
    worker.run(fast_forward=True)
    assert delivered(store) == [("ada@new.test", "Part 2 for Ada"), ("ada@new.test", "Part 3 for Ada"),
                                ("ada@old.test", "Part 1 for Ada")]
    with store.session() as s:
        assert {e.contact_id for e in s.scalars(select(EnrollmentRow))} == {repo.contact_id(s, "ada@new.test")}


class Copy:
    def __init__(self, id, version):
        self.id, self.version = id, version


def test_a_copy_of_another_version_is_not_used_and_the_least_recently_visited_go_first():
    cache = StateCache(limit=2)
    cache.keep([Copy(1, 3), Copy(2, 1)])
    assert cache.take(1, 4) is None and cache.take(1, 3) is None       # stale, and then gone
    cache.keep([Copy(1, 4), Copy(3, 1)])                                # 2 is the least recently visited
    assert len(cache) == 2 and cache.take(2, 1) is None
    assert cache.take(3, 1).version == 1 and cache.take(1, 4).version == 4


def test_a_step_batch_queues_its_messages_and_only_a_delivery_hands_them_over(tmp_path):
    store = drip_workspace(tmp_path)
    worker = Scheduler(store, VirtualClock(START))
    assert worker.step_batch().contacts == len(PEOPLE)
    with store.session() as s:
        assert {o.status for o in s.scalars(select(OutboxRow))} == {"pending"}     # queued, nothing recorded
    assert delivered(store) == []
    assert worker.deliver() == len(PEOPLE)
    assert delivered(store) == sorted((p["email"], f"Part 1 for {p['first_name']}") for p in PEOPLE)
