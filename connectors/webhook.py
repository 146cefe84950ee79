"""`webhook`: a JSON request to any HTTP endpoint.

Every request carries `Idempotency-Key` (the outbox key), so a receiver that honours it turns a
second hand-off into a no-op: this sender is idempotent. With a signing secret, each request is
also signed: `X-Switchback-Timestamp: <Unix seconds>` and `X-Switchback-Signature: sha256=<hex
HMAC-SHA256 of "<timestamp>." followed by the raw body, keyed with the secret>`. A receiver
recomputes the HMAC over what it received, compares in constant time, and refuses old timestamps:
the timestamp is signed too, so a captured request cannot be replayed later."""
from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from connectors.http import (HttpClient, SecretGetter, Secrets, SenderSettings, failure_for,
                             timeout_field)
from connectors.registry import ConnectorKind, register
from runtime.outbox import PermanentFailure

Method = Literal["POST", "PUT", "PATCH", "GET", "DELETE"]


class WebhookSettings(SenderSettings):
    url: str = Field(min_length=1, title="URL",
                     description="Where to send; a node's own URL, when it gives one, is used instead.")
    method: Method = Field("POST", title="Method", description="Used when the node does not say.")
    timeout: float = timeout_field()

    @field_validator("url")
    @classmethod
    def _http(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"{value!r} is not an http(s) URL")
        return value


def _shown(url: str) -> str:
    """The URL as a reason shows it: without a query string, where services often put a token."""
    return urlsplit(url)._replace(query="", fragment="").geturl()


def sign(secret: str, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


class WebhookSender:
    idempotent = True           # the receiver gets the idempotency key with every request
    channels = ("webhook",)

    def __init__(self, name: str, settings: WebhookSettings, secret: SecretGetter):
        self.name, self.settings = name, settings
        self.secrets = Secrets(name, "webhook", secret)
        self.http = HttpClient(settings.timeout)

    def send(self, message) -> None:
        if message.channel not in self.channels:
            raise PermanentFailure(f"connector {self.name!r} (webhook) cannot send {message.channel} messages")
        payload = message.payload or {}
        url = payload.get("url") or self.settings.url
        method = str(payload.get("method") or self.settings.method).upper()
        headers = {"Idempotency-Key": message.key}
        raw = b""
        if "body" in payload:
            raw = json.dumps(payload["body"], ensure_ascii=False, separators=(",", ":")).encode()
            headers["Content-Type"] = "application/json"
        signing = self.secrets.get("signing_secret")
        if signing:
            stamp = str(int(time.time()))
            headers["X-Switchback-Timestamp"] = stamp
            headers["X-Switchback-Signature"] = sign(signing, stamp, raw)
        where = _shown(url)
        response = self.http.request(method, url, where, content=raw or None, headers=headers)
        failure = failure_for(response, where)
        if failure:
            raise failure


register(ConnectorKind(
    name="webhook", title="Webhook (HTTP + JSON)", settings=WebhookSettings,
    secrets=("signing_secret",), required_secrets=(),
    channels=WebhookSender.channels,
    sender=lambda name, settings, secret: WebhookSender(name, settings, secret),
    help="Sends a JSON request with an Idempotency-Key header; signed with HMAC-SHA256 when a signing secret is set.",
))
