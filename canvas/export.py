"""Drawing a journey to PNG, SVG or PDF with the designer's own scene, without a window."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMarginsF, QRectF, QSize, Qt
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPainter, QPdfWriter
from PySide6.QtSvg import QSvgGenerator

from canvas.layout import layout
from canvas.model import JourneyModel
from canvas.scene import JourneyScene
from canvas.theme import LIGHT
from runtime.document import Journey

FORMATS = (".png", ".svg", ".pdf")


def export_image(journey: Journey, out: str | Path, scale: float = 2.0) -> Path:
    out = Path(out)
    if out.suffix.lower() not in FORMATS:
        raise ValueError(f"{out}: use .png, .svg or .pdf")
    if any(n.position is None for n in journey.nodes):
        for node_id, pos in layout(journey).items():
            journey.node(node_id).position = pos
    scene = JourneyScene(JourneyModel(journey), LIGHT)
    scene.show_grid = False
    source = scene.itemsBoundingRect().adjusted(-30, -30, 30, 30)
    suffix = out.suffix.lower()
    if suffix == ".png":
        image = QImage(QSize(int(source.width() * scale), int(source.height() * scale)), QImage.Format_ARGB32)
        image.fill(LIGHT.background)
        painter = QPainter(image)
        painter.setRenderHints(QPainter.Antialiasing | QPainter.TextAntialiasing)
        scene.render(painter, QRectF(image.rect()), source)
        painter.end()
        if not image.save(str(out)):
            raise OSError(f"{out}: cannot write")
    elif suffix == ".svg":
        gen = QSvgGenerator()
        gen.setFileName(str(out))
        gen.setSize(source.size().toSize())
        gen.setViewBox(QRectF(0, 0, source.width(), source.height()))
        gen.setTitle(journey.name)
        painter = QPainter(gen)
        scene.render(painter, QRectF(0, 0, source.width(), source.height()), source)
        painter.end()
    else:
        pdf = QPdfWriter(str(out))
        pdf.setTitle(journey.name)
        orientation = QPageLayout.Landscape if source.width() > source.height() else QPageLayout.Portrait
        pdf.setPageLayout(QPageLayout(QPageSize(QPageSize.A4), orientation, QMarginsF(10, 10, 10, 10)))
        painter = QPainter(pdf)
        scene.render(painter, QRectF(painter.viewport()), source, Qt.KeepAspectRatio)
        painter.end()
    return out
