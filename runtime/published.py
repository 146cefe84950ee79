"""The published journeys the engine runs, indexed by what can start them (not to be confused with
the node catalogue in nodes/, which holds the kinds of node)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from switchback.nodes.registry import Entry, NodeKind
from switchback.runtime.document import Journey, Node
from switchback.runtime.settings import Settings


@dataclass(eq=False)
class Published:
    """One immutable published version of a journey, with its configs parsed once."""
    journey: Journey
    version: int
    settings: Settings = field(init=False)
    configs: dict[str, Any] = field(init=False)
    kinds: dict[str, NodeKind] = field(init=False)
    routes: dict[tuple[str, str], str | None] = field(init=False)
    triggers: list[Node] = field(init=False)

    def __post_init__(self):
        self.settings = self.journey.settings
        self.kinds = {n.id: n.declaration for n in self.journey.nodes}
        self.configs = {n.id: n.parsed() for n in self.journey.nodes}
        self.triggers = self.journey.triggers()
        self._by_hand = [n for n in self.triggers if self.kinds[n.id].by_hand]
        self.routes = {}
        for n in self.journey.nodes:
            for port in self.kinds[n.id].output_ports(self.configs[n.id]) or ["next"]:
                self.routes[(n.id, port)] = self.journey.next_node(n.id, port)

    @property
    def key(self) -> str:
        return self.journey.key

    @property
    def priority(self) -> int:
        return self.settings.priority

    def next_node(self, node: str, port: str) -> str | None:
        return self.routes.get((node, port))

    def by_hand(self) -> list[Node]:
        """The triggers a person (or another journey) enrolls contacts through (read on every
        contact a journey admits, so worked out once)."""
        return self._by_hand


class PublishedJourneys:
    """Every published version; the newest of each key is the one new contacts enter."""

    def __init__(self, versions: list[Published] = (), stopped: dict[str, str] | None = None):
        # Journeys paused or off (key -> state): nobody enters them, and a paused one's steps wait.
        self.stopped: dict[str, str] = dict(stopped or {})
        self.paused = frozenset(k for k, state in self.stopped.items() if state == "paused")
        self.versions: dict[tuple[str, int], Published] = {}
        self.current: dict[str, Published] = {}
        for p in versions:
            self.versions[(p.key, p.version)] = p
            if p.key not in self.current or p.version > self.current[p.key].version:
                self.current[p.key] = p
        self._index()                       # also for no journeys at all

    def add(self, published: Published) -> None:
        self.versions[(published.key, published.version)] = published
        now = self.current.get(published.key)
        if now is None or published.version > now.version:
            self.current[published.key] = published
        self._index()

    def _index(self) -> None:
        # Highest priority first, so a contact that qualifies for several journeys at once enters
        # the one that wins first (and its `suppresses` then applies to the others).
        ordered = sorted((p for p in self.current.values() if p.key not in self.stopped),
                         key=lambda p: (-p.priority, p.key))
        self.by_event: dict[str, list[tuple[Published, Node]]] = {}
        self.on_change: list[tuple[Published, Node]] = []
        self.timed: list[tuple[Published, Node]] = []
        self.segments: list[tuple[Published, Node]] = []
        for p in ordered:
            for n in p.triggers:
                kind, config = p.kinds[n.id], p.configs[n.id]
                if kind.enters_on is Entry.EVENT:
                    self.by_event.setdefault(kind.listens(config).event, []).append((p, n))
                elif kind.enters_on is Entry.CHANGE:
                    self.on_change.append((p, n))
                    if kind.admits_when(config) is not None:
                        self.segments.append((p, n))
                elif kind.enters_on is Entry.TIME:
                    self.timed.append((p, n))
        self.ordered = ordered

    def get(self, key: str, version: int) -> Published | None:
        return self.versions.get((key, version))
