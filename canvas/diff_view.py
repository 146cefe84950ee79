"""A diff drawn on the canvas: the newer version's journey with the older one's removed nodes and
connections put back where they were, each marked added, removed or changed. Read-only: it is a
picture of two versions, not something to edit."""
from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGraphicsItem

from canvas.items import CARD_H, CARD_W
from canvas.model import JourneyModel
from canvas.scene import JourneyScene
from canvas.theme import Theme
from runtime.diff import Diff
from runtime.document import Journey, Node


def _clear_of(node: Node, taken: list[list[float]]) -> Node:
    """A removed node, moved right until no card of the newer version covers it (a node added
    where one was removed would otherwise hide it)."""
    if node.position is None:
        return node
    x, y = node.position
    while any(abs(x - p[0]) < CARD_W + 20 and abs(y - p[1]) < CARD_H + 20 for p in taken):
        x += CARD_W + 60
    return replace(node, position=[x, y]) if x != node.position[0] else node


def merged(before: Journey, after: Journey, changes: Diff) -> Journey:
    """`after`, plus what `before` had and `after` removed."""
    gone = set(changes.removed)
    removed_edges = {(e["from"], e.get("port") or "", e["to"]) for e in changes.edges_removed}
    taken = [n.position for n in after.nodes if n.position is not None]
    back = []
    for n in before.nodes:
        if n.id in gone:
            back.append(_clear_of(n, taken))
            if back[-1].position is not None:
                taken.append(back[-1].position)
    return Journey(key=after.key, name=after.name, description=after.description, settings_raw=after.settings_raw,
                   nodes=list(after.nodes) + back,
                   edges=list(after.edges) + [e for e in before.edges
                                              if (e.source, e.port or "", e.target) in removed_edges])


def diff_scene(before: Journey, after: Journey, changes: Diff, theme: Theme, parent=None) -> JourneyScene:
    scene = JourneyScene(JourneyModel(merged(before, after, changes)), theme, parent)
    marks = {i: "added" for i in changes.added}
    marks.update({i: "removed" for i in changes.removed})
    marks.update({i: "changed" for i in changes.changed})
    edges = {(e["from"], e.get("port") or "", e["to"]): "added" for e in changes.edges_added}
    edges.update({(e["from"], e.get("port") or "", e["to"]): "removed" for e in changes.edges_removed})
    scene.set_marks(marks, edges)
    for card in scene.cards.values():
        card.setFlag(QGraphicsItem.ItemIsMovable, False)
        for port in card.ports.values():
            port.setAcceptedMouseButtons(Qt.NoButton)
            port.setCursor(Qt.ArrowCursor)
            port.setToolTip("")
    return scene

