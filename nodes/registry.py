"""The registry of node kinds, keyed by kind name."""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
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


class Entry(Enum):
    """How a trigger enters contacts, so the runtime indexes each trigger once by what starts it."""
    EVENT = "event"          # an event of the type its `listens` names arrives
    CHANGE = "change"        # the contact's fields change (`fires` decides)
    TIME = "time"            # a moment of the contact's own comes (`timer` says when)
    HAND = "hand"            # a person, the command line, the API or another journey enrolls the contact


TRIGGERS, WAITS, ACTIONS = "Triggers", "Waits", "Actions"


def _nothing(raw: dict) -> list[str]:
    return []


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
    starter: dict[str, Any] = field(default_factory=dict)   # a new node's config in the designer
    chooses: bool = False                       # leaves by one of several named ports (edges name it)
    splits: bool = False                        # an experiment: its ports are variants a report compares
    ends: bool = False                          # the path ends here: no way out at all
    # Triggers only: how it enters contacts; a condition a contact already meeting it at the start
    # enters by (a segment); a timer counted from the contact's last event, so each event restarts it.
    enters_on: Entry | None = None
    admits_when: Callable[[Any], str | None] = lambda cfg: None
    counts_from_activity: bool = False
    # What the audit reads. These take the raw config (a dict): an audited journey may not validate.
    # `starts` is (when it starts, who it is for) in plain words; `same_as` what two triggers must
    # share to be the same trigger and what narrows it (a condition, or with `narrowed_by_value` a
    # value where None means any); None where a person chooses each time.
    starts: Callable[[dict], tuple[str, str]] | None = None
    same_as: Callable[[dict], tuple[tuple, Any]] | None = None
    narrowed_by_value: bool = False
    sets_fields: Callable[[dict], list[str]] = _nothing      # contact fields it writes
    enrolls_in: Callable[[dict], list[str]] = _nothing       # journeys it starts for the contact
    takes_out_of: Callable[[dict], list[str] | str] = _nothing   # journeys it ends for it ("all")

    @property
    def icon(self) -> str:
        """The icon's file name in resources/icons/."""
        return self.name.replace(".", "-") + ".svg"

    @property
    def is_trigger(self) -> bool:
        """A trigger has no input: contacts enter the journey there."""
        return self.category == TRIGGERS

    @property
    def is_wait(self) -> bool:
        """A wait holds the contact, so a loop through it does not run forever."""
        return self.category == WAITS

    @property
    def acts(self) -> bool:
        """It does something to the contact or the world (sends, changes fields, enrolls): what a
        held-out contact passes by without it being done."""
        return self.category == ACTIONS

    @property
    def by_hand(self) -> bool:
        return self.enters_on is Entry.HAND

    def output_ports(self, config: Any) -> list[str]:
        return self.ports(config)


_KINDS: dict[str, NodeKind] = {}
CATEGORIES = [TRIGGERS, WAITS, "Branches", ACTIONS, "Flow"]


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
