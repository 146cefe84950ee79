"""Handing messages over: a claim is on disk before a message leaves the machine; a message left
`sending` by a worker that died is recovered once, and a claim another worker made since stands."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import event, select

from switchback.runtime import outbox, queue
from switchback.runtime.store.models import Contact, OutboxRow
from switchback.runtime.store.workspace import Store

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc)
DEAD = f"{queue.HOST}:999999999"          # no such process


class Idempotent:
    idempotent = True


def with_message(tmp_path, **row) -> Store:
    store = Store(f"sqlite:///{tmp_path}/w.sqlite")
    with store.session() as s:
        s.add(Contact(id=1, email="ada@shop.test", fields={}, created_at=NOW, updated_at=NOW))
        s.flush()
        s.add(OutboxRow(key="e1/welcome/1", contact_id=1, journey="j", node="welcome", channel="email", to="ada@shop.test",
                        payload={"subject": "Hi"}, at=NOW, **row))
    return store


def left_by_a_dead_worker(tmp_path) -> Store:
    return with_message(tmp_path, status="sending", attempts=1, claimed_by=DEAD,
                        claimed_until=datetime.now(timezone.utc) + timedelta(minutes=5))


class Watched:
    """A sender that notes whether a synced (durable) commit happened before it was handed anything."""
    idempotent = False

    def __init__(self, store: Store, external: bool):
        self.external, self.synced_before, self.durable_commits = external, None, []
        event.listen(store.engine, "commit",
                     lambda conn: self.durable_commits.append(bool(conn.get_execution_options().get("durable"))))

    def send(self, message) -> None:
        self.synced_before = any(self.durable_commits)


def test_a_claim_is_synced_to_disk_before_a_message_leaves_the_machine(tmp_path):
    store = with_message(tmp_path, status="pending", attempts=0)
    sender = Watched(store, external=True)
    assert outbox.deliver(store, lambda channel, connector: sender, NOW) == 1
    assert sender.synced_before is True and row(store).status == "sent"


def test_a_sender_that_keeps_messages_in_the_workspace_costs_no_sync(tmp_path):
    store = with_message(tmp_path, status="pending", attempts=0)
    sender = Watched(store, external=False)
    assert outbox.deliver(store, lambda channel, connector: sender, NOW) == 1
    assert sender.synced_before is False and not any(sender.durable_commits)


def row(store: Store) -> OutboxRow:
    with store.session() as s:
        return s.scalars(select(OutboxRow)).one()


def test_a_dead_workers_message_goes_back_to_pending_for_an_idempotent_sender(tmp_path):
    store = left_by_a_dead_worker(tmp_path)
    queue.recover(store, datetime.now(timezone.utc), lambda channel, connector: Idempotent())
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

    queue.recover(store, datetime.now(timezone.utc), sender_for)
    r = row(store)
    assert (r.status, r.claimed_by) == ("sending", "elsewhere:1")
