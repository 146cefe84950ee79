"""The senders against local stand-ins of their providers (tests/connectors/servers.py): what a
good send puts on the wire, and what each fault becomes for the outbox. Secrets come from a dict,
never from the OS keyring."""
from __future__ import annotations

import hashlib
import hmac
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest

from switchback.connectors import registry
from switchback.connectors.sendgrid import SendGridSender, SendGridSettings, pull_suppressions
from switchback.connectors.slack import SlackSender, SlackSettings
from switchback.connectors.smtp import SmtpSender, SmtpSettings, message_id
from switchback.connectors.twilio import TwilioSender, TwilioSettings
from switchback.connectors.webhook import WebhookSender, WebhookSettings
from switchback.runtime.outbox import NeedsSetup, PermanentFailure, TemporaryFailure, Uncertain
from switchback.runtime.store.models import OutboxRow
from tests.connectors.servers import (FakeReceiver, FakeSendGrid, FakeSlack, FakeSMTP, FakeTwilio, closed_port,
                                      self_signed)

pytestmark = pytest.mark.timeout(30)

SHORT = 0.3         # a sender's timeout in the fault tests; the slow servers wait longer


def row(channel: str, to: str | None, payload: dict, key: str = "enr-1/welcome/1", connector: str = "out") -> OutboxRow:
    return OutboxRow(key=key, channel=channel, connector=connector, to=to, journey="welcome", node="welcome",
                     payload=payload, at=datetime.now(timezone.utc), status="sending", attempts=1)


def email_row(to: str = "ada@example.com", **payload) -> OutboxRow:
    return row("email", to, {"subject": "Welcome, Ada", "body": "Hello Ada,\nglad you are here.", **payload})


@pytest.fixture
def senders():
    """Collects the senders a test makes, and closes their HTTP clients when it ends."""
    made = []
    yield made.append
    for sender in made:
        http = getattr(sender, "http", None)
        if http is not None:
            http.close()


# ------------------------------------------------------------------------------------------------
# the registry

def test_every_kind_is_registered_with_its_settings_and_secrets():
    expected = {"smtp": (("email", "notify"), ("password",)), "sendgrid": (("email", "notify"), ("api_key", "event_public_key")),
                "twilio": (("sms",), ("auth_token",)), "slack": (("notify",), ("webhook_url",)),
                "webhook": (("webhook",), ("signing_secret", "secret_url"))}
    for name, (channels, secrets) in expected.items():
        kind = registry.get(name)
        assert kind is not None and kind.sender is not None, name
        assert kind.channels == channels and kind.secrets == secrets
        schema = kind.settings.model_json_schema()
        assert schema["additionalProperties"] is False
        for field in schema["properties"].values():
            assert field.get("title") and field.get("description"), (name, field)
        with pytest.raises(ValueError):
            kind.settings.model_validate({"no_such_setting": 1})
    # `from` is the setting's name on the command line and in the store
    smtp = registry.get("smtp").settings.model_validate({"host": "mail.example.com", "from": "News <news@example.com>",
                                                          "port": "465", "tls": "tls"})
    assert smtp.port == 465 and smtp.model_dump(by_alias=True, exclude_unset=True)["from"] == "News <news@example.com>"
    sender = registry.get("smtp").sender("out", smtp, {}.get)
    assert isinstance(sender, SmtpSender) and sender.idempotent is False
    # A webhook carries its key, but a receiver may not honour it: none is taken as idempotent.
    assert not any(k.idempotent for k in (WebhookSender, SendGridSender, TwilioSender, SlackSender))


# ------------------------------------------------------------------------------------------------
# SMTP

def smtp_sender(server: FakeSMTP, secrets: dict | None = None, **settings) -> SmtpSender:
    values = {"host": "127.0.0.1", "port": server.port, "from": "Switchback News <news@example.com>", "tls": "none",
              "timeout": 5, **settings}
    return SmtpSender("mail", SmtpSettings.model_validate(values), (secrets or {}).get)


def test_smtp_delivers_the_email_with_its_headers():
    with FakeSMTP() as server:
        sender = smtp_sender(server)
        sender.send(email_row(html="<p>Hello <b>Ada</b></p>"))
    [got] = server.received
    m = got.message
    assert got.mail_from == "news@example.com" and got.rcpt_tos == ["ada@example.com"]
    assert m["From"] == "Switchback News <news@example.com>" and m["To"] == "ada@example.com"
    assert m["Subject"] == "Welcome, Ada"
    assert m.get_body(("plain",)).get_content().strip() == "Hello Ada,\nglad you are here."
    assert m.get_body(("html",)).get_content().strip() == "<p>Hello <b>Ada</b></p>"
    assert m.get_content_type() == "multipart/alternative"
    # the same outbox key always gives the same Message-ID, so a receiver can drop a second copy
    assert m["Message-ID"] == message_id("enr-1/welcome/1", "news@example.com")
    assert m["Message-ID"].endswith("@example.com>") and m["Message-ID"] != message_id("enr-1/welcome/2", "news@example.com")
    assert m["List-Unsubscribe"].strip() == "<mailto:news@example.com?subject=unsubscribe>"
    assert m["List-Unsubscribe-Post"] is None       # RFC 8058 one-click needs an https URI
    assert m["Date"]


def test_smtp_one_click_unsubscribe_and_a_from_override():
    with FakeSMTP() as server:
        sender = smtp_sender(server, unsubscribe="https://example.com/unsubscribe?email={email}")
        sender.send(email_row(to="ada+news@example.com", **{"from": "Ada's Team <team@example.org>"}))
    [got] = server.received
    assert got.message["From"] == "Ada's Team <team@example.org>"
    assert got.mail_from == "news@example.com"        # bounces still come back to the connector's address
    # folded onto its own line (RFC 5322 keeps lines to 78 characters); unfolded, the URL is whole
    assert got.message["List-Unsubscribe"].strip() == "<https://example.com/unsubscribe?email=ada%2Bnews@example.com>"
    assert got.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert got.message["Message-ID"].endswith("@example.org>")


def test_smtp_sends_a_notification_without_unsubscribe_headers():
    with FakeSMTP() as server:
        smtp_sender(server).send(row("notify", "owner@example.com",
                                     {"to": "owner@example.com", "subject": "New lead", "body": "Ada signed up."}))
    [got] = server.received
    assert got.rcpt_tos == ["owner@example.com"] and got.message["Subject"] == "New lead"
    assert got.message["List-Unsubscribe"] is None


def test_smtp_logs_in():
    with FakeSMTP(users={"news": "s3cret"}) as server:
        smtp_sender(server, {"password": "s3cret"}, username="news").send(email_row())
        with pytest.raises(TemporaryFailure, match=r"login refused: 535"):
            smtp_sender(server, {"password": "wrong"}, username="news").send(email_row())
    assert [r.login for r in server.received] == ["news"]


def test_smtp_without_its_password_waits_and_names_the_command():
    with FakeSMTP(users={"news": "s3cret"}) as server:
        with pytest.raises(TemporaryFailure) as e:
            smtp_sender(server, {}, username="news").send(email_row())
    assert "switchback connector add mail --kind smtp --secret password" in str(e.value)
    assert server.received == []


def test_smtp_refused_recipient_is_permanent_with_the_servers_reply():
    with FakeSMTP() as server:
        server.refuse.add("nobody@example.com")
        with pytest.raises(PermanentFailure) as e:
            smtp_sender(server).send(email_row(to="nobody@example.com"))
    assert "550 5.1.1" in str(e.value) and "User unknown" in str(e.value)


def test_smtp_4xx_reply_is_temporary():
    with FakeSMTP() as server:
        server.defer = "451 4.3.0 Mail server temporarily rejected message"
        with pytest.raises(TemporaryFailure, match="451 4.3.0"):
            smtp_sender(server).send(email_row())


def test_smtp_reply_to_data_after_the_timeout_is_uncertain():
    with FakeSMTP() as server:
        server.delay = 1
        started = time.monotonic()
        with pytest.raises(Uncertain, match="did not answer within 0.3 s after it was handed the whole message"):
            smtp_sender(server, timeout=SHORT).send(email_row())
        assert time.monotonic() - started < 2
        while not server.received and time.monotonic() - started < 5:
            time.sleep(0.05)
    assert len(server.received) == 1                  # it did arrive: sending it again would double it


def test_smtp_connection_dropped_after_the_message_is_uncertain():
    with FakeSMTP() as server:
        server.drop = True
        with pytest.raises(Uncertain, match="closed the connection after it was handed the whole message"):
            smtp_sender(server).send(email_row())
    assert len(server.received) == 1


def test_smtp_failures_before_the_message_went_out_are_temporary_not_uncertain():
    refused = SmtpSender("mail", SmtpSettings.model_validate(
        {"host": "127.0.0.1", "port": closed_port(), "from": "news@example.com", "tls": "none", "timeout": 2}), {}.get)
    with FakeSMTP() as server:
        server.busy.add("busy@example.com")
        attempts = [lambda: smtp_sender(server).send(email_row(to="busy@example.com")),      # 450 at RCPT
                    lambda: refused.send(email_row())]                                          # connect refused
        for attempt in attempts:
            with pytest.raises(TemporaryFailure) as e:
                attempt()
            assert not isinstance(e.value, Uncertain), e.value
        server.defer = "451 4.3.0 Mail server temporarily rejected message"                     # 4xx to DATA
        with pytest.raises(TemporaryFailure) as e:
            smtp_sender(server).send(email_row())
        assert not isinstance(e.value, Uncertain)
    assert server.received == []


def test_smtp_connection_refused_is_temporary():
    sender = SmtpSender("mail", SmtpSettings.model_validate(
        {"host": "127.0.0.1", "port": closed_port(), "from": "news@example.com", "tls": "none", "timeout": 2}), {}.get)
    with pytest.raises(TemporaryFailure, match="connection refused"):
        sender.send(email_row())


def test_a_mail_server_name_that_does_not_resolve_is_said_in_plain_words():
    """What getaddrinfo raises for a mistyped host (made here: looking a name up could leave the machine)."""
    import socket

    from switchback.connectors.smtp import _failure
    settings = SmtpSettings.model_validate({"host": "mail.exmaple.com", "from": "news@example.com"})
    failure = _failure(socket.gaierror(-2, "Name or service not known"), settings)
    assert isinstance(failure, TemporaryFailure)
    assert str(failure) == "the mail server mail.exmaple.com could not be found (check the connector's host)"


@pytest.fixture
def cert(tmp_path):
    pytest.importorskip("cryptography", reason="the TLS tests make a self-signed certificate with `cryptography`")
    return self_signed(tmp_path)


def test_smtp_starttls_then_login(cert):
    with FakeSMTP(tls="starttls", users={"news": "s3cret"}, cert=cert) as server:
        smtp_sender(server, {"password": "s3cret"}, tls="starttls", username="news", verify_tls=False).send(email_row())
    [got] = server.received
    assert got.tls and got.login == "news"


def test_smtp_tls_from_the_start(cert):
    with FakeSMTP(tls="tls", cert=cert) as server:
        smtp_sender(server, tls="tls", verify_tls=False).send(email_row())
    assert server.received[0].tls


def test_smtp_refuses_an_unverified_certificate_unless_told(cert):
    with FakeSMTP(tls="starttls", cert=cert) as server:
        with pytest.raises(TemporaryFailure, match="certificate"):
            smtp_sender(server, tls="starttls").send(email_row())
    assert server.received == []


def test_smtp_starttls_asked_of_a_server_without_it_waits_for_the_settings():
    with FakeSMTP() as server:
        with pytest.raises(NeedsSetup, match="STARTTLS"):
            smtp_sender(server, tls="starttls").send(email_row())


def test_smtp_login_asked_of_a_server_without_auth_waits_for_the_settings():
    with FakeSMTP() as server:
        with pytest.raises(NeedsSetup, match="username=news is set, but the server offers no login"):
            smtp_sender(server, {"password": "s3cret"}, username="news").send(email_row())
    assert server.received == []


# ------------------------------------------------------------------------------------------------
# SendGrid

def test_sendgrid_posts_the_documented_v3_body(senders):
    with FakeSendGrid() as server:
        sender = SendGridSender("sg", SendGridSettings.model_validate(
            {"from": "Switchback News <news@example.com>", "base_url": server.url,
             "unsubscribe": "https://example.com/u?e={email}"}), {"api_key": "SG.test-key"}.get)
        senders(sender)
        sender.send(email_row(html="<p>Hello</p>"))
    [r] = server.requests
    assert (r.method, r.path) == ("POST", "/v3/mail/send")
    assert r.headers["Authorization"] == "Bearer SG.test-key"
    assert r.json() == {
        "personalizations": [{"to": [{"email": "ada@example.com"}]}],
        "from": {"email": "news@example.com", "name": "Switchback News"},
        "subject": "Welcome, Ada",
        "content": [{"type": "text/plain", "value": "Hello Ada,\nglad you are here."},
                    {"type": "text/html", "value": "<p>Hello</p>"}],
        "headers": {"List-Unsubscribe": "<https://example.com/u?e=ada@example.com>",
                    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
        "custom_args": {"switchback_key": "enr-1/welcome/1", "switchback_journey": "welcome", "switchback_node": "welcome"},
    }


def test_sendgrid_bad_address_is_permanent_with_sendgrids_reason(senders):
    with FakeSendGrid() as server:
        sender = SendGridSender("sg", SendGridSettings.model_validate({"from": "news@example.com", "base_url": server.url}),
                                {"api_key": "SG.test-key"}.get)
        senders(sender)
        with pytest.raises(PermanentFailure) as e:
            sender.send(email_row(to="ada@localhost"))
        assert "HTTP 400" in str(e.value) and "Does not contain a valid address." in str(e.value)
        assert "personalizations.0.to.0.email" in str(e.value)
        with pytest.raises(NeedsSetup, match="authorization grant is invalid"):
            SendGridSender("sg", sender.settings, {"api_key": "SG.wrong"}.get).send(email_row())


def test_sendgrid_429_waits_until_the_rate_limit_resets(senders):
    with FakeSendGrid() as server:
        sender = SendGridSender("sg", SendGridSettings.model_validate({"from": "news@example.com", "base_url": server.url}),
                                {"api_key": "SG.test-key"}.get)
        senders(sender)
        server.fail(429, {"errors": [{"field": None, "message": "too many requests"}]},
                    {"X-RateLimit-Limit": "600", "X-RateLimit-Remaining": "0",
                     "X-RateLimit-Reset": str(int(time.time()) + 40)})
        with pytest.raises(TemporaryFailure, match="too many requests") as e:
            sender.send(email_row())
    assert 30 <= e.value.retry_after <= 41


def test_sendgrid_pulls_bounces_and_unsubscribes_since_a_time(senders):
    since = datetime(2026, 5, 1, tzinfo=timezone.utc)
    t = int(since.timestamp())
    with FakeSendGrid() as server:
        server.bounces = [{"created": t - 10, "email": "old@example.com", "reason": "too old", "status": "5.1.1"}]
        server.bounces += [{"created": t + i, "email": f"b{i}@example.com",
                            "reason": "550 5.1.1 The email account that you tried to reach does not exist.",
                            "status": "5.1.1"} for i in range(501)]          # more than one page
        server.unsubscribes = [{"created": t + 5, "email": "quit@example.com"}]
        found = pull_suppressions("sg", SendGridSettings.model_validate({"from": "news@example.com", "base_url": server.url}),
                                  {"api_key": "SG.test-key"}.get, since)
    assert len(found) == 502
    assert found[0] == ("b0@example.com", "bounce: 550 5.1.1 The email account that you tried to reach does not exist.")
    assert ("quit@example.com", "unsubscribe") in found and "old@example.com" not in dict(found)
    pages = [r for r in server.requests if r.path == "/v3/suppression/bounces"]
    assert [p.query["offset"] for p in pages] == [["0"], ["500"]] and pages[0].query["start_time"] == [str(t)]
    assert all(r.headers["Accept"] == "application/json" for r in server.requests)


# ------------------------------------------------------------------------------------------------
# Twilio

def twilio_sender(server: FakeTwilio, token: str | None = "twilio-token") -> TwilioSender:
    return TwilioSender("sms", TwilioSettings.model_validate(
        {"from": "+15005550006", "account_sid": server.account_sid, "base_url": server.url}),
        {"auth_token": token}.get)


def test_twilio_posts_the_form_with_basic_auth(senders):
    with FakeTwilio() as server:
        sender = twilio_sender(server)
        senders(sender)
        sender.send(row("sms", "+447700900123", {"body": "Your code is 1234 & welcome"}))
    [r] = server.requests
    assert r.path == f"/2010-04-01/Accounts/{server.account_sid}/Messages.json"
    assert r.basic_auth() == (server.account_sid, "twilio-token")
    assert r.headers["Content-Type"].startswith("application/x-www-form-urlencoded")
    assert r.form() == {"To": ["+447700900123"], "From": ["+15005550006"], "Body": ["Your code is 1234 & welcome"]}


def test_twilio_invalid_to_is_permanent_with_twilios_message(senders):
    with FakeTwilio() as server:
        sender = twilio_sender(server)
        senders(sender)
        with pytest.raises(PermanentFailure) as e:
            sender.send(row("sms", "07700 900123", {"body": "hi"}))
        assert "The 'To' number 07700 900123 is not a valid phone number." in str(e.value) and "21211" in str(e.value)
        with pytest.raises(NeedsSetup, match="Authenticate"):
            twilio_sender(server, token="wrong").send(row("sms", "+447700900123", {"body": "hi"}))


# ------------------------------------------------------------------------------------------------
# Slack

def test_slack_posts_subject_and_body_as_text(senders):
    with FakeSlack() as server:
        sender = SlackSender("team", SlackSettings(), {"webhook_url": server.webhook_url}.get)
        senders(sender)
        sender.send(row("notify", "team", {"to": "team", "subject": "New lead: Ada", "body": "Score > 80 & rising"}))
    [r] = server.requests
    assert r.headers["Content-Type"] == "application/json"
    assert r.json() == {"text": "*New lead: Ada*\nScore &gt; 80 &amp; rising"}


def test_slack_errors_are_permanent_and_do_not_show_the_webhook_url(senders):
    with FakeSlack() as server:
        wrong = server.url + "/services/T0/B0/revoked"
        sender = SlackSender("team", SlackSettings(), {"webhook_url": wrong}.get)
        senders(sender)
        with pytest.raises(PermanentFailure, match="HTTP 404: no_service") as e:
            sender.send(row("notify", "team", {"subject": "s", "body": "b"}))
        assert "revoked" not in str(e.value) and server.url not in str(e.value)
        server.fail(400, "invalid_payload")
        with pytest.raises(PermanentFailure, match="HTTP 400: invalid_payload"):
            SlackSender("team", SlackSettings(), {"webhook_url": server.webhook_url}.get).send(
                row("notify", "team", {"subject": "s", "body": "b"}))


# ------------------------------------------------------------------------------------------------
# webhook

def test_webhook_signs_the_old_way_only_when_the_setting_asks(senders):
    with FakeReceiver(signing_secret="legacy-secret", legacy=True) as server:
        settings = WebhookSettings(url=server.url + "/hooks/crm", method="POST", signature="legacy")
        sender = WebhookSender("hook", settings, {"signing_secret": "legacy-secret"}.get)
        senders(sender)
        body = {"event": "signed_up", "contact": {"email": "ada@example.com", "name": "Ada Lovelace"}, "n": [1, 2.5]}
        sender.send(row("webhook", None, {"method": "PUT", "body": body}))
    [r] = server.requests
    assert (r.method, r.path) == ("PUT", "/hooks/crm")          # the node's method wins
    assert r.json() == body and r.headers["Content-Type"] == "application/json"
    assert r.headers["Idempotency-Key"] == "enr-1/welcome/1"
    stamp = r.headers["X-Switchback-Timestamp"].encode()
    expected = "sha256=" + hmac.new(b"legacy-secret", stamp + b"." + r.body, hashlib.sha256).hexdigest()
    assert r.headers["X-Switchback-Signature"] == expected
    assert abs(int(r.headers["X-Switchback-Timestamp"]) - time.time()) < 60
    assert r.headers.get("webhook-signature") is None


def test_webhook_without_a_secret_uses_the_connectors_url_unsigned(senders):
    with FakeReceiver() as server:
        sender = WebhookSender("hook", WebhookSettings(url=server.url + "/in"), {}.get)
        senders(sender)
        sender.send(row("webhook", None, {"method": "POST", "body": {"ok": True}}))
        server.fail(422, {"error": "contact.email is required"})
        with pytest.raises(PermanentFailure, match="HTTP 422.*contact.email is required"):
            sender.send(row("webhook", None, {"method": "POST", "body": {}}))
        server.fail(408, "request timeout")
        with pytest.raises(TemporaryFailure, match="HTTP 408"):
            sender.send(row("webhook", None, {"method": "POST", "body": {}}))
    r = server.requests[0]
    assert r.path == "/in" and r.json() == {"ok": True} and r.headers["Idempotency-Key"] == "enr-1/welcome/1"
    assert "X-Switchback-Signature" not in r.headers and "webhook-signature" not in r.headers


# ------------------------------------------------------------------------------------------------
# the faults every HTTP sender shares, against each provider's stand-in

def _sendgrid(server, secrets, timeout):
    return SendGridSender("sg", SendGridSettings.model_validate(
        {"from": "news@example.com", "base_url": server.url, "timeout": timeout}), secrets.get)


def _twilio(server, secrets, timeout):
    return TwilioSender("sms", TwilioSettings.model_validate(
        {"from": "+15005550006", "account_sid": server.account_sid, "base_url": server.url, "timeout": timeout}),
        secrets.get)


def _slack(server, secrets, timeout):
    return SlackSender("team", SlackSettings(timeout=timeout), secrets.get)


def _webhook(server, secrets, timeout):
    return WebhookSender("hook", WebhookSettings(url=server.url + "/in", timeout=timeout), secrets.get)


KINDS = {
    # kind: (stand-in, build a sender, its secrets, a message, the secret it cannot do without)
    "sendgrid": (FakeSendGrid, _sendgrid, lambda s: {"api_key": "SG.test-key"}, lambda: email_row(), "api_key"),
    "twilio": (FakeTwilio, _twilio, lambda s: {"auth_token": "twilio-token"},
               lambda: row("sms", "+447700900123", {"body": "hi"}), "auth_token"),
    "slack": (FakeSlack, _slack, lambda s: {"webhook_url": s.webhook_url},
              lambda: row("notify", "team", {"subject": "s", "body": "b"}), "webhook_url"),
    "webhook": (FakeReceiver, _webhook, lambda s: {}, lambda: row("webhook", None, {"method": "POST", "body": {}}), None),
}


@pytest.fixture(params=list(KINDS))
def kind(request, senders):
    fake, build, secrets, message, needed = KINDS[request.param]
    with fake() as server:
        def make(timeout=5.0, secrets_override=None, url_server=server):
            sender = build(url_server, secrets(url_server) if secrets_override is None else secrets_override, timeout)
            senders(sender)
            return sender
        yield request.param, server, make, message, needed


def test_a_good_send_returns(kind):
    name, server, make, message, _ = kind
    make().send(message())
    assert len(server.requests) == 1


def test_429_is_temporary_with_retry_after(kind):
    name, server, make, message, _ = kind
    server.fail(429, "rate limited", {"Retry-After": "17"})
    with pytest.raises(TemporaryFailure, match="HTTP 429") as e:
        make().send(message())
    assert e.value.retry_after == 17


def test_retry_after_as_an_http_date(kind):
    name, server, make, message, _ = kind
    server.fail(503, "busy", {"Retry-After": format_datetime(datetime.now(timezone.utc) + timedelta(seconds=90), usegmt=True)})
    with pytest.raises(TemporaryFailure, match="HTTP 503") as e:
        make().send(message())
    assert 80 <= e.value.retry_after <= 91


def test_500_is_temporary(kind):
    name, server, make, message, _ = kind
    server.fail(500, {"errors": [{"message": "internal error"}]} if name == "sendgrid" else "internal error")
    with pytest.raises(TemporaryFailure, match="HTTP 500") as e:
        make().send(message())
    assert e.value.retry_after is None


def test_400_is_permanent(kind):
    name, server, make, message, _ = kind
    server.fail(400, "invalid_payload")
    with pytest.raises(PermanentFailure, match="HTTP 400: invalid_payload"):
        make().send(message())


def test_a_provider_that_answers_after_the_timeout_may_have_the_message(kind):
    """The request went out whole: the message may have arrived, so it is uncertain, not retried."""
    name, server, make, message, _ = kind
    server.slow(3)
    started = time.monotonic()
    with pytest.raises(Uncertain, match=r"did not answer within 0.3 s of receiving the request"):
        make(timeout=SHORT).send(message())
    assert time.monotonic() - started < 2


def test_connection_refused_is_temporary(kind):
    name, server, make, message, _ = kind

    class Nowhere:
        url = f"http://127.0.0.1:{closed_port()}"
        webhook_url = url + FakeSlack.PATH
        account_sid = getattr(server, "account_sid", "")

    with pytest.raises(TemporaryFailure, match="connection refused") as e:
        make(url_server=Nowhere).send(message())
    assert not isinstance(e.value, Uncertain)             # nothing went out: trying again is safe
    assert server.requests == []


@pytest.mark.parametrize("kind", [k for k, spec in KINDS.items() if spec[4]], indirect=True)
def test_a_missing_secret_keeps_the_message_waiting_and_names_the_command(kind):
    name, server, make, message, needed = kind
    with pytest.raises(NeedsSetup) as e:
        make(secrets_override={}).send(message())
    assert f"switchback connector add {make().name} --kind {name} --secret {needed}" in str(e.value)
    assert server.requests == []


def test_a_channel_the_kind_cannot_send_is_permanent(kind):
    name, server, make, message, _ = kind
    other = "sms" if name != "twilio" else "email"
    with pytest.raises(PermanentFailure, match=f"cannot send {other}"):
        make().send(row(other, "x", {"body": "b"}))
