"""What every sender shares: reading its secrets, and turning what went wrong into the outbox's two
kinds of failure. One place decides that a 429 or a 503 is worth trying again, a 400 is not, a 401
waits for the secret to be fixed and a request whose answer was lost may have arrived, so
the providers' modules only say how to read their own error bodies.

Not everything here is HTTP (`Secrets` serves SMTP too), but it is the one place senders
come for their common ground."""
from __future__ import annotations

import time
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any, Callable, Mapping

import httpx
from pydantic import BaseModel, ConfigDict, Field

from switchback.connectors.registry import SecretGetter
from switchback.connectors.secrets import SecretsUnavailable
from switchback.runtime.outbox import NeedsSetup, PermanentFailure, TemporaryFailure, Uncertain


# The statuses a provider uses to say "not now" rather than "never".
RETRYABLE = frozenset({408, 425, 429})


class SenderSettings(BaseModel):
    """Base of every sender's settings: unknown keys are refused (a typo in `--set` should not
    pass silently), and `from` can be given by its JSON name."""
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


def timeout_field(default: float = 20.0) -> Any:
    """Every sender's last setting (last, so the generated form lists the provider's own first)."""
    return Field(default, gt=0, le=600, title="Timeout (seconds)",
                 description="How long to wait for the provider; past it, the message is tried again later.")


class Secrets:
    """A sender's view of its secrets in the keyring. A value found is kept for a minute, so a batch
    of messages does not ask the keyring for it each time, and a changed secret still takes effect
    soon; a missing one is asked for again at the next message."""
    KEEP = 60.0

    def __init__(self, connector: str, kind: str, getter: SecretGetter):
        self.connector, self.kind, self.getter = connector, kind, getter
        self._found: dict[str, tuple[float, str]] = {}

    def get(self, key: str) -> str | None:
        kept = self._found.get(key)
        if kept and time.monotonic() - kept[0] < self.KEEP:
            return kept[1]
        try:
            value = self.getter(key) or None
        except SecretsUnavailable as e:
            raise NeedsSetup(f"connector {self.connector!r}: cannot read its {key} secret: {e}") from None
        if value:
            self._found[key] = (time.monotonic(), value)
        else:
            self._found.pop(key, None)
        return value

    def need(self, key: str) -> str:
        """A secret the sender cannot work without. Missing, the message waits (it is not lost) and
        says the command that fixes it; a keyring that cannot be read now is a passing fault too."""
        value = self.get(key)
        if not value:
            raise NeedsSetup(
                f"connector {self.connector!r} ({self.kind}) has no {key} secret in the keyring; set it under Workspace › Connectors… or with "
                f"`switchback connector add {self.connector} --kind {self.kind} --secret {key}`")
        return value


def retry_after(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds until the provider will take more: `Retry-After` (seconds or an HTTP date), else
    `X-RateLimit-Reset` (SendGrid: a Unix time; small values are read as seconds). None if neither."""
    now = time.time() if now is None else now
    wait: float | None = None
    value = headers.get("retry-after")
    if value:
        try:
            wait = float(value)
        except ValueError:
            try:
                when = parsedate_to_datetime(value)
                if when.tzinfo is None:
                    when = when.replace(tzinfo=timezone.utc)
                wait = when.timestamp() - now
            except (TypeError, ValueError, IndexError):
                wait = None
    if wait is None:
        reset = headers.get("x-ratelimit-reset")
        if reset:
            try:
                number = float(reset)
            except ValueError:
                number = None
            if number is not None:
                wait = number - now if number > 1_000_000_000 else number
    if wait is None:
        return None
    return max(1.0, wait)


def failure_for(response: httpx.Response, provider: str,
                reason: Callable[[httpx.Response], str] | None = None) -> Exception | None:
    """None for a 2xx; else the failure the outbox should record, with the provider's own reason
    (read from its error body by `reason`, or the body's start), cut to one short line: the far end
    chooses that text, and the outbox and `trace` keep and show it."""
    status = response.status_code
    if 200 <= status < 300:
        return None
    detail = short((reason or body_text)(response))
    text = f"{provider} answered HTTP {status}" + (f": {detail}" if detail else "")
    if status in RETRYABLE or status >= 500:
        return TemporaryFailure(text, retry_after=retry_after(response.headers))
    if status in (401, 403):          # the credentials: an operator fixes them, and the messages wait
        return NeedsSetup(text + " (check the connector's secret)")
    if 300 <= status < 400:
        where = response.headers.get("location")
        return PermanentFailure(text + (f" (redirected to {where}; update the URL)" if where else ""))
    return PermanentFailure(text)


DETAIL = 120        # the most of a far end's own words a reason keeps


def body_text(response: httpx.Response, limit: int = DETAIL) -> str:
    """A short, single-line excerpt of a response body, for a reason a person will read."""
    try:
        text = response.text
    except Exception:
        return ""
    return short(text, limit)


def short(text: str, limit: int = DETAIL) -> str:
    """One line of printable text, at most `limit` characters."""
    text = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


class HttpClient:
    """An httpx client with the sender's timeout, whose transport errors arrive as the outbox's
    failures. `where` names the far end in messages; it is not the URL when the URL is a secret
    (a Slack webhook)."""

    def __init__(self, timeout: float, transport: httpx.BaseTransport | None = None):
        self.timeout = timeout
        self.client = httpx.Client(timeout=httpx.Timeout(timeout), follow_redirects=False,
                                   headers={"User-Agent": "Switchback"}, transport=transport)

    def request(self, method: str, url: str, where: str, **kwargs: Any) -> httpx.Response:
        try:
            return self.client.request(method, url, **kwargs)
        except httpx.ReadTimeout:         # the request went out whole; whether it was acted on is unknown
            raise Uncertain(f"{where} did not answer within {self.timeout:g} s of receiving the request") from None
        except httpx.TimeoutException:
            raise TemporaryFailure(f"{where} did not answer within {self.timeout:g} s") from None
        except httpx.UnsupportedProtocol:
            raise PermanentFailure(f"{where}: not an http(s) URL") from None
        except httpx.ConnectError as e:
            raise TemporaryFailure(f"could not connect to {where}: {_plain(e)}") from None
        except (httpx.RemoteProtocolError, httpx.ReadError) as e:     # sent, and the answer lost
            raise Uncertain(f"{where}: the connection broke after the request was sent: {_plain(e)}") from None
        except httpx.TransportError as e:
            raise TemporaryFailure(f"{where}: the connection failed: {_plain(e)}") from None
        except httpx.InvalidURL:
            raise PermanentFailure(f"{where}: the URL is not valid") from None

    def close(self) -> None:
        self.client.close()


def _plain(e: Exception) -> str:
    text = str(e) or type(e).__name__
    if "refused" in text.lower():
        return "connection refused"
    return text


def utc(value: datetime | float | int) -> int:
    """A moment as a Unix time in whole seconds (naive datetimes are taken as UTC)."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return int(value.timestamp())
    return int(value)
