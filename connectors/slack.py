"""`slack`: notifications to a Slack channel through an incoming webhook.

The webhook URL is the credential (anyone holding it can post), so it lives in the keyring and
never appears in a reason the outbox records. Slack answers 200 `ok`; its documented errors are
plain strings in the body: 400 `invalid_payload`, 403 `action_prohibited`, 404 `channel_not_found`
or `no_service`, 410 `channel_is_archived`, and 429 with Retry-After when posting too fast."""
from __future__ import annotations

from switchback.connectors.http import (HttpClient, SecretGetter, Secrets, SenderSettings, failure_for,
                             timeout_field)
from switchback.connectors.registry import ConnectorKind, register
from switchback.runtime.outbox import PermanentFailure


class SlackSettings(SenderSettings):
    timeout: float = timeout_field()


def _escape(text: str) -> str:
    """Slack reads &, < and > as markup; these three are the ones it asks senders to escape."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def text_of(payload: dict) -> str:
    subject = " ".join(str(payload.get("subject") or "").split())
    body = str(payload.get("body") or "")
    if subject and body:
        return f"*{_escape(subject)}*\n{_escape(body)}"
    return _escape(subject or body)


class SlackSender:
    idempotent = False          # incoming webhooks take no idempotency key
    channels = ("notify",)

    def __init__(self, name: str, settings: SlackSettings, secret: SecretGetter):
        self.name, self.settings = name, settings
        self.secrets = Secrets(name, "slack", secret)
        self.http = HttpClient(settings.timeout)

    def send(self, message) -> None:
        if message.channel not in self.channels:
            raise PermanentFailure(f"connector {self.name!r} (slack) cannot send {message.channel} messages")
        url = self.secrets.need("webhook_url")
        text = text_of(message.payload or {})
        if not text:
            raise PermanentFailure("the notification is empty")
        response = self.http.request("POST", url, f"the Slack webhook of {self.name!r}", json={"text": text})
        failure = failure_for(response, "Slack")
        if failure:
            raise failure


register(ConnectorKind(
    name="slack", title="Slack (incoming webhook)", settings=SlackSettings,
    secrets=("webhook_url",), required_secrets=("webhook_url",),
    channels=SlackSender.channels,
    sender=lambda name, settings, secret: SlackSender(name, settings, secret),
    help="Posts notifications to a Slack channel; the webhook URL is kept in the keyring.",
))
