"""The scene that draws one journey and turns gestures into requests.

It follows the JourneyModel's signals to stay in step with the document; a gesture (drop a kind,
drag a port onto a node, move cards, drop a card on an edge) becomes a request signal that the
window turns into an undoable command. The scene never edits the document itself."""
from __future__ import annotations

from PySide6.QtCore import QLineF, QPointF, QRectF, QSizeF, Qt, QTimer, Signal
from PySide6.QtGui import QPainter, QPen
from PySide6.QtWidgets import QGraphicsLineItem, QGraphicsScene

from switchback.canvas.items import CARD_H, CARD_W, GRID, EdgeItem, NodeCard, PortItem
from switchback.canvas.model import JourneyModel
from switchback.canvas.theme import LIGHT, Theme
from switchback.runtime.document import Edge

KIND_MIME = "application/x-switchback-kind"
LANE = 30.0                                   # an edge going round cards keeps this far from them


class JourneyScene(QGraphicsScene):
    connect_requested = Signal(str, str, str)          # source node, port, target node
    kind_dropped = Signal(str, QPointF, object)         # kind name, scene position, edge under it or None
    move_requested = Signal(dict)                       # node id -> (before, after)
    splice_requested = Signal(str, object)              # node id, edge
    content_changed = Signal()                          # a card came, went or moved: the minimap follows

    def __init__(self, model: JourneyModel, theme: Theme = LIGHT, parent=None):
        super().__init__(parent)
        self.model, self.theme = model, theme
        self.cards: dict[str, NodeCard] = {}
        self.edges: dict[int, EdgeItem] = {}
        self._wire: QGraphicsLineItem | None = None
        self._wire_from: PortItem | None = None
        self._press_positions: dict[str, list[float] | None] = {}
        self.show_grid = True
        self._content: QRectF | None = None
        self.setItemIndexMethod(QGraphicsScene.BspTreeIndex)
        model.node_added.connect(self._add_card)
        model.node_removed.connect(self._remove_card)
        model.node_changed.connect(self._refresh_card)
        model.node_moved.connect(self._place_card)
        model.edge_added.connect(self._add_edge)
        model.edge_removed.connect(self._remove_edge)
        self.rebuild()

    # --- following the model -----------------------------------------------------------------
    def rebuild(self) -> None:
        self.clear()
        self.cards, self.edges, self._content = {}, {}, None
        for i, node in enumerate(self.model.journey.nodes):
            if node.position is None:
                node.position = [0, i * (CARD_H + 64)]
            self._add_card(node.id)
        for edge in self.model.journey.edges:
            self._add_edge(edge, detour=False)
        self.fit_rect()                            # a fixed scene rect: Qt's index is not rebuilt per query
        for item in self.edges.values():           # once every card is in place
            self._detour(item)
        self._content = None
        self.fit_rect()

    def fit_rect(self) -> None:
        rect = self.content_rect() if self.cards else QRectF(0, 0, 800, 600)
        self.setSceneRect(rect.adjusted(-2000, -2000, 2000, 2000))

    def content_rect(self) -> QRectF:
        """What the journey covers, kept until a card changes: the view and the minimap ask on every
        scroll, and Qt would ask each of thousands of items again."""
        if self._content is None:
            self._content = self.itemsBoundingRect()
        return self._content

    def _content_moved(self) -> None:
        self._content = None
        self.content_changed.emit()

    def _add_card(self, node_id: str) -> None:
        node = self.model.node(node_id)
        card = NodeCard(node, self.theme)
        self.addItem(card)
        self.cards[node_id] = card
        self._place_card(node_id)
        self._content_moved()

    def _remove_card(self, node_id: str) -> None:
        card = self.cards.pop(node_id, None)
        if card is not None:
            self.removeItem(card)
            self._content_moved()

    def _refresh_card(self, node_id: str) -> None:
        card = self.cards.get(node_id)
        if card is not None:
            card.refresh()
            for edge_item in self.edges.values():
                if node_id in (edge_item.edge.source, edge_item.edge.target):
                    self._route(edge_item)

    def _place_card(self, node_id: str) -> None:
        card, node = self.cards.get(node_id), self.model.node(node_id)
        if card is not None and node.position is not None:
            card.setPos(QPointF(*node.position))

    def _add_edge(self, edge: Edge, detour: bool = True) -> None:
        item = EdgeItem(edge, self.theme)
        self.addItem(item)
        self.edges[id(edge)] = item
        self._route(item, detour)

    def _remove_edge(self, edge: Edge) -> None:
        item = self.edges.pop(id(edge), None)
        if item is not None:
            self.removeItem(item)

    def _route(self, item: EdgeItem, detour: bool = True) -> None:
        a, b = self.cards.get(item.edge.source), self.cards.get(item.edge.target)
        if a is not None and b is not None:
            item.route(a.port_point(item.edge.port), b.input_point())
            if detour:
                self._detour(item)

    def _detour(self, item: EdgeItem) -> None:
        a, b = self.cards.get(item.edge.source), self.cards.get(item.edge.target)
        if a is None or b is None:
            return
        start, end = a.port_point(item.edge.port), b.input_point()
        if end.y() - start.y() <= CARD_H + 2 * LANE:     # no room for a card between its ends
            return
        # An edge behind a card would look like it enters that card: the branch it leaves would seem
        # to lead twice to the same step. It goes round the cards in its way instead.
        blocking = self._cards_on(item, a, b)
        middle = (start.x() + end.x()) / 2
        for _ in range(4):                         # widen the way round until a side is clear
            if not blocking:
                return
            left, right = min(c.x() for c in blocking) - LANE, max(c.x() for c in blocking) + CARD_W + LANE
            for lane in sorted((left, right), key=lambda x: abs(x - middle)):
                item.route(start, end, lane)
                found = self._cards_on(item, a, b)
                if not found:
                    return
                blocking += found

    def _cards_on(self, item: EdgeItem, *ends: NodeCard) -> list[NodeCard]:
        line = item.shape()
        near = self.items(line.boundingRect(), Qt.IntersectsItemBoundingRect)
        return [c for c in near if isinstance(c, NodeCard) and c not in ends
                and line.intersects(QRectF(c.pos(), QSizeF(CARD_W, CARD_H)))]

    def node_geometry_changed(self, card: NodeCard) -> None:
        self._content_moved()
        for item in self.edges.values():
            if card.node_id in (item.edge.source, item.edge.target):
                self._route(item)

    # --- overlays ------------------------------------------------------------------------------
    def set_problems(self, problems: dict[str, list[str]]) -> None:
        for node_id, card in self.cards.items():
            new = problems.get(node_id, [])
            if new != card.problems:
                card.problems = new
                card.refresh()

    def set_counts(self, nodes: dict[str, int] | None, edges: dict[tuple[str, str], int] | None = None) -> None:
        """Simulation counts on cards and edges; None clears them."""
        for node_id, card in self.cards.items():
            card.count = None if nodes is None else nodes.get(node_id, 0)
            card.update()
        for item in self.edges.values():
            key = (item.edge.source, item.edge.port or "next")
            item.prepareGeometryChange()
            item.count = None if edges is None else edges.get(key, 0)
            item.update()

    def set_live(self, nodes: dict[str, tuple[str, str]] | None, edges: dict[tuple[str, str, str], int] | None) -> None:
        """A published journey's results on its cards (headline, detail) and on the connections
        (by (from, port, to)) that have a count; None clears them."""
        for node_id, card in self.cards.items():
            live = None if nodes is None else nodes.get(node_id)
            if live != card.live:
                card.live = live
                card.update()
        for item in self.edges.values():
            key = (item.edge.source, item.edge.port or "next", item.edge.target)
            count = None if edges is None else edges.get(key)
            if count != item.live:
                item.prepareGeometryChange()
                item.live = count
                item.update()

    def set_marks(self, nodes: dict[str, str], edges: dict[tuple[str, str, str], str]) -> None:
        """A diff drawn: nodes by id and edges by (from, port, to) marked added, removed or changed."""
        for node_id, card in self.cards.items():
            card.mark = nodes.get(node_id)
            card.update()
        for item in self.edges.values():
            item.mark = edges.get((item.edge.source, item.edge.port or "", item.edge.target))
            item.update()

    def set_older(self, counts: dict[str, dict[int, int]] | None) -> None:
        """Contacts still on older versions, by node: {node: {version: contacts}}; None clears."""
        for node_id, card in self.cards.items():
            older = (counts or {}).get(node_id) or None
            if older != card.older:
                card.older = older
                card.refresh()

    def highlight_path(self, node_ids: list[str]) -> None:
        """One contact's way through the journey, drawn over the rest."""
        on = set(node_ids)
        steps = set(zip(node_ids, node_ids[1:]))
        for node_id, card in self.cards.items():
            card.on_path = node_id in on
            card.update()
        for item in self.edges.values():
            item.on_path = (item.edge.source, item.edge.target) in steps
            item.update()

    # --- gestures ------------------------------------------------------------------------------
    def begin_connection(self, port: PortItem) -> None:
        self._wire_from = port
        self._wire = QGraphicsLineItem(QLineF(port.scenePos(), port.scenePos()))
        self._wire.setPen(QPen(self.theme.selection, 2, Qt.DashLine))
        self._wire.setZValue(10)
        self.addItem(self._wire)

    def drag_connection(self, pos: QPointF) -> None:
        if self._wire is not None:
            self._wire.setLine(QLineF(self._wire_from.scenePos(), pos))

    def end_connection(self, pos: QPointF) -> None:
        if self._wire is None:
            return
        self.removeItem(self._wire)
        port, self._wire, self._wire_from = self._wire_from, None, None
        target = self.card_at(pos)
        if target is not None and target is not port.card:
            self._later(self.connect_requested.emit, port.card.node_id, port.name, target.node_id)

    def card_at(self, pos: QPointF) -> NodeCard | None:
        for item in self.items(pos):
            while item is not None and not isinstance(item, NodeCard):
                item = item.parentItem()
            if isinstance(item, NodeCard):
                return item
        return None

    def edge_at(self, pos: QPointF, ignore: str | None = None) -> Edge | None:
        for item in self.items(QRectF(pos.x() - 8, pos.y() - 8, 16, 16)):
            if isinstance(item, EdgeItem) and ignore not in (item.edge.source, item.edge.target):
                return item.edge
        return None

    def mousePressEvent(self, event) -> None:
        super().mousePressEvent(event)
        self._press_positions = {c.node_id: c.node.position for c in self.selected_cards()}

    def mouseReleaseEvent(self, event) -> None:
        super().mouseReleaseEvent(event)
        moves = {}
        for card in self.selected_cards():
            before = self._press_positions.get(card.node_id)
            snapped = [round(card.x() / GRID) * GRID, round(card.y() / GRID) * GRID]
            if before is None or [round(v) for v in before] != snapped:
                moves[card.node_id] = (before, snapped)
        self._press_positions = {}
        if not moves:
            return
        self._later(self.move_requested.emit, moves)
        if len(moves) == 1:
            node_id = next(iter(moves))
            if not self.model.edges_of(node_id):
                centre = self.cards[node_id].sceneBoundingRect().center()
                edge = self.edge_at(centre, ignore=node_id)
                if edge is not None:
                    self._later(self.splice_requested.emit, node_id, edge)

    def selected_cards(self) -> list[NodeCard]:
        return [i for i in self.selectedItems() if isinstance(i, NodeCard)]

    def selected_edges(self) -> list[Edge]:
        return [i.edge for i in self.selectedItems() if isinstance(i, EdgeItem)]

    def select_node(self, node_id: str) -> None:
        self.clearSelection()
        card = self.cards.get(node_id)
        if card is not None:
            card.setSelected(True)

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasFormat(KIND_MIME):
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dragMoveEvent(self, event) -> None:
        if event.mimeData().hasFormat(KIND_MIME):
            event.acceptProposedAction()
        else:
            super().dragMoveEvent(event)

    def dropEvent(self, event) -> None:
        if not event.mimeData().hasFormat(KIND_MIME):
            return super().dropEvent(event)
        kind = bytes(event.mimeData().data(KIND_MIME)).decode()
        pos = event.scenePos()
        self._later(self.kind_dropped.emit, kind, pos - QPointF(CARD_W / 2, CARD_H / 2), self.edge_at(pos))
        event.acceptProposedAction()

    def _later(self, emit, *args) -> None:
        """Requests change the items; Qt still holds some of them while it delivers the event that
        made the request. Emitting once the event is over keeps it from touching a deleted item."""
        QTimer.singleShot(0, self, lambda: emit(*args))

    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:
        painter.fillRect(rect, self.theme.background)
        if not self.show_grid or self.views() and self.views()[0].transform().m11() < 0.45:
            return                                   # a grid this dense is noise
        step = GRID * 2
        left, top = int(rect.left() // step) * step, int(rect.top() // step) * step
        painter.setPen(QPen(self.theme.grid, 1))
        lines = []
        x = left
        while x < rect.right():
            lines.append(QLineF(x, rect.top(), x, rect.bottom()))
            x += step
        y = top
        while y < rect.bottom():
            lines.append(QLineF(rect.left(), y, rect.right(), y))
            y += step
        painter.drawLines(lines)
