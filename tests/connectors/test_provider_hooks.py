"""The providers' callbacks (SPEC 11) served by uvicorn on 127.0.0.1: SendGrid's Event Webhook signed
with a real ECDSA key made here, and Twilio's status callbacks and inbound messages signed as Twilio
signs them (HMAC-SHA1 of the URL and the sorted form fields, with the auth token). A request whose
signature does not verify is 403 with nothing recorded; verified events are recorded once; the
server keeps serving."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from contextlib import contextmanager
from datetime import datetime, timezone

import httpx
import pytest
import uvicorn
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import func, select
from starlette.applications import Starlette

from switchback.connectors import workspace as connectors
from switchback.connectors.intake.hooks import hook_routes
from switchback.runtime import workspace_settings
from switchback.runtime.store.models import Contact, EventRow, OutboxRow, StepRow
from switchback.runtime.store.provider_models import SuppressionRow
from switchback.runtime.store.workspace import Store

NOW = datetime(2026, 12, 5, 9, 0, tzinfo=timezone.utc)
TOKEN = "twilio-auth-token-for-tests"


@pytest.fixture
def store(tmp_path, test_keyring):
    store = Store(f"sqlite:///{tmp_path}/w.sqlite")
    with store.session() as s:
        s.add(Contact(id=1, email="ada@shop.test", fields={"email": "ada@shop.test", "phone": "+15550001111"},
                      created_at=NOW, updated_at=NOW))
        s.flush()
        s.add(OutboxRow(id=7, key="e1/welcome/1", contact_id=1, journey="onboard", node="welcome", channel="email",
                        connector="sg", to="ada@shop.test", payload={"subject": "Hi"}, at=NOW, status="sent", sent_at=NOW))
        s.add(OutboxRow(id=8, key="e1/text/1", contact_id=1, journey="onboard", node="text", channel="sms",
                        connector="sms", to="+15550001111", payload={"body": "Hi"}, at=NOW, status="sent", sent_at=NOW))
    return store


@contextmanager
def served(store: Store):
    server = uvicorn.Server(uvicorn.Config(Starlette(routes=hook_routes(store)), host="127.0.0.1", port=0,
                                           log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            yield client
    finally:
        server.should_exit = True
        thread.join(10)


def events(store: Store, type: str | None = None) -> list[EventRow]:
    with store.session() as s:
        q = select(EventRow).order_by(EventRow.id)
        return list(s.scalars(q.where(EventRow.type == type) if type else q))


def sendgrid_key():
    private = ec.generate_private_key(ec.SECP256R1())
    der = private.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return private, base64.b64encode(der).decode()


def sendgrid_signed(private, body: bytes, timestamp: str = "1764925200") -> dict[str, str]:
    """As SendGrid signs: ECDSA P-256 with SHA-256 over timestamp + payload, base64 of the DER signature."""
    signature = private.sign(timestamp.encode() + body, ec.ECDSA(hashes.SHA256()))
    return {"X-Twilio-Email-Event-Webhook-Signature": base64.b64encode(signature).decode(),
            "X-Twilio-Email-Event-Webhook-Timestamp": timestamp, "Content-Type": "application/json"}


def sg_event(event: str, n: int, **extra) -> dict:
    return {"email": "ada@shop.test", "timestamp": 1764925200 + n, "event": event, "sg_event_id": f"sg-{n}",
            "sg_message_id": "abc.filter0001", "switchback_message": "7", "switchback_key": "e1/welcome/1", **extra}


def test_sendgrid_events_verified_recorded_once_forgeries_refused(store):
    private, public = sendgrid_key()
    connectors.add(store, "sg", "sendgrid", {"from": "shop@shop.test"}, {"api_key": "SG.x", "event_public_key": public})
    batch = [sg_event("processed", 0), sg_event("delivered", 1), sg_event("open", 2),
             sg_event("click", 3, url="https://shop.test/ebook"), sg_event("bounce", 4, type="bounce", reason="550 no such user")]
    body = json.dumps(batch).encode()
    with served(store) as client:
        # forged: signed by another key, then a genuine signature over a changed body; unsigned
        other, _ = sendgrid_key()
        assert client.post("/hooks/sg", content=body, headers=sendgrid_signed(other, body)).status_code == 403
        tampered = body.replace(b"550 no such user", b"spam")
        assert client.post("/hooks/sg", content=tampered, headers=sendgrid_signed(private, body)).status_code == 403
        assert client.post("/hooks/sg", content=body, headers={"Content-Type": "application/json"}).status_code == 403
        assert events(store) == []

        first = client.post("/hooks/sg", content=body, headers=sendgrid_signed(private, body))
        assert first.status_code == 200 and first.json() == {"recorded": 4, "replayed": 0}
        again = client.post("/hooks/sg", content=body, headers=sendgrid_signed(private, body))
        assert again.status_code == 200 and again.json() == {"recorded": 0, "replayed": 4}
        assert client.post("/hooks/nobody", content=body, headers=sendgrid_signed(private, body)).status_code == 404
        bad = b"[{not json"
        assert client.post("/hooks/sg", content=bad, headers=sendgrid_signed(private, bad)).status_code == 400

    got = [(e.type, e.properties.get("node"), e.properties.get("message")) for e in events(store) if e.type.startswith("email_")]
    assert got == [("email_delivered", "welcome", 7), ("email_opened", "welcome", 7),
                   ("email_clicked", "welcome", 7), ("email_bounced", "welcome", 7)]
    assert events(store, "email_clicked")[0].properties["url"] == "https://shop.test/ebook"
    assert events(store, "email_bounced")[0].properties["kind"] == "hard"
    assert [e.properties for e in events(store, "contact_updated")] == [{"consent_email": "unsubscribed"}]
    with store.session() as s:
        assert s.get(OutboxRow, 7).status == "delivered"
        suppressed = s.scalars(select(SuppressionRow)).one()
        trace = [r.detail for r in s.scalars(select(StepRow).order_by(StepRow.id))]
    assert (suppressed.channel, suppressed.address) == ("email", "ada@shop.test")
    assert "550 no such user" in suppressed.reason
    assert any("550 no such user" in line and "no more email" in line for line in trace)


def twilio_signed(url: str, params: dict[str, str], token: str = TOKEN) -> dict[str, str]:
    """As Twilio signs: HMAC-SHA1 over the full URL and each POST field name+value in name order."""
    data = url + "".join(k + params[k] for k in sorted(params))
    return {"X-Twilio-Signature": base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()}


def test_twilio_callbacks_and_stop_start(store):
    connectors.add(store, "sms", "twilio", {"from": "+15550009999", "account_sid": "AC123"}, {"auth_token": TOKEN})
    workspace_settings.write(store, {"public_url": "https://track.example.com"})
    url = "https://track.example.com/hooks/sms?message=8"
    delivered = {"MessageSid": "SM1", "MessageStatus": "delivered", "AccountSid": "AC123", "To": "+15550001111"}
    failed = {"MessageSid": "SM2", "MessageStatus": "undelivered", "ErrorCode": "30003", "AccountSid": "AC123"}
    stop = {"MessageSid": "SM3", "SmsStatus": "received", "Body": "stop ", "From": "+15550001111", "To": "+15550009999"}
    start = {"MessageSid": "SM4", "SmsStatus": "received", "Body": "START", "From": "+15550001111", "To": "+15550009999"}
    with served(store) as client:
        assert client.post("/hooks/sms?message=8", data=delivered,
                           headers=twilio_signed(url, delivered, "wrong-token")).status_code == 403
        changed = {**delivered, "MessageStatus": "failed"}
        assert client.post("/hooks/sms?message=8", data=changed, headers=twilio_signed(url, delivered)).status_code == 403
        assert client.post("/hooks/sms?message=8", data=stop).status_code == 403
        assert events(store) == []

        for _ in range(2):          # Twilio retries: recorded once
            answer = client.post("/hooks/sms?message=8", data=delivered, headers=twilio_signed(url, delivered))
            assert answer.status_code == 200 and answer.text == "<Response></Response>"
        assert client.post("/hooks/sms?message=8", data=failed, headers=twilio_signed(url, failed)).status_code == 200
        inbound = "https://track.example.com/hooks/sms"
        assert client.post("/hooks/sms", data=stop, headers=twilio_signed(inbound, stop)).status_code == 200
        stopped = [e.properties for e in events(store, "contact_updated")]
        assert client.post("/hooks/sms", data=start, headers=twilio_signed(inbound, start)).status_code == 200

    assert [e.type for e in events(store) if e.type.startswith("sms_")] == ["sms_delivered", "sms_failed"]
    assert events(store, "sms_failed")[0].properties["reason"] == "undelivered (Twilio error 30003)"
    assert stopped == [{"consent_sms": "unsubscribed"}]
    assert [e.properties for e in events(store, "contact_updated")] == [{"consent_sms": "unsubscribed"},
                                                                         {"consent_sms": "subscribed"}]
    with store.session() as s:
        assert s.get(OutboxRow, 8).status == "delivered"
        assert s.scalar(select(func.count()).select_from(SuppressionRow)) == 0      # START lifted the STOP
