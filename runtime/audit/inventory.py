"""The journeys in plain words: how each starts, waits, caps and sends, as the audit lists them."""
from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from switchback.nodes.durations import describe as describe_duration
from switchback.runtime.audit.data import CHANNEL_WORDS, JourneyInfo
from switchback.runtime.document import Journey, Node
from switchback.runtime.settings import FrequencyCap, Settings


# --- plain words -----------------------------------------------------------------------------------

def _duration(text: str | None) -> str:
    return describe_duration(text) if text else ""


def _q(text: Any) -> str:
    return f"“{text}”"


def trigger_words(node: Node) -> tuple[str, str]:
    """(when it starts, who it is for) of one trigger node, in plain words."""
    kind = node.declaration
    if kind is None or kind.starts is None:
        return f"{node.kind} (unknown trigger)", ""
    return kind.starts(node.config)


def _cap_words(cap: FrequencyCap | None) -> str | None:
    if cap is None:
        return None
    return f"at most {cap.messages} message{'s' if cap.messages != 1 else ''} per {_duration(cap.per)}"


def _reentry_words(reentry: str) -> str:
    if reentry == "never":
        return "once only"
    if reentry == "always":
        return "every time it is triggered"
    return f"again {_duration(reentry[6:])} after the previous entry"


def _node_label(node: Node) -> str:
    if node.label:
        return node.label
    spec = node.declaration
    return f"{spec.title} ({node.id})" if spec else node.id


def _place_words(journey: Journey, where: str) -> str:
    if where == "journey":
        return "The journey as a whole"
    if where.startswith("settings."):
        return f"Setting {where[9:]}"
    node = journey.node(where)
    if node is None:
        return f"Node {where}"
    return f"Node {_q(node.label)} ({node.id})" if node.label else f"Node {node.id}"


# --- reading the journeys ----------------------------------------------------------------------

def _settings(journey: Journey) -> Settings | None:
    try:
        return journey.settings
    except ValidationError:
        return None


def _config(node: Node):
    if node.declaration is None:
        return None
    try:
        return node.parsed()
    except ValidationError:
        return None


def inventory(journey: Journey, source: str, valid: bool) -> JourneyInfo:
    s = _settings(journey)
    triggers, audience = [], []
    for t in journey.triggers():
        when, who = trigger_words(t)
        triggers.append(when)
        audience.append(who)
    exits = []
    if s and s.exit_when:
        exits.append(f"Leaves when: {s.exit_when}")
    if s and s.goal:
        exits.append(f"Converts when: {s.goal}")
    channels, connectors, senders = [], [], 0
    for n in journey.nodes:
        spec = n.declaration
        if spec and spec.channel:
            senders += 1
            if CHANNEL_WORDS.get(spec.channel, spec.channel) not in channels:
                channels.append(CHANNEL_WORDS.get(spec.channel, spec.channel))
        name = n.config.get("connector")
        if isinstance(name, str) and name and name not in connectors:
            connectors.append(name)
    quiet = f"{s.quiet_hours.start}–{s.quiet_hours.end}" if s and s.quiet_hours else None
    return JourneyInfo(
        key=journey.key, name=journey.name, description=journey.description, source=source, valid=valid,
        triggers=triggers, audience=audience, exits=exits, priority=s.priority if s else None,
        frequency_cap=_cap_words(s.frequency_cap) if s else None, quiet_hours=quiet,
        reentry=_reentry_words(s.reentry) if s else None, suppresses=list(s.suppresses) if s else [],
        node_count=len(journey.nodes), message_nodes=senders, channels=channels, connectors=connectors)
