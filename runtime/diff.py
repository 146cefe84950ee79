"""What changed between two versions of a journey (SPEC section 13): one function, documents in,
changes out. The command line, the designer and the audit all call `diff`, so they never disagree.

Nodes are matched by id, edges by (from, port, to): an edge re-wired is one removed and one added.
A node's position is layout, not behaviour: a move alone is no change. Values are compared as the
document holds them (`{"add": 10}` and `{}` differ even when 10 were the default)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from switchback.runtime.document import Edge, Journey, Node

# What of the journey itself is compared, under the names the designer's "Journey settings" shows.
_JOURNEY_FIELDS = ("name", "description")
_MISSING = object()


@dataclass
class Diff:
    added: list[str] = field(default_factory=list)               # node ids, in the newer document's order
    removed: list[str] = field(default_factory=list)             # node ids, in the older document's order
    changed: dict[str, list[str]] = field(default_factory=dict)  # node id -> config fields, `label`, `kind`
    edges_added: list[dict[str, Any]] = field(default_factory=list)
    edges_removed: list[dict[str, Any]] = field(default_factory=list)
    settings: list[str] = field(default_factory=list)            # setting names, and `name`/`description`

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed or self.edges_added or self.edges_removed
                    or self.settings)

    def to_json(self) -> dict[str, Any]:
        """Exactly the shape SPEC section 13 gives `switchback diff --json`."""
        return {"nodes": {"added": list(self.added), "removed": list(self.removed),
                          "changed": {k: list(v) for k, v in self.changed.items()}},
                "edges": {"added": list(self.edges_added), "removed": list(self.edges_removed)},
                "settings": list(self.settings)}


def _edge_key(e: Edge) -> tuple[str, str, str]:
    return (e.source, e.port or "", e.target)


def _edge_json(e: Edge) -> dict[str, Any]:
    return {"from": e.source, "port": e.port, "to": e.target} if e.port else {"from": e.source, "to": e.target}


def _fields(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    """Names whose values differ, present on one side only included; in the newer side's order."""
    names = list(b) + [k for k in a if k not in b]
    return [k for k in names if a.get(k, _MISSING) != b.get(k, _MISSING)]



def node_fields(before: Node, after: Node) -> list[str]:
    """What changed on one node: its kind, its label, each config field by name, other keys kept
    from other tools; never its position."""
    out = ["kind"] if before.kind != after.kind else []
    if (before.label or None) != (after.label or None):
        out.append("label")
    out += _fields(before.config, after.config)
    out += [k for k in _fields(before.extra, after.extra) if k not in out]
    return out


def diff(before: Journey, after: Journey) -> Diff:
    """The changes that turn `before` into `after`."""
    out = Diff()
    old = {n.id: n for n in before.nodes}
    new = {n.id: n for n in after.nodes}
    out.added = [n.id for n in after.nodes if n.id not in old]
    out.removed = [n.id for n in before.nodes if n.id not in new]
    for n in after.nodes:
        was = old.get(n.id)
        if was is not None:
            fields = node_fields(was, n)
            if fields:
                out.changed[n.id] = fields
    old_edges = {_edge_key(e) for e in before.edges}
    new_edges = {_edge_key(e) for e in after.edges}
    out.edges_added = [_edge_json(e) for e in after.edges if _edge_key(e) not in old_edges]
    out.edges_removed = [_edge_json(e) for e in before.edges if _edge_key(e) not in new_edges]
    out.settings = _fields(before.settings_raw or {}, after.settings_raw or {})
    out.settings += [k for k in _JOURNEY_FIELDS if getattr(before, k) != getattr(after, k)]
    return out


def _short(value: Any, width: int = 48) -> str:
    if value is _MISSING or value is None:
        return "(none)"
    text = " ".join((value if isinstance(value, str) else repr(value)).split())
    text = repr(text) if isinstance(value, str) else text
    return text if len(text) <= width else text[:width - 1] + "…"


def _name(node: Node) -> str:
    return f"{node.id} ({node.label})" if node.label else f"{node.id} ({node.kind})"


def _edge_text(e: dict[str, Any]) -> str:
    return f"{e['from']} --{e['port']}--> {e['to']}" if e.get("port") else f"{e['from']} --> {e['to']}"


def _values(name: str, a: Node, b: Node) -> tuple[Any, Any]:
    if name == "kind":
        return a.kind, b.kind
    if name == "label":
        return a.label, b.label
    return a.config.get(name, a.extra.get(name, _MISSING)), b.config.get(name, b.extra.get(name, _MISSING))


def node_lines(d: Diff, before: Journey, after: Journey, node_id: str) -> list[str]:
    """A changed node's fields, one line each: `subject: 'Hello' -> 'Hi'`."""
    a, b = before.node(node_id), after.node(node_id)
    return [f"{name}: {_short(was)} -> {_short(now)}" for name in d.changed.get(node_id, [])
            for was, now in [_values(name, a, b)]]


def describe(d: Diff, before: Journey, after: Journey) -> list[str]:
    """The diff as lines for a person: each change on its own line, old and new values shortened."""
    old, new = before.index, after.index
    lines = [f"+ node {_name(new[i])}" for i in d.added]
    lines += [f"- node {_name(old[i])}" for i in d.removed]
    for node_id in d.changed:
        lines += [f"~ node {_name(new[node_id])}: {line}" for line in node_lines(d, before, after, node_id)]
    lines += [f"+ edge {_edge_text(e)}" for e in d.edges_added]
    lines += [f"- edge {_edge_text(e)}" for e in d.edges_removed]
    for name in d.settings:
        if name in _JOURNEY_FIELDS:
            was, now = getattr(before, name), getattr(after, name)
        else:
            was, now = (before.settings_raw or {}).get(name, _MISSING), (after.settings_raw or {}).get(name, _MISSING)
        lines.append(f"~ setting {name}: {_short(was)} -> {_short(now)}")
    return lines
