"""What a sender puts in an email with and without the workspace's `public_url`, and what
`record_engagement` (the one function the tracking routes and the provider webhooks record
through) does with bounces, complaints and messages it does not know. Real SendGrid-speaking and
SMTP servers on 127.0.0.1; a real workspace run by the scheduler."""
from __future__ import annotations

import re
from datetime import datetime, timezone

from sqlalchemy import select

from switchback.connectors import workspace as connectors
from switchback.runtime import workspace_settings
from switchback.runtime.clock import VirtualClock
from switchback.runtime.contacts_directory import enroll
from switchback.runtime.engagement import record_engagement
from switchback.runtime.problems import InputError
from switchback.runtime.scheduler import Scheduler
from switchback.runtime.store import repository as repo
from switchback.runtime.store.models import Contact, EventRow, OutboxRow
from switchback.runtime.store.workspace import Store
from switchback.runtime.trace import timeline
from tests.connectors.servers import FakeSendGrid, FakeSMTP
from tests.runtime.test_rules import MANUAL, journey

HTML = '<p><a href="https://shop.test/a">A</a> <a href="{{ unsubscribe_url }}">Unsubscribe</a></p>'
NOW = datetime(2026, 3, 10, 9, tzinfo=timezone.utc)


def workspace(tmp_path, **connector) -> Store:
    store = Store(f"sqlite:///{tmp_path / 'w.sqlite'}")
    with store.session() as s:
        repo.import_contacts(s, [{"email": "ada@shop.test"}], NOW)
        for key in ("first", "second"):
            repo.publish(s, journey(key, MANUAL, ("mail", "action.email", {"connector": "mail", "subject": key, "body": "b",
                                                                         "html": HTML})), NOW)
    if connector:
        connectors.add(store, "mail", connector.pop("kind"), connector, {"api_key": "SG.k"} if "base_url" in connector else {})
    return store


def send(store: Store, key: str, at: datetime = NOW) -> None:
    enroll(store, key, at, emails=["ada@shop.test"])
    Scheduler(store, VirtualClock(at), connectors.sender_for(store)).run(until_idle=True)


def test_without_public_url_an_email_goes_as_composed_with_the_connectors_mailto(tmp_path, test_keyring):
    with FakeSMTP() as smtp:
        store = workspace(tmp_path, kind="smtp", host="127.0.0.1", port=smtp.port, tls="none", **{"from": "news@shop.test"})
        send(store, "first")
    [got] = smtp.received
    html = got.message.get_body(("html",)).get_content()
    assert '<a href="https://shop.test/a">' in html and "<img" not in html
    assert '<a href="mailto:news@shop.test?subject=unsubscribe">' in html
    assert got.message["List-Unsubscribe"].strip() == "<mailto:news@shop.test?subject=unsubscribe>"
    assert got.message["List-Unsubscribe-Post"] is None
    assert test_keyring.exists() is False                     # no public_url: no signing secret was made


def test_sendgrid_carries_the_tracked_links_and_one_click_headers(tmp_path, test_keyring):
    with FakeSendGrid() as server:
        store = workspace(tmp_path, kind="sendgrid", base_url=server.url, **{"from": "news@shop.test"})
        workspace_settings.write(store, {"public_url": workspace_settings.parse("public_url", "https://t.shop.test")})
        send(store, "first")
    [request] = server.requests
    body = request.json()
    html = body["content"][1]["value"]
    [click, unsubscribe] = re.findall(r'href="([^"]*)"', html)
    assert click.startswith("https://t.shop.test/c/") and unsubscribe.startswith("https://t.shop.test/u/")
    assert re.search(r'<img src="https://t\.shop\.test/o/[^"]+\.gif" width="1" height="1"', html)
    assert body["headers"] == {"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    with store.session() as s:                                # the outbox keeps the email as composed
        [payload] = s.scalars(select(OutboxRow.payload))
    assert 'href="https://shop.test/a"' in payload["html"] and "t.shop.test" not in str(payload)


def test_public_url_is_an_http_address_alone():
    assert workspace_settings.parse("public_url", "https://track.example.com/sw/") == "https://track.example.com/sw"
    for bad in ("track.example.com", "ftp://x.test", "https://", "https://u:p@x.test", "https://x.test/?a=1",
                "https://x.test:99999"):
        try:
            workspace_settings.parse("public_url", bad)
        except InputError as e:
            assert str(e).startswith("public_url: ") and "\n" not in str(e)
        else:
            raise AssertionError(f"{bad!r} was taken")


def test_a_hard_bounce_or_a_complaint_stops_email_and_a_soft_bounce_does_not(tmp_path):
    store = workspace(tmp_path)                               # no connector: messages are recorded
    send(store, "first")
    with store.session() as s:
        [message] = s.scalars(select(OutboxRow.id))
    assert record_engagement(store, message + 1000, "email_bounced", {"kind": "hard"}, NOW) is False
    with store.session() as s:
        assert s.scalar(select(EventRow.id).where(EventRow.type == "email_bounced")) is None     # nothing recorded
    assert record_engagement(store, message, "email_bounced", {"kind": "soft", "reason": "mailbox full"}, NOW)
    assert record_engagement(store, message, "email_bounced", {"kind": "hard", "reason": "550 no such user"}, NOW)
    send(store, "second", NOW.replace(hour=10))
    with store.session() as s:
        bounced = [p for t, p in s.execute(select(EventRow.type, EventRow.properties)) if t == "email_bounced"]
        lines = timeline(s, "ada@shop.test")
    assert [(p["kind"], p["journey"], p["node"], p["message"]) for p in bounced] == [("soft", "first", "mail", message),
                                                                                      ("hard", "first", "mail", message)]
    assert any(re.search(r"first/mail\s+event\s+email_bounced \(550 no such user\): no more email to this address", x) for x in lines), lines
    assert any(re.search(r"second/mail\s+skipped\s+not sent: unsubscribed from email", x) for x in lines), lines


def test_a_complaint_stops_email_and_an_open_or_a_delivery_does_not(tmp_path):
    store = workspace(tmp_path)
    send(store, "first")
    with store.session() as s:
        [message] = s.scalars(select(OutboxRow.id))
    for kind in ("email_delivered", "email_opened"):
        assert record_engagement(store, message, kind, {}, NOW)
    send(store, "second", NOW.replace(hour=10))
    with store.session() as s:
        assert len(list(s.scalars(select(OutboxRow.id)))) == 2            # still subscribed: the second went
    with store.session() as s:
        assert s.scalar(select(Contact.fields)).get("consent_email") != "unsubscribed"
    assert record_engagement(store, message, "email_complained", {}, NOW.replace(hour=11))
    Scheduler(store, VirtualClock(NOW.replace(hour=11)), connectors.sender_for(store)).run(until_idle=True)
    with store.session() as s:
        assert s.scalar(select(Contact.fields))["consent_email"] == "unsubscribed"
        lines = timeline(s, "ada@shop.test")
    assert any(re.search(r"first/mail\s+event\s+email_complained: no more email to this address", x) for x in lines), lines


def test_a_test_send_carries_the_connectors_unsubscribe_address():
    from switchback.app.test_send import handoff
    from switchback.connectors.smtp import SmtpSender, SmtpSettings
    from switchback.runtime.test_message import render_test
    j = journey("t", MANUAL, ("mail", "action.email", {"connector": "mail", "subject": "s", "body": "Leave: {{ unsubscribe_url }}"}))
    test = render_test(j, "mail", {"email": "ada@shop.test"}, "me@shop.test")
    sender = SmtpSender("mail", SmtpSettings.model_validate({"host": "127.0.0.1", "from": "news@shop.test"}), lambda k: None)
    built = sender.build(handoff(test.channel, test.connector, "me@shop.test", test.payload))
    assert built.get_content().strip() == "Leave: mailto:news@shop.test?subject=unsubscribe"
