"""The items that draw a journey: node cards with ports, and the curves between them."""
from __future__ import annotations

import re

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (QColor, QFont, QFontMetricsF, QPaintEngine, QPainter, QPainterPath, QPainterPathStroker,
                           QPen)
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QGraphicsItem, QGraphicsObject, QGraphicsPathItem, QStyleOptionGraphicsItem

from switchback.canvas.marks import edge_pen, older_tip, paint_card_marks
from switchback.canvas.theme import CATEGORY, Theme
from switchback.resources import icon_path
from switchback.nodes.fields import role_of
from switchback.runtime.condition_form import words as condition_words
from switchback.runtime.document import Edge, Node

CARD_W, CARD_H = 240.0, 76.0
PORT_R = 6.0
GRID = 20.0
# Below this scale a card's text is under 4 px tall: on screen and in a raster, cards are drawn as
# their outline and colour only (a whole wide journey in view), which is what can be seen there anyway.
# SVG and PDF keep every detail: their reader zooms in.
DETAIL = 0.15           # below this zoom a card is its outline (a thousand-node journey fitted)
READABLE = 0.8          # below this zoom a card shows its title alone, drawn large enough to read
MIN_TEXT_PX = 9.5       # the least height of a summarised title on screen
_VECTOR = (QPaintEngine.SVG, QPaintEngine.Pdf)


def sketched(painter: QPainter, option: QStyleOptionGraphicsItem) -> bool:
    """Whether to draw only the outline at this scale."""
    return option.levelOfDetailFromTransform(painter.worldTransform()) < DETAIL \
        and painter.paintEngine().type() not in _VECTOR


def summarised(painter: QPainter, option: QStyleOptionGraphicsItem) -> float | None:
    """At a zoom where the card's own text would be too small to read (a long journey fitted to
    the window), the scale to draw its title at instead; None when the card reads as it is."""
    lod = option.levelOfDetailFromTransform(painter.worldTransform())
    return lod if lod < READABLE and painter.paintEngine().type() not in _VECTOR else None


def _title_font(lod: float) -> tuple[QFont, QFontMetricsF]:
    key = f"title@{round(MIN_TEXT_PX / lod)}"
    if key not in _FONTS:
        f = QFont(font("title")[0])
        f.setPixelSize(round(MIN_TEXT_PX / lod))
        _FONTS[key] = (f, QFontMetricsF(f))
    return _FONTS[key]


def _fitting(text: str, metrics: QFontMetricsF, width: float) -> str:
    """The longest of the ` · `-separated leading parts of `text` that fits `width`."""
    parts = text.split(" · ")
    for n in range(len(parts), 0, -1):
        if metrics.horizontalAdvance(" · ".join(parts[:n])) <= width:
            return " · ".join(parts[:n])
    return metrics.elidedText(parts[0], Qt.ElideRight, width)


def _lines(text: str, metrics: QFontMetricsF, width: float, most: int) -> list[str]:
    """`text` wrapped at words into at most `most` lines, the last elided if it does not fit."""
    lines: list[str] = []
    words = text.split()
    while words and len(lines) < most:
        line = words.pop(0)
        while words and metrics.horizontalAdvance(f"{line} {words[0]}") <= width:
            line += " " + words.pop(0)
        lines.append(line)
    if words:
        lines[-1] = f"{lines[-1]} {' '.join(words)}"
    return [metrics.elidedText(line, Qt.ElideRight, width) for line in lines]

_ICONS: dict[str, QSvgRenderer] = {}
_FONTS: dict[str, tuple[QFont, QFontMetricsF]] = {}


def font(role: str) -> tuple[QFont, QFontMetricsF]:
    """Fonts are made once (painting makes thousands of cards a second)."""
    if role not in _FONTS:
        f = QFont()
        f.setPointSizeF({"title": 10.5, "body": 9.0, "badge": 8.5}[role])
        f.setBold(role != "body")
        _FONTS[role] = (f, QFontMetricsF(f))
    return _FONTS[role]


def _icon(name: str) -> QSvgRenderer:
    if name not in _ICONS:
        _ICONS[name] = QSvgRenderer(icon_path(name))
    return _ICONS[name]


def summary_of(node: Node) -> str:
    """The kind's summary of the config as a card reads it: conditions in the rows' words where they
    can say them ("If did email_clicked in 7d and country is any of DE, FR", not the code), and a
    template's `{{ contact.first_name or 'there' }}` as ‹first_name›."""
    spec = node.declaration
    if spec is None:
        return f"Unknown kind {node.kind}"
    try:
        parsed = node.parsed()
    except Exception:
        return "Needs settings"
    shown = dict(node.config)
    for name, field in spec.config.model_fields.items():
        value, role = shown.get(name), role_of(field)
        if isinstance(value, str) and value and role == "condition":
            shown[name] = condition_words(value) or value
        elif isinstance(value, str) and role == "template":
            shown[name] = _PLACEHOLDER.sub(lambda m: f"‹{m.group(1)}›", value)
    try:
        return spec.summary(spec.config.model_validate(shown))
    except Exception:
        return spec.summary(parsed)


_PLACEHOLDER = re.compile(r"\{\{-?\s*(?:contact|event\.properties|journey)\.(\w+)[^}]*\}\}")


class PortItem(QGraphicsItem):
    """An output port: drag from it to a node to connect."""

    def __init__(self, card: "NodeCard", name: str, labelled: bool):
        super().__init__(card)
        self.card, self.name, self.labelled = card, name, labelled
        self.setAcceptHoverEvents(True)
        self.setCursor(Qt.CrossCursor)
        self.setToolTip(f"Drag to connect '{name}'")
        self.hover = False

    def boundingRect(self) -> QRectF:
        r = PORT_R + 3
        return QRectF(-r, -r, 2 * r, 2 * r)

    def shape(self) -> QPainterPath:
        p = QPainterPath()
        p.addEllipse(QRectF(-PORT_R - 5, -PORT_R - 5, 2 * PORT_R + 10, 2 * PORT_R + 10))
        return p

    def paint(self, painter: QPainter, option, widget=None) -> None:
        if sketched(painter, option):
            return
        theme = self.card.theme
        painter.setRenderHint(QPainter.Antialiasing)
        painter.setPen(QPen(theme.edge, 2))
        painter.setBrush(theme.selection if self.hover else theme.card)
        painter.drawEllipse(QPointF(0, 0), PORT_R, PORT_R)

    def hoverEnterEvent(self, event) -> None:
        self.hover = True
        self.update()

    def hoverLeaveEvent(self, event) -> None:
        self.hover = False
        self.update()

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.LeftButton:
            self.scene().begin_connection(self)
            event.accept()
        else:
            super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        self.scene().drag_connection(event.scenePos())

    def mouseReleaseEvent(self, event) -> None:
        self.scene().end_connection(event.scenePos())


class NodeCard(QGraphicsObject):
    """A node: category stripe, icon, title, a one-line summary, ports, and badges."""

    def __init__(self, node: Node, theme: Theme):
        super().__init__()
        self.node, self.theme = node, theme
        self.problems: list[str] = []
        self.count: int | None = None
        self.live: tuple[str, str] | None = None       # a published journey's results: headline, detail
        self.on_path = False
        self.mark: str | None = None                   # added, removed or changed, in a diff
        self.older: dict[int, int] | None = None       # version -> contacts here still on it
        self.ports: dict[str, PortItem] = {}
        self.setFlags(QGraphicsItem.ItemIsSelectable | QGraphicsItem.ItemIsMovable
                      | QGraphicsItem.ItemSendsGeometryChanges)
        self.setAcceptHoverEvents(True)
        self.setCacheMode(QGraphicsItem.DeviceCoordinateCache)
        self.refresh()

    @property
    def node_id(self) -> str:
        return self.node.id

    def refresh(self) -> None:
        """Re-read the node (its config changed): title, summary, ports."""
        spec = self.node.declaration
        self.title = self.node.title
        self.summary = summary_of(self.node)
        self.colour = QColor(CATEGORY.get(spec.category if spec else "", "#718096"))
        self.icon = spec.icon if spec else None
        self.title_text = font("title")[1].elidedText(self.title, Qt.ElideRight, CARD_W - 84)
        self.summary_text = font("body")[1].elidedText(self.summary, Qt.ElideRight, CARD_W - 30)
        names = self.node.ports() if spec else []
        if spec and not names and not spec.ends:
            names = ["next"]
        for name in list(self.ports):
            if name not in names:
                self.scene().removeItem(self.ports.pop(name)) if self.scene() else self.ports.pop(name)
        for i, name in enumerate(names):
            port = self.ports.get(name) or PortItem(self, name, labelled=len(names) > 1)
            self.ports[name] = port
            port.setPos(CARD_W * (i + 1) / (len(names) + 1), CARD_H)
        tip = [f"<b>{self.title}</b>", spec.help if spec else "This kind is not in the catalogue."]
        tip += [f"<span style='color:#C53030'>⚠ {p}</span>" for p in self.problems]
        tip += [older_tip(self.older)] if self.older else []
        self.setToolTip("<br>".join(tip))
        self.update()

    def input_point(self) -> QPointF:
        return self.scenePos() + QPointF(CARD_W / 2, 0)

    def port_point(self, port: str | None) -> QPointF:
        item = self.ports.get(port or "next") or (next(iter(self.ports.values())) if self.ports else None)
        return item.scenePos() if item else self.scenePos() + QPointF(CARD_W / 2, CARD_H)

    def boundingRect(self) -> QRectF:
        return QRectF(-4, -24, CARD_W + 8, CARD_H + 52)

    def shape(self) -> QPainterPath:
        p = QPainterPath()
        p.addRoundedRect(QRectF(0, 0, CARD_W, CARD_H), 10, 10)
        return p

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        t = self.theme
        painter.setRenderHint(QPainter.Antialiasing)
        rect = QRectF(0, 0, CARD_W, CARD_H)
        border = t.selection if self.isSelected() else (t.path if self.on_path else t.card_border)
        painter.setPen(QPen(border, 2.5 if self.isSelected() or self.on_path else 1.2))
        painter.setBrush(t.card)
        painter.drawRoundedRect(rect, 10, 10)
        stripe = QPainterPath()
        stripe.addRoundedRect(QRectF(0, 0, 8, CARD_H), 4, 4)
        painter.fillPath(stripe, self.colour)
        if sketched(painter, option):
            if self.mark is not None or self.older:     # a diff's marks show in the overview too
                paint_card_marks(painter, self, CARD_W, CARD_H, font("badge"))
            return
        if self.icon and summarised(painter, option) is None:
            _icon(self.icon).render(painter, QRectF(18, 14, 22, 22))
        if self.node.has_input and not (self.node.declaration and self.node.declaration.ends):
            painter.setPen(QPen(t.edge, 2))
            painter.setBrush(t.card)
            painter.drawEllipse(QPointF(CARD_W / 2, 0), 4.5, 4.5)
        title_font, title_metrics = font("title")
        lod = summarised(painter, option)
        if lod is not None:                             # the title alone, in the lines that fit, large enough
            big, metrics = _title_font(lod)
            most = max(1, int((CARD_H - 8) // metrics.lineSpacing()))
            lines = _lines(self.title, metrics, CARD_W - 22, most - 1 if self.live and most > 1 else most)
            if self.live:                               # the live headline stays readable with the title
                lines.append(_fitting(self.live[0], metrics, CARD_W - 22))
            painter.setFont(big)
            top = (CARD_H - len(lines) * metrics.lineSpacing()) / 2
            for i, line in enumerate(lines):
                painter.setPen(t.count if self.live and i == len(lines) - 1 else t.text)
                painter.drawText(QRectF(14, top + i * metrics.lineSpacing(), CARD_W - 22, metrics.lineSpacing()),
                                 Qt.AlignVCenter | Qt.AlignLeft, line)
        else:
            painter.setFont(title_font)
            painter.setPen(t.text)
            painter.drawText(QRectF(48, 12, CARD_W - 84, 24), Qt.AlignVCenter | Qt.AlignLeft, self.title_text)
            body, body_metrics = font("body")
            painter.setFont(body)
            if self.live:                               # results in place of the configuration's summary
                painter.setFont(font("badge")[0])
                painter.setPen(t.count)
                painter.drawText(QRectF(18, 37, CARD_W - 30, 18), Qt.AlignVCenter | Qt.AlignLeft,
                                 font("badge")[1].elidedText(self.live[0], Qt.ElideRight, CARD_W - 30))
                painter.setFont(body)
                painter.setPen(t.muted)
                painter.drawText(QRectF(18, 54, CARD_W - 30, 18), Qt.AlignVCenter | Qt.AlignLeft,
                                 body_metrics.elidedText(self.live[1], Qt.ElideRight, CARD_W - 30))
            else:
                painter.setPen(t.muted)
                painter.drawText(QRectF(18, 42, CARD_W - 30, 22), Qt.AlignVCenter | Qt.AlignLeft, self.summary_text)
        if self.problems:
            painter.setPen(Qt.NoPen)
            painter.setBrush(t.problem)
            painter.drawEllipse(QPointF(CARD_W - 18, 24), 10, 10)
            painter.setPen(QColor("white"))
            painter.setFont(title_font)
            painter.drawText(QRectF(CARD_W - 28, 14, 20, 20), Qt.AlignCenter, "!")
        if self.count is not None:
            text = f"{self.count:,}"
            painter.setFont(title_font)
            w = title_metrics.horizontalAdvance(text) + 16
            badge = QRectF(CARD_W - w - 6, -20, w, 20)
            painter.setPen(Qt.NoPen)
            painter.setBrush(t.count)
            painter.drawRoundedRect(badge, 10, 10)
            painter.setPen(t.card)
            painter.drawText(badge, Qt.AlignCenter, text)
        if self.mark is not None or self.older:
            paint_card_marks(painter, self, CARD_W, CARD_H, font("badge"))
        labelled = [p for p in self.ports.values() if p.labelled]
        if labelled:
            painter.setFont(font("body")[0])
            painter.setPen(t.muted)
            for port in labelled:        # beside the port, clear of the curve leaving it
                painter.drawText(QRectF(port.x() + 9, CARD_H + 3, 90, 16), Qt.AlignLeft | Qt.AlignVCenter, port.name)

    def itemChange(self, change, value):
        if change == QGraphicsItem.ItemPositionHasChanged and self.scene() is not None:
            self.scene().node_geometry_changed(self)
        return super().itemChange(change, value)


class EdgeItem(QGraphicsPathItem):
    """A connection from an output port to a node's input."""

    def __init__(self, edge: Edge, theme: Theme):
        super().__init__()
        self.edge, self.theme = edge, theme
        self.count: int | None = None                  # a simulation's: how many took it
        self.live: int | None = None                   # the published journey's results, under a simulation's
        self.on_path = False
        self.mark: str | None = None                   # added or removed, in a diff
        self.setFlags(QGraphicsItem.ItemIsSelectable)
        self.setZValue(-1)
        self.setAcceptHoverEvents(True)

    def route(self, start: QPointF, end: QPointF, lane: float | None = None) -> None:
        """A curve from the port down to the input; with `lane`, it turns into that vertical lane
        and runs down it, beside the cards between its ends instead of behind them."""
        path = QPainterPath(start)
        if lane is None:
            dy = max(50.0, abs(end.y() - start.y()) / 2)
            path.cubicTo(start + QPointF(0, dy), end - QPointF(0, dy), end)
        else:
            turn = 40.0                          # within the gap below the source's row and above the target's
            path.cubicTo(start + QPointF(0, turn / 2), QPointF(lane, start.y() + turn / 2), QPointF(lane, start.y() + turn))
            path.lineTo(lane, end.y() - turn)
            path.cubicTo(QPointF(lane, end.y() - turn / 2), end - QPointF(0, turn / 2), end)
        self.setPath(path)

    def shape(self) -> QPainterPath:
        stroker = QPainterPathStroker()
        stroker.setWidth(12)
        return stroker.createStroke(self.path())

    def paint(self, painter: QPainter, option, widget=None) -> None:
        t = self.theme
        painter.setRenderHint(QPainter.Antialiasing)
        colour = t.selection if self.isSelected() else (t.path if self.on_path else t.edge)
        pen = edge_pen(None if self.isSelected() else self.mark, t, QPen(colour, 3 if self.isSelected() or self.on_path else 2))
        colour = pen.color()
        painter.setPen(pen)
        painter.setBrush(Qt.NoBrush)
        painter.drawPath(self.path())
        shown = self.shown
        if shown is None and sketched(painter, option):
            return
        end = self.path().pointAtPercent(1.0)
        arrow = QPainterPath(end)
        arrow.lineTo(end + QPointF(-5, -9))
        arrow.lineTo(end + QPointF(5, -9))
        arrow.closeSubpath()
        painter.fillPath(arrow, colour)
        if shown is not None:
            mid = self.path().pointAtPercent(0.5)
            lod = summarised(painter, option)
            badge_font, metrics = font("badge") if lod is None else _title_font(lod)   # readable when fitted
            painter.setFont(badge_font)
            text = f"{shown:,}"
            w, h = metrics.horizontalAdvance(text) + 12, metrics.height() + 4
            box = QRectF(mid.x() - w / 2, mid.y() - h / 2, w, h)
            painter.setPen(QPen(t.count, 1))
            painter.setBrush(t.card)
            painter.drawRoundedRect(box, h / 2, h / 2)
            painter.setPen(t.count)
            painter.drawText(box, Qt.AlignCenter, text)

    @property
    def shown(self) -> int | None:
        """The count on the badge: a simulation's while one is shown, else the live one."""
        return self.count if self.count is not None else self.live

    def boundingRect(self) -> QRectF:
        grow = (40, 20) if self.shown is None else (120, 60)     # a count's badge grows as the view zooms out
        return super().boundingRect().adjusted(-grow[0], -grow[1], grow[0], grow[1])
