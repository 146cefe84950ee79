"""`mailgun`: email through Mailgun's Messages API, for a workspace with no public address: Mailgun
tracks the opens and clicks itself and `run` pulls them back from its events API
(connectors/mailgun_events.py).

One form-encoded POST to `/v3/{domain}/messages` with `from`, `to`, `subject`, `text`, `html`,
`h:` headers and `v:` variables (our journey, node and message ids, which come back on every
event), authenticated as HTTP basic `api:{api_key}`. 200 `{"id", "message": "Queued. Thank you."}`
means accepted; errors carry `{"message"}`."""
from __future__ import annotations

from urllib.parse import quote, urlencode

from pydantic import Field

from switchback.connectors.egress import BaseUrl, over_http
from switchback.connectors.http import (HttpClient, SecretGetter, Secrets, SenderSettings, body_text, failure_for,
                                        json_or_none, timeout_field)
from switchback.connectors.registry import ConnectorKind, register
from switchback.connectors.smtp import Address, compose, recipient
from switchback.runtime.outbox import PermanentFailure
from switchback.runtime.tracking import Tracking


class MailgunSettings(SenderSettings):
    domain: str = Field(min_length=1, title="Sending domain", description="The domain verified in Mailgun (mg.example.com).")
    from_: Address = Field(alias="from", title="From", description="The sender, `Name <address>` at the sending domain.")
    base_url: BaseUrl = Field("https://api.mailgun.net", title="API address",
                              description="Mailgun's API; https://api.eu.mailgun.net for EU domains, or a proxy.")
    unsubscribe: str | None = Field(
        None, title="Unsubscribe link",
        description="A mailto: or https: URL for the List-Unsubscribe header; {email} becomes the recipient. "
                    "Default: mailto:{from}?subject=unsubscribe.")
    timeout: float = timeout_field()


def reason(response) -> str:
    data = json_or_none(response)
    if isinstance(data, dict) and data.get("message"):
        return " ".join(str(data["message"]).split())
    return body_text(response)


def api(settings: MailgunSettings, path: str) -> str:
    return f"{settings.base_url.rstrip('/')}/v3/{quote(settings.domain, safe='')}/{path}"


class MailgunSender:
    idempotent = False          # the Messages API takes no idempotency key
    channels = ("email", "notify")
    tracking: Tracking | None = None          # the workspace's, when it has public_url

    def __init__(self, name: str, settings: MailgunSettings, secret: SecretGetter):
        self.name, self.settings = name, settings
        self.secrets = Secrets(name, "mailgun", secret)
        self.http = HttpClient(settings.timeout)

    def form(self, message) -> list[tuple[str, str]]:
        """The Messages API's fields for one message, in order (a header or variable per field)."""
        s, payload = self.settings, message.payload or {}
        _, address = recipient(message, payload)
        text, html, headers = compose(message, payload, s.unsubscribe, address, s.from_, self.tracking)
        if not text and not html:
            raise PermanentFailure("the email has neither a text nor an HTML body")
        fields = [("from", payload.get("from") or s.from_), ("to", address),
                  ("subject", " ".join(str(payload.get("subject", "")).split()))]
        if text:
            fields.append(("text", text))
        if html:
            fields.append(("html", html))
        fields += [(f"h:{k}", v) for k, v in headers.items()]
        if message.channel == "email" and self.tracking is None:     # Mailgun tracks; we pull its events
            fields += [("o:tracking", "yes"), ("o:tracking-opens", "yes"), ("o:tracking-clicks", "htmlonly")]
        fields += [("v:switchback_key", message.key), ("v:switchback_journey", str(message.journey)),
                   ("v:switchback_node", str(message.node))]
        if message.id is not None:
            fields.append(("v:switchback_message", str(message.id)))
        return fields

    def send(self, message) -> None:
        if message.channel not in self.channels:
            raise PermanentFailure(f"connector {self.name!r} (mailgun) cannot send {message.channel} messages")
        key = self.secrets.need("api_key")
        response = self.http.request("POST", api(self.settings, "messages"), "Mailgun", content=urlencode(self.form(message)),
                                     headers={"Content-Type": "application/x-www-form-urlencoded"}, auth=("api", key))
        failure = failure_for(response, "Mailgun", reason)
        if failure:
            raise failure


register(ConnectorKind(
    name="mailgun", title="Mailgun", settings=MailgunSettings,
    secrets=("api_key",), required_secrets=("api_key",), review=over_http("api_key"),
    channels=MailgunSender.channels,
    sender=lambda name, settings, secret: MailgunSender(name, settings, secret),
    help="Sends email with Mailgun's Messages API; `run` pulls its opens, clicks, deliveries and bounces back, "
         "so engagement works without a public address.",
))
