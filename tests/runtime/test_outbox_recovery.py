"""A message left `sending` by a worker that died is recovered once: a claim another worker made
since stands, and that worker's hand-off is the one that counts."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from runtime import outbox
from runtime.store.models import Contact, OutboxRow
from runtime.store.workspace import Store

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc)
DEAD = f"{outbox.HOST}:999999999"          # no such process


class Idempotent:
    idempotent = True


def left_by_a_dead_worker(tmp_path) -> Store:
    store = Store(f"sqlite:///{tmp_path}/w.sqlite")
    with store.session() as s:
        s.add(Contact(id=1, email="ada@shop.test", fields={}, created_at=NOW, updated_at=NOW))
        s.flush()
        s.add(OutboxRow(key="e1/welcome/1", contact_id=1, journey="j", node="welcome", channel="email", to="ada@shop.test",
                        payload={"subject": "Hi"}, at=NOW, status="sending", attempts=1,
                        claimed_until=datetime.now(timezone.utc) + timedelta(minutes=5), claimed_by=DEAD))
    return store


def row(store: Store) -> OutboxRow:
    with store.session() as s:
        return s.scalars(select(OutboxRow)).one()


def test_a_dead_workers_message_goes_back_to_pending_for_an_idempotent_sender(tmp_path):
    store = left_by_a_dead_worker(tmp_path)
    outbox.recover(store, datetime.now(timezone.utc), lambda channel, connector: Idempotent())
    assert (row(store).status, row(store).claimed_by) == ("pending", None)


def test_a_claim_made_while_recovering_is_not_undone(tmp_path):
    store = left_by_a_dead_worker(tmp_path)

    def another_worker_recovers_and_claims_it():
        with store.session() as s:
            r = s.scalars(select(OutboxRow)).one()
            r.claimed_by, r.claimed_until = "elsewhere:1", datetime.now(timezone.utc) + timedelta(minutes=5)

    def sender_for(channel, connector):
        # recover() looks senders up between its two transactions: the other worker acts then
        another_worker_recovers_and_claims_it()
        return Idempotent()

    outbox.recover(store, datetime.now(timezone.utc), sender_for)
    r = row(store)
    assert (r.status, r.claimed_by) == ("sending", "elsewhere:1")
