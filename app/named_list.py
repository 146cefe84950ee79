"""A list of the workspace's named things (connectors, event sources): each row's text, its name
kept for the buttons beside it, and a line saying what an empty list means."""
from __future__ import annotations

from typing import Iterable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QListWidget, QListWidgetItem


def fill(widget: QListWidget, rows: Iterable[tuple[str, str]], empty: str) -> None:
    """`rows`: (name, text shown). An empty list shows `empty`, which cannot be chosen."""
    widget.clear()
    for name, text in rows:
        item = QListWidgetItem(text)
        item.setData(Qt.UserRole, name)
        widget.addItem(item)
    if not widget.count():
        hint = QListWidgetItem(empty)
        hint.setFlags(Qt.NoItemFlags)
        widget.addItem(hint)
