"""`twilio`: SMS through Twilio's Programmable Messaging API.

One form-encoded POST to `/2010-04-01/Accounts/{AccountSid}/Messages.json` with `To`, `From` and
`Body`, authenticated with the account SID and auth token (HTTP basic). 201 means Twilio accepted
it. Errors come back as `{"code", "message", "more_info", "status"}`: a 400 with code 21211 is an
invalid 'To' number, which no retry will fix."""
from __future__ import annotations

from urllib.parse import quote

from pydantic import Field

from switchback.connectors.http import (HttpClient, SecretGetter, Secrets, SenderSettings, body_text, failure_for,
                             json_or_none, timeout_field)
from switchback.connectors.egress import BaseUrl, over_http
from switchback.connectors.registry import ConnectorKind, register
from switchback.runtime.outbox import PermanentFailure
from switchback.runtime.tracking import Tracking


class TwilioSettings(SenderSettings):
    from_: str = Field(alias="from", min_length=1, title="From",
                       description="Your Twilio number in E.164 form (+15551234567), or an alphanumeric sender ID.")
    account_sid: str = Field(min_length=1, title="Account SID", description="Starts with AC; on the Twilio console.")
    base_url: BaseUrl = Field("https://api.twilio.com", title="API address",
                          description="Twilio's API, or a proxy in front of it.")
    timeout: float = timeout_field()


def _reason(response) -> str:
    data = json_or_none(response)
    if isinstance(data, dict) and data.get("message"):
        code = data.get("code")
        return f"{data['message']}" + (f" (Twilio error {code})" if code else "")
    return body_text(response)


class TwilioSender:
    idempotent = False          # the Messages API takes no idempotency key
    channels = ("sms",)
    tracking: Tracking | None = None          # the workspace's, when it has public_url: status callbacks go there

    def __init__(self, name: str, settings: TwilioSettings, secret: SecretGetter):
        self.name, self.settings = name, settings
        self.secrets = Secrets(name, "twilio", secret)
        self.http = HttpClient(settings.timeout)

    @property
    def endpoint(self) -> str:
        sid = quote(self.settings.account_sid, safe="")
        return f"{self.settings.base_url.rstrip('/')}/2010-04-01/Accounts/{sid}/Messages.json"

    def send(self, message) -> None:
        if message.channel not in self.channels:
            raise PermanentFailure(f"connector {self.name!r} (twilio) cannot send {message.channel} messages")
        token = self.secrets.need("auth_token")
        if not message.to:
            raise PermanentFailure("no phone number to send to")
        body = (message.payload or {}).get("body") or ""
        if not body.strip():
            raise PermanentFailure("the text message is empty")
        data = {"To": message.to, "From": self.settings.from_, "Body": body}
        if self.tracking is not None:       # our id in the URL Twilio reports delivery to (no secret in it)
            data["StatusCallback"] = f"{self.tracking.public_url}/hooks/{quote(self.name, safe='')}?message={message.id}"
        response = self.http.request(
            "POST", self.endpoint, "Twilio",
            data=data,
            auth=(self.settings.account_sid, token))
        failure = failure_for(response, "Twilio", _reason)
        if failure:
            raise failure


register(ConnectorKind(
    name="twilio", title="Twilio SMS", settings=TwilioSettings,
    secrets=("auth_token",), required_secrets=("auth_token",), review=over_http("auth_token"),
    channels=TwilioSender.channels,
    sender=lambda name, settings, secret: TwilioSender(name, settings, secret),
    help="Sends text messages with Twilio's Messages API.",
))
