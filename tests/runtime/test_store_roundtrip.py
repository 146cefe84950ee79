"""Contact state written by the scheduler's bulk path reads back as it was: dates stay dates."""
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from switchback.runtime.store import repository as repo
from switchback.runtime.store.models import Contact
from switchback.runtime.store.workspace import Store
from tests.support import postgres

NOW = datetime(2026, 3, 10, 9, 30, 15, 123456, tzinfo=timezone.utc)


def claimed(s, email: str) -> list[tuple[int, int]]:
    """(contact id, version), as the scheduler claims a contact."""
    return [tuple(s.execute(select(Contact.id, Contact.version).where(Contact.email == email)).one())]


def roundtrip(store: Store) -> None:
    with store.session() as s:
        repo.import_contacts(s, [{"email": "Ada@Shop.test", "renewal_date": date(2027, 1, 15), "plan": "Pro"}], NOW)
    with store.session() as s:
        [item] = repo.load(s, claimed(s, "ada@shop.test"), NOW, None)
        item.state.fields["seen_at"] = NOW
        item.state.fields["score"] = 7
        item.state.fields_dirty = True
        repo.save(s, [item], NOW, generation=1)
    with store.session() as s:
        [item] = repo.load(s, claimed(s, "ada@shop.test"), NOW, None)
    fields = item.state.fields
    assert fields["renewal_date"] == date(2027, 1, 15) and type(fields["renewal_date"]) is date
    assert fields["seen_at"] == NOW
    assert (fields["score"], fields["plan"], item.admitted) == (7, "Pro", 1)


def test_sqlite(tmp_path):
    roundtrip(Store(f"sqlite:///{tmp_path / 'w.sqlite'}"))


@pytest.mark.skipif(not postgres.available(), reason="PostgreSQL is not installed (.ci/run installs it)")
def test_postgresql():
    with postgres.server() as url:
        store = Store(url)
        roundtrip(store)
        store.close()


def test_sqlite_hand_off_claims_are_synced_to_disk_and_other_transactions_are_not(tmp_path):
    """A message's claim must survive a power cut (or it would be handed over again after one);
    the scheduler's own rounds may wait for the next checkpoint."""
    from sqlalchemy import text
    store = Store(f"sqlite:///{tmp_path}/w.sqlite")
    full, normal = 2, 1
    with store.session(durable=True) as s:
        assert s.execute(text("PRAGMA synchronous")).scalar() == full
    with store.session() as s:
        assert s.execute(text("PRAGMA synchronous")).scalar() == normal
    store.close()


def test_a_scheduler_with_nothing_left_to_do_leaves_the_workspace_one_file(tmp_path):
    """Checkpoints run by themselves only every 256 MB of log; an idle scheduler folds the log in."""
    from switchback.runtime.clock import VirtualClock
    from switchback.runtime.contacts import Event
    from switchback.runtime.engine import ENROLL_EVENT
    from switchback.runtime.scheduler import Scheduler
    from switchback.runtime import document
    from tests.conftest import DATA
    store = Store(f"sqlite:///{tmp_path}/w.sqlite")
    journey = document.load(DATA / "crash" / "drip.journey.json")
    with store.session() as s:
        repo.import_contacts(s, [{"email": f"p{i}@shop.test"} for i in range(300)], NOW)
        repo.publish(s, journey, NOW)
        repo.record_events(s, [Event(f"p{i}@shop.test", ENROLL_EVENT, NOW, {"journey": journey.key})
                               for i in range(300)], NOW)
    wal = tmp_path / "w.sqlite-wal"
    total = Scheduler(store, VirtualClock(NOW)).run(fast_forward=True)
    assert total.messages > 0 and wal.stat().st_size == 0
    store.close()
