"""The journey being edited, as a Qt object the scene follows.

Every change goes through these methods (called by the undo commands in commands.py), and each
emits a signal; the scene, the problems panel and the autosave react to the signals, never to each
other (see DESIGN.md: the scheme model is separate from the items that draw it)."""
from __future__ import annotations

import copy
from typing import Any

from PySide6.QtCore import QObject, Signal

from switchback.runtime.document import Edge, Journey, Node


class JourneyModel(QObject):
    node_added = Signal(str)
    node_removed = Signal(str)
    node_changed = Signal(str)            # config or label
    node_moved = Signal(str)
    edge_added = Signal(object)           # the Edge
    edge_removed = Signal(object)
    settings_changed = Signal()
    changed = Signal()                    # anything at all: problems and autosave listen here

    def __init__(self, journey: Journey, parent: QObject | None = None):
        super().__init__(parent)
        self.journey = journey

    # --- reading -----------------------------------------------------------------------------
    def node(self, node_id: str) -> Node | None:
        return self.journey.node(node_id)

    def edges_of(self, node_id: str) -> list[Edge]:
        return [e for e in self.journey.edges if node_id in (e.source, e.target)]

    def edge_from(self, node_id: str, port: str) -> Edge | None:
        node = self.node(node_id)
        single = node is not None and len(node.ports()) <= 1
        for e in self.journey.edges:
            if e.source == node_id and ((e.port or "next") == port or (single and e.port is None)):
                return e
        return None

    def new_id(self, kind: str) -> str:
        base = kind.split(".")[-1].replace("_", "-")
        taken = {n.id for n in self.journey.nodes}
        i = 1
        while f"{base}-{i}" in taken:
            i += 1
        return f"{base}-{i}"

    # --- changing (only the undo commands call these) -------------------------------------------
    def add_node(self, node: Node, index: int | None = None) -> None:
        self.journey.nodes.insert(len(self.journey.nodes) if index is None else index, node)
        self.node_added.emit(node.id)
        self.changed.emit()

    def remove_node(self, node_id: str) -> int:
        index = next(i for i, n in enumerate(self.journey.nodes) if n.id == node_id)
        self.journey.nodes.pop(index)
        self.node_removed.emit(node_id)
        self.changed.emit()
        return index

    def add_edge(self, edge: Edge, index: int | None = None) -> None:
        self.journey.edges.insert(len(self.journey.edges) if index is None else index, edge)
        self.edge_added.emit(edge)
        self.changed.emit()

    def remove_edge(self, edge: Edge) -> int:
        index = next(i for i, e in enumerate(self.journey.edges) if e is edge)
        self.journey.edges.pop(index)
        self.edge_removed.emit(edge)
        self.changed.emit()
        return index

    def set_config(self, node_id: str, config: dict[str, Any]) -> None:
        self.node(node_id).config = copy.deepcopy(config)
        self.node_changed.emit(node_id)
        self.changed.emit()

    def set_label(self, node_id: str, label: str | None) -> None:
        self.node(node_id).label = label or None
        self.node_changed.emit(node_id)
        self.changed.emit()

    def move_node(self, node_id: str, position: list[float]) -> None:
        self.node(node_id).position = [round(position[0]), round(position[1])]
        self.node_moved.emit(node_id)
        self.changed.emit()

    def set_settings(self, settings: dict[str, Any] | None, name: str | None = None,
                     description: str | None = None) -> None:
        self.journey.settings_raw = copy.deepcopy(settings) if settings else None
        if name is not None:
            self.journey.name = name
        if description is not None:
            self.journey.description = description or None
        self.settings_changed.emit()
        self.changed.emit()
