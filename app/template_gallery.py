"""File › New journey: the templates as a gallery — a picture of each journey, its name and what it
does — and a blank journey. Pictures are drawn one per turn of the event loop after the dialog
shows, so it opens at once and the window never waits for nine drawings."""
from __future__ import annotations

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QLabel, QListView, QListWidget, QListWidgetItem,
                               QVBoxLayout)

from switchback.canvas.theme import system_theme
from switchback.canvas.thumbnail import thumbnail
from switchback.runtime import document
from switchback.runtime.document import Journey

PICTURE = QSize(200, 130)
BLANK = "Blank journey"


class TemplateGallery(QDialog):
    chosen = Signal(object)               # a template Journey, or None for a blank journey

    def __init__(self, parent, templates: list[Journey]):
        super().__init__(parent)
        self.setWindowTitle("New journey")
        self.templates = templates
        self.grid = QListWidget()
        self.grid.setObjectName("template-gallery")
        self.grid.setViewMode(QListView.IconMode)
        self.grid.setIconSize(PICTURE)
        self.grid.setGridSize(QSize(PICTURE.width() + 24, PICTURE.height() + 48))
        self.grid.setResizeMode(QListView.Adjust)
        self.grid.setMovement(QListView.Static)
        self.grid.setWordWrap(True)
        self.grid.setUniformItemSizes(True)
        blank = QPixmap(PICTURE)
        blank.fill(system_theme().background)
        plus = QPixmap(blank)
        painter = QPainter(plus)
        painter.setPen(system_theme().muted)
        font = painter.font()
        font.setPixelSize(56)
        painter.setFont(font)
        painter.drawText(plus.rect(), Qt.AlignCenter, "+")
        painter.end()
        first = QListWidgetItem(QIcon(plus), BLANK)
        first.setToolTip("An empty canvas: start from a trigger.")
        self.grid.addItem(first)
        for t in templates:
            item = QListWidgetItem(QIcon(blank), t.name)
            item.setToolTip(t.description or t.name)
            self.grid.addItem(item)
        self.about = QLabel()
        self.about.setObjectName("template-description")
        self.about.setWordWrap(True)
        self.about.setMinimumHeight(self.about.fontMetrics().lineSpacing() * 3)
        self.grid.currentRowChanged.connect(self._describe)
        self.grid.itemDoubleClicked.connect(lambda _: self.accept())
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Ok).setText("Create")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Start from a template, or from a blank canvas:"))
        layout.addWidget(self.grid, 1)
        layout.addWidget(self.about)
        layout.addWidget(buttons)
        self.resize(min(1000, 4 * (PICTURE.width() + 24) + 60), 620)
        self.grid.setCurrentRow(1 if templates else 0)
        self._next = 0
        QTimer.singleShot(0, self._draw_next)

    def _draw_next(self) -> None:
        if self._next >= len(self.templates):
            return
        t = self.templates[self._next]
        picture = thumbnail(document.from_dict(t.to_dict()), PICTURE, system_theme())
        self.grid.item(self._next + 1).setIcon(QIcon(QPixmap.fromImage(picture)))
        self._next += 1
        QTimer.singleShot(0, self._draw_next)

    def drawn(self) -> int:
        return self._next

    def _describe(self, row: int) -> None:
        if row == 0:
            self.about.setText("<b>Blank journey</b> — an empty canvas: start from a trigger.")
        elif 0 < row <= len(self.templates):
            t = self.templates[row - 1]
            self.about.setText(f"<b>{t.name}</b> — {t.description or ''}")

    def choice(self) -> Journey | None:
        row = self.grid.currentRow()
        return self.templates[row - 1] if row > 0 else None

    def accept(self) -> None:
        super().accept()
        self.chosen.emit(self.choice())
