"""`sendgrid`: email through SendGrid's v3 Mail Send API, and reading back its bounces and
unsubscribes so they can become consent changes.

The request follows SendGrid's documented v3 body: `personalizations[].to[].email`, `from`,
`subject`, `content` (text/plain first, then text/html), message-level `headers` and
`custom_args` (string values). A 202 means queued for delivery. Failed requests carry
`{"errors": [{"message", "field"}]}`; the messages become the reason the outbox records."""
from __future__ import annotations

from datetime import datetime
from email.utils import parseaddr
from typing import Any

from pydantic import Field

from switchback.connectors.http import (HttpClient, SecretGetter, Secrets, SenderSettings, body_text, failure_for,
                             json_or_none, timeout_field, utc)
from switchback.connectors.egress import BaseUrl, over_http
from switchback.connectors.registry import ConnectorKind, register
from switchback.connectors.smtp import Address, UnsubscribeLink, compose, recipient, unsubscribe_field
from switchback.runtime.outbox import PermanentFailure
from switchback.runtime.tracking import Tracking

PAGE = 500          # the largest page the suppression endpoints give


class SendGridSettings(SenderSettings):
    from_: Address = Field(alias="from", title="From",
                           description="The sender, `Name <address>`; it must be a verified sender identity.")
    base_url: BaseUrl = Field("https://api.sendgrid.com", title="API address",
                          description="SendGrid's API; https://api.eu.sendgrid.com for EU subusers, or a proxy.")
    unsubscribe: UnsubscribeLink = unsubscribe_field()
    timeout: float = timeout_field()


def _person(value: str) -> dict[str, str]:
    name, addr = parseaddr(value)
    return {"email": addr, "name": name} if name else {"email": addr}


def _errors(response) -> str:
    """SendGrid's own reason: the errors[].message texts (with the field when it names one)."""
    data = json_or_none(response)
    if isinstance(data, dict) and isinstance(data.get("errors"), list):
        parts = []
        for error in data["errors"]:
            if isinstance(error, dict) and error.get("message"):
                field = error.get("field")
                parts.append(f"{error['message']}" + (f" ({field})" if field and field != "null" else ""))
        if parts:
            return "; ".join(parts)
    return body_text(response)


class SendGridSender:
    idempotent = False          # Mail Send takes no idempotency key
    channels = ("email", "notify")
    tracking: Tracking | None = None          # the workspace's (connectors/tracking.py), when it has public_url

    def __init__(self, name: str, settings: SendGridSettings, secret: SecretGetter):
        self.name, self.settings = name, settings
        self.secrets = Secrets(name, "sendgrid", secret)
        self.http = HttpClient(settings.timeout)

    @property
    def endpoint(self) -> str:
        return self.settings.base_url.rstrip("/") + "/v3/mail/send"

    def body(self, message) -> dict[str, Any]:
        """The v3 Mail Send request body for one message."""
        s, payload = self.settings, message.payload or {}
        _, address = recipient(message, payload)
        text, html, headers = compose(message, payload, s.unsubscribe, address, s.from_, self.tracking)
        content = []
        if text:
            content.append({"type": "text/plain", "value": text})
        if html:
            content.append({"type": "text/html", "value": html})
        if not content:
            raise PermanentFailure("the email has neither a text nor an HTML body")
        body: dict[str, Any] = {
            "personalizations": [{"to": [{"email": address}]}],
            "from": _person(payload.get("from") or s.from_),
            "subject": " ".join(str(payload.get("subject", "")).split()),
            "content": content,
            # our ids come back on every Event Webhook event, which matches them to the message
            "custom_args": {"switchback_key": message.key, "switchback_journey": str(message.journey),
                            "switchback_node": str(message.node)},
        }
        if message.id is not None:
            body["custom_args"]["switchback_message"] = str(message.id)
        if headers:
            body["headers"] = headers
        return body

    def send(self, message) -> None:
        if message.channel not in self.channels:
            raise PermanentFailure(f"connector {self.name!r} (sendgrid) cannot send {message.channel} messages")
        key = self.secrets.need("api_key")
        response = self.http.request("POST", self.endpoint, "SendGrid", json=self.body(message),
                                     headers={"Authorization": f"Bearer {key}"})
        failure = failure_for(response, "SendGrid", _errors)
        if failure:
            raise failure


def pull_suppressions(name: str, settings: SendGridSettings, secret: SecretGetter,
                      since: datetime | float | int) -> list[tuple[str, str]]:
    """Addresses SendGrid has bounced or that unsubscribed since `since`, as (email, reason): the
    reason starts with `bounce` or `unsubscribe`. Raises the outbox's failures on a fault, so the
    caller can tell a passing one from a bad key."""
    key = Secrets(name, "sendgrid", secret).need("api_key")
    http = HttpClient(settings.timeout)
    base = settings.base_url.rstrip("/")
    found: list[tuple[str, str]] = []
    try:
        for kind, path in (("bounce", "/v3/suppression/bounces"), ("unsubscribe", "/v3/suppression/unsubscribes")):
            offset = 0
            while True:
                response = http.request("GET", base + path, "SendGrid",
                                        params={"start_time": utc(since), "limit": PAGE, "offset": offset},
                                        headers={"Authorization": f"Bearer {key}", "Accept": "application/json"})
                failure = failure_for(response, "SendGrid", _errors)
                if failure:
                    raise failure
                rows = json_or_none(response)
                if not isinstance(rows, list):
                    raise PermanentFailure(f"SendGrid {path}: expected a list, got {body_text(response, 80)!r}")
                for row in rows:
                    if isinstance(row, dict) and row.get("email"):
                        detail = " ".join(str(row.get("reason") or "").split())
                        found.append((row["email"], f"{kind}: {detail}" if detail else kind))
                if len(rows) < PAGE:
                    break
                offset += PAGE
    finally:
        http.close()
    return found


register(ConnectorKind(
    name="sendgrid", title="SendGrid", settings=SendGridSettings,
    # event_public_key: the Event Webhook's verification key, which its callbacks are checked with
    secrets=("api_key", "event_public_key"), required_secrets=("api_key",), review=over_http("api_key"),
    channels=SendGridSender.channels,
    sender=lambda name, settings, secret: SendGridSender(name, settings, secret),
    help="Sends email with SendGrid's v3 API; bounces and unsubscribes can be pulled back as consent changes.",
    extra={"pull_suppressions": pull_suppressions},
))
