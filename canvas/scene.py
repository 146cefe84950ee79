"""The scene that draws one journey: a card per node, a curve per edge.

The document is the model; the scene follows it (see DESIGN.md, orange-canvas-core)."""
from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPathItem, QGraphicsRectItem, QGraphicsScene, QGraphicsSimpleTextItem

from runtime.document import Journey

CARD_W, CARD_H = 220.0, 64.0
CATEGORY_COLOURS = {"Triggers": "#2F855A", "Waits": "#B7791F", "Branches": "#6B46C1", "Actions": "#2B6CB0", "Flow": "#C53030"}


class NodeCard(QGraphicsRectItem):
    def __init__(self, node):
        super().__init__(0, 0, CARD_W, CARD_H)
        self.node = node
        spec = node.spec
        colour = QColor(CATEGORY_COLOURS.get(spec.category if spec else "", "#718096"))
        self.setBrush(QBrush(QColor("#FFFFFF")))
        self.setPen(QPen(colour, 2))
        self.setFlags(QGraphicsItem.ItemIsSelectable | QGraphicsItem.ItemIsMovable)
        title = QGraphicsSimpleTextItem(node.label or (spec.title if spec else node.kind), self)
        font = QFont()
        font.setBold(True)
        title.setFont(font)
        title.setPos(12, 10)
        summary = ""
        if spec:
            try:
                summary = spec.summary(node.parsed())
            except Exception:
                summary = "needs attention"
        text = QGraphicsSimpleTextItem(summary[:34], self)
        text.setBrush(QBrush(QColor("#4A5568")))
        text.setPos(12, 34)


class JourneyScene(QGraphicsScene):
    def __init__(self, journey: Journey, parent=None):
        super().__init__(parent)
        self.journey = journey
        self.cards: dict[str, NodeCard] = {}
        self.rebuild()

    def rebuild(self) -> None:
        self.clear()
        self.cards = {}
        for i, node in enumerate(self.journey.nodes):
            card = NodeCard(node)
            x, y = node.position if node.position else (0.0, i * (CARD_H + 48))
            card.setPos(x, y)
            self.addItem(card)
            self.cards[node.id] = card
        pen = QPen(QColor("#A0AEC0"), 2)
        for e in self.journey.edges:
            a, b = self.cards.get(e.source), self.cards.get(e.target)
            if not a or not b:
                continue
            start = a.pos() + QPointF(CARD_W / 2, CARD_H)
            end = b.pos() + QPointF(CARD_W / 2, 0)
            path = QPainterPath(start)
            dy = max(40.0, (end.y() - start.y()) / 2)
            path.cubicTo(start + QPointF(0, dy), end - QPointF(0, dy), end)
            item = QGraphicsPathItem(path)
            item.setPen(pen)
            item.setZValue(-1)
            self.addItem(item)
            if e.port:
                label = self.addSimpleText(e.port)
                label.setBrush(QBrush(QColor("#4A5568")))
                label.setPos(start + QPointF(6, 4))
        self.setSceneRect(self.itemsBoundingRect().adjusted(-40, -40, 40, 40) if self.items() else QRectF(0, 0, 400, 300))
