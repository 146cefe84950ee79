"""Editing one journey: the model, its undo stack and its scene, with every gesture turned into an
undoable command. The window adds the store (autosave, publish) around it."""
from __future__ import annotations

import copy
import json
from typing import Callable

from PySide6.QtCore import QObject, QPointF, Signal
from PySide6.QtGui import QGuiApplication, QUndoStack

from switchback import nodes
from switchback.canvas import commands as cmd
from switchback.canvas.items import GRID
from switchback.canvas.layout import layout
from switchback.canvas.model import JourneyModel
from switchback.canvas.scene import JourneyScene
from switchback.canvas.theme import Theme, system_theme
from switchback.runtime import document, validation
from switchback.runtime.document import Edge, Journey, Node
from switchback.runtime.problems import InputError

CLIP_FORMAT = "switchback.nodes/1"


class JourneyEditor(QObject):
    problems_changed = Signal(list)          # [Problem]
    selection_changed = Signal(object)       # node id or None

    def __init__(self, journey: Journey, theme: Theme | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.model = JourneyModel(journey, self)
        self.undo = QUndoStack(self)
        self.scene = JourneyScene(self.model, theme or system_theme(), self)
        self.problems: list = []
        # More checks the owner adds (the workspace's names: connectors, journeys, fields).
        self.extra_checks: Callable[[Journey], list] | None = None
        s = self.scene
        s.connect_requested.connect(self.connect_nodes)
        s.kind_dropped.connect(self.drop_kind)
        s.move_requested.connect(lambda moves: self.undo.push(cmd.MoveNodes(self.model, moves)))
        s.splice_requested.connect(self._splice_existing)
        s.selectionChanged.connect(self._selection)
        self.model.changed.connect(self.revalidate)
        self.revalidate()

    @property
    def journey(self) -> Journey:
        return self.model.journey

    def revalidate(self) -> None:
        self.problems = validation.validate(self.journey)
        if self.extra_checks is not None:
            self.problems += self.extra_checks(self.journey)
        by_node: dict[str, list[str]] = {}
        for p in self.problems:
            by_node.setdefault(p.where, []).append(p.message)
        self.scene.set_problems(by_node)
        self.problems_changed.emit(self.problems)

    def _selection(self) -> None:
        cards = self.scene.selected_cards()
        self.selection_changed.emit(cards[0].node_id if len(cards) == 1 else None)

    # --- edits -----------------------------------------------------------------------------------
    def add_node(self, kind: str, pos: QPointF, edge: Edge | None = None) -> str:
        spec = nodes.get(kind)
        node = Node(id=self.model.new_id(kind), kind=kind, config=copy.deepcopy(spec.starter),
                    position=[round(pos.x() / GRID) * GRID, round(pos.y() / GRID) * GRID])
        if edge is None or spec.is_trigger or not node.ports():
            self.undo.push(cmd.AddNode(self.model, node))
        else:
            self.undo.beginMacro(f"Insert {spec.title}")
            self.undo.push(cmd.AddNode(self.model, node))
            cmd.splice(self.undo, self.model, node, edge, node.ports()[0] if len(node.ports()) > 1 else None)
            self.undo.endMacro()
        self.scene.select_node(node.id)
        return node.id

    def drop_kind(self, kind: str, pos: QPointF, edge: Edge | None) -> None:
        self.add_node(kind, pos, edge)

    def connect_nodes(self, source: str, port: str, target: str) -> None:
        src, dst = self.model.node(source), self.model.node(target)
        if dst is None or not dst.has_input:
            return
        one_port = len(src.ports()) <= 1
        self.undo.beginMacro(f"Connect {source} to {target}")
        old = self.model.edge_from(source, port)
        if old is not None:                                 # a port leads one way: re-connecting replaces
            self.undo.push(cmd.RemoveEdge(self.model, old))
        self.undo.push(cmd.AddEdge(self.model, Edge(source=source, target=target, port=None if one_port else port)))
        self.undo.endMacro()

    def _splice_existing(self, node_id: str, edge: Edge) -> None:
        node = self.model.node(node_id)
        ports = node.ports()
        if not node.has_input or not ports:
            return
        cmd.splice(self.undo, self.model, node, edge, ports[0] if len(ports) > 1 else None)

    def set_config(self, node_id: str, config: dict) -> None:
        if self.model.node(node_id).config != config:
            self.undo.push(cmd.SetConfig(self.model, node_id, config))

    def set_label(self, node_id: str, label: str) -> None:
        if (self.model.node(node_id).label or "") != label:
            self.undo.push(cmd.SetLabel(self.model, node_id, label))

    def set_settings(self, settings: dict | None = None, name: str | None = None, description: str | None = None) -> None:
        self.undo.push(cmd.SetSettings(self.model, settings, name, description))

    def delete_selection(self) -> None:
        cards, edges = self.scene.selected_cards(), self.scene.selected_edges()
        if not cards and not edges:
            return
        self.undo.beginMacro("Delete")
        removed = {c.node_id for c in cards}
        for e in edges:
            if e.source not in removed and e.target not in removed:
                self.undo.push(cmd.RemoveEdge(self.model, e))
        for c in cards:
            cmd.remove_node(self.undo, self.model, c.node_id)
        self.undo.endMacro()

    def select_all(self) -> None:
        for card in self.scene.cards.values():
            card.setSelected(True)

    def copy(self) -> None:
        """Selected nodes and the edges among them, to the clipboard as JSON text: it pastes into
        another journey or another Switchback, and reads in any text editor."""
        ids = {c.node_id for c in self.scene.selected_cards()}
        if not ids:
            return
        data = {"format": CLIP_FORMAT, "nodes": [self.model.node(i).to_dict() for i in ids],
                "edges": [e.to_dict() for e in self.journey.edges if e.source in ids and e.target in ids]}
        # Plain text, not a custom QMimeData: the clipboard owning a Python-made QMimeData crashes
        # PySide at exit.
        QGuiApplication.clipboard().setText(json.dumps(data, indent=2))

    def paste(self, offset: tuple[float, float] = (40, 40)) -> list[str]:
        try:
            data = json.loads(QGuiApplication.clipboard().text())
        except ValueError:
            return []
        if not isinstance(data, dict) or data.get("format") != CLIP_FORMAT:
            return []
        try:
            doc = document.from_dict({"format": document.FORMAT, "key": "clip", "name": "clip",
                                      "nodes": data.get("nodes", []), "edges": data.get("edges", [])})
        except InputError:
            return []
        ids = cmd.paste(self.undo, self.model, doc.nodes, doc.edges, offset)
        self.scene.clearSelection()
        for i in ids:
            self.scene.cards[i].setSelected(True)
        return ids

    def duplicate(self) -> list[str]:
        self.copy()
        return self.paste()

    def auto_layout(self) -> None:
        positions = layout(self.journey)
        moves = {i: (self.model.node(i).position, p) for i, p in positions.items() if self.model.node(i).position != p}
        if moves:
            self.undo.push(cmd.MoveNodes(self.model, moves))
