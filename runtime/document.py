"""The journey document and its file format, `switchback.journey/1` (SPEC section 1).

Loading keeps what the user wrote: node configs and settings stay as the JSON they were (parsed
on demand), and keys this version does not know are kept and written back, so a file made by a
newer tool or carrying another tool's metadata survives a round trip. Unknown keys inside a node's
config or the settings are different: there a typo would change behaviour silently, so the
validator reports them.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from switchback import nodes
from switchback.nodes.registry import NodeKind
from switchback.runtime.problems import InputError, parse_json, read_text
from switchback.runtime.settings import Settings

FORMAT = "switchback.journey/1"
_JOURNEY_KEYS = ("format", "key", "name", "description", "settings", "nodes", "edges")
_NODE_KEYS = ("id", "kind", "label", "config", "position")
_EDGE_KEYS = ("from", "port", "to")


@dataclass(eq=False)
class Node:
    id: str
    kind: str
    config: dict[str, Any] = field(default_factory=dict)
    label: str | None = None
    position: list[float] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def declaration(self) -> NodeKind | None:
        """Its kind's declaration in nodes/; None for a kind this version does not know."""
        return nodes.get(self.kind)

    @property
    def title(self) -> str:
        """The node's name as its card shows it: its label, else its kind's title."""
        spec = self.declaration
        return self.label or (spec.title if spec else self.kind)

    @property
    def has_input(self) -> bool:
        """Whether an edge may come into it: not into a trigger, where contacts enter."""
        return self.declaration is None or not self.declaration.is_trigger

    def parsed(self) -> BaseModel:
        """The config as its kind's pydantic model; raises ValidationError. Cached until the config changes."""
        cache = self.__dict__.get("_parsed")
        if cache is not None and cache[0] == self.config:
            return cache[1]
        model = self.declaration.config.model_validate(self.config)
        self.__dict__["_parsed"] = (json.loads(json.dumps(self.config)), model)
        return model

    def ports(self) -> list[str]:
        """Output ports; empty when the kind is unknown or the config does not parse."""
        if not self.declaration:
            return []
        try:
            return self.declaration.output_ports(self.parsed())
        except ValidationError:
            return []

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"id": self.id, "kind": self.kind}
        if self.label is not None:
            d["label"] = self.label
        d["config"] = self.config
        if self.position is not None:
            d["position"] = self.position
        return {**d, **self.extra}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Node) and self.to_dict() == other.to_dict()


@dataclass
class Edge:
    source: str
    target: str
    port: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"from": self.source}
        if self.port is not None:
            d["port"] = self.port
        d["to"] = self.target
        return {**d, **self.extra}


@dataclass
class Journey:
    key: str
    name: str
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    description: str | None = None
    settings_raw: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def settings(self) -> Settings:
        """The settings with defaults filled in; raises ValidationError on a bad setting."""
        raw = self.settings_raw or {}
        cache = self.__dict__.get("_settings")
        if cache is not None and cache[0] == raw:
            return cache[1]
        parsed = Settings.model_validate(raw)
        self.__dict__["_settings"] = (json.loads(json.dumps(raw)), parsed)
        return parsed

    def node(self, node_id: str) -> Node | None:
        # A position index, checked on use and rebuilt when nodes were added or removed: editing a
        # 1,000-node journey looks nodes up constantly.
        where = self.__dict__.get("_where") or {}
        i = where.get(node_id)
        if i is None or i >= len(self.nodes) or self.nodes[i].id != node_id:
            where = self.__dict__["_where"] = {n.id: i for i, n in enumerate(self.nodes)}
            i = where.get(node_id)
        return None if i is None else self.nodes[i]

    @property
    def index(self) -> dict[str, Node]:
        return {n.id: n for n in self.nodes}

    def triggers(self) -> list[Node]:
        return [n for n in self.nodes if n.declaration is not None and n.declaration.is_trigger]

    def next_node(self, node_id: str, port: str) -> str | None:
        """Where leaving `node_id` through `port` leads, or None when the path ends."""
        for e in self.edges:
            if e.source == node_id and (e.port or "next") == port:
                return e.target
        # An edge may omit its port when its node has one output: it is that output.
        for e in self.edges:
            if e.source == node_id and e.port is None:
                return e.target
        return None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"format": FORMAT, "key": self.key, "name": self.name}
        if self.description is not None:
            d["description"] = self.description
        if self.settings_raw is not None:
            d["settings"] = self.settings_raw
        d["nodes"] = [n.to_dict() for n in self.nodes]
        d["edges"] = [e.to_dict() for e in self.edges]
        return {**d, **self.extra}

    def dumps(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"


def _rest(d: dict[str, Any], known: tuple[str, ...]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if k not in known}


def _point(value: Any) -> bool:
    return (isinstance(value, list) and len(value) == 2
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) and -1e9 < v < 1e9 for v in value))


def from_dict(data: Any, place: str = "journey") -> Journey:
    """Build a Journey from parsed JSON. Raises InputError when it is not a journey at all;
    everything that is a journey but wrong is left for the validator to report."""
    if not isinstance(data, dict):
        raise InputError(place, "not a journey: the file must hold a JSON object")
    fmt = data.get("format")
    if fmt != FORMAT:
        if isinstance(fmt, str) and fmt.startswith("switchback.journey/"):
            raise InputError(place, f"format {fmt} is newer than this Switchback reads ({FORMAT})")
        raise InputError(place, f"not a journey: \"format\" must be \"{FORMAT}\"")
    for name, kind in (("key", str), ("name", str), ("nodes", list), ("edges", list)):
        if not isinstance(data.get(name), kind):
            raise InputError(place, f"not a journey: \"{name}\" must be a {'string' if kind is str else 'list'}")
    if data.get("settings") is not None and not isinstance(data["settings"], dict):
        raise InputError(place, "not a journey: \"settings\" must be an object")
    journey_nodes = []
    for i, n in enumerate(data["nodes"]):
        if not isinstance(n, dict) or not isinstance(n.get("id"), str) or not isinstance(n.get("kind"), str):
            raise InputError(place, f"node {i + 1} needs a string \"id\" and \"kind\"")
        config = n.get("config", {})
        if not isinstance(config, dict):
            raise InputError(place, f"node {n['id']}: \"config\" must be an object")
        if n.get("label") is not None and not isinstance(n["label"], str):
            raise InputError(place, f"node {n['id']}: \"label\" must be text")
        if n.get("position") is not None and not _point(n["position"]):
            raise InputError(place, f"node {n['id']}: \"position\" must be [x, y], two numbers within a billion of 0")
        journey_nodes.append(Node(id=n["id"], kind=n["kind"], config=config, label=n.get("label"),
                                  position=n.get("position"), extra=_rest(n, _NODE_KEYS)))
    journey_edges = []
    for i, e in enumerate(data["edges"]):
        if not isinstance(e, dict) or not isinstance(e.get("from"), str) or not isinstance(e.get("to"), str):
            raise InputError(place, f"edge {i + 1} needs string \"from\" and \"to\"")
        journey_edges.append(Edge(source=e["from"], target=e["to"], port=e.get("port"), extra=_rest(e, _EDGE_KEYS)))
    return Journey(key=data["key"], name=data["name"], nodes=journey_nodes, edges=journey_edges,
                   description=data.get("description"), settings_raw=data.get("settings"),
                   extra=_rest(data, _JOURNEY_KEYS))


def loads(text: str, place: str = "journey") -> Journey:
    return from_dict(parse_json(text, place), place)


def load(path: str | Path) -> Journey:
    """Read a journey file; InputError names the file (and line) on any failure."""
    return loads(read_text(path), str(path))


def save(journey: Journey, path: str | Path) -> None:
    """Write atomically: a crash mid-write leaves the old file, never half of the new one."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(journey.dumps(), encoding="utf-8")
    tmp.replace(path)
