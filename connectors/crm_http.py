"""What the CRM sources share: one HTTP client that waits out rate limits, retries what a retry can
fix, and turns everything else into one line a person can act on.

A sync is a long walk over someone else's API: a 429 or a passing 503 must not end it, but a refused
token or a bad request must end it at once, saying which connector and which call. The secret is
only ever in a header, and no message here includes a URL, a header or a request body."""
from __future__ import annotations

import json
import random
import time
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any, Callable, Mapping

import httpx


class CrmError(RuntimeError):
    """A CRM call that failed for good. str() is one line: `hubspot: GET /crm/v3/... answered 500 five times`.
    `status` is the last HTTP status (None for a network fault); `record` is true when the failure
    concerns the request's own data (a 4xx other than 401 and 429), so the rest of a batch can go on."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status

    @property
    def record(self) -> bool:
        return self.status is not None and 400 <= self.status < 500 and self.status not in (401, 408, 429)


NUMBERS = {1: "once", 2: "twice", 3: "three times", 4: "four times", 5: "five times", 6: "six times",
           7: "seven times", 8: "eight times", 9: "nine times", 10: "ten times"}


def times(n: int) -> str:
    return NUMBERS.get(n, f"{n} times")


def wait_from(headers: Mapping[str, str]) -> float | None:
    """Seconds the provider asks us to wait: `Retry-After` as seconds (HubSpot and Pipedrive send
    whole seconds; a fraction is accepted too) or as an HTTP date. None when it does not say."""
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


class CrmHttp:
    """A JSON API behind a base URL. `request` returns the decoded body, or raises CrmError.

    - 429: wait `Retry-After` (else back off) and try again, up to `rate_limit_tries` times;
    - 5xx, timeouts, refused or dropped connections: exponential backoff with jitter, `tries` times;
    - 401: the secret was refused; other 4xx: the provider's own message.
    `refused` is the line a 401 gives; it names the secret, never its value."""

    def __init__(self, connector: str, base_url: str, *, headers: Mapping[str, str], timeout: float = 30.0,
                 refused: str = "the credentials were refused", tries: int = 5, rate_limit_tries: int = 12,
                 backoff: float = 0.5, max_wait: float = 60.0, sleep: Callable[[float], None] = time.sleep,
                 message_of: Callable[[Any], str | None] | None = None, transport: httpx.BaseTransport | None = None):
        self.connector = connector
        self.refused = refused
        self.tries, self.rate_limit_tries = tries, rate_limit_tries
        self.backoff, self.max_wait = backoff, max_wait
        self.sleep = sleep
        self.message_of = message_of or _message
        self.requests = 0                          # sent, retries included (for tests and progress lines)
        self.date: datetime | None = None          # the server's clock at its last answer (the Date header)
        self.client = httpx.Client(base_url=base_url.rstrip("/"), headers=dict(headers), timeout=timeout,
                                   transport=transport, follow_redirects=False)

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> "CrmHttp":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def request(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
                json_body: Any = None) -> Any:
        what = f"{method} {path}"
        failures = 0            # 5xx and network faults, counted towards `tries`
        limited = 0             # 429s, counted towards `rate_limit_tries`
        last = ""
        while True:
            self.requests += 1
            try:
                response = self.client.request(method, path, params=params, json=json_body)
            except httpx.TimeoutException:
                failures += 1
                last, status = "timed out", None
                response = None
            except httpx.TransportError as e:          # refused, reset, DNS, protocol errors
                failures += 1
                last, status = f"could not be reached ({type(e).__name__})", None
                response = None
            if response is not None:
                self._note_date(response)
                status = response.status_code
                if status < 300:
                    return self._json(response, what)
                if status == 429:
                    limited += 1
                    if limited >= self.rate_limit_tries:
                        raise CrmError(f"{self.connector}: {what} was rate limited (429) {times(limited)}; "
                                       f"try again later", 429)
                    wait = wait_from(response.headers)
                    self.sleep(min(self.max_wait, wait if wait is not None else self._backoff(limited)))
                    continue
                if status >= 500 or status == 408:
                    failures += 1
                    last = f"answered {status}"
                elif status == 401:
                    raise CrmError(f"{self.connector}: {self.refused} (401 Unauthorized)", 401)
                else:
                    detail = self.message_of(_body(response))
                    raise CrmError(f"{self.connector}: {what} answered {status}" + (f": {detail}" if detail else ""),
                                   status)
            if failures >= self.tries:
                raise CrmError(f"{self.connector}: {what} {last} {times(failures)}", status)
            self.sleep(self._backoff(failures))

    def _backoff(self, attempt: int) -> float:
        """Exponential with full jitter: no two clients that failed together retry together."""
        ceiling = min(self.max_wait, self.backoff * (2 ** (attempt - 1)))
        return random.uniform(ceiling / 2, ceiling)

    def _note_date(self, response: httpx.Response) -> None:
        value = response.headers.get("date")
        if value:
            try:
                self.date = parsedate_to_datetime(value).astimezone(timezone.utc)
            except (TypeError, ValueError):
                pass

    def _json(self, response: httpx.Response, what: str) -> Any:
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise CrmError(f"{self.connector}: {what} answered {response.status_code} with a body that is not JSON",
                           response.status_code) from None


def _body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return response.text[:200]


def _message(body: Any) -> str | None:
    """The provider's own words: HubSpot `message`, Pipedrive `error` (+ `error_info`)."""
    if isinstance(body, dict):
        for key in ("message", "error", "detail"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return " ".join(value.split())[:300]
        return None
    if isinstance(body, str) and body.strip():
        return " ".join(body.split())[:200]
    return None
