"""Every edit is a small QUndoCommand on the model; bigger edits are macros of the small ones
(a removal removes its edges first; splicing is remove-edge + two add-edges). Macros are built with
the stack's beginMacro/endMacro rather than child commands: the stack then owns every command, and
no Python subclass can be collected while C++ still holds it."""
from __future__ import annotations

import copy
from typing import Any

from PySide6.QtGui import QUndoCommand, QUndoStack

from switchback.canvas.model import JourneyModel
from switchback.runtime.document import Edge, Node


class AddNode(QUndoCommand):
    def __init__(self, model: JourneyModel, node: Node, parent: QUndoCommand | None = None):
        super().__init__(f"Add {node.declaration.title if node.declaration else node.kind}", parent)
        self.model, self.node = model, node

    def redo(self) -> None:
        self.model.add_node(self.node)

    def undo(self) -> None:
        self.model.remove_node(self.node.id)


class RemoveEdge(QUndoCommand):
    def __init__(self, model: JourneyModel, edge: Edge, parent: QUndoCommand | None = None):
        super().__init__("Remove connection", parent)
        self.model, self.edge, self.index = model, edge, None

    def redo(self) -> None:
        self.index = self.model.remove_edge(self.edge)

    def undo(self) -> None:
        self.model.add_edge(self.edge, self.index)


class AddEdge(QUndoCommand):
    def __init__(self, model: JourneyModel, edge: Edge, parent: QUndoCommand | None = None):
        super().__init__("Connect", parent)
        self.model, self.edge = model, edge

    def redo(self) -> None:
        self.model.add_edge(self.edge)

    def undo(self) -> None:
        self.model.remove_edge(self.edge)


class RemoveNode(QUndoCommand):
    """Removes a node that no edge touches any more (see remove_node, which removes those first)."""

    def __init__(self, model: JourneyModel, node_id: str, parent: QUndoCommand | None = None):
        node = model.node(node_id)
        super().__init__(f"Remove {node.label or node.id}", parent)
        self.model, self.node, self.index = model, node, None

    def redo(self) -> None:
        self.index = self.model.remove_node(self.node.id)

    def undo(self) -> None:
        self.model.add_node(self.node, self.index)


def remove_node(stack: QUndoStack, model: JourneyModel, node_id: str) -> None:
    stack.beginMacro(f"Remove {model.node(node_id).label or node_id}")
    for edge in model.edges_of(node_id):
        stack.push(RemoveEdge(model, edge))
    stack.push(RemoveNode(model, node_id))
    stack.endMacro()


class MoveNodes(QUndoCommand):
    def __init__(self, model: JourneyModel, moves: dict[str, tuple[list[float] | None, list[float]]],
                 parent: QUndoCommand | None = None):
        super().__init__("Move" if len(moves) > 1 else f"Move {next(iter(moves))}", parent)
        self.model, self.moves = model, moves

    def redo(self) -> None:
        for node_id, (_, after) in self.moves.items():
            self.model.move_node(node_id, after)

    def undo(self) -> None:
        for node_id, (before, _) in self.moves.items():
            self.model.move_node(node_id, before or [0, 0])


class SetConfig(QUndoCommand):
    def __init__(self, model: JourneyModel, node_id: str, config: dict[str, Any], parent: QUndoCommand | None = None):
        super().__init__(f"Edit {node_id}", parent)
        self.model, self.node_id = model, node_id
        self.before, self.after = copy.deepcopy(model.node(node_id).config), copy.deepcopy(config)

    def redo(self) -> None:
        self.model.set_config(self.node_id, self.after)

    def undo(self) -> None:
        self.model.set_config(self.node_id, self.before)


class SetLabel(QUndoCommand):
    def __init__(self, model: JourneyModel, node_id: str, label: str, parent: QUndoCommand | None = None):
        super().__init__(f"Rename {node_id}", parent)
        self.model, self.node_id = model, node_id
        self.before, self.after = model.node(node_id).label, label or None

    def redo(self) -> None:
        self.model.set_label(self.node_id, self.after)

    def undo(self) -> None:
        self.model.set_label(self.node_id, self.before)


class SetSettings(QUndoCommand):
    def __init__(self, model: JourneyModel, settings: dict[str, Any] | None = None, name: str | None = None,
                 description: str | None = None, parent: QUndoCommand | None = None):
        super().__init__("Edit journey settings", parent)
        j = model.journey
        self.model = model
        self.before = (copy.deepcopy(j.settings_raw), j.name, j.description or "")
        self.after = (copy.deepcopy(settings) if settings is not None else copy.deepcopy(j.settings_raw),
                      j.name if name is None else name, (j.description or "") if description is None else description)

    def redo(self) -> None:
        self.model.set_settings(*self.after)

    def undo(self) -> None:
        self.model.set_settings(*self.before)


def splice(stack: QUndoStack, model: JourneyModel, node: Node, edge: Edge, port: str | None) -> None:
    """Insert `node` into `edge`: source -> node (the edge's port) and node -> target (`port`)."""
    stack.beginMacro(f"Insert {node.declaration.title if node.declaration else node.kind}")
    stack.push(RemoveEdge(model, edge))
    stack.push(AddEdge(model, Edge(source=edge.source, target=node.id, port=edge.port)))
    stack.push(AddEdge(model, Edge(source=node.id, target=edge.target, port=port)))
    stack.endMacro()


def paste(stack: QUndoStack, model: JourneyModel, nodes: list[Node], edges: list[Edge],
          offset: tuple[float, float]) -> list[str]:
    """Add copies of nodes (new ids) and the edges among them, shifted by `offset`."""
    stack.beginMacro(f"Paste {len(nodes)} node{'s' if len(nodes) != 1 else ''}")
    ids: dict[str, str] = {}
    for n in nodes:
        ids[n.id] = model.new_id(n.kind)
        pos = n.position or [0, 0]
        stack.push(AddNode(model, Node(id=ids[n.id], kind=n.kind, config=copy.deepcopy(n.config), label=n.label,
                                       position=[pos[0] + offset[0], pos[1] + offset[1]], extra=copy.deepcopy(n.extra))))
    for e in edges:
        if e.source in ids and e.target in ids:
            stack.push(AddEdge(model, Edge(source=ids[e.source], target=ids[e.target], port=e.port)))
    stack.endMacro()
    return list(ids.values())
