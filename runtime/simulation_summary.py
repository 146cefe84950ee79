"""One journey's simulation as the designer shows it: how many contacts entered each node and took
each connection, where they are at the end (waiting, converted, exited, ...), the messages, and
why nobody entered when nobody did. Built beside the simulation, off the GUI thread, so the
window only has to show it."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from switchback.nodes.outcomes import Did
from switchback.runtime.contacts import Event
from switchback.runtime.document import Journey
from switchback.runtime.sample_events import why_nobody_entered
from switchback.runtime.simulation import SimulationResult
from switchback.runtime.state import ACTIVE

# Where a contact can be at the end, in the order the designer lists them.
OUTCOMES = (Did.WAITING, Did.COMPLETED, Did.CONVERTED, Did.EXITED, Did.SKIPPED, Did.ERROR)


@dataclass(slots=True)
class MessageRow:
    at: datetime
    channel: str
    node: str
    to: str | None
    contact: str
    payload: dict


@dataclass
class JourneySummary:
    contacts: int                                   # contacts simulated
    entered: dict[str, int]                         # node -> contacts that entered it
    edges: dict[tuple[str, str], int]               # (node, port) -> contacts that left that way
    outcomes: dict[str, Counter]                    # node -> OUTCOMES counted there
    messages: list[MessageRow]                      # this journey's, in time order
    all_messages: int                               # every journey's, for the status line
    paths: dict[str, list[str]] = field(default_factory=dict)      # contact -> the nodes it entered
    nobody: str | None = None                       # why nobody entered, when nobody did
    by_hand: bool = False                           # started by hand: the simulation enrolled everyone at the start


def summarise(result: SimulationResult, journey: Journey, events: list[Event]) -> JourneySummary:
    key = journey.key
    port_to = {}
    for e in journey.edges:
        port_to.setdefault((e.source, e.target), e.port or "next")
    edges: Counter = Counter()
    outcomes: dict[str, Counter] = {}
    paths: dict[str, list[str]] = {}
    for contact, steps in result.timeline.items():
        path = []
        for s in steps:
            if s.journey != key:
                continue
            if s.what == Did.ENTERED:
                path.append(s.node)
            elif s.what == Did.SKIPPED:
                outcomes.setdefault(s.node, Counter())[Did.SKIPPED] += 1
        for a, b in zip(path, path[1:]):
            port = port_to.get((a, b))
            if port is not None:
                edges[(a, port)] += 1
        if path:
            paths[contact] = path
    for cs in result.states.values():
        for e in cs.enrollments:
            if e.journey == key:
                where = Did.WAITING if e.state == ACTIVE else Did(e.state)
                outcomes.setdefault(e.node, Counter())[where] += 1
    entered = {node: n for (j, node), n in result.entered.items() if j == key}
    triggers = {n.id for n in journey.triggers()}
    nobody = None if any(entered.get(t) for t in triggers) else why_nobody_entered(journey, events)
    messages = [MessageRow(m.at, m.channel, m.node, m.to, m.contact, m.payload) for m in result.messages if m.journey == key]
    by_hand = any(n.declaration is not None and n.declaration.by_hand for n in journey.triggers())
    return JourneySummary(len(result.states), entered, dict(edges), outcomes, messages, len(result.messages), paths, nobody,
                          by_hand)
