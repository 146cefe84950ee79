"""Signed webhooks are Standard Webhooks (issue 20, item 1): the `standardwebhooks` package's
verifier, in a real HTTP receiver on 127.0.0.1, accepts what the webhook connector sends, and refuses
a changed byte, an old timestamp and another secret."""
from __future__ import annotations

import base64
import os
import subprocess
import sys
import time
from datetime import datetime, timezone

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from switchback.connectors import webhook
from switchback.connectors.webhook import WebhookSender, WebhookSettings
from switchback.runtime.outbox import TemporaryFailure
from switchback.runtime.store.models import OutboxRow
from tests.conftest import ROOT
from tests.connectors.servers import FakeReceiver

pytestmark = pytest.mark.timeout(60)


def new_secret() -> str:
    return "whsec_" + base64.b64encode(os.urandom(32)).decode()


SECRET = new_secret()
BODY = {"event": "signed_up", "contact": {"email": "ada@example.com", "name": "Ada Lovelace"}, "n": [1, 2.5]}


def message(key: str = "enr-7/welcome/call") -> OutboxRow:
    return OutboxRow(key=key, channel="webhook", connector="hook", to=None, journey="welcome", node="call",
                     payload={"method": "POST", "body": BODY}, at=datetime.now(timezone.utc), status="sending",
                     attempts=1)


def sender_to(server: FakeReceiver, secret: str = SECRET, **settings) -> WebhookSender:
    return WebhookSender("hook", WebhookSettings(url=server.url + "/in", **settings), {"signing_secret": secret}.get)


def test_a_standard_webhooks_receiver_accepts_what_is_sent():
    with FakeReceiver(signing_secret=SECRET) as server:
        for i in range(30):
            sender_to(server).send(message(f"enr-{i}/welcome/call"))
    assert server.verdicts == ["verified"] * 30
    r = server.requests[0]
    assert r.headers["webhook-id"] == r.headers["Idempotency-Key"] == "enr-0/welcome/call"
    assert abs(int(r.headers["webhook-timestamp"]) - time.time()) < 60
    assert r.headers["webhook-signature"].startswith("v1,")
    assert r.headers.get("X-Switchback-Signature") is None
    headers = dict(r.headers.items())
    assert Webhook(SECRET).verify(r.body, headers) == BODY

    changed = bytearray(r.body)
    changed[10] ^= 1
    for body, secret in [(bytes(changed), SECRET), (r.body, new_secret())]:
        with pytest.raises(WebhookVerificationError, match="No matching signature"):
            Webhook(secret).verify(body, headers)


def test_the_receiver_refuses_another_secret_and_an_old_timestamp(monkeypatch):
    with FakeReceiver(signing_secret=SECRET) as server:
        with pytest.raises(TemporaryFailure, match="HTTP 401"):
            sender_to(server, secret=new_secret()).send(message())
        monkeypatch.setattr(webhook.time, "time", lambda: datetime.now(timezone.utc).timestamp() - 600)
        with pytest.raises(TemporaryFailure, match="HTTP 401"):
            sender_to(server).send(message())
    assert server.verdicts == ["No matching signature found", "Message timestamp too old"]


def test_a_secret_that_is_not_whsec_keeps_the_message_waiting_and_says_how_to_make_one():
    with FakeReceiver(signing_secret=SECRET) as server:
        with pytest.raises(TemporaryFailure, match="whsec_ and the base64 of 24 to 64 random bytes") as e:
            sender_to(server, secret="hunter2").send(message())
    assert "os.urandom" in str(e.value) and server.requests == []


def test_connector_add_refuses_a_signing_secret_that_is_not_whsec(tmp_path, test_keyring):
    def add(secret: str, *more: str):
        return subprocess.run([sys.executable, "-m", "switchback.app", "connector", "add", "hook", "--kind", "webhook",
                               "--set", "url=https://hooks.example.com/in", *more, "--secret", "signing_secret",
                               "--workspace", str(tmp_path / "w.sqlite")],
                              cwd=ROOT, input=secret + "\n", capture_output=True, text=True, timeout=60)
    p = add("hunter2")
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert "whsec_" in p.stdout + p.stderr and len((p.stdout + p.stderr).strip().splitlines()) == 1
    assert add(SECRET).returncode == 0
    assert add("hunter2", "--set", "signature=legacy").returncode == 0        # the old scheme takes any secret


def test_the_help_shows_a_receivers_three_lines_and_they_work():
    from switchback.connectors import registry
    help_text = registry.get("webhook").help
    lines = [line.strip() for line in help_text.splitlines() if line.startswith("    ")]
    assert len(lines) == 3 and "standardwebhooks" in lines[0]
    assert "\n".join(lines) in (ROOT / "README.md").read_text()          # the README shows the same three
    with FakeReceiver() as server:
        sender_to(server).send(message())
    r = server.requests[0]
    scope = {"raw_body": r.body, "request_headers": dict(r.headers.items())}
    exec("\n".join(lines).replace("whsec_...", SECRET), scope)
    assert scope["payload"] == BODY
