"""The view: zoom (wheel, keys), pan (drag the background with the middle button or Space), fit,
and a minimap in the corner once the journey is larger than the window."""
from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QFrame, QGraphicsView, QLabel, QWidget

MIN_ZOOM, MAX_ZOOM = 0.1, 2.5


class Minimap(QWidget):
    """The whole journey small, with the visible part framed; click or drag to move there."""

    def __init__(self, view: "JourneyView"):
        super().__init__(view)
        self.view = view
        self._picture: QPixmap | None = None
        self.setFixedSize(200, 140)
        self.setCursor(Qt.PointingHandCursor)
        self.setAccessibleName("Minimap")

    def _mapping(self) -> tuple[QRectF, float, QPointF]:
        scene = self.view.scene()
        content = scene.content_rect().adjusted(-40, -40, 40, 40)
        scale = min(self.width() / max(content.width(), 1), self.height() / max(content.height(), 1))
        offset = QPointF((self.width() - content.width() * scale) / 2, (self.height() - content.height() * scale) / 2)
        return content, scale, offset

    def paintEvent(self, event) -> None:
        scene = self.view.scene()
        if scene is None:
            return
        content, scale, offset = self._mapping()
        if self._picture is None:                      # the cards change rarely; the frame often
            self._picture = QPixmap(self.size())
            q = QPainter(self._picture)
            q.fillRect(self.rect(), QColor(scene.theme.card))
            q.setPen(QPen(QColor(scene.theme.card_border), 1))
            q.drawRect(self.rect().adjusted(0, 0, -1, -1))
            q.translate(offset)
            q.scale(scale, scale)
            q.translate(-content.topLeft())
            for card in scene.cards.values():
                q.fillRect(card.sceneBoundingRect().adjusted(4, 24, -4, -28), card.colour)
            q.end()
        p = QPainter(self)
        p.setRenderHint(QPainter.Antialiasing)
        p.drawPixmap(0, 0, self._picture)
        p.translate(offset)
        p.scale(scale, scale)
        p.translate(-content.topLeft())
        visible = self.view.mapToScene(self.view.viewport().rect()).boundingRect()
        p.setPen(QPen(QColor(scene.theme.selection), 2 / scale))
        p.setBrush(Qt.NoBrush)
        p.drawRect(visible)

    def invalidate(self) -> None:
        self._picture = None
        self.update()

    def mousePressEvent(self, event) -> None:
        self._go(event.position())

    def mouseMoveEvent(self, event) -> None:
        self._go(event.position())

    def _go(self, point: QPointF) -> None:
        content, scale, offset = self._mapping()
        self.view.centerOn((point - offset) / scale + content.topLeft())
        self.update()


class JourneyView(QGraphicsView):
    zoomed = Signal(float)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setRenderHints(QPainter.Antialiasing | QPainter.TextAntialiasing)
        self.setDragMode(QGraphicsView.RubberBandDrag)
        self.setViewportUpdateMode(QGraphicsView.SmartViewportUpdate)
        self.setTransformationAnchor(QGraphicsView.AnchorUnderMouse)
        self.setFrameShape(QFrame.NoFrame)
        self.setAcceptDrops(True)
        self.setAccessibleName("Journey canvas")
        self.minimap = Minimap(self)
        self.minimap.hide()
        # An empty journey says where to start, where a blank grid said nothing.
        self.hint = QLabel("Start here: drag a trigger (Event happens, Joins a segment, Enrolled by hand…) from "
                           "Nodes onto the canvas, then what follows it.\nOr start from a ready-made journey: "
                           "File › New journey from template…", self)
        self.hint.setObjectName("empty-journey-hint")
        self.hint.setAlignment(Qt.AlignCenter)
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("QLabel { color: palette(placeholder-text); font-size: 11pt; }")
        self.hint.hide()
        self._panning: QPointF | None = None
        self._space = False

    def setScene(self, scene) -> None:
        super().setScene(scene)
        self.minimap.invalidate()
        if scene is not None:
            # its picture follows the cards, not every repaint of the scene (hover, selection)
            scene.content_changed.connect(self.minimap.invalidate)
            scene.content_changed.connect(self._update_hint)
        self._update_minimap()
        self._update_hint()

    def zoom(self) -> float:
        return self.transform().m11()

    def set_zoom(self, factor: float) -> None:
        factor = max(MIN_ZOOM, min(MAX_ZOOM, factor))
        self.scale(factor / self.zoom(), factor / self.zoom())
        self.zoomed.emit(factor)
        self._update_minimap()

    def zoom_by(self, step: float) -> None:
        self.set_zoom(self.zoom() * step)

    def fit(self) -> None:
        scene = self.scene()
        if scene is None or not scene.items():
            return
        self.fitInView(scene.content_rect().adjusted(-60, -60, 60, 60), Qt.KeepAspectRatio)
        if self.zoom() > 1.0:
            self.set_zoom(1.0)
        self.zoomed.emit(self.zoom())
        self._update_minimap()

    def wheelEvent(self, event) -> None:
        if event.modifiers() & Qt.ControlModifier or not event.pixelDelta().y():
            self.zoom_by(1.15 if event.angleDelta().y() > 0 else 1 / 1.15)
        else:
            super().wheelEvent(event)
            self._update_minimap()

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key_Space and not event.isAutoRepeat():
            self._space = True
            self.viewport().setCursor(Qt.OpenHandCursor)
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event) -> None:
        if event.key() == Qt.Key_Space and not event.isAutoRepeat():
            self._space = False
            self.viewport().unsetCursor()
        super().keyReleaseEvent(event)

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MiddleButton or (self._space and event.button() == Qt.LeftButton):
            self._panning = event.position()
            self.viewport().setCursor(Qt.ClosedHandCursor)
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        if self._panning is not None:
            delta = event.position() - self._panning
            self._panning = event.position()
            self.horizontalScrollBar().setValue(int(self.horizontalScrollBar().value() - delta.x()))
            self.verticalScrollBar().setValue(int(self.verticalScrollBar().value() - delta.y()))
            self._update_minimap()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        if self._panning is not None:
            self._panning = None
            self.viewport().unsetCursor()
            return
        super().mouseReleaseEvent(event)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.minimap.move(self.width() - self.minimap.width() - 16, self.height() - self.minimap.height() - 16)
        self._update_minimap()
        self._update_hint()

    def _update_hint(self) -> None:
        scene = self.scene()
        empty = scene is not None and not getattr(scene, "cards", True)
        width = min(520, self.width() - 40)
        self.hint.setGeometry((self.width() - width) // 2, self.height() // 2 - 50, width, 100)
        self.hint.setVisible(empty)

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        super().scrollContentsBy(dx, dy)
        if self.minimap.isVisible():
            self.minimap.update()

    def _update_minimap(self) -> None:
        scene = self.scene()
        if scene is None or not scene.items():
            self.minimap.hide()
            return
        visible = self.mapToScene(self.viewport().rect()).boundingRect()
        content = scene.content_rect()
        self.minimap.setVisible(not visible.contains(content))
        self.minimap.update()
