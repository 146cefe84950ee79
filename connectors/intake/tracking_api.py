"""Segment's HTTP Tracking API (SPEC 10), as the intake server answers it."""
from __future__ import annotations

from starlette.routing import Route

from switchback.runtime.store.workspace import Store


def tracking_api_routes(store: Store) -> list[Route]:
    return []
