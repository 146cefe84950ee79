"""A diff drawn on the canvas: the newer version's journey with the older one's removed nodes and
connections put back where they were, each marked added, removed or changed. Read-only: it is a
picture of two versions, not something to edit."""
from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt

from switchback.canvas.items import CARD_H, CARD_W
from switchback.canvas.model import JourneyModel
from switchback.canvas.scene import JourneyScene
from switchback.canvas.theme import Theme
from switchback.runtime.diff import Diff
from switchback.runtime.document import Journey, Node


_GAP_X, _GAP_Y = CARD_W + 20, CARD_H + 20


class _Cards:
    """Where cards are, in cells one card (and a gap) wide, to ask "is this spot taken?" quickly."""

    def __init__(self, positions) -> None:
        self.cells: dict[tuple[int, int], list] = {}
        for p in positions:
            self.add(p)

    def add(self, p) -> None:
        self.cells.setdefault((int(p[0] // _GAP_X), int(p[1] // _GAP_Y)), []).append(p)

    def covers(self, x: float, y: float) -> bool:
        cx, cy = int(x // _GAP_X), int(y // _GAP_Y)
        return any(abs(x - p[0]) < _GAP_X and abs(y - p[1]) < _GAP_Y
                   for dx in (-1, 0, 1) for dy in (-1, 0, 1) for p in self.cells.get((cx + dx, cy + dy), ()))


def _clear_of(node: Node, taken: _Cards) -> Node:
    """A removed node, moved right until no card of the newer version covers it (a node added
    where one was removed would otherwise hide it)."""
    if node.position is None:
        return node
    x, y = node.position
    while taken.covers(x, y):
        x += CARD_W + 60
    return replace(node, position=[x, y]) if x != node.position[0] else node


def merged(before: Journey, after: Journey, changes: Diff) -> Journey:
    """`after`, plus what `before` had and `after` removed."""
    gone = set(changes.removed)
    removed_edges = {(e["from"], e.get("port") or "", e["to"]) for e in changes.edges_removed}
    taken = _Cards(n.position for n in after.nodes if n.position is not None)
    back = []
    for n in before.nodes:
        if n.id in gone:
            back.append(_clear_of(n, taken))
            if back[-1].position is not None:
                taken.add(back[-1].position)
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
    for card in scene.cards.values():       # cards may be dragged aside to see better; nothing connects
        for port in card.ports.values():
            port.setAcceptedMouseButtons(Qt.NoButton)
            port.setCursor(Qt.ArrowCursor)
            port.setToolTip("")
    return scene

