"""What every converter shares: a journey under construction, and the small pieces of text the
three platforms need turned into Switchback's (slugs, durations, condition literals).

A converter reads the other platform's graph and calls `node`, `edge` and `warn`; `finish` turns
the result into a journey that validates. Anything the converter could not carry over is a
warning line `FILE:<source node>: ...`, never a silent drop."""
from __future__ import annotations

import re
from typing import Any

import networkx as nx

from switchback.nodes import declared as K
from switchback.runtime import sandbox
from switchback.runtime.document import Edge, Journey, Node
from switchback.runtime.problems import InputError

PLACEHOLDER_URL = "https://placeholder.invalid/"
LOOP_GUARD = "1m"


def slug(text: Any, fallback: str = "journey") -> str:
    """A journey key or id part: lower-case letters, digits and dashes."""
    s = re.sub(r"[^a-z0-9]+", "-", str(text or "").lower()).strip("-")
    return s if s else fallback


def duration(seconds: float) -> str | None:
    """The largest whole unit that expresses `seconds` exactly (`2d`, `90m`); None for zero or less."""
    seconds = int(round(seconds))
    if seconds <= 0:
        return None
    for suffix, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{suffix}"
    return f"{seconds}s"


def literal(value: Any) -> str:
    """A Python value as a condition literal."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    text = str(value)
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def number_or_text(value: Any) -> Any:
    """`"10"` -> 10, `"2.5"` -> 2.5: sources often store numbers as text."""
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            try:
                return float(value)
            except ValueError:
                return value
    return value


def field(name: str) -> str:
    """`contact.x` for a plain name, `contact['x-y']` otherwise (never an underscore attribute)."""
    if re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name):
        return f"contact.{name}"
    return f"contact[{literal(name)}]"


def in_segment(ref: str) -> str:
    """The condition used for another platform's segment or list, which Switchback does not have:
    the contact carries the segments it is in as a list field `segments`."""
    return f"{literal(ref)} in (contact.segments or [])"


def valid_condition(code: str) -> bool:
    return sandbox.check(code, "condition") is None


def valid_template(code: str) -> bool:
    return sandbox.check(code, "template") is None


class Builder:
    """A journey being assembled from another platform's graph."""

    def __init__(self, place: str):
        self.place = place
        self.nodes: list[Node] = []
        self.edges: list[Edge] = []
        self.warnings: list[str] = []
        self.back_edges: dict[tuple[str, str], str] = {}    # (from, to) -> source node named in a warning
        self.sources: dict[str, str] = {}                   # our node id -> the source node it came from
        self._ids: set[str] = set()

    # -- building ------------------------------------------------------------------------------
    def node(self, id: str, kind: str, config: dict[str, Any] | None = None, label: str | None = None,
             position: list[float] | None = None, source: str | None = None) -> str:
        base = id = slug(id, "node")
        n = 2
        while id in self._ids:
            id, n = f"{base}-{n}", n + 1
        self._ids.add(id)
        self.nodes.append(Node(id=id, kind=kind, config=config or {}, label=label, position=position))
        if source is not None:
            self.sources[id] = source
        return id

    def edge(self, source: str, target: str, port: str | None = None, jump_from: str | None = None) -> None:
        """`jump_from` marks an edge that goes back (a jump or go-to), where a loop guard may go."""
        if any(e.source == source and (e.port or "next") == (port or "next") for e in self.edges):
            return
        self.edges.append(Edge(source=source, target=target, port=port))
        if jump_from is not None:
            self.back_edges[(source, target)] = jump_from

    def warn(self, source_id: Any, message: str) -> None:
        line = f"{self.place}:{source_id}: {message}"
        if line not in self.warnings:
            self.warnings.append(line)

    def placeholder(self, id: str, source_type: str, source_id: Any, name: str | None = None,
                    position: list[float] | None = None) -> str:
        """A node the converter cannot translate: a webhook to nowhere, so the path keeps its shape
        and the journey validates, labelled so a person finds it."""
        label = f"Not converted: {source_type} {source_id}" + (f" ({name})" if name else "")
        self.warn(source_id, f"{source_type} has no Switchback equivalent; kept as a placeholder")
        return self.node(id, K.WEBHOOK.name, {"url": PLACEHOLDER_URL + slug(source_type, "step")},
                         label=label, position=position, source=str(source_id))

    def get(self, node_id: str) -> Node:
        return next(n for n in self.nodes if n.id == node_id)

    def kind(self, node_id: str) -> str:
        return self.get(node_id).kind

    # -- finishing -----------------------------------------------------------------------------
    def finish(self, key: str, name: str, description: str | None = None,
               settings: dict[str, Any] | None = None) -> Journey:
        self._fix_ports()
        self._drop_unreachable()
        self._guard_loops()
        if not any(n.declaration.is_trigger for n in self.nodes):
            raise InputError(self.place, "nothing to convert: no entry point and no step was found")
        journey = Journey(key=slug(key), name=name or key, nodes=self.nodes, edges=self.edges,
                          description=description or None, settings_raw=settings or None)
        from switchback.runtime.validation import validate
        for problem in validate(journey):
            self.warn(self.sources.get(problem.where, problem.where),
                      f"the converted journey has a problem: {problem.message}")
        return journey

    def _fix_ports(self) -> None:
        """Only a kind that chooses among named ports keeps an edge's port; every other has `next` only."""
        chooses = {n.id for n in self.nodes if n.declaration.chooses}
        for e in self.edges:
            if e.source not in chooses:
                e.port = None

    def _graph(self) -> nx.DiGraph:
        g = nx.DiGraph()
        g.add_nodes_from(n.id for n in self.nodes)
        g.add_edges_from((e.source, e.target) for e in self.edges)
        return g

    def _drop_unreachable(self) -> None:
        g = self._graph()
        reached: set[str] = set()
        for n in self.nodes:
            if n.declaration.is_trigger:
                reached |= {n.id} | nx.descendants(g, n.id)
        for n in self.nodes:
            if n.id not in reached:
                self.warn(self.sources.get(n.id, n.id), "no entry point reaches this step; left out")
        self.nodes = [n for n in self.nodes if n.id in reached]
        self.edges = [e for e in self.edges if e.source in reached and e.target in reached]

    def _guard_loops(self) -> None:
        """A loop must pass a wait in Switchback; one that jumps straight back (Mautic's jump to event
        with no interval, a HubSpot go-to) gets a one-minute wait on its jump, and a warning."""
        while True:
            waits = {n.id for n in self.nodes if n.declaration.is_wait}
            g = self._graph().subgraph({n.id for n in self.nodes} - waits)
            loop = next((c for c in nx.strongly_connected_components(g)
                         if len(c) > 1 or any(g.has_edge(x, x) for x in c)), None)
            if loop is None:
                return
            inside = [e for e in self.edges if e.source in loop and e.target in loop]
            chosen = next((e for e in inside if (e.source, e.target) in self.back_edges), inside[-1])
            who = self.back_edges.get((chosen.source, chosen.target), self.sources.get(chosen.source, chosen.source))
            guard = self.node(f"{chosen.target}-loop-guard", K.DELAY.name, {"duration": LOOP_GUARD},
                              label=f"Inserted: wait before going back to {chosen.target}")
            self.edges.append(Edge(source=guard, target=chosen.target))
            chosen.target = guard
            self.warn(who, f"goes back to an earlier step with no wait between; a {LOOP_GUARD} wait was "
                           "inserted so the loop cannot run forever")


def text(value: Any) -> str:
    """A name or label from the source as text ("" for a missing or structured value)."""
    if value is None or isinstance(value, (dict, list, bool)):
        return ""
    return str(value)


def guarded(what: str):
    """Whatever a malformed file trips over inside a converter becomes one line naming the file,
    never a traceback: the shapes of other platforms' exports are only as regular as their data."""
    def wrap(fn):
        def convert_data(data: Any, place: str):
            try:
                return fn(data, place)
            except InputError:
                raise
            except (AttributeError, KeyError, IndexError, TypeError, ValueError, RecursionError) as e:
                raise InputError(place, f"not a {what} this converter can read "
                                        f"({type(e).__name__}: {e})") from None
        convert_data.__doc__ = fn.__doc__
        return convert_data
    return wrap


def as_seconds(amount: Any, unit: str) -> float | None:
    """An amount in a named unit (MINUTES, days, h ...) in seconds; None when it cannot be read."""
    try:
        amount = float(amount)
    except (TypeError, ValueError):
        return None
    unit = (unit or "").lower()
    table = {"second": 1, "minute": 60, "hour": 3600, "day": 86400, "week": 604800}
    for name, size in table.items():
        if unit.startswith(name):
            return amount * size
    return None


__all__ = ["Builder", "text", "guarded", "slug", "duration", "literal", "field", "in_segment", "as_seconds",
           "number_or_text", "valid_condition", "valid_template"]
