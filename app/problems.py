"""The problems panel: what stands between this journey and publishing; click one to go there."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QStyle


def place(where: str, journey) -> str:
    """Where a problem is, as the canvas names it: the node's label (its kind's title if it has
    none), then its id in brackets only when the label alone does not say which card."""
    if where == "journey":
        return "Journey"
    if where.startswith("settings"):
        return "Settings"
    node = journey.node(where) if journey is not None else None
    if node is None:
        return where
    name = node.title
    same = sum(1 for n in journey.nodes if n.title == name)
    return name if same == 1 else f"{name} ({where})"


class ProblemsPanel(QListWidget):
    node_clicked = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setAccessibleName("Problems")
        self.itemClicked.connect(self._clicked)
        self.itemActivated.connect(self._clicked)

    def show_problems(self, problems: list, journey=None) -> None:
        """`journey` names the nodes by their labels, as the cards show them."""
        self.clear()
        if not problems:
            item = QListWidgetItem("No problems: this journey can be published.")
            item.setIcon(self.style().standardIcon(QStyle.SP_DialogApplyButton))
            item.setFlags(Qt.ItemIsEnabled)
            self.addItem(item)
            return
        for p in problems:
            item = QListWidgetItem(f"{place(p.where, journey)}: {p.message}")
            item.setIcon(self.style().standardIcon(QStyle.SP_MessageBoxWarning))
            item.setData(Qt.UserRole, p.where)
            self.addItem(item)

    def _clicked(self, item: QListWidgetItem) -> None:
        where = item.data(Qt.UserRole)
        if where:
            self.node_clicked.emit(where)
