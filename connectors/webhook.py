"""`webhook`: a JSON request to any HTTP endpoint.

Every request carries `Idempotency-Key` (the outbox key), so a receiver that honours it turns a
second hand-off into a no-op. Not every receiver does, so this sender is not taken as idempotent:
a request whose answer was lost (a timeout, a connection cut, the worker killed mid-request) is
left `uncertain` for a person, never sent again blindly. With a signing secret, each request is
signed as Standard Webhooks specifies (https://www.standardwebhooks.com), so any receiver library
for it verifies it: `webhook-id` (the same outbox key), `webhook-timestamp` (Unix seconds) and
`webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`, keyed with the bytes of a
`whsec_<base64>` secret. The timestamp is signed, so a receiver refuses a captured request replayed
later. `signature=legacy` sends the earlier `X-Switchback-Timestamp` / `X-Switchback-Signature`
(hex HMAC of "<timestamp>.<body>") instead, for receivers built for them.

A node's own URL comes from the journey and goes through the egress guard (connectors/egress.py); a
connector's URL is the workspace owner's choice."""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from switchback.connectors.egress import GuardedTransport, no_secret_in_query
from switchback.connectors.http import (HttpClient, SecretGetter, Secrets, SenderSettings, failure_for,
                             timeout_field)
from switchback.connectors.registry import ConnectorKind, register
from switchback.runtime.outbox import PermanentFailure, TemporaryFailure

Method = Literal["POST", "PUT", "PATCH", "GET", "DELETE"]
MAKE_SECRET = "python3 -c \"import base64,os; print('whsec_' + base64.b64encode(os.urandom(32)).decode())\""


class WebhookSettings(SenderSettings):
    url: str | None = Field(None, title="URL",
                            description="Where to send (a node's own URL, when it gives one, is used instead). "
                                        "A URL with a token in it goes in the secret_url secret.")
    method: Method = Field("POST", title="Method", description="Used when the node does not say.")
    signature: Literal["standard", "legacy"] = Field(
        "standard", title="Signature",
        description="standard: Standard Webhooks headers (webhook-id, webhook-timestamp, webhook-signature); "
                    "legacy: the earlier X-Switchback-Timestamp and X-Switchback-Signature.")
    timeout: float = timeout_field()

    @field_validator("url")
    @classmethod
    def _http(cls, value: str | None) -> str | None:
        if value is not None:
            _http_url(value)
            no_secret_in_query(value)
        return value


def _http_url(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise ValueError(f"{value!r} is not an http(s) URL")
    return value


def _shown(url: str) -> str:
    """The URL as a reason shows it: without a query string, where services often put a token."""
    return urlsplit(url)._replace(query="", fragment="").geturl()


def secret_key(secret: str) -> bytes:
    """The key a `whsec_` secret stands for; ValueError (saying how to make one) for anything else."""
    body = secret.removeprefix("whsec_")
    try:
        key = base64.b64decode(body + "=" * (-len(body) % 4), validate=True) if secret.startswith("whsec_") else b""
    except (binascii.Error, ValueError):
        key = b""
    if not 24 <= len(key) <= 64:
        raise ValueError("the signing_secret must be a Standard Webhooks secret, whsec_ and the base64 of 24 to "
                         f"64 random bytes (make one with {MAKE_SECRET}), or set signature=legacy")
    return key


def sign(secret: str, msg_id: str, timestamp: str, body: bytes) -> str:
    """The `webhook-signature` header's value."""
    digest = hmac.new(secret_key(secret), f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def sign_legacy(secret: str, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


class WebhookSender:
    idempotent = False          # the key goes along, but a receiver may not honour it: nothing is sent twice blindly
    channels = ("webhook",)

    def __init__(self, name: str, settings: WebhookSettings, secret: SecretGetter, private_ok: bool = False):
        self.name, self.settings = name, settings
        self.secrets = Secrets(name, "webhook", secret)
        self.http = HttpClient(settings.timeout)
        # Node URLs only: the workspace setting allow_private_webhooks lets them reach its own network.
        self.guarded = HttpClient(settings.timeout, transport=GuardedTransport(private_ok))

    def _target(self, payload: dict[str, Any]) -> tuple[HttpClient, str, str]:
        """(client, URL, how a reason names it): the node's URL through the guard, else the connector's."""
        if payload.get("url"):
            return self.guarded, payload["url"], _shown(payload["url"])
        if self.settings.url:
            return self.http, self.settings.url, _shown(self.settings.url)
        url = self.secrets.get("secret_url")
        if not url:
            raise TemporaryFailure(f"connector {self.name!r} (webhook) has no URL; set one under Workspace › Connectors… or with "
                                   f"`switchback connector add {self.name} --kind webhook --set url=...` "
                                   "or --secret secret_url")
        return self.http, url, f"the secret_url of {self.name!r}"

    def _signed(self, headers: dict[str, str], key: str, raw: bytes) -> None:
        signing = self.secrets.get("signing_secret")
        if not signing:
            return
        stamp = str(int(time.time()))
        if self.settings.signature == "legacy":
            headers["X-Switchback-Timestamp"] = stamp
            headers["X-Switchback-Signature"] = sign_legacy(signing, stamp, raw)
            return
        try:
            headers["webhook-signature"] = sign(signing, key, stamp, raw)
        except ValueError as e:          # an operator fixes the secret; the message waits
            raise TemporaryFailure(f"connector {self.name!r} (webhook): {e}") from None
        headers["webhook-id"], headers["webhook-timestamp"] = key, stamp

    def send(self, message) -> None:
        if message.channel not in self.channels:
            raise PermanentFailure(f"connector {self.name!r} (webhook) cannot send {message.channel} messages")
        payload = message.payload or {}
        client, url, where = self._target(payload)
        method = str(payload.get("method") or self.settings.method).upper()
        headers = {"Idempotency-Key": message.key}
        raw = b""
        if "body" in payload:
            raw = json.dumps(payload["body"], ensure_ascii=False, separators=(",", ":")).encode()
            headers["Content-Type"] = "application/json"
        self._signed(headers, message.key, raw)
        response = client.request(method, url, where, content=raw or None, headers=headers)
        failure = failure_for(response, where)
        if failure:
            raise failure


def _review(settings: WebhookSettings, secrets: dict[str, str]) -> list[str]:
    """What `connector add` checks beyond the settings: the secrets' shapes."""
    if "signing_secret" in secrets and settings.signature == "standard":
        secret_key(secrets["signing_secret"])
    if "secret_url" in secrets:
        _http_url(secrets["secret_url"])
    return []


register(ConnectorKind(
    name="webhook", title="Webhook (HTTP + JSON)", settings=WebhookSettings,
    secrets=("signing_secret", "secret_url"), required_secrets=(),
    channels=WebhookSender.channels,
    sender=lambda name, settings, secret: WebhookSender(name, settings, secret),
    review=_review,
    help="Sends a JSON request with an Idempotency-Key header. With a signing secret (whsec_ and base64 of "
         f"random bytes; make one with {MAKE_SECRET}) it is signed per Standard Webhooks, and the receiver "
         "verifies it in three lines of Python (pip install standardwebhooks):\n"
         "    from standardwebhooks.webhooks import Webhook\n"
         "    wh = Webhook(\"whsec_...\")                       # the same secret\n"
         "    payload = wh.verify(raw_body, request_headers)  # raises WebhookVerificationError\n"
         "A URL with a token in its query goes in the secret_url secret, never in the settings.",
))
