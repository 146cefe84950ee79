"""What a diff and the versions in use add to the canvas: a card or a connection marked added,
removed or changed, and on a card the contacts still there on older versions. Drawn the way the
simulation's counts are (attributes the scene sets, painted by the items), so the same items serve
the editor and the read-only diff."""
from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen

from switchback.canvas.theme import Theme

# One colour per kind of change, readable on both themes' cards and backgrounds.
MARKS = {"added": QColor("#2F9E57"), "removed": QColor("#D64545"), "changed": QColor("#D9822B")}
WORDS = {"added": "added", "removed": "removed", "changed": "changed"}
OLDER = QColor("#7B61C9")


def versions_words(older: dict[int, int]) -> str:
    """{1: 9, 3: 3} -> 'v1–v3'; {3: 3} -> 'v3'."""
    vs = sorted(older)
    return f"v{vs[0]}" if len(vs) == 1 else f"v{vs[0]}–v{vs[-1]}"


def older_tip(older: dict[int, int]) -> str:
    total = sum(older.values())
    parts = ", ".join(f"{n:,} on version {v}" for v, n in sorted(older.items()))
    return (f"{total:,} contact{'s' if total != 1 else ''} here {'are' if total != 1 else 'is'} still on older "
            f"versions ({parts}): they finish on the version they entered.")


def paint_card_marks(painter: QPainter, card, width: float, height: float, fonts) -> None:
    """The change tag above a card (and its border in the change's colour), and the badge of
    contacts on older versions. `fonts` is (QFont, QFontMetricsF) for badges."""
    font, metrics = fonts
    painter.setFont(font)
    x = 6.0
    if card.mark is not None:
        colour = MARKS[card.mark]
        pen = QPen(colour, 3)
        if card.mark == "removed":
            pen.setStyle(Qt.DashLine)
        painter.setPen(pen)
        painter.setBrush(Qt.NoBrush)
        painter.drawRoundedRect(QRectF(-1.5, -1.5, width + 3, height + 3), 11, 11)
        x += _pill(painter, metrics, x, WORDS[card.mark], colour) + 6
    if card.older:
        _pill(painter, metrics, x, f"{sum(card.older.values()):,} on {versions_words(card.older)}", OLDER)


def _pill(painter: QPainter, metrics, x: float, text: str, colour: QColor) -> float:
    """White words on a rounded tag just above the card, at `x`; returns the tag's width."""
    w = metrics.horizontalAdvance(text) + 16
    tag = QRectF(x, -21, w, 18)
    painter.setPen(Qt.NoPen)
    painter.setBrush(colour)
    painter.drawRoundedRect(tag, 9, 9)
    painter.setPen(QColor("white"))
    painter.drawText(tag, Qt.AlignCenter, text)
    return w


def edge_pen(mark: str | None, theme: Theme, default: QPen) -> QPen:
    if mark is None:
        return default
    pen = QPen(MARKS[mark], 3)
    if mark == "removed":
        pen.setStyle(Qt.DashLine)
    return pen
