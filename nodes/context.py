"""The services a node's behaviour may use, as a protocol the runtime implements.

Keeping it here lets a node kind be written, read and tested without the runtime's machinery.
"""
from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any, Protocol


class StepContext(Protocol):
    now: datetime                      # the clock's time, timezone-aware (UTC)
    journey_key: str
    node_id: str

    def field(self, name: str) -> Any: ...                      # a contact field, None when missing
    def zone(self) -> tzinfo: ...                               # the contact's time zone, else the workspace's
    def condition(self, expression: str) -> bool: ...           # evaluate in the sandbox
    def condition_on(self, fields: dict[str, Any], expression: str) -> bool: ...  # against other field values
    def render(self, template: str) -> str: ...                 # render in the sandbox
    def stable_fraction(self, salt: str) -> float: ...          # in [0, 1), the same for a contact every time
    def choose_variant(self, variants: list[tuple[str, float]], optimize: dict[str, Any] | None) -> str: ...  # kept per contact
    def send(self, channel: str, connector: str | None, message: dict[str, Any]) -> str | None: ...  # None, or why not sent
    def update(self, values: dict[str, Any], add_tags: list[str], remove_tags: list[str]) -> None: ...
    def add_score(self, points: int, reason: str | None) -> None: ...
    def enroll(self, journey_key: str) -> str: ...              # what happened, for the trace
    def exit_journeys(self, keys: list[str] | None) -> int: ...  # None means every other journey
    def next_in_pool(self, pool: list[str], capacity: int | None) -> str | None: ...
