"""A long journey fitted to the window: each card's title is still drawn large enough to read,
in place of text a few pixels high."""
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QStyleOptionGraphicsItem

from switchback.app.designer import build_window
from switchback.app.workspace import templates
from switchback.canvas.items import CARD_H, CARD_W


def tallest_text(card, scale: float) -> int:
    """The tallest run of rows with the theme's text colour inside the card, drawn at `scale`."""
    image = QImage(int(CARD_W * scale) + 2, int(CARD_H * scale) + 2, QImage.Format_ARGB32)
    image.fill(QColor("white"))
    p = QPainter(image)
    p.scale(scale, scale)
    card.paint(p, QStyleOptionGraphicsItem())
    p.end()
    ink = card.theme.text
    rows = []
    for y in range(int(3 * scale), int((CARD_H - 3) * scale)):
        rows.append(any(abs(QColor(image.pixel(x, y)).lightness() - ink.lightness()) < 60
                        for x in range(int(14 * scale), int((CARD_W - 10) * scale))))
    best = run = 0
    for inked in rows:
        run = run + 1 if inked else 0
        best = max(best, run)
    return best


def test_card_titles_read_at_fit_zoom_on_a_17_node_journey(qtbot, tmp_path):
    w = build_window(workspace=str(tmp_path / "w.sqlite"))
    qtbot.addWidget(w)
    w.resize(1280, 720)
    w.show()
    qtbot.waitExposed(w)
    w.create_from(next(t for t in templates() if t.key == "lead-nurture"))
    w.view.fit()
    scale = w.view.transform().m11()
    assert len(w.editor.journey.nodes) == 17 and scale < 0.5           # fitting shrinks the cards a lot
    card = next(c for c in w.editor.scene.cards.values() if c.title == "Thank-you email")
    assert tallest_text(card, scale) >= 7                              # capitals ~7 px: readable
    assert tallest_text(card, 1.0) >= 9                                # at 100 % the card is as it was
