"""The `mailgun` connector against a local server speaking Mailgun's Messages and Events APIs: a
message goes out with our ids as `v:` variables, and `run`'s sync round pulls the events Mailgun
tracked (paging with `paging.next`), records each once on the message it names, and next time asks
only for what came after."""
from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qs, urlencode

import pytest
from sqlalchemy import select

from switchback.connectors import workspace as connectors
from switchback.connectors.mailgun import MailgunSender, MailgunSettings
from switchback.connectors.routines import ROUTINES
from switchback.runtime.outbox import PermanentFailure
from switchback.runtime.store.models import Contact, EventRow, OutboxRow
from switchback.runtime.store.workspace import Store
from tests.connectors.servers import FakeHTTP, Reply, Request

NOW = datetime(2026, 12, 5, 9, 0, tzinfo=timezone.utc)
KEY = "key-mailgun-test"


class FakeMailgun(FakeHTTP):
    """Mailgun's `POST /v3/{domain}/messages` and `GET /v3/{domain}/events`, oldest first with
    `ascending=yes`, `page` events a page, each page's `paging.next` a URL that carries its place."""

    def __init__(self, domain: str = "mg.shop.test", page: int = 2) -> None:
        super().__init__()
        self.domain, self.page = domain, page
        self.sent: list[dict[str, list[str]]] = []
        self.events: list[dict[str, Any]] = []
        self.begins: list[float] = []

    def answer(self, r: Request) -> Reply:
        if r.basic_auth() != ("api", KEY):
            return Reply(401, "Forbidden")
        if r.method == "POST" and r.path == f"/v3/{self.domain}/messages":
            form = r.form()
            if not form.get("to") or not form.get("from"):
                return Reply(400, {"message": "'to' parameter is missing"})
            self.sent.append(form)
            mid = "<" + hashlib.sha256(r.body).hexdigest()[:20] + f"@{self.domain}>"
            return Reply(200, {"id": mid, "message": "Queued. Thank you."})
        if r.method == "GET" and r.path == f"/v3/{self.domain}/events":
            begin = float(r.query["begin"][0])
            skip = int(r.query.get("skip", ["0"])[0])
            if not skip:
                self.begins.append(begin)
            assert r.query["ascending"] == ["yes"]
            found = sorted((e for e in self.events if e["timestamp"] >= begin), key=lambda e: e["timestamp"])
            items = found[skip:skip + self.page]
            following = {"begin": r.query["begin"][0], "ascending": "yes", "skip": skip + len(items)}
            return Reply(200, {"items": items, "paging": {
                "next": f"{self.url}/v3/{self.domain}/events?{urlencode(following)}",
                "first": f"{self.url}/v3/{self.domain}/events?begin={begin}"}})
        return Reply(404, {"message": "not found"})

    def event(self, n: int, kind: str, sent: dict[str, list[str]], at: float, **extra) -> None:
        variables = {k[2:]: v[0] for k, v in sent.items() if k.startswith("v:")}
        self.events.append({"id": f"ev-{n}", "event": kind, "timestamp": at, "recipient": sent["to"][0],
                            "user-variables": variables, **extra})


@pytest.fixture
def store(tmp_path, test_keyring):
    store = Store(f"sqlite:///{tmp_path}/w.sqlite")
    with store.session() as s:
        s.add(Contact(id=1, email="ada@shop.test", fields={"email": "ada@shop.test"}, created_at=NOW, updated_at=NOW))
        s.flush()
        s.add(OutboxRow(id=7, key="e1/welcome/1", contact_id=1, journey="onboard", node="welcome", channel="email",
                        connector="mg", to="ada@shop.test", at=NOW, status="sending",
                        payload={"subject": "Welcome", "body": "Hello", "html": '<p><a href="https://shop.test/x">x</a></p>'}))
    return store


def test_mailgun_sends_then_pulls_its_events_once_each(store):
    with FakeMailgun() as server:
        settings = {"domain": "mg.shop.test", "from": "Shop <news@mg.shop.test>", "base_url": server.url}
        connectors.add(store, "mg", "mailgun", settings, {"api_key": KEY})
        sender = MailgunSender("mg", MailgunSettings.model_validate(settings), {"api_key": KEY}.get)
        with store.session() as s:
            message = s.get(OutboxRow, 7)
            sender.send(message)
            s.expunge(message)
        with pytest.raises(PermanentFailure, match="not an email address"):
            message.to = "nobody"
            sender.send(message)
        sender.http.close()
        [sent] = server.sent
        assert sent["to"] == ["ada@shop.test"] and sent["subject"] == ["Welcome"]
        assert (sent["v:switchback_message"], sent["v:switchback_node"]) == (["7"], ["welcome"])
        assert sent["o:tracking-opens"] == ["yes"]
        with store.session() as s:
            s.get(OutboxRow, 7).status = "sent"

        t = NOW.timestamp()
        for n, kind, extra in [(1, "accepted", {}), (2, "delivered", {}), (3, "opened", {}),
                               (4, "clicked", {"url": "https://shop.test/x"}), (5, "opened", {})]:
            server.event(n, kind, sent, t + n, **extra)
        pull = ROUTINES["mailgun"]
        assert pull(store, "mg", "mailgun", settings) == "mg: 4 new event(s) recorded of 5 pulled"
        # the next round asks from the last event's time; that event comes again and is not recorded again
        server.event(6, "failed", sent, t + 6, severity="permanent",
                     **{"delivery-status": {"code": 550, "message": "5.1.1 mailbox does not exist"}})
        assert pull(store, "mg", "mailgun", settings) == "mg: 1 new event(s) recorded of 2 pulled"
        assert server.begins[1:] == [pytest.approx(t + 5)]

    with store.session() as s:
        got = [(e.type, e.properties) for e in s.scalars(select(EventRow).order_by(EventRow.id))]
        status = s.get(OutboxRow, 7).status
    assert [(t, p.get("message"), p.get("first")) for t, p in got if t.startswith("email_")] == [
        ("email_delivered", 7, None), ("email_opened", 7, True), ("email_clicked", 7, None),
        ("email_opened", 7, False), ("email_bounced", 7, None)]
    bounced = [p for t, p in got if t == "email_bounced"][0]
    assert (bounced["kind"], bounced["reason"]) == ("hard", "550 5.1.1 mailbox does not exist")
    assert ("contact_updated", {"consent_email": "unsubscribed"}) in got
    assert status == "delivered"


def test_mailgun_refuses_a_bad_key_with_its_reason(store):
    with FakeMailgun() as server:
        settings = {"domain": "mg.shop.test", "from": "news@mg.shop.test", "base_url": server.url}
        connectors.add(store, "mg", "mailgun", settings, {"api_key": "wrong"})
        with pytest.raises(Exception, match="Mailgun"):
            ROUTINES["mailgun"](store, "mg", "mailgun", settings)
    with store.session() as s:
        assert s.scalars(select(EventRow)).all() == []
