"""What `switchback run` leaves in the outbox when a real SMTP server misbehaves: a hand-off cut
short after the server had the message is `uncertain` at once and never sent again (H3); a login
the server cannot do keeps messages queued with the reason, attempts unspent (L2)."""
from collections import Counter

import pytest

from connectors.secrets import set_secret
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
