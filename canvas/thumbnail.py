"""A journey drawn small, as the template gallery shows it: the designer's own scene, fitted into
a picture of a given size."""
from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QImage, QPainter

from switchback.canvas.layout import layout
from switchback.canvas.model import JourneyModel
from switchback.canvas.scene import JourneyScene
from switchback.canvas.theme import Theme
from switchback.runtime.document import Journey


def thumbnail(journey: Journey, size: QSize, theme: Theme) -> QImage:
    if any(n.position is None for n in journey.nodes):
        for node_id, pos in layout(journey).items():
            journey.node(node_id).position = pos
    scene = JourneyScene(JourneyModel(journey), theme)
    scene.show_grid = False
    image = QImage(size, QImage.Format_ARGB32_Premultiplied)
    image.fill(theme.background)
    painter = QPainter(image)
    painter.setRenderHints(QPainter.Antialiasing | QPainter.TextAntialiasing | QPainter.SmoothPixmapTransform)
    source = scene.itemsBoundingRect().adjusted(-20, -20, 20, 20)
    scene.render(painter, QRectF(image.rect()).adjusted(6, 6, -6, -6), source, Qt.KeepAspectRatio)
    painter.end()
    return image
