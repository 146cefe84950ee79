"""Drawing a journey to PNG, SVG or PDF with the designer's own scene, without a window.

A raster is capped to what image viewers open (MAX_SIDE on its longest side, MAX_PIXELS in all):
a wide journey at the designer's 2x would be 90,000 px across and 3 GB in memory. A capped picture
says so (`Exported.note`); SVG and PDF are vector and keep every detail at any width."""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QBuffer, QIODevice, QMarginsF, QRectF, QSize, Qt
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPainter, QPdfWriter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QGraphicsItem

from switchback.canvas.layout import layout
from switchback.canvas.model import JourneyModel
from switchback.canvas.scene import JourneyScene
from switchback.canvas.theme import LIGHT
from switchback.runtime.document import Journey

FORMATS = (".png", ".svg", ".pdf")
SCALE = 2.0                      # pixels per scene unit: crisp labels on a high-density screen
MAX_SIDE = 16_384                # the longest side most viewers and GPU textures accept
MAX_PIXELS = 16_000_000          # 64 MB of pixels, twice a 4K screen: opens anywhere, drawn and saved in half a second
PNG_QUALITY = 80                 # Qt's PNG "quality" is zlib's speed: 80 is level 1, a quarter of the default's time


@dataclass
class Exported:
    path: Path
    width: int = 0               # pixels, for a raster
    height: int = 0
    scale: float = SCALE         # pixels per scene unit
    full: tuple[int, int] = (0, 0)   # the size at SCALE, when the picture was capped

    @property
    def note(self) -> str:
        if not self.width:
            return str(self.path)
        text = f"{self.path}: {self.width:,} x {self.height:,} px"
        if self.full != (0, 0):
            text += (f", scaled down from {self.full[0]:,} x {self.full[1]:,} px to fit {MAX_SIDE:,} px a side and "
                     f"{MAX_PIXELS // 1_000_000} megapixels (SVG and PDF keep every detail)")
        return text


def raster_scale(width: float, height: float) -> float:
    """Pixels per scene unit for a picture of the scene's `width` x `height`: SCALE unless capped."""
    return min(SCALE, MAX_SIDE / max(width, height, 1), math.sqrt(MAX_PIXELS / max(width * height, 1)))


def export_image(journey: Journey, out: str | Path) -> Exported:
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"{out}: use .png, .svg or .pdf")
    if any(n.position is None for n in journey.nodes):
        for node_id, pos in layout(journey).items():
            journey.node(node_id).position = pos
    scene = JourneyScene(JourneyModel(journey), LIGHT)
    scene.show_grid = False
    for card in scene.cards.values():
        # Painted once, straight onto the picture: a cache would paint each card into a pixmap first
        # (and an SVG or PDF would carry that pixmap instead of the card's shapes and text).
        card.setCacheMode(QGraphicsItem.NoCache)
    source = scene.content_rect().adjusted(-30, -30, 30, 30)
    # Drawn in memory, written beside the file by Python (which, unlike Qt's writers, reports a full
    # disk) and moved over it when complete: a failure leaves no empty or half picture, and one
    # already there is kept.
    buffer = QBuffer()
    buffer.open(QIODevice.WriteOnly)
    done = _png(scene, source, buffer) if suffix == ".png" else _vector(scene, source, journey.name, suffix, buffer)
    part = out.with_name(f".{out.stem}.part{out.suffix}")
    try:
        part.write_bytes(buffer.data().data())
        part.replace(out)
    finally:
        if part.exists():
            part.unlink()
    done.path = out
    return done


def _vector(scene: JourneyScene, source: QRectF, title: str, suffix: str, out: QBuffer) -> Exported:
    if suffix == ".svg":
        gen = QSvgGenerator()
        gen.setOutputDevice(out)
        gen.setSize(source.size().toSize())
        gen.setViewBox(QRectF(0, 0, source.width(), source.height()))
        gen.setTitle(title)
        painter = QPainter(gen)
        scene.render(painter, QRectF(0, 0, source.width(), source.height()), source)
        painter.end()
    else:
        pdf = QPdfWriter(out)
        pdf.setTitle(title)
        orientation = QPageLayout.Landscape if source.width() > source.height() else QPageLayout.Portrait
        pdf.setPageLayout(QPageLayout(QPageSize(QPageSize.A4), orientation, QMarginsF(10, 10, 10, 10)))
        painter = QPainter(pdf)
        scene.render(painter, QRectF(painter.viewport()), source, Qt.KeepAspectRatio)
        painter.end()
    return Exported(Path())


def _png(scene: JourneyScene, source: QRectF, out: QBuffer) -> Exported:
    scale = raster_scale(source.width(), source.height())
    size = QSize(max(1, round(source.width() * scale)), max(1, round(source.height() * scale)))
    image = QImage(size, QImage.Format_RGB32)        # opaque: three bytes a pixel in the file, not four
    painter = QPainter(image)
    painter.setRenderHints(QPainter.Antialiasing | QPainter.TextAntialiasing)
    # The whole target is covered, so the scene's background is the only fill of each pixel.
    scene.render(painter, QRectF(image.rect()), source, Qt.IgnoreAspectRatio)
    painter.end()
    image.save(out, "PNG", PNG_QUALITY)
    full = (round(source.width() * SCALE), round(source.height() * SCALE)) if scale < SCALE else (0, 0)
    return Exported(Path(), size.width(), size.height(), scale, full)

