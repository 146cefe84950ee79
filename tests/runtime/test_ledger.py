"""The outbox as a ledger, message by message: only the message being handed over is ever
`sending`; the others this worker reserved stay queued and go back to the queue when it stops; a
lease is renewed while the work goes on; a worker that lost a claim never hands that message
over; a connector that needs setting up holds its messages without spending their attempts."""
import time
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from switchback.runtime import outbox, outbox_review, queue
from switchback.runtime.failures import NeedsSetup
from switchback.runtime.store.models import Contact, OutboxRow
from switchback.runtime.store.workspace import Store

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc)


def with_messages(tmp_path, n: int) -> Store:
    store = Store(f"sqlite:///{tmp_path}/w.sqlite")
    with store.session() as s:
        s.add(Contact(id=1, email="ada@shop.test", fields={}, created_at=NOW, updated_at=NOW))
        s.flush()
        for i in range(n):
            s.add(OutboxRow(key=f"k{i}", contact_id=1, journey="j", node="n", channel="email", to="ada@shop.test",
                            payload={"subject": f"#{i}"}, at=NOW))
    return store


def rows(store: Store) -> list[OutboxRow]:
    with store.session() as s:
        return list(s.scalars(select(OutboxRow).order_by(OutboxRow.id)))


class Mail:
    """A sender that leaves the machine and cannot de-duplicate (as SMTP); `during(n, store)`
    runs while it hands over its n-th message (from 1)."""
    idempotent = False

    def __init__(self, store: Store, during=lambda n, store: None):
        self.store, self.during, self.handed = store, during, []

    def send(self, message) -> None:
        self.handed.append(message.key)
        self.during(len(self.handed), self.store)


def test_only_the_message_in_flight_is_sending_the_reserved_ones_stay_queued(tmp_path):
    store = with_messages(tmp_path, 5)
    seen = []
    sender = Mail(store, lambda n, store: seen.append(Counter(r.status for r in rows(store))))
    assert outbox.deliver(store, lambda channel, connector: sender, NOW) == 5
    assert seen == [Counter({"sent": n, "sending": 1, "pending": 4 - n}) for n in range(5)]
    assert [(r.status, r.attempts, r.claimed_by) for r in rows(store)] == [("sent", 1, None)] * 5


def test_ctrl_c_mid_hand_off_leaves_only_that_message_uncertain_and_the_rest_queued(tmp_path):
    store = with_messages(tmp_path, 5)

    def interrupted(n, store):
        if n == 3:
            raise KeyboardInterrupt
    sender = Mail(store, interrupted)
    with pytest.raises(KeyboardInterrupt):
        outbox.deliver(store, lambda channel, connector: sender, NOW)
    assert [r.status for r in rows(store)] == ["sent", "sent", "uncertain", "pending", "pending"]
    assert all(r.claimed_by is None for r in rows(store))            # the queued ones free for any worker at once
    assert len(outbox_review.resend(store, [rows(store)[2].id], who="a person")) == 1
    assert (rows(store)[2].status, rows(store)[2].attempts) == ("pending", 0)


def test_a_worker_that_lost_its_claim_never_hands_that_message_over(tmp_path):
    store = with_messages(tmp_path, 3)

    def taken_over(n, store):
        if n == 1:                       # meanwhile its lease ran out and another worker took message 2
            with store.session() as s:
                s.execute(update(OutboxRow).where(OutboxRow.key == "k1")
                          .values(claimed_by="elsewhere:1", claimed_until=datetime.now(timezone.utc) + queue.LEASE))
    sender = Mail(store, taken_over)
    outbox.deliver(store, lambda channel, connector: sender, NOW)
    assert sender.handed == ["k0", "k2"]
    assert [(r.status, r.claimed_by) for r in rows(store)] == [("sent", None), ("pending", "elsewhere:1"), ("sent", None)]


def test_the_heartbeat_keeps_the_lease_through_a_hand_off_longer_than_it(tmp_path, monkeypatch):
    monkeypatch.setattr(queue, "LEASE", timedelta(seconds=0.6))
    store = with_messages(tmp_path, 3)
    leases = []

    def slow(n, store):
        time.sleep(1.5)                  # longer than the lease
        wall = datetime.now(timezone.utc)
        leases.append(all(r.claimed_until > wall for r in rows(store) if r.status in ("pending", "sending")))
    sender = Mail(store, slow)
    outbox.deliver(store, lambda channel, connector: sender, NOW)
    assert leases == [True, True, True]
    assert [r.status for r in rows(store)] == ["sent"] * 3


def test_a_connector_that_needs_setting_up_holds_its_messages_without_spending_attempts(tmp_path):
    store = with_messages(tmp_path, 4)

    def refused(n, store):
        raise NeedsSetup("mail: login refused: 535 (check the connector's password)")
    sender = Mail(store, refused)
    outbox.deliver(store, lambda channel, connector: sender, NOW)
    assert sender.handed == ["k0"]                              # the others were not tried in vain
    assert {(r.status, r.attempts, r.error) for r in rows(store)} == {
        ("pending", 0, "mail: login refused: 535 (check the connector's password)")}
    assert all(r.next_attempt > NOW for r in rows(store))
