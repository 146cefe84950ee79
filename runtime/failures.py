"""What a hand-off that did not plainly succeed means for its message.

Senders raise one of these; `outcome` turns it into the message's next row values. Four cases a
person would tell apart: not now (tried again later, a bounded number of times), never (failed),
not set up (waits, however long, without using up its attempts: fixing the password or the server
lets it go), and maybe (the far end may have it: only a sender that honours idempotency keys may
hand it over again; any other's message is `uncertain` and waits for a person)."""
from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

MAX_ATTEMPTS = 8
SETUP_WAIT = timedelta(minutes=5)      # how often a message waiting for a fixed setup tries again


class TemporaryFailure(Exception):
    """Worth trying again later (a timeout, 429, 5xx). `retry_after` if the provider said."""

    def __init__(self, reason: str, retry_after: float | None = None):
        super().__init__(reason)
        self.retry_after = retry_after


class PermanentFailure(Exception):
    """Will not work however often it is tried (a bad address, 4xx): the message is marked failed."""


class NeedsSetup(TemporaryFailure):
    """The connector's setup is wrong (a refused login, a missing secret, a server without AUTH):
    no message of it can go until a person fixes it, so its messages wait without counting attempts."""


class Uncertain(TemporaryFailure):
    """The message was handed over and what became of it is unknown (the connection dropped after
    the server had it all, or its answer came too late): sending it again could deliver it twice."""


def backoff(attempts: int) -> timedelta:
    """Exponential with full jitter: 30 s, 1 min, 2 min, ... capped at an hour."""
    return timedelta(seconds=random.uniform(0.5, 1.0) * min(3600, 30 * 2 ** (attempts - 1)))


def unexpected(e: Exception) -> TemporaryFailure:
    """A sender's own bug must not stop the scheduler: the message waits and says what happened."""
    return TemporaryFailure(f"the sender failed unexpectedly ({type(e).__name__}: {e})")


def outcome(failure: Exception, attempts: int, idempotent: bool, now: datetime) -> dict[str, Any]:
    """The row values of a message whose hand-off (its `attempts`-th) ended in `failure`."""
    released = dict(claimed_until=None, claimed_by=None)
    if isinstance(failure, Uncertain) and not idempotent:
        return dict(status="uncertain", error=f"{failure}; not sent again so it cannot arrive twice", **released)
    if isinstance(failure, NeedsSetup):
        return dict(status="pending", next_attempt=now + SETUP_WAIT, attempts=max(0, attempts - 1),
                    error=str(failure), **released)
    if isinstance(failure, TemporaryFailure) and attempts < MAX_ATTEMPTS:
        wait = timedelta(seconds=failure.retry_after) if failure.retry_after else backoff(attempts)
        return dict(status="pending", next_attempt=now + wait, error=str(failure), **released)
    error = f"gave up after {attempts} attempts: {failure}" if isinstance(failure, TemporaryFailure) else str(failure)
    return dict(status="failed", error=error, **released)
