"""A node's message as one contact would get it, for "Send test": rendered by the node's own
behaviour in the sandbox, captured instead of queued. Nothing of the journey runs around it."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone, tzinfo
from typing import Any

from switchback.runtime import sandbox
from switchback.runtime.document import Journey
from switchback.runtime.problems import InputError
from switchback.runtime.sandbox import Fields
from switchback.runtime.tracking import UNSUBSCRIBE_MARK

TEST_MARK = "[Test] "


@dataclass
class TestMessage:
    channel: str
    connector: str | None
    payload: dict[str, Any]


class _Capture:
    """The StepContext of a message node run for a test: it renders and keeps what it would send."""

    def __init__(self, journey: Journey, node_id: str, contact: dict[str, Any]):
        self.now = datetime.now(timezone.utc)
        self.journey_key, self.node_id = journey.key, node_id
        # `unsubscribe_url` as a journey's email has it: the sender puts the connector's address there.
        self._names = {"contact": Fields(contact), "journey": {"key": journey.key, "name": journey.name},
                       "unsubscribe_url": UNSUBSCRIBE_MARK}
        self.contact = contact
        self.sent: TestMessage | None = None

    def field(self, name: str) -> Any:
        return self.contact.get(name)

    def zone(self) -> tzinfo:
        return timezone.utc

    def render(self, template: str) -> str:
        return sandbox.render(template, self._names)

    def condition(self, expression: str) -> bool:
        return sandbox.evaluate(expression, self._names)

    def send(self, channel: str, connector: str | None, message: dict[str, Any]) -> str | None:
        self.sent = TestMessage(channel, connector, message)
        return None

    def __getattr__(self, name: str):             # update, enroll, ...: a message node needs none of them
        raise InputError(self.node_id, "only a node that sends a message can send a test")


def render_test(journey: Journey, node_id: str, contact: dict[str, Any], to: str) -> TestMessage:
    """The node's message for `contact`, addressed to `to`, its subject marked as a test."""
    node = journey.node(node_id)
    if node is None or node.declaration is None or node.declaration.channel is None:
        raise InputError(node_id, "only a node that sends a message can send a test")
    ctx = _Capture(journey, node_id, contact)
    try:
        node.declaration.run(ctx, node.parsed())
    except sandbox.RunError as e:
        raise InputError(node_id, str(e)) from None
    except ValueError as e:                        # a config that does not validate
        raise InputError(node_id, f"fix its settings first ({e.__class__.__name__})") from None
    if ctx.sent is None:
        raise InputError(node_id, "this node sent nothing for that contact")
    payload = dict(ctx.sent.payload)
    payload["to"] = to
    if "subject" in payload:
        payload["subject"] = TEST_MARK + payload["subject"]
    return TestMessage(ctx.sent.channel, ctx.sent.connector, payload)
