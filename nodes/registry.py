"""The registry of node kinds, keyed by kind name."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from pydantic import BaseModel

from switchback.nodes.context import StepContext
from switchback.nodes.outcomes import Outcome


@dataclass(frozen=True, slots=True)
class Listens:
    """What moves a contact at a trigger or a wait, so a simulation can supply it: an event of a
    type (meeting a condition), a contact field changing (to a value), a date held in a field
    (shifted by an offset), or a stretch of days without any event."""
    event: str | None = None
    where: str | None = None
    field: str | None = None
    value: Any = None
    date_field: str | None = None
    offset: str | None = None
    quiet_days: int | None = None


@dataclass(frozen=True)
class NodeKind:
    """Everything about one kind, in one place (see DESIGN.md, "One node kind, one place")."""
    name: str                                   # `wait.event`
    title: str                                  # `Wait for an event`
    category: str                               # `Triggers`, `Waits`, `Branches`, `Actions`, `Flow`
    help: str
    config: type[BaseModel]
    run: Callable[[StepContext, Any], Outcome]
    ports: Callable[[Any], list[str]] = lambda cfg: ["next"]
    summary: Callable[[Any], str] = lambda cfg: ""
    checks: Callable[[Any], list[str]] = lambda cfg: []
    channel: str | None = None                  # a message-sending kind names its channel
    field_refs: Callable[[Any], list[str]] = field(default=lambda cfg: [])
    # Triggers only: whether a stimulus (an event, a change of fields) enters the contact, and for
    # time-based triggers the moment they fire given the contact's last activity.
    fires: Callable[[StepContext, Any, Any], bool] = lambda ctx, cfg, stimulus: False
    timer: Callable[[StepContext, Any, Any], Any] | None = None
    listens: Callable[[Any], Listens | None] = lambda cfg: None
    keywords: str = ""                          # other words a marketer may search the palette with

    @property
    def icon(self) -> str:
        """The icon's file name in resources/icons/."""
        return self.name.replace(".", "-") + ".svg"

    @property
    def is_trigger(self) -> bool:
        return self.name.startswith("trigger.")

    @property
    def is_wait(self) -> bool:
        return self.name.startswith("wait.")

    def output_ports(self, config: Any) -> list[str]:
        return self.ports(config)


_KINDS: dict[str, NodeKind] = {}
CATEGORIES = ["Triggers", "Waits", "Branches", "Actions", "Flow"]


def register(kind: NodeKind) -> NodeKind:
    if kind.name in _KINDS:
        raise ValueError(f"node kind {kind.name} is declared twice")
    _KINDS[kind.name] = kind
    return kind


def get(name: str) -> NodeKind | None:
    return _KINDS.get(name)


def kinds() -> list[NodeKind]:
    """Every kind, in palette order: by category, then as declared."""
    return sorted(_KINDS.values(), key=lambda k: CATEGORIES.index(k.category))


class Config(BaseModel):
    """Base of every node config: an unknown key is an error (a typo must not pass silently)."""
    model_config = {"extra": "forbid", "populate_by_name": True}
