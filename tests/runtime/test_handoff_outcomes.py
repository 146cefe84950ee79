"""What `switchback run` leaves in the outbox when a real SMTP server misbehaves: a hand-off cut
short after the server had the message is `uncertain` at once and never sent again (H3); a login
the server cannot do keeps messages queued with the reason, attempts unspent (L2); SIGTERM stops
after the message in flight."""
import signal
import time
from collections import Counter

import pytest

from switchback.connectors.secrets import set_secret
from tests.connectors.servers import FakeReceiver, FakeSMTP
from tests.runtime.delivery_rig import Arrivals, outbox, worker, workspace

CONTACTS = 3


def run_twice(where):
    for _ in range(2):
        p = worker(where)
        assert p.wait(timeout=120) == 0, p.stderr.read().decode()[-2000:]


@pytest.mark.parametrize("fault", ["drop", "late"])
def test_an_smtp_hand_off_cut_short_after_data_is_uncertain_and_received_once(tmp_path, test_keyring, fault):
    ws = tmp_path / "w.sqlite"
    where = ["--workspace", str(ws)]
    with FakeSMTP() as smtp, FakeReceiver() as hook:
        workspace(tmp_path, where, smtp, hook, CONTACTS, smtp_settings=("timeout=0.5",))
        if fault == "drop":
            smtp.drop = True            # takes the message, then closes the connection without a reply
        else:
            smtp.delay = 1.5            # takes the message, answers after the sender's timeout
        run_twice(where)
        emails = [m for m in outbox(f"sqlite:///{ws}") if m.channel == "email"]
        assert [(m.status, m.attempts) for m in emails] == [("uncertain", 1)] * CONTACTS
        assert all("after it was handed the whole message" in m.error for m in emails)
        assert sorted(Arrivals(smtp, hook).emails().values()) == [1] * CONTACTS


def test_a_server_without_auth_keeps_messages_queued_with_the_reason(tmp_path, test_keyring):
    ws = tmp_path / "w.sqlite"
    where = ["--workspace", str(ws)]
    with FakeSMTP() as smtp, FakeReceiver() as hook:        # offers no AUTH
        workspace(tmp_path, where, smtp, hook, CONTACTS, smtp_settings=("username=news",))
        set_secret("mail", "password", "s3cret")
        run_twice(where)
        emails = [m for m in outbox(f"sqlite:///{ws}") if m.channel == "email"]
    assert Counter(m.status for m in emails) == {"pending": CONTACTS}       # shown as queued
    assert all(m.attempts == 0 and m.next_attempt is not None for m in emails)
    assert all("username=news is set, but the server offers no login" in m.error for m in emails)
    assert smtp.received == []


def test_sigterm_mid_batch_stops_after_the_message_in_flight_and_leaves_the_rest_queued(tmp_path, test_keyring):
    ws = tmp_path / "w.sqlite"
    where = ["--workspace", str(ws)]
    with FakeSMTP() as smtp, FakeReceiver() as hook:
        workspace(tmp_path, where, smtp, hook, 20)
        smtp.delay, hook.delay = 0.2, 0.2           # 40 messages: 8 s of hand-offs
        arrivals = Arrivals(smtp, hook)
        p = worker(where)
        while arrivals.total() < 3 and p.poll() is None:
            time.sleep(0.02)
        p.send_signal(signal.SIGTERM)
        stopped = time.monotonic()
        assert p.wait(timeout=30) == 0, p.stderr.read().decode()[-2000:]
        assert time.monotonic() - stopped < 3                # the one in flight (0.2 s), not the 7 s left
        rows = outbox(f"sqlite:///{ws}")
        statuses = Counter(m.status for m in rows)
        assert set(statuses) == {"sent", "pending"} and statuses["sent"] < 10
        assert all(m.claimed_by is None for m in rows)       # queued, free for the next run at once
        run_twice(where)
        assert Counter(m.status for m in outbox(f"sqlite:///{ws}")) == {"sent": 40}
        assert max(arrivals.emails().values()) == 1 and max(arrivals.webhooks().values()) == 1
