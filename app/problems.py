"""The problems panel: what stands between this journey and publishing; click one to go there."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QStyle


class ProblemsPanel(QListWidget):
    node_clicked = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setAccessibleName("Problems")
        self.itemClicked.connect(self._clicked)
        self.itemActivated.connect(self._clicked)

    def show_problems(self, problems: list) -> None:
        self.clear()
        if not problems:
            item = QListWidgetItem("No problems: this journey can be published.")
            item.setIcon(self.style().standardIcon(QStyle.SP_DialogApplyButton))
            item.setFlags(Qt.ItemIsEnabled)
            self.addItem(item)
            return
        for p in problems:
            where = "Journey" if p.where == "journey" else ("Settings" if p.where.startswith("settings") else p.where)
            item = QListWidgetItem(f"{where}: {p.message}")
            item.setIcon(self.style().standardIcon(QStyle.SP_MessageBoxWarning))
            item.setData(Qt.UserRole, p.where)
            self.addItem(item)

    def _clicked(self, item: QListWidgetItem) -> None:
        where = item.data(Qt.UserRole)
        if where:
            self.node_clicked.emit(where)
