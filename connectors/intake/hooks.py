"""The providers' callbacks the intake server answers (SPEC 11): SendGrid's Event Webhook, Twilio's
status callbacks and inbound messages. Each verifies the provider's signature before it records."""
from __future__ import annotations

from starlette.routing import Route

from switchback.runtime.store.workspace import Store


def hook_routes(store: Store) -> list[Route]:
    """The routes; none until the providers' callbacks are built."""
    return []
